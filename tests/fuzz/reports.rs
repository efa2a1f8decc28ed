//! The `reports` target: report documents of every kind, built field by field from the
//! vendors' shapes (plausible values, and now and then odd ones), and evidence files.

#![allow(unused_imports)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

use tollgate::model::Report;
use tollgate::model::{Input, ReportKind};
use tollgate::policy::{self, Globals, Limits, Policy};
use tollgate::report::{self, LoadOptions};
use tollgate::settings::{CheckOptions, ColorChoice, Global, Settings};
use tollgate::Error;

use crate::*;

// ---------------------------------------------------------------------------------------
// Structure-aware report documents
// ---------------------------------------------------------------------------------------

/// The shape of a field of a vendor record, for generating plausible values.
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    /// An identifier: usually distinct, sometimes odd.
    Id,
    Text,
    Int,
    /// Unix milliseconds.
    Millis,
    /// A count as OOS sends it: a string holding a number.
    CountText,
    /// An RFC 3339 time.
    Time,
    OneOf(&'static [&'static str]),
    /// One of these whole numbers (an enumerated id).
    Code(&'static [i64]),
    /// An array of short strings.
    Strings,
    Obj(&'static [(&'static str, Ty)]),
    /// An array of objects.
    List(&'static [(&'static str, Ty)]),
}

pub(crate) const SEVERITY_COUNTS: &[(&str, Ty)] = &[
    ("critical_count", Ty::Int),
    ("high_count", Ty::Int),
    ("medium_count", Ty::Int),
    ("low_count", Ty::Int),
    ("informational_count", Ty::Int),
    ("unspecified_count", Ty::Int),
];

pub(crate) const COC_NODE: &[(&str, Ty)] = &[
    ("instance_id", Ty::Id),
    ("id", Ty::Text),
    (
        "name",
        Ty::OneOf(&["ecs-prod-web-01", "ecs-dev-db", "", "ecs-prod-web-01"]),
    ),
    ("region", Ty::OneOf(&["cn-north-4", "ap-southeast-1"])),
    ("group", Ty::OneOf(&["prod", "dev", "staging"])),
    (
        "status",
        Ty::OneOf(&["compliant", "non_compliant", "unknown"]),
    ),
    ("ip", Ty::Text),
    ("eip", Ty::Text),
    (
        "operating_system",
        Ty::OneOf(&["EulerOS", "CentOS", "Windows"]),
    ),
    ("report_scene", Ty::OneOf(&["ECS", "CCE"])),
    ("baseline_id", Ty::Text),
    ("baseline_name", Ty::Text),
    ("enterprise_project_id", Ty::Text),
    (
        "compliant_summary",
        Ty::Obj(&[
            ("compliant_count", Ty::Int),
            ("severity_summary", Ty::Obj(SEVERITY_COUNTS)),
        ]),
    ),
    (
        "non_compliant_summary",
        Ty::Obj(&[
            ("non_compliant_count", Ty::Int),
            ("severity_summary", Ty::Obj(SEVERITY_COUNTS)),
        ]),
    ),
    (
        "execution_summary",
        Ty::Obj(&[("order_id", Ty::Text), ("report_time", Ty::Millis)]),
    ),
];

pub(crate) const COC_ITEM: &[(&str, Ty)] = &[
    ("instance_id", Ty::OneOf(&["i-1", "i-2"])),
    ("title", Ty::Id),
    ("classification", Ty::OneOf(&["Security", "Bugfix"])),
    (
        "severity_level",
        Ty::OneOf(&["Critical", "Important", "Moderate", "Low", "None"]),
    ),
    (
        "compliance_level",
        Ty::OneOf(&["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNSPECIFIED"]),
    ),
    (
        "patch_detail",
        Ty::Obj(&[
            ("installed_time", Ty::Millis),
            ("patch_baseline_id", Ty::Text),
            ("patch_baseline_name", Ty::Text),
            (
                "patch_status",
                Ty::OneOf(&[
                    "INSTALLED",
                    "INSTALLED_OTHER",
                    "MISSING",
                    "FAILED",
                    "INSTALLED_PENDING_REBOOT",
                    "INSTALLED_REJECTED",
                    "NOT_APPLICABLE",
                ]),
            ),
        ]),
    ),
];

