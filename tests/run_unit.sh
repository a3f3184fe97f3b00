#!/usr/bin/env bash
# Runs every cmocka unit-test binary in BUILD/tests and prints
# "unit: N passed, N failed".  Exit status: non-zero when any test failed.
set -u
build=${1:-build}
pass=0; fail=0
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  out=$("$t" 2>&1); rc=$?
  echo "$out"
  p=$(grep -c '^\[       OK \]' <<<"$out")
  f=$(grep -c '^\[  FAILED  \] [^0-9]' <<<"$out")
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "$t: exited $rc"; fi
  pass=$((pass + p)); fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
