"""End-to-end tests: a real `oppgraph serve` called with Debian's grpcio.

SeededServerTest runs against a store written by tests/integration/storetool
(a known world: RMs of two teams, a lead, an admin, opportunities with ties),
so that visibility, ordering and paging are checked against exact numbers.
SampleWorldTest runs the whole pipeline: `oppgraph ingest data/sample`, then
the server, re-ingest and bad input; it skips, saying why, when the ingest
command or the sample world is not there.
"""
import concurrent.futures
import json
import os
import shutil
import signal
import unittest

import grpc

import harness as h

SERVING = h.health_pb.HealthCheckResponse.SERVING


class SeededServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        cls.world = h.seed_store(cls.db)
        cls.tok = {rm: h.issue_token(cls.db, rm) for rm in cls.world["rms"]}
        cls.srv = h.Server(cls.db, "--threads", "3")

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        h.remove_tree(cls.dir)
        if rc != 0:
            raise AssertionError("server exited %d after the tests:\n%s"
                                 % (rc, "\n".join(cls.srv.log()[-30:])))

    def assertCode(self, code, fn, *args, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        return cm.exception.details()

    # ---- health -------------------------------------------------------------

    def test_health_serving_for_server_and_services(self):
        for svc in ("", "grpc.health.v1.Health", "oppgraph.v1.OpportunityService",
                    "oppgraph.v1.EnterpriseService"):
            self.assertEqual(self.srv.health(svc).status, SERVING, svc)

    def test_health_unknown_service_not_found(self):
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.health, "no.such.Service")

    # ---- push lists ---------------------------------------------------------

    def test_each_rm_sees_only_own_list_ordered_and_paged_completely(self):
        seen = {}
        for rm in ("rm_a1", "rm_a2", "rm_b1"):
            want = self.world["rms"][rm]["opps"]
            opps, totals, pages = self.srv.push_list_all(self.tok[rm], page_size=10)
            self.assertEqual(totals, {want}, rm)
            self.assertEqual(len(opps), want, rm)
            self.assertEqual(pages, max(1, -(-want // 10)), rm)
            self.assertTrue(all(o.rm_id == rm for o in opps), rm)
            ids = [o.id for o in opps]
            self.assertEqual(len(set(ids)), len(ids), "an opportunity repeats across pages")
            scores = [o.score for o in opps]
            self.assertEqual(scores, sorted(scores, reverse=True), rm)
            seen[rm] = set(ids)
        self.assertFalse(seen["rm_a1"] & seen["rm_a2"])
        self.assertFalse(seen["rm_a1"] & seen["rm_b1"])

    def test_paging_with_page_size_one_crosses_ties(self):
        # The seeded scores repeat every third item: a page boundary falls
        # between equal scores, which the page key (score, id) must survive.
        opps, _, pages = self.srv.push_list_all(self.tok["rm_a2"], page_size=1)
        self.assertEqual(pages, 7)
        self.assertEqual(len({o.id for o in opps}), 7)

    def test_default_and_maximum_page_size(self):
        r = self.srv.push_list(self.tok["rm_a1"])
        self.assertEqual(len(r.opportunities), 20)
        self.assertEqual(r.total, 45)
        self.assertTrue(r.next_page_token)
        r = self.srv.push_list(self.tok["rm_a1"], page_size=200)
        self.assertEqual(len(r.opportunities), 45)
        self.assertEqual(r.next_page_token, "")

    def test_page_size_out_of_range_invalid_argument(self):
        for size in (201, -1):
            d = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.srv.push_list,
                                self.tok["rm_a1"], page_size=size)
            self.assertIn("page_size", d)

    def test_bad_page_token_invalid_argument(self):
        for bad in ("zz", "x" * 32, "00" * 15, "00" * 17):
            self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.srv.push_list,
                            self.tok["rm_a1"], page_token=bad)

    def test_missing_and_wrong_tokens_unauthenticated(self):
        good = self.tok["rm_a1"]
        wrong_secret = good[:13] + ("0" if good[13] != "0" else "1") + good[14:]
        cases = {
            "missing": [],
            "wrong secret": [("authorization", "Bearer " + wrong_secret)],
            "unknown id": [("authorization", "Bearer " + "f" * 12 + good[12:])],
            "garbage": [("authorization", "Bearer nonsense")],
            "not bearer": [("authorization", "Basic " + good)],
        }
        for name, md in cases.items():
            d = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.srv.push_list, None,
                                metadata=md)
            self.assertIn("oppgraph token issue", d, name)

    def test_revoked_token_unauthenticated(self):
        tok = h.issue_token(self.db, "rm_b1")
        self.assertEqual(self.srv.push_list(tok).total, 3)
        h.cli("token", "revoke", "--db", self.db, "--id", tok.split(".")[0], check=True)
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.srv.push_list, tok)
        self.assertEqual(self.srv.push_list(self.tok["rm_b1"]).total, 3)

    def test_rm_asking_for_another_rms_list_permission_denied(self):
        for other in ("rm_a2", "rm_b1", "lead_a", "no_such_rm"):
            self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.srv.push_list,
                            self.tok["rm_a1"], rm_id=other)
        # Naming oneself is the same as naming nobody.
        self.assertEqual(self.srv.push_list(self.tok["rm_a1"], rm_id="rm_a1").total, 45)

    def test_lead_reads_own_team_only(self):
        opps, totals, _ = self.srv.push_list_all(self.tok["lead_a"], rm_id="rm_a1")
        self.assertEqual(totals, {45})
        self.assertTrue(all(o.rm_id == "rm_a1" for o in opps))
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.srv.push_list,
                        self.tok["lead_a"], rm_id="rm_b1")

    def test_admin_reads_any_rm(self):
        self.assertEqual(self.srv.push_list(self.tok["admin"], rm_id="rm_b1").total, 3)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.push_list, self.tok["admin"],
                        rm_id="no_such_rm")

    # ---- opportunities and enterprises -------------------------------------

    def test_get_opportunity_own_and_others(self):
        mine = self.srv.push_list(self.tok["rm_a2"]).opportunities[0]
        got = self.srv.get_opportunity(self.tok["rm_a2"], mine.id)
        self.assertEqual(got, mine)
        # Someone else's looks exactly like a missing one.
        d_other = self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.get_opportunity,
                                  self.tok["rm_b1"], mine.id)
        self.assertIn(str(mine.id), d_other)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.get_opportunity,
                        self.tok["rm_b1"], 999999)
        self.assertEqual(self.srv.get_opportunity(self.tok["lead_a"], mine.id).id, mine.id)
        self.assertEqual(self.srv.get_opportunity(self.tok["admin"], mine.id).id, mine.id)
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.srv.get_opportunity, None,
                        mine.id)

    def test_get_enterprise_by_code_name_alias_id(self):
        ent = self.world["enterprises"][2]
        tok = self.tok["rm_b1"]
        by_code = self.srv.get_enterprise(tok, credit_code=ent["credit_code"])
        self.assertEqual(by_code.name, ent["name"])
        self.assertEqual(by_code.id, ent["id"])
        self.assertEqual(self.srv.get_enterprise(tok, name=ent["name"]).id, ent["id"])
        self.assertEqual(self.srv.get_enterprise(tok, name=ent["alias"]).id, ent["id"])
        self.assertEqual(self.srv.get_enterprise(tok, id=ent["id"]).credit_code,
                         ent["credit_code"])

    def test_get_enterprise_errors(self):
        tok = self.tok["rm_b1"]
        d = self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.get_enterprise, tok,
                            credit_code="91110000000000000X")
        self.assertIn("91110000000000000X", d)
        d = self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.get_enterprise, tok,
                            name="不存在的公司")
        self.assertIn("不存在的公司", d)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.srv.get_enterprise, tok, id=424242)
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.srv.get_enterprise, tok)
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.srv.get_enterprise, None,
                        credit_code=self.world["enterprises"][0]["credit_code"])

    # ---- protocol -------------------------------------------------------------

    def test_undecodable_request_invalid_argument(self):
        # field 2 (page_token) claims 5 bytes but carries 2
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.srv.raw,
                        h.OPP + "ListPushList", b"\x12\x05ab", self.tok["rm_a1"])

    def test_unknown_method_unimplemented(self):
        self.assertCode(grpc.StatusCode.UNIMPLEMENTED, self.srv.raw,
                        h.OPP + "NoSuchMethod", b"", self.tok["rm_a1"])

    def test_concurrent_calls_all_answered(self):
        def one(i):
            rm = ("rm_a1", "rm_a2", "rm_b1")[i % 3]
            r = self.srv.push_list(self.tok[rm], page_size=5)
            return rm, r
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            for rm, r in ex.map(one, range(300)):
                self.assertEqual(r.total, self.world["rms"][rm]["opps"])
                self.assertTrue(all(o.rm_id == rm for o in r.opportunities))

    def test_cli_push_list_matches_grpc_order(self):
        p = h.cli("push-list", "--db", self.db, "--rm", "rm_a1", "--limit", "100", "--json",
                  check=True)
        cli_ids = [o["id"] for o in json.loads(p.stdout)["opportunities"]]
        grpc_ids = [o.id for o in self.srv.push_list_all(self.tok["rm_a1"], page_size=7)[0]]
        self.assertEqual(cli_ids, grpc_ids)
        table = h.cli("push-list", "--db", self.db, "--rm", "rm_a2", check=True).stdout
        self.assertIn("7 opportunities", table)
        self.assertIn("why:", table)

    def test_log_has_request_lines_and_never_the_token(self):
        self.srv.push_list(self.tok["rm_a2"], page_size=1)
        log = "\n".join(self.srv.wait_log(r"ListPushList rm=rm_a2 "))
        self.assertRegex(log, r"req=\d+ method=/oppgraph.v1.OpportunityService/ListPushList "
                              r"rm=rm_a2 status=OK latency_us=\d+")
        for tok in self.tok.values():
            self.assertNotIn(tok.split(".")[1], log)


