//! `junit.xml` for CI UIs: one test suite for the run, one test case per
//! check (classname = fact, name = check id). `fail` is a failure, `error`
//! (nothing could be observed) is an error, `skip` is skipped, `waived` is
//! skipped with the waiver's reason; `warn` and `observe` pass, with what
//! was seen in system-out.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{Report, ReportError};
use crate::check::{Check, Verdict};

pub(super) fn render(report: &Report) -> Result<String, ReportError> {
    let mut suite = TestSuite::new(format!(
        "verifik-conformance profile {}",
        report.run.profile
    ));
    suite.set_time(Duration::from_millis(report.run.duration_ms));
    suite.add_properties([
        Property::new("target", report.run.target.as_str()),
        Property::new("profile", report.run.profile.name()),
        Property::new(
            "seed",
            report.run.seed.map(|s| s.to_string()).unwrap_or_default(),
        ),
        Property::new("started_at", report.run.started_at.as_str()),
        Property::new("strict", report.run.strict.to_string()),
        Property::new("verdict", report.summary.verdict.name()),
        Property::new("stopped", report.run.stopped.as_deref().unwrap_or_default()),
        Property::new("alignment", report.alignment.fingerprint.as_str()),
    ]);
    suite.add_test_cases(report.checks.iter().map(test_case));

    let mut junit = quick_junit::Report::new("verifik-conformance");
    junit.set_time(Duration::from_millis(report.run.duration_ms));
    junit.add_test_suite(suite);
    junit
        .to_string()
        .map_err(|e| ReportError::Junit(e.to_string()))
}

fn test_case(check: &Check) -> TestCase {
    let status = match check.verdict {
        Verdict::Pass | Verdict::Warn | Verdict::Observe => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(check.message.as_str())
                .set_type(format!("{} violation", check.level))
                .set_description(details(check));
            status
        }
        Verdict::Error => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(check.message.as_str())
                .set_type("nothing observed")
                .set_description(details(check));
            status
        }
        Verdict::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(check.message.as_str());
            status
        }
        // A known failure a team accepted: skipped, with the waiver's reason.
        Verdict::Waived => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(check.message.as_str())
                .set_type("waived")
                .set_description(details(check));
            status
        }
    };
    let mut case = TestCase::new(check.id.as_str(), status);
    case.set_classname(check.fact.as_str());
    match check.verdict {
        Verdict::Warn | Verdict::Observe => {
            case.set_system_out(format!(
                "{} ({}): {}\n{}",
                check.verdict.name().to_uppercase(),
                check.level,
                check.message,
                details(check)
            ));
        }
        _ => {}
    }
    case
}

/// Expected, observed and the curl line, as plain text.
fn details(check: &Check) -> String {
    let mut text = format!(
        "expected: {}\nobserved: {}\n",
        compact(&check.expected),
        compact(&check.observed)
    );
    if let Some(curl) = &check.curl {
        text.push_str(&format!("reproduce: {curl}\n"));
    }
    if let Some(script) = &check.script {
        text.push_str(&format!("the whole sequence:\n{script}"));
    }
    text
}

fn compact(value: &serde_json::Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
