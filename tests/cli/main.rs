//! CLI integration tests: the `tollgate` binary run as a user runs it. Every test asserts
//! the exit code as well as the output.

mod action;
mod attest;
mod authoring;
mod bad_input;
mod check;
mod controls;
mod csv_out;
mod docs;
mod examples;
mod formats;
mod fuzz_regressions;
mod incidents;
#[cfg(unix)]
mod interrupt;
mod layers;
mod ledger;
mod live;
mod man;
mod ocsf;
mod params;
mod reliability;
mod sarif;
mod scans;
mod snapshots;
mod trust;
mod verify;
mod versions;
mod waivers;

use assert_cmd::Command;

/// Test support (a fake vendor server), shared with the library's unit tests.
#[path = "../support/mod.rs"]
mod support;

/// Fixture directory, relative to the package root (the tests' working directory).
pub const FIX: &str = "tests/fixtures";

/// `tollgate check -c tests/fixtures/cli.toml ARGS...`, isolated from the repository's own
/// tollgate.toml and from the caller's TOLLGATE_* environment.
pub fn check(args: &[&str]) -> Command {
    let mut cmd = tollgate();
    cmd.args(["check", "-c", "tests/fixtures/cli.toml"])
        .args(args);
    cmd
}

/// Variables that would change what a test run does: cleared for every test.
pub const ENV_CLEARED: &[&str] = &[
    "TOLLGATE_CONFIG",
    "TOLLGATE_REPORT",
    "TOLLGATE_REPORT_KIND",
    "TOLLGATE_POLICY",
    "TOLLGATE_OUTPUT",
    "TOLLGATE_FAIL_ON",
    "TOLLGATE_ALLOW_EMPTY",
    "TOLLGATE_NO_FAIL",
    "TOLLGATE_JOBS",
    "TOLLGATE_NOW",
    "TOLLGATE_WAIVERS",
    "TOLLGATE_BASELINE",
    "TOLLGATE_STRICT",
    "TOLLGATE_SARIF_CATEGORY",
    "TOLLGATE_SOURCE",
    "TOLLGATE_INCIDENTS",
    "TOLLGATE_STATE",
    "TOLLGATE_INIT_STATE",
    "PGPASSWORD",
    "TOLLGATE_COC_INTEGRATION_KEY",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "CI_JOB_URL",
    "BUILD_URL",
    "TOLLGATE_COLOR",
    "NO_COLOR",
];

/// The binary as a plain process, for tests that start several at once or talk to its
/// pipes: the same clean environment as [`tollgate`].
pub fn tollgate_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"));
    for var in ENV_CLEARED {
        cmd.env_remove(var);
    }
    for (var, _) in std::env::vars_os() {
        if var
            .to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("TOLLGATE_PARAM_")
        {
            cmd.env_remove(var);
        }
    }
    cmd
}

/// The binary with a clean environment for the variables it reads.
pub fn tollgate() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("tollgate");
    for var in ENV_CLEARED {
        cmd.env_remove(var);
    }
    // TOLLGATE_PARAM_<NAME> sets params: any name at all, so they are found by prefix (in
    // any case, as Windows reads it).
    for (var, _) in std::env::vars_os() {
        if var
            .to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("TOLLGATE_PARAM_")
        {
            cmd.env_remove(var);
        }
    }
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd
}

/// A report fixture path.
pub fn report(name: &str) -> String {
    format!("{FIX}/reports/cli/{name}")
}

/// A policy fixture path.
pub fn policy(name: &str) -> String {
    format!("{FIX}/policies/{name}")
}

/// Standard error and output of a finished command, as text.
/// `path` (relative to the package root) as an absolute path, for a configuration file
/// written elsewhere.
pub fn repo(path: &str) -> String {
    std::env::current_dir()
        .unwrap()
        .join(path)
        .display()
        .to_string()
}

pub fn texts(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
