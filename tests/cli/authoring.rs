//! Policy authoring commands: `tollgate test`, `tollgate rules`, `tollgate init`.

use predicates::prelude::*;
use predicates::str::contains;

use crate::{texts, tollgate, FIX};

fn dir(name: &str) -> String {
    format!("{FIX}/policy-tests/{name}")
}

/// `tollgate test ARGS...` without the repository's tollgate.toml.
fn test_cmd(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = tollgate();
    cmd.args(["test", "-c", "tests/fixtures/cli.toml"])
        .args(args);
    cmd
}

#[test]
fn passing_tests_exit_0_with_the_tally() {
    test_cmd(&[&dir("passing")])
        .assert()
        .code(0)
        .stdout(contains("FAIL").not())
        .stdout(predicates::str::ends_with("2 passed, 0 failed\n"));
}

#[test]
fn verbose_lists_passing_tests() {
    test_cmd(&["-v", &dir("passing")])
        .assert()
        .code(0)
        .stdout(contains(
            "ok   tests/fixtures/policy-tests/passing/deny-prod_test.rhai:3: T-001 test_critical_on_prod",
        ));
}

#[test]
fn failing_tests_exit_1_with_file_line_and_reason() {
    let out = test_cmd(&[&dir("failing")]).assert().code(1);
    let (stdout, _) = texts(out.get_output());
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "FAIL tests/fixtures/policy-tests/failing/deny-prod_test.rhai:8: T-001 test_wrong_count: assert_eq: left is 1, right is 2",
            // The policy failed, so the line is the policy's.
            "FAIL tests/fixtures/policy-tests/failing/deny-prod.rhai:15: T-001 test_policy_error: error in the policy: Unknown property 'high' - a getter is not registered for type '()'",
            "1 passed, 2 failed",
        ],
        "{stdout}"
    );
}

#[test]
fn a_test_file_that_does_not_compile_exits_2() {
    test_cmd(&[&dir("broken")])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("tollgate::test::invalid"))
        .stderr(contains(
            "policy test file tests/fixtures/policy-tests/broken/deny-prod_test.rhai is not valid",
        ))
        .stderr(contains("deny-prod_test.rhai:2:9"));
}

#[test]
fn a_test_helper_named_like_a_builtin_is_refused() {
    // Merged with the policy, `fn param` in the test file would replace the built-in the
    // policy calls, so the tests would no longer test what the gate runs.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        "policies/patch/high-backlog.rhai",
        tmp.path().join("high-backlog.rhai"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("high-backlog_test.rhai"),
        "fn param(name, fallback) { 0 }\nfn test_x() { assert_pass(check(patch_node(#{}))); }\n",
    )
    .unwrap();
    test_cmd(&[&tmp.path().display().to_string()])
        .assert()
        .code(2)
        .stderr(contains("it defines `param`, which replaces the built-in"));
}

#[test]
fn a_test_file_without_its_policy_exits_2() {
    test_cmd(&[&dir("orphan")])
        .assert()
        .code(2)
        .stderr(contains("tollgate::test::orphan"))
        .stderr(contains(
            "looked for tests/fixtures/policy-tests/orphan/gone.rhai",
        ));
}

#[test]
fn run_selects_tests_by_rule_and_name() {
    test_cmd(&["--run", "T-001/test_pass", &dir("failing")])
        .assert()
        .code(0)
        .stdout(predicates::str::ends_with("1 passed, 0 failed\n"));
    test_cmd(&["--run", "no_such_test", &dir("failing")])
        .assert()
        .code(2)
        .stderr(contains("no policy tests found"))
        .stderr(contains("matching --run no_such_test"));
    test_cmd(&["--run", "(", &dir("failing")])
        .assert()
        .code(2)
        .stderr(contains("--run is not a regular expression"));
}

#[test]
fn no_tests_at_all_is_an_error_not_a_pass() {
    test_cmd(&[&format!("{FIX}/policies/prod")])
        .assert()
        .code(2)
        .stderr(contains("no policy tests found"));
}

