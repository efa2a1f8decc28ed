//! `-o junit`: JUnit XML, as GitLab, Jenkins, Azure DevOps and dorny/test-reporter read it
//! (the de-facto schema of Ant's JUnit task).
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
//!
//! The document is written as it is produced, by [`Junit`]: a suite's counts are worked
//! out from the verdict first (its opening tag carries them), then its testcases go to the
//! output one at a time and are not kept. A gate with tens of thousands of findings never
//! holds its JUnit document, or a copy of its findings' text, in memory. `tollgate test -o
//! junit` (output/test_run.rs) is written by the same writer.

use std::io::{self, BufWriter, Write};
use std::time::Duration;

use super::human::verdict_line;
use super::{thousands, Context};
use crate::fsx::display_path;
use crate::model::incident::Record;
use crate::model::{Rule, Subject};
use crate::verdict::{Disposition, Judged, Verdict};

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    // The gate's time, not the clock's: the same result gives the same document.
    let stamp = timestamp(
        chrono::DateTime::parse_from_rfc3339(&cx.generated_at)
            .ok()
            .map(|t| t.timestamp()),
    );
    let tickets = cx
        .incidents
        .as_ref()
        .map(|r| r.by_finding())
        .unwrap_or_default();
    let mut doc = Junit::start(BufWriter::new(out))?;
    for rule in &verdict.rules {
        let rule_errors = || {
            verdict
                .errors
                .iter()
                .filter(|e| e.rule.as_deref() == Some(rule.id.as_str()))
        };
        // The counts first: they are attributes of the suite's opening tag.
        let (mut findings, mut failures) = (0usize, 0usize);
        for j in verdict.findings_of(&rule.id) {
            findings += 1;
            failures += usize::from(j.disposition == Disposition::Blocking);
        }
        let errors = rule_errors().count();
        let name = format!("{}: {}", rule.id, rule.title);
        let suite = Suite {
            name: &name,
            timestamp: &stamp,
            tests: (findings + errors).max(1),
            failures,
            errors,
            time: Duration::ZERO,
        };
        let policy_file = rule.file.display().to_string();
        doc.suite(&suite, None, |doc| {
            for j in verdict.findings_of(&rule.id) {
                finding(doc, j, rule, verdict, cx, &tickets)?;
            }
            for e in rule_errors() {
                doc.case(&Case {
                    name: e.subject.as_deref().unwrap_or("policy"),
                    time: Duration::ZERO,
                    classname: Some(&rule.id),
                    file: Some(&policy_file),
                    result: CaseResult::Error {
                        kind: &e.code,
                        message: &e.message,
                    },
                    system_out: None,
                })?;
            }
            if findings + errors == 0 {
                let checked = applicable(verdict, rule);
                doc.case(&Case {
                    name: &format!("{} resources compliant", thousands(checked)),
                    time: Duration::ZERO,
                    classname: Some(&rule.id),
                    file: Some(&policy_file),
                    result: CaseResult::Success,
                    system_out: None,
                })?;
            }
            Ok(())
        })?;
    }
    // The run's outcome, and its own errors (those that belong to no rule).
    let run_errors = || verdict.errors.iter().filter(|e| e.rule.is_none());
    let mut outcome = format!(
        "verdict: {}\nexit_code: {}\nblocking: {}\nerrors: {}\n{}",
        verdict.status.as_str(),
        verdict.exit_code(),
        verdict.blocking().count(),
        verdict.error_count,
        verdict_line(verdict)
    );
    if let Some(l) = &verdict.ledger {
        outcome.push_str(&format!(
            "\nnew: {}\nfixed: {}\noverdue: {}\nwithin_sla: {}",
            l.new,
            l.fixed.len(),
            l.overdue,
            l.within_sla
        ));
    }
    let errors = run_errors().count();
    let suite = Suite {
        name: "tollgate",
        timestamp: &stamp,
        tests: errors,
        failures: 0,
        errors,
        time: Duration::ZERO,
    };
    doc.suite(&suite, Some(&outcome), |doc| {
        for e in run_errors() {
            doc.case(&Case {
                name: &e.code,
                time: Duration::ZERO,
                classname: Some("tollgate"),
                file: None,
                result: CaseResult::Error {
                    kind: &e.code,
                    message: &e.message,
                },
                system_out: None,
            })?;
        }
        Ok(())
    })?;
    doc.finish()?.flush()
}

