//! Which tickets and alarms a verdict calls for, with their exact payloads. Pure: no
//! clock, no network, no files; the same verdict, settings and state give the same plan.
//!
//! Findings are grouped (per rule, resource or run); each group has a fingerprint that is
//! stable across runs, so a group's ticket can be recognised the next time:
//! the first 16 bytes, in hex, of SHA-256(`tollgate.incident` + "\0" + `GROUP_BY:KEY`), where
//! KEY is the rule id, the resource id, or `all` (see [`crate::model::fingerprint`]).

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{coc_alarm, coc_incident, state, Action, GroupBy, IncidentSettings, Record, Sink};
use crate::model::{Severity, Subject};
use crate::verdict::{Judged, Verdict};

/// The most findings a description lists before "… and N more".
const LISTED: usize = 20;

/// Blocking findings that share one ticket.
#[derive(Debug)]
pub(crate) struct Group<'a> {
    pub fingerprint: String,
    /// `rule:ID`, `resource:ID` or `run:all`: what the fingerprint is made of.
    pub key: String,
    /// What the group is, for people: `rule PATCH-001`, `resource ecs-1`, `this run`.
    pub label: String,
    /// The highest severity among the findings.
    pub severity: Severity,
    pub findings: Vec<&'a Judged>,
}

impl Group<'_> {
    /// The one resource every finding is about, if there is one: (id, name).
    pub(crate) fn resource(&self) -> Option<(&str, &str)> {
        let first = self.findings.first()?;
        let Subject::Resource(r) = &first.finding.subject else {
            return None;
        };
        self.findings
            .iter()
            .all(|j| j.finding.subject.id() == r.id())
            .then(|| (r.id(), r.label()))
    }

    /// The fingerprints of the findings.
    pub(crate) fn finding_fingerprints(&self) -> Vec<String> {
        self.findings
            .iter()
            .map(|j| j.finding.fingerprint.clone())
            .collect()
    }
}

/// The fingerprint of a group (see the module documentation).
pub(crate) fn group_fingerprint(group_by: GroupBy, key: &str) -> String {
    crate::model::fingerprint::of(
        "tollgate.incident",
        &format!("{}:{key}", group_by.name()),
        None,
    )
}

/// The blocking findings at or above `min_severity`, grouped, in the verdict's order
/// (rules by id, then report and resource order).
pub(crate) fn groups(
    verdict: &Verdict,
    group_by: GroupBy,
    min_severity: Severity,
) -> Vec<Group<'_>> {
    let mut order: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<String, Group<'_>> = BTreeMap::new();
    for judged in verdict
        .findings
        .iter()
        .filter(|j| j.blocking && j.finding.severity >= min_severity)
    {
        let finding = &judged.finding;
        let (key, label) = match group_by {
            GroupBy::Rule => (finding.rule.id.clone(), format!("rule {}", finding.rule.id)),
            GroupBy::Resource => (
                finding.subject.id().to_string(),
                match &finding.subject {
                    Subject::Resource(r) => format!("resource {}", r.label()),
                    other => other.label(),
                },
            ),
            GroupBy::Run => ("all".to_string(), "this run".to_string()),
        };
        let group = by_key.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Group {
                fingerprint: group_fingerprint(group_by, &key),
                key: format!("{}:{key}", group_by.name()),
                label,
                severity: finding.severity,
                findings: Vec::new(),
            }
        });
        group.severity = group.severity.max(finding.severity);
        group.findings.push(judged);
    }
    order.iter().filter_map(|key| by_key.remove(key)).collect()
}

