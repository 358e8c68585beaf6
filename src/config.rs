//! `run`'s configuration: the plain type the engine reads, built from a TOML
//! file (`--config`, same keys as the flags) overlaid by the flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::model::{NoTests, Phase, ProfileId};

/// What the embedded reference server is, when there is no `--target`:
/// faithful, or one mutant or twin of it (for `selftest`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddedServer {
    pub mutant: Option<String>,
    pub twin: Option<String>,
    /// The page it implements; `None`: the one the profile judges by.
    pub variant: Option<crate::model::ServerVariant>,
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// `None`: the embedded reference server.
    pub target: Option<String>,
    pub embedded: EmbeddedServer,
    pub token: Option<String>,
    pub project: Option<String>,
    pub project_flow: Option<String>,
    pub blocked_email_domain: Option<String>,
    pub profile: ProfileId,
    pub tags: Option<String>,
    /// `None`: both phases.
    pub only: Option<Phase>,
    pub cases: u32,
    /// Generate cases for this long instead of `cases` (`--duration`).
    pub duration: Option<Duration>,
    pub seed: Option<u64>,
    pub concurrency: usize,
    pub timeout: Duration,
    /// The whole run stops sending after this long (`--max-duration`).
    pub max_duration: Option<Duration>,
    /// What a run that observed nothing means.
    pub no_tests: NoTests,
    /// This run's share of a sharded run (`--partition hash:K/N`).
    pub partition: Option<crate::gate::Partition>,
    /// Where to stream events (`--events`).
    pub events: Option<crate::events::EventsTo>,
    /// Mixed into the contacts (emails, phones) the run makes unique, and
    /// nothing else: the same seed with another salt sends the same
    /// requests to other contacts (`compare` learns noise this way).
    pub contact_salt: u64,
    pub report_dir: PathBuf,
    pub strict: bool,
    /// No seed line and no progress on stderr (a run embedded in another
    /// command, such as `selftest`).
    pub quiet: bool,
    /// Shrink generated failures to minimal counterexamples.
    pub shrink: bool,
    /// Extra certificate authorities (PEM files) for an https target.
    pub ca_certs: Vec<PathBuf>,
    /// Whether the exchanges are recorded (`run --bundle`) or answered from
    /// a recording (`verify`).
    pub recording: Recording,
}

/// How a run's exchanges are kept.
#[derive(Clone, Default)]
pub enum Recording {
    /// Sent and judged, nothing kept beyond the report.
    #[default]
    Off,
    /// Every exchange also goes to the sink as it happens.
    Record(std::sync::Arc<dyn crate::client::ExchangeSink>),
    /// Nothing is sent: every request is answered from a recording of the
    /// run at `url`, whose target had the `facts` given.
    Replay {
        url: String,
        facts: crate::context::TargetFacts,
        /// Whether the recorded run sent a bearer token (the recording
        /// shows `Bearer ***`, never the token).
        token_sent: bool,
        answers: std::sync::Arc<dyn crate::client::AnswerSource>,
    },
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recording::Off => f.write_str("Off"),
            Recording::Record(_) => f.write_str("Record"),
            Recording::Replay { url, .. } => f.debug_struct("Replay").field("url", url).finish(),
        }
    }
}

/// The `--config` file: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub target: Option<String>,
    pub token: Option<String>,
    pub project: Option<String>,
    pub project_flow: Option<String>,
    pub blocked_email_domain: Option<String>,
    pub profile: Option<String>,
    pub tags: Option<String>,
    pub only: Option<String>,
    pub cases: Option<u32>,
    pub duration: Option<String>,
    pub seed: Option<u64>,
    pub concurrency: Option<usize>,
    pub timeout: Option<f64>,
    pub max_duration: Option<String>,
    pub no_tests: Option<String>,
    pub waivers: Option<PathBuf>,
    pub deny_stale_waivers: Option<bool>,
    pub baseline: Option<PathBuf>,
    pub fail_on: Option<String>,
    pub partition: Option<String>,
    pub events: Option<String>,
    pub report_dir: Option<PathBuf>,
    pub strict: Option<bool>,
    pub ca_cert: Option<PathBuf>,
}

