#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD/fuzz for SECONDS each, from the
# repository root (the targets read data/rules, data/dict, data/schema).
#
#   bash tests/fuzz/run.sh [BUILD] [SECONDS]      (defaults: build-fuzz 60)
#
# Each target starts from its seed corpus tests/fuzz/corpus/<target>/ (read
# only: crash reproducers kept there are replayed first, so a fixed crash that
# comes back fails at once) and writes what it discovers to
# BUILD/corpus/<target>/.  A crash, leak, timeout or out-of-memory leaves its
# input in BUILD/crashes/ and fails the run.  Ends with a table: target,
# seconds, executions, corpus size, result; then "fuzz: N passed, N failed".
set -u
build=${1:-build-fuzz}
secs=${2:-60}
cd "$(dirname "$0")/../.."
mkdir -p "$build/crashes"
pass=0; fail=0; table=""
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  t=$(basename "$bin")
  seeds=tests/fuzz/corpus/$t
  work=$build/corpus/$t
  mkdir -p "$work" "$seeds"
  log=$build/crashes/$t.log
  start=$(date +%s.%N)
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
    "$work" "$seeds" >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(ls "$work" | wc -l)
  if [ $rc -eq 0 ]; then
    res=ok; pass=$((pass + 1))
  else
    res="FAILED (exit $rc, see $log)"; fail=$((fail + 1))
    grep -m1 -E 'ERROR: |==ERROR|runtime error|deadly signal|Test unit written' "$log" | sed "s/^/  $t: /"
  fi
  table+=$(printf '%-16s %7.1f %10s %7s  %s' "$t" "$(awk "BEGIN{print $end - $start}")" "${execs:-?}" "$corpus" "$res")$'\n'
done
echo
echo "fuzz: each target for ${secs}s ($build, $(date -u +%F))"
printf '%-16s %7s %10s %7s  %s\n' target seconds execs corpus result
printf '%s' "$table"
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