/// Length as the vendor's limits count it. COC documents limits in characters; counting
/// UTF-16 units keeps within them whether the service counts code points or (as Java
/// strings do) UTF-16 units, since an emoji is one of the first and two of the second.
pub(crate) fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` cut to at most `max` units (see [`units`]) on a character boundary, ending in
/// "…" when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + c.len_utf16() + 1 > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// The title of a group's ticket, at most `max` units.
pub(crate) fn title(group: &Group, max: usize) -> String {
    let n = group.findings.len();
    let findings = if n == 1 {
        "1 blocking finding".to_string()
    } else {
        format!("{n} blocking findings")
    };
    let text = match group.findings.first().map(|j| &j.finding) {
        Some(first) if group.label.starts_with("rule ") => format!(
            "[tollgate] {} {}: {findings} ({})",
            first.rule.id, first.rule.title, group.severity
        ),
        _ => format!(
            "[tollgate] {}: {findings} ({})",
            group.label, group.severity
        ),
    };
    cut(&text, max)
}

/// Where a ticket's reader finds the whole result.
pub(crate) fn pointer(result_url: Option<&str>) -> String {
    match result_url {
        Some(url) => format!("Full result: {url}"),
        None => "Full result: the tollgate outputs of this run".to_string(),
    }
}

/// The description of a group's ticket or alarm, at most `max` units. The pointer line and
/// the fingerprint are never cut: the findings are listed while they fit, then
/// "… and N more".
pub(crate) fn description(group: &Group, pointer: Option<&str>, max: usize) -> String {
    let tail = match pointer {
        Some(p) => format!("\n{p}\nFingerprint: {}", group.fingerprint),
        None => format!("\nFingerprint: {}", group.fingerprint),
    };
    let total = group.findings.len();
    let head = format!(
        "tollgate: {total} blocking finding{} for {}, highest severity {}.",
        if total == 1 { "" } else { "s" },
        group.label,
        group.severity
    );
    let more = |n: usize| format!("\n… and {n} more");
    let room = max.saturating_sub(units(&tail));
    let mut body = cut(&head, room);
    let mut listed = 0;
    for judged in group.findings.iter().take(LISTED) {
        let f = &judged.finding;
        // Messages usually name their resource; the label is added when it does not.
        let label = f.subject.label();
        let line = if f.message.contains(label.as_str()) {
            format!("\n- {} [{}] {}", f.rule.id, f.severity, f.message)
        } else {
            format!("\n- {} [{}] {label}: {}", f.rule.id, f.severity, f.message)
        };
        let left_after = total - listed - 1;
        let reserve = if left_after > 0 {
            units(&more(left_after))
        } else {
            0
        };
        if units(&body) + units(&line) + reserve <= room {
            body.push_str(&line);
            listed += 1;
            continue;
        }
        // A long first finding is still worth a cut line; later ones are summed up.
        let space = room.saturating_sub(units(&body) + reserve);
        if listed == 0 && space >= 24 {
            body.push_str(&cut(&line, space));
            listed = 1;
        }
        break;
    }
    let left = total - listed;
    if left > 0 && units(&body) + units(&more(left)) <= room {
        body.push_str(&more(left));
    }
    // Only a tail longer than `max` itself could overflow; the limit holds regardless.
    body.push_str(&tail);
    cut(&body, max)
}

/// A ticket to open, unless an earlier one is still open.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TicketStep {
    pub group: String,
    pub label: String,
    pub title: String,
    pub findings: Vec<String>,
    /// The body of POST /v1/external/incident/create.
    pub payload: Value,
    /// A ticket an earlier run opened for this group and has not seen closed.
    pub known: Option<state::Ticket>,
}

/// An alarm to send: raised for a group that breaches, cleared for one that no longer does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AlarmStep {
    pub group: String,
    /// See [`Group::key`].
    pub key: String,
    pub label: String,
    pub title: String,
    pub findings: Vec<String>,
    /// The body of POST /v1/event/huawei/custom/{integration_key}.
    pub payload: Value,
    /// `alarmStatus` is "ok".
    pub clear: bool,
}

/// Everything a run would send.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plan {
    pub tickets: Vec<TicketStep>,
    pub alarms: Vec<AlarmStep>,
}

impl Plan {
    /// Nothing to send.
    pub(crate) fn is_empty(&self) -> bool {
        self.tickets.is_empty() && self.alarms.is_empty()
    }

    /// What a dry run reports.
    pub(crate) fn dry_run_records(&self) -> Vec<Record> {
        let tickets = self.tickets.iter().map(|t| {
            let action = match t.known {
                Some(_) => Action::WouldCheck,
                None => Action::WouldOpen,
            };
            let mut record = t.record(action);
            record.incident_num = t.known.as_ref().map(|k| k.incident_num.clone());
            record.status = t.known.as_ref().and_then(|k| k.status.clone());
            record
        });
        let alarms = self.alarms.iter().map(|a| {
            a.record(match a.clear {
                true => Action::WouldClear,
                false => Action::WouldRaise,
            })
        });
        tickets.chain(alarms).collect()
    }
}

impl TicketStep {
    /// A record of this ticket with `action`, no number and no status yet.
    pub(crate) fn record(&self, action: Action) -> Record {
        Record::new(
            Sink::CocIncident,
            action,
            &self.group,
            &self.title,
            &self.findings,
        )
    }
}

impl AlarmStep {
    /// A record of this alarm with `action`.
    pub(crate) fn record(&self, action: Action) -> Record {
        Record::new(
            Sink::CocAlarm,
            action,
            &self.group,
            &self.title,
            &self.findings,
        )
    }
}

/// What a run looked at. An alarm is cleared only when the run checked its group: its
/// rule ran, or its resource was in the reports, and no policy failed. A run with fewer
/// policies or other reports must not report a breach it never looked at as fixed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Checked<'a> {
    /// No policy failed on any resource.
    pub complete: bool,
    /// Ids of the rules that ran.
    pub rules: HashSet<&'a str>,
    /// Ids of the resources evaluated (and the report kind ids, for report-level findings).
    pub resources: HashSet<&'a str>,
}

impl Checked<'_> {
    /// Did this run check the group with this key (`rule:ID`, `resource:ID`, `run:all`)?
    pub(crate) fn covers(&self, key: &str) -> bool {
        self.complete
            && match key.split_once(':') {
                Some(("rule", id)) => self.rules.contains(id),
                Some(("resource", id)) => self.resources.contains(id),
                Some(("run", _)) => true,
                _ => false,
            }
    }
}

/// The plan for a verdict: a ticket and an alarm per group, and a clearing alarm for every
/// group alarmed before that `checked` covers and that no longer breaches.
pub(crate) fn plan(
    verdict: &Verdict,
    settings: &IncidentSettings,
    previous: &state::State,
    now: DateTime<Utc>,
    checked: &Checked<'_>,
) -> Plan {
    let config = &settings.config;
    let groups = groups(verdict, config.group_by, settings.min_severity);
    let url = settings.result_url.as_deref();
    let mut plan = Plan::default();
    if let Some(sink) = &config.coc_incident {
        for group in &groups {
            let title = title(group, coc_incident::MAX_TITLE);
            let payload = coc_incident::payload(
                sink,
                group,
                &title,
                &description(group, Some(&pointer(url)), coc_incident::MAX_DESCRIPTION),
            );
            plan.tickets.push(TicketStep {
                group: group.fingerprint.clone(),
                label: group.label.clone(),
                title,
                findings: group.finding_fingerprints(),
                payload,
                known: previous
                    .tickets
                    .get(&group.fingerprint)
                    .filter(|t| !t.is_closed())
                    .cloned(),
            });
        }
    }
    if let Some(sink) = &config.coc_alarm {
        for group in &groups {
            let name = title(group, coc_alarm::MAX_TEXT);
            let payload = coc_alarm::raise(
                sink,
                group,
                &name,
                // The alarm carries the result URL in its own `URL` field.
                &description(group, None, coc_alarm::MAX_TEXT),
                url,
                now,
            );
            plan.alarms.push(AlarmStep {
                group: group.fingerprint.clone(),
                key: group.key.clone(),
                label: group.label.clone(),
                title: name,
                findings: group.finding_fingerprints(),
                payload,
                clear: false,
            });
        }
        for (fingerprint, raised) in &previous.alarms {
            if groups.iter().any(|g| &g.fingerprint == fingerprint)
                || !checked.covers(&raised.group)
            {
                continue;
            }
            plan.alarms.push(AlarmStep {
                group: fingerprint.clone(),
                key: raised.group.clone(),
                label: raised.label.clone(),
                title: raised.alarm_name.clone(),
                findings: Vec::new(),
                payload: coc_alarm::clear(sink, fingerprint, raised, url, now),
                clear: true,
            });
        }
    }
    plan
}

/// The dry run's report: every payload, exactly as it would be sent.
pub(crate) fn print(
    plan: &Plan,
    state_file: &Path,
    state_existed: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "tollgate: incidents dry run: nothing is sent")?;
    if !state_existed {
        writeln!(
            out,
            "tollgate: no incident state at {}: no earlier ticket is known",
            state_file.display()
        )?;
    }
    if plan.is_empty() {
        writeln!(out, "tollgate: no ticket or alarm to send")?;
    }
    for t in &plan.tickets {
        match &t.known {
            Some(known) => writeln!(
                out,
                "coc_incident: {}: ticket {} from {} (last seen {}) is looked up first; while it is open it suppresses this ticket:",
                t.label,
                known.incident_num,
                state_file.display(),
                known.status.as_deref().unwrap_or("open"),
            )?,
            None => writeln!(out, "coc_incident: {}: would open this ticket:", t.label)?,
        }
        writeln!(out, "POST {}", coc_incident::CREATE_PATH)?;
        writeln!(out, "{}", pretty(&t.payload))?;
    }
    for a in &plan.alarms {
        let verb = if a.clear {
            "would clear"
        } else {
            "would raise"
        };
        writeln!(out, "coc_alarm: {}: {verb} this alarm:", a.label)?;
        // The integration key is a secret: the path shows where it goes, not what it is.
        writeln!(out, "POST {}{{integration_key}}", coc_alarm::PATH_PREFIX)?;
        writeln!(out, "{}", pretty(&a.payload))?;
    }
    Ok(())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::sample_verdict;

    #[test]
    fn cut_keeps_whole_characters() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        // Three-byte characters: counted once each, never split.
        assert_eq!(cut("补丁缺失严重", 4), "补丁缺…");
        // An emoji is two UTF-16 units.
        assert_eq!(cut("😀😀😀", 5), "😀😀…");
        assert_eq!(
            units(&cut("😀😀😀", 4)),
            3,
            "😀 + … fits in 4, 😀😀… does not"
        );
        for max in 0..12 {
            let text = cut("é补😀x补丁😀", max);
            assert!(units(&text) <= max.max(1), "{max}: {text}");
        }
    }

    #[test]
    fn group_fingerprints_are_stable_and_distinct() {
        assert_eq!(
            group_fingerprint(GroupBy::Rule, "PATCH-001"),
            crate::model::fingerprint::of("tollgate.incident", "rule:PATCH-001", None)
        );
        assert_ne!(
            group_fingerprint(GroupBy::Rule, "x"),
            group_fingerprint(GroupBy::Resource, "x")
        );
    }

    fn settings(toml: &str) -> IncidentSettings {
        let config: super::super::IncidentConfig = toml::from_str(toml).unwrap();
        config.validate().unwrap();
        IncidentSettings {
            mode: super::super::Mode::DryRun,
            min_severity: config.min_severity.unwrap_or(Severity::High),
            state_file: "state.json".into(),
            result_url: Some("https://ci.example.com/run/7".into()),
            config,
            verbose: 0,
        }
    }

    const BOTH: &str = r#"
        [coc_incident]
        application_id = "app"
        creator = "me"
        assignee_scene = "scene"
        assignee_role = "role"
        region = "cn-north-4"
        [coc_alarm]
        application_id = "app"
    "#;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_sample_plan() {
        let verdict = sample_verdict();
        let plan = plan(
            &verdict,
            &settings(BOTH),
            &state::State::default(),
            now(),
            &everything(),
        );
        let payloads: Vec<&Value> = plan
            .tickets
            .iter()
            .map(|t| &t.payload)
            .chain(plan.alarms.iter().map(|a| &a.payload))
            .collect();
        insta::assert_json_snapshot!(payloads);
    }

    fn everything() -> Checked<'static> {
        Checked {
            complete: true,
            rules: ["GONE-1"].into(),
            resources: Default::default(),
        }
    }

    #[test]
    fn known_tickets_and_alarms_shape_the_plan() {
        let verdict = sample_verdict();
        let settings = settings(BOTH);
        let fresh = plan(
            &verdict,
            &settings,
            &state::State::default(),
            now(),
            &everything(),
        );
        assert!(!fresh.tickets.is_empty());
        assert!(fresh.tickets.iter().all(|t| t.known.is_none()));
        let first = fresh.tickets[0].group.clone();

        let mut previous = state::State::default();
        let ticket = |status: &str| state::Ticket {
            incident_num: "IM1".into(),
            label: String::new(),
            title: String::new(),
            status: Some(status.into()),
            opened_at: "2026-11-22T12:00:00Z".into(),
            checked_at: None,
        };
        previous
            .tickets
            .insert(first.clone(), ticket("INCIDENT_STATUS_ACKNOWLEDGED"));
        previous.alarms.insert(
            "gone".into(),
            state::Alarm {
                group: "rule:GONE-1".into(),
                label: "rule GONE-1".into(),
                alarm_name: "[tollgate] GONE-1".into(),
                alarm_level: "Major".into(),
                resource_id: None,
                resource_name: None,
                raised_at: "2026-11-22T12:00:00Z".into(),
            },
        );
        let next = plan(&verdict, &settings, &previous, now(), &everything());
        assert_eq!(next.tickets[0].known.as_ref().unwrap().incident_num, "IM1");
        let clear = next.alarms.iter().find(|a| a.clear).unwrap();
        assert_eq!(clear.payload["alarmId"], "gone");
        assert_eq!(clear.payload["alarmStatus"], "ok");
        assert_eq!(clear.payload["alarmLevel"], "Major");
        let records = next.dry_run_records();
        assert!(records.iter().any(|r| r.action == Action::WouldCheck));
        assert!(records.iter().any(|r| r.action == Action::WouldClear));

        // Policy errors: nothing is cleared on the strength of a missing group.
        let broken = Checked {
            complete: false,
            ..everything()
        };
        let careful = plan(&verdict, &settings, &previous, now(), &broken);
        assert!(careful.alarms.iter().all(|a| !a.clear));
        // Nor when GONE-1 did not run this time.
        let partial = plan(
            &verdict,
            &settings,
            &previous,
            now(),
            &Checked {
                complete: true,
                ..Default::default()
            },
        );
        assert!(partial.alarms.iter().all(|a| !a.clear));

        // A completed ticket no longer suppresses a new one.
        previous
            .tickets
            .insert(first, ticket("INCIDENT_STATUS_COMPLETED"));
        let after = plan(&verdict, &settings, &previous, now(), &everything());
        assert!(after.tickets[0].known.is_none());
    }

    #[test]
    fn descriptions_keep_their_tail_whatever_the_limit() {
        let verdict = sample_verdict();
        let groups = groups(&verdict, GroupBy::Run, Severity::Info);
        let group = &groups[0];
        let url = pointer(Some("https://ci.example.com/run/7"));
        for max in [120, 160, 255, 600] {
            let text = description(group, Some(&url), max);
            assert!(units(&text) <= max, "{max}: {text}");
            assert!(
                text.ends_with(&format!("Fingerprint: {}", group.fingerprint)),
                "{text}"
            );
            assert!(text.contains(&url), "{text}");
        }
        let roomy = description(group, Some(&url), 600);
        assert!(
            roomy.contains(&group.findings[0].finding.message),
            "{roomy}"
        );
    }

    #[test]
    fn groups_only_blocking_findings_at_or_above_the_minimum() {
        let verdict = sample_verdict();
        let blocking = verdict.findings.iter().filter(|j| j.blocking).count();
        let all: usize = groups(&verdict, GroupBy::Rule, Severity::Info)
            .iter()
            .map(|g| g.findings.len())
            .sum();
        assert_eq!(all, blocking);
        let run = groups(&verdict, GroupBy::Run, Severity::Info);
        assert_eq!(run.len(), usize::from(blocking > 0));
        let none = groups(&verdict, GroupBy::Rule, Severity::Critical);
        assert!(none.iter().all(|g| g
            .findings
            .iter()
            .all(|j| j.finding.severity == Severity::Critical)));
    }
}
