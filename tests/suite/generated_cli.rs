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
    assert_eq!(report["seed"], Value::Null, "no generated phase, no seed");
    assert!(!stderr(&out).contains("seed:"));
}
