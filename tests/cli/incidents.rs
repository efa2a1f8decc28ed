//! Incidents and alarms against a fake COC on 127.0.0.1 that checks every signature and
//! the create API's mandatory fields and limits as the API reference describes them, keeps
//! the tickets it opened, and can be told to refuse or fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::support::fake::{FakeReply, FakeRequest, FakeServer};
use predicates::str::contains;
use serde_json::{json, Value};

use crate::live::{huawei_signature_error, live, AK, SK};
use crate::{texts, tollgate};

const NOW: &str = "2026-11-23T12:00:00Z";
const KEY: &str = "itg-key-very-secret-0123456789abcdef";

/// How the fake answers create calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Behaviour {
    #[default]
    Normal,
    /// 400 with a vendor error, as for a bad request body.
    Reject,
    /// 200 and success, but no ticket number.
    NoNumber,
    /// 200 with a failure code in the body.
    Refuse200,
    /// The first create succeeds, the rest get a 400.
    OnlyFirst,
}

#[derive(Default)]
struct World {
    behaviour: Behaviour,
    /// Ticket number → status.
    tickets: BTreeMap<String, String>,
    created: Vec<Value>,
    lookups: Vec<String>,
    alarms: Vec<Value>,
    /// Requests the fake refused: bad signatures, missing fields, limits broken.
    refused: Vec<String>,
}

struct Coc {
    server: FakeServer,
    world: Arc<Mutex<World>>,
}

fn refuse(world: &mut World, why: String) -> FakeReply {
    world.refused.push(why.clone());
    FakeReply::json(
        400,
        json!({"provider_code": "049", "error_code": "COC.00040001", "error_msg": why}),
    )
}

/// The create API's checks: mandatory fields, the documented values, and the limits in
/// characters.
fn create_problems(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let text = |key: &str| body.get(key).and_then(Value::as_str);
    let chars = |key: &str| text(key).map(|t| t.chars().count());
    for key in [
        "incident_level",
        "incident_type",
        "incident_title",
        "incident_description",
        "incident_source",
        "creator",
    ] {
        if text(key).is_none() {
            problems.push(format!("{key} is mandatory"));
        }
    }
    match body.get("current_cloud_service").and_then(Value::as_array) {
        Some(a) if a.len() == 1 && a[0].is_string() => {}
        _ => problems.push("current_cloud_service must hold one application id".into()),
    }
    if !body
        .get("is_service_interrupt")
        .is_some_and(Value::is_boolean)
    {
        problems.push("is_service_interrupt is mandatory".into());
    }
    if !text("incident_level")
        .is_some_and(|l| ["level_10", "level_20", "level_30", "level_40", "level_50"].contains(&l))
    {
        problems.push("incident_level is not a level".into());
    }
    if chars("incident_title").unwrap_or(0) > 200 {
        problems.push("incident_title is longer than 200 characters".into());
    }
    if chars("incident_description").unwrap_or(0) > 600 {
        problems.push("incident_description is longer than 600 characters".into());
    }
    let assignee = body
        .get("incident_assignee")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if !assignee && (text("assignee_scene").is_none() || text("assignee_role").is_none()) {
        problems.push("incident_assignee or assignee_scene with assignee_role is mandatory".into());
    }
    problems
}

fn alarm_problems(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for key in [
        "alarmId",
        "alarmName",
        "alarmLevel",
        "nameSpace",
        "applicationId",
        "alarmDesc",
        "alarmSource",
    ] {
        match body.get(key).and_then(Value::as_str) {
            Some(v) if !v.is_empty() && v.chars().count() <= 255 => {}
            _ => problems.push(format!("{key} must have 1 to 255 characters")),
        }
    }
    if !body.get("time").is_some_and(Value::is_i64) {
        problems.push("time must be a number".into());
    }
    let level = body.get("alarmLevel").and_then(Value::as_str);
    if !level.is_some_and(|l| ["Critical", "Major", "Minor", "Info"].contains(&l)) {
        problems.push("alarmLevel is not a level".into());
    }
    let status = body.get("alarmStatus").and_then(Value::as_str);
    if !status.is_some_and(|s| s == "alarm" || s == "ok") {
        problems.push("alarmStatus must be alarm or ok".into());
    }
    problems
}

