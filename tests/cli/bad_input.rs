//! Every class of bad input ends in exit 2 with a message that says what and where:
//! never a panic, never a pass.

use predicates::prelude::*;
use predicates::str::contains;

use crate::{check, policy, report, tollgate};

fn no_panic() -> impl Predicate<str> {
    contains("panicked").not()
}

/// `tollgate check` of one report fixture with the prod policies, as a snapshot: the exit
/// code, and the whole diagnostic (what is wrong, and where, with the code frame).
fn diagnostic(fixture: &str) -> String {
    crate::snapshots::run(&[
        "check",
        "-c",
        "tests/fixtures/cli.toml",
        "--now",
        "2026-11-23T12:00:00Z",
        "--color",
        "never",
        "-r",
        &report(fixture),
        "-p",
        "policies",
    ])
}

#[test]
fn malformed_json_names_file_line_and_column() {
    insta::assert_snapshot!(diagnostic("malformed.json"));
}

#[test]
fn unknown_document_lists_the_known_kinds() {
    insta::assert_snapshot!(diagnostic("unknown.json"));
}

#[test]
fn wrong_field_types_point_at_the_value() {
    insta::assert_snapshot!(diagnostic("wrong-type.json"));
}

#[test]
fn non_numeric_string_counts_name_field_and_instance() {
    check(&["-r", &report("oos-bad-number.json"), "-p", &policy("prod")])
        .assert()
        .code(2)
        .stderr(contains(
            "FailedCount of instance i-bp1badnumber0000001 is \"one\"",
        ))
        .stderr(contains("oos-bad-number.json:9:"));
}

#[test]
fn empty_report_fails_unless_allowed() {
    check(&["-r", &report("empty.json"), "-p", &policy("prod")])
        .assert()
        .code(2)
        .stderr(contains("holds no resources"))
        .stderr(contains("--allow-empty"));
    check(&[
        "-r",
        &report("empty.json"),
        "-p",
        &policy("prod"),
        "--allow-empty",
    ])
    .assert()
    .code(0)
    .stdout(contains("PASSED: no blocking findings in 0 resources"));
}

#[test]
fn missing_report_file() {
    check(&["-r", &report("nope.json"), "-p", &policy("prod")])
        .assert()
        .code(2)
        .stderr(contains(
            "cannot read report tests/fixtures/reports/cli/nope.json",
        ));
}

#[test]
fn policy_syntax_error_points_into_the_policy() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("broken/syntax.rhai"),
    ])
    .assert()
    .code(2)
    .stderr(contains(
        "policy tests/fixtures/policies/broken/syntax.rhai does not compile",
    ))
    .stderr(contains("syntax.rhai:6:"))
    .stderr(no_panic());
}

#[test]
fn policy_runtime_error_names_rule_resource_and_line() {
    check(&["-r", &report("prod-critical.json"), "-p", &policy("broken/runtime.rhai")])
        .assert()
        .code(2)
        .stderr(contains("rule BROKEN-RUNTIME failed on patch_node 11111111-0000-4000-8000-000000000001 (ecs-prod-web-01)"))
        .stderr(contains("Division by zero"))
        .stderr(contains("runtime.rhai:5:"))
        .stderr(contains("policy evaluation(s) failed"));
}

#[test]
fn policy_runtime_error_still_writes_results_with_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("broken/runtime.rhai"),
    ])
    .args(["-o", &format!("json={}", path.display())])
    .assert()
    .code(2);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(json["verdict"], "error");
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["summary"]["errors"], 3);
    assert_eq!(json["errors"][0]["rule"], "BROKEN-RUNTIME");
}

#[test]
fn endless_loop_stops_at_the_operation_limit() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("broken/loop.rhai"),
    ])
    .assert()
    .code(2)
    .stderr(contains("rule BROKEN-LOOP exceeded its operation limit"))
    .stderr(contains("`operations` under [limits]"));
}

#[test]
fn deep_recursion_stops_at_the_call_depth_limit() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("broken/recursion.rhai"),
    ])
    .assert()
    .code(2)
    .stderr(contains(
        "rule BROKEN-RECURSION exceeded its call depth limit",
    ))
    .stderr(no_panic());
}

#[test]
fn huge_string_stops_at_the_size_limit() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("broken/huge-string.rhai"),
    ])
    .assert()
    .code(2)
    .stderr(contains("rule BROKEN-STRING exceeded its data size limit"))
    .stderr(contains("string_len"));
}

#[test]
fn limits_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("t.toml");
    std::fs::write(
        &config,
        "[params]\nprod_groups = [\"prod\"]\n[limits]\noperations = 3\n",
    )
    .unwrap();
    tollgate()
        .args([
            "check",
            "-c",
            config.to_str().unwrap(),
            "-r",
            &report("prod-critical.json"),
            "-p",
            &policy("prod"),
        ])
        .assert()
        .code(2)
        .stderr(contains("rule PATCH-001 exceeded its operation limit"));
}

