//! `--baseline OLD/report.json`: this run against an earlier one, check by
//! check id: what newly fails, what was fixed, what still fails. With
//! `--fail-on new`, only new failures fail the run, so a team can gate on
//! regressions while it works through known failures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::{Check, Verdict};

/// A report.json holds aggregated checks; even a huge run's is far smaller.
pub const MAX_BASELINE_BYTES: u64 = 256 * 1024 * 1024;

/// The earlier run's verdict of every check, by id.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    verdicts: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline {path}: {source} (pass the report.json of an earlier run to --baseline)")]
    Read {
        path: PathBuf,
        source: crate::input_file::InputFileError,
    },
    #[error("the baseline {path} is not a report.json: {reason} (pass the report.json of an earlier run to --baseline)")]
    Invalid { path: PathBuf, reason: String },
}

/// This run against the baseline, by check id (sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// The baseline file, as given.
    pub path: String,
    /// Failing now, not failing (or absent) in the baseline.
    pub new_failures: Vec<String>,
    /// Failing in the baseline, observed and not failing now.
    pub fixed: Vec<String>,
    /// Failing in both.
    pub still_failing: Vec<String>,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes = crate::input_file::read(path, MAX_BASELINE_BYTES).map_err(|source| {
            BaselineError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let invalid = |reason: String| BaselineError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        let checks = value
            .get("checks")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("it has no \"checks\" list".into()))?;
        let mut verdicts = BTreeMap::new();
        for check in checks {
            let (Some(id), Some(verdict)) = (
                check.get("id").and_then(Value::as_str),
                check.get("verdict").and_then(Value::as_str),
            ) else {
                return Err(invalid("a check has no \"id\" or \"verdict\"".into()));
            };
            verdicts.insert(id.to_string(), verdict.to_string());
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            verdicts,
        })
    }

    /// Compare `checks` (this run) with the baseline.
    pub fn compare(&self, checks: &[Check]) -> Comparison {
        let mut comparison = Comparison {
            path: self.path.display().to_string(),
            ..Comparison::default()
        };
        for check in checks {
            let was_failing = self.verdicts.get(&check.id).is_some_and(|v| v == "fail");
            match (check.verdict, was_failing) {
                (Verdict::Fail, true) => comparison.still_failing.push(check.id.clone()),
                (Verdict::Fail, false) => comparison.new_failures.push(check.id.clone()),
                (Verdict::Pass | Verdict::Warn | Verdict::Observe, true) => {
                    comparison.fixed.push(check.id.clone())
                }
                _ => {}
            }
        }
        comparison.new_failures.sort();
        comparison.fixed.sort();
        comparison.still_failing.sort();
        comparison
    }
}
