"""Integration tests of the full CRM API beyond the first version
(test_e2e.py): push-list filters, RecordFeedback, GetFunnel,
StreamOpportunities with resume tokens, Health/Watch, EnterpriseService
analyses, IngestService.SubmitDocuments, KnowledgeService.Search, rate
limits, deadlines, message size limits, --config and SIGHUP, read-only
replicas.  The store is the known world of storetool (seed + edges).
"""
import json
import os
import re
import queue
import signal
import threading
import time
import unittest

import grpc

import harness as h

pb = h.pb
OPP = h.OPP
ENT = h.ENT
ING = "/oppgraph.v1.IngestService/"
KB = "/oppgraph.v1.KnowledgeService/"


def call(srv, path, req, resp_cls, token, timeout=10):
    m = srv.channel.unary_unary(path, request_serializer=type(req).SerializeToString,
                                response_deserializer=resp_cls.FromString)
    md = None if token is None else [("authorization", "Bearer " + token)]
    return m(req, timeout=timeout, metadata=md)


def stream(srv, req, token, timeout=30):
    m = srv.channel.unary_stream(OPP + "StreamOpportunities",
                                 request_serializer=pb.StreamOpportunitiesRequest.SerializeToString,
                                 response_deserializer=pb.OpportunityPush.FromString)
    return m(req, timeout=timeout, metadata=[("authorization", "Bearer " + token)])


