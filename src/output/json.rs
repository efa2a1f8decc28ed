//! `-o json`: the whole result as one JSON document, `"schema": "tollgate.result/v1"`.
//! Versioned so that machines (and `--baseline`) can rely on it: fields are added in
//! place, never renamed or removed, within v1. The schema is described in docs/output.md.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use super::Context;
use crate::model::incident::{Record, TicketRef};
use crate::model::{Level, Severity, Subject};
use crate::verdict::baseline::BaselineFinding;
use crate::verdict::waiver::Waiver;
use crate::verdict::{
    BaselineMark, Disposition, ErrorSummary, ExitStatus, Judged, ReportSummary, SeverityCounts,
    Verdict, WaiverState,
};

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    tool: Tool<'a>,
    generated_at: &'a str,
    verdict: ExitStatus,
    exit_code: u8,
    /// False when the run stopped before evaluating anything: the empty findings then say
    /// nothing about compliance.
    evaluated: bool,
    fail_on: Severity,
    summary: Summary<'a>,
    reports: &'a [ReportSummary],
    rules: Vec<RuleView<'a>>,
    /// Per framework control the rules name: passed, failed or not evaluated.
    controls: Vec<crate::verdict::controls::Control>,
    findings: Findings<'a>,
    errors: &'a [ErrorSummary],
    /// What the user should know that does not change the outcome.
    warnings: &'a [String],
    strict: bool,
    waivers: Vec<WaiverView<'a>>,
    baseline: Option<BaselineView<'a>>,
    /// Present when the run keeps a ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<LedgerView<'a>>,
    /// Present when `--incidents` was dry-run or on.
    #[serde(skip_serializing_if = "Option::is_none")]
    incidents: Option<&'a crate::model::incident::Report>,
    /// What the gate decided on, by digest (`tollgate verify` checks it).
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a crate::model::decision::Decision>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    reports: usize,
    resources: usize,
    rules: usize,
    findings: usize,
    blocking: usize,
    non_blocking: usize,
    errors: usize,
    by_severity: SeverityCounts,
    blocking_by_severity: SeverityCounts,
    by_rule: BTreeMap<&'a str, RuleCount>,
    /// Findings that would block but for a waiver.
    waived: usize,
    /// Findings that would block but for the baseline.
    baseline_existing: usize,
}

#[derive(Serialize, Default)]
struct RuleCount {
    findings: usize,
    blocking: usize,
}

#[derive(Serialize)]
struct RuleView<'a> {
    id: &'a str,
    title: &'a str,
    severity: Severity,
    enforcement: &'static str,
    applies_to: Vec<&'static str>,
    help: Option<&'a str>,
    description: Option<&'a str>,
    tags: &'a [String],
    controls: &'a [String],
    file: String,
    line: u32,
}

#[derive(Serialize)]
struct FindingView<'a> {
    rule: &'a str,
    severity: Severity,
    level: Level,
    blocking: bool,
    message: &'a str,
    fingerprint: &'a str,
    /// The framework controls of its rule.
    controls: &'a [String],
    resource: ResourceView<'a>,
    location: Option<Location<'a>>,
    properties: &'a serde_json::Map<String, serde_json::Value>,
    status: &'static str,
    waiver: Option<WaiverRef<'a>>,
    baseline: Option<BaselineMark>,
    /// First seen, age and due date, when the run keeps a ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<super::AgingView>,
    /// The tickets and alarms that cover this finding, when incidents ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    incidents: Vec<TicketRef<'a>>,
}

/// The run's ledger counts, and the findings it found fixed.
#[derive(Serialize)]
struct LedgerView<'a> {
    store: &'a str,
    recorded: bool,
    new: usize,
    overdue: usize,
    within_sla: usize,
    fixed: Vec<FixedView<'a>>,
}

#[derive(Serialize)]
struct FixedView<'a> {
    rule: &'a str,
    resource: &'a str,
    label: &'a str,
    severity: Severity,
    fingerprint: &'a str,
    first_seen: String,
}

/// The waiver that covers a finding.
#[derive(Serialize)]
struct WaiverRef<'a> {
    reason: &'a str,
    owner: Option<&'a str>,
    expires: String,
    file: &'a str,
    line: u32,
}

impl<'a> WaiverRef<'a> {
    fn of(w: &'a Waiver) -> Self {
        WaiverRef {
            reason: &w.reason,
            owner: w.owner.as_deref(),
            expires: w.expires.to_string(),
            file: &w.file,
            line: w.line,
        }
    }
}

