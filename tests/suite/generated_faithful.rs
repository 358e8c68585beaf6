//! The generated phase against the faithful reference server: no check may
//! fail or warn, under every profile the server implements.

use verifik_conformance::check::{CheckSource, Verdict};
use verifik_conformance::config::RunConfig;
use verifik_conformance::contract::Contract;
use verifik_conformance::model::Phase;
use verifik_conformance::model::ProfileId;
use verifik_conformance::suite::{run_suite, SuiteOutcome};

fn config(profile: &str, cases: u32, seed: u64) -> RunConfig {
    RunConfig {
        only: Some(Phase::Generated),
        cases,
        seed: Some(seed),
        strict: true,
        ..RunConfig::new(ProfileId::parse(profile).expect("a profile"))
    }
}

async fn run(profile: &str, cases: u32, seed: u64) -> SuiteOutcome {
    let contract = Contract::embedded().unwrap();
    run_suite(&config(profile, cases, seed), contract)
        .await
        .unwrap()
}

fn problems(outcome: &SuiteOutcome) -> Vec<String> {
    outcome
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .map(|c| {
            format!(
                "{} {}\n    {}",
                c.id,
                c.message,
                c.curl.clone().unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_current_server_passes_every_generated_check() {
    let outcome = run("current", 5000, 20240601).await;
    assert_eq!(outcome.info.seed, Some(20240601));
    assert!(outcome
        .checks
        .iter()
        .all(|c| c.source == CheckSource::Generated));
    let problems = problems(&outcome);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let no_5xx = outcome
        .checks
        .iter()
        .find(|c| c.id == "generated/http.no-server-error/no-5xx")
        .unwrap();
    assert_eq!(no_5xx.message, "held in all 5000 cases");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_legacy_server_passes_every_generated_check() {
    let outcome = run("legacy", 1000, 7).await;
    let problems = problems(&outcome);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_overview_server_passes_every_generated_check() {
    let outcome = run("overview", 1000, 8).await;
    let problems = problems(&outcome);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
