//! Alibaba Cloud Config GetCompliancePackReport
//! (alibaba-config-get-compliance-pack-report.txt): an RPC-style call (ACS3 signature).
//! `CREATING` is polled with backoff up to the source's `poll_timeout_secs`; `NONE` is an
//! error (the report must be generated first); `COMPLETE` is recorded, and the report file
//! at `ReportUrl` is downloaded into the evidence, where the loader reads its rows as
//! `pack_result` resources.
//!
//! `ReportUrl` is a pre-signed OSS link: its query carries a signature that works as a
//! credential until it expires, so the recorded response keeps the link without it.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::value::RawValue;

use super::live::{Recorded, Session, Sheet};
use crate::cloud::http::Outgoing;
use crate::cloud::Call;
use crate::error::Error;
use crate::model::ReportKind;

const ACTION: &str = "GetCompliancePackReport";
const VERSION: &str = "2020-09-07";
const DEFAULT_POLL: Duration = Duration::from_secs(300);

pub(super) fn fetch(session: &Session) -> Result<Vec<Recorded>, Error> {
    let source = session.source;
    let label = source.label();
    let pack = source
        .compliance_pack_id
        .as_deref()
        .ok_or_else(|| Error::Config {
            reason: format!(
                "source {} (Alibaba Config) has no compliance_pack_id",
                source.name
            ),
            hint: Some("set compliance_pack_id = \"cp-...\" under [[source]]".into()),
        })?;
    let call = Call {
        method: "POST",
        path: "/".into(),
        query: vec![("CompliancePackId".to_string(), pack.to_string())],
        headers: vec![
            ("x-acs-action".into(), ACTION.into()),
            ("x-acs-version".into(), VERSION.into()),
        ],
        body: Vec::new(),
        hidden: Vec::new(),
    };
    let deadline = Instant::now()
        + source
            .poll_timeout_secs
            .map_or(DEFAULT_POLL, Duration::from_secs);
    let mut wait = Duration::from_secs(2);
    let what = format!("compliance-pack report {pack} of {label}");
    let (page, url) = loop {
        session.progress.add(1);
        let page = session.json(&what, &call)?;
        session.progress.done();
        let value: serde_json::Value =
            serde_json::from_str(page.get()).map_err(|e| Error::FetchBody {
                what: what.clone(),
                reason: e.to_string(),
            })?;
        let report = &value["CompliancePackReport"];
        match report["ReportStatus"].as_str() {
            Some("COMPLETE") => {
                let url = report["ReportUrl"].as_str().map(str::to_string);
                break (value, url);
            }
            Some("CREATING") if Instant::now() + wait <= deadline => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(30));
            }
            Some("CREATING") => {
                return Err(Error::FetchBody {
                    what,
                    reason: "the report is still being generated (CREATING) after the poll timeout".into(),
                })
            }
            Some("NONE") => {
                return Err(Error::FetchBody {
                    what,
                    reason: "no report has been generated (NONE): call GenerateCompliancePackReport first, then fetch again".into(),
                })
            }
            other => {
                return Err(Error::FetchBody {
                    what,
                    reason: format!("ReportStatus is {other:?}, not COMPLETE, CREATING or NONE"),
                })
            }
        }
    };
    let sheet = match url.as_deref().filter(|u| !u.is_empty()) {
        // The rows are the evidence: a report without its file must not look clean.
        None => {
            return Err(Error::FetchBody {
                what,
                reason: "the report is COMPLETE but has no ReportUrl to download its results from"
                    .into(),
            })
        }
        Some(url) => {
            let response = session
                .api
                .client
                .send(&format!("download of {what}"), &|| Outgoing {
                    method: reqwest::Method::GET,
                    url: url.to_string(),
                    headers: Vec::new(),
                    body: Vec::new(),
                    hidden: Vec::new(),
                })?;
            let file = url
                .split('?')
                .next()
                .and_then(|p| p.rsplit('/').next())
                .unwrap_or("report.xls")
                .to_string();
            Some(Sheet {
                file,
                base64: base64::engine::general_purpose::STANDARD.encode(&response.body),
            })
        }
    };
    let mut page = page;
    if let Some(url) = page["CompliancePackReport"]["ReportUrl"].as_str() {
        let bare = url.split('?').next().unwrap_or(url).to_string();
        page["CompliancePackReport"]["ReportUrl"] = serde_json::Value::String(bare);
    }
    let page = RawValue::from_string(page.to_string()).map_err(|e| Error::FetchBody {
        what: what.clone(),
        reason: e.to_string(),
    })?;
    Ok(vec![Recorded {
        kind: ReportKind::ConfigPack,
        name: label,
        pages: vec![page],
        sheet,
    }])
}
