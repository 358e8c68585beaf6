//! `merge`: the reports of a partitioned run's shards joined into the
//! report one run would have written. Scripted checks come from exactly one
//! shard; a generated check's counts are summed over the shards, and its
//! counterexample is the one from the lowest failing case, as one run would
//! have chosen it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::check::{Alignment, CaseTally, Check, Level, RunInfo, VariantAlignment, Verdict};
use crate::contract::Variant;
use crate::report::Report;

use super::Partition;

/// A shard's report.json can be as large as a baseline.
const MAX_SHARD_BYTES: u64 = super::MAX_BASELINE_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("cannot read the shard report {path}: {source}")]
    Read {
        path: PathBuf,
        source: crate::input_file::InputFileError,
    },
    #[error("{path} is not a report.json this version can read: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{0}")]
    Mismatch(String),
}

/// Read one shard's report.json.
pub fn read_shard(path: &Path) -> Result<Report, MergeError> {
    let bytes =
        crate::input_file::read(path, MAX_SHARD_BYTES).map_err(|source| MergeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    serde_json::from_slice(&bytes).map_err(|e| MergeError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The run the shards make up, and its checks (before gating).
pub fn merge(shards: &[(PathBuf, Report)]) -> Result<(RunInfo, Vec<Check>), MergeError> {
    let Some((_, first)) = shards.first() else {
        return Err(MergeError::Mismatch(
            "give the report.json of every shard: merge REPORT.json... --report-dir DIR".into(),
        ));
    };
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    let mut count = None;
    for (path, report) in shards {
        let shown = path.display();
        let partition: Partition = report
            .run
            .partition
            .as_deref()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| {
                MergeError::Mismatch(format!(
                    "{shown} is not a shard's report: run each shard with --partition hash:K/N"
                ))
            })?;
        if *count.get_or_insert(partition.count) != partition.count {
            return Err(MergeError::Mismatch(format!(
                "{shown} is shard {partition}, but another report splits the run into {} shards",
                count.unwrap_or_default()
            )));
        }
        if let Some(other) = seen.insert(partition.index, path) {
            return Err(MergeError::Mismatch(format!(
                "{shown} and {} are both shard {partition}",
                other.display()
            )));
        }
        for (what, same) in [
            ("profile", report.run.profile == first.run.profile),
            ("seed", report.run.seed == first.run.seed),
            ("--strict", report.run.strict == first.run.strict),
        ] {
            if !same {
                return Err(MergeError::Mismatch(format!(
                    "{shown} was run with another {what} than the first report: merge the shards of one run"
                )));
            }
        }
        if !report.waivers.is_empty() || report.baseline.is_some() {
            return Err(MergeError::Mismatch(format!(
                "{shown} was gated (--waivers or --baseline): run the shards without them and give them to merge"
            )));
        }
    }
    let count = count.unwrap_or(1);
    let missing: Vec<String> = (1..=count)
        .filter(|i| !seen.contains_key(i))
        .map(|i| format!("hash:{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Mismatch(format!(
            "shard {} is missing: give every shard's report.json",
            missing.join(", ")
        )));
    }
    Ok((info(shards), checks(shards)?))
}

/// The merged run: the first start, the longest shard, the first stop.
fn info(shards: &[(PathBuf, Report)]) -> RunInfo {
    let runs: Vec<&RunInfo> = shards.iter().map(|(_, r)| &r.run).collect();
    let mut targets: Vec<&str> = runs.iter().map(|r| r.target.as_str()).collect();
    targets.sort_unstable();
    targets.dedup();
    let target = match targets.as_slice() {
        [one] => one.to_string(),
        _ if targets
            .iter()
            .all(|t| t.starts_with("embedded reference server")) =>
        {
            format!("embedded reference server ({} shards)", runs.len())
        }
        many => many.join(", "),
    };
    RunInfo {
        target,
        profile: runs[0].profile,
        seed: runs[0].seed,
        started_at: runs
            .iter()
            .map(|r| r.started_at.clone())
            .min()
            .unwrap_or_default(),
        duration_ms: runs.iter().map(|r| r.duration_ms).max().unwrap_or_default(),
        strict: runs[0].strict,
        stopped: runs.iter().find_map(|r| {
            r.stopped
                .as_ref()
                .map(|why| format!("shard {}: {why}", r.partition.as_deref().unwrap_or("?")))
        }),
        partition: None,
        // Shards send disjoint cases: the whole run sent their sum.
        generated_cases: runs
            .iter()
            .filter_map(|r| r.generated_cases)
            .reduce(|a, b| a + b),
    }
}

