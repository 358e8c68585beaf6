//! `run`: the suite against a target (default: the embedded reference
//! server), reports written to `--report-dir`, and an exit code for CI.

use std::io::IsTerminal as _;

use crate::cli::RunArgs;
use crate::config::RunConfig;
use crate::exit;
use crate::report::{Report, RunInfo};
use crate::suite::run_suite;

pub fn run(args: RunArgs) -> i32 {
    let config = match RunConfig::from_args(args) {
        Ok(c) => c,
        Err(e) => return super::fail(exit::USAGE, e),
    };
    if config.target.is_some() && config.token.is_none() {
        eprintln!(
            "warning: no --token (or VERIFIK_TOKEN): requests go without Authorization, so every check behind authentication will fail"
        );
    }
    let contract = match super::contract() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let outcome = match runtime.block_on(run_suite(&config, contract)) {
        Ok(o) => o,
        Err(e) => return super::fail(e.exit_code(), e),
    };
    let info = RunInfo {
        target: outcome.target.clone(),
        profile: outcome.profile.name.clone(),
        seed: outcome.seed,
        started_at: outcome.started_at.clone(),
        duration_ms: outcome.duration_ms,
        strict: config.strict,
    };
    let report = Report::build(info, outcome.checks, contract, &outcome.profile);
    let written = match report.write_all(&config.report_dir) {
        Ok(paths) => paths,
        Err(e) => return super::fail(exit::USAGE, e),
    };
    print!(
        "{}",
        report.console_summary(std::io::stdout().is_terminal())
    );
    for path in written {
        println!("wrote {}", path.display());
    }
    report.exit_code()
}