fn coc(behaviour: Behaviour) -> Coc {
    let world = Arc::new(Mutex::new(World {
        behaviour,
        ..Default::default()
    }));
    let shared = Arc::clone(&world);
    let server = FakeServer::start(move |req: &FakeRequest| {
        let mut world = shared.lock().unwrap();
        if let Some(e) = huawei_signature_error(req) {
            world.refused.push(format!("signature: {e}"));
            return FakeReply::json(401, json!({"error_code": "APIGW.0301", "error_msg": e}));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/v1/external/incident/create") => {
                let problems = create_problems(&body);
                if !problems.is_empty() {
                    return refuse(&mut world, problems.join(" | "));
                }
                world.created.push(body);
                let behaviour = match world.behaviour {
                    Behaviour::OnlyFirst if world.created.len() == 1 => Behaviour::Normal,
                    Behaviour::OnlyFirst => Behaviour::Reject,
                    other => other,
                };
                match behaviour {
                    Behaviour::Refuse200 => FakeReply::json(
                        200,
                        json!({"provider_code": "049", "error_code": "COC.00040099",
                               "error_msg": "the assignee role is not on duty", "data": null}),
                    ),
                    Behaviour::Reject => FakeReply::json(
                        400,
                        json!({"provider_code": "049", "error_code": "COC.00040023",
                               "error_msg": "the application 'app-1' does not exist"}),
                    ),
                    Behaviour::NoNumber => FakeReply::json(
                        200,
                        json!({"provider_code": "049", "error_code": "GOM.00000000",
                               "error_msg": null, "data": {}}),
                    ),
                    Behaviour::Normal | Behaviour::OnlyFirst => {
                        let number = format!("IM2026112312000000{:04}", world.tickets.len() + 1);
                        world
                            .tickets
                            .insert(number.clone(), "INCIDENT_STATUS_TRIGGERED".into());
                        FakeReply::json(
                            200,
                            json!({"provider_code": "049", "error_code": "GOM.00000000",
                                   "error_msg": null, "data": {"incident_num": number}}),
                        )
                    }
                }
            }
            ("GET", path) if path.starts_with("/v1/external/incident/") => {
                let number = path
                    .trim_start_matches("/v1/external/incident/")
                    .to_string();
                world.lookups.push(number.clone());
                match world.tickets.get(&number).cloned() {
                    Some(status) => FakeReply::json(
                        200,
                        json!({"provider_code": "049", "error_code": "GOM.00000000", "error_msg": null,
                               "data": {"incident_num": number, "status": status}}),
                    ),
                    None => refuse(&mut world, format!("no incident {number}")),
                }
            }
            ("POST", path) if path.starts_with("/v1/event/huawei/custom/") => {
                if path != format!("/v1/event/huawei/custom/{KEY}") {
                    return FakeReply::json(
                        401,
                        json!({"error_code": "common.01010001", "error_msg": "Token missing or invalid."}),
                    );
                }
                let problems = alarm_problems(&body);
                if !problems.is_empty() {
                    return refuse(&mut world, problems.join(" | "));
                }
                world.alarms.push(body);
                FakeReply::json(
                    200,
                    json!({"error_code": "COC.00000000", "error_msg": "success", "data": null, "provider_code": "049"}),
                )
            }
            (method, path) => refuse(&mut world, format!("no route {method} {path}")),
        }
    });
    Coc { server, world }
}

impl Coc {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }
}

/// A tollgate.toml in `dir` with `[incident]` pointed at the fake.
fn config(dir: &Path, coc: &Coc, incident: &str, sinks: &str) -> PathBuf {
    let path = dir.join("tollgate.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[incident]
endpoint = "{}"
max_attempts = 2
{incident}
{sinks}
"#,
            coc.server.url()
        ),
    )
    .unwrap();
    path
}

const TICKETS: &str = r#"
[incident.coc_incident]
application_id = "app-1"
creator = "user-creator"
assignee = "user-oncall"
"#;

const ALARMS: &str = r#"
[incident.coc_alarm]
application_id = "app-1"
region_id = "cn-north-4"
"#;

