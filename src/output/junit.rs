//! `-o junit`: JUnit XML, as GitLab, Jenkins, Azure DevOps and dorny/test-reporter read it
//! (the de-facto schema of Ant's JUnit task), written with the junit-report crate.
//!
//! A failure means "this blocks the gate", and nothing else does: a passing gate has no
//! failures and no errors, a failing one exactly as many failures as blocking findings.
//! One testsuite per rule (`ID: title`), one testcase per finding:
//!
//! - blocking: a `failure`;
//! - waived or in the baseline: `skipped`, the reason in the skip's message;
//! - open but not blocking (a warning, an advisory rule, below `--fail-on`): a passing
//!   testcase with the finding in `system-out`, so it stays readable without turning the
//!   build red or unstable;
//! - a policy error: an `error` testcase;
//! - a rule that found nothing: one passing testcase.
//!
//! A last `tollgate` suite states the run's outcome in its `system-out` (verdict, exit code,
//! blocking count) and holds the run's own errors (a source that could not be fetched, an
//! incident that could not be sent) as `error` testcases, so a run that could not decide
//! shows red too.

use std::io::{self, Write};

use junit_report::{Duration, OffsetDateTime, ReportBuilder, TestCaseBuilder, TestSuiteBuilder};

use super::human::verdict_line;
use super::{thousands, Context};
use crate::fsx::display_path;
use crate::model::Subject;
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
                    if r.label() != r.id() {
                        name.push_str(&format!(" ({})", r.id()));
                    }
                    (
                        name,
                        display_path(cx.base_dir.as_deref(), r.origin.file().name()),
                    )
                }
                Subject::Report { kind, origin: name } => (
                    format!("{kind} report {name}"),
                    display_path(cx.base_dir.as_deref(), name.name()),
                ),
            };
            let name = match &f.key {
                Some(key) => format!("{name} [{key}]"),
                None => name,
            };
            let mut details = details(j, &file);
            for record in tickets.get(f.fingerprint.as_str()).into_iter().flatten() {
                details.push_str(&format!("\nincident: {}", record.summary()));
            }
            let mut case = match (j.disposition, &j.waiver) {
                (Disposition::Blocking, _) => {
                    let mut c = TestCaseBuilder::failure(
                        &name,
                        Duration::ZERO,
                        j.disposition.as_str(),
                        &f.message,
                    );
                    c.set_trace(&details);
                    c
                }
                (Disposition::Waived, Some(w)) => {
                    let mut c = TestCaseBuilder::skipped_with_cause(
                        &name,
                        "waived",
                        &format!(
                            "waived: {} (owner {}, until {}, {})",
                            w.reason,
                            w.owner.as_deref().unwrap_or("none"),
                            w.expires,
                            w.location()
                        ),
                    );
                    c.set_system_out(&format!("{}\n{details}", f.message));
                    c
                }
                (Disposition::Baseline, _) => {
                    let from = verdict.baseline.as_ref().map_or("", |b| b.file.as_str());
                    let mut c = TestCaseBuilder::skipped_with_cause(
                        &name,
                        "baseline",
                        &format!("existing: already in the baseline {from}"),
                    );
                    c.set_system_out(&format!("{}\n{details}", f.message));
                    c
                }
                (other, _) => {
                    // Open but not blocking: visible, and green.
                    let mut c = TestCaseBuilder::success(&name, Duration::ZERO);
                    c.set_system_out(&format!(
                        "not blocking ({}): {}\n{details}",
                        other.as_str().replace('_', " "),
                        f.message
                    ));
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
    // The run's outcome, and its own errors (those that belong to no rule).
    let mut suite = TestSuiteBuilder::new("tollgate");
    suite.set_timestamp(timestamp);
    suite.set_system_out(&format!(
        "verdict: {}\nexit_code: {}\nblocking: {}\nerrors: {}\n{}",
        status_name(verdict),
        verdict.exit_code(),
        verdict.blocking().count(),
        verdict.error_count,
        verdict_line(verdict)
    ));
    for e in verdict.errors.iter().filter(|e| e.rule.is_none()) {
        let mut case = TestCaseBuilder::error(&e.code, Duration::ZERO, &e.code, &e.message);
        case.set_classname("tollgate");
        suite.add_testcase(case.build());
    }
    report.add_testsuite(suite.build());
    report.build().write_xml(out).map_err(io::Error::other)
}

/// `pass`, `fail` or `error`, as `-o json` names the verdict.
fn status_name(verdict: &Verdict) -> &'static str {
    match verdict.status {
        crate::verdict::ExitStatus::Pass => "pass",
        crate::verdict::ExitStatus::Fail => "fail",
        crate::verdict::ExitStatus::Error => "error",
    }
}

