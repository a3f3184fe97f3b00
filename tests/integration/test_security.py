"""Security checks (issue 8 item 5) against a real `oppgraph serve`:

- an RM cannot read another RM's pushes, clients or feedback through any
  RPC, including by walking every id with GetOpportunity, RecordFeedback and
  StreamOpportunities;
- GetEnterprise: registry data is public record, but whether an enterprise
  is a client, of which RM, and the bank-internal credit_declined flag are
  told only to those who may read that RM's data (the owner, their lead, an
  admin);
- revoked tokens stop working at once; an open stream of a revoked token
  ends with UNAUTHENTICATED at the server's next wake-up (its next committed
  write — the first moment it could send anything) and delivers nothing
  after the revoke;
- tokens never appear in the server's log;
- oversized and malformed messages and credentials are refused with the
  right status;
- TLS with a self-signed certificate.

The store is storetool's known world (rm_a1, rm_a2, lead_a in team A; rm_b1
in team B; admin), plus one enterprise made rm_a1's client by sectool.
"""
import os
import shutil
import time
import unittest

import grpc

import harness as h
from test_api import Reader, call, stream

pb = h.pb
OPP = h.OPP
ENT = h.ENT
SECTOOL = os.path.join(h.BUILD, "itest", "sectool")


def drain(it, quiet=0.5):
    """Every message a stream sends until it is quiet for `quiet` seconds."""
    rd, out = Reader(it), []
    while not rd.nothing_within(quiet):
        m = rd.q.get()
        if m is None:
            break
        out.append(m)
    it.cancel()
    return out


