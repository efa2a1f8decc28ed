//! The verdict: findings judged against `--fail-on`, `--strict`, each rule's enforcement,
//! the waivers and the baseline, plus the exit status. It is final before any output is
//! written; emitters only read it. Deciding is pure: waivers, baseline and the time come in
//! as values, so the same inputs always give the same verdict.

pub mod baseline;
pub mod controls;
pub mod sla;
pub mod waiver;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Error;
use crate::model::Report;
use crate::model::ReportKind;
use crate::model::{Enforcement, Rule};
use crate::model::{Finding, Level, Severity};
use crate::policy::Evaluation;
use crate::verdict::baseline::{Baseline, BaselineFinding};
use crate::verdict::waiver::Waiver;

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
    /// The name outputs and the ledger use: `pass`, `fail`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitStatus::Pass => "pass",
            ExitStatus::Fail => "fail",
            ExitStatus::Error => "error",
        }
    }

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

/// Why a finding blocks the gate or does not. The variants are listed in the order they are
/// decided: the first that applies wins (see [`decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Its rule is `advisory`: reported, never blocks.
    Advisory,
    /// A `warn` finding without `--strict`.
    Warning,
    /// Below `--fail-on`.
    BelowThreshold,
    /// Would block, but an active waiver accepts it (the waiver is in [`Judged::waiver`]).
    Waived,
    /// Would block, but its fingerprint is in the baseline: an existing finding.
    Baseline,
    /// Would block, but it has been open in the ledger for less than its SLA days.
    WithinSla,
    /// Blocks the gate (if the ledger gives it SLA days, it is overdue).
    Blocking,
}

impl Disposition {
    /// The name outputs use (`"status"` in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Advisory => "advisory",
            Disposition::Warning => "warning",
            Disposition::BelowThreshold => "below_threshold",
            Disposition::Waived => "waived",
            Disposition::Baseline => "baseline",
            Disposition::WithinSla => "within_sla",
            Disposition::Blocking => "blocking",
        }
    }
}

/// Whether a finding was already in the baseline. Absent when no baseline was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineMark {
    /// Not in the baseline.
    New,
    /// Its fingerprint is in the baseline.
    Existing,
}

/// A finding, whether it blocks the gate, and why.
#[derive(Debug, Clone)]
pub struct Judged {
    pub finding: Finding,
    /// `disposition == Disposition::Blocking`, kept as a field because every output asks.
    pub blocking: bool,
    pub disposition: Disposition,
    /// The first active waiver (in file order) that matches the finding, whether or not the
    /// finding would have blocked without it.
    pub waiver: Option<Arc<Waiver>>,
    /// `None` when no baseline was given.
    pub baseline: Option<BaselineMark>,
    /// First seen, age and due date; `None` when the run keeps no ledger.
    pub aging: Option<sla::Aging>,
}

impl Judged {
    /// Blocking because it is past its SLA.
    pub fn overdue(&self) -> bool {
        self.blocking && self.aging.is_some_and(|a| a.overdue)
    }
}

/// What became of a waiver in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// In force and matching at least one finding.
    Active,
    /// Past its `expires` day: it no longer applies, whatever it matches.
    Expired,
    /// In force but matching no finding (or naming a rule that is not loaded).
    Unused,
}

/// A waiver and what became of it.
#[derive(Debug, Clone)]
pub struct WaiverStatus {
    pub waiver: Arc<Waiver>,
    pub state: WaiverState,
    /// Findings the waiver matches; for an expired waiver, the ones it would match.
    pub matched: usize,
    /// False when no loaded rule has the waiver's rule id.
    pub rule_loaded: bool,
}

impl WaiverStatus {
    /// One sentence for an expired or unused waiver, for standard error and the human
    /// output; `None` for an active one.
    pub fn note(&self) -> Option<String> {
        let w = &self.waiver;
        let which = format!("waiver for {} on {} ({})", w.rule, w.resource, w.location());
        match self.state {
            WaiverState::Active => None,
            WaiverState::Expired => Some(match self.matched {
                0 => format!("{which} expired on {}; it no longer applies", w.expires),
                n => format!(
                    "{which} expired on {}; it no longer applies to the {n} finding{} it matches",
                    w.expires,
                    if n == 1 { "" } else { "s" }
                ),
            }),
            WaiverState::Unused if !self.rule_loaded => Some(format!(
                "{which} matched no finding: no rule {} is loaded",
                w.rule
            )),
            WaiverState::Unused => Some(format!(
                "{which} matched no finding; remove it if the finding is fixed"
            )),
        }
    }
}

