//! Running the property-generated phase: generate each case as it is sent
//! (nothing is built up front, so memory does not grow with the number of
//! cases), send them concurrently, tally as they finish, shrink the failures.

use super::executor::{variant_rules, Executor, Plan, Progress};
use super::oracle::RuleSet;
use super::strategies::{GenerateError, Generator, Materializer};
use super::{judge, shrink, tally};
use crate::check::{Check, RequestRecord};
use crate::context::RunContext;
use futures::StreamExt as _;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How to run the generated phase.
#[derive(Debug, Clone)]
pub struct GeneratedOptions {
    pub cases: u32,
    /// Send new cases until this much time has passed since the phase
    /// began, instead of `cases` (`--duration`).
    pub duration: Option<Duration>,
    pub seed: u64,
    /// Cases in flight at once.
    pub concurrency: usize,
    /// A progress bar on a terminal, plain lines otherwise; nothing when off.
    pub show_progress: bool,
    /// Keep every request sent (in case order) in the outcome.
    pub record_requests: bool,
    /// Shrink failures to minimal counterexamples (off when only the
    /// verdict matters, as in `selftest`).
    pub shrink: bool,
    /// Send only this shard's cases (`--partition`).
    pub partition: Option<crate::gate::Partition>,
}

impl GeneratedOptions {
    pub fn new(cases: u32, seed: u64, concurrency: usize) -> Self {
        GeneratedOptions {
            cases,
            duration: None,
            seed,
            concurrency,
            show_progress: false,
            record_requests: false,
            shrink: true,
            partition: None,
        }
    }
}

/// What the generated phase found, and how long each part took.
#[derive(Debug)]
pub struct GeneratedOutcome {
    pub checks: Vec<Check>,
    pub seed: u64,
    pub cases: u64,
    /// Requests sent for the cases (sequences send several), shrinking apart.
    pub requests: u64,
    /// Cases that failed at least one check.
    pub failing_cases: u64,
    pub generate_time: Duration,
    pub send_time: Duration,
    pub shrink_time: Duration,
    /// Every request of the cases in case order, when asked for.
    pub recorded: Vec<RequestRecord>,
    /// The case number and step of each of `recorded`.
    pub recorded_steps: Vec<(u64, usize)>,
}

#[derive(Debug, thiserror::Error)]
pub enum GeneratedError {
    #[error("{0}")]
    Generate(#[from] GenerateError),
}

/// A fresh random seed, for runs without `--seed`.
pub fn random_seed() -> u64 {
    rand::random()
}

/// Run `options.cases` generated cases (or as many as `options.duration`
/// allows) against the run's target.
pub async fn run_generated(
    ctx: &RunContext,
    options: &GeneratedOptions,
) -> Result<GeneratedOutcome, GeneratedError> {
    let target = ctx.target.clone();
    let cases = u64::from(options.cases);
    let generator = Generator::new(options.seed, target.blocked_email_domain.is_some());

    let executor = Executor {
        client: ctx.client.clone(),
        materializer: Materializer::new(target, ctx.contact_seed()),
        rules: RuleSet::new(ctx.contract, &ctx.profile),
        variant_rules: variant_rules(ctx.contract),
        shapes: &ctx.contract.shapes,
    };
    let plan = Plan {
        cases: match options.duration {
            Some(_) => u64::MAX,
            None => cases,
        },
        deadline: options.duration.map(|d| Instant::now() + d),
        partition: options.partition,
    };
    let progress = match options.duration {
        Some(duration) => Progress::timed(duration, options.show_progress),
        None => Progress::new(plan.count(), options.show_progress),
    };
    let started = Instant::now();
    let mut log = Vec::new();
    let sent = executor
        .run_all(
            &generator,
            &plan,
            options.concurrency,
            &progress,
            options.record_requests.then_some(&mut log),
        )
        .await?;
    let tally = sent.tally;
    let generate_time = sent.generate_time;
    // A timed run's case numbers end where it stopped taking cases.
    let next_case = match options.duration {
        Some(_) => sent.next_case,
        None => cases,
    };
    let send_time = started.elapsed();

    let started = Instant::now();
    // A stopped run sends nothing more, so there is nothing to shrink with.
    let failures = if options.shrink && ctx.client.stopped().is_none() {
        tally.failures()
    } else {
        Vec::new()
    };
    if !failures.is_empty() {
        progress.note(&format!("shrinking {} failing checks", failures.len()));
    }
    let executor = &executor;
    let generator = &generator;
    let shrunk: Vec<(
        judge::CheckKey,
        Result<Option<tally::Shrunk>, GenerateError>,
    )> = futures::stream::iter(failures.into_iter().enumerate())
        .map(|(job, (key, case))| async move {
            // Serials after the cases', a block per job: no collisions.
            let start = next_case + job as u64 * shrink::MAX_STEPS;
            let result = shrink::shrink(
                executor,
                generator,
                key,
                case,
                start..start + shrink::MAX_STEPS,
            )
            .await;
            (key, result)
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let mut minimal = HashMap::new();
    for (key, result) in shrunk {
        if let Some(s) = result? {
            minimal.insert(key, s);
        }
    }
    let shrink_time = started.elapsed();
    progress.finish();

    log.sort_by_key(|(case, step, _)| (*case, *step));
    let (sent, requests, failing_cases) = (tally.cases, tally.requests, tally.failing_cases);
    let checks = tally.into_checks(&executor.rules, ctx.strict, &minimal);
    Ok(GeneratedOutcome {
        checks,
        seed: options.seed,
        cases: sent,
        requests,
        failing_cases,
        generate_time,
        send_time,
        shrink_time,
        recorded_steps: log.iter().map(|(case, step, _)| (*case, *step)).collect(),
        recorded: log.into_iter().map(|(_, _, r)| r).collect(),
    })
}
