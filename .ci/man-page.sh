#!/usr/bin/env bash
# `tollgate man` renders: groff reads the page without a warning, and man shows its
# sections. tests/cli/man.rs checks the page's content; this checks that roff tools accept
# it, where they are installed (Debian: groff-base, man-db). Without them it says so and
# checks nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin tollgate
page=target/tollgate.1
"${CARGO_TARGET_DIR:-target}/debug/tollgate" man >"$page"
head -c 4096 "$page" | grep -q '^\.TH tollgate 1 ' || { echo "FAILED: $page has no .TH title line" >&2; exit 1; }

if ! command -v groff >/dev/null; then
  echo "groff is not installed: $page is not rendered (install groff-base to check it)"
  exit 0
fi
# -ww: every warning; -z: no output, only the warnings.
warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
  echo "$warnings" >&2
  echo "FAILED: groff warns about $page" >&2
  exit 1
fi
text=$(groff -man -Tutf8 -P-c "$page" 2>/dev/null | sed 's/.\x08//g')
for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" ENVIRONMENT FILES; do
  grep -q "^$section\$" <<<"$text" || { echo "FAILED: the rendered page has no $section section" >&2; exit 1; }
done
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$page" >/dev/null 2>&1 || { echo "FAILED: man -l $page" >&2; exit 1; }
fi
echo "$page renders: $(wc -l <<<"$text") lines at groff's default width"
