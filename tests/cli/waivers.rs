//! Waivers, baselines and `--strict` as a user meets them: on the prod-critical report,
//! whose one blocking finding is PATCH-001 on ecs-prod-web-01. `--now` is pinned so that
//! expiry does not depend on the day the tests run.

use predicates::str::contains;

use crate::{check, policy, report, texts, FIX};

/// The tests' "today": after expired.toml's date, before every other waiver's.
const NOW: &str = "2026-11-23T12:00:00Z";

const WEB_01: &str = "11111111-0000-4000-8000-000000000001";

fn waivers(name: &str) -> String {
    format!("{FIX}/waivers/{name}")
}

/// `tollgate check` on prod-critical.json with the prod policy, at [`NOW`].
fn gate(extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "--now",
        NOW,
    ]);
    cmd.args(extra);
    cmd
}

/// Run, check the exit code, and parse the JSON on standard output.
fn json_of(mut cmd: assert_cmd::Command, code: i32) -> (serde_json::Value, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(code), "{stderr}\n{stdout}");
    (serde_json::from_str(&stdout).unwrap(), stderr)
}

#[test]
fn waiver_by_id_name_or_glob_opens_the_gate_and_keeps_the_finding() {
    for (file, owner) in [
        ("by-id.toml", "sre-team"),
        ("by-name.toml", "sre-team"),
        ("by-glob.toml", ""),
    ] {
        let path = waivers(file);
        let (json, stderr) = json_of(gate(&["--waivers", &path, "-o", "json"]), 0);
        assert_eq!(json["verdict"], "pass", "{file}");
        let finding = &json["findings"][0];
        assert_eq!(finding["resource"]["id"], WEB_01, "{file}");
        assert_eq!(finding["status"], "waived", "{file}");
        assert_eq!(finding["blocking"], false, "{file}");
        assert_eq!(
            finding["waiver"]["reason"],
            "Vendor fix pending, change CHG-1234"
        );
        assert_eq!(finding["waiver"]["expires"], "2026-12-31", "{file}");
        assert_eq!(finding["waiver"]["file"], path.as_str());
        assert_eq!(finding["waiver"]["line"], 2);
        match owner {
            "" => assert!(finding["waiver"]["owner"].is_null()),
            o => assert_eq!(finding["waiver"]["owner"], o),
        }
        assert_eq!(json["summary"]["waived"], 1);
        assert_eq!(json["summary"]["blocking"], 0);
        assert_eq!(json["waivers"][0]["status"], "active");
        assert_eq!(json["waivers"][0]["matched"], 1);
        assert!(
            !stderr.contains("waiver"),
            "no note for an active waiver: {stderr}"
        );
    }
}

#[test]
fn waived_findings_are_tagged_in_the_human_output() {
    gate(&["--waivers", &waivers("by-name.toml")])
        .assert()
        .code(0)
        .stdout(contains(
            "waived   ecs-prod-web-01 misses 2 critical patches (Vendor fix pending, change CHG-1234 — sre-team, until 2026-12-31)",
        ))
        .stdout(contains(
            "PASSED: no blocking findings in 3 resources from 1 report; 1 waived (fail-on high) — exit 0",
        ));
}

#[test]
fn waivers_come_from_the_environment_or_the_configuration() {
    gate(&[])
        .env("TOLLGATE_WAIVERS", waivers("by-glob.toml"))
        .assert()
        .code(0);
    // In tollgate.toml the path is relative to the file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(waivers("by-glob.toml"), dir.path().join("w.toml")).unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(
        &config,
        "waivers = \"w.toml\"\n[params]\nprod_groups = [\"prod\"]\n",
    )
    .unwrap();
    crate::tollgate()
        .args(["check", "-c", config.to_str().unwrap()])
        .args(["-r", &report("prod-critical.json"), "-p", &policy("prod")])
        .args(["--now", NOW])
        .assert()
        .code(0)
        .stdout(contains("1 waived"));
}

