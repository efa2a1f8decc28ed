//! The pipeline, in order: settings → policies → waivers and baseline → sources → reports
//! → evaluation → verdict → outputs → exit status. Each stage hands the next a plain value.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::cloud::http::HttpOptions;
use crate::error::Error;
use crate::incident;
use crate::model::decision;
use crate::model::Input;
use crate::output::rules::RulesFormat;
use crate::output::{self, Context};
use crate::policy::{self, Globals};
use crate::report::{self, LoadOptions};
use crate::settings::{self, CheckOptions, Global, LedgerSettings, PolicySettings, Settings};
use crate::source;
use crate::store::{self, Create, OpenFinding, RunRow, Sighting, Store};
use crate::verdict::baseline;
use crate::verdict::sla;
use crate::verdict::waiver;
use crate::verdict::{self, ExitStatus, Verdict};

/// Runs the HTML page's trend shows.
const TREND_RUNS: usize = 90;

/// Oldest open findings the HTML page lists.
const OLDEST_SHOWN: usize = 10;

/// Stack for worker threads: deep but bounded policy recursion must not overflow it.
const WORKER_STACK: usize = 16 << 20;

/// What the user asked `tollgate test` for, as typed.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Policy files or directories; empty: `policies` from tollgate.toml, else policies/.
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    /// Only the tests whose `RULE-ID/test_name` matches this regular expression.
    pub filter: Option<String>,
    /// `FORMAT[=PATH]` strings (human, junit).
    pub outputs: Vec<String>,
    /// `KEY=VALUE` strings. They override `env_params`.
    pub params: Vec<String>,
    /// `TOLLGATE_PARAM_<NAME>` variables, as for `check`
    /// ([`CheckOptions::env_params`](crate::settings::CheckOptions::env_params)).
    pub env_params: Vec<(OsString, OsString)>,
    /// RFC 3339 or Unix milliseconds.
    pub now: Option<String>,
}

/// What the user asked `tollgate rules` for.
#[derive(Debug, Clone, Default)]
pub struct RulesOptions {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub format: RulesFormat,
    /// `KEY=VALUE` strings: the static checks judge `param("KEY")` against them.
    pub params: Vec<String>,
    /// `TOLLGATE_PARAM_<NAME>` variables, as for `check`; `params` override them.
    pub env_params: Vec<(OsString, OsString)>,
}

/// What the user asked `tollgate fetch` for.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    pub config: Option<PathBuf>,
    /// The `[[source]]` to fetch.
    pub source: String,
    /// Where to save the evidence; `None` is standard output.
    pub out: Option<PathBuf>,
    /// The fetch time recorded in the evidence (RFC 3339 or Unix ms).
    pub now: Option<String>,
}

/// `tollgate check`: settings from the options and tollgate.toml, then the gate on a pool
/// of worker threads.
pub fn check(args: &CheckOptions, global: Global) -> Result<ExitStatus, Error> {
    let settings = Settings::resolve(args, global)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("tollgate-{i}"))
        .build()
        .map_err(|e| Error::Config {
            reason: format!("cannot start {} worker threads: {e}", settings.jobs),
            hint: Some("lower --jobs".into()),
        })?;
    pool.install(|| gate_and_write(&settings))
}

/// `tollgate test`: exit 0 when every test passed, 1 on a failed test, 2 when a policy or
/// test file does not compile or no test was found.
pub fn test(args: &TestOptions, global: Global) -> Result<ExitStatus, Error> {
    use crate::output::test_run::{self, TestFormat, TestOutput};
    let settings = PolicySettings::resolve(
        args.config.as_deref(),
        &args.paths,
        &args.env_params,
        &args.params,
        args.now.as_deref(),
    )?;
    let filter = args
        .filter
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|e| Error::Config {
            reason: format!("--run is not a regular expression: {e}"),
            hint: None,
        })?;
    let mut outputs: Vec<TestOutput> = args
        .outputs
        .iter()
        .map(|o| {
            o.parse()
                .map_err(|reason| Error::Config { reason, hint: None })
        })
        .collect::<Result<_, _>>()?;
    if !outputs.iter().any(|o| o.path.is_none()) {
        // The tally always reaches the terminal, also when JUnit goes to a file.
        outputs.insert(
            0,
            TestOutput {
                format: TestFormat::Human,
                path: None,
            },
        );
    }
    if outputs.iter().filter(|o| o.path.is_none()).count() > 1 {
        return Err(Error::Config {
            reason: "more than one test output goes to standard output".into(),
            hint: Some("give all but one a file: -o junit=policy-tests.xml".into()),
        });
    }
    let options = policy::test::TestOptions {
        filter,
        limits: settings.limits,
        globals: Globals {
            params: settings.params,
            now: settings.now.timestamp_millis(),
        },
    };
    let run = policy::test::run(&settings.policies, &options)?;
    test_run::write_all(
        &outputs,
        &run,
        settings::stdout_color(global.color),
        global.verbose,
        settings.now,
    )?;
    Ok(match run.tally() {
        (_, 0) => ExitStatus::Pass,
        _ => ExitStatus::Fail,
    })
}