/// `tollgate check` of the shipped examples with credentials for the fake.
fn gate(config: &Path, mode: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = live(config);
    cmd.env("TOLLGATE_COC_INTEGRATION_KEY", KEY)
        // The Prowler example's production account, as the repository's tollgate.toml has it.
        .env(
            "TOLLGATE_PARAM_PROD_ACCOUNTS",
            r#"["0d2f9a3c71b84e5fa6c1e0b7d4f38a92", "5412983476120934"]"#,
        )
        .args(["check", "-c"])
        .arg(config)
        .args(["-r", "examples/reports", "-p", "policies", "--now", NOW])
        .args(["--incidents", mode])
        .args(extra);
    cmd
}

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Rules with blocking findings, from the gate's own JSON result.
fn blocking_rules(result: &Value) -> Vec<String> {
    result["summary"]["by_rule"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, c)| c["blocking"].as_u64().unwrap() > 0)
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn one_ticket_per_rule_then_none_while_open_then_a_new_one_once_completed() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    let result = tmp.path().join("result.json");
    let sarif = tmp.path().join("result.sarif");
    let markdown = tmp.path().join("summary.md");
    let out = gate(&cfg, "on", &[])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .arg("-o")
        .arg(format!("sarif={}", sarif.display()))
        .arg("-o")
        .arg(format!("markdown={}", markdown.display()))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (_, stderr) = texts(&out);
    assert!(stderr.contains("no incident state at"), "{stderr}");

    let doc = json_of(&result);
    let rules = blocking_rules(&doc);
    assert!(
        rules.len() > 1,
        "the examples break several rules: {rules:?}"
    );
    {
        let world = coc.world();
        assert!(world.refused.is_empty(), "{:?}", world.refused);
        assert_eq!(world.created.len(), rules.len(), "one ticket per rule");
        for (ticket, rule) in world.created.iter().zip(&rules) {
            let title = ticket["incident_title"].as_str().unwrap();
            assert!(title.starts_with(&format!("[tollgate] {rule} ")), "{title}");
            assert_eq!(ticket["current_cloud_service"], json!(["app-1"]));
            assert_eq!(ticket["incident_type"], "inc_type_p_security_issues");
            assert_eq!(ticket["incident_source"], "incident_source_forwarding");
            assert_eq!(ticket["incident_assignee"], json!(["user-oncall"]));
            assert_eq!(ticket["creator"], "user-creator");
            assert_eq!(ticket["is_service_interrupt"], false);
        }
        // PATCH-001 is critical: P1.
        let p1 = world
            .created
            .iter()
            .find(|t| t["incident_title"].as_str().unwrap().contains("PATCH-001"))
            .unwrap();
        assert_eq!(p1["incident_level"], "level_10");
        // The Prowler scan's failed checks open a ticket of their own, beside COC's.
        let scan = world
            .created
            .iter()
            .find(|t| t["incident_title"].as_str().unwrap().contains("SCAN-001"))
            .expect("a ticket for the scan's findings");
        assert_eq!(scan["incident_level"], "level_10");
        assert!(scan["incident_description"]
            .as_str()
            .unwrap()
            .contains("acme-prod-exports"));
    }

    // Every output records the tickets.
    let records = doc["incidents"]["records"].as_array().unwrap();
    assert_eq!(records.len(), rules.len());
    assert!(records
        .iter()
        .all(|r| r["action"] == "opened" && r["incident_num"].as_str().unwrap().starts_with("IM")));
    let covered = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blocking"] == true)
        .all(|f| f["incidents"][0]["incident_num"].as_str().is_some());
    assert!(covered, "every blocking finding names its ticket");
    let group = records[0]["group"].as_str().unwrap();
    let description = coc.world().created[0]["incident_description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        description.contains(&format!("Fingerprint: {group}")),
        "{description}"
    );
    assert!(description.contains("Full result:"), "{description}");
    let sarif = json_of(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .filter(|r| r["properties"]["blocking"] == true)
        .all(|r| r["properties"]["incidents"][0]["sink"] == "coc_incident"));
    assert_eq!(
        sarif["runs"][0]["properties"]["incidents"]["records"]
            .as_array()
            .unwrap()
            .len(),
        rules.len()
    );
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.contains("#### Incidents"), "{md}");
    assert!(md.contains("`IM20261123120000000001`"), "{md}");

    // The state file remembers every ticket.
    let state = json_of(&tmp.path().join(".tollgate/incidents.json"));
    assert_eq!(state["tickets"].as_object().unwrap().len(), rules.len());

    // Second run: every ticket is still open, so none is opened; the run says which.
    let out = gate(&cfg, "on", &["-o", "human"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (stdout, _) = texts(&out);
    assert_eq!(coc.world().created.len(), rules.len(), "no duplicate");
    assert_eq!(
        coc.world().lookups.len(),
        rules.len(),
        "each known ticket looked up"
    );
    assert!(
        stdout.contains("IM20261123120000000001 still open (INCIDENT_STATUS_TRIGGERED)"),
        "{stdout}"
    );

    // Someone completes the first ticket: the next run opens a new one for that rule only.
    coc.world().tickets.insert(
        "IM20261123120000000001".into(),
        "INCIDENT_STATUS_COMPLETED".into(),
    );
    gate(&cfg, "on", &[]).assert().code(1);
    let world = coc.world();
    assert_eq!(world.created.len(), rules.len() + 1);
    assert_eq!(
        world.created.last().unwrap()["incident_title"],
        world.created[0]["incident_title"]
    );
    let state = json_of(&tmp.path().join(".tollgate/incidents.json"));
    let numbers: Vec<&str> = state["tickets"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["incident_num"].as_str().unwrap())
        .collect();
    assert!(!numbers.contains(&"IM20261123120000000001"), "{numbers:?}");
    assert_eq!(numbers.len(), rules.len());
}

#[test]
fn alarms_are_raised_then_cleared_when_the_breach_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", ALARMS);
    let result = tmp.path().join("result.json");
    gate(&cfg, "on", &[])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(1);
    let rules = blocking_rules(&json_of(&result));
    let raised: Vec<Value> = coc.world().alarms.clone();
    assert_eq!(raised.len(), rules.len());
    assert!(raised.iter().all(|a| a["alarmStatus"] == "alarm"
        && a["alarmSource"] == "tollgate"
        && a["nameSpace"] == "tollgate"
        && a["applicationId"] == "app-1"
        && a["regionId"] == "cn-north-4"
        && a["time"] == json!(1_795_435_200_000i64)));
    let critical = raised
        .iter()
        .find(|a| a["alarmName"].as_str().unwrap().contains("PATCH-001"))
        .unwrap();
    assert_eq!(critical["alarmLevel"], "Critical");

    // With fail-on critical only PATCH-001 and SCAN-001 still block: every other alarm is
    // cleared, with the id it was raised with, and theirs are raised again.
    gate(&cfg, "on", &["--fail-on", "critical"])
        .assert()
        .code(1);
    let world = coc.world();
    let second = &world.alarms[raised.len()..];
    let cleared: Vec<&Value> = second.iter().filter(|a| a["alarmStatus"] == "ok").collect();
    let again: Vec<&Value> = second
        .iter()
        .filter(|a| a["alarmStatus"] == "alarm")
        .collect();
    assert_eq!(again.len(), 2);
    assert!(again.iter().any(|a| a["alarmId"] == critical["alarmId"]));
    assert!(again
        .iter()
        .any(|a| a["alarmName"].as_str().unwrap().contains("SCAN-001")));
    assert_eq!(cleared.len(), raised.len() - 2);
    for c in &cleared {
        let was = raised
            .iter()
            .find(|a| a["alarmId"] == c["alarmId"])
            .unwrap();
        assert_eq!(c["alarmName"], was["alarmName"]);
        assert!(again.iter().all(|a| a["alarmId"] != c["alarmId"]));
    }
    assert!(world.refused.is_empty(), "{:?}", world.refused);
    let state = json_of(&tmp.path().join(".tollgate/incidents.json"));
    assert_eq!(state["alarms"].as_object().unwrap().len(), 2);
    drop(world);

    // A third run has nothing more to clear.
    let before = coc.world().alarms.len();
    gate(&cfg, "on", &["--fail-on", "critical"])
        .assert()
        .code(1);
    assert_eq!(
        coc.world().alarms.len(),
        before + 2,
        "only the open alarms again"
    );
}

