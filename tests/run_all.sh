#!/usr/bin/env bash
# The whole test suite: cmocka unit tests, then the integration tests that
# drive a real server with python3-grpcio.  Ends with one line
# "N passed, N failed" (and ", N skipped") for CI.
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
log=$(mktemp)
bash tests/run_unit.sh "$build" | tee "$log"
upass=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log")
ufail=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log")
OPPGRAPH_BUILD=$build /usr/bin/python3 -m unittest discover -s tests/integration \
  -p 'test_*.py' -v 2>&1 | tee "$log"
ipass=$(grep -cE '\.\.\. ok$' "$log")
ifail=$(grep -cE '\.\.\. (FAIL|ERROR)$' "$log")
iskip=$(grep -cE '\.\.\. skipped' "$log")
if ! grep -qE '^(OK|FAILED)' "$log"; then ifail=$((ifail + 1)); echo "integration: runner did not finish"; fi
rm -f "$log"
pass=$(( ${upass:-0} + ipass )); fail=$(( ${ufail:-1} + ifail ))
echo "$pass passed, $fail failed, $iskip skipped"
[ $fail -eq 0 ]
