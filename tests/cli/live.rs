//! Live sources against fakes of the vendor APIs on 127.0.0.1: every request's signature
//! is checked with tollgate's own signer from the request as received, pages are served
//! as the documents describe, and faults are injected on demand.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::fake::{FakeReply, FakeRequest, FakeServer};
use predicates::str::contains;
use serde_json::{json, Value};
use tollgate::cloud::sign::{self, alibaba, huawei};

use crate::{texts, tollgate};

pub const AK: &str = "HWTESTAKSECRETLOOKING01";
pub const SK: &str = "hw-super-secret-sk-do-not-print-0123456789";
const ALI_ID: &str = "LTAITestAccessKeyId0001";
const ALI_SECRET: &str = "ali-super-secret-do-not-print-0123456789";
const NOW: &str = "2026-11-23T12:00:00Z";

fn header<'a>(req: &'a FakeRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Recompute a Huawei signature from the request as received; `None` when it matches.
pub fn huawei_signature_error(req: &FakeRequest) -> Option<String> {
    let auth = header(req, "Authorization")?;
    let signed = auth.split("SignedHeaders=").nth(1)?.split(',').next()?;
    let headers: Vec<(String, String)> = signed
        .split(';')
        .filter_map(|name| header(req, name).map(|v| (name.to_string(), v.to_string())))
        .collect();
    let host = header(req, "Host").unwrap_or_default().to_string();
    let request = sign::Request {
        method: &req.method,
        host: &host,
        path: &req.path,
        query: &req.query,
        headers: &headers,
        body: &req.body,
    };
    let creds = huawei::Credentials {
        ak: AK.into(),
        sk: SK.into(),
        security_token: None,
    };
    let date = header(req, "X-Sdk-Date")?;
    let expected = huawei::sign(&request, &creds, date).authorization;
    (expected != auth).then(|| format!("expected {expected}, got {auth}"))
}

fn node(i: usize) -> Value {
    let critical = if i.is_multiple_of(7) { 2 } else { 0 };
    json!({
        "id": format!("rep-{i:05}"),
        "instance_id": format!("i-{i:05}"),
        "name": format!("ecs-{}-{i}", if i.is_multiple_of(2) { "prod" } else { "dev" }),
        "group": if i.is_multiple_of(2) { "prod" } else { "dev" },
        "region": "cn-north-4",
        "status": if critical > 0 { "non_compliant" } else { "compliant" },
        "non_compliant_summary": {"non_compliant_count": critical, "severity_summary": {"critical_count": critical}},
        "execution_summary": {"report_time": 1_795_420_000_000u64}
    })
}

/// How the fake COC misbehaves.
#[derive(Default, Clone, Copy)]
struct Faults {
    /// Declare this many more nodes than the pages hold.
    extra_count: usize,
    /// Read `offset` as a record offset instead of a page number.
    record_offset: bool,
    /// Answer the first N requests with 429 and Retry-After: 1.
    throttle_first: usize,
    /// Answer the first N requests with 503.
    fail_first: usize,
    /// Drop the connection of the first N requests.
    drop_first: usize,
    /// Fail every request with 500.
    always_500: bool,
}

