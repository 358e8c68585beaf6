//! `verify`: check a bundle's signature and every digest, then judge the
//! recorded exchanges again with the embedded contract (the same seeded
//! suite, answered from the recording) and compare every verdict with
//! report.json.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use serde_json::Value;

use super::archive::{read_bundle, Extracted, DIGESTS, ENVELOPE, EXCHANGES, MANIFEST, REPORT};
use super::digest::{contract_digest, sha256_hex};
use super::manifest::{Manifest, BUNDLE_FORMAT};
use super::replay::Replayer;
use super::signing::{key_id, short, Envelope};
use crate::config::{Recording, RunConfig};
use crate::context::TargetFacts;
use crate::contract::Contract;
use crate::exit::Error;
use crate::model::{Phase, ProfileId};

/// How to verify.
#[derive(Debug, Default)]
pub struct VerifyOptions {
    /// The signer's public key; without it the signature is not checked.
    pub public_key: Option<VerifyingKey>,
    /// Re-judge a bundle made with another contract (and say what differs).
    pub allow_contract_mismatch: bool,
}

/// What verification found.
#[derive(Debug, Default)]
pub struct Verification {
    /// What was checked and held, one line each.
    pub notes: Vec<String>,
    /// What was not checked, or was allowed to differ, one line each.
    pub warnings: Vec<String>,
    /// What did not hold, one line each: any one fails verification.
    pub problems: Vec<String>,
}

impl Verification {
    pub fn verified(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verify the bundle at `path`. `Err` only for input that cannot be read as
/// a bundle at all (exit 2).
pub async fn verify(
    path: &std::path::Path,
    options: &VerifyOptions,
    contract: &'static Contract,
) -> Result<Verification, Error> {
    let unreadable = |what: String| Error::usage(format!("{}: {what}", path.display()));
    let extracted = read_bundle(path).map_err(Error::usage)?;
    let Some(manifest_bytes) = extracted.manifest.clone() else {
        return Err(unreadable(format!(
            "not a bundle: it holds no {MANIFEST}; pass a file written by `run --bundle`"
        )));
    };
    let mut out = Verification::default();
    check_signature(&extracted, &manifest_bytes, options, &mut out);
    let signature_ok = out.problems.is_empty();

    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(manifest) => manifest,
        // A signature problem already says the manifest was changed.
        Err(_) if !out.problems.is_empty() => return Ok(out),
        Err(e) => {
            return Err(unreadable(format!(
                "{MANIFEST} is not a bundle manifest ({e}); pass a file written by `run --bundle`"
            )))
        }
    };
    if manifest.format != BUNDLE_FORMAT {
        return Err(unreadable(format!(
            "bundle format {:?} is not {BUNDLE_FORMAT:?}; verify it with the version of the tool that wrote it",
            manifest.format
        )));
    }
    out.notes.push(format!(
        "made by {} {} on {} (profile {}, seed {}), {} to {}",
        manifest.tool.name,
        manifest.tool.version,
        manifest.target.label,
        manifest.profile,
        manifest.seed,
        manifest.started_at,
        manifest.ended_at
    ));
    let files_ok = check_files(&extracted, &manifest, &mut out);
    let contract_ok = check_contract(&manifest, options, &mut out);
    if !signature_ok {
        out.notes
            .push("not judged again: the manifest is not the one that was signed".into());
    } else if files_ok && contract_ok {
        rejudge(&extracted, &manifest, contract, &mut out).await;
    } else if !contract_ok {
        out.notes
            .push("not judged again: the bundle was made with another contract".into());
    } else {
        out.notes
            .push("not judged again: the recorded files do not match the manifest".into());
    }
    Ok(out)
}

fn check_signature(
    extracted: &Extracted,
    manifest: &[u8],
    options: &VerifyOptions,
    out: &mut Verification,
) {
    let Some(envelope) = &extracted.envelope else {
        if options.public_key.is_some() {
            out.problems.push(format!(
                "the bundle is unsigned (no {ENVELOPE}), but --public-key was given: nothing proves who made it"
            ));
        } else {
            out.warnings.push(
                "UNSIGNED: the bundle has no signature, so nothing proves who made it or that it is unchanged"
                    .into(),
            );
        }
        return;
    };
    let envelope: Envelope = match serde_json::from_slice(envelope) {
        Ok(envelope) => envelope,
        Err(e) => {
            out.problems
                .push(format!("{ENVELOPE} is not a DSSE envelope: {e}"));
            return;
        }
    };
    match envelope.payload() {
        Ok(payload) if payload == manifest => {}
        Ok(payload) => out.problems.push(format!(
            "{MANIFEST} differs from the signed manifest{}",
            first_difference(&payload, manifest)
        )),
        Err(e) => out.problems.push(format!("{ENVELOPE}: {e}")),
    }
    let signers: Vec<&str> = envelope
        .signatures
        .iter()
        .map(|s| short(&s.keyid))
        .collect();
    match &options.public_key {
        Some(key) => match envelope.verify(key) {
            Ok(()) => out.notes.push(format!(
                "signature: valid Ed25519 signature of the manifest by key {}",
                short(&key_id(key))
            )),
            Err(why) => out.problems.push(format!("signature: {why}")),
        },
        None => out.warnings.push(format!(
            "signature NOT checked (signed by key {}): pass the signer's --public-key to check it",
            signers.join(", ")
        )),
    }
}

/// Where two byte strings first differ, for a message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(at) => format!(" at byte {at}"),
        None => format!(" in length ({} vs {} bytes)", a.len(), b.len()),
    }
}

