//! `-o ocsf`, checked against the OCSF 1.5.0 schema vendored in tests/fixtures/ocsf: every
//! event is a Compliance Finding (class 2003) whose every attribute the class or its
//! objects define, of the dictionary's type, within its enum, with every required
//! attribute present.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::tollgate;

const NOW: &str = "2026-11-23T12:00:00Z";

struct Schema {
    root: PathBuf,
    /// The class's ids, as the schema derives them: its category's uid, and the category
    /// uid times 1000 plus the class's own uid.
    category_uid: i64,
    class_uid: i64,
    dictionary: Map<String, Value>,
    types: Map<String, Value>,
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// `over`'s attribute definitions laid over `base`'s, field by field.
fn merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (name, def) in over {
        if name == "$include" {
            continue; // profiles: tollgate's events use none of their attributes
        }
        let into = base
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let (Some(into), Some(def)) = (into.as_object_mut(), def.as_object()) {
            for (k, v) in def {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

impl Schema {
    fn load() -> Schema {
        let root = PathBuf::from("tests/fixtures/ocsf/1.5.0");
        let dictionary = read(&root.join("dictionary.json"));
        let categories = read(&root.join("categories.json"));
        let finding = read(&root.join("events/findings/finding.json"));
        let category = finding["category"].as_str().unwrap();
        let category_uid = categories["attributes"][category]["uid"].as_i64().unwrap();
        let own = read(&root.join("events/findings/compliance_finding.json"))["uid"]
            .as_i64()
            .unwrap();
        Schema {
            category_uid,
            class_uid: category_uid * 1000 + own,
            dictionary: dictionary["attributes"].as_object().unwrap().clone(),
            types: dictionary["types"]["attributes"]
                .as_object()
                .unwrap()
                .clone(),
            root,
        }
    }

    /// A class's attributes with those of the classes it extends.
    fn class(&self) -> Map<String, Value> {
        let mut attributes = Map::new();
        for file in [
            "events/base_event.json",
            "events/findings/finding.json",
            "events/findings/compliance_finding.json",
        ] {
            let class = read(&self.root.join(file));
            merge(&mut attributes, class["attributes"].as_object().unwrap());
        }
        attributes
    }

    /// An object's attributes with those of the objects it extends.
    fn object(&self, name: &str) -> Map<String, Value> {
        let path = self.root.join(format!("objects/{name}.json"));
        assert!(
            path.is_file(),
            "object {name} is not in the vendored schema"
        );
        let object = read(&path);
        let mut attributes = match object["extends"].as_str() {
            Some(base) if base != "object" => self.object(base),
            _ => Map::new(),
        };
        merge(&mut attributes, object["attributes"].as_object().unwrap());
        attributes
    }

    /// A type's primitive: `string_t`, `integer_t`, `long_t`, … or `None` for an object.
    fn primitive(&self, ty: &str) -> Option<String> {
        let def = self.types.get(ty)?;
        match def["type"].as_str() {
            Some(base) => self.primitive(base),
            None => Some(ty.to_string()),
        }
    }

    fn check(
        &self,
        value: &Value,
        attributes: &Map<String, Value>,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            problems.push(format!("{at}: not an object"));
            return;
        };
        for (name, def) in attributes {
            if def["requirement"] == "required" && !object.contains_key(name) {
                problems.push(format!("{at}: required attribute {name} missing"));
            }
        }
        for (name, v) in object {
            let Some(overlay) = attributes.get(name) else {
                problems.push(format!("{at}.{name}: not an attribute here"));
                continue;
            };
            let mut def = self.dictionary.get(name).cloned().unwrap_or_default();
            if let (Some(def), Some(overlay)) = (def.as_object_mut(), overlay.as_object()) {
                for (k, o) in overlay {
                    def.insert(k.clone(), o.clone());
                }
            }
            let ty = def["type"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} has no type"));
            let items: Vec<&Value> = if def["is_array"] == true {
                match v.as_array() {
                    Some(items) => items.iter().collect(),
                    None => {
                        problems.push(format!("{at}.{name}: not an array"));
                        continue;
                    }
                }
            } else {
                vec![v]
            };
            for item in items {
                let here = format!("{at}.{name}");
                match self.primitive(ty).as_deref() {
                    Some("string_t") if !item.is_string() => {
                        problems.push(format!("{here}: not a string"))
                    }
                    Some("integer_t" | "long_t") if !(item.is_i64() || item.is_u64()) => {
                        problems.push(format!("{here}: not an integer"))
                    }
                    Some("float_t") if !item.is_number() => {
                        problems.push(format!("{here}: not a number"))
                    }
                    Some("boolean_t") if !item.is_boolean() => {
                        problems.push(format!("{here}: not a boolean"))
                    }
                    Some(_) => {}
                    None => self.check(item, &self.object(ty), &here, problems),
                }
                // The schema fills these three from the category and class, not the
                // dictionary's placeholder enums.
                let derived = match name.as_str() {
                    "category_uid" => Some(self.category_uid),
                    "class_uid" => Some(self.class_uid),
                    "type_uid" => {
                        Some(self.class_uid * 100 + object["activity_id"].as_i64().unwrap_or(-1))
                    }
                    _ => None,
                };
                if at.contains('.') && derived.is_some() {
                    problems.push(format!("{here}: only an event has it"));
                } else if let Some(expected) = derived {
                    if item.as_i64() != Some(expected) {
                        problems.push(format!("{here}: {item} is not {expected}"));
                    }
                } else if let Some(values) = def["enum"].as_object() {
                    let key = item.to_string();
                    if !values.contains_key(&key) {
                        problems.push(format!("{here}: {key} is not in its enum"));
                    }
                }
            }
        }
    }
}

fn gate(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let out = dir.join("events.ocsf.json");
    tollgate()
        .args(["check", "--now", NOW])
        .args(extra)
        .arg("-o")
        .arg(format!("ocsf={}", out.display()))
        .assert()
        .code(1);
    read(&out)
        .as_array()
        .expect("a JSON array of events")
        .clone()
}

#[test]
fn every_event_is_a_valid_compliance_finding() {
    let schema = Schema::load();
    let class = schema.class();
    let dir = tempfile::tempdir().unwrap();
    let events = gate(dir.path(), &[]);
    assert_eq!(
        events.len(),
        34,
        "one event per finding of the example gate"
    );
    let mut problems = Vec::new();
    for (i, event) in events.iter().enumerate() {
        schema.check(event, &class, &format!("[{i}]"), &mut problems);
        assert_eq!(event["class_uid"], 2003);
        assert_eq!(event["category_uid"], 2);
        assert_eq!(event["type_uid"], 200301, "class_uid * 100 + activity_id");
        assert_eq!(event["metadata"]["version"], "1.5.0");
        assert_eq!(event["metadata"]["product"]["name"], "tollgate");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The checker itself finds what is wrong.
    let mut broken = events[0].clone();
    broken["severity_id"] = 9.into();
    broken["type_uid"] = 200302.into();
    broken["finding_info"]
        .as_object_mut()
        .unwrap()
        .remove("uid");
    broken["compliance"]["standards"] = "NIST".into();
    broken["resources"][0]["colour"] = "red".into();
    let mut found = Vec::new();
    schema.check(&broken, &class, "broken", &mut found);
    let found = found.join("\n");
    for expected in [
        "severity_id: 9 is not in its enum",
        "type_uid: 200302 is not 200301",
        "required attribute uid missing",
        "standards: not an array",
        "colour: not an attribute here",
    ] {
        assert!(found.contains(expected), "{expected} in:\n{found}");
    }
}

#[test]
fn events_carry_the_finding_its_controls_and_its_resource() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("result.json");
    let events = gate(dir.path(), &["-o", &format!("json={}", json.display())]);
    let result = read(&json);
    let findings = result["findings"].as_array().unwrap();
    let fingerprints: HashSet<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    for e in &events {
        assert!(fingerprints.contains(e["finding_info"]["uid"].as_str().unwrap()));
    }
    let patch = events
        .iter()
        .find(|e| e["finding_info"]["types"][0] == "PATCH-001")
        .expect("a PATCH-001 event");
    assert_eq!(patch["severity_id"], 5);
    assert_eq!(patch["severity"], "Critical");
    assert_eq!(patch["compliance"]["control"], "PATCH-001");
    assert_eq!(patch["compliance"]["status"], "Fail");
    assert_eq!(
        patch["compliance"]["requirements"],
        serde_json::json!([
            "PCI-DSS-4.0:6.3.3",
            "NIST-800-53-r5:SI-2",
            "ISO-27001-2022:A.8.8",
            "CIS-v8:7.3"
        ])
    );
    assert_eq!(
        patch["compliance"]["standards"],
        serde_json::json!(["PCI-DSS-4.0", "NIST-800-53-r5", "ISO-27001-2022", "CIS-v8"])
    );
    let resource = &patch["resources"][0];
    assert_eq!(resource["type"], "patch_node");
    assert_eq!(resource["group"]["name"], "prod");
    assert_eq!(resource["region"], "cn-north-4");
    assert_eq!(
        patch["time"], 1_795_435_200_000_i64,
        "the gate's time, Unix ms"
    );
    // A `warn` is a check that could not judge: OCSF's Warning.
    assert!(events
        .iter()
        .any(|e| e["compliance"]["status"] == "Warning"));
}

#[test]
fn with_a_ledger_events_carry_first_and_last_seen() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.display().to_string();
    let out = dir.path().join("events.json");
    for now in ["2026-11-20T12:00:00Z", NOW] {
        tollgate()
            .args(["check", "--now", now, "--state", &state, "-o"])
            .arg(format!("ocsf={}", out.display()))
            .assert()
            .code(1);
    }
    let events = read(&out);
    let e = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["finding_info"]["types"][0] == "PATCH-001")
        .unwrap();
    assert_eq!(
        e["finding_info"]["first_seen_time"], 1_795_176_000_000_i64,
        "the first run"
    );
    assert_eq!(
        e["finding_info"]["last_seen_time"], 1_795_435_200_000_i64,
        "this run"
    );
    assert_eq!(e["status"], "In Progress", "seen before");
    let schema = Schema::load();
    let mut problems = Vec::new();
    schema.check(e, &schema.class(), "ledger", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// tollgate's `-o ocsf` is a report tollgate reads back: every event becomes a
/// `scan_finding` whose check, resource, severity and controls are those of the finding
/// that wrote it, and a second gate runs on it.
#[test]
fn its_own_events_read_back_as_scan_findings() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("result.json");
    let events = gate(dir.path(), &["-o", &format!("json={}", result.display())]);
    let result: Value = read(&result);
    let findings = result["findings"].as_array().unwrap();
    assert_eq!(events.len(), findings.len());

    let path = dir.path().join("events.ocsf.json");
    let input = tollgate::model::Input {
        origin: tollgate::model::ReportOrigin::File(path.display().to_string().into()),
        text: std::fs::read_to_string(&path).unwrap().into(),
    };
    let report = tollgate::report::load(&input, tollgate::report::LoadOptions::default())
        .expect("tollgate reads its own OCSF events");
    assert_eq!(report.kind, tollgate::model::ReportKind::OcsfFindings);
    assert_eq!(report.resources.len(), findings.len());
    for (r, f) in report.resources.iter().zip(findings) {
        let field = |name: &str| serde_json::to_value(r.field(name).unwrap()).unwrap();
        let here = f["fingerprint"].as_str().unwrap();
        assert_eq!(r.id(), here);
        assert_eq!(r.kind().as_str(), "scan_finding");
        assert_eq!(field("check_id"), f["rule"], "{here}");
        assert_eq!(field("product"), "tollgate");
        assert_eq!(field("severity"), f["severity"], "{here}");
        // The resource: its id, name, region and group as the finding had them.
        let resource = &f["resource"];
        let id = if resource["kind"] == "report" {
            resource["source"].clone()
        } else {
            resource["id"].clone()
        };
        assert_eq!(field("resource_uid"), id, "{here}");
        let label = resource["name"]
            .as_str()
            .or(resource["id"].as_str())
            .unwrap();
        assert_eq!(r.name(), Some(label), "{here}");
        assert_eq!(r.region(), resource["region"].as_str(), "{here}");
        assert_eq!(r.group(), resource["group"].as_str(), "{here}");
        // A deny fails its controls; a warn could not judge.
        let status = if f["level"] == "deny" {
            "non_compliant"
        } else {
            "unknown"
        };
        assert_eq!(r.status.as_str(), status, "{here}");
        // Controls: the rule's FRAMEWORK:CONTROL list, as a map of framework to controls.
        let mut controls: Vec<String> = Vec::new();
        for (framework, list) in field("controls").as_object().unwrap() {
            for c in list.as_array().unwrap() {
                controls.push(format!("{framework}:{}", c.as_str().unwrap()));
            }
        }
        let mut want: Vec<String> = f["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        controls.sort();
        want.sort();
        assert_eq!(controls, want, "{here}");
    }

    // And a gate runs on it: a policy over scan findings finds every deny again.
    let policy = dir.path().join("recheck.rhai");
    std::fs::write(
        &policy,
        r#"const RULE = #{ id: "RE-001", title: "Rechecked", severity: "critical", applies_to: ["scan_finding"] };
fn check(f) {
    if f.status == "non_compliant" && f.product == "tollgate" { deny(`${f.check_id} on ${f.name}`) }
}
"#,
    )
    .unwrap();
    let out = tollgate()
        .args(["check", "--now", NOW, "-o", "json", "-p"])
        .arg(&policy)
        .arg("-r")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let second: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(second["reports"][0]["kind"], "ocsf.findings");
    assert_eq!(second["reports"][0]["resources"], findings.len());
    let denies = findings.iter().filter(|f| f["level"] == "deny").count();
    assert_eq!(second["findings"].as_array().unwrap().len(), denies);
    assert!(second["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains(" on "));
}
