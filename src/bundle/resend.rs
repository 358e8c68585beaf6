//! `replay`: a bundle's requests sent again, to a new target. The same
//! seeded run sends the same requests in the same order, and a sequence
//! uses the ids and tokens the new target issues (the suite reads them from
//! its answers, as it did the first time); every check's verdict is then
//! set beside the recorded one: what the fix fixed, what regressed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::archive::{read_bundle, MANIFEST, REPORT};
use super::manifest::Manifest;
use super::verify::{recorded_verdicts, run_config_of};
use crate::check::Check;
use crate::config::RunConfig;
use crate::contract::Contract;
use crate::exit::Error;
use crate::suite::{run_suite, SuiteOutcome};

/// Where to send the bundle's requests.
#[derive(Debug, Clone)]
pub struct ResendTarget {
    pub url: String,
    pub token: Option<String>,
    /// Override the recorded target's project, flow and blocked domain.
    pub project: Option<String>,
    pub project_flow: Option<String>,
    pub blocked_email_domain: Option<String>,
}

/// A check whose verdict is not the recorded one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub check: String,
    pub fact: String,
    /// `null` when the check did not run on that side.
    pub recorded: Option<String>,
    pub now: Option<String>,
}

/// The replay, check by check.
#[derive(Debug, Serialize)]
pub struct Resent {
    /// Failing (fail, warn, error) when recorded, passing now.
    pub fixed: Vec<Changed>,
    /// Passing when recorded, failing now.
    pub regressed: Vec<Changed>,
    /// Any other change (a failure of another kind, a check run on one side only).
    pub changed: Vec<Changed>,
    pub unchanged: usize,
    #[serde(skip)]
    pub run: Option<SuiteOutcome>,
}

fn failing(verdict: &str) -> bool {
    matches!(verdict, "fail" | "warn" | "error" | "waived")
}

fn passing(verdict: &str) -> bool {
    matches!(verdict, "pass" | "observe")
}

/// Send the bundle at `path`'s requests to `target`, and compare verdicts.
pub async fn resend(
    path: &Path,
    target: &ResendTarget,
    contract: &'static Contract,
) -> Result<Resent, Error> {
    let unreadable = |what: String| Error::usage(format!("{}: {what}", path.display()));
    let extracted = read_bundle(path).map_err(Error::usage)?;
    let manifest: Manifest = extracted
        .manifest
        .as_deref()
        .and_then(|bytes| serde_json::from_slice(bytes).ok())
        .ok_or_else(|| {
            unreadable(format!(
                "it holds no readable {MANIFEST}; pass a file written by `run --bundle`"
            ))
        })?;
    let recorded = match &extracted.report {
        Some((report, _)) => {
            recorded_verdicts(report).map_err(|e| unreadable(format!("{REPORT}: {e}")))?
        }
        None => return Err(unreadable(format!("it holds no {REPORT}"))),
    };
    let base = run_config_of(&manifest).map_err(unreadable)?;
    let recorded_target = &manifest.target;
    let config = RunConfig {
        target: Some(target.url.clone()),
        token: target.token.clone(),
        project: Some(
            target
                .project
                .clone()
                .unwrap_or_else(|| recorded_target.project.clone()),
        ),
        project_flow: Some(
            target
                .project_flow
                .clone()
                .unwrap_or_else(|| recorded_target.project_flow.clone()),
        ),
        blocked_email_domain: target
            .blocked_email_domain
            .clone()
            .or_else(|| recorded_target.blocked_email_domain.clone()),
        ..base
    };
    let run = run_suite(&config, contract).await?;
    let mut resent = compare(&recorded, &run.checks);
    resent.run = Some(run);
    Ok(resent)
}

/// Recorded verdicts against this run's checks.
fn compare(recorded: &BTreeMap<String, String>, now: &[Check]) -> Resent {
    let now: BTreeMap<&str, &Check> = now.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut out = Resent {
        fixed: Vec::new(),
        regressed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        run: None,
    };
    let fact_of = |id: &str| -> String {
        now.get(id)
            .map(|c| c.fact.clone())
            .unwrap_or_else(|| fact_from_id(id))
    };
    let mut ids: Vec<&str> = recorded
        .keys()
        .map(String::as_str)
        .chain(now.keys().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let before = recorded.get(id).map(String::as_str);
        let after = now.get(id).map(|c| c.verdict.name());
        let change = Changed {
            check: id.to_string(),
            fact: fact_of(id),
            recorded: before.map(str::to_string),
            now: after.map(str::to_string),
        };
        match (before, after) {
            (Some(b), Some(a)) if b == a || (b == "waived" && a == "fail") => out.unchanged += 1,
            (Some(b), Some(a)) if failing(b) && passing(a) => out.fixed.push(change),
            (Some(b), Some(a)) if passing(b) && failing(a) => out.regressed.push(change),
            _ => out.changed.push(change),
        }
    }
    out
}

/// The fact of a check id: `fact/case` or `generated/fact/rule`.
fn fact_from_id(id: &str) -> String {
    let id = id.strip_prefix("generated/").unwrap_or(id);
    id.split('/').next().unwrap_or(id).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fact_of_an_id() {
        assert_eq!(fact_from_id("generated/http.json/json-body"), "http.json");
        assert_eq!(fact_from_id("create.echo/project"), "create.echo");
    }
}
