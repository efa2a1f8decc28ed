//! `[incident.coc_incident]`: one COC incident ticket per group of blocking findings, by
//! POST /v1/external/incident/create (api-docs/huawei-coc-api-reference.txt, "Creating an
//! Incident Ticket"; its level, type, source and status keys are in "Incident-related
//! Enumeration Information"). The configuration is checked when it is read, so a missing
//! assignee is found before a breach needs a ticket, not when it does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{check, Coc, Envelope, INCIDENT_OK};
use super::plan::{Group, TicketStep};
use crate::error::Error;
use crate::model::Severity;

/// Where tickets are created.
pub(crate) const CREATE_PATH: &str = "/v1/external/incident/create";

/// Where a ticket is looked up (followed by the ticket number).
pub(crate) const DETAILS_PATH: &str = "/v1/external/incident/";

/// `incident_title` limit, in characters.
pub(crate) const MAX_TITLE: usize = 200;

/// `incident_description` limit, in characters.
pub(crate) const MAX_DESCRIPTION: usize = 600;

/// The limit of every other string field.
const MAX_FIELD: usize = 255;

/// The documented incident levels, P1 to P5.
const LEVELS: [&str; 5] = ["level_10", "level_20", "level_30", "level_40", "level_50"];

/// The documented incident sources.
const SOURCES: [&str; 3] = [
    "incident_source_manual",
    "incident_source_forwarding",
    "incident_source_alarm",
];

/// The sink's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Raw")]
pub(crate) struct Config {
    pub application_id: String,
    pub creator: String,
    pub assignee: Option<String>,
    pub assignee_scene: Option<String>,
    pub assignee_role: Option<String>,
    pub incident_type: String,
    pub incident_source: String,
    pub service_interrupt: bool,
    pub region: Option<String>,
    pub enterprise_project: Option<String>,
    /// `incident_level` for every severity.
    pub levels: BTreeMap<Severity, String>,
}

/// `[incident.coc_incident]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    application_id: String,
    creator: String,
    assignee: Option<String>,
    assignee_scene: Option<String>,
    assignee_role: Option<String>,
    #[serde(default = "default_type")]
    incident_type: String,
    #[serde(default = "default_source")]
    incident_source: String,
    #[serde(default)]
    service_interrupt: bool,
    region: Option<String>,
    enterprise_project: Option<String>,
    #[serde(default)]
    levels: BTreeMap<Severity, String>,
}

fn default_type() -> String {
    "inc_type_p_security_issues".into()
}

fn default_source() -> String {
    "incident_source_forwarding".into()
}

/// The default `levels`: critical is P1, info is P5.
#[cfg(test)]
pub(crate) fn default_levels() -> BTreeMap<Severity, String> {
    super::levels("coc_incident", DEFAULT_LEVELS, &[], BTreeMap::new()).unwrap_or_default()
}

/// The default level of each severity, critical first.
const DEFAULT_LEVELS: [&str; 5] = ["level_10", "level_20", "level_30", "level_40", "level_50"];

impl TryFrom<Raw> for Config {
    type Error = String;

    fn try_from(raw: Raw) -> Result<Self, String> {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        match (
            set(&raw.assignee),
            set(&raw.assignee_scene),
            set(&raw.assignee_role),
        ) {
            (true, _, _) | (false, true, true) => {}
            (false, false, false) => {
                return Err("[incident.coc_incident] needs an assignee: set `assignee` (a user id), or `assignee_scene` and `assignee_role` together".into())
            }
            (false, _, _) => {
                return Err("[incident.coc_incident] `assignee_scene` and `assignee_role` go together: set both, or set `assignee`".into())
            }
        }
        for (key, value) in [
            ("application_id", Some(&raw.application_id)),
            ("creator", Some(&raw.creator)),
            ("assignee", raw.assignee.as_ref()),
            ("assignee_scene", raw.assignee_scene.as_ref()),
            ("assignee_role", raw.assignee_role.as_ref()),
            ("incident_type", Some(&raw.incident_type)),
            ("region", raw.region.as_ref()),
            ("enterprise_project", raw.enterprise_project.as_ref()),
        ] {
            match value {
                Some(v)
                    if v.trim().is_empty()
                        && matches!(key, "application_id" | "creator" | "incident_type") =>
                {
                    return Err(format!("[incident.coc_incident] `{key}` is empty"))
                }
                Some(v) if v.chars().count() > MAX_FIELD => {
                    return Err(format!(
                        "[incident.coc_incident] `{key}` is longer than {MAX_FIELD} characters"
                    ))
                }
                _ => {}
            }
        }
        if !raw.incident_type.starts_with("inc_type_") {
            return Err(format!(
                "[incident.coc_incident] incident_type {:?} is not a COC incident type (they start with inc_type_, e.g. inc_type_p_security_issues)",
                raw.incident_type
            ));
        }
        if !SOURCES.contains(&raw.incident_source.as_str()) {
            return Err(format!(
                "[incident.coc_incident] incident_source {:?} is not one of {}",
                raw.incident_source,
                SOURCES.join(", ")
            ));
        }
        let levels = super::levels("coc_incident", DEFAULT_LEVELS, &LEVELS, raw.levels)?;
        Ok(Config {
            application_id: raw.application_id,
            creator: raw.creator,
            assignee: raw.assignee.filter(|s| !s.trim().is_empty()),
            assignee_scene: raw.assignee_scene.filter(|s| !s.trim().is_empty()),
            assignee_role: raw.assignee_role.filter(|s| !s.trim().is_empty()),
            incident_type: raw.incident_type,
            incident_source: raw.incident_source,
            service_interrupt: raw.service_interrupt,
            region: raw.region,
            enterprise_project: raw.enterprise_project,
            levels,
        })
    }
}