/// Every file against its digest in the manifest; for changed exchanges,
/// which lines changed.
fn check_files(extracted: &Extracted, manifest: &Manifest, out: &mut Verification) -> bool {
    let before = out.problems.len();
    for name in &extracted.unexpected {
        out.problems
            .push(format!("{name}: a file the manifest does not list"));
    }
    let found = [
        (REPORT, extracted.report.as_ref().map(|(_, d)| d)),
        (EXCHANGES, extracted.exchanges.as_ref().map(|(_, d)| d)),
        (DIGESTS, extracted.digests.as_ref().map(|(_, d)| d)),
    ];
    let mut exchanges_changed = false;
    let mut digests_ok = false;
    for (name, digest) in found {
        match (manifest.files.get(name), digest) {
            (None, _) => out
                .problems
                .push(format!("the manifest lists no digest of {name}")),
            (Some(_), None) => out
                .problems
                .push(format!("{name} is missing from the bundle")),
            (Some(listed), Some(actual)) if listed == actual => {
                digests_ok |= name == DIGESTS;
            }
            (Some(listed), Some(actual)) => {
                exchanges_changed |= name == EXCHANGES;
                out.problems.push(format!(
                    "{name} changed: SHA-256 {} ({} bytes), the manifest says {} ({} bytes)",
                    short(&actual.sha256),
                    actual.bytes,
                    short(&listed.sha256),
                    listed.bytes
                ));
            }
        }
    }
    for name in manifest.files.keys() {
        if ![REPORT, EXCHANGES, DIGESTS].contains(&name.as_str()) {
            out.problems.push(format!(
                "the manifest lists {name}, which this tool does not write"
            ));
        }
    }
    if exchanges_changed && digests_ok {
        changed_lines(extracted, out);
    }
    if out.problems.len() == before {
        out.notes.push(format!(
            "digests: {REPORT}, {EXCHANGES} and {DIGESTS} match the manifest"
        ));
        true
    } else {
        false
    }
}

