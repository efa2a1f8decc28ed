//! Baselines: the findings of an earlier run, read from the `-o json` result it wrote
//! (`tollgate.result/v1`), so that only new findings block. This module owns reading that
//! file and answering "was this fingerprint there before?"; deciding what blocks is the
//! verdict's business. Only the fields needed are parsed (typed serde structs that skip the
//! rest), so a baseline of a large fleet costs little more than its fingerprints.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{self, Error};
use crate::model::RESULT_SCHEMA as SCHEMA;

/// The earlier run's findings.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The baseline file, as given.
    pub file: String,
    /// Every finding of the earlier run, in its order, one per fingerprint.
    pub findings: Vec<BaselineFinding>,
    fingerprints: HashSet<String>,
}

/// What a baseline keeps of one earlier finding: enough to match it and to list it as
/// fixed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct BaselineFinding {
    pub fingerprint: String,
    pub rule: String,
    /// The resource id (the report kind id for a report-level finding).
    pub resource: String,
    pub message: String,
}

impl Baseline {
    /// Was a finding with this fingerprint in the earlier run?
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
}

/// Only `schema`, read first: the rest of the document is skipped, not built.
#[derive(Deserialize)]
struct Probe {
    schema: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Document {
    findings: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    message: String,
    resource: ResourceRef,
}

#[derive(Deserialize)]
struct ResourceRef {
    id: String,
}

/// Read a baseline from `text`; `name` is the file, for messages.
pub fn parse(name: &str, text: &str) -> Result<Baseline, Error> {
    let not_a_result = |found: String| Error::BaselineSchema {
        path: name.to_string(),
        found,
    };
    // The schema is checked before anything else is read, so that a report passed as a
    // baseline by mistake is named as such, not as a missing `findings` field. serde reads a
    // struct from an array too, so an array (a paged report) is turned away first.
    if !text.trim_start().starts_with('{') {
        return match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => Err(not_a_result("the document is not a JSON object".into())),
            Err(e) => Err(json_error(name, text, &e, false)),
        };
    }
    let probe = serde_json::from_str::<Probe>(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            not_a_result("the document is not a JSON object".into())
        }
        _ => json_error(name, text, &e, false),
    })?;
    match probe.schema {
        Some(serde_json::Value::String(s)) if s == SCHEMA => {}
        Some(serde_json::Value::String(s)) if s.starts_with("tollgate.result/") => {
            return Err(not_a_result(format!(
                "its schema is {s:?}, and this tollgate reads {SCHEMA:?}"
            )))
        }
        Some(other) => return Err(not_a_result(format!("its schema is {other}"))),
        None => return Err(not_a_result("it has no \"schema\" field".into())),
    }

    let doc =
        serde_json::from_str::<Document>(text).map_err(|e| json_error(name, text, &e, true))?;
    let mut fingerprints = HashSet::with_capacity(doc.findings.len());
    let findings = doc
        .findings
        .into_iter()
        .filter(|e| fingerprints.insert(e.fingerprint.clone()))
        .map(|e| BaselineFinding {
            fingerprint: e.fingerprint,
            rule: e.rule,
            resource: e.resource.id,
            message: e.message,
        })
        .collect();
    Ok(Baseline {
        file: name.to_string(),
        findings,
        fingerprints,
    })
}

fn json_error(name: &str, text: &str, e: &serde_json::Error, field: bool) -> Error {
    // One shared text: each diagnostic quoting it costs a pointer, not a copy.
    let shared = crate::model::resource::Text::from(text);
    let at = if e.line() == 0 {
        (0, 0).into()
    } else {
        error::span_at(text, e.line(), e.column())
    };
    // serde_json ends its messages with "at line L column C", which the label shows anyway.
    let message = e.to_string();
    let reason = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_string();
    let src = error::source(name, &shared);
    let path = name.to_string();
    if field {
        Error::BaselineField {
            path,
            src,
            at,
            reason,
        }
    } else {
        Error::BaselineSyntax {
            path,
            src,
            at,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESULT: &str = r#"{
  "schema": "tollgate.result/v1",
  "tool": { "name": "tollgate", "version": "0.1.0" },
  "summary": { "findings": 2 },
  "findings": [
    { "rule": "PATCH-001", "severity": "critical", "level": "deny", "blocking": true,
      "message": "web-1 misses 2 critical patches", "fingerprint": "aaaa",
      "resource": { "kind": "patch_node", "id": "i-1", "name": "web-1" }, "location": null,
      "properties": {} },
    { "rule": "FLEET-001", "message": "3 nodes", "fingerprint": "bbbb",
      "resource": { "id": "huawei.coc.patch_compliance" } },
    { "rule": "PATCH-001", "message": "again", "fingerprint": "aaaa",
      "resource": { "id": "i-1" } }
  ]
}"#;

    #[test]
    fn reads_fingerprints_and_what_to_list() {
        let b = parse("b.json", RESULT).unwrap();
        assert!(b.contains("aaaa") && b.contains("bbbb") && !b.contains("cccc"));
        assert_eq!(b.findings.len(), 2, "one entry per fingerprint");
        assert_eq!(
            b.findings[0],
            BaselineFinding {
                fingerprint: "aaaa".into(),
                rule: "PATCH-001".into(),
                resource: "i-1".into(),
                message: "web-1 misses 2 critical patches".into(),
            }
        );
        assert_eq!(b.file, "b.json");
    }

    #[test]
    fn a_result_with_no_findings_is_an_empty_baseline() {
        let b = parse("b.json", r#"{"schema":"tollgate.result/v1","findings":[]}"#).unwrap();
        assert!(b.findings.is_empty());
    }

    #[test]
    fn anything_but_a_v1_result_is_refused() {
        let found = |text: &str| match parse("b.json", text).unwrap_err() {
            Error::BaselineSchema { found, .. } => found,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            found(r#"{"count":1,"instance_compliant":[]}"#),
            "it has no \"schema\" field"
        );
        assert_eq!(
            found(r#"[{"count":1}]"#),
            "the document is not a JSON object"
        );
        assert_eq!(found("\n \"text\""), "the document is not a JSON object");
        assert!(
            found(r#"{"schema":"tollgate.result/v2"}"#).contains("reads \"tollgate.result/v1\"")
        );
        assert_eq!(found(r#"{"schema":7}"#), "its schema is 7");
        let e = parse("b.json", r#"{"schema":"sarif"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "baseline b.json is not a tollgate result: its schema is \"sarif\""
        );
    }

    #[test]
    fn broken_json_points_at_the_error() {
        let text = "{\n  \"schema\": \"tollgate.result/v1\",\n  \"findings\": [ } ]\n}";
        let e = parse("b.json", text).unwrap_err();
        let Error::BaselineSyntax { at, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(&text[at.offset()..at.offset() + 1], "}");
    }

    #[test]
    fn an_empty_file_is_a_syntax_error() {
        assert!(matches!(
            parse("b.json", "").unwrap_err(),
            Error::BaselineSyntax { .. }
        ));
    }

    #[test]
    fn a_finding_without_a_fingerprint_is_an_error() {
        let text = "{\"schema\": \"tollgate.result/v1\",\n\"findings\": [{\"rule\": \"R\", \"message\": \"m\", \"resource\": {\"id\": \"i\"}}]}";
        let e = parse("b.json", text).unwrap_err();
        let Error::BaselineField { reason, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(reason.contains("missing field `fingerprint`"), "{reason}");
    }
}
