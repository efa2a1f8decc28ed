//! The sandboxed Rhai engine: the only place an `Engine` is built, and the place that
//! decides what a policy can see. No file, network, process or clock access: the raw
//! engine has none and none is registered. `eval` is disabled, imports are off
//! (`max_modules = 0`), and every call runs under the operation, call-depth, expression
//! and data-size limits in [`Limits`]. `print` and `debug` go to standard error, never
//! to standard output, which belongs to the emitters.

use std::sync::{Arc, OnceLock};

use rhai::packages::{
    BasicArrayPackage, BasicMapPackage, BasicMathPackage, BasicStringPackage, CorePackage,
    LogicPackage, MoreStringPackage, Package,
};
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Map, Module, Position};

/// A module shared between engines (`rhai::Shared` is `Arc` with the `sync` feature).
type SharedModule = Arc<Module>;

use super::{Globals, Limits};
use crate::model::resource::{Field, Resource, ResourceKind, Severities};
use crate::model::Report;

/// A resource as policies see it: read-only fields through an indexer, so `node.name` and
/// `node["name"]` both work and an unknown field is an error rather than a silent `()`.
#[derive(Clone)]
pub(crate) struct ResourceRef(pub Arc<Resource>);

/// A report as `check_report` sees it.
#[derive(Clone)]
pub(crate) struct ReportRef(pub Arc<Report>);

/// Fields of the report object given to `check_report`.
pub(crate) const REPORT_FIELDS: &[&str] = &[
    "kind",
    "resource_kind",
    "provider",
    "name",
    "count",
    "fetched_at",
    "resources",
    "results",
    "raw",
];

/// Keys a finding map may carry.
pub(crate) const FINDING_KEYS: &[&str] = &[
    "action",
    "message",
    "severity",
    "resource",
    "properties",
    "key",
];

/// A sandboxed engine for one policy, whose `global::` module holds `PARAMS`, `NOW` and the
/// policy's own literal constants.
pub(crate) fn sandboxed(
    limits: &Limits,
    operations: u64,
    array_len: usize,
    globals: Module,
    rule_id: &str,
) -> Engine {
    let mut engine = Engine::new_raw();
    for pkg in packages() {
        engine.register_global_module(Arc::clone(pkg));
    }
    engine
        .set_max_strings_interned(1024)
        // Never 0: Rhai reads 0 as "unlimited".
        .set_max_operations(operations.max(1))
        // Set explicitly: Rhai's default differs between debug and release builds.
        .set_max_call_levels(limits.call_levels)
        .set_max_expr_depths(limits.expr_depth, limits.expr_depth)
        .set_max_string_size(limits.string_len)
        .set_max_array_size(array_len.max(1))
        .set_max_map_size(limits.map_len)
        .set_max_modules(0)
        .set_strict_variables(true)
        // Registered operator overloads must be seen first (see register_unit_ordering).
        .set_fast_operators(false)
        .disable_symbol("eval");
    let id = rule_id.to_string();
    engine.on_print(move |msg| eprintln!("policy {id}: {msg}"));
    let id = rule_id.to_string();
    engine.on_debug(move |msg, _, pos| eprintln!("policy {id} ({pos}): {msg}"));
    register_param(&mut engine, &globals);
    engine.register_static_module("global", Arc::new(globals));
    register_api(&mut engine);
    engine
}

/// The standard library a policy gets, built once per process and shared by every engine.
/// Deliberately absent: time (no clock), file and I/O packages.
fn packages() -> &'static [SharedModule] {
    static PACKAGES: OnceLock<Vec<SharedModule>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        vec![
            CorePackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicMathPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
        ]
    })
}

/// The functions tollgate adds for policies, which a test file must not replace.
pub(crate) const BUILTINS: &[&str] = &["param", "deny", "warn"];

/// `param(name, default)`: the `[params]` value of `name`, or `default` when there is none;
/// `param(name)`: the value, or an error naming the param when it is not set.
/// It reads the same map as `global::PARAMS` (including a test file's pinned `PARAMS`), but
/// without copying it: every read of `global::PARAMS` clones the whole map (about 5,600
/// instructions a call for PATCH-001 and PATCH-002 with the repository's four params).
fn register_param(engine: &mut Engine, globals: &Module) {
    let params: Arc<Map> = Arc::new(
        globals
            .get_var("PARAMS")
            .and_then(|p| p.try_cast::<Map>())
            .unwrap_or_default(),
    );
    let shared = Arc::clone(&params);
    engine.register_fn("param", move |name: &str, default: Dynamic| {
        shared.get(name).cloned().unwrap_or(default)
    });
    // Without a default, a param that is not set is an error that says so, rather than a
    // `()` that fails later as "Function not found: contains ((), ())".
    engine.register_fn("param", move |name: &str| -> Fallible {
        params.get(name).cloned().ok_or_else(|| {
            runtime(format!(
                "param `{name}` is not set: add `{name} = ...` under [params] in tollgate.toml, pass --param {name}=VALUE, or give a default: param(\"{name}\", DEFAULT)"
            ))
        })
    });
}

