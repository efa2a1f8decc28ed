#!/usr/bin/env bash
# The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a project that
# `tollgate init` wrote, configured as users configure them (.pre-commit-config.yaml naming
# this repository and a rev): both hooks pass on it, and the rules hook fails once a policy
# reads a field that does not exist.
#
# pre-commit builds tollgate from this repository's HEAD commit (uncommitted changes are not
# in it: commit first). `pre-commit try-repo` would take uncommitted changes too, but it
# keeps its build in a temporary store that ignores PRE_COMMIT_HOME, so every call would
# build tollgate again; with a config, the build is cached per commit.
#
# Needs Python 3, PyPI (pre-commit, pinned) and crates.io (pre-commit runs `cargo install`).
# The venv, pre-commit's cache (PRE_COMMIT_HOME) and cargo's build directory live under
# target/ci-tools: the release build (minutes) happens once per commit, and a new commit's
# build reuses the compiled dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

PRE_COMMIT_VERSION=4.7.0
venv=$root/target/ci-tools/venv
own_target=${CARGO_TARGET_DIR:-$root/target}
export PRE_COMMIT_HOME="$root/target/ci-tools/pre-commit"
export CARGO_TARGET_DIR="$root/target/ci-tools/pre-commit-cargo"
export PRE_COMMIT_COLOR=never

started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started)) s"; }

echo "== pre-commit $PRE_COMMIT_VERSION (PyPI, into ${venv#"$root"/})"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "cannot create a Python venv in $venv (is python3-venv installed?)" >&2; exit 1; }
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION"; then
  echo "FAILED: pip could not install pre-commit $PRE_COMMIT_VERSION (no access to PyPI?); the hooks are unchecked" >&2
  exit 1
fi
pre_commit=("$venv/bin/python" -m pre_commit)
"${pre_commit[@]}" --version

rev=$(git rev-parse HEAD)
if ! git diff --quiet HEAD -- . 2>/dev/null; then
  echo "note: uncommitted changes are not checked: pre-commit builds the HEAD commit, $rev" >&2
fi

echo "== a project from tollgate init"
# The caller's own build directory, not pre-commit's: `tollgate init` only.
CARGO_TARGET_DIR=$own_target cargo build --quiet --bin tollgate
tollgate=$own_target/debug/tollgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tollgate" init --dir "$work/project" >/dev/null
cd "$work/project"
git init --quiet
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks:
      - id: tollgate-test
      - id: tollgate-rules
YAML
git add .pre-commit-config.yaml tollgate.toml policies

# `run HOOK --all-files`: the hook on every tracked file, as `pre-commit run` in CI does.
hook() {
  "${pre_commit[@]}" run "$1" --all-files --verbose >"$work/$1.log" 2>&1
}

echo "== tollgate-test and tollgate-rules pass on the starter project (a commit's first run builds tollgate: minutes)"
for id in tollgate-test tollgate-rules; do
  t0=$(date +%s)
  if ! hook "$id"; then
    cat "$work/$id.log" >&2
    echo "FAILED: the $id hook fails on the project tollgate init writes" >&2
    exit 1
  fi
  # A hook with no file to check is skipped, and exits 0 as well.
  if ! grep -Eq '^tollgate (test|rules)\.+Passed$' "$work/$id.log"; then
    cat "$work/$id.log" >&2
    echo "FAILED: the $id hook did not run (no .rhai file matched?)" >&2
    exit 1
  fi
  grep -E "^(tollgate (test|rules)\.|[0-9]+ passed|STARTER-001)" "$work/$id.log" || true
  echo "$id passed ($(($(date +%s) - t0)) s)"
done

echo "== tollgate-rules fails on a field typo (node.misisng)"
sed -i 's/node\.missing\.critical/node.misisng.critical/' policies/starter.rhai
grep -q 'node.misisng' policies/starter.rhai || { echo "the typo was not introduced" >&2; exit 1; }
git add policies/starter.rhai
if hook tollgate-rules; then
  cat "$work/tollgate-rules.log" >&2
  echo "FAILED: the tollgate-rules hook passed a policy that reads node.misisng" >&2
  exit 1
fi
# It must fail for the typo, not for anything else (a build or install failure).
if ! grep -q "tollgate::policy::unknown_field" "$work/tollgate-rules.log" || ! grep -q "misisng" "$work/tollgate-rules.log"; then
  cat "$work/tollgate-rules.log" >&2
  echo "FAILED: the tollgate-rules hook failed, but not on the unknown field" >&2
  exit 1
fi
grep -E "unknown_field|misisng" "$work/tollgate-rules.log" | head -n 3
echo "tollgate-rules failed on the typo, as it should"

echo "== pre-commit hooks checked in $(elapsed)"