fn coc(nodes: usize, faults: Faults) -> (FakeServer, Arc<AtomicUsize>) {
    let bad = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicUsize::new(0));
    let bad_sig = Arc::clone(&bad);
    let server = FakeServer::start(move |req: &FakeRequest| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = huawei_signature_error(req) {
            bad_sig.fetch_add(1, Ordering::SeqCst);
            return FakeReply::json(401, json!({"error_code": "APIGW.0301", "error_msg": e}));
        }
        if faults.always_500 {
            return FakeReply::json(
                500,
                json!({"error_code": "COC.00000500", "error_msg": "internal error"}),
            );
        }
        if n < faults.drop_first {
            return FakeReply::drop();
        }
        if n < faults.throttle_first {
            return FakeReply::json(
                429,
                json!({"error_code": "APIGW.0308", "error_msg": "throttled"}),
            )
            .header("Retry-After", "1");
        }
        if n < faults.fail_first {
            return FakeReply::json(503, json!({"error_code": "COC.503", "error_msg": "busy"}));
        }
        let q = |k: &str| {
            req.query
                .iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.clone())
        };
        let limit: usize = q("limit").and_then(|v| v.parse().ok()).unwrap_or(10);
        let offset: usize = q("offset").and_then(|v| v.parse().ok()).unwrap_or(1);
        if let Some(id) = req.path.strip_prefix("/v1/patch/instance/compliant/") {
            let i: usize = id.trim_start_matches("rep-").parse().unwrap_or(0);
            return FakeReply::json(
                200,
                json!({"count": 1, "compliance_items": [{
                "instance_id": format!("i-{i:05}"), "title": format!("KB{i}"),
                "severity_level": "Critical", "classification": "Security",
                "patch_detail": {"patch_status": "MISSING"}}]}),
            );
        }
        let start = if faults.record_offset {
            offset
        } else {
            (offset - 1) * limit
        };
        let page: Vec<Value> = (start..nodes.min(start + limit)).map(node).collect();
        FakeReply::json(
            200,
            json!({"count": nodes + faults.extra_count, "instance_compliant": page}),
        )
    });
    (server, bad)
}

pub fn config(dir: &std::path::Path, server: &FakeServer, extra: &str) -> std::path::PathBuf {
    let root = std::env::current_dir().unwrap();
    let path = dir.join("tollgate.toml");
    std::fs::write(
        &path,
        format!(
            r#"policies = ["{}"]
[params]
prod_groups = ["prod"]

[[source]]
name = "coc"
kind = "huawei.coc.patch_compliance"
endpoint = "{}"
project_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
filters = {{ report_scene = "ECS" }}
max_attempts = 4
{extra}
"#,
            root.join("policies").display(),
            server.url()
        ),
    )
    .unwrap();
    path
}

pub fn live(config: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = tollgate();
    cmd.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALI_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALI_SECRET)
        .env_remove("CLOUD_SDK_AK")
        .env_remove("CLOUD_SDK_SK")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env("TOLLGATE_CONFIG", config);
    cmd
}

#[test]
fn fetches_every_page_and_the_details_with_valid_signatures() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, bad) = coc(350, Faults::default());
    let cfg = config(tmp.path(), &server, r#"details = "non_compliant""#);
    let json_out = tmp.path().join("result.json");
    let out = live(&cfg)
        .args(["check", "--source", "coc", "--now", NOW, "-o", "human"])
        .arg("-o")
        .arg(format!("json={}", json_out.display()))
        .assert()
        .code(1);
    let (stdout, _) = texts(out.get_output());
    assert!(
        stdout.contains("in 400 resources from 51 reports"),
        "{stdout}"
    );
    assert_eq!(bad.load(Ordering::SeqCst), 0, "every signature verified");
    // 4 pages of 100 plus one patch list per non-compliant node (every 7th: 50 of them).
    assert_eq!(server.hits(), 4 + 50);
    let result: Value = serde_json::from_str(&std::fs::read_to_string(json_out).unwrap()).unwrap();
    assert_eq!(result["reports"][0]["origin"], "source:coc");
    assert_eq!(result["reports"][0]["declared"], 350);
}

