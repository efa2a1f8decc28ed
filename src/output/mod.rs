//! Outputs: one file per format, each an `emit(verdict, cx, out)` that writes a stream.
//! `write_all` sends each requested format to standard output or to a file; files are
//! written to a temporary file in the same directory and renamed into place, so a CI step
//! never picks up half a file. Emitters never read the clock or the environment: time,
//! version and colour come in through [`Context`].

mod csv;
mod github;
pub mod history;
mod html;
mod human;
pub mod intoto;
mod json;
mod junit;
mod markdown;
pub mod ocsf;
pub mod rules;
pub mod sarif;
pub(crate) mod test_run;

use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::Error;
use crate::verdict::{Judged, Verdict};

/// The output formats; the names are what `-o` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Findings grouped by rule, for people.
    Human,
    /// The whole result, `tollgate.result/v1`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// JUnit XML: a testsuite per rule, a testcase per finding.
    Junit,
    /// GitHub Actions workflow commands (annotations) and a step summary.
    Github,
    /// A Markdown summary for a pull-request comment.
    Markdown,
    /// One self-contained HTML page: verdict, charts, a sortable findings table, evidence.
    Html,
    /// One row per finding, RFC 4180, for spreadsheets.
    Csv,
    /// An in-toto Statement v1 with the test-result predicate, about `--subject`s.
    Intoto,
    /// The test-result predicate alone, for a signer that builds the statement.
    IntotoPredicate,
    /// OCSF Compliance Finding events, for SIEMs and security data lakes.
    Ocsf,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 11] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Markdown,
        Format::Html,
        Format::Csv,
        Format::Intoto,
        Format::IntotoPredicate,
        Format::Ocsf,
    ];

    /// The name `-o` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Intoto => "intoto",
            Format::IntotoPredicate => "intoto-predicate",
            Format::Ocsf => "ocsf",
        }
    }
}

/// One `-o FORMAT[=PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    /// `None` is standard output.
    pub path: Option<PathBuf>,
}

impl FromStr for OutputSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, path) = split_target(s)?;
        let format = Format::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown output format {name:?}; formats are: {}",
                    names.join(", ")
                )
            })?;
        Ok(OutputSpec { format, path })
    }
}

/// `NAME` or `NAME=PATH` (`NAME=-` is standard output, as is `NAME`): the name, and the
/// file when there is one.
pub(crate) fn split_target(s: &str) -> Result<(&str, Option<PathBuf>), String> {
    match s.split_once('=') {
        None | Some((_, "-")) => Ok((s.split('=').next().unwrap_or(s), None)),
        Some((name, "")) => Err(format!(
            "-o {name}= names no file; write -o {name}=PATH or -o {name}"
        )),
        Some((name, path)) => Ok((name, Some(PathBuf::from(path)))),
    }
}

/// Write one output to its target: standard output (`path` = `None`), or a file written
/// atomically. `write` learns which (`true` for a file), to leave colour out of files.
pub(crate) fn deliver(
    path: Option<&Path>,
    what: &str,
    write: impl FnOnce(&mut dyn Write, bool) -> std::io::Result<()>,
) -> Result<(), Error> {
    let written = match path {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            write(&mut out, false).and_then(|()| out.flush())
        }
        Some(path) => crate::fsx::write_atomically(path, |out| write(out, true)),
    };
    written.map_err(|source| Error::Write {
        what: what.to_string(),
        path: path.map_or_else(|| PathBuf::from("-"), Path::to_path_buf),
        source,
    })
}

