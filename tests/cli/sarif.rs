//! `-o sarif`: the locations a user sees in code scanning point at the right places. Every
//! result's reported line and column, read back from the report file, is where the
//! resource's JSON object opens.

use serde_json::Value;

use crate::{check, policy, report, texts, FIX};

const WEB_01: &str = "11111111-0000-4000-8000-000000000001";

/// A policy that flags every node (at `info`, with brackets in its message) and the report
/// as a whole.
const EVERY: &str = r#"const RULE = #{ id: "T-EVERY", title: "Every node is listed", severity: "info", applies_to: ["patch_node"], help: "Nothing to do <really>." };
fn check(n) { `${n.name} [${n.group}]` }
fn check_report(r) { `${r.count} nodes` }
"#;

/// Run, check the exit code, and parse the SARIF file.
fn run(mut cmd: assert_cmd::Command, code: i32, sarif: &std::path::Path) -> Value {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(code), "{stderr}\n{stdout}");
    serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap()
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

fn physical(result: &Value) -> (&str, usize, Option<usize>) {
    let p = &result["locations"][0]["physicalLocation"];
    (
        p["artifactLocation"]["uri"].as_str().unwrap(),
        p["region"]["startLine"].as_u64().unwrap() as usize,
        p["region"]["startColumn"].as_u64().map(|c| c as usize),
    )
}

#[test]
fn sarif_lines_hold_the_resources() {
    let dir = tempfile::tempdir().unwrap();
    let every = dir.path().join("every.rhai");
    std::fs::write(&every, EVERY).unwrap();
    let out = dir.path().join("out/tollgate.sarif");
    let report_path = report("prod-critical.json");
    let log = run(
        check(&[
            "-r",
            &report_path,
            "-p",
            &policy("prod"),
            "-p",
            every.to_str().unwrap(),
            "-o",
            &format!("sarif={}", out.display()),
            "-o",
            "human",
        ]),
        1,
        &out,
    );
    let text = std::fs::read_to_string(&report_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let results = results(&log);
    assert_eq!(
        results.len(),
        5,
        "PATCH-001 once, T-EVERY on 3 nodes and the report"
    );
    let mut resources = Vec::new();
    for result in results {
        let (uri, line, column) = physical(result);
        assert_eq!(
            uri, report_path,
            "the report, relative to the working directory"
        );
        let id = result["locations"][0]["logicalLocations"][0]["name"]
            .as_str()
            .unwrap();
        if id == "huawei.coc.patch_compliance" {
            assert_eq!((line, column), (1, None), "a report-level finding: line 1");
            continue;
        }
        let column = column.unwrap();
        let at_line = lines[line - 1];
        let opening: String = at_line.chars().skip(column - 1).collect();
        assert!(
            opening.starts_with('{'),
            "{id}: line {line} column {column} is {at_line:?}"
        );
        // The object that opens there is the resource's own.
        let offset = text
            .lines()
            .take(line - 1)
            .map(|l| l.len() + 1)
            .sum::<usize>()
            + at_line.len()
            - opening.len();
        let object: Value = serde_json::Deserializer::from_str(&text[offset..])
            .into_iter()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(object["instance_id"], id, "line {line}");
        assert_eq!(result["properties"]["resource"]["id"], id);
        resources.push(id.to_string());
    }
    resources.sort();
    resources.dedup();
    assert_eq!(resources.len(), 3, "every node located: {resources:?}");

    let patch = results.iter().find(|r| r["ruleId"] == "PATCH-001").unwrap();
    assert_eq!(patch["level"], "error");
    assert_eq!(physical(patch).1, 3, "prod-critical.json:3:28");
    assert_eq!(patch["locations"][0]["logicalLocations"][0]["name"], WEB_01);
    let note = results
        .iter()
        .find(|r| r["ruleId"] == "T-EVERY" && r["properties"]["resource"]["id"] == WEB_01)
        .unwrap();
    assert_eq!(note["level"], "note", "info findings are notes");
    assert!(
        note["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("ecs-prod-web-01 \\[prod\\] — patch_node"),
        "brackets are escaped so they do not read as links: {}",
        note["message"]["text"]
    );
    let run = &log["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "tollgate/");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let cwd = std::env::current_dir().unwrap();
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    assert!(
        base.contains(cwd.file_name().unwrap().to_str().unwrap()),
        "{base}"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
}

#[test]
fn absolute_report_paths_and_category() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.sarif");
    let absolute = std::env::current_dir()
        .unwrap()
        .join(report("prod-critical.json"));
    let log = run(
        check(&[
            "-r",
            absolute.to_str().unwrap(),
            "-p",
            &policy("prod"),
            "--sarif-category",
            "gates/prod",
            "-o",
            &format!("sarif={}", out.display()),
        ]),
        1,
        &out,
    );
    let result = &results(&log)[0];
    assert_eq!(
        physical(result).0,
        report("prod-critical.json"),
        "a path under the working directory is made relative"
    );
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "gates/prod/");
}

#[test]
fn report_from_stdin_points_at_the_rule() {
    let text = std::fs::read_to_string(report("prod-critical.json")).unwrap();
    let out = check(&["-r", "-", "-p", &policy("prod"), "-o", "sarif"])
        .write_stdin(text)
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let log: Value = serde_json::from_str(&stdout).unwrap();
    let result = &results(&log)[0];
    let (uri, line, _) = physical(result);
    let rule_file = format!("{FIX}/policies/prod/prod-no-critical.rhai");
    assert_eq!(uri, rule_file);
    let policy_text = std::fs::read_to_string(&rule_file).unwrap();
    assert!(
        policy_text
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("const RULE"),
        "line {line} of the policy holds its RULE"
    );
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        format!("huawei/cn-north-4/prod/{WEB_01}")
    );
}
