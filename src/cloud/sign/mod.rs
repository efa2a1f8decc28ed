//! Request signing for the live sources: one file per vendor scheme, both pure functions of
//! the request, the credentials, the time and (for Alibaba) a nonce. Nothing here reads the
//! clock, the environment or the network; the HTTP client builds a [`Request`], signs it and
//! sends exactly what [`Signed`] says.
//!
//! - [`huawei`]: Huawei Cloud AK/SK signing (SDK-HMAC-SHA256), or token auth.
//! - [`alibaba`]: Alibaba Cloud ACS3-HMAC-SHA256.
//!
//! Both follow the same outline (a canonical request, its SHA-256 in a string to sign, an
//! HMAC-SHA256 of that with the secret), but differ in every detail of canonicalisation;
//! each file says how. The vectors in `tests/fixtures/vectors/`, computed with the vendors'
//! own SDKs, are the reference: every one of them is reproduced exactly by the unit tests.

pub mod alibaba;
pub mod huawei;

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;
use std::fmt;

/// A request about to be sent, as the signers see it.
///
/// `Debug` redacts `Authorization` and token headers, like [`Signed`]'s.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method, upper case: `"GET"`.
    pub method: &'a str,
    /// The host, with the port when it is not the scheme's default: `"coc.myhuaweicloud.com"`,
    /// `"127.0.0.1:8080"`. Used for the `Host` header when the caller does not set one.
    pub host: &'a str,
    /// The path, not percent-encoded: `"/v1/patch/instance/compliant"`. Put it on the wire
    /// with `encode_path`.
    pub path: &'a str,
    /// Decoded query parameters in the caller's order; a key may repeat.
    pub query: &'a [(String, String)],
    /// The headers the caller sets, names as given (unique regardless of case). Values are
    /// trimmed, as both vendors' canonical forms trim them.
    pub headers: &'a [(String, String)],
    /// The exact body bytes (empty for none).
    pub body: &'a [u8],
}

/// The outcome: headers to add (Host/X-Sdk-Date/Authorization/x-acs-* ...), the exact
/// query string to put on the wire, and the intermediate strings (for tests and -vv
/// debugging with the signature redacted).
///
/// `Debug` redacts the signature in `Authorization` and the value of every token header
/// (also inside `canonical_request`, where a signed token header appears in clear).
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// Every header to send, including the caller's (values trimmed) and the added ones,
    /// `Authorization` last.
    pub headers: Vec<(String, String)>,
    /// The query string to send, without `?`; `""` when there is none.
    pub query_string: String,
    /// The canonical request that was hashed into the string to sign.
    pub canonical_request: String,
    /// The string the HMAC was computed over.
    pub string_to_sign: String,
    /// The signed header names, lower case, sorted, `;`-separated.
    pub signed_headers: String,
    /// The `Authorization` header value (also the last entry of `headers`).
    pub authorization: String,
}

impl Signed {
    /// The hex signature: the part of `authorization` after `Signature=`.
    pub fn signature(&self) -> &str {
        self.authorization
            .split_once(SIGNATURE_MARK)
            .map_or("", |(_, signature)| signature)
    }
}

const SIGNATURE_MARK: &str = "Signature=";
const REDACTED: &str = "<redacted>";

/// Headers whose value is a credential (lower case). `Authorization` is handled apart: its
/// scheme, key id and signed header list stay readable for debugging.
const TOKEN_HEADERS: [&str; 3] = ["x-auth-token", "x-security-token", "x-acs-security-token"];

fn is_token_header(name: &str) -> bool {
    TOKEN_HEADERS.iter().any(|t| name.eq_ignore_ascii_case(t))
}

fn redact_authorization(value: &str) -> String {
    match value.split_once(SIGNATURE_MARK) {
        Some((before, _)) => format!("{before}{SIGNATURE_MARK}{REDACTED}"),
        None => REDACTED.to_owned(),
    }
}

/// A header value as it may be shown in logs.
fn redact_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        redact_authorization(value)
    } else if is_token_header(name) {
        REDACTED.to_owned()
    } else {
        value.to_owned()
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), redact_header(name, value)))
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(self.body))
            .finish()
    }
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), redact_header(name, value)))
            .collect();
        // Canonical header lines are `name:value`; only the names of signed headers matter.
        let canonical_request: Vec<String> = self
            .canonical_request
            .split('\n')
            .map(|line| match line.split_once(':') {
                Some((name, _)) if is_token_header(name) => format!("{name}:{REDACTED}"),
                _ => line.to_owned(),
            })
            .collect();
        f.debug_struct("Signed")
            .field("headers", &headers)
            .field("query_string", &self.query_string)
            .field("canonical_request", &canonical_request.join("\n"))
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .field("authorization", &redact_authorization(&self.authorization))
            .finish()
    }
}

/// The path as it goes on the wire: each `/`-separated segment percent-encoded with
/// [`percent_encode`] (the RFC 3986 unreserved characters stay literal), `""` as `"/"`.
pub(crate) fn encode_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.split('/')
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// RFC 3986 percent-encoding of UTF-8 text: `A-Z a-z 0-9 - . _ ~` stay literal, every other
/// byte becomes `%XX` (upper-case hex), so a space is `%20` and `*` is `%2A`. This is
/// Python's `urllib.parse.quote(s, safe='~')`, which both vendors' SDKs use.
pub(crate) fn percent_encode(s: &str) -> String {
    encode(s, false)
}