/// Name the exchanges whose line no longer has its recorded digest.
fn changed_lines(extracted: &Extracted, out: &mut Verification) {
    let (Some((exchanges, _)), Some((digests, _))) = (&extracted.exchanges, &extracted.digests)
    else {
        return;
    };
    let mut lines = BufReader::new(exchanges).lines();
    let mut listed = BufReader::new(digests).lines();
    let mut shown = 0;
    let mut number = 0usize;
    loop {
        number += 1;
        let (line, digest) = match (lines.next(), listed.next()) {
            (None, None) => break,
            (Some(Ok(line)), Some(Ok(digest))) => (line, digest),
            (Some(_), None) => {
                out.problems.push(format!(
                    "{EXCHANGES} line {number}: an exchange the recording does not list (added)"
                ));
                break;
            }
            (None, Some(_)) => {
                out.problems.push(format!(
                    "{EXCHANGES}: ends at line {}, the recording lists more (removed)",
                    number - 1
                ));
                break;
            }
            _ => break,
        };
        if sha256_hex(line.as_bytes()) != digest {
            shown += 1;
            if shown <= 10 {
                let what = serde_json::from_str::<Value>(&line)
                    .ok()
                    .and_then(|v| {
                        Some(format!(
                            "{} {}",
                            v.pointer("/request/method")?.as_str()?,
                            v.pointer("/request/url")?.as_str()?
                        ))
                    })
                    .unwrap_or_else(|| "no longer an exchange record".into());
                out.problems
                    .push(format!("{EXCHANGES} line {number} changed ({what})"));
            }
        }
    }
    if shown > 10 {
        out.problems
            .push(format!("{EXCHANGES}: {} more lines changed", shown - 10));
    }
}

fn check_contract(manifest: &Manifest, options: &VerifyOptions, out: &mut Verification) -> bool {
    let ours = contract_digest();
    if manifest.contract.digest == ours.digest {
        out.notes.push(format!(
            "contract: the same as this binary's ({})",
            short(&ours.digest)
        ));
        return true;
    }
    let mut differences = Vec::new();
    for (path, digest) in &manifest.contract.files {
        match ours.files.get(path) {
            None => differences.push(format!("{path} (only in the bundle's)")),
            Some(d) if d != digest => differences.push(format!("{path} (changed)")),
            Some(_) => {}
        }
    }
    for path in ours.files.keys() {
        if !manifest.contract.files.contains_key(path) {
            differences.push(format!("{path} (only in this binary's)"));
        }
    }
    let what = format!(
        "the bundle was made with contract {}, this binary embeds {}: {}",
        short(&manifest.contract.digest),
        short(&ours.digest),
        if differences.is_empty() {
            "the file listing differs".to_string()
        } else {
            differences.join(", ")
        }
    );
    if options.allow_contract_mismatch {
        out.warnings.push(format!(
            "contract MISMATCH (allowed by --allow-contract-mismatch): {what}"
        ));
        true
    } else {
        out.problems.push(format!(
            "contract mismatch: {what}; verify with the binary that made the bundle, or pass --allow-contract-mismatch"
        ));
        false
    }
}

/// The run the manifest describes, answered from the recording.
fn replay_config(manifest: &Manifest, replayer: Arc<Replayer>) -> Result<RunConfig, String> {
    let target = &manifest.target;
    Ok(RunConfig {
        recording: Recording::Replay {
            url: target.url.clone(),
            facts: TargetFacts {
                project: target.project.clone(),
                project_flow: target.project_flow.clone(),
                blocked_email_domain: target.blocked_email_domain.clone(),
            },
            token_sent: target.token_sent,
            answers: replayer,
        },
        ..run_config_of(manifest)?
    })
}

