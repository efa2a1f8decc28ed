//! Huawei Cloud Config compliance summary by user:
//! `GET /v1/resource-manager/domains/{domain_id}/policy-states/summary`
//! (api-docs/huawei-config-policy-states-summary.txt). One `config_rule` per
//! `policy_assignments` entry; `id` is the policy assignment id. The report-level
//! `results` stays on the report.

use serde::Deserialize;

use super::{JsonStr, RecordCx};
use crate::error::Error;
use crate::model::resource::{Common, ConfigRule, Detail, Resource, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "policy_assignments";

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    compliance_state: Option<JsonStr<'a>>,
    #[serde(borrow)]
    policy_assignment: Option<Assignment<'a>>,
    results: Option<Results>,
}

#[derive(Deserialize)]
struct Assignment<'a> {
    #[serde(borrow)]
    policy_assignment_type: Option<JsonStr<'a>>,
    #[serde(borrow)]
    id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    name: Option<JsonStr<'a>>,
    #[serde(borrow)]
    description: Option<JsonStr<'a>>,
    #[serde(borrow)]
    policy_filter: Option<Filter<'a>>,
    #[serde(borrow)]
    period: Option<JsonStr<'a>>,
    #[serde(borrow)]
    state: Option<JsonStr<'a>>,
    #[serde(borrow)]
    policy_definition_id: Option<JsonStr<'a>>,
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
struct Filter<'a> {
    #[serde(borrow)]
    region_id: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct Tag {
    key: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct Results {
    resource_details: Option<Counts>,
}

#[derive(Deserialize)]
struct Counts {
    compliant_count: Option<i64>,
    non_compliant_count: Option<i64>,
}

/// One `policy_assignments` entry to a `config_rule`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let Some(assignment) = rec.policy_assignment else {
        return Err(cx.field_error(
            raw,
            "policy_assignment",
            format!("{} has no `policy_assignment`", cx.record_name()),
        ));
    };
    let id = cx.require_id(raw, "id", assignment.id.as_deref())?;
    let counts = rec.results.and_then(|r| r.resource_details);
    let count = |key: &str, value: Option<i64>| {
        cx.count(raw, &["results", "resource_details", key], id, value)
    };
    let noncompliant = count(
        "non_compliant_count",
        counts.as_ref().and_then(|c| c.non_compliant_count),
    )?;
    let compliant = count(
        "compliant_count",
        counts.as_ref().and_then(|c| c.compliant_count),
    )?;
    let status = checked_status(
        cx,
        raw,
        id,
        rec.compliance_state.as_deref(),
        noncompliant.get(),
    )?;
    // CFG-001 and CFG-002 tell built-in rules from custom ones by it: any other value would
    // slip between them.
    if let Some(kind) = assignment
        .policy_assignment_type
        .as_deref()
        .filter(|t| !matches!(*t, "builtin" | "custom"))
    {
        return Err(cx.doubtful(
            raw,
            &["policy_assignment", "policy_assignment_type"],
            format!("policy_assignment_type of rule {id} is {kind:?}; the API documents builtin and custom"),
        ));
    }
    let mut b = cx.builder(raw);
    let rule = ConfigRule {
        compliance_state: b.str(rec.compliance_state.as_deref()),
        noncompliant_resources: noncompliant,
        compliant_resources: compliant,
        rule_type: b.str(assignment.policy_assignment_type.as_deref()),
        tags: assignment
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value.unwrap_or_default()))
            .collect(),
        period: b.str(assignment.period.as_deref()),
        state: b.str(assignment.state.as_deref()),
        description: b.str(assignment.description.as_deref()),
        policy_definition_id: b.str(assignment.policy_definition_id.as_deref()),
    };
    let region = assignment.policy_filter.and_then(|f| f.region_id);
    let common = Common {
        name: b.str(assignment.name.as_deref()),
        region: b.str(region.as_deref()),
        status,
        ..Common::new(b.str(Some(id)))
    };
    Ok(cx.finish(b, common, Detail::ConfigRule(rule)))
}

/// The rule's status, checked: a `compliance_state` is `Compliant` or `NonCompliant` (the
/// API document lists no values; these are the two Huawei Config reports, and any other
/// is refused); an absent one leaves the rule `unknown`, as a rule not yet evaluated is;
/// a non-compliant rule says how many resources break it, and the count agrees with the
/// state.
fn checked_status(
    cx: &RecordCx,
    raw: &str,
    id: &str,
    state: Option<&str>,
    noncompliant: Option<i64>,
) -> Result<Status, Error> {
    let status = status_of(state);
    let problem = match (state, noncompliant) {
        (Some(other), _) if status == Status::Unknown => Some((
            vec!["compliance_state"],
            format!("compliance_state of rule {id} is {other:?}; the API gives Compliant or NonCompliant"),
        )),
        (Some("NonCompliant"), None) => Some((
            vec!["compliance_state"],
            format!("rule {id} is NonCompliant, but has no results.resource_details.non_compliant_count to say how many resources break it"),
        )),
        (Some("NonCompliant"), Some(0)) => Some((
            vec!["results", "resource_details", "non_compliant_count"],
            format!("rule {id} is NonCompliant, but counts 0 non-compliant resources"),
        )),
        (Some("Compliant"), Some(n)) if n > 0 => Some((
            vec!["results", "resource_details", "non_compliant_count"],
            format!("rule {id} is Compliant, but counts {n} non-compliant resources"),
        )),
        _ => None,
    };
    match problem {
        Some((path, reason)) => Err(cx.doubtful(raw, &path, reason)),
        None => Ok(status),
    }
}

