//! `-o markdown`: a summary fit for a pull-request comment or a GitHub step summary
//! (GitHub Flavored Markdown, <https://github.github.com/gfm/>): the verdict, counts by
//! severity, a table of blocking findings, the rest collapsed in `<details>`, waivers,
//! baseline and errors. Tables are capped so that a comment stays under GitHub's size
//! limit; `-o json` has every finding.

use std::io::{self, Write};

use super::human::verdict_line;
use super::{thousands, Context};
use crate::model::{Severity, Subject};
use crate::verdict::controls::{Control, ControlStatus};
use crate::verdict::{Disposition, ExitStatus, Judged, Verdict, WaiverState};

/// Rows per table before the rest are counted.
const ROWS: usize = 100;

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (icon, headline) = match verdict.status {
        ExitStatus::Pass => ("✅", "gate passed"),
        ExitStatus::Fail => ("❌", "gate failed"),
        ExitStatus::Error => ("⚠️", "gate could not decide"),
    };
    writeln!(out, "### {icon} tollgate: {headline}")?;
    writeln!(out)?;
    writeln!(out, "{}", text(&verdict_line(verdict)))?;
    writeln!(out)?;

    writeln!(
        out,
        "| severity | blocking | non-blocking | waived | existing (baseline) |"
    )?;
    writeln!(out, "|---|--:|--:|--:|--:|")?;
    for severity in Severity::DESCENDING {
        let count = |filter: &dyn Fn(&Judged) -> bool| {
            verdict
                .findings
                .iter()
                .filter(|j| j.finding.severity == severity && filter(j))
                .count()
        };
        let row = [
            count(&|j| j.blocking),
            count(&|j| !j.blocking),
            count(&|j| j.disposition == Disposition::Waived),
            count(&|j| j.disposition == Disposition::Baseline),
        ];
        if row.iter().any(|n| *n > 0) {
            let [b, n, w, e] = row.map(thousands);
            writeln!(out, "| {severity} | {b} | {n} | {w} | {e} |")?;
        }
    }
    writeln!(
        out,
        "| **all** | **{}** | **{}** | **{}** | **{}** |",
        thousands(verdict.blocking().count()),
        thousands(verdict.findings.len() - verdict.blocking().count()),
        thousands(verdict.count(Disposition::Waived)),
        thousands(verdict.count(Disposition::Baseline)),
    )?;
    writeln!(out)?;

    // Most severe first, so the tables cut at ROWS keep the findings that matter most.
    let ranked = verdict.ranked();
    let blocking: Vec<&Judged> = ranked.iter().copied().filter(|j| j.blocking).collect();
    if !blocking.is_empty() {
        writeln!(out, "#### Blocking findings")?;
        writeln!(out)?;
        table(&blocking, out)?;
    }
    if let Some(l) = &verdict.ledger {
        ledger(l, &ranked, out)?;
    }
    controls(&verdict.controls(), out)?;
    let rest: Vec<&Judged> = ranked.iter().copied().filter(|j| !j.blocking).collect();
    if !rest.is_empty() {
        writeln!(
            out,
            "<details><summary>{} non-blocking findings</summary>",
            thousands(rest.len())
        )?;
        writeln!(out)?;
        table(&rest, out)?;
        writeln!(out, "</details>")?;
        writeln!(out)?;
    }

    let stale: Vec<_> = verdict
        .waivers
        .iter()
        .filter(|w| w.state != WaiverState::Active)
        .collect();
    if !stale.is_empty() {
        writeln!(out, "#### Waivers needing attention")?;
        writeln!(out)?;
        for w in stale {
            let note = w.note().unwrap_or_default();
            writeln!(out, "- {}", text(&note))?;
        }
        writeln!(out)?;
    }
    if let Some(b) = &verdict.baseline {
        writeln!(
            out,
            "Baseline `{}`: {} new, {} existing, {} fixed.",
            code(&b.file),
            thousands(b.new),
            thousands(b.existing),
            thousands(b.fixed.len())
        )?;
        writeln!(out)?;
    }
    if let Some(report) = &cx.incidents {
        incidents(report, out)?;
    }
    if verdict.error_count > 0 {
        writeln!(out, "#### Errors ({})", thousands(verdict.error_count))?;
        writeln!(out)?;
        for e in &verdict.errors {
            let rule = e.rule.as_deref().unwrap_or("tollgate");
            writeln!(out, "- **{}**: {}", text(rule), text(&e.message))?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "<sub>tollgate {} · {} · fail-on {}</sub>",
        text(&cx.version),
        text(&cx.generated_at),
        verdict.fail_on
    )
}

/// Per framework control the rules name: how it fared, its rules and counts.
fn controls(controls: &[Control], out: &mut dyn Write) -> io::Result<()> {
    if controls.is_empty() {
        return Ok(());
    }
    writeln!(out, "#### Controls")?;
    writeln!(out)?;
    writeln!(out, "| control | status | rules | findings | blocking |")?;
    writeln!(out, "|---|---|---|--:|--:|")?;
    for c in controls {
        let status = match c.status {
            ControlStatus::Failed => "❌ failed".to_string(),
            ControlStatus::Passed => "✅ passed".to_string(),
            ControlStatus::NotEvaluated => {
                format!("⚪ not evaluated ({})", c.not_evaluated.join(", "))
            }
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            text(&c.id),
            text(&status),
            text(&c.rules.join(", ")),
            thousands(c.findings),
            thousands(c.blocking)
        )?;
    }
    writeln!(out)
}

