//! Where a policy param comes from: `--param` over `TOLLGATE_PARAM_<NAME>` over `[params]`
//! in tollgate.toml, for `check`, `test` and `rules` alike, the variable's value read as
//! `--param` reads one.

use predicates::prelude::*;
use predicates::str::contains;

use crate::{report, texts, tollgate};

/// A directory with tollgate.toml (`[params] who = "file"` unless `file` is `None`) and a
/// policy that denies every node with `who is <param who>`, whose test fails with the same.
/// Its default is `()`, so a value of any type is taken (a typed default would refuse the
/// values of other types, see the last test).
fn project(file: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let params = file.map_or(String::new(), |v| format!("[params]\nwho = \"{v}\"\n"));
    std::fs::write(dir.path().join("tollgate.toml"), params).unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/echo.rhai"),
        "const RULE = #{ id: \"ECHO-001\", severity: \"high\", applies_to: [\"patch_node\"] };\n\
         fn check(node) { deny(`who is ${param(\"who\", ()) ?? \"nobody\"}`) }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/echo_test.rhai"),
        "fn test_who() { throw `who is ${param(\"who\", ()) ?? \"nobody\"}`; }\n",
    )
    .unwrap();
    dir
}

/// `tollgate ARGS` in `dir`, with `TOLLGATE_PARAM_WHO=env` when `env` is set.
fn run(dir: &tempfile::TempDir, env: Option<&str>, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = tollgate();
    cmd.current_dir(dir.path()).args(args);
    if let Some(value) = env {
        cmd.env("TOLLGATE_PARAM_WHO", value);
    }
    cmd
}

fn check_args() -> Vec<String> {
    let report = std::env::current_dir()
        .unwrap()
        .join(report("prod-critical.json"));
    [
        "check",
        "--color",
        "never",
        "-r",
        &report.display().to_string(),
    ]
    .map(String::from)
    .to_vec()
}

/// What `check` and `test` say `who` is, given the file's value, the variable and the flag.
fn who(file: Option<&str>, env: Option<&str>, flag: Option<&str>) -> (String, String) {
    let dir = project(file);
    let flag = flag.map(|v| format!("who={v}"));
    let with_flag = |mut args: Vec<String>| {
        if let Some(f) = &flag {
            args.extend(["--param".to_string(), f.clone()]);
        }
        args
    };
    let checked = with_flag(check_args());
    let checked: Vec<&str> = checked.iter().map(String::as_str).collect();
    let out = run(&dir, env, &checked).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    let (check_out, _) = texts(&out);

    let tested = with_flag(vec!["test".into(), "--color".into(), "never".into()]);
    let tested: Vec<&str> = tested.iter().map(String::as_str).collect();
    let out = run(&dir, env, &tested).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    let (test_out, _) = texts(&out);
    (check_out, test_out)
}

fn assert_who(file: Option<&str>, env: Option<&str>, flag: Option<&str>, want: &str) {
    let (check_out, test_out) = who(file, env, flag);
    let said = format!("who is {want}\n");
    assert!(
        check_out.contains(&said),
        "check: file {file:?}, env {env:?}, flag {flag:?}: want {want}\n{check_out}"
    );
    assert!(
        test_out.contains(&said),
        "test: file {file:?}, env {env:?}, flag {flag:?}: want {want}\n{test_out}"
    );
}

#[test]
fn the_environment_overrides_the_file() {
    assert_who(Some("file"), None, None, "file");
    assert_who(Some("file"), Some("env"), None, "env");
    assert_who(None, Some("env"), None, "env");
}

#[test]
fn the_flag_overrides_the_environment_and_the_file() {
    assert_who(Some("file"), Some("env"), Some("flag"), "flag");
    assert_who(Some("file"), None, Some("flag"), "flag");
    assert_who(None, Some("env"), Some("flag"), "flag");
}

#[test]
fn an_empty_variable_sets_nothing() {
    assert_who(Some("file"), Some(""), None, "file");
    assert_who(None, Some(""), None, "nobody");
}

#[test]
fn the_variable_is_read_as_the_flag_is() {
    // TOML when it parses, else a string: the same findings either way.
    for value in ["5", "true", "[1, \"x\"]", "plain words", "1979-05-27", "{"] {
        let (from_env, env_tests) = who(None, Some(value), None);
        let (from_flag, flag_tests) = who(None, None, Some(value));
        assert_eq!(from_env, from_flag, "{value}");
        assert_eq!(env_tests, flag_tests, "{value}");
    }
    let (out, _) = who(None, Some("[1, \"x\"]"), None);
    assert!(out.contains("who is [1, \"x\"]\n"), "{out}");
}

