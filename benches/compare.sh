#!/usr/bin/env bash
# Gate a generated COC report of N nodes with tollgate and with the tools people write the
# same check in by hand, side by side in one run, and print a table of median wall time,
# peak RSS and nodes per second, with tollgate's speed-up over each.
#
#   benches/compare.sh N            e.g. benches/compare.sh 100000
#
# The check: instance ids of nodes with group == "prod" and
# non_compliant_summary.severity_summary.critical_count > 0. tollgate runs the whole
# gate (every policy under policies/, SARIF + JUnit + JSON written to files); its answer
# is the resource ids of its blocking PATCH-001 findings. Every tool's sorted id list
# must be the same, or the script fails.
#
# Environment: RUNS (timed runs per tool, default 5), WARMUP (default 1), WORK (scratch
# directory, default /tmp/tollgate-compare; the report is ~1.3 KB a node), TOLLGATE (a
# tollgate binary; default: `cargo build --release` and target/release/tollgate).
# Needs jq, gojq, hyperfine and GNU time from Debian's packages (installed with apt-get
# when missing), python3, and optionally the `regorus` Python package for the Rego peer.
set -euo pipefail

N=${1:?usage: benches/compare.sh N}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
WORK=${WORK:-/tmp/tollgate-compare}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v jq >/dev/null || need+=(jq)
command -v gojq >/dev/null || need+=(gojq)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian's packages" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -z "${TOLLGATE:-}" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
    TOLLGATE="$ROOT/target/release/tollgate"
fi

mkdir -p "$WORK/out"
REPORT="$WORK/coc-$N.json"
if [ ! -s "$REPORT" ]; then
    echo "generating $REPORT" >&2
    python3 "$ROOT/benches/gen_coc.py" "$N" "$REPORT"
fi
SIZE=$(stat -c %s "$REPORT")

JQ_FILTER='.instance_compliant[] | select(.group == "prod" and .non_compliant_summary.severity_summary.critical_count > 0) | .instance_id'
cat > "$WORK/peer.py" <<'EOF'
import json, sys
with open(sys.argv[1], "rb") as f:
    doc = json.load(f)
for n in doc["instance_compliant"]:
    s = (n.get("non_compliant_summary") or {}).get("severity_summary") or {}
    if n.get("group") == "prod" and (s.get("critical_count") or 0) > 0:
        print(n["instance_id"])
EOF
cat > "$WORK/peer_rego.py" <<'EOF'
import json, sys, regorus
POLICY = """package gate
import rego.v1
breach contains id if {
    some n in input.instance_compliant
    n.group == "prod"
    n.non_compliant_summary.severity_summary.critical_count > 0
    id := n.instance_id
}"""
engine = regorus.Engine()
engine.add_policy("gate.rego", POLICY)
with open(sys.argv[1]) as f:
    engine.set_input_json(f.read())
result = engine.eval_rule("data.gate.breach")
if isinstance(result, str):
    result = json.loads(result)
for i in result:
    print(i)
EOF

# name|command (stdout: one breaching instance id per line)
peers=(
    "tollgate|$TOLLGATE check -c /dev/null -r $REPORT -p $ROOT/policies --now 2026-11-23T12:00:00Z --no-fail -o sarif=$WORK/out/tollgate.sarif -o junit=$WORK/out/tollgate.xml -o json=$WORK/out/tollgate.json"
    "jq $(jq --version | sed 's/^jq-//')|jq -r '$JQ_FILTER' $REPORT"
    "gojq|gojq -r '$JQ_FILTER' $REPORT"
    "python3 json|python3 $WORK/peer.py $REPORT"
)
if python3 -c "import regorus" 2>/dev/null; then
    peers+=("Rego (regorus)|python3 $WORK/peer_rego.py $REPORT")
else
    echo "Rego peer skipped: the regorus Python package is not installed (pip install regorus)" >&2
fi

ids_of_tollgate() {
    python3 - "$WORK/out/tollgate.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for f in doc["findings"]:
    if f["rule"] == "PATCH-001" and f["blocking"]:
        print(f["resource"]["id"])
EOF
}

declare -A median rss
for entry in "${peers[@]}"; do
    name=${entry%%|*}
    cmd=${entry#*|}
    slug=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')
    echo "== $name" >&2
    # The answer, and the peak RSS of one run (GNU time, KiB).
    /usr/bin/time -f "%M" -o "$WORK/$slug.rss" bash -c "$cmd" > "$WORK/$slug.stdout"
    if [ "$name" = tollgate ]; then
        ids_of_tollgate | sort > "$WORK/$slug.ids"
    else
        sort "$WORK/$slug.stdout" > "$WORK/$slug.ids"
    fi
    hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$WORK/$slug.hyperfine.json" --output null "$cmd" >&2
    median[$name]=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$WORK/$slug.hyperfine.json")
    rss[$name]=$(tail -1 "$WORK/$slug.rss")
done

# Everyone must give the same answer.
reference="$WORK/tollgate.ids"
count=$(wc -l < "$reference")
[ "$count" -gt 0 ] || { echo "tollgate found no breaching node: nothing to compare" >&2; exit 1; }
status=0
for entry in "${peers[@]}"; do
    name=${entry%%|*}
    slug=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')
    if ! cmp -s "$reference" "$WORK/$slug.ids"; then
        echo "DISAGREE: $name differs from tollgate ($(wc -l < "$WORK/$slug.ids") vs $count ids)" >&2
        status=1
    fi
done

t=${median[tollgate]}
printf '\n%s nodes, report %s MB, %s breaching nodes; median of %s runs after %s warm-up; %s, %s cores\n\n' \
    "$N" "$((SIZE / 1000000))" "$count" "$RUNS" "$WARMUP" "$(date -u +%Y-%m-%d)" "$(nproc)"
echo "| tool | median wall | peak RSS | RSS / report | nodes/s | tollgate is faster by |"
echo "|---|--:|--:|--:|--:|--:|"
for entry in "${peers[@]}"; do
    name=${entry%%|*}
    m=${median[$name]}
    r=${rss[$name]}
    python3 - "$name" "$m" "$r" "$SIZE" "$N" "$t" <<'EOF'
import sys
name, m, r, size, n, t = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
ratio = "—" if name == "tollgate" else f"{m / t:.1f}×"
print(f"| {name} | {m:.2f} s | {r / 1024:.0f} MB | {r * 1024 / size:.2f}× | {n / m:,.0f} | {ratio} |")
EOF
done
[ $status -eq 0 ] && echo && echo "all tools agree on the $count breaching instance ids"
exit $status
