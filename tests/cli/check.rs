//! The gate's decisions and outputs on good input: exit 0 and 1, flags, environment,
//! files, standard input.

use predicates::prelude::*;
use predicates::str::contains;

use crate::{check, policy, report, texts, tollgate};

#[test]
fn critical_patch_on_prod_closes_the_gate() {
    check(&["-r", &report("prod-critical.json"), "-p", &policy("prod")])
        .assert()
        .code(1)
        .stdout(contains("✗ PATCH-001 [critical]"))
        .stdout(contains("ecs-prod-web-01 misses 2 critical patches"))
        .stdout(contains("prod-critical.json:3:28"))
        .stdout(contains("ecs-dev-web-01").not())
        .stdout(contains(
            "FAILED: 1 blocking finding (1 critical) in 3 resources from 1 report (fail-on high)",
        ));
}

#[test]
fn clean_report_passes() {
    check(&["-r", &report("clean.json"), "-p", &policy("prod")])
        .assert()
        .code(0)
        .stdout(contains("✓ no findings: PATCH-001"))
        .stdout(contains(
            "PASSED: no blocking findings in 3 resources from 1 report",
        ));
}

#[test]
fn fail_on_threshold_comes_from_flag_or_environment() {
    // A critical finding does not block when only... nothing is above critical; use info
    // to show the threshold moves, and an advisory-free medium rule to show it blocks less.
    let args = ["-r", &report("prod-critical.json"), "-p", &policy("prod")];
    check(&args)
        .arg("--fail-on")
        .arg("critical")
        .assert()
        .code(1);
    check(&args)
        .env("TOLLGATE_FAIL_ON", "critical")
        .assert()
        .code(1);
    let medium = tempfile::tempdir().unwrap();
    std::fs::write(
        medium.path().join("m.rhai"),
        "const RULE = #{ id: \"M-1\", severity: \"medium\", applies_to: [\"patch_node\"] };\nfn check(n) { if n.missing.high > 0 { \"high patches\" } }",
    )
    .unwrap();
    let m = medium.path().to_str().unwrap();
    check(&["-r", &report("prod-critical.json"), "-p", m])
        .assert()
        .code(0)
        .stdout(contains("1 non-blocking"));
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        m,
        "--fail-on",
        "medium",
    ])
    .assert()
    .code(1);
    check(&["-r", &report("prod-critical.json"), "-p", m])
        .env("TOLLGATE_FAIL_ON", "low")
        .assert()
        .code(1);
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        m,
        "--fail-on",
        "severe",
    ])
    .assert()
    .code(2)
    .stderr(contains("severe"));
}

#[test]
fn no_fail_reports_but_exits_zero() {
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "--no-fail",
    ])
    .assert()
    .code(0)
    .stdout(contains("FAILED: 1 blocking finding"));
}

#[test]
fn params_from_the_command_line_override_the_file() {
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "--param",
        "prod_groups=[\"dev\"]",
    ])
    .assert()
    .code(1)
    .stdout(contains("ecs-dev-web-01 misses 1 critical patches"))
    .stdout(contains("ecs-prod-web-01").not());
}

#[test]
fn report_from_standard_input() {
    let text = std::fs::read_to_string(report("prod-critical.json")).unwrap();
    check(&["-r", "-", "-p", &policy("prod")])
        .write_stdin(text)
        .assert()
        .code(1)
        .stdout(contains("<stdin>:3:28"));
}

#[test]
fn several_reports_at_once() {
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-r",
        &report("clean.json"),
        "-p",
        &policy("prod"),
    ])
    .assert()
    .code(1)
    .stdout(contains("in 6 resources from 2 reports"));
}

#[test]
fn json_output_goes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/result.json");
    let spec = format!("json={}", path.display());
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "-o",
        &spec,
        "-o",
        "human",
    ])
    .assert()
    .code(1)
    .stdout(contains("FAILED"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["schema"], "tollgate.result/v1");
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["summary"]["blocking"], 1);
    assert_eq!(json["findings"][0]["rule"], "PATCH-001");
    assert_eq!(
        json["findings"][0]["resource"]["id"],
        "11111111-0000-4000-8000-000000000001"
    );
    assert_eq!(json["findings"][0]["location"]["line"], 3);
    assert_eq!(
        json["findings"][0]["location"]["pointer"],
        "/instance_compliant/0"
    );
    assert_eq!(json["reports"][0]["kind"], "huawei.coc.patch_compliance");
    let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file left behind");
}

#[test]
fn output_to_an_unwritable_place_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let spec = format!("json={}/sub/result.json", blocker.display());
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("prod"),
        "-o",
        &spec,
    ])
    .assert()
    .code(2)
    .stderr(contains("cannot write json output"));
}

