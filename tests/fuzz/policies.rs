//! The `policy_compile` and `evaluation` targets: policy source compiled and run over the
//! sample reports, and the shipped policies evaluated over generated resources.

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

use crate::reports::*;

/// The small documented example of every report kind, for running compiled policies over.
pub(crate) fn sample_reports() -> &'static Vec<Arc<Report>> {
    static REPORTS: OnceLock<Vec<Arc<Report>>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        [
            "huawei-coc",
            "huawei-coc-items",
            "huawei-config",
            "alibaba-oos",
            "alibaba-config",
        ]
        .iter()
        .map(|dir| {
            let path = root()
                .join("tests/fixtures/reports")
                .join(dir)
                .join("doc-example.json");
            let text = std::fs::read_to_string(&path).unwrap();
            let input = Input {
                origin: tollgate::model::ReportOrigin::File((*dir).into()),
                text: text.into(),
            };
            Arc::new(report::load(&input, LoadOptions::default()).unwrap())
        })
        .collect()
    })
}

/// Literal Rhai values for `RULE` keys.
pub(crate) const RHAI_VALUES: &[&str] = &[
    "\"PATCH-900\"",
    "\"\"",
    "\" \"",
    "\"high\"",
    "\"critical\"",
    "\"info\"",
    "\"severe\"",
    "\"High\"",
    "[\"patch_node\"]",
    "[\"config_rule\", \"pack_result\"]",
    "[]",
    "[\"nope\"]",
    "[1, ()]",
    "42",
    "-1",
    "()",
    "true",
    "#{}",
    "#{ a: 1 }",
    "\"hard\"",
    "\"soft\"",
    "\"advisory\"",
    "3.5",
    "'c'",
    "\"\\u{202e}\"",
    "\"é😀\"",
    "[\"a\", \"b\"]",
    "`x${1}`",
    "1 + 1",
    "RULE",
];

/// Bodies for `check` and `check_report`.
pub(crate) const RHAI_BODIES: &[&str] = &[
    "()",
    "\"plain message\"",
    "deny(`${x.id} is bad`)",
    "warn(\"w\", #{ severity: \"low\", key: \"k\", properties: #{ n: 1 } })",
    "[deny(\"a\"), warn(\"b\"), ()]",
    "#{ message: \"m\", resource: \"nope\" }",
    "#{ message: \"m\", bogus: 1 }",
    "#{ }",
    "42",
    "x.name",
    "x.nope",
    "x.raw",
    "x.missing.critical > 0",
    "if x.status == \"non_compliant\" { deny(x.id) }",
    "loop { }",
    "let s = \"ab\"; loop { s += s; }",
    "let a = []; loop { a.push(a.len()); }",
    "throw \"boom\"",
    "9223372036854775807 + 1",
    "1 / 0",
    "x.resources.len()",
    "x.resources.filter(|r| r.status == \"non_compliant\").map(|r| deny(r.id))",
    "for r in x.resources { if r.reported_at > global::NOW { return deny(\"future\"); } }",
    "deny(global::PARAMS.to_json())",
    "f(x)",
    "print(\"noise\")",
    "deny(\"x\".pad(1000000, \"y\"))",
];

pub(crate) fn policy_source() -> BoxedStrategy<String> {
    let entries = prop::collection::vec(
        (
            prop_oneof![
                10 => select(vec!["id", "title", "severity", "applies_to", "help", "description", "enforcement", "tags"]),
                1 => select(vec!["ID", "sev", "\"quoted\"", "check"]),
            ],
            select(RHAI_VALUES),
        ),
        0..9,
    );
    (
        entries,
        prop::option::weighted(0.85, select(RHAI_BODIES)),
        prop::option::weighted(0.4, select(RHAI_BODIES)),
        any::<bool>(),
    )
        .prop_map(|(entries, check, report, helper)| {
            let rule: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let mut src = format!("const RULE = #{{ {} }};\n", rule.join(", "));
            if helper {
                src.push_str("fn f(n) { f(n) }\n");
            }
            if let Some(body) = check {
                src.push_str(&format!("fn check(x) {{ {body} }}\n"));
            }
            if let Some(body) = report {
                src.push_str(&format!("fn check_report(x) {{ {body} }}\n"));
            }
            src
        })
        .boxed()
}

