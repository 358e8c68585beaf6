//! The result model: one [`Check`] is one assertion about one response, tied
//! to one fact, judged at the fact's level, with what every doc variant would
//! have said about the observed behaviour.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ProfileId;
pub use crate::model::{Alignment, Level, VariantAlignment, Verdict};

/// What the run was: where, judged how, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The target URL, or `embedded reference server (http://…)`.
    pub target: String,
    pub profile: ProfileId,
    pub seed: Option<u64>,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    /// Should-level failures were judged `fail`.
    pub strict: bool,
    /// Added: why the run stopped before it was complete (the target
    /// stopped answering, `--max-duration` was reached); null when complete.
    #[serde(default)]
    pub stopped: Option<String>,
    /// Added: the share of the run this was (`hash:K/N`), or null.
    #[serde(default)]
    pub partition: Option<String>,
    /// Added: how many generated cases were sent (what a `--duration` run
    /// managed in its time), or null when the generated phase did not run.
    #[serde(default)]
    pub generated_cases: Option<u64>,
}

/// Where a check came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckSource {
    Scripted,
    Generated,
}

/// A request as sent, redacted (the bearer token is `Bearer ***`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// JSON when the body was JSON, a string otherwise, null when absent.
    pub body: Value,
}

/// A response as received, redacted (issued tokens have `***` signatures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

impl Check {
    /// Whether it saw the target's behaviour (neither skipped nor ended in
    /// error): only such checks count towards agreement with the pages.
    pub fn observed_something(&self) -> bool {
        !matches!(self.verdict, Verdict::Skip | Verdict::Error)
    }
}

/// One assertion about one response, tied to one fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable: `<fact>/<case>`, e.g. `create.contact-required/neither-email-nor-phone`.
    pub id: String,
    pub fact: String,
    pub level: Level,
    pub verdict: Verdict,
    pub source: CheckSource,
    pub message: String,
    pub expected: Value,
    pub observed: Value,
    pub variants: VariantAlignment,
    pub request: Option<RequestRecord>,
    pub response: Option<ResponseRecord>,
    pub curl: Option<String>,
    /// Added: a bash script that replays every request the check needed,
    /// in order, when it needed more than one (a recreation, a retrieval
    /// after a create).
    #[serde(default)]
    pub script: Option<String>,
    /// Added, on generated checks: the counts behind the verdict, so the
    /// reports of a partitioned run's shards can be merged.
    #[serde(default)]
    pub cases: Option<CaseTally>,
}

/// How a generated check's cases went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTally {
    pub cases: u64,
    pub failed: u64,
    pub nothing_observed: u64,
    /// The lowest case number that failed (or, when none failed, that
    /// observed nothing): the counterexample comes from it.
    pub first_case: Option<u64>,
    /// What the message says after the counts: the counterexample, or the
    /// first problem.
    pub detail: String,
    /// Every judgement was an observation (the pages are silent).
    #[serde(default)]
    pub observations_only: bool,
    /// What was seen, and in how many cases.
    pub notes: BTreeMap<String, u64>,
}

impl CaseTally {
    /// The check's message.
    pub fn message(&self) -> String {
        let n = self.cases;
        let cases = if n == 1 { "case" } else { "cases" };
        match (self.failed, self.nothing_observed) {
            (0, 0) if self.observations_only => {
                let seen: Vec<String> = self
                    .notes
                    .iter()
                    .map(|(note, count)| format!("{note} {count}"))
                    .collect();
                format!(
                    "the docs do not decide; in {n} {cases}: {}",
                    seen.join(", ")
                )
            }
            (0, 0) => format!("held in all {n} {cases}"),
            (0, _) => format!(
                "nothing observed in {} of {n} {cases}; the first: {}",
                self.nothing_observed, self.detail
            ),
            _ => {
                let unobserved = match self.nothing_observed {
                    0 => String::new(),
                    k => format!(" ({k} more observed nothing)"),
                };
                format!(
                    "{} of {n} {cases} failed the same way{unobserved}; {}",
                    self.failed, self.detail
                )
            }
        }
    }
}
