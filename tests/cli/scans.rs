//! A scanner's OCSF output (Prowler's json-ocsf) gated beside a vendor's compliance
//! report, in one run and one verdict: detection, the shipped SCAN-001, waivers, baselines,
//! SLA on the ledger, every output and the control view; and the fail-closed rules on the
//! command line.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{repo, texts, tollgate};

const COC: &str = "examples/reports/huawei-coc-patch-compliance.json";
const SCAN: &str = "examples/reports/prowler-huaweicloud-prod.ocsf.json";
const PROD: &str = "0d2f9a3c71b84e5fa6c1e0b7d4f38a92";
const NOW: &str = "2026-11-23T12:00:00Z";

/// PATCH-001 and SCAN-001 with the examples' production group and account, and SLA days.
fn config(dir: &Path) -> PathBuf {
    let path = dir.join("tollgate.toml");
    std::fs::write(
        &path,
        format!(
            "policies = [{:?}, {:?}]\nfail_on = \"high\"\n\n[params]\nprod_groups = [\"prod\"]\nprod_accounts = [\"{PROD}\"]\n\n[sla]\ncritical = 15\nhigh = 30\n",
            repo("policies/patch/prod-no-critical.rhai"),
            repo("policies/scan/failed-checks-on-prod.rhai"),
        ),
    )
    .unwrap();
    path
}

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The findings of `rule` in a JSON result, by resource name: (name, status).
fn statuses(result: &Value, rule: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["resource"]["name"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_coc_report_and_a_scan_are_one_gate_with_waivers_baselines_and_sla() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let state = dir.path().join("state.db").display().to_string();
    let gate = |now: &str, out: &Path, extra: &[&str]| {
        tollgate()
            .args(["check", "-c"])
            .arg(&cfg)
            .args(["--state", &state, "-r", COC, "-r", SCAN, "--now", now])
            .arg("-o")
            .arg(format!("json={}", out.display()))
            .args(extra)
            .output()
            .unwrap()
    };
    let init = tollgate()
        .args(["state", "init", "-c"])
        .arg(&cfg)
        .args(["--state", &state])
        .output()
        .unwrap();
    assert_eq!(init.status.code(), Some(0), "{:?}", texts(&init));

    // Day 0: every breach is new, within its SLA: the gate passes and says when each is due.
    let first = dir.path().join("first.json");
    let out = gate(NOW, &first, &[]);
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    let result = json_of(&first);
    let kinds: Vec<&str> = result["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["huawei.coc.patch_compliance", "ocsf.findings"]);
    assert_eq!(
        statuses(&result, "SCAN-001"),
        pairs(&[
            ("acme-prod-exports", "within_sla"),
            ("ci-deployer", "within_sla"),
            ("ecs-prod-mq-01-data", "within_sla"),
            ("rds-prod-orders", "within_sla"),
            ("sg-prod-bastion", "warning"),
        ])
    );
    assert_eq!(statuses(&result, "PATCH-001").len(), 3);
    let scan = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"]["name"] == "acme-prod-exports")
        .unwrap();
    assert_eq!(scan["ledger"]["due"], "2026-12-08T12:00:00Z", "{scan}");

    // Day 20: the critical breaches are overdue (15 days), the high ones are not (30). A
    // waiver accepts one scan finding until the end of the year; PATCH-001 still blocks.
    let waivers = dir.path().join("waivers.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\nrule = \"SCAN-001\"\nresource = \"rds-prod-*\"\nreason = \"DB moves to a private subnet in CHG-77\"\nexpires = 2026-12-31\n",
    )
    .unwrap();
    let later = dir.path().join("later.json");
    let out = gate(
        "2026-12-13T12:00:00Z",
        &later,
        &["--waivers", waivers.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    let result = json_of(&later);
    assert_eq!(
        statuses(&result, "SCAN-001"),
        pairs(&[
            ("acme-prod-exports", "blocking"),
            ("ci-deployer", "within_sla"),
            ("ecs-prod-mq-01-data", "within_sla"),
            ("rds-prod-orders", "waived"),
            ("sg-prod-bastion", "warning"),
        ])
    );
    assert!(statuses(&result, "PATCH-001")
        .iter()
        .all(|(_, s)| s == "blocking"));
    assert_eq!(result["exit_code"], 1);
    let blocking: Vec<&str> = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blocking"] == true)
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(blocking.len(), 4, "3 PATCH-001 + 1 SCAN-001: {blocking:?}");
    // The control view: SCAN-001's controls failed on the scan alone.
    let controls = result["controls"].as_array().unwrap();
    let ra5 = controls
        .iter()
        .find(|c| c["id"] == "NIST-800-53-r5:RA-5")
        .unwrap();
    assert_eq!(ra5["status"], "failed");
    assert_eq!(ra5["rules"], serde_json::json!(["SCAN-001"]));
    assert_eq!(ra5["blocking"], 1);

    // With that result as the baseline, nothing is new: the same gate passes.
    let again = dir.path().join("again.json");
    let out = gate(
        "2026-12-13T12:00:00Z",
        &again,
        &["--baseline", later.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    let result = json_of(&again);
    assert!(statuses(&result, "SCAN-001")
        .iter()
        .filter(|(name, _)| name != "sg-prod-bastion")
        .all(|(_, s)| s == "baseline"));

    // The scan is fixed in the next scan: the ledger closes its findings.
    let fixed = dir.path().join("scan-fixed.json");
    let text = std::fs::read_to_string(SCAN)
        .unwrap()
        .replace("\"status_code\": \"FAIL\"", "\"status_code\": \"PASS\"");
    std::fs::write(&fixed, text).unwrap();
    let last = dir.path().join("last.json");
    let out = tollgate()
        .args(["check", "-c"])
        .arg(&cfg)
        .args(["--state", &state, "-r", COC, "-r"])
        .arg(&fixed)
        .args(["--now", "2026-12-14T12:00:00Z", "-o"])
        .arg(format!("json={}", last.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "PATCH-001 still blocks");
    let result = json_of(&last);
    assert!(statuses(&result, "SCAN-001").is_empty());
    let fixed: Vec<&str> = result["ledger"]["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        fixed.iter().filter(|r| **r == "SCAN-001").count(),
        5,
        "{fixed:?}"
    );
}

/// Every output format carries the scan's findings, with the scanner's check and the
/// report's line.
#[test]
fn every_output_carries_scan_findings() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let formats = [
        "json", "sarif", "junit", "markdown", "html", "csv", "ocsf", "github", "human",
    ];
    let mut cmd = tollgate();
    cmd.args(["check", "-c"])
        .arg(&cfg)
        .args(["-r", COC, "-r", SCAN, "--now", NOW]);
    for f in formats {
        cmd.arg("-o")
            .arg(format!("{f}={}", dir.path().join(f).display()));
    }
    // No ledger here: without one, a breach blocks at once.
    let toml = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, toml.replace("[sla]\ncritical = 15\nhigh = 30\n", "")).unwrap();
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    for f in formats {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        // (Markdown escapes the check's underscores.)
        for needle in ["failed on acme-prod-exports", "SCAN-001"] {
            assert!(text.contains(needle), "-o {f} lacks {needle:?}");
        }
    }
    // The machine-readable ones carry the finding's kind, severity and properties.
    let json = json_of(&dir.path().join("json"));
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"]["name"] == "acme-prod-exports")
        .unwrap();
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["resource"]["kind"], "scan_finding");
    assert_eq!(f["resource"]["provider"], "huawei");
    assert_eq!(f["properties"]["check"], "obs_bucket_public_access");
    assert_eq!(f["properties"]["account"], PROD);
    assert_eq!(
        f["properties"]["controls"],
        serde_json::json!({"CIS-1.0": ["2.1"]})
    );
    let junit = std::fs::read_to_string(dir.path().join("junit")).unwrap();
    assert!(
        junit.contains("name=\"SCAN-001: No failed scan checks"),
        "{junit}"
    );
    let csv = std::fs::read_to_string(dir.path().join("csv")).unwrap();
    assert!(
        csv.lines().any(
            |l| l.contains("\"scan_finding\",\"huawei\",\"ocsf.findings\"")
                && l.contains("acme-prod-exports")
        ),
        "{csv}"
    );
    let github = std::fs::read_to_string(dir.path().join("github")).unwrap();
    assert!(
        github.contains(&format!(
            "::error file={SCAN},line=421,col=3,title=SCAN-001"
        )),
        "{github}"
    );
    let sarif: Value = json_of(&dir.path().join("sarif"));
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "SCAN-001")
        .unwrap();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        SCAN
    );
}

#[test]
fn a_scan_on_standard_input_and_as_json_lines_is_read() {
    let events: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(SCAN).unwrap()).unwrap();
    let lines: String = events.iter().map(|e| format!("{e}\n")).collect();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let toml = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, toml.replace("[sla]\ncritical = 15\nhigh = 30\n", "")).unwrap();
    let out = tollgate()
        .args(["check", "-c"])
        .arg(&cfg)
        .args(["-r", "-", "--now", NOW, "-o", "json"])
        .write_stdin(lines.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["reports"][0]["kind"], "ocsf.findings");
    assert_eq!(result["reports"][0]["resources"], 18);
    assert_eq!(result["summary"]["by_rule"]["SCAN-001"]["blocking"], 4);
    // A directory of JSON Lines files is read too.
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    std::fs::write(scans.join("prowler.ocsf.jsonl"), &lines).unwrap();
    let out = tollgate()
        .args(["check", "-c"])
        .arg(&cfg)
        .arg("-r")
        .arg(&scans)
        .args(["--now", NOW, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["reports"][0]["resources"], 18);
}

#[test]
fn a_doubtful_scan_is_exit_2_naming_the_event_and_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(SCAN).unwrap();
    let cases = [
        // The third event becomes an authentication event.
        (
            text.replacen("\"class_uid\": 2004", "\"class_uid\": 3002", 3)
                .replacen("\"class_uid\": 3002", "\"class_uid\": 2004", 2),
            "event #3 (line 211): class_uid is 3002",
        ),
        (
            text.replacen("\"severity_id\": 3", "\"severity_id\": 9", 1),
            "event #1 (line 1): severity_id of prowler-huaweicloud-iam_account_password_policy",
        ),
        (
            text.replace(
                "prowler-huaweicloud-obs_bucket_public_access-0d2f9a3c71b84e5fa6c1e0b7d4f38a92-cn-north-4-acme-prod-logs",
                "prowler-huaweicloud-obs_bucket_public_access-0d2f9a3c71b84e5fa6c1e0b7d4f38a92-cn-north-4-acme-prod-exports",
            ),
            "lists resource prowler-huaweicloud-obs_bucket_public_access-0d2f9a3c71b84e5fa6c1e0b7d4f38a92-cn-north-4-acme-prod-exports twice",
        ),
        // A failed check whose status_code is misspelt may have failed: not a pass.
        (
            text.replacen("\"status_code\": \"FAIL\"", "\"status_code\": \"FAILED\"", 1),
            "event #3 (line 211): prowler-huaweicloud-iam_user_mfa_enabled-0d2f9a3c71b84e5fa6c1e0b7d4f38a92-cn-north-4-ci-deployer has status_code",
        ),
        ("[]".to_string(), "holds no resources"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("scan-{i}.ocsf.json"));
        std::fs::write(&path, text).unwrap();
        let out = tollgate()
            .args(["check", "-p", "policies/scan", "--now", NOW, "-r"])
            .arg(&path)
            .arg("--report-kind")
            .arg("ocsf.findings")
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(2), "{want}: {stdout} {stderr}");
        assert!(stderr.contains(want), "want {want:?} in {stderr}");
        assert!(stderr.contains(&format!("scan-{i}.ocsf.json")), "{stderr}");
        assert!(!stdout.contains("PASSED"), "{stdout}");
        // Detected by its shape, without --report-kind, a broken scan (but the empty one,
        // which has no event to recognise) fails the same way.
        let out = tollgate()
            .args(["check", "-p", "policies/scan", "--now", NOW, "-r"])
            .arg(&path)
            .output()
            .unwrap();
        let (_, detected) = texts(&out);
        assert_eq!(out.status.code(), Some(2), "{want}: {detected}");
        if text != "[]" {
            assert!(detected.contains(want), "want {want:?} in {detected}");
        }
    }
}