class Reader:
    """Reads a response stream in a thread into a queue."""

    def __init__(self, it):
        self.it = it
        self.q = queue.Queue()
        self.err = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for m in self.it:
                self.q.put(m)
        except grpc.RpcError as e:
            self.err = e
        self.q.put(None)

    def take(self, n, timeout=10):
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            m = self.q.get(timeout=max(0.01, deadline - time.monotonic()))
            if m is None:
                break
            out.append(m)
        return out

    def nothing_within(self, seconds):
        try:
            m = self.q.get(timeout=seconds)
        except queue.Empty:
            return True
        self.q.put(m)
        return False


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        cls.world = h.seed_store(cls.db)
        cls.person = int(h.json.loads(h.run(h.STORETOOL, "edges", cls.db, check=True).stdout)["person"])
        cls.tok = {rm: h.issue_token(cls.db, rm) for rm in cls.world["rms"]}
        art = os.path.join(cls.dir, "9001.md")
        with open(art, "w") as f:
            f.write("# 履约保函办理指南\nid: 9001\ncategory: 产品\nproducts: 履约保函\n\n"
                    "中标企业申请履约保函的材料与流程。\n")
        h.cli("kb", "add", "--db", cls.db, art, check=True)
        cls.srv = h.Server(cls.db, "--threads", "4")

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        h.remove_tree(cls.dir)
        if rc != 0:
            raise AssertionError("server exited %d:\n%s" % (rc, "\n".join(cls.srv.log()[-30:])))

    def assertCode(self, code, fn, *args, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        return cm.exception.details()

    def call(self, method, req, resp_cls, rm="rm_a1", **kw):
        return call(self.srv, method, req, resp_cls, self.tok[rm] if rm else None, **kw)

    # ---- push-list filters ---------------------------------------------------

    def test_filters_risk_status_type_product_dates(self):
        allopps, _, _ = self.srv.push_list_all(self.tok["rm_a1"], page_size=50)
        flagged = [o.id for o in allopps if o.risk_flags]
        self.assertTrue(0 < len(flagged) < len(allopps))
        got, token, total = [], "", None
        while True:  # filtered paging with a small page crosses pages
            r = self.call(OPP + "ListPushList", pb.ListPushListRequest(
                risk=pb.RISK_FLAGGED, page_size=2, page_token=token), pb.ListPushListResponse)
            got += [o.id for o in r.opportunities]
            total = r.total
            token = r.next_page_token
            if not token:
                break
        self.assertEqual(got, flagged)
        self.assertEqual(total, len(flagged))
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(risk=pb.RISK_CLEAN, page_size=200),
                      pb.ListPushListResponse)
        self.assertEqual(r.total, len(allopps) - len(flagged))
        self.assertTrue(all(not o.risk_flags for o in r.opportunities))
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(type="质押"), pb.ListPushListResponse)
        self.assertEqual((r.total, len(r.opportunities)), (0, 0))
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(type="中标", product="履约保函",
                                                                   page_size=200), pb.ListPushListResponse)
        self.assertEqual(r.total, len(allopps))
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(product="不存在的产品"), pb.ListPushListResponse)
        self.assertEqual(r.total, 0)
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(created_before=1), pb.ListPushListResponse)
        self.assertEqual(r.total, 0)
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(status=[pb.OPP_WON, pb.OPP_EXPIRED]),
                      pb.ListPushListResponse)
        self.assertEqual(r.total, sum(o.status in (pb.OPP_WON, pb.OPP_EXPIRED) for o in allopps))

    def test_lead_filters_team_member_and_rm_cannot(self):
        r = self.call(OPP + "ListPushList", pb.ListPushListRequest(rm_id="rm_a2", risk=pb.RISK_ANY,
                                                                   type="中标"), pb.ListPushListResponse,
                      rm="lead_a")
        self.assertEqual(r.total, self.world["rms"]["rm_a2"]["opps"])
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.call, OPP + "ListPushList",
                        pb.ListPushListRequest(rm_id="rm_a2", type="中标"), pb.ListPushListResponse,
                        rm="rm_a1")

    def test_products_carry_kb_articles_on_every_path(self):
        def arts(o):
            return {pa.product: list(pa.article_ids) for pa in o.product_articles}
        raw = self.srv.push_list(self.tok["rm_a2"], page_size=3).opportunities  # stored bytes
        self.assertTrue(raw)
        for o in raw:
            self.assertEqual(arts(o), {"履约保函": [9001]})
        filt = self.call(OPP + "ListPushList", pb.ListPushListRequest(type="中标", page_size=3),
                         pb.ListPushListResponse, rm="rm_a2").opportunities
        self.assertEqual([arts(o) for o in filt], [arts(o) for o in raw])
        self.assertEqual(raw, filt)  # the raw path encodes what the decoded one does
        one = self.srv.get_opportunity(self.tok["rm_a2"], raw[0].id)
        self.assertEqual(arts(one), {"履约保函": [9001]})
        r = self.call(KB + "Search", pb.KbSearchRequest(query="履约保函"), pb.KbSearchResponse)
        self.assertEqual([hit.id for hit in r.hits], [9001])
        self.assertIn("【", r.hits[0].snippet)

    # ---- feedback and funnel ------------------------------------------------------

    def test_feedback_updates_status_prior_and_funnel(self):
        opps, _, _ = self.srv.push_list_all(self.tok["rm_b1"], page_size=50)
        o = opps[0]
        before = self.call(OPP + "GetFunnel", pb.GetFunnelRequest(), pb.GetFunnelResponse, rm="rm_b1")
        self.assertEqual([row.key for row in before.rows], ["rm_b1"])
        r = self.call(OPP + "RecordFeedback", pb.RecordFeedbackRequest(
            opportunity_id=o.id, outcome=pb.FEEDBACK_ACCEPTED, reason="客户有意向"),
            pb.RecordFeedbackResponse, rm="rm_b1")
        self.assertEqual(r.opportunity.status, pb.OPP_ACCEPTED)
        self.assertEqual(r.opportunity.feedback_reason, "客户有意向")
        acc = r.prior.accepted
        self.assertGreaterEqual(acc, 1)
        r = self.call(OPP + "RecordFeedback", pb.RecordFeedbackRequest(
            opportunity_id=o.id, outcome=pb.FEEDBACK_WON), pb.RecordFeedbackResponse, rm="rm_b1")
        self.assertEqual(r.opportunity.status, pb.OPP_WON)
        # the opportunity moved from accepted to won in its type's prior
        self.assertEqual(r.prior.accepted, acc - 1)
        self.assertGreaterEqual(r.prior.won, 1)
        self.assertAlmostEqual(r.prior.prior, (r.prior.won + 1) /
                               (r.prior.accepted + r.prior.rejected + r.prior.won + 2))
        self.assertEqual(self.srv.get_opportunity(self.tok["rm_b1"], o.id).status, pb.OPP_WON)
        after = self.call(OPP + "GetFunnel", pb.GetFunnelRequest(), pb.GetFunnelResponse, rm="rm_b1")
        self.assertEqual(after.rows[0].won, before.rows[0].won + 1)
        self.assertEqual(after.rows[0].pushed, self.world["rms"]["rm_b1"]["opps"])
        # an admin sees every RM; grouped by team: A and B (and HQ)
        adm = self.call(OPP + "GetFunnel", pb.GetFunnelRequest(group_by=pb.FUNNEL_BY_TEAM),
                        pb.GetFunnelResponse, rm="admin")
        keys = [row.key for row in adm.rows]
        self.assertIn("A", keys)
        self.assertIn("B", keys)
        self.assertEqual(adm.total.pushed, sum(v["opps"] for v in self.world["rms"].values()))
        lead = self.call(OPP + "GetFunnel", pb.GetFunnelRequest(), pb.GetFunnelResponse, rm="lead_a")
        self.assertEqual(sorted(row.key for row in lead.rows), ["lead_a", "rm_a1", "rm_a2"])

    def test_feedback_errors(self):
        mine = self.srv.push_list(self.tok["rm_a2"]).opportunities[0]
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, OPP + "RecordFeedback",
                        pb.RecordFeedbackRequest(opportunity_id=mine.id), pb.RecordFeedbackResponse,
                        rm="rm_a2")
        # another RM: as if it did not exist; the lead sees it but may not decide
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.call, OPP + "RecordFeedback",
                        pb.RecordFeedbackRequest(opportunity_id=mine.id, outcome=pb.FEEDBACK_WON),
                        pb.RecordFeedbackResponse, rm="rm_b1")
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.call, OPP + "RecordFeedback",
                        pb.RecordFeedbackRequest(opportunity_id=mine.id, outcome=pb.FEEDBACK_WON),
                        pb.RecordFeedbackResponse, rm="lead_a")
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.call, OPP + "RecordFeedback",
                        pb.RecordFeedbackRequest(opportunity_id=999999, outcome=pb.FEEDBACK_WON),
                        pb.RecordFeedbackResponse, rm="rm_a2")
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.call, OPP + "RecordFeedback",
                        pb.RecordFeedbackRequest(opportunity_id=mine.id, outcome=pb.FEEDBACK_WON),
                        pb.RecordFeedbackResponse, rm=None)
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, OPP + "GetFunnel",
                        pb.GetFunnelRequest(since=100, until=50), pb.GetFunnelResponse)

    # ---- streaming ------------------------------------------------------------------

    def test_stream_resume_misses_nothing_and_repeats_nothing(self):
        opps, _, _ = self.srv.push_list_all(self.tok["rm_a1"], page_size=50)
        # from "0": the whole log, which covers every stored opportunity
        rd = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(resume_token="0"), self.tok["rm_a1"]))
        first = rd.take(len(opps))
        self.assertEqual(sorted(p.opportunity.id for p in first), sorted(o.id for o in opps))
        self.assertTrue(all(p.opportunity.rm_id == "rm_a1" for p in first))
        seqs = [int(p.resume_token) for p in first]
        self.assertEqual(seqs, sorted(seqs))
        last = first[-1].resume_token
        rd.it.cancel()
        # a change while disconnected, then two more after reconnecting
        ids = [opps[0].id, opps[1].id, opps[2].id]
        self.call(OPP + "RecordFeedback", pb.RecordFeedbackRequest(
            opportunity_id=ids[0], outcome=pb.FEEDBACK_REJECTED, reason="无需求"), pb.RecordFeedbackResponse)
        rd2 = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(resume_token=last), self.tok["rm_a1"]))
        got = rd2.take(1)
        self.assertEqual([p.opportunity.id for p in got], [ids[0]])
        self.assertEqual(got[0].opportunity.status, pb.OPP_REJECTED)
        for i in ids[1:]:
            self.call(OPP + "RecordFeedback", pb.RecordFeedbackRequest(
                opportunity_id=i, outcome=pb.FEEDBACK_ACCEPTED), pb.RecordFeedbackResponse)
        more = rd2.take(2)
        self.assertEqual([p.opportunity.id for p in more], ids[1:])
        self.assertTrue(rd2.nothing_within(0.3), "a push was delivered twice")
        tokens = [int(p.resume_token) for p in got + more]
        self.assertEqual(len(set(tokens)), 3)
        self.assertTrue(all(t > int(last) for t in tokens))
        rd2.it.cancel()

    def test_stream_new_only_and_visibility(self):
        # empty token: nothing from the past; rm_b1 does not see rm_a1's pushes
        rb = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(), self.tok["rm_b1"]))
        lead = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(rm_id="*"), self.tok["lead_a"]))
        self.assertTrue(rb.nothing_within(0.3))
        mine = self.srv.push_list(self.tok["rm_a2"]).opportunities[-1]
        self.call(OPP + "RecordFeedback", pb.RecordFeedbackRequest(
            opportunity_id=mine.id, outcome=pb.FEEDBACK_ACCEPTED), pb.RecordFeedbackResponse, rm="rm_a2")
        got = lead.take(1)
        self.assertEqual([p.opportunity.id for p in got], [mine.id])
        self.assertTrue(rb.nothing_within(0.3), "an RM saw another RM's push")
        rb.it.cancel()
        lead.it.cancel()

    def test_stream_errors(self):
        for req, code, rm in ((pb.StreamOpportunitiesRequest(resume_token="abc"),
                               grpc.StatusCode.INVALID_ARGUMENT, "rm_a1"),
                              (pb.StreamOpportunitiesRequest(resume_token="99999999"),
                               grpc.StatusCode.INVALID_ARGUMENT, "rm_a1"),
                              (pb.StreamOpportunitiesRequest(rm_id="rm_b1"),
                               grpc.StatusCode.PERMISSION_DENIED, "rm_a1")):
            with self.assertRaises(grpc.RpcError) as cm:
                list(stream(self.srv, req, self.tok[rm], timeout=5))
            self.assertEqual(cm.exception.code(), code, cm.exception.details())
        with self.assertRaises(grpc.RpcError) as cm:
            list(stream(self.srv, pb.StreamOpportunitiesRequest(), "0" * 12 + "." + "0" * 64, timeout=5))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_health_check_knows_every_service(self):
        for svc in ("oppgraph.v1.IngestService", "oppgraph.v1.KnowledgeService",
                    "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"):
            self.assertEqual(self.srv.health(svc).status, h.health_pb.HealthCheckResponse.SERVING, svc)

    def test_health_watch(self):
        m = self.srv.channel.unary_stream("/grpc.health.v1.Health/Watch",
                                          request_serializer=h.health_pb.HealthCheckRequest.SerializeToString,
                                          response_deserializer=h.health_pb.HealthCheckResponse.FromString)
        rd = Reader(m(h.health_pb.HealthCheckRequest(service="oppgraph.v1.OpportunityService"), timeout=10))
        self.assertEqual([r.status for r in rd.take(1)], [h.health_pb.HealthCheckResponse.SERVING])
        rd.it.cancel()
        rd = Reader(m(h.health_pb.HealthCheckRequest(service="no.Such"), timeout=10))
        self.assertEqual([r.status for r in rd.take(1)], [h.health_pb.HealthCheckResponse.SERVICE_UNKNOWN])
        rd.it.cancel()

    # ---- enterprises -----------------------------------------------------------------

    def test_search_enterprises_paged(self):
        seen, token = [], ""
        while True:
            r = self.call(ENT + "SearchEnterprises", pb.SearchEnterprisesRequest(
                prefix="上海测试", page_size=4, page_token=token), pb.SearchEnterprisesResponse)
            seen += [e.id for e in r.enterprises]
            token = r.next_page_token
            if not token:
                break
        self.assertEqual(sorted(seen), [e["id"] for e in self.world["enterprises"]])
        r = self.call(ENT + "SearchEnterprises", pb.SearchEnterprisesRequest(prefix="测试c"),
                      pb.SearchEnterprisesResponse)
        self.assertEqual([e.id for e in r.enterprises], [3])
        self.assertEqual(r.enterprises[0].name, self.world["enterprises"][2]["name"])
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ENT + "SearchEnterprises",
                        pb.SearchEnterprisesRequest(prefix=""), pb.SearchEnterprisesResponse)
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ENT + "SearchEnterprises",
                        pb.SearchEnterprisesRequest(prefix="上", page_token="x"), pb.SearchEnterprisesResponse)

    def test_relations_by_type_and_depth(self):
        r = self.call(ENT + "GetRelations", pb.GetRelationsRequest(
            enterprise_id=1, types=[pb.GUARANTEE], depth=1), pb.GetRelationsResponse)
        self.assertEqual(sorted(n.id for n in r.nodes), [1, 2, 3])
        self.assertEqual(r.nodes[0].id, 1)
        self.assertEqual(len(r.edges), 3)  # 1->2, 3->1 and 2->3 between returned nodes
        r = self.call(ENT + "GetRelations", pb.GetRelationsRequest(enterprise_id=1, depth=1),
                      pb.GetRelationsResponse)
        self.assertEqual(sorted(n.id for n in r.nodes), sorted([1, 2, 3, 4, self.person]))
        r = self.call(ENT + "GetRelations", pb.GetRelationsRequest(enterprise_id=1, depth=2),
                      pb.GetRelationsResponse)
        self.assertIn(5, [n.id for n in r.nodes])
        self.assertEqual({n.id: n.distance for n in r.nodes}[5], 2)
        person = [n for n in r.nodes if n.id == self.person][0]
        self.assertEqual((person.kind, person.name), (pb.NODE_PERSON, "周七"))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ENT + "GetRelations",
                        pb.GetRelationsRequest(enterprise_id=1, depth=4), pb.GetRelationsResponse)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.call, ENT + "GetRelations",
                        pb.GetRelationsRequest(enterprise_id=424242), pb.GetRelationsResponse)

    def test_circles_controllers_export(self):
        r = self.call(ENT + "GetGuaranteeCircles", pb.GetGuaranteeCirclesRequest(enterprise_id=2),
                      pb.GetGuaranteeCirclesResponse)
        self.assertEqual([list(c.members) for c in r.circles], [[1, 2, 3]])
        r = self.call(ENT + "GetGuaranteeCircles", pb.GetGuaranteeCirclesRequest(enterprise_id=6),
                      pb.GetGuaranteeCirclesResponse)
        self.assertEqual(len(r.circles), 0)
        r = self.call(ENT + "GetGuaranteeCircles", pb.GetGuaranteeCirclesRequest(),
                      pb.GetGuaranteeCirclesResponse)
        self.assertEqual(len(r.circles), 1)
        r = self.call(ENT + "GetUltimateControllers", pb.GetUltimateControllersRequest(enterprise_id=1),
                      pb.GetUltimateControllersResponse)
        shares = {(c.kind, c.id): c.share for c in r.controllers}
        self.assertAlmostEqual(shares[(pb.NODE_PERSON, self.person)], 0.6)
        self.assertAlmostEqual(shares[(pb.NODE_ENTERPRISE, 4)], 0.3)
        self.assertEqual(r.controllers[0].name, "周七")
        r = self.call(ENT + "GetUltimateControllers", pb.GetUltimateControllersRequest(
            enterprise_id=1, min_share=0.5), pb.GetUltimateControllersResponse)
        self.assertEqual([c.id for c in r.controllers], [self.person])
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ENT + "GetUltimateControllers",
                        pb.GetUltimateControllersRequest(enterprise_id=1, min_share=2),
                        pb.GetUltimateControllersResponse)
        r = self.call(ENT + "ExportGraph", pb.ExportGraphRequest(enterprise_id=1, depth=1),
                      pb.ExportGraphResponse)
        self.assertEqual(r.content_type, "text/vnd.graphviz")
        self.assertIn(b"digraph", r.data)
        r = self.call(ENT + "ExportGraph", pb.ExportGraphRequest(enterprise_id=1, format=pb.GRAPH_SVG),
                      pb.ExportGraphResponse)
        self.assertEqual(r.content_type, "image/svg+xml")
        self.assertIn(b"<svg", r.data)
        r = self.call(ENT + "ExportGraph", pb.ExportGraphRequest(enterprise_id=6), pb.ExportGraphResponse)
        self.assertIn(b"digraph", r.data)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.call, ENT + "ExportGraph",
                        pb.ExportGraphRequest(enterprise_id=0), pb.ExportGraphResponse)

    def test_risk_exposure(self):
        r = self.call(ENT + "GetRiskExposure", pb.GetRiskExposureRequest(enterprise_id=1),
                      pb.GetRiskExposureResponse)
        # 1 guarantees 2 directly and, through 2, guarantees 3 (bound 30,000,000)
        g = {x.id: x for x in r.guarantees}
        self.assertEqual((g[2].hops, g[2].amount), (1, 50000000))
        self.assertEqual((g[3].hops, g[3].via, g[3].bound), (2, 2, 30000000))
        reached = {(n.kind, n.id): n for n in r.contagion}
        self.assertIn((pb.NODE_ENTERPRISE, 3), reached)  # its guarantor
        self.assertEqual(reached[(pb.NODE_ENTERPRISE, 3)].channel, pb.GUARANTEE)
        self.assertTrue(all(0 < n.weight <= 1 for n in r.contagion))
        r = self.call(ENT + "GetRiskExposure", pb.GetRiskExposureRequest(enterprise_id=6),
                      pb.GetRiskExposureResponse)
        self.assertEqual((len(r.contagion), len(r.guarantees)), (0, 0))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ENT + "GetRiskExposure",
                        pb.GetRiskExposureRequest(enterprise_id=1, max_hops=9), pb.GetRiskExposureResponse)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.call, ENT + "GetRiskExposure",
                        pb.GetRiskExposureRequest(enterprise_id=31337), pb.GetRiskExposureResponse)

    # ---- ingest and knowledge base ---------------------------------------------------

    def test_submit_documents(self):
        doc = pb.SubmittedDocument(
            external_id="rpc-1", title="上海测试F号实业股份有限公司关于中标的公告",
            text="2026年3月5日，上海测试F号实业股份有限公司中标某市轨道交通工程项目，中标金额为人民币1.2亿元。",
            published="2026-03-05")
        rd = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(rm_id="*"), self.tok["admin"]))
        r = self.call(ING + "SubmitDocuments", pb.SubmitDocumentsRequest(documents=[doc]),
                      pb.SubmitDocumentsResponse, rm="admin", timeout=60)
        self.assertEqual(len(r.results), 1)
        self.assertGreater(r.results[0].document_id, 0)
        self.assertFalse(r.results[0].duplicate)
        ev = r.results[0].events
        self.assertEqual([e.type for e in ev], ["中标"])
        self.assertEqual(list(ev[0].subject_ids), [6])
        self.assertEqual(ev[0].document_id, r.results[0].document_id)
        self.assertTrue(r.opportunities)
        self.assertTrue(all(o.enterprise_id == 6 and o.type == "中标" for o in r.opportunities))
        # every opportunity the call made is pushed to the streams, once
        pushed = rd.take(len(r.opportunities))
        self.assertEqual(sorted(p.opportunity.id for p in pushed),
                         sorted(o.id for o in r.opportunities))
        self.assertTrue(rd.nothing_within(0.3))
        rd.it.cancel()
        again = self.call(ING + "SubmitDocuments", pb.SubmitDocumentsRequest(documents=[doc]),
                          pb.SubmitDocumentsResponse, rm="admin", timeout=60)
        self.assertTrue(again.results[0].duplicate)
        self.assertEqual(again.results[0].document_id, r.results[0].document_id)
        self.assertEqual(len(again.opportunities), 0)
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.call, ING + "SubmitDocuments",
                        pb.SubmitDocumentsRequest(documents=[doc]), pb.SubmitDocumentsResponse, rm="rm_a1")
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ING + "SubmitDocuments",
                        pb.SubmitDocumentsRequest(), pb.SubmitDocumentsResponse, rm="admin")
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, ING + "SubmitDocuments",
                        pb.SubmitDocumentsRequest(documents=[pb.SubmittedDocument(title="空")]),
                        pb.SubmitDocumentsResponse, rm="admin")

    def test_kb_search(self):
        r = self.call(KB + "Search", pb.KbSearchRequest(query="不存在的词语组合"), pb.KbSearchResponse)
        self.assertEqual((r.total, len(r.hits)), (0, 0))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, KB + "Search",
                        pb.KbSearchRequest(query=""), pb.KbSearchResponse)
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.call, KB + "Search",
                        pb.KbSearchRequest(query="-保函"), pb.KbSearchResponse)
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.call, KB + "Search",
                        pb.KbSearchRequest(query="保函"), pb.KbSearchResponse, rm=None)

    def test_kb_search_old_layout_is_failed_precondition(self):
        """A knowledge base indexed by an older build cannot be searched: the
        caller is told to rebuild it (it was INTERNAL)."""
        was = h.json.loads(h.run(h.STORETOOL, "kb-layout", self.db, "1", check=True).stdout)["was"]
        try:
            msg = self.assertCode(grpc.StatusCode.FAILED_PRECONDITION, self.call, KB + "Search",
                                  pb.KbSearchRequest(query="履约保函"), pb.KbSearchResponse)
            self.assertIn("kb add", msg)
        finally:
            h.run(h.STORETOOL, "kb-layout", self.db, str(was), check=True)
        r = self.call(KB + "Search", pb.KbSearchRequest(query="履约保函"), pb.KbSearchResponse)
        self.assertEqual(r.total, 1)


