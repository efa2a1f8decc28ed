#!/usr/bin/env bash
# GitHub Action step 1 of 3: decide which tollgate to use and where it lives, before the
# cache is consulted. Writes the outputs `version`, `repository`, `target`, `archive`,
# `exe`, `dir` and `key`; downloads nothing.
#
# Environment: INPUT_VERSION (may be empty), ACTION_REF and ACTION_REPOSITORY (the
# `github.action_*` context, which the runner leaves empty in some composite setups),
# GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE or RUNNER_TEMP,
# GITHUB_OUTPUT.
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this as a step of the action}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
require_one_line version "${INPUT_VERSION:-}"

repository=${ACTION_REPOSITORY:-}
ref=${ACTION_REF:-}
# Fallback for the runner bug that empties github.action_ref/action_repository in
# composite actions (actions/runner#2473): a downloaded action sits at
# .../_actions/OWNER/REPO/REF. A local action (`uses: ./`) has neither, and is built.
if [ -z "$repository" ] || [ -z "$ref" ]; then
  action_path=${GITHUB_ACTION_PATH//\\//}
  case "$action_path" in
    */_actions/*/*/*)
      rest=${action_path#*/_actions/}
      owner=${rest%%/*}
      rest=${rest#*/}
      repository=${repository:-$owner/${rest%%/*}}
      ref=${ref:-${rest#*/}}
      ;;
  esac
fi
version=${INPUT_VERSION:-$ref}
require_one_line version "$version"

# Release assets are built for these targets (.github/workflows/release.yml).
exe=tollgate
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) target= ;;
esac
case "${RUNNER_OS:-}" in
  Windows) exe=tollgate.exe ;;
esac
archive=
if [ -n "$target" ]; then
  case "$target" in
    *-windows-*) archive="tollgate-$target.zip" ;;
    *) archive="tollgate-$target.tar.gz" ;;
  esac
fi

# The cache key pins the action's own source as well as the version: a moving ref (v1,
# a branch) whose content changed gets a new binary instead of a stale cached one.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
(
  cd "$GITHUB_ACTION_PATH"
  for f in Cargo.toml Cargo.lock; do
    [ -f "$f" ] && printf '%s %s\n' "$(sha256_of "$f")" "$f"
  done
  if [ -d src ]; then
    find src -type f | LC_ALL=C sort | while IFS= read -r f; do
      printf '%s %s\n' "$(sha256_of "$f")" "$f"
    done
  fi
) >"$list"
source_hash=$(sha256_of "$list")
safe_version=$(printf '%s' "${version:-source}" | tr -c 'A-Za-z0-9._-' '_')
key="tollgate-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-${safe_version}-${source_hash:0:16}"

base=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-}}
[ -n "$base" ] || fail "neither RUNNER_TOOL_CACHE nor RUNNER_TEMP is set"
dir="$base/tollgate/$key"
# On Windows, hand actions/cache a path that both Git Bash and Node read the same way.
if command -v cygpath >/dev/null 2>&1; then
  dir=$(cygpath -m "$dir")
fi

note "version '${version:-<none>}' from '${repository:-<local>}' for ${target:-an unsupported platform}"
{
  echo "version=$version"
  echo "repository=$repository"
  echo "target=$target"
  echo "archive=$archive"
  echo "exe=$exe"
  echo "dir=$dir"
  echo "key=$key"
} >>"$GITHUB_OUTPUT"
