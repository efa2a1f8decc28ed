//! The HTTP transport live sources and incidents share: one `reqwest` blocking client
//! over rustls, connect and request timeouts, and retries with exponential backoff and
//! full jitter on connection errors, timeouts, 408, 429 and 5xx, honouring `Retry-After`.
//!
//! It knows nothing about vendors except how their error bodies look (Huawei
//! `error_code`/`error_msg`, Alibaba `Code`/`Message`/`RequestId`), which it lifts into
//! the error. Signing is the caller's: [`Client::send`] asks the caller to build the request
//! again for every attempt, so dates, nonces and signatures are fresh each time.
//!
//! Secrets: credentials travel only in headers. Header values never reach an error, a
//! `Debug` string or a log line from here, and a vendor message that echoes a token or a
//! signature back has it masked before it is shown.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::Error;

/// Headers whose values are credentials, compared without regard to case.
const SENSITIVE: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-auth-token",
    "x-subject-token",
    "x-security-token",
    "x-acs-security-token",
    "x-acs-accesskey-id",
    "cookie",
];

/// The longest error body parsed for a vendor code and message; a longer one is not an
/// error document (an HTML error page at most) and is not worth parsing.
const MAX_ERROR_BODY: usize = 256 * 1024;

/// The longest vendor message kept in an error.
const MAX_MESSAGE: usize = 500;

/// Timeouts and retry budget. The defaults suit the vendors' list APIs; tests shrink them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// Time allowed to open a connection (TCP and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for one whole attempt, from sending to the last body byte. Default 60 s.
    pub timeout: Duration,
    /// Attempts per call, the first included; 0 counts as 1. Default 5.
    pub max_attempts: u32,
    /// Backoff before the second attempt; it doubles for each later one. Default 500 ms.
    pub base_backoff: Duration,
    /// The longest wait between attempts, also for a `Retry-After`. Default 30 s.
    pub max_backoff: Duration,
    /// A PEM file of extra root certificates (a private CA, or a TLS-inspecting proxy),
    /// trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    /// `-v` and above: each retry is said on standard error (the call, the attempt, the
    /// wait and why), so a run against an unreachable endpoint is not silent for minutes.
    pub verbose: u8,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            ca_file: None,
            verbose: 0,
        }
    }
}

/// One request, built by the caller for each attempt.
#[derive(Clone)]
pub struct Outgoing {
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The full URL, query included.
    pub url: String,
    /// Headers, signature headers included. Values of credential headers are never shown.
    pub headers: Vec<(String, String)>,
    /// The body; empty for none.
    pub body: Vec<u8>,
    /// Secrets carried outside the headers (a COC integration key in the path): masked
    /// wherever the request is shown.
    pub hidden: Vec<String>,
}

