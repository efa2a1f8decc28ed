//! The docs document what the code does: every resource field (and, for kinds whose fields
//! are a sheet's columns, how columns are named) in docs/resources.md, every report kind in
//! docs/sources.md, every shipped policy and limit in docs/policies.md; the README's first
//! policy and its test run as written.

use tollgate::model::resource::ResourceKind;
use tollgate::model::ReportKind;

fn readme() -> String {
    std::fs::read_to_string("README.md").unwrap()
}

fn page(name: &str) -> String {
    std::fs::read_to_string(format!("docs/{name}")).unwrap()
}

#[test]
fn every_resource_field_is_documented() {
    let text = page("resources.md");
    for kind in ResourceKind::ALL {
        for field in kind.field_names() {
            assert!(
                text.contains(&format!("`{field}`")),
                "docs/resources.md does not document {kind}.{field}"
            );
        }
        assert!(
            text.contains(&format!("`{kind}`")),
            "the docs do not name {kind}"
        );
        // A spreadsheet row's fields are its sheet's columns: no list can name them, so the
        // page must say how a header becomes a field name instead.
        if kind.has_dynamic_fields() {
            for phrase in ["one field per column", "`column_N`", "snake_case"] {
                assert!(
                    text.contains(phrase),
                    "docs/resources.md does not explain {kind}'s column fields ({phrase})"
                );
            }
        }
    }
}

#[test]
fn every_report_kind_is_documented() {
    let text = page("sources.md");
    for kind in ReportKind::ALL {
        assert!(
            text.contains(&format!("`{}`", kind.id())),
            "the docs do not name {kind}"
        );
    }
}

#[test]
fn every_shipped_policy_is_documented() {
    let text = page("policies.md");
    let mut ids = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("policies")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rhai")
                && !path.to_string_lossy().ends_with("_test.rhai")
            {
                let src = std::fs::read_to_string(&path).unwrap();
                let id = src
                    .split("id: \"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap()
                    .to_string();
                ids.push(id);
            }
        }
    }
    assert!(ids.len() >= 8, "{ids:?}");
    for id in ids {
        assert!(
            text.contains(&format!("| {id} |")),
            "docs/policies.md's policy table lacks {id}"
        );
    }
}

#[test]
fn limits_table_matches_the_defaults() {
    let text = page("policies.md");
    for (key, value) in tollgate::policy::Limits::default().entries() {
        assert!(
            text.contains(&format!("| `{key}` | {value} |")),
            "docs/policies.md's [limits] row for {key} is not {value}"
        );
    }
}

#[test]
fn every_reliability_row_names_a_test_that_exists() {
    let doc = std::fs::read_to_string("docs/reliability.md").unwrap();
    // Tests live in tests/cli, in the modules under src/, and in the policies' own
    // NAME_test.rhai files.
    let mut sources = String::new();
    let mut stack: Vec<std::path::PathBuf> = ["tests/cli", "src", "policies"]
        .iter()
        .map(Into::into)
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "rhai") {
                sources.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut named = 0;
    for part in doc.split("[`").skip(1) {
        let name = part.split('`').next().unwrap();
        named += 1;
        assert!(
            sources.contains(&format!("fn {name}()")),
            "docs/reliability.md names a test `{name}` that does not exist"
        );
    }
    assert!(named >= 30, "only {named} tests named");
}

/// The README's first five minutes run as written: `init`, then the README's policy and its
/// test saved beside the starter, pass `tollgate test` and `tollgate rules`, and the policy
/// finds the three critical prod nodes of the examples without a tollgate.toml (it once read
/// `global::PARAMS.prod_groups` and failed with "Function not found: contains ((), ())" when
/// no params were set).
#[test]
fn the_readmes_first_five_minutes_run_as_written() {
    let text = readme();
    let section = text
        .split("## The first five minutes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    let mut blocks = section
        .split("```rhai\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap());
    let (policy, test) = (blocks.next().unwrap(), blocks.next().unwrap());

    let dir = tempfile::tempdir().unwrap();
    crate::tollgate()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .code(0);
    std::fs::write(dir.path().join("policies/prod.rhai"), policy).unwrap();
    std::fs::write(dir.path().join("policies/prod_test.rhai"), test).unwrap();
    crate::tollgate()
        .current_dir(dir.path())
        .arg("test")
        .assert()
        .code(0)
        .stdout(predicates::str::ends_with("4 passed, 0 failed\n"));
    crate::tollgate()
        .current_dir(dir.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicates::str::contains("PATCH-001"));

    let path = dir.path().join("policies/prod.rhai");
    let out = crate::tollgate()
        .args([
            "check",
            "-c",
            "/dev/null",
            "-o",
            "json",
            "--now",
            "2026-11-23T12:00:00Z",
        ])
        .args([
            "-r",
            "examples/reports/huawei-coc-patch-compliance.json",
            "-p",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["summary"]["blocking"], 3);
}
