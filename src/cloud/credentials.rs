//! Credentials, from the environment only: the variable names the vendors' SDKs read, or
//! the ones a `[[source]]` or `[incident]` names under `credentials`. Never from a file,
//! never shown: `Debug` of [`Auth`] is redacted.

use serde::Deserialize;

use super::sign::{alibaba, huawei};
use crate::error::Error;
use crate::model::Provider;

/// Environment variable names to read credentials from, overriding the SDK defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialVars {
    /// Huawei AK or Alibaba AccessKey ID.
    pub access_key: Option<String>,
    /// Huawei SK or Alibaba AccessKey secret.
    pub secret_key: Option<String>,
    /// Huawei temporary-credential token or Alibaba STS token.
    pub security_token: Option<String>,
    /// Huawei IAM token for `X-Auth-Token` (instead of AK/SK).
    pub auth_token: Option<String>,
}

/// How a request is authenticated.
pub(crate) enum Auth {
    Huawei(huawei::Credentials),
    HuaweiToken(String),
    Alibaba(alibaba::Credentials),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::Huawei(_) => "Auth::Huawei(<redacted>)",
            Auth::HuaweiToken(_) => "Auth::HuaweiToken(<redacted>)",
            Auth::Alibaba(_) => "Auth::Alibaba(<redacted>)",
        })
    }
}

/// The first variable of `names` that is set and not empty.
fn env_first(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

/// An optional credential: a variable the source names must be set; the SDK defaults may
/// be absent.
fn named_or_default(
    configured: &Option<String>,
    names: &[String],
    missing: &dyn Fn(&str, &[String]) -> Error,
) -> Result<Option<String>, Error> {
    let value = env_first(&names.iter().map(String::as_str).collect::<Vec<_>>());
    match (configured, value) {
        (Some(_), None) => Err(missing("a security token", names)),
        (_, value) => Ok(value),
    }
}

/// Credentials for `provider` from the variables `vars` names, else the SDKs' defaults.
/// `owner` says who needs them in the error ("source coc", "[incident]").
pub(crate) fn auth_from_env(
    provider: Provider,
    vars: &CredentialVars,
    owner: &str,
) -> Result<Auth, Error> {
    let pick = |configured: &Option<String>, defaults: &[&'static str]| -> Vec<String> {
        match configured {
            Some(name) => vec![name.clone()],
            None => defaults.iter().map(|s| s.to_string()).collect(),
        }
    };
    let get = |names: &[String]| env_first(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let missing = |what: &str, names: &[String]| Error::Credentials {
        owner: owner.to_string(),
        what: what.to_string(),
        vars: names.join(" or "),
    };
    if provider == Provider::Huawei {
        if let Some(var) = &vars.auth_token {
            let names = vec![var.clone()];
            return get(&names)
                .map(Auth::HuaweiToken)
                .ok_or_else(|| missing("an IAM token", &names));
        }
        let ak = pick(&vars.access_key, &["HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"]);
        let sk = pick(&vars.secret_key, &["HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"]);
        let token = pick(
            &vars.security_token,
            &["HUAWEICLOUD_SDK_SECURITY_TOKEN", "CLOUD_SDK_SECURITY_TOKEN"],
        );
        Ok(Auth::Huawei(huawei::Credentials {
            ak: get(&ak).ok_or_else(|| missing("an access key (AK)", &ak))?,
            sk: get(&sk).ok_or_else(|| missing("a secret key (SK)", &sk))?,
            security_token: named_or_default(&vars.security_token, &token, &missing)?,
        }))
    } else {
        let id = pick(&vars.access_key, &["ALIBABA_CLOUD_ACCESS_KEY_ID"]);
        let secret = pick(&vars.secret_key, &["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]);
        let token = pick(&vars.security_token, &["ALIBABA_CLOUD_SECURITY_TOKEN"]);
        Ok(Auth::Alibaba(alibaba::Credentials {
            access_key_id: get(&id).ok_or_else(|| missing("an AccessKey ID", &id))?,
            access_key_secret: get(&secret)
                .ok_or_else(|| missing("an AccessKey secret", &secret))?,
            security_token: named_or_default(&vars.security_token, &token, &missing)?,
        }))
    }
}