impl Outgoing {
    /// The URL as it may be shown in messages: see [`redact_url`], with `hidden` masked.
    pub(crate) fn shown_url(&self) -> String {
        mask(&redact_url(&self.url), &self.hidden)
    }
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if is_sensitive(name) {
                    "[redacted]"
                } else {
                    value
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("url", &self.shown_url())
            .field("headers", &headers)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

/// A successful (2xx) response.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status, 200–299.
    pub status: u16,
    /// The whole body.
    pub body: Vec<u8>,
    /// Attempts it took, this one included.
    pub attempts: u32,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// The shared HTTP client. Cheap to clone; clones share one connection pool, so worker
/// threads should each take a clone (or a reference) of one client.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::blocking::Client,
    options: HttpOptions,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Attempt {
    Done(Response),
    Status {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    Failed(reqwest::Error),
}

impl Client {
    /// Build the client. Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
    /// `NO_PROXY` (upper or lower case), as `reqwest` reads them; `ca_file` is trusted as an
    /// extra root.
    pub fn new(options: HttpOptions) -> Result<Client, Error> {
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
            // A signed request is valid for one host and path; following a redirect would
            // replay it (and its credentials) somewhere the user did not configure.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &options.ca_file {
            let pem = std::fs::read(path).map_err(|source| Error::Read {
                what: "CA file",
                path: path.clone(),
                source,
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| Error::CaFile {
                    path: path.clone(),
                    reason: chain(&err),
                })?;
            if certs.is_empty() {
                return Err(Error::CaFile {
                    path: path.clone(),
                    reason: "no -----BEGIN CERTIFICATE----- block".into(),
                });
            }
            builder = builder.tls_certs_merge(certs);
        }
        let inner = builder
            .build()
            .map_err(|source| Error::HttpClient { source })?;
        Ok(Client { inner, options })
    }

    #[cfg(test)]
    /// The options the client was built with.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Send a request, retrying. `build` is called for EVERY attempt and returns the
    /// request to send (so signatures and dates are fresh per attempt).
    ///
    /// A 2xx is returned as is. Connection errors, timeouts, 408, 429 and 5xx are retried
    /// up to `max_attempts` in all, waiting `Retry-After` when the server sends one (at
    /// most `max_backoff`), else a random time up to `base_backoff × 2^(n-1)`. Anything else
    /// fails at once. `what` names the call in the error ("COC list page 3 of coc-prod").
    pub fn send(&self, what: &str, build: &dyn Fn() -> Outgoing) -> Result<Response, Error> {
        let max_attempts = self.options.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let out = build();
            let last = attempt >= max_attempts;
            match self.attempt(what, &out, attempt)? {
                Attempt::Done(response) => return Ok(response),
                Attempt::Status {
                    status,
                    headers,
                    body,
                } => {
                    if last || !retryable(status) {
                        return Err(http_error(what, &out, status, &headers, &body, attempt));
                    }
                    let wait = headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry_after(v, SystemTime::now()))
                        .map(|wait| wait.min(self.options.max_backoff))
                        .unwrap_or_else(|| self.backoff(attempt));
                    self.say_retry(what, attempt, wait, &format!("HTTP {status}"));
                    std::thread::sleep(wait);
                }
                Attempt::Failed(err) => {
                    if last || err.is_builder() {
                        return Err(self.connect_error(what, &out, err, attempt));
                    }
                    let wait = self.backoff(attempt);
                    self.say_retry(what, attempt, wait, &self.problem(&err));
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn attempt(&self, what: &str, out: &Outgoing, attempt: u32) -> Result<Attempt, Error> {
        let bad = |reason: String| Error::Request {
            what: what.to_string(),
            url: out.shown_url(),
            reason,
        };
        let url = reqwest::Url::parse(&out.url).map_err(|err| bad(format!("bad URL: {err}")))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &out.headers {
            let key = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| bad(format!("{name:?} is not a valid header name")))?;
            // Never the value itself in the message: it may be a credential.
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| bad(format!("the value of header {name} is not valid")))?;
            value.set_sensitive(is_sensitive(name));
            headers.append(key, value);
        }
        let sent = self
            .inner
            .request(out.method.clone(), url)
            .headers(headers)
            .body(out.body.clone())
            .send();
        let response = match sent {
            Ok(response) => response,
            Err(err) => return Ok(Attempt::Failed(err)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // A connection dropped in the middle of the body is as retryable as one dropped
        // before the status line.
        let body = match response.bytes() {
            Ok(body) => body.to_vec(),
            Err(err) => return Ok(Attempt::Failed(err)),
        };
        if (200..300).contains(&status) {
            return Ok(Attempt::Done(Response {
                status,
                body,
                attempts: attempt,
            }));
        }
        Ok(Attempt::Status {
            status,
            headers,
            body,
        })
    }

    /// Full jitter (a uniform wait in `0..=cap`): many workers throttled at once spread
    /// out instead of retrying in lock step.
    fn backoff(&self, attempt: u32) -> Duration {
        let doubling = 2u32.saturating_pow(attempt.saturating_sub(1));
        let cap = self
            .options
            .base_backoff
            .saturating_mul(doubling)
            .min(self.options.max_backoff);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(random() % nanos.saturating_add(1))
    }

    /// `tollgate: COC list page 2 of coc-prod: attempt 1 of 5 failed (HTTP 503); retrying in 0.4s`
    fn say_retry(&self, what: &str, attempt: u32, wait: Duration, reason: &str) {
        if self.options.verbose >= 1 {
            eprintln!(
                "tollgate: {what}: attempt {attempt} of {} failed ({reason}); retrying in {:.1}s",
                self.options.max_attempts.max(1),
                wait.as_secs_f64()
            );
        }
    }

    /// What went wrong with an attempt, in a few words and without the URL.
    fn problem(&self, err: &reqwest::Error) -> String {
        if err.is_connect() && err.is_timeout() {
            format!("cannot connect within {:?}", self.options.connect_timeout)
        } else if err.is_connect() {
            "cannot connect".to_string()
        } else if err.is_timeout() {
            format!("no complete response within {:?}", self.options.timeout)
        } else if err.is_builder() {
            "cannot build the request".to_string()
        } else {
            "the connection failed before a complete response".to_string()
        }
    }

    fn connect_error(
        &self,
        what: &str,
        out: &Outgoing,
        err: reqwest::Error,
        attempts: u32,
    ) -> Error {
        let url = out.shown_url();
        let causes = chain(&err);
        let problem = self.problem(&err);
        let hint = if causes.contains("certificate") {
            "the server's TLS certificate is not trusted: if the endpoint (or a proxy in between) uses a private CA, set ca_file to its PEM file"
        } else if err.is_timeout() && !err.is_connect() {
            "the service answered too slowly; try again later, or with lower concurrency"
        } else {
            "check the endpoint and region, the network, and the proxy settings (HTTPS_PROXY, NO_PROXY are honoured)"
        };
        Error::Connect {
            what: what.to_string(),
            url,
            problem,
            attempts,
            source: err.without_url(),
            hint: hint.to_string(),
        }
    }
}

/// Statuses worth another attempt: the server was busy, failed, or timed out itself.
fn retryable(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

fn is_sensitive(name: &str) -> bool {
    SENSITIVE.iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// A `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the
/// past means "now".
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).ok())
            .flatten();
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let now = chrono::DateTime::<chrono::Utc>::from(now);
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// A random u64 for jitter. Not for anything secret.
fn random() -> u64 {
    fastrand::u64(..)
}

/// The URL as it may be shown: no user-info, no fragment, and query keys without values.
pub(crate) fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            let keys: Vec<String> = parsed.query_pairs().map(|(k, _)| k.into_owned()).collect();
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_fragment(None);
            parsed.set_query(None);
            let mut shown = parsed.to_string();
            if !keys.is_empty() {
                shown.push('?');
                shown.push_str(&keys.join("&"));
            }
            shown
        }
        _ => {
            // Not a URL: keep only what comes before any query, fragment or user-info.
            let end = url.find(['?', '#']).unwrap_or(url.len());
            let head = &url[..end];
            match head.rfind('@') {
                Some(at) => format!("[redacted]@{}", &head[at + 1..]),
                None => head.to_string(),
            }
        }
    }
}

/// The credential strings in a request: the values of credential headers, and the parts
/// of an `Authorization` header (`Access=`, `Credential=`, `Signature=`, a bearer token).
fn secrets(out: &Outgoing) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in &out.headers {
        if !is_sensitive(name) {
            continue;
        }
        found.push(value.clone());
        for part in value.split([' ', ',']) {
            let part = part.split_once('=').map_or(part, |(_, v)| v);
            // Short parts are scheme names and key names ("SignedHeaders"), not secrets;
            // masking them would garble the message for nothing.
            if part.len() >= 8 {
                found.push(part.to_string());
            }
        }
    }
    found.extend(out.hidden.iter().cloned());
    found.retain(|s| !s.trim().is_empty());
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found
}

/// `text` with every secret in `secrets` replaced by `[redacted]`.
pub(crate) fn mask(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |text, secret| {
        text.replace(secret.as_str(), "[redacted]")
    })
}

