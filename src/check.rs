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
}
