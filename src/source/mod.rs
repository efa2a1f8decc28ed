//! Where report text comes from: files, directories of files, standard input. Each input
//! becomes a [`report::Input`](crate::report::Input): a name to show and the whole text.
//! [`http`] is the transport the live sources share; [`fake`] is a fake vendor server for tests.

#[doc(hidden)]
pub mod fake;
mod file;
pub mod http;
mod stdin;

use crate::error::Error;
use crate::report::Input;
use crate::settings::ReportInput;

/// Read every report input, in the order given (a directory's files sorted by name).
pub fn read_all(inputs: &[ReportInput]) -> Result<Vec<Input>, Error> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            ReportInput::Stdin => out.push(stdin::read()?),
            ReportInput::Path(path) => out.extend(file::read(path)?),
        }
    }
    Ok(out)
}
