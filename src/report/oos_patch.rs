//! Alibaba Cloud OOS `ListInstancePatchStates` (api-docs/alibaba-oos-list-instance-patch-states.txt).
//! One `patch_node` per `InstancePatchStates` entry; `id` is the instance id.
//!
//! The API sends its counts as strings; they are parsed to integers here and a value that
//! is not a whole number is an error naming the field and the instance. A node is
//! non-compliant when it has missing, failed, pending-reboot or rejected patches: the rule
//! Alibaba's own patch-compliance Config rule applies.

use serde::Deserialize;

use super::{JsonStr, RecordCx};
use crate::error::Error;
use crate::model::resource::{Common, Count, Detail, PatchNode, Resource, Severities, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "InstancePatchStates";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record<'a> {
    #[serde(borrow)]
    instance_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    missing_count: Option<Sent<'a>>,
    #[serde(borrow)]
    failed_count: Option<Sent<'a>>,
    #[serde(borrow)]
    installed_pending_reboot_count: Option<Sent<'a>>,
    #[serde(borrow)]
    installed_rejected_count: Option<Sent<'a>>,
    #[serde(borrow)]
    installed_count: Option<Sent<'a>>,
    #[serde(borrow)]
    installed_other_count: Option<Sent<'a>>,
    #[serde(borrow)]
    baseline_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    patch_group: Option<JsonStr<'a>>,
    #[serde(borrow)]
    operation_type: Option<JsonStr<'a>>,
    #[serde(borrow)]
    operation_end_time: Option<JsonStr<'a>>,
}

/// A count as the API sends it (a string), or as a number if a tool rewrote the file.
#[derive(Deserialize)]
#[serde(untagged)]
enum Sent<'a> {
    #[serde(borrow)]
    Text(JsonStr<'a>),
    Number(i64),
}

/// One `InstancePatchStates` entry to a `patch_node`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "InstanceId", rec.instance_id.as_deref())?;
    let count = |field: &str, value: Option<Sent>| -> Result<Option<i64>, Error> {
        match value {
            None => Ok(None),
            Some(Sent::Number(n)) if (0..=Count::MAX).contains(&n) => Ok(Some(n)),
            Some(Sent::Text(text)) => match text.trim().parse::<i64>() {
                Ok(n) if (0..=Count::MAX).contains(&n) => Ok(Some(n)),
                _ => Err(cx.field_error(
                    raw,
                    field,
                    format!("{field} of instance {id} is {text:?}, not a whole number of patches"),
                )),
            },
            Some(Sent::Number(n)) if n < 0 => Err(cx.field_error(
                raw,
                field,
                format!("{field} of instance {id} is {n}, a negative count"),
            )),
            Some(Sent::Number(n)) => Err(cx.field_error(
                raw,
                field,
                format!(
                    "{field} of instance {id} is {n}, more than the {} a count can be",
                    Count::MAX
                ),
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
    // Every count was checked against `Count::MAX` above.
    let counted = |n: Option<i64>| Count::new(n).unwrap_or(Count::NONE);
    let only_unspecified = |n: Option<i64>| {
        n.map(|n| {
            let (zero, n) = (counted(Some(0)), counted(Some(n)));
            Severities::of([zero, zero, zero, zero, zero, n, n])
        })
    };
    let compliant_total = match (installed, installed_other) {
        // Each count alone may be as large as a count can be; their sum may not (before
        // counts were checked, the sum of two large ones wrapped, found by fuzzing).
        (Some(a), Some(b)) => Some(Some(a + b).filter(|n| *n <= Count::MAX).ok_or_else(|| {
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
    let mut b = cx.builder(raw);
    let detail = PatchNode {
        missing: only_unspecified(missing),
        compliant: only_unspecified(compliant_total),
        baseline: b.str(rec.baseline_id.as_deref()),
        baseline_id: b.str(rec.baseline_id.as_deref()),
        operation: b.str(rec.operation_type.as_deref()),
        failed: counted(failed),
        pending_reboot: counted(pending_reboot),
        installed: counted(installed),
        installed_other: counted(installed_other),
        rejected: counted(rejected),
        ..PatchNode::default()
    };
    // The API writes the string "null" for an instance in no patch group.
    let group = rec
        .patch_group
        .as_deref()
        .filter(|g| *g != "null" && !g.is_empty());
    let common = Common {
        group: b.str(group),
        status,
        reported_at,
        ..Common::new(b.str(Some(id)))
    };
    Ok(cx.finish(b, common, Detail::PatchNode(detail)))
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
        assert_eq!(r.group(), Some("prod"));
        let Detail::PatchNode(n) = &r.detail else {
            panic!()
        };
        assert_eq!(n.missing.unwrap().unspecified(), Some(3));
        assert_eq!(n.missing.unwrap().total(), Some(3));
        assert_eq!(n.missing.unwrap().critical(), Some(0));
        assert_eq!(
            (n.failed.get(), n.rejected.get(), n.installed.get()),
            (Some(1), Some(2), Some(40))
        );
        assert_eq!(n.compliant.unwrap().total(), Some(45));
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
        assert_eq!(r.group(), None);
        assert_eq!(r.reported_at(), Some(1631274142000));
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
        // Found by the fuzz targets: the sum overflowed (a panic in debug builds). Each
        // count is now at most `Count::MAX`, and so is their sum.
        let text = r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":4000000000,"InstalledOtherCount":"1000000000"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        let msg = format!("{err:?}");
        assert!(msg.contains("add up to more patches"), "{msg}");
        assert!(msg.contains("instance i-1"), "{msg}");
        let text = r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":9223372036854775807,"InstalledOtherCount":"1"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(format!("{err:?}").contains("more than the 4294967294 a count can be"));
        // At the largest count that still adds up, the node loads.
        let text = r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":"4294967293","InstalledOtherCount":1}]}"#;
        assert!(load(&input(text), LoadOptions::default()).is_ok());
    }
}
