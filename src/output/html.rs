//! `-o html`: one self-contained HTML page for the people who receive a gate's result — a
//! release manager, an SRE lead, an auditor — opened from a CI artifact, offline.
//!
//! The page is rendered from `templates/report.html` by askama, which escapes every value
//! it prints (HTML5, <https://html.spec.whatwg.org/>). What the template draws is decided
//! here: the verdict banner, count tiles, three SVG bar charts with their numbers as
//! tables, the evidence (reports and policies), waivers, errors and incidents. The findings
//! table is drawn in the browser, a page at a time, by `templates/report.js` from the
//! findings embedded once as JSON; the first page is also rendered here for readers
//! without scripts. A Content-Security-Policy in the page allows no loads at all and only
//! the page's own style and script, identified by their SHA-256 (CSP Level 3), so nothing
//! read from a report can run in it.
//!
//! Like every emitter, this one reads neither the clock nor the environment, and streams:
//! the findings are serialized row by row into the output, never held as one string.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::{self, Write};

use askama::Template;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::human::verdict_line;
use super::{thousands, Context};
use crate::model::{Severity, Subject};
use crate::verdict::{Disposition, ErrorSummary, ExitStatus, Judged, Verdict, WaiverState};

/// The page's stylesheet, inlined.
const STYLE: &str = include_str!("../../templates/report.css");
/// The page's only script: draws the findings table from the embedded JSON.
const SCRIPT: &str = include_str!("../../templates/report.js");
/// Findings per table page, in the browser and in the server-rendered first page.
const PAGE_ROWS: usize = 100;
/// Bars per chart; the rest are summed into one line under the chart.
const MAX_BARS: usize = 15;

/// One incident ticket or alarm the run opened or found, as the page lists it. The texts
/// are borrowed from the run's records, which may be one per finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IncidentRow<'a> {
    /// The sink: `coc_incident` (a ticket) or `coc_alarm`.
    pub sink: Cow<'a, str>,
    /// What the run did: opened, found open, cleared, would open (dry run), failed.
    pub action: Cow<'a, str>,
    /// The ticket number, or the group fingerprint (the alarm id) when there is none.
    pub number: Cow<'a, str>,
    /// The ticket's state as COC reported it, or why sending failed.
    pub status: Cow<'a, str>,
    pub title: Cow<'a, str>,
    /// Findings the ticket covers.
    pub findings: usize,
}

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let dry_run = cx
        .incidents
        .as_ref()
        .is_some_and(|r| r.mode == crate::model::incident::Mode::DryRun);
    let incidents: Vec<IncidentRow> = cx
        .incidents
        .iter()
        .flat_map(|report| &report.records)
        .map(|r| IncidentRow {
            sink: r.sink.name().into(),
            action: match dry_run {
                true => format!("{} (dry run)", r.action.describe()).into(),
                false => r.action.describe().into(),
            },
            number: r.incident_num.as_deref().unwrap_or(&r.group).into(),
            status: r
                .error
                .as_deref()
                .or(r.status.as_deref())
                .unwrap_or_default()
                .into(),
            title: r.title.as_str().into(),
            findings: r.findings.len(),
        })
        .collect();
    page(verdict, cx, &incidents)
        .write_into(out)
        .map_err(io::Error::other)
}

/// How a finding's status is counted in tiles and in the per-rule chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Blocking,
    /// Open but not blocking: a warning, an advisory rule, below `--fail-on`.
    Warning,
    Waived,
    Baseline,
    /// Would block, but is within its SLA days.
    WithinSla,
}

impl Standing {
    const ALL: [Standing; 5] = [
        Standing::Blocking,
        Standing::WithinSla,
        Standing::Warning,
        Standing::Waived,
        Standing::Baseline,
    ];

    fn of(disposition: Disposition) -> Self {
        match disposition {
            Disposition::Blocking => Standing::Blocking,
            Disposition::Advisory | Disposition::Warning | Disposition::BelowThreshold => {
                Standing::Warning
            }
            Disposition::Waived => Standing::Waived,
            Disposition::Baseline => Standing::Baseline,
            Disposition::WithinSla => Standing::WithinSla,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Standing::Blocking => "blocking",
            Standing::Warning => "warning",
            Standing::Waived => "waived",
            Standing::Baseline => "baseline",
            Standing::WithinSla => "within_sla",
        }
    }

