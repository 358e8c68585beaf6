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
}
