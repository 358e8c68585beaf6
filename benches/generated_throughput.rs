//! Generated-phase throughput against the embedded reference server: cases
//! per second at `--concurrency 16`, and the peak memory (VmHWM) of a
//! 20,000-case run. Run with `cargo bench --bench generated_throughput`.

use std::time::Instant;

use verifik_conformance::client::{Client, TargetConfig};
use verifik_conformance::context::{RunContext, TargetFacts};
use verifik_conformance::contract::Contract;
use verifik_conformance::model::ProfileId;
use verifik_conformance::property::{run_generated, GeneratedOptions, GeneratedOutcome};
use verifik_conformance::server::{self, ServerConfig, ServerHandle, ServerVariant};

const BLOCKED: &str = "blocked.example.test";

async fn embedded() -> ServerHandle {
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.blocked_email_domains = vec![BLOCKED.into()];
    server::spawn(config)
        .await
        .expect("the embedded server starts")
}

/// One generated run on a fresh server, as `run --only generated` does it.
async fn generated(cases: u32, seed: u64, concurrency: usize) -> (GeneratedOutcome, f64) {
    let contract = Contract::embedded().expect("the embedded contract loads");
    let server = embedded().await;
    let client = Client::new(TargetConfig::new(
        server.url(),
        Some(server.token().to_string()),
    ))
    .expect("a client");
    let ctx = RunContext::new(
        client,
        contract,
        contract.profile(ProfileId::Current).clone(),
        false,
        TargetFacts {
            project: server.project().to_string(),
            project_flow: server.project_flow().to_string(),
            blocked_email_domain: Some(BLOCKED.into()),
        },
        seed,
    );
    let started = Instant::now();
    let outcome = run_generated(&ctx, &GeneratedOptions::new(cases, seed, concurrency))
        .await
        .expect("the generated phase runs");
    let seconds = started.elapsed().as_secs_f64();
    server.shutdown().await;
    (outcome, seconds)
}

/// Peak resident memory of this process so far, in KiB.
fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Reset the peak (Linux >= 4.0), so the next figure is one run's alone.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn report(label: &str, outcome: &GeneratedOutcome, seconds: f64) {
    let failing = outcome
        .checks
        .iter()
        .filter(|c| c.verdict == verifik_conformance::check::Verdict::Fail)
        .count();
    println!(
        "{label}: {} cases ({} requests) in {:.2} s = {:.0} cases/s, {:.0} requests/s \
         [generate {} ms, send {} ms, shrink {} ms; {} failing checks]",
        outcome.cases,
        outcome.requests,
        seconds,
        outcome.cases as f64 / seconds,
        outcome.requests as f64 / seconds,
        outcome.generate_time.as_millis(),
        outcome.send_time.as_millis(),
        outcome.shrink_time.as_millis(),
        failing,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects nothing here.
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let (warm, secs) = generated(1_000, 1, 16).await;
        report("warm-up", &warm, secs);
        for round in 1..=3 {
            let (outcome, secs) = generated(5_000, 100 + round, 16).await;
            report(
                &format!("5,000 cases, --concurrency 16, round {round}"),
                &outcome,
                secs,
            );
        }
        let reset = reset_hwm();
        let (outcome, secs) = generated(20_000, 7, 16).await;
        report("20,000 cases, --concurrency 16", &outcome, secs);
        match vm_hwm_kib() {
            Some(kib) => println!(
                "peak memory (VmHWM) of the 20,000-case run{}: {:.1} MiB",
                if reset {
                    ""
                } else {
                    " (process peak; reset unavailable)"
                },
                kib as f64 / 1024.0
            ),
            None => println!("peak memory: /proc/self/status unavailable"),
        }
    });
}
