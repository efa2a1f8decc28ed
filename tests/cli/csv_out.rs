//! `-o csv`, read back by Python's `csv` module: an independent RFC 4180 reader.

use std::process::Command;

use crate::tollgate;

#[test]
fn a_spreadsheet_reader_gets_every_finding_and_no_formula() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("hostile.rhai");
    // Messages a cloud API or a policy might produce: a formula, a comma, quotes, a line
    // break, a leading minus.
    std::fs::write(
        &policy,
        r#"const RULE = #{ id: "CSV-001", severity: "high", applies_to: ["patch_node"],
    controls: ["NIST-800-53-r5:SI-2", "CIS-v8:7.3"] };
fn check(node) {
    if node.group == "prod" {
        deny(`=HYPERLINK("http://x","${node.name}"), "quoted"` + "\nsecond line");
    } else {
        deny(`-1+${node.id}`);
    }
}
"#,
    )
    .unwrap();
    let csv = dir.path().join("findings.csv");
    let json = dir.path().join("result.json");
    tollgate()
        .args(["check", "--now", "2026-11-23T12:00:00Z"])
        .arg("-p")
        .arg(&policy)
        .args(["-r", "examples/reports/huawei-coc-patch-compliance.json"])
        .arg("-o")
        .arg(format!("csv={}", csv.display()))
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .assert()
        .code(1);
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let findings = result["findings"].as_array().unwrap();
    // Every cell quoted: a `;` (the separator in many locales) cannot split a cell.
    let raw = std::fs::read_to_string(&csv).unwrap();
    assert!(raw.starts_with("\"rule\",\"severity\",\"level\""), "{raw}");

    // Python prints, per row, the cells as JSON: what a spreadsheet import would see.
    let read = Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, json, sys\n\
             with open(sys.argv[1], newline='') as f:\n\
             \x20   for row in csv.DictReader(f):\n\
             \x20       print(json.dumps(row))\n",
        )
        .arg(&csv)
        .output()
        .expect("python3 runs");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8(read.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), findings.len());
    assert!(rows.len() > 2);
    for (row, f) in rows.iter().zip(findings) {
        assert_eq!(row["rule"], "CSV-001");
        assert_eq!(row["fingerprint"], f["fingerprint"]);
        assert_eq!(row["resource_id"], f["resource"]["id"]);
        assert_eq!(row["blocking"], f["blocking"].to_string());
        assert_eq!(row["controls"], "NIST-800-53-r5:SI-2; CIS-v8:7.3");
        let message = f["message"].as_str().unwrap();
        // The text survives whole, commas, quotes and line breaks included, behind a
        // quote mark where it would start a formula.
        assert_eq!(row["message"], format!("'{message}"));
        let cell = row["message"].as_str().unwrap();
        assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
    }
    assert!(rows
        .iter()
        .any(|r| r["message"].as_str().unwrap().contains("\nsecond line")));
}
