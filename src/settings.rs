//! Settings: the command line merged over tollgate.toml, validated, with every default in
//! one place. Flags (and their `TOLLGATE_*` environment variables) override the file;
//! `--param` overrides `TOLLGATE_PARAM_<NAME>` variables, which override `[params]`, key by
//! key. Paths in the file are relative to the file. The binary reads the environment and
//! hands it in; nothing here reads a `TOLLGATE_*` variable itself.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::error::{self, Error};
use crate::incident::{IncidentConfig, IncidentSettings, Mode};
use crate::model::decision;
use crate::model::ReportKind;
use crate::model::Severity;
use crate::output::{Format, OutputSpec};
use crate::policy::Limits;
use crate::source::live::SourceConfig;
use crate::source::ReportInput;
use crate::store::{Create, Location};
use crate::verdict::sla::Sla;

/// The configuration file read when `-c` is not given and it exists.
pub(crate) const DEFAULT_CONFIG: &str = "tollgate.toml";

/// The default policy directory, used when neither flags nor the file name one.
pub(crate) const DEFAULT_POLICIES: &str = "policies";

/// Default `--sarif-category`.
pub(crate) const DEFAULT_SARIF_CATEGORY: &str = "tollgate";

/// Default `--sarif-max-results`: GitHub code scanning stores only the first 5,000 results
/// of a run, so tollgate makes that choice itself (the most important) and says so.
pub const DEFAULT_SARIF_MAX_RESULTS: usize = 5_000;

/// Default `--fail-on`.
pub(crate) const DEFAULT_FAIL_ON: Severity = Severity::High;

/// tollgate.toml, as written. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    reports: Option<Vec<PathBuf>>,
    report_kind: Option<ReportKind>,
    policies: Option<Vec<PathBuf>>,
    outputs: Option<Vec<String>>,
    fail_on: Option<Severity>,
    allow_empty: Option<bool>,
    no_fail: Option<bool>,
    jobs: Option<usize>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    limits: Option<Limits>,
    waivers: Option<PathBuf>,
    baseline: Option<PathBuf>,
    strict: Option<bool>,
    sarif_category: Option<String>,
    sarif_max_results: Option<usize>,
    #[serde(default)]
    source: Vec<SourceConfig>,
    incident: Option<CheckedIncident>,
    state: Option<StateConfig>,
    sla: Option<Sla>,
}

/// `[state]`: where the ledger is.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateConfig {
    /// A SQLite file (relative to tollgate.toml) or a `postgres://` URL.
    store: Option<String>,
}

/// The ledger's file when `[state]` does not name a store: beside tollgate.toml.
pub(crate) const DEFAULT_STORE: &str = ".tollgate/state.db";

/// The ledger a `check` keeps, resolved.
#[derive(Debug, Clone)]
pub(crate) struct LedgerSettings {
    pub(crate) location: Location,
    pub(crate) sla: Sla,
    /// Whether the run may start an empty ledger: not with `[sla]` unless asked
    /// (`--init-state`), since an empty ledger restarts every SLA clock.
    pub(crate) create: Create,
}

/// `[incident]`, checked as it is read so that a problem points at the file.
#[derive(Debug, Deserialize)]
#[serde(try_from = "IncidentConfig")]
struct CheckedIncident(IncidentConfig);

impl TryFrom<IncidentConfig> for CheckedIncident {
    type Error = String;
    fn try_from(config: IncidentConfig) -> Result<Self, String> {
        config.validate()?;
        Ok(CheckedIncident(config))
    }
}

/// When to colour what goes to people (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// When writing to a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Colour a stream? `terminal` says whether the stream is one. The one place the
    /// decision is made, for standard output and for diagnostics on standard error.
    pub fn applies(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// What the user asked `tollgate check` for, as typed: the command line's values before
/// tollgate.toml and the defaults are merged in by [`Settings::resolve`]. The binary builds
/// it from its flags; `Default` is "nothing given".
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub config: Option<PathBuf>,
    pub reports: Vec<PathBuf>,
    pub report_kind: Option<ReportKind>,
    pub policies: Vec<PathBuf>,
    /// `FORMAT[=PATH]` strings.
    pub outputs: Vec<String>,
    pub fail_on: Option<Severity>,
    /// `KEY=VALUE` strings. They override `env_params`.
    pub params: Vec<String>,
    /// `TOLLGATE_PARAM_<NAME>` variables as (name, value), from [`param_vars`]. They
    /// override `[params]` in tollgate.toml.
    pub env_params: Vec<(OsString, OsString)>,
    pub allow_empty: bool,
    pub no_fail: bool,
    pub jobs: Option<usize>,
    /// RFC 3339 or Unix milliseconds.
    pub now: Option<String>,
    pub waivers: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub strict: bool,
    /// `[[source]]` names.
    pub sources: Vec<String>,
    pub sarif_category: Option<String>,
    pub sarif_max_results: Option<usize>,
    pub incidents: Option<Mode>,
    /// `--state`: the ledger's store (a file or a postgres:// URL); turns the ledger on.
    pub state: Option<String>,
    /// `--init-state`: start an empty ledger if there is none, even with `[sla]`.
    pub init_state: bool,
    /// `--subject`: `PATH` or `NAME=sha256:HEX`.
    pub subjects: Vec<String>,
    pub run_url: Option<String>,
}

/// Options that apply to every subcommand.
#[derive(Debug, Clone, Copy)]
pub struct Global {
    pub color: ColorChoice,
    pub verbose: u8,
}

