//! Finding, compiling and validating policy files. Each file is compiled once; its `RULE`
//! is read from the compiled AST's literal constants, without running anything, and a
//! mistake in it is a diagnostic pointing at the key in the file. Then the static checks
//! ([`super::lint`]) read the syntax tree for fields, params and findings that cannot work.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::{Dynamic, Engine, AST};

use super::compiled::{self, Compiled, EngineChoice, Mode};
use super::engine::{self, globals_module};
use super::lint::{self, Lint};
use super::{Globals, Limits};
use crate::error::{self, line_of, Error};
use crate::model::resource::{ResourceKind, Text};
use crate::model::Severity;
use crate::model::{Enforcement, Rule};

/// The keys `RULE` may have.
const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "severity",
    "applies_to",
    "help",
    "description",
    "enforcement",
    "tags",
    "sla_days",
    "controls",
];

/// A compiled policy, ready to evaluate.
pub struct Policy {
    pub rule: Arc<Rule>,
    /// The file name as shown in messages.
    pub(crate) name: String,
    pub(crate) src: Text,
    pub(crate) ast: AST,
    /// The engine for `check`, when the policy defines it.
    pub(crate) check: Option<Engine>,
    /// The engine for `check_report`, when the policy defines it (a larger operation budget).
    pub(crate) check_report: Option<Engine>,
    /// What the static checks made of it: `None` when it was compiled without them
    /// ([`compile`]), as [`load`] and `tollgate test` never do.
    pub lint: Option<Lint>,
    /// Its compiled functions, when it compiled (see [`super::compiled`]).
    pub(crate) compiled: Option<Compiled>,
    /// How it runs: compiled, or interpreted and why.
    pub mode: Mode,
    /// The sandbox limits its calls run under (the compiled ones too).
    pub(crate) limits: Limits,
}

impl Policy {
    /// The same policy, to be run by the interpreter alone (for tests that hold the two
    /// engines to the same answer).
    pub fn interpreted(mut self) -> Self {
        self.compiled = None;
        self.mode = Mode::Asked;
        self
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("rule", &self.rule)
            .finish_non_exhaustive()
    }
}

/// Load every policy under `paths` (files, or directories searched recursively for
/// `*.rhai`, skipping `*_test.rhai`). Every broken policy is reported at once; rule ids
/// must be unique. Policies come back sorted by rule id.
pub fn load(paths: &[PathBuf], limits: &Limits, globals: &Globals) -> Result<Vec<Policy>, Error> {
    let files = discover(paths)?;
    if files.is_empty() {
        return Err(Error::NoPolicies {
            paths: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    // The engine is the run's, not a file's: a bad TOLLGATE_ENGINE is one error.
    engine_choice()?;
    let total = files.len();
    let mut policies: Vec<Policy> = Vec::with_capacity(total);
    let mut errors = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| Error::Read {
            what: "policy",
            path: file.clone(),
            source,
        });
        match text.and_then(|text| compile_checked(&file, text.into(), limits, globals)) {
            Ok(policy) => match policies.iter().find(|p| p.rule.id == policy.rule.id) {
                Some(first) => errors.push(Error::PolicyDuplicate {
                    id: policy.rule.id.clone(),
                    first: first.name.clone(),
                    name: policy.name.clone(),
                    at: key_span(&policy.src, "id"),
                    src: error::source(&policy.name, &policy.src),
                }),
                None => policies.push(policy),
            },
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Policies { total, errors });
    }
    policies.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
    Ok(policies)
}

/// The policy files under `paths` (not their tests), sorted and without repeats.
pub(crate) fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = files_under(paths, &is_policy_file)?;
    files.sort();
    files.dedup();
    Ok(files)
}

/// Each path that names a file, and the files `keep` accepts in each directory (searched
/// recursively), in the order found.
pub(crate) fn files_under(
    paths: &[PathBuf],
    keep: &dyn Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| Error::Read {
            what: "policy path",
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files, keep)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// The files under `dir`, recursively, that `keep` accepts.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) -> Result<(), Error> {
    let read = |source| Error::Read {
        what: "policy directory",
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        if path.is_dir() {
            walk(&path, files, keep)?;
        } else if keep(&path) {
            files.push(path);
        }
    }
    Ok(())
}

/// `*.rhai`, but not a policy's tests (`*_test.rhai`).
pub(crate) fn is_policy_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".rhai") && !name.ends_with("_test.rhai")
}

