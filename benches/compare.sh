#!/usr/bin/env bash
# The side-by-side performance run the project's targets are stated in: tollgate in five
# scenarios beside the floor and the tools people write the same check in, on one
# generated COC report, in one run.
#
#   benches/compare.sh N                  table mode, e.g. benches/compare.sh 100000
#   benches/compare.sh --linear N1 N2     linearity, e.g. benches/compare.sh --linear 100000 1000000
#   LINEAR=N2 benches/compare.sh N1       the same as --linear N1 N2
#
# The check: instance ids of nodes with group == "prod" and
# non_compliant_summary.severity_summary.critical_count > 0.
#
# Peers (each must give tollgate's answer, or the script fails before timing anything):
#   floor         ../shared/perf-floor: typed serde_json, one thread; prints only a count
#                 (on stderr), so its count is compared
#   regorus       ../shared/peers/regorus (Rust Rego); prints `breaches N`, then the ids
#   jq, gojq, python3 json, and Rego via the regorus Python package when it is importable
# tollgate scenarios (all `-c /dev/null --now 2026-11-23T12:00:00Z --no-fail`):
#   none          one rule that applies to no resource of the report: reading only
#   one rule      `node.group == "prod" && node.missing.critical > 0` deny, -o json; its
#                 findings are the answer the peers are compared with
#   shipped       policies/ with -o sarif, -o junit and -o json; its blocking PATCH-001 ids
#                 must be the same answer
#   40 rules      benches/gen_rules.py 40 (distinct rules of the shipped shape), -o json
#   40 copies     the one rule 40 times (every rule fires on the same nodes), -o json
# and `none` must find nothing, `40 copies` exactly 40 findings per breaching node.
#
# Table mode prints median wall time (hyperfine), the ratio to the floor, peak RSS (GNU
# time, one run), RSS / report size and tollgate's finding count, writes the table as
# markdown to $WORK/table.md, then prints each target with PASS or MISS. Linear mode runs
# only the floor and the one-rule scenario at N1 and N2 nodes and prints the time ratio
# N2/N1 (target: ≤ 1.05 × N2/N1, i.e. 10.5× for 10× nodes) and RSS / report at both sizes
# (also written to $WORK/linear.md).
# A MISS does not fail the script; a disagreement does (exit 1).
#
# Environment: RUNS (timed runs per command, default 5), WARMUP (default 1), WORK (scratch
# directory, default /tmp/tollgate-compare; reports are ~1.3 KB a node, 1.3 GB at 1M),
# SHARED (default $ROOT/../shared), TOLLGATE (a tollgate binary; default: `cargo build
# --release` here). Needs cargo, python3, jq, gojq, hyperfine and GNU time (the last four
# installed with apt-get when missing).
set -euo pipefail