/// The request body, field for field as the API names them.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    region: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    enterprise_project: Vec<&'a str>,
    current_cloud_service: [&'a str; 1],
    incident_level: &'a str,
    is_service_interrupt: bool,
    incident_type: &'a str,
    incident_title: &'a str,
    incident_description: &'a str,
    incident_source: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    incident_assignee: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_scene: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_role: Option<&'a str>,
    creator: &'a str,
}

/// The body that opens a ticket for `group`; `title` and `description` are already cut
/// to their limits.
pub(crate) fn payload(config: &Config, group: &Group, title: &str, description: &str) -> Value {
    let level = config
        .levels
        .get(&group.severity)
        .map_or("level_50", String::as_str);
    let body = Payload {
        region: config.region.as_deref().into_iter().collect(),
        enterprise_project: config.enterprise_project.as_deref().into_iter().collect(),
        current_cloud_service: [&config.application_id],
        incident_level: level,
        is_service_interrupt: config.service_interrupt,
        incident_type: &config.incident_type,
        incident_title: title,
        incident_description: description,
        incident_source: &config.incident_source,
        incident_assignee: config.assignee.as_deref().into_iter().collect(),
        assignee_scene: config.assignee_scene.as_deref(),
        assignee_role: config.assignee_role.as_deref(),
        creator: &config.creator,
    };
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// POST /v1/external/incident/create; the new ticket's number.
pub(super) fn create(coc: &Coc, step: &TicketStep) -> Result<String, Error> {
    let what = format!("the COC incident ticket for {}", step.label);
    let reply = coc.call(
        &what,
        "POST",
        CREATE_PATH.to_string(),
        Some(&step.payload),
        Vec::new(),
    )?;
    check(&what, &reply, &[INCIDENT_OK], &[])?;
    data_text(&reply, "incident_num")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            refused(
                &reply,
                what,
                "COC reported success but returned no incident_num, so no ticket can be said to exist",
            )
        })
}

/// GET /v1/external/incident/{incident_num}; the ticket's status key.
pub(super) fn status(coc: &Coc, number: &str, label: &str) -> Result<String, Error> {
    let what = format!("the COC incident ticket {number} (for {label})");
    let reply = coc.call(
        &what,
        "GET",
        format!("{DETAILS_PATH}{number}"),
        None,
        Vec::new(),
    )?;
    check(&what, &reply, &[INCIDENT_OK], &[])?;
    data_text(&reply, "status")
        .ok_or_else(|| refused(&reply, what, "the reply has no ticket status"))
}

/// `data.KEY` of a reply, when it is a string.
fn data_text(reply: &Envelope, key: &str) -> Option<String> {
    reply.data.as_ref()?.get(key)?.as_str().map(str::to_string)
}

/// A successful-looking reply that lacks what the call needs.
fn refused(reply: &Envelope, what: String, missing: &str) -> Error {
    Error::IncidentRejected {
        what,
        code: reply.error_code.clone().unwrap_or_default(),
        message: missing.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> Result<Config, String> {
        toml::from_str::<Config>(toml).map_err(|e| e.message().to_string())
    }

    #[test]
    fn an_assignee_is_required_and_scene_goes_with_role() {
        let base = "application_id = \"app\"\ncreator = \"me\"\n";
        let err = parse(base).unwrap_err();
        assert!(err.contains("needs an assignee"), "{err}");
        let err = parse(&format!("{base}assignee_scene = \"s\"")).unwrap_err();
        assert!(err.contains("go together"), "{err}");
        assert!(parse(&format!(
            "{base}assignee_scene = \"s\"\nassignee_role = \"r\""
        ))
        .is_ok());
        let ok = parse(&format!("{base}assignee = \"u1\"")).unwrap();
        assert_eq!(ok.incident_type, "inc_type_p_security_issues");
        assert_eq!(ok.incident_source, "incident_source_forwarding");
        assert_eq!(ok.levels, default_levels());
    }

    #[test]
    fn levels_override_the_defaults_and_are_checked() {
        let base = "application_id = \"app\"\ncreator = \"me\"\nassignee = \"u\"\n";
        let ok = parse(&format!("{base}levels = {{ high = \"level_10\" }}")).unwrap();
        assert_eq!(ok.levels[&Severity::High], "level_10");
        assert_eq!(ok.levels[&Severity::Critical], "level_10");
        assert_eq!(ok.levels[&Severity::Info], "level_50");
        let err = parse(&format!("{base}levels = {{ high = \"P2\" }}")).unwrap_err();
        assert!(err.contains("levels.high"), "{err}");
        let err = parse(&format!("{base}incident_source = \"email\"")).unwrap_err();
        assert!(err.contains("incident_source"), "{err}");
        let err = parse(&format!("{base}incident_type = \"security\"")).unwrap_err();
        assert!(err.contains("incident_type"), "{err}");
        let err = parse(&format!("{base}colour = \"red\"")).unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }
}
