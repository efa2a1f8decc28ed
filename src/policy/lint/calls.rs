//! Calls to tollgate's built-ins that can be judged from the source alone: `param("name")`
//! without a default for a param that is not set, and `deny`/`warn` calls whose literal
//! arguments the built-in would reject. Only literals are judged; a computed argument is
//! checked by the built-in when it runs (`engine`), with the same words.

use rhai::{Dynamic, EvalAltResult, Expr, FnCallExpr, Position};

use super::{Code, Context, Problem};
use crate::policy::engine;

/// The problems of one call (none for a call to anything but a built-in).
pub(super) fn check(call: &FnCallExpr, pos: Position, cx: &Context<'_>) -> Vec<Problem> {
    let name = call.name.as_str();
    // A policy's own function of the same name and arity is called instead.
    if cx.is_scripted(name, call.args.len()) {
        return Vec::new();
    }
    match name {
        "param" => param(call, pos, cx),
        "deny" | "warn" => finding(name, call, pos),
        _ => Vec::new(),
    }
}

/// `param(name)` and `param(name, default)`.
fn param(call: &FnCallExpr, pos: Position, cx: &Context<'_>) -> Vec<Problem> {
    match call.args.as_slice() {
        [Expr::StringConstant(name, at)] if !cx.params.contains_key(name.as_str()) => {
            // The words of the built-in's own error (engine::register_param), split into
            // what is wrong and what to do.
            vec![Problem {
                code: Code::Param,
                pos: *at,
                len: name.len() + 2,
                reason: format!("param `{name}` is not set"),
                hint: Some(unset_param_hint(name)),
            }]
        }
        [] => vec![misused(pos, "param", param_usage(&call.args))],
        [first, ..]
            if call.args.len() > 2 || literal_type(first).is_some_and(|t| t != "string") =>
        {
            vec![misused(pos, "param", param_usage(&call.args))]
        }
        [Expr::StringConstant(name, at), default] => {
            // A value of another type than the default's would make the policy compare a
            // string with a number, which Rhai answers `false`: the rule would pass silently.
            match (cx.params.get(name.as_str()), kind_of_literal(default)) {
                (Some(value), Some(want)) if !matches!(kind_of(value), Some(k) if k == want) => {
                    vec![Problem {
                        code: Code::Param,
                        pos: *at,
                        len: name.len() + 2,
                        reason: format!(
                            "param `{name}` is {value:?} ({}), but its default here is {}",
                            describe(kind_of(value)),
                            describe(Some(want))
                        ),
                        hint: Some(format!(
                            "set `{name}` to {} under [params], with --param {name}=VALUE or with TOLLGATE_PARAM_{}",
                            describe(Some(want)),
                            name.to_uppercase()
                        )),
                    }]
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The kinds of value a param and its default must agree on: integers and floats are both
/// numbers (Rhai compares them with each other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Bool,
    List,
    Map,
}

fn kind_of(v: &Dynamic) -> Option<Kind> {
    if v.is_int() || v.is_float() {
        Some(Kind::Number)
    } else if v.is_string() {
        Some(Kind::Text)
    } else if v.is_bool() {
        Some(Kind::Bool)
    } else if v.is_array() {
        Some(Kind::List)
    } else if v.is_map() {
        Some(Kind::Map)
    } else {
        None
    }
}

/// The kind of a literal default (`None` for `()` or a computed one: anything goes).
fn kind_of_literal(expr: &Expr) -> Option<Kind> {
    match expr {
        Expr::InterpolatedString(..) => Some(Kind::Text),
        Expr::Array(..) => Some(Kind::List),
        Expr::Map(..) => Some(Kind::Map),
        other => other.get_literal_value(None).and_then(|v| kind_of(&v)),
    }
}

fn describe(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Number) => "a number",
        Some(Kind::Text) => "a string",
        Some(Kind::Bool) => "true or false",
        Some(Kind::List) => "an array",
        Some(Kind::Map) => "a map",
        None => "another kind of value",
    }
}

fn unset_param_hint(name: &str) -> String {
    format!(
        "add `{name} = ...` under [params] in tollgate.toml, pass --param {name}=VALUE, or give a default: param(\"{name}\", DEFAULT)"
    )
}

fn param_usage(args: &[Expr]) -> String {
    format!(
        "param takes a name, and optionally a default: param(\"name\") or param(\"name\", DEFAULT); {}",
        given(args)
    )
}

/// The words of the built-in's own error for a `deny`/`warn` call it cannot take
/// (engine::misuse).
fn finding_usage(action: &str, why: &str) -> String {
    format!(
        "{action} takes a message, and optionally a map of finding keys: {action}(\"text\") or {action}(\"text\", #{{ severity: \"high\", properties: #{{}} }}); {why}"
    )
}

/// A call of a shape the built-in `name` rejects, underlined at the name.
fn misused(pos: Position, name: &str, reason: String) -> Problem {
    Problem {
        code: Code::Call,
        pos,
        len: name.len(),
        reason,
        hint: None,
    }
}

/// `deny(message)` and `deny(message, #{ keys })`, and the same for `warn`.
fn finding(action: &str, call: &FnCallExpr, pos: Position) -> Vec<Problem> {
    let args = call.args.as_slice();
    let extra = match args {
        [_] => None,
        [_, extra] => Some(extra),
        _ => return vec![misused(pos, action, finding_usage(action, &given(args)))],
    };
    let types: Vec<Option<&'static str>> = args.iter().map(literal_type).collect();
    let bad_message = types[0].is_some_and(|t| t != "string");
    let bad_extra = types.get(1).copied().flatten().is_some_and(|t| t != "map");
    if bad_message || bad_extra {
        let why = match types.as_slice() {
            [Some("map"), Some("string")] => "the message comes first".to_string(),
            known if known.iter().all(Option::is_some) => {
                let names: Vec<&str> = known.iter().flatten().copied().collect();
                format!("it was given ({})", names.join(", "))
            }
            [Some(t), _] if bad_message => format!("its message is a {t}"),
            [_, Some(t)] => format!("its second argument is a {t}"),
            _ => given(args),
        };
        return vec![misused(pos, action, finding_usage(action, &why))];
    }
    extra.map_or_else(Vec::new, |extra| keys(action, extra))
}

/// The keys of a literal map given to `deny`/`warn`, each judged by the built-in itself
/// (`engine::finding`), so the words are the same as when it runs.
fn keys(action: &str, extra: &Expr) -> Vec<Problem> {
    // Each key with where it is, its value if that is a literal, and where the value is.
    let entries: Vec<(String, Position, Option<Dynamic>, Position, usize)> = match extra {
        Expr::Map(x, ..) => {
            x.0.iter()
                .map(|(key, value)| {
                    let len = match value {
                        Expr::StringConstant(s, _) => s.len() + 2,
                        _ => 1,
                    };
                    let literal = value.get_literal_value(None);
                    (
                        key.name.to_string(),
                        key.pos,
                        literal,
                        value.start_position(),
                        len,
                    )
                })
                .collect()
        }
        // A map of constants folded into one value (the optimized tree): its keys keep no
        // positions of their own.
        Expr::DynamicConstant(value, at) => match value.read_lock::<rhai::Map>() {
            Some(map) => map
                .iter()
                .map(|(k, v)| (k.to_string(), *at, Some(v.clone()), *at, 1))
                .collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut problems = Vec::new();
    for (key, key_at, value, value_at, value_len) in entries {
        // These two are judged by their values; any other key by its name.
        let by_value = matches!(key.as_str(), "severity" | "properties");
        let value = match value {
            Some(value) => value,
            // A computed value is judged when it runs.
            None if by_value => continue,
            None => Dynamic::UNIT,
        };
        let mut one = rhai::Map::new();
        one.insert(key.as_str().into(), value);
        if let Err(err) = engine::finding(action, "".into(), one) {
            let reason = match *err {
                EvalAltResult::ErrorRuntime(message, _) => message.to_string(),
                other => other.to_string(),
            };
            let (pos, len) = if by_value {
                (value_at, value_len)
            } else {
                (key_at, key.len())
            };
            problems.push(Problem {
                code: Code::Call,
                pos,
                len,
                reason,
                hint: None,
            });
        }
    }
    problems
}

/// The type name Rhai gives a literal argument (as the built-ins' errors name it), or
/// `None` when it is computed.
fn literal_type(expr: &Expr) -> Option<&'static str> {
    match expr {
        Expr::InterpolatedString(..) => Some("string"),
        Expr::Array(..) => Some("array"),
        Expr::Map(..) => Some("map"),
        other => other.get_literal_value(None).map(|v| v.type_name()),
    }
}

/// "it was given 3 arguments".
fn given(args: &[Expr]) -> String {
    match args.len() {
        0 => "it was given no arguments".to_string(),
        1 => "it was given 1 argument".to_string(),
        n => format!("it was given {n} arguments"),
    }
}