    fn index(self) -> usize {
        Standing::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// Every status a finding can have, in the order the JSON data indexes them.
const DISPOSITIONS: [Disposition; 7] = [
    Disposition::Blocking,
    Disposition::WithinSla,
    Disposition::Warning,
    Disposition::Advisory,
    Disposition::BelowThreshold,
    Disposition::Waived,
    Disposition::Baseline,
];

fn disposition_label(d: Disposition) -> &'static str {
    match d {
        Disposition::BelowThreshold => "below fail-on",
        Disposition::WithinSla => "within SLA",
        other => other.as_str(),
    }
}

fn disposition_index(d: Disposition) -> usize {
    DISPOSITIONS.iter().position(|v| *v == d).unwrap_or(0)
}

fn severity_index(s: Severity) -> usize {
    Severity::DESCENDING
        .iter()
        .position(|v| *v == s)
        .unwrap_or(0)
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    /// `passed`, `failed` or `undecided`: the banner's class.
    state: &'static str,
    headline: &'static str,
    summary: String,
    fail_on: Severity,
    strict: bool,
    version: &'a str,
    generated_at: &'a str,
    csp: String,
    style: &'static str,
    script: &'static str,
    /// What was read and found, for the line under the banner.
    read: String,
    tiles: Vec<Tile>,
    charts: Vec<Chart>,
    table: Table<'a>,
    reports: Vec<ReportRow<'a>>,
    policies: Vec<PolicyRow<'a>>,
    /// Per framework control the rules name.
    controls: Vec<crate::verdict::controls::Control>,
    waivers: Vec<WaiverRow>,
    errors: &'a [ErrorSummary],
    error_count: usize,
    baseline: Option<String>,
    /// The run's ledger counts, when it keeps a ledger.
    ledger: Option<String>,
    /// Trends from the ledger, when it keeps one.
    trend: Option<Trend>,
    incidents: &'a [IncidentRow<'a>],
    data: Data<'a>,
}

/// The ledger's trend: a stacked column of open findings by severity per run, the overdue
/// count as a line over them, mean time to fix and the oldest open findings.
struct Trend {
    width: usize,
    height: usize,
    /// The largest run's findings: the scale's top.
    max: i64,
    columns: Vec<TrendColumn>,
    /// `x,y` pairs of the overdue line.
    overdue: String,
    time_to_fix: Vec<(Severity, String, i64)>,
    oldest: Vec<OldestRow>,
}

struct TrendColumn {
    x: usize,
    width: usize,
    /// The run's day and counts, for the tooltip.
    label: String,
    /// (severity class, y, height) from the bottom up.
    segments: Vec<(&'static str, usize, usize)>,
}

struct OldestRow {
    since: String,
    age_days: i64,
    severity: Severity,
    rule: String,
    resource: String,
}

/// Height of the trend chart's plot, in pixels.
const TREND_HEIGHT: usize = 160;

fn trend(history: &crate::store::History) -> Trend {
    let runs = &history.runs;
    let max = runs
        .iter()
        .map(|r| r.open.iter().sum::<i64>().max(r.overdue))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = (720 / runs.len().max(1)).clamp(4, 48);
    let bar = (step * 3 / 4).max(2);
    let scale = |n: i64| (n.max(0) as usize * TREND_HEIGHT) / max as usize;
    let mut overdue = Vec::new();
    let columns = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let x = 40 + i * step;
            let mut bottom = TREND_HEIGHT + 10;
            let mut segments = Vec::new();
            // Least severe at the bottom, so the critical part sits on top where it shows.
            for (s, n) in Severity::DESCENDING.iter().zip(r.open).rev() {
                let h = scale(n);
                if h > 0 {
                    bottom -= h;
                    segments.push((s.as_str(), bottom, h));
                }
            }
            overdue.push(format!("{},{}", x + bar / 2, TREND_HEIGHT + 10 - scale(r.overdue)));
            let [c, h, m, l, info] = r.open;
            TrendColumn {
                x,
                width: bar,
                label: format!(
                    "{} ({}): {c} critical, {h} high, {m} medium, {l} low, {info} info; {} overdue, {} new, {} fixed",
                    super::day(r.at),
                    r.status,
                    r.overdue,
                    r.new,
                    r.fixed
                ),
                segments,
            }
        })
        .collect();
    let now = super::history::reference(history);
    Trend {
        width: 40 + runs.len() * step + 20,
        height: TREND_HEIGHT + 30,
        max,
        columns,
        overdue: overdue.join(" "),
        time_to_fix: history
            .time_to_fix
            .iter()
            .rev()
            .map(|(s, (n, mean))| (*s, format!("{:.1}", super::history::days(*mean)), *n))
            .collect(),
        oldest: history
            .oldest
            .iter()
            .map(|f| OldestRow {
                since: super::day(f.first_seen),
                age_days: super::history::age_days(f, now),
                severity: f.severity,
                rule: f.rule.clone(),
                resource: super::history::resource(f),
            })
            .collect(),
    }
}

struct Tile {
    class: &'static str,
    label: &'static str,
    note: &'static str,
    total: String,
    /// Per severity with a count, most severe first.
    severities: Vec<(Severity, String)>,
}

/// A horizontal bar chart: one bar per row, one segment per column with a count.
struct Chart {
    id: &'static str,
    title: &'static str,
    /// One sentence for screen readers and `<desc>`.
    desc: String,
    /// What is counted, as a table header.
    unit: &'static str,
    /// The stacked categories: (css class, label).
    columns: Vec<(&'static str, &'static str)>,
    bars: Vec<Bar>,
    /// A note on what is not drawn (bars beyond [`MAX_BARS`], subjects without a place).
    note: Option<String>,
    height: u32,
}