#[test]
fn an_expired_waiver_no_longer_applies_and_is_reported() {
    let (json, stderr) = json_of(
        gate(&["--waivers", &waivers("expired.toml"), "-o", "json"]),
        1,
    );
    assert_eq!(json["findings"][0]["status"], "blocking");
    assert!(json["findings"][0]["waiver"].is_null());
    assert_eq!(json["waivers"][0]["status"], "expired");
    assert_eq!(json["waivers"][0]["matched"], 1);
    assert!(
        stderr.contains(
            "tollgate: waiver for PATCH-001 on ecs-prod-web-* (tests/fixtures/waivers/expired.toml:2) expired on 2026-10-01; it no longer applies"
        ),
        "{stderr}"
    );
    gate(&["--waivers", &waivers("expired.toml")])
        .assert()
        .code(1)
        .stdout(contains(
            "! waiver for PATCH-001 on ecs-prod-web-* (tests/fixtures/waivers/expired.toml:2) expired on 2026-10-01",
        ))
        .stdout(contains("FAILED: 1 blocking finding (1 critical)"));
    // The day it expires is still covered.
    check(&["-r", &report("prod-critical.json"), "-p", &policy("prod")])
        .args(["--waivers", &waivers("expired.toml")])
        .args(["--now", "2026-10-01T23:59:59Z"])
        .assert()
        .code(0);
}

#[test]
fn an_unused_waiver_is_reported() {
    let (json, stderr) = json_of(
        gate(&["--waivers", &waivers("unused.toml"), "-o", "json"]),
        0,
    );
    let states: Vec<&str> = json["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["active", "unused", "unused"]);
    assert!(
        stderr.contains("tollgate: waiver for PATCH-001 on ecs-prod-cache-* (tests/fixtures/waivers/unused.toml:9) matched no finding"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(tests/fixtures/waivers/unused.toml:16) matched no finding: no rule PATCH-099 is loaded"),
        "{stderr}"
    );
    assert!(!stderr.contains("unused.toml:2)"), "the used one is quiet");
}

#[test]
fn a_waiver_without_a_reason_is_an_error() {
    gate(&["--waivers", &waivers("missing-reason.toml")])
        .assert()
        .code(2)
        .stderr(contains(
            "waiver at tests/fixtures/waivers/missing-reason.toml:8 has no reason",
        ))
        .stderr(contains("tollgate::waiver::missing"))
        .stderr(contains("missing-reason.toml:8:1"))
        .stdout(contains(
            "ERROR: the gate could not decide: waiver at tests/fixtures/waivers/missing-reason.toml:8 has no reason — exit 2",
        ));
}

#[test]
fn a_waiver_without_an_expiry_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.toml");
    std::fs::write(
        &path,
        "[[waiver]]\nrule = \"PATCH-001\"\nresource = \"*\"\nreason = \"forever\"\n",
    )
    .unwrap();
    gate(&["--waivers", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("w.toml:1 has no expires"))
        .stderr(contains("waivers are temporary by design"));
}

#[test]
fn an_unknown_waiver_key_is_an_error() {
    gate(&["--waivers", &waivers("unknown-key.toml")])
        .assert()
        .code(2)
        .stderr(contains("is not a valid waivers file"))
        .stderr(contains("unknown field `expries`"))
        .stderr(contains("tollgate::waiver::syntax"))
        .stderr(contains("unknown-key.toml:5:1"));
}

#[test]
fn a_missing_waivers_file_is_an_error() {
    gate(&["--waivers", &waivers("nope.toml")])
        .assert()
        .code(2)
        .stderr(contains("cannot read waivers"));
}

#[test]
fn a_saved_result_as_baseline_makes_its_findings_existing() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.json");
    gate(&["-o", &format!("json={}", base.display())])
        .assert()
        .code(1);
    let base = base.to_str().unwrap();
    let (json, _) = json_of(gate(&["--baseline", base, "-o", "json"]), 0);
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["findings"][0]["status"], "baseline");
    assert_eq!(json["findings"][0]["baseline"], "existing");
    assert_eq!(json["summary"]["baseline_existing"], 1);
    assert_eq!(json["baseline"]["file"], base);
    assert_eq!(json["baseline"]["new"], 0);
    assert_eq!(json["baseline"]["existing"], 1);
    assert_eq!(json["baseline"]["fixed"], serde_json::json!([]));
    gate(&["--baseline", base])
        .assert()
        .code(0)
        .stdout(contains(
            "existing ecs-prod-web-01 misses 2 critical patches",
        ))
        .stdout(contains("baseline: 0 new, 1 existing, 0 fixed"))
        // Counted once: existing, not also non-blocking.
        .stdout(contains(
            "in 3 resources from 1 report; 1 existing (fail-on high) — exit 0",
        ));
    gate(&[]).env("TOLLGATE_BASELINE", base).assert().code(0);
}