#[test]
fn dry_run_prints_the_payloads_and_sends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", &format!("{TICKETS}\n{ALARMS}"));
    let result = tmp.path().join("result.json");
    let out = gate(&cfg, "dry-run", &["-o", "human"])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (stdout, stderr) = texts(&out);
    assert_eq!(coc.server.hits(), 0, "a dry run sends nothing");
    assert!(
        !tmp.path().join(".tollgate").exists(),
        "and writes no state"
    );
    assert!(
        stderr.contains("incidents dry run: nothing is sent"),
        "{stderr}"
    );
    assert!(
        stderr.contains("POST /v1/external/incident/create"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"incident_level\": \"level_10\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("POST /v1/event/huawei/custom/{integration_key}"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY) && !stdout.contains(KEY));
    assert!(
        stdout.contains("incidents (dry run, nothing sent):"),
        "{stdout}"
    );
    let doc = json_of(&result);
    assert_eq!(doc["incidents"]["mode"], "dry-run");
    let actions: Vec<&str> = doc["incidents"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"would_open") && actions.contains(&"would_raise"));

    // With tickets already known, the dry run names the ones that would suppress new ones.
    gate(&cfg, "on", &[]).assert().code(1);
    let hits = coc.server.hits();
    let out = gate(&cfg, "dry-run", &[])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (_, stderr) = texts(&out);
    assert_eq!(coc.server.hits(), hits, "still nothing sent");
    assert!(
        stderr.contains("ticket IM20261123120000000001 from")
            && stderr.contains("suppresses this ticket"),
        "{stderr}"
    );
}

