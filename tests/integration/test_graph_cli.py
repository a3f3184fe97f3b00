"""The graph and opportunity subcommands end to end through the binary:
`graph import-edges` of a GB18030 CSV, `graph circles` (with a store and
without one), `graph export` to SVG, `graph controllers`, and
`opportunities` on the bundled sample world (idempotent on a second run).
"""
import json
import os
import shutil
import tempfile
import unittest

from harness import SAMPLE, cli


CSV = ("担保人,被担保人,担保金额,到期日\n"
       "甲公司,乙公司,\"1,200万\",2030-01-31\n"
       "乙公司,丙公司,3000万,2030/01/31\n"
       "丙公司,甲公司,0.5亿,\n"
       "丁公司,甲公司,1000万,\n"
       "戊公司,,5,\n")


class GraphCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="itest_graph_")
        self.db = os.path.join(self.tmp, "db")
        self.csv = os.path.join(self.tmp, "guarantees.csv")
        with open(self.csv, "wb") as f:
            f.write(CSV.encode("gb18030"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def circles(self, *args):
        p = cli("graph", "circles", *args)
        lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        return p, lines

    def test_import_then_circles(self):
        p = cli("graph", "import-edges", "--db", self.db, "--edges", self.csv,
                "--type", "guarantee")
        self.assertEqual(p.returncode, 1, p.stderr)  # one row rejected
        self.assertIn("guarantees.csv:6: empty target", p.stderr)
        self.assertIn("GB18030", p.stderr)
        self.assertIn("4 edges stored", p.stderr)
        # the stored circles are brought up to date by the import itself
        self.assertIn("1 guarantee circles; ownership", p.stderr)
        p, stored = self.circles("--db", self.db, "--no-rebuild")
        self.assertEqual(len(stored), 1, p.stderr)
        p, lines = self.circles("--db", self.db)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(lines), 1)
        c = lines[0]
        self.assertEqual(sorted(m["name"] for m in c["members"]),
                         sorted(["甲公司", "乙公司", "丙公司"]))
        self.assertEqual(c["total_amount"], 12000000 + 30000000 + 50000000)
        self.assertEqual(len(c["edges"]), 3)
        self.assertIn("2030-01-31", [e["end"] for e in c["edges"]])
        # importing again adds nothing; the form: the file last,
        # without --edges
        p = cli("graph", "import-edges", "--db", self.db, "--type", "guarantee", self.csv)
        self.assertEqual(p.returncode, 1, p.stderr)  # the same rejected row
        self.assertIn("4 edges stored", p.stderr)
        p, again = self.circles("--db", self.db)
        self.assertEqual(again, lines)

    def test_circles_without_store(self):
        p, lines = self.circles("--edges", self.csv)
        self.assertEqual(p.returncode, 1)  # the rejected row is reported
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines[0]["size"], 3)

    def test_export_svg_and_usage_errors(self):
        cli("graph", "import-edges", "--db", self.db, "--edges", self.csv,
            "--type", "guarantee")
        p, lines = self.circles("--db", self.db)
        ent = lines[0]["members"][0]["id"]
        out = os.path.join(self.tmp, "g.svg")
        p = cli("graph", "export", "--db", self.db, "--id", ent, "--depth", 1,
                "--format", "svg", "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, encoding="utf-8") as f:
            svg = f.read()
        self.assertIn("<svg", svg)
        self.assertIn("担保", svg)
        self.assertEqual(cli("graph", "export", "--db", self.db).returncode, 2)
        self.assertEqual(cli("graph", "bogus", "--db", self.db).returncode, 2)
        p = cli("graph", "controllers", "--db", self.db, "--id", 999999)
        self.assertEqual(p.returncode, 1)
        self.assertIn("999999", p.stderr)


class OpportunitiesCliTest(unittest.TestCase):
    def test_sample_world_regenerates_idempotently(self):
        tmp = tempfile.mkdtemp(prefix="itest_opp_")
        try:
            db = os.path.join(tmp, "db")
            cli("ingest", "--db", db, SAMPLE, check=True, timeout=300)
            p = cli("opportunities", "--db", db, check=True)
            self.assertRegex(p.stdout, r"created 0, updated \d+, unchanged \d+")
            p = cli("opportunities", "--db", db, check=True)
            self.assertRegex(p.stdout, r"\(created 0, updated 0, unchanged [1-9]")
            p = cli("opportunities", "--db", db, "--data",
                    os.path.join(tmp, "nowhere"))
            self.assertEqual(p.returncode, 1)
            self.assertIn("products.json", p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
