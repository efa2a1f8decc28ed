//! The compiled evaluator: policies of the common shape run as native closures over the
//! typed resource, and Rhai's interpreter stays the reference and the fallback.
//!
//! A policy compiles when its `check` and `check_report` use only what the `build` module
//! translates: property reads on resources, counts, the report and maps; literals;
//! arithmetic and comparisons with Rhai's rules for mixed integers and floats and for
//! `()`; `&&`, `||`, `!`, `??` and `in`; `if`/`else`, `let`, assignments, `return`;
//! `for` over arrays (`report.resources` included) with `break` and `continue`;
//! interpolated strings; a few string and array methods (`len`, `is_empty`, `contains`,
//! `starts_with`, `ends_with`, `to_upper`, `to_lower`); `param(...)`, `global::NOW`,
//! `global::PARAMS` and the policy's own constants, which are this run's constants; and
//! `deny`/`warn`, through the same function the interpreter calls. Anything else keeps
//! the whole policy in the interpreter, and `tollgate rules` says which construct.
//!
//! A compiled call that meets what it does not handle at run time (an error Rhai raises,
//! a pair of types it does not compare, a budget nearly spent) gives up, and the
//! interpreter runs that call from the start: policies have no side effects, so running
//! a call again changes nothing, and every error is raised by the interpreter, with its
//! message and position.
//!
//! `TOLLGATE_ENGINE=interpreted` turns the compiler off for a whole run.

mod build;
mod value;

use std::sync::Arc;

use rhai::{Dynamic, AST};
use smallvec::SmallVec;

pub use build::Unsupported;
use build::{Compiler, Env, Frame, Node, Stop, OPS_PER_NODE};
use value::{Const, Val};

use super::{Globals, Limits};
use crate::model::resource::Resource;
use crate::model::Report;

/// How the policies of a run are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// Compiled where a policy allows it, interpreted where not (the default).
    #[default]
    Compiled,
    /// Everything in Rhai's interpreter.
    Interpreted,
}

impl EngineChoice {
    /// The environment variable that chooses.
    pub const VAR: &'static str = "TOLLGATE_ENGINE";

    /// The choice `TOLLGATE_ENGINE` makes (`compiled` or `interpreted`; unset is compiled).
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(Self::VAR) {
            Err(_) => Ok(EngineChoice::Compiled),
            Ok(v) => match v.trim() {
                "" | "compiled" => Ok(EngineChoice::Compiled),
                "interpreted" | "interpreter" => Ok(EngineChoice::Interpreted),
                other => Err(format!(
                    "{}={other:?} is neither `compiled` nor `interpreted`",
                    Self::VAR
                )),
            },
        }
    }
}

/// How one policy runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Compiled,
    /// In the interpreter, because of this construct.
    Interpreted(Unsupported),
    /// In the interpreter, because the run asked for it.
    Asked,
}

impl Mode {
    /// A word for tables: `compiled` or `interpreted`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Compiled => "compiled",
            Mode::Interpreted(_) | Mode::Asked => "interpreted",
        }
    }
}

impl Mode {
    /// Why the policy runs interpreted: the construct and where, or the setting.
    pub fn reason(&self) -> Option<String> {
        match self {
            Mode::Compiled => None,
            Mode::Interpreted(why) => Some(why.to_string()),
            Mode::Asked => Some(format!("{}=interpreted", EngineChoice::VAR)),
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason() {
            None => f.write_str("compiled"),
            Some(why) => write!(f, "interpreted: {why}"),
        }
    }
}

/// A policy's compiled functions.
pub(crate) struct Compiled {
    pub check: Option<Function>,
    pub check_report: Option<Function>,
}

/// One compiled function.
pub(crate) struct Function {
    body: Node,
    pool: Vec<Const>,
    slots: usize,
    /// The operations its code outside loops may cost.
    base_ops: u64,
}

/// Compile a policy's `check` and `check_report` against this run's params and time.
pub(crate) fn compile(
    ast: &AST,
    globals: &Globals,
    constants: &[(String, Dynamic)],
) -> Result<Compiled, Unsupported> {
    let env = Env {
        params: &globals.params,
        now: globals.now,
        constants,
    };
    let mut compiled = Compiled {
        check: None,
        check_report: None,
    };
    for def in ast.iter_fn_def() {
        let slot = match def.name.as_str() {
            "check" => &mut compiled.check,
            "check_report" => &mut compiled.check_report,
            _ => continue,
        };
        let [param] = def.params.as_slice() else {
            continue;
        };
        let statements = super::lint::body_of(ast, &def.name, 1);
        let mut compiler = Compiler::new(&env, param);
        let body = compiler.block(&statements)?;
        *slot = Some(Function {
            body,
            pool: compiler.pool,
            slots: compiler.slots,
            base_ops: compiler.nodes * OPS_PER_NODE,
        });
    }
    Ok(compiled)
}

/// The budget of one call.
#[derive(Clone, Copy)]
pub(crate) struct Budget {
    pub operations: u64,
    pub string_len: usize,
    pub array_len: usize,
    pub map_len: usize,
}

impl Budget {
    /// A `check` call's budget.
    pub(crate) fn check(limits: &Limits) -> Self {
        Budget {
            operations: limits.operations,
            string_len: limits.string_len,
            array_len: limits.array_len,
            map_len: limits.map_len,
        }
    }

