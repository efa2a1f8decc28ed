//! Seed files, byte-level mutation and odd text: the inputs every target starts from.

#![allow(unused_imports)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

use tollgate::model::Report;
use tollgate::model::{Input, ReportKind};
use tollgate::policy::{self, Globals, Limits, Policy};
use tollgate::report::{self, LoadOptions};
use tollgate::settings::{CheckOptions, ColorChoice, Global, Settings};
use tollgate::Error;

use crate::*;

// ---------------------------------------------------------------------------------------
// Seed files and byte-level mutation
// ---------------------------------------------------------------------------------------

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files under `dirs` (recursively) whose names end with one of `exts`, sorted.
pub(crate) fn files(dirs: &[&str], exts: &[&str]) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.to_string_lossy().to_string();
            if path.is_dir() {
                walk(&path, exts, out);
            } else if exts.iter().any(|e| name.ends_with(e)) {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    for dir in dirs {
        let path = root().join(dir);
        if path.is_file() {
            paths.push(path);
        } else {
            walk(&path, exts, &mut paths);
        }
    }
    paths.sort();
    let found: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!found.is_empty(), "no seed files under {dirs:?}");
    found
}

/// One change to a byte string.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    /// XOR one byte.
    Flip(Index, u8),
    /// Cut the text at a point.
    Truncate(Index),
    /// Remove up to 64 bytes.
    Remove(Index, u8),
    /// Insert a token of the format's vocabulary.
    Token(Index, Index),
    /// Insert a few arbitrary bytes.
    Insert(Index, Vec<u8>),
    /// Insert a piece of another seed file.
    Splice(Index, Index, u8, Index),
    /// Repeat a short piece many times.
    Repeat(Index, u8, u16),
}

pub(crate) fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, b)| Edit::Flip(i, b)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        2 => (any::<Index>(), 1..=64u8).prop_map(|(i, n)| Edit::Remove(i, n)),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::Token(i, t)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => (any::<Index>(), any::<Index>(), 1..=255u8, any::<Index>())
            .prop_map(|(f, s, n, at)| Edit::Splice(f, s, n, at)),
        1 => (any::<Index>(), 1..=32u8, 2..2000u16).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ]
}

/// A position in `0..=len`.
pub(crate) fn at(i: &Index, len: usize) -> usize {
    i.index(len + 1)
}

pub(crate) fn apply(base: &[u8], seeds: &[Vec<u8>], tokens: &[&str], edits: &[Edit]) -> Vec<u8> {
    let mut out = base.to_vec();
    for e in edits {
        let len = out.len();
        match e {
            Edit::Flip(i, b) if len > 0 => out[i.index(len)] ^= b,
            Edit::Flip(..) => {}
            Edit::Truncate(i) => out.truncate(at(i, len)),
            Edit::Remove(i, n) => {
                let from = at(i, len);
                let to = (from + *n as usize).min(len);
                out.drain(from..to);
            }
            Edit::Token(i, t) => {
                let token = tokens[t.index(tokens.len())].as_bytes();
                let p = at(i, len);
                out.splice(p..p, token.iter().copied());
            }
            Edit::Insert(i, bytes) => {
                let p = at(i, len);
                out.splice(p..p, bytes.iter().copied());
            }
            // Generated documents are mutated without other seeds to splice from.
            Edit::Splice(..) if seeds.is_empty() => {}
            Edit::Splice(f, s, n, i) => {
                let other = &seeds[f.index(seeds.len())];
                let from = at(s, other.len());
                let to = (from + *n as usize).min(other.len());
                let p = at(i, len);
                out.splice(p..p, other[from..to].iter().copied());
            }
            Edit::Repeat(i, n, k) => {
                let from = at(i, len);
                let to = (from + *n as usize).min(len);
                let piece = out[from..to].to_vec();
                let p = to;
                let many: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * *k as usize)
                    .collect();
                out.splice(p..p, many);
            }
        }
        out.truncate(1 << 21);
    }
    out
}

