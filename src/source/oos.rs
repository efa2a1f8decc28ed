//! Alibaba Cloud OOS ListInstancePatchStates (alibaba-oos-list-instance-patch-states.txt):
//! an RPC-style call (ACS3 signature, `x-acs-action`/`x-acs-version` headers, parameters in
//! the query), paged with MaxResults and NextToken. Pages follow one another, so they are
//! fetched in order; a NextToken seen twice is an error rather than an endless loop.

use std::collections::HashSet;

use serde::Deserialize;

use super::live::{Recorded, Session};
use crate::cloud::Call;
use crate::error::Error;
use crate::model::ReportKind;

const ACTION: &str = "ListInstancePatchStates";
const VERSION: &str = "2019-06-01";
const MAX_PAGE: u32 = 100;

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "NextToken")]
    next_token: Option<String>,
}

pub(super) fn fetch(session: &Session) -> Result<Vec<Recorded>, Error> {
    let source = session.source;
    let label = source.label();
    let size = source.page_size.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = HashSet::new();
    let filters = source.filter_pairs();
    if let Some((key, _)) = filters
        .iter()
        .find(|(k, _)| ["MaxResults", "NextToken", "RegionId"].contains(&k.as_str()))
    {
        return Err(Error::Config {
            reason: format!("source {}: filter `{key}` is set by tollgate", source.name),
            hint: Some("use page_size and region instead".into()),
        });
    }
    loop {
        let mut query = vec![("MaxResults".to_string(), size.to_string())];
        if let Some(region) = &source.region {
            query.push(("RegionId".to_string(), region.clone()));
        }
        if let Some(t) = &token {
            query.push(("NextToken".to_string(), t.clone()));
        }
        query.extend(filters.iter().cloned());
        let call = Call {
            method: "POST",
            path: "/".into(),
            query,
            headers: vec![
                ("x-acs-action".into(), ACTION.into()),
                ("x-acs-version".into(), VERSION.into()),
            ],
            body: Vec::new(),
            hidden: Vec::new(),
        };
        session.progress.add(1);
        let n = pages.len() + 1;
        let page = session.json(&format!("OOS patch states of {label}, page {n}"), &call)?;
        session.progress.done();
        let next = serde_json::from_str::<Page>(page.get())
            .map_err(|e| Error::FetchBody {
                what: format!("OOS patch states of {label}, page {n}"),
                reason: e.to_string(),
            })?
            .next_token
            .filter(|t| !t.is_empty() && t != "-");
        pages.push(page);
        match next {
            None => break,
            Some(t) if !seen.insert(t.clone()) => {
                return Err(Error::FetchBody {
                    what: format!("OOS patch states of {label}, page {n}"),
                    reason: format!("NextToken {t:?} was already used: the pages would repeat"),
                })
            }
            Some(t) => token = Some(t),
        }
    }
    Ok(vec![Recorded {
        kind: ReportKind::OosPatch,
        name: label,
        pages,
        sheet: None,
    }])
}