/// What emitters may know beyond the verdict.
#[derive(Debug, Clone)]
pub struct Context {
    /// The decision record, when an output carries it.
    pub decision: Option<crate::model::decision::Decision>,
    /// The release artifacts and CI run of `-o intoto`.
    pub attestation: Option<intoto::Attestation>,
    /// tollgate's version.
    pub version: String,
    /// When the gate ran, RFC 3339.
    pub generated_at: String,
    /// Colour the human format (only ever true for a terminal on standard output).
    pub color: bool,
    /// The working directory: SARIF names report files relative to it.
    pub base_dir: Option<PathBuf>,
    /// SARIF `automationDetails.id` prefix: tells apart several gates in one repository.
    pub category: String,
    /// The file GitHub reads the step summary from (`$GITHUB_STEP_SUMMARY`), when set.
    pub step_summary: Option<PathBuf>,
    /// The tickets and alarms this run opened, found or would send; `None` when
    /// `--incidents` is off.
    pub incidents: Option<crate::model::incident::Report>,
    /// `--sarif-max-results`: the most results `-o sarif` writes.
    pub sarif_max_results: usize,
}

/// Write one format.
pub fn emit(
    format: Format,
    verdict: &Verdict,
    cx: &Context,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    emit_in(format, verdict, cx, cx.color, out)
}

/// [`emit`], colouring the human format only when `color` says so: one [`Context`] serves
/// every output, and a copy of it per output would copy its incident records too.
fn emit_in(
    format: Format,
    verdict: &Verdict,
    cx: &Context,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::emit(verdict, cx, color, out),
        Format::Json => json::emit(verdict, cx, out),
        Format::Sarif => sarif::emit(verdict, cx, out),
        Format::Junit => junit::emit(verdict, cx, out),
        Format::Github => github::emit(verdict, cx, out),
        Format::Markdown => markdown::emit(verdict, cx, out),
        Format::Html => html::emit(verdict, cx, out),
        Format::Csv => csv::emit(verdict, cx, out),
        Format::Intoto => intoto::emit(verdict, cx, out),
        Format::IntotoPredicate => intoto::emit_predicate(verdict, cx, out),
        Format::Ocsf => ocsf::emit(verdict, cx, out),
    }
}

/// Write every requested output. At most one may go to standard output.
pub fn write_all(specs: &[OutputSpec], verdict: &Verdict, cx: &Context) -> Result<(), Error> {
    let files: Vec<&OutputSpec> = specs.iter().filter(|s| in_parallel(s)).collect();
    let together = files.len() > 1 && independent(&files, specs, cx);
    // When the files go together: standard output and the GitHub format (which appends to
    // the step summary) first, in the order given, so annotations appear even when a file
    // cannot be written; then the files on all cores. Otherwise every output in the order
    // given. The error shown is the first failing output in that order.
    for spec in specs.iter().filter(|s| !(together && in_parallel(s))) {
        unless_reader_left(write_one(spec, verdict, cx))?;
    }
    if together {
        let written: Vec<Result<(), Error>> = files
            .par_iter()
            .map(|spec| unless_reader_left(write_one(spec, verdict, cx)))
            .collect();
        written.into_iter().collect::<Result<(), Error>>()?;
    }
    Ok(())
}

/// A closed standard output (`tollgate check | head`) means the reader stopped reading: it
/// ends that output and nothing else. The file outputs are still written, and `check` and
/// `test` still exit with their verdict; treating it as success, as `main` does for
/// commands that only print, would pass a failing gate.
pub(crate) fn unless_reader_left(written: Result<(), Error>) -> Result<(), Error> {
    match written {
        Err(err) if err.is_broken_pipe() => Ok(()),
        other => other,
    }
}

/// Written to its own file, with nothing else to touch.
fn in_parallel(spec: &OutputSpec) -> bool {
    spec.path.is_some() && spec.format != Format::Github
}

/// Can these files be written at the same time? Only when each has its own file name
/// (which also rules out one file reached by two spellings, `a.json` and `./a.json`), none
/// is the step summary the GitHub format appends to, and none exists as anything but a
/// regular file (a device or FIFO is written in place, and two writers would interleave).
fn independent(parallel: &[&OutputSpec], specs: &[OutputSpec], cx: &Context) -> bool {
    let mut names = std::collections::HashSet::new();
    if specs.iter().any(|s| s.format == Format::Github) {
        if let Some(name) = cx.step_summary.as_deref().and_then(Path::file_name) {
            names.insert(name);
        }
    }
    parallel.iter().all(|spec| {
        let Some(path) = spec.path.as_deref() else {
            return false;
        };
        let regular = std::fs::metadata(path).map_or(true, |m| m.is_file());
        regular && path.file_name().is_some_and(|name| names.insert(name))
    })
}

