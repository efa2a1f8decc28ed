//! Inputs the fuzz targets (tests/fuzz/) found crashing tollgate, run through the binary:
//! each must end in exit 2 with a message, never a panic or an abort.

use predicates::prelude::*;
use predicates::str::contains;

use crate::{check, policy, tollgate};

fn no_panic() -> impl Predicate<str> {
    contains("panicked")
        .not()
        .and(contains("has overflowed its stack").not())
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn oos_installed_counts_that_overflow_when_added() {
    let dir = tempfile::tempdir().unwrap();
    // Each count alone beyond what a count can be: refused, naming it.
    let report = write(
        &dir,
        "oos.json",
        r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":9223372036854775807,"InstalledOtherCount":"1"}]}"#,
    );
    check(&["-r", &report, "-p", &policy("prod")])
        .assert()
        .code(2)
        .stderr(contains(
            "InstalledCount of instance i-1 is 9223372036854775807, more than the 4294967294 a count can be",
        ))
        .stderr(no_panic());
    // Each within bounds, their sum beyond: refused as a sum.
    let report = write(
        &dir,
        "oos-sum.json",
        r#"{"InstancePatchStates":[{"InstanceId":"i-1",
            "InstalledCount":4000000000,"InstalledOtherCount":"1000000000"}]}"#,
    );
    check(&["-r", &report, "-p", &policy("prod")])
        .assert()
        .code(2)
        .stderr(contains("add up to more patches than tollgate can count"))
        .stderr(contains("instance i-1"))
        .stderr(no_panic());
}

#[test]
fn an_error_past_column_65535_of_a_minified_report() {
    let dir = tempfile::tempdir().unwrap();
    // One line, with the syntax error 70,000 columns in.
    let text = format!(
        r#"{{"count":1,"instance_compliant":[{{"instance_id":"a","name":"{}",}}]}}"#,
        "x".repeat(70_000)
    );
    let report = write(&dir, "min.json", &text);
    check(&["-r", &report, "-p", &policy("prod")])
        .assert()
        .code(2)
        .stderr(contains("is not valid JSON"))
        .stderr(contains("min.json:1:700"))
        .stderr(no_panic());
}

#[test]
fn a_baseline_error_far_into_a_long_line() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = write(
        &dir,
        "baseline.json",
        &format!(
            r#"{{"schema":"tollgate.result/v1","findings":[{{"fingerprint":"f","message":"{}","rule":5,"resource":{{"id":"x"}}}}]}}"#,
            "m".repeat(70_000)
        ),
    );
    check(&[
        "-r",
        &crate::report("clean.json"),
        "-p",
        &policy("prod"),
        "--baseline",
        &baseline,
    ])
    .assert()
    .code(2)
    .stderr(contains("invalid type: integer `5`"))
    .stderr(no_panic());
}

#[test]
fn limits_deep_enough_to_overflow_the_stack_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(&dir, "tollgate.toml", "[limits]\nexpr_depth = 1000000\n");
    // A policy that nests past any stack, which the limit used to let through to the parser.
    let deep = format!(
        "const RULE = #{{ id: \"DEEP-1\", severity: \"high\", applies_to: [\"patch_node\"] }};\nfn check(n) {{ {}1{} }}\n",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let policy_file = write(&dir, "deep.rhai", &deep);
    tollgate()
        .args(["check", "-c", &config, "-r", &crate::report("clean.json")])
        .args(["-p", &policy_file])
        .assert()
        .code(2)
        .stderr(contains("call_levels × expr_depth is 32 × 1000000"))
        .stderr(no_panic());
}

#[test]
fn an_evidence_sheet_whose_sector_chain_loops() {
    use base64::Engine as _;
    // The fixture .xls with its directory's first sector pointing back at itself: calamine
    // used to follow the loop until the process was killed for lack of memory.
    let mut xls = std::fs::read("tests/fixtures/sheets/pack-report.xls").unwrap();
    let word = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let (dir_start, first_fat) = (word(&xls, 48) as usize, word(&xls, 76) as usize);
    let entry = 512 + first_fat * 512 + dir_start * 4;
    xls[entry..entry + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
    let evidence = format!(
        r#"{{"tollgate_evidence":1,"fetched_at":"2026-11-23T10:00:00Z","reports":[
{{"kind":"alibaba.config.compliance_pack_report","name":"source:pack","pages":[
 {{"CompliancePackReport":{{"CompliancePackId":"cp-1","ReportStatus":"COMPLETE"}}}}],
 "sheet":{{"file":"report.xls","base64":"{}"}}}}]}}"#,
        base64::engine::general_purpose::STANDARD.encode(&xls)
    );
    let dir = tempfile::tempdir().unwrap();
    let report = write(&dir, "evidence.json", &evidence);
    check(&["-r", &report, "-p", "policies"])
        .assert()
        .code(2)
        .stderr(contains("sector chains loop"))
        .stderr(no_panic());
}
