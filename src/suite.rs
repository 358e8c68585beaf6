//! The run engine: resolve the target once (a URL, or the embedded reference
//! server, started here and only here), check it can be reached, build the
//! one [`RunContext`] both phases share, run the phases, and hand back the
//! checks with the [`RunInfo`] the report states.

use std::sync::Arc;
use std::time::Instant;

use crate::check::{Check, RunInfo};
use crate::client::{Breaker, Client, Secret, TargetConfig, DEFAULT_FAILURE_LIMIT};
use crate::config::{EmbeddedServer, Recording, RunConfig};
use crate::context::{RunContext, TargetFacts};
use crate::contract::{Contract, Profile};
use crate::events::Events;
use crate::exit::Error;
use crate::model::Phase;
use crate::property::{random_seed, run_generated, GeneratedOptions};
use crate::scripted::{run_scripted, ScriptedError};
use crate::server::{self, ServerConfig, ServerHandle};

/// The blocked domain the embedded server is given, so that
/// `create.email-domain` is exercised rather than skipped.
pub const EMBEDDED_BLOCKED_DOMAIN: &str = "blocked.example.test";

/// Registrations the embedded server keeps, the most recent, at least.
pub const EMBEDDED_RETAIN: usize = 4096;

/// Registrations the embedded server of a run at `concurrency` keeps (the
/// most recent). A case acts only on what it created itself, over at most
/// five requests; while it runs, the other cases in flight create at most
/// about 25 per slot of concurrency. Keeping five times that, and never
/// fewer than [`EMBEDDED_RETAIN`], bounds the run's memory without changing
/// any answer a case can observe.
pub fn embedded_retain(concurrency: usize) -> usize {
    EMBEDDED_RETAIN.max(concurrency.saturating_mul(128))
}

/// A finished run: its checks and what the report says about the run.
#[derive(Debug)]
pub struct SuiteOutcome {
    /// The `--events` stream, for the command to end with the verdict.
    pub events: Option<Arc<Events>>,
    pub info: RunInfo,
    pub profile: Profile,
    pub checks: Vec<Check>,
    /// The token the run sent, for the report to scrub.
    pub secret: Secret,
    /// The base URL the requests went to (the embedded server's included).
    pub target_url: String,
    /// What the target was configured with, as the checks assumed it.
    pub target_facts: TargetFacts,
}

/// The stand-in bearer token of a replayed run: records show `Bearer ***`
/// whatever the token, so any token reproduces them.
const REPLAY_TOKEN: &str = "replayed-token-never-sent";

impl SuiteOutcome {
    /// The run's report, ungated (what `compare` and `replay` write).
    pub fn report(&self, contract: &Contract) -> crate::report::Report {
        crate::report::Report::build(
            self.info.clone(),
            self.checks.clone(),
            contract,
            &self.profile,
            &self.secret,
        )
    }
}

/// The server under test, resolved once.
struct Target {
    url: String,
    /// How the report names it.
    label: String,
    token: Option<String>,
    facts: TargetFacts,
    /// The embedded reference server, kept alive for the whole run.
    embedded: Option<ServerHandle>,
}

impl Target {
    async fn resolve(config: &RunConfig) -> Result<Target, Error> {
        if let Recording::Replay {
            url,
            facts,
            token_sent,
            ..
        } = &config.recording
        {
            return Ok(Target {
                url: url.clone(),
                label: format!("replay of a recording of {url}"),
                token: token_sent.then(|| REPLAY_TOKEN.to_string()),
                facts: facts.clone(),
                embedded: None,
            });
        }
        let Some(url) = &config.target else {
            return Target::embedded(config).await;
        };
        let url = url.trim_end_matches('/').to_string();
        Ok(Target {
            label: url.clone(),
            url,
            token: config.token.clone(),
            facts: TargetFacts {
                project: config
                    .project
                    .clone()
                    .unwrap_or_else(|| server::DEFAULT_PROJECT.into()),
                project_flow: config
                    .project_flow
                    .clone()
                    .unwrap_or_else(|| server::DEFAULT_PROJECT_FLOW.into()),
                blocked_email_domain: config.blocked_email_domain.clone(),
            },
            embedded: None,
        })
    }