/// A vendor's error code, message and request id, from the body or the headers.
#[derive(Debug, Default, PartialEq, Eq)]
struct VendorError {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

fn vendor_error(body: &[u8], headers: &HeaderMap) -> VendorError {
    let mut found = VendorError::default();
    let doc = (body.len() <= MAX_ERROR_BODY)
        .then(|| serde_json::from_slice::<serde_json::Value>(body).ok())
        .flatten();
    if let Some(serde_json::Value::Object(top)) = &doc {
        let text = |map: &serde_json::Map<String, serde_json::Value>, key: &str| match map.get(key)
        {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        // Huawei IAM and some gateways nest it: {"error": {"code": 401, "message": ..}}.
        let nested = match top.get("error") {
            Some(serde_json::Value::Object(inner)) => Some(inner),
            _ => None,
        };
        found.code = text(top, "error_code")
            .or_else(|| text(top, "Code"))
            .or_else(|| nested.and_then(|n| text(n, "code")))
            .or_else(|| text(top, "code"));
        found.message = text(top, "error_msg")
            .or_else(|| text(top, "Message"))
            .or_else(|| nested.and_then(|n| text(n, "message")))
            .or_else(|| text(top, "message"));
        found.request_id = text(top, "RequestId")
            .or_else(|| text(top, "request_id"))
            .or_else(|| nested.and_then(|n| text(n, "request_id")));
    } else if doc.is_none() {
        // A proxy's or gateway's plain-text reason is still worth showing; an HTML page is not.
        let text = String::from_utf8_lossy(&body[..body.len().min(MAX_MESSAGE)]);
        let text = text.trim();
        if !text.is_empty() && !text.starts_with('<') {
            found.message = Some(text.to_string());
        }
    }
    if found.request_id.is_none() {
        found.request_id = ["x-acs-request-id", "x-request-id"]
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok())
            .map(str::to_string);
    }
    found
}

fn http_error(
    what: &str,
    out: &Outgoing,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    attempts: u32,
) -> Error {
    let vendor = vendor_error(body, headers);
    let secrets = secrets(out);
    let clean = |s: Option<String>| {
        s.map(|s| {
            let s = mask(&s, &secrets);
            match s.char_indices().nth(MAX_MESSAGE) {
                Some((at, _)) => format!("{}…", &s[..at]),
                None => s,
            }
        })
    };
    Error::Http {
        what: what.to_string(),
        url: out.shown_url(),
        status,
        vendor_code: clean(vendor.code),
        vendor_message: clean(vendor.message),
        request_id: clean(vendor.request_id),
        attempts,
        hint: status_hint(status).map(str::to_string),
    }
}

fn status_hint(status: u16) -> Option<&'static str> {
    Some(match status {
        300..=399 => "the endpoint redirects, which tollgate does not follow with signed requests: set the source's endpoint to the final URL",
        401 => "the credentials were rejected: check the access key and secret (HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK, or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET) or the token, and that this machine's clock is right (signatures carry the time)",
        403 => "the credentials are valid but not allowed to make this call: grant the IAM user (Huawei) or RAM user (Alibaba) read access to this service, project and region",
        404 => "check the source's endpoint, region and project or instance ids",
        408 => "the service gave up waiting for the request; run again later, or with lower concurrency",
        429 => "the service throttled the requests: lower the source's concurrency, or run again later",
        500..=599 => "the service failed on its side; run again later, and quote the request id if you contact the vendor",
        _ => return None,
    })
}

