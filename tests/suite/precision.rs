//! Precision of the suite: `run` against an independent implementation of the
//! documented API (not the crate's reference server) that makes other choices
//! where the documentation is silent. Each choice is documented-conformant, so
//! the run must pass; a server that breaks a documented message must fail.

use independent_server::Choices;
use serde_json::Value;

use crate::support::{independent_server, BIN};

const TOKEN: &str = "precision-token-4c1d";
const BLOCKED: &str = "blocked.example.test";

/// What one run of the suite left behind.
struct Run {
    code: Option<i32>,
    report: Value,
    output: String,
}

impl Run {
    fn checks(&self) -> &[Value] {
        self.report["checks"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn check(&self, id: &str) -> Option<&Value> {
        self.checks().iter().find(|c| c["id"] == id)
    }

    /// `id [level]: message` of every check with this verdict.
    fn with_verdict(&self, verdict: &str) -> Vec<String> {
        self.checks()
            .iter()
            .filter(|c| c["verdict"] == verdict)
            .map(|c| {
                format!(
                    "{} [{}]: {}",
                    str_of(&c["id"]),
                    str_of(&c["level"]),
                    str_of(&c["message"])
                )
            })
            .collect()
    }

    /// The failing checks, one per line, for assertion messages.
    fn failures(&self) -> String {
        let failing = self.with_verdict("fail");
        if failing.is_empty() {
            format!("no failing check; output:\n{}", self.output)
        } else {
            format!("failing checks:\n  {}", failing.join("\n  "))
        }
    }

    fn assert_conformant(&self) {
        assert_eq!(self.code, Some(0), "exit code; {}", self.failures());
        assert_eq!(
            self.report["summary"]["verdict"],
            "conformant",
            "{}",
            self.failures()
        );
        assert!(self.with_verdict("fail").is_empty(), "{}", self.failures());
    }

    fn assert_not_failed(&self, id: &str) {
        if let Some(check) = self.check(id) {
            assert_ne!(
                check["verdict"],
                "fail",
                "{id}: {}",
                str_of(&check["message"])
            );
        }
    }
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// Start the independent server with `choices` and run the whole suite at it.
async fn run_suite(name: &str, choices: Choices) -> Run {
    let server = independent_server::start(choices, TOKEN, BLOCKED).await;
    let dir = tempfile::tempdir().expect("create the report directory");
    let output = tokio::process::Command::new(BIN)
        .args(["run", "--target", server.url(), "--token", TOKEN])
        .args([
            "--project",
            "507f1f77bcf86cd799439011",
            "--project-flow",
            "507f1f77bcf86cd799439015",
        ])
        .args([
            "--blocked-email-domain",
            BLOCKED,
            "--cases",
            "300",
            "--seed",
            "11",
        ])
        .arg("--report-dir")
        .arg(dir.path())
        .output()
        .await
        .expect("run the suite");
    drop(server);
    let code = output.status.code();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report_text = std::fs::read_to_string(dir.path().join("report.json"))
        .unwrap_or_else(|e| panic!("report.json not written ({e}); output:\n{output}"));
    let report: Value = serde_json::from_str(&report_text).expect("report.json is JSON");
    let run = Run {
        code,
        report,
        output,
    };
    let failing = run.with_verdict("fail");
    let warning = run.with_verdict("warn");
    eprintln!(
        "[{name}] summary {}; {} failing, {} warning",
        run.report["summary"],
        failing.len(),
        warning.len()
    );
    for line in failing
        .iter()
        .map(|l| format!("FAIL {l}"))
        .chain(warning.iter().map(|l| format!("WARN {l}")))
    {
        eprintln!("[{name}] {line}");
    }
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_omits_unsent_fields_passes() {
    let run = run_suite(
        "omit",
        Choices {
            omit_unsent: true,
            ..Choices::default()
        },
    )
    .await;
    run.assert_conformant();
    let shape = run.check("generated/create.envelope/success-shape");
    assert_eq!(
        shape.map(|c| &c["verdict"]),
        Some(&Value::from("pass")),
        "generated/create.envelope/success-shape: {:?}",
        shape.map(|c| &c["message"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_takes_blank_project_as_a_value_passes() {
    let run = run_suite(
        "blank",
        Choices {
            blank_is_value: true,
            ..Choices::default()
        },
    )
    .await;
    run.assert_not_failed("generated/create.project-required/refused");
    run.assert_not_failed("generated/create.project-flow-required/refused");
    run.assert_conformant();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_echoes_lone_surrogates_passes() {
    let run = run_suite(
        "surrogates",
        Choices {
            echo_lone_surrogates: true,
            ..Choices::default()
        },
    )
    .await;
    let odd: Vec<&Value> = run
        .checks()
        .iter()
        .filter(|c| {
            str_of(&c["id"]).starts_with("http.json/") && str_of(&c["id"]).contains("odd-unicode")
        })
        .collect();
    assert!(
        !odd.is_empty(),
        "no http.json odd-unicode check; {}",
        run.failures()
    );
    for check in odd {
        assert_eq!(
            check["verdict"],
            "pass",
            "{}: {}",
            str_of(&check["id"]),
            str_of(&check["message"])
        );
    }
    run.assert_not_failed("generated/http.json/json-body");
    run.assert_not_failed("generated/list.ok/status");
    run.assert_conformant();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_independent_server_with_every_choice_passes() {
    let every = Choices {
        omit_unsent: true,
        blank_is_value: true,
        echo_lone_surrogates: true,
        broken_contact_message: false,
    };
    let run = run_suite("every", every).await;
    run.assert_conformant();
    let warning = run.with_verdict("warn");
    assert!(
        warning.is_empty(),
        "warning checks:\n  {}",
        warning.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_independent_server_fails() {
    let run = run_suite(
        "broken",
        Choices {
            broken_contact_message: true,
            ..Choices::default()
        },
    )
    .await;
    assert_eq!(run.code, Some(1), "exit code; {}", run.failures());
    assert!(
        run.checks()
            .iter()
            .any(|c| c["fact"] == "create.contact-required" && c["verdict"] == "fail"),
        "no failing create.contact-required check; {}",
        run.failures()
    );
}
