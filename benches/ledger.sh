#!/usr/bin/env bash
# The whole gate's wall time on a 100,000-node COC report (one finding per node), without
# a ledger, with a new SQLite ledger (every finding new), and with that ledger again (every
# finding seen again). Median of RUNS runs each.
#
#   bash benches/ledger.sh            # RUNS=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
cargo build --release --quiet
bin=target/release/tollgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/fleet.json" <<'PY'
import sys
n = 100_000
with open(sys.argv[1], "w") as f:
    f.write('{"count":%d,"instance_compliant":[\n' % n)
    for i in range(n):
        sep = ",\n" if i else ""
        f.write(sep + '{"instance_id":"i-%08d","name":"ecs-prod-%d","group":"prod","region":"cn-north-4","status":"non_compliant","non_compliant_summary":{"non_compliant_count":1,"severity_summary":{"critical_count":1}}}' % (i, i))
    f.write("\n]}\n")
PY
policy=policies/patch/prod-no-critical.rhai
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_one() { # prints seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  python3 -c "print($end - $start)"
}
plain=$(for _ in $(seq "$RUNS"); do time_one "$bin" check -r "$work/fleet.json" -p "$policy" --now 2026-11-02T00:00:00Z; done | median)
new=$(for i in $(seq "$RUNS"); do rm -f "$work/new-$i.db"*; time_one "$bin" check -r "$work/fleet.json" -p "$policy" --state "$work/new-$i.db" --now 2026-11-02T00:00:00Z; done | median)
"$bin" check -r "$work/fleet.json" -p "$policy" --state "$work/seen.db" --now 2026-11-01T00:00:00Z >/dev/null 2>&1 || true
seen=$(for i in $(seq "$RUNS"); do time_one "$bin" check -r "$work/fleet.json" -p "$policy" --state "$work/seen.db" --now "$(printf '2026-11-%02dT00:00:00Z' $((i + 1)))"; done | median)
printf 'gate, 100,000 findings, no ledger:          %.3f s\n' "$plain"
printf 'gate + new SQLite ledger (all new):         %.3f s  (+%.0f%%)\n' "$new" "$(python3 -c "print(($new / $plain - 1) * 100)")"
printf 'gate + SQLite ledger (all seen again):      %.3f s  (+%.0f%%)\n' "$seen" "$(python3 -c "print(($seen / $plain - 1) * 100)")"
