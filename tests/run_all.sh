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
# unittest's own closing lines: "Ran N tests" and "OK (skipped=S)" or
# "FAILED (failures=F, errors=E, skipped=S)"; errors in class set-up and
# tear-down only show there.
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$log" | tail -1)
last=$(grep -E '^(OK|FAILED)' "$log" | tail -1)
num() { local v; v=$(grep -oE "$1=[0-9]+" <<<"$last" | cut -d= -f2); echo "${v:-0}"; }
ifail=$(( $(num failures) + $(num errors) ))
iskip=$(num skipped)
if [ -z "$ran" ] || [ -z "$last" ]; then
  ran=${ran:-0}; ifail=$((ifail + 1)); echo "integration: runner did not finish"
fi
ipass=$(( ran - ifail - iskip )); [ $ipass -lt 0 ] && ipass=0
rm -f "$log"
pass=$(( ${upass:-0} + ipass )); fail=$(( ${ufail:-1} + ifail ))
echo "$pass passed, $fail failed, $iskip skipped"
[ $fail -eq 0 ]
