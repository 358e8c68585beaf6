//! `run`: the suite against a target (default: the embedded reference
//! server), reports written to `--report-dir`, and an exit code for CI.

use std::io::IsTerminal as _;

use super::shared::{contract, runtime};
use crate::cli::RunArgs;
use crate::config::{self, FileConfig, RunConfig};
use crate::exit::{Error, ExitCode};
use crate::model::ProfileId;
use crate::report::Report;
use crate::suite::run_suite;

pub fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let config = run_config(args)?;
    if config.target.is_some() && config.token.is_none() {
        eprintln!(
            "warning: no --token (or VERIFIK_TOKEN): requests go without Authorization, so every check behind authentication will fail"
        );
    }
    let contract = contract()?;
    let outcome = runtime()?.block_on(run_suite(&config, contract))?;
    let report = Report::build(outcome.info, outcome.checks, contract, &outcome.profile);
    let written = report.write_all(&config.report_dir)?;
    print!(
        "{}",
        report.console_summary(std::io::stdout().is_terminal())
    );
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(report.exit_code())
}

/// The flags over the `--config` file over the defaults.
fn run_config(args: RunArgs) -> Result<RunConfig, Error> {
    let file = match &args.config {
        Some(path) => config::read_file(path)?,
        None => FileConfig::default(),
    };
    let defaults = RunConfig::new(ProfileId::Current);
    let profile = match (args.profile, file.profile) {
        (Some(profile), _) => profile,
        (None, Some(name)) => config::parse_profile(&name)?,
        (None, None) => defaults.profile,
    };
    let only = match (args.only, file.only) {
        (Some(phase), _) => Some(phase),
        (None, Some(name)) => Some(config::parse_phase(&name)?),
        (None, None) => None,
    };
    let timeout = match args.timeout.or(file.timeout) {
        Some(seconds) => config::check_timeout(seconds)?,
        None => defaults.timeout,
    };
    let concurrency = config::check_concurrency(
        args.concurrency
            .or(file.concurrency)
            .unwrap_or(defaults.concurrency),
    )?;
    let target = args.target.or(file.target);
    if let Some(url) = &target {
        config::check_url(url)?;
    }
    Ok(RunConfig {
        target,
        token: args.token.or(file.token),
        project: args.project.or(file.project),
        project_flow: args.project_flow.or(file.project_flow),
        blocked_email_domain: args.blocked_email_domain.or(file.blocked_email_domain),
        profile,
        tags: args.tags.or(file.tags),
        only,
        cases: args.cases.or(file.cases).unwrap_or(defaults.cases),
        seed: args.seed.or(file.seed),
        concurrency,
        timeout,
        report_dir: args
            .report_dir
            .or(file.report_dir)
            .unwrap_or(defaults.report_dir.clone()),
        strict: args.strict || file.strict.unwrap_or(false),
        quiet: false,
        ca_certs: if args.ca_certs.is_empty() {
            file.ca_cert.into_iter().collect()
        } else {
            args.ca_certs
        },
        ..defaults
    })
}