#[test]
fn junit_output_for_ci() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out/policy-tests.xml");
    let spec = format!("junit={}", path.display());
    test_cmd(&["-o", &spec, &dir("failing")])
        .assert()
        .code(1)
        // The tally still reaches the log.
        .stdout(contains("1 passed, 2 failed"));
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(
        xml.contains(r#"<testsuite id="0" name="T-001: Test rule""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"tests="3""#) && xml.contains(r#"failures="2""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="test_wrong_count""#)
            && xml.contains(r#"message="assert_eq: left is 1, right is 2""#),
        "{xml}"
    );
    assert!(xml.contains("deny-prod_test.rhai:8: assert_eq"), "{xml}");
}

#[test]
fn shipped_policies_all_have_passing_tests() {
    // The same command CI runs; no policy may ship untested.
    tollgate()
        .args(["test", "policies/"])
        .assert()
        .code(0)
        .stdout(contains("no tests for").not())
        .stdout(contains(" passed, 0 failed"));
}

#[test]
fn rules_lists_every_rule() {
    let out = tollgate().args(["rules", "policies/"]).assert().code(0);
    let (stdout, _) = texts(out.get_output());
    let header = stdout.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("SEVERITY") && header.ends_with("FILE"),
        "{stdout}"
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("PATCH-005"))
        .expect("PATCH-005 is listed");
    for cell in [
        "medium",
        "advisory",
        "patch_node",
        "policies/patch/pending-reboot.rhai:",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
}

#[test]
fn rules_as_json() {
    let out = tollgate()
        .args(["rules", "--format", "json", "policies/"])
        .assert()
        .code(0);
    let (stdout, _) = texts(out.get_output());
    let rules: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"PATCH-001") && ids.contains(&"EVID-001"),
        "{ids:?}"
    );
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "rules come sorted by id");
    let first = &rules[0];
    for key in [
        "severity",
        "enforcement",
        "applies_to",
        "title",
        "file",
        "line",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
}

#[test]
fn a_policy_typo_fails_test_and_rules_at_load_though_no_test_reaches_it() {
    // Its one test passes when it runs: it builds no production node.
    for mut cmd in [test_cmd(&[&dir("lint")]), {
        let mut rules = tollgate();
        rules.args(["rules", "-c", "tests/fixtures/cli.toml", &dir("lint")]);
        rules
    }] {
        cmd.assert()
            .code(2)
            .stdout("")
            .stderr(contains("tollgate::policy::unknown_field"))
            .stderr(contains(
                "a patch_node resource has no field `misisng` (did you mean `missing`?)",
            ))
            .stderr(contains("lint/prod-typo.rhai:6:37"))
            .stderr(contains("help: the fields are: kind, provider"));
    }
}

#[test]
fn rules_takes_the_params_check_takes() {
    let group = format!("{FIX}/policy-tests/pinned-params/group.rhai");
    tollgate()
        .args(["rules", "-c", "tests/fixtures/cli.toml", &group])
        .assert()
        .code(2)
        .stderr(contains("param `audited_group` is not set"));
    tollgate()
        .args([
            "rules",
            "-c",
            "tests/fixtures/cli.toml",
            "--param",
            "audited_group=pci",
            &group,
        ])
        .assert()
        .code(0)
        .stdout(contains("PARAM-001"));
}

#[test]
fn test_judges_params_by_the_params_a_test_file_pins() {
    // `param("audited_group")` has no default and tests/fixtures/cli.toml does not set it;
    // the test file pins it, so the policy loads for its tests (and not for `check`, see
    // bad_input.rs).
    test_cmd(&[&dir("pinned-params")])
        .assert()
        .code(0)
        .stdout(predicates::str::ends_with("2 passed, 0 failed\n"));
}

