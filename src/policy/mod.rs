//! Policies: Rhai files with a `RULE` constant and `check(resource)` and/or
//! `check_report(report)`. `load` compiles them once, validates their metadata and runs
//! the static checks of [`lint`] on them; `eval` runs them over every resource in a
//! sandboxed engine (`engine`).
//! This stage reads reports and produces findings; it knows nothing of outputs or verdicts.

pub mod compiled;
mod engine;
mod eval;
mod fixture;
pub mod lint;
mod load;
pub mod params;
pub mod test;

use serde::{Deserialize, Serialize};

pub use eval::{evaluate, Evaluation};
pub use load::{compile, compile_checked, load, Policy};

/// Sandbox limits for every policy call. A policy that exceeds one fails with
/// `tollgate::policy::budget` naming the knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Rhai operations per `check` call.
    pub operations: u64,
    /// Rhai operations per `check_report` call (it may walk every resource).
    pub report_operations: u64,
    /// Nested function calls.
    pub call_levels: usize,
    /// Expression nesting depth.
    pub expr_depth: usize,
    /// Longest string, in bytes.
    pub string_len: usize,
    /// Largest array in a `check` call.
    pub array_len: usize,
    /// Largest array in a `check_report` call (`report.resources` holds the whole fleet).
    pub report_array_len: usize,
    /// Largest object map.
    pub map_len: usize,
}

impl Limits {
    /// Each limit by its `[limits]` key, for validation and documentation.
    pub fn entries(&self) -> [(&'static str, u64); 8] {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        [
            ("operations", self.operations),
            ("report_operations", self.report_operations),
            ("call_levels", n(self.call_levels)),
            ("expr_depth", n(self.expr_depth)),
            ("string_len", n(self.string_len)),
            ("array_len", n(self.array_len)),
            ("report_array_len", n(self.report_array_len)),
            ("map_len", n(self.map_len)),
        ]
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            operations: 100_000,
            report_operations: 50_000_000,
            call_levels: 32,
            expr_depth: 64,
            string_len: 1 << 20,
            // A resource's own data is small; a policy growing an array without bound is
            // stopped after a few megabytes, not after seconds of copying.
            array_len: 100_000,
            report_array_len: 10_000_000,
            map_len: 100_000,
        }
    }
}

/// Values a policy sees in `global::`: `PARAMS` and `NOW`.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `[params]` from tollgate.toml and `--param`.
    pub params: rhai::Map,
    /// The evaluation time, Unix milliseconds.
    pub now: i64,
}
