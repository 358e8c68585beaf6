//! `--waivers FILE`: known failures a team has accepted for a while. A
//! failing check matched by a valid waiver becomes `waived` (it does not
//! fail the run, and is shown apart); an expired waiver fails the run; a
//! waiver whose checks all passed is stale; one whose checks did not run is
//! unexercised (not seen is not fixed).

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use crate::check::{Check, Verdict};
use crate::config::line_col;

/// Waiver files are small; a larger one is a mistake.
pub const MAX_WAIVER_BYTES: u64 = 1024 * 1024;

/// One `[[waiver]]` entry, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    check: Option<String>,
    fact: Option<String>,
    reason: String,
    owner: String,
    expires: toml::value::Datetime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    waiver: Vec<toml::Spanned<Entry>>,
}

/// What a waiver matches: check ids, or fact ids.
#[derive(Debug, Clone)]
enum Target {
    Check(GlobMatcher),
    Fact(GlobMatcher),
}

/// A waiver read from the file.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// 1-based place in the file, and its line.
    pub entry: usize,
    pub line: usize,
    /// `check = "…"` or `fact = "…"`, as written.
    pub pattern: String,
    target: Target,
    pub reason: String,
    pub owner: String,
    pub expires: time::Date,
}

/// The waivers of one file.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    pub path: PathBuf,
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read the waiver file {path}: {source} (check the --waivers path)")]
    Read {
        path: PathBuf,
        source: crate::input_file::InputFileError,
    },
    #[error("waiver file {path} line {line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// What became of a waiver in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// It covered at least one failing check.
    Applied,
    /// Its checks ran and none failed: the failure it covers is fixed.
    Stale,
    /// None of its checks ran (or none observed anything).
    Unexercised,
    /// Its date has passed: it covers nothing and fails the run.
    Expired,
}

impl WaiverState {
    pub fn name(self) -> &'static str {
        match self {
            WaiverState::Applied => "applied",
            WaiverState::Stale => "stale",
            WaiverState::Unexercised => "unexercised",
            WaiverState::Expired => "expired",
        }
    }
}

/// A waiver and what became of it, as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverStatus {
    pub entry: usize,
    pub line: usize,
    /// `check = "…"` or `fact = "…"`.
    pub pattern: String,
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    pub state: WaiverState,
    /// The checks it waived (applied), or that passed (stale).
    pub checks: Vec<String>,
}

impl WaiverStatus {
    /// `#2 (line 7, check = "x/*", owner ana)`.
    pub fn label(&self) -> String {
        format!(
            "waiver #{} (line {}, {}, owner {})",
            self.entry, self.line, self.pattern, self.owner
        )
    }
}