#[test]
fn a_saved_fetch_gives_the_same_result_as_a_live_check() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(120, Faults::default());
    let cfg = config(tmp.path(), &server, r#"details = "all""#);
    let evidence = tmp.path().join("evidence/coc.json");
    live(&cfg)
        .args(["fetch", "--source", "coc", "--now", NOW, "--out"])
        .arg(&evidence)
        .assert()
        .code(0);
    let saved = tmp.path().join("saved.json");
    let fresh = tmp.path().join("live.json");
    live(&cfg)
        .args(["check", "--now", NOW, "-r"])
        .arg(&evidence)
        .arg("-o")
        .arg(format!("json={}", saved.display()))
        .assert()
        .code(1);
    live(&cfg)
        .args(["check", "--source", "coc", "--now", NOW])
        .arg("-o")
        .arg(format!("json={}", fresh.display()))
        .assert()
        .code(1);
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    // The same result, and the decision records name the same evidence bytes: the live
    // check hashed exactly what fetch saved. Only the input's name and kind of source
    // differ (the file, and `source:coc`).
    let mut saved_result: serde_json::Value = serde_json::from_str(&read(&saved)).unwrap();
    let mut fresh_result: serde_json::Value = serde_json::from_str(&read(&fresh)).unwrap();
    let (saved_evidence, fresh_evidence) = (
        saved_result["decision"]["evidence"].take(),
        fresh_result["decision"]["evidence"].take(),
    );
    assert_eq!(saved_result, fresh_result);
    assert_eq!(saved_evidence[0]["sha256"], fresh_evidence[0]["sha256"]);
    assert_eq!(
        saved_evidence[0]["sha256"],
        tollgate::model::decision::sha256(read(&evidence).as_bytes())
    );
    assert_eq!(fresh_evidence[0]["name"], "source:coc");
    assert_eq!(fresh_evidence[0]["source"], "live");
    assert_eq!(saved_evidence[0]["source"], "file");
    assert_eq!(
        saved_evidence[0]["fetched_at"],
        fresh_evidence[0]["fetched_at"]
    );
    let text = read(&evidence);
    assert!(
        text.starts_with(r#"{"tollgate_evidence":1,"fetched_at":"2026-11-23T12:00:00.000Z""#),
        "{}",
        &text[..200]
    );
}

#[test]
fn throttling_errors_and_dropped_connections_are_retried() {
    for faults in [
        Faults {
            throttle_first: 2,
            ..Faults::default()
        },
        Faults {
            fail_first: 2,
            ..Faults::default()
        },
        Faults {
            drop_first: 2,
            ..Faults::default()
        },
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let (server, _) = coc(30, faults);
        let cfg = config(tmp.path(), &server, "");
        live(&cfg)
            .args(["check", "--source", "coc", "--now", NOW])
            .assert()
            .code(1)
            .stdout(contains("in 30 resources from 1 report"));
        assert_eq!(server.hits(), 2 + 1, "two faults, then the one page");
    }
}

#[test]
fn giving_up_after_retries_exits_2_with_the_vendor_message() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(
        30,
        Faults {
            always_500: true,
            ..Faults::default()
        },
    );
    let cfg = config(tmp.path(), &server, "");
    live(&cfg)
        .args(["check", "--source", "coc", "--now", NOW])
        .assert()
        .code(2)
        // The default output still says why, once the outputs are known.
        .stdout(contains("ERROR: the gate could not decide: COC node list"))
        .stdout(contains("— exit 2\n"))
        .stderr(contains("COC.00000500"))
        .stderr(contains("internal error"))
        .stderr(contains("4 attempts"));
    assert_eq!(server.hits(), 4);
}

#[test]
fn a_count_the_pages_do_not_hold_fails_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(
        150,
        Faults {
            extra_count: 3,
            ..Faults::default()
        },
    );
    let cfg = config(tmp.path(), &server, "");
    live(&cfg)
        .args(["check", "--source", "coc", "--now", NOW])
        .assert()
        .code(2)
        .stderr(contains("source:coc is incomplete"));
}

#[test]
fn offset_read_as_a_record_offset_is_caught_as_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(
        250,
        Faults {
            record_offset: true,
            ..Faults::default()
        },
    );
    let cfg = config(tmp.path(), &server, "");
    live(&cfg)
        .args(["check", "--source", "coc", "--now", NOW])
        .assert()
        .code(2)
        .stderr(contains("twice"));
}

#[test]
fn missing_credentials_name_the_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(1, Faults::default());
    let cfg = config(tmp.path(), &server, "");
    live(&cfg)
        .env_remove("HUAWEICLOUD_SDK_SK")
        .args(["check", "--source", "coc"])
        .assert()
        .code(2)
        .stderr(contains(
            "source coc needs a secret key (SK): set HUAWEICLOUD_SDK_SK or CLOUD_SDK_SK",
        ));
    assert_eq!(server.hits(), 0);
}

#[test]
fn an_unknown_source_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(1, Faults::default());
    let cfg = config(tmp.path(), &server, "");
    live(&cfg)
        .args(["check", "--source", "nope"])
        .assert()
        .code(2)
        .stderr(contains("no source named nope"))
        .stderr(contains("coc"));
}

