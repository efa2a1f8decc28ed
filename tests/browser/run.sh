#!/usr/bin/env bash
# The browser test of `-o html`, as .ci/run runs it: installs Debian's chromium and
# chromium-driver when they are missing, writes the page for the shipped examples, and
# checks it in headless Chromium (tests/browser/html_check.py). Needs a built binary:
#   bash tests/browser/run.sh [target/release/tollgate]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-target/release/tollgate}"
out=target/browser

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing chromium and chromium-driver with apt-get"
  if ! { $sudo apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
    echo "FAILED: cannot install chromium and chromium-driver with apt-get; the HTML report's browser test cannot run" >&2
    exit 1
  fi
fi

mkdir -p "$out"
set +e
"$bin" check --now 2026-11-23T12:00:00Z -o "html=$out/report.html" -o "json=$out/report.json"
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "expected the example gate to exit 1 while writing the HTML report, got $code" >&2
  exit 1
fi
started=$(date +%s)
python3 tests/browser/html_check.py "$out/report.html" "$out/report.json" \
  --screenshot "$out/html-report.png" --tollgate "$bin"
echo "browser test took $(( $(date +%s) - started )) s"
