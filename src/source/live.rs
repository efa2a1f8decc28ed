//! Live sources: `[[source]]` in tollgate.toml, their credentials, and fetching their
//! evidence. A fetch returns the evidence file's text (see [`crate::model::EVIDENCE_MARKER`]):
//! every vendor response as received, with the source and the time. `tollgate fetch`
//! saves that text; `tollgate check --source` evaluates it directly, through the same
//! loader, so a saved fetch and a live check give the same result. Completeness (declared
//! totals, duplicates, the last page) is checked by that loader, never assumed here.
//!
//! One file per vendor API does the requests: `coc.rs`, `rms.rs` (Huawei Config),
//! `oos.rs` and `pack.rs` (Alibaba Config).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::cloud::http::HttpOptions;
use crate::cloud::{auth_from_env, Api, Auth, Call, Connection, CredentialVars};
use crate::error::Error;
use crate::model::ReportKind;
use crate::model::{ReportOrigin, EVIDENCE_MARKER};

/// Default number of requests in flight per source.
pub(crate) const DEFAULT_CONCURRENCY: usize = 8;

/// Which COC nodes get their patch list fetched too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Details {
    /// Only the node list.
    #[default]
    None,
    /// The patch list of every non-compliant node.
    NonCompliant,
    /// The patch list of every node.
    All,
}

/// One `[[source]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The name `--source` takes.
    pub name: String,
    /// The report kind the source fetches.
    pub kind: ReportKind,
    /// API base URL, e.g. `https://coc.myhuaweicloud.com` [default: the vendor's].
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Huawei project id (sent as X-Project-Id).
    pub project_id: Option<String>,
    /// Huawei account (domain) id, for Config.
    pub domain_id: Option<String>,
    /// Alibaba compliance pack id.
    pub compliance_pack_id: Option<String>,
    /// Query filters as the API names them (`report_scene = "ECS"`, `InstanceIds = ...`).
    #[serde(default)]
    pub filters: BTreeMap<String, toml::Value>,
    /// COC: which nodes' patch lists to fetch.
    #[serde(default)]
    pub details: Details,
    /// Requests in flight at once.
    pub concurrency: Option<usize>,
    /// Records per page (COC at most 100, OOS at most 100).
    pub page_size: Option<u32>,
    /// How long to wait for a compliance-pack report being generated, in seconds.
    pub poll_timeout_secs: Option<u64>,
    /// Per-request timeout, in seconds.
    pub timeout_secs: Option<u64>,
    /// Attempts per request before giving up.
    pub max_attempts: Option<u32>,
    /// A PEM file of extra root certificates (a private CA or a proxy's).
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub credentials: CredentialVars,
    /// Accept evidence with no resources from this source (a fleet that may be empty).
    pub allow_empty: Option<bool>,
}

impl SourceConfig {
    /// Where its reports and resources come from: `source:NAME`.
    pub(crate) fn origin(&self) -> ReportOrigin {
        ReportOrigin::live(&self.name)
    }

    /// `source:NAME`, the name its reports and resources carry.
    pub(crate) fn label(&self) -> String {
        self.origin().to_string()
    }

    fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1)
    }

    /// The filters as query pairs: strings as they are, an array as the key repeated once
    /// per item, other values as TOML writes them.
    pub(super) fn filter_pairs(&self) -> Vec<(String, String)> {
        let text = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut pairs = Vec::new();
        for (k, v) in &self.filters {
            match v {
                toml::Value::Array(items) => {
                    pairs.extend(items.iter().map(|item| (k.clone(), text(item))));
                }
                other => pairs.push((k.clone(), text(other))),
            }
        }
        pairs
    }

    /// How to reach its API.
    pub(crate) fn connection(&self) -> Connection {
        Connection {
            endpoint: self.endpoint.clone(),
            timeout_secs: self.timeout_secs,
            max_attempts: self.max_attempts,
            ca_file: self.ca_file.clone(),
        }
    }
}