/// The `global::` module for one policy.
pub(crate) fn globals_module(globals: &Globals, constants: Vec<(String, Dynamic)>) -> Module {
    let mut module = Module::new();
    for (name, value) in constants {
        module.set_var(name, value);
    }
    module.set_var("PARAMS", globals.params.clone());
    module.set_var("NOW", globals.now);
    module.build_index();
    module
}

fn register_api(engine: &mut Engine) {
    engine.register_type_with_name::<ResourceRef>("Resource");
    engine.register_indexer_get(resource_field);
    // `node.group` looks for a property getter `get$group` before it falls back to the
    // indexer, and Rhai resolves functions afresh in every policy call: without a getter
    // each property read misses through every package first. One getter per fixed field
    // makes the first lookup hit; the indexer stays for `node["group"]`, for a
    // `pack_result`'s columns and for the typo diagnostic.
    for name in resource_getter_names() {
        engine.register_get(name, move |r: &mut ResourceRef| resource_field(r, name));
    }
    engine.register_fn("to_string", |r: &mut ResourceRef| describe(&r.0));
    engine.register_fn("to_debug", |r: &mut ResourceRef| describe(&r.0));

    engine.register_type_with_name::<Severities>("Counts");
    engine.register_indexer_get(count_field);
    for name in Severities::FIELDS {
        engine.register_get(name, move |c: &mut Severities| count_field(c, name));
    }
    engine.register_fn("to_string", |c: &mut Severities| c.to_string());
    engine.register_fn("to_debug", |c: &mut Severities| c.to_string());

    engine.register_type_with_name::<ReportRef>("Report");
    engine.register_indexer_get(report_field);
    engine.register_fn("to_string", |r: &mut ReportRef| {
        format!("{} report {}", r.0.kind, r.0.origin)
    });
    engine.register_fn("to_debug", |r: &mut ReportRef| {
        format!("{} report {}", r.0.kind, r.0.origin)
    });

    register_unit_ordering(engine);
    register_common_operators(engine);

    // Rhai's core package can `sleep`, which no operation limit bounds: a policy could hang
    // the pipeline. Functions registered on the engine are found before the packages'.
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
        Err(runtime("`sleep` is not available in policies".into()))
    });
    engine.register_fn(
        "sleep",
        |_: rhai::FLOAT| -> Result<(), Box<EvalAltResult>> {
            Err(runtime("`sleep` is not available in policies".into()))
        },
    );

    for action in ["deny", "warn"] {
        engine.register_fn(action, move |message: ImmutableString| {
            finding(action, message, Map::new())
        });
        engine.register_fn(action, move |message: ImmutableString, extra: Map| {
            finding(action, message, extra)
        });
        // Any other arguments: say what the call should look like, at the call, rather
        // than Rhai's "Function not found: deny (map, &str | ImmutableString | String)".
        engine.register_fn(
            action,
            move |got: Dynamic| -> Result<Map, Box<EvalAltResult>> { Err(misuse(action, &[&got])) },
        );
        engine.register_fn(
            action,
            move |a: Dynamic, b: Dynamic| -> Result<Map, Box<EvalAltResult>> {
                Err(misuse(action, &[&a, &b]))
            },
        );
    }
}

/// The error of a `deny`/`warn` call with arguments of the wrong types.
fn misuse(action: &str, args: &[&Dynamic]) -> Box<EvalAltResult> {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    let swapped = matches!(args, [a, b] if a.is_map() && b.is_string());
    let why = if swapped {
        "the message comes first".to_string()
    } else {
        format!("it was given ({})", types.join(", "))
    };
    runtime(format!(
        "{action} takes a message, and optionally a map of finding keys: {action}(\"text\") or {action}(\"text\", #{{ severity: \"high\", properties: #{{}} }}); {why}"
    ))
}

/// Rhai answers `() > 0` with `false`, which would let a policy pass on a value the report
/// does not have (a JSON null, or a field the vendor does not report). Ordering a missing
/// value against a number is made an error instead; `==` and `!=` keep working, so
/// `x != ()` stays the way to test for a value.
fn register_unit_ordering(engine: &mut Engine) {
    fn missing(op: &str) -> Box<EvalAltResult> {
        runtime(format!(
            "cannot use `{op}` on () and a number: the value is missing from the report"
        ))
    }
    for op in ["<", "<=", ">", ">="] {
        engine.register_fn(
            op,
            move |_: (), _: rhai::INT| -> Result<bool, Box<EvalAltResult>> { Err(missing(op)) },
        );
        engine.register_fn(
            op,
            move |_: rhai::INT, _: ()| -> Result<bool, Box<EvalAltResult>> { Err(missing(op)) },
        );
        engine.register_fn(
            op,
            move |_: (), _: rhai::FLOAT| -> Result<bool, Box<EvalAltResult>> { Err(missing(op)) },
        );
        engine.register_fn(
            op,
            move |_: rhai::FLOAT, _: ()| -> Result<bool, Box<EvalAltResult>> { Err(missing(op)) },
        );
    }
}

