//! Huawei Cloud COC node compliance report: `GET /v1/patch/instance/compliant`
//! (api-docs/huawei-coc-node-compliance-report.txt). One `patch_node` per
//! `instance_compliant` record; `id` is the instance id.

use serde::Deserialize;

use super::{JsonStr, RecordCx};
use crate::error::Error;
use crate::model::resource::{Common, Detail, PatchNode, Resource, Severities, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "instance_compliant";

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    instance_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    name: Option<JsonStr<'a>>,
    #[serde(borrow)]
    region: Option<JsonStr<'a>>,
    #[serde(borrow)]
    group: Option<JsonStr<'a>>,
    #[serde(borrow)]
    status: Option<JsonStr<'a>>,
    #[serde(borrow)]
    ip: Option<JsonStr<'a>>,
    #[serde(borrow)]
    eip: Option<JsonStr<'a>>,
    #[serde(borrow)]
    operating_system: Option<JsonStr<'a>>,
    #[serde(borrow)]
    report_scene: Option<JsonStr<'a>>,
    #[serde(borrow)]
    baseline_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    baseline_name: Option<JsonStr<'a>>,
    #[serde(borrow)]
    enterprise_project_id: Option<JsonStr<'a>>,
    compliant_summary: Option<CompliantSummary>,
    non_compliant_summary: Option<NonCompliantSummary>,
    #[serde(borrow)]
    execution_summary: Option<ExecutionSummary<'a>>,
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

#[derive(Deserialize, Default)]
struct SeveritySummary {
    critical_count: Option<i64>,
    high_count: Option<i64>,
    medium_count: Option<i64>,
    low_count: Option<i64>,
    informational_count: Option<i64>,
    unspecified_count: Option<i64>,
}

#[derive(Deserialize)]
struct ExecutionSummary<'a> {
    #[serde(borrow)]
    order_id: Option<JsonStr<'a>>,
    report_time: Option<i64>,
}

/// A summary's counts, each checked to be zero or more, and their severity split checked
/// not to add up to more than the summary's own count.
fn severities(
    cx: &RecordCx,
    raw: &str,
    id: &str,
    summary: &str,
    total_key: &str,
    total: Option<i64>,
    by: Option<SeveritySummary>,
) -> Result<Severities, Error> {
    let by = by.unwrap_or_default();
    let count = |key: &str, value: Option<i64>| {
        cx.count(raw, &[summary, "severity_summary", key], id, value)
    };
    let counts = [
        count("critical_count", by.critical_count)?,
        count("high_count", by.high_count)?,
        count("medium_count", by.medium_count)?,
        count("low_count", by.low_count)?,
        count("informational_count", by.informational_count)?,
        count("unspecified_count", by.unspecified_count)?,
        cx.count(raw, &[summary, total_key], id, total)?,
    ];
    // The split may be partial (the API's own example has 204 patches and all severities
    // 0), but it cannot hold more patches than the summary counts.
    let split = counts[..6]
        .iter()
        .filter_map(|c| c.get())
        .fold(0i64, i64::saturating_add);
    if let Some(total) = counts[6].get().filter(|t| split > *t) {
        return Err(cx.doubtful(
            raw,
            &[summary, "severity_summary"],
            format!(
                "{summary}.severity_summary of {id} counts {split} patches, more than its {total_key} of {total}"
            ),
        ));
    }
    Ok(Severities::of(counts))
}