#[test]
fn secrets_never_reach_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(
        40,
        Faults {
            throttle_first: 1,
            ..Faults::default()
        },
    );
    let cfg = config(tmp.path(), &server, r#"details = "all""#);
    let mut written = String::new();
    for format in tollgate::output::Format::ALL {
        let path = tmp.path().join(format!("out.{}", format.as_str()));
        let out = live(&cfg)
            .args(["-vv", "check", "--source", "coc", "--now", NOW])
            .args(["--subject", &format!("app=sha256:{}", "0".repeat(64)), "-o"])
            .arg(format!("{}={}", format.as_str(), path.display()))
            .assert()
            .code(1);
        let (stdout, stderr) = texts(out.get_output());
        written.push_str(&stdout);
        written.push_str(&stderr);
        written.push_str(&std::fs::read_to_string(&path).unwrap());
    }
    let evidence = tmp.path().join("ev.json");
    let out = live(&cfg)
        .args(["-vv", "fetch", "--source", "coc", "--out"])
        .arg(&evidence)
        .assert()
        .code(0);
    let (stdout, stderr) = texts(out.get_output());
    written.push_str(&stdout);
    written.push_str(&stderr);
    written.push_str(&std::fs::read_to_string(&evidence).unwrap());
    // And an error path: every attempt rejected.
    let (bad, _) = coc(
        1,
        Faults {
            always_500: true,
            ..Faults::default()
        },
    );
    let bad_cfg = config(tmp.path(), &bad, "");
    let out = live(&bad_cfg)
        .args(["-vv", "check", "--source", "coc"])
        .assert()
        .code(2);
    let (stdout, stderr) = texts(out.get_output());
    written.push_str(&stdout);
    written.push_str(&stderr);
    // A vendor that echoes the request's Authorization header and token in its error.
    let echo = FakeServer::start(|req: &FakeRequest| {
        let auth = header(req, "Authorization").unwrap_or_default().to_string();
        let token = header(req, "X-Security-Token")
            .unwrap_or_default()
            .to_string();
        FakeReply::json(
            401,
            json!({"error_code": "APIGW.0301", "error_msg": format!("bad signature in {auth} with {token}")}),
        )
    });
    let echo_cfg = config(tmp.path(), &echo, "");
    let out = live(&echo_cfg)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
        .args(["-vv", "fetch", "--source", "coc"])
        .assert()
        .code(2);
    let (stdout, stderr) = texts(out.get_output());
    assert!(
        stderr.contains("bad signature in"),
        "the vendor's message is kept: {stderr}"
    );
    written.push_str(&stdout);
    written.push_str(&stderr);
    // Commands that take no credentials have none to leak, even with them set.
    for args in [
        vec!["test", "policies/"],
        vec!["rules"],
        vec!["completions", "bash"],
    ] {
        let out = live(&cfg).arg("-vv").args(&args).assert().success();
        let (stdout, stderr) = texts(out.get_output());
        written.push_str(&stdout);
        written.push_str(&stderr);
    }
    // The signatures the servers received, derived from the secret key.
    let signatures: Vec<String> = server
        .requests()
        .iter()
        .chain(echo.requests().iter())
        .filter_map(|r| header(r, "Authorization").map(str::to_string))
        .filter_map(|a| a.split("Signature=").nth(1).map(str::to_string))
        .collect();
    assert!(!signatures.is_empty());
    for secret in [SK, AK, ALI_SECRET, TOKEN, "Signature="]
        .into_iter()
        .chain(signatures.iter().map(String::as_str))
    {
        assert!(!written.contains(secret), "{secret} leaked");
    }
    assert!(written.contains("source:coc"), "the outputs were captured");
}

const TOKEN: &str = "hw-security-token-do-not-print-9876543210";