pub(crate) const CONFIG_RULE: &[(&str, Ty)] = &[
    (
        "compliance_state",
        Ty::OneOf(&["Compliant", "NonCompliant", "NotApplicable"]),
    ),
    (
        "policy_assignment",
        Ty::Obj(&[
            ("policy_assignment_type", Ty::OneOf(&["builtin", "custom"])),
            ("id", Ty::Id),
            ("name", Ty::Text),
            ("description", Ty::Text),
            ("policy_filter", Ty::Obj(&[("region_id", Ty::Text)])),
            ("period", Ty::OneOf(&["One_Hour", "TwentyFour_Hours"])),
            ("state", Ty::OneOf(&["Enabled", "Disabled", "Evaluating"])),
            ("policy_definition_id", Ty::Text),
            ("tags", Ty::List(&[("key", Ty::Text), ("value", Ty::Text)])),
        ]),
    ),
    (
        "results",
        Ty::Obj(&[(
            "resource_details",
            Ty::Obj(&[
                ("compliant_count", Ty::Int),
                ("non_compliant_count", Ty::Int),
            ]),
        )]),
    ),
];

pub(crate) const OOS_NODE: &[(&str, Ty)] = &[
    ("InstanceId", Ty::Id),
    ("MissingCount", Ty::CountText),
    ("FailedCount", Ty::CountText),
    ("InstalledPendingRebootCount", Ty::CountText),
    ("InstalledRejectedCount", Ty::CountText),
    ("InstalledCount", Ty::CountText),
    ("InstalledOtherCount", Ty::CountText),
    ("BaselineId", Ty::Text),
    ("PatchGroup", Ty::OneOf(&["prod", "null", ""])),
    ("OperationType", Ty::OneOf(&["Scan", "Install"])),
    ("OperationEndTime", Ty::Time),
];

pub(crate) const CONFIG_PACK: &[(&str, Ty)] = &[
    ("CompliancePackId", Ty::Id),
    ("ReportStatus", Ty::OneOf(&["COMPLETE", "CREATING", "NONE"])),
    ("ReportUrl", Ty::Text),
    ("AccountId", Ty::Int),
    ("ReportCreateTimestamp", Ty::Millis),
];

/// An OCSF finding event, as Prowler (2004) or tollgate (2003) writes it.
pub(crate) const OCSF_EVENT: &[(&str, Ty)] = &[
    ("class_uid", Ty::Code(&[2004, 2003])),
    (
        "finding_info",
        Ty::Obj(&[("uid", Ty::Id), ("title", Ty::Text)]),
    ),
    ("severity_id", Ty::Code(&[0, 1, 2, 3, 4, 5, 6, 99])),
    ("status_id", Ty::Code(&[0, 1, 2, 3, 4, 5, 99])),
    ("status_code", Ty::OneOf(&["PASS", "FAIL", "MANUAL"])),
    ("time", Ty::Millis),
    ("time_dt", Ty::Time),
    (
        "metadata",
        Ty::Obj(&[
            ("event_code", Ty::Text),
            ("product", Ty::Obj(&[("name", Ty::Text)])),
            ("version", Ty::OneOf(&["1.5.0", "1.4.0"])),
        ]),
    ),
    (
        "cloud",
        Ty::Obj(&[
            (
                "provider",
                Ty::OneOf(&["huaweicloud", "alibabacloud", "aws", ""]),
            ),
            ("region", Ty::Text),
            ("account", Ty::Obj(&[("uid", Ty::Text)])),
        ]),
    ),
    (
        "resources",
        Ty::List(&[
            ("uid", Ty::Text),
            ("name", Ty::Text),
            ("type", Ty::Text),
            ("region", Ty::Text),
            ("group", Ty::Obj(&[("name", Ty::Text)])),
        ]),
    ),
    (
        "compliance",
        Ty::Obj(&[
            ("standards", Ty::Strings),
            ("requirements", Ty::Strings),
            // Pass and Fail could contradict `status_code`; a sound event never does.
            ("status_id", Ty::Code(&[0, 2, 99])),
        ]),
    ),
    ("remediation", Ty::Obj(&[("desc", Ty::Text)])),
    (
        "unmapped",
        Ty::Obj(&[(
            "compliance",
            Ty::Obj(&[("CIS-1.0", Ty::Strings), ("PCI-4.0", Ty::Strings)]),
        )]),
    ),
];