/// `application/x-www-form-urlencoded` as Python's `urllib.parse.quote_plus`: like
/// [`percent_encode`] but a space is `+`.
pub(crate) fn form_encode(s: &str) -> String {
    encode(s, true)
}

/// Every byte but RFC 3986's unreserved characters is escaped.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(s: &str, space_as_plus: bool) -> String {
    let encoded = utf8_percent_encode(s, NOT_UNRESERVED).to_string();
    if space_as_plus {
        // Only a space becomes `%20`: a literal `%` is `%25`.
        encoded.replace("%20", "+")
    } else {
        encoded
    }
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    crate::model::decision::sha256(data)
}

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC takes a key of any length (RFC 2104 hashes a long one), so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    format!("{:x}", mac.finalize().into_bytes())
}

/// The value of header `name` (any case), if set.
pub(crate) fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Append `name: value` unless a header of that name (any case) is already set.
pub(crate) fn add_missing(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if header(headers, name).is_none() {
        headers.push((name.to_owned(), value.to_owned()));
    }
}

/// The caller's headers with their values trimmed, as they will be sent.
pub(crate) fn trimmed(headers: &[(String, String)]) -> Vec<(String, String)> {
    debug_assert!(
        {
            let mut names: Vec<String> = headers.iter().map(|(n, _)| n.to_lowercase()).collect();
            names.sort();
            names.windows(2).all(|w| w[0] != w[1])
        },
        "header names must be unique regardless of case"
    );
    headers
        .iter()
        .map(|(name, value)| (name.clone(), value.trim().to_owned()))
        .collect()
}

/// The canonical header block and the signed header list for the headers that `sign`
/// (a predicate on the lower-case name) selects: `name:value\n` lines sorted by lower-case
/// name, and those names joined by `;`.
pub(crate) fn canonical_headers(
    headers: &[(String, String)],
    sign: impl Fn(&str) -> bool,
) -> (String, String) {
    let mut lines: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.to_lowercase(), value.as_str()))
        .filter(|(name, _)| sign(name))
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let block: String = lines.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let names: Vec<&str> = lines.iter().map(|(n, _)| n.as_str()).collect();
    (block, names.join(";"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode("a b*/+=&%"), "a%20b%2A%2F%2B%3D%26%25");
        assert_eq!(percent_encode("ü"), "%C3%BC");
        assert_eq!(form_encode("a b*~"), "a+b%2A~");
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(encode_path(""), "/");
        assert_eq!(encode_path("/"), "/");
        assert_eq!(encode_path("/a b/c/"), "/a%20b/c/");
        assert_eq!(encode_path("/x/100%"), "/x/100%25");
    }

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// A JSON object read in document order (serde_json's `Map` sorts its keys unless the
    /// `preserve_order` feature is on), with values as the vendors' SDKs stringify them.
    #[derive(Debug, Default)]
    pub(crate) struct Ordered(pub Vec<(String, String)>);

    /// A JSON scalar as the SDKs turn it into a query value: strings as they are, numbers
    /// with `str()`, booleans lower-cased (the Huawei SDK's rule).
    pub(crate) fn scalar(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            other => panic!("unexpected query value {other}"),
        }
    }

    impl<'de> serde::Deserialize<'de> for Ordered {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Ordered;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object of scalars")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Ordered, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                        out.push((k, scalar(&v)));
                    }
                    Ok(Ordered(out))
                }
            }
            d.deserialize_map(Visitor)
        }
    }

    /// Percent-decoding, for the vectors' paths (given encoded, as the SDKs take them).
    pub(crate) fn percent_decode(s: &str) -> String {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .expect("vector paths decode to UTF-8")
            .into_owned()
    }

    #[test]
    fn signed_debug_redacts_signature_and_tokens() {
        let signed = Signed {
            headers: vec![
                ("X-Security-Token".into(), "tok-SECRET".into()),
                ("x-auth-token".into(), "tok-OTHER".into()),
                (
                    "Authorization".into(),
                    "ALG Access=AK, Signature=abc123".into(),
                ),
            ],
            query_string: String::new(),
            canonical_request:
                "GET\n/\n\nhost:h\nx-security-token:tok-SECRET\n\nhost;x-security-token\ne3".into(),
            string_to_sign: "ALG\nhash".into(),
            signed_headers: "host;x-security-token".into(),
            authorization: "ALG Access=AK, Signature=abc123".into(),
        };
        assert_eq!(signed.signature(), "abc123");
        let debug = format!("{signed:?}");
        for secret in ["abc123", "tok-SECRET", "tok-OTHER"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("Access=AK, Signature=<redacted>"), "{debug}");
        assert!(debug.contains("x-security-token:<redacted>"), "{debug}");

        let request = Request {
            method: "GET",
            host: "h",
            path: "/",
            query: &[],
            headers: &signed.headers,
            body: b"",
        };
        let debug = format!("{request:?}");
        for secret in ["abc123", "tok-SECRET", "tok-OTHER"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }
}