/// Credentials from the variables the source names, else the SDKs' defaults.
fn credentials(source: &SourceConfig) -> Result<Auth, Error> {
    let provider = source.kind.provider().ok_or_else(|| not_fetched(source))?;
    auth_from_env(
        provider,
        &source.credentials,
        &format!("source {}", source.name),
    )
}

/// What a vendor module needs to make calls for one source.
pub(super) struct Session<'a> {
    pub source: &'a SourceConfig,
    pub api: Api,
    pub progress: Progress,
}

impl Session<'_> {
    /// See [`Api::json`].
    pub(super) fn json(&self, what: &str, call: &Call) -> Result<Box<RawValue>, Error> {
        self.api.json(what, call)
    }
}

/// A progress bar on a terminal's standard error; nothing otherwise.
pub(super) struct Progress(indicatif::ProgressBar);

impl Progress {
    fn new(label: &str) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} requests")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message(label.to_string());
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Progress(bar)
    }
    pub(super) fn add(&self, n: u64) {
        self.0.inc_length(n);
    }
    pub(super) fn done(&self) {
        self.0.inc(1);
    }
}

/// Run `f` for `0..n` with at most `concurrency` at once, on a pool of its own (the calls
/// wait on the network, not on the cores); results in index order. An error stops the
/// calls not yet started, and is returned.
pub(super) fn parallel<T: Send>(
    n: usize,
    concurrency: usize,
    f: &(dyn Fn(usize) -> Result<T, Error> + Sync),
) -> Result<Vec<T>, Error> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    // One at a time needs no pool; and a pool must never be started from inside another
    // one's calls: a waiting rayon thread picks up its own pool's work, which would put
    // more requests in flight than `concurrency` allows.
    if concurrency <= 1 || n <= 1 {
        return (0..n).map(f).collect();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(concurrency.min(n))
        .thread_name(|i| format!("tollgate-fetch-{i}"))
        .build()
        .map_err(|e| Error::Config {
            reason: format!("cannot start {concurrency} fetch threads: {e}"),
            hint: Some("lower the source's concurrency".into()),
        })?;
    let failed = AtomicBool::new(false);
    let results: Vec<Option<Result<T, Error>>> = pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                if failed.load(Ordering::Relaxed) {
                    return None;
                }
                let result = f(i);
                if result.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                Some(result)
            })
            .collect()
    });
    // The error of the lowest index among the calls that ran, whatever finished first.
    results.into_iter().flatten().collect()
}

/// One report in an evidence file: its kind, the name it is loaded under, and the
/// vendor's responses as received.
#[derive(Serialize)]
pub(super) struct Recorded {
    pub kind: ReportKind,
    pub name: String,
    pub pages: Vec<Box<RawValue>>,
    /// A downloaded report file (Alibaba compliance packs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<Sheet>,
}

/// A spreadsheet recorded in the evidence, base64-encoded.
#[derive(Serialize)]
pub(super) struct Sheet {
    pub file: String,
    pub base64: String,
}

#[derive(Serialize)]
struct EvidenceFile<'a> {
    #[serde(rename = "tollgate_evidence")]
    version: u32,
    fetched_at: String,
    source: SourceRecord<'a>,
    reports: Vec<Recorded>,
}

/// What the evidence file records of the source: never credentials.
#[derive(Serialize)]
struct SourceRecord<'a> {
    name: &'a str,
    kind: ReportKind,
    endpoint: &'a str,
    region: Option<&'a str>,
    filters: &'a BTreeMap<String, toml::Value>,
    details: Details,
    tollgate: &'static str,
}

/// A source of a kind no vendor API gives (a scan): refused when the configuration is
/// read, and here again should one get this far.
fn not_fetched(source: &SourceConfig) -> Error {
    Error::Config {
        reason: format!(
            "source {}: {} is not fetched from a vendor API",
            source.name, source.kind
        ),
        hint: None,
    }
}