#[test]
fn rewording_a_message_keeps_findings_existing() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.json");
    gate(&["-o", &format!("json={}", base.display())])
        .assert()
        .code(1);
    let reworded = dir.path().join("reworded.rhai");
    let src = std::fs::read_to_string(policy("prod/prod-no-critical.rhai")).unwrap();
    let src = src.replace("misses", "is missing");
    assert!(src.contains("is missing"));
    std::fs::write(&reworded, src).unwrap();
    check(&["-r", &report("prod-critical.json"), "-p"])
        .arg(&reworded)
        .args(["--baseline", base.to_str().unwrap(), "--now", NOW])
        .assert()
        .code(0)
        .stdout(contains(
            "existing ecs-prod-web-01 is missing 2 critical patches",
        ));
}

#[test]
fn a_baseline_with_one_new_and_one_fixed_finding() {
    let base = waivers("baseline-one-new-one-fixed.json");
    let (json, _) = json_of(gate(&["--baseline", &base, "-o", "json"]), 1);
    assert_eq!(json["findings"][0]["status"], "blocking");
    assert_eq!(json["findings"][0]["baseline"], "new");
    assert_eq!(json["baseline"]["new"], 1);
    assert_eq!(json["baseline"]["existing"], 0);
    let fixed = &json["baseline"]["fixed"][0];
    assert_eq!(fixed["rule"], "PATCH-001");
    assert_eq!(fixed["resource"], "11111111-0000-4000-8000-000000000009");
    assert_eq!(
        fixed["message"],
        "ecs-prod-web-09 misses 1 critical patches"
    );
    gate(&["--baseline", &base])
        .assert()
        .code(1)
        .stdout(contains("baseline: 1 new, 0 existing, 1 fixed"))
        .stdout(contains(
            "fixed    PATCH-001 on 11111111-0000-4000-8000-000000000009: ecs-prod-web-09 misses 1 critical patches",
        ));
}

#[test]
fn a_baseline_that_is_not_a_tollgate_result_is_an_error() {
    gate(&["--baseline", &report("prod-critical.json")])
        .assert()
        .code(2)
        .stderr(contains(
            "baseline tests/fixtures/reports/cli/prod-critical.json is not a tollgate result: it has no \"schema\" field",
        ))
        .stderr(contains("tollgate::baseline::schema"));
    gate(&["--baseline", &report("malformed.json")])
        .assert()
        .code(2)
        .stderr(contains("is not valid JSON"))
        .stderr(contains("malformed.json:6:"));
    gate(&["--baseline", &waivers("nope.json")])
        .assert()
        .code(2)
        .stderr(contains("cannot read baseline"));
}

#[test]
fn strict_makes_warnings_block() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("w.rhai"),
        "const RULE = #{ id: \"WARN-1\", severity: \"high\", applies_to: [\"patch_node\"] };\nfn check(n) { if n.missing.high > 0 { warn(`${n.name} has high patches missing`) } }",
    )
    .unwrap();
    let p = dir.path().to_str().unwrap();
    let args = ["-r", &report("prod-critical.json"), "-p", p];
    check(&args).assert().code(0).stdout(contains(
        "warn     ecs-prod-web-01 has high patches missing",
    ));
    check(&args)
        .arg("--strict")
        .assert()
        .code(1)
        .stdout(contains(
        "FAILED: 1 blocking finding (1 high) in 3 resources from 1 report (fail-on high, strict)",
    ));
    check(&args).env("TOLLGATE_STRICT", "true").assert().code(1);
    let (json, _) = json_of(
        {
            let mut c = check(&args);
            c.args(["--strict", "-o", "json"]);
            c
        },
        1,
    );
    assert_eq!(json["strict"], true);
    assert_eq!(json["findings"][0]["status"], "blocking");
    assert_eq!(json["findings"][0]["level"], "warn");
}
