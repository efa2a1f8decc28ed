//! Every output format on the same fixture, written to files in one run, plus the GitHub
//! step summary.

use predicates::str::contains;

use crate::{check, policy, report};

#[test]
fn every_format_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec![
        "-r".to_string(),
        report("prod-critical.json"),
        "-p".to_string(),
        policy("prod"),
        // What `-o intoto` attests.
        "--subject".to_string(),
        format!("app=sha256:{}", "0".repeat(64)),
    ];
    for format in tollgate::output::Format::ALL {
        args.push("-o".into());
        args.push(format!(
            "{}={}",
            format.as_str(),
            tmp.path()
                .join(format!("out.{}", format.as_str()))
                .display()
        ));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    check(&args).assert().code(1).stdout("");
    let read = |name: &str| std::fs::read_to_string(tmp.path().join(name)).unwrap();
    for format in tollgate::output::Format::ALL {
        let text = read(&format!("out.{}", format.as_str()));
        assert!(
            text.contains("PATCH-001"),
            "{} names the rule:\n{text}",
            format.as_str()
        );
    }
    assert!(read("out.junit").contains(r#"classname="PATCH-001""#));
    assert!(read("out.github").contains(
        "::error file=tests/fixtures/reports/cli/prod-critical.json,line=3,col=28,title=PATCH-001 [critical]"
    ));
    assert!(read("out.markdown").starts_with("### ❌ tollgate: gate failed"));
    let html = read("out.html");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(r#"<section class="banner failed""#), "{html}");
    // No temporary file is left beside the outputs.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        tollgate::output::Format::ALL.len(),
        "{names:?}"
    );
}

#[test]
fn github_appends_the_summary_to_the_step_summary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    check(&[
        "-r",
        &report("prod-critical.json"),
        "-p",
        &policy("prod"),
        "-o",
        "github",
    ])
    .env("GITHUB_STEP_SUMMARY", &summary)
    .assert()
    .code(1)
    .stdout(contains("::error file="))
    .stdout(contains("FAILED: 1 blocking finding"));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n### ❌ tollgate: gate failed"),
        "{text}"
    );
    assert!(text.contains("| PATCH-001 | critical |"), "{text}");
}
