//! tollgate: a policy-as-code compliance gate. It reads compliance reports (Huawei Cloud
//! COC and Config, Alibaba Cloud OOS and Config), evaluates Rhai policies against them,
//! and decides pass (exit 0), fail (exit 1) or could-not-decide (exit 2).
//!
//! # Layers
//!
//! Each module imports only from the layers below its own (tests/cli/layers.rs checks it):
//!
//! | layer | modules | what they hold |
//! |---|---|---|
//! | 9 | [`verify`] | replay a recorded decision and confirm it |
//! | 8 | [`run`] | the pipeline, in order |
//! | 7 | [`settings`] | the command line's options and tollgate.toml, merged and checked |
//! | 6 | [`output`], `incident`, `init` | render or send a decided result; starter files |
//! | 5 | [`verdict`] | waivers, baseline, blocking, the run's one outcome |
//! | 4 | [`policy`] | load, statically check, compile and evaluate policies; a test fixture's records are read with the report parsers' own status rules, hence above `report` |
//! | 3 | [`report`], [`source`] | parse each vendor's report; fetch or read report text |
//! | 2 | [`cloud`], [`store`] | HTTP, retries, signing, credentials; the ledger (SQLite, PostgreSQL) |
//! | 1 | `error`, `fsx` | diagnostics; atomic files |
//! | 0 | [`model`], [`interrupt`] | the values every stage passes along; signals |
//!
//! # What is stable
//!
//! The binary (src/main.rs, with the command line in src/cli.rs) uses [`run`] with the
//! option types of [`run`] and [`settings`], [`install_report_hook`],
//! [`interrupt::install`], [`Error`] and [`ExitStatus`], and the [`model`]'s enums. Those,
//! and the `tollgate.result/v1` document `-o json` writes, are what is meant to stay
//! stable. The other public modules ([`report`], [`policy`], [`verdict`], [`output`],
//! [`source`], [`cloud`]) are public for the integration tests, the fuzz targets and the
//! benchmarks, which drive the stages one by one; they may change with any release. So
//! are [`settings::Settings`] and its constants beyond the option types.

#![forbid(unsafe_code)]
// `Error` carries a diagnostic's source text and spans, so it is large; it is built at most
// a few times per run, on the way out, where its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]
// Outside tests a panic is never how an input is rejected: each `unwrap`/`expect` that
// remains is allowed where it stands, with the reason it cannot fail.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// Items of the modules the crate keeps to itself are `pub(crate)`, so that what is public
// is what the list above says.
#![warn(unreachable_pub)]

pub mod cloud;
mod error;
mod fsx;
mod incident;
mod init;
pub mod interrupt;
pub mod model;
pub mod output;
pub mod policy;
pub mod report;
pub mod run;
pub mod settings;
pub mod source;
pub mod store;
pub mod verdict;
pub mod verify;

/// Test support shared with the integration tests (tests/support/), compiled only into
/// the library's own unit tests: nothing of it is in the product.
#[cfg(test)]
#[allow(unreachable_pub)] // written for the integration tests, where `pub` is needed
#[path = "../tests/support/fake.rs"]
pub(crate) mod fake;

pub use error::Error;
pub use verdict::ExitStatus;

/// Set up miette's rendering of diagnostics from `--color` and the environment.
pub fn install_report_hook(choice: settings::ColorChoice) {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let color = choice.applies(terminal);
    // Only fails when a hook is already set, which leaves that one in place.
    let _ = miette::set_hook(Box::new(move |_| {
        let opts = miette::MietteHandlerOpts::new()
            .color(color)
            .unicode(color)
            .terminal_links(false)
            .context_lines(2);
        // In a CI log, a message cut over several lines cannot be searched for.
        let opts = if terminal {
            opts
        } else {
            opts.width(usize::MAX / 4).wrap_lines(false)
        };
        Box::new(opts.build())
    }));
}