struct Bar {
    label: String,
    /// The label cut to fit beside the bar.
    short: String,
    total: usize,
    counts: Vec<usize>,
    segments: Vec<Segment>,
    y: u32,
    /// Where the total is written, right of the bar.
    end: f64,
}

struct Segment {
    class: &'static str,
    x: f64,
    width: f64,
    tip: String,
}

/// SVG geometry, in viewBox units.
const CHART_WIDTH: f64 = 560.0;
const LABEL_WIDTH: f64 = 150.0;
const BAR_AREA: f64 = 350.0;
const ROW_HEIGHT: u32 = 26;
const TOP: u32 = 8;

impl Chart {
    /// `rows` are (label, counts per column); they are drawn largest first.
    fn new(
        id: &'static str,
        title: &'static str,
        unit: &'static str,
        what: &str,
        columns: Vec<(&'static str, &'static str)>,
        mut rows: Vec<(String, Vec<usize>)>,
        mut note: Vec<String>,
    ) -> Self {
        rows.retain(|(_, c)| c.iter().any(|n| *n > 0));
        rows.sort_by(|(a, ca), (b, cb)| {
            let (ta, tb) = (ca.iter().sum::<usize>(), cb.iter().sum::<usize>());
            tb.cmp(&ta).then_with(|| a.cmp(b))
        });
        if rows.len() > MAX_BARS {
            let rest = &rows[MAX_BARS..];
            let count: usize = rest.iter().flat_map(|(_, c)| c).sum();
            note.insert(
                0,
                format!(
                    "{} more {what}{} with {} {unit} not drawn",
                    thousands(rest.len()),
                    if rest.len() == 1 { "" } else { "s" },
                    thousands(count)
                ),
            );
            rows.truncate(MAX_BARS);
        }
        let max = rows
            .iter()
            .map(|(_, c)| c.iter().sum::<usize>())
            .max()
            .unwrap_or(0)
            .max(1);
        let scale = BAR_AREA / max as f64;
        let bars: Vec<Bar> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, counts))| {
                let mut x = LABEL_WIDTH;
                let mut segments = Vec::new();
                for (n, (class, name)) in counts.iter().zip(&columns) {
                    if *n == 0 {
                        continue;
                    }
                    let width = *n as f64 * scale;
                    segments.push(Segment {
                        class,
                        x: round(x),
                        width: round(width),
                        tip: format!("{label}: {} {name}", thousands(*n)),
                    });
                    x += width;
                }
                Bar {
                    short: shorten(&label, 20),
                    label,
                    total: counts.iter().sum(),
                    counts,
                    segments,
                    y: TOP + i as u32 * ROW_HEIGHT,
                    end: round(x + 6.0),
                }
            })
            .collect();
        let desc = if bars.is_empty() {
            format!("No {unit}.")
        } else {
            let parts: Vec<String> = bars
                .iter()
                .map(|b| format!("{} {}", b.label, thousands(b.total)))
                .collect();
            format!("{} by {what}: {}.", capitalize(unit), parts.join(", "))
        };
        let height = TOP * 2 + ROW_HEIGHT * bars.len().max(1) as u32;
        Chart {
            id,
            title,
            desc,
            unit,
            columns,
            bars,
            note: (!note.is_empty()).then(|| note.join("; ") + "."),
            height,
        }
    }

    fn width(&self) -> f64 {
        CHART_WIDTH
    }

    /// Sums per column, for the table's last row.
    fn column_totals(&self) -> Vec<usize> {
        (0..self.columns.len())
            .map(|i| self.bars.iter().map(|b| b.counts[i]).sum())
            .collect()
    }

    fn grand_total(&self) -> usize {
        self.bars.iter().map(|b| b.total).sum()
    }
}

/// `1 report`, `1,204 reports`.
fn counted(n: usize, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1 { "" } else { "s" })
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut cut: String = s.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The findings table: its first page as rows for readers without scripts (the script
/// builds its filters' choices from the embedded data).
struct Table<'a> {
    total: usize,
    first: Vec<Row<'a>>,
    page_rows: usize,
}

struct Row<'a> {
    rule: &'a str,
    severity: Severity,
    name: &'a str,
    id: &'a str,
    group: &'a str,
    region: &'a str,
    message: &'a str,
    status: &'static str,
    status_class: &'static str,
    note: String,
}

struct ReportRow<'a> {
    kind: &'static str,
    origin: &'a str,
    fetched_at: String,
    resources: String,
    declared: String,
}

struct PolicyRow<'a> {
    id: &'a str,
    title: &'a str,
    controls: String,
    severity: Severity,
    enforcement: &'static str,
    file: String,
    findings: String,
    blocking: String,
}

struct WaiverRow {
    state: &'static str,
    text: String,
}

/// What a resource-level finding is about, as the table and charts show it.
struct Place<'a> {
    name: &'a str,
    id: &'a str,
    group: Option<&'a str>,
    region: Option<&'a str>,
}

