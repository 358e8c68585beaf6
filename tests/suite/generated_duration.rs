//! `run --duration`: cases are generated until the time is up, the report
//! says how many ran, and `--cases` with it is a usage error.

use std::time::Duration;

use serde_json::Value;

use crate::support::{bin, output_within, read_report, stderr};

/// A one-second run, its scripted phase skipped, with margin to start and
/// write its reports: a run that never ended would fail here, not hang.
const BOUND: Duration = Duration::from_secs(120);

#[test]
fn a_timed_run_ends_and_reports_how_many_cases_ran() {
    let dir = tempfile::tempdir().unwrap();
    let out = output_within(
        bin()
            .args([
                "run",
                "--only",
                "generated",
                "--duration",
                "1s",
                "--seed",
                "11",
            ])
            .arg("--report-dir")
            .arg(dir.path()),
        BOUND,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = read_report(dir.path());
    let cases = report["generated_cases"]
        .as_u64()
        .expect("report.json states the generated cases");
    assert!(cases > 0, "{report}");
    assert_eq!(report["stopped"], Value::Null, "a timed run is complete");
    let no_5xx = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "generated/http.no-server-error/no-5xx")
        .expect("the universal check");
    assert_eq!(no_5xx["cases"]["cases"], cases, "{no_5xx}");
}

#[test]
fn a_counted_run_reports_its_cases_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = output_within(
        bin()
            .args(["run", "--only", "generated", "--cases", "40", "--seed", "2"])
            .arg("--report-dir")
            .arg(dir.path()),
        BOUND,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = read_report(dir.path());
    assert_eq!(report["generated_cases"], 40);
}

#[test]
fn duration_and_cases_together_are_a_usage_error() {
    let out = output_within(
        bin().args(["run", "--duration", "1s", "--cases", "10"]),
        BOUND,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("--duration and --cases"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verifik.toml");
    std::fs::write(&path, "cases = 10\nduration = \"1s\"\n").unwrap();
    let out = output_within(bin().arg("run").arg("--config").arg(&path), BOUND);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("config file {} line 2", path.display())),
        "{err}"
    );
}

#[test]
fn a_bad_duration_is_a_usage_error() {
    for bad in ["0s", "soon", "8d"] {
        let out = output_within(bin().args(["run", "--duration", bad]), BOUND);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("duration"), "{err}");
    }
}

#[test]
fn the_config_file_key_duration_runs_for_that_long() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verifik.toml");
    std::fs::write(
        &path,
        "only = \"generated\"\nduration = \"500ms\"\nseed = 4\n",
    )
    .unwrap();
    let out = output_within(
        bin()
            .arg("run")
            .arg("--config")
            .arg(&path)
            .arg("--report-dir")
            .arg(dir.path()),
        BOUND,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = read_report(dir.path());
    assert!(report["generated_cases"].as_u64().unwrap() > 0, "{report}");
}
