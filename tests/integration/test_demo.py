"""The README's main job, `make run` (scripts/demo.sh): ingest the sample
world and the knowledge base, show a KB search and a push list, serve; then a
real gRPC client calls the served store with the token the demo printed.
"""
import os
import re
import signal
import subprocess
import threading
import time
import unittest

import grpc

from harness import BUILD, OPP, ROOT, pb

KB = "/oppgraph.v1.KnowledgeService/"


class DemoTest(unittest.TestCase):
    def test_make_run_demo(self):
        env = dict(os.environ, OPPGRAPH_LISTEN="127.0.0.1:0")
        proc = subprocess.Popen(["bash", "scripts/demo.sh", BUILD], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines, cond = [], threading.Condition()

        def read():
            for line in proc.stdout:
                with cond:
                    lines.append(line.rstrip("\n"))
                    cond.notify_all()
            with cond:
                cond.notify_all()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        port = None
        deadline = time.monotonic() + 120
        with cond:
            while port is None:
                for l in lines:
                    m = re.search(r"oppgraph: listening on [^ ]*:(\d+)$", l)
                    if m:
                        port = int(m.group(1))
                left = deadline - time.monotonic()
                if port is None and (left <= 0 or proc.poll() is not None):
                    proc.kill()
                    self.fail("demo did not start serving:\n" + "\n".join(lines))
                if port is None:
                    cond.wait(min(max(left, 0.01), 0.5))
            out = "\n".join(lines)
        try:
            self.assertIn("== push list of rm01", out)
            self.assertRegex(out, r"articles match; page 1")
            token = re.search(r"^([0-9a-f]{12}\.[0-9a-f]{64})$", out, re.M).group(1)
            ch = grpc.insecure_channel("127.0.0.1:%d" % port)
            md = [("authorization", "Bearer " + token)]
            push = ch.unary_unary(OPP + "ListPushList",
                                  request_serializer=pb.ListPushListRequest.SerializeToString,
                                  response_deserializer=pb.ListPushListResponse.FromString)
            r = push(pb.ListPushListRequest(page_size=5), metadata=md, timeout=30)
            self.assertGreater(len(r.opportunities), 0)
            # the demo store holds the knowledge base: products carry articles
            self.assertTrue(any(o.product_articles for o in r.opportunities), r)
            search = ch.unary_unary(KB + "Search",
                                    request_serializer=pb.KbSearchRequest.SerializeToString,
                                    response_deserializer=pb.KbSearchResponse.FromString)
            k = search(pb.KbSearchRequest(query="保函 保证金比例"), metadata=md, timeout=30)
            self.assertGreater(k.total, 0)
            ch.close()
        finally:
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=30)
            reader.join(timeout=5)
            proc.stdout.close()
        self.assertEqual(rc, 0, "\n".join(lines))
        self.assertTrue(any("server stopped cleanly" in l for l in lines), "\n".join(lines))


if __name__ == "__main__":
    unittest.main()
