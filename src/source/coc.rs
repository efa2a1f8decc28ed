//! Huawei Cloud COC patch compliance (huawei-coc-node-compliance-report.txt):
//! `GET /v1/patch/instance/compliant` page by page, and per node
//! `GET /v1/patch/instance/compliant/{id}` for its patch list.
//!
//! The document calls `offset` an "offset pointer" with a default of 1 and shows
//! `offset=1&limit=10` as "starting from the first page", so `offset` is taken as a page
//! number from 1. Should the service read it as a record offset instead, pages would
//! overlap and the loader would refuse the evidence for duplicate ids (or a total that
//! does not add up) — never a silent pass.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::live::{concurrency_of, parallel, Details, Recorded, Session};
use crate::cloud::Call;
use crate::error::Error;
use crate::model::ReportKind;

/// The API's maximum page size.
const MAX_PAGE: u32 = 100;

/// The largest `offset` the API accepts: a total that needs more pages is not believed.
const MAX_OFFSET: u64 = 1_000_000;

/// Query keys the fetcher sets itself; a filter may not set them too.
const PAGING: [&str; 2] = ["limit", "offset"];

#[derive(Deserialize)]
struct Page {
    count: Option<u64>,
    #[serde(default)]
    instance_compliant: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    /// The compliance report's id: the key of the details call.
    id: Option<String>,
    instance_id: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct ItemPage {
    count: Option<u64>,
}

fn pages_for(total: u64, size: u32) -> usize {
    usize::try_from(total.div_ceil(u64::from(size)).max(1)).unwrap_or(usize::MAX)
}

fn headers(session: &Session) -> Vec<(String, String)> {
    crate::cloud::project_header(session.source.project_id.as_deref())
}

/// Every page of a paged COC list: the first page gives the total, the rest are fetched
/// concurrently and kept in page order.
fn all_pages(
    session: &Session,
    what: &str,
    path: &str,
    query: &[(String, String)],
    total_of: &dyn Fn(&RawValue) -> Option<u64>,
    concurrency: usize,
) -> Result<Vec<Box<RawValue>>, Error> {
    let size = session
        .source
        .page_size
        .unwrap_or(MAX_PAGE)
        .clamp(1, MAX_PAGE);
    let page = |n: usize| -> Result<Box<RawValue>, Error> {
        let mut q = vec![
            ("limit".to_string(), size.to_string()),
            ("offset".to_string(), n.to_string()),
        ];
        q.extend(query.iter().cloned());
        let call = Call {
            method: "GET",
            path: path.to_string(),
            query: q,
            headers: headers(session),
            body: Vec::new(),
            hidden: Vec::new(),
        };
        let body = session.json(&format!("{what} page {n}"), &call)?;
        session.progress.done();
        Ok(body)
    };
    session.progress.add(1);
    let first = page(1)?;
    let total = total_of(&first).ok_or_else(|| Error::FetchBody {
        what: format!("{what} page 1"),
        reason: "the response has no `count`, so the number of pages is unknown".into(),
    })?;
    if total.div_ceil(u64::from(size)) > MAX_OFFSET {
        return Err(Error::FetchBody {
            what: format!("{what} page 1"),
            reason: format!(
                "it declares {total} records, more than {MAX_OFFSET} pages of {size} can hold"
            ),
        });
    }
    let pages = pages_for(total, size);
    session.progress.add((pages - 1) as u64);
    let rest = parallel(pages - 1, concurrency, &|i| page(i + 2))?;
    let mut out = Vec::with_capacity(pages);
    out.push(first);
    out.extend(rest);
    Ok(out)
}

/// The node list, and the patch lists the source asks for.
pub(super) fn fetch(session: &Session) -> Result<Vec<Recorded>, Error> {
    let source = session.source;
    let label = source.label();
    let path = "/v1/patch/instance/compliant";
    let filters = source.filter_pairs();
    if let Some((key, _)) = filters.iter().find(|(k, _)| PAGING.contains(&k.as_str())) {
        return Err(Error::Config {
            reason: format!(
                "source {}: filter `{key}` is set by tollgate while paging",
                source.name
            ),
            hint: Some("use page_size to choose the page size".into()),
        });
    }
    let pages = all_pages(
        session,
        &format!("COC node list of {label}"),
        path,
        &filters,
        &|raw| serde_json::from_str::<Page>(raw.get()).ok()?.count,
        concurrency_of(source),
    )?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    // Without details the pages are not read here at all: the loader reads them once.
    let listed = if source.details == Details::None {
        &[][..]
    } else {
        &pages[..]
    };
    for raw in listed {
        let page: Page = serde_json::from_str(raw.get()).map_err(|e| Error::FetchBody {
            what: format!("COC node list of {label}"),
            reason: e.to_string(),
        })?;
        for node in page.instance_compliant {
            let take = match source.details {
                Details::None => false,
                Details::All => true,
                Details::NonCompliant => node.status.as_deref() != Some("compliant"),
            };
            if !take {
                continue;
            }
            // Without its report id a node's patch list cannot be asked for: that is
            // missing evidence, not a node to skip.
            let Some(id) = node.id.filter(|id| !id.is_empty()) else {
                return Err(Error::FetchBody {
                    what: format!("COC node list of {label}"),
                    reason: format!(
                        "node {} has no report `id`, so its patch list cannot be fetched",
                        node.instance_id.as_deref().unwrap_or("(no instance_id)")
                    ),
                });
            };
            let instance = node.instance_id.unwrap_or_else(|| id.clone());
            wanted.push((id, instance));
        }
    }
    let mut reports = vec![Recorded {
        kind: ReportKind::CocPatch,
        name: label.clone(),
        pages,
        sheet: None,
    }];
    // One report per node: each patch list declares its own total.
    let details = parallel(wanted.len(), concurrency_of(source), &|i| {
        let (id, instance) = &wanted[i];
        let pages = all_pages(
            session,
            &format!("COC patch list of {instance} ({label})"),
            &format!("{path}/{id}"),
            &[],
            &|raw| serde_json::from_str::<ItemPage>(raw.get()).ok()?.count,
            // The nodes run concurrently already: their pages go one after another, so
            // no more than `concurrency` requests are ever in flight.
            1,
        )?;
        Ok(Recorded {
            kind: ReportKind::CocItems,
            name: format!("{label}/items/{instance}"),
            pages,
            sheet: None,
        })
    })?;
    reports.extend(details);
    Ok(reports)
}