#[test]
fn long_multibyte_titles_and_descriptions_are_cut_on_character_boundaries() {
    let tmp = tempfile::tempdir().unwrap();
    let policies = tmp.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    let title = "生产环境节点缺少关键补丁😀".repeat(20);
    let tail = "安全更新😀".repeat(40);
    std::fs::write(
        policies.join("long.rhai"),
        format!(
            r#"
const RULE = #{{ id: "LONG-001", title: "{title}", severity: "critical", applies_to: ["patch_node"] }};
fn check(node) {{
    if node.status == "non_compliant" {{ "节点 " + node.name + " 缺少补丁：{tail}" }}
}}
"#
        ),
    )
    .unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    let mut cmd = gate(&cfg, "on", &[]);
    cmd.args(["-p"]).arg(&policies);
    // `gate` also passes `-p policies`; the shipped policies come along, which is fine.
    cmd.assert().code(1);
    let world = coc.world();
    assert!(
        world.refused.is_empty(),
        "within the limits: {:?}",
        world.refused
    );
    let ticket = world
        .created
        .iter()
        .find(|t| t["incident_title"].as_str().unwrap().contains("LONG-001"))
        .unwrap();
    let t = ticket["incident_title"].as_str().unwrap();
    let d = ticket["incident_description"].as_str().unwrap();
    assert!(t.ends_with('…'), "{t}");
    assert!(
        t.encode_utf16().count() <= 200 && t.chars().count() > 150,
        "{t}"
    );
    assert!(d.encode_utf16().count() <= 600, "{}", d.chars().count());
    assert!(
        d.contains("… and"),
        "the rest of the findings are counted: {d}"
    );
    assert!(
        d.contains("Full result:") && d.contains("Fingerprint: "),
        "{d}"
    );
}

#[test]
fn a_refused_ticket_fails_the_run_with_the_vendors_message() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Reject);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    let result = tmp.path().join("result.json");
    let out = gate(&cfg, "on", &[])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let (_, stderr) = texts(&out);
    assert!(
        stderr.contains("the application 'app-1' does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("COC.00040023"), "{stderr}");
    assert!(stderr.contains("tollgate::incident::send"), "{stderr}");
    // The result is still written, and says the ticket failed; nothing claims it exists.
    let doc = json_of(&result);
    let records = doc["incidents"]["records"].as_array().unwrap();
    assert!(records
        .iter()
        .all(|r| r["action"] == "failed" && r.get("incident_num").is_none()));
    assert!(!tmp.path().join(".tollgate/incidents.json").exists());
}

#[test]
fn success_without_a_ticket_number_is_not_a_ticket() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::NoNumber);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    gate(&cfg, "on", &["-o", "human"])
        .assert()
        .code(2)
        .stderr(contains("returned no incident_num"))
        .stdout(contains("coc_incident failed"));
}

#[test]
fn best_effort_keeps_the_gates_exit_code_and_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Reject);
    let cfg = config(tmp.path(), &coc, "best_effort = true", TICKETS);
    gate(&cfg, "on", &[])
        .assert()
        .code(1)
        .stderr(contains("warning (best_effort"))
        .stderr(contains("does not exist"));
    // A passing gate stays passing: PATCH-001 alarmed last time, and clearing it fails.
    let coc = coc_down();
    let cfg = config(tmp.path(), &coc, "best_effort = true", ALARMS);
    std::fs::create_dir_all(tmp.path().join(".tollgate")).unwrap();
    std::fs::write(
        tmp.path().join(".tollgate/incidents.json"),
        r#"{"tollgate_incidents": 1, "alarms": {"a1": {"group": "rule:PATCH-001",
            "alarm_name": "[tollgate] PATCH-001", "alarm_level": "Critical",
            "raised_at": "2026-11-22T12:00:00Z"}}}"#,
    )
    .unwrap();
    let mut clean = live(&cfg);
    clean
        .env("TOLLGATE_COC_INTEGRATION_KEY", KEY)
        .args(["check", "-r", "tests/fixtures/reports/cli/clean.json"])
        .args(["-p", "policies/patch", "--now", NOW, "--incidents", "on"])
        .assert()
        .code(0)
        .stderr(contains("warning (best_effort"));
    assert_eq!(coc.server.hits(), 2, "the clear was tried, twice");
}

/// A COC that answers every request with 503.
fn coc_down() -> Coc {
    Coc {
        server: FakeServer::start(|_| FakeReply::json(503, json!({"error_msg": "down"}))),
        world: Arc::default(),
    }
}

