//! Whole outputs of the main scenarios, as insta snapshots: standard output, standard error
//! and the exit code of each. They pin every byte a user sees, so a change that is meant to
//! change nothing (a refactoring) is proved to change nothing; a change that is meant to
//! change an output shows the difference for review (`cargo insta review`).
//!
//! The working directory is redacted to `[CWD]` (SARIF names it), the tool's version
//! (with the commit it was built from, where `--version` prints it) to `[VERSION]`, and
//! the decision record's digest of the executable to `[SHA256]`.

use crate::tollgate;

const NOW: &str = "2026-11-23T12:00:00Z";

/// Standard output, standard error and the exit code of `tollgate ARGS`, redacted.
pub(crate) fn run(args: &[&str]) -> String {
    run_in(tollgate(), args)
}

/// As [`run`], in the default engine whatever the suite runs under: for listings that
/// name the engine (`tollgate rules`).
fn run_default_engine(args: &[&str]) -> String {
    let mut cmd = tollgate();
    cmd.env_remove("TOLLGATE_ENGINE");
    run_in(cmd, args)
}

fn run_in(mut cmd: assert_cmd::Command, args: &[&str]) -> String {
    // clap wraps help to the terminal; none here, and COLUMNS pinned in case it is read.
    let out = cmd.env("COLUMNS", "100").args(args).output().unwrap();
    let cwd = std::env::current_dir().unwrap();
    // The decision record's digest of the executable changes with every build.
    let executable = regex::Regex::new(r#""executable_sha256": "[0-9a-f]{64}""#).unwrap();
    let redact = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        executable
            .replace_all(&text, r#""executable_sha256": "[SHA256]""#)
            .replace(&cwd.display().to_string(), "[CWD]")
            // `--version` adds the commit (build.rs), which changes with every commit.
            .replace(env!("TOLLGATE_BUILD_VERSION"), "[VERSION]")
            .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
    };
    format!(
        "exit: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code().map_or("signal".into(), |c| c.to_string()),
        redact(&out.stdout),
        redact(&out.stderr)
    )
}

#[test]
fn the_example_gate_in_every_format() {
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        insta::assert_snapshot!(
            format!("example_gate_{format}"),
            run(&["check", "--now", NOW, "--color", "never", "-o", format])
        );
    }
}

#[test]
fn a_passing_gate() {
    insta::assert_snapshot!(run(&[
        "check",
        "-c",
        "tests/fixtures/cli.toml",
        "--now",
        NOW,
        "--color",
        "never",
        "-r",
        "tests/fixtures/reports/cli/clean.json",
        "-p",
        "policies/patch",
    ]));
}

#[test]
fn bad_input_diagnostics() {
    for (name, args) in [
        (
            "broken_policies",
            vec![
                "-r",
                "tests/fixtures/reports/cli/prod-critical.json",
                "-p",
                "tests/fixtures/policies/broken",
            ],
        ),
        (
            "missing_report",
            vec![
                "-r",
                "tests/fixtures/reports/cli/no-such.json",
                "-p",
                "policies",
            ],
        ),
    ] {
        let mut all = vec![
            "check",
            "-c",
            "tests/fixtures/cli.toml",
            "--now",
            NOW,
            "--color",
            "never",
        ];
        all.extend(args);
        insta::assert_snapshot!(format!("bad_input_{name}"), run(&all));
    }
}

#[test]
fn policy_tests_and_rules() {
    insta::assert_snapshot!(
        "test_policies",
        run(&["test", "policies/", "--now", NOW, "--color", "never"])
    );
    insta::assert_snapshot!("rules_table", run_default_engine(&["rules", "policies/"]));
    insta::assert_snapshot!(
        "rules_json",
        run_default_engine(&["rules", "-o", "json", "policies/"])
    );
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", run(&["--help"]));
    insta::assert_snapshot!("version", run(&["--version"]));
    for command in ["check", "test", "rules", "init", "fetch"] {
        insta::assert_snapshot!(format!("help_{command}"), run(&[command, "--help"]));
    }
}
