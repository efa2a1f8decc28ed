#!/usr/bin/env bash
# install.sh end to end, against a fake release served on 127.0.0.1: the release layout
# GitHub serves (ROOT/latest/download/ASSET, ROOT/download/TAG/ASSET) is made from
# target/release/tollgate, served with `python3 -m http.server`, and install.sh is pointed
# at it with TOLLGATE_DOWNLOAD_URL. Checks that it installs a binary that runs, with curl
# and with wget, with sha256sum and with shasum, and that it refuses — installing
# nothing — a corrupted archive, a SHA256SUMS without the archive's line, and a download
# whose version is not the one asked for.
#
# Needs python3, curl, tar, gzip and sha256sum; wget and shasum for their cases (skipped,
# and said so, when missing). Builds target/release/tollgate when it is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/release/tollgate
if [ ! -x "$bin" ]; then
  echo "== building $bin"
  cargo build --release --locked
fi
version=$("$bin" --version) # "tollgate X.Y.Z", and " (COMMIT DATE)" from a git checkout
tag=v$(printf '%s\n' "$version" | awk '{ print $2 }')

# The asset install.sh asks for on this machine (its own detect_target, restated).
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64) target=aarch64-apple-darwin ;;
  *)
    echo "install-test: install.sh has no release for $(uname -s)/$(uname -m); nothing to test here" >&2
    exit 1
    ;;
esac
archive="tollgate-$target.tar.gz"

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# A release directory as release.yml makes it: the binary at the archive's top level, and
# a SHA256SUMS line for it (install.sh is listed too, as the publish job does).
release="$tmp/release"
stage="$tmp/stage"
mkdir -p "$stage" "$release"
cp "$bin" README.md tollgate.template.toml "$stage/"
tar -C "$stage" -czf "$release/$archive" tollgate README.md tollgate.template.toml
cp install.sh "$release/"
(cd "$release" && sha256sum -- "$archive" install.sh >SHA256SUMS)

root="$tmp/root"
mkdir -p "$root/latest" "$root/download"
cp -R "$release" "$root/latest/download"
cp -R "$release" "$root/download/$tag"

# A release whose SHA256SUMS lacks the archive's line.
cp -R "$release" "$root/download/v0.0.1"
grep -v " $archive\$" "$release/SHA256SUMS" >"$root/download/v0.0.1/SHA256SUMS"
# A release whose archive and sums agree, but hold a binary of another version.
cp -R "$release" "$root/download/v9.9.9"
# A release whose binary stamps its version with the commit it was built from, as a
# build from a git checkout does: `tollgate 0.3.0 (0123456789ab 2026-12-05)`.
stamped="$tmp/stamped"
mkdir -p "$stamped/stage" "$root/download/v0.3.0"
printf '#!/bin/sh\necho "tollgate 0.3.0 (0123456789ab 2026-12-05)"\n' >"$stamped/stage/tollgate"
chmod +x "$stamped/stage/tollgate"
tar -C "$stamped/stage" -czf "$root/download/v0.3.0/$archive" tollgate
(cd "$root/download/v0.3.0" && sha256sum -- "$archive" >SHA256SUMS)
# A release whose archive was changed after SHA256SUMS was written.
cp -R "$release" "$root/download/v0.0.2"
printf 'tampered' >>"$root/download/v0.0.2/$archive"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server --bind 127.0.0.1 --directory "$root" "$port" >"$tmp/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "$url/latest/download/SHA256SUMS" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$url/latest/download/SHA256SUMS" || {
  cat "$tmp/server.log" >&2
  echo "install-test: the fake release server did not start" >&2
  exit 1
}
echo "== fake release of $version ($archive) at $url"

passed=0
failed=0
pass() {
  echo "ok: $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAILED: $1" >&2
  failed=$((failed + 1))
}

# run NAME SHELL [ARGS...]: install.sh read from standard input, as `curl ... | sh -s --`
# runs it, with TOLLGATE_DOWNLOAD_URL pointing at the fake; stderr kept in $tmp/NAME.err.
run() {
  local name=$1 shell=$2
  shift 2
  TOLLGATE_DOWNLOAD_URL="$url" "$shell" -s -- "$@" <install.sh >"$tmp/$name.out" 2>"$tmp/$name.err"
}

