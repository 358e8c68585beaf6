//! Load benchmark of the reference server: create requests per second over
//! keep-alive connections on loopback, from concurrent tasks, against
//! `server::spawn` on port 0. Prints a figure; asserts nothing about speed.
//!
//! ```sh
//! cargo bench --bench server_load
//! BENCH_REQUESTS=50000 BENCH_CONCURRENCY=64 cargo bench --bench server_load
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use verifik_conformance::server::{spawn, ServerConfig, ServerVariant};

const DEFAULT_REQUESTS: usize = 20_000;
const MIN_REQUESTS: usize = 10_000;
const DEFAULT_CONCURRENCY: usize = 32;
const WARM_UP: usize = 500;
/// The whole run must finish within this, or the benchmark fails.
const TIME_LIMIT: Duration = Duration::from_secs(300);

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Outcome {
    latencies: Vec<Duration>,
    failures: usize,
}

/// `total` creates with distinct emails from `concurrency` tasks sharing one
/// keep-alive client; `offset` keeps emails unique across phases.
async fn load(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    total: usize,
    concurrency: usize,
    offset: usize,
) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, next) = (client.clone(), next.clone());
        let endpoint = format!("{url}/v2/app-registrations");
        let auth = format!("Bearer {token}");
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let body = format!(
                    r#"{{"project":"507f1f77bcf86cd799439011","projectFlow":"507f1f77bcf86cd799439015","email":"load{}@example.com","fullName":"Load Test","language":"en"}}"#,
                    offset + i
                );
                let started = Instant::now();
                let reply = client
                    .post(&endpoint)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await;
                let ok = match reply {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        // Read the whole body: part of the request's cost.
                        response.bytes().await.is_ok() && status == 200
                    }
                    Err(_) => false,
                };
                latencies.push(started.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    let mut outcome = Outcome {
        latencies: Vec::with_capacity(total),
        failures: 0,
    };
    for task in tasks {
        match task.await {
            Ok((latencies, failures)) => {
                outcome.latencies.extend(latencies);
                outcome.failures += failures;
            }
            Err(_) => outcome.failures += 1,
        }
    }
    outcome
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn bench() -> Result<(), String> {
    let total = setting("BENCH_REQUESTS", DEFAULT_REQUESTS).max(MIN_REQUESTS);
    let concurrency = setting("BENCH_CONCURRENCY", DEFAULT_CONCURRENCY).max(1);
    let server = spawn(ServerConfig::new(ServerVariant::Current))
        .await
        .map_err(|e| e.to_string())?;
    verifik_conformance::client::install_tls_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;

    let warm = load(
        &client,
        server.url(),
        server.token(),
        WARM_UP,
        concurrency,
        0,
    )
    .await;
    if warm.failures > 0 {
        return Err(format!("{} warm-up requests failed", warm.failures));
    }
    let started = Instant::now();
    let mut run = load(
        &client,
        server.url(),
        server.token(),
        total,
        concurrency,
        WARM_UP,
    )
    .await;
    let elapsed = started.elapsed();
    server.shutdown().await;
    if run.failures > 0 {
        return Err(format!("{} of {total} requests failed", run.failures));
    }
    run.latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "server_load: {total} create requests, {concurrency} concurrent keep-alive tasks, {:.2} s: {:.0} requests/s (latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        ms(percentile(&run.latencies, 0.50)),
        ms(percentile(&run.latencies, 0.99)),
        ms(percentile(&run.latencies, 1.0)),
    );
    Ok(())
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start tokio: {e}");
            std::process::exit(3);
        }
    };
    let result = runtime.block_on(async {
        tokio::time::timeout(TIME_LIMIT, bench())
            .await
            .unwrap_or_else(|_| Err(format!("did not finish within {TIME_LIMIT:?}")))
    });
    if let Err(e) = result {
        eprintln!("error: server_load: {e}");
        std::process::exit(1);
    }
}