/// The testcase of one finding.
fn finding<W: Write>(
    doc: &mut Junit<W>,
    j: &Judged,
    rule: &Rule,
    verdict: &Verdict,
    cx: &Context,
    tickets: &std::collections::HashMap<&str, Vec<&Record>>,
) -> io::Result<()> {
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
    // The texts made for the case live here, for the case to borrow.
    let (reason, out);
    let (result, system_out) = match (j.disposition, &j.waiver) {
        (Disposition::Blocking, _) => (
            CaseResult::Failure {
                kind: j.disposition.as_str(),
                message: &f.message,
                trace: Some(&details),
            },
            None,
        ),
        (Disposition::Waived, Some(w)) => {
            reason = format!(
                "waived: {} (owner {}, until {}, {})",
                w.reason,
                w.owner.as_deref().unwrap_or("none"),
                w.expires,
                w.location()
            );
            out = format!("{}\n{details}", f.message);
            (
                CaseResult::Skipped {
                    kind: "waived",
                    message: &reason,
                },
                Some(&out),
            )
        }
        (Disposition::Baseline, _) => {
            let from = verdict.baseline.as_ref().map_or("", |b| b.file.as_str());
            reason = format!("existing: already in the baseline {from}");
            out = format!("{}\n{details}", f.message);
            (
                CaseResult::Skipped {
                    kind: "baseline",
                    message: &reason,
                },
                Some(&out),
            )
        }
        // Open but not blocking: visible, and green.
        (other, _) => {
            out = format!(
                "not blocking ({}): {}\n{details}",
                other.as_str().replace('_', " "),
                f.message
            );
            (CaseResult::Success, Some(&out))
        }
    };
    doc.case(&Case {
        name: &name,
        time: Duration::ZERO,
        classname: Some(&rule.id),
        file: Some(&file),
        result,
        system_out: system_out.map(String::as_str),
    })
}

/// `pass`, `fail` or `error`, as `-o json` names the verdict.
/// The resource details of a finding: what, where, and why it does (not) block.
fn details(j: &Judged, file: &str) -> String {
    let f = &j.finding;
    let mut lines = vec![
        format!("rule: {} [{}]", f.rule.id, f.severity),
        format!("status: {}", j.disposition.as_str()),
    ];
    if let Subject::Resource(r) = &f.subject {
        lines.push(format!("resource: {} {} ({})", r.kind(), r.label(), r.id()));
        lines.extend(r.group().map(|g| format!("group: {g}")));
        lines.extend(r.region().map(|g| format!("region: {g}")));
        lines.push(format!(
            "location: {file}:{}:{} ({})",
            r.origin.line,
            r.origin.column,
            r.origin.pointer()
        ));
    }
    lines.push(format!("fingerprint: {}", f.fingerprint));
    lines.extend(super::controls_note(&f.rule));
    lines.extend(super::aging_note(j).map(|note| format!("ledger: {note}")));
    lines.join("\n")
}

/// How many resources a rule looked at: the resources of the reports holding a kind it
/// applies to. A compliance-pack report with its sheet's rows counts the pack too, one
/// resource more than a `pack_result` rule saw.
fn applicable(verdict: &Verdict, rule: &Rule) -> usize {
    verdict
        .reports
        .iter()
        .filter(|r| rule.reads(r.kind))
        .map(|r| r.resources)
        .sum()
}

// ---------------------------------------------------------------------------------------
// The writer. The bytes are those of the junit-report crate (0.9), which wrote tollgate's
// JUnit before: no whitespace between elements; attributes in its order; an element with
// nothing inside written empty (`<testcase .../>`); attribute values with `<`, `>`, `&`,
// `'` and `"` escaped; texts (`system-out`, a failure's trace) as CDATA sections. Where
// junit-report wrote a document that was not XML (control characters, `]]>` in a text),
// this one differs: see [`characters`].

/// A JUnit document, written as it goes: the declaration and `<testsuites>` first, then
/// each suite's opening tag with its counts, its cases one at a time, and its closing tag.
pub(super) struct Junit<W: Write> {
    out: W,
    /// Suites written so far: the next one's `id`.
    suites: usize,
    /// Testcases written so far, to check each suite's `tests` count.
    cases: usize,
}

/// A testsuite's opening tag: its counts are known before its cases are written.
pub(super) struct Suite<'a> {
    pub name: &'a str,
    /// From [`timestamp`].
    pub timestamp: &'a str,
    /// How many testcases follow.
    pub tests: usize,
    /// How many of them are failures.
    pub failures: usize,
    /// How many of them are errors.
    pub errors: usize,
    /// The sum of the testcases' times.
    pub time: Duration,
}

/// One testcase.
pub(super) struct Case<'a> {
    pub name: &'a str,
    pub time: Duration,
    pub classname: Option<&'a str>,
    pub file: Option<&'a str>,
    pub result: CaseResult<'a>,
    pub system_out: Option<&'a str>,
}