#[test]
fn several_file_outputs_are_all_written_and_a_failing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let out = |name: &str| dir.path().join(name).display().to_string();
    let args = |sarif: &str| {
        vec![
            "-r".to_string(),
            report("prod-critical.json"),
            "-p".to_string(),
            policy("prod"),
            "-o".to_string(),
            format!("json={}", out("r.json")),
            "-o".to_string(),
            format!("sarif={sarif}"),
            "-o".to_string(),
            format!("junit={}", out("r.xml")),
        ]
    };
    let run = |v: Vec<String>| {
        let argv: Vec<&str> = v.iter().map(String::as_str).collect();
        check(&argv).assert()
    };
    run(args(&out("r.sarif"))).code(1);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(out("r.xml"))
        .unwrap()
        .contains("<testsuites"));
    std::fs::remove_file(out("r.json")).unwrap();

    // The SARIF path cannot be created: exit 2 naming it, and no partial file anywhere.
    // Standard output (here JSON) is still written, so a CI log shows the result.
    let bad = format!("{}/sub/r.sarif", blocker.display());
    let mut with_stdout = vec!["-o".to_string(), "json".to_string()];
    with_stdout.extend(args(&bad));
    run(with_stdout)
        .code(2)
        .stdout(contains("\"findings\""))
        .stderr(contains("cannot write sarif output"));
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    for name in &left {
        assert!(!name.starts_with('.'), "temporary file left behind: {name}");
    }

    // Two outputs to one file, spelt two ways: written in order, so the last one given wins.
    let same = out("same");
    let same_again = dir.path().join(".").join("same").display().to_string();
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "-o",
        &format!("sarif={same}"),
        "-o",
        &format!("json={same_again}"),
    ])
    .assert()
    .code(1);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&same).unwrap()).unwrap();
    assert!(
        json["findings"].is_array(),
        "the JSON output, given last, is the file"
    );
}

#[test]
fn report_kind_override() {
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "--report-kind",
        "huawei.coc.patch_compliance",
    ])
    .assert()
    .code(1);
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "--report-kind",
        "alibaba.oos.instance_patch_states",
    ])
    .assert()
    .code(2)
    .stderr(contains("InstancePatchStates"));
}

#[test]
fn parallel_and_single_threaded_runs_in_either_engine_write_identical_json() {
    // A fleet large enough that work is really split between threads.
    let base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("examples/reports/huawei-coc-patch-compliance.json").unwrap(),
    )
    .unwrap();
    let records = base["instance_compliant"].as_array().unwrap();
    let mut fleet = Vec::new();
    for copy in 0..60 {
        for r in records {
            let mut r = r.clone();
            r["instance_id"] = format!("{}-{copy}", r["instance_id"].as_str().unwrap()).into();
            fleet.push(r);
        }
    }
    let doc = serde_json::json!({ "count": fleet.len(), "instance_compliant": fleet });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let run = |jobs: &str, engine: &str| {
        let out = tollgate()
            .env("TOLLGATE_ENGINE", engine)
            .args([
                "check",
                "-c",
                "tollgate.toml",
                "-r",
                path.to_str().unwrap(),
                "-o",
                "json",
            ])
            .args(["--now", "2026-11-23T12:00:00Z", "-j", jobs])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let serial = run("1", "compiled");
    let parallel = run("4", "compiled");
    let json: serde_json::Value = serde_json::from_slice(&serial).unwrap();
    assert!(json["findings"].as_array().unwrap().len() > 300);
    assert!(serial == parallel, "-j 1 and -j 4 disagree");
    // The interpreter, the reference, writes the same bytes, serial or parallel.
    assert!(
        serial == run("1", "interpreted"),
        "compiled and interpreted disagree"
    );
    assert!(
        serial == run("4", "interpreted"),
        "compiled and interpreted disagree at -j 4"
    );
}

#[test]
fn colour_only_on_request_when_not_a_terminal() {
    let args = ["-r", &report("prod-critical.json"), "-p", &policy("prod")];
    let out = check(&args).output().unwrap();
    assert!(!texts(&out).0.contains('\u{1b}'), "piped output is plain");
    let out = check(&args).args(["--color", "always"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(texts(&out).0.contains('\u{1b}'));
}

#[test]
fn completions_are_printed() {
    tollgate()
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .stdout(contains("tollgate"));
}

#[test]
fn verbose_notes_go_to_standard_error() {
    check(&[
        "-r",
        &report("clean.json"),
        "-p",
        &policy("prod"),
        "-vv",
        "-o",
        "json",
    ])
    .assert()
    .code(0)
    .stderr(contains("parsed 1 reports with 3 resources"))
    .stderr(contains("huawei.coc.patch_compliance, 3 resources"))
    .stdout(predicate::str::starts_with("{"));
}
