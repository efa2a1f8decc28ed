//! Running policies: `check` for every resource of a kind a rule applies to, and
//! `check_report` once per report, in parallel over resources (rayon). Each resource is
//! turned into its Rhai value once and shared by every policy. Outcomes are collected in
//! input order and findings sorted by rule id (stable), so the result is identical to a
//! single-threaded run.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, Engine, EvalAltResult, Scope};

use super::compiled::{Budget, GaveUp};
use super::engine::{ReportRef, ResourceRef, FINDING_KEYS};
use super::load::function_span;
use super::Policy;
use crate::error::{self, Error};
use crate::model::fingerprint;
use crate::model::resource::{Resource, ResourceKind};
use crate::model::Report;
use crate::model::Rule;
use crate::model::{Finding, Level, Severity, Subject};

/// At most this many errors are shown per rule; the rest are counted.
const ERRORS_SHOWN_PER_RULE: usize = 3;

/// What evaluation produced.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Findings sorted by rule id, then in report and resource order.
    pub findings: Vec<Finding>,
    /// Policy errors, a few per rule (see `error_count` for all of them).
    pub errors: Vec<Error>,
    /// Every failed policy call.
    pub error_count: usize,
    /// How many policy calls ran.
    pub calls: usize,
    /// Of those, how many the compiled engine finished.
    pub compiled: usize,
    /// How many compiled calls gave up and ran in the interpreter instead.
    pub fell_back: usize,
}

type Outcome = Result<Vec<Finding>, Error>;

/// What the policies said about one resource (or one report): its findings and errors in
/// policy order, and how many calls ran. Passing calls leave nothing behind; a
/// `Vec<Outcome>` per resource would hold an `Error`-sized slot for every call, which at
/// 100,000 nodes and five policies was 150 MB.
#[derive(Default)]
struct Batch {
    calls: usize,
    compiled: usize,
    fell_back: usize,
    findings: Vec<Finding>,
    errors: Vec<Error>,
}

impl Batch {
    fn add(&mut self, outcome: Outcome) {
        self.calls += 1;
        match outcome {
            Ok(findings) => self.findings.extend(findings),
            Err(err) => self.errors.push(err),
        }
    }
}

