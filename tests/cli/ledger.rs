//! The findings ledger and SLA gates, run as a user runs them, on both backends: every test
//! here runs once on a SQLite file and once on a database of a real PostgreSQL server that
//! the tests start (tests/support/postgres.rs; skipped with the reason printed where none
//! can be started, never under .ci/run).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::postgres::{self, PASSWORD};
use crate::{repo, tollgate};

/// One backend's store for one test: the `--state` value.
struct Store {
    name: &'static str,
    state: String,
    dir: tempfile::TempDir,
}

/// A SQLite store and, when a server runs, a PostgreSQL one.
fn stores(test: &str) -> Vec<Store> {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = vec![Store {
        name: "sqlite",
        state: dir.path().join("state.db").display().to_string(),
        dir,
    }];
    if let Some(server) = postgres::server() {
        stores.push(Store {
            name: "postgres",
            state: server.database(test),
            dir: tempfile::tempdir().unwrap(),
        });
    }
    stores
}

/// A tollgate.toml with `[sla]` (critical 15 days) and the given policies.
fn config(dir: &Path, policies: &[&str]) -> PathBuf {
    let path = dir.join("tollgate.toml");
    let policies: Vec<String> = policies.iter().map(|p| format!("{:?}", repo(p))).collect();
    std::fs::write(
        &path,
        format!(
            "policies = [{}]\nfail_on = \"high\"\n\n[sla]\ncritical = 15\nhigh = 30\n",
            policies.join(", ")
        ),
    )
    .unwrap();
    path
}

const PATCH_001: &str = "policies/patch/prod-no-critical.rhai";
const MISSING: &str = "examples/sla/evidence/missing.json";
const PATCHED: &str = "examples/sla/evidence/patched.json";

fn check(store: &Store, config: &Path, report: &str, now: &str, extra: &[&str]) -> Output {
    tollgate()
        .args(["check", "-c"])
        .arg(config)
        .args(["--state", &store.state, "-r", report, "--now", now])
        .args(extra)
        .env("TOLLGATE_TEST_PGPASS", PASSWORD)
        .output()
        .unwrap()
}