/// `tollgate rules`: every rule under the policy paths, validated as `check` would. At
/// `-v`, what the static checks left to run time in each rule goes to standard error.
pub fn rules(args: &RulesOptions, global: Global) -> Result<ExitStatus, Error> {
    let settings = PolicySettings::resolve(
        args.config.as_deref(),
        &args.paths,
        &args.env_params,
        &args.params,
        None,
    )?;
    let globals = Globals {
        params: settings.params,
        now: settings.now.timestamp_millis(),
    };
    let policies = policy::load(&settings.policies, &settings.limits, &globals)?;
    let rules: Vec<output::rules::Listed<'_>> = policies
        .iter()
        .map(|p| output::rules::Listed::new(&p.rule, &p.mode))
        .collect();
    output::deliver(None, "rules", |out, _| match args.format {
        RulesFormat::Table => output::rules::table(&rules, out),
        RulesFormat::Json => output::rules::json(&rules, out),
    })?;
    if global.verbose >= 1 {
        let lints: Vec<_> = policies
            .iter()
            .map(|p| (&*p.rule, p.lint.as_ref()))
            .collect();
        // Notes, like every `-v` note: when standard error cannot take them, there is
        // nowhere left to say so, and the listing itself was written.
        let mut err = std::io::stderr().lock();
        let _ = output::rules::lint(&lints, &mut err);
        let _ = output::rules::engines(&rules, &mut err);
    }
    Ok(ExitStatus::Pass)
}

/// `tollgate fetch`: one source's evidence, checked whole, saved atomically (or printed).
pub fn fetch(args: &FetchOptions, global: Global) -> Result<ExitStatus, Error> {
    let log = Log(global.verbose);
    let (live, now) =
        settings::fetch_settings(args.config.as_deref(), &args.source, args.now.as_deref())?;
    let started = Instant::now();
    let text = source::live::fetch(&live, http_options(global.verbose), now)?;
    // Save only evidence that `check` will accept: whole, counted, without duplicates.
    let input = Input {
        origin: live.origin(),
        text: text.as_str().into(),
    };
    let reports = report::load_all(
        &input,
        report::LoadOptions {
            kind: None,
            allow_empty: true,
        },
    )?;
    let resources: usize = reports.iter().map(|r| r.resources.len()).sum();
    output::deliver(args.out.as_deref(), "evidence", |out, to_file| {
        out.write_all(text.as_bytes())?;
        // A terminal wants the last line ended; the saved file stays as fetched.
        if !to_file {
            out.write_all(b"\n")?;
        }
        Ok(())
    })?;
    let into = args
        .out
        .as_ref()
        .map_or("standard output".to_string(), |p| p.display().to_string());
    eprintln!(
        "tollgate: fetched {}: {} resources in {} reports, saved to {into}",
        live.label(),
        resources,
        reports.len(),
    );
    log.step(format_args!("done in {:.1?}", started.elapsed()));
    Ok(ExitStatus::Pass)
}

/// `tollgate init`: the starter files in `dir`, and what to run next.
pub fn init(dir: &std::path::Path, force: bool) -> Result<ExitStatus, Error> {
    let written = crate::init::write(dir, force)?;
    for path in &written {
        println!("created {}", path.display());
    }
    let cd = if dir == std::path::Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    println!();
    println!("next: {cd}tollgate test && tollgate check -r REPORT.json");
    println!(
        "      (tollgate test runs policies/starter_test.rhai; -r takes a saved compliance report)"
    );
    Ok(ExitStatus::Pass)
}