/// Everything `tollgate check` needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) reports: Vec<ReportInput>,
    pub(crate) report_kind: Option<ReportKind>,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) outputs: Vec<OutputSpec>,
    pub(crate) fail_on: Severity,
    pub(crate) allow_empty: bool,
    pub(crate) no_fail: bool,
    /// Worker threads; 0 means one per core.
    pub(crate) jobs: usize,
    pub(crate) params: rhai::Map,
    pub(crate) limits: Limits,
    pub(crate) now: DateTime<Utc>,
    /// Colour the human output on standard output.
    pub(crate) color: bool,
    pub(crate) verbose: u8,
    /// The waivers file, if any.
    pub(crate) waivers: Option<PathBuf>,
    /// The baseline (a previous `-o json` result), if any.
    pub(crate) baseline: Option<PathBuf>,
    /// Judge warnings like denials.
    pub(crate) strict: bool,
    /// SARIF `automationDetails.id` prefix.
    pub(crate) sarif_category: String,
    /// The most results `-o sarif` writes.
    pub(crate) sarif_max_results: usize,
    /// The live sources to fetch, in the order configured.
    pub(crate) sources: Vec<SourceConfig>,
    /// `[incident]` with `--incidents`; `None` when the file has no `[incident]`.
    pub(crate) incidents: Option<IncidentSettings>,
    /// What the settings themselves should warn about (said with the run's warnings).
    pub(crate) warnings: Vec<String>,
    /// The ledger; `None` when neither `[state]`, `[sla]` nor `--state` asks for one.
    pub(crate) ledger: Option<LedgerSettings>,
    /// The configuration file read, with its digest.
    pub(crate) config: Option<decision::File>,
    /// Whether `now` came from `--now` / `TOLLGATE_NOW` rather than the clock.
    pub(crate) now_pinned: bool,
    /// `--subject`: the release artifacts of `-o intoto`, as (name, SHA-256 hex).
    pub(crate) subjects: Vec<(String, String)>,
    /// The CI run's URL for `-o intoto`.
    pub(crate) run_url: Option<String>,
}

impl Settings {
    /// Whether an output carries the decision record (`-o json`, and the attestation's
    /// configuration).
    pub(crate) fn records(&self) -> bool {
        self.outputs.iter().any(|o| {
            matches!(
                o.format,
                Format::Json | Format::Intoto | Format::IntotoPredicate
            )
        })
    }

    /// The settings of a recorded gate (`tollgate verify`), read from its decision record:
    /// the same policy files, evidence, waivers, baseline, params, time and options, found
    /// at the paths given; `config` (found the same way) supplies the `[limits]`. No
    /// outputs, sources, incidents or ledger: a replay only decides.
    pub(crate) fn replay(
        decision: &decision::Decision,
        config: Option<&Path>,
        reports: Vec<(PathBuf, crate::model::ReportOrigin)>,
        policies: Vec<PathBuf>,
        waivers: Option<PathBuf>,
        baseline: Option<PathBuf>,
    ) -> Result<Settings, Error> {
        let limits = match config {
            Some(path) => read_config(Some(path))?.2.limits.unwrap_or_default(),
            None => Limits::default(),
        };
        validate_limits(&limits)?;
        let params = decision
            .params
            .iter()
            .map(|(k, v)| {
                let value = rhai::serde::to_dynamic(v).map_err(|e| {
                    config_error(
                        &format!("param `{k}` in the record cannot be read: {e}"),
                        None,
                    )
                })?;
                Ok((k.as_str().into(), value))
            })
            .collect::<Result<rhai::Map, Error>>()?;
        Ok(Settings {
            config: None,
            now_pinned: true,
            subjects: Vec::new(),
            run_url: None,
            reports: reports
                .into_iter()
                .map(|(path, origin)| ReportInput::Recorded { path, origin })
                .collect(),
            report_kind: decision.report_kind,
            policies,
            outputs: Vec::new(),
            fail_on: decision.fail_on,
            allow_empty: decision.allow_empty,
            no_fail: decision.no_fail,
            jobs: 0,
            params,
            limits,
            now: parse_time(&decision.evaluated_at)?,
            color: false,
            verbose: 0,
            waivers,
            baseline,
            strict: decision.strict,
            sarif_category: DEFAULT_SARIF_CATEGORY.to_string(),
            sarif_max_results: DEFAULT_SARIF_MAX_RESULTS,
            sources: Vec::new(),
            incidents: None,
            warnings: Vec::new(),
            ledger: None,
        })
    }