#[test]
fn coc_down_is_exit_2_after_retries() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc_down();
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    let result = tmp.path().join("result.json");
    gate(&cfg, "on", &[])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(2)
        .stderr(contains("503"));
    let tickets = blocking_rules(&json_of(&result)).len();
    assert!(tickets > 1);
    assert_eq!(
        coc.server.hits(),
        2 * tickets,
        "max_attempts = 2 per ticket"
    );
}

#[test]
fn a_failure_code_in_a_200_reply_is_a_failure_with_the_vendors_message() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Refuse200);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    gate(&cfg, "on", &[])
        .assert()
        .code(2)
        .stderr(contains("COC.00040099"))
        .stderr(contains("the assignee role is not on duty"));
    assert!(!tmp.path().join(".tollgate/incidents.json").exists());
}

#[test]
fn tickets_opened_before_a_failure_are_remembered() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::OnlyFirst);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    gate(&cfg, "on", &[]).assert().code(2);
    let state = json_of(&tmp.path().join(".tollgate/incidents.json"));
    let tickets = state["tickets"].as_object().unwrap();
    assert_eq!(tickets.len(), 1, "{state}");
    assert_eq!(
        tickets.values().next().unwrap()["incident_num"],
        "IM20261123120000000001"
    );
    // The next run looks that one up instead of opening it again.
    coc.world().behaviour = Behaviour::Normal;
    gate(&cfg, "on", &[]).assert().code(1);
    let world = coc.world();
    assert_eq!(world.lookups, ["IM20261123120000000001"]);
    assert!(world
        .created
        .iter()
        .skip(1)
        .all(|t| t["incident_title"] != world.created[0]["incident_title"]));
}

#[test]
fn a_config_without_assignee_is_rejected_when_read() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(
        tmp.path(),
        &coc,
        "",
        "[incident.coc_incident]\napplication_id = \"app-1\"\ncreator = \"me\"\n",
    );
    // Rejected even when incidents are off: the mistake is found before a breach needs it.
    let out = gate(&cfg, "off", &[]).assert().code(2).get_output().clone();
    let (_, stderr) = texts(&out);
    assert!(stderr.contains("needs an assignee"), "{stderr}");
    assert!(stderr.contains("tollgate.toml"), "{stderr}");
    assert_eq!(coc.server.hits(), 0);

    let cfg = config(tmp.path(), &coc, "", "");
    gate(&cfg, "on", &[])
        .assert()
        .code(2)
        .stderr(contains("names no sink"));
}

#[test]
fn incidents_need_an_incident_table() {
    tollgate()
        .args([
            "check",
            "-c",
            "tests/fixtures/cli.toml",
            "--incidents",
            "on",
        ])
        .args(["-r", "examples/reports", "--now", NOW])
        .assert()
        .code(2)
        .stderr(contains("needs an [incident] table"));
}

#[test]
fn a_corrupt_state_file_is_an_error_not_a_fresh_start() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    std::fs::create_dir(tmp.path().join(".tollgate")).unwrap();
    std::fs::write(
        tmp.path().join(".tollgate/incidents.json"),
        "{\"tollgate_inc",
    )
    .unwrap();
    gate(&cfg, "on", &[])
        .assert()
        .code(2)
        .stderr(contains("tollgate::incident::state"));
    assert!(
        coc.world().created.is_empty(),
        "no ticket opened on a guess"
    );
}