pub(crate) fn schema(kind: ReportKind) -> &'static [(&'static str, Ty)] {
    match kind {
        ReportKind::CocPatch => COC_NODE,
        ReportKind::CocItems => COC_ITEM,
        ReportKind::ConfigStates => CONFIG_RULE,
        ReportKind::OosPatch => OOS_NODE,
        ReportKind::ConfigPack => CONFIG_PACK,
        ReportKind::OcsfFindings => OCSF_EVENT,
    }
}

pub(crate) fn marker(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::CocPatch => "instance_compliant",
        ReportKind::CocItems => "compliance_items",
        ReportKind::ConfigStates => "policy_assignments",
        ReportKind::OosPatch => "InstancePatchStates",
        ReportKind::ConfigPack => "CompliancePackReport",
        // Events are not under a key; `build_document` writes them as the document.
        ReportKind::OcsfFindings => "",
    }
}

/// A value of any JSON type that a field should not hold, or holds only at the edges.
pub(crate) fn weird() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        select(vec![
            i64::MIN,
            i64::MAX,
            -1,
            0,
            1,
            i64::from(u32::MAX),
            i64::MAX / 2 + 1
        ])
        .prop_map(Value::from),
        select(vec![
            1e308,
            -1e308,
            0.5,
            -0.0,
            f64::MIN_POSITIVE,
            1.5e15,
            -1.5
        ])
        .prop_map(Value::from),
        select(ODD).prop_map(Value::from),
        select(vec![1000usize, 100_000, (1 << 20) + 1]).prop_map(|n| Value::from("x".repeat(n))),
        any::<String>().prop_map(Value::from),
        (1usize..400).prop_map(|depth| {
            (0..depth).fold(json!(1), |inner, i| {
                if i % 2 == 0 {
                    json!([inner])
                } else {
                    json!({ "a": inner })
                }
            })
        }),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(select(ODD).prop_map(String::from), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A plausible value for a field of this shape.
pub(crate) fn good(ty: Ty, weird_weight: u32) -> BoxedStrategy<Value> {
    // With `weird_weight` 0, only values every vendor module accepts.
    if weird_weight == 0 {
        match ty {
            Ty::Id => return "[a-z]{1,2}-[0-9a-f]{1,6}".prop_map(Value::from).boxed(),
            Ty::CountText => return (0..20u32).prop_map(|n| Value::from(n.to_string())).boxed(),
            Ty::Time => {
                return (1_700_000_000i64..1_800_000_000)
                    .prop_map(|s| {
                        let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
                        Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    })
                    .boxed()
            }
            _ => {}
        }
    }
    match ty {
        Ty::Id => prop_oneof![
            20 => "[a-z]{1,2}-[0-9a-f]{1,6}".prop_map(Value::from),
            1 => select(ODD).prop_map(Value::from),
        ]
        .boxed(),
        Ty::Text => prop_oneof![
            8 => "[A-Za-z0-9 _.-]{0,12}".prop_map(Value::from),
            1 => select(ODD).prop_map(Value::from),
            1 => any::<String>().prop_map(Value::from),
        ]
        .boxed(),
        Ty::Int => prop_oneof![
            8 => (0..20i64).prop_map(Value::from),
            1 => select(vec![i64::MAX, i64::MIN, -1, i64::MAX / 2 + 1]).prop_map(Value::from),
        ]
        .boxed(),
        Ty::Millis => prop_oneof![
            8 => (1_700_000_000_000i64..1_800_000_000_000).prop_map(Value::from),
            1 => select(vec![i64::MAX, i64::MIN, 0, -1]).prop_map(Value::from),
        ]
        .boxed(),
        Ty::CountText => prop_oneof![
            8 => (0..20u32).prop_map(|n| Value::from(n.to_string())),
            1 => (0..20i64).prop_map(Value::from),
            1 => select(vec![i64::MAX, i64::MAX / 2 + 1]).prop_map(Value::from),
            1 => select(vec!["-1", " 3 ", "1.5", "", "0x10", "9223372036854775807", "9223372036854775808", "+4"])
                .prop_map(Value::from),
        ]
        .boxed(),
        Ty::Time => prop_oneof![
            8 => (1_700_000_000i64..1_800_000_000).prop_map(|s| {
                let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
                Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }),
            1 => select(vec!["", "2026-02-30T00:00:00Z", "+262143-12-31T23:59:59Z", "-262143-01-01T00:00:00Z", "2024-01-01T00:00:00+99:00", "yesterday"])
                .prop_map(Value::from),
        ]
        .boxed(),
        Ty::OneOf(values) => select(values).prop_map(Value::from).boxed(),
        Ty::Code(values) => prop_oneof![
            12 => select(values).prop_map(Value::from),
            weird_weight => select(vec![-1i64, 7, 98, 100, 2005, i64::MAX]).prop_map(Value::from),
        ]
        .boxed(),
        Ty::Strings => prop::collection::vec("[A-Za-z0-9 .:-]{1,8}", 0..4)
            .prop_map(Value::from)
            .boxed(),
        Ty::Obj(fields) => object(fields, weird_weight),
        Ty::List(fields) => prop::collection::vec(object(fields, weird_weight), 0..4)
            .prop_map(Value::from)
            .boxed(),
    }
}

/// The fields a record cannot do without (its id, or what holds it).
pub(crate) const REQUIRED: &[&str] = &[
    "instance_id",
    "title",
    "policy_assignment",
    "id",
    "InstanceId",
    "CompliancePackId",
    "class_uid",
    "finding_info",
    "uid",
    "severity_id",
    "status_code",
];

/// An object with each field present (plausible or, `weird_weight` times in 20, weird) or
/// absent, plus now and then a key no vendor sends.
pub(crate) fn object(
    fields: &'static [(&'static str, Ty)],
    weird_weight: u32,
) -> BoxedStrategy<Value> {
    let each: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .iter()
        .map(|&(name, ty)| {
            let value = if weird_weight == 0 {
                good(ty, 0)
            } else {
                prop_oneof![20 => good(ty, weird_weight), weird_weight => weird()].boxed()
            };
            let present = value.prop_map(move |v| Some((name.to_string(), v)));
            if weird_weight == 0 && REQUIRED.contains(&name) {
                present.boxed()
            } else {
                prop_oneof![4 => present, 1 => Just(None)].boxed()
            }
        })
        .collect();
    // Now and then a key no vendor sends (never in a sound record).
    let extra = prop::option::weighted(0.1, ("[a-zA-Z_]{1,8}", weird()))
        .prop_map(move |extra| extra.filter(|_| weird_weight > 0));
    (each, extra)
        .prop_map(|(fields, extra)| {
            let mut map: serde_json::Map<String, Value> = fields.into_iter().flatten().collect();
            if let Some((k, v)) = extra {
                map.insert(k, v);
            }
            Value::Object(map)
        })
        .boxed()
}

