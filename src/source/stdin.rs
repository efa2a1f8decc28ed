//! A report from standard input (`-r -`), shown as `<stdin>`.

use std::io::Read;

use crate::error::Error;
use crate::model::{Input, ReportOrigin};

/// Read all of standard input as one report.
pub(super) fn read() -> Result<Input, Error> {
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|source| Error::ReadStdin { source })?;
    Ok(Input {
        origin: ReportOrigin::Stdin,
        text: text.into(),
    })
}