fn ok_or_show(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn init(store: &Store, config: &Path) {
    let out = tollgate()
        .args(["state", "init", "-c"])
        .arg(config)
        .args(["--state", &store.state])
        .env("TOLLGATE_TEST_PGPASS", PASSWORD)
        .output()
        .unwrap();
    ok_or_show(&out, 0, "state init");
    assert!(String::from_utf8_lossy(&out.stdout).contains("started an empty ledger"));
}

fn history(store: &Store, config: &Path) -> Value {
    let out = tollgate()
        .args(["history", "-o", "json", "-c"])
        .arg(config)
        .args(["--state", &store.state])
        .env("TOLLGATE_TEST_PGPASS", PASSWORD)
        .output()
        .unwrap();
    ok_or_show(&out, 0, "history");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_critical_finding_is_within_sla_then_overdue_and_blocking_then_fixed() {
    for store in stores("four_dates") {
        let dir = store.dir.path();
        let config = config(dir, &[PATCH_001]);
        init(&store, &config);
        let result = dir.join("result.json");
        let json_out = format!("json={}", result.display());
        let missing = repo(MISSING);
        let patched = repo(PATCHED);
        let runs = [
            (&missing, "2026-11-02T06:00:00Z", 0, "within_sla"),
            (&missing, "2026-11-10T06:00:00Z", 0, "within_sla"),
            (&missing, "2026-11-20T06:00:00Z", 1, "blocking"),
        ];
        let file = |name: &str| dir.join(name);
        let (md, sarif, junit, page) =
            (file("r.md"), file("r.sarif"), file("r.xml"), file("r.html"));
        let outputs = [
            format!("markdown={}", md.display()),
            format!("sarif={}", sarif.display()),
            format!("junit={}", junit.display()),
            format!("html={}", page.display()),
        ];
        let read = |path: &PathBuf| std::fs::read_to_string(path).unwrap();
        for (i, (report, now, code, status)) in runs.iter().enumerate() {
            let mut args = vec!["-o", "human", "-o", &json_out];
            for o in &outputs {
                args.extend(["-o", o.as_str()]);
            }
            let out = check(&store, &config, report, now, &args);
            ok_or_show(&out, *code, &format!("{} run {i}", store.name));
            let human = String::from_utf8_lossy(&out.stdout).to_string();
            // Every output says when the finding was first seen and when it is due.
            let when = match i {
                0 => "new, first seen 2026-11-02, due 2026-11-17",
                1 => "first seen 2026-11-02, 8 days open, due 2026-11-17",
                _ => "first seen 2026-11-02, 18 days open, overdue since 2026-11-17",
            };
            for (name, text) in [
                ("human", human.clone()),
                ("markdown", read(&md)),
                ("junit", read(&junit)),
                ("html", read(&page)),
            ] {
                assert!(text.contains(when), "{} run {i} {name}: {text}", store.name);
            }
            let log: Value = serde_json::from_str(&read(&sarif)).unwrap();
            let props = &log["runs"][0]["results"][0]["properties"];
            assert_eq!(props["ledger"]["due"], "2026-11-17T06:00:00Z");
            assert_eq!(props["ledger"]["overdue"], i == 2);
            assert_eq!(
                log["runs"][0]["properties"]["ledger"]["overdue"],
                u64::from(i == 2)
            );
            assert_eq!(read(&junit).contains("overdue: 1"), i == 2);
            assert_eq!(read(&md).contains("#### Overdue"), i == 2);
            assert_eq!(read(&md).contains("#### New since the last run"), i == 0);
            assert_eq!(human.contains("    in SLA   "), i < 2, "{human}");
            let doc = json_of(&result);
            let f = &doc["findings"][0];
            assert_eq!(f["rule"], "PATCH-001", "{}", store.name);
            assert_eq!(f["status"], *status, "{} run {i}: {f}", store.name);
            assert_eq!(f["ledger"]["first_seen"], "2026-11-02T06:00:00Z");
            assert_eq!(f["ledger"]["due"], "2026-11-17T06:00:00Z");
            assert_eq!(f["ledger"]["new"], i == 0);
            assert_eq!(doc["ledger"]["overdue"], u64::from(i == 2));
            assert_eq!(doc["ledger"]["recorded"], true);
        }
        let html = dir.join("report.html");
        let md_out = format!("markdown={}", md.display());
        let out = check(
            &store,
            &config,
            &patched,
            "2026-11-27T06:00:00Z",
            &[
                "-o",
                &json_out,
                "-o",
                &format!("html={}", html.display()),
                "-o",
                &md_out,
            ],
        );
        ok_or_show(&out, 0, &format!("{} fixed run", store.name));
        let doc = json_of(&result);
        assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
        assert_eq!(doc["ledger"]["fixed"][0]["rule"], "PATCH-001");
        assert_eq!(
            doc["ledger"]["fixed"][0]["first_seen"],
            "2026-11-02T06:00:00Z"
        );
        assert!(read(&md).contains("#### Fixed since the last run"));
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.contains("Trend from the ledger"), "{}", store.name);
        assert_eq!(
            page.matches("<g class=\"run\">").count(),
            4,
            "a column per run"
        );

        let h = history(&store, &config);
        let statuses: Vec<&str> = h["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["pass", "pass", "fail", "pass"], "{}", store.name);
        assert_eq!(h["runs"][2]["overdue"], 1);
        assert_eq!(h["runs"][3]["fixed"], 1);
        assert_eq!(h["time_to_fix"]["critical"]["fixed"], 1);
        assert_eq!(h["time_to_fix"]["critical"]["mean_days"], 25.0);
        assert_eq!(h["oldest_open"].as_array().unwrap().len(), 0);
        let out = tollgate()
            .args(["history", "-c"])
            .arg(&config)
            .args(["--state", &store.state])
            .env("TOLLGATE_TEST_PGPASS", PASSWORD)
            .output()
            .unwrap();
        ok_or_show(&out, 0, "history");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("critical    25.0 days  (1 fixed)"), "{text}");
        assert!(text.contains("2026-11-20T06:00:00Z  fail"), "{text}");
    }
}

#[test]
fn with_sla_a_missing_ledger_is_exit_2_until_it_is_started_on_purpose() {
    for store in stores("missing") {
        let dir = store.dir.path();
        let config = config(dir, &[PATCH_001]);
        let out = check(&store, &config, &repo(MISSING), "2026-11-02T06:00:00Z", &[]);
        ok_or_show(&out, 2, store.name);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("tollgate state init"), "{}: {err}", store.name);
        // The flag is the other explicit way.
        let out = check(
            &store,
            &config,
            &repo(MISSING),
            "2026-11-02T06:00:00Z",
            &["--init-state"],
        );
        ok_or_show(&out, 0, store.name);
        assert!(String::from_utf8_lossy(&out.stderr).contains("started an empty ledger"));
    }
}

