"""Hot backup: `oppgraph backup` while `oppgraph serve` is answering calls.

The sample world is ingested into a temporary store, tokens are issued, a
server is started on it and kept busy by client threads, and the store is
backed up meanwhile.  The copy must pass `oppgraph check`, hold the same
counts, the same push list of every RM (CLI `push-list --json`) and the same
guarantee circles (`graph circles --no-rebuild`) as the original; a second
server started on the copy (the restore) must answer the same push lists over
gRPC with the tokens issued before the backup.  Skips, saying why, when the
ingest command or the sample world is missing.
"""
import json
import os
import threading
import unittest

import harness as h


def push_lists(db, rms):
    out = {}
    for rm in rms:
        p = h.cli("push-list", "--db", db, "--rm", rm, "--json", "--limit", "1000000",
                  check=True)
        out[rm] = json.loads(p.stdout)
    return out


def circles(db):
    p = h.cli("graph", "circles", "--db", db, "--no-rebuild", check=True)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def check(db):
    p = h.cli("check", "--db", db)
    if p.returncode != 0:
        raise AssertionError("oppgraph check %s exited %d:\n%s%s"
                             % (db, p.returncode, p.stdout, p.stderr[-3000:]))
    return json.loads(p.stdout)


class BackupWhileServingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ok, why = h.ingest_available()
        if not ok:
            raise unittest.SkipTest(why)
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        p = h.cli("ingest", "--db", cls.db, "--quiet", h.SAMPLE)
        if p.returncode != 0:
            h.remove_tree(cls.dir)
            raise AssertionError("ingest of data/sample exited %d:\n%s"
                                 % (p.returncode, p.stderr[-2000:]))
        cls.counts = h.store_rms(cls.db)
        cls.rms = sorted(cls.counts)
        cls.busy = [rm for rm in cls.rms if cls.counts[rm] > 0]
        cls.tok = {rm: h.issue_token(cls.db, rm) for rm in cls.busy}
        cls.srv = h.Server(cls.db, "--threads", "4")

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        h.remove_tree(cls.dir)
        if rc != 0:
            raise AssertionError("server exited %d:\n%s" % (rc, "\n".join(cls.srv.log()[-30:])))

    def grpc_lists(self, srv):
        out = {}
        for rm in self.busy:
            opps = srv.push_list_all(self.tok[rm], page_size=25)[0]
            out[rm] = [o.SerializeToString() for o in opps]
        return out

    def test_backup_while_serving_equals_original_and_restores(self):
        self.assertTrue(self.busy, "the sample world gives no RM an opportunity: %s"
                        % self.counts)
        # Keep the server reading while the copy is taken.
        stop = threading.Event()
        errors, calls = [], [0]

        def hammer(rm):
            while not stop.is_set():
                try:
                    self.srv.push_list_all(self.tok[rm], page_size=7)
                    calls[0] += 1
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append("%s: %r" % (rm, e))
                    return

        threads = [threading.Thread(target=hammer, args=(rm,)) for rm in self.busy * 2]
        for t in threads:
            t.start()
        try:
            # Wait for real traffic first, so the copy overlaps open reads.
            for _ in range(200):
                if calls[0] >= len(threads) or errors:
                    break
                threading.Event().wait(0.05)
            out = os.path.join(self.dir, "copy")
            p = h.cli("backup", "--db", self.db, "--out", out)
            after_calls = calls[0]
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertGreater(after_calls, 0, "no call was answered during the backup")
        printed = json.loads(p.stdout)
        self.assertEqual(printed["backup"], out)

        orig, copy = check(self.db), check(out)
        self.assertEqual(orig, copy)
        self.assertEqual(copy["problems"], 0)
        self.assertGreater(copy["documents"], 0)
        self.assertEqual(printed["opportunities"], copy["opportunities"])
        self.assertEqual(h.store_stats(self.db), h.store_stats(out))
        self.assertEqual(push_lists(self.db, self.rms), push_lists(out, self.rms))
        circ = circles(self.db)
        self.assertTrue(circ, "the sample world has guarantee circles")
        self.assertEqual(circ, circles(out))
        # Compaction: the copy is no larger than the original's data file.
        self.assertLessEqual(os.path.getsize(os.path.join(out, "data.mdb")),
                             os.path.getsize(os.path.join(self.db, "data.mdb")))

        # Restore: serve the copy; the same tokens, the same lists.
        restored = h.Server(out)
        try:
            self.assertEqual(self.grpc_lists(restored), self.grpc_lists(self.srv))
        finally:
            self.assertEqual(restored.stop(), 0)
        self.assertEqual(self.srv.health().status, h.health_pb.HealthCheckResponse.SERVING)

    def test_backup_refuses_nonempty_target_and_bad_usage(self):
        target = os.path.join(self.dir, "occupied")
        os.makedirs(target)
        with open(os.path.join(target, "keep.txt"), "w") as f:
            f.write("not a store")
        p = h.cli("backup", "--db", self.db, "--out", target)
        self.assertEqual(p.returncode, 1)
        self.assertIn(target, p.stderr)
        self.assertIn("not empty", p.stderr)
        with open(os.path.join(target, "keep.txt")) as f:
            self.assertEqual(f.read(), "not a store")
        self.assertEqual(h.cli("backup", "--db", self.db).returncode, 2)
        self.assertEqual(h.cli("backup", "--db", self.db, "--out", self.db).returncode, 2)
        p = h.cli("backup", "--db", os.path.join(self.dir, "nothing"),
                  "--out", os.path.join(self.dir, "x"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("nothing", p.stderr)


if __name__ == "__main__":
    unittest.main()