/// `tollgate state init`: make the ledger (and migrate it); an existing one is kept.
pub fn state_init(
    config: Option<&std::path::Path>,
    state: Option<&str>,
) -> Result<ExitStatus, Error> {
    let location = settings::ledger_location(config, state)?;
    let (_, created) = Store::open(&location, Create::IfMissing)?;
    if created {
        println!(
            "started an empty ledger at {} ({}); every SLA clock starts at the next run",
            location.label(),
            location.backend()
        );
    } else {
        println!(
            "the ledger at {} is already there; left as it was",
            location.label()
        );
    }
    Ok(ExitStatus::Pass)
}

/// `tollgate history`: trends from the ledger, for people or (`json`) dashboards.
pub fn history(
    config: Option<&std::path::Path>,
    state: Option<&str>,
    runs: usize,
    oldest: usize,
    json: bool,
) -> Result<ExitStatus, Error> {
    let location = settings::ledger_location(config, state)?;
    let (mut store, _) = Store::open(&location, Create::No)?;
    let history = store.history(runs, oldest)?;
    output::deliver(None, "history", |out, _| {
        if json {
            output::history::json(&history, &location.label(), out)
        } else {
            output::history::human(&history, &location.label(), out)
        }
    })?;
    Ok(ExitStatus::Pass)
}

/// `tollgate check` with resolved settings.
///
/// Once the settings are known, so are the outputs, and every output is written whatever
/// happens next: a run that cannot decide (a source that gives up, a report that cannot
/// be read, a policy that does not compile) writes them with an undecided verdict, so the
/// CI step that uploads them finds them and the dashboard shows why. The exit status is
/// decided once, after the incidents, and every output states that one value.
fn gate_and_write(settings: &Settings) -> Result<ExitStatus, Error> {
    let log = Log(settings.verbose);
    let started = Instant::now();
    let options = verdict_options(settings);
    // Diagnostics for standard error, in the order they arose; the first is returned.
    let mut failures: Vec<Error> = Vec::new();
    let mut warnings: Vec<String> = settings.warnings.clone();
    let mut incidents = None;
    // The decision record (in `-o json`): the executable is hashed beside the gate.
    let recording = settings.records();
    let executable = recording.then(|| std::thread::spawn(executable_sha256));
    let mut read = Read::default();
    let mut verdict = match gate(
        settings,
        options,
        &log,
        &mut warnings,
        recording.then_some(&mut read),
    ) {
        Ok(gate) => {
            let Gate {
                mut verdict,
                evaluation_errors,
                checked,
                mut ledger,
                ledger_error,
            } = gate;
            failures.extend(evaluation_errors);
            if let Some(err) = ledger_error {
                verdict.fail_with([verdict::ErrorSummary::of(&err)]);
                failures.push(err);
            }
            let status = verdict.status;
            incidents = send_incidents(
                settings,
                &mut verdict,
                &checked,
                ledger.as_mut().map(|l| &mut l.store),
                &log,
                &mut failures,
            );
            if let Some(ledger) = &mut ledger {
                // The incident stage can end a recorded run in `error`.
                if let Some(id) = ledger.run.filter(|_| verdict.status != status) {
                    if let Err(err) = ledger.store.set_run_status(id, verdict.status.as_str()) {
                        verdict.fail_with([verdict::ErrorSummary::of(&err)]);
                        failures.push(err);
                    }
                }
                // The HTML page draws the trend: the ledger as it stands after this run.
                if settings
                    .outputs
                    .iter()
                    .any(|o| o.format == output::Format::Html)
                {
                    match ledger.store.history(TREND_RUNS, OLDEST_SHOWN) {
                        Ok(history) => {
                            if let Some(summary) = &mut verdict.ledger {
                                summary.history = Some(history);
                            }
                        }
                        Err(err) => {
                            verdict.fail_with([verdict::ErrorSummary::of(&err)]);
                            failures.push(err);
                        }
                    }
                }
            }
            verdict
        }
        Err(err) => {
            let verdict = Verdict::undecided(options, &err);
            failures.push(err);
            verdict
        }
    };
    // The gate's own warnings first; the incident stage's (best_effort) were said as
    // they arose.
    for warning in &warnings {
        eprintln!("tollgate: warning: {warning}");
    }
    verdict.warnings.splice(0..0, warnings);

    let decision = executable
        .map(|hashing| decision_of(settings, read, hashing.join().ok().flatten(), &verdict));
    let cx = Context {
        decision,
        attestation: Some(output::intoto::Attestation {
            subjects: settings.subjects.clone(),
            run_url: settings.run_url.clone(),
        }),
        version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: settings
            .now
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        color: settings.color,
        base_dir: std::env::current_dir().ok(),
        category: settings.sarif_category.clone(),
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from),
        incidents,
        sarif_max_results: settings.sarif_max_results,
    };
    // An output that cannot be written is the one failure the outputs cannot state.
    let began = Instant::now();
    if let Err(err) = output::write_all(&settings.outputs, &verdict, &cx) {
        failures.insert(0, err);
    }
    log.step(format_args!(
        "wrote {} outputs in {:.1?}",
        settings.outputs.len(),
        began.elapsed()
    ));
    log.step(format_args!("done in {:.0?}", started.elapsed()));

    let mut failures = failures.into_iter();
    match failures.next() {
        None => Ok(verdict.exit_status()),
        Some(first) => {
            // The first is returned and shown last, beside the exit; the others must not
            // be lost with it.
            for also in failures {
                eprintln!("tollgate: also: {:?}", miette::Report::new(also));
            }
            Err(first)
        }
    }
}

