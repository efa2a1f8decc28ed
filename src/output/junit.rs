//! `-o junit`: JUnit XML, as GitLab, Jenkins, Azure DevOps and dorny/test-reporter read it
//! (the de-facto schema of Ant's JUnit task), written with the junit-report crate. One
//! testsuite per rule (`ID: title`); one testcase per finding — a failure, or skipped
//! when a waiver accepts it — and one passing testcase when a rule found nothing. Policy
//! errors are `error` testcases, so a run that could not decide shows red too.

use std::io::{self, Write};

use junit_report::{Duration, OffsetDateTime, ReportBuilder, TestCaseBuilder, TestSuiteBuilder};

use super::{display_path, thousands, Context};
use crate::finding::Subject;
use crate::verdict::{Disposition, Verdict};

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    // The gate's time, not the clock's: the same result gives the same document.
    let timestamp = chrono::DateTime::parse_from_rfc3339(&cx.generated_at)
        .ok()
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.timestamp()).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut report = ReportBuilder::new();
    let tickets = cx
        .incidents
        .as_ref()
        .map(|r| r.by_finding())
        .unwrap_or_default();
    for rule in &verdict.rules {
        let mut suite = TestSuiteBuilder::new(&format!("{}: {}", rule.id, rule.title));
        suite.set_timestamp(timestamp);
        let mut cases = 0usize;
        for j in verdict.findings_of(&rule.id) {
            let f = &j.finding;
            let (name, file) = match &f.subject {
                Subject::Resource(r) => {
                    let mut name = format!("{} {}", r.kind(), r.label());
                    if r.label() != r.id {
                        name.push_str(&format!(" ({})", r.id));
                    }
                    (name, display_path(cx.base_dir.as_deref(), &r.origin.file))
                }
                Subject::Report { kind, name } => (
                    format!("{kind} report {name}"),
                    display_path(cx.base_dir.as_deref(), name),
                ),
            };
            let name = match &f.key {
                Some(key) => format!("{name} [{key}]"),
                None => name,
            };
            let mut case = match (&j.waiver, j.disposition) {
                (Some(w), Disposition::Waived) => {
                    let mut c = TestCaseBuilder::skipped(&name);
                    c.set_system_out(&format!(
                        "waived: {} (owner {}, until {}, {})\n{}",
                        w.reason,
                        w.owner.as_deref().unwrap_or("none"),
                        w.expires,
                        w.location(),
                        f.message
                    ));
                    c
                }
                _ => {
                    let mut c = TestCaseBuilder::failure(
                        &name,
                        Duration::ZERO,
                        j.disposition.as_str(),
                        &f.message,
                    );
                    let mut trace = details(j, &file);
                    for record in tickets.get(f.fingerprint.as_str()).into_iter().flatten() {
                        trace.push_str(&format!("\nincident: {}", record.summary()));
                    }
                    c.set_trace(&trace);
                    c
                }
            };
            case.set_classname(&rule.id);
            case.set_filepath(&file);
            suite.add_testcase(case.build());
            cases += 1;
        }
        for e in verdict
            .errors
            .iter()
            .filter(|e| e.rule.as_deref() == Some(rule.id.as_str()))
        {
            let name = e.subject.clone().unwrap_or_else(|| "policy".into());
            let mut case = TestCaseBuilder::error(&name, Duration::ZERO, &e.code, &e.message);
            case.set_classname(&rule.id);
            case.set_filepath(&rule.file.display().to_string());
            suite.add_testcase(case.build());
            cases += 1;
        }
        if cases == 0 {
            let checked = applicable(verdict, rule);
            let mut case = TestCaseBuilder::success(
                &format!("{} resources compliant", thousands(checked)),
                Duration::ZERO,
            );
            case.set_classname(&rule.id);
            case.set_filepath(&rule.file.display().to_string());
            suite.add_testcase(case.build());
        }
        report.add_testsuite(suite.build());
    }
    // Errors that belong to no rule (there are none today, but never drop one).
    let orphans: Vec<_> = verdict.errors.iter().filter(|e| e.rule.is_none()).collect();
    if !orphans.is_empty() {
        let mut suite = TestSuiteBuilder::new("tollgate");
        suite.set_timestamp(timestamp);
        for e in orphans {
            let mut case = TestCaseBuilder::error(&e.code, Duration::ZERO, &e.code, &e.message);
            case.set_classname("tollgate");
            suite.add_testcase(case.build());
        }
        report.add_testsuite(suite.build());
    }
    report.build().write_xml(out).map_err(io::Error::other)
}

