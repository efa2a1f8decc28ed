//! The control-level view: the shipped policies' framework controls, judged per run as
//! failed, passed or not evaluated, in JSON, Markdown and HTML.

use serde_json::Value;

use crate::tollgate;

fn control<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id} in {}", result["controls"]))
}

#[test]
fn a_control_fails_passes_or_is_not_evaluated_by_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("result.json");
    let md = dir.path().join("result.md");
    let html = dir.path().join("result.html");
    // Only the COC patch report: the Config rules have nothing to look at.
    tollgate()
        .args(["check", "--now", "2026-11-23T12:00:00Z", "-p", "policies"])
        .args(["-r", "examples/reports/huawei-coc-patch-compliance.json"])
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .arg("-o")
        .arg(format!("markdown={}", md.display()))
        .arg("-o")
        .arg(format!("html={}", html.display()))
        .assert()
        .code(1);
    let result: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();

    // PATCH-001 blocks on the critical nodes: PCI DSS 6.3.3 fails.
    let pci = control(&result, "PCI-DSS-4.0:6.3.3");
    assert_eq!(pci["status"], "failed");
    assert_eq!(pci["framework"], "PCI-DSS-4.0");
    assert!(pci["blocking"].as_u64().unwrap() > 0);
    assert_eq!(pci["rules"], serde_json::json!(["ITEM-001", "PATCH-001"]));
    // ...and ITEM-001 had no patch-item report, so it is listed as not evaluated.
    assert_eq!(pci["not_evaluated"], serde_json::json!(["ITEM-001"]));
    // The Config rules read nothing: CM-6 is not evaluated, not passed.
    let cm6 = control(&result, "NIST-800-53-r5:CM-6");
    assert_eq!(cm6["status"], "not_evaluated");
    assert_eq!(
        cm6["not_evaluated"],
        serde_json::json!(["CFG-001", "CFG-002", "SCAN-001"])
    );
    assert_eq!(cm6["blocking"], 0);
    // Every finding carries its rule's controls.
    let findings = result["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let rule = result["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == f["rule"])
            .unwrap();
        assert_eq!(f["controls"], rule["controls"], "{}", f["rule"]);
    }

    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("#### Controls"), "{md}");
    assert!(
        md.contains("| NIST-800-53-r5:CM-6 | ⚪ not evaluated (CFG-001, CFG-002, SCAN-001) | CFG-001, CFG-002, SCAN-001 | 0 | 0 |"),
        "{md}"
    );
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains(r#"<table class="list" id="controls">"#));
    assert!(html.contains(r#"<span class="control failed">failed</span>"#));
    assert!(html.contains(r#"<span class="control not_evaluated">not evaluated</span>"#));
}

#[test]
fn a_control_whose_rules_find_nothing_blocking_passes() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("result.json");
    // PATCH-005 is advisory: its findings never block.
    tollgate()
        .args(["check", "--now", "2026-11-23T12:00:00Z"])
        .args(["-p", "policies/patch/pending-reboot.rhai"])
        .args(["-r", "examples/reports/alibaba-oos-patch-states.json"])
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .assert()
        .code(0);
    let result: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let si2 = control(&result, "NIST-800-53-r5:SI-2");
    assert_eq!(si2["status"], "passed");
    assert!(
        si2["findings"].as_u64().unwrap() > 0,
        "advisory findings counted"
    );
    assert_eq!(si2["blocking"], 0);
}