#[test]
fn secrets_stay_out_of_everything_written() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", &format!("{TICKETS}\n{ALARMS}"));
    let mut written = Vec::new();
    let mut cmd = gate(&cfg, "on", &["-vv"]);
    for format in ["json", "sarif", "junit", "markdown", "github"] {
        let path = tmp.path().join(format!("out.{format}"));
        cmd.arg("-o").arg(format!("{format}={}", path.display()));
        written.push(path);
    }
    let out = cmd.assert().code(1).get_output().clone();
    // Then a failing run, whose errors name the URL the key is in.
    let down = coc_down();
    let cfg2 = config(tmp.path(), &down, "", ALARMS);
    let failed = gate(&cfg2, "on", &["-vv"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let (_, failed_err) = texts(&failed);
    assert!(
        failed_err.contains("/v1/event/huawei/custom/[redacted]"),
        "{failed_err}"
    );
    written.push(tmp.path().join(".tollgate/incidents.json"));
    let mut all = vec![texts(&out).0, texts(&out).1, failed_err, texts(&failed).0];
    all.extend(written.iter().map(|p| std::fs::read_to_string(p).unwrap()));
    for text in &all {
        for secret in [AK, SK, KEY] {
            assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
        }
    }
}

#[test]
fn the_readme_shows_the_example_dry_run_as_it_is() {
    // A copy whose state file is in a fresh directory: a state left by someone trying the
    // example for real must not change what this run prints.
    let tmp = tempfile::tempdir().unwrap();
    let here = std::env::current_dir().unwrap();
    let text = std::fs::read_to_string("examples/incidents.toml")
        .unwrap()
        .replace(
            "\"reports\"",
            &format!("{:?}", here.join("examples/reports")),
        )
        .replace("\"../policies\"", &format!("{:?}", here.join("policies")))
        .replace("../.tollgate/incidents.json", "state/incidents.json");
    let cfg = tmp.path().join("incidents.toml");
    std::fs::write(&cfg, text).unwrap();
    let out = tollgate()
        .args(["check", "-c"])
        .arg(&cfg)
        .args(["--now", NOW])
        .args(["--incidents", "dry-run", "-o"])
        .arg(format!("json={}", tmp.path().join("r.json").display()))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (_, stderr) = texts(&out);
    let shown: String = stderr
        .lines()
        .skip_while(|l| !l.starts_with("coc_incident:"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        shown.contains("\"incident_level\": \"level_10\""),
        "{stderr}"
    );
    let doc = std::fs::read_to_string("docs/incidents.md").unwrap();
    assert!(
        doc.contains(&shown),
        "docs/incidents.md's incident dry run is stale; it prints:\n{shown}"
    );
}

#[test]
fn grouping_by_resource_and_a_minimum_severity() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let grouping = "group_by = \"resource\"\nmin_severity = \"critical\"";
    let cfg = config(tmp.path(), &coc, grouping, &format!("{TICKETS}\n{ALARMS}"));
    let result = tmp.path().join("result.json");
    gate(&cfg, "on", &[])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(1);
    let doc = json_of(&result);
    let mut critical: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blocking"] == true && f["severity"] == "critical")
        .map(|f| f["resource"]["id"].as_str().unwrap())
        .collect();
    critical.sort();
    critical.dedup();
    assert!(critical.len() > 1, "{critical:?}");
    let world = coc.world();
    assert_eq!(
        world.created.len(),
        critical.len(),
        "one ticket per resource"
    );
    let mut alarmed: Vec<&str> = world
        .alarms
        .iter()
        .map(|a| a["resourceId"].as_str().unwrap())
        .collect();
    alarmed.sort();
    assert_eq!(alarmed, critical, "each alarm names its one resource");
    assert!(world.alarms.iter().all(|a| a["alarmLevel"] == "Critical"));
}

/// With `--incidents on`, what the sinks need is checked before anything
/// is fetched or evaluated, on a passing gate too, and every problem is named at once.
#[test]
fn incidents_on_checks_credentials_and_state_before_the_gate_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", &format!("{TICKETS}{ALARMS}"));
    // The state file's directory is a file: it can be neither created nor written.
    std::fs::write(tmp.path().join(".tollgate"), "not a directory").unwrap();
    let result = tmp.path().join("result.json");
    let out = tollgate()
        .env("TOLLGATE_CONFIG", &cfg)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .env_remove("CLOUD_SDK_AK")
        .env_remove("CLOUD_SDK_SK")
        .args(["check", "-r", "tests/fixtures/reports/cli/clean.json"])
        .args(["-p", "policies/patch", "--now", NOW, "--incidents", "on"])
        .arg("-o")
        .arg(format!("json={}", result.display()))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let (_, stderr) = texts(&out);
    assert!(stderr.contains("tollgate::incident::setup"), "{stderr}");
    assert!(stderr.contains("HUAWEICLOUD_SDK_AK"), "{stderr}");
    assert!(stderr.contains("TOLLGATE_COC_INTEGRATION_KEY"), "{stderr}");
    assert!(stderr.contains("incident state"), "{stderr}");
    assert_eq!(coc.server.hits(), 0, "nothing was sent");
    // The outputs say so too.
    let doc = json_of(&result);
    assert_eq!(doc["verdict"], "error");
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["errors"][0]["code"], "tollgate::incident::setup");
    assert_eq!(doc["findings"], json!([]));
    // A dry run needs none of it.
    std::fs::remove_file(tmp.path().join(".tollgate")).unwrap();
    tollgate()
        .env("TOLLGATE_CONFIG", &cfg)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .args(["check", "-r", "tests/fixtures/reports/cli/clean.json"])
        .args([
            "-p",
            "policies/patch",
            "--now",
            NOW,
            "--incidents",
            "dry-run",
        ])
        .assert()
        .code(0);
}

