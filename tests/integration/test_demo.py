"""The README's main job, `make run` (scripts/demo.sh): ingest the sample
world and the knowledge base, show a KB search and a push list, serve; then a
real gRPC client calls the served store with the token the demo printed.
"""
import os
import re
import signal
import unittest

import harness as h
from harness import BUILD, pb

KB = "/oppgraph.v1.KnowledgeService/"


class DemoTest(unittest.TestCase):
    def test_make_run_demo(self):
        env = dict(os.environ, OPPGRAPH_LISTEN="127.0.0.1:0")
        srv = h.Server(None, cmd=["bash", "scripts/demo.sh", BUILD], env=env, start_timeout=120)
        try:
            out = "\n".join(srv.log())
            self.assertIn("== push list of rm01", out)
            self.assertRegex(out, r"articles match; page 1")
            token = re.search(r"^([0-9a-f]{12}\.[0-9a-f]{64})$", out, re.M).group(1)
            r = srv.push_list(token, page_size=5)
            self.assertGreater(len(r.opportunities), 0)
            # the demo store holds the knowledge base: products carry articles
            self.assertTrue(any(o.product_articles for o in r.opportunities), r)
            search = srv._method(KB + "Search", pb.KbSearchRequest, pb.KbSearchResponse)
            k = search(pb.KbSearchRequest(query="保函 保证金比例"),
                       metadata=srv._md(token), timeout=30)
            self.assertGreater(k.total, 0)
        finally:
            rc = srv.stop(signal.SIGINT, timeout=30)
        self.assertEqual(rc, 0, "\n".join(srv.log()))
        self.assertTrue(any("server stopped cleanly" in l for l in srv.log()), "\n".join(srv.log()))


if __name__ == "__main__":
    unittest.main()
