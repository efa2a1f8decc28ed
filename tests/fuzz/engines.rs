//! The two engines agree: policies generated from the compiled subset (field reads, counts,
//! literals, arithmetic and comparisons of every pair of types, `&&`, `||`, `!`, `??`,
//! `in`, `if`, `let`, assignments, `for` over `report.resources`, interpolations, the
//! string methods, `param`, `global::NOW`, `deny`/`warn` with options), over reports of
//! every kind, give the same findings (rule, resource, severity, level, message, key,
//! properties, fingerprint) and the same errors whether compiled or interpreted. Small
//! operation and string limits are drawn too, so that a compiled call near a budget must
//! give way to the interpreter exactly where the interpreter would stop.

// `Error` is large; here it is a test's result, built once a case.
#![allow(clippy::result_large_err)]

use super::*;
use crate::policies::summary;
use crate::reports::{document, render};

/// Fields that hold whole numbers (or `()`), on some kind.
const INT_FIELDS: &[&str] = &[
    "failed",
    "pending_reboot",
    "installed",
    "installed_other",
    "rejected",
    "reported_at",
    "installed_at",
    "noncompliant_resources",
    "compliant_resources",
    "account_id",
    "row",
    "missing.critical",
    "missing.high",
    "missing.total",
    "compliant.total",
    "missing.info",
];

/// Fields that hold strings (or `()`), on some kind.
const STR_FIELDS: &[&str] = &[
    "id",
    "name",
    "group",
    "status",
    "provider",
    "kind",
    "source",
    "region",
    "os",
    "title",
    "severity",
    "patch_status",
    "compliance_level",
    "rule_type",
    "compliance_state",
    "report_status",
    "node_id",
    "baseline",
    "sheet",
    "check_id",
    "account",
    "finding_status",
    "resource_uid",
];

/// The fields a generated policy reads: mostly those of the report's kinds, so that most
/// calls run to their end, and now and then one of another kind (a run-time error).
#[derive(Clone, Debug)]
struct Fields {
    ints: Vec<&'static str>,
    strs: Vec<&'static str>,
}

impl Fields {
    fn of(kind: ReportKind) -> Fields {
        let has = |f: &&str| {
            let first = f.split('.').next().unwrap_or(f);
            kind.resource_kinds()
                .iter()
                .any(|k| k.field_names().any(|n| n == first))
        };
        Fields {
            ints: INT_FIELDS.iter().copied().filter(has).collect(),
            strs: STR_FIELDS.iter().copied().filter(has).collect(),
        }
    }
}

fn pick(own: &[&'static str], all: &[&'static str]) -> BoxedStrategy<&'static str> {
    if own.is_empty() {
        return select(all.to_vec()).boxed();
    }
    prop_oneof![12 => select(own.to_vec()), 1 => select(all.to_vec())].boxed()
}

fn int_field(fields: &Fields) -> BoxedStrategy<String> {
    pick(&fields.ints, INT_FIELDS)
        .prop_map(|f| format!("x.{f}"))
        .boxed()
}

fn str_field(fields: &Fields) -> BoxedStrategy<String> {
    prop_oneof![
        6 => pick(&fields.strs, STR_FIELDS).prop_map(|f| format!("x.{f}")),
        1 => pick(&fields.strs, STR_FIELDS).prop_map(|f| format!("x[\"{f}\"]")),
        1 => Just("x.misisng".to_string()),
    ]
    .boxed()
}

