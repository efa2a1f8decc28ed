//! `tollgate test`: a policy's own unit tests. `NAME_test.rhai` beside `NAME.rhai` is
//! compiled together with the policy; every `fn test_*()` in it is a test, run in the
//! same sandbox as the gate plus the builders and assertions of `policy::fixture`.
//!
//! A test passes when it returns without an error. A failing assertion, a builder
//! mistake, or an error in the policy itself fails the test, located at the file and line
//! where it happened (the test file, or the policy when the policy failed). A file that
//! does not compile is an error for the whole run (exit 2), not a failed test.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, Engine, EvalAltResult, Scope, AST};

use super::engine::{self, globals_module, BUILTINS};
use super::eval::strip_position;
use super::fixture::{self, Fixtures};
use super::load::{self, function_span, Policy};
use super::{Globals, Limits};
use crate::error::line_of;
use crate::error::{self, Error};
use crate::model::resource::Text;
use crate::model::Rule;

/// The suffix that makes a file a policy's tests.
pub(crate) const TEST_SUFFIX: &str = "_test.rhai";

/// How to run tests.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Run only tests whose `RULE-ID/test_name` matches.
    pub filter: Option<regex::Regex>,
    pub limits: Limits,
    /// `PARAMS` and `NOW`, unless a test file pins its own with `const PARAMS` / `const NOW`.
    pub globals: Globals,
}

/// Where a failure happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based; 0 when unknown.
    pub line: u32,
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed { reason: String, at: Location },
}

/// One `fn test_*()`.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    /// Line of `fn NAME` in the test file.
    pub line: u32,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// The tests of one policy.
#[derive(Debug, Clone)]
pub struct Suite {
    pub rule: Arc<Rule>,
    pub file: PathBuf,
    pub cases: Vec<TestCase>,
}

/// Everything `tollgate test` found and ran.
#[derive(Debug, Clone, Default)]
pub struct TestRun {
    /// Suites in file order; each with the tests selected, in file order.
    pub suites: Vec<Suite>,
    /// Policies without a test file.
    pub untested: Vec<PathBuf>,
}

impl TestRun {
    /// Every case, with its suite.
    pub fn cases(&self) -> impl Iterator<Item = (&Suite, &TestCase)> {
        self.suites
            .iter()
            .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
    }

    /// How many passed and failed.
    pub fn tally(&self) -> (usize, usize) {
        let failed = self
            .cases()
            .filter(|(_, c)| matches!(c.outcome, Outcome::Failed { .. }))
            .count();
        (self.cases().count() - failed, failed)
    }
}

/// A compiled test file, ready to run.
struct Prepared {
    rule: Arc<Rule>,
    file: PathBuf,
    ast: AST,
    engine: Engine,
    /// Test names with their lines, in file order.
    tests: Vec<(String, u32)>,
    /// Functions defined in the test file (the rest are the policy's).
    own: HashSet<String>,
    policy_file: PathBuf,
}

/// Find and run the tests of every policy under `paths`.
pub fn run(paths: &[PathBuf], options: &TestOptions) -> Result<TestRun, Error> {
    let (policies, tests) = discover(paths)?;
    let mut run = TestRun::default();
    let mut prepared = Vec::new();
    let mut errors = Vec::new();
    let total = tests.len();
    for path in &policies {
        let test = test_file_of(path);
        if !tests.contains(&test) {
            run.untested.push(path.clone());
            continue;
        }
        match prepare(path, &test, options) {
            Ok(p) => prepared.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Tests { total, errors });
    }
    let selected: usize = prepared.iter().map(|p| p.tests.len()).sum();
    if selected == 0 {
        return Err(Error::NoTests {
            paths: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            filter: options.filter.as_ref().map(|f| f.as_str().to_string()),
        });
    }
    run.suites = prepared
        .par_iter()
        .map(|p| Suite {
            rule: Arc::clone(&p.rule),
            file: p.file.clone(),
            cases: p
                .tests
                .par_iter()
                .map(|(name, line)| run_one(p, name, *line))
                .collect(),
        })
        .collect();
    Ok(run)
}