fn place(subject: &Subject) -> Place<'_> {
    match subject {
        Subject::Resource(r) => Place {
            name: r.name().unwrap_or(""),
            id: r.id(),
            group: r.group(),
            region: r.region(),
        },
        Subject::Report { kind, origin: name } => Place {
            name: name.name(),
            id: kind.id(),
            group: None,
            region: None,
        },
    }
}

/// The status column's note: who waived it and until when, or that it is existing.
fn note(j: &Judged) -> String {
    let text = match (&j.waiver, j.disposition) {
        (Some(w), Disposition::Waived) => format!(
            "{} — {}, until {}",
            w.reason,
            w.owner.as_deref().unwrap_or("no owner"),
            w.expires
        ),
        (_, Disposition::Baseline) => "in the baseline".to_string(),
        _ => String::new(),
    };
    match (super::aging_note(j), text.is_empty()) {
        (Some(aging), true) => aging,
        (Some(aging), false) => format!("{text}; {aging}"),
        (None, _) => text,
    }
}

fn page<'a>(verdict: &'a Verdict, cx: &'a Context, incidents: &'a [IncidentRow<'a>]) -> Page<'a> {
    let (state, headline) = match verdict.status {
        ExitStatus::Pass => ("passed", "Gate passed"),
        ExitStatus::Fail => ("failed", "Gate failed"),
        ExitStatus::Error => ("undecided", "Gate could not decide"),
    };
    let tiles = Standing::ALL
        .into_iter()
        .filter(|s| *s != Standing::WithinSla || verdict.ledger.is_some())
        .map(|standing| {
            let counts = verdict.by_severity(|j| Standing::of(j.disposition) == standing);
            let (label, note) = match standing {
                Standing::Blocking => ("Blocking", "at or above fail-on, not waived"),
                Standing::Warning => ("Warnings", "warnings, advisory rules, below fail-on"),
                Standing::Waived => ("Waived", "accepted by an active waiver"),
                Standing::Baseline => ("Baseline", "existing: already in the baseline"),
                Standing::WithinSla => {
                    ("Within SLA", "would block; open for less than its SLA days")
                }
            };
            Tile {
                class: standing.label(),
                label,
                note,
                total: thousands(counts.values().sum()),
                severities: Severity::DESCENDING
                    .into_iter()
                    .filter_map(|s| counts.get(&s).map(|n| (s, thousands(*n))))
                    .collect(),
            }
        })
        .collect();

    // Blocking findings first, as the script's initial order is; within a status the most
    // severe first, then by rule and resource (a stable sort keeps the ranked order).
    let mut ordered: Vec<&Judged> = verdict.ranked();
    ordered.sort_by_key(|j| disposition_index(j.disposition));
    let first = ordered
        .into_iter()
        .take(PAGE_ROWS)
        .map(|j| {
            let p = place(&j.finding.subject);
            Row {
                rule: &j.finding.rule.id,
                severity: j.finding.severity,
                name: p.name,
                id: p.id,
                group: p.group.unwrap_or(""),
                region: p.region.unwrap_or(""),
                message: &j.finding.message,
                status: disposition_label(j.disposition),
                status_class: Standing::of(j.disposition).label(),
                note: note(j),
            }
        })
        .collect();

    let reports = verdict
        .reports
        .iter()
        .map(|r| ReportRow {
            kind: r.kind.id(),
            origin: &r.origin,
            fetched_at: r
                .fetched_at
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_else(|| "—".into()),
            resources: thousands(r.resources),
            declared: r
                .declared
                .map_or_else(|| "—".into(), |d| thousands(d as usize)),
        })
        .collect();
    let mut per_rule: HashMap<&str, (usize, usize)> = HashMap::new();
    for j in &verdict.findings {
        let e = per_rule.entry(&j.finding.rule.id).or_default();
        e.0 += 1;
        e.1 += usize::from(j.blocking);
    }
    let policies = verdict
        .rules
        .iter()
        .map(|r| {
            let (findings, blocking) = per_rule.get(r.id.as_str()).copied().unwrap_or_default();
            PolicyRow {
                id: &r.id,
                title: &r.title,
                controls: r.controls.join(", "),
                severity: r.severity,
                enforcement: r.enforcement.as_str(),
                file: format!(
                    "{}:{}",
                    crate::fsx::display_path(cx.base_dir.as_deref(), &r.file.to_string_lossy()),
                    r.line
                ),
                findings: thousands(findings),
                blocking: thousands(blocking),
            }
        })
        .collect();
    let waivers = verdict
        .waivers
        .iter()
        .map(|s| {
            let w = &s.waiver;
            WaiverRow {
                state: match s.state {
                    WaiverState::Active => "active",
                    WaiverState::Expired => "expired",
                    WaiverState::Unused => "unused",
                },
                text: s.note().unwrap_or_else(|| {
                    format!(
                        "waiver for {} on {} ({}) accepts {} finding{} until {}: {}",
                        w.rule,
                        w.resource,
                        w.location(),
                        thousands(s.matched),
                        if s.matched == 1 { "" } else { "s" },
                        w.expires,
                        w.reason
                    )
                }),
            }
        })
        .collect();

    Page {
        state,
        headline,
        summary: verdict_line(verdict),
        fail_on: verdict.fail_on,
        strict: verdict.strict,
        version: &cx.version,
        generated_at: &cx.generated_at,
        csp: csp(),
        style: STYLE,
        script: SCRIPT,
        read: format!(
            "{} in {}, {}, {}",
            counted(verdict.resource_count(), "resource"),
            counted(verdict.reports.len(), "report"),
            counted(verdict.rules.len(), "rule"),
            counted(verdict.findings.len(), "finding")
        ),
        tiles,
        charts: charts(verdict),
        table: Table {
            total: verdict.findings.len(),
            first,
            page_rows: PAGE_ROWS,
        },
        reports,
        policies,
        controls: verdict.controls(),
        waivers,
        errors: &verdict.errors,
        error_count: verdict.error_count,
        baseline: verdict.baseline.as_ref().map(|b| {
            format!(
                "Compared with the baseline {}: {} new, {} existing, {} fixed.",
                b.file,
                thousands(b.new),
                thousands(b.existing),
                thousands(b.fixed.len())
            )
        }),
        ledger: super::ledger_line(verdict),
        trend: verdict
            .ledger
            .as_ref()
            .and_then(|l| l.history.as_ref())
            .map(trend),
        incidents,
        data: Data(verdict),
    }
}

/// The three charts. A resource with several findings counts once, at the severity of its
/// worst finding; report-level findings have no group or region and count only per rule.
fn charts(verdict: &Verdict) -> Vec<Chart> {
    // Resources are told apart by their report file and id: two reports may list one id.
    // The findings about resources are sorted by resource, then in the verdict's order, so
    // that each resource is one run of them: an index a finding, where a map by resource
    // took some 140 bytes a finding (more than the page, on a large fleet).
    let resource = |i: usize| match &verdict.findings[i].finding.subject {
        Subject::Resource(r) => Some(r),
        Subject::Report { .. } => None,
    };
    let key = |i: usize| resource(i).map(|r| (r.origin.file().name(), r.id()));
    let mut about_resources: Vec<usize> = (0..verdict.findings.len())
        .filter(|&i| resource(i).is_some())
        .collect();
    let report_level = verdict.findings.len() - about_resources.len();
    about_resources.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
    let mut by_group: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_region: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for findings in about_resources.chunk_by(|&a, &b| key(a) == key(b)) {
        // Its place as its first finding saw it, its severity its worst finding's.
        let Some(r) = resource(findings[0]) else {
            continue;
        };
        let worst = findings
            .iter()
            .map(|&i| verdict.findings[i].finding.severity)
            .max()
            .unwrap_or(Severity::Info);
        let i = severity_index(worst);
        by_group
            .entry(r.group().unwrap_or("(no group)").to_string())
            .or_insert_with(|| vec![0; 5])[i] += 1;
        by_region
            .entry(r.region().unwrap_or("(no region)").to_string())
            .or_insert_with(|| vec![0; 5])[i] += 1;
    }
    let severity_columns: Vec<(&'static str, &'static str)> = Severity::DESCENDING
        .into_iter()
        .map(|s| (s.as_str(), s.as_str()))
        .collect();
    let not_placed = match report_level {
        0 => vec![],
        n => vec![format!(
            "{} report-level finding{} (about a whole report) {} not counted here",
            thousands(n),
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" }
        )],
    };

    let mut by_rule: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for j in &verdict.findings {
        by_rule
            .entry(j.finding.rule.id.clone())
            .or_insert_with(|| vec![0; Standing::ALL.len()])
            [Standing::of(j.disposition).index()] += 1;
    }
    vec![
        Chart::new(
            "chart-group",
            "Non-compliant resources by group and severity",
            "non-compliant resources",
            "group",
            severity_columns.clone(),
            by_group.into_iter().collect(),
            not_placed.clone(),
        ),
        Chart::new(
            "chart-region",
            "Non-compliant resources by region",
            "non-compliant resources",
            "region",
            severity_columns,
            by_region.into_iter().collect(),
            not_placed,
        ),
        Chart::new(
            "chart-rule",
            "Findings per rule",
            "findings",
            "rule",
            Standing::ALL.map(|s| (s.label(), s.label())).to_vec(),
            by_rule.into_iter().collect(),
            vec![],
        ),
    ]
}

/// The page's policy: nothing may be loaded from anywhere, and only the page's own style
/// and script (by hash) apply. `img-src data:` is for the empty favicon, which keeps
/// browsers from asking for `/favicon.ico`.
fn csp() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        hash(STYLE),
        hash(SCRIPT)
    )
}

