//! What `tollgate test` adds to a policy's engine, and nothing else does: builders for
//! resources and reports with sensible defaults (`patch_node(#{group: "prod"})`), and
//! assertions over what `check` and `check_report` return (`assert_deny(result)`).
//!
//! Builders make the same `Resource` values report parsing makes, so a policy under test
//! reads fields, `()` values and typo errors exactly as it does in `tollgate check`.
//! Assertions read a policy's result through the same code that turns results into
//! findings during a gate (`eval::collect`), so a result the gate would reject fails the
//! test too — with one exception: a finding's `resource` given as an id is taken as given,
//! since a test's result is not tied to a report the id could be looked up in. The
//! defaults are documented in docs/policies.md.

use std::collections::HashSet;
use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, Map, NativeCallContext};

use super::engine::{unknown_field, ReportRef, ResourceRef};
use super::eval::{collect, Lookup};
use crate::model::resource::{
    Builder, Cell, Common, CompliancePack, ConfigRule, Count, Detail, FindingStatus, Origin,
    PatchItem, PatchNode, Place, Pointer, Provider, RawJson, Resource, ResourceKind, ScanFinding,
    ScanSeverity, Severities, Status, Str,
};
use crate::model::Report;
use crate::model::Rule;
use crate::model::{Level, Subject};
use crate::model::{ReportKind, ReportOrigin};
use crate::report::{coc_items, coc_patch, config_states, oos_patch, pack_sheet};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// What the builders and assertions need to know about the test being run.
#[derive(Clone)]
pub(crate) struct Fixtures {
    /// The rule under test: its severity is the default of a bare-string finding.
    pub rule: Arc<Rule>,
    /// `global::NOW`: the default `reported_at` of fresh evidence.
    pub now: i64,
    /// The test file, for the origin of built resources.
    pub file: Arc<str>,
}

/// Register the builders and assertions.
pub(crate) fn register(engine: &mut Engine, fx: &Fixtures) {
    for kind in ResourceKind::ALL {
        let f = fx.clone();
        engine.register_fn(
            kind.as_str(),
            move |ctx: NativeCallContext, spec: Map| -> Fallible<ResourceRef> {
                build(kind, spec, &f, line(&ctx)).map_err(failure)
            },
        );
        let f = fx.clone();
        engine.register_fn(
            kind.as_str(),
            move |ctx: NativeCallContext| -> Fallible<ResourceRef> {
                build(kind, Map::new(), &f, line(&ctx)).map_err(failure)
            },
        );
    }
    let f = fx.clone();
    engine.register_fn("report", move |spec: Map| -> Fallible<ReportRef> {
        report(spec, &f).map_err(failure)
    });

    let rule = Arc::clone(&fx.rule);
    engine.register_fn(
        "findings",
        move |result: Dynamic| -> Fallible<rhai::Array> {
            let found = findings(&rule, result).map_err(failure)?;
            Ok(found.into_iter().map(Dynamic::from_map).collect())
        },
    );
    for (name, level) in [("assert_deny", Level::Deny), ("assert_warn", Level::Warn)] {
        let rule = Arc::clone(&fx.rule);
        engine.register_fn(name, move |result: Dynamic| -> Fallible<()> {
            expect(&rule, result, level, None).map_err(failure)
        });
        let rule = Arc::clone(&fx.rule);
        engine.register_fn(
            name,
            move |result: Dynamic, text: rhai::ImmutableString| -> Fallible<()> {
                expect(&rule, result, level, Some(&text)).map_err(failure)
            },
        );
    }
    let rule = Arc::clone(&fx.rule);
    engine.register_fn("assert_pass", move |result: Dynamic| -> Fallible<()> {
        let found = findings(&rule, result).map_err(failure)?;
        match found.first() {
            None => Ok(()),
            Some(first) => Err(failure(format!(
                "expected no finding, got {}: {}",
                found.len(),
                describe(first)
            ))),
        }
    });
    engine.register_fn(
        "assert_eq",
        |ctx: NativeCallContext, a: Dynamic, b: Dynamic| -> Fallible<()> {
            if equal(&ctx, &a, &b)? {
                Ok(())
            } else {
                Err(failure(format!("assert_eq: left is {a:?}, right is {b:?}")))
            }
        },
    );
    engine.register_fn(
        "assert_ne",
        |ctx: NativeCallContext, a: Dynamic, b: Dynamic| -> Fallible<()> {
            if equal(&ctx, &a, &b)? {
                Err(failure(format!("assert_ne: both are {a:?}")))
            } else {
                Ok(())
            }
        },
    );
    engine.register_fn("assert", |cond: bool| -> Fallible<()> {
        if cond {
            Ok(())
        } else {
            Err(failure("assertion failed".into()))
        }
    });
    engine.register_fn(
        "assert",
        |cond: bool, message: rhai::ImmutableString| -> Fallible<()> {
            if cond {
                Ok(())
            } else {
                Err(failure(format!("assertion failed: {message}")))
            }
        },
    );
}

/// An assertion failure or a builder mistake: a runtime error whose position Rhai fills in
/// with the call site, which is the line `tollgate test` reports.
fn failure(message: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(message.into(), rhai::Position::NONE).into()
}

fn line(ctx: &NativeCallContext) -> u32 {
    ctx.call_position()
        .line()
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(0)
}

