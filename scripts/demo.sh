#!/usr/bin/env bash
# demo.sh BUILD_DIR — what `make run` does: ingest the bundled sample world
# and knowledge base into a fresh BUILD_DIR/demo.db, show a KB search, issue
# an API token for one RM, print that RM's push list, then serve the store
# over gRPC in the foreground (Ctrl-C stops it cleanly).
#
#   OPPGRAPH_LISTEN   where to listen (default 127.0.0.1:50051)
#   OPPGRAPH_DEMO_RM  whose push list to show (default rm01)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin=$build/oppgraph
db=$build/demo.db
listen=${OPPGRAPH_LISTEN:-127.0.0.1:50051}
rm_id=${OPPGRAPH_DEMO_RM:-rm01}

if [ ! -x "$bin" ]; then
  echo "demo: $bin is missing: run 'make' first" >&2
  exit 1
fi

# The sample world is a snapshot: score and expire its opportunities as of
# the date its registry files carry, not as of today.
asof=$(sed -n 's/.*<registry[^>]* date="\([0-9-]*\)".*/\1/p' data/sample/registry/00_rms.xml | head -1)
rm -rf "$db"
echo "== ingesting data/sample into $db (as of ${asof:-today})"
"$bin" ingest --db "$db" ${asof:+--now "$asof"} data/sample
echo
echo "== knowledge base: data/kb/articles (opportunities' products link to them)"
"$bin" kb add --db "$db" data/kb/articles
echo
echo "== kb search: 保函 保证金比例"
"$bin" kb search --db "$db" --page-size 3 保函 保证金比例
echo
echo "== API token for $rm_id (the store keeps only its salted hash)"
token=$("$bin" token issue --db "$db" --rm "$rm_id")
echo "$token"
echo
echo "== push list of $rm_id"
"$bin" push-list --db "$db" --rm "$rm_id" --limit 10
echo
port=${listen##*:}
cat <<EOF
== serving $db on $listen (Ctrl-C stops)
Call it from another terminal, e.g. with Debian's python3-grpcio:

/usr/bin/python3 - <<'PY'
import sys, grpc
sys.path.insert(0, "$build/py/proto")
import oppgraph_pb2 as pb
ch = grpc.insecure_channel("127.0.0.1:$port")
call = ch.unary_unary("/oppgraph.v1.OpportunityService/ListPushList",
                      request_serializer=pb.ListPushListRequest.SerializeToString,
                      response_deserializer=pb.ListPushListResponse.FromString)
r = call(pb.ListPushListRequest(page_size=5),
         metadata=[("authorization", "Bearer $token")])
for o in r.opportunities:
    print('%.4g' % o.score, o.enterprise_name, o.type, list(o.products))
PY

EOF
exec "$bin" serve --db "$db" --listen "$listen"