/// The resource details of a failure: what, where, and why it does (not) block.
fn details(j: &crate::verdict::Judged, file: &str) -> String {
    let f = &j.finding;
    let mut lines = vec![
        format!("rule: {} [{}]", f.rule.id, f.severity),
        format!("status: {}", j.disposition.as_str()),
    ];
    if let Subject::Resource(r) = &f.subject {
        lines.push(format!("resource: {} {} ({})", r.kind(), r.label(), r.id));
        lines.extend(r.group.as_ref().map(|g| format!("group: {g}")));
        lines.extend(r.region.as_ref().map(|g| format!("region: {g}")));
        lines.push(format!(
            "location: {file}:{}:{} ({})",
            r.origin.line, r.origin.column, r.origin.pointer
        ));
    }
    lines.push(format!("fingerprint: {}", f.fingerprint));
    lines.join("\n")
}

/// How many resources a rule looked at: the resources of the reports holding a kind it
/// applies to. A compliance-pack report with its sheet's rows counts the pack too, one
/// resource more than a `pack_result` rule saw.
fn applicable(verdict: &Verdict, rule: &crate::policy::Rule) -> usize {
    verdict
        .reports
        .iter()
        .filter(|r| r.kind.resource_kinds().iter().any(|k| rule.applies_to(*k)))
        .map(|r| r.resources)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{empty_verdict, render, sample_verdict};
    use crate::output::Format;

    #[test]
    fn sample() {
        insta::assert_snapshot!(render(Format::Junit, &sample_verdict()));
    }

    #[test]
    fn empty() {
        insta::assert_snapshot!(render(Format::Junit, &empty_verdict()));
    }

    /// Parsed back, the document's counts are the result's.
    #[test]
    fn counts_match_the_result() {
        let verdict = sample_verdict();
        let xml = render(Format::Junit, &verdict);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), verdict.rules.len());
        let attr =
            |n: &roxmltree::Node, a: &str| -> usize { n.attribute(a).unwrap().parse().unwrap() };
        for (suite, rule) in suites.iter().zip(&verdict.rules) {
            let findings: Vec<_> = verdict.findings_of(&rule.id).collect();
            let waived = findings
                .iter()
                .filter(|j| j.disposition == Disposition::Waived)
                .count();
            let errors = verdict
                .errors
                .iter()
                .filter(|e| e.rule.as_deref() == Some(rule.id.as_str()))
                .count();
            let cases = suite
                .children()
                .filter(|n| n.has_tag_name("testcase"))
                .count();
            assert_eq!(
                suite.attribute("name").unwrap(),
                format!("{}: {}", rule.id, rule.title)
            );
            assert_eq!(attr(suite, "tests"), cases);
            assert_eq!(attr(suite, "failures"), findings.len() - waived);
            let skipped = suite
                .descendants()
                .filter(|n| n.has_tag_name("skipped"))
                .count();
            assert_eq!(skipped, waived);
            assert_eq!(attr(suite, "errors"), errors);
            let expected = (findings.len() + errors).max(1);
            assert_eq!(cases, expected, "{}", rule.id);
        }
        // Every failure names its message and has resource details.
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert!(failure.attribute("message").is_some());
        let case = failure.parent().unwrap();
        assert!(case.attribute("classname").is_some() && case.attribute("file").is_some());
    }
}