/// How a testcase ended: the element inside it, if any.
pub(super) enum CaseResult<'a> {
    Success,
    /// `<failure type message>`, with the trace as its text.
    Failure {
        kind: &'a str,
        message: &'a str,
        trace: Option<&'a str>,
    },
    /// `<error type message/>`.
    Error {
        kind: &'a str,
        message: &'a str,
    },
    /// `<skipped type message/>`.
    Skipped {
        kind: &'a str,
        message: &'a str,
    },
}

impl<W: Write> Junit<W> {
    /// Write the XML declaration and open `<testsuites>`.
    pub(super) fn start(mut out: W) -> io::Result<Self> {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites")?;
        Ok(Junit {
            out,
            suites: 0,
            cases: 0,
        })
    }

    /// Write one testsuite: its opening tag from `suite`, then `cases`, which writes
    /// exactly `suite.tests` testcases with [`Junit::case`], then `system_out`.
    pub(super) fn suite(
        &mut self,
        suite: &Suite,
        system_out: Option<&str>,
        cases: impl FnOnce(&mut Self) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.suites == 0 {
            self.out.write_all(b">")?; // `<testsuites` has content
        }
        let o = &mut self.out;
        write!(o, "<testsuite id=\"{}\" name=\"", self.suites)?;
        attribute(o, suite.name)?;
        o.write_all(b"\" package=\"testsuite/")?;
        attribute(o, suite.name)?;
        write!(
            o,
            "\" tests=\"{}\" errors=\"{}\" failures=\"{}\" hostname=\"localhost\" timestamp=\"",
            suite.tests, suite.errors, suite.failures
        )?;
        attribute(o, suite.timestamp)?;
        write!(o, "\" time=\"{}\"", suite.time.as_secs_f64())?;
        self.suites += 1;
        if suite.tests == 0 && system_out.is_none() {
            return o.write_all(b"/>");
        }
        o.write_all(b">")?;
        let before = self.cases;
        cases(self)?;
        debug_assert_eq!(
            self.cases - before,
            suite.tests,
            "suite {:?} announced {} testcases",
            suite.name,
            suite.tests
        );
        if let Some(text) = system_out {
            self.text("system-out", text)?;
        }
        self.out.write_all(b"</testsuite>")
    }

    /// Write one testcase of the open suite.
    pub(super) fn case(&mut self, case: &Case) -> io::Result<()> {
        self.cases += 1;
        let o = &mut self.out;
        o.write_all(b"<testcase name=\"")?;
        attribute(o, case.name)?;
        write!(o, "\" time=\"{}\"", case.time.as_secs_f64())?;
        if let Some(classname) = case.classname {
            o.write_all(b" classname=\"")?;
            attribute(o, classname)?;
            o.write_all(b"\"")?;
        }
        if let Some(file) = case.file {
            o.write_all(b" file=\"")?;
            attribute(o, file)?;
            o.write_all(b"\"")?;
        }
        if matches!(case.result, CaseResult::Success) && case.system_out.is_none() {
            return o.write_all(b"/>");
        }
        o.write_all(b">")?;
        match case.result {
            CaseResult::Success => {}
            CaseResult::Failure {
                kind,
                message,
                trace,
            } => self.outcome("failure", kind, message, trace)?,
            CaseResult::Error { kind, message } => self.outcome("error", kind, message, None)?,
            CaseResult::Skipped { kind, message } => {
                self.outcome("skipped", kind, message, None)?
            }
        }
        if let Some(text) = case.system_out {
            self.text("system-out", text)?;
        }
        self.out.write_all(b"</testcase>")
    }

    /// Close `<testsuites>`, and give the output back (to flush).
    pub(super) fn finish(mut self) -> io::Result<W> {
        match self.suites {
            0 => self.out.write_all(b"/>")?,
            _ => self.out.write_all(b"</testsuites>")?,
        }
        Ok(self.out)
    }

    /// `<failure>`, `<error>` or `<skipped>`, with a `type` and a `message`, and `text` in it.
    fn outcome(
        &mut self,
        tag: &str,
        kind: &str,
        message: &str,
        text: Option<&str>,
    ) -> io::Result<()> {
        let o = &mut self.out;
        write!(o, "<{tag} type=\"")?;
        attribute(o, kind)?;
        o.write_all(b"\" message=\"")?;
        attribute(o, message)?;
        o.write_all(b"\"")?;
        match text {
            None => o.write_all(b"/>"),
            Some(text) => {
                o.write_all(b">")?;
                cdata(o, text)?;
                write!(o, "</{tag}>")
            }
        }
    }

    /// `<tag>` holding `text` as CDATA.
    fn text(&mut self, tag: &str, text: &str) -> io::Result<()> {
        write!(self.out, "<{tag}>")?;
        cdata(&mut self.out, text)?;
        write!(self.out, "</{tag}>")
    }
}

