//! The `tollgate` binary: parse arguments, run, turn the result into an exit code.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = tollgate::cli::Args::parse();
    tollgate::install_report_hook(&args);
    tollgate::interrupt::install();
    match tollgate::run(args) {
        Ok(status) => status.into(), // Pass → 0, Fail → 1
        // Only commands that just print get here with a closed standard output; `check`
        // and `test` return their verdict instead.
        Err(err) if err.is_broken_pipe() => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            tollgate::ExitStatus::Error.into() // 2
        }
    }
}