#[test]
fn rules_verbose_lists_the_reads_left_to_run_time() {
    let path = format!("{FIX}/policies/lint/deferred.rhai");
    let plain = tollgate()
        .env_remove("TOLLGATE_ENGINE")
        .args(["rules", "-c", "tests/fixtures/cli.toml", &path])
        .assert()
        .code(0)
        .stderr("");
    let (table, _) = texts(plain.get_output());
    let verbose = tollgate()
        .env_remove("TOLLGATE_ENGINE")
        .args(["rules", "-v", "-c", "tests/fixtures/cli.toml", &path])
        .assert()
        .code(0);
    let (stdout, stderr) = texts(verbose.get_output());
    assert_eq!(stdout, table, "-v leaves the listing as it is");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            "LINT-002 tests/fixtures/policies/lint/deferred.rhai: 4 reads checked when loaded, 3 left to run time:",
            "  tests/fixtures/policies/lint/deferred.rhai:5:36: r.missing: not a field of config_rule, where reading it is an error when it runs: a guard (on `kind`, say) must keep those resources away",
            "  tests/fixtures/policies/lint/deferred.rhai:5:55: r.missing: not a field of config_rule, where reading it is an error when it runs: a guard (on `kind`, say) must keep those resources away",
            "  tests/fixtures/policies/lint/deferred.rhai:6:41: r.raw.OsName: `raw` is a plain map, whose keys are the report's: a key it lacks reads as ()",
            "LINT-002 tests/fixtures/policies/lint/deferred.rhai: runs in the interpreter: `.raw` at 6:37",
        ],
        "{stderr}"
    );
    // The shipped policies leave nothing to run time.
    let shipped = tollgate()
        .env_remove("TOLLGATE_ENGINE")
        .args(["rules", "-v", "-c", "tests/fixtures/cli.toml", "policies"])
        .assert()
        .code(0);
    let (stdout, stderr) = texts(shipped.get_output());
    // ... and every one of them runs compiled.
    assert_eq!(stdout.matches("  compiled  ").count(), 12, "{stdout}");
    assert!(
        stderr.contains("PATCH-001 policies/patch/prod-no-critical.rhai: 15 reads checked when loaded, none left to run time"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 12, "one line per rule: {stderr}");

    // Asked to interpret, every rule says so, and why.
    let asked = tollgate()
        .env("TOLLGATE_ENGINE", "interpreted")
        .args(["rules", "-v", "-c", "tests/fixtures/cli.toml", "policies"])
        .assert()
        .code(0);
    let (stdout, stderr) = texts(asked.get_output());
    assert_eq!(stdout.matches("  interpreted  ").count(), 12, "{stdout}");
    assert!(
        stderr.contains("PATCH-001 policies/patch/prod-no-critical.rhai: runs in the interpreter: TOLLGATE_ENGINE=interpreted"),
        "{stderr}"
    );
}

#[test]
fn rules_on_a_broken_policy_exits_2() {
    tollgate()
        .args(["rules", &format!("{FIX}/policies/broken")])
        .assert()
        .code(2)
        .stderr(contains("could not be loaded"));
}

#[test]
fn init_then_test_then_check() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    tollgate()
        .current_dir(tmp.path())
        .arg("init")
        .assert()
        .code(0)
        .stdout(contains("created ./tollgate.toml"))
        .stdout(contains("next: tollgate test"));
    for file in [
        "tollgate.toml",
        "policies/starter.rhai",
        "policies/starter_test.rhai",
    ] {
        assert!(tmp.path().join(file).is_file(), "{file}");
    }
    tollgate()
        .current_dir(tmp.path())
        .arg("test")
        .assert()
        .code(0)
        .stdout(predicates::str::ends_with("3 passed, 0 failed\n"));
    // The starter rule gates the shipped examples (critical patches missing on prod)...
    tollgate()
        .current_dir(tmp.path())
        .args(["check", "--now", "2026-11-23T12:00:00Z", "-r"])
        .arg(root.join("examples/reports/huawei-coc-patch-compliance.json"))
        .assert()
        .code(1)
        .stdout(contains("STARTER-001"));
    // ...and passes a clean report.
    tollgate()
        .current_dir(tmp.path())
        .args(["check", "-r"])
        .arg(root.join("tests/fixtures/reports/cli/clean.json"))
        .assert()
        .code(0)
        .stdout(contains("PASSED"));
}

#[test]
fn init_never_overwrites_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("tollgate.toml"), "# mine\n").unwrap();
    tollgate()
        .current_dir(tmp.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(contains("would overwrite ./tollgate.toml"))
        .stderr(contains("--force"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("tollgate.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!tmp.path().join("policies").exists());
    tollgate()
        .current_dir(tmp.path())
        .args(["init", "--force"])
        .assert()
        .code(0);
    assert!(std::fs::read_to_string(tmp.path().join("tollgate.toml"))
        .unwrap()
        .contains("fail_on = \"high\""));
}