    /// Merge the command line over the configuration file.
    pub fn resolve(args: &CheckOptions, global: Global) -> Result<Self, Error> {
        let (config, base, file) = read_config(args.config.as_deref())?;
        let in_file = |paths: Vec<PathBuf>| -> Vec<PathBuf> {
            paths.into_iter().map(|p| base.join(p)).collect()
        };

        let reports: Vec<PathBuf> = if args.reports.is_empty() {
            in_file(file.reports.unwrap_or_default())
        } else {
            args.reports.clone()
        };
        let reports: Vec<ReportInput> = reports
            .into_iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    ReportInput::Stdin
                } else {
                    ReportInput::Path(p)
                }
            })
            .collect();
        if reports.iter().filter(|r| **r == ReportInput::Stdin).count() > 1 {
            return Err(config_error(
                "standard input (`-r -`) can be read only once",
                None,
            ));
        }
        let configured = in_file_sources(file.source, &base)?;
        let sources = select_sources(&configured, &args.sources, reports.is_empty())?;
        if reports.is_empty() && sources.is_empty() {
            return Err(Error::NoReports);
        }

        let policies = if !args.policies.is_empty() {
            args.policies.clone()
        } else if let Some(p) = file.policies {
            in_file(p)
        } else {
            vec![PathBuf::from(DEFAULT_POLICIES)]
        };

        let outputs = if args.outputs.is_empty() {
            file.outputs.unwrap_or_default()
        } else {
            args.outputs.clone()
        };
        let mut outputs: Vec<OutputSpec> = outputs
            .iter()
            .map(|o| o.parse::<OutputSpec>().map_err(|e| config_error(&e, None)))
            .collect::<Result<_, _>>()?;
        for spec in &mut outputs {
            if let (Some(path), true) = (&spec.path, args.outputs.is_empty()) {
                spec.path = Some(base.join(path));
            }
        }
        if outputs.is_empty() {
            outputs.push(OutputSpec {
                format: Format::Human,
                path: None,
            });
        }
        if outputs.iter().filter(|o| o.path.is_none()).count() > 1 {
            return Err(config_error(
                "more than one output goes to standard output",
                Some("give all but one a file: -o json=result.json"),
            ));
        }

        let params = merge_params(file.params, &args.env_params, &args.params)?;

        let limits = file.limits.unwrap_or_default();
        validate_limits(&limits)?;

        let now = time_or_now(args.now.as_deref())?;
        let color = stdout_color(global.color);
        let fail_on = args.fail_on.or(file.fail_on).unwrap_or(DEFAULT_FAIL_ON);
        let incidents = resolve_incidents(
            file.incident,
            args.incidents,
            &base,
            fail_on,
            global.verbose,
        )?;
        let sarif_max_results = args
            .sarif_max_results
            .or(file.sarif_max_results)
            .unwrap_or(DEFAULT_SARIF_MAX_RESULTS);
        if sarif_max_results == 0 {
            return Err(config_error(
                "--sarif-max-results is 0",
                Some("give at least 1; GitHub code scanning takes up to 25000 results a run"),
            ));
        }
        let on =
            args.state.is_some() || args.init_state || file.state.is_some() || file.sla.is_some();
        let ledger = if on {
            let location = store_location(args.state.as_deref(), file.state.as_ref(), &base)?;
            let sla_set = file.sla.is_some();
            Some(LedgerSettings {
                location,
                sla: file.sla.unwrap_or_default(),
                create: if args.init_state || !sla_set {
                    Create::IfMissing
                } else {
                    Create::No
                },
            })
        } else {
            None
        };
        let mut warnings = Vec::new();
        let github_max = crate::output::sarif::GITHUB_MAX_RESULTS;
        if sarif_max_results > github_max && outputs.iter().any(|o| o.format == Format::Sarif) {
            warnings.push(format!(
                "--sarif-max-results is {sarif_max_results}: GitHub code scanning rejects a SARIF run of more than {github_max} results (fine for other consumers of the file)"
            ));
        }

        let subjects = args
            .subjects
            .iter()
            .map(|s| subject(s))
            .collect::<Result<Vec<_>, Error>>()?;
        if subjects.is_empty() && outputs.iter().any(|o| o.format == Format::Intoto) {
            return Err(config_error(
                "-o intoto needs at least one --subject: the release artifacts the statement is about",
                Some("--subject dist/app.tar.gz (its SHA-256 is computed), or --subject app=sha256:HEX; -o intoto-predicate writes the predicate alone"),
            ));
        }
        let run_url = args
            .run_url
            .clone()
            .or_else(|| crate::output::intoto::run_url_from(|k| std::env::var(k).ok()));
        Ok(Settings {
            config,
            now_pinned: args.now.is_some(),
            subjects,
            run_url,
            reports,
            report_kind: args.report_kind.or(file.report_kind),
            policies,
            outputs,
            fail_on,
            allow_empty: args.allow_empty || file.allow_empty.unwrap_or(false),
            no_fail: args.no_fail || file.no_fail.unwrap_or(false),
            jobs: args.jobs.or(file.jobs).unwrap_or(0),
            params,
            limits,
            now,
            color,
            verbose: global.verbose,
            waivers: args
                .waivers
                .clone()
                .or_else(|| file.waivers.map(|p| base.join(p))),
            baseline: args
                .baseline
                .clone()
                .or_else(|| file.baseline.map(|p| base.join(p))),
            strict: args.strict || file.strict.unwrap_or(false),
            sources,
            sarif_category: args
                .sarif_category
                .clone()
                .or(file.sarif_category)
                .unwrap_or_else(|| DEFAULT_SARIF_CATEGORY.to_string()),
            sarif_max_results,
            incidents,
            warnings,
            ledger,
        })
    }
}

/// The store: `--state`, else `[state] store`, else the default file beside tollgate.toml.
fn store_location(
    flag: Option<&str>,
    state: Option<&StateConfig>,
    base: &Path,
) -> Result<Location, Error> {
    let (text, base) = match (flag, state.and_then(|s| s.store.as_deref())) {
        (Some(flag), _) => (flag, Path::new("")),
        (None, Some(store)) => (store, base),
        (None, None) => (DEFAULT_STORE, base),
    };
    Location::parse(text, base).map_err(|reason| {
        config_error(
            &reason,
            Some("[state] store (or --state) is a file path or a postgres:// URL; see docs/ledger.md"),
        )
    })
}

/// Where the ledger is, for `tollgate history` and `tollgate state init`.
pub fn ledger_location(config: Option<&Path>, state: Option<&str>) -> Result<Location, Error> {
    let (_, base, file) = read_config(config)?;
    store_location(state, file.state.as_ref(), &base)
}

/// `[incident]` with `--incidents`: paths relative to the file, defaults filled in.
fn resolve_incidents(
    file: Option<CheckedIncident>,
    mode: Option<Mode>,
    base: &Path,
    fail_on: Severity,
    verbose: u8,
) -> Result<Option<IncidentSettings>, Error> {
    let mode = mode.unwrap_or_default();
    let Some(CheckedIncident(mut config)) = file else {
        if mode != Mode::Off {
            return Err(config_error(
                "--incidents needs an [incident] table in tollgate.toml: there is nowhere to send tickets",
                Some("add [incident] with [incident.coc_incident] or [incident.coc_alarm] (see docs/incidents.md), or drop --incidents"),
            ));
        }
        return Ok(None);
    };
    config.ca_file = config.ca_file.map(|p| base.join(p));
    let state_file = base.join(
        config
            .state_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::incident::DEFAULT_STATE_FILE)),
    );
    let result_url = config.result_url.clone().or_else(ci_run_url);
    Ok(Some(IncidentSettings {
        mode,
        min_severity: config.min_severity.unwrap_or(fail_on),
        state_file,
        result_url,
        config,
        verbose,
    }))
}