/// A run whose incidents fail exits 2, and every output says exit 2 with
/// the error; the stderr count is the number of tickets and alarms that failed.
#[test]
fn failed_incidents_are_stated_by_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc_down();
    let cfg = config(tmp.path(), &coc, "", &format!("{TICKETS}{ALARMS}"));
    let file = |name: &str| tmp.path().join(name);
    let out = gate(&cfg, "on", &[])
        .args(["-o", "human"])
        .arg("-o")
        .arg(format!("json={}", file("r.json").display()))
        .arg("-o")
        .arg(format!("sarif={}", file("r.sarif").display()))
        .arg("-o")
        .arg(format!("junit={}", file("r.xml").display()))
        .arg("-o")
        .arg(format!("markdown={}", file("r.md").display()))
        .arg("-o")
        .arg(format!("html={}", file("r.html").display()))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let (stdout, stderr) = texts(&out);
    let doc = json_of(&file("r.json"));
    let failed = doc["incidents"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "failed")
        .count();
    assert!(failed >= 2, "tickets and alarms failed: {failed}");
    assert!(
        stderr.contains(&format!(
            "{failed} incident ticket or alarm action(s) failed"
        )),
        "{stderr}"
    );
    assert_eq!(doc["verdict"], "error");
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["errors"][0]["code"], "tollgate::incident::send");
    assert!(
        doc["summary"]["blocking"].as_u64().unwrap() > 0,
        "findings stand"
    );
    let sarif = json_of(&file("r.sarif"));
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["properties"]["code"],
        "tollgate::incident::send"
    );
    assert_eq!(sarif["runs"][0]["properties"]["exit_code"], 2);
    let junit = std::fs::read_to_string(file("r.xml")).unwrap();
    assert!(
        junit.contains("<error type=\"tollgate::incident::send\""),
        "{junit}"
    );
    assert!(junit.contains("exit_code: 2"));
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("ERROR: the gate could not decide"),
        "{last}"
    );
    assert!(last.ends_with("— exit 2"), "{last}");
    for name in ["r.md", "r.html"] {
        let text = std::fs::read_to_string(file(name)).unwrap();
        assert!(text.contains("could not decide"), "{name}");
        assert!(text.contains("— exit 2"), "{name}");
    }
    // The errors now reach the outputs: the secrets must not.
    for name in ["r.json", "r.sarif", "r.xml", "r.md", "r.html"] {
        let text = std::fs::read_to_string(file(name)).unwrap();
        for secret in [KEY, AK, SK] {
            assert!(!text.contains(secret), "{name} holds a secret");
        }
    }
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY) && !stderr.contains(SK));
}

/// With a ledger, the tickets are kept in it: an existing incidents.json is imported once
/// (no ticket opened twice), and from then on the ledger is what counts.
#[test]
fn with_a_ledger_the_tickets_live_in_it_and_the_state_file_is_imported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let coc = coc(Behaviour::Normal);
    let cfg = config(tmp.path(), &coc, "", TICKETS);
    let file = tmp.path().join(".tollgate/incidents.json");
    let ledger = tmp.path().join("state.db");
    let ledger = ledger.to_str().unwrap();

    // Before the ledger: the tickets go to the state file.
    gate(&cfg, "on", &[]).assert().code(1);
    let opened = coc.world().created.len();
    assert!(opened > 1);
    assert!(file.is_file());

    // The first run with a ledger imports the file: every ticket is known, none reopened.
    gate(&cfg, "on", &["--state", ledger, "--init-state"])
        .assert()
        .code(1);
    assert_eq!(
        coc.world().created.len(),
        opened,
        "imported, not opened again"
    );

    // The file is left alone from then on: replaced by something that is not even a state
    // file, it changes nothing; the ledger knows.
    std::fs::write(&file, r#"{"tickets":{},"alarms":{}}"#).unwrap();
    let out = gate(&cfg, "on", &["--state", ledger, "-o", "human"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (stdout, _) = texts(&out);
    assert_eq!(
        coc.world().created.len(),
        opened,
        "the ledger, not the file"
    );
    assert!(stdout.contains("still open"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        r#"{"tickets":{},"alarms":{}}"#,
        "not written"
    );

    // A ticket completed in COC: the ledger's next run opens one new ticket, as the file did.
    coc.world().tickets.insert(
        "IM20261123120000000001".into(),
        "INCIDENT_STATUS_COMPLETED".into(),
    );
    gate(&cfg, "on", &["--state", ledger]).assert().code(1);
    assert_eq!(coc.world().created.len(), opened + 1);
}
