//! How `run` and `merge` end alike: apply the waivers, build the report,
//! compare it with the baseline, write every format, print the summary,
//! and turn it all into an exit code under the gate's policy.

use std::path::PathBuf;

use crate::check::{Check, RunInfo};
use crate::client::Secret;
use crate::contract::{Contract, Profile};
use crate::events::Events;
use crate::exit::{Error, ExitCode};
use crate::gate::{Baseline, Policy, Waivers};
use crate::model::NoTests;
use crate::output;
use crate::report::Report;

/// How the run is gated: waivers, a baseline, and the exit policy.
#[derive(Debug)]
pub(crate) struct Gate {
    pub waivers: Option<Waivers>,
    pub baseline: Option<Baseline>,
    pub policy: Policy,
}

/// Where and how the conclusion is shown.
pub(crate) struct Outputs<'a> {
    pub report_dir: PathBuf,
    pub color: bool,
    pub events: Option<&'a Events>,
    /// The events are on stdout: the summary goes to stderr.
    pub events_on_stdout: bool,
    pub no_tests: NoTests,
    /// What selected the checks, for a run that observed nothing.
    pub selection: String,
    /// List every check before the summary (`--verbose`).
    pub verbose: bool,
}

/// The finished checks of a run (or of merged shards), judged and shown.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conclude(
    info: RunInfo,
    mut checks: Vec<Check>,
    contract: &Contract,
    profile: &Profile,
    secret: &Secret,
    gate: Gate,
    outputs: &Outputs<'_>,
) -> Result<ExitCode, Error> {
    let today = time::OffsetDateTime::now_utc().date();
    let waivers = gate
        .waivers
        .map(|w| w.apply(&mut checks, today))
        .unwrap_or_default();
    let report = Report::build(info, checks, contract, profile, secret);
    let baseline = gate.baseline.map(|b| b.compare(&report.checks));
    let report = report.with_gate(waivers, baseline);
    let written = report.write_all(&outputs.report_dir)?;
    if let Some(events) = outputs.events {
        events.run_end(&report.summary);
    }
    let print = |text: &str| {
        if outputs.events_on_stdout {
            output::err_line(text.trim_end());
        } else {
            output::out(text);
        }
    };
    if outputs.verbose {
        print(&format!("{}\n", report.console_checks(outputs.color)));
    }
    print(&report.console_summary(outputs.color));
    for path in written {
        print(&format!("wrote {}\n", path.display()));
    }
    if let Some(why) = &report.run.stopped {
        return Err(Error::Unreachable(format!(
            "{}; the partial report is in {}",
            secret.scrub(why),
            outputs.report_dir.display()
        )));
    }
    if report.executed() == 0 {
        let what = &outputs.selection;
        match outputs.no_tests {
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
    let (code, reasons) = gate.policy.judge(&report);
    for reason in reasons {
        output::err_line(&format!("gate: {reason}"));
    }
    Ok(code)
}