/// `==` as the policy language defines it (numbers, strings, arrays, maps).
fn equal(ctx: &NativeCallContext, a: &Dynamic, b: &Dynamic) -> Fallible<bool> {
    if a.type_id() != b.type_id() {
        // INT and FLOAT compare by value; anything else of two types differs.
        let both_numbers = (a.is_int() || a.is_float()) && (b.is_int() || b.is_float());
        if !both_numbers {
            return Ok(false);
        }
    }
    ctx.call_native_fn::<bool>("==", (a.clone(), b.clone()))
        .map_err(|_| {
            failure(format!(
                "values of type {} cannot be compared",
                a.type_name()
            ))
        })
}

/// The findings a result stands for, as maps: `#{action, severity, message, key?,
/// resource?, properties}`.
fn findings(rule: &Arc<Rule>, result: Dynamic) -> Result<Vec<Map>, String> {
    let subject = Subject::Report {
        kind: ReportKind::CocPatch,
        origin: ReportOrigin::Named("".into()),
    };
    let found = collect(rule, result, &subject, Lookup::AsGiven)
        .map_err(|reason| format!("the result is not a finding the gate accepts: {reason}"))?;
    Ok(found
        .into_iter()
        .map(|f| {
            let mut map = Map::new();
            map.insert("action".into(), f.level.as_str().into());
            map.insert("severity".into(), f.severity.as_str().into());
            map.insert("message".into(), f.message.clone().into());
            if let Some(key) = &f.key {
                map.insert("key".into(), key.clone().into());
            }
            match &f.subject {
                Subject::Resource(r) => {
                    map.insert("resource".into(), r.id().to_string().into());
                }
                // `Lookup::AsGiven` keeps an id it cannot resolve as the subject's name.
                Subject::Report { origin: name, .. } if !name.name().is_empty() => {
                    map.insert("resource".into(), name.to_string().into());
                }
                Subject::Report { .. } => {}
            }
            let properties = rhai::serde::to_dynamic(&f.properties).unwrap_or(Dynamic::UNIT);
            map.insert("properties".into(), properties);
            map
        })
        .collect())
}

fn describe(finding: &Map) -> String {
    let get = |k: &str| finding.get(k).map(|v| v.to_string()).unwrap_or_default();
    format!(
        "{} ({}) {:?}",
        get("action"),
        get("severity"),
        get("message")
    )
}

/// `assert_deny` / `assert_warn`, with an optional text the message must contain.
fn expect(
    rule: &Arc<Rule>,
    result: Dynamic,
    level: Level,
    text: Option<&str>,
) -> Result<(), String> {
    let want = level.as_str();
    let found = findings(rule, result)?;
    let of_level: Vec<&Map> = found
        .iter()
        .filter(|f| f.get("action").is_some_and(|a| a.to_string() == want))
        .collect();
    let got = || {
        if found.is_empty() {
            "no finding".to_string()
        } else {
            found.iter().map(describe).collect::<Vec<_>>().join("; ")
        }
    };
    if of_level.is_empty() {
        return Err(format!("expected a {want} finding, got {}", got()));
    }
    if let Some(text) = text {
        let matches = of_level.iter().any(|f| {
            f.get("message")
                .is_some_and(|m| m.to_string().contains(text))
        });
        if !matches {
            return Err(format!(
                "expected a {want} finding whose message contains {text:?}, got {}",
                got()
            ));
        }
    }
    Ok(())
}

/// Values read from a builder's map, with the key named in every error.
struct Spec<'a> {
    what: &'a str,
    map: Map,
    allowed: Vec<&'a str>,
}

