//! `replay`: a bundle's requests sent again to a new target; the checks
//! whose verdict changed, and exit 1 when one regressed.

use super::shared::{contract, print_json, runtime};
use crate::bundle::{resend, Changed, ResendTarget};
use crate::cli::{OutputFormat, ReplayArgs};
use crate::config;
use crate::exit::{Error, ExitCode};
use crate::output;

pub fn replay(args: ReplayArgs) -> Result<ExitCode, Error> {
    config::check_url(&args.target)?;
    if args.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(Error::usage(
            "the token is empty: set VERIFIK_TOKEN (or --token) to the target's bearer token, or leave it out",
        ));
    }
    config::check_ids(
        args.ids.project.as_deref(),
        args.ids.project_flow.as_deref(),
        args.ids.blocked_email_domain.as_deref(),
    )?;
    if let Some(dir) = &args.report_dir {
        crate::report::check_dir(dir)?;
    }
    let target = ResendTarget {
        url: args.target,
        token: args.token,
        project: args.ids.project,
        project_flow: args.ids.project_flow,
        blocked_email_domain: args.ids.blocked_email_domain,
    };
    let contract = contract()?;
    let mut resent = runtime()?.block_on(resend(&args.file, &target, contract))?;
    let run = resent.run.take();
    if let (Some(dir), Some(run)) = (&args.report_dir, &run) {
        run.report(contract).write_all(dir)?;
    }
    match args.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&resent).map_err(Error::harness)?;
            if let Some(run) = &run {
                run.secret.scrub_value(&mut value);
            }
            print_json(&value)?;
        }
        OutputFormat::Text => {
            let mut text = String::new();
            for (label, list) in [
                ("FIXED", &resent.fixed),
                ("REGRESSED", &resent.regressed),
                ("CHANGED", &resent.changed),
            ] {
                for c in list.iter() {
                    text.push_str(&line(label, c));
                }
            }
            text.push_str(&format!(
                "{} fixed, {} regressed, {} changed otherwise, {} unchanged\n",
                resent.fixed.len(),
                resent.regressed.len(),
                resent.changed.len(),
                resent.unchanged
            ));
            if let Some(run) = &run {
                text = run.secret.scrub(&text);
            }
            output::out(&text);
        }
    }
    Ok(ExitCode::found(!resent.regressed.is_empty()))
}

fn line(label: &str, change: &Changed) -> String {
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "did not run".into());
    format!(
        "{label} {}: recorded {}, now {}\n",
        change.check,
        shown(&change.recorded),
        shown(&change.now)
    )
}
