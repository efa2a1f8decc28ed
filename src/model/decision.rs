//! The decision record: what a gate decided on, by digest, so that the decision can be
//! checked later without trusting the log (`tollgate verify`). `-o json` carries it as
//! `decision`.
//!
//! Digests are SHA-256 of the bytes read, in lowercase hex. The policy set's digest is the
//! SHA-256 of one line per policy file, `SHA256  PATH\n` (the `sha256sum` format), sorted by
//! path: one value that changes when any policy is added, removed, renamed or edited.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ReportKind, ReportOrigin, Severity};

/// The schema id of a decision record.
pub const DECISION_SCHEMA: &str = "tollgate.decision/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub schema: String,
    pub tollgate: Tool,
    /// Every policy file loaded, sorted by path.
    pub policies: Vec<File>,
    pub policy_set_sha256: String,
    /// tollgate.toml, when one was read.
    pub config: Option<File>,
    /// Every evidence input read, in the order read.
    pub evidence: Vec<Evidence>,
    pub waivers: Option<File>,
    pub baseline: Option<File>,
    /// The `[params]` the policies were given (file, environment and `--param` merged).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The time the gate judged at (RFC 3339, milliseconds): `--now`, or the clock.
    pub evaluated_at: String,
    /// Whether `evaluated_at` was pinned by `--now` / `TOLLGATE_NOW`.
    pub now_pinned: bool,
    pub fail_on: Severity,
    pub strict: bool,
    pub no_fail: bool,
    /// `--allow-empty`: a report without resources was accepted.
    pub allow_empty: bool,
    /// `--report-kind`: every report was read as this kind.
    pub report_kind: Option<ReportKind>,
    /// `pass`, `fail` or `error`.
    pub verdict: String,
    pub exit_code: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub version: String,
    /// The running executable's digest; `None` when it could not be read.
    pub executable_sha256: Option<String>,
}

/// A file by path (as given or found) and digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct File {
    pub path: String,
    pub sha256: String,
}

/// One evidence input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The file as given, `<stdin>`, or `source:NAME` for a live source.
    pub name: String,
    /// `file`, `stdin` or `live`.
    pub source: String,
    /// The report kinds read from it.
    pub kinds: Vec<String>,
    pub sha256: String,
    pub bytes: u64,
    /// When the evidence was fetched (RFC 3339), for live sources and saved evidence.
    pub fetched_at: Option<String>,
}

impl Evidence {
    /// How the record says where a report came from (`source`).
    pub fn source_of(origin: &ReportOrigin) -> &'static str {
        match origin {
            ReportOrigin::Stdin => "stdin",
            ReportOrigin::Live(_) => "live",
            _ => "file",
        }
    }

    /// Where the recorded report came from, as the run named it: the record's `source`
    /// says which kind of place its `name` is.
    pub fn origin(&self) -> ReportOrigin {
        match self.source.as_str() {
            "stdin" => ReportOrigin::Stdin,
            "live" => ReportOrigin::recorded(&self.name),
            _ => ReportOrigin::File(self.name.as_str().into()),
        }
    }
}

impl File {
    /// A file named as given, by the digest of the bytes read from it.
    pub fn of(path: &std::path::Path, bytes: &[u8]) -> File {
        File {
            path: path.display().to_string(),
            sha256: sha256(bytes),
        }
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The policy set's digest over `files` (any order).
pub fn policy_set(files: &[File]) -> String {
    let mut sorted: Vec<&File> = files.iter().collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for f in sorted {
        hasher.update(format!("{}  {}\n", f.sha256, f.path).as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha256_hex_and_the_set_ignores_order() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a = File {
            path: "a.rhai".into(),
            sha256: sha256(b"a"),
        };
        let b = File {
            path: "b.rhai".into(),
            sha256: sha256(b"b"),
        };
        assert_eq!(
            policy_set(&[a.clone(), b.clone()]),
            policy_set(&[b.clone(), a.clone()])
        );
        // The sha256sum lines of the two files, hashed.
        let lines = format!("{}  a.rhai\n{}  b.rhai\n", a.sha256, b.sha256);
        assert_eq!(
            policy_set(&[a.clone(), b.clone()]),
            sha256(lines.as_bytes())
        );
        let renamed = File {
            path: "c.rhai".into(),
            ..b
        };
        assert_ne!(policy_set(&[a.clone(), renamed]), policy_set(&[a]));
    }
}