fn checks(shards: &[(PathBuf, Report)]) -> Result<Vec<Check>, MergeError> {
    let mut scripted: BTreeMap<&str, &Check> = BTreeMap::new();
    let mut generated: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for (path, report) in shards {
        for check in &report.checks {
            if check.cases.is_some() {
                generated.entry(&check.id).or_default().push(check);
            } else if scripted.insert(&check.id, check).is_some() {
                return Err(MergeError::Mismatch(format!(
                    "check {} is in two shards ({} among them): these reports are not one run's shards",
                    check.id,
                    path.display()
                )));
            }
        }
    }
    let mut merged: Vec<Check> = scripted.into_values().cloned().collect();
    merged.extend(generated.into_values().map(|group| merge_generated(&group)));
    Ok(merged)
}

/// One generated check from its shards' parts.
fn merge_generated(group: &[&Check]) -> Check {
    let tallies: Vec<&CaseTally> = group.iter().filter_map(|c| c.cases.as_ref()).collect();
    let mut tally = CaseTally {
        cases: tallies.iter().map(|t| t.cases).sum(),
        failed: tallies.iter().map(|t| t.failed).sum(),
        nothing_observed: tallies.iter().map(|t| t.nothing_observed).sum(),
        first_case: None,
        detail: String::new(),
        observations_only: tallies.iter().all(|t| t.observations_only),
        notes: BTreeMap::new(),
    };
    for t in &tallies {
        for (note, n) in &t.notes {
            *tally.notes.entry(note.clone()).or_default() += n;
        }
    }
    // The part the whole run would have reported: the lowest failing case,
    // else the lowest case that observed nothing, else any that judged.
    let lowest = |keep: fn(&CaseTally) -> bool| {
        group
            .iter()
            .filter(|c| c.cases.as_ref().is_some_and(keep))
            .min_by_key(|c| c.cases.as_ref().and_then(|t| t.first_case))
            .copied()
    };
    let representative = lowest(|t| t.failed > 0)
        .or_else(|| lowest(|t| t.nothing_observed > 0))
        .or_else(|| lowest(|t| !t.observations_only))
        .unwrap_or(group[0]);
    let mut check = representative.clone();
    if let Some(part) = &representative.cases {
        tally.first_case = part.first_case;
        tally.detail = part.detail.clone();
    }
    check.variants = combined(group);
    if tally.failed == 0 && tally.nothing_observed == 0 {
        check.observed = if tally.observations_only {
            json!(tally.notes)
        } else {
            json!({"cases": tally.cases, "failed": 0})
        };
    } else if tally.failed == 0 {
        check.verdict = Verdict::Error;
        check.observed = json!({"cases": tally.cases, "nothing_observed": tally.nothing_observed, "error": tally.detail});
    }
    if tally.observations_only {
        check.level = Level::Observe;
    }
    check.message = tally.message();
    check.cases = Some(tally);
    check
}

/// Per variant: contradicts if any part does, else agrees if any does.
fn combined(group: &[&Check]) -> VariantAlignment {
    let mut out = VariantAlignment::all(Alignment::Silent);
    for variant in Variant::ALL {
        let parts = group.iter().map(|c| c.variants.get(variant));
        let alignment = parts.fold(Alignment::Silent, |acc, a| match (acc, a) {
            (Alignment::Contradicts, _) | (_, Alignment::Contradicts) => Alignment::Contradicts,
            (Alignment::Agrees, _) | (_, Alignment::Agrees) => Alignment::Agrees,
            _ => Alignment::Silent,
        });
        out.set(variant, alignment);
    }
    out
}