usage() {
    echo "usage: benches/compare.sh N | benches/compare.sh --linear N1 N2 | LINEAR=N2 benches/compare.sh N1" >&2
    exit 2
}
if [ "${1:-}" = --linear ]; then
    [ $# -eq 3 ] || usage
    MODE=linear N1=$2 N2=$3
elif [ -n "${LINEAR:-}" ]; then
    [ $# -eq 1 ] || usage
    MODE=linear N1=$1 N2=$LINEAR
else
    [ $# -eq 1 ] || usage
    MODE=table N1=$1 N2=
fi
for n in $N1 $N2; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || usage
done
[ "$N1" != "$N2" ] || usage

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
WORK=${WORK:-/tmp/tollgate-compare}
NOW=2026-11-23T12:00:00Z

# ---- tools and binaries -------------------------------------------------------------

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
    TOLLGATE="${CARGO_TARGET_DIR:-$ROOT/target}/release/tollgate"
fi
for peer in perf-floor peers/regorus; do
    cargo build --release --quiet --manifest-path "$SHARED/$peer/Cargo.toml" --target-dir "$ROOT/target/peers"
done
FLOOR="$ROOT/target/peers/release/perf-floor"
REGORUS_PEER="$ROOT/target/peers/release/regorus-peer"

# ---- policies and peer programs, written into $WORK -----------------------------------

mkdir -p "$WORK/out"
rm -rf "$WORK/policies"
mkdir -p "$WORK/policies/none" "$WORK/policies/one" "$WORK/policies/copies40"

cat > "$WORK/policies/none/none.rhai" <<'EOF'
const RULE = #{ id: "NONE-001", title: "Applies to no resource of a COC report",
                severity: "critical", applies_to: ["config_rule"] };

fn check(rule) {
    if rule.status == "non_compliant" {
        deny(`${rule.name} is non-compliant`)
    }
}
EOF
one_rule() { # ID
    cat <<EOF
const RULE = #{ id: "$1", title: "No critical patches missing on prod nodes",
                severity: "critical", applies_to: ["patch_node"] };

fn check(node) {
    if node.group == "prod" && node.missing.critical > 0 {
        deny(\`\${node.name} misses \${node.missing.critical} critical patches\`)
    }
}
EOF
}
one_rule ONE-001 > "$WORK/policies/one/one.rhai"
for i in $(seq -w 1 40); do
    one_rule "COPY-0$i" > "$WORK/policies/copies40/copy-0$i.rhai"
done
python3 "$ROOT/benches/gen_rules.py" 40 "$WORK/policies/rules40"

echo '.instance_compliant[] | select(.group == "prod" and .non_compliant_summary.severity_summary.critical_count > 0) | .instance_id' \
    > "$WORK/peer.jq"
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
engine = regorus.Engine()
with open(sys.argv[1]) as f:
    engine.add_policy("policy.rego", f.read())
with open(sys.argv[2]) as f:
    engine.set_input_json(f.read())
result = engine.eval_rule("data.gate.deny")
if isinstance(result, str):
    result = json.loads(result)
for i in result:
    print(i)
EOF

# ---- the commands -------------------------------------------------------------------

# The report of N nodes, generated when absent.
report_of() { # N
    local report="$WORK/coc-$1.json"
    if [ ! -s "$report" ]; then
        echo "generating $report" >&2
        python3 "$ROOT/benches/gen_coc.py" "$1" "$report.tmp"
        mv "$report.tmp" "$report"
    fi
    echo "$report"
}

# Every command is registered under a key: LABEL[key] for the table, CMD[key] for the
# shell, ANSWER[key] for how its answer is read (see answer_of). KEYS keeps the order.
declare -A LABEL CMD ANSWER IS_TOLLGATE
KEYS=()
add() { # KEY LABEL ANSWER WORD...  (the command, quoted for the shell)
    local key=$1
    LABEL[$key]=$2
    ANSWER[$key]=$3
    shift 3
    CMD[$key]=$(printf '%q ' "$@")
    KEYS+=("$key")
}
add_tollgate() { # KEY LABEL ANSWER REPORT POLICY-DIR [-o FORMAT=PATH]...
    local key=$1 label=$2 answer=$3 report=$4 policy=$5
    shift 5
    add "$key" "$label" "$answer" "$TOLLGATE" check -c /dev/null -r "$report" -p "$policy" \
        --now "$NOW" --no-fail "$@" -o "json=$WORK/out/$key.json"
    IS_TOLLGATE[$key]=1
}
add_floor_and_one_rule() { # KEY-SUFFIX LABEL-SUFFIX REPORT
    add "floor$1" "floor (perf-floor)$2" count "$FLOOR" "$3"
    add_tollgate "one$1" "tollgate one rule, JSON$2" "rule:ONE-001" "$3" "$WORK/policies/one"
}

# The answer of KEY as sorted ids in $WORK/KEY.ids, or as a count in $WORK/KEY.count.
answer_of() { # KEY
    local key=$1 out="$WORK/$1.stdout"
    case ${ANSWER[$key]} in
    ids) sort "$out" > "$WORK/$key.ids" ;;
    count) # perf-floor: "nodes N breaches B in T s (checksum C)" on stderr
        sed -n 's/^nodes [0-9]* breaches \([0-9]*\) .*/\1/p' "$WORK/$key.stderr" > "$WORK/$key.count" ;;
    breaches) # regorus-peer: "breaches N", then the ids
        tail -n +2 "$out" | sort > "$WORK/$key.ids"
        if [ "$(head -1 "$out")" != "breaches $(wc -l < "$WORK/$key.ids")" ]; then
            echo "${LABEL[$key]}: its 'breaches N' line does not match its ids" >&2
            return 1
        fi ;;
    rule:* | blocking:*) # tollgate: ids of the findings (the blocking ones) of one rule
        jq -r --arg rule "${ANSWER[$key]#*:}" --arg kind "${ANSWER[$key]%%:*}" \
            '.findings[] | select(.rule == $rule and ($kind == "rule" or .blocking)) | .resource.id' \
            "$WORK/out/$key.json" | sort > "$WORK/$key.ids" ;;
    findings) ;; # nothing compared; the finding count is shown
    *) echo "unknown answer kind ${ANSWER[$key]}" >&2; return 1 ;;
    esac
}

# One run of KEY under GNU time: its output, its answer and its peak RSS (KiB).
run_once() { # KEY
    local key=$1
    echo "== ${LABEL[$key]} (answer and peak RSS)" >&2
    if ! /usr/bin/time -f %M -o "$WORK/$key.rss" bash -c "${CMD[$key]}" \
        > "$WORK/$key.stdout" 2> "$WORK/$key.stderr"; then
        echo "${LABEL[$key]} failed: ${CMD[$key]}" >&2
        cat "$WORK/$key.stderr" >&2
        exit 1
    fi
    RSS[$key]=$(tail -1 "$WORK/$key.rss")
    FINDINGS[$key]=—
    if [ -n "${IS_TOLLGATE[$key]:-}" ]; then
        FINDINGS[$key]=$(jq '.findings | length' "$WORK/out/$key.json")
    fi
    answer_of "$key"
}

# Median wall time of KEY over RUNS runs after WARMUP, in seconds.
time_it() { # KEY
    local key=$1
    echo "== ${LABEL[$key]} (hyperfine)" >&2
    hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" --output null \
        --export-json "$WORK/$key.hyperfine.json" "${CMD[$key]}" >&2
    MEDIAN[$key]=$(jq '.results[0].median' "$WORK/$key.hyperfine.json")
}

# Does KEY give the reference answer (the ids in REF_IDS)? Says so and returns 1 when not.
agrees() { # KEY REF_IDS
    local key=$1 ref=$2 expected got
    expected=$(wc -l < "$ref")
    if [ "${ANSWER[$key]}" = count ]; then
        got=$(cat "$WORK/$key.count")
        [ "$got" = "$expected" ] && return 0
        echo "DISAGREE: ${LABEL[$key]} counts ${got:-nothing} breaching nodes, tollgate $expected" >&2
        return 1
    fi
    cmp -s "$ref" "$WORK/$key.ids" && return 0
    echo "DISAGREE: ${LABEL[$key]} gives $(wc -l < "$WORK/$key.ids") ids, tollgate $expected;" \
        "first difference: $(diff "$ref" "$WORK/$key.ids" | grep -m1 '^[<>]')" >&2
    return 1
}

declare -A RSS FINDINGS MEDIAN

# ---- linear mode --------------------------------------------------------------------

if [ "$MODE" = linear ]; then
    R1=$(report_of "$N1")
    R2=$(report_of "$N2")
    add_floor_and_one_rule "@$N1" ", $N1 nodes" "$R1"
    add_floor_and_one_rule "@$N2" ", $N2 nodes" "$R2"
    status=0
    for n in "$N1" "$N2"; do
        run_once "floor@$n"
        run_once "one@$n"
        [ -s "$WORK/one@$n.ids" ] || { echo "tollgate found no breaching node in $n nodes" >&2; exit 1; }
        agrees "floor@$n" "$WORK/one@$n.ids" || status=1
    done
    [ $status -eq 0 ] || { echo "peers disagree: nothing timed" >&2; exit 1; }
    for key in "${KEYS[@]}"; do
        time_it "$key"
    done
    python3 - "$N1" "$N2" "$(stat -L -c %s "$R1")" "$(stat -L -c %s "$R2")" "$RUNS" "$WARMUP" \
        "${MEDIAN[floor@$N1]}" "${MEDIAN[floor@$N2]}" "${MEDIAN[one@$N1]}" "${MEDIAN[one@$N2]}" \
        "${RSS[floor@$N1]}" "${RSS[floor@$N2]}" "${RSS[one@$N1]}" "${RSS[one@$N2]}" \
        > "$WORK/linear.md" <<'EOF'
import sys
n1, n2, s1, s2, runs, warmup = map(int, sys.argv[1:7])
f1, f2, t1, t2 = map(float, sys.argv[7:11])
rf1, rf2, rt1, rt2 = (int(v) * 1024 for v in sys.argv[11:15])
def wall(seconds):
    return f"{seconds:.3f} s" if seconds >= 1 else f"{seconds * 1e3:.1f} ms"
print(f"{n1:,} → {n2:,} nodes (reports {s1 / 1e6:.1f} MB and {s2 / 1e6:.1f} MB), "
      f"median of {runs} runs after {warmup} warm-up\n")
print(f"| name | median wall at {n1:,} | at {n2:,} | ratio | RSS / report at {n1:,} | at {n2:,} |")
print("|---|--:|--:|--:|--:|--:|")
for name, a, b, ra, rb in (("floor", f1, f2, rf1, rf2), ("tollgate one rule, JSON", t1, t2, rt1, rt2)):
    print(f"| {name} | {wall(a)} | {wall(b)} | {b / a:.2f}× | {ra / s1:.2f}× | {rb / s2:.2f}× |")
scale = n2 / n1
print()
def target(text, got, ok):
    print(f"TARGET {text}: {got} {'PASS' if ok else 'MISS'}")
target(f"tollgate one rule time ≤ {1.05 * scale:.2f}× for {scale:g}× nodes", f"{t2 / t1:.2f}×",
       t2 / t1 <= 1.05 * scale)
target(f"tollgate peak RSS ≤ 1.3× report size at {n1:,} nodes", f"{rt1 / s1:.2f}×", rt1 / s1 <= 1.3)
target(f"tollgate peak RSS ≤ 1.3× report size at {n2:,} nodes", f"{rt2 / s2:.2f}×", rt2 / s2 <= 1.3)
EOF
    echo
    cat "$WORK/linear.md"
    exit 0
fi

# ---- table mode ---------------------------------------------------------------------

N=$N1
REPORT=$(report_of "$N")
SIZE=$(stat -L -c %s "$REPORT")
POLICY_REGO="$SHARED/peers/regorus/policy.rego"

add_floor_and_one_rule "" "" "$REPORT"
add regorus "regorus (Rust Rego)" breaches "$REGORUS_PEER" "$POLICY_REGO" "$REPORT"
add jq "jq $(jq --version | sed 's/^jq-//')" ids jq -r -f "$WORK/peer.jq" "$REPORT"
add gojq "gojq" ids gojq -r -f "$WORK/peer.jq" "$REPORT"
add python "python3 json" ids python3 "$WORK/peer.py" "$REPORT"
if python3 -c "import regorus" 2>/dev/null; then
    add pyrego "Rego (regorus, Python)" ids python3 "$WORK/peer_rego.py" "$POLICY_REGO" "$REPORT"
else
    echo "Python Rego peer skipped: the regorus Python package is not installed (pip install regorus)" >&2
fi
add_tollgate none "tollgate none (reading only)" findings "$REPORT" "$WORK/policies/none"
add_tollgate shipped "tollgate shipped + SARIF/JUnit/JSON" blocking:PATCH-001 "$REPORT" "$ROOT/policies" \
    -o "sarif=$WORK/out/shipped.sarif" -o "junit=$WORK/out/shipped.xml"
add_tollgate rules40 "tollgate 40 rules, JSON" findings "$REPORT" "$WORK/policies/rules40"
add_tollgate copies40 "tollgate 40 copies of the one rule, JSON" findings "$REPORT" "$WORK/policies/copies40"

for key in "${KEYS[@]}"; do
    run_once "$key"
done

# Everyone must give the one-rule scenario's answer, and the scenarios must do what they say.
reference="$WORK/one.ids"
count=$(wc -l < "$reference")
[ "$count" -gt 0 ] || { echo "tollgate found no breaching node: nothing to compare" >&2; exit 1; }
status=0
for key in floor regorus jq gojq python pyrego shipped; do
    [ -n "${CMD[$key]:-}" ] || continue
    agrees "$key" "$reference" || status=1
done
if [ "${FINDINGS[none]}" -ne 0 ]; then
    echo "DISAGREE: ${LABEL[none]} has ${FINDINGS[none]} findings, not 0" >&2
    status=1
fi
if [ "${FINDINGS[copies40]}" -ne $((40 * count)) ]; then
    echo "DISAGREE: ${LABEL[copies40]} has ${FINDINGS[copies40]} findings, not 40 × $count" >&2
    status=1
fi
[ $status -eq 0 ] || { echo "peers disagree: nothing timed" >&2; exit 1; }

for key in "${KEYS[@]}"; do
    time_it "$key"
done

{
    for key in "${KEYS[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\n' "$key" "${LABEL[$key]}" "${MEDIAN[$key]}" "${RSS[$key]}" "${FINDINGS[$key]}"
    done
} > "$WORK/rows.tsv"

python3 - "$WORK/rows.tsv" "$N" "$SIZE" "$count" "$RUNS" "$WARMUP" "$(date -u +%Y-%m-%d)" "$(nproc)" \
    "$WORK/table.md" <<'EOF'
import sys
rows_path, n, size, count, runs, warmup, day, cores, md_path = sys.argv[1:]
n, size = int(n), int(size)
rows = {}
for line in open(rows_path, encoding="utf-8"):
    key, label, median, rss, findings = line.rstrip("\n").split("\t")
    rows[key] = dict(label=label, median=float(median), rss=int(rss) * 1024, findings=findings)
floor = rows["floor"]["median"]
tollgate = [k for k in rows if k in ("none", "one", "shipped", "rules40", "copies40")]

def wall(seconds):
    return f"{seconds:.3f} s" if seconds >= 1 else f"{seconds * 1e3:.1f} ms"

lines = [
    f"{n:,} nodes, report {size / 1e6:.1f} MB, {count} breaching nodes; median of {runs} runs "
    f"after {warmup} warm-up; {day}, {cores} cores",
    "",
    "| name | median wall | × floor | peak RSS | RSS / report | findings |",
    "|---|--:|--:|--:|--:|--:|",
]
for r in rows.values():
    lines.append(f"| {r['label']} | {wall(r['median'])} | {r['median'] / floor:.2f}× "
                 f"| {r['rss'] / 2**20:.0f} MB | {r['rss'] / size:.2f}× | {r['findings']} |")

def m(key):
    return rows[key]["median"]
others = [k for k in ("jq", "gojq", "python", "regorus", "pyrego") if k in rows]
fastest = min(others, key=m)
rss_key = max(tollgate, key=lambda k: rows[k]["rss"])
rss = rows[rss_key]["rss"] / size
# (target, measured, met)
targets = [
    ("one rule JSON ≤ 1.3× floor", f"{m('one') / floor:.2f}×", m("one") <= 1.3 * floor),
    (f"one rule JSON ≥ 5× faster than the fastest other peer ({rows[fastest]['label']})",
     f"{m(fastest) / m('one'):.2f}×", m(fastest) >= 5 * m("one")),
    ("shipped + 3 outputs ≤ 2× floor", f"{m('shipped') / floor:.2f}×", m("shipped") <= 2 * floor),
    ("40 rules ≤ 1.25× one rule", f"{m('rules40') / m('one'):.2f}×", m("rules40") <= 1.25 * m("one")),
    ("tollgate peak RSS ≤ 1.3× report size", f"{rss:.2f}× ({rows[rss_key]['label']})", rss <= 1.3),
]
verdicts = [f"TARGET {text}: {got} {'PASS' if ok else 'MISS'}" for text, got, ok in targets]
with open(md_path, "w", encoding="utf-8") as md:
    md.write("\n".join(lines) + "\n\n" + "".join(f"- {v}\n" for v in verdicts))
print("\n" + "\n".join(lines) + "\n\n" + "\n".join(verdicts))
EOF
echo
echo "all peers agree on the $count breaching instance ids; table in $WORK/table.md"
