#!/bin/sh
# Installs the tollgate release binary for this machine, verified against the release's
# SHA256SUMS.
#
#   curl -fsSL https://github.com/tollgate-dev/tollgate/releases/latest/download/install.sh | sh
#   curl -fsSL https://github.com/tollgate-dev/tollgate/releases/latest/download/install.sh | sh -s -- --version v0.2.0 --to ~/.local/bin
#
# Options:
#   --version vX.Y.Z   the release to install (default: the latest release)
#   --to DIR           where to put the binary (default: $HOME/.local/bin)
#   -h, --help         this text
#
# Environment:
#   TOLLGATE_DOWNLOAD_URL  the releases root to download from, laid out as GitHub's:
#                          ROOT/latest/download/ASSET and ROOT/download/TAG/ASSET
#                          (default https://github.com/tollgate-dev/tollgate/releases);
#                          for mirrors and tests.
#
# Platforms: Linux x86_64 and aarch64 (static musl builds), macOS x86_64 and arm64.
# Windows: download tollgate-x86_64-pc-windows-msvc.zip from the release page instead.
#
# The archive is refused, and nothing is installed, when SHA256SUMS has no line for it or
# when its SHA-256 differs from that line. POSIX sh; needs curl or wget, tar (with gzip), and
# sha256sum or shasum.
#
# The whole script is one function called on its last line, so that a download cut short
# while piping into sh runs nothing at all.

set -eu

tollgate_install() {
  repo_url="https://github.com/tollgate-dev/tollgate/releases"
  root=${TOLLGATE_DOWNLOAD_URL:-$repo_url}
  root=${root%/}
  version=
  to=

  while [ "$#" -gt 0 ]; do
    case "$1" in
      --version)
        [ "$#" -ge 2 ] || die "--version needs a value, e.g. --version v0.2.0"
        version=$2
        shift 2
        ;;
      --version=*)
        version=${1#--version=}
        shift
        ;;
      --to)
        [ "$#" -ge 2 ] || die "--to needs a directory"
        to=$2
        shift 2
        ;;
      --to=*)
        to=${1#--to=}
        shift
        ;;
      -h | --help)
        usage
        return 0
        ;;
      *) die "unknown argument '$1' (try --help)" ;;
    esac
  done

  if [ -z "$to" ]; then
    [ -n "${HOME:-}" ] || die "HOME is not set: say where to install with --to DIR"
    to="$HOME/.local/bin"
  fi

  # A tag becomes part of a URL: accept version-shaped values only.
  if [ -n "$version" ]; then
    case "$version" in
      v*) ;;
      *) version="v$version" ;;
    esac
    case "$version" in
      *[!0-9A-Za-z.+-]* | *..*) die "'$version' is not a version (expected vX.Y.Z)" ;;
    esac
    case "$version" in
      v[0-9]*.[0-9]*.[0-9]*) ;;
      *) die "'$version' is not a version (expected vX.Y.Z)" ;;
    esac
    base="$root/download/$version"
  else
    base="$root/latest/download"
  fi

  target=$(detect_target)
  archive="tollgate-$target.tar.gz"

  work=$(mktemp -d 2>/dev/null || mktemp -d -t tollgate)
  # Removed on every way out, including a refused checksum.
  trap 'rm -rf "$work"' EXIT
  trap 'rm -rf "$work"; exit 130' INT
  trap 'rm -rf "$work"; exit 143' TERM

  say "downloading $archive and SHA256SUMS from $base"
  download "$base/SHA256SUMS" "$work/SHA256SUMS"
  download "$base/$archive" "$work/$archive"

  # `HASH  NAME` or `HASH *NAME`, as sha256sum writes them.
  expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print tolower($1); exit }' "$work/SHA256SUMS")
  [ -n "$expected" ] || die "SHA256SUMS has no line for $archive: refusing to install an unverified binary"
  case "$expected" in
    *[!0-9a-f]*) die "SHA256SUMS has a malformed line for $archive: refusing to install" ;;
  esac
  [ "${#expected}" -eq 64 ] || die "SHA256SUMS has a malformed line for $archive: refusing to install"
  actual=$(sha256_of "$work/$archive")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; refusing to install"
  fi
  say "verified $archive (sha256 $actual)"

  mkdir "$work/unpacked"
  (cd "$work/unpacked" && tar -xzf "../$archive") || die "cannot unpack $archive"
  [ -f "$work/unpacked/tollgate" ] || die "$archive has no tollgate binary at its top level"
  chmod 0755 "$work/unpacked/tollgate"
  # Run it before installing: a binary that cannot run here replaces nothing.
  installed=$("$work/unpacked/tollgate" --version) || die "the downloaded tollgate does not run on this machine ($target)"
  # `tollgate 0.2.0`, or `tollgate 0.2.0 (COMMIT DATE)` for a build from a git checkout.
  if [ -n "$version" ]; then
    case "$installed" in
      "tollgate ${version#v}" | "tollgate ${version#v} "*) ;;
      *) die "asked for $version, but the download says '$installed': refusing to install" ;;
    esac
  fi

  mkdir -p "$to" || die "cannot create $to"
  # Copy next to the destination, then rename: a running tollgate is never overwritten
  # in place, and an interrupted copy leaves no half-written binary behind.
  cp "$work/unpacked/tollgate" "$to/.tollgate.new.$$" || die "cannot write to $to"
  mv -f "$to/.tollgate.new.$$" "$to/tollgate" || {
    rm -f "$to/.tollgate.new.$$"
    die "cannot install into $to"
  }
  say "installed $installed to $to/tollgate"
  say "shell completions: tollgate completions bash|zsh|fish|powershell; the man page: tollgate man > tollgate.1"

  case ":${PATH:-}:" in
    *":$to:"*) ;;
    *)
      say "$to is not on your PATH; add it, e.g. in ~/.profile:"
      say "  export PATH=\"$to:\$PATH\""
      ;;
  esac
}

