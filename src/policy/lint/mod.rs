//! Static checks of a compiled policy, run when policies load (`check`, `rules` and `test`
//! alike), before any report is read: a mistake in a branch that no report has reached yet
//! is found the first time the policy loads, not the first time the branch runs.
//!
//! What is checked, in every function of the policy:
//! - each property read (`node.group`, `node.missing.critical`) and string-literal index
//!   read (`node["group"]`) on a value known to be the resource `check` is given, the
//!   report `check_report` is given, an item of `report.resources`, or patch counts, against
//!   the fields of the kinds in `applies_to` (`reads`);
//! - `param("name")` without a default against `[params]`, and the shape of literal
//!   `deny`/`warn` arguments (`calls`).
//!
//! What cannot be followed statically (a resource handed to another function or stored in
//! a map, a computed name, the keys of plain maps such as `raw`) is left to the run-time
//! checks of `engine`, and listed in the policy's [`Lint`] for `tollgate rules -v`.
//!
//! The syntax tree is Rhai's `internals` API, which Rhai does not cover by semver: the
//! version is pinned exactly in Cargo.toml, and this module's tests are what an upgrade
//! must pass.

mod calls;
mod reads;

use std::collections::HashSet;
use std::fmt;

use rhai::{ASTNode, Position, Stmt, AST};

use super::{engine, Globals, Limits, Policy};
use crate::error::{self, Error};
use crate::model::resource::{ResourceKind, Text};

/// What the static checks made of one policy that loaded: how many reads they checked, and
/// which reads they left to run time. Built by [`check`]; one per [`Policy`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lint {
    /// Reads checked against the fields of the rule's kinds when the policy loaded.
    pub checked: usize,
    /// Reads on a resource, report or counts that the checks could not settle, in source
    /// order: they are checked when they run.
    pub deferred: Vec<Deferred>,
}

/// One read left to run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    /// 1-based line and column (in characters) of the read in the policy file.
    pub line: usize,
    pub column: usize,
    /// The read as written, e.g. `node.raw.InstanceId` or `report.resources` (for a value
    /// handed on).
    pub read: String,
    pub why: Why,
}

/// Why a read is left to run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// A key of a plain map (`raw`, `tags`, `columns`, `headers`, `results`): a key it
    /// lacks reads as `()`, which is no mistake to report.
    PlainMap(&'static str),
    /// A name that is not a fixed field of `pack_result`, so it may be one of the sheet's
    /// columns, which only the report knows.
    Column,
    /// A field of some of the rule's kinds but not of these: reading it on one of them is
    /// an error at run time, unless a guard (on `kind`, say) keeps them away.
    SomeKinds(Vec<ResourceKind>),
    /// An index that is not a string literal (`node[name]`, `node.missing[sev]`).
    ComputedName,
    /// The value is handed to a function (a policy's own, or a built-in such as `filter`
    /// that calls back into the policy): what is read from it there is not followed.
    PassedTo(String),
    /// The value is put in an array or map: reads through that are not followed.
    Stored,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::PlainMap(map) => write!(
                f,
                "`{map}` is a plain map, whose keys are the report's: a key it lacks reads as ()"
            ),
            Why::Column => f.write_str(
                "not a fixed field of pack_result, so it may be a column of the sheet: checked when it runs",
            ),
            Why::SomeKinds(kinds) => {
                let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                write!(
                    f,
                    "not a field of {}, where reading it is an error when it runs: a guard (on `kind`, say) must keep those resources away",
                    kinds.join(" or ")
                )
            }
            Why::ComputedName => f.write_str("the name is computed: checked when it runs"),
            Why::PassedTo(function) if function == "curry" => {
                f.write_str("captured by a closure: what the closure reads is checked when it runs")
            }
            Why::PassedTo(function) => write!(
                f,
                "passed to `{function}()`: what is read from it there is checked when it runs"
            ),
            Why::Stored => f.write_str(
                "put in an array or map: what is read from it there is checked when it runs",
            ),
        }
    }
}

