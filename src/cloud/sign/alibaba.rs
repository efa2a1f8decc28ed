//! Alibaba Cloud request signing, ACS3-HMAC-SHA256 ("signature method V3").
//!
//! Reference: Alibaba Cloud SDK "Request syntax and signature method V3"
//! (<https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>),
//! and the Python `alibabacloud_tea_openapi` package (`Utils.get_authorization`), whose output
//! the vectors in `tests/fixtures/vectors/aliyun-acs3-hmac-sha256.json` pin down.
//!
//! The scheme, in short:
//! 1. The operation is named by headers, not by the URL: `x-acs-action` and `x-acs-version`
//!    (the caller sets them, with `host`); `sign` adds `x-acs-date` (`2025-06-01T10:15:00Z`),
//!    `x-acs-signature-nonce` (unique per request, against replay), `x-acs-content-sha256`
//!    (hex SHA-256 of the body, also for an empty one) and, for an STS credential,
//!    `x-acs-security-token`.
//! 2. The canonical request is six lines: the method; the path exactly as sent (no `/`
//!    added: `/reports/` and `/reports` sign differently); the query, sorted by key, keys as
//!    they are and values percent-encoded with `%20` for a space; one `name:value` line per
//!    header (lower-cased, trimmed, sorted), then an empty line; the header names joined by
//!    `;`; the hex SHA-256 of the body. Unlike Huawei, **every** header sent (except
//!    `Authorization`) is signed, `user-agent` and `accept` included.
//! 3. The string to sign is `ACS3-HMAC-SHA256` and the hex SHA-256 of the canonical request
//!    on two lines (the time is in the signed `x-acs-date` header instead); the signature is
//!    its hex HMAC-SHA256 under the AccessKey secret, sent as `Authorization:
//!    ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<hex>` (no spaces).
//!
//! On the wire the SDK sends the query in the caller's order, form-encoded (`+` for a
//! space); `sign` does the same, so the query string differs from the canonical one but
//! means the same parameters.
//!
//! RPC-style APIs take a list as numbered keys (`InstanceIds.1`, `InstanceIds.2`, ...):
//! the caller flattens it. Such keys sort as strings, so `InstanceIds.10` comes before
//! `InstanceIds.2` in the canonical query.

use super::{
    add_missing, canonical_headers, encode_path, form_encode, header, hmac_sha256_hex,
    percent_encode, sha256_hex, trimmed, Request, Signed,
};
use std::fmt;

const ALGORITHM: &str = "ACS3-HMAC-SHA256";
const DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// An Alibaba Cloud AccessKey pair, with the security token of an STS credential.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The AccessKey id (not a secret: it is sent in `Authorization`).
    pub access_key_id: String,
    /// The AccessKey secret.
    pub access_key_secret: String,
    /// The STS security token, sent as `x-acs-security-token`.
    pub security_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Sign `req` with ACS3-HMAC-SHA256 at time `date` (`"2025-06-01T10:15:00Z"`, see
/// `acs_date`) with the one-time `nonce`.
///
/// The caller sets `x-acs-action` and `x-acs-version` (and any other header it wants sent:
/// all are signed). Adds, unless the caller already set them (any case): `host` (from
/// `req.host`), `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256` and, for an STS
/// credential, `x-acs-security-token`; then `Authorization`. The canonical request always
/// ends with the hash of `req.body`, whatever `x-acs-content-sha256` the caller gave.
pub fn sign(req: &Request, creds: &Credentials, date: &str, nonce: &str) -> Signed {
    let body_hash = sha256_hex(req.body);
    let mut headers = trimmed(req.headers);
    add_missing(&mut headers, "host", req.host);
    add_missing(&mut headers, "x-acs-date", date);
    add_missing(&mut headers, "x-acs-signature-nonce", nonce);
    add_missing(&mut headers, "x-acs-content-sha256", &body_hash);
    if let Some(token) = &creds.security_token {
        add_missing(&mut headers, "x-acs-security-token", token);
    }
    debug_assert_eq!(
        header(&headers, "x-acs-content-sha256"),
        Some(body_hash.as_str()),
        "x-acs-content-sha256 must be the body's hash"
    );

    let (canonical_headers, signed_headers) = canonical_headers(&headers, |_| true);
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        encode_path(req.path),
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        body_hash,
    );
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = hmac_sha256_hex(
        creds.access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    );
    let authorization = format!(
        "{ALGORITHM} Credential={},SignedHeaders={signed_headers},Signature={signature}",
        creds.access_key_id
    );
    headers.push(("Authorization".to_owned(), authorization.clone()));
    Signed {
        headers,
        query_string: wire_query(req.query),
        canonical_request,
        string_to_sign,
        signed_headers,
        authorization,
    }
}