usage() {
  cat <<'EOF'
Installs the tollgate release binary for this machine, verified against the release's
SHA256SUMS.

  curl -fsSL https://github.com/tollgate-dev/tollgate/releases/latest/download/install.sh | sh
  curl -fsSL https://github.com/tollgate-dev/tollgate/releases/latest/download/install.sh | sh -s -- --version v0.2.0 --to ~/.local/bin

Options:
  --version vX.Y.Z   the release to install (default: the latest release)
  --to DIR           where to put the binary (default: $HOME/.local/bin)
  -h, --help         this text

Environment:
  TOLLGATE_DOWNLOAD_URL  the releases root to download from, laid out as GitHub's
                         (ROOT/latest/download/ASSET, ROOT/download/TAG/ASSET)

Platforms: Linux x86_64 and aarch64, macOS x86_64 and arm64.
EOF
}

say() { printf 'tollgate install: %s\n' "$*" >&2; }

die() {
  printf 'tollgate install: error: %s\n' "$*" >&2
  exit 1
}

# The release target for this machine; the same names as the release assets.
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux)
      case "$arch" in
        x86_64 | amd64) echo x86_64-unknown-linux-musl ;;
        aarch64 | arm64) echo aarch64-unknown-linux-musl ;;
        *) unsupported "$os" "$arch" ;;
      esac
      ;;
    Darwin)
      # A shell running under Rosetta 2 reports x86_64 on Apple silicon: prefer the
      # native build there.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
        arch=arm64
      fi
      case "$arch" in
        x86_64) echo x86_64-apple-darwin ;;
        arm64 | aarch64) echo aarch64-apple-darwin ;;
        *) unsupported "$os" "$arch" ;;
      esac
      ;;
    MINGW* | MSYS* | CYGWIN*)
      die "this script does not install on Windows: download tollgate-x86_64-pc-windows-msvc.zip and SHA256SUMS from $repo_url, or run: cargo install --locked tollgate"
      ;;
    *) unsupported "$os" "$arch" ;;
  esac
}

unsupported() {
  die "no release binary for $1 $2; release binaries exist for Linux x86_64 and aarch64, macOS x86_64 and arm64 (and Windows x86_64 as a .zip); elsewhere run: cargo install --locked tollgate"
}

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 \
      --output "$2" "$1" || die "downloading $1 failed"
  elif command -v wget >/dev/null 2>&1; then
    # Only -q and -O: BusyBox wget (Alpine) knows few of GNU wget's options.
    wget -q -O "$2" "$1" || die "downloading $1 failed"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sum=$(sha256sum -b "$1") || die "sha256sum failed on $1"
  elif command -v shasum >/dev/null 2>&1; then
    sum=$(shasum -a 256 -b "$1") || die "shasum failed on $1"
  else
    die "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
  printf '%s\n' "${sum%% *}" | tr 'A-F' 'a-f'
}

tollgate_install "$@"
