//! `tollgate verify RESULT.json --evidence DIR`: decide a recorded gate again and confirm
//! it. The result's decision record names every policy file, the configuration, each
//! evidence input, waivers and baseline by SHA-256; each is looked for among the files
//! under DIR by its digest (so an auditor can keep one folder of everything), then at the
//! path it was read from. The gate is then decided again at the recorded time with the
//! recorded params and options, and its verdict, exit code and findings are compared with
//! the recorded ones.
//!
//! Exit 0: confirmed. Exit 1: something differs, each difference said. Exit 2: it cannot
//! be replayed (no record, a file not found anywhere, a result this does not read).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::model::decision::{self, Decision};
use crate::run;
use crate::settings::Settings;
use crate::verdict::{ExitStatus, Verdict};

/// Replay the decision in `result` with the files under `evidence`.
pub fn verify(result: &Path, evidence: &Path) -> Result<ExitStatus, Error> {
    let recorded = read_result(result)?;
    let decision: Decision = serde_json::from_value(recorded["decision"].clone()).map_err(|e| {
        cannot(
            result,
            &format!("its `decision` record cannot be read: {e}"),
            "write the result with `-o json` from a tollgate newer than 0.2.0: earlier results carry no record",
        )
    })?;
    if decision.verdict == "error" {
        return Err(cannot(
            result,
            "the gate could not decide (verdict error), so there is no decision to replay",
            "its `errors` say why; verify the result of a run that decided",
        ));
    }
    if recorded.get("ledger").is_some_and(|l| !l.is_null()) {
        return Err(cannot(
            result,
            "the gate judged findings against its ledger (SLA ages), which a replay does not have",
            "verify gates run without a ledger; the ledger itself keeps the history of those",
        ));
    }
    let found = Found::index(evidence)?;
    let mut differences = Vec::new();
    let mut missing = Vec::new();
    let mut locate = |what: &str, recorded: &decision::File| -> Option<PathBuf> {
        match found.locate(recorded) {
            Located::At(path) => Some(path),
            Located::Changed(now) => {
                differences.push(format!(
                    "{what} {} has changed: recorded sha256 {}, now {now}, and no file under {} has the recorded one",
                    recorded.path,
                    recorded.sha256,
                    found.root.display()
                ));
                None
            }
            Located::Nowhere => {
                missing.push(format!(
                    "{what} {} (sha256 {}) is neither under {} nor at its path",
                    recorded.path,
                    recorded.sha256,
                    found.root.display()
                ));
                None
            }
        }
    };
    let policies: Vec<Option<PathBuf>> = decision
        .policies
        .iter()
        .map(|p| locate("policy", p))
        .collect();
    let config = decision.config.as_ref().map(|c| locate("configuration", c));
    let waivers = decision.waivers.as_ref().map(|w| locate("waivers file", w));
    let baseline = decision.baseline.as_ref().map(|b| locate("baseline", b));
    let reports: Vec<Option<PathBuf>> = decision
        .evidence
        .iter()
        .map(|e| {
            locate(
                "evidence",
                &decision::File {
                    path: e.name.clone(),
                    sha256: e.sha256.clone(),
                },
            )
        })
        .collect();
    let set = decision::policy_set(&decision.policies);
    if set != decision.policy_set_sha256 {
        differences.push(format!(
            "the record's policy set digest {} is not the digest of its policy list ({set})",
            decision.policy_set_sha256
        ));
    }
    if !missing.is_empty() {
        return Err(cannot(
            result,
            &format!("the gate cannot be replayed: {}", missing.join("; ")),
            "give --evidence the folder the evidence (and any changed policy files) were kept in",
        ));
    }
    let all = |v: Vec<Option<PathBuf>>| v.into_iter().collect::<Option<Vec<PathBuf>>>();
    // An input the run may not have had: `Some(None)` when it had none, `None` when it had
    // one that is missing now.
    let optional = |recorded: Option<Option<PathBuf>>| match recorded {
        None => Some(None),
        Some(found) => found.map(Some),
    };
    let replayed = match (
        all(policies),
        all(reports),
        optional(config),
        optional(waivers),
        optional(baseline),
    ) {
        (Some(policies), Some(reports), Some(config), Some(waivers), Some(baseline)) => {
            // Each read under its recorded name: a message may name its report.
            let reports = reports
                .into_iter()
                .zip(&decision.evidence)
                .map(|(path, e)| (path, e.origin()))
                .collect();
            let settings = Settings::replay(
                &decision,
                config.as_deref(),
                reports,
                policies,
                waivers,
                baseline,
            )?;
            Some(run::replay(&settings))
        }
        _ => None,
    };
    if let Some(verdict) = &replayed {
        compare(&decision, &recorded, verdict, &mut differences);
    }
    let status = if differences.is_empty() {
        println!(
            "verified: {} — {} again at {} (exit {}), {} findings the same, {} policies, {} evidence inputs and their digests the same",
            result.display(),
            decision.verdict,
            decision.evaluated_at,
            decision.exit_code,
            recorded["findings"].as_array().map_or(0, Vec::len),
            decision.policies.len(),
            decision.evidence.len()
        );
        ExitStatus::Pass
    } else {
        println!("NOT verified: {}", result.display());
        for d in &differences {
            println!("  - {d}");
        }
        ExitStatus::Fail
    };
    // Another build may decide the same; it is said, not counted as a difference.
    let version = env!("CARGO_PKG_VERSION");
    if decision.tollgate.version != version {
        println!(
            "note: recorded by tollgate {}, replayed by {version}",
            decision.tollgate.version
        );
    }
    if decision.tollgate.executable_sha256 != run::executable_sha256() {
        println!(
            "note: replayed by another executable than the one that decided (sha256 {})",
            decision
                .tollgate
                .executable_sha256
                .as_deref()
                .unwrap_or("not recorded")
        );
    }
    Ok(status)
}

