//! Incidents and alarms: blocking findings become Huawei COC incident tickets
//! (`coc_incident`) and COC alarms (`coc_alarm`), at most one open ticket per group of
//! findings however often the gate runs.
//!
//! This stage reads the final [`Verdict`] and never changes it: a ticket that could not be
//! opened is an error of its own (exit 2, or a warning with `best_effort`), reported next
//! to the gate's result. [`plan`] decides what to send and is pure; [`state`] remembers
//! tickets and alarms between runs; `client` talks to COC; each sink has its own file.

mod client;
pub mod coc_alarm;
pub mod coc_incident;
pub mod plan;
pub mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::finding::Severity;
use crate::source::live::CredentialVars;
use crate::verdict::Verdict;

/// Where the state file goes when `[incident]` does not say.
pub const DEFAULT_STATE_FILE: &str = ".tollgate/incidents.json";

/// The most characters a `result_url` may have: the ticket description keeps it whole.
pub const MAX_RESULT_URL: usize = 300;

/// `--incidents`: whether this run sends anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Send nothing (the default: CI turns incidents on explicitly).
    #[default]
    Off,
    /// Print the payloads that would be sent, and send nothing.
    DryRun,
    /// Open tickets and send alarms.
    On,
}

/// How blocking findings are grouped into tickets and alarms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One per rule.
    #[default]
    Rule,
    /// One per resource (all the rules it breaks).
    Resource,
    /// One for the whole run.
    Run,
}

impl GroupBy {
    /// The name used in fingerprints and messages.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Rule => "rule",
            GroupBy::Resource => "resource",
            GroupBy::Run => "run",
        }
    }
}

/// `[incident]` in tollgate.toml, as written. Paths are resolved by `settings`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentConfig {
    /// One ticket per rule, per resource or per run.
    #[serde(default)]
    pub group_by: GroupBy,
    /// Only blocking findings at or above this severity [default: the gate's fail-on].
    pub min_severity: Option<Severity>,
    /// The state file [default: .tollgate/incidents.json beside tollgate.toml].
    pub state_file: Option<PathBuf>,
    /// A failure to send is a warning, and the gate keeps its own exit code.
    #[serde(default)]
    pub best_effort: bool,
    /// Where people find the whole result (the CI job); quoted in every ticket
    /// [default: the GitHub Actions run, GitLab job or Jenkins build, when known].
    pub result_url: Option<String>,
    /// COC base URL [default: https://coc.myhuaweicloud.com].
    pub endpoint: Option<String>,
    /// Sent as X-Project-Id when set.
    pub project_id: Option<String>,
    /// Per-request timeout, in seconds.
    pub timeout_secs: Option<u64>,
    /// Attempts per request before giving up.
    pub max_attempts: Option<u32>,
    /// A PEM file of extra root certificates.
    pub ca_file: Option<PathBuf>,
    /// Environment variable names for the Huawei credentials (as for a `[[source]]`).
    #[serde(default)]
    pub credentials: CredentialVars,
    /// Open incident tickets.
    pub coc_incident: Option<coc_incident::Config>,
    /// Send alarms.
    pub coc_alarm: Option<coc_alarm::Config>,
}

impl IncidentConfig {
    /// What serde cannot check: a sink is named, and the result URL fits a description.
    pub fn validate(&self) -> Result<(), String> {
        if self.coc_incident.is_none() && self.coc_alarm.is_none() {
            return Err(
                "[incident] names no sink: add [incident.coc_incident], [incident.coc_alarm] or both"
                    .into(),
            );
        }
        if let Some(url) = &self.result_url {
            if url.chars().count() > MAX_RESULT_URL {
                return Err(format!(
                    "[incident] result_url is longer than {MAX_RESULT_URL} characters; a ticket description holds 600"
                ));
            }
        }
        Ok(())
    }
}

