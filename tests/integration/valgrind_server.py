"""Leak and memory-error check of `oppgraph serve` under valgrind memcheck
(issue 8): a short real session, then SIGTERM, then valgrind's verdict.

Not part of `make test` (named valgrind_*.py, not test_*.py: it takes a few
minutes under valgrind on a loaded machine).  Run it from the repository
root after `make` (any plain, non-ASan build):

    OPPGRAPH_BUILD=build /usr/bin/python3 tests/integration/valgrind_server.py [VALGRIND-OPTION...]

(e.g. --gen-suppressions=all to write suppressions for new reports.)

Session: storetool's known world plus one knowledge-base article; the health
check, every RPC of OpportunityService (ListPushList with paging,
GetOpportunity, RecordFeedback, GetFunnel, StreamOpportunities held open
while SubmitDocuments ingests an announcement, so a push is streamed), of
EnterpriseService (all seven), IngestService.SubmitDocuments (new and
duplicate), KnowledgeService.Search, server reflection (v1), and the refusal
paths (no token, bad token, undecodable bytes, unknown method, an oversized
message, a stream cancelled by the client).  Then SIGTERM.

valgrind runs with --leak-check=full, definite and indirect leaks and every
invalid access counting as errors, 30 frames per stack, suppressions from
tests/integration/valgrind.supp (library-internal reports only, each with a
reason).  The script prints each remaining error's first frames, splits them
into "ours" (a frame in our sources) and "library-internal", and exits 1
when valgrind reported any error or the server did not exit 0.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grpc  # noqa: E402

import harness as h  # noqa: E402
from test_api import Reader, call, stream  # noqa: E402

pb = h.pb
ING = "/oppgraph.v1.IngestService/"
KB = "/oppgraph.v1.KnowledgeService/"
SUPP = os.path.join(h.ROOT, "tests", "integration", "valgrind.supp")
# a frame of our code: a function with one of the module prefixes (valgrind
# prints "fn (file.c:line)" without the folder)
OURS = re.compile(r"(at|by) 0x[0-9A-F]+: (store|nlp|ingest|graph|opp|kb|srv|cmd|cli)_\w* ")


def session(srv, tok):
    """Every service once or more; returns the number of calls made."""
    n = 0

    def ok(path, req, resp, who="rm_a1", timeout=60):
        nonlocal n
        n += 1
        return call(srv, path, req, resp, tok[who], timeout=timeout)

    def refused(fn, *a, **kw):
        nonlocal n
        n += 1
        try:
            fn(*a, **kw)
        except grpc.RpcError as e:
            return e.code()
        raise AssertionError("call was not refused")

    n += 1
    srv.health()
    opps, _, pages = srv.push_list_all(tok["rm_a1"], page_size=2)
    n += pages
    srv.get_opportunity(tok["rm_a1"], opps[0].id)
    ok(h.OPP + "RecordFeedback", pb.RecordFeedbackRequest(
        opportunity_id=opps[0].id, outcome=pb.FEEDBACK_REJECTED, reason="无需求"),
        pb.RecordFeedbackResponse)
    ok(h.OPP + "GetFunnel", pb.GetFunnelRequest(group_by=pb.FUNNEL_BY_TEAM),
       pb.GetFunnelResponse, who="admin")
    # a replayed stream read to the end of its backlog and cancelled
    got = Reader(stream(srv, pb.StreamOpportunitiesRequest(resume_token="0"), tok["rm_a1"],
                        timeout=120))
    n += 1
    while not got.nothing_within(3.0):
        if got.q.get() is None:
            break
    got.it.cancel()
    for e in (ok(h.ENT + "GetEnterprise", pb.GetEnterpriseRequest(id=1), pb.Enterprise),):
        assert e.id == 1
    ok(h.ENT + "SearchEnterprises", pb.SearchEnterprisesRequest(prefix="上"),
       pb.SearchEnterprisesResponse)
    ok(h.ENT + "GetRelations", pb.GetRelationsRequest(enterprise_id=1, depth=2),
       pb.GetRelationsResponse)
    ok(h.ENT + "GetGuaranteeCircles", pb.GetGuaranteeCirclesRequest(enterprise_id=2),
       pb.GetGuaranteeCirclesResponse)
    ok(h.ENT + "GetUltimateControllers", pb.GetUltimateControllersRequest(enterprise_id=1),
       pb.GetUltimateControllersResponse)
    ok(h.ENT + "ExportGraph", pb.ExportGraphRequest(enterprise_id=1, depth=1),
       pb.ExportGraphResponse)
    # three SVG renderings: a leak per rendering shows as three blocks
    for _ in range(3):
        ok(h.ENT + "ExportGraph", pb.ExportGraphRequest(enterprise_id=1, format=pb.GRAPH_SVG),
           pb.ExportGraphResponse)
    ok(h.ENT + "GetRiskExposure", pb.GetRiskExposureRequest(enterprise_id=1),
       pb.GetRiskExposureResponse)
    ok(KB + "Search", pb.KbSearchRequest(query="履约保函"), pb.KbSearchResponse)
    # SubmitDocuments while a stream of everyone waits for the push
    doc = pb.SubmittedDocument(
        external_id="vg-1", title="上海测试F号实业股份有限公司关于中标的公告",
        text="2026年3月5日，上海测试F号实业股份有限公司中标某市轨道交通工程项目，"
             "中标金额为人民币1.2亿元。", published="2026-03-05")
    live = Reader(stream(srv, pb.StreamOpportunitiesRequest(rm_id="*"), tok["admin"],
                         timeout=300))
    n += 1
    r = ok(ING + "SubmitDocuments", pb.SubmitDocumentsRequest(documents=[doc]),
           pb.SubmitDocumentsResponse, who="admin", timeout=300)
    assert not r.results[0].duplicate
    pushed = 0
    while not live.nothing_within(10.0):
        if live.q.get() is None:
            break
        pushed += 1
    live.it.cancel()
    r = ok(ING + "SubmitDocuments", pb.SubmitDocumentsRequest(documents=[doc]),
           pb.SubmitDocumentsResponse, who="admin", timeout=300)
    assert r.results[0].duplicate
    # reflection v1: list and one file
    rpb = h._load("reflection_v1_pb2", os.path.join(
        h.BUILD, "py", "grpc", "reflection", "v1", "reflection_pb2.py"))
    m = srv.channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=rpb.ServerReflectionRequest.SerializeToString,
        response_deserializer=rpb.ServerReflectionResponse.FromString)
    list(m(iter([rpb.ServerReflectionRequest(list_services=""),
                 rpb.ServerReflectionRequest(file_by_filename="proto/oppgraph.proto")]),
           timeout=60))
    n += 1
    # refusals
    assert refused(srv.push_list, None) == grpc.StatusCode.UNAUTHENTICATED
    assert refused(srv.push_list, tok["rm_a1"] + "x") == grpc.StatusCode.UNAUTHENTICATED
    assert refused(srv.raw, h.OPP + "ListPushList", b"\xff\xff\xff\xff",
                   tok["rm_a1"]) == grpc.StatusCode.INVALID_ARGUMENT
    assert refused(srv.raw, h.OPP + "DropEverything", b"", tok["rm_a1"]) == \
        grpc.StatusCode.UNIMPLEMENTED
    assert refused(srv.push_list, tok["rm_a1"], page_token="f" * 70000) == \
        grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refused(srv.get_opportunity, tok["rm_a1"], 10 ** 9) == grpc.StatusCode.NOT_FOUND
    return n, pushed


def parse(log):
    """(error count, suppressed, [(kind, frames)], leak summary lines)."""
    text = open(log, errors="replace").read()
    m = re.findall(r"ERROR SUMMARY: (\d+) errors from \d+ contexts \(suppressed: (\d+) from (\d+)\)",
                   text)
    total = int(m[-1][0]) if m else -1
    suppressed = "%s errors in %s contexts" % m[-1][1:] if m else "?"
    blocks, cur = [], None
    for line in text.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if re.match(r"(Invalid|Conditional|Use of uninit|Syscall param|Mismatched|"
                     r"Source and destination|Argument|.*are definitely lost|"
                     r".*are indirectly lost)", body):
            cur = (body, [])
            blocks.append(cur)
        elif cur is not None and re.match(r"\s*(Address|Block was)", body):
            cur = None  # the stacks of the allocation and free follow
        elif cur is not None and re.match(r"\s+(at|by) 0x", body):
            cur[1].append(body.strip())
        elif cur is not None and not body.strip():
            cur = None
    summary = [re.sub(r"^==\d+== ", "", ln) for ln in text.splitlines()
               if re.search(r"(definitely|indirectly|possibly) lost:|still reachable:", ln)]
    return total, suppressed, blocks, summary


def main():
    if not shutil.which("valgrind"):
        print("valgrind_server: SKIP: no valgrind (apt-get install valgrind)")
        return 0
    real = h.OPPGRAPH
    if not os.path.exists(real):
        print("valgrind_server: %s is missing: run make first" % real)
        return 1
    work = h.tempdir()
    db = os.path.join(work, "db")
    log = os.path.join(work, "valgrind.log")
    try:
        h.seed_store(db)
        art = os.path.join(work, "9001.md")
        with open(art, "w") as f:
            f.write("# 履约保函办理指南\nid: 9001\ncategory: 产品\nproducts: 履约保函\n\n"
                    "中标企业申请履约保函的材料与流程。\n")
        h.cli("kb", "add", "--db", db, art, check=True)
        tok = {rm: h.issue_token(db, rm) for rm in ("rm_a1", "admin")}
        wrapper = os.path.join(work, "vg-oppgraph")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec valgrind --tool=memcheck --leak-check=full "
                    "--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect "
                    "--num-callers=30 --suppressions=%s --log-file=%s %s %s \"$@\"\n"
                    % (SUPP, log, " ".join(sys.argv[1:]), real))
        os.chmod(wrapper, 0o755)
        # the server starts slowly under valgrind: wait for its port longer
        wait_port = h.Server._wait_port
        h.Server._wait_port = lambda self, timeout: wait_port(self, 300)
        h.OPPGRAPH = wrapper
        t0 = time.monotonic()
        try:
            srv = h.Server(db, "--max-message", "65536")
        finally:
            h.OPPGRAPH = real
            h.Server._wait_port = wait_port
        t_start = time.monotonic() - t0
        try:
            calls, pushed = session(srv, tok)
        finally:
            rc = srv.stop(signal.SIGTERM, timeout=300)
        elapsed = time.monotonic() - t0
        total, suppressed, blocks, summary = parse(log)
        # ours: a frame of our code among the six innermost (a report deep
        # inside a library called by us is listed as library-internal, but
        # every report is printed, and only reviewed ones are suppressed)
        ours = [b for b in blocks if any(OURS.search(fr) for fr in b[1][:6])]
        lib = [b for b in blocks if b not in ours]
        print("valgrind_server: %d calls (%d streamed pushes), server started in %.0f s, "
              "whole run %.0f s; server exit status %d" % (calls, pushed, t_start, elapsed, rc))
        for line in summary:
            print("  " + line)
        print("valgrind ERROR SUMMARY: %d errors; %d reports with a frame in our code, "
              "%d library-internal; suppressed (valgrind.supp): %s"
              % (total, len(ours), len(lib), suppressed))
        for title, group in (("ours", ours), ("library-internal", lib)):
            for kind, frames in group:
                print("-- %s: %s" % (title, kind))
                for fr in frames[:12]:
                    print("     " + fr)
        if total != 0 or rc != 0:
            print("valgrind_server: FAILED (full log kept: %s)" % log)
            return 1
        print("valgrind_server: ok")
        h.remove_tree(work)
        return 0
    except BaseException:
        print("valgrind_server: the session failed; valgrind log: %s" % log)
        raise


if __name__ == "__main__":
    sys.exit(main())