/// One `instance_compliant` record to a `patch_node`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "instance_id", rec.instance_id.as_deref())?;
    let missing = rec
        .non_compliant_summary
        .map(|s| {
            severities(
                cx,
                raw,
                id,
                "non_compliant_summary",
                "non_compliant_count",
                s.non_compliant_count,
                s.severity_summary,
            )
        })
        .transpose()?;
    let compliant = rec
        .compliant_summary
        .map(|s| {
            severities(
                cx,
                raw,
                id,
                "compliant_summary",
                "compliant_count",
                s.compliant_count,
                s.severity_summary,
            )
        })
        .transpose()?;
    let status = checked_status(
        cx,
        raw,
        id,
        rec.status.as_deref(),
        missing.and_then(|m| m.total()),
    )?;
    let (order_id, reported_at) = rec
        .execution_summary
        .map_or((None, None), |e| (e.order_id, e.report_time));
    let reported_at = cx.time(raw, &["execution_summary", "report_time"], id, reported_at)?;
    let mut b = cx.builder(raw);
    let detail = PatchNode {
        missing,
        compliant,
        os: b.str(rec.operating_system.as_deref()),
        ip: b.str(rec.ip.as_deref()),
        eip: b.str(rec.eip.as_deref()),
        scene: b.str(rec.report_scene.as_deref()),
        baseline: b.str(rec.baseline_name.as_deref().or(rec.baseline_id.as_deref())),
        baseline_id: b.str(rec.baseline_id.as_deref()),
        report_id: b.str(rec.id.as_deref()),
        order_id: b.str(order_id.as_deref()),
        enterprise_project_id: b.str(rec.enterprise_project_id.as_deref()),
        ..PatchNode::default()
    };
    let common = Common {
        name: b.str(rec.name.as_deref()),
        region: b.str(rec.region.as_deref()),
        group: b.str(rec.group.as_deref()),
        status,
        reported_at,
        ..Common::new(b.str(Some(id)))
    };
    Ok(cx.finish(b, common, Detail::PatchNode(detail)))
}