/// Fetch everything a source names and return the evidence file's text.
pub fn fetch(
    source: &SourceConfig,
    http: HttpOptions,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let auth = credentials(source)?;
    let default_base = match source.kind {
        ReportKind::CocPatch | ReportKind::CocItems => "https://coc.myhuaweicloud.com".to_string(),
        ReportKind::ConfigStates => "https://rms.myhuaweicloud.com".to_string(),
        ReportKind::OosPatch => format!(
            "https://oos.{}.aliyuncs.com",
            source.region.as_deref().unwrap_or("cn-hangzhou")
        ),
        ReportKind::ConfigPack => format!(
            "https://config.{}.aliyuncs.com",
            source.region.as_deref().unwrap_or("cn-shanghai")
        ),
        ReportKind::OcsfFindings => return Err(not_fetched(source)),
    };
    let session = Session {
        api: source.connection().api(auth, &default_base, http)?,
        source,
        progress: Progress::new(&source.label()),
    };
    let reports = match source.kind {
        ReportKind::CocPatch => super::coc::fetch(&session)?,
        ReportKind::CocItems => {
            return Err(Error::Config {
                reason: format!(
                    "source {}: kind huawei.coc.patch_items is fetched with a huawei.coc.patch_compliance source",
                    source.name
                ),
                hint: Some("use kind = \"huawei.coc.patch_compliance\" with details = \"all\" or \"non_compliant\"".into()),
            })
        }
        ReportKind::ConfigStates => super::rms::fetch(&session)?,
        ReportKind::OosPatch => super::oos::fetch(&session)?,
        ReportKind::ConfigPack => super::pack::fetch(&session)?,
        ReportKind::OcsfFindings => return Err(not_fetched(source)),
    };
    let file = EvidenceFile {
        version: 1,
        fetched_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        source: SourceRecord {
            name: &source.name,
            kind: source.kind,
            endpoint: &session.api.base,
            region: source.region.as_deref(),
            filters: &source.filters,
            details: source.details,
            tollgate: env!("CARGO_PKG_VERSION"),
        },
        reports,
    };
    debug_assert_eq!(EVIDENCE_MARKER, "tollgate_evidence");
    serde_json::to_string(&file).map_err(|e| Error::FetchBody {
        what: format!("the evidence of {}", source.label()),
        reason: e.to_string(),
    })
}

/// The concurrency a source asked for.
pub(super) fn concurrency_of(source: &SourceConfig) -> usize {
    source.concurrency()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Runs `n` calls of `parallel` that each hold a slot for a moment, and returns
    /// the most calls seen in flight at once.
    fn most_in_flight(n: usize, concurrency: usize) -> usize {
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let out = parallel(n, concurrency, &|i| {
            let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(inside, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            now.fetch_sub(1, Ordering::SeqCst);
            Ok(i * 2)
        })
        .unwrap();
        assert_eq!(
            out,
            (0..n).map(|i| i * 2).collect::<Vec<_>>(),
            "results keep their order"
        );
        most.load(Ordering::SeqCst)
    }

    #[test]
    fn never_more_in_flight_than_the_concurrency() {
        assert_eq!(most_in_flight(12, 1), 1);
        let most = most_in_flight(12, 3);
        assert!(
            (2..=3).contains(&most),
            "saw {most} in flight with concurrency 3"
        );
    }

    #[test]
    fn a_nested_one_at_a_time_call_stays_on_its_thread() {
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        parallel(4, 2, &|_| {
            parallel(3, 1, &|_| {
                let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(inside, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        })
        .unwrap();
        assert!(most.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn the_lowest_failing_index_is_the_error() {
        // Call 0 fails last, call 1 first; whichever finished first, call 0 is reported.
        let err = parallel(2, 2, &|i| {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(30));
            }
            Err::<(), _>(Error::Config {
                reason: format!("call {i}"),
                hint: None,
            })
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::Config { reason, .. } if reason == "call 0"),
            "{err:?}"
        );
    }
}
