//! The fail-closed matrix of docs/reliability.md: for each way evidence can be wrong or
//! missing that no other test module covers, the exit code is 2 (or 1 for stale evidence)
//! and standard error names the cause. Rows covered elsewhere are linked from the doc.

use std::path::{Path, PathBuf};

use crate::support::fake::{FakeReply, FakeServer};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::{json, Value};

use crate::live::{config, live};
use crate::tollgate;

const NOW: &str = "2026-11-23T12:00:00Z";
const COC: &str = "examples/reports/huawei-coc-patch-compliance.json";

/// `tollgate check` of one report with the shipped policies and no tollgate.toml.
fn gate(report: &Path) -> assert_cmd::assert::Assert {
    tollgate()
        .args([
            "check",
            "-c",
            "/dev/null",
            "-p",
            "policies",
            "--now",
            NOW,
            "-r",
        ])
        .arg(report)
        .assert()
}

/// The shipped COC example, changed by `edit`, written to `dir/name`.
fn coc_with(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(COC).unwrap()).unwrap();
    edit(&mut doc);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn unreadable_report_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("binary.json");
    std::fs::write(&path, b"\xff\xfe\x00\x01 not text").unwrap();
    gate(&path)
        .code(2)
        .stderr(contains("cannot read report"))
        .stderr(contains("binary.json"));
}

#[test]
fn truncated_report_is_exit_2_at_the_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cut.json");
    let text = std::fs::read_to_string(COC).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    gate(&path)
        .code(2)
        .stderr(contains("is not valid JSON"))
        .stderr(contains("EOF while parsing"));
}

#[test]
fn empty_file_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("empty.json");
    std::fs::write(&path, "").unwrap();
    gate(&path).code(2).stderr(contains("empty.json"));
}

#[test]
fn wrong_kind_is_exit_2() {
    tollgate()
        .args(["check", "-c", "/dev/null", "-p", "policies", "-r", COC])
        .args(["--report-kind", "alibaba.oos.instance_patch_states"])
        .assert()
        .code(2)
        .stderr(contains("is not a document tollgate knows"));
}

#[test]
fn duplicate_resources_are_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let path = coc_with(tmp.path(), "dup.json", |doc| {
        let nodes = doc["instance_compliant"].as_array_mut().unwrap();
        nodes.push(nodes[0].clone());
        doc["count"] = json!(nodes.len());
    });
    gate(&path).code(2).stderr(contains("twice"));
}

#[test]
fn a_declared_count_the_records_do_not_reach_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let path = coc_with(tmp.path(), "short.json", |doc| {
        doc["instance_compliant"].as_array_mut().unwrap().pop();
    });
    gate(&path)
        .code(2)
        .stderr(contains("declares a total of 48 but holds 47 records"));
}

#[test]
fn stale_evidence_fails_the_gate() {
    // Every node reported 30 days before the gate runs: EVID-001 blocks at the default
    // fail-on, whatever else the report says.
    let tmp = tempfile::tempdir().unwrap();
    let path = coc_with(tmp.path(), "old.json", |doc| {
        for node in doc["instance_compliant"].as_array_mut().unwrap() {
            node["execution_summary"]["report_time"] = json!(1_792_843_200_000i64);
        }
    });
    tollgate()
        .args([
            "check",
            "-c",
            "/dev/null",
            "-p",
            "policies/evidence",
            "--now",
            NOW,
            "-r",
        ])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(contains("EVID-001"))
        .stdout(contains("720 hours old (limit 24)"));
}

#[test]
fn access_denied_is_exit_2_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeServer::start(|_| {
        FakeReply::json(
            403,
            json!({"error_code": "COC.00040301", "error_msg": "policy denies coc:patch:list"}),
        )
    });
    let cfg = config(tmp.path(), &server, "");
    live(&cfg)
        .args(["check", "--source", "coc", "--now", NOW])
        .assert()
        .code(2)
        .stderr(contains("403"))
        .stderr(contains("policy denies coc:patch:list"))
        .stderr(contains("not allowed to make this call"));
    assert_eq!(server.hits(), 1, "a 403 is not retried");
}

#[test]
fn an_unreadable_compliance_pack_spreadsheet_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let page: Value = serde_json::from_str(
        &std::fs::read_to_string("examples/reports/alibaba-config-pack-report.json").unwrap(),
    )
    .unwrap();
    use base64::Engine as _;
    let garbage = base64::engine::general_purpose::STANDARD.encode(b"PK\x03\x04 not a workbook");
    let evidence = json!({
        "tollgate_evidence": 1,
        "fetched_at": "2026-11-23T10:00:00.000Z",
        "source": {"name": "pack"},
        "reports": [{
            "kind": "alibaba.config.compliance_pack_report",
            "name": "source:pack",
            "pages": [page],
            "sheet": {"file": "report.xlsx", "base64": garbage}
        }]
    });
    let path = tmp.path().join("evidence.json");
    std::fs::write(&path, evidence.to_string()).unwrap();
    gate(&path).code(2).stderr(contains("report.xlsx"));
}