class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        cls.world = h.seed_store(cls.db)
        cls.client_ent = cls.world["enterprises"][0]
        h.run(SECTOOL, "client", cls.db, cls.client_ent["credit_code"], "rm_a1", check=True)
        cls.tok = {rm: h.issue_token(cls.db, rm) for rm in cls.world["rms"]}
        cls.issued = list(cls.tok.values())
        cls.srv = h.Server(cls.db, "--max-message", "65536")

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        h.remove_tree(cls.dir)
        if rc != 0:
            raise AssertionError("server exited %d:\n%s" % (rc, "\n".join(cls.srv.log()[-30:])))

    def new_token(self, rm):
        t = h.issue_token(self.db, rm)
        self.issued.append(t)
        return t

    def code_of(self, fn, *args, **kw):
        try:
            fn(*args, **kw)
        except grpc.RpcError as e:
            return e.code()
        return grpc.StatusCode.OK

    def all_opps(self):
        """{id: Opportunity} of everyone, read as admin."""
        out = {}
        for rm in self.world["rms"]:
            opps, _, _ = self.srv.push_list_all(self.tok["admin"], page_size=100, rm_id=rm)
            out.update((o.id, o) for o in opps)
        return out

    # ---- other RMs' data -----------------------------------------------------

    def test_push_list_of_another_rm_refused(self):
        for rm, other in (("rm_b1", "rm_a1"), ("rm_a1", "rm_a2"), ("rm_a1", "rm_b1"),
                          ("lead_a", "rm_b1"), ("rm_a1", "no_such_rm")):
            self.assertEqual(self.code_of(self.srv.push_list, self.tok[rm], rm_id=other),
                             grpc.StatusCode.PERMISSION_DENIED, (rm, other))
            with self.assertRaises(grpc.RpcError) as cm:
                list(stream(self.srv, pb.StreamOpportunitiesRequest(rm_id=other), self.tok[rm], timeout=5))
            self.assertEqual(cm.exception.code(), grpc.StatusCode.PERMISSION_DENIED, (rm, other))

    def test_guessing_opportunity_ids_reveals_nothing(self):
        everyone = self.all_opps()
        top = max(everyone) + 20
        mine = {o.id for o in self.srv.push_list_all(self.tok["rm_b1"], page_size=100)[0]}
        self.assertEqual(len(mine), self.world["rms"]["rm_b1"]["opps"])
        before = {i: (o.status, o.feedback_reason) for i, o in everyone.items()}
        for i in range(0, top + 1):
            if i in mine:
                self.assertEqual(self.srv.get_opportunity(self.tok["rm_b1"], i).rm_id, "rm_b1")
                continue
            with self.assertRaises(grpc.RpcError) as cm:
                self.srv.get_opportunity(self.tok["rm_b1"], i)
            # another RM's id and a free id answer exactly alike
            self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND, i)
            self.assertEqual(cm.exception.details(), "no opportunity %d in your push list" % i)
            with self.assertRaises(grpc.RpcError) as cm:
                call(self.srv, OPP + "RecordFeedback", pb.RecordFeedbackRequest(
                    opportunity_id=i, outcome=pb.FEEDBACK_WON, reason="猜的"),
                    pb.RecordFeedbackResponse, self.tok["rm_b1"])
            self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND, i)
        after = {i: (o.status, o.feedback_reason) for i, o in self.all_opps().items()}
        self.assertEqual(before, after, "feedback by guessed ids changed someone's opportunity")

    def test_stream_replay_and_star_show_only_own(self):
        for req in (pb.StreamOpportunitiesRequest(resume_token="0"),
                    pb.StreamOpportunitiesRequest(resume_token="0", rm_id="*")):
            got = drain(stream(self.srv, req, self.tok["rm_b1"]))
            self.assertEqual(len(got), self.world["rms"]["rm_b1"]["opps"])
            self.assertEqual({p.opportunity.rm_id for p in got}, {"rm_b1"})

    def test_feedback_reason_stays_with_its_rm(self):
        opp = self.srv.push_list(self.tok["rm_a2"]).opportunities[0]
        secret = "客户内部原因：资金链紧张（保密）"
        call(self.srv, OPP + "RecordFeedback", pb.RecordFeedbackRequest(
            opportunity_id=opp.id, outcome=pb.FEEDBACK_REJECTED, reason=secret),
            pb.RecordFeedbackResponse, self.tok["rm_a2"])
        # the owner and their lead read it back …
        self.assertEqual(self.srv.get_opportunity(self.tok["rm_a2"], opp.id).feedback_reason, secret)
        self.assertEqual(self.srv.get_opportunity(self.tok["lead_a"], opp.id).feedback_reason, secret)
        # … a peer and another team do not, by id, list, stream or funnel
        for rm in ("rm_a1", "rm_b1"):
            self.assertEqual(self.code_of(self.srv.get_opportunity, self.tok[rm], opp.id),
                             grpc.StatusCode.NOT_FOUND)
            for o in self.srv.push_list_all(self.tok[rm], page_size=100)[0]:
                self.assertNotEqual(o.feedback_reason, secret)
            got = drain(stream(self.srv, pb.StreamOpportunitiesRequest(resume_token="0", rm_id="*"),
                               self.tok[rm]))
            self.assertTrue(got)
            self.assertNotIn(opp.id, {p.opportunity.id for p in got})
            f = call(self.srv, OPP + "GetFunnel", pb.GetFunnelRequest(), pb.GetFunnelResponse, self.tok[rm])
            self.assertEqual([r.key for r in f.rows], [rm])

    def test_client_fields_only_for_those_who_may_read_the_rm(self):
        code = self.client_ent["credit_code"]
        for rm in ("rm_a1", "lead_a", "admin"):
            e = self.srv.get_enterprise(self.tok[rm], credit_code=code)
            self.assertTrue(e.is_client, rm)
            self.assertEqual(e.rm_id, "rm_a1", rm)
            self.assertTrue(e.credit_declined, rm)
        for rm in ("rm_a2", "rm_b1"):
            for key in ({"credit_code": code}, {"id": self.client_ent["id"]},
                        {"name": self.client_ent["name"]}):
                e = self.srv.get_enterprise(self.tok[rm], **key)
                # registry data is public record …
                self.assertEqual(e.name, self.client_ent["name"])
                self.assertEqual(e.credit_code, code)
                # … whose client it is, and the bank's own flags, are not
                self.assertFalse(e.is_client, (rm, key))
                self.assertEqual(e.rm_id, "", (rm, key))
                self.assertFalse(e.credit_declined, (rm, key))

    # ---- tokens --------------------------------------------------------------

    def test_revoked_token_stops_at_once_even_on_open_stream(self):
        doomed = self.new_token("rm_a2")
        other = self.new_token("rm_a2")
        # the token works (the default list counts open opportunities only,
        # and test_feedback_reason_stays_with_its_rm may have rejected one)
        before = self.srv.push_list(doomed).total
        self.assertGreater(before, 0)
        self.assertEqual(before, self.srv.push_list(other).total)
        rd_doomed = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(), doomed))
        rd_other = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(), other))
        time.sleep(0.3)  # both streams are listed by the server
        h.cli("token", "revoke", "--db", self.db, "--id", doomed.split(".")[0], check=True)
        # unary calls: refused from the very next call
        for fn, args in ((self.srv.push_list, ()), (self.srv.get_opportunity, (1,)),
                         (self.srv.get_enterprise, ())):
            kw = {"credit_code": self.client_ent["credit_code"]} if fn == self.srv.get_enterprise else {}
            self.assertEqual(self.code_of(fn, doomed, *args, **kw), grpc.StatusCode.UNAUTHENTICATED)
        # the open stream: the next push goes to the live token only, and the
        # revoked one's stream ends UNAUTHENTICATED
        opp = self.srv.push_list(other).opportunities[-1]
        call(self.srv, OPP + "RecordFeedback", pb.RecordFeedbackRequest(
            opportunity_id=opp.id, outcome=pb.FEEDBACK_ACCEPTED), pb.RecordFeedbackResponse, other)
        self.assertEqual([p.opportunity.id for p in rd_other.take(1)], [opp.id])
        self.assertEqual(rd_doomed.take(1, timeout=5), [], "a revoked token's stream got a push")
        rd_doomed.t.join(5)
        self.assertIsNotNone(rd_doomed.err, "the revoked token's stream is still open")
        self.assertEqual(rd_doomed.err.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertIn("revoked", rd_doomed.err.details())
        rd_other.it.cancel()
        # and a new stream is refused
        with self.assertRaises(grpc.RpcError) as cm:
            list(stream(self.srv, pb.StreamOpportunitiesRequest(), doomed, timeout=5))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_malformed_credentials_refused(self):
        good = self.tok["rm_a1"]
        tid, secret = good.split(".")
        wrong_secret = tid + "." + ("0" if secret[0] != "0" else "1") + secret[1:]
        for md in ([], [("authorization", good)], [("authorization", "Basic " + good)],
                   [("authorization", "Bearer ")], [("authorization", "Bearer " + wrong_secret)],
                   [("authorization", "Bearer " + tid)], [("authorization", "Bearer " + good + "x")],
                   [("authorization", "Bearer " + "z" * 12 + "." + secret)]):
            with self.assertRaises(grpc.RpcError) as cm:
                self.srv.push_list(None, metadata=md)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED, md)
            self.assertNotIn(secret, cm.exception.details())

    # ---- messages ------------------------------------------------------------

    def test_oversized_and_malformed_messages(self):
        tok = self.tok["admin"]
        # over --max-message (64 KiB): RESOURCE_EXHAUSTED, for any method
        big = pb.SubmitDocumentsRequest(documents=[pb.SubmittedDocument(text="公告" * 40000)])
        with self.assertRaises(grpc.RpcError) as cm:
            call(self.srv, "/oppgraph.v1.IngestService/SubmitDocuments", big,
                 pb.SubmitDocumentsResponse, tok)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(self.code_of(self.srv.push_list, tok, page_token="f" * 70000),
                         grpc.StatusCode.RESOURCE_EXHAUSTED)
        # bytes that are not the request message: INVALID_ARGUMENT
        for junk in (b"\xff\xff\xff\xff", b"\x0a\x80", b"\x12\x05ab", b"\x08" + b"\xff" * 11):
            with self.assertRaises(grpc.RpcError) as cm:
                self.srv.raw(OPP + "ListPushList", junk, tok)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, junk)
        # fields of the right type but wrong value
        self.assertEqual(self.code_of(self.srv.push_list, tok, page_size=-1),
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(self.code_of(self.srv.push_list, tok, page_token="../../etc"),
                         grpc.StatusCode.INVALID_ARGUMENT)
        # an unknown method
        with self.assertRaises(grpc.RpcError) as cm:
            self.srv.raw("/oppgraph.v1.OpportunityService/DropEverything", b"", tok)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        # the server is still fine
        self.assertEqual(self.srv.health().status, h.health_pb.HealthCheckResponse.SERVING)

    def test_documents_per_call_and_reason_limits(self):
        """The two fixed request limits of the README table, at and over."""
        tok = self.tok["admin"]
        ing = "/oppgraph.v1.IngestService/SubmitDocuments"
        docs = [pb.SubmittedDocument(title="空%d" % i) for i in range(101)]
        with self.assertRaises(grpc.RpcError) as cm:
            call(self.srv, ing, pb.SubmitDocumentsRequest(documents=docs),
                 pb.SubmitDocumentsResponse, tok)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.details(), "101 documents: send 1..100 per call")
        # 100 passes the count (and is refused only for having no text)
        with self.assertRaises(grpc.RpcError) as cm:
            call(self.srv, ing, pb.SubmitDocumentsRequest(documents=docs[:100]),
                 pb.SubmitDocumentsResponse, tok)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertNotIn("per call", cm.exception.details())
        # a reason of 501 bytes is refused before anything is looked up; 500
        # passes (the unknown id is then NOT_FOUND, so nothing is written)
        fb = OPP + "RecordFeedback"
        for reason, code in (("x" * 501, grpc.StatusCode.INVALID_ARGUMENT),
                             ("理" * 167, grpc.StatusCode.INVALID_ARGUMENT),  # 501 bytes
                             ("x" * 500, grpc.StatusCode.NOT_FOUND)):
            with self.assertRaises(grpc.RpcError) as cm:
                call(self.srv, fb, pb.RecordFeedbackRequest(
                    opportunity_id=10 ** 9, outcome=pb.FEEDBACK_REJECTED, reason=reason),
                    pb.RecordFeedbackResponse, self.tok["rm_a1"])
            self.assertEqual(cm.exception.code(), code, len(reason.encode()))
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                self.assertIn("reason is 501 bytes", cm.exception.details())

    def test_stream_and_bidi_churn(self):
        """Streams and reflection calls ending on several threads at once.

        valgrind found a use-after-free here (e7d50f2): a handler unlocked a
        call after starting its status, then looked at it again while the
        status and close could already have freed it on another thread.  Under
        the ASan build (`make asan`) that kills the server, which this test
        and tearDownClass's exit-status check then see (4 runs of 4 against
        the ASan server built with the old srv_grpc.c died of
        heap-use-after-free; the race is timing dependent, hence many short
        calls on four threads)."""
        import threading
        rpb = h._load("reflection_v1_pb2", os.path.join(
            h.BUILD, "py", "grpc", "reflection", "v1", "reflection_pb2.py"))
        refl = self.srv.channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=rpb.ServerReflectionRequest.SerializeToString,
            response_deserializer=rpb.ServerReflectionResponse.FromString)
        errors = []

        def worker(k):
            try:
                for i in range(30):
                    rs = list(refl(iter([rpb.ServerReflectionRequest(list_services="")]),
                                   timeout=20))
                    if len(rs) != 1:
                        errors.append("reflection answered %d messages" % len(rs))
                    it = stream(self.srv, pb.StreamOpportunitiesRequest(resume_token="0"),
                                self.tok["rm_a1"], timeout=20)
                    if i % 2:
                        next(it)  # one push, then hang up mid-stream
                    it.cancel()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append("thread %d: %r" % (k, e))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertIsNone(self.srv.proc.poll(), "the server died")
        self.assertEqual(self.srv.health().status, h.health_pb.HealthCheckResponse.SERVING)

    # ---- TLS -----------------------------------------------------------------

    def test_tls_self_signed(self):
        if not shutil.which("openssl"):
            self.skipTest("no openssl command to make a test certificate")
        cert, key = os.path.join(self.dir, "tls.pem"), os.path.join(self.dir, "tls.key")
        other = os.path.join(self.dir, "other.pem")
        for c, k in ((cert, key), (other, os.path.join(self.dir, "other.key"))):
            h.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", k,
                  "-out", c, "-days", "1", "-subj", "/CN=localhost",
                  "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", check=True)
        root = open(cert, "rb").read()
        srv = h.Server(self.db, "--tls-cert", cert, "--tls-key", key, tls_root=root)
        try:
            self.assertEqual(srv.push_list(self.tok["rm_b1"]).total, self.world["rms"]["rm_b1"]["opps"])
            # a client that trusts another certificate, and a plain-text one, fail
            for ch in (grpc.secure_channel(srv.target, grpc.ssl_channel_credentials(
                           root_certificates=open(other, "rb").read())),
                       grpc.insecure_channel(srv.target)):
                m = ch.unary_unary(OPP + "ListPushList",
                                   request_serializer=pb.ListPushListRequest.SerializeToString,
                                   response_deserializer=pb.ListPushListResponse.FromString)
                with self.assertRaises(grpc.RpcError) as cm:
                    m(pb.ListPushListRequest(), timeout=5,
                      metadata=[("authorization", "Bearer " + self.tok["rm_b1"])])
                self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)
                ch.close()
            srv.wait_log("ListPushList")
        finally:
            self.assertEqual(srv.stop(), 0)
        log = srv.log()  # complete: stop() has read the server's output to its end
        self.assertTrue(any("ListPushList" in l for l in log))
        for t in self.issued:
            self.assertFalse(any(t.split(".")[1] in l for l in log), "a token secret is in the TLS server's log")

    # ---- logs (runs last: the name sorts after the others) -------------------

    def test_zz_tokens_never_in_the_log(self):
        # a few calls of every kind, good and bad, so there is a log to read
        for rm, t in self.tok.items():
            self.code_of(self.srv.push_list, t)
            self.code_of(self.srv.get_opportunity, t, 1)
        self.code_of(self.srv.push_list, None, metadata=[("authorization", "Bearer " + self.issued[0] + "x")])
        time.sleep(0.2)
        log = self.srv.log()
        self.assertGreater(len(log), 20)
        self.assertTrue(any("rm_a1" in l for l in log), "the log names the RM instead")
        for t in self.issued:
            secret = t.split(".")[1]
            for l in log:
                self.assertNotIn(secret, l, "token of the test in the server log")
                self.assertNotIn(secret[:16], l, "part of a token secret in the server log")


