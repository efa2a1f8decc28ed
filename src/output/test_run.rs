//! Results of `tollgate test`: `human` (one line per failing test with file:line and the
//! reason, then `N passed, N failed`) and `junit` (one testsuite per policy, one testcase
//! per test; the JUnit XML that GitLab, Jenkins and Azure DevOps read, written with the
//! junit-report crate).

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
    use junit_report::{
        Duration, OffsetDateTime, ReportBuilder, TestCaseBuilder, TestSuiteBuilder,
    };
    let timestamp =
        OffsetDateTime::from_unix_timestamp(now.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut report = ReportBuilder::new();
    for suite in run.suites.iter().filter(|s| !s.cases.is_empty()) {
        let mut builder =
            TestSuiteBuilder::new(&format!("{}: {}", suite.rule.id, suite.rule.title));
        builder.set_timestamp(timestamp);
        for case in &suite.cases {
            let elapsed = Duration::try_from(case.elapsed).unwrap_or(Duration::ZERO);
            let mut tc = match &case.outcome {
                Outcome::Passed => TestCaseBuilder::success(&case.name, elapsed),
                Outcome::Failed { reason, at } => {
                    let mut tc = TestCaseBuilder::failure(&case.name, elapsed, "assertion", reason);
                    tc.set_trace(&format!("{}:{}: {reason}", at.file.display(), at.line));
                    tc
                }
            };
            tc.set_classname(&suite.rule.id);
            tc.set_filepath(&suite.file.display().to_string());
            builder.add_testcase(tc.build());
        }
        report.add_testsuite(builder.build());
    }
    report.build().write_xml(out).map_err(io::Error::other)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