/// Compile one policy from its text, validate its `RULE` and entry points, and run the
/// static checks on it against `globals.params`: how [`load`] and `tollgate test` compile
/// a policy.
pub fn compile_checked(
    path: &Path,
    src: Text,
    limits: &Limits,
    globals: &Globals,
) -> Result<Policy, Error> {
    let mut policy = compile(path, src, limits, globals)?;
    policy.lint = Some(lint::check(&policy, &globals.params)?);
    Ok(policy)
}

/// Compile one policy from its text and validate its `RULE` and entry points, without the
/// static checks: a mistake they would find is then an error when the code runs (which is
/// what the evaluation's own tests exercise). [`compile_checked`] adds them.
pub fn compile(
    path: &Path,
    src: Text,
    limits: &Limits,
    globals: &Globals,
) -> Result<Policy, Error> {
    let name = path.display().to_string();
    let compiler = engine::sandboxed(
        limits,
        limits.operations,
        limits.array_len,
        globals_module(globals, Vec::new()),
        "",
    );
    let mut ast = compiler.compile(&*src).map_err(|e| {
        let pos = e.position();
        let reason = e.err_type().to_string();
        let hint = if reason.contains("eval") {
            Some("`eval` is disabled in policies".to_string())
        } else {
            None
        };
        Error::PolicySyntax {
            at: error::span_of(&src, pos),
            src: error::source(&name, &src),
            name: name.clone(),
            reason,
            hint,
        }
    })?;
    ast.set_source(name.as_str());

    let bad = |at: miette::SourceSpan, reason: String, hint: Option<String>| Error::PolicyRule {
        name: name.clone(),
        src: error::source(&name, &src),
        at,
        reason,
        hint,
    };

    let constants: Vec<(String, Dynamic)> = ast
        .iter_literal_variables(true, false)
        .map(|(n, _, v)| (n.to_string(), v))
        .collect();
    let rule_line = rule_offset(&src).map(|o| line_of(&src, o));
    let Some((_, rule)) = constants.iter().find(|(n, _)| n == "RULE") else {
        let (at, reason) = match rule_offset(&src) {
            Some(o) => ((o, 10).into(), "RULE is not a literal map".to_string()),
            None => ((0, 0).into(), "there is no `const RULE`".to_string()),
        };
        return Err(bad(
            at,
            reason,
            Some("start the policy with `const RULE = #{ id: \"ABC-001\", title: \"...\", severity: \"high\", applies_to: [\"patch_node\"] };` using only literal values".into()),
        ));
    };
    let rule = read_rule(rule, &src, &bad)?;

    let mut has_check = false;
    let mut has_check_report = false;
    for f in ast.iter_functions() {
        let wanted = match f.name {
            "check" => &mut has_check,
            "check_report" => &mut has_check_report,
            _ => continue,
        };
        if f.params.len() != 1 {
            let at = function_span(&src, f.name);
            return Err(bad(
                at,
                format!(
                    "`{}` takes {} parameters; it must take exactly one",
                    f.name,
                    f.params.len()
                ),
                None,
            ));
        }
        *wanted = true;
    }
    if !has_check && !has_check_report {
        return Err(bad(
            (0, 0).into(),
            "it defines neither `fn check(resource)` nor `fn check_report(report)`".into(),
            Some("a policy needs at least one of them; see docs/policies.md".into()),
        ));
    }

    let rule = Arc::new(Rule {
        file: path.to_path_buf(),
        line: rule_line.unwrap_or(1),
        ..rule
    });
    let build = |operations, array_len| {
        engine::sandboxed(
            limits,
            operations,
            array_len,
            globals_module(globals, constants.clone()),
            &rule.id,
        )
    };
    let (compiled, mode) = match engine_choice()? {
        EngineChoice::Interpreted => (None, Mode::Asked),
        EngineChoice::Compiled => match compiled::compile(&ast, globals, &constants) {
            Ok(c) => (Some(c), Mode::Compiled),
            Err(why) => (None, Mode::Interpreted(why)),
        },
    };
    Ok(Policy {
        check: has_check.then(|| build(limits.operations, limits.array_len)),
        check_report: has_check_report
            .then(|| build(limits.report_operations, limits.report_array_len)),
        rule,
        name,
        src,
        ast,
        lint: None,
        compiled,
        mode,
        limits: *limits,
    })
}

