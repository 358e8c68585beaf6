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
    pub seed: Option<u64>,
    pub concurrency: usize,
    pub timeout: Duration,
    /// The whole run stops sending after this long (`--max-duration`).
    pub max_duration: Option<Duration>,
    /// What a run that observed nothing means.
    pub no_tests: NoTests,
    pub report_dir: PathBuf,
    pub strict: bool,
    /// No seed line and no progress on stderr (a run embedded in another
    /// command, such as `selftest`).
    pub quiet: bool,
    /// Shrink generated failures to minimal counterexamples.
    pub shrink: bool,
    /// Extra certificate authorities (PEM files) for an https target.
    pub ca_certs: Vec<PathBuf>,
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
    pub seed: Option<u64>,
    pub concurrency: Option<usize>,
    pub timeout: Option<f64>,
    pub max_duration: Option<String>,
    pub no_tests: Option<String>,
    pub report_dir: Option<PathBuf>,
    pub strict: Option<bool>,
    pub ca_cert: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source} (check the --config path)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
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
            seed: None,
            concurrency: 16,
            timeout: Duration::from_secs(10),
            max_duration: None,
            no_tests: NoTests::Fail,
            report_dir: PathBuf::from("reports"),
            strict: false,
            quiet: true,
            shrink: true,
            ca_certs: Vec::new(),
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

/// The `--config` file, or its error.
pub fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
}

/// A profile named in the config file (any case).
pub fn parse_profile(name: &str) -> Result<ProfileId, ConfigError> {
    ProfileId::parse(&name.trim().to_ascii_lowercase()).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "profile {name:?} is unknown: use current, en, es, legacy or overview"
        ))
    })
}

/// A phase named in the config file's `only`.
pub fn parse_phase(name: &str) -> Result<Phase, ConfigError> {
    Phase::parse(name).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "only = {name:?} in the config file: use \"scripted\" or \"generated\""
        ))
    })
}

/// A per-request timeout in seconds: more than 0, at most 3600.
pub fn check_timeout(seconds: f64) -> Result<Duration, ConfigError> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(ConfigError::Invalid(format!(
            "timeout {seconds} is out of range: give seconds between 0 and 3600, e.g. --timeout 5"
        )))
    }
}

/// A `--max-duration` such as `90s` or `10m`: more than 0, at most a week.
pub fn parse_max_duration(text: &str) -> Result<Duration, ConfigError> {
    let invalid = |why: String| {
        ConfigError::Invalid(format!(
            "max-duration {text:?} {why}: give a duration such as 90s, 10m or 1h30m"
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

/// A `--target`: the client's own rule for a base URL, checked before the
/// run starts.
pub fn check_url(url: &str) -> Result<(), ConfigError> {
    crate::client::check_base_url(url).map_err(|e| ConfigError::Invalid(e.to_string()))
}