/// Recompute an Alibaba ACS3 signature from the request as received.
fn alibaba_signature_error(req: &FakeRequest) -> Option<String> {
    let auth = header(req, "Authorization")?;
    let signed = auth.split("SignedHeaders=").nth(1)?.split(',').next()?;
    let headers: Vec<(String, String)> = signed
        .split(';')
        .filter_map(|name| header(req, name).map(|v| (name.to_string(), v.to_string())))
        .collect();
    let host = header(req, "Host").unwrap_or_default().to_string();
    let request = sign::Request {
        method: &req.method,
        host: &host,
        path: &req.path,
        query: &req.query,
        headers: &headers,
        body: &req.body,
    };
    let creds = alibaba::Credentials {
        access_key_id: ALI_ID.into(),
        access_key_secret: ALI_SECRET.into(),
        security_token: None,
    };
    let date = header(req, "x-acs-date")?;
    let nonce = header(req, "x-acs-signature-nonce")?;
    let expected = alibaba::sign(&request, &creds, date, nonce).authorization;
    (expected != auth).then(|| format!("expected {expected}, got {auth}"))
}

fn alibaba_config(
    dir: &std::path::Path,
    server: &FakeServer,
    kind: &str,
    extra: &str,
) -> std::path::PathBuf {
    let root = std::env::current_dir().unwrap();
    let path = dir.join("tollgate.toml");
    std::fs::write(
        &path,
        format!(
            "policies = [\"{}\"]\n[[source]]\nname = \"ali\"\nkind = \"{kind}\"\nendpoint = \"{}\"\nregion = \"cn-hangzhou\"\nmax_attempts = 3\n{extra}\n",
            root.join("policies").display(),
            server.url()
        ),
    )
    .unwrap();
    path
}

#[test]
fn oos_pages_follow_next_token() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = Arc::new(AtomicUsize::new(0));
    let bad_sig = Arc::clone(&bad);
    let server = FakeServer::start(move |req: &FakeRequest| {
        if let Some(e) = alibaba_signature_error(req) {
            bad_sig.fetch_add(1, Ordering::SeqCst);
            return FakeReply::json(
                400,
                json!({"Code": "IncompleteSignature", "Message": e, "RequestId": "R-1"}),
            );
        }
        assert_eq!(header(req, "x-acs-action"), Some("ListInstancePatchStates"));
        let page: usize = req
            .query
            .iter()
            .find(|(k, _)| k == "NextToken")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let states: Vec<Value> = (page * 10..(page * 10 + 10).min(25))
            .map(|i| json!({"InstanceId": format!("i-{i}"), "PatchGroup": "prod", "MissingCount": if i == 3 { "4" } else { "0" },
                "FailedCount": "0", "InstalledPendingRebootCount": "0", "InstalledRejectedCount": "0",
                "InstalledCount": "10", "InstalledOtherCount": "0", "OperationEndTime": "2026-11-23T08:00:00Z"}))
            .collect();
        let next = if page * 10 + 10 < 25 {
            (page + 1).to_string()
        } else {
            String::new()
        };
        FakeReply::json(
            200,
            json!({"RequestId": "R", "MaxResults": 10, "NextToken": next, "InstancePatchStates": states}),
        )
    });
    let cfg = alibaba_config(
        tmp.path(),
        &server,
        "alibaba.oos.instance_patch_states",
        "page_size = 10",
    );
    live(&cfg)
        .args(["check", "--source", "ali", "--now", NOW])
        .assert()
        .code(1)
        .stdout(contains("PATCH-006"))
        .stdout(contains("in 25 resources from 1 report"));
    assert_eq!(server.hits(), 3);
    assert_eq!(bad.load(Ordering::SeqCst), 0, "every signature verified");
}