pub(crate) fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A seed file with a few edits, as text.
pub(crate) fn mutated(
    seeds: Arc<Vec<Vec<u8>>>,
    tokens: &'static [&'static str],
) -> BoxedStrategy<String> {
    (any::<Index>(), prop::collection::vec(edit(), 1..8))
        .prop_map(move |(i, edits)| {
            let base = &seeds[i.index(seeds.len())];
            lossy(apply(base, &seeds, tokens, &edits))
        })
        .boxed()
}

/// Any text, or any bytes read as UTF-8 the way a lossy reader would.
pub(crate) fn arbitrary_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..512).prop_map(lossy),
    ]
    .boxed()
}

/// Strings that have broken parsers before: empty, blank, control characters, bidi
/// overrides, surrogates escaped, a BOM, combining marks, astral characters.
pub(crate) const ODD: &[&str] = &[
    "",
    " ",
    "\t\r\n",
    "\u{0}",
    "\u{7f}",
    "\u{feff}",
    "\u{202e}evil",
    "e\u{301}\u{301}\u{301}",
    "😀👨‍👩‍👧",
    "\u{10ffff}",
    "ǅ",
    "null",
    "-",
    "*",
    "**/[",
    "{a,b}",
    "\\",
    "\"",
    "${x}",
    "`",
    "1e999",
    "-0",
    "NaN",
    "9223372036854775808",
    "2026-02-30",
    "2026-12-31T25:61:00Z",
    "<script>alert(1)</script>",
    "../../etc/passwd",
];

pub(crate) const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "true",
    "false",
    "-1",
    "0",
    "1e999",
    "-1e999",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "-9223372036854775809",
    "0.5",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\\",
    "\u{feff}",
    "\"\u{202e}\"",
    "\"count\":",
    "\"instance_compliant\":",
    "\"compliance_items\":",
    "\"policy_assignments\":",
    "\"InstancePatchStates\":",
    "\"CompliancePackReport\":",
    "\"tollgate_evidence\":1,",
    "\"NextToken\":\"t\",",
    "\"error_code\":\"E\",",
    "\"Code\":\"C\",\"Message\":\"m\",",
    "\"instance_id\":",
    "\"title\":",
    "\"InstanceId\":",
    "\"CompliancePackId\":",
    "\"MissingCount\":\"",
    "{\"instance_id\":\"x\"},",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]",
    "\n",
    "\r\n",
    " ",
];

pub(crate) const TOML_TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "\n",
    "#",
    ",",
    "{",
    "}",
    ".",
    "inf",
    "nan",
    "-0",
    "0x7fffffffffffffff",
    "9223372036854775808",
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "2026-02-30",
    "true",
    "[limits]\n",
    "[params]\n",
    "[[source]]\n",
    "[incident]\n",
    "[incident.coc_alarm]\n",
    "[[waiver]]\n",
    "operations = 0\n",
    "expr_depth = ",
    "call_levels = ",
    "fail_on = \"",
    "outputs = [\"",
    "jobs = ",
    "rule = \"",
    "resource = \"",
    "reason = \"",
    "expires = ",
    "owner = \"",
    "\\u0000",
    "\\uD800",
    "name = \"a\"\n",
    "kind = \"huawei.coc.patch_compliance\"\n",
    "\u{feff}",
    "\r",
];

pub(crate) const RHAI_TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "#{",
    ";",
    ",",
    ".",
    "?.",
    "::",
    "\"",
    "`",
    "${",
    "'",
    "//",
    "/*",
    "*/",
    "fn ",
    "check",
    "check_report",
    "let ",
    "const ",
    "RULE",
    "loop { }",
    "while true { }",
    "return ",
    "throw ",
    "deny(",
    "warn(",
    "eval(",
    "import \"x\";",
    "global::",
    "PARAMS",
    "NOW",
    "node",
    "report.resources",
    "this",
    "|x| ",
    "=",
    "==",
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "<<",
    ">>",
    "9223372036854775807",
    "-9223372036854775808",
    "1.0e308",
    "0",
    "true",
    "()",
    "in ",
    "switch ",
    "=> ",
    "\n",
    "\u{feff}",
    "é",
    "fn f(a,b,c) {}",
];