class IngestLimitsCliTest(unittest.TestCase):
    """The README Limits rows set with `oppgraph ingest` flags, through the CLI:
    the message names the input and the limit, and nothing is ingested."""

    def setUp(self):
        self.dir = h.tempdir()
        self.db = os.path.join(self.dir, "db")
        self.doc = os.path.join(self.dir, "a.txt")
        with open(self.doc, "w") as f:
            f.write("关于中标的公告\n" + "公司中标某项目。" * 100 + "\n")

    def tearDown(self):
        h.remove_tree(self.dir)

    def test_max_rules(self):
        p = h.cli("ingest", "--db", self.db, "--quiet", "--no-derive", "--max-rules", "5", self.doc)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, r"rule file [^ ]*data/rules/[^ :]+\.rules:\d+: more than 5 rules "
                                   r"\(rule, fill, subject and alias blocks of all files together\): "
                                   r"over the rule-count limit")
        self.assertIn("cannot load rules from", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.db, "data.mdb")), "a store was written")
        p = h.cli("ingest", "--db", self.db, "--max-rules", "0", self.doc)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--max-rules: '0' is not a positive number", p.stderr)
        # the default takes the shipped rules
        p = h.cli("ingest", "--db", self.db, "--quiet", "--no-derive", self.doc)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_max_file_size(self):
        p = h.cli("ingest", "--db", self.db, "--no-derive", "--max-file-size", "100", self.doc)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, r"a\.txt: \d+ bytes, over the limit of 100")
        self.assertRegex(p.stderr, r"0 files ingested, 1 rejected")


if __name__ == "__main__":
    unittest.main()