#[test]
fn compliance_pack_is_polled_until_complete_and_its_sheet_read() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = std::fs::read("tests/fixtures/sheets/pack-report.xls").unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = FakeServer::start(move |req: &FakeRequest| {
        if req.path == "/report.xls" {
            return FakeReply::status(200).body(sheet.clone());
        }
        if alibaba_signature_error(req).is_some() {
            return FakeReply::json(
                400,
                json!({"Code": "IncompleteSignature", "Message": "bad", "RequestId": "R"}),
            );
        }
        let n = seen.fetch_add(1, Ordering::SeqCst);
        let status = if n == 0 { "CREATING" } else { "COMPLETE" };
        let host = header(req, "Host").unwrap_or_default().to_string();
        FakeReply::json(
            200,
            json!({"RequestId": "R", "CompliancePackReport": {
            "ReportStatus": status, "CompliancePackId": "cp-1", "AccountId": 1,
            "ReportCreateTimestamp": 1_795_420_000_000u64,
            "ReportUrl": format!("http://{host}/report.xls?Expires=1&OSSAccessKeyId=x&Signature=secretsig")}}),
        )
    });
    let cfg = alibaba_config(
        tmp.path(),
        &server,
        "alibaba.config.compliance_pack_report",
        "compliance_pack_id = \"cp-1\"\npoll_timeout_secs = 30",
    );
    let evidence = tmp.path().join("pack.json");
    live(&cfg)
        .args(["fetch", "--source", "ali", "--now", NOW, "--out"])
        .arg(&evidence)
        .assert()
        .code(0)
        .stderr(contains("fetched source:ali"));
    assert_eq!(calls.load(Ordering::SeqCst), 2, "CREATING, then COMPLETE");
    let text = std::fs::read_to_string(&evidence).unwrap();
    assert!(
        !text.contains("secretsig"),
        "the download link's signature is not kept"
    );
    let out = live(&cfg)
        .args(["check", "--now", NOW, "-o", "json", "-r"])
        .arg(&evidence)
        .assert();
    let (stdout, stderr) = texts(out.get_output());
    let result: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    assert!(
        result["reports"][0]["resources"].as_u64().unwrap() > 1,
        "the pack and its rows: {}",
        result["reports"]
    );
}

#[test]
fn a_pack_report_never_generated_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeServer::start(|_req: &FakeRequest| {
        FakeReply::json(
            200,
            json!({"RequestId": "R", "CompliancePackReport": {"ReportStatus": "NONE", "CompliancePackId": "cp-1"}}),
        )
    });
    let cfg = alibaba_config(
        tmp.path(),
        &server,
        "alibaba.config.compliance_pack_report",
        "compliance_pack_id = \"cp-1\"",
    );
    live(&cfg)
        .args(["check", "--source", "ali"])
        .assert()
        .code(2)
        .stderr(contains("GenerateCompliancePackReport"));
}

#[test]
fn huawei_config_policy_states_with_tag_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/reports/huawei-config/doc-example.json").unwrap(),
    )
    .unwrap();
    let server = FakeServer::start(move |req: &FakeRequest| {
        if let Some(e) = huawei_signature_error(req) {
            return FakeReply::json(401, json!({"error_code": "APIGW.0301", "error_msg": e}));
        }
        if req.path != "/v1/resource-manager/domains/d-123/policy-states/summary"
            || req.query_value("tags") != Some("env=prod")
        {
            return FakeReply::json(
                404,
                json!({"error_code": "RMS.404", "error_msg": req.path.clone()}),
            );
        }
        FakeReply::json(200, doc.clone())
    });
    let root = std::env::current_dir().unwrap();
    let cfg = tmp.path().join("tollgate.toml");
    std::fs::write(
        &cfg,
        format!(
            "policies = [\"{}\"]\n[[source]]\nname = \"rms\"\nkind = \"huawei.config.policy_states_summary\"\nendpoint = \"{}\"\ndomain_id = \"d-123\"\nfilters = {{ tags = \"env=prod\" }}\n",
            root.join("policies").display(),
            server.url()
        ),
    )
    .unwrap();
    live(&cfg)
        .args(["check", "--now", NOW])
        .assert()
        .code(1)
        .stdout(contains("CFG-001"))
        .stdout(contains("from 1 report"));
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_complete_pack_without_its_file_fails_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeServer::start(|_req: &FakeRequest| {
        FakeReply::json(
            200,
            json!({"RequestId": "R", "CompliancePackReport": {"ReportStatus": "COMPLETE", "CompliancePackId": "cp-1"}}),
        )
    });
    let cfg = alibaba_config(
        tmp.path(),
        &server,
        "alibaba.config.compliance_pack_report",
        "compliance_pack_id = \"cp-1\"",
    );
    live(&cfg)
        .args(["check", "--source", "ali"])
        .assert()
        .code(2)
        .stderr(contains("has no ReportUrl"));
}