/// A sink's `levels`: `defaults` (one name per severity, critical first) with the
/// configured overrides, each of which must be one of `allowed`.
pub(crate) fn levels(
    sink: &str,
    defaults: [&str; 5],
    allowed: &[&str],
    configured: BTreeMap<Severity, String>,
) -> Result<BTreeMap<Severity, String>, String> {
    let mut levels: BTreeMap<Severity, String> = Severity::DESCENDING
        .into_iter()
        .zip(defaults)
        .map(|(s, l)| (s, l.to_string()))
        .collect();
    for (severity, level) in configured {
        if !allowed.contains(&level.as_str()) {
            return Err(format!(
                "[incident.{sink}] levels.{severity} = {level:?} is not one of {}",
                allowed.join(", ")
            ));
        }
        levels.insert(severity, level);
    }
    Ok(levels)
}

/// Everything the incident stage needs, resolved by `settings`.
#[derive(Debug, Clone)]
pub struct IncidentSettings {
    pub mode: Mode,
    pub config: IncidentConfig,
    /// Blocking findings below this are left out.
    pub min_severity: Severity,
    pub state_file: PathBuf,
    /// The configured `result_url`, else the CI run's own page.
    pub result_url: Option<String>,
    /// `-v`: say each retry of a COC call on standard error.
    pub verbose: u8,
}

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new ticket was opened.
    Opened,
    /// A ticket opened by an earlier run is still open: nothing new was opened.
    Existing,
    /// Dry run: a ticket would be opened.
    WouldOpen,
    /// Dry run: a ticket from an earlier run would be looked up first, and a new one opened
    /// only if it has been completed or rejected.
    WouldCheck,
    /// An alarm was sent.
    Raised,
    /// An alarm from an earlier run was cleared (`alarmStatus: "ok"`).
    Cleared,
    /// Dry run: an alarm would be sent.
    WouldRaise,
    /// Dry run: an alarm would be cleared.
    WouldClear,
    /// Sending failed; `error` says why. Nothing was opened.
    Failed,
}

impl Action {
    /// Words for people.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Opened => "opened",
            Action::Existing => "still open",
            Action::WouldOpen => "would open",
            Action::WouldCheck => "would check",
            Action::Raised => "raised",
            Action::Cleared => "cleared",
            Action::WouldRaise => "would raise",
            Action::WouldClear => "would clear",
            Action::Failed => "failed",
        }
    }
}

/// Which sink a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sink {
    CocIncident,
    CocAlarm,
}

impl Sink {
    /// The name as configured.
    pub fn name(self) -> &'static str {
        match self {
            Sink::CocIncident => "coc_incident",
            Sink::CocAlarm => "coc_alarm",
        }
    }
}

/// One ticket or alarm, as the outputs record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub sink: Sink,
    pub action: Action,
    /// The group's fingerprint (also in the ticket description and the alarm id).
    pub group: String,
    /// The ticket title or alarm name.
    pub title: String,
    /// The COC ticket number, when one was opened or found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_num: Option<String>,
    /// The ticket's status as COC last reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fingerprints of the findings the ticket or alarm covers.
    pub findings: Vec<String>,
    /// Why sending failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Record {
    /// A record with no ticket number, status or error yet.
    pub fn new(sink: Sink, action: Action, group: &str, title: &str, findings: &[String]) -> Self {
        Record {
            sink,
            action,
            group: group.to_string(),
            title: title.to_string(),
            incident_num: None,
            status: None,
            findings: findings.to_vec(),
            error: None,
        }
    }

    /// One line for people: `coc_incident IM2024… opened: TITLE (3 findings)`.
    pub fn summary(&self) -> String {
        let mut text = format!("{} ", self.sink.name());
        if let Some(number) = &self.incident_num {
            text.push_str(number);
            text.push(' ');
        }
        text.push_str(self.action.describe());
        if let Some(status) = self
            .status
            .as_deref()
            .filter(|_| self.action == Action::Existing)
        {
            text.push_str(&format!(" ({status})"));
        }
        text.push_str(&format!(": {}", self.title));
        match self.findings.len() {
            0 => {}
            1 => text.push_str(" (1 finding)"),
            n => text.push_str(&format!(" ({n} findings)")),
        }
        if let Some(error) = &self.error {
            text.push_str(&format!(" — {error}"));
        }
        text
    }
}