class LimitsTest(unittest.TestCase):
    """Rate limits, deadlines, message size, --config, SIGHUP, read-only."""

    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        cls.world = h.seed_store(cls.db)
        cls.tok = h.issue_token(cls.db, "rm_a1")
        cls.tok2 = h.issue_token(cls.db, "rm_a2")

    @classmethod
    def tearDownClass(cls):
        h.remove_tree(cls.dir)

    def test_rate_limit_config_and_sighup(self):
        cfg = os.path.join(self.dir, "serve.conf")
        with open(cfg, "w") as f:
            f.write("# test\nrate_limit = 1\nrate_burst = 3\nthreads = 3\n")
        srv = h.Server(self.db, "--config", cfg)
        try:
            for _ in range(3):
                srv.push_list(self.tok)
            with self.assertRaises(grpc.RpcError) as cm:
                srv.push_list(self.tok)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
            self.assertIn("retry", cm.exception.details())
            srv.push_list(self.tok2)  # per token: another token is unaffected
            with open(cfg, "w") as f:
                f.write("rate_limit = 0\n")
            srv.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while not any("SIGHUP: reloaded" in l for l in srv.log()):
                self.assertLess(time.monotonic(), deadline, "\n".join(srv.log()))
                time.sleep(0.05)
            for _ in range(10):
                srv.push_list(self.tok)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_bad_config_refused_with_line(self):
        cfg = os.path.join(self.dir, "bad.conf")
        with open(cfg, "w") as f:
            f.write("threads = 4\nratelimit = 3\n")
        p = h.cli("serve", "--db", self.db, "--config", cfg, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.conf:2", p.stderr)
        self.assertIn("ratelimit", p.stderr)
        p = h.cli("serve", "--help")
        self.assertIn("SIGHUP", p.stdout)
        self.assertIn("--config", p.stdout)

    def test_kb_warm_at_start_and_switched_off(self):
        # By default a background thread reads the KB index once and says so;
        # --no-kb-warm and "kb_warm = false" in the config file skip it.
        srv = h.Server(self.db)
        try:
            log = srv.wait_log(r"kb index warmed: [0-9.]+ MB in [0-9]+ ms")
            self.assertTrue(any("kb index warmed" in l for l in log), "\n".join(log))
            srv.push_list(self.tok)
        finally:
            self.assertEqual(srv.stop(), 0)
        cfg = os.path.join(self.dir, "cold.conf")
        with open(cfg, "w") as f:
            f.write("kb_warm = false\n")
        for extra in (["--no-kb-warm"], ["--config", cfg]):
            srv = h.Server(self.db, *extra)
            try:
                srv.push_list(self.tok)
                log = srv.wait_log(r"ListPushList rm=rm_a1 ")
                self.assertFalse(any("kb index warm" in l for l in log), "\n".join(log))
            finally:
                self.assertEqual(srv.stop(), 0)
        with open(cfg, "w") as f:
            f.write("kb_warm = maybe\n")
        p = h.cli("serve", "--db", self.db, "--config", cfg, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cold.conf:1", p.stderr)
        self.assertIn("true or false", p.stderr)

    def test_max_message_and_required_deadline(self):
        srv = h.Server(self.db, "--max-message", "4096", "--require-deadline")
        try:
            with self.assertRaises(grpc.RpcError) as cm:
                srv.push_list(self.tok, page_token="x" * 10000)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
            m = srv.channel.unary_unary(OPP + "ListPushList",
                                        request_serializer=pb.ListPushListRequest.SerializeToString,
                                        response_deserializer=pb.ListPushListResponse.FromString)
            with self.assertRaises(grpc.RpcError) as cm:
                m(pb.ListPushListRequest(), metadata=[("authorization", "Bearer " + self.tok)])
            self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("deadline", cm.exception.details())
            # a page of 50 is over 4 KiB: the reply is refused, not truncated
            with self.assertRaises(grpc.RpcError) as cm:
                srv.push_list(self.tok, page_size=50)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_read_only_replica_refuses_writes(self):
        srv = h.Server(self.db, "--read-only")
        try:
            o = srv.push_list(self.tok).opportunities[0]
            with self.assertRaises(grpc.RpcError) as cm:
                call(srv, OPP + "RecordFeedback", pb.RecordFeedbackRequest(
                    opportunity_id=o.id, outcome=pb.FEEDBACK_WON), pb.RecordFeedbackResponse, self.tok)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_client_certificate_required_with_client_ca(self):
        import shutil
        if not shutil.which("openssl"):
            self.skipTest("no openssl command to make test certificates")

        def mk(name, cn, san=None):
            cert, key = (os.path.join(self.dir, name + s) for s in (".pem", ".key"))
            args = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=" + cn]
            if san:
                args += ["-addext", "subjectAltName=" + san]
            h.run(*args, check=True)
            with open(cert, "rb") as f, open(key, "rb") as g:
                return cert, key, f.read(), g.read()

        scert, skey, sroot, _ = mk("srv", "localhost", "IP:127.0.0.1,DNS:localhost")
        ccert, _, cpem, ckey = mk("client", "crm-client")  # self-signed: its own CA
        srv = h.Server(self.db, "--tls-cert", scert, "--tls-key", skey, "--tls-client-ca", ccert,
                       tls_root=sroot)
        try:
            # without a client certificate the handshake fails
            with self.assertRaises(grpc.RpcError) as cm:
                srv.health()
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)
            creds = grpc.ssl_channel_credentials(root_certificates=sroot, private_key=ckey,
                                                 certificate_chain=cpem)
            ch = grpc.secure_channel(srv.target, creds)
            m = ch.unary_unary(OPP + "ListPushList",
                               request_serializer=pb.ListPushListRequest.SerializeToString,
                               response_deserializer=pb.ListPushListResponse.FromString)
            r = m(pb.ListPushListRequest(), timeout=10, metadata=[("authorization", "Bearer " + self.tok)])
            self.assertEqual(r.total, self.world["rms"]["rm_a1"]["opps"])
            ch.close()
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_sigterm_ends_open_streams_cleanly(self):
        srv = h.Server(self.db)
        rd = Reader(stream(srv, pb.StreamOpportunitiesRequest(), self.tok))
        self.assertTrue(rd.nothing_within(0.2))
        srv.proc.send_signal(signal.SIGTERM)
        rd.t.join(10)
        self.assertFalse(rd.t.is_alive())
        self.assertIsNone(rd.err, rd.err and rd.err.details())  # status OK, not an error
        self.assertEqual(srv.proc.wait(15), 0)
        self.assertEqual(srv.stop(), 0)
        self.assertTrue(any("server stopped cleanly" in l for l in srv.log()))


class SeededServer(unittest.TestCase):
    """A class of tests with its own seeded store and server: tokens for
    RMS, and the guarantee/ownership edges of `storetool edges` when EDGES;
    when DATA, the server reads a copy of data/ (cls.data) that edit_data may
    change first."""
    RMS = ("admin",)
    EDGES = False
    DATA = False

    @classmethod
    def edit_data(cls):
        pass

    @classmethod
    def fill_store(cls):
        cls.world = h.seed_store(cls.db)
        if cls.EDGES:
            h.run(h.STORETOOL, "edges", cls.db, check=True)  # circle 1 -> 2 -> 3 -> 1

    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        cls.fill_store()
        cls.tok = {rm: h.issue_token(cls.db, rm) for rm in cls.RMS}
        extra = ()
        if cls.DATA:
            cls.data = os.path.join(cls.dir, "data")
            h.shutil.copytree(os.path.join(h.ROOT, "data"), cls.data,
                              ignore=h.shutil.ignore_patterns("sample"))
            cls.edit_data()
            extra = ("--data", cls.data)
        cls.srv = h.Server(cls.db, *extra)

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        h.remove_tree(cls.dir)
        if rc != 0:
            raise AssertionError("server exited %d:\n%s" % (rc, "\n".join(cls.srv.log()[-30:])))


class SubmitCirclesTest(SeededServer):
    """Guarantees announced through SubmitDocuments reach the stored guarantee
    circles at once (graph_update_circles after each call): before, a circle
    formed by submitted documents stayed invisible to GetGuaranteeCircles
    until someone rebuilt the circles from the CLI."""

    RMS = ("admin", "rm_a1")
    EDGES = True

    def circles_of(self, ent):
        r = call(self.srv, ENT + "GetGuaranteeCircles", pb.GetGuaranteeCirclesRequest(enterprise_id=ent),
                 pb.GetGuaranteeCirclesResponse, self.tok["rm_a1"])
        return [sorted(c.members) for c in r.circles]

    def test_submitted_mutual_guarantee_is_a_circle(self):
        self.assertEqual(self.circles_of(5), [])
        self.assertEqual(self.circles_of(2), [[1, 2, 3]])
        e, f = "上海测试E号实业股份有限公司", "上海测试F号实业股份有限公司"
        docs = [pb.SubmittedDocument(
            external_id="guar-%d" % i, title="%s关于对外担保的公告" % a,
            text="2026年3月5日，%s为%s提供担保，担保金额为人民币5000万元，担保期限为一年。" % (a, b),
            published="2026-03-05") for i, (a, b) in enumerate(((e, f), (f, e)))]
        r = call(self.srv, ING + "SubmitDocuments", pb.SubmitDocumentsRequest(documents=docs),
                 pb.SubmitDocumentsResponse, self.tok["admin"], timeout=60)
        self.assertEqual([[ev.type for ev in res.events] for res in r.results],
                         [["对外担保"], ["对外担保"]])
        self.assertEqual(self.circles_of(5), [[5, 6]])
        self.assertEqual(self.circles_of(2), [[1, 2, 3]])


class ExternalCommitTest(SeededServer):
    """Streams notice commits of other processes (issue 6): a CLI ingest or
    token revoke next to a running server reaches its open streams without
    any write of the server itself.  Own store and server: the ingest
    regenerates opportunities, which would change ApiTest's world."""

    RMS = ("admin", "rm_b1")

    def test_cli_ingest_reaches_open_stream(self):
        ok, why = h.ingest_available()
        if not ok:
            self.skipTest(why)
        rd = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(rm_id="*"), self.tok["admin"]))
        self.assertTrue(rd.nothing_within(0.3))  # listed, and nothing pending
        ann = os.path.join(self.dir, "ann", "bid.txt")
        os.makedirs(os.path.dirname(ann))
        with open(ann, "w") as f:
            f.write("上海测试C号实业股份有限公司关于中标的公告\n"
                    "2026年3月5日，上海测试C号实业股份有限公司中标某市污水处理厂扩建工程，"
                    "中标金额为人民币2.4亿元。\n")
        h.cli("ingest", "--db", self.db, "--quiet", "--now", "2026-03-06", ann, check=True, timeout=300)
        pushed = rd.take(1, timeout=10)
        self.assertEqual(len(pushed), 1, "no push within 10 s of the CLI ingest")
        opp = pushed[0].opportunity
        self.assertEqual(opp.type, "中标")
        self.assertIn("测试C号", opp.enterprise_name)
        self.assertTrue(pushed[0].resume_token)
        rd.it.cancel()
        # the server logged it: a new stream from token "0" replays it too
        replay = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(resume_token="0", rm_id="*"),
                                   self.tok["admin"]))
        ids = set()
        while opp.id not in ids:
            got = replay.take(1, timeout=5)
            self.assertTrue(got, "the replay from token 0 ended without opportunity %d" % opp.id)
            ids.add(got[0].opportunity.id)
        replay.it.cancel()

    def test_cli_revoke_ends_open_stream_promptly(self):
        doomed = h.issue_token(self.db, "rm_b1")
        rd = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(), doomed))
        self.assertTrue(rd.nothing_within(0.3))
        h.cli("token", "revoke", "--db", self.db, "--id", doomed.split(".")[0], check=True)
        # no call to the server in between: only its store watcher can notice
        rd.t.join(3)
        self.assertFalse(rd.t.is_alive(), "the revoked token's stream is still open after 3 s")
        self.assertIsNotNone(rd.err)
        self.assertEqual(rd.err.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertIn("revoked", rd.err.details())
        # the other token's stream is untouched
        live = Reader(stream(self.srv, pb.StreamOpportunitiesRequest(), self.tok["rm_b1"]))
        self.assertTrue(live.nothing_within(0.3))
        self.assertIsNone(live.err)
        live.it.cancel()


class OwnershipAfterIngestTest(SeededServer):
    """Ownership penetration is stored by ingest and updated after each batch
    (issue 4): a CLI ingest next to the running server that adds a holder
    upstream of a chain changes GetUltimateControllers of the enterprise at
    the chain's end, and the ingest says it updated the stored ownership for
    a few enterprises instead of recomputing all of them.  The store is the
    sample's registry, ingested."""

    RMS = ("rm01",)
    HOLDER, HELD = "9144010647LUKACY1R", "91440305HAYXAD10B4"  # sample: 100 %

    @classmethod
    def fill_store(cls):
        ok, why = h.ingest_available()
        if not ok:
            raise unittest.SkipTest(why)
        p = h.cli("ingest", "--db", cls.db, "--now", "2024-06-30",
                  os.path.join(h.SAMPLE, "registry"), check=True, timeout=300)
        assert "ownership stored for every enterprise" in p.stderr, p.stderr

    def ent(self, code):
        r = call(self.srv, ENT + "GetEnterprise", pb.GetEnterpriseRequest(credit_code=code),
                 pb.Enterprise, self.tok["rm01"])
        return r.id, r.name

    def controllers(self, ent):
        r = call(self.srv, ENT + "GetUltimateControllers",
                 pb.GetUltimateControllersRequest(enterprise_id=ent),
                 pb.GetUltimateControllersResponse, self.tok["rm01"])
        return {(c.kind, c.name): c.share for c in r.controllers}

    def test_related_parties_match_the_cli(self):
        """GetRelatedParties (read from the store's edge indexes) answers
        what `oppgraph graph related` answers on the loaded graph, for the
        first 120 enterprises of the sample (group and shared-executive
        relations occur among them; the sample shares no legal
        representative)."""
        seen = set()
        for ent in range(1, 121):
            p = h.cli("graph", "related", "--db", self.db, "--id", ent, check=True)
            want = sorted((d["id"], d["relation"], d["via"]["id"])
                          for d in (json.loads(l) for l in p.stdout.splitlines() if l.strip()))
            r = call(self.srv, ENT + "GetRelatedParties", pb.GetRelatedPartiesRequest(enterprise_id=ent),
                     pb.GetRelatedPartiesResponse, self.tok["rm01"])
            names = {pb.RELATION_GROUP: "group", pb.RELATION_EXECUTIVE: "executive",
                     pb.RELATION_LEGAL_REP: "legal_rep"}
            got = sorted((x.id, names[x.relation], x.via) for x in r.parties)
            self.assertEqual(got, want, "enterprise %d" % ent)
            self.assertTrue(all(x.name and x.via_name for x in r.parties))
            seen.update(x.relation for x in r.parties)
        self.assertLessEqual({pb.RELATION_GROUP, pb.RELATION_EXECUTIVE}, seen)
        with self.assertRaises(grpc.RpcError) as cm:
            call(self.srv, ENT + "GetRelatedParties", pb.GetRelatedPartiesRequest(enterprise_id=424242),
                 pb.GetRelatedPartiesResponse, self.tok["rm01"])
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_new_holder_upstream_reaches_the_end_of_the_chain(self):
        (holder, holder_name), (held, _) = self.ent(self.HOLDER), self.ent(self.HELD)
        before = self.controllers(held)
        self.assertAlmostEqual(before[(pb.NODE_ENTERPRISE, holder_name)], 1.0)  # the chain
        self.assertNotIn((pb.NODE_PERSON, "欧阳测试"), before)
        batch = os.path.join(self.dir, "batch", "10_new_holder.xml")
        os.makedirs(os.path.dirname(batch))
        with open(batch, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<registry source="test" date="2024-07-01"><shareholdings>\n'
                    '<shareholding holder_person="欧阳测试" held="%s" ratio="0.8"/>\n'
                    '</shareholdings></registry>\n' % self.HOLDER)
        p = h.cli("ingest", "--db", self.db, "--now", "2024-07-01", batch, check=True, timeout=300)
        m = re.search(r"ownership updated for (\d+) enterprises", p.stderr)
        self.assertIsNotNone(m, p.stderr)
        self.assertGreaterEqual(int(m.group(1)), 2)  # the holder and what it holds
        self.assertLess(int(m.group(1)), 300)        # not every enterprise
        after = self.controllers(held)
        self.assertAlmostEqual(after[(pb.NODE_PERSON, "欧阳测试")], 0.8)
        mid = self.controllers(holder)
        self.assertAlmostEqual(mid[(pb.NODE_PERSON, "欧阳测试")], 0.8)


class CacheTest(SeededServer):
    """The server's per-commit caches (issue 6: packed ListPushList pages per
    request and store commit, token checks per token and commit) never serve
    what a commit changed: after a RecordFeedback, a CLI verdict or a CLI
    token revoke, the very next call sees the change.  Each test first calls
    twice, so that the second answer comes from the cache."""

    RMS = ("rm_a1", "rm_b1")

    def page(self, rm, **kw):
        return call(self.srv, OPP + "ListPushList", pb.ListPushListRequest(**kw),
                    pb.ListPushListResponse, self.tok[rm])

    def test_page_follows_record_feedback(self):
        first, again = self.page("rm_b1", page_size=5), self.page("rm_b1", page_size=5)
        self.assertEqual(again, first)
        gone = first.opportunities[0].id
        call(self.srv, OPP + "RecordFeedback",
             pb.RecordFeedbackRequest(opportunity_id=gone, outcome=pb.FEEDBACK_REJECTED),
             pb.RecordFeedbackResponse, self.tok["rm_b1"])
        after = self.page("rm_b1", page_size=5)
        self.assertNotIn(gone, [o.id for o in after.opportunities])
        self.assertEqual(after.total, first.total - 1)

    def test_page_follows_cli_commit(self):
        first = self.page("rm_a1", page_size=10)
        self.assertEqual(self.page("rm_a1", page_size=10), first)
        won = self.page("rm_a1", page_size=10, status=[pb.OPP_WON])
        self.assertEqual(self.page("rm_a1", page_size=10, status=[pb.OPP_WON]), won)
        gone = first.opportunities[0].id
        self.assertNotIn(gone, [o.id for o in won.opportunities])
        h.cli("feedback", "--db", self.db, "--opp", str(gone), "--outcome", "won", check=True)
        after = self.page("rm_a1", page_size=10)
        self.assertNotIn(gone, [o.id for o in after.opportunities])
        self.assertEqual(after.total, first.total - 1)
        self.assertIn(gone, [o.id for o in self.page("rm_a1", page_size=10, status=[pb.OPP_WON]).opportunities])

    def test_filter_without_status_hides_closed(self):
        """An empty status list means the open ones, with other filters too
        (the filtered reader used to return won / rejected / expired)."""
        first = self.page("rm_a1", page_size=200, risk=pb.RISK_ANY, type="中标")
        self.assertTrue(first.opportunities)
        closed = first.opportunities[0]
        h.cli("feedback", "--db", self.db, "--opp", str(closed.id), "--outcome", "won", check=True)
        after = self.page("rm_a1", page_size=200, risk=pb.RISK_ANY, type="中标")
        self.assertNotIn(closed.id, [o.id for o in after.opportunities])
        self.assertEqual(after.total, first.total - 1)
        self.assertEqual(after.total, self.page("rm_a1", page_size=200).total)
        won = self.page("rm_a1", page_size=200, type="中标", status=[pb.OPP_WON])
        self.assertIn(closed.id, [o.id for o in won.opportunities])

    def test_revoked_token_fails_at_once_after_use(self):
        doomed = h.issue_token(self.db, "rm_b1")
        for _ in range(2):
            call(self.srv, OPP + "ListPushList", pb.ListPushListRequest(), pb.ListPushListResponse, doomed)
        h.cli("token", "revoke", "--db", self.db, "--id", doomed.split(".")[0], check=True)
        with self.assertRaises(h.grpc.RpcError) as cm:
            call(self.srv, OPP + "ListPushList", pb.ListPushListRequest(), pb.ListPushListResponse, doomed)
        self.assertEqual(cm.exception.code(), h.grpc.StatusCode.UNAUTHENTICATED)
        # the other token of the same RM still works
        self.page("rm_b1")


if __name__ == "__main__":
    unittest.main()


class ReflectionTest(unittest.TestCase):
    """Server reflection: list services, fetch descriptors, and call a
    method with a message class built from the returned descriptors alone
    (no oppgraph_pb2)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.db = os.path.join(cls.dir, "db")
        cls.world = h.seed_store(cls.db)
        cls.tok = h.issue_token(cls.db, "rm_a1")
        cls.srv = h.Server(cls.db)

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        h.remove_tree(cls.dir)
        if rc != 0:
            raise AssertionError("server exited %d:\n%s" % (rc, "\n".join(cls.srv.log()[-30:])))

    def ask(self, version, *reqs):
        rpb = h._load("reflection_%s_pb2" % version, os.path.join(
            h.BUILD, "py", "grpc", "reflection", version, "reflection_pb2.py"))
        m = self.srv.channel.stream_stream(
            "/grpc.reflection.%s.ServerReflection/ServerReflectionInfo" % version,
            request_serializer=rpb.ServerReflectionRequest.SerializeToString,
            response_deserializer=rpb.ServerReflectionResponse.FromString)
        return list(m(iter([rpb.ServerReflectionRequest(**r) for r in reqs]), timeout=10))

    def test_list_services_both_versions(self):
        for version in ("v1alpha", "v1"):
            (r,) = self.ask(version, {"list_services": ""})
            names = {s.name for s in r.list_services_response.service}
            for want in ("oppgraph.v1.OpportunityService", "oppgraph.v1.EnterpriseService",
                         "oppgraph.v1.IngestService", "oppgraph.v1.KnowledgeService",
                         "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
                         "grpc.reflection.v1.ServerReflection"):
                self.assertIn(want, names, version)

    def test_several_requests_on_one_stream_and_errors(self):
        rs = self.ask("v1", {"file_by_filename": "proto/oppgraph.proto"},
                      {"file_containing_symbol": "oppgraph.v1.OpportunityService.ListPushList"},
                      {"file_containing_symbol": "no.such.Symbol"},
                      {"file_by_filename": "nope.proto"})
        self.assertEqual(len(rs), 4)
        self.assertEqual(len(rs[0].file_descriptor_response.file_descriptor_proto), 1)
        self.assertEqual(rs[1].file_descriptor_response.file_descriptor_proto[0],
                         rs[0].file_descriptor_response.file_descriptor_proto[0])
        self.assertEqual(rs[2].error_response.error_code, grpc.StatusCode.NOT_FOUND.value[0])
        self.assertEqual(rs[3].error_response.error_code, grpc.StatusCode.NOT_FOUND.value[0])
        (r,) = self.ask("v1", {"file_containing_symbol": "grpc.health.v1.HealthCheckResponse.ServingStatus"})
        self.assertTrue(r.file_descriptor_response.file_descriptor_proto)

    def test_call_from_descriptors_alone(self):
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
        (r,) = self.ask("v1alpha", {"file_containing_symbol": "oppgraph.v1.EnterpriseService"})
        pool = descriptor_pool.DescriptorPool()
        for raw in r.file_descriptor_response.file_descriptor_proto:
            pool.Add(descriptor_pb2.FileDescriptorProto.FromString(raw))
        svc = pool.FindServiceByName("oppgraph.v1.EnterpriseService")
        meth = svc.methods_by_name["GetEnterprise"]
        factory = message_factory.MessageFactory(pool)
        Req = factory.GetPrototype(meth.input_type)
        Resp = factory.GetPrototype(meth.output_type)
        m = self.srv.channel.unary_unary("/%s/%s" % (svc.full_name, meth.name),
                                         request_serializer=Req.SerializeToString,
                                         response_deserializer=Resp.FromString)
        want = self.world["enterprises"][1]
        got = m(Req(credit_code=want["credit_code"]), timeout=10,
                metadata=[("authorization", "Bearer " + self.tok)])
        self.assertEqual((got.id, got.name), (want["id"], want["name"]))


class FeedbackCliTest(SeededServer):
    """`oppgraph feedback` (the CLI twin of RecordFeedback) next to a running
    server: verdicts recorded through the CLI show in GetFunnel over gRPC,
    with the low-performance warning of opportunity/feedback.c.  Own store
    (the verdicts change the funnel ApiTest checks) and a copy of data/
    whose funnel_warning thresholds fit the small seed world: min_pushed 3,
    so lead_a (2 opportunities) is neither flagged nor a peer."""
    RMS = ("admin", "lead_a", "rm_b1")
    DATA = True

    @classmethod
    def edit_data(cls):
        path = os.path.join(cls.data, "opportunity.json")
        with open(path) as f:
            cfg = h.json.load(f)
        cfg["funnel_warning"] = {"min_pushed": 3, "peer_fraction": 0.5, "min_peers": 2}
        with open(path, "w") as f:
            h.json.dump(cfg, f, ensure_ascii=False)

    def ids(self, rm, *status):
        args = ["push-list", "--db", self.db, "--rm", rm, "--limit", "100", "--json"]
        if status:
            args += ["--status", ",".join(status)]
        p = h.cli(*args, check=True)
        return [o["id"] for o in h.json.loads(p.stdout)["opportunities"]]

    def feedback(self, opp, outcome, *extra, check=False):
        return h.cli("feedback", "--db", self.db, "--opp", str(opp), "--outcome", outcome,
                     *extra, check=check)

    def funnel(self, rm, **kw):
        return call(self.srv, OPP + "GetFunnel", pb.GetFunnelRequest(**kw),
                    pb.GetFunnelResponse, self.tok[rm])

    def test_cli_feedback_reaches_funnel_with_warning(self):
        a1, a2, b1 = self.ids("rm_a1"), self.ids("rm_a2"), self.ids("rm_b1")
        self.assertEqual(len(a1), self.world["rms"]["rm_a1"]["opps"])
        # rm_a2 accepts 4 of 7, rm_b1 wins 2 of 3, rm_a1 accepts 1 of 45
        for o in a2[:4]:
            self.feedback(o, "accepted", "--rm", "rm_a2", check=True)
        for o in b1[:2]:
            p = self.feedback(o, "won", "--reason", "已签约", check=True)
            self.assertIn("won", p.stdout)
            self.assertIn("prior of 中标", p.stdout)
        self.feedback(a1[0], "accepted", check=True)
        self.feedback(a1[1], "rejected", "--reason", "客户无需求", check=True)
        # errors: another RM's opportunity, an unknown one, a bad outcome
        p = self.feedback(a1[2], "won", "--rm", "rm_b1")
        self.assertEqual(p.returncode, 1)
        self.assertIn("another RM", p.stderr)
        p = self.feedback(999999, "won")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no opportunity 999999", p.stderr)
        p = self.feedback(a1[2], "maybe")
        self.assertEqual(p.returncode, 2)
        self.assertIn("accepted, rejected or won", p.stderr)

        # the lead of team A sees rm_a1 flagged against the bank's peers
        lead = self.funnel("lead_a")
        rows = {r.key: r for r in lead.rows}
        self.assertEqual(sorted(rows), ["lead_a", "rm_a1", "rm_a2"])
        self.assertEqual(rows["rm_a1"].accepted, 1)
        self.assertEqual(rows["rm_a1"].rejected, 1)
        self.assertEqual(rows["rm_a2"].accepted, 4)
        self.assertTrue(rows["rm_a1"].low_performance)
        self.assertIn("accept rate 2 %", rows["rm_a1"].warning)
        self.assertIn("over 45 pushes", rows["rm_a1"].warning)
        self.assertAlmostEqual(rows["rm_a1"].peer_median_accept_rate, (4 / 7 + 2 / 3) / 2)
        self.assertFalse(rows["rm_a2"].low_performance)
        self.assertFalse(rows["lead_a"].low_performance)  # 2 pushes: too few
        self.assertFalse(lead.total.low_performance)
        # a plain RM sees only their own row, not a colleague's warning
        own = self.funnel("rm_b1")
        self.assertEqual([r.key for r in own.rows], ["rm_b1"])
        self.assertEqual(own.rows[0].won, 2)
        self.assertFalse(own.rows[0].low_performance)
        # by team only one other team has pushes: fewer than min_peers
        teams = self.funnel("admin", group_by=pb.FUNNEL_BY_TEAM)
        self.assertFalse(any(r.low_performance for r in teams.rows))

        # the CLI funnel prints the same warning (thresholds from OPPGRAPH_DATA)
        env = dict(os.environ, OPPGRAPH_DATA=self.data)
        p = h.subprocess.run([h.OPPGRAPH, "funnel", "--db", self.db], env=env, cwd=h.ROOT,
                             stdout=h.subprocess.PIPE, stderr=h.subprocess.PIPE, text=True,
                             timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("WARNING low performance: accept rate 2 %", p.stdout)
        p = h.subprocess.run([h.OPPGRAPH, "funnel", "--db", self.db, "--json"], env=env,
                             cwd=h.ROOT, stdout=h.subprocess.PIPE, text=True, timeout=60)
        rows = {r["key"]: r for r in h.json.loads(p.stdout)["rows"]}
        self.assertIn("warning", rows["rm_a1"])
        self.assertNotIn("warning", rows["rm_a2"])
        # closed opportunities are listed by status
        self.assertEqual(sorted(self.ids("rm_b1", "won")), sorted(b1[:2]))
        self.assertEqual(self.ids("rm_a1", "rejected"), [a1[1]])
        p = h.cli("push-list", "--db", self.db, "--rm", "rm_a1", "--status", "rejected")
        self.assertIn("reason: 客户无需求", p.stdout)


class LoadedOnceTest(SeededServer):
    """What the server reads from its data directory it reads once: the
    writer's rules, dictionary and settings at start-up (so the first
    RecordFeedback and the pushes it makes do not carry that load), GetFunnel's
    thresholds at the first GetFunnel.  Shown by taking the files away after
    those points: the calls still work."""
    RMS = ("rm_b1",)
    DATA = True

    def test_files_read_once(self):
        self.assertTrue(any("writer ready" in l for l in self.srv.log()), self.srv.log())
        funnel = lambda: call(self.srv, OPP + "GetFunnel", pb.GetFunnelRequest(),
                              pb.GetFunnelResponse, self.tok["rm_b1"])
        self.assertEqual([r.key for r in funnel().rows], ["rm_b1"])
        cfg = os.path.join(self.data, "opportunity.json")
        rules = os.path.join(self.data, "rules")
        os.rename(cfg, cfg + ".away")
        os.rename(rules, rules + ".away")
        try:
            self.assertEqual([r.key for r in funnel().rows], ["rm_b1"])
            tok = self.tok["rm_b1"]
            opps, _, _ = self.srv.push_list_all(tok, page_size=50)
            r = call(self.srv, OPP + "RecordFeedback", pb.RecordFeedbackRequest(
                opportunity_id=opps[0].id, outcome=pb.FEEDBACK_ACCEPTED),
                pb.RecordFeedbackResponse, tok)
            self.assertEqual(r.opportunity.status, pb.OPP_ACCEPTED)
            self.assertEqual(funnel().rows[0].accepted, 1)
        finally:
            os.rename(cfg + ".away", cfg)
            os.rename(rules + ".away", rules)
