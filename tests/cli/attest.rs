//! `-o intoto` and `-o intoto-predicate`, checked against the in-toto Attestation
//! Framework's rules for a Statement v1 and its ResourceDescriptors (the framework's own
//! validators, in-toto/attestation go/v1 and python/v1, applied here field by field; .ci/run
//! also runs the framework's Python library on a statement) and against the test-result
//! predicate v0.1's fields.

use std::path::Path;

use predicates::str::contains;
use serde_json::Value;

use crate::tollgate;

const NOW: &str = "2026-11-23T12:00:00Z";

/// The hex length of each digest algorithm the framework knows.
fn hex_length(algorithm: &str) -> Option<usize> {
    Some(match algorithm {
        "md5" => 32,
        "sha1" | "gitBlob" | "gitCommit" | "gitTag" | "gitTree" => 40,
        "sha224" | "sha512_224" | "sha3_224" => 56,
        "sha256" | "sha512_256" | "sha3_256" | "dirHash" => 64,
        "sha384" | "sha3_384" => 96,
        "sha512" | "sha3_512" => 128,
        _ => return None,
    })
}

/// A ResourceDescriptor is valid: a name, URI or digest; each digest of a known
/// algorithm hex-encoded at its length.
fn check_descriptor(rd: &Value) {
    let rd = rd.as_object().expect("a descriptor is an object");
    assert!(
        rd.contains_key("name") || rd.contains_key("uri") || rd.contains_key("digest"),
        "at least one of name, URI, or digest: {rd:?}"
    );
    for (algorithm, value) in rd
        .get("digest")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let hex = value.as_str().expect("a digest is a string");
        let len = hex_length(algorithm).unwrap_or_else(|| panic!("unknown algorithm {algorithm}"));
        assert_eq!(hex.len(), len, "{algorithm} digest length");
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "hex: {hex}");
    }
}

/// The Statement v1 rules, then the test-result predicate's.
fn check_statement(statement: &Value) {
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    let subjects = statement["subject"].as_array().expect("subject is a list");
    assert!(!subjects.is_empty(), "at least one subject required");
    for s in subjects {
        check_descriptor(s);
        assert!(
            s["digest"].as_object().is_some_and(|d| !d.is_empty()),
            "v1 subjects need a digest"
        );
    }
    assert_eq!(
        statement["predicateType"],
        "https://in-toto.io/attestation/test-result/v0.1"
    );
    check_predicate(&statement["predicate"]);
}

fn check_predicate(p: &Value) {
    let p = p.as_object().expect("the predicate is an object");
    assert!(!p.is_empty(), "predicate object required");
    let result = p["result"].as_str().expect("result is required");
    assert!(["PASSED", "WARNED", "FAILED"].contains(&result), "{result}");
    let configuration = p["configuration"]
        .as_array()
        .expect("configuration is required");
    for rd in configuration {
        check_descriptor(rd);
    }
    if let Some(url) = p.get("url") {
        assert!(url.is_string(), "url is a ResourceURI");
    }
    for list in ["passedTests", "warnedTests", "failedTests"] {
        if let Some(tests) = p.get(list) {
            assert!(
                tests.as_array().unwrap().iter().all(Value::is_string),
                "{list}"
            );
        }
    }
    let known = [
        "result",
        "configuration",
        "url",
        "passedTests",
        "warnedTests",
        "failedTests",
    ];
    for key in p.keys() {
        assert!(
            known.contains(&key.as_str()),
            "a field the predicate does not have: {key}"
        );
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_failed_release_gate_attests_its_subjects_and_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("app-4.2.tar.gz");
    std::fs::write(&artifact, b"the release").unwrap();
    let statement = dir.path().join("statement.json");
    let predicate = dir.path().join("predicate.json");
    let result = dir.path().join("result.json");
    let image = format!("registry.example/app@4.2=sha256:{}", "ab".repeat(32));
    tollgate()
        .args(["check", "--now", NOW, "--subject"])
        .arg(&artifact)
        .args(["--subject", &image])
        .arg("-o")
        .arg(format!("intoto={}", statement.display()))
        .arg("-o")
        .arg(format!("intoto-predicate={}", predicate.display()))
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_RUN_ID", "77")
        .env_remove("GITHUB_RUN_ATTEMPT")
        .assert()
        .code(1);
    let s = json(&statement);
    check_statement(&s);
    let subjects = s["subject"].as_array().unwrap();
    assert_eq!(subjects[0]["name"], artifact.display().to_string());
    assert_eq!(
        subjects[0]["digest"]["sha256"],
        tollgate::model::decision::sha256(b"the release")
    );
    assert_eq!(subjects[1]["name"], "registry.example/app@4.2");
    assert_eq!(subjects[1]["digest"]["sha256"], "ab".repeat(32));

    let p = &s["predicate"];
    assert_eq!(p["result"], "FAILED");
    assert_eq!(p["url"], "https://github.com/acme/shop/actions/runs/77");
    let ids = |list: &str| -> Vec<String> {
        p[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert!(ids("failedTests").contains(&"PATCH-001".to_string()));
    assert!(ids("passedTests").contains(&"PACK-001".to_string()));
    assert!(
        ids("warnedTests").contains(&"PATCH-005".to_string()),
        "advisory findings warn"
    );
    // Every policy and evidence file of the decision record, by the same digest.
    let decision = &json(&result)["decision"];
    let configuration = p["configuration"].as_array().unwrap();
    for file in decision["policies"].as_array().unwrap() {
        assert!(configuration
            .iter()
            .any(|rd| rd["name"] == file["path"] && rd["digest"]["sha256"] == file["sha256"]));
    }
    for e in decision["evidence"].as_array().unwrap() {
        assert!(configuration
            .iter()
            .any(|rd| rd["name"] == e["name"] && rd["digest"]["sha256"] == e["sha256"]));
    }
    // The predicate alone is the statement's predicate.
    let alone = json(&predicate);
    check_predicate(&alone);
    assert_eq!(&alone, p);
}

#[test]
fn a_clean_gate_passes_and_a_statement_needs_a_subject() {
    let dir = tempfile::tempdir().unwrap();
    let predicate = dir.path().join("predicate.json");
    tollgate()
        .args(["check", "-c", "tests/fixtures/cli.toml", "--now", NOW])
        .args([
            "-r",
            "tests/fixtures/reports/cli/clean.json",
            "-p",
            "policies/patch",
        ])
        .arg("-o")
        .arg(format!("intoto-predicate={}", predicate.display()))
        .env_remove("GITHUB_RUN_ID")
        .env_remove("CI_JOB_URL")
        .env_remove("BUILD_URL")
        .assert()
        .code(0);
    let p = json(&predicate);
    check_predicate(&p);
    assert!(p["failedTests"].as_array().unwrap().is_empty());
    // ITEM-001 looks at patch lists, and there were none: not evaluated, so not passed,
    // and the result is no better than WARNED.
    assert!(
        p["warnedTests"]
            .as_array()
            .unwrap()
            .contains(&"ITEM-001".into()),
        "{p}"
    );
    assert!(!p["passedTests"]
        .as_array()
        .unwrap()
        .contains(&"ITEM-001".into()));
    assert_eq!(p["result"], "WARNED");

    tollgate()
        .args(["check", "--now", NOW, "-o", "intoto=x.json"])
        .assert()
        .code(2)
        .stderr(contains("-o intoto needs at least one --subject"));
    tollgate()
        .args(["check", "--now", NOW, "-o", "intoto-predicate=-"])
        .args(["--subject", "app=sha256:xyz"])
        .assert()
        .code(2)
        .stderr(contains("is not NAME=sha256:HEX"));
}