/// The `x-acs-date` form of `t`: ISO 8601 in UTC, to the second (`2025-06-01T10:15:00Z`).
pub(crate) fn acs_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format(DATE_FORMAT).to_string()
}

/// Sorted by key (then value, should a key repeat); the key as it is and the value
/// percent-encoded (`%20` for a space). The SDK leaves keys unencoded; API parameter names
/// are plain ASCII (`RegionId`, `InstanceIds.1`), for which that is the same as encoding.
fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The query as the SDK sends it: the caller's order, form-encoded (Python's `urlencode`).
fn wire_query(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::sign::tests::{percent_decode, Ordered};
    use chrono::TimeZone;

    type Pairs = Vec<(String, String)>;

    const VECTORS: &str =
        include_str!("../../../tests/fixtures/vectors/aliyun-acs3-hmac-sha256.json");

    /// The headers `sign` adds when the caller leaves them out; the vectors give them all.
    const ADDED: [&str; 4] = [
        "host",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ];

    #[derive(serde::Deserialize)]
    struct File {
        algorithm: String,
        vectors: Vec<Vector>,
    }

    #[derive(serde::Deserialize)]
    struct Vector {
        name: String,
        input: Input,
        expected: Expected,
    }

    #[derive(serde::Deserialize)]
    struct Input {
        access_key_id: String,
        access_key_secret: String,
        algorithm: String,
        method: String,
        scheme: String,
        path: String,
        query: Ordered,
        headers: Ordered,
        body: Option<String>,
    }

    #[derive(serde::Deserialize)]
    struct Expected {
        url: String,
        canonical_request: String,
        string_to_sign: String,
        signed_headers: String,
        signature: String,
        authorization: String,
    }

    fn vectors() -> Vec<Vector> {
        let file: File = serde_json::from_str(VECTORS).expect("the vector file parses");
        assert_eq!(file.algorithm, ALGORITHM);
        assert!(!file.vectors.is_empty());
        file.vectors
    }

    impl Input {
        fn credentials(&self) -> Credentials {
            Credentials {
                access_key_id: self.access_key_id.clone(),
                access_key_secret: self.access_key_secret.clone(),
                security_token: None,
            }
        }

        fn body(&self) -> &[u8] {
            self.body.as_deref().unwrap_or("").as_bytes()
        }

        /// The vectors name the host only in their `host` header.
        fn host(&self) -> &str {
            header(&self.headers.0, "host").expect("every vector has a host header")
        }

        fn given(&self, name: &str) -> &str {
            header(&self.headers.0, name).unwrap_or_else(|| panic!("no {name} header"))
        }
    }

    fn sign_input(input: &Input, headers: &[(String, String)]) -> Signed {
        let path = percent_decode(&input.path);
        let req = Request {
            method: &input.method,
            host: input.host(),
            path: &path,
            query: &input.query.0,
            headers,
            body: input.body(),
        };
        let (date, nonce) = (
            input.given("x-acs-date"),
            input.given("x-acs-signature-nonce"),
        );
        sign(&req, &input.credentials(), date, nonce)
    }

    #[test]
    fn every_vector_as_the_sdk_signs_it() {
        for Vector {
            name,
            input,
            expected,
        } in vectors()
        {
            assert_eq!(input.algorithm, ALGORITHM, "{name}");
            // `fields`: x-acs-content-sha256 is the hex SHA-256 of the body.
            assert_eq!(
                input.given("x-acs-content-sha256"),
                sha256_hex(input.body()),
                "{name}"
            );

            let signed = sign_input(&input, &input.headers.0);
            assert_eq!(
                signed.canonical_request, expected.canonical_request,
                "{name}"
            );
            assert_eq!(signed.string_to_sign, expected.string_to_sign, "{name}");
            assert_eq!(signed.signed_headers, expected.signed_headers, "{name}");
            assert_eq!(signed.signature(), expected.signature, "{name}");
            assert_eq!(signed.authorization, expected.authorization, "{name}");

            let path = encode_path(&percent_decode(&input.path));
            let query = match signed.query_string.as_str() {
                "" => String::new(),
                q => format!("?{q}"),
            };
            let url = format!("{}://{}{path}{query}", input.scheme, input.host());
            assert_eq!(url, expected.url, "{name}");

            // The vectors have no `expected.headers`: every header given was signed and is
            // sent (trimmed), with nothing added but Authorization.
            let mut want: Vec<(String, String)> = input
                .headers
                .0
                .iter()
                .map(|(n, v)| (n.clone(), v.trim().to_owned()))
                .collect();
            want.push(("Authorization".to_owned(), expected.authorization.clone()));
            assert_eq!(signed.headers, want, "{name}");
        }
    }

    /// Production callers give only x-acs-action/x-acs-version (and their own headers):
    /// `sign` adds host, date, nonce and body hash, and the signature is the same.
    #[test]
    fn every_vector_when_the_caller_omits_the_added_headers() {
        for Vector {
            name,
            input,
            expected,
        } in vectors()
        {
            let headers: Vec<(String, String)> = input
                .headers
                .0
                .iter()
                .filter(|(n, _)| !ADDED.iter().any(|a| a.eq_ignore_ascii_case(n)))
                .cloned()
                .collect();
            let signed = sign_input(&input, &headers);
            assert_eq!(
                signed.canonical_request, expected.canonical_request,
                "{name}"
            );
            assert_eq!(signed.string_to_sign, expected.string_to_sign, "{name}");
            assert_eq!(signed.authorization, expected.authorization, "{name}");
            let mut got = signed.headers.clone();
            let mut want = sign_input(&input, &input.headers.0).headers;
            got.sort();
            want.sort();
            assert_eq!(got, want, "{name}");
            assert_eq!(
                signed.headers.last().map(|h| h.0.as_str()),
                Some("Authorization")
            );
        }
    }

    #[test]
    fn acs_date_is_extended_iso8601_utc() {
        let t = chrono::Utc.with_ymd_and_hms(2025, 6, 1, 10, 15, 0).unwrap();
        assert_eq!(acs_date(t), "2025-06-01T10:15:00Z");
    }

    fn base() -> (Pairs, Pairs, Credentials) {
        let query = vec![("RegionId".to_owned(), "cn-hangzhou".to_owned())];
        let headers = vec![
            (
                "x-acs-action".to_owned(),
                "ListInstancePatchStates".to_owned(),
            ),
            ("x-acs-version".to_owned(), "2019-06-01".to_owned()),
        ];
        let creds = Credentials {
            access_key_id: "LTAI-ID".into(),
            access_key_secret: "ALI-SECRET".into(),
            security_token: None,
        };
        (query, headers, creds)
    }

    #[test]
    fn any_changed_byte_changes_the_signature() {
        let (query, headers, creds) = base();
        let req = Request {
            method: "POST",
            host: "oos.cn-hangzhou.aliyuncs.com",
            path: "/",
            query: &query,
            headers: &headers,
            body: b"{}",
        };
        let (date, nonce) = ("2025-06-01T10:15:00Z", "n1");
        let reference = sign(&req, &creds, date, nonce);

        let other_query = vec![("RegionId".to_owned(), "cn-hangzhoU".to_owned())];
        let mut other_headers = headers.clone();
        other_headers[1].1 = "2019-06-02".into();
        let other_creds = Credentials {
            access_key_secret: "ALI-SECRFT".into(),
            ..creds.clone()
        };
        let changed = [
            (
                "method",
                sign(
                    &Request {
                        method: "GET",
                        ..req
                    },
                    &creds,
                    date,
                    nonce,
                ),
            ),
            (
                "path",
                sign(&Request { path: "/x", ..req }, &creds, date, nonce),
            ),
            (
                "trailing slash",
                sign(&Request { path: "/x/", ..req }, &creds, date, nonce),
            ),
            (
                "host",
                sign(
                    &Request {
                        host: "oos.example",
                        ..req
                    },
                    &creds,
                    date,
                    nonce,
                ),
            ),
            (
                "query value",
                sign(
                    &Request {
                        query: &other_query,
                        ..req
                    },
                    &creds,
                    date,
                    nonce,
                ),
            ),
            (
                "header",
                sign(
                    &Request {
                        headers: &other_headers,
                        ..req
                    },
                    &creds,
                    date,
                    nonce,
                ),
            ),
            (
                "body",
                sign(
                    &Request {
                        body: b"{ }",
                        ..req
                    },
                    &creds,
                    date,
                    nonce,
                ),
            ),
            ("secret", sign(&req, &other_creds, date, nonce)),
            ("date", sign(&req, &creds, "2025-06-01T10:15:01Z", nonce)),
            ("nonce", sign(&req, &creds, date, "n2")),
        ];
        for (what, signed) in &changed {
            assert_ne!(signed.signature(), reference.signature(), "{what}");
        }
        assert_ne!(
            changed_signature(&changed, "path"),
            changed_signature(&changed, "trailing slash"),
            "a trailing slash is part of the canonical URI"
        );
    }

    fn changed_signature<'s>(changed: &'s [(&str, Signed)], what: &str) -> &'s str {
        changed
            .iter()
            .find(|(w, _)| *w == what)
            .map_or("", |(_, s)| s.signature())
    }

    #[test]
    fn sts_credentials_sign_the_security_token() {
        let (query, headers, mut creds) = base();
        creds.security_token = Some("STS-TOKEN-SECRET".into());
        let req = Request {
            method: "POST",
            host: "oos.cn-hangzhou.aliyuncs.com",
            path: "/",
            query: &query,
            headers: &headers,
            body: b"",
        };
        let signed = sign(&req, &creds, "2025-06-01T10:15:00Z", "n1");
        assert_eq!(
            header(&signed.headers, "x-acs-security-token"),
            Some("STS-TOKEN-SECRET")
        );
        assert!(
            signed.signed_headers.contains(";x-acs-security-token;"),
            "{}",
            signed.signed_headers
        );
        assert!(signed
            .canonical_request
            .contains("\nx-acs-security-token:STS-TOKEN-SECRET\n"));

        let debug = format!("{signed:?}{creds:?}");
        for secret in ["STS-TOKEN-SECRET", "ALI-SECRET", signed.signature()] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn credentials_debug_hides_the_secret() {
        let (_, _, creds) = base();
        let debug = format!("{creds:?}");
        assert!(debug.contains("\"LTAI-ID\""), "{debug}");
        assert!(!debug.contains("ALI-SECRET"), "{debug}");
    }

    #[test]
    fn wire_query_keeps_the_callers_order_and_uses_plus() {
        let query = vec![
            ("B".to_owned(), "x y".to_owned()),
            ("A".to_owned(), "1+2".to_owned()),
        ];
        assert_eq!(wire_query(&query), "B=x+y&A=1%2B2");
        assert_eq!(canonical_query(&query), "A=1%2B2&B=x%20y");
    }
}