/// How a generated report declares its size and ends its paging.
#[derive(Debug, Clone)]
pub(crate) struct Framing {
    /// 0: the true total; 1: none; 2: one too many; 3: a weird value.
    count: u8,
    weird_count: Value,
    /// Split the records into this many pages (1: a single response, not an array).
    pages: usize,
    next_token: Option<String>,
    /// A vendor error body or an unknown key beside the marker.
    extra: Option<(String, Value)>,
}

/// With `weird_weight` 0, a report that holds together: a true or absent total, no next
/// token, no stray keys.
pub(crate) fn framing(weird_weight: u32) -> impl Strategy<Value = Framing> {
    let extra = prop_oneof![
        6 => Just(None),
        (weird_weight + 1) => (
            select(vec!["error_code", "error_msg", "Code", "Message", "RequestId", "page_info", "results", "count", "instance_compliant", "InstancePatchStates"]),
            weird()
        ).prop_map(|(k, v)| Some((k.to_string(), v))),
    ];
    (
        prop_oneof![12 => Just(0u8), 4 => Just(1u8), weird_weight.max(1) => 2..4u8],
        weird(),
        prop_oneof![4 => Just(1usize), 1 => 0..4usize],
        prop_oneof![6 => Just(None), 1 => select(vec!["", "-", "next"]).prop_map(|s| Some(s.to_string()))],
        extra,
    )
        .prop_map(move |(count, weird_count, pages, next_token, extra)| {
            let sound = weird_weight == 0;
            Framing {
                count: if sound { count.min(1) } else { count },
                weird_count,
                pages,
                next_token: next_token.filter(|_| !sound),
                extra: extra.filter(|_| !sound),
            }
        })
}

