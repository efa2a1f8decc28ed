//! `-o intoto`: an in-toto Statement v1 (<https://github.com/in-toto/attestation>) with the
//! test-result predicate v0.1, for a release's attestation: its subjects are the release
//! artifacts (`--subject`), its predicate the gate's result. `-o intoto-predicate` writes
//! the predicate alone, for signers that build the statement themselves (GitHub's
//! `actions/attest`, `cosign attest-blob --predicate`).
//!
//! - `result`: `PASSED` (the gate passed, every rule passed), `WARNED` (passed, with
//!   findings that do not block or rules not evaluated), `FAILED` (failed, or could not
//!   decide).
//! - `configuration`: resource descriptors (name and SHA-256) of the policy files, the
//!   configuration, each evidence input, waivers and baseline, from the decision record.
//! - `url`: the CI run (`--run-url`, or the CI system's variables).
//! - `passedTests` / `warnedTests` / `failedTests`: rule ids: failed with a blocking
//!   finding or a policy error; warned with other findings, or when no report held a
//!   resource kind the rule looks at (it was not evaluated); passed otherwise.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use super::Context;
use crate::verdict::{ExitStatus, Verdict};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://in-toto.io/attestation/test-result/v0.1";

/// What the statement is about, beyond the verdict: the release artifacts and the CI run.
#[derive(Debug, Clone, Default)]
pub struct Attestation {
    /// (name, SHA-256 hex) of each release artifact.
    pub subjects: Vec<(String, String)>,
    pub run_url: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Predicate {
    result: &'static str,
    configuration: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    passed_tests: Vec<String>,
    warned_tests: Vec<String>,
    failed_tests: Vec<String>,
}

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let attestation = cx.attestation.clone().unwrap_or_default();
    let statement = json!({
        "_type": STATEMENT_TYPE,
        "subject": attestation
            .subjects
            .iter()
            .map(|(name, sha256)| json!({ "name": name, "digest": { "sha256": sha256 } }))
            .collect::<Vec<_>>(),
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate(verdict, cx),
    });
    serde_json::to_writer_pretty(&mut *out, &statement).map_err(io::Error::from)?;
    writeln!(out)
}

pub(super) fn emit_predicate(
    verdict: &Verdict,
    cx: &Context,
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &predicate(verdict, cx)).map_err(io::Error::from)?;
    writeln!(out)
}

fn predicate(verdict: &Verdict, cx: &Context) -> Predicate {
    let mut passed = Vec::new();
    let mut warned = Vec::new();
    let mut failed = Vec::new();
    for rule in &verdict.rules {
        let id = rule.id.as_str();
        let errored = verdict.errors.iter().any(|e| e.rule.as_deref() == Some(id));
        let mut findings = verdict.findings_of(id).peekable();
        let blocking = verdict.findings_of(id).any(|j| j.blocking);
        if errored || blocking {
            failed.push(id.to_string());
        } else if findings.peek().is_some() || !verdict.evaluated_rule(rule) {
            // Findings that do not block, or a rule that looked at nothing: not a pass.
            warned.push(id.to_string());
        } else {
            passed.push(id.to_string());
        }
    }
    let result = match verdict.status {
        ExitStatus::Pass if warned.is_empty() => "PASSED",
        ExitStatus::Pass => "WARNED",
        ExitStatus::Fail | ExitStatus::Error => "FAILED",
    };
    Predicate {
        result,
        configuration: configuration(cx),
        url: cx.attestation.as_ref().and_then(|a| a.run_url.clone()),
        passed_tests: passed,
        warned_tests: warned,
        failed_tests: failed,
    }
}

/// The decision record's files as resource descriptors.
fn configuration(cx: &Context) -> Vec<Value> {
    let Some(d) = &cx.decision else {
        return Vec::new();
    };
    let descriptor =
        |name: &str, sha256: &str| json!({ "name": name, "digest": { "sha256": sha256 } });
    let mut list: Vec<Value> = d
        .policies
        .iter()
        .map(|p| descriptor(&p.path, &p.sha256))
        .collect();
    list.extend(d.config.iter().map(|c| descriptor(&c.path, &c.sha256)));
    list.extend(d.evidence.iter().map(|e| descriptor(&e.name, &e.sha256)));
    list.extend(d.waivers.iter().map(|w| descriptor(&w.path, &w.sha256)));
    list.extend(d.baseline.iter().map(|b| descriptor(&b.path, &b.sha256)));
    list
}

/// The CI run's URL from the CI system's own variables: GitHub Actions, GitLab CI,
/// Jenkins, Azure Pipelines.
pub fn run_url_from(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if let (Some(server), Some(repo), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        let attempt = var("GITHUB_RUN_ATTEMPT")
            .map(|a| format!("/attempts/{a}"))
            .unwrap_or_default();
        return Some(format!("{server}/{repo}/actions/runs/{run}{attempt}"));
    }
    if let Some(url) = var("CI_JOB_URL").or_else(|| var("BUILD_URL")) {
        return Some(url);
    }
    if let (Some(collection), Some(project), Some(build)) = (
        var("SYSTEM_COLLECTIONURI"),
        var("SYSTEM_TEAMPROJECT"),
        var("BUILD_BUILDID"),
    ) {
        return Some(format!(
            "{collection}{project}/_build/results?buildId={build}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_url_comes_from_the_ci_system() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            run_url_from(env(&[
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("GITHUB_RUN_ID", "42"),
                ("GITHUB_RUN_ATTEMPT", "2"),
            ])),
            Some("https://github.com/acme/shop/actions/runs/42/attempts/2".into())
        );
        assert_eq!(
            run_url_from(env(&[(
                "CI_JOB_URL",
                "https://gitlab.example/acme/shop/-/jobs/7"
            )])),
            Some("https://gitlab.example/acme/shop/-/jobs/7".into())
        );
        assert_eq!(
            run_url_from(env(&[("BUILD_URL", "https://jenkins.example/job/shop/9/")])),
            Some("https://jenkins.example/job/shop/9/".into())
        );
        assert_eq!(
            run_url_from(env(&[
                ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
                ("SYSTEM_TEAMPROJECT", "shop"),
                ("BUILD_BUILDID", "11"),
            ])),
            Some("https://dev.azure.com/acme/shop/_build/results?buildId=11".into())
        );
        assert_eq!(run_url_from(env(&[])), None);
    }
}
