//! Results of `tollgate test`: `human` (one line per failing test with file:line and the
//! reason, then `N passed, N failed`) and `junit` (one testsuite per policy, one testcase
//! per test; the JUnit XML that GitLab, Jenkins and Azure DevOps read, written as it is
//! produced by the writer of `-o junit`).

use std::io::{self, Write};
use std::path::PathBuf;
use std::str::FromStr;

use owo_colors::OwoColorize;

use crate::error::Error;
use crate::policy::test::{Outcome, TestRun};

/// The formats `tollgate test -o` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestFormat {
    Human,
    Junit,
}

/// One `-o FORMAT[=PATH]` of `tollgate test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TestOutput {
    pub format: TestFormat,
    /// `None` is standard output.
    pub path: Option<PathBuf>,
}

impl FromStr for TestOutput {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, path) = super::split_target(s)?;
        let format = match name {
            "human" => TestFormat::Human,
            "junit" => TestFormat::Junit,
            other => {
                return Err(format!(
                    "unknown test output format {other:?}; formats are: human, junit"
                ))
            }
        };
        Ok(TestOutput { format, path })
    }
}

/// Write each requested output; a file is written atomically.
pub(crate) fn write_all(
    outputs: &[TestOutput],
    run: &TestRun,
    color: bool,
    verbose: u8,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    for output in outputs {
        let emit = |out: &mut dyn Write, color: bool| match output.format {
            TestFormat::Human => human(run, color, verbose, out),
            TestFormat::Junit => junit(run, now, out),
        };
        let what = match output.format {
            TestFormat::Human => "test results",
            TestFormat::Junit => "JUnit test results",
        };
        let written = super::deliver(output.path.as_deref(), what, |out, to_file| {
            emit(out, color && !to_file)
        });
        super::unless_reader_left(written)?;
    }
    Ok(())
}

/// Failing tests, one line each; with `-v` passing ones too; then the tally.
pub(crate) fn human(
    run: &TestRun,
    color: bool,
    verbose: u8,
    out: &mut dyn Write,
) -> io::Result<()> {
    let paint = |text: &str, bad: bool| -> String {
        match (color, bad) {
            (false, _) => text.to_string(),
            (true, true) => text.red().bold().to_string(),
            (true, false) => text.green().to_string(),
        }
    };
    for (suite, case) in run.cases() {
        match &case.outcome {
            Outcome::Failed { reason, at } => writeln!(
                out,
                "{} {}:{}: {} {}: {}",
                paint("FAIL", true),
                at.file.display(),
                at.line,
                suite.rule.id,
                case.name,
                one_line(reason)
            )?,
            Outcome::Passed if verbose > 0 => writeln!(
                out,
                "{}   {}:{}: {} {}",
                paint("ok", false),
                suite.file.display(),
                case.line,
                suite.rule.id,
                case.name
            )?,
            Outcome::Passed => {}
        }
    }
    if !run.untested.is_empty() {
        let names: Vec<String> = run
            .untested
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        writeln!(
            out,
            "no tests for {} {}: {}",
            names.len(),
            if names.len() == 1 {
                "policy"
            } else {
                "policies"
            },
            names.join(", ")
        )?;
    }
    let (passed, failed) = run.tally();
    let line = format!("{passed} passed, {failed} failed");
    writeln!(out, "{}", paint(&line, failed > 0))
}

/// One testsuite per policy (named `ID: title`), one testcase per test, stamped with the
/// time the tests ran (`--now` when given, so that a replay gives the same document).
pub(crate) fn junit(
    run: &TestRun,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut dyn Write,
) -> io::Result<()> {
    use super::junit::{timestamp, Case, CaseResult, Junit, Suite};
    let stamp = timestamp(Some(now.timestamp()));
    let mut doc = Junit::start(io::BufWriter::new(out))?;
    for suite in run.suites.iter().filter(|s| !s.cases.is_empty()) {
        let name = format!("{}: {}", suite.rule.id, suite.rule.title);
        let failures = suite
            .cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
            .count();
        let head = Suite {
            name: &name,
            timestamp: &stamp,
            tests: suite.cases.len(),
            failures,
            errors: 0,
            time: suite.cases.iter().map(|c| c.elapsed).sum(),
        };
        let file = suite.file.display().to_string();
        doc.suite(&head, None, |doc| {
            for case in &suite.cases {
                let trace;
                let result = match &case.outcome {
                    Outcome::Passed => CaseResult::Success,
                    Outcome::Failed { reason, at } => {
                        trace = format!("{}:{}: {reason}", at.file.display(), at.line);
                        CaseResult::Failure {
                            kind: "assertion",
                            message: reason,
                            trace: Some(&trace),
                        }
                    }
                };
                doc.case(&Case {
                    name: &case.name,
                    time: case.elapsed,
                    classname: Some(&suite.rule.id),
                    file: Some(&file),
                    result,
                    system_out: None,
                })?;
            }
            Ok(())
        })?;
    }
    doc.finish()?.flush()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
