//! What a gated run means to CI: the exit code from the report, the
//! waivers' states and the baseline comparison, with a line for each reason
//! the gate closed that the report's own verdict does not show.

use crate::exit::ExitCode;
use crate::model::FailOn;
use crate::report::Report;

use super::WaiverState;

/// How a run is gated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub fail_on: FailOn,
    /// A stale waiver fails the run (`--deny-stale-waivers`).
    pub deny_stale_waivers: bool,
}

impl Policy {
    /// The exit code of `report` under this policy, and why the gate closed
    /// where the report's verdict alone would not say it.
    pub fn judge(&self, report: &Report) -> (ExitCode, Vec<String>) {
        let mut reasons = Vec::new();
        let mut code = report.exit_code();
        if self.fail_on == FailOn::New && code == ExitCode::Violations {
            let new = report
                .baseline
                .as_ref()
                .map_or(usize::MAX, |b| b.new_failures.len());
            if new == 0 {
                // Known failures only: the gate stays open.
                code = ExitCode::Ok;
            } else {
                reasons.push(format!("{new} new failing check(s) since the baseline"));
            }
        }
        for waiver in &report.waivers {
            let closes = match waiver.state {
                WaiverState::Expired => {
                    reasons.push(format!(
                        "{} expired on {}: renew it or fix the failure",
                        waiver.label(),
                        waiver.expires
                    ));
                    true
                }
                WaiverState::Stale if self.deny_stale_waivers => {
                    reasons.push(format!(
                        "{} is stale: its checks passed ({}); remove it",
                        waiver.label(),
                        waiver.checks.join(", ")
                    ));
                    true
                }
                _ => false,
            };
            if closes && code == ExitCode::Ok {
                code = ExitCode::Violations;
            }
        }
        (code, reasons)
    }
}
