//! Incidents and alarms: blocking findings become Huawei COC incident tickets
//! (`coc_incident`) and COC alarms (`coc_alarm`), at most one open ticket per group of
//! findings however often the gate runs.
//!
//! This stage reads the final [`Verdict`] and never changes it: a ticket that could not be
//! opened is an error of its own (exit 2, or a warning with `best_effort`), reported next
//! to the gate's result. [`plan`] decides what to send and is pure; [`state`] remembers
//! tickets and alarms between runs; `client` talks to COC; each sink has its own file.

mod client;
pub(crate) mod coc_alarm;
pub(crate) mod coc_incident;
pub(crate) mod plan;
pub(crate) mod state;

pub(crate) use crate::model::incident::{Action, GroupBy, Mode, Record, Report, Sink};

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::cloud::CredentialVars;
use crate::error::Error;
use crate::model::Severity;
use crate::verdict::Verdict;

/// Where the state file goes when `[incident]` does not say.
pub(crate) const DEFAULT_STATE_FILE: &str = ".tollgate/incidents.json";

/// The most characters a `result_url` may have: the ticket description keeps it whole.
pub(crate) const MAX_RESULT_URL: usize = 300;

/// `[incident]` in tollgate.toml, as written. Paths are resolved by `settings`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentConfig {
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
    /// How to reach COC.
    pub(crate) fn connection(&self) -> crate::cloud::Connection {
        crate::cloud::Connection {
            endpoint: self.endpoint.clone(),
            timeout_secs: self.timeout_secs,
            max_attempts: self.max_attempts,
            ca_file: self.ca_file.clone(),
        }
    }

    /// What serde cannot check: a sink is named, and the result URL fits a description.
    pub(crate) fn validate(&self) -> Result<(), String> {
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
pub(crate) struct IncidentSettings {
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

/// What the incident stage did, and what went wrong while doing it.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub report: Report,
    /// One error per failed send (and one for a state file that could not be saved).
    pub failures: Vec<Error>,
}

/// What `--incidents on` needs, checked before anything is fetched or evaluated: the
/// Huawei credentials (and the CA file, when one is set), the COC integration key when
/// alarms are configured, and a state file that can be read and written. Checking only on
/// the day of a breach would leave a scheduled job green with a missing secret until the
/// day it matters. Every problem is named at once. A dry run needs none of it.
pub(crate) fn preflight(settings: &IncidentSettings, in_store: bool) -> Result<(), Error> {
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
    // With a ledger the state file is read once, when it is imported, and left alone
    // after; the store is checked as it is opened.
    if !in_store {
        let file =
            state::load(&settings.state_file).and_then(|_| state::writable(&settings.state_file));
        if let Err(e) = file {
            problems.push(e);
        }
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
pub(crate) fn run(
    verdict: &Verdict,
    settings: &IncidentSettings,
    now: DateTime<Utc>,
    checked: &plan::Checked<'_>,
    keeper: &mut state::Keeper<'_>,
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
    let (previous, existed) = match keeper.load() {
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
            "tollgate: no incident state at {}; starting one. Keep it between runs, or every run opens new tickets.",
            keeper.describe()
        );
    }
    let (records, failures) = client::send(&plan, settings, previous, now, keeper);
    outcome.report.records = records;
    outcome.failures = failures;
    outcome
}