/// The page of the CI run this is, when a known CI system says: GitHub Actions, GitLab CI
/// or Jenkins.
fn ci_run_url() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let github = || {
        Some(format!(
            "{}/{}/actions/runs/{}",
            var("GITHUB_SERVER_URL")?.trim_end_matches('/'),
            var("GITHUB_REPOSITORY")?,
            var("GITHUB_RUN_ID")?
        ))
    };
    github()
        .or_else(|| var("CI_JOB_URL"))
        .or_else(|| var("BUILD_URL"))
        .filter(|url| url.chars().count() <= crate::incident::MAX_RESULT_URL)
}

/// The `[[source]]` tables, validated, with paths relative to the configuration file.
fn in_file_sources(sources: Vec<SourceConfig>, base: &Path) -> Result<Vec<SourceConfig>, Error> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(sources.len());
    for mut source in sources {
        if !seen.insert(source.name.clone()) {
            return Err(config_error(
                &format!("two [[source]] tables are named {}", source.name),
                Some("each source needs its own name"),
            ));
        }
        if !source.kind.is_vendor_api() {
            return Err(config_error(
                &format!(
                    "[[source]] {} has kind {}, which is a scanner's output, not a vendor API tollgate fetches",
                    source.name, source.kind
                ),
                Some("run the scanner, then pass its output with --report (a file, a directory, or - for standard input)"),
            ));
        }
        source.ca_file = source.ca_file.map(|p| base.join(p));
        out.push(source);
    }
    Ok(out)
}

/// The sources `--source` names; without any, every configured source when no report
/// file is given either.
fn select_sources(
    configured: &[SourceConfig],
    names: &[String],
    no_reports: bool,
) -> Result<Vec<SourceConfig>, Error> {
    if names.is_empty() {
        return Ok(if no_reports {
            configured.to_vec()
        } else {
            Vec::new()
        });
    }
    let mut unique: Vec<&String> = Vec::new();
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    unique
        .into_iter()
        .map(|name| {
            configured
                .iter()
                .find(|s| &s.name == name)
                .cloned()
                .ok_or_else(|| Error::UnknownSource {
                    name: name.clone(),
                    known: if configured.is_empty() {
                        "none".into()
                    } else {
                        configured
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                })
        })
        .collect()
}

/// What `tollgate fetch` needs: the one source and the time to record.
pub(crate) fn fetch_settings(
    config: Option<&Path>,
    name: &str,
    now: Option<&str>,
) -> Result<(SourceConfig, DateTime<Utc>), Error> {
    let (_, base, file) = read_config(config)?;
    let configured = in_file_sources(file.source, &base)?;
    let source = select_sources(&configured, &[name.to_string()], false)?.remove(0);
    Ok((source, time_or_now(now)?))
}

/// What `tollgate test` and `tollgate rules` need: the policy paths, and the params,
/// limits and time policies see.
#[derive(Debug, Clone)]
pub(crate) struct PolicySettings {
    pub policies: Vec<PathBuf>,
    pub params: rhai::Map,
    pub limits: Limits,
    pub now: DateTime<Utc>,
}

impl PolicySettings {
    /// Policy paths from the arguments, else `policies` in the file, else `policies/`.
    pub(crate) fn resolve(
        config: Option<&Path>,
        paths: &[PathBuf],
        env_params: &[(OsString, OsString)],
        params: &[String],
        now: Option<&str>,
    ) -> Result<Self, Error> {
        let (_, base, file) = read_config(config)?;
        let policies = if !paths.is_empty() {
            paths.to_vec()
        } else if let Some(p) = file.policies {
            p.into_iter().map(|p| base.join(p)).collect()
        } else {
            vec![PathBuf::from(DEFAULT_POLICIES)]
        };
        let limits = file.limits.unwrap_or_default();
        validate_limits(&limits)?;
        Ok(PolicySettings {
            policies,
            params: merge_params(file.params, env_params, params)?,
            limits,
            now: time_or_now(now)?,
        })
    }
}

/// Whether to colour what goes to standard output.
pub(crate) fn stdout_color(choice: ColorChoice) -> bool {
    choice.applies(std::io::stdout().is_terminal())
}

/// The keys of tollgate.toml's top level: a param of one of these names is most likely
/// the setting, written below `[params]` by mistake.
pub(crate) const TOP_LEVEL_KEYS: &[&str] = &[
    "reports",
    "report_kind",
    "policies",
    "outputs",
    "fail_on",
    "allow_empty",
    "no_fail",
    "jobs",
    "params",
    "limits",
    "waivers",
    "baseline",
    "strict",
    "sarif_category",
    "sarif_max_results",
    "source",
    "incident",
];

/// A warning for each param that no loaded policy reads. A param is set to be read; one
/// that is not is a typo, a leftover, or a top-level key written below `[params]`, where
/// TOML makes it a param and the setting silently keeps its default.
pub(crate) fn unread_params(
    params: &rhai::Map,
    read: &crate::policy::params::ParamsRead,
) -> Vec<String> {
    params
        .keys()
        .filter(|name| !read.reads(name))
        .map(|name| {
            let because = if TOP_LEVEL_KEYS.contains(&name.as_str()) {
                format!(
                    "; did you mean to put `{name}` above `[params]` in tollgate.toml? A key below a [table] header belongs to that table"
                )
            } else if let Some(near) =
                error::did_you_mean(name, read.names.iter().map(String::as_str))
            {
                format!("; did you mean `{near}`, which a policy reads?")
            } else {
                String::new()
            };
            format!("param `{name}` is set, but no loaded policy reads it{because}")
        })
        .collect()
}

/// The prefix of the environment variables that set policy params.
pub const PARAM_ENV_PREFIX: &str = "TOLLGATE_PARAM_";

/// The `TOLLGATE_PARAM_<NAME>` variables among `vars` (`std::env::vars_os()`), sorted by
/// name. Windows matches the prefix in any case, as it does variable names.
pub fn param_vars(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    let mut found: Vec<(OsString, OsString)> = vars
        .into_iter()
        .filter(|(name, _)| {
            let prefix = name
                .as_encoded_bytes()
                .get(..PARAM_ENV_PREFIX.len())
                .unwrap_or_default();
            if cfg!(windows) {
                prefix.eq_ignore_ascii_case(PARAM_ENV_PREFIX.as_bytes())
            } else {
                prefix == PARAM_ENV_PREFIX.as_bytes()
            }
        })
        .collect();
    found.sort();
    found
}

/// A `TOLLGATE_PARAM_<NAME>` variable as the param `<name>`, lower-cased (variable names
/// are upper case by convention, and any case on Windows), its value read as `--param`'s
/// is. An empty value sets nothing, as for the flags' variables; `None` then.
fn env_param(var: &OsStr, value: &OsStr) -> Result<Option<(String, toml::Value)>, Error> {
    let shown = var.to_string_lossy();
    let Some(value) = value.to_str() else {
        return Err(config_error(
            &format!("environment variable {shown} is not UTF-8"),
            None,
        ));
    };
    if value.is_empty() {
        return Ok(None);
    }
    // The prefix is ASCII (param_vars matched it), so it ends on a char boundary.
    let name = shown
        .get(PARAM_ENV_PREFIX.len()..)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(config_error(
            &format!(
                "environment variable {shown}: param name {name:?} must be letters, digits and `_`"
            ),
            Some("TOLLGATE_PARAM_<NAME> sets the param <name> in lower case; set other names with --param NAME=VALUE"),
        ));
    }
    Ok(Some((name, param_value(value))))
}

