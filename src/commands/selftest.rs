//! `selftest`: the kill matrix of the suite against the reference server's
//! mutants, the precision matrix against its twins, and the faithful server
//! under every variant.

use super::shared::{contract, print_json, runtime};
use crate::cli::{OutputFormat, SelftestArgs};
use crate::exit::{Error, ExitCode};
use crate::selftest::{run_selftest, SelftestConfig};

pub fn selftest(args: SelftestArgs) -> Result<ExitCode, Error> {
    let contract = contract()?;
    let config = SelftestConfig {
        cases: args.cases.unwrap_or(200),
        seed: args.seed,
    };
    let matrix = runtime()?.block_on(run_selftest(&config, contract))?;
    match args.format {
        OutputFormat::Json => print_json(&matrix)?,
        OutputFormat::Text => crate::output::out(&matrix.to_text()),
    }
    Ok(ExitCode::found(!matrix.all_good()))
}
