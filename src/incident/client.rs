//! Sends a [`Plan`] to COC: looks up known tickets, opens new ones, raises and clears
//! alarms (each sink's calls are in its own file), and saves what it learnt to the state
//! file after every step. Requests are signed like a Huawei `[[source]]` (AK/SK or an IAM
//! token from the environment) and retried like one.
//!
//! A response counts as success only when COC says so in the body (`error_code`), and a
//! ticket counts as opened only when COC returned its number: nothing is reported as
//! done that was not.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::plan::{AlarmStep, Plan, TicketStep};
use super::state::{self, State};
use super::{coc_alarm, coc_incident, Action, IncidentSettings, Record};
use crate::cloud::http::{mask, HttpOptions};
use crate::cloud::{auth_from_env, Api, Call};
use crate::error::Error;
use crate::model::resource::Provider;

/// The default COC endpoint.
const DEFAULT_ENDPOINT: &str = "https://coc.myhuaweicloud.com";

/// `error_code` of a successful incident call.
pub(super) const INCIDENT_OK: &str = "GOM.00000000";

/// COC's response envelope.
#[derive(Deserialize)]
pub(super) struct Envelope {
    pub error_code: Option<String>,
    pub error_msg: Option<String>,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

/// The signed COC API and the headers every call carries; the sinks make their calls
/// through it.
pub(super) struct Coc {
    api: Api,
    headers: Vec<(String, String)>,
}

impl Coc {
    /// Send a call with `body` as JSON (none for a GET) and read COC's envelope.
    /// `hidden` are secrets in the path, masked wherever the call is shown.
    pub(super) fn call(
        &self,
        what: &str,
        method: &'static str,
        path: String,
        body: Option<&serde_json::Value>,
        hidden: Vec<String>,
    ) -> Result<Envelope, Error> {
        let body = match body {
            Some(value) => serde_json::to_vec(value).map_err(|e| Error::FetchBody {
                what: what.to_string(),
                reason: e.to_string(),
            })?,
            None => Vec::new(),
        };
        let call = Call {
            method,
            path,
            query: Vec::new(),
            headers: self.headers.clone(),
            body,
            hidden,
        };
        let response = self.api.send(what, &call)?;
        serde_json::from_slice(&response.body).map_err(|e| Error::FetchBody {
            what: what.to_string(),
            reason: format!("the reply is not COC's JSON envelope: {e}"),
        })
    }
}

/// Send everything in `plan`; return a record per step and the errors of the steps that
/// failed. The state file is saved whenever anything changed, also after failures, so
/// the tickets that were opened are never forgotten.
pub(super) fn send(
    plan: &Plan,
    settings: &IncidentSettings,
    previous: State,
    now: DateTime<Utc>,
    keeper: &mut state::Keeper<'_>,
) -> (Vec<Record>, Vec<Error>) {
    let mut state = previous.clone();
    let mut records = Vec::new();
    let mut failures = Vec::new();
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);

    // Saved after every step that changed it: a run killed half-way still remembers the
    // tickets it opened, and the next one does not open them again.
    let mut saved = previous;
    let mut save = |state: &State, failures: &mut Vec<Error>| {
        if *state != saved {
            match keeper.save(&saved, state) {
                Ok(()) => saved = state.clone(),
                Err(e) => failures.push(e),
            }
        }
    };
    match api(settings) {
        Ok(api) => {
            let coc = Coc {
                api,
                headers: headers(settings),
            };
            for step in &plan.tickets {
                let record = ticket(&coc, step, &mut state, &stamp);
                push(record, &mut records, &mut failures);
                save(&state, &mut failures);
            }
            if let Some(sink) = &settings.config.coc_alarm {
                match coc_alarm::integration_key(sink) {
                    Ok(key) => {
                        for step in &plan.alarms {
                            let record = alarm(&coc, &key, step, &mut state, now);
                            push(record, &mut records, &mut failures);
                            save(&state, &mut failures);
                        }
                    }
                    Err(e) => fail_all(&plan.alarms_only(), e, &mut records, &mut failures),
                }
            }
        }
        Err(e) => fail_all(plan, e, &mut records, &mut failures),
    }
    (records, failures)
}

fn push(result: (Record, Option<Error>), records: &mut Vec<Record>, failures: &mut Vec<Error>) {
    let (record, error) = result;
    records.push(record);
    failures.extend(error);
}