/// How the findings compare with the baseline.
#[derive(Debug, Clone)]
pub struct BaselineSummary {
    /// The baseline file, as given.
    pub file: String,
    /// Findings whose fingerprint is not in the baseline.
    pub new: usize,
    /// Findings whose fingerprint is in the baseline.
    pub existing: usize,
    /// Baseline findings of rules that ran this time and found nothing with that
    /// fingerprint. Findings of rules that did not run are not counted as fixed.
    pub fixed: Vec<BaselineFinding>,
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
    /// When the evidence was fetched (Unix ms): known for live sources and saved evidence.
    /// Shown by `-o html`; left out of `-o json`, whose v1 report entries do not carry it.
    #[serde(skip)]
    pub fetched_at: Option<i64>,
}

/// An error as data, for outputs (the diagnostic itself goes to standard error): a policy
/// error (with its rule and subject), or an error of the run itself (no rule): a source
/// that could not be fetched, a report that could not be read, an incident that could not
/// be sent.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorSummary {
    pub code: String,
    pub rule: Option<String>,
    pub subject: Option<String>,
    pub message: String,
}

impl ErrorSummary {
    /// The data of an error.
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
            other => {
                // A count alone ("2 of 9 policies could not be loaded") or a "cannot read"
                // does not say why: add each distinct cause (the related diagnostics, the
                // source chain) the message does not already hold.
                let text = other.to_string();
                let mut causes: Vec<String> = Vec::new();
                let mut chain = std::error::Error::source(other);
                let sources = std::iter::from_fn(|| {
                    let this = chain?;
                    chain = this.source();
                    Some(this.to_string())
                });
                for cause in miette::Diagnostic::related(other)
                    .into_iter()
                    .flatten()
                    .map(|e| e.to_string())
                    .chain(sources)
                {
                    if !causes.contains(&cause) && !text.contains(&cause) {
                        causes.push(cause);
                    }
                }
                // A few are enough to say why; hundreds of failed tickets would make every
                // output's error line enormous.
                const SHOWN: usize = 3;
                let more = causes.len().saturating_sub(SHOWN);
                causes.truncate(SHOWN);
                if more > 0 {
                    causes.push(format!("and {more} more"));
                }
                if causes.is_empty() {
                    text
                } else {
                    format!("{text}: {}", causes.join("; "))
                }
            }
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
///
/// `status` is the run's one outcome, and every output renders it: [`decide`] sets it from
/// the findings and the policy errors, and `Verdict::fail_with` turns it to `Error` for
/// what goes wrong after deciding (incidents that could not be sent). A run that could not
/// get as far as deciding has an `Verdict::undecided` verdict, so its outputs are still
/// written and say why.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: ExitStatus,
    /// False for an `Verdict::undecided` run: nothing was evaluated, so the empty
    /// findings say nothing about compliance.
    pub evaluated: bool,
    /// `--no-fail`: a failed gate exits 0 (see [`Verdict::exit_code`]).
    pub no_fail: bool,
    pub fail_on: Severity,
    /// Findings sorted by rule id, then in report and resource order.
    pub findings: Vec<Judged>,
    /// Every rule that ran, sorted by id.
    pub rules: Vec<Arc<Rule>>,
    pub reports: Vec<ReportSummary>,
    /// The errors that kept the gate from deciding: policy errors (a few per rule) and the
    /// run's own (no rule). `error_count` counts all of them, listed or not.
    pub errors: Vec<ErrorSummary>,
    pub error_count: usize,
    /// What the user should know but does not change the outcome: a `[params]` value no
    /// policy reads, an incident that failed under `best_effort`.
    pub warnings: Vec<String>,
    /// `--strict`: warnings were judged like denials.
    pub strict: bool,
    /// Every waiver read, in file order, with what became of it.
    pub waivers: Vec<WaiverStatus>,
    /// `None` when no baseline was given.
    pub baseline: Option<BaselineSummary>,
    /// `None` when the run keeps no ledger.
    pub ledger: Option<sla::LedgerSummary>,
}

/// How findings are judged.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Findings at or above this severity block.
    pub fail_on: Severity,
    /// Judge `warn` findings like `deny` ones.
    pub strict: bool,
    /// The time waivers' expiry is judged at (`--now`, or the time the run started).
    pub now: DateTime<Utc>,
    /// `--no-fail`: a failed gate exits 0.
    pub no_fail: bool,
}

