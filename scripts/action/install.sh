#!/usr/bin/env bash
# GitHub Action step 2 of 3: make sure a tollgate binary is in ACTION_DIR/bin, then put
# that directory on the job's PATH. In order of preference:
#   1. the binary restored from the cache (already in ACTION_DIR/bin);
#   2. the release asset for this platform, checked against the release's SHA256SUMS;
#   3. `cargo install --locked --path "$GITHUB_ACTION_PATH"` when no release matches.
# A download whose checksum does not match is a hard failure: an unverified binary never
# runs. So is a download error other than "not found" (after curl's retries).
#
# Environment: the outputs of locate.sh as ACTION_VERSION, ACTION_REPOSITORY,
# ACTION_ARCHIVE, ACTION_EXE, ACTION_DIR; GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_PATH;
# GITHUB_SERVER_URL and GITHUB_API_URL (default github.com); GH_TOKEN, sent only to the
# API to look up the newest release of a major version. CARGO_TARGET_DIR, when set, is
# used by the cargo fallback (the local test reuses the repository's build this way).
set -euo pipefail
# shellcheck source=scripts/action/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${ACTION_DIR:?ACTION_DIR is not set}"
: "${ACTION_EXE:?ACTION_EXE is not set}"
: "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
version=${ACTION_VERSION:-}
repository=${ACTION_REPOSITORY:-}
archive=${ACTION_ARCHIVE:-}
bin_dir="$ACTION_DIR/bin"
bin="$bin_dir/$ACTION_EXE"
server=${GITHUB_SERVER_URL:-https://github.com}
api=${GITHUB_API_URL:-https://api.github.com}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# GET URL into FILE; prints the final HTTP status (000 when no response came at all).
# The token, when given, goes to curl on standard input so no process listing shows it.
http_get() { # URL FILE [auth]
  local config=
  if [ "${3:-}" = auth ] && [ -n "${GH_TOKEN:-}" ]; then
    config="header = \"Authorization: Bearer $GH_TOKEN\""
  fi
  printf '%s\n' "$config" | curl --config - --silent --show-error --location \
    --retry 3 --connect-timeout 20 --max-time 300 \
    --output "$2" --write-out '%{http_code}' -- "$1" || true
}

# Installs the release asset for TAG and sets `how`; leaves `how` empty when the release,
# its SHA256SUMS or this platform's asset does not exist; exits on any other failure.
# Not called in a subshell or a condition, so that `set -e` holds inside.
install_release() { # TAG
  local tag=$1 url code expected actual unpacked found
  url="$server/$repository/releases/download/$tag"
  code=$(http_get "$url/SHA256SUMS" "$work/SHA256SUMS")
  case "$code" in
    200) ;;
    404) note "no SHA256SUMS in release $tag of $repository"; return 0 ;;
    *) fail "downloading $url/SHA256SUMS failed (HTTP $code)" ;;
  esac
  # `HASH  NAME` or `HASH *NAME` (binary mode), as sha256sum writes them.
  expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print tolower($1); exit }' "$work/SHA256SUMS")
  if [ -z "$expected" ]; then
    note "release $tag publishes no $archive"
    return 0
  fi
  case "$expected" in
    *[!0-9a-f]* | "") fail "SHA256SUMS of $tag has a malformed line for $archive" ;;
  esac
  [ "${#expected}" -eq 64 ] || fail "SHA256SUMS of $tag has a malformed line for $archive"
  code=$(http_get "$url/$archive" "$work/$archive")
  case "$code" in
    200) ;;
    404) note "release $tag lists $archive but does not serve it"; return 0 ;;
    *) fail "downloading $url/$archive failed (HTTP $code)" ;;
  esac
  actual=$(sha256_of "$work/$archive")
  if [ "$actual" != "$expected" ]; then
    fail "checksum mismatch for $archive of $tag: SHA256SUMS says $expected, the download is $actual; refusing to run it"
  fi
  note "verified $archive ($actual)"
  unpacked="$work/unpacked"
  mkdir -p "$unpacked"
  case "$archive" in
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$archive" -d "$unpacked"
      elif command -v 7z >/dev/null 2>&1; then
        7z x -y -o"$unpacked" "$work/$archive" >/dev/null
      else
        # shellcheck disable=SC2016 # $args is PowerShell's, not the shell's
        pwsh -NoProfile -Command 'Expand-Archive -LiteralPath $args[0] -DestinationPath $args[1]' \
          "$work/$archive" "$unpacked"
      fi
      ;;
    *) (cd "$unpacked" && tar -xzf "../$archive") ;;
  esac
  found="$unpacked/$ACTION_EXE"
  [ -f "$found" ] || fail "$archive of $tag has no $ACTION_EXE at its top level"
  mkdir -p "$bin_dir"
  chmod +x "$found"
  mv -f "$found" "$bin"
  how="release $tag"
}

# Sets `tag` to the release to download for the requested version, or leaves it empty
# to build instead.
find_release_tag() {
  local code prefix
  # Only version-shaped strings become URL parts: no slashes, no dot-dot.
  local exact='^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$'
  local line='^v?[0-9]+(\.[0-9]+)?$'
  if [[ "$version" =~ $exact ]] && [[ "$version" != *..* ]]; then
    # An exact version: its tag is v-prefixed (release.yml runs on v* tags).
    tag="v${version#v}"
  elif [[ "$version" =~ $line ]]; then
    # A major (v1) or minor (v1.4) line: the newest release in it.
    prefix="v${version#v}"
    code=$(http_get "$api/repos/$repository/releases?per_page=100" "$work/releases.json" auth)
    case "$code" in
      200)
        tag=$(newest_release_tag "$work/releases.json" "$prefix")
        [ -n "$tag" ] || note "no release of $repository in the $prefix line"
        ;;
      404) note "$repository has no releases" ;;
      *) fail "looking up the releases of $repository failed (HTTP $code); pin an exact version (vX.Y.Z) to skip the lookup" ;;
    esac
  else
    note "'$version' is not a release version (a branch or a commit): building it"
  fi
}

if [ -x "$bin" ]; then
  how=cache
  note "using the cached binary $bin"
else
  how=
  tag=
  if [ -n "$repository" ] && ! [[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
    fail "'$repository' is not an OWNER/REPO name"
  fi
  if [ -n "$repository" ] && [ -n "$archive" ] && [ -n "$version" ]; then
    find_release_tag
    if [ -n "$tag" ]; then
      install_release "$tag"
    fi
  elif [ -z "$archive" ]; then
    note "no release binary is built for ${RUNNER_OS:-this OS}/${RUNNER_ARCH:-this architecture}"
  fi
  if [ -z "$how" ]; then
    if [ -n "$version" ] && [ -n "$repository" ]; then
      warn "no release of tollgate matches '$version' for this runner; building the action's source with cargo (slow, once per cache key)"
    fi
    command -v cargo >/dev/null 2>&1 ||
      fail "no release binary to download and cargo is not installed: install a Rust toolchain before this step, or use a released version"
    note "cargo install --locked --path $GITHUB_ACTION_PATH --root $ACTION_DIR"
    cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$ACTION_DIR"
    how=cargo
  fi
fi

[ -x "$bin" ] || fail "installation left no executable at $bin"
installed=$("$bin" --version) || fail "$bin does not run on this runner"
note "$installed ($how)"
{
  echo "bin=$bin"
  echo "source=$how"
} >>"$GITHUB_OUTPUT"
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$bin_dir" >>"$GITHUB_PATH"
fi