/// The resource status of a Config `compliance_state`.
pub(crate) fn status_of(compliance_state: Option<&str>) -> Status {
    match compliance_state {
        Some("Compliant") => Status::Compliant,
        Some("NonCompliant") => Status::NonCompliant,
        _ => Status::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::resource::{Detail, Status};
    use crate::model::ReportKind;
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions};

    const DOC_EXAMPLE: &str =
        include_str!("../../tests/fixtures/reports/huawei-config/doc-example.json");

    #[test]
    fn documented_example_normalizes() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::ConfigStates);
        assert!(report
            .results
            .unwrap()
            .as_str()
            .contains("\"assignment_details\""));
        insta::assert_json_snapshot!(report.resources);
    }

    #[test]
    fn fields_map_as_documented() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.id(), "68511e12374e70675172b9c1");
        assert_eq!(r.status, Status::NonCompliant);
        assert_eq!(r.region(), None);
        let Detail::ConfigRule(c) = &r.detail else {
            panic!()
        };
        assert_eq!(r.text(c.rule_type), Some("builtin"));
        assert_eq!(c.noncompliant_resources.get(), Some(1));
        assert_eq!(c.compliant_resources.get(), Some(0));
        assert_eq!(c.tags, vec![("AAA".to_string(), "AAA".to_string())]);
        assert_eq!(r.text(c.period), Some("TwentyFour_Hours"));
    }

    /// A state outside the documented values, a state the counts contradict, a
    /// non-compliant rule without its count, a negative count and a rule type that is
    /// neither builtin nor custom are errors naming the rule and the field.
    #[test]
    fn doubtful_values_are_errors() {
        let rule = |state: &str, kind: &str, counts: &str| {
            format!(
                r#"{{"policy_assignments":[{{{state}"policy_assignment":{{"id":"r-1","policy_assignment_type":"{kind}"}}{counts}}}]}}"#
            )
        };
        let counts = |non: i64, ok: i64| {
            format!(
                r#","results":{{"resource_details":{{"non_compliant_count":{non},"compliant_count":{ok}}}}}"#
            )
        };
        for (text, says) in [
            (
                rule(r#""compliance_state":"Maybe","#, "builtin", &counts(1, 0)),
                "compliance_state of rule r-1 is \"Maybe\"",
            ),
            (
                rule(r#""compliance_state":"NonCompliant","#, "builtin", ""),
                "rule r-1 is NonCompliant, but has no results.resource_details.non_compliant_count",
            ),
            (
                rule(
                    r#""compliance_state":"NonCompliant","#,
                    "builtin",
                    &counts(0, 4),
                ),
                "rule r-1 is NonCompliant, but counts 0 non-compliant resources",
            ),
            (
                rule(
                    r#""compliance_state":"Compliant","#,
                    "builtin",
                    &counts(2, 4),
                ),
                "rule r-1 is Compliant, but counts 2 non-compliant resources",
            ),
            (
                rule(
                    r#""compliance_state":"Compliant","#,
                    "builtin",
                    &counts(0, -4),
                ),
                "compliant_count of r-1 is -4, a negative count",
            ),
            (
                rule(
                    r#""compliance_state":"NonCompliant","#,
                    "managed",
                    &counts(1, 0),
                ),
                "policy_assignment_type of rule r-1 is \"managed\"",
            ),
        ] {
            let err = load(&input(&text), LoadOptions::default()).unwrap_err();
            assert!(err.to_string().contains(says), "{text}: {err}");
            assert_eq!(
                miette::Diagnostic::code(&err).unwrap().to_string(),
                "tollgate::report::value"
            );
        }
        let fine = rule(
            r#""compliance_state":"Compliant","#,
            "custom",
            &counts(0, 3),
        );
        assert!(load(&input(&fine), LoadOptions::default()).is_ok());
        // No state at all (a rule not yet evaluated): unknown, not an error.
        let report = load(&input(&rule("", "builtin", "")), LoadOptions::default()).unwrap();
        assert_eq!(report.resources[0].status, Status::Unknown);
    }

    #[test]
    fn an_entry_without_assignment_fails() {
        let text = r#"{"policy_assignments":[{"compliance_state":"Compliant"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no `policy_assignment`"), "{err}");
    }
}
