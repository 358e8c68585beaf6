//! `compare`: the same scripted and generated requests against two sides,
//! differences grouped by fact; exit 1 when one touches a must or should
//! fact.

use super::shared::{contract, print_json, runtime};
use crate::cli::{CompareArgs, OutputFormat};
use crate::compare::{compare as run_compare, to_json, to_text, CompareConfig, Side, NOISE_GAP};
use crate::config::{self, RunConfig};
use crate::exit::{Error, ExitCode};
use crate::output;

pub fn compare(args: CompareArgs) -> Result<ExitCode, Error> {
    let side = |name: &str, text: &str| {
        Side::parse(text).map_err(|e| Error::usage(format!("--{name}: {e}")))
    };
    let (a, b) = (side("a", &args.a)?, side("b", &args.b)?);
    for (name, token) in [("a", &args.a_token), ("b", &args.b_token)] {
        if token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(Error::usage(format!(
                "--{name}-token is empty: give the side's bearer token, or leave it out"
            )));
        }
    }
    config::check_ids(
        args.ids.project.as_deref(),
        args.ids.project_flow.as_deref(),
        args.ids.blocked_email_domain.as_deref(),
    )?;
    let defaults = RunConfig::new(args.profile);
    let base = RunConfig {
        project: args.ids.project,
        project_flow: args.ids.project_flow,
        blocked_email_domain: args.ids.blocked_email_domain,
        seed: args.seed,
        cases: args.cases,
        concurrency: config::check_concurrency(args.concurrency)?,
        timeout: match args.timeout {
            Some(seconds) => config::check_timeout(seconds)?,
            None => defaults.timeout,
        },
        ..defaults
    };
    if let Some(dir) = &args.report_dir {
        crate::report::check_dir(dir)?;
    }
    let config = CompareConfig {
        a,
        b,
        a_token: args.a_token,
        b_token: args.b_token,
        base,
        noise_gap: NOISE_GAP,
    };
    let contract = contract()?;
    let outcome = runtime()?.block_on(run_compare(&config, contract))?;
    if let Some(dir) = &args.report_dir {
        for (name, side) in [("a", &outcome.a), ("b", &outcome.b)] {
            side.run.report(contract).write_all(&dir.join(name))?;
        }
        let text = serde_json::to_string_pretty(&to_json(&outcome)).map_err(Error::harness)?;
        let path = dir.join("compare.json");
        std::fs::write(&path, text).map_err(|e| {
            Error::usage(format!(
                "cannot write {}: {e}; pass a writable --report-dir",
                path.display()
            ))
        })?;
    }
    match args.format {
        OutputFormat::Json => print_json(&to_json(&outcome))?,
        OutputFormat::Text => output::out(&to_text(&outcome)),
    }
    Ok(ExitCode::found(outcome.binding() > 0))
}
