//! What `run --bundle` costs: the wall time of a 5,000-case generated run
//! of the binary against its embedded server, without and with a signed
//! bundle, interleaved and repeated, and the ratio of the medians. Prints
//! figures; asserts no time. Run with `cargo bench --bench bundle_cost`
//! (`BENCH_CASES`, `BENCH_ROUNDS` change the load).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_verifik-conformance");

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One run; its wall time in seconds.
fn run(dir: &Path, cases: u64, bundle: Option<(&Path, &Path)>) -> f64 {
    let mut command = Command::new(BIN);
    command
        .args([
            "run",
            "--only",
            "generated",
            "--seed",
            "11",
            "--color",
            "never",
        ])
        .args(["--cases", &cases.to_string()])
        .arg("--report-dir")
        .arg(dir.join("reports"))
        .env_remove("VERIFIK_TOKEN");
    if let Some((path, key)) = bundle {
        command
            .arg("--bundle")
            .arg(path)
            .arg("--signing-key")
            .arg(key);
    }
    let started = Instant::now();
    let output = command.output().expect("the binary runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    seconds
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let cases = env_number("BENCH_CASES", 5000);
    let rounds = env_number("BENCH_ROUNDS", 9).max(1);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (secret, public) = (dir.path().join("bench.key"), dir.path().join("bench.pub"));
    let made = Command::new(BIN)
        .args(["keygen", "--secret-key"])
        .arg(&secret)
        .arg("--public-key")
        .arg(&public)
        .output()
        .expect("keygen runs");
    assert!(made.status.success(), "keygen failed");
    let bundle = dir.path().join("run.tar.gz");
    // One warm-up of each, so both find the binary and the files cached.
    run(dir.path(), cases.min(200), None);
    run(dir.path(), cases.min(200), Some((&bundle, &secret)));
    let (mut plain, mut bundled) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        plain.push(run(dir.path(), cases, None));
        bundled.push(run(dir.path(), cases, Some((&bundle, &secret))));
    }
    let size = std::fs::metadata(&bundle).map(|m| m.len()).unwrap_or(0);
    let (plain, bundled) = (median(plain), median(bundled));
    println!("run --only generated --cases {cases}, median of {rounds} rounds:");
    println!("  without --bundle: {plain:.3} s");
    println!(
        "  with --bundle --signing-key: {bundled:.3} s (bundle {:.1} MiB)",
        size as f64 / (1024.0 * 1024.0)
    );
    println!(
        "  ratio: {:.3} ({:+.1}%)",
        bundled / plain,
        (bundled / plain - 1.0) * 100.0
    );
}