    /// A `check_report` call's budget.
    pub(crate) fn check_report(limits: &Limits) -> Self {
        Budget {
            operations: limits.report_operations,
            array_len: limits.report_array_len,
            ..Budget::check(limits)
        }
    }
}

/// What a compiled call gave: the value returned, as the interpreter would hold it
/// (`None` for `()`), or `Err` to run the call in the interpreter instead.
pub(crate) type Outcome = Result<Option<Dynamic>, GaveUp>;

/// A compiled call that gave up: the interpreter runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GaveUp;

impl Function {
    /// `check(resource)`.
    pub(crate) fn check(&self, resource: &Arc<Resource>, budget: Budget) -> Outcome {
        self.call(Val::Resource(resource), budget)
    }

    /// `check_report(report)`.
    pub(crate) fn check_report(&self, report: &Arc<Report>, budget: Budget) -> Outcome {
        self.call(Val::Report(report), budget)
    }

    fn call<'a>(&'a self, arg: Val<'a>, budget: Budget) -> Outcome {
        if self.base_ops > budget.operations {
            return Err(GaveUp);
        }
        // Each slot is written in place: cloning one `Val::Unit` into all of them costs a
        // store-forwarding stall per slot on every call.
        let mut locals: SmallVec<[Val<'a>; 8]> = SmallVec::new();
        locals.push(arg);
        for _ in 1..self.slots {
            locals.push(Val::Unit);
        }
        let mut frame = Frame {
            pool: &self.pool,
            locals,
            ops: self.base_ops,
            max_ops: budget.operations,
            max_string: budget.string_len,
            max_array: budget.array_len,
            max_map: budget.map_len,
        };
        let done = (self.body)(&mut frame);
        // Most calls pass: look at the tag before moving the whole value.
        if matches!(done, Ok(Val::Unit) | Err(Stop::Return(Val::Unit))) {
            return Ok(None);
        }
        let value = match done {
            Ok(v) | Err(Stop::Return(v)) => v,
            // `break`/`continue` outside a loop is a parse error; give up all the same.
            Err(Stop::Break | Stop::Continue | Stop::Fallback) => return Err(GaveUp),
        };
        Ok(Some(value.to_dynamic()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Input;
    use crate::report::{load_all, LoadOptions};
    use std::path::PathBuf;

    fn shipped(globals: &Globals) -> Vec<crate::policy::Policy> {
        let paths = [
            PathBuf::from("policies"),
            PathBuf::from("src/init/starter.rhai"),
        ];
        crate::policy::load(&paths, &Limits::default(), globals).unwrap()
    }

    /// Under `TOLLGATE_ENGINE=interpreted` (the test suite's second run) nothing compiles.
    fn asked_to_interpret() -> bool {
        EngineChoice::from_env() == Ok(EngineChoice::Interpreted)
    }

    #[test]
    fn the_shipped_policies_and_the_starter_compile() {
        let want = if asked_to_interpret() {
            Mode::Asked
        } else {
            Mode::Compiled
        };
        for p in shipped(&Globals::default()) {
            assert_eq!(p.mode, want, "{}", p.rule.id);
        }
    }

    /// On the example reports, every call of the shipped policies is finished compiled:
    /// none gives up and runs in the interpreter.
    #[test]
    fn the_shipped_policies_never_give_up_on_the_examples() {
        let globals = Globals {
            now: 1_795_420_000_000,
            ..Globals::default()
        };
        let policies = shipped(&globals);
        let mut reports = Vec::new();
        for entry in std::fs::read_dir("examples/reports").unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let input = Input {
                    origin: crate::model::ReportOrigin::File(path.display().to_string().into()),
                    text: std::fs::read_to_string(&path).unwrap().into(),
                };
                reports.extend(
                    load_all(&input, LoadOptions::default())
                        .unwrap()
                        .into_iter()
                        .map(Arc::new),
                );
            }
        }
        let out = crate::policy::evaluate(&policies, &reports);
        assert_eq!(
            out.fell_back, 0,
            "{} of {} calls gave up",
            out.fell_back, out.calls
        );
        if asked_to_interpret() {
            assert_eq!(out.compiled, 0);
        } else {
            assert_eq!(out.compiled, out.calls, "every call ran compiled");
        }
    }
}