/// An error and its causes on one line; `reqwest` keeps the useful part in the causes.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::fake::{FakeReply, FakeServer};

    fn client(attempts: u32) -> Client {
        Client::new(HttpOptions {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            max_attempts: attempts,
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
            ca_file: None,
            verbose: 0,
        })
        .unwrap()
    }

    fn get(url: String) -> impl Fn() -> Outgoing {
        move || Outgoing {
            method: reqwest::Method::GET,
            url: url.clone(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: Vec::new(),
            hidden: Vec::new(),
        }
    }

    /// Replies from `script` in turn, then its last entry forever.
    fn scripted(script: Vec<FakeReply>) -> FakeServer {
        let next = AtomicU32::new(0);
        FakeServer::start(move |_| {
            let i = next.fetch_add(1, Ordering::SeqCst) as usize;
            script[i.min(script.len() - 1)].clone()
        })
    }

    fn code(err: &Error) -> String {
        miette::Diagnostic::code(err).unwrap().to_string()
    }

    fn help(err: &Error) -> String {
        miette::Diagnostic::help(err)
            .map(|h| h.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn success_returns_the_body() {
        let server = FakeServer::start(|req| {
            assert_eq!(req.path, "/v1/resources");
            assert_eq!(req.query_value("limit"), Some("100"));
            FakeReply::json(200, json!({"data": [1, 2]}))
        });
        let response = client(3)
            .send(
                "COC list",
                &get(format!("{}/v1/resources?limit=100", server.url())),
            )
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.attempts, 1);
        assert_eq!(response.body, br#"{"data":[1,2]}"#);
        assert_eq!(server.hits(), 1);
    }

    #[test]
    fn a_500_is_retried() {
        let server = scripted(vec![
            FakeReply::status(500),
            FakeReply::json(200, json!({"ok": true})),
        ]);
        let response = client(5).send("COC list", &get(server.url())).unwrap();
        assert_eq!(response.attempts, 2);
        assert_eq!(server.hits(), 2);
    }

    #[test]
    fn a_429_with_retry_after_is_waited_out() {
        let server = scripted(vec![
            FakeReply::status(429).header("Retry-After", "1"),
            FakeReply::json(200, json!({})),
        ]);
        // max_backoff (10 ms) caps the one second the server asks for.
        let response = client(5).send("OOS list", &get(server.url())).unwrap();
        assert_eq!(response.attempts, 2);
        assert_eq!(server.hits(), 2);
    }

    #[test]
    fn a_dropped_connection_is_retried() {
        let server = scripted(vec![FakeReply::drop(), FakeReply::json(200, json!({}))]);
        let response = client(5).send("OOS list", &get(server.url())).unwrap();
        assert_eq!(response.attempts, 2);
        assert_eq!(server.hits(), 2);
    }

    #[test]
    fn a_500_forever_gives_up_with_the_huawei_message() {
        let server = scripted(vec![FakeReply::json(
            500,
            json!({"error_code": "COC.0001", "error_msg": "boom"}),
        )
        .header("X-Request-Id", "req-77")]);
        let err = client(3)
            .send(
                "COC list page 3 of coc-prod",
                &get(format!("{}/v1/x?marker=abc", server.url())),
            )
            .unwrap_err();
        assert_eq!(server.hits(), 3);
        assert_eq!(code(&err), "tollgate::fetch::http");
        match &err {
            Error::Http {
                status,
                vendor_code,
                vendor_message,
                request_id,
                attempts,
                url,
                ..
            } => {
                assert_eq!(*status, 500);
                assert_eq!(vendor_code.as_deref(), Some("COC.0001"));
                assert_eq!(vendor_message.as_deref(), Some("boom"));
                assert_eq!(request_id.as_deref(), Some("req-77"));
                assert_eq!(*attempts, 3);
                assert_eq!(url, &format!("{}/v1/x?marker", server.url()));
            }
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with("COC list page 3 of coc-prod: HTTP 500"),
            "{text}"
        );
        assert!(text.contains("COC.0001: boom"), "{text}");
        assert!(text.contains("after 3 attempts"), "{text}");
        assert!(!text.contains("abc"), "{text}");
    }

    #[test]
    fn a_403_fails_at_once_with_the_alibaba_fields_and_a_hint() {
        let server = FakeServer::start(|_| {
            FakeReply::json(
                403,
                json!({"Code": "Forbidden.RAM", "Message": "User not authorized", "RequestId": "9A47C086"}),
            )
        });
        let err = client(5).send("OOS list", &get(server.url())).unwrap_err();
        assert_eq!(server.hits(), 1);
        match &err {
            Error::Http {
                status: 403,
                vendor_code,
                vendor_message,
                request_id,
                attempts: 1,
                ..
            } => {
                assert_eq!(vendor_code.as_deref(), Some("Forbidden.RAM"));
                assert_eq!(vendor_message.as_deref(), Some("User not authorized"));
                assert_eq!(request_id.as_deref(), Some("9A47C086"));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("request id 9A47C086"), "{err}");
        assert!(help(&err).contains("RAM user"), "{}", help(&err));
    }

    #[test]
    fn a_401_names_the_credential_variables() {
        let server = FakeServer::start(|_| {
            FakeReply::json(
                401,
                json!({"error": {"code": 401, "message": "token expired"}}),
            )
        });
        let err = client(5)
            .send("Config summary", &get(server.url()))
            .unwrap_err();
        assert_eq!(server.hits(), 1);
        assert!(err.to_string().contains("401: token expired"), "{err}");
        assert!(help(&err).contains("HUAWEICLOUD_SDK_AK"));
    }

    #[test]
    fn a_slow_reply_times_out_is_retried_then_fails() {
        let server = FakeServer::start(|_| {
            FakeReply::json(200, json!({})).with_delay(Duration::from_millis(800))
        });
        let client = Client::new(HttpOptions {
            timeout: Duration::from_millis(100),
            ..client(2).options().clone()
        })
        .unwrap();
        let err = client.send("COC list", &get(server.url())).unwrap_err();
        assert_eq!(code(&err), "tollgate::fetch::connect");
        assert!(matches!(err, Error::Connect { attempts: 2, .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("no complete response within 100ms"),
            "{err}"
        );
        assert_eq!(server.hits(), 2);
    }

    #[test]
    fn a_refused_connection_is_a_connect_error() {
        // Bind and close a port so nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = client(2)
            .send("COC list", &get(format!("http://127.0.0.1:{port}/v1")))
            .unwrap_err();
        assert!(matches!(err, Error::Connect { attempts: 2, .. }), "{err:?}");
        assert!(err.to_string().contains("cannot connect"), "{err}");
        assert!(help(&err).contains("HTTPS_PROXY"));
    }

    #[test]
    fn build_is_called_once_per_attempt() {
        let server = scripted(vec![
            FakeReply::status(503),
            FakeReply::drop(),
            FakeReply::json(200, json!({})),
        ]);
        let calls = Arc::new(AtomicU32::new(0));
        let url = server.url();
        let counted = Arc::clone(&calls);
        let build = move || {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            Outgoing {
                method: reqwest::Method::POST,
                url: url.clone(),
                headers: vec![("X-Sdk-Date".into(), format!("attempt-{n}"))],
                body: b"{}".to_vec(),
                hidden: Vec::new(),
            }
        };
        let response = client(5).send("COC alarm", &build).unwrap();
        assert_eq!(response.attempts, 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let dates: Vec<_> = server
            .requests()
            .iter()
            .map(|r| r.header("x-sdk-date").unwrap().to_string())
            .collect();
        assert_eq!(dates, ["attempt-1", "attempt-2", "attempt-3"]);
        assert!(server.requests().iter().all(|r| r.body == b"{}"));
    }

    #[test]
    fn secrets_stay_out_of_errors_and_debug() {
        const AK: &str = "HPUAAKIDEXAMPLE0001";
        const SIGNATURE: &str = "5f1e0a9b8c7d6e5f4a3b2c1d0e9f8a7b";
        const TOKEN: &str = "MIIEXAMPLETOKENvalue";
        // A vendor that echoes the credentials back must not leak them through us.
        let server = FakeServer::start(|req| {
            FakeReply::json(
                401,
                json!({
                    "error_code": "APIGW.0301",
                    "error_msg": format!("verify aksk signature fail, {}", req.header("authorization").unwrap()),
                    "request_id": req.header("x-auth-token").unwrap(),
                }),
            )
        });
        let url = server.url();
        let build = move || {
            Outgoing {
            method: reqwest::Method::GET,
            url: format!("{url}/v1/resources?limit=100"),
            headers: vec![
                (
                    "Authorization".into(),
                    format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={SIGNATURE}"),
                ),
                ("X-Auth-Token".into(), TOKEN.into()),
                ("x-acs-security-token".into(), TOKEN.into()),
            ],
            body: Vec::new(),
            hidden: Vec::new(),
        }
        };
        let debug = format!("{:?}", build());
        let err = client(3).send("COC list", &build).unwrap_err();
        let rendered = {
            let mut out = String::new();
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .render_report(&mut out, &err)
                .unwrap();
            out
        };
        for text in [debug, format!("{err}"), format!("{err:?}"), rendered] {
            for secret in [AK, SIGNATURE, TOKEN] {
                assert!(!text.contains(secret), "{secret} leaked in {text}");
            }
        }
        assert!(
            err.to_string().contains("verify aksk signature fail"),
            "{err}"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(" 0.5 ", now), Some(Duration::from_millis(500)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("-1", now), None);
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn backoff_is_jittered_under_a_doubling_cap() {
        let client = Client::new(HttpOptions {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..HttpOptions::default()
        })
        .unwrap();
        for _ in 0..50 {
            assert!(client.backoff(1) <= Duration::from_millis(100));
            assert!(client.backoff(2) <= Duration::from_millis(200));
            assert!(client.backoff(3) <= Duration::from_millis(350));
            assert!(client.backoff(40) <= Duration::from_millis(350));
        }
        let waits: std::collections::HashSet<_> = (0..20).map(|_| client.backoff(3)).collect();
        assert!(waits.len() > 1, "no jitter: {waits:?}");
    }

    #[test]
    fn urls_are_shown_without_secrets() {
        assert_eq!(
            redact_url("https://user:pw@coc.example.com/v1/r?limit=1&marker=x#frag"),
            "https://coc.example.com/v1/r?limit&marker"
        );
        assert_eq!(redact_url("not a url?token=1"), "not a url");
        assert_eq!(redact_url("user:pw@host/x?y"), "[redacted]@host/x");
    }

    #[test]
    fn vendor_errors_are_read_from_each_shape() {
        let none = HeaderMap::new();
        let huawei = vendor_error(br#"{"error_code":"AS.0001","error_msg":"bad"}"#, &none);
        assert_eq!(huawei.code.as_deref(), Some("AS.0001"));
        assert_eq!(huawei.message.as_deref(), Some("bad"));
        let alibaba = vendor_error(
            br#"{"Code":"Throttling","Message":"slow","RequestId":"R"}"#,
            &none,
        );
        assert_eq!(
            alibaba,
            VendorError {
                code: Some("Throttling".into()),
                message: Some("slow".into()),
                request_id: Some("R".into())
            }
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-acs-request-id", HeaderValue::from_static("H"));
        let text = vendor_error(b"upstream connect error", &headers);
        assert_eq!(text.message.as_deref(), Some("upstream connect error"));
        assert_eq!(text.request_id.as_deref(), Some("H"));
        assert_eq!(
            vendor_error(b"<html>502</html>", &none),
            VendorError::default()
        );
    }

    #[test]
    fn a_missing_ca_file_and_a_bad_one_are_errors() {
        let missing = Client::new(HttpOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..HttpOptions::default()
        })
        .unwrap_err();
        assert!(matches!(
            missing,
            Error::Read {
                what: "CA file",
                ..
            }
        ));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let bad = Client::new(HttpOptions {
            ca_file: Some(path),
            ..HttpOptions::default()
        })
        .unwrap_err();
        assert_eq!(code(&bad), "tollgate::fetch::ca_file");
    }

    /// A self-signed CA made with `openssl req -x509 -newkey ec` for this test only.
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUDmUWxOEHn406FZHtt2ENp9WZrzUwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQdG9sbGdhdGUgdGVzdCBDQTAgFw0yNjExMjMxMTQ3MzhaGA8y
MTI2MTAzMDExNDczOFowGzEZMBcGA1UEAwwQdG9sbGdhdGUgdGVzdCBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABJ8knw/nTzwOUWA6s374PVj1Xot/NUz+KSKV
mrok4qtL9FEVAiitb4TjY0TAexnSjuQpuDq6y4Yy5rFhGcHvPtejUzBRMB0GA1Ud
DgQWBBSWlUb/HLFCVtLGpM+GC1QxKePcXzAfBgNVHSMEGDAWgBSWlUb/HLFCVtLG
pM+GC1QxKePcXzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIB1i
0ebSAYI0E+OOzJ9niXAKstB9NNAsMGhgN0VmEpnlAiB9vwj9iO0kEJVbnCpbjUDj
i9WSuP8xUnIA4LtdNrwcCA==
-----END CERTIFICATE-----
";

    #[test]
    fn a_pem_ca_file_is_trusted_besides_the_system_roots() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, TEST_CA).unwrap();
        let client = Client::new(HttpOptions {
            ca_file: Some(path),
            ..HttpOptions::default()
        });
        assert!(client.is_ok(), "{client:?}");
    }

    #[test]
    fn the_client_is_shareable() {
        fn shareable<T: Clone + Send + Sync>() {}
        shareable::<Client>();
    }
}