/// The node's status, checked against the API's documented values (`compliant`,
/// `non_compliant`) and against the node's own count of missing patches: a non-compliant
/// node must say how many patches it misses, and the count must agree with the status.
fn checked_status(
    cx: &RecordCx,
    raw: &str,
    id: &str,
    vendor: Option<&str>,
    missing_total: Option<i64>,
) -> Result<Status, Error> {
    let status = status_of(vendor, missing_total);
    let problem = match (vendor, missing_total) {
        (Some(other), _) if status == Status::Unknown => Some((
            vec!["status"],
            format!("status of {id} is {other:?}; the API documents compliant and non_compliant"),
        )),
        (Some("non_compliant"), None) => Some((
            vec!["status"],
            format!("{id} is non_compliant, but has no non_compliant_summary.non_compliant_count to say how many patches it misses"),
        )),
        (Some("non_compliant"), Some(0)) => Some((
            vec!["non_compliant_summary", "non_compliant_count"],
            format!("{id} is non_compliant, but its non_compliant_summary counts 0 missing patches"),
        )),
        (Some("compliant"), Some(n)) if n > 0 => Some((
            vec!["non_compliant_summary", "non_compliant_count"],
            format!("{id} is compliant, but its non_compliant_summary counts {n} missing patches"),
        )),
        _ => None,
    };
    match problem {
        Some((path, reason)) => Err(cx.doubtful(raw, &path, reason)),
        None => Ok(status),
    }
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
    use crate::model::resource::Detail;
    use crate::model::ReportKind;
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions};

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
        assert_eq!(r.id(), "8c123456-e426-4cdd-b123-4e1e36e00f99");
        assert_eq!(r.group(), None, "JSON null becomes ()");
        assert_eq!(r.reported_at(), Some(1715308575000));
        let Detail::PatchNode(n) = &r.detail else {
            panic!()
        };
        let missing = n.missing.unwrap();
        assert_eq!(missing.total(), Some(204), "total is the summary's count");
        assert_eq!(missing.critical(), Some(0));
        assert_eq!(n.compliant.unwrap().unspecified(), Some(264));
        assert_eq!(r.text(n.order_id), Some("OST2025060116450602a8asdf1"));
        assert_eq!(r.text(n.baseline), Some("COC-EulerOSDefaultPatchBaseline"));
        assert_eq!(r.text(n.report_id), Some("string"));
        assert_eq!(n.failed.get(), None, "COC does not report failed installs");
    }

    #[test]
    fn strings_are_spans_of_the_report_unless_escaped() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        assert_eq!(report.resources[0].owned_strings(), 0);
        let text =
            r#"{"count":1,"instance_compliant":[{"instance_id":"i-1","name":"web\u002d1"}]}"#;
        let report = load(&input(text), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!((r.id(), r.name()), ("i-1", Some("web-1")));
        assert_eq!(r.owned_strings(), 1, "only the escaped name is copied");
    }

    #[test]
    fn informational_becomes_info_and_status_is_derived_without_one() {
        let text = r#"{"count":1,"instance_compliant":[{"instance_id":"x",
            "non_compliant_summary":{"non_compliant_count":3,"severity_summary":{"informational_count":3}}}]}"#;
        let report = load(&input(text), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.status, crate::model::resource::Status::NonCompliant);
        let Detail::PatchNode(n) = &r.detail else {
            panic!()
        };
        assert_eq!(n.missing.unwrap().info(), Some(3));
        assert_eq!(n.missing.unwrap().high(), None);
    }

    #[test]
    fn wrong_field_type_names_the_record() {
        let text = "{\"count\":1,\"instance_compliant\":[{\"instance_id\":\"x\",\n\"non_compliant_summary\":{\"non_compliant_count\":\"many\"}}]}";
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("invalid type: string \"many\""), "{msg}");
        assert!(msg.contains("/instance_compliant/0"), "{msg}");
    }

    /// Values the API documents as impossible are errors naming the record, the
    /// resource and the field, and pointing at the field.
    #[test]
    fn doubtful_values_are_errors() {
        let node = |fields: &str| {
            format!(r#"{{"count":1,"instance_compliant":[{{"instance_id":"i-1",{fields}}}]}}"#)
        };
        let summary = |n: i64, critical: i64| {
            format!(
                r#""non_compliant_summary":{{"non_compliant_count":{n},"severity_summary":{{"critical_count":{critical}}}}}"#
            )
        };
        for (fields, says, field) in [
            (summary(4, -4), "non_compliant_summary.severity_summary.critical_count of i-1 is -4, a negative count", "critical_count"),
            (summary(-1, 0), "non_compliant_summary.non_compliant_count of i-1 is -1, a negative count", "non_compliant_count"),
            (summary(5_000_000_000, 0), "non_compliant_summary.non_compliant_count of i-1 is 5000000000, more than the 4294967294 a count can be", "non_compliant_count"),
            (r#""compliant_summary":{"compliant_count":-2}"#.to_string(), "compliant_summary.compliant_count of i-1 is -2", "compliant_count"),
            (format!(r#""status":"maybe",{}"#, summary(1, 1)), "status of i-1 is \"maybe\"; the API documents compliant and non_compliant", "status"),
            (r#""status":"non_compliant""#.to_string(), "i-1 is non_compliant, but has no non_compliant_summary.non_compliant_count", "status"),
            (format!(r#""status":"non_compliant",{}"#, summary(0, 0)), "i-1 is non_compliant, but its non_compliant_summary counts 0 missing patches", "non_compliant_count"),
            (format!(r#""status":"compliant",{}"#, summary(3, 0)), "i-1 is compliant, but its non_compliant_summary counts 3 missing patches", "non_compliant_count"),
            (summary(2, 5), "non_compliant_summary.severity_summary of i-1 counts 5 patches, more than its non_compliant_count of 2", "severity_summary"),
            (r#""execution_summary":{"report_time":-1}"#.to_string(), "execution_summary.report_time of i-1 is -1, which is not a time", "report_time"),
        ] {
            let text = node(&fields);
            let err = load(&input(&text), LoadOptions::default()).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(says), "{fields}: {msg}");
            assert!(msg.contains("record /instance_compliant/0"), "{msg}");
            assert_eq!(
                miette::Diagnostic::code(&err).unwrap().to_string(),
                "tollgate::report::value"
            );
            let crate::error::Error::ReportValue { at, .. } = &err else {
                panic!("{err:?}")
            };
            assert!(
                text[at.offset()..].starts_with(&format!("\"{field}\"")),
                "{fields}: points at {:?}",
                &text[at.offset()..]
            );
        }
        // What the API does give is accepted: a partial severity split, a derived status.
        for fields in [
            summary(204, 0),
            format!(r#""status":"non_compliant",{}"#, summary(3, 1)),
        ] {
            assert!(
                load(&input(&node(&fields)), LoadOptions::default()).is_ok(),
                "{fields}"
            );
        }
    }

    #[test]
    fn a_record_without_instance_id_fails() {
        let text = r#"{"count":1,"instance_compliant":[{"name":"x","instance_id":null}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no `instance_id`"), "{err}");
    }
}