/// One report of `kind` as a JSON value: a single response, or an array of pages.
pub(crate) fn document(
    kind: ReportKind,
    weird_weight: u32,
    max_records: usize,
) -> BoxedStrategy<Value> {
    let records = if kind == ReportKind::ConfigPack {
        prop::collection::vec(object(schema(kind), weird_weight), 1..2).boxed()
    } else {
        prop::collection::vec(object(schema(kind), weird_weight), 0..max_records).boxed()
    };
    (records, framing(weird_weight))
        .prop_map(move |(records, f)| build_document(kind, records, &f))
        .boxed()
}

pub(crate) fn build_document(kind: ReportKind, records: Vec<Value>, f: &Framing) -> Value {
    if kind == ReportKind::OcsfFindings {
        // A scan is its events, with no framing; `render` may write them as JSON Lines.
        return Value::Array(records);
    }
    let total = records.len();
    let pages = f.pages.max(1);
    let per_page = total.div_ceil(pages).max(1);
    let mut chunks: Vec<Vec<Value>> = records.chunks(per_page).map(<[Value]>::to_vec).collect();
    while chunks.len() < pages {
        chunks.push(Vec::new());
    }
    let last = chunks.len() - 1;
    let page = |i: usize, chunk: Vec<Value>| -> Value {
        let mut map = serde_json::Map::new();
        match kind {
            ReportKind::ConfigPack => {
                map.insert(
                    marker(kind).into(),
                    chunk.into_iter().next().unwrap_or(Value::Null),
                );
                map.insert("RequestId".into(), json!("r-1"));
            }
            _ => {
                map.insert(marker(kind).into(), Value::from(chunk));
            }
        }
        if matches!(kind, ReportKind::CocPatch | ReportKind::CocItems) {
            match f.count {
                0 => drop(map.insert("count".into(), json!(total))),
                2 => drop(map.insert("count".into(), json!(total + 1))),
                3 => drop(map.insert("count".into(), f.weird_count.clone())),
                _ => {}
            }
        }
        if kind == ReportKind::OosPatch {
            if let (true, Some(t)) = (i == last, &f.next_token) {
                map.insert("NextToken".into(), json!(t));
            }
            map.insert("TotalCount".into(), json!(total));
        }
        if kind == ReportKind::ConfigStates {
            map.insert("results".into(), json!({"compliance": {"compliant": 1}}));
        }
        if let Some((k, v)) = &f.extra {
            map.insert(k.clone(), v.clone());
        }
        Value::Object(map)
    };
    if f.pages == 1 {
        page(0, chunks.remove(0))
    } else {
        Value::Array(
            chunks
                .into_iter()
                .enumerate()
                .map(|(i, c)| page(i, c))
                .collect(),
        )
    }
}

pub(crate) fn any_document(weird_weight: u32, max_records: usize) -> BoxedStrategy<Value> {
    prop::strategy::Union::new(
        ReportKind::ALL
            .into_iter()
            .map(|k| document(k, weird_weight, max_records)),
    )
    .boxed()
}