/// `[params]` with `TOLLGATE_PARAM_<NAME>` variables over them and `--param` over both, as
/// values policies can read.
fn merge_params(
    mut params: BTreeMap<String, toml::Value>,
    env: &[(OsString, OsString)],
    args: &[String],
) -> Result<rhai::Map, Error> {
    // On Unix TOLLGATE_PARAM_X and TOLLGATE_PARAM_x are two variables for one param.
    let mut set_by: BTreeMap<String, &OsStr> = BTreeMap::new();
    for (var, value) in env {
        let Some((key, value)) = env_param(var, value)? else {
            continue;
        };
        if let Some(other) = set_by.insert(key.clone(), var) {
            return Err(config_error(
                &format!(
                    "environment variables {} and {} both set param `{key}`",
                    other.to_string_lossy(),
                    var.to_string_lossy()
                ),
                Some("unset one of them"),
            ));
        }
        params.insert(key, value);
    }
    for param in args {
        let (key, value) = parse_param(param)?;
        params.insert(key, value);
    }
    params
        .into_iter()
        .map(|(k, v)| {
            rhai::serde::to_dynamic(&v)
                .map(|d| (k.as_str().into(), d))
                .map_err(|e| {
                    config_error(
                        &format!("parameter {k} cannot be given to policies: {e}"),
                        None,
                    )
                })
        })
        .collect()
}

/// The configuration file (when there is one), the directory its paths are relative to,
/// and its contents.
fn read_config(
    explicit: Option<&Path>,
) -> Result<(Option<decision::File>, PathBuf, FileConfig), Error> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_CONFIG).is_file() => PathBuf::from(DEFAULT_CONFIG),
        None => return Ok((None, PathBuf::new(), FileConfig::default())),
    };
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
        what: "configuration",
        path: path.clone(),
        source,
    })?;
    let file = parse_config(&path, &text)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((Some(decision::File::of(&path, text.as_bytes())), base, file))
}

/// One `--subject`: `NAME=sha256:HEX` as given, or a file, named as given, with the
/// SHA-256 of its bytes.
fn subject(text: &str) -> Result<(String, String), Error> {
    if let Some((name, digest)) = text.split_once("=sha256:") {
        let hex_ok = digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit());
        if name.is_empty() || !hex_ok {
            return Err(config_error(
                &format!("--subject {text:?} is not NAME=sha256:HEX (64 hex digits)"),
                Some("or give the artifact's path and tollgate computes its digest"),
            ));
        }
        return Ok((name.to_string(), digest.to_ascii_lowercase()));
    }
    let bytes = std::fs::read(text).map_err(|source| Error::Read {
        what: "--subject",
        path: PathBuf::from(text),
        source,
    })?;
    Ok((text.to_string(), decision::sha256(&bytes)))
}

/// `--now`, or the current time.
fn time_or_now(text: Option<&str>) -> Result<DateTime<Utc>, Error> {
    text.map_or_else(|| Ok(Utc::now()), parse_time)
}

fn parse_config(path: &Path, text: &str) -> Result<FileConfig, Error> {
    toml::from_str::<FileConfig>(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        Error::ConfigSyntax {
            path: path.to_path_buf(),
            src: error::source(&path.display().to_string(), text),
            at: (span.start, span.len().max(1)).into(),
            reason: e.message().trim().to_string(),
        }
    })
}