installed_ok() { # DIR
  [ -x "$1/tollgate" ] && [ "$("$1/tollgate" --version)" = "$version" ]
}

shells=(sh)
command -v bash >/dev/null && shells+=(bash)
for shell in "${shells[@]}"; do
  dir="$tmp/latest-$shell/bin"
  if run "latest-$shell" "$shell" --to "$dir" && installed_ok "$dir" &&
    grep -q "installed $version to $dir/tollgate" "$tmp/latest-$shell.err" &&
    grep -q "is not on your PATH" "$tmp/latest-$shell.err"; then
    pass "$shell: latest release installed into a new directory, with the PATH hint"
  else
    fail "$shell: latest release: $(cat "$tmp/latest-$shell.err")"
  fi
done

dir="$tmp/pinned/bin"
mkdir -p "$dir"
if PATH="$dir:$PATH" run pinned sh --version "$tag" --to "$dir" && installed_ok "$dir" &&
  ! grep -q "is not on your PATH" "$tmp/pinned.err"; then
  pass "--version $tag into a directory on PATH (no PATH hint)"
else
  fail "--version $tag: $(cat "$tmp/pinned.err")"
fi
# Again over the installed binary: it is replaced, not refused.
if PATH="$dir:$PATH" run again sh --version "${tag#v}" --to="$dir" && installed_ok "$dir"; then
  pass "reinstall over an existing binary, version without its v"
else
  fail "reinstall: $(cat "$tmp/again.err")"
fi

dir="$tmp/stamped/bin"
if run stamped sh --version v0.3.0 --to "$dir" && [ "$("$dir/tollgate" --version)" = "tollgate 0.3.0 (0123456789ab 2026-12-05)" ]; then
  pass "--version v0.3.0 accepts a binary that says 'tollgate 0.3.0 (COMMIT DATE)'"
else
  fail "stamped version: $(cat "$tmp/stamped.err")"
fi

# wget instead of curl, shasum instead of sha256sum: a PATH with only the tools install.sh
# may use, so a use of anything else shows up as a failure here.
if command -v wget >/dev/null && command -v shasum >/dev/null; then
  tools="$tmp/tools"
  mkdir -p "$tools"
  for t in sh uname mktemp rm awk tr mkdir tar gzip chmod cp mv cat wget shasum perl; do
    p=$(command -v "$t") || {
      fail "tool $t is missing for the wget case"
      continue
    }
    ln -s "$p" "$tools/$t"
  done
  dir="$tmp/wget/bin"
  if PATH="$tools" run wget "$tools/sh" --to "$dir" && installed_ok "$dir"; then
    pass "wget and shasum only (no curl, no sha256sum)"
  else
    fail "wget and shasum only: $(cat "$tmp/wget.err")"
  fi
else
  echo "SKIPPED: the wget/shasum case (wget or shasum is not installed)"
fi

# refused NAME MESSAGE ARGS...: install.sh must exit non-zero, say MESSAGE, and leave
# nothing in its --to directory.
refused() {
  local name=$1 message=$2
  shift 2
  local dir="$tmp/$name/bin"
  if run "$name" sh --to "$dir" "$@"; then
    fail "$name: install.sh exited 0"
  elif ! grep -q -- "$message" "$tmp/$name.err"; then
    fail "$name: no '$message' in: $(cat "$tmp/$name.err")"
  elif [ -e "$dir" ]; then
    fail "$name: $dir was created: $(ls -la "$dir")"
  else
    pass "$name: refused ($(grep -o -- "$message.*" "$tmp/$name.err" | head -n 1))"
  fi
}

refused corrupted "checksum mismatch for $archive" --version v0.0.2
refused no-sum-line "SHA256SUMS has no line for $archive" --version v0.0.1
refused wrong-version "asked for v9.9.9, but the download says" --version v9.9.9
refused no-release "downloading $url/download/v7.7.7/SHA256SUMS failed" --version v7.7.7
refused bad-version "is not a version" --version "1.0/../../x"

# And the latest release corrupted in place: the case the issue names.
printf 'tampered' >>"$root/latest/download/$archive"
refused corrupted-latest "checksum mismatch for $archive"

echo "install-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
