//! The cloud client that live sources and incidents share: HTTP with timeouts and retries
//! ([`http`]), request signing tested against the vendors' own vectors ([`sign`]),
//! credentials from the environment, and signed API calls. It knows the vendors' wire
//! rules, not what tollgate does with the answers.

pub mod http;
pub mod sign;

mod api;
mod credentials;

use std::path::PathBuf;
use std::time::Duration;

pub(crate) use api::{project_header, Api, Call};
pub use credentials::CredentialVars;
pub(crate) use credentials::{auth_from_env, Auth};

use crate::error::Error;
use http::{Client, HttpOptions};

/// How to reach a vendor API: the endpoint and HTTP settings a `[[source]]` or the
/// `[incident]` table configures. (The two tables declare these keys each: serde cannot
/// flatten one struct into a table that refuses unknown keys, and that refusal, pointing
/// at the key's line, is worth more than the saved lines.)
#[derive(Debug, Clone, Default)]
pub(crate) struct Connection {
    /// The API's base URL [default: the vendor's, per API and region].
    pub(crate) endpoint: Option<String>,
    /// Per-request timeout, in seconds.
    pub(crate) timeout_secs: Option<u64>,
    /// Attempts per request before giving up.
    pub(crate) max_attempts: Option<u32>,
    /// A PEM file of extra root certificates.
    pub(crate) ca_file: Option<PathBuf>,
}

impl Connection {
    /// The base URL: the configured endpoint, else `default`, without a trailing slash.
    pub(crate) fn base(&self, default: &str) -> String {
        self.endpoint
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string()
    }

    /// The signed API at [`Connection::base`], its HTTP settings over `defaults`.
    pub(crate) fn api(
        &self,
        auth: Auth,
        default: &str,
        defaults: HttpOptions,
    ) -> Result<Api, Error> {
        let client = Client::new(HttpOptions {
            timeout: self
                .timeout_secs
                .map_or(defaults.timeout, Duration::from_secs),
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            ca_file: self.ca_file.clone().or(defaults.ca_file),
            ..defaults
        })?;
        Ok(Api {
            client,
            auth,
            base: self.base(default),
        })
    }
}
