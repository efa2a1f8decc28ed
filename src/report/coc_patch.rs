//! Huawei Cloud COC node compliance report: `GET /v1/patch/instance/compliant`
//! (api-docs/huawei-coc-node-compliance-report.txt). One `patch_node` per
//! `instance_compliant` record; `id` is the instance id.

use serde::Deserialize;

use super::RecordCx;
use crate::error::Error;
use crate::resource::{Detail, PatchNode, Resource, Severities, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "instance_compliant";

#[derive(Deserialize)]
struct Record {
    instance_id: Option<String>,
    id: Option<String>,
    name: Option<String>,
    region: Option<String>,
    group: Option<String>,
    status: Option<String>,
    ip: Option<String>,
    eip: Option<String>,
    operating_system: Option<String>,
    report_scene: Option<String>,
    baseline_id: Option<String>,
    baseline_name: Option<String>,
    enterprise_project_id: Option<String>,
    compliant_summary: Option<CompliantSummary>,
    non_compliant_summary: Option<NonCompliantSummary>,
    execution_summary: Option<ExecutionSummary>,
}

#[derive(Deserialize)]
struct CompliantSummary {
    compliant_count: Option<i64>,
    severity_summary: Option<SeveritySummary>,
}

#[derive(Deserialize)]
struct NonCompliantSummary {
    non_compliant_count: Option<i64>,
    severity_summary: Option<SeveritySummary>,
}

#[derive(Deserialize)]
struct SeveritySummary {
    critical_count: Option<i64>,
    high_count: Option<i64>,
    medium_count: Option<i64>,
    low_count: Option<i64>,
    informational_count: Option<i64>,
    unspecified_count: Option<i64>,
}

#[derive(Deserialize)]
struct ExecutionSummary {
    order_id: Option<String>,
    report_time: Option<i64>,
}

fn severities(total: Option<i64>, by: Option<SeveritySummary>) -> Severities {
    let by = by.unwrap_or(SeveritySummary {
        critical_count: None,
        high_count: None,
        medium_count: None,
        low_count: None,
        informational_count: None,
        unspecified_count: None,
    });
    Severities {
        critical: by.critical_count,
        high: by.high_count,
        medium: by.medium_count,
        low: by.low_count,
        info: by.informational_count,
        unspecified: by.unspecified_count,
        total,
    }
}

/// One `instance_compliant` record to a `patch_node`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "instance_id", rec.instance_id)?;
    let missing = rec
        .non_compliant_summary
        .map(|s| severities(s.non_compliant_count, s.severity_summary));
    let compliant = rec
        .compliant_summary
        .map(|s| severities(s.compliant_count, s.severity_summary));
    let status = status_of(rec.status.as_deref(), missing.and_then(|m| m.total));
    let (order_id, reported_at) = rec
        .execution_summary
        .map_or((None, None), |e| (e.order_id, e.report_time));
    let detail = PatchNode {
        missing,
        compliant,
        os: rec.operating_system,
        ip: rec.ip,
        eip: rec.eip,
        scene: rec.report_scene,
        baseline: rec.baseline_name.or_else(|| rec.baseline_id.clone()),
        baseline_id: rec.baseline_id,
        report_id: rec.id,
        order_id,
        enterprise_project_id: rec.enterprise_project_id,
        ..PatchNode::default()
    };
    let mut resource = cx.resource(raw, id, Detail::PatchNode(detail));
    resource.name = rec.name;
    resource.region = rec.region;
    resource.group = rec.group;
    resource.status = status;
    resource.reported_at = reported_at;
    Ok(resource)
}

/// The vendor's verdict when it gives one; otherwise derived from the count of missing
/// patches, when there is one.
pub(crate) fn status_of(vendor: Option<&str>, missing_total: Option<i64>) -> Status {
    match vendor {
        Some("compliant") => Status::Compliant,
        Some("non_compliant") => Status::NonCompliant,
        Some(_) => Status::Unknown,
        None => match missing_total {
            Some(0) => Status::Compliant,
            Some(_) => Status::NonCompliant,
            None => Status::Unknown,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions, ReportKind};
    use crate::resource::Detail;

    /// The example response of the API document, verbatim.
    const DOC_EXAMPLE: &str =
        include_str!("../../tests/fixtures/reports/huawei-coc/doc-example.json");

    #[test]
    fn documented_example_normalizes() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::CocPatch);
        assert_eq!(report.declared, Some(1));
        insta::assert_json_snapshot!(report.resources);
    }

    #[test]
    fn fields_map_as_documented() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.id, "8c123456-e426-4cdd-b123-4e1e36e00f99");
        assert_eq!(r.group, None, "JSON null becomes ()");
        assert_eq!(r.reported_at, Some(1715308575000));
        let Detail::PatchNode(n) = &r.detail else {
            panic!()
        };
        let missing = n.missing.unwrap();
        assert_eq!(missing.total, Some(204), "total is the summary's count");
        assert_eq!(missing.critical, Some(0));
        assert_eq!(n.compliant.unwrap().unspecified, Some(264));
        assert_eq!(n.order_id.as_deref(), Some("OST2025060116450602a8asdf1"));
        assert_eq!(
            n.baseline.as_deref(),
            Some("COC-EulerOSDefaultPatchBaseline")
        );
        assert_eq!(n.report_id.as_deref(), Some("string"));
        assert_eq!(n.failed, None, "COC does not report failed installs");
    }

    #[test]
    fn informational_becomes_info_and_status_is_derived_without_one() {
        let text = r#"{"count":1,"instance_compliant":[{"instance_id":"x",
            "non_compliant_summary":{"non_compliant_count":3,"severity_summary":{"informational_count":3}}}]}"#;
        let report = load(&input(text), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.status, crate::resource::Status::NonCompliant);
        let Detail::PatchNode(n) = &r.detail else {
            panic!()
        };
        assert_eq!(n.missing.unwrap().info, Some(3));
        assert_eq!(n.missing.unwrap().high, None);
    }

    #[test]
    fn wrong_field_type_names_the_record() {
        let text = "{\"count\":1,\"instance_compliant\":[{\"instance_id\":\"x\",\n\"non_compliant_summary\":{\"non_compliant_count\":\"many\"}}]}";
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("invalid type: string \"many\""), "{msg}");
        assert!(msg.contains("/instance_compliant/0"), "{msg}");
    }

    #[test]
    fn a_record_without_instance_id_fails() {
        let text = r#"{"count":1,"instance_compliant":[{"name":"x","instance_id":null}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no `instance_id`"), "{err}");
    }
}
