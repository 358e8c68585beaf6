//! `manifest.json`: what a bundle is evidence of (tool, contract, run,
//! target, times, verdict) and the digest of every other file in it. The
//! signature covers this file, and through its digests everything else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::report::Tool;

/// The bundle format this binary writes and reads.
pub const BUNDLE_FORMAT: &str = "verifik-conformance-bundle/1";

/// The manifest of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub tool: Tool,
    pub contract: ContractInfo,
    pub profile: String,
    pub seed: u64,
    pub options: RunOptions,
    pub target: TargetInfo,
    pub started_at: String,
    pub ended_at: String,
    /// `summary.verdict` of report.json.
    pub verdict: String,
    /// The exit code the run ended with.
    pub exit_code: i32,
    /// Every other file of the bundle, by name.
    pub files: BTreeMap<String, FileDigest>,
}

/// The contract the run was judged by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractInfo {
    /// SHA-256 over the listing of `files` (see `contract_digest`).
    pub digest: String,
    pub files: BTreeMap<String, String>,
}

/// The options that decide which requests a run sends and how it judges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    pub cases: u32,
    pub concurrency: usize,
    pub only: Option<String>,
    pub tags: Option<String>,
    pub strict: bool,
    pub shrink: bool,
    pub timeout_ms: u64,
    pub max_duration_ms: Option<u64>,
    pub partition: Option<String>,
    /// The embedded server's mutant or twin, when the run was against one.
    pub mutant: Option<String>,
    pub twin: Option<String>,
}

/// The server under test, as the run saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// The base URL every request went to.
    pub url: String,
    /// How the report names it.
    pub label: String,
    pub project: String,
    pub project_flow: String,
    pub blocked_email_domain: Option<String>,
    /// Whether a bearer token was sent (it is never recorded).
    pub token_sent: bool,
}

/// The size and SHA-256 of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub sha256: String,
    pub bytes: u64,
}