/// Every fixed field name of every resource kind, once each.
fn resource_getter_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for kind in ResourceKind::ALL {
        for name in kind.field_names() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// The comparisons policies make all the time, registered on the engine itself.
///
/// With fast operators off (so that [`register_unit_ordering`] is seen), Rhai looks an
/// operator up like any function, afresh in every policy call: through the script, the
/// engine and every package, then the `Dynamic` variants, and only then takes its
/// built-in. These registrations do what the built-ins do for the same types, but are
/// found in the first place Rhai looks.
fn register_common_operators(engine: &mut Engine) {
    use rhai::INT;
    engine
        .register_fn("==", |a: INT, b: INT| a == b)
        .register_fn("!=", |a: INT, b: INT| a != b)
        .register_fn(">", |a: INT, b: INT| a > b)
        .register_fn(">=", |a: INT, b: INT| a >= b)
        .register_fn("<", |a: INT, b: INT| a < b)
        .register_fn("<=", |a: INT, b: INT| a <= b)
        .register_fn("==", |a: ImmutableString, b: ImmutableString| a == b)
        .register_fn("!=", |a: ImmutableString, b: ImmutableString| a != b)
        .register_fn("!", |a: bool| !a);
    // A value against `()`, as in `node.failed != ()`: unequal unless both are `()`.
    engine
        .register_fn("==", |_: (), _: ()| true)
        .register_fn("!=", |_: (), _: ()| false)
        .register_fn("==", |_: INT, _: ()| false)
        .register_fn("!=", |_: INT, _: ()| true)
        .register_fn("==", |_: (), _: INT| false)
        .register_fn("!=", |_: (), _: INT| true)
        .register_fn("==", |_: ImmutableString, _: ()| false)
        .register_fn("!=", |_: ImmutableString, _: ()| true)
        .register_fn("==", |_: (), _: ImmutableString| false)
        .register_fn("!=", |_: (), _: ImmutableString| true)
        .register_fn("==", |_: Severities, _: ()| false)
        .register_fn("!=", |_: Severities, _: ()| true);
}

/// The finding map `deny`/`warn` return. The extra keys are checked here, so that a
/// mistake is reported at the call rather than where `check` returns.
pub(super) fn finding(
    action: &str,
    message: ImmutableString,
    extra: Map,
) -> Result<Map, Box<EvalAltResult>> {
    for (key, value) in &extra {
        match key.as_str() {
            "severity" => {
                let text = value.clone().into_string().map_err(|_| {
                    runtime(format!(
                        "{action}: `severity` must be a string, not {}",
                        value.type_name()
                    ))
                })?;
                text.parse::<crate::model::Severity>()
                    .map_err(|reason| runtime(format!("{action}: {reason}")))?;
            }
            "properties" if !value.is_map() => {
                return Err(runtime(format!(
                    "{action}: `properties` must be a map, not {}",
                    value.type_name()
                )))
            }
            "properties" | "key" | "resource" => {}
            "message" | "action" => {
                return Err(runtime(format!(
                    "{action}: `{key}` is set by {action} itself; give the message as the first argument"
                )))
            }
            other => {
                let keys = ["severity", "properties", "key", "resource"];
                let hint = crate::error::did_you_mean(other, keys.iter().copied())
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(runtime(format!(
                    "{action}: a finding has no key `{other}`{hint}; the keys {action} takes are: {}",
                    keys.join(", ")
                )));
            }
        }
    }
    let mut map = extra;
    map.insert("action".into(), action.into());
    map.insert("message".into(), message.into());
    Ok(map)
}

pub(super) fn describe(r: &Resource) -> String {
    format!("{} {}", r.kind(), r.label())
}

type Fallible = Result<Dynamic, Box<EvalAltResult>>;

/// A resource field as Rhai sees it.
pub(super) fn field_value(field: Field<'_>) -> Dynamic {
    match field {
        Field::Unit => Dynamic::UNIT,
        Field::Int(n) => Dynamic::from_int(n),
        Field::Float(x) => Dynamic::from_float(x),
        Field::Bool(b) => Dynamic::from_bool(b),
        Field::Str(s) => Dynamic::from(s.to_string()),
        Field::Counts(c) => Dynamic::from(*c),
        Field::Tags(tags) => {
            let map: rhai::Map = tags
                .iter()
                .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
                .collect();
            Dynamic::from_map(map)
        }
        Field::Columns(row) => {
            let map: rhai::Map = row
                .columns
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.as_str().into(), field_value(Field::cell(row.at(i)))))
                .collect();
            Dynamic::from_map(map)
        }
        Field::Controls(r, pairs) => {
            let map: rhai::Map = r
                .controls(pairs)
                .into_iter()
                .map(|(framework, requirements)| {
                    let list = requirements
                        .into_iter()
                        .map(|r| Dynamic::from(r.to_string()))
                        .collect();
                    (framework.into(), Dynamic::from_array(list))
                })
                .collect();
            Dynamic::from_map(map)
        }
        Field::Headers(columns) => {
            let map: rhai::Map = columns
                .names
                .iter()
                .zip(&columns.headers)
                .map(|(name, header)| (name.as_str().into(), Dynamic::from(header.clone())))
                .collect();
            Dynamic::from_map(map)
        }
    }
}