/// Evaluate every policy against every report.
pub fn evaluate(policies: &[Policy], reports: &[Arc<Report>]) -> Evaluation {
    let resources: Vec<&Arc<Resource>> = reports.iter().flat_map(|r| r.resources.iter()).collect();
    // The policies each kind of resource meets, worked out once rather than per resource.
    let by_kind: Vec<(ResourceKind, Vec<&Policy>)> = ResourceKind::ALL
        .into_iter()
        .map(|kind| {
            let applying = policies
                .iter()
                .filter(|p| p.check.is_some() && p.rule.applies_to(kind))
                .collect();
            (kind, applying)
        })
        .collect();
    let per_resource: Vec<Batch> = resources
        .par_iter()
        .map(|resource| {
            let kind = resource.kind();
            let applying = by_kind
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(&[][..], |(_, p)| p.as_slice());
            let mut batch = Batch::default();
            // Made for the interpreter when a policy needs it, once per resource.
            let mut value: Option<Dynamic> = None;
            for p in applying {
                let compiled = p.compiled.as_ref().and_then(|c| c.check.as_ref());
                let done = compiled.map(|f| f.check(resource, Budget::check(&p.limits)));
                let subject = || Subject::Resource(Arc::clone(resource));
                match done {
                    Some(Ok(_)) => batch.compiled += 1,
                    Some(Err(GaveUp)) => batch.fell_back += 1,
                    None => {}
                }
                let outcome = match done {
                    Some(Ok(None)) => {
                        batch.calls += 1;
                        continue;
                    }
                    Some(Ok(Some(returned))) => judge(p, "check", returned, &subject(), None),
                    Some(Err(GaveUp)) | None => {
                        let Some(engine) = p.check.as_ref() else {
                            continue;
                        };
                        let arg = value
                            .get_or_insert_with(|| Dynamic::from(ResourceRef(Arc::clone(resource))))
                            .clone();
                        run(p, engine, "check", arg, subject(), None)
                    }
                };
                batch.add(outcome);
            }
            batch
        })
        .collect();
    let per_report: Vec<Batch> = reports
        .par_iter()
        .map(|report| {
            let mut batch = Batch::default();
            for p in policies.iter().filter(|p| p.rule.reads(report.kind)) {
                let Some(engine) = p.check_report.as_ref() else {
                    continue;
                };
                let subject = Subject::Report {
                    kind: report.kind,
                    origin: report.origin.clone(),
                };
                let compiled = p.compiled.as_ref().and_then(|c| c.check_report.as_ref());
                let done =
                    compiled.map(|f| f.check_report(report, Budget::check_report(&p.limits)));
                match done {
                    Some(Ok(_)) => batch.compiled += 1,
                    Some(Err(GaveUp)) => batch.fell_back += 1,
                    None => {}
                }
                let outcome = match done {
                    Some(Ok(None)) => Ok(Vec::new()),
                    Some(Ok(Some(returned))) => {
                        judge(p, "check_report", returned, &subject, Some(report))
                    }
                    Some(Err(GaveUp)) | None => {
                        let arg = Dynamic::from(ReportRef(Arc::clone(report)));
                        run(p, engine, "check_report", arg, subject, Some(report))
                    }
                };
                batch.add(outcome);
            }
            batch
        })
        .collect();

    let mut out = Evaluation::default();
    let mut shown: HashMap<String, usize> = HashMap::new();
    // Findings by rule id, each rule's in the order they were found: what a stable sort by
    // rule id gives, without moving every finding log n times.
    let mut ids: Vec<&str> = policies.iter().map(|p| p.rule.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut by_rule: Vec<Vec<Finding>> = ids.iter().map(|_| Vec::new()).collect();
    for batch in per_resource.into_iter().chain(per_report) {
        out.calls += batch.calls;
        out.compiled += batch.compiled;
        out.fell_back += batch.fell_back;
        for finding in batch.findings {
            match ids.binary_search(&finding.rule.id.as_str()) {
                Ok(i) => by_rule[i].push(finding),
                // Every finding is of one of these policies' rules; were one not, it
                // would still be kept, and sorted below.
                Err(_) => out.findings.push(finding),
            }
        }
        for err in batch.errors {
            out.error_count += 1;
            let rule = rule_of(&err);
            let n = shown.entry(rule).or_default();
            if *n < ERRORS_SHOWN_PER_RULE {
                out.errors.push(err);
            }
            *n += 1;
        }
    }
    let strays = std::mem::take(&mut out.findings);
    out.findings = by_rule.into_iter().flatten().chain(strays).collect();
    out.findings.sort_by(|a, b| a.rule.id.cmp(&b.rule.id)); // already in order: one pass
    out
}

fn rule_of(err: &Error) -> String {
    match err {
        Error::PolicyRuntime { rule, .. } | Error::PolicyBudget { rule, .. } => rule.clone(),
        _ => String::new(),
    }
}

/// One call in the interpreter.
fn run(
    policy: &Policy,
    engine: &Engine,
    function: &str,
    arg: Dynamic,
    subject: Subject,
    report: Option<&Arc<Report>>,
) -> Outcome {
    let mut scope = Scope::new();
    let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
    let value = engine
        .call_fn_with_options::<Dynamic>(options, &mut scope, &policy.ast, function, (arg,))
        .map_err(|e| runtime_error(policy, &subject, &e))?;
    judge(policy, function, value, &subject, report)
}

/// The findings what a call returned stands for, whichever engine ran it.
fn judge(
    policy: &Policy,
    function: &str,
    value: Dynamic,
    subject: &Subject,
    report: Option<&Arc<Report>>,
) -> Outcome {
    let lookup = match report {
        Some(report) => Lookup::Report(report),
        None => Lookup::None,
    };
    collect(&policy.rule, value, subject, lookup).map_err(|reason| Error::PolicyRuntime {
        rule: policy.rule.id.clone(),
        subject: subject.describe(),
        at: function_span(&policy.src, function),
        src: error::source(&policy.name, &policy.src),
        reason,
        hint: Some(
            "return () to pass, or a finding: a string, deny(msg), warn(msg), a map with a `message`, or an array of these".into(),
        ),
    })
}

/// How a finding's `resource: "id"` is resolved.
#[derive(Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// In `check`: ids are not accepted (return the resource itself).
    None,
    /// In `check_report`: the id must name a resource of this report.
    Report(&'a Arc<Report>),
    /// In `tollgate test`: the id is taken as given, unresolved.
    AsGiven,
}

/// Turn what a policy returned into findings, or say why it is not a finding.
pub(crate) fn collect(
    rule: &Arc<Rule>,
    value: Dynamic,
    subject: &Subject,
    lookup: Lookup<'_>,
) -> Result<Vec<Finding>, String> {
    if value.is_unit() {
        return Ok(Vec::new());
    }
    if value.is_array() {
        let items = value.into_array().map_err(|t| format!("returned {t}"))?;
        let mut findings = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if item.is_unit() {
                continue;
            }
            if item.is_array() {
                return Err(format!("item {i} of the returned array is itself an array"));
            }
            findings.push(one(rule, item, subject, lookup).map_err(|e| format!("item {i}: {e}"))?);
        }
        return Ok(findings);
    }
    Ok(vec![one(rule, value, subject, lookup)?])
}

