//! `[incident.coc_alarm]`: a COC alarm per group of blocking findings, by POST
//! /v1/event/huawei/custom/{integration_key} (api-docs/huawei-coc-api-reference.txt,
//! "Integration Management"). The alarm id is the group's fingerprint, so every run
//! refreshes the same alarm, and a group that no longer breaches is sent once more with
//! `alarmStatus: "ok"` to clear it.
//!
//! The integration key lets anyone who has it post alarms, so it is a secret: it is read
//! from an environment variable and masked wherever a request is shown.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{check, Coc, INCIDENT_OK};
use super::plan::{AlarmStep, Group};
use super::state;
use crate::error::Error;
use crate::model::Severity;

/// The path, before the integration key.
pub(crate) const PATH_PREFIX: &str = "/v1/event/huawei/custom/";

/// The limit of `alarmName`, `alarmDesc` and every other string field.
pub(crate) const MAX_TEXT: usize = 255;

/// The variable the integration key is read from when the config names none.
pub(crate) const DEFAULT_KEY_VAR: &str = "TOLLGATE_COC_INTEGRATION_KEY";

/// The documented alarm levels.
const LEVELS: [&str; 4] = ["Critical", "Major", "Minor", "Info"];

/// The sink's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Raw")]
pub(crate) struct Config {
    pub application_id: String,
    /// The environment variable holding the integration key.
    pub integration_key_env: String,
    pub namespace: String,
    pub region_id: Option<String>,
    /// `alarmLevel` for every severity.
    pub levels: BTreeMap<Severity, String>,
}

/// `[incident.coc_alarm]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    application_id: String,
    integration_key_env: Option<String>,
    #[serde(default = "default_namespace")]
    namespace: String,
    region_id: Option<String>,
    #[serde(default)]
    levels: BTreeMap<Severity, String>,
}

fn default_namespace() -> String {
    "tollgate".into()
}

/// The default level of each severity, critical first.
const DEFAULT_LEVELS: [&str; 5] = ["Critical", "Major", "Minor", "Info", "Info"];

impl TryFrom<Raw> for Config {
    type Error = String;

    fn try_from(raw: Raw) -> Result<Self, String> {
        for (key, value) in [
            ("application_id", &raw.application_id),
            ("namespace", &raw.namespace),
        ] {
            if value.trim().is_empty() || value.chars().count() > MAX_TEXT {
                return Err(format!(
                    "[incident.coc_alarm] `{key}` must have 1 to {MAX_TEXT} characters"
                ));
            }
        }
        let var = raw
            .integration_key_env
            .unwrap_or_else(|| DEFAULT_KEY_VAR.to_string());
        // The name, never the key: someone who pastes the key here must not see it echoed.
        if var.is_empty()
            || !var
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            return Err("[incident.coc_alarm] `integration_key_env` must name an environment variable (A-Z, 0-9, _), not hold the key itself".into());
        }
        let levels = super::levels("coc_alarm", DEFAULT_LEVELS, &LEVELS, raw.levels)?;
        Ok(Config {
            application_id: raw.application_id,
            integration_key_env: var,
            namespace: raw.namespace,
            region_id: raw.region_id,
            levels,
        })
    }
}

/// The integration key, from the environment. It goes into the URL path as it is, so it
/// must be made of characters a path carries unchanged (letters, digits, `-`, `_`, `.`,
/// `~`): then every message that shows the URL can mask it.
pub(crate) fn integration_key(config: &Config) -> Result<String, Error> {
    let missing = |what: &str| Error::Credentials {
        owner: "[incident.coc_alarm]".into(),
        what: what.into(),
        vars: config.integration_key_env.clone(),
    };
    let key = std::env::var(&config.integration_key_env)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing("a COC integration key"))?;
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    {
        Ok(key)
    } else {
        Err(missing(
            "a COC integration key of letters, digits, '-', '_', '.' and '~' only (the value set is not one)",
        ))
    }
}

/// The request body, field for field as the API names them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    alarm_id: &'a str,
    alarm_name: &'a str,
    alarm_level: &'a str,
    time: i64,
    name_space: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region_id: Option<&'a str>,
    application_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<&'a str>,
    alarm_desc: &'a str,
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    alarm_status: &'a str,
    alarm_source: &'a str,
}

