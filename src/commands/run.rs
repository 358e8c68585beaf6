//! `run`: the suite against a target (default: the embedded reference
//! server), reports written to `--report-dir`, and an exit code for CI.

use std::io::IsTerminal as _;

use super::shared::{contract, runtime};
use crate::cli::RunArgs;
use crate::config::{self, FileConfig, RunConfig};
use crate::exit::{Error, ExitCode};
use crate::model::{NoTests, Phase, ProfileId};
use crate::output;
use crate::report::Report;
use crate::suite::run_suite;

pub fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let config = run_config(args)?;
    if config.target.is_some() && config.token.is_none() {
        output::err_line(
            "warning: no VERIFIK_TOKEN (or --token): requests go without Authorization, so every check behind authentication will fail",
        );
    }
    // Found before the first request, not after the run.
    crate::report::check_dir(&config.report_dir)?;
    let contract = contract()?;
    let outcome = runtime()?.block_on(run_suite(&config, contract))?;
    let report = Report::build(
        outcome.info,
        outcome.checks,
        contract,
        &outcome.profile,
        &outcome.secret,
    );
    let written = report.write_all(&config.report_dir)?;
    output::out(&report.console_summary(std::io::stdout().is_terminal()));
    for path in written {
        output::out_line(&format!("wrote {}", path.display()));
    }
    if let Some(why) = &report.run.stopped {
        return Err(Error::Unreachable(format!(
            "{}; the partial report is in {}",
            outcome.secret.scrub(why),
            config.report_dir.display()
        )));
    }
    if report.executed() == 0 {
        let what = nothing_selected(&config);
        match config.no_tests {
            NoTests::Fail => {
                return Err(Error::usage(format!(
                    "no check observed anything: {what}; select some checks, or pass --no-tests warn|pass"
                )))
            }
            NoTests::Warn => {
                output::err_line(&format!("warning: no check observed anything: {what}"));
                return Ok(ExitCode::Ok);
            }
            NoTests::Pass => return Ok(ExitCode::Ok),
        }
    }
    Ok(report.exit_code())
}

/// What selected nothing, for the message of a run that observed nothing.
fn nothing_selected(config: &RunConfig) -> String {
    let mut parts = Vec::new();
    if let Some(tags) = &config.tags {
        if config.only != Some(Phase::Generated) {
            parts.push(format!("--tags {tags:?} selected no scenario that ran"));
        }
    }
    if config.cases == 0 && config.only != Some(Phase::Scripted) {
        parts.push("--cases 0 generated no case".to_string());
    }
    if let Some(phase) = config.only {
        parts.push(format!("--only {phase} ran one phase"));
    }
    if parts.is_empty() {
        parts.push("every selected check was skipped".to_string());
    }
    parts.join(", ")
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
    let max_duration = match args.max_duration.or(file.max_duration) {
        Some(text) => Some(config::parse_max_duration(&text)?),
        None => None,
    };
    let no_tests = match (args.no_tests, file.no_tests) {
        (Some(policy), _) => policy,
        (None, Some(name)) => config::parse_no_tests(&name)?,
        (None, None) => defaults.no_tests,
    };
    let token = args.token.or(file.token);
    if token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(Error::usage(
            "the token is empty: set VERIFIK_TOKEN (or --token) to the target's bearer token, or leave it out",
        ));
    }
    let target = args.target.or(file.target);
    if let Some(url) = &target {
        config::check_url(url)?;
    }
    Ok(RunConfig {
        target,
        token,
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
        max_duration,
        no_tests,
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