/// The resource details of a finding: what, where, and why it does (not) block.
fn details(j: &crate::verdict::Judged, file: &str) -> String {
    let f = &j.finding;
    let mut lines = vec![
        format!("rule: {} [{}]", f.rule.id, f.severity),
        format!("status: {}", j.disposition.as_str()),
    ];
    if let Subject::Resource(r) = &f.subject {
        lines.push(format!("resource: {} {} ({})", r.kind(), r.label(), r.id()));
        lines.extend(r.group().as_ref().map(|g| format!("group: {g}")));
        lines.extend(r.region().as_ref().map(|g| format!("region: {g}")));
        lines.push(format!(
            "location: {file}:{}:{} ({})",
            r.origin.line,
            r.origin.column,
            r.origin.pointer()
        ));
    }
    lines.push(format!("fingerprint: {}", f.fingerprint));
    lines.join("\n")
}

/// How many resources a rule looked at: the resources of the reports holding a kind it
/// applies to. A compliance-pack report with its sheet's rows counts the pack too, one
/// resource more than a `pack_result` rule saw.
fn applicable(verdict: &Verdict, rule: &crate::model::Rule) -> usize {
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

    /// Parsed back, the document's counts are the result's: a failure for each blocking
    /// finding and for nothing else, a skip for each waived or existing one, an error for
    /// each policy error.
    #[test]
    fn counts_match_the_result() {
        for verdict in [sample_verdict(), crate::output::tests::baselined_verdict()] {
            let xml = render(Format::Junit, &verdict);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let suites: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("testsuite"))
                .collect();
            assert_eq!(
                suites.len(),
                verdict.rules.len() + 1,
                "a suite per rule and the run's"
            );
            let attr = |n: &roxmltree::Node, a: &str| -> usize {
                n.attribute(a).unwrap().parse().unwrap()
            };
            for (suite, rule) in suites.iter().zip(&verdict.rules) {
                let findings: Vec<_> = verdict.findings_of(&rule.id).collect();
                let count = |d: &[Disposition]| {
                    findings
                        .iter()
                        .filter(|j| d.contains(&j.disposition))
                        .count()
                };
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
                assert_eq!(attr(suite, "failures"), count(&[Disposition::Blocking]));
                let skipped = suite
                    .descendants()
                    .filter(|n| n.has_tag_name("skipped"))
                    .count();
                assert_eq!(
                    skipped,
                    count(&[Disposition::Waived, Disposition::Baseline])
                );
                assert_eq!(attr(suite, "errors"), errors);
                let expected = (findings.len() + errors).max(1);
                assert_eq!(cases, expected, "{}", rule.id);
            }
            let total = |a: &str| suites.iter().map(|s| attr(s, a)).sum::<usize>();
            assert_eq!(total("failures"), verdict.blocking().count());
            assert_eq!(total("errors"), verdict.errors.len());
            // The run's suite states the outcome.
            let run = suites.last().unwrap();
            assert_eq!(run.attribute("name"), Some("tollgate"));
            let out = run
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .and_then(|n| n.text())
                .unwrap();
            assert!(
                out.contains(&format!("exit_code: {}", verdict.exit_code())),
                "{out}"
            );
        }
        // Every failure names its message and has resource details.
        let xml = render(Format::Junit, &sample_verdict());
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert!(failure.attribute("message").is_some());
        let case = failure.parent().unwrap();
        assert!(case.attribute("classname").is_some() && case.attribute("file").is_some());
    }

    /// The reproduction of the issue: a gate that passes has no failure and no error,
    /// whatever non-blocking findings it has.
    #[test]
    fn a_passing_gate_has_no_failures() {
        let verdict = crate::output::tests::passing_verdict();
        assert_eq!(verdict.status, crate::verdict::ExitStatus::Pass);
        assert!(!verdict.findings.is_empty(), "it has non-blocking findings");
        let xml = render(Format::Junit, &verdict);
        assert!(!xml.contains("<failure"), "{xml}");
        assert!(!xml.contains("<error"), "{xml}");
        assert!(xml.contains("not blocking (below threshold)"), "{xml}");
    }
}
