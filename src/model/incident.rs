//! The records of the incident stage, as the outputs render them: which sink, what was
//! done (opened, still open, raised, cleared, failed, or what a dry run would do), the
//! ticket number and the findings each covers. The stage that sends them lives in
//! `crate::incident`; these are only its results.

use serde::{Deserialize, Serialize};

/// `--incidents`: whether this run sends anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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

    /// The sink, the ticket number when there is one, and what became of it:
    /// `coc_incident IM-7 still open`.
    pub fn label(&self) -> String {
        let mut text = format!("{} ", self.sink.name());
        if let Some(number) = &self.incident_num {
            text.push_str(number);
            text.push(' ');
        }
        text.push_str(self.action.describe());
        text
    }

    /// One line for people: `coc_incident IM2024… opened: TITLE (3 findings)`.
    pub fn summary(&self) -> String {
        let mut text = self.label();
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