/// Judge every finding and decide the status.
///
/// Each finding gets the first disposition that applies, in this order: its rule is
/// advisory; it is a warning (unless `strict`); it is below `fail_on`; an active waiver
/// matches it; its fingerprint is in the baseline; otherwise it blocks. A waiver is counted
/// as used by every finding it matches, including ones that would not have blocked anyway.
pub fn decide(
    evaluation: &Evaluation,
    rules: Vec<Arc<Rule>>,
    reports: &[Arc<Report>],
    options: Options,
    waivers: &[Arc<Waiver>],
    baseline: Option<&Baseline>,
) -> Verdict {
    decide_with_ledger(evaluation, rules, reports, options, waivers, baseline, None)
}

/// [`decide`] with the ledger: each finding is aged from its first-seen time, and one
/// that would block but is within its SLA days is [`Disposition::WithinSla`] instead.
pub fn decide_with_ledger(
    evaluation: &Evaluation,
    rules: Vec<Arc<Rule>>,
    reports: &[Arc<Report>],
    options: Options,
    waivers: &[Arc<Waiver>],
    baseline: Option<&Baseline>,
    ledger: Option<&sla::LedgerView>,
) -> Verdict {
    let now = options.now.timestamp_millis();
    let active: Vec<bool> = waivers.iter().map(|w| w.is_active(options.now)).collect();
    // Only a finding's own rule's waivers are tried: findings × all waivers would be slow
    // on a large fleet with a long waivers file.
    let mut by_rule: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, w) in waivers.iter().enumerate() {
        by_rule.entry(w.rule.as_str()).or_default().push(i);
    }
    let mut matched = vec![0usize; waivers.len()];

    let findings: Vec<Judged> = evaluation
        .findings
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let mut waiver = None;
            for &i in by_rule.get(f.rule.id.as_str()).into_iter().flatten() {
                if waivers[i].matches(f) {
                    matched[i] += 1;
                    if active[i] && waiver.is_none() {
                        waiver = Some(Arc::clone(&waivers[i]));
                    }
                }
            }
            let mark = baseline.map(|b| {
                if b.contains(&f.fingerprint) {
                    BaselineMark::Existing
                } else {
                    BaselineMark::New
                }
            });
            let aging = ledger
                .map(|l| sla::Aging::of(f, l.first_seen.get(n).copied().flatten(), &l.sla, now));
            let disposition = judge(
                f,
                options,
                waiver.is_some(),
                mark == Some(BaselineMark::Existing),
                aging.is_some_and(|a| a.due.is_some() && !a.overdue),
            );
            Judged {
                finding: f.clone(),
                blocking: disposition == Disposition::Blocking,
                disposition,
                waiver,
                baseline: mark,
                aging,
            }
        })
        .collect();

    let loaded: HashSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let waivers = waivers
        .iter()
        .zip(matched)
        .zip(active)
        .map(|((w, matched), active)| WaiverStatus {
            state: match (active, matched) {
                (false, _) => WaiverState::Expired,
                (true, 0) => WaiverState::Unused,
                (true, _) => WaiverState::Active,
            },
            matched,
            rule_loaded: loaded.contains(w.rule.as_str()),
            waiver: Arc::clone(w),
        })
        .collect();

    let baseline = baseline.map(|b| {
        let current: HashSet<&str> = findings
            .iter()
            .map(|j| j.finding.fingerprint.as_str())
            .collect();
        let existing = findings
            .iter()
            .filter(|j| j.baseline == Some(BaselineMark::Existing))
            .count();
        BaselineSummary {
            file: b.file.clone(),
            new: findings.len() - existing,
            existing,
            fixed: b
                .findings
                .iter()
                .filter(|f| {
                    loaded.contains(f.rule.as_str()) && !current.contains(f.fingerprint.as_str())
                })
                .cloned()
                .collect(),
        }
    });
    let ledger = ledger.map(|l| sla::LedgerSummary {
        store: l.store.clone(),
        new: findings
            .iter()
            .filter(|j| j.aging.is_some_and(|a| a.new))
            .count(),
        overdue: findings.iter().filter(|j| j.overdue()).count(),
        within_sla: findings
            .iter()
            .filter(|j| j.disposition == Disposition::WithinSla)
            .count(),
        fixed: l.fixed.clone(),
        recorded: false,
        history: None,
    });
    let status = if evaluation.error_count > 0 {
        ExitStatus::Error
    } else if findings.iter().any(|j| j.blocking) {
        ExitStatus::Fail
    } else {
        ExitStatus::Pass
    };
    Verdict {
        status,
        evaluated: true,
        no_fail: options.no_fail,
        fail_on: options.fail_on,
        findings,
        rules,
        reports: reports
            .iter()
            .map(|r| ReportSummary {
                kind: r.kind,
                origin: r.origin.to_string(),
                resources: r.resources.len(),
                declared: r.declared,
                fetched_at: r.fetched_at,
            })
            .collect(),
        errors: evaluation.errors.iter().map(ErrorSummary::of).collect(),
        error_count: evaluation.error_count,
        warnings: Vec::new(),
        strict: options.strict,
        waivers,
        baseline,
        ledger,
    }
}