/// A whole-number expression (which may still meet a `()` field, or overflow).
fn int_expr(fx: &Fields, depth: u32, vars: Vec<&'static str>) -> BoxedStrategy<String> {
    let mut leaves: Vec<BoxedStrategy<String>> = vec![
        (-3i64..12).prop_map(|n| n.to_string()).boxed(),
        select(vec!["9223372036854775807", "0", "1795420000000"])
            .prop_map(str::to_string)
            .boxed(),
        int_field(fx),
        int_field(fx).prop_map(|f| format!("({f} ?? 0)")).boxed(),
        Just("param(\"limit\", 5)".to_string()).boxed(),
        Just("global::NOW".to_string()).boxed(),
    ];
    if !vars.is_empty() {
        leaves.push(select(vars.clone()).prop_map(str::to_string).boxed());
    }
    let leaf = proptest::strategy::Union::new(leaves).boxed();
    if depth == 0 {
        return leaf;
    }
    let sub = || int_expr(fx, depth - 1, vars.clone());
    prop_oneof![
        4 => leaf,
        3 => (sub(), select(vec!["+", "-", "*", "/", "%"]), sub()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        1 => str_expr(fx, depth - 1, vars.clone()).prop_map(|s| format!("({s}).len()")),
        1 => sub().prop_map(|a| format!("-({a})")),
        1 => (sub(), select(vec!["0.5", "2.0"])).prop_map(|(a, f)| format!("({a} * {f})")),
    ]
    .boxed()
}

/// A string expression.
fn str_expr(fx: &Fields, depth: u32, vars: Vec<&'static str>) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        3 => select(vec!["\"prod\"", "\"\"", "\"non_compliant\"", "\"COMPLETE\"", "\"a\\\"b\"", "\"é\"", "\"huawei\"", "\"MISSING\""])
            .prop_map(str::to_string),
        4 => str_field(fx),
        2 => str_field(fx).prop_map(|f| format!("({f} ?? \"-\")")),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    let sub = || str_expr(fx, depth - 1, vars.clone());
    let any = || any_expr(fx, depth - 1, vars.clone());
    prop_oneof![
        4 => leaf,
        2 => prop::collection::vec(any(), 1..4).prop_map(|parts| {
            let inner: String = parts.iter().map(|p| format!("${{{p}}} ")).collect();
            format!("`{inner}`")
        }),
        1 => (sub(), sub()).prop_map(|(a, b)| format!("({a} + {b})")),
        1 => (sub(), int_expr(fx, depth - 1, vars.clone())).prop_map(|(a, b)| format!("({a} + {b})")),
        1 => (sub(), select(vec!["to_upper", "to_lower"])).prop_map(|(a, m)| format!("({a}).{m}()")),
    ]
    .boxed()
}

/// A boolean expression.
fn bool_expr(fx: &Fields, depth: u32, vars: Vec<&'static str>) -> BoxedStrategy<String> {
    let ints = || int_expr(fx, depth.saturating_sub(1), vars.clone());
    let strs = || str_expr(fx, depth.saturating_sub(1), vars.clone());
    let cmp = select(vec!["==", "!=", "<", "<=", ">", ">="]);
    let leaf = prop_oneof![
        3 => (ints(), cmp.clone(), ints()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        3 => (strs(), select(vec!["==", "!="]), strs()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        1 => (strs(), cmp, strs()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        2 => (int_field(fx), ints()).prop_map(|(f, b)| format!("({f} != () && {f} > {b})")),
        2 => str_field(fx).prop_map(|f| format!("({f} in param(\"prod_groups\", [\"prod\"]))")),
        1 => (strs(), strs()).prop_map(|(a, b)| format!("({b} in {a})")),
        1 => (strs(), select(vec!["contains", "starts_with", "ends_with"]), strs())
            .prop_map(|(a, m, b)| format!("({a}).{m}({b})")),
        1 => select(vec!["true", "false"]).prop_map(str::to_string),
        1 => str_field(fx).prop_map(|f| format!("({f} == ())")),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    let sub = || bool_expr(fx, depth - 1, vars.clone());
    prop_oneof![
        4 => leaf,
        2 => (sub(), select(vec!["&&", "||"]), sub()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        1 => sub().prop_map(|a| format!("!({a})")),
    ]
    .boxed()
}

/// Any expression: mostly well typed, sometimes of mixed types (which Rhai may refuse, and
/// the compiled engine must then leave to it).
fn any_expr(fx: &Fields, depth: u32, vars: Vec<&'static str>) -> BoxedStrategy<String> {
    let mixed = (
        prop_oneof![
            int_expr(fx, 0, vars.clone()),
            str_expr(fx, 0, vars.clone()),
            Just("()".to_string()),
            Just("1.5".to_string()),
            Just("[1, \"a\"]".to_string())
        ],
        select(vec![
            "==", "!=", "<", ">=", "+", "-", "*", "/", "??", "in", "&&",
        ]),
        prop_oneof![
            int_expr(fx, 0, vars.clone()),
            str_expr(fx, 0, vars.clone()),
            Just("()".to_string()),
            Just("true".to_string()),
            Just("#{ a: 1 }".to_string())
        ],
    )
        .prop_map(|(a, op, b)| format!("({a} {op} {b})"));
    prop_oneof![
        3 => int_expr(fx, depth, vars.clone()),
        3 => str_expr(fx, depth, vars.clone()),
        2 => bool_expr(fx, depth, vars.clone()),
        1 => mixed,
    ]
    .boxed()
}

/// An expression for a condition: boolean, or now and then anything.
fn expr(fx: &Fields, depth: u32, vars: Vec<&'static str>) -> BoxedStrategy<String> {
    prop_oneof![8 => bool_expr(fx, depth, vars.clone()), 1 => any_expr(fx, depth, vars)].boxed()
}

/// A finding: a string, or `deny`/`warn` with or without options.
fn finding(fx: &Fields, vars: Vec<&'static str>) -> BoxedStrategy<String> {
    let e = || any_expr(fx, 1, vars.clone());
    let options = (
        select(vec![
            "",
            "severity: \"high\", ",
            "severity: \"severe\", ",
            "key: \"k\", ",
        ]),
        e(),
    )
        .prop_map(|(extra, v)| format!("#{{ {extra}properties: #{{ v: {v} }} }}"));
    prop_oneof![
        2 => (select(vec!["deny", "warn"]), e()).prop_map(|(a, m)| format!("{a}({m})")),
        2 => (select(vec!["deny", "warn"]), e(), options).prop_map(|(a, m, o)| format!("{a}({m}, {o})")),
        1 => e(),
    ]
    .boxed()
}

/// A `check(x)` body: two locals, an assignment, and a guarded finding.
fn check_body(fx: &Fields) -> BoxedStrategy<String> {
    (
        prop_oneof![6 => int_expr(fx, 2, vec![]), 1 => any_expr(fx, 2, vec![])],
        prop_oneof![6 => str_expr(fx, 2, vec![]), 1 => any_expr(fx, 2, vec!["a"])],
        select(vec!["=", "+=", "-=", "*="]),
        prop_oneof![6 => int_expr(fx, 1, vec!["a"]), 1 => any_expr(fx, 1, vec!["a", "b"])],
        expr(fx, 2, vec!["a", "b"]),
        finding(fx, vec!["a", "b"]),
        any::<bool>(),
    )
        .prop_map(|(a, b, op, c, cond, found, early)| {
            let ret = if early {
                "if b == () { return; }\n    "
            } else {
                ""
            };
            format!(
                "let a = {a};\n    let b = {b};\n    {ret}a {op} {c};\n    if {cond} {{ {found} }}"
            )
        })
        .boxed()
}

/// A `check_report(report)` body: a count over `report.resources` and a finding.
fn report_body(fx: &Fields) -> BoxedStrategy<String> {
    (expr(fx, 2, vec!["n"]), select(vec!["", "break;", "continue;"]), int_expr(fx, 1, vec!["n"]), finding(fx, vec!["n"]))
        .prop_map(|(cond, jump, limit, found)| {
            // After the loop there is no `x`: read the first resource instead.
            let first = |e: String| e.replace("x.", "report.resources[0].").replace("x[", "report.resources[0][");
            let (limit, found) = (first(limit), first(found));
            format!(
                "let n = 0;\n    for x in report.resources {{\n        if {cond} {{ n += 1; {jump} }}\n    }}\n    \
                 if n > ({limit}) {{ {found} }} else {{ `${{n}} of ${{report.resources.len()}} in ${{report.kind}}` }}"
            )
        })
        .boxed()
}

/// Limits: the defaults, or small ones that calls run into.
fn limits() -> impl Strategy<Value = Limits> {
    prop_oneof![
        3 => Just(Limits::default()),
        1 => (10u64..400, 10u64..4000, 4usize..64).prop_map(|(operations, report_operations, string_len)| Limits {
            operations,
            report_operations,
            string_len,
            ..Limits::default()
        }),
    ]
}

#[test]
fn engines() {
    let strategy = || {
        // One strategy per report kind, built once: fields of the kind, documents of it.
        let per_kind = ReportKind::ALL.into_iter().map(|kind| {
            let fx = Fields::of(kind);
            let doc = prop_oneof![3 => document(kind, 0, 10), 1 => document(kind, 1, 10)];
            let docs = prop::collection::vec((doc, 0..2u8), 1..3);
            let own: Vec<&'static str> = kind.resource_kinds().iter().map(|k| k.as_str()).collect();
            let kinds = prop_oneof![
                2 => Just(Vec::new()),
                3 => prop::sample::subsequence(own, 1..=kind.resource_kinds().len()),
                1 => prop::sample::subsequence(
                    tollgate::model::ResourceKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                    1..2,
                ),
            ];
            (docs, kinds, check_body(&fx), report_body(&fx), limits(), 0..3u8).boxed()
        });
        proptest::strategy::Union::new(per_kind)
    };
    let compiled_calls = AtomicU64::new(0);
    let both_ok = AtomicU64::new(0);
    let with_errors = AtomicU64::new(0);
    let (finished, gave_up) = (AtomicU64::new(0), AtomicU64::new(0));
    fuzz(
        "engines",
        strategy,
        |(docs, kinds, check, report, limits, which)| {
            let mut reports = Vec::new();
            for (i, (doc, style)) in docs.iter().enumerate() {
                let input = Input {
                    origin: tollgate::model::ReportOrigin::File(format!("r{i}.json").into()),
                    text: render(doc, *style).into(),
                };
                let options = LoadOptions {
                    allow_empty: true,
                    ..LoadOptions::default()
                };
                if let Ok(loaded) = report::load_all(&input, options) {
                    reports.extend(loaded.into_iter().map(Arc::new));
                }
            }
            let applies: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
            let functions = match which {
                0 => format!("fn check(x) {{\n    {check}\n}}"),
                1 => format!("fn check_report(report) {{\n    {report}\n}}"),
                _ => format!(
                    "fn check(x) {{\n    {check}\n}}\nfn check_report(report) {{\n    {report}\n}}"
                ),
            };
            let src = format!(
            "const RULE = #{{ id: \"GEN-1\", title: \"generated\", severity: \"medium\", applies_to: [{}] }};\n{functions}\n",
            applies.join(", ")
        );
            let globals = Globals {
                params: [
                    (
                        "prod_groups".into(),
                        rhai::Dynamic::from(vec![rhai::Dynamic::from("prod")]),
                    ),
                    ("limit".into(), rhai::Dynamic::from(3_i64)),
                ]
                .into_iter()
                .collect(),
                now: 1_795_420_000_000,
            };
            let compile = || {
                policy::compile(
                    Path::new("gen.rhai"),
                    src.as_str().into(),
                    &limits,
                    &globals,
                )
            };
            let (compiled, interpreted) = match (compile(), compile()) {
                (Ok(a), Ok(b)) => (a, b.interpreted()),
                // A generated policy Rhai does not parse (a literal type error such as
                // `1 && true`): nothing to compare.
                (Err(e), Err(_)) => {
                    if std::env::var("ENGINES_DEBUG").is_ok() {
                        eprintln!("COMPILE {:?}", e);
                    }
                    return Ok(Verdict::Rejected);
                }
                (a, b) => {
                    return Err(TestCaseError::fail(format!(
                        "one compile failed and not the other: {:?} / {:?}",
                        a.err(),
                        b.err()
                    )))
                }
            };
            if compiled.mode == tollgate::policy::compiled::Mode::Compiled {
                compiled_calls.fetch_add(1, Ordering::Relaxed);
            }
            let a = policy::evaluate(std::slice::from_ref(&compiled), &reports);
            let b = policy::evaluate(std::slice::from_ref(&interpreted), &reports);
            both_ok.fetch_add(1, Ordering::Relaxed);
            if std::env::var("ENGINES_DEBUG").is_ok()
                && a.fell_back > 0
                && b.error_count == 0
                && limits == Limits::default()
            {
                eprintln!(
                    "GAVE UP needlessly ({} of {}):\n{src}",
                    a.fell_back, a.calls
                );
            }
            finished.fetch_add(a.compiled as u64, Ordering::Relaxed);
            gave_up.fetch_add(a.fell_back as u64, Ordering::Relaxed);
            if a.error_count > 0 {
                with_errors.fetch_add(1, Ordering::Relaxed);
            }
            prop_assert_eq!(
                detailed(&a),
                detailed(&b),
                "compiled and interpreted disagree on\n{}",
                src
            );
            Ok(if a.findings.is_empty() {
                Verdict::Rejected
            } else {
                Verdict::Accepted
            })
        },
    );
    eprintln!(
        "fuzz engines: {} generated policies compiled and ran, {} of them compiled; {} met a policy error",
        both_ok.load(Ordering::Relaxed),
        compiled_calls.load(Ordering::Relaxed),
        with_errors.load(Ordering::Relaxed),
    );
    let (finished, gave_up) = (finished.into_inner(), gave_up.into_inner());
    eprintln!(
        "fuzz engines: {finished} calls finished compiled, {gave_up} gave up and ran interpreted"
    );
    // Under TOLLGATE_ENGINE=interpreted (the suite's second run) both sides interpret.
    use tollgate::policy::compiled::EngineChoice;
    if EngineChoice::from_env() == Ok(EngineChoice::Compiled) {
        assert!(
            finished > 0,
            "no call was ever finished by the compiled engine: nothing was compared"
        );
    }
}

/// Everything a finding says, and every error in full.
fn detailed(out: &policy::Evaluation) -> Vec<String> {
    let mut lines = summary(out);
    for f in &out.findings {
        lines.push(format!(
            "{} {:?} {:?} {}",
            f.subject.id(),
            f.key,
            serde_json::Value::Object(f.properties.clone()),
            f.severity
        ));
    }
    for e in &out.errors {
        lines.push(format!(
            "{:?} {:?}",
            miette::Diagnostic::code(e).map(|c| c.to_string()),
            miette::Diagnostic::labels(e)
                .map(|l| l.map(|l| (l.offset(), l.len())).collect::<Vec<_>>())
        ));
    }
    lines
}
