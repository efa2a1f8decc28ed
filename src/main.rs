//! The `tollgate` binary: the command line (`cli`), parsed and handed to the library as
//! plain options; the result turned into an exit code.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]
// As in the library: `Error` is large, and built at most once, on the way out.
#![allow(clippy::result_large_err)]

mod cli;

use clap::Parser;
use tollgate::settings::Global;
use tollgate::{run, Error, ExitStatus};

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    tollgate::install_report_hook(args.color.into());
    tollgate::interrupt::install();
    match dispatch(args) {
        Ok(status) => status.into(), // Pass → 0, Fail → 1
        // Only commands that just print get here with a closed standard output; `check`
        // and `test` return their verdict instead.
        Err(err) if err.is_broken_pipe() => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            ExitStatus::Error.into() // 2
        }
    }
}

/// Run the command the user typed.
fn dispatch(args: cli::Args) -> Result<ExitStatus, Error> {
    let global = Global {
        color: args.color.into(),
        verbose: args.verbose,
    };
    match args.command {
        cli::Command::Check(check) => run::check(&check.options(), global),
        cli::Command::Test(test) => run::test(&test.options(), global),
        cli::Command::Rules(rules) => run::rules(&rules.options(), global),
        cli::Command::Init(init) => run::init(&init.dir, init.force),
        cli::Command::Fetch(fetch) => run::fetch(&fetch.options(), global),
        cli::Command::Verify(verify) => tollgate::verify::verify(&verify.result, &verify.evidence),
        cli::Command::History(history) => run::history(
            history.config.as_deref(),
            history.state.as_deref(),
            history.runs,
            history.oldest,
            history.format == cli::HistoryFormat::Json,
        ),
        cli::Command::State(cli::StateCommand::Init { config, state }) => {
            run::state_init(config.as_deref(), state.as_deref())
        }
        cli::Command::Completions { shell } => {
            let mut cmd = <cli::Args as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "tollgate", &mut std::io::stdout());
            Ok(ExitStatus::Pass)
        }
        cli::Command::Man => {
            cli::man_page(&mut std::io::stdout().lock()).map_err(|source| Error::Write {
                what: "the manual page".into(),
                path: "-".into(),
                source,
            })?;
            Ok(ExitStatus::Pass)
        }
    }
}