impl Waivers {
    /// Read and check `path`.
    pub fn read(path: &Path) -> Result<Waivers, WaiverError> {
        let bytes = crate::input_file::read(path, MAX_WAIVER_BYTES).map_err(|source| {
            WaiverError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let text = String::from_utf8_lossy(&bytes);
        Waivers::parse(path, &text)
    }

    /// Parse waiver TOML read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Waivers, WaiverError> {
        let invalid = |offset: usize, message: String| WaiverError::Invalid {
            path: path.to_path_buf(),
            line: line_col(text, offset).0,
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, e.message().trim().to_string())
        })?;
        let mut waivers = Vec::new();
        for (i, spanned) in file.waiver.into_iter().enumerate() {
            let offset = spanned.span().start;
            let entry = spanned.into_inner();
            let fail = |message: String| invalid(offset, format!("waiver #{}: {message}", i + 1));
            let glob = |pattern: &str| {
                Glob::new(pattern)
                    .map(|g| g.compile_matcher())
                    .map_err(|e| fail(format!("{pattern:?} is not a glob pattern: {e}")))
            };
            let (pattern, target) = match (&entry.check, &entry.fact) {
                (Some(check), None) => (format!("check = {check:?}"), Target::Check(glob(check)?)),
                (None, Some(fact)) => (format!("fact = {fact:?}"), Target::Fact(glob(fact)?)),
                _ => {
                    return Err(fail(
                        "give exactly one of check = \"PATTERN\" or fact = \"PATTERN\"".into(),
                    ))
                }
            };
            for (name, value) in [("reason", &entry.reason), ("owner", &entry.owner)] {
                if value.trim().is_empty() {
                    return Err(fail(format!(
                        "{name} is empty: say {}",
                        match name {
                            "reason" => "why the failure is accepted",
                            _ => "who answers for it",
                        }
                    )));
                }
            }
            let expires = match (entry.expires.date, entry.expires.time) {
                (Some(d), None) => time::Month::try_from(d.month)
                    .ok()
                    .and_then(|m| time::Date::from_calendar_date(i32::from(d.year), m, d.day).ok()),
                _ => None,
            }
            .ok_or_else(|| fail("expires must be a date such as 2027-01-31".into()))?;
            waivers.push(Waiver {
                entry: i + 1,
                line: line_col(text, offset).0,
                pattern,
                target,
                reason: entry.reason,
                owner: entry.owner,
                expires,
            });
        }
        Ok(Waivers {
            path: path.to_path_buf(),
            waivers,
        })
    }

    /// Waive the failing checks the valid waivers match, as of `today`, and
    /// say what became of each waiver. The first valid waiver that matches
    /// a check is the one recorded on it.
    pub fn apply(&self, checks: &mut [Check], today: time::Date) -> Vec<WaiverStatus> {
        let mut statuses = Vec::with_capacity(self.waivers.len());
        for waiver in &self.waivers {
            let expired = waiver.expires < today;
            let matched: Vec<usize> = checks
                .iter()
                .enumerate()
                .filter(|(_, c)| waiver.matches(c))
                .map(|(i, _)| i)
                .collect();
            let mut waived = Vec::new();
            let mut passed = Vec::new();
            for &i in &matched {
                let check = &mut checks[i];
                match check.verdict {
                    Verdict::Fail if !expired => {
                        check.verdict = Verdict::Waived;
                        check.message = format!(
                            "waived by {} until {}: {} ({})",
                            waiver.owner, waiver.expires, waiver.reason, check.message
                        );
                        waived.push(check.id.clone());
                    }
                    Verdict::Waived => waived.push(check.id.clone()),
                    Verdict::Pass | Verdict::Warn | Verdict::Observe => {
                        passed.push(check.id.clone())
                    }
                    _ => {}
                }
            }
            let (state, listed) = if expired {
                (WaiverState::Expired, Vec::new())
            } else if !waived.is_empty() {
                (WaiverState::Applied, waived)
            } else if !passed.is_empty() {
                (WaiverState::Stale, passed)
            } else {
                (WaiverState::Unexercised, Vec::new())
            };
            statuses.push(WaiverStatus {
                entry: waiver.entry,
                line: waiver.line,
                pattern: waiver.pattern.clone(),
                reason: waiver.reason.clone(),
                owner: waiver.owner.clone(),
                expires: waiver.expires.to_string(),
                state,
                checks: listed,
            });
        }
        statuses
    }
}

impl Waiver {
    fn matches(&self, check: &Check) -> bool {
        match &self.target {
            Target::Check(glob) => glob.is_match(&check.id),
            Target::Fact(glob) => glob.is_match(&check.fact),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Waivers, WaiverError> {
        Waivers::parse(Path::new("w.toml"), text)
    }

    #[test]
    fn errors_name_the_line() {
        let text = "[[waiver]]\ncheck = \"a/*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n\n[[waiver]]\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n";
        let error = parse(text).unwrap_err().to_string();
        assert!(
            error.starts_with("waiver file w.toml line 7: waiver #2: give exactly one"),
            "{error}"
        );
        let error =
            parse("[[waiver]]\ncheck = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n")
                .unwrap_err()
                .to_string();
        assert!(error.contains("line 5"), "{error}");
        let error = parse("[[waiver]]\nchek = \"a\"\n").unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("chek"),
            "{error}"
        );
    }
}