class ServeLifecycleTest(unittest.TestCase):
    def setUp(self):
        self.dir = h.tempdir()
        self.addCleanup(h.remove_tree, self.dir)
        self.db = os.path.join(self.dir, "db")
        h.seed_store(self.db)

    def test_sigterm_and_sigint_exit_cleanly(self):
        tok = h.issue_token(self.db, "rm_a2")
        for sig in (signal.SIGTERM, signal.SIGINT):
            srv = h.Server(self.db)
            self.assertEqual(srv.health().status, SERVING)
            # every handler path once, so that a sanitizer build sees them
            self.assertEqual(srv.push_list(tok).total, 7)
            self.assertEqual(srv.get_enterprise(tok, id=1).id, 1)
            for call in (lambda: srv.push_list(None), lambda: srv.push_list(tok, rm_id="rm_b1"),
                         lambda: srv.get_opportunity(tok, 424242),
                         lambda: srv.raw(h.OPP + "Nope", b"", tok),
                         lambda: srv.raw(h.OPP + "ListPushList", b"\x12\x05ab", tok)):
                with self.assertRaises(grpc.RpcError):
                    call()
            self.assertEqual(srv.stop(sig), 0, "\n".join(srv.log()))
            self.assertIn("oppgraph: server stopped cleanly", srv.log())

    def test_serve_refuses_busy_port_and_missing_store(self):
        srv = h.Server(self.db)
        try:
            p = h.cli("serve", "--db", self.db, "--listen", srv.target, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn(srv.target, p.stderr)
        finally:
            srv.stop()
        p = h.cli("serve", "--db", os.path.join(self.dir, "nope"), "--listen",
                  "127.0.0.1:0", timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("nope", p.stderr)

    def test_tls_when_cert_and_key_given(self):
        if not shutil.which("openssl"):
            self.skipTest("no openssl command to make a test certificate")
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        h.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
              "-out", cert, "-days", "1", "-subj", "/CN=localhost",
              "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", check=True)
        with open(cert, "rb") as f:
            root = f.read()
        tok = h.issue_token(self.db, "rm_b1")
        srv = h.Server(self.db, "--tls-cert", cert, "--tls-key", key, tls_root=root)
        try:
            self.assertEqual(srv.health().status, SERVING)
            self.assertEqual(srv.push_list(tok).total, 3)
            # a plaintext client gets nowhere
            plain = grpc.insecure_channel(srv.target)
            call = plain.unary_unary(h.HEALTH)
            with self.assertRaises(grpc.RpcError) as cm:
                call(b"", timeout=5)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)
            plain.close()
        finally:
            self.assertEqual(srv.stop(), 0)
        p = h.cli("serve", "--db", self.db, "--listen", "127.0.0.1:0", "--tls-cert",
                  os.path.join(self.dir, "missing.pem"), "--tls-key", key, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing.pem", p.stderr)

    def test_token_cli_errors(self):
        p = h.cli("token", "issue", "--db", self.db, "--rm", "ghost")
        self.assertEqual(p.returncode, 1)
        self.assertIn("ghost", p.stderr)
        p = h.cli("token", "revoke", "--db", self.db, "--id", "000000000000")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(h.cli("token", "frobnicate").returncode, 2)
        self.assertEqual(h.cli("serve", "--help").returncode, 0)


class SampleWorldTest(unittest.TestCase):
    """The bundled sample world through the whole pipeline."""

    @classmethod
    def setUpClass(cls):
        ok, why = h.ingest_available()
        if not ok:
            raise unittest.SkipTest(why)
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        p = h.cli("ingest", "--db", cls.db, h.SAMPLE)
        if p.returncode != 0:
            h.remove_tree(cls.dir)
            raise AssertionError("ingest of data/sample exited %d:\n%s"
                                 % (p.returncode, p.stderr[-2000:]))
        rms = h.store_rms(cls.db)
        cls.rms = sorted((rm for rm, n in rms.items() if n > 0), key=lambda r: -rms[r])[:2]
        cls.counts = rms
        cls.tok = {rm: h.issue_token(cls.db, rm) for rm in cls.rms}
        cls.srv = h.Server(cls.db)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        h.remove_tree(cls.dir)

    def snapshot(self):
        """Stats and every RM's full push list, timestamps aside."""
        lists = {}
        for rm in self.rms:
            opps = self.srv.push_list_all(self.tok[rm], page_size=50)[0]
            for o in opps:
                o.created_at = o.updated_at = 0
            lists[rm] = [o.SerializeToString() for o in opps]
        return h.store_stats(self.db), lists

    def test_a_two_rms_each_see_only_their_own(self):
        self.assertEqual(len(self.rms), 2, "the sample world should give two RMs "
                         "opportunities; counts: %s" % self.counts)
        self.assertEqual(self.srv.health().status, SERVING)
        for rm in self.rms:
            opps, totals, _ = self.srv.push_list_all(self.tok[rm], page_size=20)
            self.assertEqual(totals, {self.counts[rm]})
            self.assertEqual(len(opps), self.counts[rm])
            self.assertTrue(all(o.rm_id == rm for o in opps))
            scores = [o.score for o in opps]
            self.assertEqual(scores, sorted(scores, reverse=True))
            self.assertEqual(len({o.id for o in opps}), len(opps))
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.rms[0], self.rms[1])

    def assertCode(self, code, rm, other):
        with self.assertRaises(grpc.RpcError) as cm:
            self.srv.push_list(self.tok[rm], rm_id=other)
        # a lead of the same team may legitimately read it
        if cm.exception.code() != code:
            self.fail("%s reading %s's list: %s" % (rm, other, cm.exception.code()))

    def test_b_get_enterprise_of_an_opportunity(self):
        opp = self.srv.push_list(self.tok[self.rms[0]], page_size=1).opportunities[0]
        ent = self.srv.get_enterprise(self.tok[self.rms[0]], id=opp.enterprise_id)
        self.assertEqual(self.srv.get_enterprise(self.tok[self.rms[0]], name=ent.name).id,
                         ent.id)
        if ent.credit_code:
            self.assertEqual(self.srv.get_enterprise(self.tok[self.rms[0]],
                                                     credit_code=ent.credit_code).id, ent.id)

    def test_c_reingest_changes_nothing(self):
        before = self.snapshot()
        p = h.cli("ingest", "--db", self.db, h.SAMPLE)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(self.snapshot(), before)

    def test_d_bad_files_rejected_by_name_store_intact(self):
        before = self.snapshot()
        bad = os.path.join(self.dir, "bad")
        os.makedirs(bad, exist_ok=True)
        with open(os.path.join(bad, "broken_registry.xml"), "w") as f:
            f.write("<registry><enterprise><name>未闭合")
        with open(os.path.join(bad, "bad_utf8.txt"), "wb") as f:
            f.write("公告：某公司中标".encode() + b"\xff\xfe\xc3(" + "项目".encode())
        p = h.cli("ingest", "--db", self.db, bad)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("broken_registry.xml", p.stderr)
        self.assertIn("bad_utf8.txt", p.stderr)
        self.assertEqual(self.snapshot(), before)


if __name__ == "__main__":
    unittest.main()
