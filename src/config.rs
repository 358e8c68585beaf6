//! `run`'s configuration: the plain type the engine reads, built from a TOML
//! file (`--config`, same keys as the flags) overlaid by the flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::{PhaseArg, ProfileArg, RunArgs};

/// Which phases a run includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phases {
    Both,
    Scripted,
    Generated,
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// `None`: the embedded reference server.
    pub target: Option<String>,
    pub token: Option<String>,
    pub project: Option<String>,
    pub project_flow: Option<String>,
    pub blocked_email_domain: Option<String>,
    pub profile: String,
    pub tags: Option<String>,
    pub phases: Phases,
    pub cases: u32,
    pub seed: Option<u64>,
    pub concurrency: usize,
    pub timeout: Duration,
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
struct FileConfig {
    target: Option<String>,
    token: Option<String>,
    project: Option<String>,
    project_flow: Option<String>,
    blocked_email_domain: Option<String>,
    profile: Option<String>,
    tags: Option<String>,
    only: Option<String>,
    cases: Option<u32>,
    seed: Option<u64>,
    concurrency: Option<usize>,
    timeout: Option<f64>,
    report_dir: Option<PathBuf>,
    strict: Option<bool>,
    ca_cert: Option<PathBuf>,
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
    pub fn new(profile: &str) -> RunConfig {
        RunConfig {
            target: None,
            token: None,
            project: None,
            project_flow: None,
            blocked_email_domain: None,
            profile: profile.to_string(),
            tags: None,
            phases: Phases::Both,
            cases: 500,
            seed: None,
            concurrency: 16,
            timeout: Duration::from_secs(10),
            report_dir: PathBuf::from("reports"),
            strict: false,
            quiet: true,
            shrink: true,
            ca_certs: Vec::new(),
        }
    }

    /// The same, against `url` with `token`.
    pub fn for_target(url: &str, token: &str, profile: &str) -> RunConfig {
        RunConfig {
            target: Some(url.to_string()),
            token: Some(token.to_string()),
            ..RunConfig::new(profile)
        }
    }

    /// Flags over the config file over the defaults.
    pub fn from_args(args: RunArgs) -> Result<RunConfig, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let profile = match (args.profile, file.profile) {
            (Some(p), _) => crate::contract::profile_name(p).to_string(),
            (None, Some(p)) => parse_profile(&p)?,
            (None, None) => "current".to_string(),
        };
        let phases = match (args.only, file.only.as_deref()) {
            (Some(PhaseArg::Scripted), _) | (None, Some("scripted")) => Phases::Scripted,
            (Some(PhaseArg::Generated), _) | (None, Some("generated")) => Phases::Generated,
            (None, None) => Phases::Both,
            (None, Some(other)) => {
                return Err(ConfigError::Invalid(format!(
                    "only = {other:?} in the config file: use \"scripted\" or \"generated\""
                )))
            }
        };
        let timeout = args.timeout.or(file.timeout).unwrap_or(10.0);
        if !(timeout.is_finite() && timeout > 0.0 && timeout <= 3600.0) {
            return Err(ConfigError::Invalid(format!(
                "timeout {timeout} is out of range: give seconds between 0 and 3600, e.g. --timeout 5"
            )));
        }
        let concurrency = args.concurrency.or(file.concurrency).unwrap_or(16);
        if concurrency == 0 || concurrency > 1024 {
            return Err(ConfigError::Invalid(format!(
                "concurrency {concurrency} is out of range: give 1 to 1024"
            )));
        }
        let target = args.target.or(file.target);
        if let Some(url) = &target {
            check_url(url)?;
        }
        Ok(RunConfig {
            target,
            token: args.token.or(file.token),
            project: args.project.or(file.project),
            project_flow: args.project_flow.or(file.project_flow),
            blocked_email_domain: args.blocked_email_domain.or(file.blocked_email_domain),
            profile,
            tags: args.tags.or(file.tags),
            phases,
            cases: args.cases.or(file.cases).unwrap_or(500),
            seed: args.seed.or(file.seed),
            concurrency,
            timeout: Duration::from_secs_f64(timeout),
            report_dir: args
                .report_dir
                .or(file.report_dir)
                .unwrap_or_else(|| PathBuf::from("reports")),
            strict: args.strict || file.strict.unwrap_or(false),
            quiet: false,
            shrink: true,
            ca_certs: if args.ca_certs.is_empty() {
                file.ca_cert.into_iter().collect()
            } else {
                args.ca_certs
            },
        })
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
}

fn parse_profile(name: &str) -> Result<String, ConfigError> {
    use clap::ValueEnum;
    ProfileArg::from_str(name, true)
        .map(|p| crate::contract::profile_name(p).to_string())
        .map_err(|_| {
            ConfigError::Invalid(format!(
                "profile {name:?} is unknown: use current, en, es, legacy or overview"
            ))
        })
}

fn check_url(url: &str) -> Result<(), ConfigError> {
    let ok =
        (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "http://".len();
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "target {url:?} is not an http(s) URL: give the base URL, e.g. --target http://127.0.0.1:8080"
        )))
    }
}
