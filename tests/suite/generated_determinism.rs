//! The same seed sends the same requests; another seed sends others; a
//! timed run (`--duration`) sends the same cases in the same order.

use std::time::Duration;

use verifik_conformance::check::RequestRecord;
use verifik_conformance::client::{Client, TargetConfig};
use verifik_conformance::context::{RunContext, TargetFacts};
use verifik_conformance::contract::Contract;
use verifik_conformance::model::ProfileId;
use verifik_conformance::property::{run_generated, GeneratedOptions};

/// A fresh server each time, so no run sees another's registrations.
async fn recorded(seed: u64, cases: u32) -> Vec<RequestRecord> {
    recorded_with(GeneratedOptions::new(cases, seed, 8)).await
}

async fn recorded_with(options: GeneratedOptions) -> Vec<RequestRecord> {
    let seed = options.seed;
    let contract = Contract::embedded().unwrap();
    let server = crate::support::reference_server(None, None).await;
    let client = Client::new(TargetConfig::new(
        server.url(),
        Some(server.token().to_string()),
    ))
    .unwrap();
    let ctx = RunContext::new(
        client,
        contract,
        contract.profile(ProfileId::Current).clone(),
        false,
        TargetFacts {
            project: server.project().to_string(),
            project_flow: server.project_flow().to_string(),
            blocked_email_domain: Some(crate::support::BLOCKED_DOMAIN.into()),
        },
        seed,
    );
    let options = GeneratedOptions {
        record_requests: true,
        ..options
    };
    let outcome = run_generated(&ctx, &options).await.unwrap();
    assert_eq!(outcome.seed, seed);
    assert!(outcome.recorded.len() as u64 >= outcome.cases);
    outcome.recorded
}

/// What must repeat: method, path (registration ids masked) and body.
fn sent(records: &[RequestRecord]) -> Vec<(String, String, serde_json::Value)> {
    records
        .iter()
        .map(|r| {
            let path = r.url.splitn(4, '/').nth(3).unwrap_or_default().to_string();
            let path = path
                .split('/')
                .map(|s| {
                    if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                        "{id}"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            (r.method.clone(), path, r.body.clone())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_sends_the_same_requests() {
    let a = sent(&recorded(4242, 300).await);
    let b = sent(&recorded(4242, 300).await);
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "request {i} differs");
    }
    let other = sent(&recorded(4243, 300).await);
    assert_ne!(a, other, "another seed sends other requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_cases_extend_the_same_sequence() {
    // Case i does not depend on --cases: the first 100 requests of a
    // 150-case run are those of a 100-case run.
    let short = sent(&recorded(77, 100).await);
    let long = sent(&recorded(77, 150).await);
    assert_eq!(short[..], long[..short.len()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_run_sends_the_cases_a_counted_run_sends() {
    let timed = |seed| GeneratedOptions {
        duration: Some(Duration::from_millis(300)),
        ..GeneratedOptions::new(0, seed, 8)
    };
    let a = sent(&recorded_with(timed(99)).await);
    let b = sent(&recorded_with(timed(99)).await);
    let counted = sent(&recorded(99, 20).await);
    // How many cases fit in the time varies (the first always does);
    // which ones, in what order, does not.
    assert!(!a.is_empty() && !b.is_empty());
    let n = a.len().min(b.len());
    assert_eq!(a[..n], b[..n]);
    let n = n.min(counted.len());
    assert_eq!(a[..n], counted[..n]);
}