/// Decide a recorded gate again (`tollgate verify`): the verdict alone, nothing written,
/// sent or recorded.
pub(crate) fn replay(settings: &Settings) -> Verdict {
    let options = verdict_options(settings);
    let mut warnings = Vec::new();
    match gate(settings, options, &Log(0), &mut warnings, None) {
        Ok(gate) => gate.verdict,
        Err(err) => Verdict::undecided(options, &err),
    }
}

/// What the decision record needs from the gate, gathered as it reads.
#[derive(Default)]
struct Read {
    policies: Vec<decision::File>,
    evidence: Vec<decision::Evidence>,
    waivers: Option<decision::File>,
    baseline: Option<decision::File>,
}

/// The running executable's SHA-256, if it can be read.
pub(crate) fn executable_sha256() -> Option<String> {
    let path = std::env::current_exe().ok()?;
    let bytes = std::fs::read(path).ok()?;
    Some(decision::sha256(&bytes))
}

/// A waivers or baseline file's text, read once: parsed, and (when the run keeps a
/// decision record) digested from the same bytes.
fn read_recorded(
    path: &std::path::Path,
    what: &'static str,
    record: Option<&mut Option<decision::File>>,
) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(record) = record {
        *record = Some(decision::File::of(path, text.as_bytes()));
    }
    Ok(text)
}

/// The verdict's options from the settings.
fn verdict_options(settings: &Settings) -> verdict::Options {
    verdict::Options {
        fail_on: settings.fail_on,
        strict: settings.strict,
        now: settings.now,
        no_fail: settings.no_fail,
    }
}