/// The largest `--config` file read.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A `--config` file read and parsed, with the line of every key, so that a
/// value refused after parsing is reported where it is written.
#[derive(Debug, Default)]
pub struct ConfigFile {
    /// `None` when no `--config` was given (every value absent).
    pub path: Option<PathBuf>,
    pub values: FileConfig,
    /// Each top-level key with its line (1-based).
    lines: Vec<(String, usize)>,
}

impl ConfigFile {
    /// `error`, about the value of `key`, prefixed with the file and the
    /// key's line.
    pub fn at(&self, key: &str, error: ConfigError) -> ConfigError {
        let Some(path) = &self.path else {
            return error;
        };
        let place = match self.lines.iter().find(|(k, _)| k == key) {
            Some((_, line)) => format!("config file {} line {line}", path.display()),
            None => format!("config file {}", path.display()),
        };
        ConfigError::Invalid(format!("{place}: {error}"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source} (check the --config path)")]
    Read {
        path: PathBuf,
        source: crate::input_file::InputFileError,
    },
    #[error("config file {path} {place}: {message}")]
    Parse {
        path: PathBuf,
        /// `line L, column C`, or `(position unknown)`.
        place: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

impl RunConfig {
    /// A quiet run against the embedded reference server, judged by
    /// `profile`, every option at its default: for runs embedded in another
    /// command or a test (override fields with struct update syntax).
    pub fn new(profile: ProfileId) -> RunConfig {
        RunConfig {
            target: None,
            embedded: EmbeddedServer::default(),
            token: None,
            project: None,
            project_flow: None,
            blocked_email_domain: None,
            profile,
            tags: None,
            only: None,
            cases: 500,
            duration: None,
            seed: None,
            concurrency: 16,
            timeout: Duration::from_secs(10),
            max_duration: None,
            no_tests: NoTests::Fail,
            partition: None,
            events: None,
            contact_salt: 0,
            report_dir: PathBuf::from("reports"),
            strict: false,
            quiet: true,
            shrink: true,
            ca_certs: Vec::new(),
            recording: Recording::Off,
        }
    }

    /// The same, against `url` with `token`.
    pub fn for_target(url: &str, token: &str, profile: ProfileId) -> RunConfig {
        RunConfig {
            target: Some(url.to_string()),
            token: Some(token.to_string()),
            ..RunConfig::new(profile)
        }
    }
}

/// The `--config` file (a regular file of at most [`MAX_CONFIG_BYTES`]),
/// or its error, placed at its line and column.
pub fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let bytes =
        crate::input_file::read(path, MAX_CONFIG_BYTES).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let parse_error = |place: String, message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        place,
        message,
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        parse_error(
            place(&text, offset),
            "not UTF-8 text: save the file as UTF-8".into(),
        )
    })?;
    let values: FileConfig = toml::from_str(&text).map_err(|e| {
        let place = e.span().map_or_else(
            || "(position unknown)".to_string(),
            |span| place(&text, span.start),
        );
        parse_error(place, e.message().trim().to_string())
    })?;
    let lines = match toml::de::DeTable::parse(&text) {
        Ok(table) => table
            .get_ref()
            .iter()
            .map(|(key, _)| {
                let line = line_col(&text, key.span().start).0;
                (key.get_ref().to_string(), line)
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok(ConfigFile {
        path: Some(path.to_path_buf()),
        values,
        lines,
    })
}

/// `line L, column C` of a byte offset.
fn place(text: &str, offset: usize) -> String {
    let (line, column) = line_col(text, offset);
    format!("line {line}, column {column}")
}

/// The 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, 1 + before[line_start..].chars().count())
}

/// A profile named in the config file (any case).
pub fn parse_profile(name: &str) -> Result<ProfileId, ConfigError> {
    ProfileId::parse(&name.trim().to_ascii_lowercase()).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "profile = {name:?} is unknown: use current, en, es, legacy or overview"
        ))
    })
}

