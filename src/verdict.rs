//! The verdict: findings judged against `--fail-on` and each rule's enforcement, plus the
//! exit status. It is final before any output is written; emitters only read it.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Error;
use crate::finding::{Finding, Level, Severity};
use crate::policy::{Enforcement, Evaluation, Rule};
use crate::report::{Report, ReportKind};

/// How the run ends. Nothing that goes wrong turns into `Pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExitStatus {
    /// No blocking finding: exit 0.
    Pass,
    /// At least one blocking finding: exit 1.
    Fail,
    /// tollgate could not decide: exit 2.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Pass => 0,
            ExitStatus::Fail => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// A finding and whether it blocks the gate.
#[derive(Debug, Clone)]
pub struct Judged {
    pub finding: Finding,
    pub blocking: bool,
}

/// What the verdict records of each report read.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub kind: ReportKind,
    /// The path as given, or `<stdin>`.
    pub origin: String,
    pub resources: usize,
    /// The total the API declared, where it declares one.
    pub declared: Option<u64>,
}

/// A policy error as data, for outputs (the diagnostic itself goes to standard error).
#[derive(Debug, Clone, Serialize)]
pub struct ErrorSummary {
    pub code: String,
    pub rule: Option<String>,
    pub subject: Option<String>,
    pub message: String,
}

impl ErrorSummary {
    /// The data of a policy error.
    pub fn of(error: &Error) -> Self {
        let (rule, subject) = match error {
            Error::PolicyRuntime { rule, subject, .. }
            | Error::PolicyBudget { rule, subject, .. } => {
                (Some(rule.clone()), Some(subject.clone()))
            }
            _ => (None, None),
        };
        let reason = match error {
            Error::PolicyRuntime { reason, .. } => reason.clone(),
            other => other.to_string(),
        };
        ErrorSummary {
            code: miette::Diagnostic::code(error)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            rule,
            subject,
            message: reason,
        }
    }
}

/// Everything the outputs need, decided.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: ExitStatus,
    pub fail_on: Severity,
    /// Findings sorted by rule id, then in report and resource order.
    pub findings: Vec<Judged>,
    /// Every rule that ran, sorted by id.
    pub rules: Vec<Arc<Rule>>,
    pub reports: Vec<ReportSummary>,
    /// Policy errors (a few per rule); `error_count` counts all of them.
    pub errors: Vec<ErrorSummary>,
    pub error_count: usize,
}

/// How findings are judged.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Findings at or above this severity block.
    pub fail_on: Severity,
}

/// Judge every finding and decide the status.
pub fn decide(
    evaluation: &Evaluation,
    rules: Vec<Arc<Rule>>,
    reports: &[Arc<Report>],
    options: Options,
) -> Verdict {
    let findings: Vec<Judged> = evaluation
        .findings
        .iter()
        .map(|f| Judged {
            blocking: blocks(f, options),
            finding: f.clone(),
        })
        .collect();
    let status = if evaluation.error_count > 0 {
        ExitStatus::Error
    } else if findings.iter().any(|j| j.blocking) {
        ExitStatus::Fail
    } else {
        ExitStatus::Pass
    };
    Verdict {
        status,
        fail_on: options.fail_on,
        findings,
        rules,
        reports: reports
            .iter()
            .map(|r| ReportSummary {
                kind: r.kind,
                origin: r.name.to_string(),
                resources: r.resources.len(),
                declared: r.declared,
            })
            .collect(),
        errors: evaluation.errors.iter().map(ErrorSummary::of).collect(),
        error_count: evaluation.error_count,
    }
}

/// A finding blocks when it is a `deny` of a rule that is not advisory, at or above the
/// threshold.
fn blocks(finding: &Finding, options: Options) -> bool {
    finding.level == Level::Deny
        && finding.rule.enforcement != Enforcement::Advisory
        && finding.severity >= options.fail_on
}

/// Counts per severity, most severe first.
pub type SeverityCounts = BTreeMap<Severity, usize>;

impl Verdict {
    /// Resources read across all reports.
    pub fn resource_count(&self) -> usize {
        self.reports.iter().map(|r| r.resources).sum()
    }

    /// The blocking findings.
    pub fn blocking(&self) -> impl Iterator<Item = &Judged> {
        self.findings.iter().filter(|j| j.blocking)
    }