/// `KEY=VALUE`, the value read as TOML when it parses and as a string otherwise.
fn parse_param(param: &str) -> Result<(String, toml::Value), Error> {
    let Some((key, value)) = param.split_once('=') else {
        return Err(config_error(
            &format!("--param {param:?} has no `=`"),
            Some("write --param KEY=VALUE, e.g. --param max_high=5"),
        ));
    };
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(config_error(
            &format!("--param key {key:?} must be letters, digits and `_`"),
            None,
        ));
    }
    Ok((key.to_string(), param_value(value)))
}

/// A param's value: TOML when it parses (5, true, ["a","b"]), else the text as a string.
fn param_value(value: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()))
}

/// The largest `call_levels × expr_depth` a configuration may ask for. Rhai checks neither
/// limit against the thread's stack, and each call level may hold an expression as deep as
/// `expr_depth`: past some product, a deep policy overflows the 16 MiB worker stack (run.rs)
/// and the process aborts instead of failing with `tollgate::policy::budget`. On a release
/// build 8,192 held and 16,384 aborted, for recursion and for parsing alike; this keeps a
/// margin of two. The defaults (32 × 64) use half of it. Found while fuzzing.
pub(crate) const MAX_DEPTH_PRODUCT: u64 = 4096;

fn validate_limits(limits: &Limits) -> Result<(), Error> {
    if let Some((name, _)) = limits.entries().into_iter().find(|(_, value)| *value == 0) {
        return Err(config_error(
            &format!("[limits] {name} is 0"),
            Some("limits must be at least 1; there is no unlimited setting"),
        ));
    }
    let product = u64::try_from(limits.call_levels)
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::try_from(limits.expr_depth).unwrap_or(u64::MAX));
    if product > MAX_DEPTH_PRODUCT {
        return Err(config_error(
            &format!(
                "[limits] call_levels × expr_depth is {} × {} = {product}, more than {MAX_DEPTH_PRODUCT}",
                limits.call_levels, limits.expr_depth
            ),
            Some("deeper policies would overflow the stack; lower one of the two (the defaults are 32 and 64)"),
        ));
    }
    Ok(())
}

/// RFC 3339, or Unix milliseconds.
fn parse_time(text: &str) -> Result<DateTime<Utc>, Error> {
    if let Ok(ms) = text.trim().parse::<i64>() {
        if let Some(t) = Utc.timestamp_millis_opt(ms).single() {
            return Ok(t);
        }
    }
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            config_error(
                &format!("--now {text:?} is not a time: {e}"),
                Some("give RFC 3339 (2026-11-23T08:00:00Z) or Unix milliseconds"),
            )
        })
}

