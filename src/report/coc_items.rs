//! Huawei Cloud COC compliance report details: `GET /v1/patch/instance/compliant/{id}`
//! (api-docs/huawei-coc-api-reference.txt, "Querying Compliance Report Details").
//! One `patch_item` per `compliance_items` record; `id` is `NODE_ID/TITLE`.

use serde::Deserialize;

use super::{JsonStr, RecordCx};
use crate::error::Error;
use crate::model::resource::{Common, Detail, PatchItem, Resource, Status};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "compliance_items";

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    instance_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    title: Option<JsonStr<'a>>,
    #[serde(borrow)]
    classification: Option<JsonStr<'a>>,
    #[serde(borrow)]
    severity_level: Option<JsonStr<'a>>,
    #[serde(borrow)]
    compliance_level: Option<JsonStr<'a>>,
    #[serde(borrow)]
    patch_detail: Option<PatchDetail<'a>>,
}

#[derive(Deserialize, Default)]
struct PatchDetail<'a> {
    installed_time: Option<i64>,
    #[serde(borrow)]
    patch_baseline_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    patch_baseline_name: Option<JsonStr<'a>>,
    #[serde(borrow)]
    patch_status: Option<JsonStr<'a>>,
}

/// `patch_status` as the API documents it.
const PATCH_STATUSES: [&str; 6] = [
    "INSTALLED",
    "INSTALLED_OTHER",
    "MISSING",
    "REJECT",
    "FAILED",
    "PENDING_REBOOT",
];

/// One `compliance_items` record to a `patch_item`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let title = cx.require_id(raw, "title", rec.title.as_deref())?;
    let node = rec.instance_id.as_deref().unwrap_or_default();
    let detail = rec.patch_detail.unwrap_or_default();
    let status = status_of(detail.patch_status.as_deref());
    let what = format!(
        "patch {title} on {}",
        if node.is_empty() { "its node" } else { node }
    );
    match detail.patch_status.as_deref() {
        None => {
            return Err(cx.doubtful(
                raw,
                &["patch_detail"],
                format!(
                "{what} has no patch_detail.patch_status, so whether it is installed is unknown"
            ),
            ))
        }
        Some(other) if status == Status::Unknown => {
            return Err(cx.doubtful(
                raw,
                &["patch_detail", "patch_status"],
                format!(
                    "patch_status of {what} is {other:?}; the API documents {}",
                    PATCH_STATUSES.join(", ")
                ),
            ))
        }
        Some(_) => {}
    }
    let installed_at = cx.time(
        raw,
        &["patch_detail", "installed_time"],
        &what,
        detail.installed_time,
    )?;
    let mut b = cx.builder(raw);
    let title_span = b.str(Some(title));
    let item = PatchItem {
        node_id: b.str(Some(node).filter(|n| !n.is_empty())),
        title: title_span,
        classification: b.str(rec.classification.as_deref()),
        severity: b.str(rec.severity_level.as_deref()),
        compliance_level: b.str(rec.compliance_level.as_deref()),
        patch_status: b.str(detail.patch_status.as_deref()),
        installed_at,
        baseline: b
            .str((detail.patch_baseline_name.as_deref()).or(detail.patch_baseline_id.as_deref())),
        baseline_id: b.str(detail.patch_baseline_id.as_deref()),
    };
    let common = Common {
        name: title_span,
        status,
        reported_at: installed_at,
        ..Common::new(b.str(Some(&format!("{node}/{title}"))))
    };
    Ok(cx.finish(b, common, Detail::PatchItem(item)))
}

/// A patch that is installed (or superseded by another installed patch) is compliant;
/// missing, failed, rejected and awaiting-reboot patches are not, as in Alibaba's rule.
pub(crate) fn status_of(patch_status: Option<&str>) -> Status {
    match patch_status {
        Some("INSTALLED" | "INSTALLED_OTHER") => Status::Compliant,
        Some("MISSING" | "FAILED" | "REJECT" | "PENDING_REBOOT") => Status::NonCompliant,
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
        include_str!("../../tests/fixtures/reports/huawei-coc-items/doc-example.json");

    #[test]
    fn documented_example_normalizes() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::CocItems);
        insta::assert_json_snapshot!(report.resources);
    }

    #[test]
    fn status_follows_patch_status() {
        let item = |status: &str| {
            format!(
                r#"{{"count":1,"compliance_items":[{{"instance_id":"n","title":"t","patch_detail":{{"patch_status":"{status}"}}}}]}}"#
            )
        };
        for (patch_status, expected) in [
            ("INSTALLED", Status::Compliant),
            ("INSTALLED_OTHER", Status::Compliant),
            ("MISSING", Status::NonCompliant),
            ("FAILED", Status::NonCompliant),
            ("REJECT", Status::NonCompliant),
            ("PENDING_REBOOT", Status::NonCompliant),
        ] {
            let report = load(&input(&item(patch_status)), LoadOptions::default()).unwrap();
            let r = &report.resources[0];
            assert_eq!(r.status, expected, "{patch_status}");
            assert_eq!(r.id(), "n/t");
            let Detail::PatchItem(p) = &r.detail else {
                panic!()
            };
            assert_eq!(r.text(p.patch_status), Some(patch_status));
        }
    }

    /// A status outside the documented values, or none, is doubtful evidence.
    #[test]
    fn an_undocumented_or_missing_patch_status_is_an_error() {
        let text = r#"{"count":1,"compliance_items":[{"instance_id":"n","title":"t","patch_detail":{"patch_status":"SOMETHING_NEW"}}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("patch_status of patch t on n is \"SOMETHING_NEW\""),
            "{err}"
        );
        assert_eq!(
            miette::Diagnostic::code(&err).unwrap().to_string(),
            "tollgate::report::value"
        );
        let text = r#"{"count":1,"compliance_items":[{"instance_id":"n","title":"t"}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("has no patch_detail.patch_status"),
            "{err}"
        );
        let text = r#"{"count":1,"compliance_items":[{"instance_id":"n","title":"t","patch_detail":{"patch_status":"INSTALLED","installed_time":-5}}]}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("is -5, which is not a time"),
            "{err}"
        );
    }
}
