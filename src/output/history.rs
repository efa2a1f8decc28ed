//! `tollgate history`: the ledger's trends, as a table for people or a JSON document for
//! dashboards (`tollgate.history/v1`). Ages are counted to the latest run, not to the
//! clock, so the same ledger always prints the same history.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::json;

use crate::model::Severity;
use crate::store::{History, OpenFinding, RunRow};
use crate::verdict::sla::DAY_MS;

/// The JSON document's schema name.
pub const SCHEMA: &str = "tollgate.history/v1";

use super::{day, timestamp as date};

/// The time ages are counted to: the latest run, else the newest first-seen time.
pub(crate) fn reference(history: &History) -> i64 {
    history
        .runs
        .last()
        .map(|r| r.at)
        .or_else(|| history.oldest.iter().map(|f| f.first_seen).max())
        .unwrap_or(0)
}

/// Milliseconds as days, to a tenth.
pub(crate) fn days(ms: i64) -> f64 {
    (ms as f64 / DAY_MS as f64 * 10.0).round() / 10.0
}

/// Whole days an open finding has been open at `now`.
pub(crate) fn age_days(f: &OpenFinding, now: i64) -> i64 {
    (now - f.first_seen).max(0) / DAY_MS
}

/// An open finding's resource for people: its id, and its name when that differs.
pub(crate) fn resource(f: &OpenFinding) -> String {
    if f.label == f.subject {
        f.subject.clone()
    } else {
        format!("{} ({})", f.subject, f.label)
    }
}

#[derive(Serialize)]
struct RunView<'a> {
    at: String,
    status: &'a str,
    open: serde_json::Map<String, serde_json::Value>,
    findings: i64,
    new: i64,
    fixed: i64,
    overdue: i64,
    within_sla: i64,
    blocking: i64,
}

fn by_severity(counts: &[i64; 5]) -> serde_json::Map<String, serde_json::Value> {
    Severity::DESCENDING
        .iter()
        .zip(counts)
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect()
}

fn run_view(r: &RunRow) -> RunView<'_> {
    RunView {
        at: date(r.at),
        status: &r.status,
        open: by_severity(&r.open),
        findings: r.open.iter().sum(),
        new: r.new,
        fixed: r.fixed,
        overdue: r.overdue,
        within_sla: r.within_sla,
        blocking: r.blocking,
    }
}

fn oldest_view(f: &OpenFinding, now: i64) -> serde_json::Value {
    json!({
        "fingerprint": f.fingerprint,
        "rule": f.rule,
        "subject": f.subject,
        "label": f.label,
        "severity": f.severity,
        "first_seen": date(f.first_seen),
        "age_days": age_days(f, now),
    })
}

/// `-o json`.
pub fn json(history: &History, store: &str, out: &mut dyn Write) -> io::Result<()> {
    let now = reference(history);
    let doc = json!({
        "schema": SCHEMA,
        "store": store,
        "runs": history.runs.iter().map(run_view).collect::<Vec<_>>(),
        "open": history.open.iter().rev().map(|(s, n)| (s.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "time_to_fix": history.time_to_fix.iter().rev().map(|(s, (n, mean))| {
            (s.as_str().to_string(), json!({"fixed": n, "mean_days": days(*mean)}))
        }).collect::<serde_json::Map<_, _>>(),
        "oldest_open": history.oldest.iter().map(|f| oldest_view(f, now)).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// The table for people.
pub fn human(history: &History, store: &str, out: &mut dyn Write) -> io::Result<()> {
    let now = reference(history);
    writeln!(out, "ledger {store}")?;
    let open: i64 = history.open.values().sum();
    let parts: Vec<String> = history
        .open
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    writeln!(
        out,
        "open findings: {open}{}",
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    )?;
    writeln!(out)?;
    if history.runs.is_empty() {
        writeln!(out, "no runs recorded yet")?;
    } else {
        writeln!(
            out,
            "runs (the latest {}, oldest first); findings by severity:",
            history.runs.len()
        )?;
        writeln!(
            out,
            "  {:<20}  {:<6} {:>8} {:>6} {:>6} {:>6} {:>6}  {:>5} {:>5} {:>7} {:>10}",
            "at",
            "status",
            "critical",
            "high",
            "medium",
            "low",
            "info",
            "new",
            "fixed",
            "overdue",
            "within SLA"
        )?;
        for r in &history.runs {
            let [c, h, m, l, i] = r.open;
            writeln!(
                out,
                "  {:<20}  {:<6} {c:>8} {h:>6} {m:>6} {l:>6} {i:>6}  {:>5} {:>5} {:>7} {:>10}",
                date(r.at),
                r.status,
                r.new,
                r.fixed,
                r.overdue,
                r.within_sla
            )?;
        }
    }
    writeln!(out)?;
    if history.time_to_fix.is_empty() {
        writeln!(out, "mean time to fix: nothing fixed yet")?;
    } else {
        writeln!(out, "mean time to fix:")?;
        for (s, (n, mean)) in history.time_to_fix.iter().rev() {
            writeln!(out, "  {s:<8}  {:>6.1} days  ({n} fixed)", days(*mean))?;
        }
    }
    writeln!(out)?;
    if history.oldest.is_empty() {
        writeln!(out, "oldest open findings: none")?;
    } else {
        writeln!(out, "oldest open findings:")?;
        for f in &history.oldest {
            writeln!(
                out,
                "  {}  {:>4} days  {:<8}  {}  {}",
                day(f.first_seen),
                age_days(f, now),
                f.severity,
                f.rule,
                resource(f)
            )?;
        }
    }
    Ok(())
}