/// A waiver read, and what became of it.
#[derive(Serialize)]
struct WaiverView<'a> {
    rule: &'a str,
    resource: &'a str,
    reason: &'a str,
    owner: Option<&'a str>,
    expires: String,
    file: &'a str,
    line: u32,
    status: WaiverState,
    matched: usize,
    note: Option<String>,
}

#[derive(Serialize)]
struct BaselineView<'a> {
    file: &'a str,
    new: usize,
    existing: usize,
    fixed: &'a [BaselineFinding],
}

#[derive(Serialize)]
struct ResourceView<'a> {
    kind: &'a str,
    provider: Option<&'a str>,
    source: &'a str,
    id: &'a str,
    name: Option<&'a str>,
    region: Option<&'a str>,
    group: Option<&'a str>,
    status: Option<&'a str>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    pointer: String,
}

/// The findings, serialized one at a time as they are written: a large result is never
/// held twice in memory.
struct Findings<'a> {
    list: &'a [Judged],
    /// Tickets by finding fingerprint.
    tickets: HashMap<&'a str, Vec<&'a Record>>,
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.list.iter().map(|j| {
            let mut view = finding(j);
            if let Some(records) = self.tickets.get(j.finding.fingerprint.as_str()) {
                view.incidents = records.iter().map(|r| TicketRef::of(r)).collect();
            }
            view
        }))
    }
}

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let doc = document(verdict, cx);
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}

fn document<'a>(verdict: &'a Verdict, cx: &'a Context) -> Document<'a> {
    let blocking = verdict.blocking().count();
    let mut by_rule: BTreeMap<&str, RuleCount> = verdict
        .rules
        .iter()
        .map(|r| (r.id.as_str(), RuleCount::default()))
        .collect();
    for j in &verdict.findings {
        let count = by_rule.entry(&j.finding.rule.id).or_default();
        count.findings += 1;
        count.blocking += usize::from(j.blocking);
    }
    Document {
        schema: crate::model::RESULT_SCHEMA,
        tool: Tool {
            name: "tollgate",
            version: &cx.version,
        },
        generated_at: &cx.generated_at,
        verdict: verdict.status,
        exit_code: verdict.exit_code(),
        evaluated: verdict.evaluated,
        fail_on: verdict.fail_on,
        summary: Summary {
            reports: verdict.reports.len(),
            resources: verdict.resource_count(),
            rules: verdict.rules.len(),
            findings: verdict.findings.len(),
            blocking,
            non_blocking: verdict.findings.len() - blocking,
            errors: verdict.error_count,
            by_severity: verdict.by_severity(|_| true),
            blocking_by_severity: verdict.by_severity(|j| j.blocking),
            by_rule,
            waived: verdict.count(Disposition::Waived),
            baseline_existing: verdict.count(Disposition::Baseline),
        },
        reports: &verdict.reports,
        rules: verdict
            .rules
            .iter()
            .map(|r| RuleView {
                id: &r.id,
                title: &r.title,
                severity: r.severity,
                enforcement: r.enforcement.as_str(),
                applies_to: r.applies_to.iter().map(|k| k.as_str()).collect(),
                help: r.help.as_deref(),
                description: r.description.as_deref(),
                tags: &r.tags,
                controls: &r.controls,
                file: r.file.display().to_string(),
                line: r.line,
            })
            .collect(),
        controls: verdict.controls(),
        findings: Findings {
            list: &verdict.findings,
            tickets: cx
                .incidents
                .as_ref()
                .map(|r| r.by_finding())
                .unwrap_or_default(),
        },
        errors: &verdict.errors,
        warnings: &verdict.warnings,
        strict: verdict.strict,
        waivers: verdict
            .waivers
            .iter()
            .map(|s| {
                let w = &s.waiver;
                WaiverView {
                    rule: &w.rule,
                    resource: &w.resource,
                    reason: &w.reason,
                    owner: w.owner.as_deref(),
                    expires: w.expires.to_string(),
                    file: &w.file,
                    line: w.line,
                    status: s.state,
                    matched: s.matched,
                    note: s.note(),
                }
            })
            .collect(),
        baseline: verdict.baseline.as_ref().map(|b| BaselineView {
            file: &b.file,
            new: b.new,
            existing: b.existing,
            fixed: &b.fixed,
        }),
        ledger: verdict.ledger.as_ref().map(|l| LedgerView {
            store: &l.store,
            recorded: l.recorded,
            new: l.new,
            overdue: l.overdue,
            within_sla: l.within_sla,
            fixed: l
                .fixed
                .iter()
                .map(|f| FixedView {
                    rule: &f.rule,
                    resource: &f.subject,
                    label: &f.label,
                    severity: f.severity,
                    fingerprint: &f.fingerprint,
                    first_seen: super::timestamp(f.first_seen),
                })
                .collect(),
        }),
        incidents: cx.incidents.as_ref(),
        decision: cx.decision.as_ref(),
    }
}