/// A CSP hash source: `sha256-` and the base64 of the SHA-256 of the exact text.
fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The findings as JSON, written straight into the page inside
/// `<script type="application/json">`. Every row is serialized alone and then made safe
/// for that place: `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026` (so no text
/// can close the element or open a comment), and U+2028/U+2029 are escaped too (older
/// JavaScript parsers read them as line ends). The result is still the same JSON.
struct Data<'a>(&'a Verdict);

/// One finding in the embedded data: indexes into the tables of names, then the texts.
/// `[rule, severity, status, name, id, group, region, message, note]`.
type DataRow<'a> = (
    usize,
    usize,
    usize,
    &'a str,
    &'a str,
    Option<usize>,
    Option<usize>,
    &'a str,
    String,
);

#[derive(Serialize)]
struct DataHead<'a> {
    rules: Vec<&'a str>,
    /// Each rule's framework controls, comma-separated (empty when none).
    controls: Vec<String>,
    severities: [&'static str; 5],
    statuses: Vec<&'static str>,
    standings: Vec<&'static str>,
    groups: Vec<&'a str>,
    regions: Vec<&'a str>,
    page: usize,
}

impl fmt::Display for Data<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = self.0;
        let rules: Vec<&str> = verdict.rules.iter().map(|r| r.id.as_str()).collect();
        let mut rule_index: HashMap<&str, usize> =
            rules.iter().enumerate().map(|(i, r)| (*r, i)).collect();
        let mut rules = rules;
        let mut groups = BTreeSet::new();
        let mut regions = BTreeSet::new();
        for j in &verdict.findings {
            let p = place(&j.finding.subject);
            groups.extend(p.group);
            regions.extend(p.region);
            // A finding of a rule that is not listed (not expected) still gets a name.
            let id = j.finding.rule.id.as_str();
            if !rule_index.contains_key(id) {
                rule_index.insert(id, rules.len());
                rules.push(id);
            }
        }
        let groups: Vec<&str> = groups.into_iter().collect();
        let regions: Vec<&str> = regions.into_iter().collect();
        let index = |names: &[&str]| -> HashMap<String, usize> {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| ((*n).to_string(), i))
                .collect()
        };
        let (group_index, region_index) = (index(&groups), index(&regions));
        let controls = rules
            .iter()
            .map(|id| {
                verdict
                    .rules
                    .iter()
                    .find(|r| r.id == *id)
                    .map(|r| r.controls.join(", "))
                    .unwrap_or_default()
            })
            .collect();
        let head = DataHead {
            rules: rules.clone(),
            controls,
            severities: Severity::DESCENDING.map(Severity::as_str),
            statuses: DISPOSITIONS.iter().map(|d| disposition_label(*d)).collect(),
            standings: DISPOSITIONS
                .iter()
                .map(|d| Standing::of(*d).label())
                .collect(),
            groups: groups.clone(),
            regions: regions.clone(),
            page: PAGE_ROWS,
        };
        let mut buf = Vec::with_capacity(512);
        let mut put = |f: &mut fmt::Formatter<'_>, value: &dyn erased::Json| -> fmt::Result {
            buf.clear();
            value.write(&mut buf).map_err(|_| fmt::Error)?;
            let text = std::str::from_utf8(&buf).map_err(|_| fmt::Error)?;
            write_escaped(f, text)
        };
        f.write_str("{\"head\":")?;
        put(f, &head)?;
        f.write_str(",\"rows\":[")?;
        // Ranked (most severe first, then rule, then resource): the order the script keeps
        // within a status when it sorts, and the order of the first page without scripts.
        for (i, j) in verdict.ranked().into_iter().enumerate() {
            if i > 0 {
                f.write_str(",\n")?;
            }
            let p = place(&j.finding.subject);
            let row: DataRow = (
                rule_index[j.finding.rule.id.as_str()],
                severity_index(j.finding.severity),
                disposition_index(j.disposition),
                p.name,
                p.id,
                p.group.map(|g| group_index[g]),
                p.region.map(|r| region_index[r]),
                &j.finding.message,
                note(j),
            );
            put(f, &row)?;
        }
        f.write_str("]}")
    }
}

