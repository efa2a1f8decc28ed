//! Huawei Cloud Config policy states (huawei-config-policy-states-summary.txt):
//! `GET /v1/resource-manager/domains/{domain_id}/policy-states/summary`, one response, with
//! the source's filters (such as `tags`) as query parameters.

use super::live::{Recorded, Session};
use crate::cloud::Call;
use crate::error::Error;
use crate::model::ReportKind;

pub(super) fn fetch(session: &Session) -> Result<Vec<Recorded>, Error> {
    let source = session.source;
    let domain = source.domain_id.as_deref().ok_or_else(|| Error::Config {
        reason: format!("source {} (Huawei Config) has no domain_id", source.name),
        hint: Some("set domain_id to the account id under [[source]]".into()),
    })?;
    let call = Call {
        method: "GET",
        path: format!("/v1/resource-manager/domains/{domain}/policy-states/summary"),
        query: source.filter_pairs(),
        headers: Vec::new(),
        body: Vec::new(),
        hidden: Vec::new(),
    };
    session.progress.add(1);
    let page = session.json(
        &format!("Config policy states of {}", source.label()),
        &call,
    )?;
    session.progress.done();
    Ok(vec![Recorded {
        kind: ReportKind::ConfigStates,
        name: source.label(),
        pages: vec![page],
        sheet: None,
    }])
}