/// The precedence of [`decide`]. `hard` and `soft` rules are judged alike: `soft` only
/// documents that waivers are expected.
fn judge(
    finding: &Finding,
    options: Options,
    waived: bool,
    existing: bool,
    within_sla: bool,
) -> Disposition {
    if finding.rule.enforcement == Enforcement::Advisory {
        Disposition::Advisory
    } else if finding.level == Level::Warn && !options.strict {
        Disposition::Warning
    } else if finding.severity < options.fail_on {
        Disposition::BelowThreshold
    } else if waived {
        Disposition::Waived
    } else if existing {
        Disposition::Baseline
    } else if within_sla {
        Disposition::WithinSla
    } else {
        Disposition::Blocking
    }
}

/// Counts per severity, most severe first.
pub(crate) type SeverityCounts = BTreeMap<Severity, usize>;

impl Verdict {
    /// The verdict of a run that could not decide: no findings, the error that stopped it,
    /// and `Error` status. Its outputs still say what happened.
    pub(crate) fn undecided(options: Options, error: &Error) -> Self {
        Verdict {
            status: ExitStatus::Error,
            evaluated: false,
            no_fail: options.no_fail,
            fail_on: options.fail_on,
            findings: Vec::new(),
            rules: Vec::new(),
            reports: Vec::new(),
            errors: vec![ErrorSummary::of(error)],
            error_count: 1,
            warnings: Vec::new(),
            strict: options.strict,
            waivers: Vec::new(),
            baseline: None,
            ledger: None,
        }
    }

    /// Errors that arose after deciding (incidents that could not be sent): the gate's
    /// findings stand, but the run could not do what it was asked, so it ends in `Error`.
    pub(crate) fn fail_with(&mut self, errors: impl IntoIterator<Item = ErrorSummary>) {
        let before = self.errors.len();
        self.errors.extend(errors);
        let added = self.errors.len() - before;
        self.error_count += added;
        if added > 0 {
            self.status = ExitStatus::Error;
        }
    }

    /// The process exit code every output states: 2 when the run could not decide, 1 on
    /// a failed gate (0 with `--no-fail`), 0 on a passed one.
    pub fn exit_code(&self) -> u8 {
        self.exit_status().code()
    }

    /// [`Verdict::exit_code`] as a status.
    pub(crate) fn exit_status(&self) -> ExitStatus {
        match self.status {
            ExitStatus::Fail if self.no_fail => ExitStatus::Pass,
            status => status,
        }
    }

    /// How many of the errors are policy errors (the rest are the run's own).
    pub(crate) fn policy_error_count(&self) -> usize {
        let own = self.errors.iter().filter(|e| e.rule.is_none()).count();
        self.error_count - own
    }

    /// Why the run could not decide, in a few words: `2 policy error(s)`, or the run's
    /// own errors' messages.
    pub(crate) fn undecided_reason(&self) -> String {
        let mut parts = Vec::new();
        match self.policy_error_count() {
            0 => {}
            n => parts.push(format!("{n} policy error(s)")),
        }
        parts.extend(
            self.errors
                .iter()
                .filter(|e| e.rule.is_none())
                .map(|e| e.message.clone()),
        );
        parts.join("; ")
    }

    /// The findings in the order outputs that show only some of them keep them: most
    /// severe first, then by rule id, then in report and resource order.
    pub(crate) fn ranked(&self) -> Vec<&Judged> {
        self.ranked_indices()
            .into_iter()
            .map(|i| &self.findings[i])
            .collect()
    }

    /// [`Verdict::ranked`] as indexes into `findings`.
    pub(crate) fn ranked_indices(&self) -> Vec<usize> {
        let mut ranked: Vec<usize> = (0..self.findings.len()).collect();
        // Stable: the verdict's order (rule id, then report and resource) breaks ties.
        ranked.sort_by_key(|&i| std::cmp::Reverse(self.findings[i].finding.severity));
        ranked
    }

