#!/usr/bin/env bash
# GitHub Action step 3 of 3: run `tollgate check` with the action's inputs and write the
# step outputs. It does not fail the step on a failed gate: it records tollgate's exit code
# as the `exit-code` output, so that the SARIF upload still runs, and the action's last
# step exits with that code.
#
# Every input arrives as an INPUT_* environment variable (action.yml maps them; nothing is
# interpolated into this script). List inputs (reports, sources, policies, args) are split
# on spaces, tabs and newlines into separate arguments: no quoting, globbing or variable
# expansion is applied to them, so a value can never become a command.
#
# Environment: ACTION_BIN (from install.sh), INPUT_CONFIG, INPUT_REPORTS, INPUT_SOURCES,
# INPUT_POLICIES, INPUT_FAIL_ON, INPUT_WAIVERS, INPUT_BASELINE, INPUT_INCIDENTS,
# INPUT_SARIF, INPUT_JUNIT, INPUT_ATTEST, INPUT_ARGS; RUNNER_TEMP, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY.
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
bin=${ACTION_BIN:-}
[ -n "$bin" ] && [ -x "$bin" ] || fail "no tollgate binary (ACTION_BIN='$bin'): did the install step run?"

for name in CONFIG FAIL_ON WAIVERS BASELINE INCIDENTS SARIF JUNIT; do
  var="INPUT_$name"
  require_one_line "$(printf '%s' "$name" | tr 'A-Z_' 'a-z-')" "${!var:-}"
done

# Splits VALUE on whitespace into the array named NAME (bash 3.2 has no mapfile).
split_words() { # NAME VALUE
  local IFS=$' \t\n'
  read -r -d '' -a "$1" <<<"$2" || true
}

# GitHub compares `inputs.sarif == 'true'` case-insensitively; so does this.
sarif_upload=$(printf '%s' "${INPUT_SARIF:-false}" | tr '[:upper:]' '[:lower:]')
case "$sarif_upload" in
  true | false) ;;
  *) fail "input 'sarif' must be true or false, not '$sarif_upload'" ;;
esac

tmp_base=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
# Windows: C:/x/y is read the same by Git Bash and by tollgate.exe.
if command -v cygpath >/dev/null 2>&1; then tmp_base=$(cygpath -m "$tmp_base"); fi
out_dir=$(mktemp -d "$tmp_base/tollgate.XXXXXX")
result="$out_dir/result.json"
sarif=
[ "$sarif_upload" = true ] && sarif="$out_dir/tollgate.sarif"
junit=${INPUT_JUNIT:-}
# With `attest`, the test-result predicate for actions/attest (which computes the
# artifacts' digests and builds and signs the statement itself).
predicate=
[ -n "${INPUT_ATTEST:-}" ] && predicate="$out_dir/tollgate.predicate.json"

# `--flag=value` throughout: a value that starts with a dash stays a value.
reports=() sources=() policies=() extra=()
args=(check)
[ -n "${INPUT_CONFIG:-}" ] && args+=("--config=$INPUT_CONFIG")
split_words reports "${INPUT_REPORTS:-}"
for r in ${reports[@]+"${reports[@]}"}; do args+=("--report=$r"); done
split_words sources "${INPUT_SOURCES:-}"
for s in ${sources[@]+"${sources[@]}"}; do args+=("--source=$s"); done
split_words policies "${INPUT_POLICIES:-}"
for p in ${policies[@]+"${policies[@]}"}; do args+=("--policy=$p"); done
[ -n "${INPUT_FAIL_ON:-}" ] && args+=("--fail-on=$INPUT_FAIL_ON")
[ -n "${INPUT_WAIVERS:-}" ] && args+=("--waivers=$INPUT_WAIVERS")
[ -n "${INPUT_BASELINE:-}" ] && args+=("--baseline=$INPUT_BASELINE")
[ -n "${INPUT_STATE:-}" ] && args+=("--state=$INPUT_STATE")
case "${INPUT_STATE_INIT:-}" in
  "" | false) ;;
  true) args+=(--init-state) ;;
  *)
    echo "::error::state-init is \"$INPUT_STATE_INIT\"; use true or leave it empty" >&2
    exit 2
    ;;
esac
args+=(--output=github "--output=json=$result")
[ -n "$sarif" ] && args+=("--output=sarif=$sarif")
[ -n "$junit" ] && args+=("--output=junit=$junit")
[ -n "$predicate" ] && args+=("--output=intoto-predicate=$predicate")
split_words extra "${INPUT_ARGS:-}"
args+=(${extra[@]+"${extra[@]}"})

# `--incidents` is passed as its variable: it reaches tollgate without
# tying this script to the flag, and tollgate versions before it ignore the variable.
if [ -n "${INPUT_INCIDENTS:-}" ]; then
  export TOLLGATE_INCIDENTS="$INPUT_INCIDENTS"
fi

printf 'tollgate action: running tollgate'
printf ' %q' "${args[@]}"
printf '\n'
set +e
"$bin" "${args[@]}"
code=$?
set -e

verdict=error
blocking=
findings=
summary=
if [ -s "$result" ]; then
  summary=$(result_summary "$result") || summary=
fi
evaluated=true
if [ -n "$summary" ]; then
  IFS=$'\t' read -r v b f e <<<"$summary"
  case "$v" in
    pass) verdict=passed ;;
    fail) verdict=failed ;;
    *) verdict=error ;;
  esac
  [ "$e" = false ] && evaluated=false
  # A run that stopped before evaluating has no counts to give.
  if [ "$evaluated" = true ]; then
    [[ "$b" =~ ^[0-9]+$ ]] && blocking=$b
    [[ "$f" =~ ^[0-9]+$ ]] && findings=$f
  fi
elif [ "$code" -ne 2 ]; then
  # Exit 0 or 1 without a result means something went wrong that tollgate did not
  # report: never let it pass.
  note "tollgate exited $code but wrote no result to $result"
  code=2
fi
case "$code" in
  0 | 1) ;;
  2) verdict=error ;;
  *)
    note "tollgate ended abnormally (exit $code)"
    verdict=error
    code=2
    ;;
esac

result_file=
[ -s "$result" ] && result_file=$result
sarif_file=
[ -n "$sarif" ] && [ -s "$sarif" ] && sarif_file=$sarif
# The SARIF file of a run that evaluated nothing has no results: uploaded, it would close
# every code-scanning alert of its category until the next good run.
if [ -n "$sarif_file" ] && [ "$evaluated" = false ]; then
  note "not uploading $sarif_file: the run stopped before evaluating, and a SARIF file without results would close every code-scanning alert of its category"
  sarif_file=
fi
junit_file=
[ -n "$junit" ] && [ -s "$junit" ] && junit_file=$junit
predicate_file=
[ -n "$predicate" ] && [ -s "$predicate" ] && predicate_file=$predicate

# tollgate writes the step summary itself (-o github) whenever it produced a result; when
# it stopped before that, say so on the run page too.
if [ -z "$result_file" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### ⚠️ tollgate: could not decide"
    echo
    echo "tollgate exited $code before producing a result; the step log has the error."
  } >>"$GITHUB_STEP_SUMMARY"
fi

{
  echo "verdict=$verdict"
  echo "blocking=$blocking"
  echo "findings=$findings"
  echo "exit-code=$code"
  echo "result-file=$result_file"
  echo "sarif-file=$sarif_file"
  echo "junit-file=$junit_file"
  echo "predicate-file=$predicate_file"
} >>"$GITHUB_OUTPUT"
note "verdict $verdict (exit $code, ${blocking:-?} blocking of ${findings:-?} findings)"
