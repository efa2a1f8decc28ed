//! `-o human`: findings grouped by rule, for a terminal or a CI log, then the waivers that
//! expired or matched nothing and the comparison with the baseline. Colour only when the
//! caller says so (a terminal, NO_COLOR unset); the last line is the verdict with counts.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use super::{thousands, Context};
use crate::model::{Severity, Subject};
use crate::verdict::waiver::Waiver;
use crate::verdict::{Disposition, ExitStatus, Judged, SeverityCounts, Verdict};

/// Findings listed per rule before the rest are summarised (the JSON output has them all).
const SHOWN_PER_RULE: usize = 50;

struct Paint {
    on: bool,
}

impl Paint {
    fn style(&self, style: Style, text: &str) -> String {
        if self.on {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
    fn bad(&self, t: &str) -> String {
        self.style(Style::new().red().bold(), t)
    }
    fn warn(&self, t: &str) -> String {
        self.style(Style::new().yellow(), t)
    }
    fn good(&self, t: &str) -> String {
        self.style(Style::new().green(), t)
    }
    fn dim(&self, t: &str) -> String {
        self.style(Style::new().dimmed(), t)
    }
    fn bold(&self, t: &str) -> String {
        self.style(Style::new().bold(), t)
    }
}

/// `color`: whether to colour the text (the caller's choice, from [`Context::color`] and
/// where the text goes).
pub(super) fn emit(
    verdict: &Verdict,
    cx: &Context,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let paint = Paint { on: color };
    let mut quiet_rules = Vec::new();
    // Most severe first within each rule, so the list cut at SHOWN_PER_RULE keeps them.
    let ranked = verdict.ranked();
    for rule in &verdict.rules {
        let findings: Vec<&Judged> = ranked
            .iter()
            .copied()
            .filter(|j| j.finding.rule.id == rule.id)
            .collect();
        let errored = verdict
            .errors
            .iter()
            .any(|e| e.rule.as_deref() == Some(rule.id.as_str()));
        if findings.is_empty() {
            if !errored {
                quiet_rules.push(rule.id.as_str());
            }
            continue;
        }
        let blocking = findings.iter().filter(|j| j.blocking).count();
        let mark = if blocking > 0 {
            paint.bad("✗")
        } else {
            paint.warn("!")
        };
        let mut tally = tally(findings.iter().copied());
        if blocking > 0 {
            tally.insert(0, format!("{} blocking", thousands(blocking)));
        }
        let tally = tally.join(", ");
        writeln!(
            out,
            "{mark} {} [{}] {} {}",
            paint.bold(&rule.id),
            rule.severity,
            rule.title,
            paint.dim(&format!("— {tally}")),
        )?;
        for j in findings.iter().take(SHOWN_PER_RULE) {
            let f = &j.finding;
            let (tag, why) = match (j.disposition, &j.waiver) {
                (Disposition::Blocking, _) => (paint.bad(&format!("{:<8}", f.severity)), None),
                (Disposition::Waived, Some(w)) => {
                    (paint.good(&format!("{:<8}", "waived")), Some(waived(w)))
                }
                (Disposition::Baseline, _) => (paint.dim(&format!("{:<8}", "existing")), None),
                (Disposition::WithinSla, _) => (paint.warn(&format!("{:<8}", "in SLA")), None),
                _ => (paint.warn(&format!("{:<8}", level_tag(j))), None),
            };
            let why = why
                .map(|w| format!(" {}", paint.dim(&w)))
                .unwrap_or_default();
            writeln!(out, "    {tag} {}{why}", one_line(&f.message))?;
            writeln!(out, "             {}", paint.dim(&where_(&f.subject)))?;
            if let Some(note) = super::controls_note(&f.rule) {
                writeln!(out, "             {}", paint.dim(&note))?;
            }
            if let Some(note) = super::aging_note(j) {
                let note = if j.overdue() {
                    paint.bad(&note)
                } else {
                    paint.dim(&note)
                };
                writeln!(out, "             {note}")?;
            }
        }
        if findings.len() > SHOWN_PER_RULE {
            writeln!(
                out,
                "    {}",
                paint.dim(&format!(
                    "… and {} more (-o json lists every finding)",
                    thousands(findings.len() - SHOWN_PER_RULE)
                ))
            )?;
        }
        if let Some(help) = &rule.help {
            writeln!(out, "    {} {}", paint.dim("help:"), help)?;
        }
        writeln!(out)?;
    }
    if !quiet_rules.is_empty() {
        writeln!(
            out,
            "{} no findings: {}",
            paint.good("✓"),
            quiet_rules.join(", ")
        )?;
    }
    for stale in verdict.stale_waivers() {
        if let Some(note) = stale.note() {
            writeln!(out, "{} {note}", paint.warn("!"))?;
        }
    }
    if let Some(b) = &verdict.baseline {
        writeln!(
            out,
            "baseline: {} new, {} existing, {} fixed {}",
            thousands(b.new),
            thousands(b.existing),
            thousands(b.fixed.len()),
            paint.dim(&format!("(compared with {})", b.file))
        )?;
        for f in b.fixed.iter().take(SHOWN_PER_RULE) {
            writeln!(
                out,
                "    {} {} on {}: {}",
                paint.good("fixed   "),
                f.rule,
                f.resource,
                one_line(&f.message)
            )?;
        }
        if b.fixed.len() > SHOWN_PER_RULE {
            writeln!(
                out,
                "    {}",
                paint.dim(&format!(
                    "… and {} more fixed (-o json lists them all)",
                    thousands(b.fixed.len() - SHOWN_PER_RULE)
                ))
            )?;
        }
    }
    if let Some(line) = super::ledger_line(verdict) {
        writeln!(out, "{}", paint.dim(&line))?;
        if let Some(l) = &verdict.ledger {
            for f in l.fixed.iter().take(SHOWN_PER_RULE) {
                writeln!(
                    out,
                    "    {} {} on {} (open since {})",
                    paint.good("fixed   "),
                    f.rule,
                    f.label,
                    super::day(f.first_seen)
                )?;
            }
            if l.fixed.len() > SHOWN_PER_RULE {
                writeln!(
                    out,
                    "    {}",
                    paint.dim(&format!(
                        "… and {} more fixed (tollgate history shows the ledger)",
                        thousands(l.fixed.len() - SHOWN_PER_RULE)
                    ))
                )?;
            }
        }
    }
    if verdict.policy_error_count() > 0 {
        let mut rules: Vec<&str> = verdict
            .errors
            .iter()
            .filter_map(|e| e.rule.as_deref())
            .collect();
        rules.dedup();
        writeln!(
            out,
            "{} {} policy error(s) in {}, described on standard error",
            paint.bad("✗"),
            thousands(verdict.policy_error_count()),
            rules.join(", ")
        )?;
    }
    for warning in &verdict.warnings {
        writeln!(out, "{} {}", paint.warn("!"), one_line(warning))?;
    }
    if let Some(report) = &cx.incidents {
        incidents(report, &paint, out)?;
    }
    writeln!(out, "{}", last_line(verdict, &paint))
}

/// The tickets and alarms of the run, one line each.
fn incidents(
    report: &crate::model::incident::Report,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    use crate::model::incident::{Action, Mode};
    let heading = match report.mode {
        Mode::DryRun => "incidents (dry run, nothing sent)",
        _ => "incidents",
    };
    if report.records.is_empty() {
        return writeln!(out, "{heading}: none to send");
    }
    writeln!(out, "{heading}:")?;
    for record in &report.records {
        let mark = match record.action {
            Action::Failed => paint.bad("✗"),
            _ => paint.dim("·"),
        };
        writeln!(out, "  {mark} {}", one_line(&record.summary()))?;
    }
    Ok(())
}

/// "(reason — owner, until 2026-12-31)"
fn waived(w: &Waiver) -> String {
    let owner = w
        .owner
        .as_deref()
        .map(|o| format!(" — {o}"))
        .unwrap_or_default();
    format!("({}{owner}, until {})", one_line(&w.reason), w.expires)
}

fn level_tag(j: &Judged) -> String {
    match j.finding.level {
        crate::model::Level::Warn => "warn".into(),
        crate::model::Level::Deny => j.finding.severity.to_string(),
    }
}

/// "resource-name (id) · group · region · file:line:col"
fn where_(subject: &Subject) -> String {
    match subject {
        Subject::Resource(r) => {
            let mut parts = vec![format!("{} {}", r.kind(), r.id())];
            if let Some(name) = r.name().filter(|n| !n.is_empty() && *n != r.id()) {
                parts[0] = format!("{} {name} ({})", r.kind(), r.id());
            }
            parts.extend(r.group().iter().map(|g| format!("group {g}")));
            parts.extend(r.region().map(str::to_string));
            parts.push(format!(
                "{}:{}:{}",
                r.origin.file(),
                r.origin.line,
                r.origin.column
            ));
            parts.join(" · ")
        }
        Subject::Report { kind, origin: name } => format!("{kind} report {name}"),
    }
}

/// Messages are printed one per line; a policy's newlines would break the layout.
fn one_line(message: &str) -> String {
    message.replace(['\n', '\r'], " ")
}

fn severity_list(counts: &SeverityCounts) -> String {
    Severity::DESCENDING
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{} {s}", thousands(*n))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The verdict line without colour, for the other formats' summaries.
pub(super) fn verdict_line(verdict: &Verdict) -> String {
    last_line(verdict, &Paint { on: false })
}

/// The findings that do not block, each counted once: waived and existing findings (the
/// ones that would block without a waiver or a baseline) apart from the other
/// non-blocking ones. `["2 non-blocking", "1 waived"]`; empty when there are none.
fn tally<'a>(findings: impl Iterator<Item = &'a Judged>) -> Vec<String> {
    let (mut other, mut waived, mut existing, mut within) = (0, 0, 0, 0);
    for j in findings {
        match j.disposition {
            Disposition::Blocking => {}
            Disposition::Waived => waived += 1,
            Disposition::Baseline => existing += 1,
            Disposition::WithinSla => within += 1,
            _ => other += 1,
        }
    }
    [
        (within, "within SLA"),
        (other, "non-blocking"),
        (waived, "waived"),
        (existing, "existing"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, name)| format!("{} {name}", thousands(n)))
    .collect()
}

fn last_line(verdict: &Verdict, paint: &Paint) -> String {
    let blocking = verdict.blocking().count();
    let scope = format!(
        "in {} resources from {} report{}",
        thousands(verdict.resource_count()),
        thousands(verdict.reports.len()),
        if verdict.reports.len() == 1 { "" } else { "s" }
    );
    let overdue = verdict.ledger.as_ref().map_or(0, |l| l.overdue);
    let blocking_text = match blocking {
        0 => "no blocking findings".to_string(),
        n => format!(
            "{} blocking finding{} ({}{})",
            thousands(n),
            if n == 1 { "" } else { "s" },
            severity_list(&verdict.by_severity(|j| j.blocking)),
            match overdue {
                0 => String::new(),
                o => format!("; {} overdue", thousands(o)),
            }
        ),
    };
    let parts = tally(verdict.findings.iter());
    let extra = if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    };
    let fail_on = format!(
        " (fail-on {}{})",
        verdict.fail_on,
        if verdict.strict { ", strict" } else { "" }
    );
    // The exit code is the one every output states; `--no-fail` is why a failed gate
    // says 0.
    let exit = match verdict.exit_code() {
        0 if verdict.status == ExitStatus::Fail => " — exit 0 (--no-fail)".to_string(),
        code => format!(" — exit {code}"),
    };
    match verdict.status {
        ExitStatus::Pass => format!(
            "{} {blocking_text} {scope}{extra}{fail_on}{exit}",
            paint.good("PASSED:")
        ),
        ExitStatus::Fail => format!(
            "{} {blocking_text} {scope}{extra}{fail_on}{exit}",
            paint.bad("FAILED:")
        ),
        // Nothing was evaluated: there are no findings to count.
        ExitStatus::Error if !verdict.evaluated => format!(
            "{} the gate could not decide: {}{exit}",
            paint.bad("ERROR:"),
            one_line(&verdict.undecided_reason())
        ),
        ExitStatus::Error => format!(
            "{} the gate could not decide: {}; {blocking_text} {scope}{extra}{exit}",
            paint.bad("ERROR:"),
            one_line(&verdict.undecided_reason())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{render, sample_verdict};

    #[test]
    fn sample() {
        insta::assert_snapshot!(render(crate::output::Format::Human, &sample_verdict()));
    }

    #[test]
    fn empty() {
        let text = render(
            crate::output::Format::Human,
            &crate::output::tests::empty_verdict(),
        );
        assert!(
            text.ends_with(
                "PASSED: no blocking findings in 1 resources from 1 report (fail-on high) — exit 0\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn last_line_counts_blocking_by_severity() {
        let text = render(crate::output::Format::Human, &sample_verdict());
        let last = text.lines().last().unwrap();
        assert!(last.starts_with("ERROR: the gate could not decide: 1 policy error(s); 1 blocking finding (1 critical) in 3 resources from 1 report; 2 non-blocking, 1 waived — exit 2"), "{last}");
    }

    #[test]
    fn waived_findings_show_reason_owner_and_expiry() {
        let text = render(crate::output::Format::Human, &sample_verdict());
        assert!(
            text.contains("    waived   db-ü: 9 high (Vendor fix pending, change CHG-1234 — dba-team, until 2026-12-31)"),
            "{text}"
        );
        assert!(text.contains("! waiver for T-CRIT on i-a (waivers.toml:8) expired on 2026-10-01; it no longer applies to the 1 finding it matches"), "{text}");
        assert!(text.contains("! waiver for T-GONE on * (waivers.toml:15) matched no finding: no rule T-GONE is loaded"), "{text}");
    }

    #[test]
    fn baseline_line_and_existing_findings() {
        let text = render(
            crate::output::Format::Human,
            &crate::output::tests::baselined_verdict(),
        );
        assert!(
            text.contains("    existing web <1> & \"co\" misses 2 critical patches"),
            "{text}"
        );
        assert!(
            text.contains("baseline: 3 new, 1 existing, 1 fixed (compared with base.json)"),
            "{text}"
        );
        assert!(
            text.contains("    fixed    T-HIGH on i-z: i-z: 7 high"),
            "{text}"
        );
        let last = text.lines().last().unwrap();
        // Each finding counted once: the existing one is not also non-blocking.
        assert!(last.ends_with("1 blocking finding (1 high) in 3 resources from 1 report; 2 non-blocking, 1 existing — exit 2"), "{last}");
    }

    #[test]
    fn colour_only_when_asked() {
        let verdict = sample_verdict();
        let mut plain = Vec::new();
        let cx = crate::output::tests::context();
        let human = crate::output::Format::Human;
        crate::output::emit(human, &verdict, &cx, &mut plain).unwrap();
        assert!(!String::from_utf8(plain).unwrap().contains('\u{1b}'));
        let mut coloured = Vec::new();
        let cx = Context { color: true, ..cx };
        crate::output::emit(human, &verdict, &cx, &mut coloured).unwrap();
        assert!(String::from_utf8(coloured).unwrap().contains('\u{1b}'));
    }
}