/// Serializing through `&dyn`: the head and the rows are different types.
mod erased {
    pub(super) trait Json {
        fn write(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
    }
    impl<T: serde::Serialize> Json for T {
        fn write(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
            serde_json::to_writer(out, self)
        }
    }
}

/// JSON text made safe inside a `<script>` element (see [`Data`]).
fn write_escaped(f: &mut impl fmt::Write, json: &str) -> fmt::Result {
    let mut start = 0;
    for (i, c) in json.char_indices() {
        let escape = match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        f.write_str(&json[start..i])?;
        f.write_str(escape)?;
        start = i + c.len_utf8();
    }
    f.write_str(&json[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{
        baselined_verdict, context, empty_verdict, render, sample_verdict, verdict_on,
    };
    use crate::output::Format;

    /// The page with what changes between builds (style, script, their hashes, the
    /// version and the time) replaced by placeholders, so the snapshot shows content.
    fn redacted(page: &str) -> String {
        let cx = context();
        page.replace(STYLE, "[style]")
            .replace(SCRIPT, "[script]")
            .replace(&hash(STYLE), "[style-hash]")
            .replace(&hash(SCRIPT), "[script-hash]")
            .replace(&cx.version, "[version]")
            .replace(&cx.generated_at, "[time]")
    }

    /// The embedded findings, parsed back.
    fn data(page: &str) -> serde_json::Value {
        let start = page
            .find(r#"<script type="application/json" id="findings-data">"#)
            .expect("data block");
        let rest = &page[start..];
        let open = rest.find('>').unwrap() + 1;
        let close = rest.find("</script>").unwrap();
        serde_json::from_str(&rest[open..close]).unwrap()
    }

    #[test]
    fn sample() {
        let page = render(Format::Html, &sample_verdict());
        insta::assert_snapshot!(redacted(&page));
    }

    /// Every `id` in the page names one element: the script finds its form, table and
    /// pager by id (the controls table once took the filter form's id).
    #[test]
    fn every_id_names_one_element() {
        let mut verdict = sample_verdict();
        verdict.rules = verdict
            .rules
            .iter()
            .map(|r| {
                let mut r = (**r).clone();
                r.controls = vec![format!("TEST-1:{}", r.id)];
                std::sync::Arc::new(r)
            })
            .collect();
        let page = render(Format::Html, &verdict);
        let mut seen = std::collections::HashSet::new();
        for part in page.split(" id=\"").skip(1) {
            let id = part.split('"').next().unwrap();
            assert!(seen.insert(id), "id {id:?} is given twice");
        }
        assert!(
            seen.contains("controls") && seen.contains("rows"),
            "{seen:?}"
        );
    }

    #[test]
    fn empty() {
        let page = render(Format::Html, &empty_verdict());
        assert!(page.contains(r#"<section class="banner passed""#), "{page}");
        assert!(page.contains("Gate passed"));
        assert!(page.contains("No findings."), "the table says so");
        assert!(
            !page.contains(r#"id="incidents""#),
            "no incidents, no section"
        );
        insta::assert_snapshot!(redacted(&page));
    }

    #[test]
    fn banner_follows_the_verdict() {
        let page = render(Format::Html, &sample_verdict());
        // The sample has a policy error: tollgate could not decide.
        assert!(page.contains(r#"<section class="banner undecided""#));
        assert!(page.contains("Gate could not decide"));
        assert!(page.contains("tollgate::policy::runtime") || page.contains("bad data"));
        let page = render(Format::Html, &baselined_verdict());
        assert!(page.contains("1 existing"), "baseline summary");
    }

    #[test]
    fn failed_banner_and_counts() {
        let verdict = verdict_on(
            r#"{"count":2,"instance_compliant":[
              {"instance_id":"i-1","name":"a","group":"prod","region":"r1",
               "non_compliant_summary":{"non_compliant_count":1,"severity_summary":{"critical_count":1}}},
              {"instance_id":"i-2","name":"b","group":"prod","region":"r2",
               "non_compliant_summary":{"non_compliant_count":1,"severity_summary":{"critical_count":1}}}]}"#,
        );
        let page = render(Format::Html, &verdict);
        assert!(page.contains(r#"<section class="banner failed""#));
        let json = data(&page);
        assert_eq!(json["rows"].as_array().unwrap().len(), 2);
        assert_eq!(json["head"]["groups"], serde_json::json!(["prod"]));
        assert_eq!(json["head"]["regions"], serde_json::json!(["r1", "r2"]));
        // One group bar of two criticals, two region bars of one.
        let group_chart = section(&page, "chart-group");
        assert_eq!(
            group_chart.matches("<rect class=\"seg critical\"").count(),
            1
        );
        assert!(group_chart.contains("prod: 2 critical"));
        let region_chart = section(&page, "chart-region");
        assert_eq!(
            region_chart.matches("<rect class=\"seg critical\"").count(),
            2
        );
    }

    /// The part of the page from an element's id to the end of its `<figure>`.
    fn section<'p>(page: &'p str, id: &str) -> &'p str {
        let start = page.find(&format!("id=\"{id}\"")).unwrap();
        let end = page[start..].find("</figure>").unwrap();
        &page[start..start + end]
    }

    #[test]
    fn hostile_text_cannot_run_or_break_out() {
        let verdict = verdict_on(
            r#"{"count":1,"instance_compliant":[
              {"instance_id":"i-x\"><img src=x onerror=alert(1)>","name":"<script>alert('name')</script> & \"q\" 'a'","group":"</script><script>alert(2)</script>","region":"r&d",
               "non_compliant_summary":{"non_compliant_count":1,"severity_summary":{"critical_count":1}}}]}"#,
        );
        let page = render(Format::Html, &verdict);
        // The only script elements are the page's own two.
        assert_eq!(page.matches("<script").count(), 2, "{page}");
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(!page.contains("<img"), "no markup from the report");
        assert!(!page.contains("<script>alert"));
        // askama writes numeric character references.
        assert!(page
            .contains("&#60;script&#62;alert(&#39;name&#39;)&#60;/script&#62; &#38; &#34;q&#34;"));
        assert!(page.contains("r&#38;d"));
        // The data block carries the text intact, escaped for the script element.
        let json = data(&page);
        assert_eq!(
            json["rows"][0][3],
            "<script>alert('name')</script> & \"q\" 'a'"
        );
        assert_eq!(
            json["head"]["groups"][0],
            "</script><script>alert(2)</script>"
        );
        let block = &page[page.find("id=\"findings-data\">").unwrap() + 19..];
        let block = &block[..block.find("</script>").unwrap()];
        assert!(!block.contains('<') && !block.contains('>') && !block.contains('&'));
        assert!(block.contains("\\u003c/script\\u003e"));
        insta::assert_snapshot!(redacted(&page));
    }

    #[test]
    fn the_policy_allows_only_the_pages_own_style_and_script() {
        let page = render(Format::Html, &sample_verdict());
        let expected = format!(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;{}&#39;; script-src &#39;{}&#39;;"#,
            hash(STYLE),
            hash(SCRIPT)
        );
        assert!(page.contains(&expected), "{}", &page[..600]);
        // The hashed texts are exactly what the elements hold.
        assert!(page.contains(&format!("<style>{STYLE}</style>")));
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
        // Nothing is loaded from elsewhere.
        for external in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!page.contains(external), "{external}");
        }
    }

    #[test]
    fn csp_hash_is_sha256_base64() {
        // echo -n 'a' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hash("a"),
            "sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
        );
    }

    #[test]
    fn escapes_json_for_a_script_element() {
        let mut out = String::new();
        write_escaped(&mut out, "\"</script><!-- a&b \u{2028}\u{2029} ü\"").unwrap();
        assert_eq!(
            out,
            "\"\\u003c/script\\u003e\\u003c!-- a\\u0026b \\u2028\\u2029 ü\""
        );
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "</script><!-- a&b \u{2028}\u{2029} ü");
    }

    #[test]
    fn data_rows_follow_the_findings() {
        let verdict = sample_verdict();
        let page = render(Format::Html, &verdict);
        let json = data(&page);
        let rows = json["rows"].as_array().unwrap();
        assert_eq!(rows.len(), verdict.findings.len());
        let head = &json["head"];
        for (row, j) in rows.iter().zip(&verdict.findings) {
            let rule = &head["rules"][row[0].as_u64().unwrap() as usize];
            assert_eq!(rule, j.finding.rule.id.as_str());
            let sev = &head["severities"][row[1].as_u64().unwrap() as usize];
            assert_eq!(sev, j.finding.severity.as_str());
            let status = &head["statuses"][row[2].as_u64().unwrap() as usize];
            assert_eq!(status, disposition_label(j.disposition));
            assert_eq!(row[7], j.finding.message.as_str());
        }
        let waived = rows.iter().find(|r| r[8] != "").unwrap();
        assert_eq!(
            waived[8],
            "Vendor fix pending, change CHG-1234 — dba-team, until 2026-12-31"
        );
    }

    #[test]
    fn charts_count_resources_once_at_their_worst_severity() {
        let page = render(Format::Html, &sample_verdict());
        let group = section(&page, "chart-group");
        // prod: i-a (critical) and i-b (high); dev: i-c (medium warning).
        assert!(group.contains("prod: 1 critical"), "{group}");
        assert!(group.contains("prod: 1 high"), "{group}");
        assert!(group.contains("dev: 1 medium"), "{group}");
        assert!(group.contains("1 report-level finding"), "{group}");
        let rule = section(&page, "chart-rule");
        assert!(rule.contains("T-HIGH: 1 waived"), "{rule}");
        // Text equivalents: a title, a description and a table.
        assert!(group.contains("<title id=\"chart-group-title\">"));
        assert!(group.contains("<desc id=\"chart-group-desc\">"));
        assert!(group.contains("<table"));
    }

    #[test]
    fn many_groups_are_capped() {
        let nodes: Vec<String> = (0..(MAX_BARS + 5))
            .map(|i| format!(
                r#"{{"instance_id":"i-{i}","name":"n{i}","group":"g{i:02}","non_compliant_summary":{{"non_compliant_count":1,"severity_summary":{{"critical_count":1}}}}}}"#
            ))
            .collect();
        let report = format!(
            r#"{{"count":{},"instance_compliant":[{}]}}"#,
            nodes.len(),
            nodes.join(",")
        );
        let page = render(Format::Html, &verdict_on(&report));
        let group = section(&page, "chart-group");
        assert_eq!(group.matches("<g class=\"bar\"").count(), MAX_BARS);
        assert!(
            group.contains("5 more groups with 5 non-compliant resources not drawn"),
            "{group}"
        );
    }

    #[test]
    fn incidents_show_when_there_are_some() {
        let verdict = sample_verdict();
        let cx = context();
        let rows = [IncidentRow {
            sink: "incident".into(),
            action: "opened".into(),
            number: "IM-<1>".into(),
            status: "open".into(),
            title: "T-CRIT on 1 resource".into(),
            findings: 1,
        }];
        let mut out = Vec::new();
        page(&verdict, &cx, &rows).write_into(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains(r#"id="incidents""#));
        assert!(page.contains("IM-&#60;1&#62;"));
    }
}
