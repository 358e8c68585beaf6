//! The run engine: resolve the target (a URL, or the embedded reference
//! server), check it can be reached, run the phases, and hand back the
//! checks with what the report needs to know about the run.

use std::sync::Arc;
use std::time::Instant;

use crate::check::Check;
use crate::client::{Client, TargetConfig};
use crate::config::{Phases, RunConfig};
use crate::contract::{Contract, Profile};
use crate::property::{random_seed, run_generated, GeneratedOptions};
use crate::scripted::{run_scripted, RunContext, ScriptedError};
use crate::server::{self, ServerConfig, ServerHandle, ServerVariant};

/// The blocked domain the embedded server is given, so that
/// `create.email-domain` is exercised rather than skipped.
pub const EMBEDDED_BLOCKED_DOMAIN: &str = "blocked.example.test";

/// A finished run: its checks and what the report says about the run.
#[derive(Debug)]
pub struct SuiteOutcome {
    pub checks: Vec<Check>,
    pub target: String,
    pub profile: Profile,
    pub seed: Option<u64>,
    pub started_at: String,
    pub duration_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// Bad usage or configuration (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The target could not be reached (exit 3).
    #[error("{0}")]
    Unreachable(String),
    /// The harness itself failed (exit 3).
    #[error("{0}")]
    Harness(String),
}

impl SuiteError {
    pub fn exit_code(&self) -> i32 {
        match self {
            SuiteError::Usage(_) => crate::exit::USAGE,
            SuiteError::Unreachable(_) | SuiteError::Harness(_) => crate::exit::HARNESS,
        }
    }
}

/// The reference server variant that documents a profile.
pub fn variant_for_profile(profile: &str) -> ServerVariant {
    match profile {
        "legacy" => ServerVariant::Legacy,
        "overview" => ServerVariant::Overview,
        _ => ServerVariant::Current,
    }
}

/// Run the suite as configured.
pub async fn run_suite(
    config: &RunConfig,
    contract: &'static Contract,
) -> Result<SuiteOutcome, SuiteError> {
    let profile = contract
        .profile(&config.profile)
        .cloned()
        .ok_or_else(|| SuiteError::Usage(format!("unknown profile {}", config.profile)))?;
    if let Some(tags) = &config.tags {
        crate::scripted::parse_tags(tags).map_err(|e| SuiteError::Usage(e.to_string()))?;
    }
    let started = Instant::now();
    let started_at = now_rfc3339();

    // Keep the embedded server alive for the whole run.
    let (embedded, target_url, token, project, project_flow, blocked) = match &config.target {
        Some(url) => (
            None,
            url.trim_end_matches('/').to_string(),
            config.token.clone(),
            config
                .project
                .clone()
                .unwrap_or_else(|| server::DEFAULT_PROJECT.into()),
            config
                .project_flow
                .clone()
                .unwrap_or_else(|| server::DEFAULT_PROJECT_FLOW.into()),
            config.blocked_email_domain.clone(),
        ),
        None => {
            let handle = start_embedded(config).await?;
            let url = handle.url().to_string();
            let token = Some(handle.token().to_string());
            let project = handle.project().to_string();
            let flow = handle.project_flow().to_string();
            let blocked = config
                .blocked_email_domain
                .clone()
                .or_else(|| Some(EMBEDDED_BLOCKED_DOMAIN.into()));
            (Some(handle), url, token, project, flow, blocked)
        }
    };
    let target_label = match &embedded {
        Some(_) => format!("embedded reference server ({target_url})"),
        None => target_url.clone(),
    };

    let target = TargetConfig::new(target_url, token)
        .with_timeout(config.timeout)
        .with_ca_certs(config.ca_certs.clone());
    let client = Client::new(target).map_err(|e| SuiteError::Usage(e.to_string()))?;
    client
        .preflight()
        .await
        .map_err(|e| SuiteError::Unreachable(e.to_string()))?;

    let ctx = Arc::new(RunContext::new(
        client,
        contract,
        profile.clone(),
        config.strict,
        blocked,
        project,
        project_flow,
    ));
    let mut checks = Vec::new();
    if config.phases != Phases::Generated {
        let scripted = run_scripted(Arc::clone(&ctx), config.tags.as_deref(), config.concurrency)
            .await
            .map_err(|e| match e {
                ScriptedError::Tags { .. } => SuiteError::Usage(e.to_string()),
                ScriptedError::Harness(_) => SuiteError::Harness(e.to_string()),
            })?;
        checks.extend(scripted);
    }
    let mut seed = config.seed;
    if config.phases != Phases::Scripted {
        // Printed before the phase runs, so a crash still tells how to replay it.
        let chosen = *seed.get_or_insert_with(random_seed);
        if !config.quiet {
            eprintln!("seed: {chosen}");
        }
        let options = GeneratedOptions {
            show_progress: !config.quiet,
            shrink: config.shrink,
            ..GeneratedOptions::new(config.cases, chosen, config.concurrency)
        };
        let generated = run_generated(&ctx, &options)
            .await
            .map_err(|e| SuiteError::Harness(e.to_string()))?;
        checks.extend(generated.checks);
    }

    if let Some(handle) = embedded {
        handle.shutdown().await;
    }
    Ok(SuiteOutcome {
        checks,
        target: target_label,
        profile,
        seed,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

async fn start_embedded(config: &RunConfig) -> Result<ServerHandle, SuiteError> {
    let mut server_config = ServerConfig::new(variant_for_profile(&config.profile));
    server_config.blocked_email_domains = vec![config
        .blocked_email_domain
        .clone()
        .unwrap_or_else(|| EMBEDDED_BLOCKED_DOMAIN.into())];
    if let Some(token) = &config.token {
        server_config.token = token.clone();
    }
    if let Some(project) = &config.project {
        server_config.project = project.clone();
    }
    if let Some(flow) = &config.project_flow {
        server_config.project_flow = flow.clone();
    }
    server::spawn(server_config).await.map_err(|e| {
        SuiteError::Harness(format!("the embedded reference server did not start: {e}"))
    })
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