#[test]
fn the_name_is_the_variable_suffix_in_lower_case() {
    let dir = project(None);
    let args = check_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = run(&dir, None, &args);
    cmd.env("TOLLGATE_PARAM_WHO", "upper")
        .assert()
        .code(1)
        .stdout(contains("who is upper\n"));
    // Another param entirely: `max_high_missing` is the shipped PATCH-002's threshold.
    let mut cmd = run(&dir, None, &args);
    cmd.env("TOLLGATE_PARAM_MAX_HIGH_MISSING", "3")
        .assert()
        .code(1)
        .stderr(contains(
            "param `max_high_missing` is set, but no loaded policy reads it",
        ));
}

#[test]
fn rules_loads_with_a_param_the_environment_sets() {
    // `param("audited_group")` has no default: without a value the policy does not load.
    let group = "tests/fixtures/policy-tests/pinned-params/group.rhai";
    let cfg = "tests/fixtures/cli.toml";
    tollgate()
        .args(["rules", "-c", cfg, group])
        .assert()
        .code(2)
        .stderr(contains("param `audited_group` is not set"));
    tollgate()
        .args(["rules", "-c", cfg, group])
        .env("TOLLGATE_PARAM_AUDITED_GROUP", "pci")
        .assert()
        .code(0)
        .stdout(contains("PARAM-001"));
}

#[test]
fn a_bad_name_is_the_error_a_bad_flag_is() {
    // `--param` never rejects a value (one that is not TOML is a string), so what can be
    // wrong is the name: the same diagnostic, naming the variable.
    let dir = project(Some("file"));
    let args = check_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let flag = run(&dir, None, &[&args[..], &["--param", "a-b=1"]].concat())
        .output()
        .unwrap();
    assert_eq!(flag.status.code(), Some(2));
    assert!(texts(&flag).1.contains("tollgate::config::value"));
    for var in [
        "TOLLGATE_PARAM_A-B",
        "TOLLGATE_PARAM_",
        "TOLLGATE_PARAM_GRÜN",
    ] {
        for command in [&args[..], &["test"], &["rules"]] {
            let mut cmd = run(&dir, None, command);
            cmd.env(var, "1")
                .assert()
                .code(2)
                .stderr(contains("tollgate::config::value"))
                .stderr(contains(format!("environment variable {var}")))
                .stderr(contains("letters, digits and `_`"))
                .stdout(predicate::str::is_empty());
        }
    }
}

#[cfg(unix)]
#[test]
fn two_variables_for_one_param_are_an_error() {
    let dir = project(None);
    let args = check_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&dir, Some("upper"), &args)
        .env("TOLLGATE_PARAM_who", "lower")
        .assert()
        .code(2)
        .stderr(contains(
            "TOLLGATE_PARAM_WHO and TOLLGATE_PARAM_who both set param `who`",
        ));
}

#[cfg(unix)]
#[test]
fn a_value_that_is_not_utf8_is_an_error() {
    use std::os::unix::ffi::OsStrExt;
    let dir = project(None);
    let args = check_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&dir, None, &args)
        .env(
            "TOLLGATE_PARAM_WHO",
            std::ffi::OsStr::from_bytes(b"caf\xe9"),
        )
        .assert()
        .code(2)
        .stderr(contains(
            "environment variable TOLLGATE_PARAM_WHO is not UTF-8",
        ));
}

/// A param of another type than its default would turn the rule off without a word
/// (`high > "abc"` is false in Rhai): PATCH-002 with `max_high_missing=abc` passed the
/// gate. It is an error at load, from the flag, the variable or the file alike.
#[test]
fn a_param_of_another_type_than_its_default_is_exit_2() {
    let check = |args: &[&str], env: Option<&str>| {
        let mut cmd = tollgate();
        cmd.args(["check", "--now", "2026-11-23T12:00:00Z"])
            .args(args);
        if let Some(v) = env {
            cmd.env("TOLLGATE_PARAM_MAX_HIGH_MISSING", v);
        }
        cmd.assert()
    };
    for (args, env) in [
        (&["--param", "max_high_missing=abc"][..], None),
        (&[][..], Some("abc")),
        (&["--param", "max_high_missing=[1]"][..], None),
    ] {
        check(args, env)
            .code(2)
            .stderr(contains("tollgate::policy::param"))
            .stderr(contains("param `max_high_missing` is"))
            .stderr(contains("but its default here is a number"))
            .stderr(contains("policies/patch/high-backlog.rhai:15:23"));
    }
    // A number of the other kind is fine: integers and floats compare with each other.
    check(&["--param", "max_high_missing=7.5"], None).code(1);
    check(&["--param", "max_high_missing=7"], None).code(1);
}
