//! Runs the embedded features with cucumber, from inside `run`: options are
//! built here (cucumber never parses the process arguments), the run context
//! reaches every scenario through the before hook, and a writer collects
//! what went wrong in the harness itself (unmatched or panicking steps).
//! Contract violations are checks, recorded by the steps, never step failures.

use std::sync::Arc;

use cucumber::tag::Ext as _;
use cucumber::{event, gherkin, parser, Event, World as _, Writer};
use futures::FutureExt as _;

use super::features::{fact_tags, feature_texts, EmbeddedFeatures};
use super::world::RegistrationWorld;
use crate::check::Check;
use crate::context::RunContext;
use crate::gate::Partition;

/// The harness could not run the scripted phase as written.
#[derive(Debug, thiserror::Error)]
pub enum ScriptedError {
    #[error("invalid --tags expression {expression:?}: {reason} (example: --tags '@must and not @fact:auth.bearer-required')")]
    Tags { expression: String, reason: String },
    #[error("the scripted suite is broken: {0}")]
    Harness(String),
}

/// Parse a cucumber tag expression (`@must and not @observe`).
pub fn parse_tags(expression: &str) -> Result<gherkin::tagexpr::TagOperation, ScriptedError> {
    expression
        .parse::<gherkin::tagexpr::TagOperation>()
        .map_err(|e| ScriptedError::Tags {
            expression: expression.to_string(),
            reason: e.to_string(),
        })
}

/// Run every scenario (those matching `tags`, in this shard of a
/// partitioned run) and return the checks.
pub async fn run_scripted(
    ctx: Arc<RunContext>,
    tags: Option<&str>,
    max_concurrent: usize,
    partition: Option<Partition>,
) -> Result<Vec<Check>, ScriptedError> {
    // Tags are evaluated here, with the partition: cucumber would ignore a
    // custom filter when its own tag filter is set.
    let tags = tags.map(parse_tags).transpose()?;
    let selected = move |feature: &gherkin::Feature,
                         rule: Option<&gherkin::Rule>,
                         scenario: &gherkin::Scenario| {
        let tagged = tags.as_ref().is_none_or(|t| {
            t.eval(
                feature
                    .tags
                    .iter()
                    .chain(rule.iter().flat_map(|r| &r.tags))
                    .chain(scenario.tags.iter()),
            )
        });
        let owned = partition.is_none_or(|p| {
            let path = feature.path.as_deref().unwrap_or(std::path::Path::new(""));
            let key = format!("{}:{}", path.display(), scenario.position.line);
            p.owns(key.as_bytes())
        });
        tagged && owned
    };
    let opts = cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default();
    let hook_ctx = Arc::clone(&ctx);
    // Each feature's place among the embedded ones, looked up per scenario.
    let paths: Arc<Vec<&'static str>> =
        Arc::new(feature_texts().into_iter().map(|(path, _)| path).collect());
    let log = RegistrationWorld::cucumber::<&str>()
        .with_parser(EmbeddedFeatures)
        .with_writer(HarnessLog::default())
        .max_concurrent_scenarios(max_concurrent.max(1))
        .before(move |feature, _rule, scenario, world| {
            let ctx = Arc::clone(&hook_ctx);
            let paths = Arc::clone(&paths);
            async move { prepare(world, ctx, &paths, feature, scenario) }.boxed_local()
        })
        .with_cli(opts)
        .filter_run((), selected)
        .await;
    if !log.problems.is_empty() {
        return Err(ScriptedError::Harness(log.problems.join("; ")));
    }
    Ok(ctx.take_checks())
}

fn prepare(
    world: &mut RegistrationWorld,
    ctx: Arc<RunContext>,
    feature_paths: &[&str],
    feature: &gherkin::Feature,
    scenario: &gherkin::Scenario,
) {
    let needs_domain = scenario
        .tags
        .iter()
        .any(|t| t == "needs:blocked-email-domain");
    let missing_domain = needs_domain && ctx.target.blocked_email_domain.is_none();
    world.ctx = Some(ctx);
    world.scenario = scenario.name.clone();
    // The feature's place among the embedded ones and the scenario's line
    // (an outline's examples row has its own): unique, and the same every run.
    let feature_index = feature_paths
        .iter()
        .position(|path| feature.path.as_deref() == Some(std::path::Path::new(path)))
        .unwrap_or(0);
    world.serial_base = feature_index as u64 * 10_000 + scenario.position.line as u64;
    world.facts = fact_tags(&scenario.tags);
    if missing_domain {
        let reason = "needs --blocked-email-domain: name a domain the target's project refuses";
        world.skip = Some(reason.into());
        world.record_skips(reason);
    }
}

/// Collects harness problems; prints nothing (the report is built from checks).
#[derive(Debug, Default)]
struct HarnessLog {
    problems: Vec<String>,
}

impl cucumber::writer::Normalized for HarnessLog {}

impl Writer<RegistrationWorld> for HarnessLog {
    type Cli = cucumber::cli::Empty;

    async fn handle_event(
        &mut self,
        event: parser::Result<Event<event::Cucumber<RegistrationWorld>>>,
        _cli: &Self::Cli,
    ) {
        use event::{Cucumber, Feature, Rule, Scenario, Step};
        let event = match event {
            Ok(e) => e.value,
            Err(e) => {
                self.problems.push(format!("a feature does not parse: {e}"));
                return;
            }
        };
        let Cucumber::Feature(_, feature) = event else {
            return;
        };
        let (scenario, ev) = match feature {
            Feature::Scenario(s, ev) | Feature::Rule(_, Rule::Scenario(s, ev)) => (s, ev.event),
            _ => return,
        };
        let step_problem = |step: &gherkin::Step, ev: &Step<RegistrationWorld>| match ev {
            Step::Skipped => Some(format!(
                "scenario {:?}: step {:?} matches no step definition",
                scenario.name, step.value
            )),
            Step::Failed(_, _, _, err) => Some(format!(
                "scenario {:?}: step {:?} failed: {err}",
                scenario.name, step.value
            )),
            _ => None,
        };
        let problem = match &ev {
            Scenario::Step(step, ev) | Scenario::Background(step, ev) => step_problem(step, ev),
            Scenario::Hook(_, event::Hook::Failed(_, info)) => Some(format!(
                "scenario {:?}: hook failed: {}",
                scenario.name,
                panic_text(info)
            )),
            _ => None,
        };
        self.problems.extend(problem);
    }
}

fn panic_text(info: &event::Info) -> String {
    info.downcast_ref::<String>()
        .cloned()
        .or_else(|| info.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}
