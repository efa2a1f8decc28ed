//! tollgate: a policy-as-code compliance gate. It reads compliance reports (Huawei Cloud
//! COC and Config, Alibaba Cloud OOS and Config), evaluates Rhai policies against them,
//! and decides pass (exit 0), fail (exit 1) or could-not-decide (exit 2).
//!
//! The library exists for tests and for `main.rs`; the pipeline is in [`run`].

#![forbid(unsafe_code)]
// `Error` carries a diagnostic's source text and spans, so it is large; it is built at most
// a few times per run, on the way out, where its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]
// Outside tests a panic is never how an input is rejected: each `unwrap`/`expect` that
// remains is allowed where it stands, with the reason it cannot fail.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod cloud;
pub mod error;
pub mod fsx;
pub mod incident;
pub mod init;
pub mod interrupt;
pub mod model;
pub mod output;
pub mod policy;
pub mod report;
pub mod run;
pub mod settings;
pub mod source;
pub mod verdict;

/// Test support shared with the integration tests (tests/support/), compiled only into
/// the library's own unit tests: nothing of it is in the product.
#[cfg(test)]
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