fn config_error(reason: &str, hint: Option<&str>) -> Error {
    Error::Config {
        reason: reason.to_string(),
        hint: hint.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tollgate.template.toml (what `tollgate init` writes) documents every key: with each
    /// `#key = value` line switched on, it sets every key and still parses.
    #[test]
    fn template_documents_every_key() {
        let text: String = crate::init::TEMPLATE
            .lines()
            .map(|line| match line.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '[') => {
                    rest
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let file = parse_config(Path::new("tollgate.template.toml"), &text)
            .unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)));
        // Destructured in full: a new key fails to compile here until the template has it.
        let FileConfig {
            reports,
            report_kind,
            policies,
            outputs,
            fail_on,
            allow_empty,
            no_fail,
            jobs,
            params,
            limits,
            waivers,
            baseline,
            strict,
            sarif_category,
            sarif_max_results,
            source,
            incident,
            state,
            sla,
        } = file;
        assert!(
            state.is_some_and(|s| s.store.is_some()),
            "the template shows [state]"
        );
        assert!(
            sla.is_some_and(|s| !s.days.is_empty()),
            "the template shows [sla]"
        );
        assert!(reports.is_some() && report_kind.is_some() && policies.is_some());
        assert!(outputs.is_some() && fail_on.is_some() && allow_empty.is_some());
        assert!(no_fail.is_some() && jobs.is_some() && !params.is_empty());
        assert!(waivers.is_some() && baseline.is_some() && strict.is_some());
        assert!(sarif_category.is_some() && sarif_max_results.is_some());
        assert!(!source.is_empty(), "the template shows a [[source]]");
        let CheckedIncident(incident) = incident.expect("the template shows [incident]");
        let IncidentConfig {
            group_by: _,
            min_severity,
            state_file,
            best_effort: _,
            result_url,
            endpoint,
            project_id,
            timeout_secs,
            max_attempts,
            ca_file,
            credentials: _,
            coc_incident,
            coc_alarm,
        } = incident;
        assert!(min_severity.is_some() && state_file.is_some() && result_url.is_some());
        assert!(endpoint.is_some() && project_id.is_some() && timeout_secs.is_some());
        assert!(max_attempts.is_some() && ca_file.is_some());
        let ticket = coc_incident.expect("the template shows [incident.coc_incident]");
        assert!(ticket.region.is_some() && ticket.enterprise_project.is_some());
        assert!(ticket.assignee_scene.is_some() && ticket.assignee_role.is_some());
        assert!(coc_alarm
            .expect("and [incident.coc_alarm]")
            .region_id
            .is_some());
        assert_eq!(
            limits,
            Some(Limits::default()),
            "the template shows the defaults"
        );
        // As written (defaults commented out), it is a valid configuration too.
        let as_written = parse_config(Path::new("t"), crate::init::TEMPLATE).unwrap();
        assert_eq!(as_written.fail_on, Some(DEFAULT_FAIL_ON));
        assert!(as_written.reports.is_none() && as_written.limits.is_none());
        assert!(as_written.params.contains_key("prod_groups"));
    }

    /// A line appended to the file `init` writes is read as what it
    /// says. Below a `[params]` header, `strict = true` would have become a param.
    #[test]
    fn a_key_appended_to_the_template_is_a_top_level_setting() {
        let text = format!(
            "{}\nstrict = true\nwaivers = \"w.toml\"\n",
            crate::init::TEMPLATE
        );
        let file = parse_config(Path::new("t"), &text).unwrap();
        assert_eq!(file.strict, Some(true));
        assert_eq!(file.waivers, Some(PathBuf::from("w.toml")));
        assert!(!file.params.contains_key("strict"), "{:?}", file.params);
    }

    /// The list the warnings name settings from is the file's own: a key added to
    /// tollgate.toml is added there too.
    #[test]
    fn top_level_keys_are_the_files_keys() {
        for key in TOP_LEVEL_KEYS {
            // A number fits few of them: what matters is that the key is known.
            if let Err(Error::ConfigSyntax { reason, .. }) =
                parse_config(Path::new("t"), &format!("{key} = 0\n"))
            {
                assert!(!reason.contains("unknown field"), "{key}: {reason}");
            }
        }
        let err = parse_config(Path::new("t"), "nope = 0\n").unwrap_err();
        let Error::ConfigSyntax { reason, .. } = &err else {
            panic!("{err:?}")
        };
        for key in TOP_LEVEL_KEYS {
            assert!(
                reason.contains(&format!("`{key}`")),
                "{key} is not a key: {reason}"
            );
        }
    }

    #[test]
    fn a_sarif_cap_github_would_reject_is_warned_about() {
        let with = |n: usize, output: &str| {
            Settings::resolve(
                &CheckOptions {
                    sarif_max_results: Some(n),
                    outputs: vec![output.into()],
                    ..args(&["r.json"])
                },
                global(),
            )
            .unwrap()
        };
        assert!(with(25_000, "sarif").warnings.is_empty());
        let s = with(30_000, "sarif=r.sarif");
        assert_eq!(s.sarif_max_results, 30_000);
        assert!(
            s.warnings[0].contains("GitHub code scanning rejects a SARIF run of more than 25000"),
            "{:?}",
            s.warnings
        );
        assert!(
            with(30_000, "json").warnings.is_empty(),
            "no SARIF, no warning"
        );
        assert_eq!(with(7, "json").sarif_max_results, 7);
        assert!(Settings::resolve(
            &CheckOptions {
                sarif_max_results: Some(0),
                ..args(&["r.json"])
            },
            global()
        )
        .is_err());
    }

    #[test]
    fn params_no_policy_reads_are_warned_about() {
        let mut params = rhai::Map::new();
        for name in ["prod_groups", "strict", "max_high_misssing", "mine"] {
            params.insert(name.into(), rhai::Dynamic::UNIT);
        }
        let read = crate::policy::params::ParamsRead {
            names: ["prod_groups", "max_high_missing"].map(String::from).into(),
            any: false,
        };
        let warnings = unread_params(&params, &read);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings
            .iter()
            .any(|w| w.contains("did you mean to put `strict` above `[params]`")));
        assert!(warnings
            .iter()
            .any(|w| w.contains("did you mean `max_high_missing`, which a policy reads?")));
        assert!(warnings
            .iter()
            .any(|w| w == "param `mine` is set, but no loaded policy reads it"));
        let any = crate::policy::params::ParamsRead { any: true, ..read };
        assert!(
            unread_params(&params, &any).is_empty(),
            "read by a name known only at run time"
        );
    }

    fn global() -> Global {
        Global {
            color: ColorChoice::Never,
            verbose: 0,
        }
    }

    fn args(reports: &[&str]) -> CheckOptions {
        CheckOptions {
            reports: reports.iter().map(PathBuf::from).collect(),
            ..Default::default()
        }
    }

    fn with_config(text: &str, args: CheckOptions) -> Result<Settings, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/tollgate.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        Settings::resolve(
            &CheckOptions {
                config: Some(path),
                ..args
            },
            global(),
        )
    }

    #[test]
    fn defaults() {
        let s = Settings::resolve(&args(&["r.json"]), global()).unwrap();
        assert_eq!(s.fail_on, Severity::High);
        assert_eq!(s.policies, vec![PathBuf::from("policies")]);
        assert_eq!(
            s.outputs,
            vec![OutputSpec {
                format: Format::Human,
                path: None
            }]
        );
        assert_eq!(s.limits, Limits::default());
        assert!(!s.allow_empty && !s.no_fail && !s.color);
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err =
            with_config("fail_on = \"high\"\nfial_on = \"low\"\n", args(&["r.json"])).unwrap_err();
        let Error::ConfigSyntax { reason, at, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(reason.contains("unknown field `fial_on`"), "{reason}");
        assert_eq!(at.offset(), 17, "points at the second line");
        let err = with_config("[limits]\noperation = 5\n", args(&["r.json"])).unwrap_err();
        assert!(format!("{err:?}").contains("unknown field `operation`"));
    }

    #[test]
    fn flags_override_the_file_and_paths_follow_the_file() {
        let text = "reports = [\"a.json\"]\npolicies = [\"p\"]\nfail_on = \"low\"\noutputs = [\"json=out/r.json\"]\n[params]\nn = 1\nm = \"x\"\n";
        let s = with_config(text, CheckOptions::default()).unwrap();
        assert_eq!(s.fail_on, Severity::Low);
        let ReportInput::Path(p) = &s.reports[0] else {
            panic!()
        };
        assert!(p.ends_with("conf/a.json"), "{p:?}");
        assert!(s.policies[0].ends_with("conf/p"));
        assert!(s.outputs[0]
            .path
            .as_ref()
            .unwrap()
            .ends_with("conf/out/r.json"));

        let cli = CheckOptions {
            fail_on: Some(Severity::Critical),
            params: vec![
                "n=5".into(),
                "list=[\"a\", \"b\"]".into(),
                "word=hello world".into(),
            ],
            ..args(&["b.json"])
        };
        let s = with_config(text, cli).unwrap();
        assert_eq!(s.fail_on, Severity::Critical);
        assert_eq!(s.reports, vec![ReportInput::Path("b.json".into())]);
        assert_eq!(s.params["n"].as_int().unwrap(), 5);
        assert_eq!(s.params["m"].clone().into_string().unwrap(), "x");
        assert_eq!(s.params["list"].clone().into_array().unwrap().len(), 2);
        assert_eq!(
            s.params["word"].clone().into_string().unwrap(),
            "hello world"
        );
    }

    #[test]
    fn param_variables_are_found_by_their_prefix() {
        let vars = [
            ("TOLLGATE_PARAM_B", "2"),
            ("TOLLGATE_FAIL_ON", "low"),
            ("TOLLGATE_PARAM_A", "1"),
            ("tollgate_param_c", "3"),
            ("X_TOLLGATE_PARAM_D", "4"),
            ("TOLLGATE_PARAM", "5"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let names: Vec<String> = param_vars(vars)
            .into_iter()
            .map(|(k, _)| k.into_string().unwrap())
            .collect();
        let mut want = vec!["TOLLGATE_PARAM_A", "TOLLGATE_PARAM_B"];
        if cfg!(windows) {
            want.push("tollgate_param_c");
        }
        assert_eq!(names, want);
    }

    #[test]
    fn param_variables_sit_between_the_file_and_the_flags() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(OsString, OsString)> {
            pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
        };
        let text = "[params]\nfile = 1\nboth = 1\nall = 1\n";
        let cli = CheckOptions {
            env_params: env(&[
                ("TOLLGATE_PARAM_BOTH", "2"),
                ("TOLLGATE_PARAM_ALL", "2"),
                ("TOLLGATE_PARAM_LIST", "[\"a\", 3]"),
                ("TOLLGATE_PARAM_EMPTY", ""),
            ]),
            params: vec!["all=3".into()],
            ..args(&["r.json"])
        };
        let s = with_config(text, cli).unwrap();
        let int = |k: &str| s.params[k].as_int().unwrap();
        assert_eq!((int("file"), int("both"), int("all")), (1, 2, 3));
        assert_eq!(s.params["list"].clone().into_array().unwrap().len(), 2);
        assert!(!s.params.contains_key("empty"));
    }

    #[test]
    fn rejects_bad_values() {
        let bad = |a: CheckOptions| Settings::resolve(&a, global()).unwrap_err().to_string();
        assert!(bad(CheckOptions {
            params: vec!["noequals".into()],
            ..args(&["r"])
        })
        .contains("has no `=`"));
        assert!(bad(CheckOptions {
            outputs: vec!["xml".into()],
            ..args(&["r"])
        })
        .contains("unknown output format"));
        assert!(bad(CheckOptions {
            outputs: vec!["json".into(), "human".into()],
            ..args(&["r"])
        })
        .contains("more than one"));
        assert!(bad(args(&["-", "-"])).contains("only once"));
        assert!(bad(CheckOptions {
            now: Some("yesterday".into()),
            ..args(&["r"])
        })
        .contains("not a time"));
        assert!(matches!(
            with_config("fail_on = \"low\"\n", CheckOptions::default()),
            Err(Error::NoReports)
        ));
        let err = with_config("[limits]\noperations = 0\n", args(&["r"])).unwrap_err();
        assert!(err.to_string().contains("operations is 0"));
        // Deep enough to overflow the worker stack: refused before any policy runs.
        let err = with_config("[limits]\nexpr_depth = 1000000\n", args(&["r"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("32 × 1000000 = 32000000, more than 4096"),
            "{err}"
        );
        let err = with_config("[limits]\ncall_levels = 65\n", args(&["r"])).unwrap_err();
        assert!(
            err.to_string().contains("call_levels × expr_depth"),
            "{err}"
        );
        // Trading one for the other within the product is fine.
        assert!(with_config(
            "[limits]\ncall_levels = 128\nexpr_depth = 32\n",
            args(&["r"])
        )
        .is_ok());
    }

    #[test]
    fn waivers_baseline_and_strict_from_file_or_flags() {
        let text = "waivers = \"waivers.toml\"\nbaseline = \"out/base.json\"\nstrict = true\n";
        let s = with_config(text, args(&["r.json"])).unwrap();
        assert!(s.waivers.unwrap().ends_with("conf/waivers.toml"));
        assert!(s.baseline.unwrap().ends_with("conf/out/base.json"));
        assert!(s.strict);
        let cli = CheckOptions {
            waivers: Some("w.toml".into()),
            baseline: Some("b.json".into()),
            ..args(&["r.json"])
        };
        let s = with_config(text, cli).unwrap();
        assert_eq!(s.waivers, Some(PathBuf::from("w.toml")));
        assert_eq!(s.baseline, Some(PathBuf::from("b.json")));
        let s = with_config("", args(&["r.json"])).unwrap();
        assert_eq!((s.waivers, s.baseline, s.strict), (None, None, false));
    }

    #[test]
    fn now_takes_rfc3339_or_millis() {
        assert_eq!(parse_time("1000").unwrap().timestamp_millis(), 1000);
        assert_eq!(
            parse_time("2026-11-23T08:00:00+08:00").unwrap().timestamp(),
            1795392000
        );
    }

    #[test]
    fn a_missing_explicit_config_is_an_error() {
        let err = Settings::resolve(
            &CheckOptions {
                config: Some("/nonexistent/t.toml".into()),
                ..args(&["r"])
            },
            global(),
        );
        assert!(matches!(
            err,
            Err(Error::Read {
                what: "configuration",
                ..
            })
        ));
    }
}