/// `NAME_test.rhai` for `NAME.rhai`.
pub(crate) fn test_file_of(policy: &Path) -> PathBuf {
    let stem = policy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    policy.with_file_name(format!("{stem}{TEST_SUFFIX}"))
}

fn policy_of(test: &Path) -> PathBuf {
    let name = test
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(TEST_SUFFIX).unwrap_or(&name);
    test.with_file_name(format!("{stem}.rhai"))
}

/// The policy files and the test files under `paths`. A test file named directly stands
/// for its policy; a test file without its policy is an error.
fn discover(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, HashSet<PathBuf>), Error> {
    let mut policies = Vec::new();
    let mut tests = HashSet::new();
    let rhai = |p: &Path| p.extension().is_some_and(|e| e == "rhai");
    for file in load::files_under(paths, &rhai)? {
        if file.to_string_lossy().ends_with(TEST_SUFFIX) {
            let policy = policy_of(&file);
            if !policy.is_file() {
                return Err(Error::TestOrphan { path: file, policy });
            }
            policies.push(policy);
            tests.insert(file);
        } else {
            let test = test_file_of(&file);
            if test.is_file() {
                tests.insert(test);
            }
            policies.push(file);
        }
    }
    policies.sort();
    policies.dedup();
    Ok((policies, tests))
}

fn read(what: &'static str, path: &Path) -> Result<Text, Error> {
    std::fs::read_to_string(path)
        .map(Text::from)
        .map_err(|source| Error::Read {
            what,
            path: path.to_path_buf(),
            source,
        })
}

/// Compile a policy and its test file together. The test file is compiled first: the
/// `PARAMS` it pins are what the policy's static checks judge `param(...)` against.
fn prepare(policy_path: &Path, test_path: &Path, options: &TestOptions) -> Result<Prepared, Error> {
    let src = read("policy test file", test_path)?;
    let name = test_path.display().to_string();
    let invalid = |at: miette::SourceSpan, reason: String, hint: Option<String>| Error::TestFile {
        name: name.clone(),
        src: error::source(&name, &src),
        at,
        reason,
        hint,
    };

    let compiler = engine::sandboxed(
        &options.limits,
        options.limits.operations,
        options.limits.array_len,
        globals_module(&options.globals, Vec::new()),
        "",
    );
    let mut test_ast = compiler.compile(&*src).map_err(|e| {
        invalid(
            error::span_of(&src, e.position()),
            e.err_type().to_string(),
            None,
        )
    })?;
    test_ast.set_source(name.as_str());

    let mut globals = options.globals.clone();
    // Only the test file pins PARAMS and NOW: in the gate, a policy's own constants of those
    // names are overridden, so they must be here too.
    let pins: Vec<(String, Dynamic)> = test_ast
        .iter_literal_variables(true, false)
        .map(|(n, _, v)| (n.to_string(), v))
        .collect();
    for (name, value) in &pins {
        match name.as_str() {
            "PARAMS" => {
                globals.params = value
                    .read_lock::<rhai::Map>()
                    .map(|m| m.clone())
                    .ok_or_else(|| {
                        invalid(
                            (0, 0).into(),
                            format!("`const PARAMS` is a {}, not a map", value.type_name()),
                            None,
                        )
                    })?;
            }
            "NOW" => {
                globals.now = value.as_int().map_err(|t| {
                    invalid(
                        (0, 0).into(),
                        format!("`const NOW` is a {t}, not Unix milliseconds"),
                        None,
                    )
                })?;
            }
            _ => {}
        }
    }

    let policy: Policy = load::compile_checked(
        policy_path,
        read("policy", policy_path)?,
        &options.limits,
        &globals,
    )?;

    let policy_fns: HashSet<String> = policy
        .ast
        .iter_functions()
        .map(|f| f.name.to_string())
        .collect();
    let mut own = HashSet::new();
    let mut tests = Vec::new();
    for f in test_ast.iter_functions() {
        if policy_fns.contains(f.name) {
            return Err(invalid(
                function_span(&src, f.name),
                format!("it defines `{}`, which the policy defines too", f.name),
                Some("rename the test's helper; tests call the policy's functions directly".into()),
            ));
        }
        // Test files are merged with the policy: a helper with a built-in's name would
        // replace it for the policy under test, which would then differ from the gate's.
        if BUILTINS.contains(&f.name) {
            return Err(invalid(
                function_span(&src, f.name),
                format!(
                    "it defines `{}`, which replaces the built-in the policy calls",
                    f.name
                ),
                Some("rename the test's helper".into()),
            ));
        }
        own.insert(f.name.to_string());
        if !f.name.starts_with("test_") {
            continue;
        }
        if !f.params.is_empty() {
            return Err(invalid(
                function_span(&src, f.name),
                format!("test `{}` takes parameters; tests take none", f.name),
                None,
            ));
        }
        let span = function_span(&src, f.name);
        tests.push((f.name.to_string(), line_of(&src, span.offset())));
    }
    tests.sort_by_key(|(_, line)| *line);
    if tests.is_empty() {
        return Err(invalid(
            (0, 0).into(),
            "it has no `fn test_*()`".into(),
            Some("each `fn test_name() { ... }` is one test".into()),
        ));
    }
    let rule = Arc::clone(&policy.rule);
    if let Some(filter) = &options.filter {
        tests.retain(|(name, _)| filter.is_match(&format!("{}/{name}", rule.id)));
    }

    let ast = policy.ast.merge(&test_ast);
    let constants: Vec<(String, Dynamic)> = ast
        .iter_literal_variables(true, false)
        .map(|(n, _, v)| (n.to_string(), v))
        .collect();
    let mut engine = engine::sandboxed(
        &options.limits,
        options.limits.report_operations,
        options.limits.report_array_len,
        globals_module(&globals, constants),
        &rule.id,
    );
    fixture::register(
        &mut engine,
        &Fixtures {
            rule: Arc::clone(&rule),
            now: globals.now,
            file: name.as_str().into(),
        },
    );
    Ok(Prepared {
        rule,
        file: test_path.to_path_buf(),
        ast,
        engine,
        tests,
        own,
        policy_file: policy_path.to_path_buf(),
    })
}

