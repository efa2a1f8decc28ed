//! Ctrl-C and SIGTERM stop a run with exit 130 or 143, and leave no half-written output
//! file and no broken incident state behind, whether they arrive during a fetch, during
//! evaluation, or while tickets are being opened.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::fake::{FakeReply, FakeServer};
use serde_json::json;

use crate::live::{config, AK, SK};

const NOW: &str = "2026-11-23T12:00:00Z";

/// The binary, started with the fake credentials and a clean environment.
fn start(args: &[&str], dir: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("TOLLGATE_COC_INTEGRATION_KEY", "itg-key-0123456789")
        .current_dir(std::env::current_dir().unwrap())
        .args(args)
        .arg("-o")
        .arg(format!("json={}", dir.join("out/result.json").display()))
        .arg("-o")
        .arg(format!("sarif={}", dir.join("out/result.sarif").display()))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.txt")).unwrap());
    cmd.spawn().unwrap()
}

/// What the run has said on standard error so far.
fn stderr_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default()
}

/// Wait until `ready` holds (or 20 s pass), then send `signal`; the exit code and stderr.
fn interrupt(
    mut child: Child,
    dir: &Path,
    signal: &str,
    ready: impl Fn() -> bool,
) -> (Option<i32>, String) {
    let started = Instant::now();
    while !ready() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ready(), "the run never reached the point to interrupt");
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    (status.code(), stderr_of(dir))
}

/// Every file under `dir`, as paths relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn sigterm_during_a_fetch_exits_143_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeServer::start(|_| {
        FakeReply::json(200, json!({"count": 0, "instance_compliant": []}))
            .with_delay(Duration::from_secs(30))
    });
    let cfg = config(tmp.path(), &server, "");
    let child = start(
        &[
            "check",
            "-c",
            cfg.to_str().unwrap(),
            "--source",
            "coc",
            "--now",
            NOW,
        ],
        tmp.path(),
    );
    let (code, stderr) = interrupt(child, tmp.path(), "-TERM", || server.hits() > 0);
    assert_eq!(code, Some(143), "{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    assert!(!tmp.path().join("out").exists(), "{:?}", files(tmp.path()));
}

#[test]
fn ctrl_c_during_evaluation_exits_130_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let policies = tmp.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("slow.rhai"),
        r#"const RULE = #{ id: "SLOW-1", title: "slow", severity: "high", applies_to: ["patch_node"] };
fn check(node) { let n = 0; loop { n += 1; } }"#,
    )
    .unwrap();
    let cfg = tmp.path().join("tollgate.toml");
    std::fs::write(&cfg, "[limits]\noperations = 9000000000000\n").unwrap();
    let child = start(
        &[
            "check",
            "-c",
            cfg.to_str().unwrap(),
            "-r",
            "examples/reports/huawei-coc-patch-compliance.json",
            "-p",
            policies.to_str().unwrap(),
            "-v",
            "--now",
            NOW,
        ],
        tmp.path(),
    );
    // With -v the run says when the report is parsed; evaluation (an endless loop) follows.
    let dir = tmp.path().to_path_buf();
    let (code, stderr) = interrupt(child, tmp.path(), "-INT", || {
        stderr_of(&dir).contains("parsed 1 reports")
    });
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("parsed 1 reports"),
        "stopped during evaluation: {stderr}"
    );
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn sigterm_while_tickets_are_opened_leaves_a_whole_state_file() {
    let tmp = tempfile::tempdir().unwrap();
    // The first ticket is opened at once; the second create never answers in time.
    let creates = std::sync::atomic::AtomicUsize::new(0);
    let server = FakeServer::start(move |req| {
        let n = creates.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let reply = FakeReply::json(
            200,
            json!({"error_code": "GOM.00000000", "data": {"incident_num": format!("IM{}", n + 1)}}),
        );
        match (req.path.as_str(), n) {
            ("/v1/external/incident/create", 0) => reply,
            _ => reply.with_delay(Duration::from_secs(30)),
        }
    });
    let cfg = tmp.path().join("tollgate.toml");
    std::fs::write(
        &cfg,
        format!(
            "[incident]\nendpoint = \"{}\"\n[incident.coc_incident]\napplication_id = \"a\"\ncreator = \"c\"\nassignee = \"u\"\n",
            server.url()
        ),
    )
    .unwrap();
    let state = tmp.path().join(".tollgate/incidents.json");
    let child = start(
        &[
            "check",
            "-c",
            cfg.to_str().unwrap(),
            "-r",
            "examples/reports",
            "-p",
            "policies",
            "--now",
            NOW,
            "--incidents",
            "on",
        ],
        tmp.path(),
    );
    let (code, stderr) = interrupt(child, tmp.path(), "-TERM", || {
        state.exists() && server.hits() >= 2
    });
    assert_eq!(code, Some(143), "{stderr}");
    let text = std::fs::read_to_string(&state).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    let tickets = saved["tickets"].as_object().unwrap();
    assert_eq!(tickets.len(), 1, "{text}");
    assert_eq!(tickets.values().next().unwrap()["incident_num"], "IM1");
    let left: Vec<String> = files(tmp.path())
        .into_iter()
        .filter(|f| f.contains(".tollgate-") && f.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    assert!(
        !tmp.path().join("out").exists(),
        "outputs come after incidents"
    );
}