    /// Resources read across all reports.
    pub(crate) fn resource_count(&self) -> usize {
        self.reports.iter().map(|r| r.resources).sum()
    }

    /// The blocking findings.
    pub fn blocking(&self) -> impl Iterator<Item = &Judged> {
        self.findings.iter().filter(|j| j.blocking)
    }

    /// Counts by severity of the findings that match `filter`.
    pub(crate) fn by_severity(&self, filter: impl Fn(&Judged) -> bool) -> SeverityCounts {
        let mut counts = SeverityCounts::new();
        for j in self.findings.iter().filter(|j| filter(j)) {
            *counts.entry(j.finding.severity).or_default() += 1;
        }
        counts
    }

    /// How many findings have this disposition.
    pub fn count(&self, disposition: Disposition) -> usize {
        self.findings
            .iter()
            .filter(|j| j.disposition == disposition)
            .count()
    }

    /// The waivers that expired or matched nothing, for notes.
    pub(crate) fn stale_waivers(&self) -> impl Iterator<Item = &WaiverStatus> {
        self.waivers
            .iter()
            .filter(|w| w.state != WaiverState::Active)
    }

    /// Findings of one rule.
    pub(crate) fn findings_of<'a>(
        &'a self,
        rule: &'a str,
    ) -> impl Iterator<Item = &'a Judged> + 'a {
        self.findings
            .iter()
            .filter(move |j| j.finding.rule.id == rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Subject;
    use std::path::PathBuf;

    const NOW: &str = "2026-11-23T12:00:00Z";

    fn rule(id: &str, enforcement: Enforcement) -> Arc<Rule> {
        Arc::new(Rule {
            id: id.into(),
            title: "t".into(),
            severity: Severity::High,
            enforcement,
            sla_days: None,
            controls: Vec::new(),
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
            rule: rule("R", enforcement),
            severity,
            level,
            message: "m".into(),
            subject: Subject::Report {
                kind: ReportKind::CocPatch,
                origin: crate::model::ReportOrigin::File("r.json".into()),
            },
            properties: Default::default(),
            fingerprint: "f".into(),
            key: None,
        }
    }

    /// A deny finding of rule `R` on node `id` (named `web-ID`), fingerprinted by id.
    fn on(id: &str, severity: Severity, level: Level) -> Finding {
        Finding {
            subject: crate::verdict::waiver::tests::node(id, Some(&format!("web-{id}"))),
            fingerprint: crate::model::fingerprint::of("R", id, None),
            key: None,
            ..finding(severity, level, Enforcement::Hard)
        }
    }

    fn options(fail_on: Severity) -> Options {
        Options {
            fail_on,
            strict: false,
            now: DateTime::parse_from_rfc3339(NOW).unwrap().into(),
            no_fail: false,
        }
    }

    fn evaluation(findings: Vec<Finding>) -> Evaluation {
        Evaluation {
            findings,
            ..Default::default()
        }
    }

    fn waivers(text: &str) -> Vec<Arc<Waiver>> {
        crate::verdict::waiver::parse("w.toml", text).unwrap()
    }

    fn waiver(rule: &str, resource: &str, expires: &str) -> String {
        format!("[[waiver]]\nrule = \"{rule}\"\nresource = \"{resource}\"\nreason = \"accepted\"\nexpires = {expires}\n")
    }

    /// `decide` with rule `R` loaded, the given waivers and baseline.
    fn judge_all(
        findings: Vec<Finding>,
        options: Options,
        waivers_text: &str,
        baseline: Option<&Baseline>,
    ) -> Verdict {
        decide(
            &evaluation(findings),
            vec![rule("R", Enforcement::Hard)],
            &[],
            options,
            &waivers(waivers_text),
            baseline,
        )
    }

    fn dispositions(v: &Verdict) -> Vec<Disposition> {
        v.findings.iter().map(|j| j.disposition).collect()
    }

    fn baseline_of(fingerprints: &[(&str, &str)]) -> Baseline {
        let findings: Vec<serde_json::Value> = fingerprints
            .iter()
            .map(|(rule, id)| {
                serde_json::json!({
                    "rule": rule, "message": format!("{id} was bad"),
                    "fingerprint": crate::model::fingerprint::of(rule, id, None),
                    "resource": { "id": id },
                })
            })
            .collect();
        let doc = serde_json::json!({ "schema": "tollgate.result/v1", "findings": findings });
        crate::verdict::baseline::parse("base.json", &doc.to_string()).unwrap()
    }

    fn status(findings: Vec<Finding>, errors: usize, fail_on: Severity) -> ExitStatus {
        let evaluation = Evaluation {
            findings,
            errors: vec![],
            error_count: errors,
            calls: 1,
            ..Evaluation::default()
        };
        decide(&evaluation, vec![], &[], options(fail_on), &[], None).status
    }

    /// An error's summary says why (its causes), but only a few of them.
    #[test]
    fn error_summaries_carry_a_few_causes() {
        let failure = |n: usize| Error::Config {
            reason: format!("cause {n}"),
            hint: None,
        };
        let err = Error::Incidents {
            failed: 5,
            errors: (1..=5).map(failure).collect(),
        };
        assert_eq!(
            ErrorSummary::of(&err).message,
            "5 incident ticket or alarm action(s) failed: cause 1; cause 2; cause 3; and 2 more"
        );
        let err = Error::Read {
            what: "report",
            path: "r.json".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        };
        assert_eq!(
            ErrorSummary::of(&err).message,
            "cannot read report r.json: no such file"
        );
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
        let v = decide(&evaluation, vec![], &[], options(Severity::High), &[], None);
        let blocking = v.by_severity(|j| j.blocking);
        assert_eq!(blocking.get(&Severity::Critical), Some(&2));
        assert_eq!(blocking.get(&Severity::Low), None);
        assert_eq!(v.blocking().count(), 2);
        assert_eq!(v.count(Disposition::BelowThreshold), 1);
    }

    // Precedence, one rule at a time: advisory, warning, below threshold, waived, baseline,
    // blocking.

    #[test]
    fn advisory_comes_first_even_when_strict_and_waived() {
        let advisory = Finding {
            rule: rule("R", Enforcement::Advisory),
            ..on("i-1", Severity::Critical, Level::Warn)
        };
        let strict = Options {
            strict: true,
            ..options(Severity::Info)
        };
        let v = judge_all(
            vec![advisory],
            strict,
            &waiver("R", "i-1", "2026-12-31"),
            None,
        );
        assert_eq!(dispositions(&v), [Disposition::Advisory]);
        assert!(
            v.findings[0].waiver.is_some(),
            "the waiver is still recorded"
        );
        assert_eq!(
            v.waivers[0].state,
            WaiverState::Active,
            "and counts as used"
        );
        assert_eq!(v.status, ExitStatus::Pass);
    }

    #[test]
    fn warnings_do_not_block_unless_strict() {
        let warn = || on("i-1", Severity::High, Level::Warn);
        let v = judge_all(vec![warn()], options(Severity::High), "", None);
        assert_eq!(dispositions(&v), [Disposition::Warning]);
        assert_eq!(v.status, ExitStatus::Pass);
        let strict = Options {
            strict: true,
            ..options(Severity::High)
        };
        let v = judge_all(vec![warn()], strict, "", None);
        assert_eq!(dispositions(&v), [Disposition::Blocking]);
        assert_eq!(v.status, ExitStatus::Fail);
        assert!(v.strict);
        let low = on("i-1", Severity::Low, Level::Warn);
        let v = judge_all(vec![low], strict, "", None);
        assert_eq!(
            dispositions(&v),
            [Disposition::BelowThreshold],
            "strict warnings still meet the threshold"
        );
    }

    #[test]
    fn a_waiver_matching_only_a_warning_is_used() {
        let v = judge_all(
            vec![on("i-1", Severity::High, Level::Warn)],
            options(Severity::High),
            &waiver("R", "i-1", "2026-12-31"),
            None,
        );
        assert_eq!(dispositions(&v), [Disposition::Warning]);
        assert_eq!(v.waivers[0].state, WaiverState::Active);
        assert_eq!(v.waivers[0].matched, 1);
    }

    #[test]
    fn below_threshold_comes_before_waivers() {
        let v = judge_all(
            vec![on("i-1", Severity::Medium, Level::Deny)],
            options(Severity::High),
            &waiver("R", "i-1", "2026-12-31"),
            None,
        );
        assert_eq!(dispositions(&v), [Disposition::BelowThreshold]);
        assert_eq!(v.waivers[0].state, WaiverState::Active);
    }

    #[test]
    fn an_active_waiver_waives_by_id_name_or_glob() {
        for resource in ["i-1", "web-i-1", "web-*"] {
            let v = judge_all(
                vec![
                    on("i-1", Severity::High, Level::Deny),
                    on("j-2", Severity::High, Level::Deny),
                ],
                options(Severity::High),
                &waiver("R", resource, "2026-12-31"),
                None,
            );
            let expected = if resource == "web-*" {
                [Disposition::Waived, Disposition::Waived]
            } else {
                [Disposition::Waived, Disposition::Blocking]
            };
            assert_eq!(dispositions(&v), expected, "{resource}");
            assert_eq!(v.findings[0].waiver.as_ref().unwrap().resource, resource);
            assert_eq!(v.count(Disposition::Waived), v.waivers[0].matched);
        }
    }

    #[test]
    fn a_waiver_beats_the_baseline() {
        let base = baseline_of(&[("R", "i-1")]);
        let v = judge_all(
            vec![on("i-1", Severity::High, Level::Deny)],
            options(Severity::High),
            &waiver("R", "i-1", "2026-12-31"),
            Some(&base),
        );
        assert_eq!(dispositions(&v), [Disposition::Waived]);
        assert_eq!(v.findings[0].baseline, Some(BaselineMark::Existing));
    }

    #[test]
    fn waivers_last_through_their_expiry_day() {
        let text = [
            waiver("R", "i-1", "2026-11-23"),
            waiver("R", "i-2", "2026-11-22"),
        ]
        .concat();
        let v = judge_all(
            vec![
                on("i-1", Severity::High, Level::Deny),
                on("i-2", Severity::High, Level::Deny),
            ],
            options(Severity::High),
            &text,
            None,
        );
        assert_eq!(
            dispositions(&v),
            [Disposition::Waived, Disposition::Blocking]
        );
        assert_eq!(v.waivers[0].state, WaiverState::Active);
        assert_eq!(v.waivers[1].state, WaiverState::Expired);
        assert_eq!(v.waivers[1].matched, 1, "what it would have matched");
        assert!(v.findings[1].waiver.is_none());
        assert_eq!(
            v.waivers[1].note().unwrap(),
            "waiver for R on i-2 (w.toml:6) expired on 2026-11-22; it no longer applies to the 1 finding it matches"
        );
        assert_eq!(v.status, ExitStatus::Fail);
    }

    #[test]
    fn unused_waivers_are_reported() {
        let text = [
            waiver("R", "nothing-*", "2026-12-31"),
            waiver("GONE-1", "*", "2026-12-31"),
        ]
        .concat();
        let v = judge_all(
            vec![on("i-1", Severity::High, Level::Deny)],
            options(Severity::High),
            &text,
            None,
        );
        let states: Vec<_> = v.waivers.iter().map(|w| w.state).collect();
        assert_eq!(states, [WaiverState::Unused, WaiverState::Unused]);
        assert!(v.waivers[0].rule_loaded && !v.waivers[1].rule_loaded);
        assert_eq!(
            v.waivers[0].note().unwrap(),
            "waiver for R on nothing-* (w.toml:1) matched no finding; remove it if the finding is fixed"
        );
        assert!(v.waivers[1]
            .note()
            .unwrap()
            .ends_with("matched no finding: no rule GONE-1 is loaded"));
        assert_eq!(v.stale_waivers().count(), 2);
    }

    #[test]
    fn the_first_active_waiver_in_the_file_is_the_one_shown() {
        let text = [
            waiver("R", "i-*", "2026-01-01"),
            waiver("R", "web-i-1", "2026-12-31"),
            waiver("R", "i-1", "2027-06-30"),
        ]
        .concat();
        let v = judge_all(
            vec![on("i-1", Severity::High, Level::Deny)],
            options(Severity::High),
            &text,
            None,
        );
        assert_eq!(v.findings[0].waiver.as_ref().unwrap().line, 6);
        let matched: Vec<usize> = v.waivers.iter().map(|w| w.matched).collect();
        assert_eq!(matched, [1, 1, 1]);
        let states: Vec<_> = v.waivers.iter().map(|w| w.state).collect();
        assert_eq!(
            states,
            [
                WaiverState::Expired,
                WaiverState::Active,
                WaiverState::Active
            ]
        );
    }

    #[test]
    fn baseline_findings_are_existing_and_new_ones_block() {
        let base = baseline_of(&[("R", "i-1"), ("R", "i-gone"), ("OTHER", "i-9")]);
        let v = judge_all(
            vec![
                on("i-1", Severity::High, Level::Deny),
                on("i-2", Severity::High, Level::Deny),
                on("i-3", Severity::Low, Level::Deny),
            ],
            options(Severity::High),
            "",
            Some(&base),
        );
        assert_eq!(
            dispositions(&v),
            [
                Disposition::Baseline,
                Disposition::Blocking,
                Disposition::BelowThreshold
            ]
        );
        let marks: Vec<_> = v.findings.iter().map(|j| j.baseline).collect();
        assert_eq!(
            marks,
            [
                Some(BaselineMark::Existing),
                Some(BaselineMark::New),
                Some(BaselineMark::New)
            ]
        );
        let summary = v.baseline.as_ref().unwrap();
        assert_eq!((summary.new, summary.existing), (2, 1));
        let fixed: Vec<&str> = summary.fixed.iter().map(|f| f.resource.as_str()).collect();
        assert_eq!(fixed, ["i-gone"], "OTHER did not run, so i-9 is not fixed");
        assert_eq!(summary.file, "base.json");
        assert_eq!(v.status, ExitStatus::Fail);
    }

    #[test]
    fn only_existing_findings_pass_with_a_baseline() {
        let base = baseline_of(&[("R", "i-1")]);
        let v = judge_all(
            vec![on("i-1", Severity::Critical, Level::Deny)],
            options(Severity::High),
            "",
            Some(&base),
        );
        assert_eq!(v.status, ExitStatus::Pass);
        assert_eq!(v.count(Disposition::Baseline), 1);
    }

    #[test]
    fn without_a_baseline_nothing_is_marked() {
        let v = judge_all(
            vec![on("i-1", Severity::High, Level::Deny)],
            options(Severity::High),
            "",
            None,
        );
        assert_eq!(v.findings[0].baseline, None);
        assert!(v.baseline.is_none());
        assert!(v.waivers.is_empty());
    }

    #[test]
    fn the_ledger_ages_findings_and_sla_comes_after_waivers_and_baselines() {
        use crate::verdict::sla::{LedgerView, Sla, DAY_MS};
        let now = options(Severity::High).now.timestamp_millis();
        let mut seven_days = on("i-rule-days", Severity::High, Level::Deny);
        seven_days.rule = Arc::new(Rule {
            sla_days: Some(7),
            ..(*rule("R", Enforcement::Hard)).clone()
        });
        let findings = vec![
            on("i-new", Severity::Critical, Level::Deny), // new: due in 15 days
            on("i-old", Severity::Critical, Level::Deny), // 20 days open: overdue
            on("i-waived", Severity::Critical, Level::Deny), // 20 days open, but waived
            on("i-low", Severity::Low, Level::Deny),      // below fail-on: no SLA matters
            on("i-nodays", Severity::High, Level::Deny),  // high has no [sla] days: blocks
            seven_days,                                   // 10 days open, its rule says 7
        ];
        let view = LedgerView {
            store: "s.db".into(),
            first_seen: vec![
                None,
                Some(now - 20 * DAY_MS),
                Some(now - 20 * DAY_MS),
                None,
                Some(now - DAY_MS),
                Some(now - 10 * DAY_MS),
            ],
            sla: Sla {
                days: [(Severity::Critical, 15)].into_iter().collect(),
            },
            fixed: Vec::new(),
        };
        let w = waivers(&waiver("R", "i-waived", "2099-01-01"));
        let verdict = decide_with_ledger(
            &evaluation(findings),
            vec![rule("R", Enforcement::Hard)],
            &[],
            options(Severity::High),
            &w,
            None,
            Some(&view),
        );
        let got: Vec<(Disposition, bool)> = verdict
            .findings
            .iter()
            .map(|j| (j.disposition, j.overdue()))
            .collect();
        assert_eq!(
            got,
            [
                (Disposition::WithinSla, false),
                (Disposition::Blocking, true),
                (Disposition::Waived, false),
                (Disposition::BelowThreshold, false),
                (Disposition::Blocking, false),
                (Disposition::Blocking, true),
            ]
        );
        let new = verdict.findings[0].aging.unwrap();
        assert!(new.new && new.age_days == 0);
        assert_eq!(new.due, Some(now + 15 * DAY_MS));
        assert_eq!(
            verdict.findings[5].aging.unwrap().due,
            Some(now - 3 * DAY_MS)
        );
        assert_eq!(verdict.findings[4].aging.unwrap().due, None);
        let l = verdict.ledger.as_ref().unwrap();
        assert_eq!((l.new, l.overdue, l.within_sla), (2, 2, 1));
        assert_eq!(verdict.status, ExitStatus::Fail);
    }
}
