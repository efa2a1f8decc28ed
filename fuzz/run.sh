#!/usr/bin/env bash
# Run every fuzz target (tests/fuzz/), or those named, for SECONDS_PER_TARGET seconds
# (default 600) each, one after the other, in the `fuzz` build profile: optimised, with overflow checks and debug
# assertions on. Prints each target's case count and time, and a line per target at the end.
# A failure stops the run; the shrunk input is saved under target/fuzz-failures/.
# TOLLGATE_FUZZ_SEED=N replays a run's seed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
case "$seconds" in
  ''|*[!0-9.]*) echo "usage: fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]" >&2; exit 2 ;;
esac
shift || true

# A runaway allocation should fail this run ("memory allocation of N bytes failed"), not
# wake the kernel's OOM killer on a shared machine: cap the address space at 8 GiB.
ulimit -v 8388608 2>/dev/null || true

log="target/fuzz-run.log"
mkdir -p target
echo "fuzzing each target for ${seconds}s (log: $log)"
start=$(date +%s)
set +e
TOLLGATE_FUZZ_SECONDS="$seconds" cargo test --profile fuzz --test fuzz -- \
  --nocapture --test-threads=1 "$@" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
set -e
echo
echo "== summary ($(( $(date +%s) - start ))s in all)"
grep -oE 'fuzz [a-z_]+: [0-9]+ cases .*' "$log" || true
# A target name that matches no test would otherwise "pass" having fuzzed nothing. (libtest
# prints "test NAME ... " and the target's summary follows on the same line, so the summary
# is matched anywhere in a line.) Only checked when the run passed: a failure keeps its code.
if [ "$code" -eq 0 ]; then
  for target in "$@"; do
    case "$target" in -*) continue ;; esac
    if ! grep -qE "fuzz ${target}[a-z_]*: [0-9]+ cases" "$log"; then
      echo "no fuzz target ran for '$target' (targets: reports config waivers baselines policy_compile evaluation)" >&2
      code=2
    fi
  done
fi
exit "$code"
