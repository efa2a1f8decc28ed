//! `-o github`: GitHub Actions workflow commands
//! (<https://docs.github.com/actions/reference/workflow-commands-for-github-actions>) —
//! `::error` for blocking findings, `::warning` for the other open ones, `::notice` for
//! info, waived and baseline findings — each with the report file, line and column, and a
//! title. GitHub shows at most 10 annotations of each level per step, so each level is
//! capped at 10 and a last notice says how many were left out. The Markdown summary for
//! `$GITHUB_STEP_SUMMARY` is written by `output::write_all` from the markdown format.

use std::io::{self, Write};

use super::human::verdict_line;
use super::{thousands, Context};
use crate::fsx::display_path;
use crate::model::{Severity, Subject};
use crate::verdict::{Disposition, Judged, Verdict};

/// GitHub's limit of annotations per level and step.
const PER_LEVEL: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

fn level_of(j: &Judged) -> Level {
    match j.disposition {
        Disposition::Blocking => Level::Error,
        Disposition::Waived | Disposition::Baseline => Level::Notice,
        _ if j.finding.severity == Severity::Info => Level::Notice,
        _ => Level::Warning,
    }
}

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let mut shown = [0usize; 3];
    let mut left_out = 0usize;
    // The last notice needs a slot of its own.
    let room = |level: Level| match level {
        Level::Notice => PER_LEVEL - 1,
        _ => PER_LEVEL,
    };
    for e in &verdict.errors {
        if shown[0] < PER_LEVEL {
            shown[0] += 1;
            let title = format!("tollgate: {}", e.rule.as_deref().unwrap_or("error"));
            let message = match &e.subject {
                Some(subject) => format!("{} on {subject}: {}", e.code, e.message),
                None => format!("{}: {}", e.code, e.message),
            };
            writeln!(
                out,
                "::error title={}::{}",
                property(&title),
                data(&message)
            )?;
        } else {
            left_out += 1;
        }
    }
    // Most severe first, so the annotations GitHub has room for are the ones that matter.
    for j in verdict.ranked() {
        let level = level_of(j);
        let slot = level as usize;
        if shown[slot] >= room(level) {
            left_out += 1;
            continue;
        }
        shown[slot] += 1;
        let f = &j.finding;
        let mut props = Vec::new();
        if let Subject::Resource(r) = &f.subject {
            if r.origin.line > 0 && r.origin.file().is_file() {
                props.push(format!(
                    "file={}",
                    property(&display_path(
                        cx.base_dir.as_deref(),
                        r.origin.file().name()
                    ))
                ));
                props.push(format!("line={}", r.origin.line));
                props.push(format!("col={}", r.origin.column));
            }
        }
        let title = format!("{} [{}] {}", f.rule.id, f.severity, f.rule.title);
        props.push(format!("title={}", property(&title)));
        let mut message = format!("{}: {}", subject(&f.subject), f.message);
        match (&j.waiver, j.disposition) {
            (Some(w), Disposition::Waived) => {
                message.push_str(&format!(" (waived until {}: {})", w.expires, w.reason))
            }
            (_, Disposition::Baseline) => message.push_str(" (existing: in the baseline)"),
            (_, Disposition::Blocking) => {}
            (_, other) => message.push_str(&format!(" ({})", other.as_str().replace('_', " "))),
        }
        if let Some(note) = super::aging_note(j) {
            message.push_str(&format!(" [{note}]"));
        }
        if let Some(note) = super::controls_note(&f.rule) {
            message.push_str(&format!(" [{note}]"));
        }
        writeln!(
            out,
            "::{} {}::{}",
            level.as_str(),
            props.join(","),
            data(&message)
        )?;
    }
    if let Some(report) = &cx.incidents {
        for record in &report.records {
            let level = match record.action {
                crate::model::incident::Action::Failed => "error",
                _ => "notice",
            };
            writeln!(
                out,
                "::{level} title={}::{}",
                property("tollgate incident"),
                data(&record.summary())
            )?;
        }
    }
    if left_out > 0 {
        writeln!(
            out,
            "::notice title=tollgate::{} more findings and errors were not annotated (GitHub shows {PER_LEVEL} per level); the step summary and -o json list them all",
            thousands(left_out)
        )?;
    }
    writeln!(out, "{}", verdict_line(verdict))
}

fn subject(s: &Subject) -> String {
    match s {
        Subject::Resource(r) => format!("{} {}", r.kind(), r.label()),
        Subject::Report { kind, origin: name } => format!("{kind} report {name}"),
    }
}

/// A command's message: `%`, CR and LF are escaped (GitHub's runner unescapes them).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command property (`file=...,title=...`): also `:` and `,`, which end a property.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{empty_verdict, render, sample_verdict};
    use crate::output::Format;

    #[test]
    fn sample() {
        insta::assert_snapshot!(render(Format::Github, &sample_verdict()));
    }

    #[test]
    fn empty() {
        let text = render(Format::Github, &empty_verdict());
        assert!(
            !text.contains("::error") && !text.contains("::warning"),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(
            property("High backlog: over 5%, per node"),
            "High backlog%3A over 5%25%2C per node"
        );
    }

    #[test]
    fn every_line_is_a_well_formed_command_or_the_verdict() {
        let text = render(Format::Github, &sample_verdict());
        let lines: Vec<&str> = text.lines().collect();
        let (verdict, commands) = lines.split_last().unwrap();
        assert!(
            verdict.starts_with("ERROR: the gate could not decide"),
            "{text}"
        );
        for line in commands {
            let (head, message) = line[2..].split_once("::").expect(line);
            let (level, props) = head.split_once(' ').unwrap_or((head, ""));
            assert!(["error", "warning", "notice"].contains(&level), "{line}");
            assert!(!message.contains('\n') && !message.is_empty(), "{line}");
            for prop in props.split(',').filter(|p| !p.is_empty()) {
                let (key, value) = prop.split_once('=').expect(prop);
                assert!(["file", "line", "col", "title"].contains(&key), "{line}");
                assert!(!value.contains(':') && !value.contains(','), "{line}");
            }
        }
    }

    #[test]
    fn annotations_are_capped_per_level() {
        let mut verdict = sample_verdict();
        let blocking = verdict
            .findings
            .iter()
            .find(|j| j.blocking)
            .unwrap()
            .clone();
        verdict.findings = vec![blocking; 25];
        let text = render(Format::Github, &verdict);
        // The sample's policy error takes one of the ten error slots.
        assert_eq!(text.matches("::error ").count(), PER_LEVEL, "{text}");
        assert!(
            text.contains(
                "::notice title=tollgate::16 more findings and errors were not annotated"
            ),
            "{text}"
        );
    }
}