/// Every step failed for one reason (no credentials, no integration key): one error, a
/// failed record per step.
fn fail_all(plan: &Plan, error: Error, records: &mut Vec<Record>, failures: &mut Vec<Error>) {
    let reason = error.to_string();
    for mut record in plan.dry_run_records() {
        record.action = Action::Failed;
        record.error = Some(reason.clone());
        records.push(record);
    }
    failures.push(error);
}

impl Plan {
    /// The plan without its tickets.
    fn alarms_only(&self) -> Plan {
        Plan {
            tickets: Vec::new(),
            alarms: self.alarms.clone(),
        }
    }
}

/// The signed COC client.
pub(super) fn api(settings: &IncidentSettings) -> Result<Api, Error> {
    let config = &settings.config;
    let auth = auth_from_env(Provider::Huawei, &config.credentials, "[incident]")?;
    let defaults = HttpOptions {
        verbose: settings.verbose,
        ..HttpOptions::default()
    };
    config.connection().api(auth, DEFAULT_ENDPOINT, defaults)
}

fn headers(settings: &IncidentSettings) -> Vec<(String, String)> {
    crate::cloud::project_header(settings.config.project_id.as_deref())
}

/// Look up a known ticket, then open a new one unless it is still open.
fn ticket(coc: &Coc, step: &TicketStep, state: &mut State, stamp: &str) -> (Record, Option<Error>) {
    let mut record = step.record(Action::Failed);
    if let Some(known) = &step.known {
        match coc_incident::status(coc, &known.incident_num, &step.label) {
            Ok(status) => {
                if let Some(entry) = state.tickets.get_mut(&step.group) {
                    entry.status = Some(status.clone());
                    entry.checked_at = Some(stamp.to_string());
                }
                if !state::CLOSED.contains(&status.as_str()) {
                    record.action = Action::Existing;
                    record.incident_num = Some(known.incident_num.clone());
                    record.status = Some(status);
                    return (record, None);
                }
            }
            Err(e) => {
                record.incident_num = Some(known.incident_num.clone());
                record.error = Some(e.to_string());
                return (record, Some(e));
            }
        }
    }
    match coc_incident::create(coc, step) {
        Ok(number) => {
            state.tickets.insert(
                step.group.clone(),
                state::Ticket {
                    incident_num: number.clone(),
                    label: step.label.clone(),
                    title: step.title.clone(),
                    status: None,
                    opened_at: stamp.to_string(),
                    checked_at: None,
                },
            );
            record.action = Action::Opened;
            record.incident_num = Some(number);
            (record, None)
        }
        Err(e) => {
            record.error = Some(e.to_string());
            (record, Some(e))
        }
    }
}

/// Raise or clear an alarm.
fn alarm(
    coc: &Coc,
    key: &str,
    step: &AlarmStep,
    state: &mut State,
    now: DateTime<Utc>,
) -> (Record, Option<Error>) {
    let mut record = step.record(Action::Failed);
    match coc_alarm::send(coc, key, step) {
        Ok(()) => {
            if step.clear {
                state.alarms.remove(&step.group);
                record.action = Action::Cleared;
            } else {
                state.alarms.insert(
                    step.group.clone(),
                    coc_alarm::remembered(&step.payload, &step.key, &step.label, now),
                );
                record.action = Action::Raised;
            }
            (record, None)
        }
        Err(e) => {
            record.error = Some(e.to_string());
            (record, Some(e))
        }
    }
}

/// Success only when `error_code` is one of `ok`. The vendor's message is shown with the
/// call's secrets masked, as for an HTTP error.
pub(super) fn check(
    what: &str,
    reply: &Envelope,
    ok: &[&str],
    hidden: &[String],
) -> Result<(), Error> {
    let mask = |text: &str| mask(text, hidden);
    match reply.error_code.as_deref() {
        Some(code) if ok.contains(&code) => Ok(()),
        code => Err(Error::IncidentRejected {
            what: what.to_string(),
            code: mask(code.unwrap_or("(none)")),
            message: reply
                .error_msg
                .as_deref()
                .filter(|m| !m.trim().is_empty())
                .map_or_else(|| "COC gave no message".into(), mask),
        }),
    }
}
