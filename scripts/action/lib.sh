# shellcheck shell=bash
# Helpers shared by the GitHub Action's step scripts (locate.sh, install.sh, run.sh).
# Sourced, never executed. Every value comes from the environment; nothing here is ever
# passed to eval, so an input can only ever be data.

# Messages for the step log, all on standard error so that a command substitution never
# swallows one (the runner reads workflow commands from both streams). `fail` ends the
# step; GitHub shows it as an error annotation.
note() { printf 'tollgate action: %s\n' "$*" >&2; }
warn() { printf '::warning title=tollgate action::%s\n' "$*" >&2; }
fail() {
  printf '::error title=tollgate action::%s\n' "$*" >&2
  exit 1
}

# Values that end up in $GITHUB_OUTPUT, $GITHUB_PATH or a file name must be one line: a
# newline would let an input forge another output (`x\nverdict=passed`).
require_one_line() { # NAME VALUE
  case "$2" in
    *$'\n'* | *$'\r'*) fail "input '$1' must be a single line" ;;
  esac
}

# SHA-256 of a file as 64 lowercase hex digits. coreutils on Linux and Git Bash,
# shasum on macOS.
sha256_of() {
  local sum
  if command -v sha256sum >/dev/null 2>&1; then
    sum=$(sha256sum -b -- "$1") || return 1
  elif command -v shasum >/dev/null 2>&1; then
    sum=$(shasum -a 256 -b -- "$1") || return 1
  else
    fail "neither sha256sum nor shasum is installed: cannot verify a download"
  fi
  sum=${sum%% *}
  # No ${sum,,}: macOS ships bash 3.2.
  printf '%s\n' "$sum" | tr 'A-F' 'a-f'
}

# The Python interpreter, for when jq is missing (self-hosted runners). Windows runners
# call it `python`; `python3` there may be the Microsoft Store stub, so check it runs.
python_cmd() {
  local p
  for p in python3 python; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import json' >/dev/null 2>&1; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  return 1
}

# Reads a tollgate.result/v1 document and prints `VERDICT<TAB>BLOCKING<TAB>FINDINGS<TAB>EVALUATED`
# (EVALUATED is false when the run stopped before evaluating: its counts mean nothing).
# Prints nothing and fails when the file is not such a document.
result_summary() { # FILE
  local py
  if command -v jq >/dev/null 2>&1; then
    jq -r 'select(.schema == "tollgate.result/v1")
           | [.verdict, .summary.blocking, .summary.findings, (.evaluated != false)] | map(tostring) | @tsv' -- "$1"
  elif py=$(python_cmd); then
    "$py" - "$1" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
if doc.get("schema") == "tollgate.result/v1":
    s = doc["summary"]
    print(doc["verdict"], s["blocking"], s["findings"],
          "false" if doc.get("evaluated") is False else "true", sep="\t")
PY
  else
    fail "reading the result needs jq or Python; neither is installed"
  fi
}

# From a GitHub releases API listing (a JSON array), the highest `vX.Y.Z` release tag
# that starts with PREFIX and a dot (PREFIX "v1" or "v1.4"), skipping drafts and
# pre-releases. Prints nothing when no release matches.
newest_release_tag() { # FILE PREFIX
  local py
  if command -v jq >/dev/null 2>&1; then
    jq -r --arg p "$2." '
      [ .[] | select((.draft | not) and (.prerelease | not)) | .tag_name
        | select(test("^v[0-9]+[.][0-9]+[.][0-9]+$") and startswith($p)) ]
      | sort_by(ltrimstr("v") | split(".") | map(tonumber)) | last // empty' -- "$1"
  elif py=$(python_cmd); then
    "$py" - "$1" "$2." <<'PY'
import json, re, sys
with open(sys.argv[1], encoding="utf-8") as f:
    releases = json.load(f)
tags = [r["tag_name"] for r in releases
        if not r.get("draft") and not r.get("prerelease")
        and re.fullmatch(r"v[0-9]+[.][0-9]+[.][0-9]+", r["tag_name"])
        and r["tag_name"].startswith(sys.argv[2])]
tags.sort(key=lambda t: [int(n) for n in t[1:].split(".")])
if tags:
    print(tags[-1])
PY
  else
    fail "resolving a release needs jq or Python; neither is installed"
  fi
}
