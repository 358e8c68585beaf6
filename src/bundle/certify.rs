//! Writing the bundle of a finished run: the manifest (with the digest of
//! every other file), its DSSE signature when a key is given, report.json
//! and the recorded exchanges, in one archive.

use ed25519_dalek::SigningKey;

use super::archive::{BundleError, BundleFile, BundleFiles, DIGESTS, EXCHANGES, REPORT};
use super::digest::{contract_digest, sha256_hex};
use super::manifest::{
    ContractInfo, FileDigest, Manifest, RunOptions, TargetInfo, Tool, BUNDLE_FORMAT,
};
use super::recorder::Recorder;
use super::signing::{key_id, Envelope};
use crate::config::RunConfig;
use crate::context::TargetFacts;

/// What a run's bundle says about the run, besides its configuration.
#[derive(Debug, Clone)]
pub struct RunFacts {
    pub target_url: String,
    pub target_label: String,
    pub facts: TargetFacts,
    pub token_sent: bool,
    pub seed: u64,
    pub started_at: String,
}

/// A bundle written.
#[derive(Debug)]
pub struct Written {
    pub manifest: Manifest,
    /// The id of the key that signed it, when signed.
    pub signed_by: Option<String>,
    /// The size of `exchanges.jsonl`, and how much of it went in stored
    /// (uncompressed) to keep pace with the run.
    pub exchanges_bytes: u64,
    pub stored_bytes: u64,
}

/// Finish the bundle of a run, `bundle`, whose exchanges `recorder`
/// wrote into it: `report` is the report.json the run wrote, `exit_code`
/// how it ended.
pub fn write_run_bundle(
    bundle: BundleFile,
    key: Option<&SigningKey>,
    recorder: &Recorder,
    config: &RunConfig,
    run: &RunFacts,
    report: Vec<u8>,
    exit_code: i32,
) -> Result<Written, BundleError> {
    let fail = |reason: String| BundleError::Write {
        path: bundle.path().display().to_string(),
        reason,
    };
    let recorded = recorder.finish().map_err(|e| fail(e.to_string()))?;
    let verdict = serde_json::from_slice::<serde_json::Value>(&report)
        .ok()
        .and_then(|v| Some(v.pointer("/summary/verdict")?.as_str()?.to_string()))
        .unwrap_or_else(|| "unknown".into());
    let contract = contract_digest();
    let mut files = std::collections::BTreeMap::new();
    files.insert(
        REPORT.to_string(),
        FileDigest {
            sha256: sha256_hex(&report),
            bytes: report.len() as u64,
        },
    );
    files.insert(
        EXCHANGES.to_string(),
        FileDigest {
            sha256: recorded.exchanges.sha256.clone(),
            bytes: recorded.exchanges.bytes,
        },
    );
    files.insert(
        DIGESTS.to_string(),
        FileDigest {
            sha256: recorded.digests.sha256.clone(),
            bytes: recorded.digests.bytes,
        },
    );
    let manifest = Manifest {
        format: BUNDLE_FORMAT.into(),
        tool: Tool::this(),
        contract: ContractInfo {
            digest: contract.digest,
            files: contract.files,
        },
        profile: config.profile.to_string(),
        seed: run.seed,
        options: RunOptions {
            cases: config.cases,
            concurrency: config.concurrency,
            only: config.only.map(|p| p.to_string()),
            tags: config.tags.clone(),
            strict: config.strict,
            shrink: config.shrink,
            timeout_ms: config.timeout.as_millis() as u64,
            max_duration_ms: config.max_duration.map(|d| d.as_millis() as u64),
            partition: config.partition.map(|p| p.to_string()),
            mutant: config.embedded.mutant.clone(),
            twin: config.embedded.twin.clone(),
        },
        target: TargetInfo {
            url: run.target_url.clone(),
            label: run.target_label.clone(),
            project: run.facts.project.clone(),
            project_flow: run.facts.project_flow.clone(),
            blocked_email_domain: run.facts.blocked_email_domain.clone(),
            token_sent: run.token_sent,
        },
        started_at: run.started_at.clone(),
        ended_at: crate::suite::now_rfc3339(),
        verdict,
        exit_code,
        files,
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| fail(e.to_string()))?;
    manifest_bytes.push(b'\n');
    let envelope = match key {
        Some(key) => {
            let mut bytes = serde_json::to_vec_pretty(&Envelope::sign(&manifest_bytes, key))
                .map_err(|e| fail(e.to_string()))?;
            bytes.push(b'\n');
            Some(bytes)
        }
        None => None,
    };
    let (exchanges_bytes, stored_bytes) = (recorded.exchanges.bytes, recorded.exchanges.stored);
    bundle.finish(BundleFiles {
        manifest: manifest_bytes,
        envelope,
        report,
        recorded,
    })?;
    Ok(Written {
        manifest,
        signed_by: key.map(|k| key_id(&k.verifying_key())),
        exchanges_bytes,
        stored_bytes,
    })
}
