//! Alibaba Cloud OOS `ListInstancePatchStates` (api-docs/alibaba-oos-list-instance-patch-states.txt).
//! One `patch_node` per `InstancePatchStates` entry; `id` is the instance id.
//!
//! The API sends its counts as strings; they are parsed to integers here and a value that
//! is not a whole number is an error naming the field and the instance. A node is
//! non-compliant when it has missing, failed, pending-reboot or rejected patches: the rule
//! Alibaba's own patch-compliance Config rule applies.

use serde::Deserialize;

use super::RecordCx;
use crate::error::Error;
use crate::model::resource::{Detail, PatchNode, Resource, Severities, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "InstancePatchStates";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    instance_id: Option<String>,
    missing_count: Option<Count>,
    failed_count: Option<Count>,
    installed_pending_reboot_count: Option<Count>,
    installed_rejected_count: Option<Count>,
    installed_count: Option<Count>,
    installed_other_count: Option<Count>,
    baseline_id: Option<String>,
    patch_group: Option<String>,
    operation_type: Option<String>,
    operation_end_time: Option<String>,
}

/// A count as the API sends it (a string), or as a number if a tool rewrote the file.
#[derive(Deserialize)]
#[serde(untagged)]
enum Count {
    Text(String),
    Number(i64),
}

/// One `InstancePatchStates` entry to a `patch_node`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "InstanceId", rec.instance_id)?;
    let count = |field: &str, value: Option<Count>| -> Result<Option<i64>, Error> {
        match value {
            None => Ok(None),
            Some(Count::Number(n)) if n >= 0 => Ok(Some(n)),
            Some(Count::Text(text)) => match text.trim().parse::<i64>() {
                Ok(n) if n >= 0 => Ok(Some(n)),
                _ => Err(cx.field_error(
                    raw,
                    field,
                    format!("{field} of instance {id} is {text:?}, not a whole number of patches"),
                )),
            },
            Some(Count::Number(n)) => Err(cx.field_error(
                raw,
                field,
                format!("{field} of instance {id} is {n}, a negative count"),
            )),
        }
    };
    let missing = count("MissingCount", rec.missing_count)?;
    let failed = count("FailedCount", rec.failed_count)?;
    let pending_reboot = count(
        "InstalledPendingRebootCount",
        rec.installed_pending_reboot_count,
    )?;
    let rejected = count("InstalledRejectedCount", rec.installed_rejected_count)?;
    let installed = count("InstalledCount", rec.installed_count)?;
    let installed_other = count("InstalledOtherCount", rec.installed_other_count)?;

    let status = status_of([missing, failed, pending_reboot, rejected]);
    let reported_at = match rec.operation_end_time.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|e| {
                    cx.field_error(
                        raw,
                        "OperationEndTime",
                        format!("OperationEndTime of instance {id} is {text:?}: {e}"),
                    )
                })?
                .timestamp_millis(),
        ),
    };
    // OOS does not split missing patches by severity: they are all `unspecified`.
    let only_unspecified = |n: Option<i64>| {
        n.map(|n| Severities {
            critical: Some(0),
            high: Some(0),
            medium: Some(0),
            low: Some(0),
            info: Some(0),
            unspecified: Some(n),
            total: Some(n),
        })
    };
    let compliant_total = match (installed, installed_other) {
        // Each count alone may be as large as i64 allows; their sum must not wrap (a
        // release build would wrap it silently, a debug build panicked, found by fuzzing).
        (Some(a), Some(b)) => Some(a.checked_add(b).ok_or_else(|| {
            cx.field_error(
                raw,
                "InstalledOtherCount",
                format!(
                    "InstalledCount ({a}) and InstalledOtherCount ({b}) of instance {id} add up to more patches than tollgate can count"
                ),
            )
        })?),
        (a, b) => a.or(b),
    };
    let detail = PatchNode {
        missing: only_unspecified(missing),
        compliant: only_unspecified(compliant_total),
        baseline: rec.baseline_id.clone(),
        baseline_id: rec.baseline_id,
        operation: rec.operation_type,
        failed,
        pending_reboot,
        installed,
        installed_other,
        rejected,
        ..PatchNode::default()
    };
    let mut resource = cx.resource(raw, id, Detail::PatchNode(detail));
    // The API writes the string "null" for an instance in no patch group.
    resource.group = rec.patch_group.filter(|g| g != "null" && !g.is_empty());
    resource.status = status;
    resource.reported_at = reported_at;
    Ok(resource)
}