/// The body that raises the alarm for `group`; `name` and `desc` are already cut to
/// [`MAX_TEXT`].
pub(crate) fn raise(
    config: &Config,
    group: &Group,
    name: &str,
    desc: &str,
    result_url: Option<&str>,
    now: DateTime<Utc>,
) -> Value {
    let level = config
        .levels
        .get(&group.severity)
        .map_or("Info", String::as_str);
    let resource = group.resource();
    let body = Payload {
        alarm_id: &group.fingerprint,
        alarm_name: name,
        alarm_level: level,
        time: now.timestamp_millis(),
        name_space: &config.namespace,
        region_id: config.region_id.as_deref(),
        application_id: &config.application_id,
        resource_name: resource.map(|(_, name)| cut(name)),
        resource_id: resource.map(|(id, _)| cut(id)),
        alarm_desc: desc,
        url: url(result_url),
        alarm_status: "alarm",
        alarm_source: "tollgate",
    };
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// The body that clears an alarm an earlier run raised.
pub(crate) fn clear(
    config: &Config,
    fingerprint: &str,
    raised: &state::Alarm,
    result_url: Option<&str>,
    now: DateTime<Utc>,
) -> Value {
    let desc = super::plan::cut(
        &format!(
            "tollgate: no blocking finding for {} any more; cleared.\nFingerprint: {fingerprint}",
            if raised.label.is_empty() {
                "this group"
            } else {
                &raised.label
            }
        ),
        MAX_TEXT,
    );
    let body = Payload {
        alarm_id: fingerprint,
        alarm_name: &raised.alarm_name,
        alarm_level: &raised.alarm_level,
        time: now.timestamp_millis(),
        name_space: &config.namespace,
        region_id: config.region_id.as_deref(),
        application_id: &config.application_id,
        resource_name: raised.resource_name.as_deref(),
        resource_id: raised.resource_id.as_deref(),
        alarm_desc: &desc,
        url: url(result_url),
        alarm_status: "ok",
        alarm_source: "tollgate",
    };
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// Post an alarm (raise or clear) to the integration `key`.
pub(super) fn send(coc: &Coc, key: &str, step: &AlarmStep) -> Result<(), Error> {
    let what = format!(
        "the COC alarm {} {}",
        if step.clear { "clearing" } else { "for" },
        step.label
    );
    let hidden = vec![key.to_string()];
    let reply = coc.call(
        &what,
        "POST",
        format!("{PATH_PREFIX}{key}"),
        Some(&step.payload),
        hidden.clone(),
    )?;
    // The document's example answers COC.00000000 and its table says 0; the incident
    // APIs answer GOM.00000000. Any of them is success, nothing else.
    check(&what, &reply, &["COC.00000000", INCIDENT_OK, "0"], &hidden)
}

/// What the state keeps of a raised alarm, from its payload.
pub(crate) fn remembered(
    payload: &Value,
    key: &str,
    label: &str,
    now: DateTime<Utc>,
) -> state::Alarm {
    let text = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_string);
    state::Alarm {
        group: key.to_string(),
        label: label.to_string(),
        alarm_name: text("alarmName").unwrap_or_default(),
        alarm_level: text("alarmLevel").unwrap_or_else(|| "Info".into()),
        resource_id: text("resourceId"),
        resource_name: text("resourceName"),
        raised_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// The result URL, when it fits the field.
fn url(result_url: Option<&str>) -> Option<&str> {
    result_url.filter(|u| u.chars().count() <= MAX_TEXT)
}

/// A resource id or name longer than the field allows is dropped to its start: the alarm
/// still names the resource, and the description holds the whole.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> Result<Config, String> {
        toml::from_str::<Config>(toml).map_err(|e| e.message().to_string())
    }

    #[test]
    fn config_defaults_and_checks() {
        let ok = parse("application_id = \"app\"").unwrap();
        assert_eq!(ok.namespace, "tollgate");
        assert_eq!(ok.integration_key_env, DEFAULT_KEY_VAR);
        assert_eq!(ok.levels[&Severity::High], "Major");
        let err =
            parse("application_id = \"app\"\nintegration_key_env = \"sk-123abc\"").unwrap_err();
        assert!(err.contains("name an environment variable"), "{err}");
        assert!(!err.contains("sk-123abc"), "the value is not echoed: {err}");
        let err = parse("application_id = \"app\"\nlevels = { low = \"Warning\" }").unwrap_err();
        assert!(err.contains("levels.low"), "{err}");
        assert!(parse("application_id = \"\"").is_err());
    }
}