    /// Counts by severity of the findings that match `filter`.
    pub fn by_severity(&self, filter: impl Fn(&Judged) -> bool) -> SeverityCounts {
        let mut counts = SeverityCounts::new();
        for j in self.findings.iter().filter(|j| filter(j)) {
            *counts.entry(j.finding.severity).or_default() += 1;
        }
        counts
    }

    /// Findings of one rule.
    pub fn findings_of<'a>(&'a self, rule: &'a str) -> impl Iterator<Item = &'a Judged> + 'a {
        self.findings
            .iter()
            .filter(move |j| j.finding.rule.id == rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Subject;
    use std::path::PathBuf;

    fn rule(enforcement: Enforcement) -> Arc<Rule> {
        Arc::new(Rule {
            id: "R".into(),
            title: "t".into(),
            severity: Severity::High,
            enforcement,
            applies_to: vec![],
            help: None,
            description: None,
            tags: vec![],
            file: PathBuf::from("r.rhai"),
            line: 1,
        })
    }

    fn finding(severity: Severity, level: Level, enforcement: Enforcement) -> Finding {
        Finding {
            rule: rule(enforcement),
            severity,
            level,
            message: "m".into(),
            subject: Subject::Report {
                kind: ReportKind::CocPatch,
                name: "r.json".into(),
            },
            properties: Default::default(),
            fingerprint: "f".into(),
        }
    }

    fn status(findings: Vec<Finding>, errors: usize, fail_on: Severity) -> ExitStatus {
        let evaluation = Evaluation {
            findings,
            errors: vec![],
            error_count: errors,
            calls: 1,
        };
        decide(&evaluation, vec![], &[], Options { fail_on }).status
    }

    #[test]
    fn exit_codes() {
        assert_eq!(ExitStatus::Pass.code(), 0);
        assert_eq!(ExitStatus::Fail.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
    }

    #[test]
    fn no_findings_pass() {
        assert_eq!(status(vec![], 0, Severity::High), ExitStatus::Pass);
    }

    #[test]
    fn fail_on_is_inclusive() {
        let high = || finding(Severity::High, Level::Deny, Enforcement::Hard);
        assert_eq!(status(vec![high()], 0, Severity::High), ExitStatus::Fail);
        assert_eq!(
            status(vec![high()], 0, Severity::Critical),
            ExitStatus::Pass
        );
        assert_eq!(status(vec![high()], 0, Severity::Info), ExitStatus::Fail);
        let medium = finding(Severity::Medium, Level::Deny, Enforcement::Hard);
        assert_eq!(status(vec![medium], 0, Severity::High), ExitStatus::Pass);
    }

    #[test]
    fn warnings_and_advisory_rules_never_block() {
        let warn = finding(Severity::Critical, Level::Warn, Enforcement::Hard);
        assert_eq!(status(vec![warn], 0, Severity::Info), ExitStatus::Pass);
        let advisory = finding(Severity::Critical, Level::Deny, Enforcement::Advisory);
        assert_eq!(status(vec![advisory], 0, Severity::Info), ExitStatus::Pass);
        let soft = finding(Severity::Critical, Level::Deny, Enforcement::Soft);
        assert_eq!(status(vec![soft], 0, Severity::Info), ExitStatus::Fail);
    }

    #[test]
    fn errors_win_over_everything() {
        let high = finding(Severity::Critical, Level::Deny, Enforcement::Hard);
        assert_eq!(status(vec![high], 1, Severity::High), ExitStatus::Error);
        assert_eq!(status(vec![], 1, Severity::High), ExitStatus::Error);
    }

    #[test]
    fn counts_by_severity() {
        let evaluation = Evaluation {
            findings: vec![
                finding(Severity::Critical, Level::Deny, Enforcement::Hard),
                finding(Severity::Critical, Level::Deny, Enforcement::Hard),
                finding(Severity::Low, Level::Deny, Enforcement::Hard),
            ],
            ..Default::default()
        };
        let v = decide(
            &evaluation,
            vec![],
            &[],
            Options {
                fail_on: Severity::High,
            },
        );
        let blocking = v.by_severity(|j| j.blocking);
        assert_eq!(blocking.get(&Severity::Critical), Some(&2));
        assert_eq!(blocking.get(&Severity::Low), None);
        assert_eq!(v.blocking().count(), 2);
    }
}