#[test]
fn a_ledger_of_a_newer_schema_is_refused() {
    for store in stores("newer") {
        let dir = store.dir.path();
        let config = config(dir, &[PATCH_001]);
        init(&store, &config);
        match store.name {
            "sqlite" => {
                let db = rusqlite::Connection::open(&store.state).unwrap();
                db.execute("UPDATE tollgate_schema SET version = 99", [])
                    .unwrap();
            }
            _ => {
                let server = postgres::server().unwrap();
                server
                    .client(&store.state)
                    .batch_execute("UPDATE tollgate_schema SET version = 99")
                    .unwrap();
            }
        }
        let out = check(&store, &config, &repo(MISSING), "2026-11-02T06:00:00Z", &[]);
        ok_or_show(&out, 2, store.name);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("version 99, newer"), "{}: {err}", store.name);
    }
}

#[test]
fn a_damaged_sqlite_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[PATCH_001]);
    let state = dir.path().join("state.db");
    std::fs::write(
        &state,
        "this is not a database, and it is long enough to look like one ".repeat(100),
    )
    .unwrap();
    let store = Store {
        name: "sqlite",
        state: state.display().to_string(),
        dir,
    };
    let out = check(&store, &config, &repo(MISSING), "2026-11-02T06:00:00Z", &[]);
    ok_or_show(&out, 2, "damaged");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a database"), "{err}");
}

#[test]
fn a_run_fixes_only_what_it_checked() {
    for store in stores("scope") {
        let dir = store.dir.path();
        let config_a = config(dir, &[PATCH_001]);
        init(&store, &config_a);
        let result = dir.join("r.json");
        let json_out = format!("json={}", result.display());
        let out = check(
            &store,
            &config_a,
            &repo(MISSING),
            "2026-11-02T06:00:00Z",
            &[],
        );
        ok_or_show(&out, 0, store.name);

        // Other policies on the same evidence: PATCH-001 was not checked.
        let other = tempfile::tempdir().unwrap();
        let config_b = config(other.path(), &["policies/patch/pending-reboot.rhai"]);
        let out = check(
            &store,
            &config_b,
            &repo(MISSING),
            "2026-11-03T06:00:00Z",
            &["-o", &json_out],
        );
        ok_or_show(&out, 0, store.name);
        assert_eq!(
            json_of(&result)["ledger"]["fixed"]
                .as_array()
                .unwrap()
                .len(),
            0
        );

        // The same policy on evidence without the node: the node was not checked.
        let only_api = dir.join("only-api.json");
        let mut report: Value =
            serde_json::from_str(&std::fs::read_to_string(repo(MISSING)).unwrap()).unwrap();
        let nodes = report["instance_compliant"].as_array_mut().unwrap();
        nodes.retain(|n| n["name"] != "ecs-prod-web-01");
        report["count"] = Value::from(nodes.len());
        std::fs::write(&only_api, report.to_string()).unwrap();
        let out = check(
            &store,
            &config_a,
            only_api.to_str().unwrap(),
            "2026-11-04T06:00:00Z",
            &["-o", &json_out],
        );
        ok_or_show(&out, 0, store.name);
        assert_eq!(
            json_of(&result)["ledger"]["fixed"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        let h = history(&store, &config_a);
        assert_eq!(h["open"]["critical"], 1, "{}: still open", store.name);
    }
}

#[test]
fn the_same_evidence_at_the_same_now_gives_the_same_verdict() {
    for store in stores("replay") {
        let dir = store.dir.path();
        let config = config(dir, &[PATCH_001]);
        init(&store, &config);
        let missing = repo(MISSING);
        let out = check(&store, &config, &missing, "2026-11-02T06:00:00Z", &[]);
        ok_or_show(&out, 0, store.name);
        let mut seen = Vec::new();
        for _ in 0..2 {
            let out = check(
                &store,
                &config,
                &missing,
                "2026-11-20T06:00:00Z",
                &["-o", "json"],
            );
            ok_or_show(&out, 1, store.name);
            seen.push(String::from_utf8(out.stdout).unwrap());
        }
        assert_eq!(seen[0], seen[1], "{}", store.name);
        // A replay of the past is judged against the ledger but does not rewrite it.
        let out = check(
            &store,
            &config,
            &missing,
            "2026-11-10T06:00:00Z",
            &["-o", "json"],
        );
        ok_or_show(&out, 0, store.name);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["ledger"]["recorded"], false);
        assert_eq!(
            history(&store, &config)["runs"].as_array().unwrap().len(),
            3
        );
    }
}

/// A COC report of `n` production nodes with one critical patch missing each, ids prefixed.
fn fleet(prefix: &str, n: usize) -> String {
    let nodes: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"instance_id":"{prefix}-{i:05}","name":"{prefix}-node-{i}","group":"prod","region":"cn-north-4","status":"non_compliant","non_compliant_summary":{{"non_compliant_count":1,"severity_summary":{{"critical_count":1}}}}}}"#
            )
        })
        .collect();
    format!(
        "{{\"count\":{n},\"instance_compliant\":[{}]}}",
        nodes.join(",")
    )
}

