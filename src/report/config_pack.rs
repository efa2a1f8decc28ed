//! Alibaba Cloud Config `GetCompliancePackReport`
//! (api-docs/alibaba-config-get-compliance-pack-report.txt). The response describes one
//! report file: it becomes one `compliance_pack` resource whose `id` is the pack id.
//! The live source downloads the file itself and reads its rows with [`super::pack_sheet`].

use serde::Deserialize;

use super::{JsonStr, RecordCx};
use crate::error::Error;
use crate::model::resource::{Common, CompliancePack, Detail, Resource};

/// The top-level key that identifies this response.
pub(super) const MARKER: &str = "CompliancePackReport";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record<'a> {
    #[serde(borrow)]
    compliance_pack_id: Option<JsonStr<'a>>,
    #[serde(borrow)]
    report_status: Option<JsonStr<'a>>,
    #[serde(borrow)]
    report_url: Option<JsonStr<'a>>,
    account_id: Option<i64>,
    report_create_timestamp: Option<i64>,
}

/// `ReportStatus` as the API documents it.
const REPORT_STATUSES: [&str; 3] = ["NONE", "CREATING", "COMPLETE"];

/// The `CompliancePackReport` object to a `compliance_pack`.
pub(super) fn record(raw: &str, cx: &RecordCx) -> Result<Resource, Error> {
    let rec: Record = cx.parse(raw)?;
    let id = cx.require_id(raw, "CompliancePackId", rec.compliance_pack_id.as_deref())?;
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
        id,
        rec.report_create_timestamp,
    )?;
    let mut b = cx.builder(raw);
    let pack = CompliancePack {
        report_status: b.str(rec.report_status.as_deref()),
        report_url: b.str(rec.report_url.as_deref()),
        account_id: rec.account_id,
    };
    let common = Common {
        reported_at,
        ..Common::new(b.str(Some(id)))
    };
    Ok(cx.finish(b, common, Detail::CompliancePack(pack)))
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
        assert_eq!(r.id(), "cp-fdc8626622af00f9****");
        assert_eq!(
            r.status,
            Status::Unknown,
            "the response says nothing of compliance"
        );
        assert_eq!(r.reported_at(), Some(1624329965857));
        let Detail::CompliancePack(p) = &r.detail else {
            panic!()
        };
        assert_eq!(r.text(p.report_status), Some("COMPLETE"));
        assert!(r.text(p.report_url).unwrap().contains(".xls"));
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
        assert_eq!(report.resources[0].reported_at(), None);
    }

    #[test]
    fn wrong_types_are_errors() {
        let text = r#"{"CompliancePackReport":{"CompliancePackId":"cp-1","AccountId":"lots"}}"#;
        let err = load(&input(text), LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