/// A JSON value as text: compact or pretty, sometimes after a BOM or blank lines; an
/// array of OCSF events now and then as JSON Lines.
pub(crate) fn render(doc: &Value, style: u8) -> String {
    let events = doc
        .as_array()
        .filter(|a| a.first().is_some_and(|e| e.get("class_uid").is_some()));
    if let (Some(events), true) = (events, style % 3 == 2) {
        let lines: Vec<String> = events.iter().map(|e| e.to_string() + "\n").collect();
        return lines.concat();
    }
    let body = if style.is_multiple_of(2) {
        serde_json::to_string(doc).unwrap()
    } else {
        serde_json::to_string_pretty(doc).unwrap()
    };
    match style / 2 {
        1 => format!("\u{feff}{body}"),
        2 => format!("\n\r\n  {body}\n"),
        _ => body,
    }
}

/// An evidence file as `tollgate fetch` writes it, with one or more reports.
pub(crate) fn evidence(seeds: Arc<Vec<Vec<u8>>>) -> BoxedStrategy<String> {
    // Only a vendor API's responses are fetched (and so recorded).
    let vendor: Vec<ReportKind> = ReportKind::ALL
        .into_iter()
        .filter(|k| k.is_vendor_api())
        .collect();
    let entry = (
        select(vendor),
        any::<bool>(),
        "[a-z/:-]{0,16}",
        any::<u8>(),
        prop::option::weighted(
            0.2,
            (
                select(vec!["r.xls", "r.xlsx", "r.csv", "r", "R.XLSX"]),
                prop::collection::vec(edit(), 0..4),
                any::<bool>(),
            ),
        ),
    )
        .prop_flat_map(|(kind, lie, name, style, sheet)| {
            (document(kind, 2, 6), Just((kind, lie, name, style, sheet)))
        });
    (
        prop::collection::vec(entry, 0..3),
        prop_oneof![8 => Just(json!(1)), 1 => weird()],
        prop_oneof![8 => Just(json!("2026-11-23T10:00:00Z")), 1 => weird()],
    )
        .prop_map(move |(entries, version, fetched_at)| {
            let reports: Vec<Value> = entries
                .into_iter()
                .map(|(doc, (kind, lie, name, _style, sheet))| {
                    let pages = match doc {
                        Value::Array(pages) => pages,
                        one => vec![one],
                    };
                    // Now and then the recorded kind is not the kind of the pages.
                    let kind_id = if lie { ReportKind::ALL[(kind as usize + 1) % ReportKind::ALL.len()].id() } else { kind.id() };
                    let mut entry = json!({ "kind": kind_id, "name": format!("source:{name}"), "pages": pages });
                    if let Some((file, edits, garbage)) = sheet {
                        use base64::Engine as _;
                        let bytes = if garbage {
                            b"not a spreadsheet".to_vec()
                        } else {
                            apply(&seeds[0], &seeds, JSON_TOKENS, &edits)
                        };
                        entry["sheet"] = json!({
                            "file": file,
                            "base64": base64::engine::general_purpose::STANDARD.encode(bytes),
                        });
                    }
                    entry
                })
                .collect();
            // The marker must come first: is_evidence looks only at the head of the file.
            format!(
                "{{\"tollgate_evidence\":{version},\"fetched_at\":{fetched_at},\"reports\":{}}}",
                Value::from(reports)
            )
        })
        .boxed()
}

pub(crate) fn report_seeds() -> Arc<Vec<Vec<u8>>> {
    Arc::new(files(
        &["tests/fixtures/reports", "examples/reports"],
        &[".json"],
    ))
}

pub(crate) fn sheet_seeds() -> Arc<Vec<Vec<u8>>> {
    Arc::new(files(&["tests/fixtures/sheets"], &[".xls", ".xlsx"]))
}