    /// Start the reference server that implements the profile's pages (or
    /// the mutant or twin of it the configuration names).
    async fn embedded(config: &RunConfig) -> Result<Target, Error> {
        let blocked = config
            .blocked_email_domain
            .clone()
            .unwrap_or_else(|| EMBEDDED_BLOCKED_DOMAIN.into());
        let variant = config.embedded.variant.unwrap_or(config.profile.server());
        let mut server_config = ServerConfig::new(variant);
        server_config.blocked_email_domains = vec![blocked.clone()];
        let EmbeddedServer { mutant, twin, .. } = &config.embedded;
        server_config.mutant = mutant.clone();
        server_config.twin = twin.clone();
        server_config.retain = Some(embedded_retain(config.concurrency));
        if let Some(token) = &config.token {
            server_config.token = token.clone();
        }
        if let Some(project) = &config.project {
            server_config.project = project.clone();
        }
        if let Some(flow) = &config.project_flow {
            server_config.project_flow = flow.clone();
        }
        let handle = server::spawn(server_config)
            .await
            .map_err(|e| match Error::from(e) {
                Error::Harness(m) => {
                    Error::Harness(format!("the embedded reference server did not start: {m}"))
                }
                usage => usage,
            })?;
        Ok(Target {
            url: handle.url().to_string(),
            label: format!("embedded reference server ({})", handle.url()),
            token: Some(handle.token().to_string()),
            facts: TargetFacts {
                project: handle.project().to_string(),
                project_flow: handle.project_flow().to_string(),
                blocked_email_domain: Some(blocked),
            },
            embedded: Some(handle),
        })
    }
}

/// Run the suite as configured.
pub async fn run_suite(
    config: &RunConfig,
    contract: &'static Contract,
) -> Result<SuiteOutcome, Error> {
    let profile = contract.profile(config.profile).clone();
    if let Some(tags) = &config.tags {
        crate::scripted::parse_tags(tags).map_err(Error::usage)?;
    }
    let started = Instant::now();
    let started_at = now_rfc3339();
    // Bounds the whole run, from here.
    let breaker = Breaker::new(DEFAULT_FAILURE_LIMIT, config.max_duration);
    // The scripted contacts and every generated case derive from it.
    let seed = config.seed.unwrap_or_else(random_seed);

    let target = Target::resolve(config).await?;
    let mut client_config = TargetConfig::new(target.url.clone(), target.token.clone())
        .with_timeout(config.timeout)
        .with_ca_certs(config.ca_certs.clone())
        .with_breaker(breaker.clone());
    match &config.recording {
        Recording::Off => {}
        Recording::Record(sink) => client_config = client_config.with_sink(Arc::clone(sink)),
        Recording::Replay { answers, .. } => {
            client_config = client_config.with_answers(Arc::clone(answers))
        }
    }
    let client = Client::new(client_config).map_err(Error::usage)?;
    let events = match &config.events {
        Some(to) => Some(Arc::new(
            Events::open(to, client.secret().clone()).map_err(Error::usage)?,
        )),
        None => None,
    };
    client
        .preflight()
        .await
        .map_err(|e| Error::Unreachable(client.scrub(&e.to_string())))?;
    // Printed before the phases run: a crash still says how to replay it.
    if !config.quiet {
        crate::output::err_line(&format!("seed: {seed}"));
    }

    let mut ctx = RunContext::new(
        client,
        contract,
        profile.clone(),
        config.strict,
        target.facts.clone(),
        seed,
    );
    ctx.events = events.clone();
    let ctx = ctx.with_contact_salt(config.contact_salt);
    let ctx = Arc::new(ctx);
    let phase_start = |phase| {
        if let Some(events) = &events {
            events.phase_start(phase);
        }
    };
    let mut checks = Vec::new();
    let mut generated_cases = None;
    if config.only != Some(Phase::Generated) {
        phase_start(Phase::Scripted);
        let scripted = run_scripted(
            Arc::clone(&ctx),
            config.tags.as_deref(),
            config.concurrency,
            config.partition,
        )
        .await
        .map_err(|e| match e {
            ScriptedError::Tags { .. } => Error::usage(e),
            ScriptedError::Harness(_) => Error::harness(e),
        })?;
        if let Some(events) = &events {
            events.phase_end(Phase::Scripted, scripted.len());
        }
        checks.extend(scripted);
    }
    if config.only != Some(Phase::Scripted) && breaker.stopped().is_none() {
        phase_start(Phase::Generated);
        let options = GeneratedOptions {
            show_progress: !config.quiet,
            shrink: config.shrink,
            partition: config.partition,
            duration: config.duration,
            ..GeneratedOptions::new(config.cases, seed, config.concurrency)
        };
        let generated = run_generated(&ctx, &options)
            .await
            .map_err(Error::harness)?;
        generated_cases = Some(generated.cases);
        // Generated checks finish together, when their cases are tallied.
        if let Some(events) = &events {
            for check in &generated.checks {
                events.check(check);
            }
            events.phase_end(Phase::Generated, generated.checks.len());
        }
        checks.extend(generated.checks);
    }

    if let Some(handle) = target.embedded {
        handle.shutdown().await;
    }
    let secret = ctx.client.secret().clone();
    Ok(SuiteOutcome {
        info: RunInfo {
            target: target.label,
            profile: config.profile,
            seed: Some(seed),
            started_at,
            duration_ms: started.elapsed().as_millis() as u64,
            strict: config.strict,
            stopped: breaker.stopped().map(str::to_string),
            partition: config.partition.map(|p| p.to_string()),
            generated_cases,
        },
        profile,
        checks,
        secret,
        events,
        target_url: target.url,
        target_facts: target.facts,
    })
}

/// Now, as RFC 3339 (UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