/// The ledger's sections: overdue findings, new and fixed since the last run.
fn ledger(
    l: &crate::verdict::sla::LedgerSummary,
    ranked: &[&Judged],
    out: &mut dyn Write,
) -> io::Result<()> {
    let overdue: Vec<&Judged> = ranked.iter().copied().filter(|j| j.overdue()).collect();
    if !overdue.is_empty() {
        writeln!(out, "#### Overdue")?;
        writeln!(out)?;
        table(&overdue, out)?;
    }
    let new: Vec<&Judged> = ranked
        .iter()
        .copied()
        .filter(|j| j.aging.is_some_and(|a| a.new))
        .collect();
    if !new.is_empty() {
        writeln!(out, "#### New since the last run")?;
        writeln!(out)?;
        table(&new, out)?;
    }
    if !l.fixed.is_empty() {
        writeln!(out, "#### Fixed since the last run")?;
        writeln!(out)?;
        writeln!(out, "| rule | severity | resource | open since |")?;
        writeln!(out, "|---|---|---|---|")?;
        for f in l.fixed.iter().take(ROWS) {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                text(&f.rule),
                f.severity,
                text(&f.label),
                super::day(f.first_seen)
            )?;
        }
        if l.fixed.len() > ROWS {
            writeln!(out)?;
            writeln!(
                out,
                "… and {} more (`tollgate history` shows the ledger).",
                thousands(l.fixed.len() - ROWS)
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", text(&super::ledger_sentence(l)))?;
    writeln!(out)
}

/// The tickets and alarms of the run.
fn incidents(report: &crate::model::incident::Report, out: &mut dyn Write) -> io::Result<()> {
    let heading = match report.mode {
        crate::model::incident::Mode::DryRun => "#### Incidents (dry run: nothing was sent)",
        _ => "#### Incidents",
    };
    writeln!(out, "{heading}")?;
    writeln!(out)?;
    if report.records.is_empty() {
        writeln!(out, "No ticket or alarm to send.")?;
        return writeln!(out);
    }
    writeln!(out, "| sink | ticket | action | title | findings |")?;
    writeln!(out, "|---|---|---|---|--:|")?;
    for r in report.records.iter().take(ROWS) {
        let action = match (&r.status, &r.error) {
            (_, Some(error)) => format!("{}: {error}", r.action.describe()),
            (Some(status), None) => format!("{} ({status})", r.action.describe()),
            (None, None) => r.action.describe().to_string(),
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.sink.name(),
            r.incident_num
                .as_deref()
                .map(|n| format!("`{}`", code(n)))
                .unwrap_or_default(),
            text(&action),
            text(&r.title),
            thousands(r.findings.len())
        )?;
    }
    if report.records.len() > ROWS {
        writeln!(out)?;
        writeln!(
            out,
            "… and {} more (-o json lists them all).",
            thousands(report.records.len() - ROWS)
        )?;
    }
    writeln!(out)
}

fn table(rows: &[&Judged], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| rule | severity | resource | message | status | controls |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for j in rows.iter().take(ROWS) {
        let f = &j.finding;
        let status = match (&j.waiver, j.disposition) {
            (Some(w), Disposition::Waived) => {
                format!(
                    "waived: {} ({})",
                    w.reason,
                    w.owner.as_deref().unwrap_or("no owner")
                )
            }
            _ => j.disposition.as_str().replace('_', " "),
        };
        let status = match super::aging_note(j) {
            Some(note) => format!("{status}; {note}"),
            None => status,
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            text(&f.rule.id),
            f.severity,
            text(&resource(&f.subject)),
            text(&f.message),
            text(&status),
            text(&f.rule.controls.join(", "))
        )?;
    }
    if rows.len() > ROWS {
        writeln!(
            out,
            "| … | | | {} more (see `-o json`) | | |",
            thousands(rows.len() - ROWS)
        )?;
    }
    writeln!(out)
}

fn resource(subject: &Subject) -> String {
    match subject {
        Subject::Resource(r) => {
            let mut s = match r.name().filter(|n| !n.is_empty() && *n != r.id()) {
                Some(name) => format!("{name} ({})", r.id()),
                None => r.id().to_string(),
            };
            if let Some(g) = r.group() {
                s.push_str(&format!(" · {g}"));
            }
            s
        }
        Subject::Report { kind, origin: name } => format!("{kind} report {name}"),
    }
}

/// Text in a table cell or a list: HTML-escaped (GitHub renders inline HTML), pipes
/// escaped, line breaks as `<br>`, Markdown punctuation that would format escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '*' | '_' | '`' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside backticks: a backtick would end the code span.
fn code(s: &str) -> String {
    s.replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{baselined_verdict, empty_verdict, render, sample_verdict};
    use crate::output::Format;

    #[test]
    fn sample() {
        insta::assert_snapshot!(render(Format::Markdown, &sample_verdict()));
    }

    #[test]
    fn empty() {
        let text = render(Format::Markdown, &empty_verdict());
        assert!(text.starts_with("### ✅ tollgate: gate passed\n"), "{text}");
        assert!(!text.contains("Blocking findings"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn baseline_counts() {
        let text = render(Format::Markdown, &baselined_verdict());
        assert!(text.contains("Baseline `"), "{text}");
        assert!(text.contains("1 fixed."), "{text}");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(
            text("a|b <c> & *d*\nnext"),
            "a\\|b &lt;c&gt; &amp; \\*d\\*<br>next"
        );
    }
}