fn one(
    rule: &Arc<Rule>,
    value: Dynamic,
    subject: &Subject,
    lookup: Lookup<'_>,
) -> Result<Finding, String> {
    let mut finding = Finding {
        rule: Arc::clone(rule),
        severity: rule.severity,
        level: Level::Deny,
        message: String::new(),
        subject: subject.clone(),
        properties: serde_json::Map::new(),
        key: None,
        fingerprint: String::new(),
    };
    if value.is_string() {
        finding.message = value.to_string();
    } else if value.is_map() {
        let map = value.cast::<rhai::Map>();
        for (k, v) in map {
            match k.as_str() {
                "message" => finding.message = string(&k, v)?,
                "action" => {
                    finding.level = match string(&k, v)?.as_str() {
                        "deny" => Level::Deny,
                        "warn" => Level::Warn,
                        other => return Err(format!("action {other:?} is not deny or warn")),
                    }
                }
                "severity" => finding.severity = string(&k, v)?.parse::<Severity>()?,
                "key" => finding.key = Some(string(&k, v)?),
                "resource" => finding.subject = resource(v, lookup)?,
                "properties" => {
                    finding.properties = match rhai::serde::from_dynamic::<serde_json::Value>(&v) {
                        Ok(serde_json::Value::Object(map)) => map,
                        Ok(_) => return Err("`properties` must be a map".into()),
                        Err(e) => {
                            return Err(format!("`properties` cannot be written as JSON: {e}"))
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "a finding has no key `{other}`; finding keys are: {}",
                        FINDING_KEYS.join(", ")
                    ))
                }
            }
        }
        if finding.message.is_empty() {
            return Err("a finding map needs a non-empty `message`".into());
        }
    } else {
        return Err(format!("returned a {}", value.type_name()));
    }
    finding.fingerprint = fingerprint::of(&rule.id, finding.subject.id(), finding.key.as_deref());
    Ok(finding)
}

fn string(key: &str, value: Dynamic) -> Result<String, String> {
    let type_name = value.type_name();
    value
        .into_string()
        .map_err(|_| format!("`{key}` must be a string, not {type_name}"))
}

