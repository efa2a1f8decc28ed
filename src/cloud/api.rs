//! A vendor API: its base URL, the HTTP client, and how each call is signed. Sources and
//! incidents make their calls through it.

use chrono::Utc;
use serde_json::value::RawValue;

use super::credentials::Auth;
use super::http::{Client, Outgoing, Response};
use super::sign::{self, alibaba, huawei};
use crate::error::Error;

/// The `X-Project-Id` header Huawei APIs take, when a project id is set.
pub(crate) fn project_header(project_id: Option<&str>) -> Vec<(String, String)> {
    project_id
        .map(|p| ("X-Project-Id".to_string(), p.to_string()))
        .into_iter()
        .collect()
}

/// A request to sign and send.
pub(crate) struct Call<'a> {
    pub method: &'a str,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Headers beyond the signer's (`x-acs-action`, `X-Project-Id`, ...).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Secrets in the path (see [`Outgoing::hidden`]).
    pub hidden: Vec<String>,
}

/// A vendor API: where it is, how requests are sent, and how they are signed.
pub(crate) struct Api {
    pub client: Client,
    pub auth: Auth,
    /// The base URL, without a trailing slash.
    pub base: String,
}

impl Api {
    /// Send a signed call (freshly signed on every attempt) and return the body, which
    /// must be JSON.
    pub(crate) fn json(&self, what: &str, call: &Call) -> Result<Box<RawValue>, Error> {
        let response = self.send(what, call)?;
        serde_json::from_slice::<Box<RawValue>>(&response.body).map_err(|e| Error::FetchBody {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }

    /// Send a signed call (freshly signed on every attempt); any 2xx response.
    pub(crate) fn send(&self, what: &str, call: &Call) -> Result<Response, Error> {
        let host = host_of(&self.base);
        let build = || -> Outgoing {
            let mut headers = call.headers.clone();
            if let Auth::Huawei(_) | Auth::HuaweiToken(_) = self.auth {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            let req = sign::Request {
                method: call.method,
                host: &host,
                path: &call.path,
                query: &call.query,
                headers: &headers,
                body: &call.body,
            };
            let now = Utc::now();
            let (headers, query) = match &self.auth {
                Auth::Huawei(creds) => {
                    let signed = huawei::sign(&req, creds, &huawei::sdk_date(now));
                    (signed.headers, signed.query_string)
                }
                Auth::Alibaba(creds) => {
                    let signed = alibaba::sign(&req, creds, &alibaba::acs_date(now), &nonce());
                    (signed.headers, signed.query_string)
                }
                Auth::HuaweiToken(token) => {
                    let mut all = headers.clone();
                    all.extend(huawei::token_headers(token));
                    (all, huawei::canonical_query(&call.query))
                }
            };
            let url = if query.is_empty() {
                format!("{}{}", self.base, call.path)
            } else {
                format!("{}{}?{query}", self.base, call.path)
            };
            Outgoing {
                method: call.method.parse().unwrap_or(reqwest::Method::GET),
                url,
                headers,
                body: call.body.clone(),
                hidden: call.hidden.clone(),
            }
        };
        self.client.send(what, &build)
    }
}

fn host_of(base: &str) -> String {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// A random nonce per request, as 32 hex digits (Alibaba refuses a nonce it has seen
/// recently; it need not be secret, and fastrand's generator, seeded per thread from the
/// system, makes a repeat within Alibaba's window vanishingly unlikely).
fn nonce() -> String {
    format!("{:032x}", fastrand::u128(..))
}