/// The recorded verdict, exit code and findings against the replayed ones: the result's
/// own fields (what people read) as well as the record's.
fn compare(
    decision: &Decision,
    recorded: &Value,
    verdict: &Verdict,
    differences: &mut Vec<String>,
) {
    if recorded["verdict"] != decision.verdict.as_str()
        || recorded["exit_code"] != decision.exit_code
    {
        differences.push(format!(
            "the result says verdict {} exit {}, its decision record {} exit {}",
            recorded["verdict"], recorded["exit_code"], decision.verdict, decision.exit_code
        ));
    }
    let blocking = verdict.blocking().count();
    if recorded["summary"]["blocking"] != blocking {
        differences.push(format!(
            "blocking findings: recorded {}, replayed {blocking}",
            recorded["summary"]["blocking"]
        ));
    }
    if recorded["summary"]["findings"] != verdict.findings.len() {
        differences.push(format!(
            "findings: recorded {}, replayed {}",
            recorded["summary"]["findings"],
            verdict.findings.len()
        ));
    }
    if verdict.status.as_str() != decision.verdict {
        differences.push(format!(
            "verdict: recorded {}, replayed {}",
            decision.verdict,
            verdict.status.as_str()
        ));
    }
    if verdict.exit_code() != decision.exit_code {
        differences.push(format!(
            "exit code: recorded {}, replayed {}",
            decision.exit_code,
            verdict.exit_code()
        ));
    }
    // Findings by fingerprint and rule: what each says and whether it blocks.
    type Key = (String, String);
    let said = |rule: &str, severity: &str, status: &str, blocking: bool, message: &str| {
        format!(
            "{rule} {severity} {status}{} {message:?}",
            if blocking { " (blocking)" } else { "" }
        )
    };
    let mut before: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for f in recorded["findings"].as_array().into_iter().flatten() {
        let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        before
            .entry((text("rule"), text("fingerprint")))
            .or_default()
            .push(said(
                &text("rule"),
                &text("severity"),
                &text("status"),
                f["blocking"].as_bool().unwrap_or(false),
                &text("message"),
            ));
    }
    let mut after: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for j in &verdict.findings {
        let f = &j.finding;
        after
            .entry((f.rule.id.clone(), f.fingerprint.clone()))
            .or_default()
            .push(said(
                &f.rule.id,
                f.severity.as_str(),
                j.disposition.as_str(),
                j.blocking,
                &f.message,
            ));
    }
    for (key, was) in &before {
        match after.get(key) {
            None => differences.push(format!("finding {} gone: {}", key.1, was.join("; "))),
            Some(now) if now != was => differences.push(format!(
                "finding {} changed: recorded {}, replayed {}",
                key.1,
                was.join("; "),
                now.join("; ")
            )),
            Some(_) => {}
        }
    }
    for (key, now) in &after {
        if !before.contains_key(key) {
            differences.push(format!("finding {} new: {}", key.1, now.join("; ")));
        }
    }
}

/// The files under the evidence folder, by digest.
struct Found {
    root: PathBuf,
    by_digest: HashMap<String, PathBuf>,
}

enum Located {
    At(PathBuf),
    /// At its path, with another digest (given).
    Changed(String),
    Nowhere,
}

impl Found {
    fn index(root: &Path) -> Result<Found, Error> {
        let mut by_digest = HashMap::new();
        // Links are not followed: a folder that links to itself would never end.
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|source| Error::Read {
                what: "evidence folder",
                path: dir.clone(),
                source,
            })?;
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                let Ok(meta) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    stack.push(path);
                } else if meta.is_file() {
                    let bytes = std::fs::read(&path).map_err(|source| Error::Read {
                        what: "evidence file",
                        path: path.clone(),
                        source,
                    })?;
                    by_digest.entry(decision::sha256(&bytes)).or_insert(path);
                }
            }
        }
        Ok(Found {
            root: root.to_path_buf(),
            by_digest,
        })
    }

    /// Under the folder by digest, else at its recorded path with the same digest.
    fn locate(&self, recorded: &decision::File) -> Located {
        if let Some(path) = self.by_digest.get(&recorded.sha256) {
            return Located::At(path.clone());
        }
        let at = Path::new(&recorded.path);
        match std::fs::read(at) {
            Ok(bytes) => {
                let now = decision::sha256(&bytes);
                if now == recorded.sha256 {
                    Located::At(at.to_path_buf())
                } else {
                    Located::Changed(now)
                }
            }
            Err(_) => Located::Nowhere,
        }
    }
}

fn read_result(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        what: "result",
        path: path.to_path_buf(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        cannot(
            path,
            &format!("it is not JSON: {e}"),
            "give the file `-o json=FILE` wrote",
        )
    })?;
    if value["schema"] != crate::model::RESULT_SCHEMA {
        return Err(cannot(
            path,
            &format!("it is not a tollgate result (schema {})", value["schema"]),
            "give the file `-o json=FILE` wrote",
        ));
    }
    Ok(value)
}

fn cannot(path: &Path, reason: &str, hint: &str) -> Error {
    Error::Config {
        reason: format!("cannot verify {}: {reason}", path.display()),
        hint: Some(hint.into()),
    }
}