/// The run a bundle records: the seed, profile and options that decide
/// which requests it sends and how it judges (the target left to the caller).
pub(crate) fn run_config_of(manifest: &Manifest) -> Result<RunConfig, String> {
    let profile = ProfileId::parse(&manifest.profile)
        .ok_or_else(|| format!("the manifest's profile {:?} is unknown", manifest.profile))?;
    let options = &manifest.options;
    let only = match &options.only {
        Some(name) => Some(
            Phase::parse(name)
                .ok_or_else(|| format!("the manifest's phase {name:?} is unknown"))?,
        ),
        None => None,
    };
    let partition = match &options.partition {
        Some(text) => Some(
            text.parse()
                .map_err(|e| format!("the manifest's partition: {e}"))?,
        ),
        None => None,
    };
    Ok(RunConfig {
        profile,
        tags: options.tags.clone(),
        only,
        cases: options.cases,
        seed: Some(manifest.seed),
        concurrency: options.concurrency.max(1),
        timeout: std::time::Duration::from_millis(options.timeout_ms.max(1)),
        strict: options.strict,
        shrink: options.shrink,
        partition,
        ..RunConfig::new(profile)
    })
}

/// Judge the recording again and compare every verdict with report.json.
async fn rejudge(
    extracted: &Extracted,
    manifest: &Manifest,
    contract: &'static Contract,
    out: &mut Verification,
) {
    let (Some((report, _)), Some((exchanges, _))) = (&extracted.report, &extracted.exchanges)
    else {
        return;
    };
    let recorded = match recorded_verdicts(report) {
        Ok(verdicts) => verdicts,
        Err(e) => return out.problems.push(format!("{REPORT}: {e}")),
    };
    let replayer = match Replayer::read(BufReader::new(exchanges)) {
        Ok(replayer) => Arc::new(replayer),
        Err(e) => return out.problems.push(e),
    };
    let config = match replay_config(manifest, Arc::clone(&replayer)) {
        Ok(config) => config,
        Err(e) => return out.problems.push(e),
    };
    let outcome = match crate::suite::run_suite(&config, contract).await {
        Ok(outcome) => outcome,
        Err(e) => {
            return out
                .problems
                .push(format!("judging the recording again failed: {e}"))
        }
    };
    let rejudged: BTreeMap<String, String> = outcome
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.verdict.to_string()))
        .collect();
    let before = out.problems.len();
    for (id, verdict) in &recorded {
        // A waiver turns a failure into `waived`; judged again it fails.
        let expected = if verdict == "waived" { "fail" } else { verdict };
        match rejudged.get(id) {
            Some(again) if again == expected => {}
            Some(again) => out.problems.push(format!(
                "check {id}: recorded verdict {verdict}, judged again {again}"
            )),
            None => out.problems.push(format!(
                "check {id}: recorded verdict {verdict}, not produced when judged again"
            )),
        }
    }
    for (id, again) in &rejudged {
        if !recorded.contains_key(id) {
            out.problems
                .push(format!("check {id}: not in {REPORT}, judged again {again}"));
        }
    }
    let usage = replayer.usage();
    if !usage.unanswered.is_empty() {
        out.problems.push(format!(
            "judging again sent {} request(s) the recording does not hold, the first: {}",
            usage.unanswered.len(),
            usage.unanswered[0]
        ));
    }
    if !usage.unused.is_empty() {
        out.problems.push(format!(
            "judging again did not send {} recorded request(s), the first: {}",
            usage.unused.len(),
            usage.unused[0]
        ));
    }
    if out.problems.len() == before {
        out.notes.push(format!(
            "judged again: {} recorded exchanges, {} checks, every verdict reproduced",
            replayer.len(),
            recorded.len()
        ));
    }
}

/// `id -> verdict` of every check in report.json.
pub(crate) fn recorded_verdicts(report: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let value: Value = serde_json::from_slice(report).map_err(|e| format!("not JSON ({e})"))?;
    let checks = value
        .get("checks")
        .and_then(Value::as_array)
        .ok_or("no `checks` list")?;
    checks
        .iter()
        .map(|check| {
            let id = check.get("id").and_then(Value::as_str);
            let verdict = check.get("verdict").and_then(Value::as_str);
            match (id, verdict) {
                (Some(id), Some(verdict)) => Ok((id.to_string(), verdict.to_string())),
                _ => Err("a check without an id or a verdict".to_string()),
            }
        })
        .collect()
}