#[test]
fn concurrent_gates_on_one_ledger_lose_nothing() {
    const GATES: usize = 4;
    const NODES: usize = 400;
    for store in stores("concurrent") {
        let dir = store.dir.path();
        let config = config(dir, &[PATCH_001]);
        let mut children = Vec::new();
        for g in 0..GATES {
            let report = dir.join(format!("fleet-{g}.json"));
            std::fs::write(&report, fleet(&format!("g{g}"), NODES)).unwrap();
            // Every gate may start the ledger: the first makes it, the rest find it.
            let mut cmd = crate::tollgate_process();
            cmd.args(["check", "--init-state", "-c"])
                .arg(&config)
                .args(["--state", &store.state, "-r"])
                .arg(&report)
                .args(["--now", "2026-11-02T06:00:00Z", "-o", "json"])
                .env("TOLLGATE_TEST_PGPASS", PASSWORD)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            children.push(cmd.spawn().unwrap());
        }
        for child in children {
            let out = child.wait_with_output().unwrap();
            ok_or_show(&out, 0, store.name);
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(doc["ledger"]["recorded"], true, "{}", store.name);
            assert_eq!(doc["ledger"]["new"], NODES as u64);
        }
        let h = history(&store, &config);
        assert_eq!(h["runs"].as_array().unwrap().len(), GATES, "{}", store.name);
        assert_eq!(
            h["open"]["critical"],
            (GATES * NODES) as u64,
            "{}",
            store.name
        );
    }
}

#[test]
fn the_postgres_password_is_never_shown() {
    let Some(server) = postgres::server() else {
        return;
    };
    let url = server.database("secrets");
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[PATCH_001]);
    let store = Store {
        name: "postgres",
        state: url.clone(),
        dir,
    };
    init(&store, &config);
    let html = store.dir.path().join("r.html");
    let out = check(
        &store,
        &config,
        &repo(MISSING),
        "2026-11-02T06:00:00Z",
        &[
            "-v",
            "-o",
            "json",
            "-o",
            &format!("html={}", html.display()),
        ],
    );
    ok_or_show(&out, 0, "postgres");
    let everything = format!(
        "{}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&html).unwrap()
    );
    assert!(
        everything.contains("${TOLLGATE_TEST_PGPASS}"),
        "the store is named"
    );
    assert!(!everything.contains(PASSWORD));

    // A wrong password fails closed, without showing either password.
    let out = tollgate()
        .args(["history", "--state", &url])
        .env("TOLLGATE_TEST_PGPASS", "wrong-Password-123")
        .output()
        .unwrap();
    ok_or_show(&out, 2, "wrong password");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("wrong-Password-123") && !err.contains(PASSWORD));

    // PGPASSWORD serves a URL without the indirection.
    let plain = url.replace(":${TOLLGATE_TEST_PGPASS}", "");
    let out = tollgate()
        .args(["history", "--state", &plain])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap();
    ok_or_show(&out, 0, "PGPASSWORD");

    // A password written into the URL is refused, and not repeated.
    let literal = url.replace("${TOLLGATE_TEST_PGPASS}", PASSWORD);
    let out = tollgate()
        .args(["history", "--state", &literal])
        .output()
        .unwrap();
    ok_or_show(&out, 2, "literal password");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(PASSWORD));
}