/// The `resource` of a finding: a resource value, or the id of a resource in the report.
fn resource(value: Dynamic, lookup: Lookup<'_>) -> Result<Subject, String> {
    if let Some(r) = value.clone().try_cast::<ResourceRef>() {
        return Ok(Subject::Resource(r.0));
    }
    let type_name = value.type_name();
    let id = value
        .into_string()
        .map_err(|_| format!("`resource` must be a resource or a resource id, not {type_name}"))?;
    let report = match lookup {
        Lookup::Report(report) => report,
        Lookup::AsGiven => {
            // `tollgate test` keeps the id as it was given, as the subject's name.
            return Ok(Subject::Report {
                kind: crate::model::ReportKind::CocPatch,
                origin: crate::model::ReportOrigin::Named(id.into()),
            });
        }
        Lookup::None => {
            return Err(
                "`resource` as an id works only in check_report; return the resource itself".into(),
            )
        }
    };
    report
        .resources
        .iter()
        .find(|r| r.id() == id)
        .map(|r| Subject::Resource(Arc::clone(r)))
        .ok_or_else(|| format!("`resource` names {id:?}, which is not in the report"))
}

fn runtime_error(policy: &Policy, subject: &Subject, err: &EvalAltResult) -> Error {
    let inner = err.unwrap_inner();
    let pos = if inner.position().is_none() {
        err.position()
    } else {
        inner.position()
    };
    let at = error::span_of(&policy.src, pos);
    let src = error::source(&policy.name, &policy.src);
    let rule = policy.rule.id.clone();
    // A report-level call's subject is the report, never a resource.
    let report_call = matches!(subject, Subject::Report { .. });
    let subject = subject.describe();
    let budget = |limit: &str, knob: &str| {
        Error::PolicyBudget {
        rule: rule.clone(),
        subject: subject.clone(),
        limit: limit.to_string(),
        src: src.clone(),
        at,
        hint: format!(
            "a policy call is stopped when it exceeds its {limit}; make the policy do less per call, or raise `{knob}` under [limits] in tollgate.toml"
        ),
    }
    };
    match inner {
        EvalAltResult::ErrorTooManyOperations(_) => {
            let knob = if report_call {
                "report_operations"
            } else {
                "operations"
            };
            budget("operation limit", knob)
        }
        EvalAltResult::ErrorStackOverflow(_) => budget("call depth limit", "call_levels"),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let knob = if what.contains("tring") {
                "string_len"
            } else if what.contains("rray") && report_call {
                "report_array_len"
            } else if what.contains("rray") {
                "array_len"
            } else {
                "map_len"
            };
            budget(&format!("data size limit ({what})"), knob)
        }
        _ => {
            let reason = match inner {
                // The text a policy or tollgate raised, without Rhai's "Runtime error: ".
                EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
                other => strip_position(&other.to_string()),
            };
            // The field-typo message carries the list of fields: that goes in the help.
            if let Some((short, fields)) = reason.split_once("; its fields are: ") {
                return Error::PolicyRuntime {
                    rule,
                    subject,
                    reason: short.to_string(),
                    src,
                    at,
                    hint: Some(format!("the fields are: {fields}")),
                };
            }
            let hint = if matches!(inner, EvalAltResult::ErrorTooManyModules(_)) {
                Some("imports are disabled in policies".to_string())
            } else if reason.contains("()") {
                Some("a value that is not there is (): a field the report does not give (a JSON null, or one the vendor does not report), or a key missing from global::PARAMS; test `x != ()` before using it, and read params with param(\"name\") or param(\"name\", default)".to_string())
            } else {
                None
            };
            Error::PolicyRuntime {
                rule,
                subject,
                reason,
                src,
                at,
                hint,
            }
        }
    }
}