/// One evidence input as the decision record keeps it.
fn evidence_of(input: &Input, reports: &[crate::model::Report]) -> decision::Evidence {
    let mut kinds: Vec<String> = Vec::new();
    for r in reports {
        let kind = r.kind.id().to_string();
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    decision::Evidence {
        name: input.origin.to_string(),
        source: decision::Evidence::source_of(&input.origin).into(),
        kinds,
        sha256: decision::sha256(input.text.as_bytes()),
        bytes: input.text.len() as u64,
        fetched_at: reports
            .iter()
            .find_map(|r| r.fetched_at)
            .map(output::timestamp_ms),
    }
}

/// The decision record of a run: what it read, by digest, and what it decided.
fn decision_of(
    settings: &Settings,
    read: Read,
    executable_sha256: Option<String>,
    verdict: &Verdict,
) -> decision::Decision {
    decision::Decision {
        schema: decision::DECISION_SCHEMA.into(),
        tollgate: decision::Tool {
            version: env!("CARGO_PKG_VERSION").into(),
            executable_sha256,
        },
        policy_set_sha256: decision::policy_set(&read.policies),
        policies: read.policies,
        config: settings.config.clone(),
        evidence: read.evidence,
        waivers: read.waivers,
        baseline: read.baseline,
        params: settings
            .params
            .iter()
            .map(|(k, v)| {
                let value = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
                (k.to_string(), value)
            })
            .collect(),
        evaluated_at: output::timestamp_ms(settings.now.timestamp_millis()),
        now_pinned: settings.now_pinned,
        fail_on: settings.fail_on,
        strict: settings.strict,
        no_fail: settings.no_fail,
        allow_empty: settings.allow_empty,
        report_kind: settings.report_kind,
        verdict: verdict.status.as_str().into(),
        exit_code: verdict.exit_code(),
    }
}

/// What deciding the gate produced: the verdict, the diagnostics of the policy calls that
/// failed (the verdict already counts them), and what the run looked at.
struct Gate {
    verdict: Verdict,
    evaluation_errors: Option<Error>,
    checked: Checked,
    /// The open ledger, when the run keeps one.
    ledger: Option<Ledger>,
    /// Why the run could not be written to the ledger.
    ledger_error: Option<Error>,
}

/// The ledger as a run holds it: the open store, the findings it held open when the run
/// began, and the time of its latest run.
struct Ledger {
    store: Store,
    open: Vec<OpenFinding>,
    latest: Option<i64>,
    /// This run's id in the ledger, once written.
    run: Option<i64>,
}

/// Open the store (migrating it) and read what the verdict needs from it.
fn open_ledger(settings: &LedgerSettings) -> Result<(Ledger, bool), Error> {
    let (mut store, created) = Store::open(&settings.location, settings.create)?;
    let latest = store.latest_run()?;
    let open = store.open_findings()?;
    Ok((
        Ledger {
            store,
            open,
            latest,
            run: None,
        },
        created,
    ))
}

/// Wait for the ledger's thread: the open store and what it read.
fn join_ledger(
    opening: std::io::Result<std::thread::JoinHandle<Result<(Ledger, bool), Error>>>,
    settings: &LedgerSettings,
    log: &Log,
) -> Result<Ledger, Error> {
    let began = Instant::now();
    let (ledger, created) = opening
        .map_err(|e| Error::Config {
            reason: format!("cannot start the ledger's thread: {e}"),
            hint: None,
        })?
        .join()
        .map_err(|_| Error::Store {
            store: settings.location.label(),
            reason: "reading it failed unexpectedly".into(),
            hint: None,
        })??;
    if created {
        eprintln!(
            "tollgate: started an empty ledger at {}; keep it between runs (docs/ledger.md)",
            settings.location.label()
        );
    }
    log.step(format_args!(
        "ledger {}: {} open findings (waited {:.1?})",
        settings.location.label(),
        ledger.open.len(),
        began.elapsed()
    ));
    Ok(ledger)
}

/// What a run read: each report's kind id (the subject of report-level findings) and
/// every resource id. Alarms are cleared, and ledger findings marked fixed, only on these.
fn subjects(reports: &[Arc<crate::model::Report>]) -> impl Iterator<Item = &str> {
    reports
        .iter()
        .flat_map(|r| std::iter::once(r.kind.id()).chain(r.resources.iter().map(|res| res.id())))
}

/// Write a run's sightings to the ledger, then (from `finish`) its counts and the findings
/// it fixed, in one transaction. Runs beside the verdict, so it needs nothing the verdict
/// knows: each sighting says "seen now", and the ledger keeps an open finding's earlier
/// first-seen time itself.
fn write_run(
    store: &mut Store,
    open: &[OpenFinding],
    findings: &[crate::model::Finding],
    now: i64,
    finish: impl FnOnce() -> Option<store::Finish>,
) -> Result<Option<i64>, Error> {
    // The sightings' texts, copied in one pass into one buffer: the store reads them in
    // fingerprint order, which jumps about; across a few compact megabytes rather than
    // the whole evaluation's memory, that is much cheaper.
    let mut texts = String::new();
    let mut ends: Vec<[usize; 4]> = Vec::with_capacity(findings.len());
    for f in findings {
        let label: std::borrow::Cow<'_, str> = match &f.subject {
            crate::model::Subject::Resource(r) => r.label().into(),
            other => other.label().into(),
        };
        let mut end = [0; 4];
        for (i, text) in [f.fingerprint.as_str(), &f.rule.id, f.subject.id(), &label]
            .into_iter()
            .enumerate()
        {
            texts.push_str(text);
            end[i] = texts.len();
        }
        ends.push(end);
    }
    let mut start = 0;
    let seen: Vec<Sighting<'_>> = findings
        .iter()
        .zip(&ends)
        .map(|(f, end)| {
            let [fingerprint, rule, subject, label] = [0, 1, 2, 3].map(|i| {
                let text = &texts[start..end[i]];
                start = end[i];
                text
            });
            Sighting {
                fingerprint,
                rule,
                subject,
                label,
                severity: f.severity,
            }
        })
        .collect();
    store.record_with(now, open, &seen, finish)
}

