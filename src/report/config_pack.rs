//! Alibaba Cloud Config `GetCompliancePackReport`
//! (api-docs/alibaba-config-get-compliance-pack-report.txt). The response describes one
//! report file: it becomes one `compliance_pack` resource whose `id` is the pack id.
//! The live source downloads the file itself and reads its rows with [`super::pack_sheet`].

use serde::Deserialize;

use super::RecordCx;
use crate::error::Error;
use crate::model::resource::{CompliancePack, Detail, Resource};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "CompliancePackReport";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    compliance_pack_id: Option<String>,
    report_status: Option<String>,
    report_url: Option<String>,
    account_id: Option<i64>,
    report_create_timestamp: Option<i64>,
}

/// `ReportStatus` as the API documents it.
const REPORT_STATUSES: [&str; 3] = ["NONE", "CREATING", "COMPLETE"];

/// The `CompliancePackReport` object to a `compliance_pack`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "CompliancePackId", rec.compliance_pack_id)?;
    if let Some(status) = rec
        .report_status
        .as_deref()
        .filter(|s| !REPORT_STATUSES.contains(s))
    {
        return Err(cx.doubtful(
            raw,
            &["ReportStatus"],
            format!(
                "ReportStatus of compliance pack {id} is {status:?}; the API documents {}",
                REPORT_STATUSES.join(", ")
            ),
        ));
    }
    // A missing timestamp is left to EVID-001: evidence of unknown age blocks like stale
    // evidence. A negative one is no time at all.
    let reported_at = cx.time(
        raw,
        &["ReportCreateTimestamp"],
        &id,
        rec.report_create_timestamp,
    )?;
    let pack = CompliancePack {
        report_status: rec.report_status,
        report_url: rec.report_url,
        account_id: rec.account_id,
    };
    let mut resource = cx.resource(raw, id, Detail::CompliancePack(pack));
    resource.reported_at = reported_at;
    Ok(resource)
}

#[cfg(test)]
mod tests {
    use crate::model::resource::{Detail, Status};
    use crate::model::ReportKind;
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions};

    const DOC_EXAMPLE: &str =
        include_str!("../../tests/fixtures/reports/alibaba-config/doc-example.json");

    #[test]
    fn documented_example_normalizes() {
        let report = load(&input(DOC_EXAMPLE), LoadOptions::default()).unwrap();
        assert_eq!(report.kind, ReportKind::ConfigPack);
        insta::assert_json_snapshot!(report.resources);
        let r = &report.resources[0];
        assert_eq!(r.id, "cp-fdc8626622af00f9****");
        assert_eq!(
            r.status,
            Status::Unknown,
            "the response says nothing of compliance"
        );
        assert_eq!(r.reported_at, Some(1624329965857));
        let Detail::CompliancePack(p) = &r.detail else {
            panic!()
        };
        assert_eq!(p.report_status.as_deref(), Some("COMPLETE"));
        assert!(p.report_url.as_deref().unwrap().contains(".xls"));
    }

    /// A status outside the documented values and a timestamp that is not a
    /// time are errors naming the field.
    #[test]
    fn doubtful_values_are_errors() {
        let pack = |fields: &str| {
            format!(r#"{{"CompliancePackReport":{{"CompliancePackId":"cp-1",{fields}}}}}"#)
        };
        let err = load(
            &input(&pack(r#""ReportStatus":"DONE""#)),
            LoadOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("ReportStatus of compliance pack cp-1 is \"DONE\"; the API documents NONE, CREATING, COMPLETE"),
            "{err}"
        );
        let err = load(
            &input(&pack(
                r#""ReportStatus":"COMPLETE","ReportCreateTimestamp":-1"#,
            )),
            LoadOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("ReportCreateTimestamp of cp-1 is -1, which is not a time"),
            "{err}"
        );
        let err = load(
            &input(&pack(
                r#""ReportStatus":"COMPLETE","ReportCreateTimestamp":"yesterday""#,
            )),
            LoadOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("ReportCreateTimestamp"),
            "names the field: {err}"
        );
        // No timestamp loads: EVID-001 blocks it as evidence of unknown age.
        let report = load(
            &input(&pack(r#""ReportStatus":"COMPLETE""#)),
            LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(report.resources[0].reported_at, None);
    }

    #[test]
    fn wrong_types_are_errors() {
        let text = r#"{"CompliancePackReport":{"CompliancePackId":"cp-1","AccountId":"lots"}}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