impl<'a> Spec<'a> {
    fn new(what: &'a str, map: Map, allowed: Vec<&'a str>) -> Result<Self, String> {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(unknown_field(what, key, allowed.iter().copied()));
            }
        }
        Ok(Self { what, map, allowed })
    }

    fn has(&self, key: &str) -> bool {
        debug_assert!(self.allowed.contains(&key), "{key}");
        self.map.contains_key(key)
    }

    /// A string field: absent → `default`, `()` → none.
    fn text(&self, key: &str, default: Option<&str>) -> Result<Option<String>, String> {
        match self.map.get(key) {
            None => Ok(default.map(str::to_string)),
            Some(v) if v.is_unit() => Ok(None),
            Some(v) if v.is_string() => Ok(Some(v.to_string())),
            Some(v) => Err(self.wrong(key, "a string", v)),
        }
    }

    /// An integer field: absent → `default`, `()` → none.
    fn int(&self, key: &str, default: Option<i64>) -> Result<Option<i64>, String> {
        match self.map.get(key) {
            None => Ok(default),
            Some(v) if v.is_unit() => Ok(None),
            Some(v) => v
                .as_int()
                .map(Some)
                .map_err(|_| self.wrong(key, "an integer", v)),
        }
    }

    /// A string field kept by `b`: absent → `default`, `()` → none.
    fn str(&self, b: &mut Builder<'_>, key: &str, default: Option<&str>) -> Result<Str, String> {
        Ok(b.str(self.text(key, default)?.as_deref()))
    }

    /// A count field: absent → `default`, `()` → none; a whole number from 0 to `Count::MAX`.
    fn count(&self, key: &str, default: Option<i64>) -> Result<Count, String> {
        Count::new(self.int(key, default)?).map_err(|n| {
            format!(
                "{}: `{key}` is {n}; a count is a whole number from 0 to {}",
                self.what,
                Count::MAX
            )
        })
    }

    /// Patch counts: given severities as written, the others 0, `total` their sum unless
    /// given. Absent → all zero; `()` → none.
    fn counts(&self, key: &str) -> Result<Option<Severities>, String> {
        let map = match self.map.get(key) {
            None => Map::new(),
            Some(v) if v.is_unit() => return Ok(None),
            Some(v) => v
                .read_lock::<Map>()
                .map(|m| m.clone())
                .ok_or_else(|| self.wrong(key, "a map of counts", v))?,
        };
        let what = format!("{}.{key}", self.what);
        let inner = Spec::new(&what, map, Severities::FIELDS.to_vec())?;
        let n = |k: &str| inner.int(k, Some(0));
        let mut counts = [
            n("critical")?,
            n("high")?,
            n("medium")?,
            n("low")?,
            n("info")?,
            n("unspecified")?,
            None,
        ];
        let sum = counts[..6]
            .iter()
            .map(|c| c.unwrap_or(0))
            .fold(0i64, i64::saturating_add);
        counts[6] = inner.int("total", Some(sum))?;
        Severities::new(counts).map(Some).map_err(|(name, n)| {
            format!(
                "{what}: `{name}` is {n}; a count is a whole number from 0 to {}",
                Count::MAX
            )
        })
    }

    fn wrong(&self, key: &str, expected: &str, value: &Dynamic) -> String {
        format!(
            "{}: `{key}` must be {expected}, not {}",
            self.what,
            value.type_name()
        )
    }
}

/// The report kind a built resource comes from: `source` when given, else the first report
/// of `provider` (when given) with resources of this kind.
fn source_of(kind: ResourceKind, spec: &Spec) -> Result<ReportKind, String> {
    // A scan finding names its own cloud; it comes from a scan whatever the cloud.
    let provider = match kind {
        ResourceKind::ScanFinding => None,
        _ => spec.text("provider", None)?,
    };
    let candidates: Vec<ReportKind> = ReportKind::ALL
        .into_iter()
        .filter(|k| k.resource_kinds().contains(&kind))
        .filter(|k| {
            provider
                .as_deref()
                .is_none_or(|p| k.provider_name() == Some(p))
        })
        .collect();
    let source = match spec.text("source", None)? {
        Some(id) => ReportKind::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .ok_or_else(|| format!("{}: `source` {id:?} is not a report kind", spec.what))?,
        None => *candidates.first().ok_or_else(|| {
            format!(
                "{}: no {} report has {kind} resources",
                spec.what,
                provider.as_deref().unwrap_or("known")
            )
        })?,
    };
    if !candidates.contains(&source) {
        return Err(format!(
            "{}: a {} report has {} resources, not {kind}{}",
            spec.what,
            source.id(),
            source.resource_kind(),
            provider
                .map(|p| format!(" from provider {p}"))
                .unwrap_or_default()
        ));
    }
    Ok(source)
}

/// A `pack_result()` map split into its fixed fields and its columns: `columns: #{...}`
/// first, then every other key that is no fixed field, each read as a sheet header.
fn split_columns(what: &str, map: Map) -> Result<(Map, Vec<(String, Cell)>), String> {
    let fixed: Vec<&str> = ResourceKind::PackResult
        .field_names()
        .filter(|f| !matches!(*f, "kind" | "columns" | "headers"))
        .collect();
    let value = |key: &str, v: &Dynamic| -> Result<Cell, String> {
        if v.is_unit() {
            Ok(Cell::Empty)
        } else if let Ok(n) = v.as_int() {
            Ok(Cell::Int(n))
        } else if let Ok(x) = v.as_float() {
            Ok(pack_sheet::number(x))
        } else if let Ok(b) = v.as_bool() {
            Ok(Cell::Bool(b))
        } else if v.is_string() {
            let text = v.to_string();
            Ok(match text.trim().is_empty() {
                true => Cell::Empty,
                false => Cell::Text(text),
            })
        } else {
            Err(format!(
                "{what}: column `{key}` must be a string, a number, a bool or (), not {}",
                v.type_name()
            ))
        }
    };
    let (mut given, mut columns) = (Map::new(), Vec::new());
    let mut explicit = Vec::new();
    for (key, v) in map {
        match key.as_str() {
            "headers" => {
                return Err(format!(
                    "{what}: `headers` follow from the columns; give each column as a key"
                ))
            }
            "columns" => {
                let inner = v.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
                    format!(
                        "{what}: `columns` must be a map of header to value, not {}",
                        v.type_name()
                    )
                })?;
                for (header, v) in inner {
                    explicit.push((header.to_string(), value(&header, &v)?));
                }
            }
            k if fixed.contains(&k) => {
                given.insert(key, v);
            }
            _ => columns.push((key.to_string(), value(&key, &v)?)),
        }
    }
    explicit.extend(columns);
    Ok((given, explicit))
}