/// The run's row: its status and counts, from the verdict.
fn finish_of(verdict: &Verdict) -> Option<store::Finish> {
    let summary = verdict.ledger.as_ref()?;
    let mut open = [0i64; 5];
    for j in &verdict.findings {
        open[store::severity_index(j.finding.severity)] += 1;
    }
    Some(store::Finish {
        run: RunRow {
            at: 0, // the writer's own time is used
            status: verdict.status.as_str().into(),
            open,
            new: summary.new as i64,
            fixed: summary.fixed.len() as i64,
            overdue: summary.overdue as i64,
            within_sla: summary.within_sla as i64,
            blocking: verdict.blocking().count() as i64,
        },
        fixed: summary
            .fixed
            .iter()
            .map(|f| f.fingerprint.clone())
            .collect(),
    })
}

/// Which rules and resources the run evaluated, and whether every call succeeded: the
/// incident stage clears alarms only for what was looked at.
struct Checked {
    complete: bool,
    rules: Vec<String>,
    resources: Vec<String>,
}

/// Policies, waivers, baseline, sources, reports, evaluation and the verdict.
fn gate(
    settings: &Settings,
    options: verdict::Options,
    log: &Log,
    warnings: &mut Vec<String>,
    mut read: Option<&mut Read>,
) -> Result<Gate, Error> {
    if let Some(incidents) = &settings.incidents {
        incident::preflight(incidents, settings.ledger.is_some())?;
    }
    // The store opens (and its open findings are read) while policies load and reports
    // parse; the verdict waits for it.
    let opening = settings.ledger.clone().map(|ledger| {
        std::thread::Builder::new()
            .name("tollgate-ledger".into())
            .spawn(move || open_ledger(&ledger))
    });
    let globals = Globals {
        params: settings.params.clone(),
        now: settings.now.timestamp_millis(),
    };
    let began = Instant::now();
    let policies = policy::load(&settings.policies, &settings.limits, &globals)?;
    let compiled = policies
        .iter()
        .filter(|p| p.mode == policy::compiled::Mode::Compiled)
        .count();
    log.step(format_args!(
        "loaded {} policies in {:.1?} ({compiled} compiled, {} interpreted)",
        policies.len(),
        began.elapsed(),
        policies.len() - compiled
    ));
    warnings.extend(settings::unread_params(
        &settings.params,
        &policy::params::read_by(&policies),
    ));
    if let Some(read) = read.as_deref_mut() {
        read.policies = policies
            .iter()
            .map(|p| decision::File::of(&p.rule.file, p.src.as_bytes()))
            .collect();
        read.policies.sort();
    }
    for p in &policies {
        log.detail(format_args!(
            "  {} ({}) from {}: {}",
            p.rule.id,
            p.rule.severity,
            p.rule.file.display(),
            p.mode
        ));
    }

    // Read before the reports: a broken waivers or baseline file is cheap to find out about,
    // and a gate that cannot apply them must not spend minutes on evaluation first.
    let waivers = match &settings.waivers {
        Some(path) => {
            let text = read_recorded(path, "waivers", read.as_deref_mut().map(|r| &mut r.waivers))?;
            let waivers = waiver::parse(&path.display().to_string(), &text)?;
            log.step(format_args!(
                "read {} waivers from {}",
                waivers.len(),
                path.display()
            ));
            waivers
        }
        None => Vec::new(),
    };
    let baseline = match &settings.baseline {
        Some(path) => {
            let text = read_recorded(
                path,
                "baseline",
                read.as_deref_mut().map(|r| &mut r.baseline),
            )?;
            let baseline = baseline::parse(&path.display().to_string(), &text)?;
            log.step(format_args!(
                "read a baseline of {} findings from {}",
                baseline.findings.len(),
                path.display()
            ));
            Some(baseline)
        }
        None => None,
    };

    let load = LoadOptions {
        kind: settings.report_kind,
        allow_empty: settings.allow_empty,
    };
    // Each input with how it may be read: a source may accept empty evidence itself.
    let began = Instant::now();
    let files = source::read_all(&settings.reports)?;
    if !files.is_empty() {
        log.step(format_args!(
            "read {} report inputs ({} bytes) in {:.1?}",
            files.len(),
            files.iter().map(|i| i.text.len()).sum::<usize>(),
            began.elapsed()
        ));
    }
    let mut inputs: Vec<(Input, LoadOptions)> =
        files.into_iter().map(|input| (input, load)).collect();
    for live in &settings.sources {
        let started = Instant::now();
        let text = source::live::fetch(live, http_options(settings.verbose), settings.now)?;
        log.step(format_args!(
            "fetched {} ({} bytes of evidence) in {:.1?}",
            live.label(),
            text.len(),
            started.elapsed()
        ));
        let input = Input {
            origin: live.origin(),
            text: text.into(),
        };
        let live_options = LoadOptions {
            kind: None,
            allow_empty: load.allow_empty || live.allow_empty.unwrap_or(false),
        };
        inputs.push((input, live_options));
    }
    let began = Instant::now();
    let mut reports = Vec::with_capacity(inputs.len());
    for (input, options) in &inputs {
        let loaded = report::load_all(input, *options)?;
        if let Some(read) = read.as_deref_mut() {
            read.evidence.push(evidence_of(input, &loaded));
        }
        for report in loaded {
            log.detail(format_args!(
                "  {}: {}, {} resources",
                report.origin,
                report.kind,
                report.resources.len()
            ));
            reports.push(Arc::new(report));
        }
    }
    drop(inputs);
    report::check_scans(&reports)?;
    log.step(format_args!(
        "parsed {} reports with {} resources in {:.1?}",
        reports.len(),
        reports.iter().map(|r| r.resources.len()).sum::<usize>(),
        began.elapsed()
    ));

    let began = Instant::now();
    let evaluation = policy::evaluate(&policies, &reports);
    log.step(format_args!(
        "evaluated {} policy calls in {:.1?} ({} compiled, {} left to the interpreter): {} findings, {} errors",
        evaluation.calls,
        began.elapsed(),
        evaluation.compiled,
        evaluation.calls - evaluation.compiled,
        evaluation.findings.len(),
        evaluation.error_count
    ));
    let began = Instant::now();
    let now = settings.now.timestamp_millis();
    let rules = policies.iter().map(|p| Arc::clone(&p.rule)).collect();
    let decide = |view: Option<&sla::LedgerView>| {
        verdict::decide_with_ledger(
            &evaluation,
            rules,
            &reports,
            options,
            &waivers,
            baseline.as_ref(),
            view,
        )
    };
    let mut ledger_error = None;
    let (verdict, ledger) = match (opening, &settings.ledger) {
        (Some(opening), Some(ledger_settings)) => {
            let mut ledger = join_ledger(opening, ledger_settings, log)?;
            let loaded: HashSet<&str> = policies.iter().map(|p| p.rule.id.as_str()).collect();
            let view = |open: &[OpenFinding]| {
                sla::LedgerView::new(
                    ledger_settings.location.label(),
                    ledger_settings.sla.clone(),
                    open,
                    &evaluation.findings,
                    &loaded,
                    subjects(&reports),
                    evaluation.error_count == 0,
                )
            };
            let verdict = if let Some(latest) = ledger.latest.filter(|latest| *latest > now) {
                // A replay of the past is judged against the ledger, not written to it.
                let mut verdict = decide(Some(&view(&ledger.open)));
                verdict.warnings.push(format!(
                    "the ledger has a run at {}, after --now: this run was judged against it but not recorded",
                    output::timestamp(latest)
                ));
                verdict
            } else {
                // The sightings are written while the findings are matched to the ledger
                // and the verdict is decided; the run's row follows the verdict, and the
                // transaction commits with both or neither.
                let (send, receive) = std::sync::mpsc::channel();
                let Ledger { store, open, .. } = &mut ledger;
                let open: &[OpenFinding] = open;
                let findings = &evaluation.findings;
                let (mut verdict, written) = std::thread::scope(|scope| {
                    let writer = scope.spawn(move || {
                        write_run(store, open, findings, now, || receive.recv().ok()?)
                    });
                    let verdict = decide(Some(&view(open)));
                    // A writer that failed early is no longer listening: its error is below.
                    let _ = send.send(finish_of(&verdict));
                    let written = writer.join().unwrap_or_else(|_| {
                        Err(Error::Store {
                            store: ledger_settings.location.label(),
                            reason: "writing the run failed unexpectedly".into(),
                            hint: None,
                        })
                    });
                    (verdict, written)
                });
                match written {
                    Ok(id) => {
                        ledger.run = id;
                        if let Some(summary) = &mut verdict.ledger {
                            summary.recorded = id.is_some();
                        }
                    }
                    Err(err) => ledger_error = Some(err),
                }
                verdict
            };
            (verdict, Some(ledger))
        }
        _ => (decide(None), None),
    };
    log.step(format_args!(
        "decided{} in {:.1?}",
        if ledger.is_some() {
            " and wrote the ledger"
        } else {
            ""
        },
        began.elapsed()
    ));
    // Said on standard error as well as in the outputs: a waiver that silently stopped
    // applying is how a gate starts failing "for no reason".
    for stale in verdict.stale_waivers() {
        if let Some(note) = stale.note() {
            eprintln!("tollgate: {note}");
        }
    }
    // Only when the run sends (or prints) incidents: the list names every resource.
    let incidents_on = settings
        .incidents
        .as_ref()
        .is_some_and(|i| i.mode != incident::Mode::Off);
    let checked = Checked {
        complete: evaluation.error_count == 0,
        rules: policies.iter().map(|p| p.rule.id.clone()).collect(),
        resources: if incidents_on {
            subjects(&reports).map(str::to_string).collect()
        } else {
            Vec::new()
        },
    };
    let evaluation_errors = (evaluation.error_count > 0).then(|| Error::Evaluation {
        count: evaluation.error_count,
        shown: evaluation.errors.len(),
        errors: evaluation.errors,
    });
    Ok(Gate {
        verdict,
        evaluation_errors,
        checked,
        ledger,
        ledger_error,
    })
}