#[test]
fn deeply_nested_json_is_exit_2_not_a_stack_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("deep.json");
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    // In a field tollgate reads: the wrong type, exit 2.
    let read = format!(
        "{{\"count\":1,\"instance_compliant\":[{{\"instance_id\":\"i-1\",\"group\":{nested}}}]}}"
    );
    std::fs::write(&path, read).unwrap();
    gate(&path)
        .code(2)
        .stderr(contains("invalid type"))
        .stderr(contains("panicked").not());
    // In a field it skips: stepped over without recursion, and the rest is judged as usual.
    let skipped = format!(
        "{{\"count\":1,\"instance_compliant\":[{{\"instance_id\":\"i-1\",\"group\":\"prod\",\"status\":\"non_compliant\",\"non_compliant_summary\":{{\"non_compliant_count\":1,\"severity_summary\":{{\"critical_count\":1}}}},\"vendor_extra\":{nested}}}]}}"
    );
    std::fs::write(&path, skipped).unwrap();
    gate(&path)
        .code(1)
        .stdout(contains("PATCH-001"))
        .stderr(contains("panicked").not());
}

#[test]
fn a_ten_megabyte_string_is_read_and_bounded_in_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let path = coc_with(tmp.path(), "long.json", |doc| {
        doc["instance_compliant"][0]["name"] = json!("x".repeat(10 << 20));
    });
    // The report is read whole; a policy that copies the name hits the string limit.
    let policies = tmp.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("copy.rhai"),
        r#"const RULE = #{ id: "COPY-1", title: "copy", severity: "high", applies_to: ["patch_node"] };
fn check(node) { let s = `${node.name}${node.name}`; }"#,
    )
    .unwrap();
    tollgate()
        .args(["check", "-c", "/dev/null", "--now", NOW, "-r"])
        .arg(&path)
        .arg("-p")
        .arg(&policies)
        .assert()
        .code(2)
        .stderr(contains("tollgate::policy::budget"))
        .stderr(contains("string_len"));
}

#[test]
fn a_policy_that_grows_an_array_without_bound_is_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("grow.rhai"),
        r#"const RULE = #{ id: "GROW-1", title: "grow", severity: "high", applies_to: ["patch_node"] };
fn check(node) { let a = [1]; loop { a += a; } }"#,
    )
    .unwrap();
    // Stopped at `array_len` (100,000 items by default), after a few doublings.
    tollgate()
        .args(["check", "-c", "/dev/null", "--now", NOW, "-r", COC, "-p"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(contains("tollgate::policy::budget"))
        .stderr(contains("`array_len`"));
}

/// `tollgate check | head`: the reader closes standard output early. A failing gate still
/// exits 1 (not 0, which a closed pipe meant for commands that only print), and the file
/// outputs after the closed one are still written.
#[test]
fn a_closed_standard_output_keeps_the_verdict_and_the_files() {
    let dir = tempfile::tempdir().unwrap();
    // 3,000 breaching prod nodes: far more human output than a pipe buffers (64 KiB).
    let nodes: Vec<Value> = (0..3000)
        .map(|i| {
            json!({
                "instance_id": format!("node-{i:05}"),
                "name": format!("ecs-prod-{i:05}"),
                "group": "prod",
                "non_compliant_summary": {
                    "non_compliant_count": 2,
                    "severity_summary": { "critical_count": 2 }
                }
            })
        })
        .collect();
    let report = dir.path().join("big.json");
    let body = json!({ "count": nodes.len(), "instance_compliant": nodes });
    std::fs::write(&report, body.to_string()).unwrap();
    let sarif = dir.path().join("out.sarif");

    let gate = |outputs: &[&str]| {
        let mut args = vec![
            "check",
            "-c",
            "/dev/null",
            "-p",
            "policies",
            "--now",
            NOW,
            "-r",
        ];
        args.push(report.to_str().unwrap());
        args.extend(outputs);
        exit_when_stdout_closes(&args)
    };
    let sarif_spec = format!("sarif={}", sarif.display());
    assert_eq!(
        gate(&["-o", "human", "-o", &sarif_spec]),
        Some(1),
        "a failing gate piped into head"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = written["runs"][0]["results"].as_array().unwrap();
    let critical = results
        .iter()
        .filter(|r| r["ruleId"] == "PATCH-001")
        .count();
    assert_eq!(critical, 3000, "every breaching node is in the SARIF file");

    // The same for the JSON and SARIF formats on standard output, whose serialiser carries
    // the closed pipe inside its own error.
    for format in ["json", "sarif"] {
        assert_eq!(gate(&["-o", format]), Some(1), "-o {format} | head");
    }

    // `tollgate test | head` with failing tests is a failure too.
    let test = [
        "test",
        "-c",
        "tests/fixtures/cli.toml",
        "-v",
        "tests/fixtures/policy-tests/failing",
    ];
    assert_eq!(exit_when_stdout_closes(&test), Some(1));
}

/// Run tollgate with `args`, read at most 16 bytes of its standard output and close it (as
/// `head -c 16` does), and return its exit code.
fn exit_when_stdout_closes(args: &[&str]) -> Option<i32> {
    use std::io::Read;
    use std::process::Stdio;

    let mut child = crate::tollgate_process()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    let _ = stdout.read(&mut first).unwrap();
    drop(stdout);
    child.wait().unwrap().code()
}
