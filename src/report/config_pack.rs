//! Alibaba Cloud Config `GetCompliancePackReport`
//! (api-docs/alibaba-config-get-compliance-pack-report.txt). The response describes one
//! report file: it becomes one `compliance_pack` resource whose `id` is the pack id.
//! The live source downloads the file itself and reads its rows with [`super::pack_sheet`].

use serde::Deserialize;

use super::RecordCx;
use crate::error::Error;
use crate::resource::{CompliancePack, Detail, Resource};

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

/// The `CompliancePackReport` object to a `compliance_pack`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "CompliancePackId", rec.compliance_pack_id)?;
    let pack = CompliancePack {
        report_status: rec.report_status,
        report_url: rec.report_url,
        account_id: rec.account_id,
    };
    let mut resource = cx.resource(raw, id, Detail::CompliancePack(pack));
    resource.reported_at = rec.report_create_timestamp;
    Ok(resource)
}

#[cfg(test)]
mod tests {
    use crate::report::tests::input;
    use crate::report::{load, LoadOptions, ReportKind};
    use crate::resource::{Detail, Status};

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

    #[test]
    fn wrong_types_are_errors() {
        let text = r#"{"CompliancePackReport":{"CompliancePackId":"cp-1","AccountId":"lots"}}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