/// Two scans with a finding in common (one scan given twice, or an old one beside a newer
/// one, as Prowler names each output by its time) are exit 2, naming both files: counting
/// both would judge findings a newer scan may have fixed.
#[test]
fn a_finding_in_two_scans_is_exit_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    let text = std::fs::read_to_string(SCAN).unwrap();
    std::fs::write(scans.join("prowler-output-20261121.ocsf.json"), &text).unwrap();
    std::fs::write(scans.join("prowler-output-20261122.ocsf.json"), &text).unwrap();
    let out = tollgate()
        .args(["check", "-p", "policies/scan", "--now", NOW, "-r"])
        .arg(&scans)
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout} {stderr}");
    assert!(
        stderr.contains("finding prowler-huaweicloud-iam_account_password_policy-0d2f9a3c71b84e5fa6c1e0b7d4f38a92-cn-north-4-acme-prod is in two scans"),
        "{stderr}"
    );
    assert!(
        stderr.contains("prowler-output-20261121.ocsf.json and"),
        "{stderr}"
    );
    assert!(
        stderr.contains("keep only the latest scan of each account"),
        "{stderr}"
    );
    // Scans of different accounts hold different findings: they go together (and the
    // repository's tollgate.toml names two of them production accounts).
    let out = tollgate()
        .args(["check", "-p", "policies/scan", "--now", NOW])
        .args([
            "-r",
            SCAN,
            "-r",
            "examples/reports/prowler-huaweicloud-staging.ocsf.json",
        ])
        .args(["-r", "examples/reports/prowler-alibabacloud-prod.ocsf.json"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("in 34 resources from 3 reports"),
        "{stdout}"
    );
}