type Bad<'a> = dyn Fn(miette::SourceSpan, String, Option<String>) -> Error + 'a;

fn read_rule(value: &Dynamic, src: &str, bad: &Bad<'_>) -> Result<Rule, Error> {
    let whole = rule_offset(src).map_or((0, 0).into(), |o| (o, 10).into());
    let Some(map) = value.read_lock::<rhai::Map>() else {
        return Err(bad(
            whole,
            format!("RULE is a {}, not a map", value.type_name()),
            None,
        ));
    };
    let map = map.clone();
    for key in map.keys() {
        if !RULE_KEYS.contains(&key.as_str()) {
            let guess = crate::error::did_you_mean(key, RULE_KEYS.iter().copied())
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            return Err(bad(
                key_span(src, key),
                format!("unknown key `{key}`{guess}"),
                Some(format!("RULE keys are: {}", RULE_KEYS.join(", "))),
            ));
        }
    }
    let text = |key: &str| -> Result<Option<String>, Error> {
        match map.get(key) {
            None => Ok(None),
            Some(v) if v.is_string() => Ok(Some(v.to_string())),
            Some(v) => Err(bad(
                key_span(src, key),
                format!("`{key}` must be a string, not a {}", v.type_name()),
                None,
            )),
        }
    };
    let list = |key: &str| -> Result<Vec<String>, Error> {
        match map.get(key) {
            None => Ok(Vec::new()),
            Some(v) => {
                let items = v
                    .read_lock::<rhai::Array>()
                    .map(|a| a.clone())
                    .ok_or_else(|| {
                        bad(
                            key_span(src, key),
                            format!("`{key}` must be an array of strings"),
                            None,
                        )
                    })?;
                items
                    .iter()
                    .map(|i| {
                        i.clone().into_string().map_err(|_| {
                            bad(
                                key_span(src, key),
                                format!("`{key}` must be an array of strings"),
                                None,
                            )
                        })
                    })
                    .collect()
            }
        }
    };

    let id = text("id")?.unwrap_or_default();
    if id.is_empty() {
        return Err(bad(
            whole,
            "RULE has no `id`".into(),
            Some("add `id: \"ABC-001\"`".into()),
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(bad(
            key_span(src, "id"),
            format!("id {id:?} may only contain letters, digits, `-`, `_` and `.`"),
            None,
        ));
    }
    let severity = match text("severity")? {
        None => {
            return Err(bad(
                whole,
                "RULE has no `severity`".into(),
                Some(severities_hint()),
            ))
        }
        Some(s) => s
            .parse::<Severity>()
            .map_err(|reason| bad(key_span(src, "severity"), reason, Some(severities_hint())))?,
    };
    let enforcement = match text("enforcement")?.as_deref() {
        None | Some("hard") => Enforcement::Hard,
        Some("soft") => Enforcement::Soft,
        Some("advisory") => Enforcement::Advisory,
        Some(other) => {
            return Err(bad(
                key_span(src, "enforcement"),
                format!("enforcement {other:?} is not one of hard, soft, advisory"),
                None,
            ))
        }
    };
    let sla_days = match map.get("sla_days") {
        None => None,
        Some(v) => match v.as_int() {
            Ok(days) if (0..=36_500).contains(&days) => Some(days as u32),
            _ => {
                return Err(bad(
                    key_span(src, "sla_days"),
                    format!("`sla_days` must be a whole number of days from 0 to 36500, not {v}"),
                    Some("e.g. `sla_days: 15`".into()),
                ))
            }
        },
    };
    let mut applies_to = Vec::new();
    for kind in list("applies_to")? {
        match ResourceKind::parse(&kind) {
            Some(k) => applies_to.push(k),
            None => {
                let known: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(bad(
                    key_span(src, "applies_to"),
                    format!("applies_to names {kind:?}, which is not a resource kind"),
                    Some(format!("resource kinds are: {}", known.join(", "))),
                ));
            }
        }
    }
    let controls = list("controls")?;
    if let Some((_, twice)) = controls
        .iter()
        .enumerate()
        .find(|(i, c)| controls[..*i].contains(c))
    {
        return Err(bad(
            key_span(src, "controls"),
            format!("control {twice:?} is listed twice"),
            None,
        ));
    }
    if let Some(bad_id) = controls.iter().find(|c| !is_control(c)) {
        return Err(bad(
            key_span(src, "controls"),
            format!("control {bad_id:?} is not FRAMEWORK:CONTROL"),
            Some("e.g. `controls: [\"NIST-800-53-r5:SI-2\", \"PCI-DSS-4.0:6.3.3\"]`: the framework and its version, a colon, the control's own identifier".into()),
        ));
    }
    Ok(Rule {
        title: text("title")?.unwrap_or_else(|| id.clone()),
        id,
        severity,
        enforcement,
        sla_days,
        applies_to,
        help: text("help")?,
        description: text("description")?,
        tags: list("tags")?,
        controls,
        file: PathBuf::new(),
        line: 0,
    })
}

/// `FRAMEWORK:CONTROL`: a framework name with its version (letters, digits, `-`, `.`,
/// `_`), a colon, and the control's identifier as the framework writes it (no spaces).
fn is_control(text: &str) -> bool {
    let Some((framework, control)) = text.split_once(':') else {
        return false;
    };
    let framework_ok = !framework.is_empty()
        && framework
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    let control_ok = !control.is_empty()
        && control
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._()/:".contains(c));
    framework_ok && control_ok
}

fn severities_hint() -> String {
    "severity is one of: critical, high, medium, low, info".into()
}

/// Byte offset of `const RULE` in the source.
fn rule_offset(src: &str) -> Option<usize> {
    src.find("const RULE")
}

/// A span on `key` inside the RULE literal (or on RULE itself when not found).
fn key_span(src: &str, key: &str) -> miette::SourceSpan {
    let Some(start) = rule_offset(src) else {
        return (0, 0).into();
    };
    let body = &src[start..];
    let found = [
        format!("{key}:"),
        format!("{key} :"),
        format!("\"{key}\""),
        key.to_string(),
    ]
    .iter()
    .find_map(|needle| body.find(needle.as_str()));
    match found {
        Some(at) => (start + at, key.len()).into(),
        None => (start, 10).into(),
    }
}

/// A span on `fn NAME` in a policy's source.
pub(crate) fn function_span(src: &str, name: &str) -> miette::SourceSpan {
    let needle = format!("fn {name}");
    // `fn check` must not find `fn check_report`.
    src.match_indices(&needle)
        .find(|(at, _)| {
            src[at + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map_or((0, 0).into(), |(at, _)| (at, needle.len()).into())
}

/// `TOLLGATE_ENGINE`, or the configuration error it is.
fn engine_choice() -> Result<EngineChoice, Error> {
    EngineChoice::from_env().map_err(|reason| Error::Config {
        reason,
        hint: Some("unset it, or set it to `compiled` or `interpreted`".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile_str(text: &str) -> Result<Policy, Error> {
        compile(
            Path::new("p.rhai"),
            text.into(),
            &Limits::default(),
            &Globals::default(),
        )
    }

    fn rule_error(text: &str) -> String {
        match compile_str(text) {
            Err(e @ Error::PolicyRule { .. }) => format!(
                "{e} / {:?}",
                miette::Diagnostic::help(&e).map(|h| h.to_string())
            ),
            other => panic!("expected a RULE error, got {other:?}"),
        }
    }

    const GOOD: &str = r#"
// a comment line
const RULE = #{ id: "PATCH-001", title: "t", severity: "critical", applies_to: ["patch_node"], tags: ["patch"] };
fn check(node) { () }
"#;

    #[test]
    fn reads_rule_metadata() {
        let p = compile_str(GOOD).unwrap();
        assert_eq!(p.rule.id, "PATCH-001");
        assert_eq!(p.rule.severity, Severity::Critical);
        assert_eq!(p.rule.applies_to, vec![ResourceKind::PatchNode]);
        assert_eq!(p.rule.enforcement, Enforcement::Hard);
        assert_eq!(p.rule.tags, vec!["patch"]);
        assert_eq!(p.rule.line, 3);
        assert!(p.check.is_some() && p.check_report.is_none());
    }

    #[test]
    fn controls_are_framework_colon_control() {
        let with = |controls: &str| {
            format!("const RULE = #{{ id: \"X\", severity: \"high\", controls: {controls} }};\nfn check(n) {{}}")
        };
        let p = compile_str(&with(
            r#"["NIST-800-53-r5:SI-2", "ISO-27001-2022:A.8.8", "NIST-800-53-r5:AC-2(1)"]"#,
        ))
        .unwrap();
        assert_eq!(
            p.rule.controls,
            [
                "NIST-800-53-r5:SI-2",
                "ISO-27001-2022:A.8.8",
                "NIST-800-53-r5:AC-2(1)"
            ]
        );
        assert!(compile_str(GOOD).unwrap().rule.controls.is_empty());
        for bad in [
            r#"["SI-2"]"#,
            r#"[":SI-2"]"#,
            r#"["NIST:"]"#,
            r#"["NIST 800-53:SI-2"]"#,
            r#"["NIST:SI 2"]"#,
        ] {
            let text = rule_error(&with(bad));
            assert!(text.contains("is not FRAMEWORK:CONTROL"), "{bad}: {text}");
        }
        assert!(rule_error(&with(r#""NIST:SI-2""#)).contains("must be an array of strings"));
        assert!(rule_error(&with(r#"["NIST:SI-2", "NIST:SI-2"]"#)).contains("listed twice"));
    }

    #[test]
    fn rejects_bad_metadata() {
        let with = |rule: &str| format!("const RULE = #{{ {rule} }};\nfn check(n) {{}}");
        assert!(rule_error(&with(r#"id: "X", severity: "severe""#))
            .contains("\"severe\" is not a severity"));
        assert!(rule_error(&with(r#"severity: "high""#)).contains("no `id`"));
        assert!(rule_error(&with(r#"id: "X""#)).contains("no `severity`"));
        assert!(
            rule_error(&with(r#"id: "X", severity: "high", applies_to: ["vm"]"#))
                .contains("\"vm\", which is not a resource kind")
        );
        assert!(
            rule_error(&with(r#"id: "X", severity: "high", sevrity: "x""#))
                .contains("unknown key `sevrity` (did you mean `severity`?)")
        );
        assert!(rule_error(&with(
            r#"id: "X", severity: "high", applies: ["patch_node"]"#
        ))
        .contains("unknown key `applies` (did you mean `applies_to`?)"));
        assert!(!rule_error(&with(r#"id: "X", severity: "high", zzz: 1"#)).contains("did you mean"));
        assert!(
            rule_error(&with(r#"id: "X", severity: "high", enforcement: "maybe""#))
                .contains("not one of hard, soft, advisory")
        );
        assert!(rule_error(&with(r#"id: "X y", severity: "high""#)).contains("may only contain"));
        assert!(rule_error(&with(r#"id: 7, severity: "high""#)).contains("must be a string"));
        for bad in [r#""7""#, "-1", "7.5", "40000"] {
            let text = with(&format!(r#"id: "X", severity: "high", sla_days: {bad}"#));
            assert!(
                rule_error(&text).contains("`sla_days` must be a whole number"),
                "{bad}"
            );
        }
        let p = compile_str(&with(r#"id: "X", severity: "high", sla_days: 7"#)).unwrap();
        assert_eq!(p.rule.sla_days, Some(7));
        assert_eq!(compile_str(GOOD).unwrap().rule.sla_days, None);
    }

    #[test]
    fn needs_rule_and_an_entry_point() {
        assert!(rule_error("fn check(n) {}").contains("no `const RULE`"));
        assert!(rule_error("const RULE = #{ id: \"X\", severity: \"low\" };").contains("neither"));
        assert!(
            rule_error("const RULE = #{ id: \"X\", severity: \"low\" };\nfn check(a, b) {}")
                .contains("exactly one")
        );
        assert!(rule_error("const RULE = 5;\nfn check(n) {}").contains("not a map"));
    }

    #[test]
    fn syntax_errors_point_into_the_file() {
        let err =
            compile_str("const RULE = #{ id: \"X\", severity: \"low\" };\nfn check(n) { if }")
                .unwrap_err();
        let Error::PolicySyntax { at, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(at.offset() > 40, "{at:?}");
    }

    #[test]
    fn eval_is_not_available() {
        let err = compile_str(
            "const RULE = #{ id: \"X\", severity: \"low\" };\nfn check(n) { eval(\"1\") }",
        );
        assert!(err.is_err(), "eval must not compile");
    }

    #[test]
    fn test_files_are_not_policies() {
        assert!(is_policy_file(Path::new("a/b.rhai")));
        assert!(!is_policy_file(Path::new("a/b_test.rhai")));
        assert!(!is_policy_file(Path::new("a/b.txt")));
    }
}