fn write_one(spec: &OutputSpec, verdict: &Verdict, cx: &Context) -> Result<(), Error> {
    let what = format!("{} output", spec.format.as_str());
    deliver(spec.path.as_deref(), &what, |out, to_file| {
        emit_in(spec.format, verdict, cx, cx.color && !to_file, out)
    })?;
    if let (Format::Github, Some(summary)) = (spec.format, &cx.step_summary) {
        append_summary(summary, verdict, cx)?;
    }
    Ok(())
}

/// `-o github` also appends the Markdown summary to `$GITHUB_STEP_SUMMARY`, which GitHub
/// shows on the run's page. Appending is that file's contract: other steps write to it too.
fn append_summary(path: &Path, verdict: &Verdict, cx: &Context) -> Result<(), Error> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path);
    let written = file.and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        markdown::emit(verdict, cx, &mut out)?; // Markdown has no colour
        writeln!(out)?;
        out.flush()
    });
    written.map_err(|source| Error::Write {
        what: "GitHub step summary ($GITHUB_STEP_SUMMARY)".into(),
        path: path.to_path_buf(),
        source,
    })
}

/// A Unix-millisecond time as a day, `2026-11-02`.
pub(crate) fn day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.format("%Y-%m-%d").to_string())
}

/// Unix milliseconds as RFC 3339 with milliseconds.
pub(crate) fn timestamp_ms(ms: i64) -> String {
    rfc3339(ms, chrono::SecondsFormat::Millis)
}

/// A Unix-millisecond time as RFC 3339 (seconds, UTC).
pub(crate) fn timestamp(ms: i64) -> String {
    rfc3339(ms, chrono::SecondsFormat::Secs)
}

fn rfc3339(ms: i64, format: chrono::SecondsFormat) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.to_rfc3339_opts(format, true))
}

/// A rule's framework controls in a few words: `controls: NIST-800-53-r5:SI-2, …`.
/// `None` when it names none.
pub(crate) fn controls_note(rule: &crate::model::Rule) -> Option<String> {
    (!rule.controls.is_empty()).then(|| format!("controls: {}", rule.controls.join(", ")))
}

/// What the ledger says of a finding, in a few words: `first seen 2026-11-02, 8 days open,
/// due 2026-11-17` or `… overdue since 2026-11-17`. `None` without a ledger.
pub(crate) fn aging_note(j: &Judged) -> Option<String> {
    let a = j.aging?;
    let mut text = if a.new {
        format!("new, first seen {}", day(a.first_seen))
    } else {
        format!(
            "first seen {}, {} day{} open",
            day(a.first_seen),
            a.age_days,
            if a.age_days == 1 { "" } else { "s" }
        )
    };
    match a.due {
        Some(due) if a.overdue => text.push_str(&format!(", overdue since {}", day(due))),
        Some(due) => text.push_str(&format!(", due {}", day(due))),
        None => {}
    }
    Some(text)
}

/// What the ledger says of one finding, as JSON and SARIF write it.
#[derive(serde::Serialize)]
pub(crate) struct AgingView {
    first_seen: String,
    age_days: i64,
    /// `null` when no SLA days apply to the finding.
    due: Option<String>,
    new: bool,
    overdue: bool,
}

impl AgingView {
    pub(crate) fn of(a: &crate::verdict::sla::Aging) -> Self {
        AgingView {
            first_seen: timestamp(a.first_seen),
            age_days: a.age_days,
            due: a.due.map(timestamp),
            new: a.new,
            overdue: a.overdue,
        }
    }
}