fn build(kind: ResourceKind, map: Map, fx: &Fixtures, line: u32) -> Result<ResourceRef, String> {
    let what = format!("{kind}()");
    let (map, sheet_row) = match kind {
        ResourceKind::PackResult => split_columns(&what, map)?,
        _ => (map, Vec::new()),
    };
    let allowed: Vec<&str> = kind
        .field_names()
        .filter(|f| *f != "kind")
        .filter(|f| kind != ResourceKind::PackResult || !matches!(*f, "columns" | "headers"))
        .collect();
    let spec = Spec::new(&what, map, allowed)?;
    let source = source_of(kind, &spec)?;
    let alibaba = source.provider() == Some(Provider::Alibaba);
    let now = Some(fx.now);
    // What a pack_result's columns say of its name, region and raw object.
    let (mut row_name, mut row_region, mut row_raw) = (None, None, None);

    // Every string of a built resource is its own: there is no report text to point into.
    let mut b = Builder::standalone(String::new());

    let (default_id, detail, derived, reported_at) = match kind {
        ResourceKind::PatchNode => {
            // COC does not report failed/rejected/... per node; OOS does, as counts.
            let oos_default = alibaba.then_some(0);
            let node = PatchNode {
                missing: spec.counts("missing")?,
                compliant: spec.counts("compliant")?,
                os: spec.str(&mut b, "os", None)?,
                ip: spec.str(&mut b, "ip", None)?,
                eip: spec.str(&mut b, "eip", None)?,
                scene: spec.str(&mut b, "scene", None)?,
                baseline: spec.str(&mut b, "baseline", None)?,
                baseline_id: spec.str(&mut b, "baseline_id", None)?,
                report_id: spec.str(&mut b, "report_id", None)?,
                order_id: spec.str(&mut b, "order_id", None)?,
                enterprise_project_id: spec.str(&mut b, "enterprise_project_id", None)?,
                operation: spec.str(&mut b, "operation", None)?,
                failed: spec.count("failed", oos_default)?,
                pending_reboot: spec.count("pending_reboot", oos_default)?,
                installed: spec.count("installed", oos_default)?,
                installed_other: spec.count("installed_other", oos_default)?,
                rejected: spec.count("rejected", oos_default)?,
            };
            let missing = node.missing.and_then(|m| m.total());
            let status = if alibaba {
                oos_patch::status_of([
                    missing,
                    node.failed.get(),
                    node.pending_reboot.get(),
                    node.rejected.get(),
                ])
            } else {
                coc_patch::status_of(None, missing)
            };
            (
                "node-1".to_string(),
                Detail::PatchNode(node),
                status,
                spec.int("reported_at", now)?,
            )
        }
        ResourceKind::PatchItem => {
            let node_id = spec.text("node_id", Some("node-1"))?;
            let title = spec.text("title", Some("patch-1"))?;
            let patch_status = spec.text("patch_status", Some("INSTALLED"))?;
            let item = PatchItem {
                node_id: b.str(node_id.as_deref()),
                title: b.str(title.as_deref()),
                classification: spec.str(&mut b, "classification", None)?,
                severity: spec.str(&mut b, "severity", None)?,
                compliance_level: spec.str(&mut b, "compliance_level", None)?,
                patch_status: b.str(patch_status.as_deref()),
                installed_at: spec.int("installed_at", None)?,
                baseline: spec.str(&mut b, "baseline", None)?,
                baseline_id: spec.str(&mut b, "baseline_id", None)?,
            };
            let id = format!(
                "{}/{}",
                node_id.as_deref().unwrap_or(""),
                title.as_deref().unwrap_or("")
            );
            let status = coc_items::status_of(patch_status.as_deref());
            let reported_at = spec.int("reported_at", item.installed_at)?;
            (id, Detail::PatchItem(item), status, reported_at)
        }
        ResourceKind::ConfigRule => {
            let mut state = spec.text("compliance_state", None)?;
            if !spec.has("compliance_state") {
                // Follow `status` or the non-compliant count when only those are given.
                let noncompliant = spec.int("noncompliant_resources", None)?.unwrap_or(0);
                let derived = match spec.text("status", None)?.as_deref() {
                    Some("non_compliant") => "NonCompliant",
                    Some("compliant") => "Compliant",
                    Some(_) => "NotApplicable",
                    None if noncompliant > 0 => "NonCompliant",
                    None => "Compliant",
                };
                state = Some(derived.to_string());
            }
            let tags = match spec.map.get("tags") {
                None => Vec::new(),
                Some(v) => {
                    let map = v
                        .read_lock::<Map>()
                        .map(|m| m.clone())
                        .ok_or_else(|| spec.wrong("tags", "a map of strings", v))?;
                    map.into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                }
            };
            let status = config_states::status_of(state.as_deref());
            let rule = ConfigRule {
                compliance_state: b.str(state.as_deref()),
                noncompliant_resources: spec.count("noncompliant_resources", Some(0))?,
                compliant_resources: spec.count("compliant_resources", Some(0))?,
                rule_type: spec.str(&mut b, "rule_type", Some("builtin"))?,
                tags,
                period: spec.str(&mut b, "period", None)?,
                state: spec.str(&mut b, "state", Some("Enabled"))?,
                description: spec.str(&mut b, "description", None)?,
                policy_definition_id: spec.str(&mut b, "policy_definition_id", None)?,
            };
            (
                "rule-1".to_string(),
                Detail::ConfigRule(rule),
                status,
                spec.int("reported_at", None)?,
            )
        }
        ResourceKind::CompliancePack => {
            let pack = CompliancePack {
                report_status: spec.str(&mut b, "report_status", Some("COMPLETE"))?,
                report_url: spec.str(&mut b, "report_url", None)?,
                account_id: spec.int("account_id", None)?,
            };
            (
                "pack-1".to_string(),
                Detail::CompliancePack(pack),
                Status::Unknown,
                spec.int("reported_at", now)?,
            )
        }
        ResourceKind::ScanFinding => {
            let severity = match spec.text("severity", Some("high"))? {
                None => ScanSeverity::Unknown,
                Some(name) => ScanSeverity::parse(&name).ok_or_else(|| {
                    format!(
                        "{what}: `severity` {name:?} is not one of unknown, info, low, medium, high, critical, fatal, other"
                    )
                })?,
            };
            let finding_status = match spec.text("finding_status", Some("new"))? {
                None => None,
                Some(name) => Some(FindingStatus::parse(&name).ok_or_else(|| {
                    format!(
                        "{what}: `finding_status` {name:?} is not one of unknown, new, in_progress, suppressed, resolved, archived, other"
                    )
                })?),
            };
            let controls = match spec.map.get("controls") {
                None => Vec::new(),
                Some(v) => {
                    let map = v.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
                        spec.wrong(
                            "controls",
                            "a map of framework to a list of requirement ids",
                            v,
                        )
                    })?;
                    let mut pairs = Vec::new();
                    for (framework, list) in map {
                        let list = list.read_lock::<rhai::Array>().map(|l| l.clone()).ok_or_else(|| {
                            format!("{what}: `controls.{framework}` must be a list of requirement ids, not {}", list.type_name())
                        })?;
                        let framework_str = b.str(Some(framework.as_str()));
                        if list.is_empty() {
                            pairs.push((framework_str, Str::NONE));
                        }
                        for requirement in list {
                            let requirement = requirement.into_string().map_err(|t| {
                                format!("{what}: `controls.{framework}` must hold strings, not {t}")
                            })?;
                            pairs.push((framework_str, b.str(Some(&requirement))));
                        }
                    }
                    pairs
                }
            };
            let check_id = spec.text("check_id", Some("check-1"))?;
            let finding = ScanFinding {
                check_id: b.str(check_id.as_deref()),
                title: spec.str(&mut b, "title", None)?,
                severity,
                provider: spec.str(&mut b, "provider", Some("huawei"))?,
                account: spec.str(&mut b, "account", None)?,
                resource_type: spec.str(&mut b, "resource_type", None)?,
                resource_uid: spec.str(&mut b, "resource_uid", None)?,
                controls,
                remediation: spec.str(&mut b, "remediation", None)?,
                product: spec.str(&mut b, "product", Some("Prowler"))?,
                finding_status,
            };
            (
                format!("finding-{}", check_id.as_deref().unwrap_or("1")),
                Detail::ScanFinding(finding),
                Status::NonCompliant,
                spec.int("reported_at", now)?,
            )
        }
        ResourceKind::PackResult => {
            let sheet = spec
                .text("sheet", Some("Sheet1"))?
                .ok_or_else(|| format!("{what}: `sheet` must be a sheet name, not ()"))?;
            let row = spec
                .int("row", Some(2))?
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("{what}: `row` must be a sheet row number, 1 or more"))?;
            let (headers, values): (Vec<String>, Vec<Cell>) = sheet_row.into_iter().unzip();
            let columns = Arc::new(pack_sheet::columns((1u32..).zip(headers)));
            let place = Place::new(ReportOrigin::File(Arc::clone(&fx.file)), Pointer::None);
            let origin = Origin::at(&place, row, line, 1);
            let r = pack_sheet::resource(&columns, values, &sheet.into(), row, origin, None);
            row_name = r.name().map(str::to_string);
            row_region = r.region().map(str::to_string);
            row_raw = Some(r.raw().to_string());
            (
                r.id().to_string(),
                r.detail,
                r.status,
                spec.int("reported_at", now)?,
            )
        }
    };

    let id = spec.text("id", Some(&default_id))?.unwrap_or_default();
    if id.is_empty() {
        return Err(format!("{what}: `id` must be a non-empty string"));
    }
    let default_name = match &detail {
        Detail::PatchItem(_) => spec.text("title", Some("patch-1"))?,
        Detail::CompliancePack(_) => None,
        Detail::PackResult(_) => row_name,
        _ => Some(id.clone()),
    };
    let default_region = match kind {
        ResourceKind::PatchNode if alibaba => Some("cn-hangzhou"),
        ResourceKind::PatchNode => Some("cn-north-4"),
        ResourceKind::PackResult => row_region.as_deref(),
        _ => None,
    };
    let status = match spec.text("status", None)?.as_deref() {
        None => derived,
        Some("compliant") => Status::Compliant,
        Some("non_compliant") => Status::NonCompliant,
        Some("unknown") => Status::Unknown,
        Some(other) => {
            return Err(format!(
                "{what}: `status` {other:?} is not compliant, non_compliant or unknown"
            ))
        }
    };
    let raw = match spec.map.get("raw") {
        None => row_raw.unwrap_or_else(|| "{}".to_string()),
        Some(v) => rhai::serde::from_dynamic::<serde_json::Value>(v)
            .map_err(|e| format!("{what}: `raw` cannot be written as JSON: {e}"))?
            .to_string(),
    };
    let group = match kind {
        ResourceKind::PatchNode => spec.text("group", Some("default"))?,
        _ => spec.text("group", None)?,
    };
    let name = match spec.has("name") {
        true => spec.text("name", None)?,
        false => default_name,
    };
    let region = spec.text("region", default_region)?;
    let common = Common {
        name: b.str(name.as_deref()),
        region: b.str(region.as_deref()),
        group: b.str(group.as_deref()),
        status,
        reported_at,
        ..Common::new(b.str(Some(&id)))
    };
    let place = Place::new(ReportOrigin::File(Arc::clone(&fx.file)), Pointer::None);
    let origin = Origin::at(&place, 0, line, 1);
    let resource = b.with_raw(raw).finish(source, common, detail, origin);
    Ok(ResourceRef(Arc::new(resource)))
}