fn finding(j: &Judged) -> FindingView<'_> {
    let f = &j.finding;
    let (resource, location) = match &f.subject {
        Subject::Resource(r) => (
            ResourceView {
                kind: r.kind().as_str(),
                provider: r.provider(),
                source: r.source.id(),
                id: r.id(),
                name: r.name(),
                region: r.region(),
                group: r.group(),
                status: Some(r.status.as_str()),
            },
            Some(Location {
                file: r.origin.file().name(),
                line: r.origin.line,
                column: r.origin.column,
                pointer: r.origin.pointer(),
            }),
        ),
        Subject::Report { kind, origin: name } => (
            ResourceView {
                kind: "report",
                provider: kind.provider_name(),
                source: kind.id(),
                id: kind.id(),
                name: Some(name.name()),
                region: None,
                group: None,
                status: None,
            },
            None,
        ),
    };
    FindingView {
        rule: &f.rule.id,
        severity: f.severity,
        level: f.level,
        blocking: j.blocking,
        message: &f.message,
        fingerprint: &f.fingerprint,
        controls: &f.rule.controls,
        resource,
        location,
        properties: &f.properties,
        status: j.disposition.as_str(),
        waiver: j.waiver.as_deref().map(WaiverRef::of),
        baseline: j.baseline,
        ledger: j.aging.as_ref().map(super::AgingView::of),
        incidents: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::output::tests::{empty_verdict, render, sample_verdict};
    use crate::output::Format;

    #[test]
    fn sample() {
        let text = render(Format::Json, &sample_verdict());
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        insta::assert_json_snapshot!(json);
    }

    #[test]
    fn empty() {
        let json: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &empty_verdict())).unwrap();
        assert_eq!(json["schema"], "tollgate.result/v1");
        assert_eq!(json["verdict"], "pass");
        assert_eq!(json["findings"].as_array().unwrap().len(), 0);
        assert_eq!(
            json["summary"]["by_rule"]["T-CRIT"]["findings"], 0,
            "quiet rules are listed"
        );
    }

    #[test]
    fn counts_agree_with_findings() {
        let json: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &sample_verdict())).unwrap();
        let findings = json["findings"].as_array().unwrap();
        let blocking = findings.iter().filter(|f| f["blocking"] == true).count();
        assert_eq!(json["summary"]["findings"], findings.len());
        assert_eq!(json["summary"]["blocking"], blocking);
        assert_eq!(json["exit_code"], 2);
        assert_eq!(json["errors"][0]["code"], "tollgate::policy::runtime");
        for f in findings {
            assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
        }
        let waived = findings.iter().filter(|f| f["status"] == "waived").count();
        assert_eq!(json["summary"]["waived"], waived);
        assert_eq!(
            json["summary"]["non_blocking"],
            findings.len() - blocking,
            "waived findings are non-blocking"
        );
    }

    #[test]
    fn waivers_are_listed_and_marked_on_findings() {
        let json: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &sample_verdict())).unwrap();
        let waived = &json["findings"][2];
        assert_eq!(waived["status"], "waived");
        assert_eq!(waived["blocking"], false);
        assert_eq!(
            waived["waiver"],
            serde_json::json!({"reason": "Vendor fix pending, change CHG-1234", "owner": "dba-team",
                "expires": "2026-12-31", "file": "waivers.toml", "line": 1})
        );
        assert_eq!(waived["baseline"], serde_json::Value::Null);
        let statuses: Vec<&str> = json["waivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["active", "expired", "unused"]);
        assert_eq!(json["waivers"][1]["matched"], 1);
        assert_eq!(json["baseline"], serde_json::Value::Null);
    }

    #[test]
    fn baseline_marks_findings_and_lists_fixed_ones() {
        let json: serde_json::Value = serde_json::from_str(&render(
            Format::Json,
            &crate::output::tests::baselined_verdict(),
        ))
        .unwrap();
        let marks: Vec<(&str, &str)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["status"].as_str().unwrap(),
                    f["baseline"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("advisory", "new"),
                ("baseline", "existing"),
                ("blocking", "new"),
                ("warning", "new")
            ]
        );
        assert_eq!(json["summary"]["baseline_existing"], 1);
        assert_eq!(json["baseline"]["file"], "base.json");
        assert_eq!(json["baseline"]["new"], 3);
        assert_eq!(json["baseline"]["existing"], 1);
        assert_eq!(json["baseline"]["fixed"][0]["resource"], "i-z");
        assert_eq!(json["baseline"]["fixed"][0]["rule"], "T-HIGH");
    }
}