/// The run's ledger counts, as SARIF's run properties carry them.
#[derive(serde::Serialize)]
pub(crate) struct LedgerCounts<'a> {
    store: &'a str,
    recorded: bool,
    new: usize,
    fixed: usize,
    overdue: usize,
    within_sla: usize,
}

impl<'a> LedgerCounts<'a> {
    pub(crate) fn of(l: &'a crate::verdict::sla::LedgerSummary) -> Self {
        LedgerCounts {
            store: &l.store,
            recorded: l.recorded,
            new: l.new,
            fixed: l.fixed.len(),
            overdue: l.overdue,
            within_sla: l.within_sla,
        }
    }
}

/// The run's ledger counts in a sentence, `None` without a ledger.
pub(crate) fn ledger_line(verdict: &Verdict) -> Option<String> {
    verdict.ledger.as_ref().map(ledger_sentence)
}

/// [`ledger_line`] of a ledger summary.
pub(crate) fn ledger_sentence(l: &crate::verdict::sla::LedgerSummary) -> String {
    format!(
        "Ledger {}: {} new and {} fixed since the last run, {} overdue, {} within SLA{}.",
        l.store,
        thousands(l.new),
        thousands(l.fixed.len()),
        thousands(l.overdue),
        thousands(l.within_sla),
        if l.recorded {
            ""
        } else {
            " (this run was not recorded)"
        }
    )
}