/// Every key path in a JSON value (`/finding_info/uid`, `/resources[]/name`), without the
/// keys that are data rather than shape: the frameworks of `unmapped.compliance` and the
/// resource's own metadata.
fn key_paths(v: &Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if at == "/unmapped/compliance" || at == "/resources[]/data/metadata" {
                return;
            }
            for (k, x) in map {
                let here = format!("{at}/{k}");
                out.insert(here.clone());
                key_paths(x, &here, out);
            }
        }
        Value::Array(items) => {
            for x in items {
                key_paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// The example scans have the fields Prowler 5.40.0's own test expects of its json-ocsf
/// output (tests/fixtures/prowler), and no others: the same event shape, bar what Prowler
/// writes only for AWS (`cloud_partition`) and only when set (an organisational unit).
#[test]
fn the_example_scans_have_the_shape_prowler_writes() {
    let paths = |path: &str| {
        let events: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out = std::collections::BTreeSet::new();
        for e in &events {
            assert_eq!(e["class_uid"], 2004, "{path}");
            assert_eq!(e["metadata"]["version"], "1.5.0", "{path}");
            key_paths(e, "", &mut out);
        }
        out
    };
    let prowler = paths("tests/fixtures/prowler/detection-finding-5.40.0.json");
    let optional = [
        "/resources[]/cloud_partition",
        "/cloud/org/ou_uid",
        "/cloud/org/ou_name",
    ];
    for example in [
        SCAN,
        "examples/reports/prowler-huaweicloud-staging.ocsf.json",
    ] {
        let ours = paths(example);
        let extra: Vec<&String> = ours.difference(&prowler).collect();
        assert!(
            extra.is_empty(),
            "{example} has fields Prowler does not write: {extra:?}"
        );
        let lacking: Vec<&String> = prowler
            .difference(&ours)
            .filter(|p| !optional.contains(&p.as_str()))
            .collect();
        assert!(
            lacking.is_empty(),
            "{example} lacks Prowler's fields: {lacking:?}"
        );
    }
}
