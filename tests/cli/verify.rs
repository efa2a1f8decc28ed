//! `tollgate verify`: a recorded decision decided again from its saved evidence.

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

use crate::tollgate;

const NOW: &str = "2026-11-23T12:00:00Z";

/// A gate over copies of the example reports and two policies, in `dir`: its result's path
/// and the evidence folder.
fn record(dir: &Path) -> (PathBuf, PathBuf) {
    let evidence = dir.join("evidence");
    let policies = dir.join("policies");
    std::fs::create_dir_all(&evidence).unwrap();
    std::fs::create_dir_all(&policies).unwrap();
    for report in [
        "huawei-coc-patch-compliance.json",
        "huawei-config-policy-states.json",
    ] {
        std::fs::copy(
            Path::new("examples/reports").join(report),
            evidence.join(report),
        )
        .unwrap();
    }
    for policy in [
        "patch/prod-no-critical.rhai",
        "config/builtin-noncompliant.rhai",
    ] {
        let name = Path::new(policy).file_name().unwrap();
        std::fs::copy(Path::new("policies").join(policy), policies.join(name)).unwrap();
    }
    let result = dir.join("result.json");
    tollgate()
        .args(["check", "--now", NOW, "--param", "prod_groups=[\"prod\"]"])
        .arg("-p")
        .arg(&policies)
        .arg("-r")
        .arg(&evidence)
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(1);
    (result, evidence)
}

fn verify(result: &Path, evidence: &Path) -> assert_cmd::assert::Assert {
    tollgate()
        .arg("verify")
        .arg(result)
        .arg("--evidence")
        .arg(evidence)
        .assert()
}

#[test]
fn the_record_names_every_input_by_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (result, evidence) = record(dir.path());
    let value: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let d = &value["decision"];
    assert_eq!(d["schema"], "tollgate.decision/v1");
    assert_eq!(d["verdict"], "fail");
    assert_eq!(d["exit_code"], 1);
    assert_eq!(d["evaluated_at"], "2026-11-23T12:00:00.000Z");
    assert_eq!(d["now_pinned"], true);
    assert_eq!(d["params"]["prod_groups"], serde_json::json!(["prod"]));
    assert_eq!(d["policies"].as_array().unwrap().len(), 2);
    let coc = evidence.join("huawei-coc-patch-compliance.json");
    let e = d["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == coc.display().to_string())
        .unwrap();
    assert_eq!(
        e["sha256"],
        tollgate::model::decision::sha256(&std::fs::read(&coc).unwrap())
    );
    assert_eq!(
        e["kinds"],
        serde_json::json!(["huawei.coc.patch_compliance"])
    );
    let exe = d["tollgate"]["executable_sha256"].as_str().unwrap();
    assert_eq!(exe.len(), 64);
}

#[test]
fn the_same_evidence_gives_the_same_decision() {
    let dir = tempfile::tempdir().unwrap();
    let (result, evidence) = record(dir.path());
    // The auditor's folder: the evidence and the policies, moved away from their paths.
    let kept = dir.path().join("kept");
    std::fs::rename(&evidence, &kept).unwrap();
    std::fs::rename(dir.path().join("policies"), kept.join("policies")).unwrap();
    verify(&result, &kept)
        .code(0)
        .stdout(contains("verified:"))
        .stdout(contains("fail again at 2026-11-23T12:00:00.000Z (exit 1)"))
        .stdout(contains("2 policies, 2 evidence inputs"))
        .stdout(contains("another executable").not());

    // Replayed by another build: said, and still verified.
    let mut value: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    value["decision"]["tollgate"]["executable_sha256"] = "0".repeat(64).into();
    std::fs::write(&result, serde_json::to_vec(&value).unwrap()).unwrap();
    verify(&result, &kept).code(0).stdout(contains(
        "note: replayed by another executable than the one that decided",
    ));
}

#[test]
fn an_edited_result_is_caught_finding_by_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (result, evidence) = record(dir.path());
    let mut value: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let fingerprint = value["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    value["findings"][0]["status"] = "waived".into();
    value["findings"][0]["blocking"] = false.into();
    value["decision"]["verdict"] = "pass".into();
    value["decision"]["exit_code"] = 0.into();
    std::fs::write(&result, serde_json::to_vec(&value).unwrap()).unwrap();
    verify(&result, &evidence)
        .code(1)
        .stdout(contains("NOT verified"))
        .stdout(contains("verdict: recorded pass, replayed fail"))
        .stdout(contains("exit code: recorded 0, replayed 1"))
        .stdout(contains(format!("finding {fingerprint} changed: recorded")));
}

#[test]
fn changed_evidence_or_policies_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (result, evidence) = record(dir.path());
    // A node patched after the fact, in the only copy of the evidence.
    let coc = evidence.join("huawei-coc-patch-compliance.json");
    let text = std::fs::read_to_string(&coc).unwrap();
    let patched = text.replacen("\"critical_count\" : 6", "\"critical_count\" : 0", 1);
    assert_ne!(patched, text);
    std::fs::write(&coc, patched).unwrap();
    let policy = dir.path().join("policies/prod-no-critical.rhai");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, text.replace("> 0", "> 5")).unwrap();
    verify(&result, &evidence)
        .code(1)
        .stdout(contains(format!("evidence {} has changed", coc.display())))
        .stdout(contains(format!("policy {} has changed", policy.display())));
}

#[test]
fn missing_evidence_or_no_record_cannot_be_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (result, evidence) = record(dir.path());
    std::fs::remove_file(evidence.join("huawei-config-policy-states.json")).unwrap();
    verify(&result, &evidence)
        .code(2)
        .stderr(contains("cannot be replayed"))
        .stderr(contains("huawei-config-policy-states.json"));

    let mut value: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("decision");
    std::fs::write(&result, serde_json::to_vec(&value).unwrap()).unwrap();
    verify(&result, &evidence)
        .code(2)
        .stderr(contains("`decision` record cannot be read"));
    std::fs::write(&result, "{}").unwrap();
    verify(&result, &evidence)
        .code(2)
        .stderr(contains("not a tollgate result"));
}

#[test]
fn the_verdict_people_read_is_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let (result, evidence) = record(dir.path());
    let mut value: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    // Only what a reader sees first: the record is left alone.
    value["verdict"] = "pass".into();
    value["exit_code"] = 0.into();
    value["summary"]["blocking"] = 0.into();
    std::fs::write(&result, serde_json::to_vec(&value).unwrap()).unwrap();
    verify(&result, &evidence)
        .code(1)
        .stdout(contains(
            "the result says verdict \"pass\" exit 0, its decision record fail exit 1",
        ))
        .stdout(contains("blocking findings: recorded 0, replayed"));

    // A run that could not decide has nothing to replay.
    value["decision"]["verdict"] = "error".into();
    std::fs::write(&result, serde_json::to_vec(&value).unwrap()).unwrap();
    verify(&result, &evidence)
        .code(2)
        .stderr(contains("could not decide"));
}