/// Policy compilation with arbitrary source; a policy that compiles is then put through the
/// static checks and run over the sample reports.
#[test]
pub(crate) fn policy_compile() {
    let strategy = || {
        let seeds = Arc::new(files(
            &[
                "policies",
                "tests/fixtures/policies",
                "tests/fixtures/policy-tests",
                "src/init",
            ],
            &[".rhai"],
        ));
        prop_oneof![
            1 => arbitrary_text(),
            4 => mutated(seeds, RHAI_TOKENS),
            4 => policy_source(),
            2 => (policy_source(), prop::collection::vec(edit(), 1..4))
                .prop_map(|(src, edits)| lossy(apply(src.as_bytes(), &[], RHAI_TOKENS, &edits))),
        ]
    };
    // A smaller budget for `check_report` than the default 50 million operations, so that a
    // generated endless loop costs milliseconds, not seconds.
    let limits = Limits {
        report_operations: 200_000,
        ..Limits::default()
    };
    let globals = Globals {
        params: rhai::Map::new(),
        now: 1_795_428_000_000,
    };
    let reports = sample_reports();
    fuzz("policy_compile", strategy, |text| {
        match policy::compile(
            Path::new("fuzz.rhai"),
            text.as_str().into(),
            &limits,
            &globals,
        ) {
            Ok(policy) => {
                // The static checks read any tree that compiles without panicking, and
                // what they refuse renders; the policy still runs, as their mistakes are
                // also caught when they run.
                if let Err(err) = policy::lint::check(&policy, &globals.params) {
                    check_rejection(&err)?;
                }
                let out = policy::evaluate(std::slice::from_ref(&policy), reports);
                for err in &out.errors {
                    check_rejection(err)?;
                }
                Ok(Verdict::Accepted)
            }
            Err(err) => rejected(&err),
        }
    });
}

/// The shipped policies, compiled once for each of a few sets of parameters.
pub(crate) fn shipped_policies() -> &'static Vec<Vec<Policy>> {
    static POLICIES: OnceLock<Vec<Vec<Policy>>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let params = |pairs: &[(&str, rhai::Dynamic)]| -> rhai::Map {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect()
        };
        let sets = [
            params(&[("prod_groups", vec![rhai::Dynamic::from("prod")].into())]),
            params(&[]),
            // Odd values of the right kinds (a param of another kind than its default does
            // not load at all): a group list of a number, a negative float ceiling, the
            // largest age.
            params(&[
                ("prod_groups", vec![rhai::Dynamic::from(5_i64)].into()),
                ("max_noncompliant_percent", rhai::Dynamic::from(-0.5_f64)),
                ("max_evidence_age_hours", rhai::Dynamic::from(i64::MAX)),
            ]),
        ];
        sets.into_iter()
            .enumerate()
            .map(|(i, params)| {
                let globals = Globals {
                    params,
                    now: [1_795_428_000_000, 0, i64::MIN][i],
                };
                policy::load(&[root().join("policies")], &Limits::default(), &globals).unwrap()
            })
            .collect()
    })
}

/// What an evaluation produced, in order, for comparing two runs.
pub(crate) fn summary(out: &policy::Evaluation) -> Vec<String> {
    let mut lines: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {} {}",
                f.rule.id, f.fingerprint, f.level, f.severity, f.message
            )
        })
        .collect();
    lines.extend(out.errors.iter().map(|e| format!("error {e}")));
    lines.push(format!("{} errors, {} calls", out.error_count, out.calls));
    lines
}

/// The shipped policies over reports built from generated records; one case in two is also
/// run on a single thread, which must give the same findings in the same order.
#[test]
pub(crate) fn evaluation() {
    let strategy = || {
        let doc = prop_oneof![2 => any_document(0, 12), 1 => any_document(1, 12)];
        let docs = prop::collection::vec((doc, 0..2u8), 1..4);
        (docs, 0..3usize, any::<bool>())
    };
    let serial = pool(1);
    let checked = AtomicU64::new(0);
    let found = AtomicU64::new(0);
    fuzz("evaluation", strategy, |(docs, params, compare)| {
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
            match report::load_all(&input, options) {
                Ok(loaded) => reports.extend(loaded.into_iter().map(Arc::new)),
                Err(err) => check_rejection(&err)?,
            }
        }
        let policies = &shipped_policies()[params];
        let out = policy::evaluate(policies, &reports);
        found.fetch_add(out.findings.len() as u64, Ordering::Relaxed);
        for err in &out.errors {
            check_rejection(err)?;
        }
        if compare && !reports.is_empty() {
            checked.fetch_add(1, Ordering::Relaxed);
            let alone = serial.install(|| policy::evaluate(policies, &reports));
            prop_assert_eq!(
                summary(&out),
                summary(&alone),
                "one thread and many disagree"
            );
        }
        Ok(if reports.is_empty() {
            Verdict::Rejected
        } else {
            Verdict::Accepted
        })
    });
    eprintln!(
        "fuzz evaluation: {} findings in all; {} cases compared with a single-threaded run",
        found.load(Ordering::Relaxed),
        checked.load(Ordering::Relaxed)
    );
}