/// Rhai appends " (line L, position P)" to messages; the span already shows it.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rsplit_once(" (line ") {
        Some((text, rest)) if rest.ends_with(')') => text.to_string(),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Input;
    use crate::policy::{compile, Globals, Limits};
    use crate::report::{load, LoadOptions};
    use std::path::Path;

    const NODES: &str = r#"{"count":3,"instance_compliant":[
        {"instance_id":"a","name":"web-1","group":"prod","non_compliant_summary":{"non_compliant_count":2,"severity_summary":{"critical_count":2}}},
        {"instance_id":"b","name":"web-2","group":"dev","non_compliant_summary":{"non_compliant_count":1,"severity_summary":{"critical_count":1}}},
        {"instance_id":"c","name":"db-1","group":"prod","non_compliant_summary":{"non_compliant_count":0,"severity_summary":{"critical_count":0}}}]}"#;

    fn reports() -> Vec<Arc<Report>> {
        let input = Input {
            origin: crate::model::ReportOrigin::File("nodes.json".into()),
            text: NODES.into(),
        };
        vec![Arc::new(load(&input, LoadOptions::default()).unwrap())]
    }

    fn policy(body: &str) -> Policy {
        policy_with(body, &Limits::default())
    }

    fn policy_with(body: &str, limits: &Limits) -> Policy {
        let mut params = rhai::Map::new();
        params.insert(
            "prod_groups".into(),
            Dynamic::from(vec![Dynamic::from("prod")]),
        );
        let globals = Globals { params, now: 1_000 };
        let src = format!("const RULE = #{{ id: \"T-1\", severity: \"high\", applies_to: [\"patch_node\"] }};\n{body}");
        compile(Path::new("t.rhai"), src.into(), limits, &globals).unwrap()
    }

    fn eval(body: &str) -> Evaluation {
        evaluate(&[policy(body)], &reports())
    }

    fn first_error(body: &str) -> String {
        let e = eval(body);
        assert_eq!(e.findings.len(), 0);
        let err = e.errors.first().expect("an error");
        let code = miette::Diagnostic::code(err).unwrap().to_string();
        format!(
            "{code}: {err} / {:?}",
            miette::Diagnostic::help(err).map(|h| h.to_string())
        )
    }

    #[test]
    fn the_design_example_finds_criticals_on_prod() {
        let e = eval(
            "fn check(node) {
                if node.group in global::PARAMS.prod_groups && node.missing.critical > 0 {
                    deny(`${node.name} misses ${node.missing.critical} critical patches`)
                }
            }",
        );
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.findings.len(), 1);
        let f = &e.findings[0];
        assert_eq!(f.message, "web-1 misses 2 critical patches");
        assert_eq!(f.subject.id(), "a");
        assert_eq!((f.severity, f.level), (Severity::High, Level::Deny));
        assert_eq!(f.fingerprint, fingerprint::of("T-1", "a", None));
        assert_eq!(e.calls, 3);
    }

    #[test]
    fn param_reads_params_or_the_default() {
        // The test policies' PARAMS hold prod_groups = ["prod"] and nothing else.
        let e = eval(
            r#"fn check(node) {
                let groups = param("prod_groups", ["none"]);
                let limit = param("max_high_missing", 7);
                if node.group in groups { `${node.id} ${limit} ${groups.len()}` }
            }"#,
        );
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        let messages: Vec<&str> = e.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["a 7 1", "c 7 1"]);
        // What param returns is a copy: changing it leaves PARAMS as it was for later calls.
        let e = eval(
            r#"fn check(node) {
                let groups = param("prod_groups", []);
                let before = groups.len();
                groups.push("x");
                if global::PARAMS.prod_groups.len() != 1 || before != 1 { "changed" }
            }"#,
        );
        assert!(e.errors.is_empty() && e.findings.is_empty(), "{e:?}");
    }

    #[test]
    fn every_return_shape_is_a_finding() {
        let e = eval(
            r#"fn check(node) {
                if node.id == "a" { return "bare string"; }
                if node.id == "b" { return [warn("w"), (), #{ message: "m", severity: "low", properties: #{ n: 1 }, key: "k" }]; }
                deny("d", #{ severity: "critical" })
            }"#,
        );
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        let got: Vec<(&str, Severity, Level)> = e
            .findings
            .iter()
            .map(|f| (f.message.as_str(), f.severity, f.level))
            .collect();
        assert_eq!(
            got,
            vec![
                ("bare string", Severity::High, Level::Deny),
                ("w", Severity::High, Level::Warn),
                ("m", Severity::Low, Level::Deny),
                ("d", Severity::Critical, Level::Deny),
            ]
        );
        assert_eq!(e.findings[2].properties["n"], 1);
        assert_eq!(
            e.findings[2].fingerprint,
            fingerprint::of("T-1", "b", Some("k"))
        );
    }

    #[test]
    fn check_report_sees_the_report() {
        let e = eval(
            r#"fn check_report(report) {
                let bad = report.resources.filter(|n| n.status == "non_compliant");
                if report.count != 3 || report.kind != "huawei.coc.patch_compliance" { throw "wrong report"; }
                deny(`${bad.len()} of ${report.count} nodes non-compliant`, #{ resource: bad[0] })
            }"#,
        );
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.findings[0].message, "2 of 3 nodes non-compliant");
        assert_eq!(e.findings[0].subject.id(), "a");
    }

    #[test]
    fn bad_returns_are_errors_not_passes() {
        assert!(first_error("fn check(n) { true }").contains("returned a bool"));
        assert!(first_error("fn check(n) { 5 }").contains("returned a i64"));
        assert!(first_error("fn check(n) { #{ mesage: \"x\" } }").contains("no key `mesage`"));
        assert!(first_error("fn check(n) { #{ severity: \"low\" } }")
            .contains("needs a non-empty `message`"));
        assert!(
            first_error("fn check(n) { #{ message: \"x\", severity: \"huge\" } }")
                .contains("not a severity")
        );
        assert!(
            first_error("fn check(n) { #{ message: \"x\", action: \"block\" } }")
                .contains("not deny or warn")
        );
    }

    #[test]
    fn field_typo_lists_the_fields() {
        let msg = first_error("fn check(node) { node.misssing.critical > 0 }");
        assert!(msg.starts_with("tollgate::policy::runtime"), "{msg}");
        assert!(msg.contains("did you mean `missing`?"), "{msg}");
        assert!(
            msg.contains("a patch_node resource has no field `misssing`"),
            "{msg}"
        );
        let msg = first_error("fn check(node) { node.missing.critcal > 0 }");
        assert!(msg.contains("did you mean `critical`?"), "{msg}");
    }

    #[test]
    fn runtime_errors_name_rule_resource_and_line() {
        let e = eval("fn check(node) {\n  let x = 1;\n  throw \"boom\";\n}");
        assert_eq!(e.error_count, 3);
        let Error::PolicyRuntime {
            rule,
            subject,
            at,
            src,
            ..
        } = &e.errors[0]
        else {
            panic!("{:?}", e.errors)
        };
        assert_eq!(rule, "T-1");
        assert_eq!(subject, "patch_node a (web-1) at nodes.json:2:9");
        let line = miette::SourceCode::read_span(src.inner(), at, 0, 0)
            .unwrap()
            .line();
        assert_eq!(line, 3, "0-based: the throw is on the policy's fourth line");
    }

    /// The 0-based line (in the whole policy, RULE included) an error's label is on.
    fn error_line(e: &Evaluation) -> usize {
        let Error::PolicyRuntime { at, src, .. } = &e.errors[0] else {
            panic!("{:?}", e.errors)
        };
        miette::SourceCode::read_span(src.inner(), at, 0, 0)
            .unwrap()
            .line()
    }

    /// A `deny` or `warn` called wrongly says what the call should look like,
    /// and points at the call, not at `fn check`.
    #[test]
    fn a_wrong_deny_call_is_reported_at_the_call() {
        for (call, says) in [
            (
                r#"deny(#{ severity: "urgent" }, "msg")"#,
                "deny takes a message, and optionally a map of finding keys: deny(\"text\") or deny(\"text\", #{ severity: \"high\", properties: #{} }); the message comes first",
            ),
            (r#"warn(5)"#, "warn takes a message"),
            (r#"deny("msg", #{ severity: "urgent" })"#, "deny: \"urgent\" is not a severity"),
            (r#"deny("msg", #{ sevrity: "high" })"#, "deny: a finding has no key `sevrity` (did you mean `severity`?)"),
            (r#"deny("msg", #{ properties: 5 })"#, "deny: `properties` must be a map"),
            (r#"deny("msg", #{ message: "other" })"#, "deny: `message` is set by deny itself"),
        ] {
            let e = eval(&format!("fn check(node) {{\n  let x = 1;\n  {call}\n}}"));
            assert_eq!(e.findings.len(), 0, "{call}");
            let msg = e.errors[0].to_string();
            assert!(msg.contains(says), "{call}: {msg}");
            assert_eq!(error_line(&e), 3, "{call}: the label is on the call's line");
        }
        // The right calls still work.
        let e =
            eval(r#"fn check(node) { [deny("a"), warn("b", #{ severity: "low", key: "k" })] }"#);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.findings.len(), 6);
    }

    /// `param(name)` without a default names a param that is not set; reading an
    /// unset key of `global::PARAMS` gets a hint that says it may be a param.
    #[test]
    fn a_param_that_is_not_set_is_its_own_error() {
        let msg = first_error(r#"fn check(node) { node.group in param("prod_group") }"#);
        assert!(
            msg.contains("param `prod_group` is not set: add `prod_group = ...` under [params] in tollgate.toml, pass --param prod_group=VALUE"),
            "{msg}"
        );
        let e = eval(r#"fn check(node) { if node.group in param("prod_groups") { deny("p") } }"#);
        assert!(
            e.errors.is_empty() && e.findings.len() == 2,
            "two prod nodes: {e:?}"
        );
        let msg = first_error("fn check(node) { node.group in global::PARAMS.prod_group }");
        assert!(msg.contains("a key missing from global::PARAMS"), "{msg}");
    }

    #[test]
    fn runaway_policies_hit_their_budgets() {
        assert!(first_error("fn check(n) { loop { } }").starts_with("tollgate::policy::budget"));
        assert!(first_error("fn check(n) { loop { } }").contains("`operations`"));
        assert!(first_error("fn f(x) { f(x + 1) }\nfn check(n) { f(0) }").contains("call depth"));
        assert!(
            first_error("fn check(n) { let s = \"xxxxxxxx\"; loop { s += s; } }")
                .contains("`string_len`")
        );
        assert!(first_error("fn check(n) { let a = [1]; loop { a += a; } }").contains("limit"));
    }

    #[test]
    fn ordering_a_missing_value_is_an_error_with_a_hint() {
        for body in [
            "fn check(node) { node.failed > 0 }",
            "fn check(node) { 0 <= node.failed }",
            "fn check(node) { node.failed >= 0.5 }",
        ] {
            let msg = first_error(body);
            assert!(
                msg.contains("the value is missing from the report"),
                "{msg}"
            );
            assert!(msg.contains("test `x != ()`"), "{msg}");
        }
        let e = eval("fn check(node) { if node.failed != () && node.failed > 0 { \"x\" } }");
        assert!(
            e.errors.is_empty() && e.findings.is_empty(),
            "{:?}",
            e.errors
        );
    }

    #[test]
    fn policies_cannot_reach_out() {
        for body in [
            "fn check(n) { import \"os\" as os; }",
            "fn check(n) { timestamp() }",
            "fn check(n) { open_file(\"/etc/passwd\") }",
            "fn check(n) { global::SECRET }",
        ] {
            let e = eval(body);
            assert!(e.error_count > 0, "{body} should fail");
        }
    }

    #[test]
    fn policies_cannot_sleep() {
        for body in ["fn check(n) { sleep(30) }", "fn check(n) { sleep(30.0) }"] {
            let msg = first_error(body);
            assert!(
                msg.contains("`sleep` is not available in policies"),
                "{msg}"
            );
        }
    }

    #[test]
    fn parallel_and_serial_runs_agree() {
        let p = [policy(
            "fn check(node) { if node.missing.critical > 0 { `${node.id}` } }",
        )];
        let r = reports();
        let serial = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| evaluate(&p, &r));
        let parallel = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| evaluate(&p, &r));
        let ids = |e: &Evaluation| {
            e.findings
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&serial), vec!["a", "b"]);
        assert_eq!(ids(&serial), ids(&parallel));
    }

    #[test]
    fn print_does_not_reach_stdout_and_globals_are_read_only() {
        let e = eval("fn check(n) { print(\"hello\"); debug(n); global::NOW }");
        assert!(
            e.errors
                .first()
                .is_some_and(|e| e.to_string().contains("returned a i64")),
            "{:?}",
            e.errors
        );
    }
}
