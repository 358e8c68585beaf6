//! `man`: the man page of the command line (roff), generated from its clap
//! definition: `verifik-conformance man > verifik-conformance.1`.

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::exit::{Error, ExitCode};

pub fn man() -> Result<ExitCode, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::harness(format_args!("cannot render the man page: {e}")))?;
    crate::output::out(&String::from_utf8_lossy(&page));
    Ok(ExitCode::Ok)
}
