//! Generated-phase throughput and growth. Run with
//! `cargo bench --bench generated_throughput`; it prints two tables:
//!
//! 1. **Growth** (printed first): wall time and peak memory of the release
//!    binary's `run --only generated` at 10,000, 100,000 and 1,000,000
//!    cases, one child process per size, so each figure is that run's
//!    alone.
//! 2. **Capacity ratio**: the raw capacity of the embedded reference server
//!    for the mix of requests the generated phase sends (a run's requests,
//!    recorded, then replayed by a bare keep-alive loop with as many
//!    connections as `--concurrency`), the suite's cases per second against
//!    a fresh server, and their ratio. The replay sends each case's
//!    requests in order, its retrieve and sync to the id its create got.
//!
//! `BENCH_GROWTH` (comma-separated case counts, default
//! `10000,100000,1000000`; empty skips them) sizes the growth runs,
//! `BENCH_CASES` (default 20000) the ratio runs, `BENCH_CONCURRENCY`
//! (default 16) their concurrency, and `BENCH_ROUNDS` (default 5) how many
//! alternating rounds of each are timed (the best counts).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use verifik_conformance::check::RequestRecord;
use verifik_conformance::client::{install_tls_provider, Client, TargetConfig};
use verifik_conformance::context::{RunContext, TargetFacts};
use verifik_conformance::contract::Contract;
use verifik_conformance::model::ProfileId;
use verifik_conformance::property::{run_generated, GeneratedOptions, GeneratedOutcome};
use verifik_conformance::server::{self, ServerConfig, ServerHandle, ServerVariant};
use verifik_conformance::suite::{embedded_retain, EMBEDDED_BLOCKED_DOMAIN};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// The embedded server as `run` starts it.
async fn embedded(concurrency: usize) -> ServerHandle {
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.blocked_email_domains = vec![EMBEDDED_BLOCKED_DOMAIN.into()];
    config.retain = Some(embedded_retain(concurrency));
    server::spawn(config)
        .await
        .expect("the embedded server starts")
}

/// One generated run against `server`, as `run --only generated` does it.
async fn generated(
    server: &ServerHandle,
    cases: u32,
    seed: u64,
    concurrency: usize,
    record: bool,
) -> (GeneratedOutcome, f64) {
    let contract = Contract::embedded().expect("the embedded contract loads");
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
            blocked_email_domain: Some(EMBEDDED_BLOCKED_DOMAIN.into()),
        },
        seed,
    );
    let options = GeneratedOptions {
        record_requests: record,
        ..GeneratedOptions::new(cases, seed, concurrency)
    };
    let started = Instant::now();
    let outcome = run_generated(&ctx, &options)
        .await
        .expect("the generated phase runs");
    (outcome, started.elapsed().as_secs_f64())
}

