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
# The three are taken in turn in each round, so a change in the machine's load over the
# run falls on all of them alike; each ledger case is reported as the median of its
# per-round ratio to the plain gate.
python3 - "$bin" "$work" "$policy" "$RUNS" <<'PY'
import datetime, os, subprocess, statistics, sys, time
binary, work, policy, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fleet = os.path.join(work, "fleet.json")
seen_db = os.path.join(work, "seen.db")

def gate(now, *extra):
    start = time.perf_counter()
    subprocess.run([binary, "check", "-r", fleet, "-p", policy, "--now", now, *extra],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start

def day(n):
    return (datetime.datetime(2026, 11, 1) + datetime.timedelta(days=n)).strftime("%Y-%m-%dT00:00:00Z")

gate(day(0), "--state", seen_db)  # every finding is in the ledger from here on
plain, new, seen = [], [], []
for i in range(1, runs + 1):
    new_db = os.path.join(work, f"new-{i}.db")
    plain.append(gate(day(i)))
    new.append(gate(day(i), "--state", new_db))
    seen.append(gate(day(i), "--state", seen_db))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(new_db + suffix):
            os.remove(new_db + suffix)

def ratio(case):
    return statistics.median(c / p - 1 for c, p in zip(case, plain)) * 100

print(f"gate, 100,000 findings, no ledger:          {statistics.median(plain):.3f} s")
print(f"gate + new SQLite ledger (all new):         {statistics.median(new):.3f} s  (+{ratio(new):.0f}%)")
print(f"gate + SQLite ledger (all seen again):      {statistics.median(seen):.3f} s  (+{ratio(seen):.0f}%)")
PY
