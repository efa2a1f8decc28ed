//! Where report text comes from: files, directories of files, standard input. Each input
//! becomes a [`crate::model::Input`]: a name to show and the whole text.
//! Live sources ([`live`]) fetch evidence from vendor APIs, one file per API (`coc`, `rms`,
//! `oos`, `pack`), signed and sent by [`crate::cloud`].

mod coc;
mod file;
pub mod live;
mod oos;
mod pack;
mod rms;
mod stdin;

use std::path::PathBuf;

use crate::error::Error;
use crate::model::{Input, ReportOrigin};

/// Where a report comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportInput {
    /// A file, or a directory whose `*.json` files are each a report.
    Path(PathBuf),
    /// Standard input (`-r -`).
    Stdin,
    /// A file read as the input a decision record names (`tollgate verify`): under its
    /// recorded origin, a path as given, `<stdin>`, or `source:NAME`.
    Recorded { path: PathBuf, origin: ReportOrigin },
}

/// Read every report input, in the order given (a directory's files sorted by name).
pub(crate) fn read_all(inputs: &[ReportInput]) -> Result<Vec<Input>, Error> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            ReportInput::Stdin => out.push(stdin::read()?),
            ReportInput::Path(path) => out.extend(file::read(path)?),
            ReportInput::Recorded { path, origin } => {
                let mut input = file::read_one(path)?;
                input.origin = origin.clone();
                out.push(input);
            }
        }
    }
    Ok(out)
}