/// A recorded request, ready to send as it was sent (to another server:
/// see [`Raw::to`]).
#[derive(Clone)]
struct Raw {
    method: reqwest::Method,
    /// The path and query, or the whole URL after [`Raw::to`].
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Raw {
    /// The same request to the server at `base` with its `token`.
    fn to(&self, base: &str, token: &str) -> Raw {
        let mut raw = self.clone();
        raw.url = format!("{base}{}", self.url);
        for (name, value) in &mut raw.headers {
            if name == "authorization" {
                *value = format!("Bearer {token}");
            }
        }
        raw
    }
}

fn raw(record: &RequestRecord) -> Raw {
    let body = match &record.body {
        serde_json::Value::Null => None,
        // Raw bodies (not JSON) are recorded as text.
        serde_json::Value::String(text) => Some(text.clone().into_bytes()),
        value => Some(serde_json::to_vec(value).expect("JSON serializes")),
    };
    // Keep the path and query only: the replay goes to another server.
    let path = record
        .url
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    Raw {
        method: record.method.parse().expect("a method"),
        url: path,
        headers: record.headers.clone().into_iter().collect(),
        body,
    }
}

/// CPU seconds (user + system) this process has used so far, all threads.
fn cpu_seconds() -> f64 {
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is to a live local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Where a created registration's id starts in an answer's body.
fn created_id(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"_id\":\"";
    let at = body.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let id = body.get(at..at + 24)?;
    id.iter()
        .all(u8::is_ascii_hexdigit)
        .then(|| String::from_utf8_lossy(id).into_owned())
}

/// The 24-hex id in `url`'s path, if any, replaced by `id`.
fn with_id(url: &str, id: &str) -> String {
    url.split('/')
        .map(|part| {
            if part.len() == 24 && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                id
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Send every case's requests, in order, over `connections` keep-alive
/// connections (one case at a time on each), as fast as the server
/// answers; a retrieve or sync goes to the id the case's create got, as
/// the suite's does. Returns the seconds taken.
async fn replay(cases: Arc<Vec<Vec<Raw>>>, connections: usize) -> f64 {
    install_tls_provider();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let cases = Arc::clone(&cases);
            let next = Arc::clone(&next);
            // One client per task: one connection each, kept alive.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client");
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else {
                        break;
                    };
                    let mut id: Option<String> = None;
                    for request in case {
                        let url = match &id {
                            Some(id) => with_id(&request.url, id),
                            None => request.url.clone(),
                        };
                        let mut builder = client.request(request.method.clone(), url);
                        for (name, value) in &request.headers {
                            builder = builder.header(name, value);
                        }
                        if let Some(body) = &request.body {
                            builder = builder.body(body.clone());
                        }
                        let response = builder.send().await.expect("the server answers");
                        let body = response.bytes().await.expect("a whole body");
                        if id.is_none() {
                            id = created_id(&body);
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a replay task");
    }
    started.elapsed().as_secs_f64()
}

fn ratio(runtime: &tokio::runtime::Runtime) {
    let cases = env_number("BENCH_CASES", 20_000) as u32;
    let concurrency = env_number("BENCH_CONCURRENCY", 16) as usize;
    let seed = 7;
    runtime.block_on(async {
        // Record what the suite sends (this run also warms everything up).
        let server = embedded(concurrency).await;
        let (recorded, _) = generated(&server, cases, seed, concurrency, true).await;
        server.shutdown().await;
        let mut by_case: Vec<Vec<Raw>> = Vec::new();
        for (record, (_, step)) in recorded.recorded.iter().zip(&recorded.recorded_steps) {
            if *step == 0 {
                by_case.push(Vec::new());
            }
            if let Some(case) = by_case.last_mut() {
                case.push(raw(record));
            }
        }
        let requests: usize = by_case.iter().map(Vec::len).sum();
        let by_case = Arc::new(by_case);
        // Rounds alternate, each on a fresh server as `run` starts it, and
        // the best of each side counts, so a burst of other load on the
        // machine skews neither.
        let rounds = env_number("BENCH_ROUNDS", 5).max(1);
        let mut raw_seconds = f64::MAX;
        let mut best: Option<(GeneratedOutcome, f64)> = None;
        let (mut raw_cpu, mut suite_cpu) = (f64::MAX, f64::MAX);
        for _ in 0..rounds {
            let fresh = embedded(concurrency).await;
            let token = fresh.token().to_string();
            let base = fresh.url().to_string();
            let cases_now: Vec<Vec<Raw>> = by_case
                .iter()
                .map(|case| case.iter().map(|r| r.to(&base, &token)).collect())
                .collect();
            let cpu = cpu_seconds();
            raw_seconds = raw_seconds.min(replay(Arc::new(cases_now), concurrency).await);
            raw_cpu = raw_cpu.min(cpu_seconds() - cpu);
            fresh.shutdown().await;
            let fresh = embedded(concurrency).await;
            let cpu = cpu_seconds();
            let (outcome, seconds) = generated(&fresh, cases, seed, concurrency, false).await;
            suite_cpu = suite_cpu.min(cpu_seconds() - cpu);
            fresh.shutdown().await;
            if best.as_ref().is_none_or(|(_, b)| seconds < *b) {
                best = Some((outcome, seconds));
            }
        }
        let (outcome, suite_seconds) = best.expect("at least one round");

        let per_case = outcome.requests as f64 / outcome.cases as f64;
        let raw_rps = requests as f64 / raw_seconds;
        let raw_cps = raw_rps / per_case;
        let suite_cps = outcome.cases as f64 / suite_seconds;
        let suite_rps = outcome.requests as f64 / suite_seconds;
        println!(
            "capacity, {cases} cases ({} requests, {per_case:.2} per case), {concurrency} connections, best of {rounds} rounds:",
            outcome.requests
        );
        println!(
            "  raw replay: {raw_rps:>8.0} requests/s = {raw_cps:>7.0} cases/s ({raw_seconds:.2} s)"
        );
        println!(
            "  suite:      {suite_rps:>8.0} requests/s = {suite_cps:>7.0} cases/s ({suite_seconds:.2} s; \
             generate {} ms, send {} ms, shrink {} ms)",
            outcome.generate_time.as_millis(),
            outcome.send_time.as_millis(),
            outcome.shrink_time.as_millis(),
        );
        println!(
            "  ratio:      suite at {:.0}% of the raw capacity",
            100.0 * suite_cps / raw_cps
        );
        // Wall time depends on what else the machine runs; CPU time per
        // case (client and server, both in this process) much less so.
        let n = outcome.cases as f64;
        println!(
            "  CPU per case: raw {:.0} us, suite {:.0} us; by CPU the suite is at {:.0}% of the raw capacity",
            1e6 * raw_cpu / n,
            1e6 * suite_cpu / n,
            100.0 * raw_cpu / suite_cpu
        );
    });
}

/// Run the binary once; wall seconds and its peak resident set in KiB.
// The child is reaped by `wait4` (for its own rusage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn child_run(cases: u64) -> (f64, u64) {
    let dir = std::env::temp_dir().join(format!("verifik-growth-{}-{cases}", std::process::id()));
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_verifik-conformance"))
        .args(["run", "--only", "generated", "--seed", "1", "--cases"])
        .arg(cases.to_string())
        .arg("--report-dir")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet waited for; both pointers are
    // to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(waited, pid, "wait4 reaps the run");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the {cases}-case run is conformant (status {status})"
    );
    let _ = std::fs::remove_dir_all(&dir);
    (seconds, usage.ru_maxrss as u64)
}

fn growth() {
    let sizes = std::env::var("BENCH_GROWTH").unwrap_or_else(|_| "10000,100000,1000000".into());
    let sizes: Vec<u64> = sizes
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        return;
    }
    println!(
        "growth, release binary, `run --only generated --seed 1 --cases N`, one process per N:"
    );
    println!(
        "  {:>9}  {:>8}  {:>8}  {:>10}",
        "cases", "wall s", "cases/s", "peak MiB"
    );
    for cases in sizes {
        let (seconds, kib) = child_run(cases);
        println!(
            "  {cases:>9}  {seconds:>8.1}  {:>8.0}  {:>10.1}",
            cases as f64 / seconds,
            kib as f64 / 1024.0
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects nothing here.
    // Growth first: a child's peak RSS (from `wait4`) also counts the
    // memory of this process when it spawned the child, which the ratio
    // runs would have grown.
    growth();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    ratio(&runtime);
}
