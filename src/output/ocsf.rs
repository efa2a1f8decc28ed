//! `-o ocsf`: OCSF Compliance Finding events (class 2003, schema 1.5.0), one per finding,
//! as one JSON array: the shape Prowler's `json-ocsf` output has, so that the SIEM and
//! data-lake loaders that read those files read tollgate's too (JSON Lines would need a
//! different loader setting for each).
//!
//! The array is written one event to a line, as each is made.
//!
//! Each event: the finding's severity and status; `finding_info` (uid = the fingerprint,
//! the rule's title, the message, first and last seen from the ledger); `compliance`
//! (the rule as the control, its frameworks as standards, its controls as requirements,
//! Fail for a `deny`, Warning for a `warn`: a check that could not judge); the resource
//! (uid, name, type, region, group); tollgate as the product.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::Context;
use crate::model::{Level, Severity, Subject};
use crate::verdict::{Disposition, Judged, Verdict};

/// The OCSF version the events follow.
pub const VERSION: &str = "1.5.0";

const CLASS_UID: u32 = 2003;
const CATEGORY_UID: u32 = 2;
/// Create: every event reports a finding as this run found it.
const ACTIVITY_ID: u32 = 1;

pub(super) fn emit(verdict: &Verdict, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let time = chrono::DateTime::parse_from_rfc3339(&cx.generated_at)
        .map(|t| t.timestamp_millis())
        .unwrap_or_default();
    // One event at a time, one to a line: the array is never held whole.
    writeln!(out, "[")?;
    for (i, j) in verdict.findings.iter().enumerate() {
        if i > 0 {
            writeln!(out, ",")?;
        }
        serde_json::to_writer(&mut *out, &event(j, time, &cx.version)).map_err(io::Error::from)?;
    }
    if !verdict.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "]")
}

fn event(j: &Judged, time: i64, version: &str) -> Value {
    let f = &j.finding;
    let (status_id, status) = match j.disposition {
        Disposition::Waived | Disposition::Baseline => (3, "Suppressed"),
        _ if j.aging.is_some_and(|a| !a.new) => (2, "In Progress"),
        _ => (1, "New"),
    };
    let (compliance_id, compliance) = match f.level {
        Level::Deny => (3, "Fail"),
        Level::Warn => (2, "Warning"),
    };
    let mut frameworks: Vec<&str> = Vec::new();
    for control in &f.rule.controls {
        let framework = crate::model::rule::framework_of(control);
        if !frameworks.contains(&framework) {
            frameworks.push(framework);
        }
    }
    let mut info = Map::new();
    info.insert("uid".into(), f.fingerprint.clone().into());
    info.insert("title".into(), f.rule.title.clone().into());
    info.insert("desc".into(), f.message.clone().into());
    info.insert("types".into(), json!([f.rule.id]));
    if let Some(a) = j.aging {
        info.insert("first_seen_time".into(), a.first_seen.into());
        info.insert("last_seen_time".into(), time.into());
    }
    let (severity_id, severity) = severity(f.severity);
    json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": f.message,
        "metadata": {
            "version": VERSION,
            "product": {
                "name": "tollgate",
                "vendor_name": "tollgate",
                "version": version,
            },
            "event_code": f.rule.id,
        },
        "finding_info": info,
        "compliance": {
            "control": f.rule.id,
            "standards": frameworks,
            "requirements": f.rule.controls,
            "status_id": compliance_id,
            "status": compliance,
            "status_detail": f.message,
        },
        "resources": [resource(&f.subject)],
    })
}

fn resource(subject: &Subject) -> Value {
    match subject {
        Subject::Resource(r) => {
            let mut v = Map::new();
            v.insert("uid".into(), r.id().into());
            v.insert("type".into(), r.kind().as_str().into());
            v.insert("name".into(), r.label().into());
            if let Some(region) = r.region() {
                v.insert("region".into(), region.into());
            }
            if let Some(group) = r.group() {
                v.insert("group".into(), json!({ "name": group }));
            }
            let labels: Vec<&str> = r.provider().into_iter().chain([r.source.id()]).collect();
            v.insert("labels".into(), json!(labels));
            Value::Object(v)
        }
        Subject::Report { kind, origin } => json!({
            "uid": kind.id(),
            "type": "report",
            "name": origin.name(),
            "labels": kind.provider_name().into_iter().chain([kind.id()]).collect::<Vec<_>>(),
        }),
    }
}

/// OCSF's severity ids: 1 Informational to 5 Critical.
fn severity(s: Severity) -> (u32, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}