/// Alibaba's patch-compliance rule: a node is non-compliant when any of its missing,
/// failed, pending-reboot or rejected counts is above zero.
pub(crate) fn status_of(blocking: [Option<i64>; 4]) -> Status {
    if blocking.iter().any(|c| c.is_some_and(|n| n > 0)) {
        Status::NonCompliant
    } else if blocking.iter().all(Option::is_some) {
        Status::Compliant
    } else {
        Status::Unknown
    }
}

#[cfg(test)]
mod tests {
    use crate::model::resource::{Detail, Status};
    use crate::model::ReportKind;
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions};

    const DOC_EXAMPLE: &str =
        include_str!("../../tests/fixtures/reports/alibaba-oos/doc-example.json");

    fn one(fields: &str) -> String {
        format!(r#"{{"InstancePatchStates":[{{"InstanceId":"i-1",{fields}}}]}}"#)
    }

    #[test]
    fn documented_example_normalizes() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::OosPatch);
        insta::assert_json_snapshot!(report.resources);
    }

    #[test]
    fn string_counts_become_integers() {
        let text = one(
            r#""MissingCount":"3","FailedCount":"1","InstalledPendingRebootCount":"0",
            "InstalledRejectedCount":"2","InstalledCount":"40","InstalledOtherCount":"5","PatchGroup":"prod""#,
        );
        let report = load(&input(&text), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.group.as_deref(), Some("prod"));
        let Detail::PatchNode(n) = &r.detail else {
            panic!()
        };
        assert_eq!(n.missing.unwrap().unspecified, Some(3));
        assert_eq!(n.missing.unwrap().total, Some(3));
        assert_eq!(n.missing.unwrap().critical, Some(0));
        assert_eq!(
            (n.failed, n.rejected, n.installed),
            (Some(1), Some(2), Some(40))
        );
        assert_eq!(n.compliant.unwrap().total, Some(45));
    }

    #[test]
    fn status_follows_alibabas_rule() {
        let zero = r#""MissingCount":"0","FailedCount":"0","InstalledPendingRebootCount":"0","InstalledRejectedCount":"0""#;
        let report = load(&input(&one(zero)), LoadOptions::default()).unwrap();
        assert_eq!(report.resources[0].status, Status::Compliant);
        for field in [
            "MissingCount",
            "FailedCount",
            "InstalledPendingRebootCount",
            "InstalledRejectedCount",
        ] {
            let text =
                one(&zero.replace(&format!(r#""{field}":"0""#), &format!(r#""{field}":"1""#)));
            let report = load(&input(&text), LoadOptions::default()).unwrap();
            assert_eq!(report.resources[0].status, Status::NonCompliant, "{field}");
        }
        let report = load(
            &input(&one(r#""InstalledCount":"9""#)),
            LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(
            report.resources[0].status,
            Status::Unknown,
            "no counts, no verdict"
        );
    }

    #[test]
    fn bad_numbers_name_the_field_and_instance() {
        for bad in [
            r#""MissingCount":"3x""#,
            r#""FailedCount":"-1""#,
            r#""MissingCount":"""#,
            r#""FailedCount":-4"#,
        ] {
            let err = load(&input(&one(bad)), LoadOptions::default()).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("i-1"), "{msg}");
            assert!(msg.contains("Count"), "{msg}");
        }
    }

    #[test]
    fn null_patch_group_is_unit_and_time_is_parsed() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        let r = &report.resources[0];
        assert_eq!(r.group, None);
        assert_eq!(r.reported_at, Some(1631274142000));
    }

    #[test]
    fn a_bad_time_is_an_error() {
        let err = load(
            &input(&one(r#""OperationEndTime":"yesterday""#)),
            LoadOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("OperationEndTime of instance i-1"),
            "{err}"
        );
    }

    #[test]
    fn a_last_page_with_a_next_token_is_incomplete() {
        let text = r#"{"NextToken":"AAAA","InstancePatchStates":[{"InstanceId":"i-1"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("more pages exist"), "{err}");
    }

    #[test]
    fn installed_counts_that_overflow_when_added_are_an_error() {
        // Found by the fuzz targets: the sum overflowed (a panic in debug builds).
        let text = r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":9223372036854775807,"InstalledOtherCount":"1"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        let msg = format!("{err:?}");
        assert!(msg.contains("add up to more patches"), "{msg}");
        assert!(msg.contains("instance i-1"), "{msg}");
        // At the largest count that still adds up, the node loads.
        let text = r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":"9223372036854775806","InstalledOtherCount":1}]}"#;
        assert!(load(&input(text), LoadOptions::default()).is_ok());
    }
}