#[test]
fn a_node_whose_patch_list_cannot_be_asked_for_fails_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeServer::start(|_req: &FakeRequest| {
        FakeReply::json(
            200,
            json!({"count": 1, "instance_compliant": [
            {"instance_id": "i-1", "status": "non_compliant", "group": "prod"}]}),
        )
    });
    let cfg = config(tmp.path(), &server, r#"details = "non_compliant""#);
    live(&cfg)
        .args(["check", "--source", "coc"])
        .assert()
        .code(2)
        .stderr(contains("node i-1 has no report `id`"));
}

#[test]
fn array_filters_repeat_their_key_and_paging_keys_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(5, Faults::default());
    let cfg = config(tmp.path(), &server, "");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        r#"filters = { report_scene = "ECS" }"#,
        r#"filters = { report_scene = ["ECS", "BMS"] }"#,
    );
    std::fs::write(&cfg, text).unwrap();
    live(&cfg)
        .args(["check", "--source", "coc"])
        .assert()
        .code(1);
    let scenes: Vec<String> = server.requests()[0]
        .query
        .iter()
        .filter(|(k, _)| k == "report_scene")
        .map(|(_, v)| v.clone())
        .collect();
    // Both values, in the signed (sorted) order Huawei's canonical query puts on the wire.
    assert_eq!(scenes, ["BMS", "ECS"]);
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace(r#"report_scene = ["ECS", "BMS"]"#, r#"offset = 3"#);
    std::fs::write(&cfg, text).unwrap();
    live(&cfg)
        .args(["check", "--source", "coc"])
        .assert()
        .code(2)
        .stderr(contains("filter `offset` is set by tollgate"));
}

#[test]
fn findings_from_a_live_source_point_at_the_policy_in_sarif_and_github() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(20, Faults::default());
    let cfg = config(tmp.path(), &server, "");
    let sarif = tmp.path().join("out.sarif");
    let out = live(&cfg)
        .args([
            "check", "--source", "coc", "--now", NOW, "-o", "github", "-o",
        ])
        .arg(format!("sarif={}", sarif.display()))
        .assert()
        .code(1);
    let (stdout, _) = texts(out.get_output());
    assert!(stdout.contains("::error title=PATCH-001"), "{stdout}");
    assert!(!stdout.contains("file=source"), "{stdout}");
    let log: Value = serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.ends_with(".rhai"), "{uri}");
    }
}

#[test]
fn an_iam_token_is_sent_as_x_auth_token_instead_of_a_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeServer::start(|req: &FakeRequest| {
        if req.header("X-Auth-Token") != Some("iam-token-value-0123456789")
            || req.header("Authorization").is_some()
        {
            return FakeReply::json(
                401,
                json!({"error_code": "APIGW.0301", "error_msg": "no token"}),
            );
        }
        FakeReply::json(200, json!({"count": 1, "instance_compliant": [node(1)]}))
    });
    let cfg = config(
        tmp.path(),
        &server,
        r#"credentials = { auth_token = "HW_IAM_TOKEN" }"#,
    );
    let out = live(&cfg)
        .env("HW_IAM_TOKEN", "iam-token-value-0123456789")
        .args(["-vv", "check", "--source", "coc", "--now", NOW])
        .assert()
        .code(0);
    let (stdout, stderr) = texts(out.get_output());
    assert!(!stdout.contains("iam-token-value") && !stderr.contains("iam-token-value"));
    live(&cfg)
        .args(["check", "--source", "coc"])
        .assert()
        .code(2)
        .stderr(contains("source coc needs an IAM token: set HW_IAM_TOKEN"));
}