/// `1204` → `1,204`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::error::Error;
    use crate::model::Input;
    use crate::policy::{compile, evaluate, Globals, Limits};
    use crate::report::{load, LoadOptions};
    use crate::verdict::{decide, Options};

    /// Three nodes, with text that needs escaping in their names.
    const NODES: &str = r#"{"count":3,"instance_compliant":[
  {"instance_id":"i-a","name":"web <1> & \"co\"","group":"prod","region":"cn-north-4",
   "non_compliant_summary":{"non_compliant_count":2,"severity_summary":{"critical_count":2,"high_count":0}}},
  {"instance_id":"i-b","name":"db-ü","group":"prod",
   "non_compliant_summary":{"non_compliant_count":9,"severity_summary":{"critical_count":0,"high_count":9}}},
  {"instance_id":"i-c","name":"dev-1","group":"dev",
   "non_compliant_summary":{"non_compliant_count":1,"severity_summary":{"critical_count":1,"high_count":0}}}]}"#;

    const POLICIES: [(&str, &str); 4] = [
        (
            "t-crit.rhai",
            r#"const RULE = #{ id: "T-CRIT", title: "No criticals on prod", severity: "critical", applies_to: ["patch_node"], help: "Patch it." };
fn check(n) { if n.group == "prod" && n.missing.critical > 0 { `${n.name} misses ${n.missing.critical} critical patches` } }"#,
        ),
        (
            "t-high.rhai",
            r#"const RULE = #{ id: "T-HIGH", title: "High backlog: over 5%, per node", severity: "medium", applies_to: ["patch_node"] };
fn check(n) { if n.missing.high > 5 { deny(`${n.name}: ${n.missing.high} high`, #{ severity: "high", properties: #{ high: n.missing.high } }) }
    else if n.group == "dev" { warn("dev node\nsecond line") } }"#,
        ),
        (
            "t-adv.rhai",
            r#"const RULE = #{ id: "T-ADV", title: "Advisory ratio", severity: "critical", enforcement: "advisory", applies_to: ["patch_node"] };
fn check_report(r) { `${r.count} nodes seen` }"#,
        ),
        (
            "t-err.rhai",
            r#"const RULE = #{ id: "T-ERR", title: "Broken", severity: "low", applies_to: ["patch_node"] };
fn check(n) { if n.id == "i-c" { throw "bad data"; } }"#,
        ),
    ];

    /// Waivers for the sample: one that waives T-HIGH on db-ü by a name glob, one that
    /// expired before the sample's time, one for a rule that is not loaded.
    const WAIVERS: &str = r#"[[waiver]]
rule = "T-HIGH"
resource = "db-*"
reason = "Vendor fix pending, change CHG-1234"
owner = "dba-team"
expires = 2026-12-31

[[waiver]]
rule = "T-CRIT"
resource = "i-a"
reason = "Accepted for the October release"
owner = "sre-team"
expires = 2026-10-01

[[waiver]]
rule = "T-GONE"
resource = "*"
reason = "Rule retired"
expires = "2027-01-31"
"#;

    /// The time the sample is judged at, as in [`context`].
    const NOW: &str = "2026-11-23T00:00:00Z";

    pub(crate) fn verdict_with(
        nodes: &str,
        policies: &[(&str, &str)],
        waivers: &str,
        baseline: Option<&crate::verdict::baseline::Baseline>,
    ) -> Verdict {
        verdict_judged(nodes, policies, waivers, baseline, options())
    }

    fn verdict_judged(
        nodes: &str,
        policies: &[(&str, &str)],
        waivers: &str,
        baseline: Option<&crate::verdict::baseline::Baseline>,
        options: Options,
    ) -> Verdict {
        let input = Input {
            origin: crate::model::ReportOrigin::File("fleet.json".into()),
            text: nodes.into(),
        };
        let reports = vec![Arc::new(load(&input, LoadOptions::default()).unwrap())];
        let compiled: Vec<_> = policies
            .iter()
            .map(|(name, src)| {
                compile(
                    Path::new(name),
                    (*src).into(),
                    &Limits::default(),
                    &Globals::default(),
                )
                .unwrap()
            })
            .collect();
        let evaluation = evaluate(&compiled, &reports);
        let rules = compiled.iter().map(|p| Arc::clone(&p.rule)).collect();
        decide(
            &evaluation,
            rules,
            &reports,
            options,
            &crate::verdict::waiver::parse("waivers.toml", waivers).unwrap(),
            baseline,
        )
    }

    fn options() -> Options {
        Options {
            fail_on: crate::model::Severity::High,
            strict: false,
            now: chrono::DateTime::parse_from_rfc3339(NOW).unwrap().into(),
            no_fail: false,
        }
    }

    /// Two blocking rules (one of its findings waived), a warning, an advisory report-level
    /// finding, a policy error, an expired and an unused waiver.
    pub(crate) fn sample_verdict() -> Verdict {
        verdict_with(NODES, &POLICIES, WAIVERS, None)
    }

    /// A gate that passes with open findings: the sample's T-HIGH (a waived and a warning
    /// finding) and T-ADV (advisory), judged at `--fail-on critical`.
    pub(crate) fn passing_verdict() -> Verdict {
        let options = Options {
            fail_on: crate::model::Severity::Critical,
            ..options()
        };
        verdict_judged(NODES, &POLICIES[1..3], WAIVERS, None, options)
    }

    /// `nodes` (a COC report) judged by one critical rule that finds every node missing a
    /// critical patch, with hostile text in its title and messages: for tests of escaping
    /// and of counts on data of their own.
    pub(crate) fn verdict_on(nodes: &str) -> Verdict {
        const ANY: (&str, &str) = (
            "t-any.rhai",
            r#"const RULE = #{ id: "T-ANY", title: "No <b>criticals</b> & \"none\" 'anywhere'", severity: "critical", applies_to: ["patch_node"] };
fn check(n) { if n.missing.critical > 0 { `${n.name} misses ${n.missing.critical} critical </script><!-- & -->` } }"#,
        );
        verdict_with(nodes, &[ANY], "", None)
    }

    /// The sample compared with a baseline that holds T-CRIT on i-a and a T-HIGH finding
    /// that is gone since.
    pub(crate) fn baselined_verdict() -> Verdict {
        let base = format!(
            r#"{{"schema":"tollgate.result/v1","findings":[
                {{"rule":"T-CRIT","message":"old","fingerprint":"{}","resource":{{"id":"i-a"}}}},
                {{"rule":"T-HIGH","message":"i-z: 7 high","fingerprint":"{}","resource":{{"id":"i-z"}}}}]}}"#,
            crate::model::fingerprint::of("T-CRIT", "i-a", None),
            crate::model::fingerprint::of("T-HIGH", "i-z", None),
        );
        let base = crate::verdict::baseline::parse("base.json", &base).unwrap();
        verdict_with(NODES, &POLICIES, "", Some(&base))
    }

    /// One rule that finds nothing on a one-node report.
    pub(crate) fn empty_verdict() -> Verdict {
        let input = Input {
            origin: crate::model::ReportOrigin::File("one.json".into()),
            text: r#"{"count":1,"instance_compliant":[{"instance_id":"i-a"}]}"#.into(),
        };
        let reports = vec![Arc::new(load(&input, LoadOptions::default()).unwrap())];
        let policy = compile(
            Path::new("t.rhai"),
            POLICIES[0].1.into(),
            &Limits::default(),
            &Globals::default(),
        )
        .unwrap();
        let evaluation = evaluate(std::slice::from_ref(&policy), &reports);
        decide(
            &evaluation,
            vec![Arc::clone(&policy.rule)],
            &reports,
            options(),
            &[],
            None,
        )
    }

    pub(crate) fn context() -> Context {
        Context {
            decision: None,
            attestation: None,
            version: "0.0.0-test".into(),
            generated_at: NOW.into(),
            color: false,
            base_dir: None,
            category: "tollgate".into(),
            step_summary: None,
            incidents: None,
            sarif_max_results: crate::settings::DEFAULT_SARIF_MAX_RESULTS,
        }
    }

    pub(crate) fn render(format: Format, verdict: &Verdict) -> String {
        let mut out = Vec::new();
        emit(format, verdict, &context(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// What one rendered output says of the run: its verdict (`pass`, `fail`, `error`), the
    /// exit code and the number of blocking findings, each read the way its readers read
    /// it (JSON fields, SARIF properties and invocation, JUnit counts and its run suite, the
    /// human, GitHub, Markdown and HTML verdict lines).
    fn stated(format: Format, text: &str) -> (String, u8, usize) {
        let line_says = |line: &str| -> (String, u8, usize) {
            let verdict = if line.starts_with("PASSED:") {
                "pass"
            } else if line.starts_with("FAILED:") {
                "fail"
            } else if line.starts_with("ERROR:") {
                "error"
            } else {
                panic!("{format:?}: not a verdict line: {line}")
            };
            let exit = regex::Regex::new(r"— exit (\d)")
                .unwrap()
                .captures(line)
                .unwrap_or_else(|| panic!("{format:?}: no exit code in {line}"))[1]
                .parse()
                .unwrap();
            let blocking = regex::Regex::new(r"(\d+) blocking finding")
                .unwrap()
                .captures(line)
                .map_or(0, |c| c[1].parse().unwrap());
            (verdict.to_string(), exit, blocking)
        };
        let find_line = |prefixes: &[&str]| -> String {
            text.lines()
                .map(|l| l.trim_start_matches("<p class=\"summary\">"))
                .find(|l| prefixes.iter().any(|p| l.starts_with(p)))
                .unwrap_or_else(|| panic!("{format:?}: no verdict line in\n{text}"))
                .trim_end_matches("</p>")
                .to_string()
        };
        match format {
            Format::Csv | Format::Intoto | Format::IntotoPredicate | Format::Ocsf => {
                unreachable!("checked by their own terms")
            }
            Format::Json => {
                let doc: serde_json::Value = serde_json::from_str(text).unwrap();
                (
                    doc["verdict"].as_str().unwrap().to_string(),
                    doc["exit_code"].as_u64().unwrap() as u8,
                    doc["summary"]["blocking"].as_u64().unwrap() as usize,
                )
            }
            Format::Sarif => {
                let doc: serde_json::Value = serde_json::from_str(text).unwrap();
                let run = &doc["runs"][0];
                let verdict = run["properties"]["verdict"].as_str().unwrap().to_string();
                let successful = run["invocations"][0]["executionSuccessful"]
                    .as_bool()
                    .unwrap();
                assert_eq!(successful, verdict != "error", "SARIF executionSuccessful");
                let blocking = run["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["properties"]["blocking"] == true)
                    .count();
                let errors = run["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["level"] == "error")
                    .count();
                assert_eq!(errors, blocking, "SARIF: level error is blocking");
                (
                    verdict,
                    run["properties"]["exit_code"].as_u64().unwrap() as u8,
                    blocking,
                )
            }
            Format::Junit => {
                let doc = roxmltree::Document::parse(text).unwrap();
                let total = |a: &str| -> usize {
                    doc.descendants()
                        .filter(|n| n.has_tag_name("testsuite"))
                        .map(|n| n.attribute(a).unwrap().parse::<usize>().unwrap())
                        .sum()
                };
                let out = doc
                    .descendants()
                    .find(|n| {
                        n.has_tag_name("testsuite") && n.attribute("name") == Some("tollgate")
                    })
                    .and_then(|n| n.children().find(|c| c.has_tag_name("system-out")))
                    .and_then(|n| n.text())
                    .unwrap()
                    .to_string();
                let field = |key: &str| -> String {
                    out.lines()
                        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                        .unwrap()
                        .to_string()
                };
                let verdict = field("verdict");
                assert_eq!(total("errors") > 0, verdict == "error", "JUnit errors");
                assert_eq!(
                    field("blocking").parse::<usize>().unwrap(),
                    total("failures")
                );
                (
                    verdict,
                    field("exit_code").parse().unwrap(),
                    total("failures"),
                )
            }
            Format::Human | Format::Github => line_says(text.lines().last().unwrap()),
            Format::Markdown | Format::Html => {
                let headline = if format == Format::Markdown {
                    text.lines().next().unwrap().to_string()
                } else {
                    find_line(&["<h1 id=\"verdict\">"])
                };
                let said = line_says(&find_line(&["PASSED:", "FAILED:", "ERROR:"]));
                let expected = match said.0.as_str() {
                    "pass" => "passed",
                    "fail" => "failed",
                    _ => "could not decide",
                };
                assert!(
                    headline.to_lowercase().contains(expected),
                    "{format:?}: {headline} under {said:?}"
                );
                said
            }
        }
    }

    /// One result rendered in every format states one verdict, one exit code and
    /// one blocking count, whatever the run came to: a pass with open findings, a fail, a
    /// fail under `--no-fail`, policy errors, incidents that could not be sent, and a run
    /// that could not get as far as deciding.
    #[test]
    fn every_format_states_the_same_outcome() {
        let no_fail = {
            let mut v = baselined_verdict();
            v.errors.clear();
            v.error_count = 0;
            v.status = crate::verdict::ExitStatus::Fail;
            v.no_fail = true;
            v
        };
        let incidents_failed = {
            let mut v = passing_verdict();
            v.fail_with([crate::verdict::ErrorSummary {
                code: "tollgate::incident::send".into(),
                rule: None,
                subject: None,
                message: "2 incident ticket or alarm action(s) failed".into(),
            }]);
            v
        };
        let undecided = Verdict::undecided(
            options(),
            &Error::ReportEmptyFile {
                name: "r.json".into(),
            },
        );
        let fail = verdict_judged(NODES, &POLICIES[..2], WAIVERS, None, options());
        let cases = [
            ("pass", passing_verdict(), ("pass", 0)),
            ("fail", fail, ("fail", 1)),
            ("no-fail", no_fail, ("fail", 0)),
            ("policy errors", sample_verdict(), ("error", 2)),
            ("incidents failed", incidents_failed, ("error", 2)),
            ("undecided", undecided, ("error", 2)),
        ];
        for (name, verdict, (status, code)) in cases {
            let blocking = verdict.blocking().count();
            for format in Format::ALL {
                let text = render(format, &verdict);
                if format == Format::Csv {
                    // Rows of findings only: it states the blocking ones, not the verdict.
                    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
                    let column = reader
                        .headers()
                        .unwrap()
                        .iter()
                        .position(|h| h == "blocking");
                    let stated = reader
                        .records()
                        .filter(|r| &r.as_ref().unwrap()[column.unwrap()] == "true")
                        .count();
                    assert_eq!(stated, blocking, "{name}, csv");
                    continue;
                }
                if format == Format::Ocsf {
                    // Events of findings only: one per finding, the verdict elsewhere.
                    let events: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(
                        events.as_array().unwrap().len(),
                        verdict.findings.len(),
                        "{name}"
                    );
                    continue;
                }
                if matches!(format, Format::Intoto | Format::IntotoPredicate) {
                    // PASSED or WARNED for a pass, FAILED otherwise; the rules that block or
                    // failed among failedTests.
                    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let p = if format == Format::Intoto {
                        &doc["predicate"]
                    } else {
                        &doc
                    };
                    let result = p["result"].as_str().unwrap();
                    match status {
                        "pass" => assert!(result == "PASSED" || result == "WARNED", "{name}"),
                        _ => assert_eq!(result, "FAILED", "{name}"),
                    }
                    let failed: Vec<&str> = p["failedTests"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    for j in verdict.blocking() {
                        assert!(failed.contains(&j.finding.rule.id.as_str()), "{name}");
                    }
                    continue;
                }
                assert_eq!(
                    stated(format, &text),
                    (status.to_string(), code, blocking),
                    "{name}, {format:?}"
                );
            }
        }
    }

    #[test]
    fn every_format_records_the_tickets() {
        use crate::model::incident::{Action, GroupBy, Mode, Record, Report, Sink};
        let verdict = sample_verdict();
        let blocking: Vec<String> = verdict
            .blocking()
            .map(|j| j.finding.fingerprint.clone())
            .collect();
        assert!(!blocking.is_empty());
        let record = |sink, action, number: Option<&str>, error: Option<&str>| Record {
            sink,
            action,
            group: "g1".into(),
            title: "[tollgate] T-CRIT No criticals on prod".into(),
            incident_num: number.map(str::to_string),
            status: (action == Action::Existing).then(|| "INCIDENT_STATUS_ACKNOWLEDGED".into()),
            findings: blocking.clone(),
            error: error.map(str::to_string),
        };
        let cx = Context {
            incidents: Some(Report {
                mode: Mode::On,
                group_by: GroupBy::Rule,
                records: vec![
                    record(Sink::CocIncident, Action::Existing, Some("IM-OLD-7"), None),
                    record(Sink::CocAlarm, Action::Failed, None, Some("COC said no")),
                ],
            }),
            ..context()
        };
        for format in Format::ALL {
            let mut out = Vec::new();
            emit(format, &verdict, &cx, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            if matches!(
                format,
                Format::Intoto | Format::IntotoPredicate | Format::Ocsf
            ) {
                // An attestation is about the release, OCSF events about the findings
                // as a scanner saw them: neither carries the gate's tickets.
                continue;
            }
            assert!(text.contains("IM-OLD-7"), "{format:?}:\n{text}");
            if format != Format::Junit {
                assert!(text.contains("COC said no"), "{format:?}:\n{text}");
            }
        }
        // Off: nothing about incidents anywhere.
        for format in Format::ALL {
            assert!(!render(format, &verdict).contains("incident"), "{format:?}");
        }
    }

    #[test]
    fn parses_output_specs() {
        assert_eq!(
            "json".parse::<OutputSpec>().unwrap(),
            OutputSpec {
                format: Format::Json,
                path: None
            }
        );
        assert_eq!(
            "json=out/r.json".parse::<OutputSpec>().unwrap(),
            OutputSpec {
                format: Format::Json,
                path: Some("out/r.json".into())
            }
        );
        assert_eq!("human=-".parse::<OutputSpec>().unwrap().path, None);
        assert!("xml"
            .parse::<OutputSpec>()
            .unwrap_err()
            .contains("formats are: human, json"));
        assert!("json=".parse::<OutputSpec>().is_err());
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
