//! `run --verbose`: every check of the run, in report order, one line each
//! with its verdict, id and level; a failure also says the page statement it
//! enforces. The summary follows, as without the flag.

use serde_json::Value;

use crate::support::failing_run::{failing_run, TOKEN};

#[test]
fn verbose_lists_every_check_in_report_order_and_what_failures_enforce() {
    let run = failing_run(&[]);
    let stdout = run.stdout();
    assert!(!stdout.contains(TOKEN));
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(run.report_dir().join("report.json")).unwrap(),
    )
    .unwrap();
    let checks = report["checks"].as_array().unwrap();
    let lines: Vec<&str> = stdout.lines().collect();

    // One line per check, in report order, before the summary.
    let listed: Vec<&str> = lines
        .iter()
        .copied()
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with(' '))
        .collect();
    assert_eq!(listed.len(), checks.len(), "{stdout}");
    for (line, check) in listed.iter().zip(checks) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let verdict = check["verdict"].as_str().unwrap();
        assert_eq!(words[0], verdict.to_uppercase(), "{line}");
        assert_eq!(words[1], check["id"].as_str().unwrap(), "{line}");
        assert_eq!(
            words[2],
            format!("[{}]", check["level"].as_str().unwrap()),
            "{line}"
        );
    }

    // Each failure is followed by the statement it enforces, as the summary
    // and report.json have it.
    let facts = report["facts"].as_array().unwrap();
    let mut failures = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with("FAIL    ") {
            continue;
        }
        failures += 1;
        let id = line.split_whitespace().nth(1).unwrap();
        let check = checks.iter().find(|c| c["id"] == id).unwrap();
        let basis = &facts.iter().find(|f| f["id"] == check["fact"]).unwrap()["basis"];
        let enforces = lines[i + 1].trim_start();
        assert_eq!(
            enforces,
            format!(
                "enforces {}: {}",
                basis["variant"].as_str().unwrap(),
                basis["says"].as_str().unwrap()
            )
        );
    }
    assert_eq!(
        failures,
        report["summary"]["fail"].as_u64().unwrap() as usize
    );

    // The summary still follows.
    assert!(stdout.contains("verdict: NOT CONFORMANT"), "{stdout}");
    assert!(stdout.contains("wrote "));
}