/// `report(#{resources: [...], kind, count, fetched_at, results, raw, name})`.
fn report(map: Map, fx: &Fixtures) -> Result<ReportRef, String> {
    let allowed = vec![
        "kind",
        "name",
        "resources",
        "count",
        "fetched_at",
        "results",
        "raw",
    ];
    let spec = Spec::new("report()", map, allowed)?;
    let resources: Vec<Arc<Resource>> = match spec.map.get("resources") {
        None => Vec::new(),
        Some(v) => {
            let items = v
                .read_lock::<rhai::Array>()
                .map(|a| a.clone())
                .ok_or_else(|| spec.wrong("resources", "an array of resources", v))?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    let type_name = item.type_name();
                    item.try_cast::<ResourceRef>().map(|r| r.0).ok_or_else(|| {
                        format!("report(): resources[{i}] is a {type_name}, not a resource built with patch_node() or the like")
                    })
                })
                .collect::<Result<_, _>>()?
        }
    };
    let kind = match spec.text("kind", None)? {
        Some(id) => ReportKind::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .ok_or_else(|| {
                let known: Vec<&str> = ReportKind::ALL.iter().map(|k| k.id()).collect();
                format!(
                    "report(): `kind` {id:?} is not a report kind; kinds are: {}",
                    known.join(", ")
                )
            })?,
        None => resources.first().map_or(ReportKind::CocPatch, |r| r.source),
    };
    let mut seen = HashSet::new();
    for r in &resources {
        if !kind.resource_kinds().contains(&r.kind()) {
            let kinds: Vec<&str> = kind.resource_kinds().iter().map(|k| k.as_str()).collect();
            return Err(format!(
                "report(): a {} report holds {} resources, but {} is a {}",
                kind.id(),
                kinds.join(" and "),
                r.id(),
                r.kind()
            ));
        }
        if !seen.insert(r.id()) {
            return Err(format!(
                "report(): resource {} is listed twice; give each an `id`",
                r.id()
            ));
        }
    }
    let json = |key: &str| -> Result<Option<RawJson>, String> {
        match spec.map.get(key) {
            None => Ok(None),
            Some(v) => rhai::serde::from_dynamic::<serde_json::Value>(v)
                .map(|j| Some(RawJson::owned(j.to_string())))
                .map_err(|e| format!("report(): `{key}` cannot be written as JSON: {e}")),
        }
    };
    let declared = spec
        .int("count", None)?
        .map(|n| u64::try_from(n).map_err(|_| format!("report(): `count` is {n}, below zero")))
        .transpose()?;
    // The loader refuses a report whose declared count differs from its records, so a
    // policy never sees one; neither may a test.
    if let Some(n) = declared.filter(|n| usize::try_from(*n).ok() != Some(resources.len())) {
        return Err(format!(
            "report(): `count` is {n} but there are {} resources; tollgate refuses such a report before any policy runs",
            resources.len()
        ));
    }
    Ok(ReportRef(Arc::new(Report {
        kind,
        origin: ReportOrigin::File(
            spec.text("name", Some(&fx.file))?
                .unwrap_or_default()
                .into(),
        ),
        declared,
        fetched_at: spec.int("fetched_at", None)?,
        results: json("results")?,
        raw: json("raw")?.unwrap_or_else(|| RawJson::owned("{}".into())),
        resources,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Enforcement;
    use crate::model::Severity;
    use crate::policy::engine::{globals_module, sandboxed};
    use crate::policy::{Globals, Limits};

    const NOW: i64 = 1_700_000_000_000;

    fn engine() -> Engine {
        let globals = Globals {
            params: Map::new(),
            now: NOW,
        };
        let mut engine = sandboxed(
            &Limits::default(),
            100_000,
            100_000,
            globals_module(&globals, Vec::new()),
            "T-1",
        );
        let rule = Arc::new(Rule {
            id: "T-1".into(),
            title: "t".into(),
            severity: Severity::Medium,
            enforcement: Enforcement::Hard,
            sla_days: None,
            controls: Vec::new(),
            applies_to: vec![],
            help: None,
            description: None,
            tags: vec![],
            file: "t.rhai".into(),
            line: 1,
        });
        register(
            &mut engine,
            &Fixtures {
                rule,
                now: NOW,
                file: "t_test.rhai".into(),
            },
        );
        engine
    }

    fn eval(script: &str) -> Result<Dynamic, String> {
        engine().eval::<Dynamic>(script).map_err(|e| e.to_string())
    }

    fn is(script: &str) {
        let value = eval(script).unwrap_or_else(|e| panic!("{script}: {e}"));
        assert!(value.as_bool().unwrap_or(false), "{script} is {value:?}");
    }

    fn fails(script: &str, message: &str) {
        match eval(script) {
            Ok(v) => panic!("{script} gave {v:?}"),
            Err(e) => assert!(e.contains(message), "{script}: {e}"),
        }
    }

    #[test]
    fn patch_node_defaults_are_a_compliant_fresh_huawei_node() {
        is(
            r#"let n = patch_node(); n.id == "node-1" && n.name == "node-1" && n.group == "default"
               && n.region == "cn-north-4" && n.status == "compliant" && n.provider == "huawei"
               && n.source == "huawei.coc.patch_compliance" && n.missing.total == 0
               && n.missing.critical == 0 && n.failed == () && n.reported_at == global::NOW"#,
        );
        is(
            r#"let n = patch_node(#{ missing: #{ critical: 1, high: 2 } });
               n.missing.total == 3 && n.status == "non_compliant" && n.compliant.total == 0"#,
        );
        is(r#"patch_node(#{ missing: () }).missing == ()"#);
        is(r#"patch_node(#{ status: "unknown", missing: #{ critical: 1 } }).status == "unknown""#);
    }

    #[test]
    fn alibaba_nodes_follow_the_oos_shape() {
        is(
            r#"let n = patch_node(#{ provider: "alibaba", missing: #{ unspecified: 2 } });
               n.source == "alibaba.oos.instance_patch_states" && n.region == "cn-hangzhou"
               && n.failed == 0 && n.status == "non_compliant" && n.missing.total == 2"#,
        );
        is(r#"patch_node(#{ provider: "alibaba", pending_reboot: 1 }).status == "non_compliant""#);
        is(r#"patch_node(#{ source: "alibaba.oos.instance_patch_states" }).provider == "alibaba""#);
    }

    #[test]
    fn other_kinds_have_defaults_too() {
        is(
            r#"let p = patch_item(); p.id == "node-1/patch-1" && p.name == "patch-1"
               && p.patch_status == "INSTALLED" && p.status == "compliant" && p.severity == ()"#,
        );
        is(r#"patch_item(#{ patch_status: "MISSING" }).status == "non_compliant""#);
        is(r#"let r = config_rule(#{ noncompliant_resources: 3 });
               r.status == "non_compliant" && r.compliance_state == "NonCompliant"
               && r.rule_type == "builtin""#);
        is(r#"config_rule(#{ status: "non_compliant" }).compliance_state == "NonCompliant""#);
        is(r#"config_rule(#{ tags: #{ env: "prod" } }).tags.env == "prod""#);
        is(r#"let c = compliance_pack(); c.report_status == "COMPLETE" && c.id == "pack-1""#);
        is(r#"patch_node(#{ raw: #{ InstanceId: "i-1" } }).raw.InstanceId == "i-1""#);
    }

    #[test]
    fn pack_results_are_rows_built_from_columns() {
        is(
            r#"let r = pack_result(#{ rule_id: "cr-1", resource_id: "i-1", "Compliance Type": "NON_COMPLIANT",
                                      risk_level: 3, score: 2.5, resource_name: "web-1", region: "cn-beijing" });
               r.id == "cr-1/i-1" && r.status == "non_compliant" && r.compliance_type == "NON_COMPLIANT"
               && r["compliance_type"] == "NON_COMPLIANT" && r.risk_level == 3 && r.score == 2.5
               && r.name == "web-1" && r.region == "cn-beijing" && r.provider == "alibaba"
               && r.source == "alibaba.config.compliance_pack_report" && r.sheet == "Sheet1"
               && r.row == 2 && r.reported_at == global::NOW && r.group == ()
               && r.headers.compliance_type == "Compliance Type" && r.columns.risk_level == 3
               && r.raw["Compliance Type"] == "NON_COMPLIANT""#,
        );
        // A region column fills `region`; `region:` given as a key is the fixed field.
        is(
            r#"let r = pack_result(#{ columns: #{ Region: "cn-hangzhou" } }); r.region == "cn-hangzhou""#,
        );
        is(
            r#"let r = pack_result(#{ columns: #{ "合规结果": "不合规", Status: "Enabled" }, row: 7 });
               r.status == "non_compliant" && r["合规结果"] == "不合规" && r.column_2 == "不合规"
               && r.columns.status == "Enabled" && r.id == "row-7""#,
        );
        is(
            r#"let r = pack_result(); r.id == "row-2" && r.status == "unknown" && r.columns.len() == 0"#,
        );
        is(r#"pack_result(#{ note: "", gone: () }).note == ()"#);
        is(r#"pack_result(#{ status: "compliant" }).status == "compliant""#);
        is(
            r#"let r = report(#{ resources: [compliance_pack(), pack_result(#{ resource_id: "i-1" })] });
               r.kind == "alibaba.config.compliance_pack_report" && r.count == 2"#,
        );
        fails(
            r#"pack_result(#{ rule_name: "r" }).rule_nmae"#,
            "did you mean `rule_name`?",
        );
        fails(
            r#"pack_result(#{ headers: #{} })"#,
            "`headers` follow from the columns",
        );
        fails(
            r#"pack_result(#{ x: [1] })"#,
            "column `x` must be a string, a number, a bool or ()",
        );
        fails(
            r#"pack_result(#{ row: 0 })"#,
            "`row` must be a sheet row number",
        );
        fails(
            r#"report(#{ resources: [patch_node(), pack_result()] })"#,
            "holds patch_node resources, but row-2 is a pack_result",
        );
        fails(
            r#"report(#{ kind: "alibaba.config.compliance_pack_report", resources: [patch_node()] })"#,
            "holds compliance_pack and pack_result resources",
        );
    }

    #[test]
    fn builder_mistakes_are_named() {
        fails(r#"patch_node(#{ gruop: "prod" })"#, "did you mean `group`?");
        fails(
            r#"patch_node(#{ missing: #{ critical: "1" } })"#,
            "patch_node().missing: `critical` must be an integer, not string",
        );
        fails(
            r#"patch_node(#{ missing: #{ crit: 1 } })"#,
            "did you mean `critical`?",
        );
        fails(
            r#"patch_item(#{ provider: "alibaba" })"#,
            "no alibaba report has patch_item",
        );
        fails(
            r#"patch_node(#{ source: "huawei.coc.patch_items" })"#,
            "has patch_item resources, not patch_node",
        );
        fails(
            r#"patch_node(#{ status: "bad" })"#,
            "is not compliant, non_compliant or unknown",
        );
        fails(
            r#"patch_node(#{ kind: "patch_item" })"#,
            "has no field `kind`",
        );
    }

    #[test]
    fn reports_hold_resources_of_their_kind() {
        fails(
            r#"report(#{ resources: [patch_node()], count: 5 })"#,
            "`count` is 5 but there are 1 resources",
        );
        is(
            r#"let r = report(#{ resources: [patch_node(#{ id: "a" }), patch_node(#{ id: "b" })], count: 2 });
               r.count == 2 && r.resources.len() == 2 && r.kind == "huawei.coc.patch_compliance"
               && r.fetched_at == ()"#,
        );
        is(r#"report(#{ resources: [patch_node(), patch_node(#{ id: "b" })] }).count == 2"#);
        is(
            r#"report(#{ resources: [config_rule()] }).kind == "huawei.config.policy_states_summary""#,
        );
        fails(
            r#"report(#{ resources: [patch_node(), config_rule()] })"#,
            "holds patch_node resources, but rule-1 is a config_rule",
        );
        fails(
            r#"report(#{ resources: [patch_node(), patch_node()] })"#,
            "listed twice",
        );
        fails(r#"report(#{ resources: [1] })"#, "resources[0] is a i64");
        fails(r#"report(#{ kind: "nope" })"#, "is not a report kind");
    }

    #[test]
    fn assertions_read_results_as_the_gate_does() {
        assert!(eval(r#"assert_deny(deny("x misses 1"), "misses")"#).is_ok());
        assert!(eval(r#"assert_deny("a bare string denies")"#).is_ok());
        assert!(eval(r#"assert_warn([(), warn("w")], "w")"#).is_ok());
        assert!(eval(r#"assert_pass(())"#).is_ok());
        assert!(eval(r#"assert_pass([])"#).is_ok());
        fails(
            r#"assert_deny(warn("w"))"#,
            "expected a deny finding, got warn (medium) \"w\"",
        );
        fails(
            r#"assert_deny(())"#,
            "expected a deny finding, got no finding",
        );
        fails(
            r#"assert_deny(deny("abc"), "xyz")"#,
            "whose message contains \"xyz\"",
        );
        fails(
            r#"assert_pass("x")"#,
            "expected no finding, got 1: deny (medium) \"x\"",
        );
        fails(
            r#"assert_deny(42)"#,
            "not a finding the gate accepts: returned a i64",
        );
        fails(
            r#"assert_deny(#{ message: "m", oops: 1 })"#,
            "has no key `oops`",
        );
        is(
            r#"let f = findings([deny("a", #{ severity: "high", key: "k", properties: #{ n: 1 } }), "b"]);
               f.len() == 2 && f[0].severity == "high" && f[0].properties.n == 1 && f[0].key == "k"
               && !("key" in f[1]) && f[1].severity == "medium" && f[1].action == "deny""#,
        );
    }

    #[test]
    fn equality_assertions() {
        assert!(eval("assert_eq(1, 1)").is_ok());
        assert!(eval("assert_eq(1, 1.0)").is_ok());
        assert!(eval(r#"assert_eq([1, "a"], [1, "a"])"#).is_ok());
        assert!(eval(r#"assert_eq(#{ a: 1 }, #{ a: 1 })"#).is_ok());
        assert!(eval(r#"assert_ne("a", "b")"#).is_ok());
        assert!(eval(r#"assert_ne(1, "1")"#).is_ok());
        fails(
            r#"assert_eq("a", "b")"#,
            r#"assert_eq: left is "a", right is "b""#,
        );
        fails("assert_ne(2, 2)", "assert_ne: both are 2");
        fails("assert(1 > 2)", "assertion failed");
        fails(r#"assert(false, "why")"#, "assertion failed: why");
    }
}
