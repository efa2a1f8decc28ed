//! Huawei Cloud Config compliance summary by user:
//! `GET /v1/resource-manager/domains/{domain_id}/policy-states/summary`
//! (api-docs/huawei-config-policy-states-summary.txt). One `config_rule` per
//! `policy_assignments` entry; `id` is the policy assignment id. The report-level
//! `results` stays on the report.

use serde::Deserialize;

use super::RecordCx;
use crate::error::Error;
use crate::resource::{ConfigRule, Detail, Resource, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "policy_assignments";

#[derive(Deserialize)]
struct Record {
    compliance_state: Option<String>,
    policy_assignment: Option<Assignment>,
    results: Option<Results>,
}

#[derive(Deserialize)]
struct Assignment {
    policy_assignment_type: Option<String>,
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    policy_filter: Option<Filter>,
    period: Option<String>,
    state: Option<String>,
    policy_definition_id: Option<String>,
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
struct Filter {
    region_id: Option<String>,
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
            format!("record {} has no `policy_assignment`", cx.pointer),
        ));
    };
    let id = cx.require_id(raw, "id", assignment.id)?;
    let status = status_of(rec.compliance_state.as_deref());
    let counts = rec.results.and_then(|r| r.resource_details);
    let rule = ConfigRule {
        compliance_state: rec.compliance_state,
        noncompliant_resources: counts.as_ref().and_then(|c| c.non_compliant_count),
        compliant_resources: counts.as_ref().and_then(|c| c.compliant_count),
        rule_type: assignment.policy_assignment_type,
        tags: assignment
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value.unwrap_or_default()))
            .collect(),
        period: assignment.period,
        state: assignment.state,
        description: assignment.description,
        policy_definition_id: assignment.policy_definition_id,
    };
    let mut resource = cx.resource(raw, id, Detail::ConfigRule(rule));
    resource.name = assignment.name;
    resource.region = assignment.policy_filter.and_then(|f| f.region_id);
    resource.status = status;
    Ok(resource)
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
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions, ReportKind};
    use crate::resource::{Detail, Status};

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
        assert_eq!(r.id, "68511e12374e70675172b9c1");
        assert_eq!(r.status, Status::NonCompliant);
        assert_eq!(r.region, None);
        let Detail::ConfigRule(c) = &r.detail else {
            panic!()
        };
        assert_eq!(c.rule_type.as_deref(), Some("builtin"));
        assert_eq!(c.noncompliant_resources, Some(1));
        assert_eq!(c.compliant_resources, Some(0));
        assert_eq!(c.tags, vec![("AAA".to_string(), "AAA".to_string())]);
        assert_eq!(c.period.as_deref(), Some("TwentyFour_Hours"));
    }

    #[test]
    fn an_entry_without_assignment_fails() {
        let text = r#"{"policy_assignments":[{"compliance_state":"Compliant"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no `policy_assignment`"), "{err}");
    }
}