/// The incident stage, after the verdict is final and before the outputs, so that they
/// record the tickets. A failure to send makes the run end in `Error` (recorded in the
/// verdict, so every output says so) unless the sinks are `best_effort`, when it is a
/// warning and the gate keeps its own exit code.
fn send_incidents(
    settings: &Settings,
    verdict: &mut Verdict,
    checked: &Checked,
    store: Option<&mut Store>,
    log: &Log,
    failures: &mut Vec<Error>,
) -> Option<incident::Report> {
    let incidents = settings
        .incidents
        .as_ref()
        .filter(|i| i.mode != incident::Mode::Off)?;
    let sets = incident::plan::Checked {
        complete: checked.complete,
        rules: checked.rules.iter().map(String::as_str).collect(),
        resources: checked.resources.iter().map(String::as_str).collect(),
    };
    let mut keeper = match store {
        Some(store) => incident::state::Keeper::Store {
            store,
            file: &incidents.state_file,
        },
        None => incident::state::Keeper::File(&incidents.state_file),
    };
    let outcome = incident::run(verdict, incidents, settings.now, &sets, &mut keeper);
    log.step(format_args!(
        "incidents ({:?}): {} tickets and alarms, {} failed",
        incidents.mode,
        outcome.report.records.len(),
        outcome.report.failed()
    ));
    if !outcome.failures.is_empty() {
        let err = Error::Incidents {
            failed: outcome.report.failed(),
            errors: outcome.failures,
        };
        if incidents.config.best_effort {
            verdict
                .warnings
                .push(format!("{err} (best_effort: the gate keeps its exit code)"));
            eprintln!(
                "tollgate: warning (best_effort, the gate keeps its exit code): {:?}",
                miette::Report::new(err)
            );
        } else {
            verdict.fail_with([verdict::ErrorSummary::of(&err)]);
            failures.push(err);
        }
    }
    Some(outcome.report)
}

/// How live sources are fetched: each retry is said on standard error at `-v`.
fn http_options(verbose: u8) -> HttpOptions {
    HttpOptions {
        verbose,
        ..HttpOptions::default()
    }
}

/// Progress notes on standard error, by verbosity.
struct Log(u8);

impl Log {
    fn step(&self, args: std::fmt::Arguments<'_>) {
        if self.0 >= 1 {
            eprintln!("tollgate: {args}");
        }
    }
    fn detail(&self, args: std::fmt::Arguments<'_>) {
        if self.0 >= 2 {
            eprintln!("tollgate: {args}");
        }
    }
}