/// Which check a problem fails; each is its own diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    /// A field no kind in `applies_to` has (`tollgate::policy::unknown_field`).
    Field,
    /// `param("name")` without a default, for a param that is not set (`tollgate::policy::param`).
    Param,
    /// A `deny`/`warn`/`param` call of a shape the built-in rejects (`tollgate::policy::call`).
    Call,
}

/// A mistake found, before it is turned into an [`Error`] with the policy's source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    code: Code,
    pos: Position,
    /// Bytes to underline from `pos`.
    len: usize,
    reason: String,
    hint: Option<String>,
}

/// What every check needs to know about the policy.
struct Context<'a> {
    /// The policy's own functions by name and arity: a call to one of these is not a
    /// built-in's, whatever its name.
    scripted: HashSet<(String, usize)>,
    /// `[params]` as the policy is run with (a test file's pinned `PARAMS` under `tollgate test`).
    params: &'a rhai::Map,
}

impl Context<'_> {
    fn is_scripted(&self, name: &str, arity: usize) -> bool {
        self.scripted.contains(&(name.to_string(), arity))
    }
}

/// Run the static checks on a compiled policy whose `[params]` are `params`. Every mistake
/// is reported at once: one diagnostic, or [`Error::PolicyChecks`] holding one per mistake,
/// in source order.
pub fn check(policy: &Policy, params: &rhai::Map) -> Result<Lint, Error> {
    let ast = unoptimized(policy);
    let cx = Context {
        scripted: ast
            .iter_functions()
            .map(|f| (f.name.to_string(), f.params.len()))
            .collect(),
        params,
    };
    let mut found = reads::Found::default();
    for f in ast.iter_functions() {
        let first = match (f.name, f.params.len()) {
            ("check", 1) => reads::Ty::resource(&policy.rule),
            ("check_report", 1) => reads::Ty::report(&policy.rule),
            _ => reads::Ty::Unknown,
        };
        let params: Vec<(&str, reads::Ty)> = f
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    *p,
                    if i == 0 {
                        first.clone()
                    } else {
                        reads::Ty::Unknown
                    },
                )
            })
            .collect();
        let body = body_of(&ast, f.name, f.params.len());
        reads::Walker::new(&cx, &mut found).function(&params, &body);
    }
    let reads::Found {
        checked,
        mut deferred,
        mut problems,
    } = found;
    problems.sort_by(|a, b| {
        let key = |p: &Problem| (p.pos.line(), p.pos.position(), p.reason.clone());
        key(a).cmp(&key(b))
    });
    problems.dedup();
    deferred.sort_by(|a, b| (a.line, a.column, &a.read).cmp(&(b.line, b.column, &b.read)));
    deferred.dedup();
    let mut errors: Vec<Error> = problems
        .into_iter()
        .map(|p| to_error(&policy.name, &policy.src, p))
        .collect();
    match errors.len() {
        0 => Ok(Lint { checked, deferred }),
        1 => Err(errors.remove(0)),
        _ => Err(Error::PolicyChecks {
            name: policy.name.clone(),
            errors,
        }),
    }
}

/// The policy's syntax tree as written. The tree the policy runs from is optimized: Rhai
/// folds a map of literals (`#{ severity: "hgh" }`) into one value, which loses where each
/// key is. The text compiled once already, so it compiles again; should it not, the
/// optimized tree is checked instead.
fn unoptimized(policy: &Policy) -> AST {
    let mut parser = engine::sandboxed(
        &Limits::default(),
        1,
        1,
        engine::globals_module(&Globals::default(), Vec::new()),
        "",
    );
    // The text passed the policy's own limits when it was compiled: lift them (0 is
    // unlimited) rather than repeat them.
    parser
        .set_optimization_level(rhai::OptimizationLevel::None)
        .set_max_expr_depths(0, 0)
        .set_max_string_size(0)
        .set_max_array_size(0)
        .set_max_map_size(0);
    parser
        .compile(&*policy.src)
        .unwrap_or_else(|_| policy.ast.clone())
}