/// A phase named in the config file's `only`.
pub fn parse_phase(name: &str) -> Result<Phase, ConfigError> {
    Phase::parse(name).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "only = {name:?} is not a phase: use \"scripted\" or \"generated\""
        ))
    })
}

/// A per-request timeout in seconds: more than 0, at most 3600.
pub fn check_timeout(seconds: f64) -> Result<Duration, ConfigError> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(ConfigError::Invalid(format!(
            "timeout {seconds} is out of range: give more than 0 and at most 3600 seconds, e.g. 5 or 0.5"
        )))
    }
}

/// A `--max-duration` such as `90s` or `10m`: more than 0, at most a week.
pub fn parse_max_duration(text: &str) -> Result<Duration, ConfigError> {
    parse_span("max-duration", text)
}

/// A `--duration` (how long to generate cases), with the same rules as
/// `--max-duration`.
pub fn parse_duration(text: &str) -> Result<Duration, ConfigError> {
    parse_span("duration", text)
}

fn parse_span(name: &str, text: &str) -> Result<Duration, ConfigError> {
    let invalid = |why: String| {
        ConfigError::Invalid(format!(
            "{name} {text:?} {why}: give a duration such as 90s, 10m or 1h30m"
        ))
    };
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| invalid(format!("is not a duration ({e})")))?;
    if duration.is_zero() || duration > Duration::from_secs(7 * 24 * 3600) {
        return Err(invalid(
            "is out of range (more than 0, at most 7 days)".into(),
        ));
    }
    Ok(duration)
}

/// A `no-tests` policy named in the config file.
pub fn parse_no_tests(name: &str) -> Result<NoTests, ConfigError> {
    NoTests::parse(name).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "no-tests = {name:?} in the config file: use \"fail\", \"warn\" or \"pass\""
        ))
    })
}

/// Requests in flight at once: 1 to 1024.
pub fn check_concurrency(concurrency: usize) -> Result<usize, ConfigError> {
    if (1..=1024).contains(&concurrency) {
        Ok(concurrency)
    } else {
        Err(ConfigError::Invalid(format!(
            "concurrency {concurrency} is out of range: give 1 to 1024"
        )))
    }
}

/// A project, project flow or blocked email domain: given means not blank
/// (`name` is how the message names it, `--project` or `project`).
/// `--project`, `--project-flow` and `--blocked-email-domain`, when given,
/// are not blank.
pub fn check_ids(
    project: Option<&str>,
    project_flow: Option<&str>,
    blocked_email_domain: Option<&str>,
) -> Result<(), ConfigError> {
    for (name, value) in [
        ("--project", project),
        ("--project-flow", project_flow),
        ("--blocked-email-domain", blocked_email_domain),
    ] {
        if let Some(value) = value {
            check_not_blank(name, value)?;
        }
    }
    Ok(())
}

pub fn check_not_blank(name: &str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(ConfigError::Invalid(format!(
            "{name} is empty: give a value, or leave {name} out to use the default"
        )))
    } else {
        Ok(())
    }
}

/// A `--target`: the client's own rule for a base URL, checked before the
/// run starts.
pub fn check_url(url: &str) -> Result<(), ConfigError> {
    crate::client::check_base_url(url).map_err(|e| ConfigError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbé = 2\n  c = 3";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // After the two-byte é: column 3, not 4.
        assert_eq!(line_col(text, 9), (2, 3));
        assert_eq!(line_col(text, text.len()), (3, 8));
        assert_eq!(line_col(text, 8), (2, 2), "inside a character");
    }

    #[test]
    fn the_timeout_message_states_the_real_bounds() {
        let message = check_timeout(0.0).unwrap_err().to_string();
        assert!(
            message.contains("more than 0 and at most 3600 seconds"),
            "{message}"
        );
        assert!(check_timeout(3600.0).is_ok());
        assert!(check_timeout(3600.5).is_err());
    }

    #[test]
    fn blank_values_are_refused() {
        assert!(check_not_blank("--project", "p").is_ok());
        for blank in ["", " ", "\t\n"] {
            let message = check_not_blank("--project", blank).unwrap_err().to_string();
            assert!(message.starts_with("--project is empty"), "{message}");
        }
    }
}
