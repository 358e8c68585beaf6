//! `run` with the generated phase, as a process: `--only`, `--cases`,
//! `--seed` (printed, and written to report.json, random when absent).

use std::process::Output;

use serde_json::Value;

use crate::support::{bin, stderr};

fn run(name: &str, args: &[&str]) -> (Output, Value) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("verifik-generated-cli-{name}-"))
        .tempdir()
        .unwrap();
    let out = bin()
        .arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(dir.path())
        .output()
        .expect("run the binary");
    let report = std::fs::read_to_string(dir.path().join("report.json"))
        .map(|text| serde_json::from_str(&text).expect("report.json is JSON"))
        .unwrap_or(Value::Null);
    (out, report)
}

fn sources(report: &Value) -> Vec<String> {
    let mut s: Vec<String> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s.dedup();
    s
}

#[test]
fn only_generated_with_a_seed_prints_and_records_it() {
    let (out, report) = run(
        "seeded",
        &["--only", "generated", "--cases", "80", "--seed", "5"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).lines().any(|l| l == "seed: 5"),
        "{}",
        stderr(&out)
    );
    assert_eq!(report["seed"], 5);
    assert_eq!(sources(&report), ["generated"]);
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"generated/http.no-server-error/no-5xx"),
        "{ids:?}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("seed 5"),
        "the summary shows the seed: {stdout}"
    );
}

#[test]
fn without_a_seed_a_random_one_is_printed_and_recorded() {
    let (out, report) = run("random", &["--only", "generated", "--cases", "20"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: u64 = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("seed: "))
        .expect("a seed line")
        .parse()
        .unwrap();
    assert_eq!(report["seed"], printed);
}

#[test]
fn both_phases_by_default_and_scripted_alone_on_request() {
    let (out, report) = run("both", &["--cases", "40", "--seed", "9"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sources(&report), ["generated", "scripted"]);

    let (out, report) = run("scripted", &["--only", "scripted"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sources(&report), ["scripted"]);
    // The scripted contacts derive from the seed too: it is always stated.
    let printed = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("seed: "))
        .and_then(|s| s.trim().parse::<u64>().ok())
        .expect("the seed is printed");
    assert_eq!(report["seed"], printed);
}

/// The request bodies of a report's scripted checks, by check id.
fn scripted_bodies(report: &Value) -> Vec<(String, Value)> {
    let mut bodies: Vec<(String, Value)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["source"] == "scripted")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["request"]["body"].clone(),
            )
        })
        .collect();
    bodies.sort_by(|a, b| a.0.cmp(&b.0));
    bodies
}

#[test]
fn the_scripted_phase_replays_from_the_seed() {
    let args = ["--only", "scripted", "--seed", "31"];
    let (first, a) = run("replay-a", &args);
    let (second, b) = run("replay-b", &args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let (a, b) = (scripted_bodies(&a), scripted_bodies(&b));
    assert!(a.iter().any(|(_, body)| body["email"].is_string()));
    assert_eq!(a, b, "the same seed sends the same scripted requests");
    let (_, c) = run(
        "replay-c",
        &["--only", "scripted", "--seed", "32", "--concurrency", "1"],
    );
    assert_ne!(a, scripted_bodies(&c), "another seed, other contacts");
}