pub(crate) fn load_options() -> impl Strategy<Value = LoadOptions> {
    (
        prop_oneof![6 => Just(None), 1 => select(ReportKind::ALL.to_vec()).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(kind, allow_empty)| LoadOptions { kind, allow_empty })
}

/// Check what a successful load claims about its resources.
pub(crate) fn check_reports(text: &str, reports: &[Report]) -> Result<(), TestCaseError> {
    for report in reports {
        for r in &report.resources {
            prop_assert!(!r.id().trim().is_empty(), "a resource with a blank id");
            prop_assert!(
                r.origin.line >= 1 || text.is_empty(),
                "line 0 for {}",
                r.id()
            );
            let raw = r.raw();
            prop_assert!(!raw.is_empty(), "an empty raw span for {}", r.id());
            serde_json::to_string(&**r).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Reading `raw` (as a policy does) may fail, but must not panic.
            let _ = serde_json::from_str::<serde_json::Value>(raw);
        }
    }
    Ok(())
}

/// Report detection and normalisation of every kind, evidence files included.
#[test]
fn reports() {
    let strategy = || {
        let seeds = report_seeds();
        let text = prop_oneof![
        1 => arbitrary_text(),
        3 => mutated(Arc::clone(&seeds), JSON_TOKENS),
        5 => (prop_oneof![any_document(0, 8), any_document(1, 8), any_document(3, 8)], 0..6u8)
            .prop_map(|(doc, style)| render(&doc, style)),
        2 => (any_document(3, 8), 0..6u8, prop::collection::vec(edit(), 1..4))
            .prop_map(|(doc, style, edits)| lossy(apply(render(&doc, style).as_bytes(), &[], JSON_TOKENS, &edits))),
        2 => evidence(sheet_seeds()),
        ];
        (text, load_options())
    };
    fuzz("reports", strategy, |(text, options)| {
        let input = Input {
            origin: tollgate::model::ReportOrigin::File("fuzz.json".into()),
            text: text.as_str().into(),
        };
        match report::load_all(&input, options) {
            Ok(reports) => check_reports(&text, &reports).map(|()| Verdict::Accepted),
            Err(err) => rejected(&err),
        }
    });
}

/// The two routes through a report agree: what the fast route (structural scan, records
/// split on all cores) reads, the careful route (serde_json over the whole top level)
/// reads the same, resource for resource, and what one refuses the other refuses with
/// the same message.
#[test]
fn report_routes() {
    let strategy = || {
        let seeds = report_seeds();
        prop_oneof![
            3 => mutated(Arc::clone(&seeds), JSON_TOKENS),
            5 => (prop_oneof![any_document(0, 8), any_document(1, 8), any_document(3, 8)], 0..6u8)
                .prop_map(|(doc, style)| render(&doc, style)),
            2 => (any_document(3, 8), 0..6u8, prop::collection::vec(edit(), 1..4))
                .prop_map(|(doc, style, edits)| lossy(apply(render(&doc, style).as_bytes(), &[], JSON_TOKENS, &edits))),
            2 => evidence(sheet_seeds()),
        ]
    };
    fuzz("report_routes", strategy, |text| {
        let input = Input {
            origin: tollgate::model::ReportOrigin::File("fuzz.json".into()),
            text: text.as_str().into(),
        };
        let options = LoadOptions::default();
        let summary = |reports: &[Report]| -> Vec<String> {
            reports
                .iter()
                .map(|r| {
                    format!(
                        "{} {:?} {:?} {}",
                        r.kind,
                        r.declared,
                        r.fetched_at,
                        serde_json::to_string(&r.resources).unwrap()
                    )
                })
                .collect()
        };
        match (
            report::load_all(&input, options),
            report::load_all_careful(&input, options),
        ) {
            (Ok(fast), Ok(careful)) => {
                prop_assert_eq!(summary(&fast), summary(&careful));
                for (a, b) in fast
                    .iter()
                    .flat_map(|r| &r.resources)
                    .zip(careful.iter().flat_map(|r| &r.resources))
                {
                    prop_assert_eq!(a.raw(), b.raw());
                }
                Ok(Verdict::Accepted)
            }
            (Err(fast), Err(careful)) => {
                prop_assert_eq!(fast.to_string(), careful.to_string());
                rejected(&fast)
            }
            (fast, careful) => Err(TestCaseError::fail(format!(
                "the routes disagree: fast {:?}, careful {:?}",
                fast.map(|r| r.len()),
                careful.map(|r| r.len())
            ))),
        }
    });
}