/// A suite's `timestamp`: RFC 3339 in UTC, to the second (`2026-11-23T12:00:00Z`), of a
/// Unix time; the Unix epoch when there is none or it falls outside the years 0–9999,
/// which RFC 3339 cannot write.
pub(super) fn timestamp(unix_seconds: Option<i64>) -> String {
    use chrono::Datelike;
    unix_seconds
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .filter(|t| (0..=9999).contains(&t.year()))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An attribute value, between double quotes: `<`, `>`, `&`, `'` and `"` escaped.
fn attribute(out: &mut impl Write, text: &str) -> io::Result<()> {
    characters(out, text, Place::Attribute)
}

/// Text as CDATA. A `]]>` in it would end the section: the section is ended after its
/// `]]` and a new one starts with its `>`, which readers join into the text as it was.
fn cdata(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(b"<![CDATA[")?;
    characters(out, text, Place::CData)?;
    out.write_all(b"]]>")
}

/// Where text is written, which decides what is escaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Attribute,
    CData,
}

/// U+FFFD, written for a character XML cannot hold.
const REPLACEMENT: &[u8] = "\u{fffd}".as_bytes();

/// `text`, escaped for `place`. XML 1.0 has no way to write the C0 control characters
/// other than tab, line feed and carriage return, nor U+FFFE and U+FFFF, not even as
/// character references (<https://www.w3.org/TR/xml/#charsets>), and a document holding
/// one is not XML that CI servers can read: each is written as U+FFFD instead. Such
/// text comes from reports and policies (a resource name, a `deny` message).
fn characters(out: &mut impl Write, text: &str, place: Place) -> io::Result<()> {
    let bytes = text.as_bytes();
    let attribute = place == Place::Attribute;
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let (with, len): (&[u8], usize) = match bytes[i] {
            b'<' if attribute => (b"&lt;", 1),
            b'>' if attribute => (b"&gt;", 1),
            b'&' if attribute => (b"&amp;", 1),
            b'\'' if attribute => (b"&apos;", 1),
            b'"' if attribute => (b"&quot;", 1),
            b']' if !attribute && bytes[i..].starts_with(b"]]>") => (b"]]]]><![CDATA[>", 3),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            0x00..=0x1f => (REPLACEMENT, 1),
            // U+FFFE and U+FFFF, in UTF-8.
            0xef if matches!(bytes.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => {
                (REPLACEMENT, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(with)?;
        i += len;
        start = i;
    }
    out.write_all(&bytes[start..])
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

    /// Text from reports and policies cannot break the document: the characters XML
    /// cannot hold (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) become U+FFFD, and a
    /// `]]>` in a CDATA text splits the section, so readers get the text as it was.
    #[test]
    fn any_text_gives_well_formed_xml() {
        let mut names: Vec<String> = (0u8..0x20).map(|b| format!("n{}x", b as char)).collect();
        names.extend(
            [
                "a]]>b",
                "]]]]>>",
                "]]",
                "x]]",
                "\u{fffe}\u{ffff}\u{fffd}",
                "\u{7f}\u{85}\u{feff}\u{10ffff}",
                "<![CDATA[",
                "&lt;'\"",
            ]
            .map(String::from),
        );
        for name in names {
            let json = serde_json::to_string(&name).unwrap();
            let nodes = format!(
                r#"{{"count":1,"instance_compliant":[{{"instance_id":"i-1","name":{json},"group":{json},
                "non_compliant_summary":{{"non_compliant_count":1,"severity_summary":{{"critical_count":1}}}}}}]}}"#
            );
            let xml = render(Format::Junit, &crate::output::tests::verdict_on(&nodes));
            let doc =
                roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name:?}: {e}\n{xml}"));
            // What a reader gets back: XML's line ends and (in attributes) white space
            // normalised, and U+FFFD for what XML cannot hold.
            let held: String = name
                .replace("\r\n", "\n")
                .chars()
                .map(|c| match c {
                    '\r' => '\n',
                    '\t' | '\n' => c,
                    '\0'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
                    c => c,
                })
                .collect();
            let failure = doc
                .descendants()
                .find(|n| n.has_tag_name("failure"))
                .unwrap();
            let in_attribute = held.replace(['\t', '\n'], " ");
            assert_eq!(
                failure.attribute("message").unwrap(),
                format!("{in_attribute} misses 1 critical </script><!-- & -->"),
                "{name:?}"
            );
            let trace: String = failure.children().filter_map(|n| n.text()).collect();
            assert!(
                trace.contains(&format!("\ngroup: {held}\n")),
                "{name:?}: {trace:?}"
            );
        }
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
