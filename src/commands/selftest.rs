//! `selftest`: the kill matrix of the suite against the reference server's
//! mutants, and the faithful server under every variant.

use crate::cli::{OutputFormat, SelftestArgs};
use crate::exit;
use crate::selftest::{run_selftest, SelftestConfig};

pub fn selftest(args: SelftestArgs) -> i32 {
    let contract = match super::contract() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let config = SelftestConfig {
        cases: args.cases.unwrap_or(200),
        seed: args.seed,
    };
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let matrix = match runtime.block_on(run_selftest(&config, contract)) {
        Ok(m) => m,
        Err(e) => return super::fail(e.exit_code(), e),
    };
    match args.format {
        OutputFormat::Json => match serde_json::to_string_pretty(&matrix) {
            Ok(text) => println!("{text}"),
            Err(e) => return super::fail(exit::HARNESS, e),
        },
        OutputFormat::Text => print!("{}", matrix.to_text()),
    }
    if matrix.all_good() {
        exit::OK
    } else {
        exit::VIOLATIONS
    }
}