fn run_one(p: &Prepared, name: &str, line: u32) -> TestCase {
    let started = Instant::now();
    let mut scope = Scope::new();
    let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
    let outcome =
        match p
            .engine
            .call_fn_with_options::<Dynamic>(options, &mut scope, &p.ast, name, ())
        {
            Ok(_) => Outcome::Passed,
            Err(err) => failed(p, name, line, &err),
        };
    TestCase {
        name: name.to_string(),
        line,
        outcome,
        elapsed: started.elapsed(),
    }
}

/// The reason and location of a failure: the innermost error, in the file of the
/// innermost script function it happened in.
fn failed(p: &Prepared, test: &str, test_line: u32, err: &EvalAltResult) -> Outcome {
    let mut function = test.to_string();
    let mut call_site = err.position();
    let mut err = err;
    while let EvalAltResult::ErrorInFunctionCall(name, _, inner, pos) = err {
        if !pos.is_none() {
            call_site = *pos;
        }
        // Native functions (assertions) do not wrap; script functions do.
        if p.own.contains(name) || p.ast.iter_functions().any(|f| f.name == name) {
            function = name.clone();
        }
        err = inner;
    }
    let pos = if err.position().is_none() {
        call_site
    } else {
        err.position()
    };
    let file = if p.own.contains(&function) {
        p.file.clone()
    } else {
        p.policy_file.clone()
    };
    let reason = match err {
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        EvalAltResult::ErrorTooManyOperations(_) => {
            "exceeded the operation limit (`report_operations` under [limits])".to_string()
        }
        other => strip_position(&other.to_string()),
    };
    let reason = if file == p.policy_file {
        format!("error in the policy: {reason}")
    } else {
        reason
    };
    Outcome::Failed {
        reason,
        at: Location {
            file,
            // A budget error has no position: point at the test.
            line: pos
                .line()
                .and_then(|l| u32::try_from(l).ok())
                .unwrap_or(test_line),
        },
    }
}