/// A gate reads the open findings while its reports parse and writes after its verdict;
/// another run may write in between. What that run changed is kept: a finding it fixed and
/// this run saw opens a new period, a finding it added keeps its first sighting; and what
/// this run saw is written over what that run wrote (a name), as if they had not overlapped.
#[test]
fn what_another_run_wrote_since_the_read_is_kept() {
    use tollgate::model::Severity;
    use tollgate::store::{Create, Finish, Location, RunRow, Sighting, Store as Ledger};

    // The URL of a PostgreSQL store names this variable for its password; every child
    // process here is given the same value.
    std::env::set_var("TOLLGATE_TEST_PGPASS", PASSWORD);
    let sighting = |fingerprint| Sighting {
        fingerprint,
        rule: "R-1",
        subject: "i-1",
        label: "node-1",
        severity: Severity::High,
    };
    let run_at = |at| RunRow {
        at,
        status: "fail".into(),
        ..RunRow::default()
    };
    for store in stores("stale") {
        let location = Location::parse(&store.state, store.dir.path()).unwrap();
        let (mut ledger, _) = Ledger::open(&location, Create::IfMissing).unwrap();
        ledger
            .record(&run_at(1_000), &[sighting("aa"), sighting("bb")], &[])
            .unwrap();
        // This run reads the ledger: both open.
        let read = ledger.open_findings().unwrap();
        assert_eq!(read.len(), 2, "{}", store.name);
        // Meanwhile another run fixes "aa", adds "cc", and sees "bb" under another name.
        let renamed = Sighting {
            label: "node-1-renamed",
            ..sighting("bb")
        };
        ledger
            .record(&run_at(2_000), &[renamed, sighting("cc")], &["aa"])
            .unwrap();
        // This run saw all three, "bb" by the name it read.
        let seen = [sighting("aa"), sighting("bb"), sighting("cc")];
        let finish = Finish {
            run: run_at(3_000),
            fixed: Vec::new(),
        };
        ledger
            .record_with(3_000, &read, &seen, || Some(finish))
            .unwrap();
        let mut open = ledger.open_findings().unwrap();
        open.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        let summary: Vec<(&str, &str, i64)> = open
            .iter()
            .map(|f| (f.fingerprint.as_str(), f.label.as_str(), f.first_seen))
            .collect();
        assert_eq!(
            summary,
            [
                ("aa", "node-1", 3_000), // fixed in between: a new period
                ("bb", "node-1", 1_000), // kept its first sighting; the later run's name
                ("cc", "node-1", 2_000), // added in between: kept as added
            ],
            "{}",
            store.name
        );
        let mut ids: Vec<i64> = open.iter().map(|f| f.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 3, "{}: each finding numbered once", store.name);
    }
}

/// Gates that start one new SQLite ledger at the same moment all get in: switching a new
/// file to WAL mode met "database is locked" at once (SQLite does not wait there), about
/// one gate in 25 to 100 here; tollgate retries it. A stress test, 30 rounds of 4 gates:
/// without the retry it failed about one run in four here, with it never (and 200 gates
/// started by hand in fours all got in).
#[test]
fn gates_starting_one_new_ledger_together_all_get_in() {
    const ROUNDS: usize = 30;
    const GATES: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[PATCH_001]);
    let reports: Vec<PathBuf> = (0..GATES)
        .map(|g| {
            let report = dir.path().join(format!("fleet-{g}.json"));
            std::fs::write(&report, fleet(&format!("g{g}"), 5)).unwrap();
            report
        })
        .collect();
    for round in 0..ROUNDS {
        let state = dir.path().join(format!("round-{round}.db"));
        let children: Vec<_> = reports
            .iter()
            .map(|report| {
                let mut cmd = crate::tollgate_process();
                cmd.args(["check", "--init-state", "-c"])
                    .arg(&config)
                    .arg("--state")
                    .arg(&state)
                    .arg("-r")
                    .arg(report)
                    .args(["--now", "2026-11-02T06:00:00Z"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped());
                cmd.spawn().unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            ok_or_show(&out, 0, &format!("round {round}"));
        }
    }
}
