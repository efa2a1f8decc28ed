//! Fuzz targets for everything tollgate reads from a user: report documents of every kind
//! (and evidence files), tollgate.toml, waivers, baselines and policy source, plus the
//! evaluation of the shipped policies over generated resources.
//!
//! This is not a CLI test binary (those all live in tests/cli/main.rs): it is a separate test
//! target so that it can be run alone, in an optimised build, for as long as it is told
//! (fuzz/run.sh). cargo-fuzz needs a nightly toolchain, which this project does not use, so
//! proptest generates and shrinks the inputs instead (fuzz/README.md says more).
//!
//! One file per target (`reports`, `config`, `verdict_files` for waivers and baselines,
//! `policies` for policy compilation and evaluation), over a shared driver (this file) and
//! shared inputs ([`input`]). Each `#[test]` is one target. It runs proptest batches until `TOLLGATE_FUZZ_SECONDS`
//! (default 2) have passed, so a plain `cargo test` runs a short version of every target,
//! and prints how many cases it ran. `TOLLGATE_FUZZ_SEED` replays a run. A case fails when
//! the code under test panics, when a rejection is an error whose message is empty or whose
//! diagnostic cannot be rendered, or when a case takes longer than `SLOW`.

// Each target file imports what it needs from here; not every file needs all of it.
#![allow(unused_imports)]

mod config;
mod engines;
mod input;
mod policies;
mod reports;
mod verdict_files;

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{json, Value};

use tollgate::model::Input;
use tollgate::model::Report;
use tollgate::model::ReportKind;
use tollgate::policy::{self, Globals, Limits, Policy};
use tollgate::report::{self, LoadOptions};
use tollgate::settings::{CheckOptions, ColorChoice, Global, Settings};
use tollgate::Error;

pub(crate) use input::*;

/// Cases per proptest batch: small, so that a target stops soon after its time is up.
pub(crate) const BATCH: u32 = 16;

/// A case slower than this fails: the input found a hang (or close to one).
pub(crate) const SLOW: Duration = Duration::from_secs(30);

/// The stack `tollgate check` gives its worker threads (run.rs); the targets run on threads
/// with the same stack so that a recursion the CLI survives does not fail here.
pub(crate) const STACK: usize = 16 << 20;

// ---------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------

pub(crate) fn budget() -> Duration {
    let secs = std::env::var("TOLLGATE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

pub(crate) fn base_seed() -> u64 {
    match std::env::var("TOLLGATE_FUZZ_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .expect("TOLLGATE_FUZZ_SEED is a whole number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

pub(crate) fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK)
        .build()
        .expect("a thread pool")
}

/// The pool the targets run in (as many threads as cores, like `tollgate check`).
pub(crate) fn workers() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| pool(0))
}

/// Run `test` on values of the strategy `make` builds until the budget is spent; fail with
/// the shrunk input. (Boxed strategies cannot cross threads, so the strategy is built on the
/// worker thread that uses it.)
pub(crate) fn fuzz<S>(
    name: &str,
    make: impl FnOnce() -> S + Send,
    test: impl Fn(S::Value) -> Result<Verdict, TestCaseError> + Sync,
) where
    S: Strategy,
    S::Value: Debug,
{
    let budget = budget();
    let seed = base_seed();
    let cases = AtomicU64::new(0);
    let accepted = AtomicU64::new(0);
    let mut batch: u64 = 0;
    // The clock starts on the worker: with several targets at once, time spent waiting for
    // the pool is not time spent fuzzing.
    let took = workers().install(|| {
        let start = Instant::now();
        let strategy = make();
        while batch == 0 || start.elapsed() < budget {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            bytes[8..16].copy_from_slice(&batch.to_le_bytes());
            let mut config = Config::with_cases(BATCH);
            config.failure_persistence = None;
            config.max_shrink_time = 120_000;
            config.max_shrink_iters = 4096;
            let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
            let mut runner = TestRunner::new_with_rng(config, rng);
            let result = runner.run(&strategy, |value| {
                cases.fetch_add(1, Ordering::Relaxed);
                let began = Instant::now();
                if test(value)? == Verdict::Accepted {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
                let took = began.elapsed();
                prop_assert!(took < SLOW, "one case took {took:?}");
                Ok(())
            });
            match result {
                Ok(()) => {}
                Err(TestError::Fail(reason, input)) => {
                    // The shrunk input can be megabytes: keep it whole in a file, show a head.
                    let dir = root().join("target/fuzz-failures");
                    let file = dir.join(format!("{name}-{seed}-{batch}.txt"));
                    let text = format!("{input:#?}");
                    let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &text));
                    let head: String = text.chars().take(2000).collect();
                    panic!(
                        "fuzz target {name} failed (TOLLGATE_FUZZ_SEED={seed}, batch {batch}): {reason}\n\
                         input (whole in {}{}):\n{head}",
                        file.display(),
                        saved.err().map(|e| format!(", not written: {e}")).unwrap_or_default(),
                    );
                }
                Err(err) => panic!("fuzz target {name} stopped (TOLLGATE_FUZZ_SEED={seed}): {err}"),
            }
            batch += 1;
        }
        start.elapsed()
    });
    eprintln!(
        "fuzz {name}: {} cases ({} accepted, the rest rejected with an error) in {:.1}s, no failure (seed {seed})",
        cases.load(Ordering::Relaxed),
        accepted.load(Ordering::Relaxed),
        took.as_secs_f64()
    );
}

/// What became of one input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accepted,
    Rejected,
}

/// A rejection must say what is wrong, and its diagnostic must render as the CLI renders it.
pub(crate) fn rejected(err: &Error) -> Result<Verdict, TestCaseError> {
    check_rejection(err)?;
    Ok(Verdict::Rejected)
}

pub(crate) fn check_rejection(err: &Error) -> Result<(), TestCaseError> {
    let message = err.to_string();
    prop_assert!(
        !message.trim().is_empty(),
        "an error with no message: {err:?}"
    );
    let mut rendered = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut rendered, err)
        .map_err(|e| TestCaseError::fail(format!("the diagnostic does not render: {e}")))?;
    prop_assert!(
        !rendered.trim().is_empty(),
        "the diagnostic renders empty: {err:?}"
    );
    Ok(())
}