#[test]
fn bad_severity_in_rule_is_a_load_error() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("broken/bad-severity.rhai"),
    ])
    .assert()
    .code(2)
    .stderr(contains("\"urgent\" is not a severity"))
    .stderr(contains("bad-severity.rhai:4:"));
}

#[test]
fn duplicate_rule_ids_are_rejected() {
    check(&["-r", &report("clean.json"), "-p", &policy("dup")])
        .assert()
        .code(2)
        .stderr(contains("rule id DUP-001 is used by two policies"))
        .stderr(contains("dup/a.rhai"))
        .stderr(contains("dup/b.rhai"));
}

#[test]
fn every_broken_policy_is_reported_at_once() {
    check(&["-r", &report("clean.json"), "-p", &policy("broken")])
        .assert()
        .code(2)
        .stderr(contains("3 of 7 policies could not be loaded"))
        .stderr(contains("syntax.rhai"))
        .stderr(contains("bad-severity.rhai"))
        .stderr(contains("field-typo.rhai"));
}

#[test]
fn field_typo_lists_the_fields_that_exist() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("broken/field-typo.rhai"),
    ])
    .assert()
    .code(2)
    .stderr(contains("tollgate::policy::unknown_field"))
    .stderr(contains(
        "a patch_node resource has no field `misssing` (did you mean `missing`?)",
    ))
    // The source line with the typo, the name underlined, and the fields in the help line.
    .stderr(contains("if node.misssing.critical > 0"))
    .stderr(contains("field-typo.rhai:4:13"))
    .stderr(contains("help: the fields are: kind, provider, source, id"));
}

/// Issue 18: a typo in a branch that only production nodes reach. Before the static
/// checks, it passed every report without production nodes, and failed only once one came.
#[test]
fn a_field_typo_no_report_has_reached_yet_is_exit_2_at_load() {
    // The report has no production node: the branch with the typo would not run on it (the
    // shipped rule, which reads the same fields correctly, passes it)...
    check(&[
        "-r",
        &report("no-prod.json"),
        "-p",
        "policies/patch/prod-no-critical.rhai",
    ])
    .assert()
    .code(0);
    // ...and the typo is found at load all the same: where it is, with the fields.
    insta::assert_snapshot!(crate::snapshots::run(&[
        "check",
        "-c",
        "tests/fixtures/cli.toml",
        "--color",
        "never",
        "-r",
        &report("no-prod.json"),
        "-p",
        &policy("lint/prod-typo.rhai"),
    ]));
}

#[test]
fn a_param_without_a_default_that_is_not_set_is_exit_2_at_load() {
    let group = "tests/fixtures/policy-tests/pinned-params/group.rhai";
    check(&["-r", &report("no-prod.json"), "-p", group])
        .assert()
        .code(2)
        .stderr(contains("tollgate::policy::param"))
        .stderr(contains("param `audited_group` is not set"))
        .stderr(contains("group.rhai:6:28"))
        .stderr(contains("pass --param audited_group=VALUE"));
    check(&[
        "-r",
        &report("no-prod.json"),
        "-p",
        group,
        "--param",
        "audited_group=dev",
    ])
    .assert()
    .code(1)
    .stdout(contains("PARAM-001"));
}

#[test]
fn no_policies_found() {
    let dir = tempfile::tempdir().unwrap();
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        dir.path().to_str().unwrap(),
    ])
    .assert()
    .code(2)
    .stderr(contains("no policy found"));
}

#[test]
fn unknown_config_key_names_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(&config, "fail_on = \"high\"\nfail_onn = \"low\"\n").unwrap();
    tollgate()
        .args([
            "check",
            "-c",
            config.to_str().unwrap(),
            "-r",
            &report("clean.json"),
        ])
        .assert()
        .code(2)
        .stderr(contains("unknown field `fail_onn`"))
        .stderr(contains("tollgate.toml:2:1"));
}

#[test]
fn usage_errors_exit_two() {
    tollgate()
        .args(["check", "--no-such-flag"])
        .assert()
        .code(2);
    tollgate().args(["frobnicate"]).assert().code(2);
    check(&["-r", &report("clean.json"), "-o", "json", "-o", "human"])
        .assert()
        .code(2)
        .stderr(contains("more than one output goes to standard output"));
    check(&["-r", &report("clean.json"), "-o", "xml"])
        .assert()
        .code(2)
        .stderr(contains("unknown output format \"xml\""));
}

#[test]
fn no_report_given() {
    let dir = tempfile::tempdir().unwrap();
    tollgate()
        .current_dir(dir.path())
        .args(["check"])
        .assert()
        .code(2)
        .stderr(contains("no report to check"));
}