/// The incident stage's result, for the outputs.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub mode: Mode,
    pub group_by: GroupBy,
    pub records: Vec<Record>,
}

impl Report {
    /// How many tickets and alarms could not be sent.
    pub fn failed(&self) -> usize {
        self.records
            .iter()
            .filter(|r| r.action == Action::Failed)
            .count()
    }

    /// The records that cover each finding, by finding fingerprint.
    pub fn by_finding(&self) -> std::collections::HashMap<&str, Vec<&Record>> {
        let mut index: std::collections::HashMap<&str, Vec<&Record>> = Default::default();
        for record in &self.records {
            for finding in &record.findings {
                index.entry(finding.as_str()).or_default().push(record);
            }
        }
        index
    }
}

/// What a finding's entry in an output says of its ticket or alarm.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRef<'a> {
    pub sink: Sink,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_num: Option<&'a str>,
    pub group: &'a str,
}

impl<'a> TicketRef<'a> {
    /// The reference to `record`.
    pub fn of(record: &'a Record) -> Self {
        TicketRef {
            sink: record.sink,
            action: record.action,
            incident_num: record.incident_num.as_deref(),
            group: &record.group,
        }
    }
}

/// What the incident stage did, and what went wrong while doing it.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    /// One error per failed send (and one for a state file that could not be saved).
    pub failures: Vec<Error>,
}

/// What `--incidents on` needs, checked before anything is fetched or evaluated: the
/// Huawei credentials (and the CA file, when one is set), the COC integration key when
/// alarms are configured, and a state file that can be read and written. Checking only on
/// the day of a breach would leave a scheduled job green with a missing secret until the
/// day it matters. Every problem is named at once. A dry run needs none of it.
pub fn preflight(settings: &IncidentSettings) -> Result<(), Error> {
    if settings.mode != Mode::On {
        return Ok(());
    }
    let mut problems = Vec::new();
    if let Err(e) = client::api(settings) {
        problems.push(e);
    }
    if let Some(sink) = &settings.config.coc_alarm {
        if let Err(e) = coc_alarm::integration_key(sink) {
            problems.push(e);
        }
    }
    if let Err(e) =
        state::load(&settings.state_file).and_then(|_| state::writable(&settings.state_file))
    {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::IncidentSetup { errors: problems })
    }
}

/// Plan and, unless it is a dry run, send. `checked` says which groups this run looked
/// at, so that only their alarms can be cleared (see [`plan::Checked`]). Every failure, an
/// unusable state file included, is in the outcome's `failures`: the gate's result is
/// written either way.
pub fn run(
    verdict: &Verdict,
    settings: &IncidentSettings,
    now: DateTime<Utc>,
    checked: &plan::Checked<'_>,
) -> Outcome {
    let mut outcome = Outcome {
        report: Report {
            mode: settings.mode,
            group_by: settings.config.group_by,
            records: Vec::new(),
        },
        failures: Vec::new(),
    };
    if settings.mode == Mode::Off {
        return outcome;
    }
    let (previous, existed) = match state::load(&settings.state_file) {
        Ok(loaded) => loaded,
        Err(e) => {
            outcome.failures.push(e);
            return outcome;
        }
    };
    let plan = plan::plan(verdict, settings, &previous, now, checked);
    if settings.mode == Mode::DryRun {
        // Standard error: standard output may be carrying a JSON or SARIF document.
        let _ = plan::print(
            &plan,
            &settings.state_file,
            existed,
            &mut std::io::stderr().lock(),
        );
        outcome.report.records = plan.dry_run_records();
        return outcome;
    }
    if plan.is_empty() {
        // Nothing to send: no credentials needed, nothing to save.
        return outcome;
    }
    if !existed {
        eprintln!(
            "tollgate: no incident state at {}; starting one. Keep this file between runs, or every run opens new tickets.",
            settings.state_file.display()
        );
    }
    let (records, failures) = client::send(&plan, settings, previous, now);
    outcome.report.records = records;
    outcome.failures = failures;
    outcome
}