/// A live source that gives up still gets every output written, each saying the
/// run could not decide and why, so the CI step that uploads them finds them.
#[test]
fn a_source_that_gives_up_still_writes_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(
        30,
        Faults {
            always_500: true,
            ..Faults::default()
        },
    );
    let cfg = config(tmp.path(), &server, "");
    let file = |name: &str| tmp.path().join(name);
    let mut cmd = live(&cfg);
    cmd.args(["check", "--source", "coc", "--now", NOW]);
    for (format, name) in [
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("junit", "r.xml"),
        ("markdown", "r.md"),
        ("html", "r.html"),
    ] {
        cmd.arg("-o")
            .arg(format!("{format}={}", file(name).display()));
    }
    cmd.assert().code(2).stderr(contains("COC.00000500"));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(file("r.json")).unwrap()).unwrap();
    assert_eq!(json["verdict"], "error");
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["errors"][0]["code"], "tollgate::fetch::http");
    assert!(json["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("gave up after 4 attempts"));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(file("r.sarif")).unwrap()).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["properties"]["code"],
        "tollgate::fetch::http"
    );
    let junit = std::fs::read_to_string(file("r.xml")).unwrap();
    assert!(
        junit.contains("<error type=\"tollgate::fetch::http\""),
        "{junit}"
    );
    for name in ["r.md", "r.html"] {
        let text = std::fs::read_to_string(file(name)).unwrap();
        assert!(text.contains("could not decide"), "{name}");
        assert!(text.contains("COC.00000500"), "{name}");
    }
    // Secrets stay out of what was written.
    for name in ["r.json", "r.sarif", "r.xml", "r.md", "r.html"] {
        let text = std::fs::read_to_string(file(name)).unwrap();
        assert!(!text.contains(SK) && !text.contains(AK), "{name}");
    }
}

/// At -v each retry is said as it happens (attempt, wait, reason), rather than
/// nothing until the last attempt fails.
#[test]
fn retries_are_said_at_verbose() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(
        30,
        Faults {
            always_500: true,
            ..Faults::default()
        },
    );
    let cfg = config(tmp.path(), &server, "");
    let out = live(&cfg)
        .args(["fetch", "--source", "coc", "-v"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let (_, stderr) = texts(&out);
    for attempt in 1..=3 {
        assert!(
            stderr.contains(&format!(
                "COC node list of source:coc page 1: attempt {attempt} of 4 failed (HTTP 500); retrying in "
            )),
            "{stderr}"
        );
    }
    assert!(
        !stderr.contains("attempt 4 of 4 failed"),
        "the last one is the error: {stderr}"
    );
    // Without -v the retries are quiet.
    let out = live(&cfg)
        .args(["fetch", "--source", "coc"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(!texts(&out).1.contains("retrying in"));
}

/// The pre-release recipe end to end, against the fake COC API: fetch the evidence of the
/// release moment and keep it, gate the release on it with the decision record and the
/// attestation, then replay the decision from the kept evidence alone.
#[test]
fn a_release_gate_on_kept_evidence_replays_with_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = coc(60, Faults::default());
    let cfg = config(tmp.path(), &server, "");
    let evidence = tmp.path().join("evidence");
    let record = tmp.path().join("record");
    std::fs::create_dir_all(&record).unwrap();
    let artifact = tmp.path().join("app.tar.gz");
    std::fs::write(&artifact, b"release").unwrap();
    live(&cfg)
        .args(["fetch", "--source", "coc", "--now", NOW, "--out"])
        .arg(evidence.join("coc.json"))
        .assert()
        .code(0);
    let result = record.join("result.json");
    let statement = record.join("release.intoto.json");
    live(&cfg)
        .args(["check", "--strict", "--now", NOW, "-r"])
        .arg(&evidence)
        .arg("--subject")
        .arg(&artifact)
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .arg("-o")
        .arg(format!("intoto={}", statement.display()))
        .assert()
        .code(1);
    // The server is gone by the time of the audit: the kept evidence is enough.
    drop(server);
    live(&cfg)
        .arg("verify")
        .arg(&result)
        .arg("--evidence")
        .arg(&evidence)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("verified:"));
    let statement: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&statement).unwrap()).unwrap();
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let coc = &recorded["decision"]["evidence"][0];
    assert!(statement["predicate"]["configuration"]
        .as_array()
        .unwrap()
        .iter()
        .any(|rd| rd["digest"]["sha256"] == coc["sha256"]));
    assert_eq!(coc["fetched_at"], "2026-11-23T12:00:00.000Z");
}