/// The statements of one of the policy's functions. Rhai does not export the type of a
/// function's body, so the body is reached through `AST::walk` over an AST that holds only
/// that function.
pub(in crate::policy) fn body_of(ast: &AST, name: &str, arity: usize) -> Vec<Stmt> {
    let mut one = ast.clone();
    one.clear_statements();
    one.retain_functions(|_, _, n, a| n == name && a == arity);
    let mut body = Vec::new();
    one.walk(&mut |path: &[ASTNode]| {
        if let [ASTNode::Stmt(stmt)] = path {
            body.push((*stmt).clone());
        }
        true
    });
    body
}

fn to_error(name: &str, src: &Text, p: Problem) -> Error {
    let at = match (p.pos.line(), p.pos.position()) {
        (Some(line), column) => {
            let start = error::span_at(src, line, column.unwrap_or(1)).offset();
            (start, p.len.min(src.len().saturating_sub(start)).max(1)).into()
        }
        (None, _) => (0, 0).into(),
    };
    let (name, src) = (name.to_string(), error::source(name, src));
    let (reason, hint) = (p.reason, p.hint);
    match p.code {
        Code::Field => Error::PolicyField {
            name,
            src,
            at,
            reason,
            hint,
        },
        Code::Param => Error::PolicyParam {
            name,
            src,
            at,
            reason,
            hint,
        },
        Code::Call => Error::PolicyCall {
            name,
            src,
            at,
            reason,
            hint,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use rhai::Dynamic;

    use super::*;
    use crate::model::{Input, ReportOrigin};
    use crate::policy::{compile, evaluate};
    use crate::report::LoadOptions;

    /// A policy with this `applies_to` list (the text between the brackets) and body.
    fn policy(applies_to: &str, body: &str) -> Policy {
        let src = format!(
            "const RULE = #{{ id: \"T-1\", severity: \"high\", applies_to: [{applies_to}] }};\n{body}"
        );
        compile(
            Path::new("t.rhai"),
            src.into(),
            &Limits::default(),
            &Globals::default(),
        )
        .unwrap()
    }

    /// `[params]` with these names set.
    fn params(names: &[&str]) -> rhai::Map {
        names
            .iter()
            .map(|n| ((*n).into(), Dynamic::from(1_i64)))
            .collect()
    }

    fn lint(applies_to: &str, body: &str) -> Result<Lint, Error> {
        check(&policy(applies_to, body), &params(&[]))
    }

    /// The body of a `check(node)` for `patch_node` passes the checks.
    fn passes(body: &str) -> Lint {
        match lint(r#""patch_node""#, body) {
            Ok(lint) => lint,
            Err(e) => panic!("{body}: {:?}", miette::Report::new(e)),
        }
    }

    /// Each problem as `code line:column `underlined` reason [help]`, in order, in `text`.
    fn problems(err: &Error, text: &str) -> Vec<String> {
        let leaves: Vec<&Error> = match err {
            Error::PolicyChecks { errors, .. } => errors.iter().collect(),
            one => vec![one],
        };
        leaves
            .into_iter()
            .map(|e| {
                let (at, reason, hint) = match e {
                    Error::PolicyField {
                        at, reason, hint, ..
                    }
                    | Error::PolicyParam {
                        at, reason, hint, ..
                    }
                    | Error::PolicyCall {
                        at, reason, hint, ..
                    } => (at, reason, hint),
                    other => panic!("not a static check: {other:?}"),
                };
                let line = error::line_of(text, at.offset());
                let line_start = text[..at.offset()].rfind('\n').map_or(0, |i| i + 1);
                let column = text[line_start..at.offset()].chars().count() + 1;
                let code = miette::Diagnostic::code(e).unwrap().to_string();
                let under = &text[at.offset()..at.offset() + at.len()];
                let help = hint.as_ref().map(|h| format!(" [{h}]")).unwrap_or_default();
                format!("{code} {line}:{column} `{under}` {reason}{help}")
            })
            .collect()
    }

    /// The problems the body of a `check(node)` for `patch_node` has.
    fn fails(body: &str) -> Vec<String> {
        fails_in(r#""patch_node""#, body)
    }

    fn fails_in(applies_to: &str, body: &str) -> Vec<String> {
        let p = policy(applies_to, body);
        match check(&p, &params(&[])) {
            Ok(lint) => panic!("{body}: expected a problem, passed with {lint:?}"),
            Err(e) => problems(&e, &p.src),
        }
    }

    fn deferred(lint: &Lint) -> Vec<String> {
        lint.deferred
            .iter()
            .map(|d| format!("{}:{} {} / {:?}", d.line, d.column, d.read, d.why))
            .collect()
    }

    #[test]
    fn a_typo_on_the_parameter_is_found_though_the_branch_never_runs() {
        let found = fails(
            r#"fn check(node) {
    if node.group == "prod" && node.misisng.critical > 0 {
        deny("critical")
    }
}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "tollgate::policy::unknown_field 3:37 `misisng` a patch_node resource has no field `misisng` (did you mean `missing`?) [the fields are: kind, provider, source, id, name, region, group, status, reported_at, missing, compliant, os, "
            ),
            "{found:?}"
        );
    }

    #[test]
    fn typos_through_aliases_loops_and_literal_indexes_are_found() {
        let through = |body: &str| fails(&format!("fn check(node) {{\n{body}\n}}"));
        let alias = through("let n = node;\nlet m = n;\nm.grup");
        assert!(
            alias[0].starts_with("tollgate::policy::unknown_field 5:3 `grup`"),
            "{alias:?}"
        );
        assert!(alias[0].contains("did you mean `group`?"), "{alias:?}");
        let index = through(r#"node["grup"]"#);
        assert!(
            index[0].contains(r#"3:6 `"grup"` a patch_node resource has no field `grup`"#),
            "{index:?}"
        );
        let counts = through("node.missing.critcal > 0");
        assert!(
            counts[0].starts_with("tollgate::policy::unknown_field 3:14 `critcal` patch counts has no field `critcal` (did you mean `critical`?) [the fields are: critical, high, medium, low, info, unspecified, total]"),
            "{counts:?}"
        );
        let counts = through(r#"let c = node.compliant; c["hihg"]"#);
        assert!(
            counts[0].contains("patch counts has no field `hihg` (did you mean `high`?)"),
            "{counts:?}"
        );
        // In every branch, loop and block, and in a switch.
        for body in [
            "if node.group == () { 1 } else if node.id == \"a\" { node.nmae }",
            "while false { node.nmae; }",
            "loop { if node.nmae == 1 { break; } }",
            "{ let x = 1; { node.nmae } }",
            "switch node.id { \"a\" => 1, _ => node.nmae }",
            "let label = node.name ?? node.nmae;",
            "let s = `${node.nmae}`;",
            "let a = [1, node.nmae];",
            "return #{ v: node.nmae };",
            "deny(`x`, #{ key: node.nmae })",
        ] {
            let found = through(body);
            assert!(
                found[0].contains("has no field `nmae` (did you mean `name`?)"),
                "{body}: {found:?}"
            );
        }
    }

    #[test]
    fn typos_in_check_report_are_found_on_the_report_and_its_resources() {
        let body = |text: &str| format!("fn check_report(report) {{\n{text}\n}}");
        let report = fails(&body("report.cuont"));
        assert!(
            report[0].starts_with("tollgate::policy::unknown_field 3:8 `cuont` the report has no field `cuont` (did you mean `count`?) [the fields are: kind, resource_kind, provider, name, count, fetched_at, resources, results, raw]"),
            "{report:?}"
        );
        let looped = fails(&body(
            "let bad = 0;\nfor r in report.resources { if r.stauts == \"x\" { bad += 1; } }",
        ));
        assert!(looped[0].contains("4:34 `stauts` a patch_node resource has no field `stauts` (did you mean `status`?)"), "{looped:?}");
        let indexed = fails(&body(
            "let all = report.resources;\nlet first = all[0];\nfirst.missing.hgih",
        ));
        assert!(
            indexed[0].contains("patch counts has no field `hgih`"),
            "{indexed:?}"
        );
        let counter = fails(&body("for (r, i) in report.resources { r.idd }"));
        assert!(counter[0].contains("has no field `idd`"), "{counter:?}");
    }

    #[test]
    fn scan_finding_reads_are_checked_when_the_policy_loads() {
        let scan = lint(
            r#""scan_finding""#,
            "fn check(f) { [f.check_id, f.severity, f.account, f.controls[\"CIS-1.0\"], f.finding_status, f.provider] }",
        )
        .unwrap();
        // Every field is checked; the framework read through `controls` is left to run
        // time, where a framework the finding lacks reads as ().
        assert_eq!(scan.checked, 6, "{scan:?}");
        assert_eq!(
            deferred(&scan),
            ["2:62 f.controls[\"CIS-1.0\"] / PlainMap(\"controls\")"]
        );
        let found = fails_in(r#""scan_finding""#, "fn check(f) { f.check }");
        assert!(
            found[0].contains(
                "a scan_finding resource has no field `check` (did you mean `check_id`?)"
            ),
            "{found:?}"
        );
        // A patch node's field on a scan finding is caught too.
        let found = fails_in(r#""scan_finding""#, "fn check(f) { f.missing.critical }");
        assert!(
            found[0].contains("a scan_finding resource has no field `missing`"),
            "{found:?}"
        );
    }

    #[test]
    fn a_field_of_no_kind_in_applies_to_is_an_error_and_of_some_is_left_to_run_time() {
        // `missing` is a patch_node field; a patch_item has none.
        let found = fails_in(r#""patch_item""#, "fn check(item) { item.missing }");
        assert!(
            found[0].contains("a patch_item resource has no field `missing`; [")
                || found[0].contains("a patch_item resource has no field `missing` ["),
            "{found:?}"
        );
        let found = fails_in(
            r#""patch_item", "config_rule""#,
            "fn check(r) { r.missnig }",
        );
        assert!(
            found[0].contains("a patch_item or config_rule resource has no field `missnig`"),
            "{found:?}"
        );
        // On some of the kinds only: a guard may protect it, so it loads, and is listed.
        let some = lint(
            r#""patch_node", "config_rule""#,
            "fn check(r) {\n if r.kind == \"patch_node\" { r.missing.critical } else { r.noncompliant_resources }\n}",
        )
        .unwrap();
        assert_eq!(
            deferred(&some),
            [
                "3:32 r.missing / SomeKinds([ConfigRule])",
                "3:60 r.noncompliant_resources / SomeKinds([PatchNode])"
            ]
        );
        // `kind`, and the counts behind `missing`, are checked.
        assert_eq!(some.checked, 2);
    }

    #[test]
    fn pack_result_columns_are_accepted_and_left_to_run_time() {
        let rows = lint(
            r#""pack_result""#,
            "fn check(row) { [row.rule_name, row[\"risk_level\"], row.columns.rule_id, row.sheet, row.status] }",
        )
        .unwrap();
        assert_eq!(
            deferred(&rows),
            [
                "2:22 row.rule_name / Column",
                "2:37 row[\"risk_level\"] / Column",
                "2:64 row.columns.rule_id / PlainMap(\"columns\")"
            ]
        );
        assert_eq!(rows.checked, 3, "columns, sheet and status");
        // Every kind (no applies_to) includes pack_result rows: a name no fixed kind has may
        // be a column there, and is an error on the others only when it runs.
        let every = lint("", "fn check(r) { r.misisng }").unwrap();
        assert!(
            matches!(&every.deferred[0].why, Why::SomeKinds(k) if k.len() == 5),
            "{every:?}"
        );
        // A fixed field that no kind has and no column could be is still caught.
        let found = fails_in(
            r#""patch_node", "pack_result""#,
            "fn check(r) { r.missing.crit }",
        );
        assert!(
            found[0].contains("patch counts has no field `crit`"),
            "{found:?}"
        );
    }

    #[test]
    fn reads_that_cannot_be_followed_are_listed() {
        let notes = lint(
            r#""config_rule""#,
            r#"fn describe(rule) { rule.anything }
fn check(rule) {
    let os = rule.raw.Os;
    let team = rule.tags["team"];
    let name = "state";
    let state = rule[name];
    let label = describe(rule);
    let all = [rule];
    let copy = #{ of: rule };
    let found = [];
    found.push(rule);
    deny("x", #{ resource: rule })
}
fn check_report(report) {
    let totals = report.results.resource_details;
    let bad = report.resources.filter(|r| r.status == "non_compliant");
    let more = report.resources.filter(|r| r.name == rule_name(report));
}
fn rule_name(report) { report.name }"#,
        )
        .unwrap();
        assert_eq!(
            deferred(&notes),
            [
                "4:23 rule.raw.Os / PlainMap(\"raw\")",
                "5:26 rule.tags[\"team\"] / PlainMap(\"tags\")",
                "7:22 rule[name] / ComputedName",
                "8:26 rule / PassedTo(\"describe\")",
                "9:16 rule / Stored",
                "10:23 rule / Stored",
                "12:16 rule / PassedTo(\"push\")",
                "16:33 report.results.resource_details / PlainMap(\"results\")",
                "17:32 report.resources / PassedTo(\"filter\")",
                "18:33 report.resources / PassedTo(\"filter\")",
                "18:64 report / PassedTo(\"curry\")",
            ]
        );
        // What it did check: raw, tags, results, resources (twice)... and not the helper's
        // own parameter, nor the closures'.
        assert_eq!(notes.checked, 5);
    }

    #[test]
    fn a_variable_given_something_else_is_no_longer_checked() {
        passes("fn check(node) { let n = node; n = #{ misisng: 1 }; n.misisng }");
        passes("fn check(node) { let n = node; if node.id == \"a\" { n = #{}; } n.misisng }");
        passes("fn check(node) { let n = node; n += 1; n.misisng }");
        // A parameter of the same name in an inner scope, and a shadowing `let`.
        passes("fn check(node) { let node = #{ misisng: 1 }; node.misisng }");
        // Assigned later in a loop: unknown in all of it (the walk does not know which
        // round it is in).
        passes("fn check(node) { let x = node; for i in 0..3 { x.misisng; x = #{}; } }");
        // But both arms agreeing keeps the type, and a shadow ends with its block.
        let found = fails(
            "fn check(node) { let n = 1; if node.id == \"a\" { n = node; } else { n = node; } n.misisng }",
        );
        assert!(found[0].contains("no field `misisng`"), "{found:?}");
        let found = fails("fn check(node) { { let node = #{}; node.x; } node.misisng }");
        assert!(found[0].contains("no field `misisng`"), "{found:?}");
        // A resource found in a loop and kept.
        let found = fails_in(
            r#""config_rule""#,
            "fn check_report(report) {\n let worst = report.resources[0];\n for r in report.resources { if r.noncompliant_resources > 0 { worst = r; } }\n worst.nmae\n}",
        );
        assert!(found[0].contains("5:8 `nmae`"), "{found:?}");
    }

    #[test]
    fn helpers_parameters_are_not_assumed_to_be_resources() {
        passes("fn helper(node) { node.misisng }\nfn check(node) { helper(node) }");
        passes("fn check(node) { try { throw 1; } catch (node) { node.misisng } }");
        passes("fn check(node) { let f = |n| n.misisng; f.call(node) }");
    }

    #[test]
    fn a_param_without_a_default_must_be_set() {
        let body = r#"fn check(node) { node.group in param("prod_groups") }"#;
        let found = fails(body);
        assert_eq!(
            found,
            ["tollgate::policy::param 2:38 `\"prod_groups\"` param `prod_groups` is not set [add `prod_groups = ...` under [params] in tollgate.toml, pass --param prod_groups=VALUE, or give a default: param(\"prod_groups\", DEFAULT)]"]
        );
        let p = policy(r#""patch_node""#, body);
        assert!(check(&p, &params(&["prod_groups"])).is_ok());
        // A default, a computed name, or the policy's own `param`: nothing to judge.
        passes(r#"fn check(node) { node.group in param("prod_groups", ["prod"]) }"#);
        passes(r#"fn check(node) { let k = "x"; param(k) }"#);
        passes("fn param(name) { name }\nfn check(node) { param(\"anything\") }");
        // A call no `param` takes.
        for call in ["param()", "param(5)", "param(\"a\", 1, 2)"] {
            let found = fails(&format!("fn check(node) {{ {call} }}"));
            assert!(
                found[0].starts_with("tollgate::policy::call 2:18 `param` param takes a name"),
                "{call}: {found:?}"
            );
        }
    }

    #[test]
    fn deny_and_warn_calls_of_the_wrong_shape_are_found() {
        for (call, says) in [
            ("deny()", "tollgate::policy::call 2:18 `deny` deny takes a message, and optionally a map of finding keys: deny(\"text\") or deny(\"text\", #{ severity: \"high\", properties: #{} }); it was given no arguments"),
            ("warn(\"a\", #{}, 3)", "`warn` warn takes a message, and optionally a map of finding keys: warn(\"text\") or warn(\"text\", #{ severity: \"high\", properties: #{} }); it was given 3 arguments"),
            ("deny(5)", "`deny` deny takes a message, and optionally a map of finding keys: deny(\"text\") or deny(\"text\", #{ severity: \"high\", properties: #{} }); it was given (i64)"),
            ("deny(#{ severity: \"low\" }, \"msg\")", "; the message comes first"),
            ("deny(\"msg\", \"high\")", "; it was given (string, string)"),
            ("deny(\"msg\", [1])", "; it was given (string, array)"),
            ("deny(node.id, 5)", "; its second argument is a i64"),
            ("deny(true, node.id)", "; its message is a bool"),
            ("deny(\"m\", #{ sevrity: \"high\" })", "2:31 `sevrity` deny: a finding has no key `sevrity` (did you mean `severity`?); the keys deny takes are: severity, properties, key, resource"),
            ("deny(\"m\", #{ severity: \"urgent\" })", "2:41 `\"urgent\"` deny: \"urgent\" is not a severity (critical, high, medium, low, info)"),
            ("warn(\"m\", #{ severity: 3 })", "warn: `severity` must be a string, not i64"),
            ("deny(\"m\", #{ properties: [1] })", "2:43 `[` deny: `properties` must be a map, not array"),
            ("deny(\"m\", #{ message: node.id })", "2:31 `message` deny: `message` is set by deny itself; give the message as the first argument"),
            ("deny(\"m\", #{ action: \"warn\" })", "deny: `action` is set by deny itself"),
        ] {
            let found = fails(&format!("fn check(node) {{ {call} }}"));
            assert_eq!(found.len(), 1, "{call}: {found:?}");
            assert!(found[0].contains(says), "{call}: {found:?}");
        }
        // Computed arguments are judged when they run; the right shapes pass.
        for call in [
            "deny(\"a\")",
            "warn(`${node.id}`, #{ severity: \"low\", key: node.id, properties: #{ n: 1 }, resource: node })",
            "let m = \"x\"; let extra = #{}; deny(m, extra)",
            "let sev = \"high\"; deny(\"x\", #{ severity: sev, properties: node.raw })",
        ] {
            passes(&format!("fn check(node) {{ {call} }}"));
        }
        // The policy's own `deny` of that arity is not the built-in.
        passes("fn deny(a, b, c) { a }\nfn check(node) { deny(1, 2, 3) }");
    }

    #[test]
    fn every_problem_is_reported_in_source_order() {
        let p = policy(
            r#""patch_node""#,
            "fn check_report(report) { report.cuont }\nfn check(node) {\n  deny(5);\n  node.nmae\n}",
        );
        let err = check(&p, &params(&[])).unwrap_err();
        assert!(matches!(err, Error::PolicyChecks { .. }), "{err:?}");
        assert_eq!(err.to_string(), "policy t.rhai fails 3 static checks");
        let found = problems(&err, &p.src);
        let at: Vec<&str> = found.iter().map(|p| p.split(' ').nth(1).unwrap()).collect();
        assert_eq!(at, ["2:34", "4:3", "5:8"], "{found:?}");
    }

    #[test]
    fn the_shipped_policies_and_the_starter_pass_with_nothing_left_to_run_time() {
        let mut files = crate::policy::load::discover(&["policies".into()]).unwrap();
        files.push("src/init/starter.rhai".into());
        assert!(files.len() > 10, "{files:?}");
        for file in files {
            let src: Text = std::fs::read_to_string(&file).unwrap().into();
            let p = compile(&file, src, &Limits::default(), &Globals::default()).unwrap();
            let lint = match check(&p, &rhai::Map::new()) {
                Ok(lint) => lint,
                Err(e) => panic!("{}: {:?}", file.display(), miette::Report::new(e)),
            };
            assert!(lint.checked > 0, "{}", file.display());
            assert_eq!(lint.deferred, [], "{}", file.display());
        }
    }

    /// A report of three nodes, one in prod with critical patches missing.
    fn nodes() -> Vec<Arc<crate::model::Report>> {
        const NODES: &str = r#"{"count":2,"instance_compliant":[
            {"instance_id":"a","name":"web-1","group":"prod","non_compliant_summary":{"non_compliant_count":2,"severity_summary":{"critical_count":2}}},
            {"instance_id":"b","name":"web-2","group":"dev","non_compliant_summary":{"non_compliant_count":0,"severity_summary":{"critical_count":0}}}]}"#;
        let input = Input {
            origin: ReportOrigin::File("nodes.json".into()),
            text: NODES.into(),
        };
        vec![Arc::new(
            crate::report::load(&input, LoadOptions::default()).unwrap(),
        )]
    }

    /// What the static checks say about a body, and what the same body says when it runs.
    fn at_load_and_at_run_time(body: &str) -> (String, String) {
        let p = policy(r#""patch_node""#, body);
        let at_load = match check(&p, &params(&[])).unwrap_err() {
            Error::PolicyField { reason, hint, .. }
            | Error::PolicyParam { reason, hint, .. }
            | Error::PolicyCall { reason, hint, .. } => match hint {
                Some(hint) if hint.starts_with("the fields are: ") => format!("{reason} / {hint}"),
                Some(hint) => format!("{reason}: {hint}"),
                None => reason,
            },
            other => panic!("{other:?}"),
        };
        let evaluation = evaluate(std::slice::from_ref(&p), &nodes());
        let at_run_time = match evaluation.errors.first() {
            Some(Error::PolicyRuntime { reason, hint, .. }) => match hint {
                Some(hint) if hint.starts_with("the fields are: ") => format!("{reason} / {hint}"),
                _ => reason.clone(),
            },
            other => panic!("{body}: {other:?}"),
        };
        (at_load, at_run_time)
    }

    #[test]
    fn the_static_errors_read_as_the_run_time_errors_do() {
        for body in [
            "fn check(node) { node.misisng }",
            "fn check(node) { node.missing.critcal }",
            "fn check(node) { node[\"grup\"] }",
            "fn check(node) { param(\"nope\") }",
            "fn check(node) { deny(5) }",
            "fn check(node) { warn(#{ severity: \"low\" }, \"m\") }",
            "fn check(node) { deny(\"m\", \"x\") }",
            "fn check(node) { deny(\"m\", #{ sevrity: \"low\" }) }",
            "fn check(node) { deny(\"m\", #{ severity: \"urgent\" }) }",
            "fn check(node) { deny(\"m\", #{ message: \"m\" }) }",
        ] {
            let (at_load, at_run_time) = at_load_and_at_run_time(body);
            assert_eq!(at_load, at_run_time, "{body}");
        }
    }
}