/// Raw vendor JSON as a Rhai value (maps, arrays, strings, numbers; `null` becomes `()`),
/// parsed when a policy reads it.
fn raw_value(raw: &str) -> Result<Dynamic, serde_json::Error> {
    serde_json::from_str(raw)
}

fn resource_field(r: &mut ResourceRef, name: &str) -> Fallible {
    let r = &r.0;
    if name == "raw" {
        return raw_value(r.raw())
            .map_err(|e| runtime(format!("raw of {} is not valid JSON: {e}", r.id())));
    }
    match r.field(name) {
        Some(value) => Ok(field_value(value)),
        None => Err(runtime(unknown_field(
            &format!("a {} resource", r.kind()),
            name,
            r.field_names().into_iter(),
        ))),
    }
}

fn count_field(c: &mut Severities, name: &str) -> Fallible {
    match c.get(name) {
        Some(value) => Ok(value.map_or(Dynamic::UNIT, Dynamic::from_int)),
        None => Err(runtime(unknown_field(
            "patch counts",
            name,
            Severities::FIELDS.into_iter(),
        ))),
    }
}

fn report_field(r: &mut ReportRef, name: &str) -> Fallible {
    let report = &r.0;
    let int = |n: usize| Dynamic::from_int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(match name {
        "kind" => report.kind.id().into(),
        "resource_kind" => report.kind.resource_kind().as_str().into(),
        "provider" => report
            .kind
            .provider_name()
            .map_or(Dynamic::UNIT, Dynamic::from),
        "name" => report.origin.to_string().into(),
        "count" => match report.declared {
            Some(n) => Dynamic::from_int(i64::try_from(n).unwrap_or(i64::MAX)),
            None => int(report.resources.len()),
        },
        "fetched_at" => report.fetched_at.map_or(Dynamic::UNIT, Dynamic::from_int),
        "resources" => Dynamic::from_array(
            report
                .resources
                .iter()
                .map(|res| Dynamic::from(ResourceRef(Arc::clone(res))))
                .collect(),
        ),
        "results" => match &report.results {
            Some(raw) => raw_value(raw.as_str())
                .map_err(|e| runtime(format!("results are not valid JSON: {e}")))?,
            None => Dynamic::UNIT,
        },
        "raw" => raw_value(report.raw.as_str())
            .map_err(|e| runtime(format!("the report is not valid JSON: {e}")))?,
        _ => {
            return Err(runtime(unknown_field(
                "the report",
                name,
                REPORT_FIELDS.iter().copied(),
            )))
        }
    })
}

fn runtime(message: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(message.into(), Position::NONE).into()
}

/// "a patch_node resource has no field `misssing` (did you mean `missing`?); its fields
/// are: ...": the field-typo diagnostic.
pub(crate) fn unknown_field<'a>(
    what: &str,
    name: &str,
    fields: impl Iterator<Item = &'a str>,
) -> String {
    let fields: Vec<&str> = fields.collect();
    let suggestion = crate::error::did_you_mean(name, fields.iter().copied())
        .map(|f| format!(" (did you mean `{f}`?)"))
        .unwrap_or_default();
    format!(
        "{what} has no field `{name}`{suggestion}; its fields are: {}",
        fields.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggests_the_nearest_field() {
        let msg = unknown_field(
            "a patch_node resource",
            "misssing",
            ResourceKind::PatchNode.field_names(),
        );
        assert!(msg.contains("did you mean `missing`?"), "{msg}");
        assert!(msg.contains("its fields are: kind, provider"), "{msg}");
        let msg = unknown_field("patch counts", "zzzzzz", Severities::FIELDS.into_iter());
        assert!(!msg.contains("did you mean"), "{msg}");
    }
}
