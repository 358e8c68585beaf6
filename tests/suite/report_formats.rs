//! Every report format from one hand-made set of checks: snapshots of
//! report.md, junit.xml and the console summary (ports, times and durations
//! redacted), the exact keys of report.json, and writing to disk.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{json, Value};
use verifik_conformance::check::RunInfo;
use verifik_conformance::check::{
    Alignment, Check, CheckSource, Level, RequestRecord, ResponseRecord, VariantAlignment, Verdict,
};
use verifik_conformance::client::Secret;
use verifik_conformance::contract::Contract;
use verifik_conformance::model::ProfileId;
use verifik_conformance::report::{Report, ReportError};

use Alignment::{Agrees, Contradicts, Silent};

fn variants(
    en: Alignment,
    es: Alignment,
    legacy: Alignment,
    overview: Alignment,
) -> VariantAlignment {
    VariantAlignment {
        en,
        es,
        legacy,
        overview,
    }
}

fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The run's real facts, which snapshots must not depend on.
struct Run {
    base: String,
    port: String,
    started_at: String,
    duration_ms: u64,
}

impl Run {
    fn new() -> Run {
        let clock = Instant::now();
        // A real free port, so the redaction below is exercised for real.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port().to_string();
        let started_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        Run {
            base: format!("http://127.0.0.1:{port}"),
            port,
            started_at,
            duration_ms: clock.elapsed().as_millis() as u64 + 1234,
        }
    }

    fn info(&self, strict: bool) -> RunInfo {
        RunInfo {
            target: format!("embedded reference server ({})", self.base),
            profile: ProfileId::Current,
            seed: Some(42),
            started_at: self.started_at.clone(),
            duration_ms: self.duration_ms,
            strict,
            stopped: None,
            partition: None,
            generated_cases: None,
        }
    }

    fn redact(&self, text: &str) -> String {
        text.replace(&self.started_at, "[started_at]")
            .replace(&format!("{} ms", self.duration_ms), "[duration] ms")
            .replace(
                &format!("{:.3}", self.duration_ms as f64 / 1000.0),
                "[duration]",
            )
            .replace(&format!("127.0.0.1:{}", self.port), "127.0.0.1:[port]")
            .replace(
                concat!("verifik-conformance ", env!("CARGO_PKG_VERSION")),
                "verifik-conformance [version]",
            )
    }

    fn checks(&self) -> Vec<Check> {
        let url = format!("{}/v2/app-registrations", self.base);
        vec![
            // Recorded out of catalogue order on purpose: the report sorts.
            Check {
                id: "create.contact-required/neither-email-nor-phone".into(),
                fact: "create.contact-required".into(),
                level: Level::Must,
                verdict: Verdict::Fail,
                source: CheckSource::Scripted,
                message: "a create with neither email nor phone was accepted (201); expected 400 with the contact-required error".into(),
                expected: json!({"status": 400, "message": "email or phone is required"}),
                observed: json!({"status": 201}),
                variants: variants(Contradicts, Contradicts, Agrees, Silent),
                request: Some(RequestRecord {
                    method: "POST".into(),
                    url: url.clone(),
                    headers: headers(&[
                        ("authorization", "Bearer ***"),
                        ("content-type", "application/json"),
                    ]),
                    body: json!({"project": "p1", "projectFlow": "f1", "fullName": "Seán O'Brien"}),
                }),
                response: Some(ResponseRecord {
                    status: 201,
                    headers: headers(&[("content-type", "application/json")]),
                    body: json!({"data": {"_id": "665f1c2e9b1d4c0012345678",
                        "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.***"}}),
                }),
                curl: Some(format!(
                    "curl -sS -i -X POST '{url}' -H 'Content-Type: application/json' -H \"Authorization: Bearer $VERIFIK_TOKEN\" --data-raw '{{\"project\":\"p1\",\"projectFlow\":\"f1\",\"fullName\":\"Seán O'\\''Brien\"}}'"
                )),
                script: None,
                cases: None,
            },
            Check {
                id: "auth.bearer-required/no-token".into(),
                fact: "auth.bearer-required".into(),
                level: Level::Must,
                verdict: Verdict::Pass,
                source: CheckSource::Scripted,
                message: "a request without a token was refused with 401".into(),
                expected: json!({"status": "4xx"}),
                observed: json!({"status": 401}),
                variants: variants(Agrees, Agrees, Agrees, Silent),
                request: Some(RequestRecord {
                    method: "GET".into(),
                    url: url.clone(),
                    headers: BTreeMap::new(),
                    body: Value::Null,
                }),
                response: Some(ResponseRecord {
                    status: 401,
                    headers: headers(&[("content-type", "application/json")]),
                    body: json!({"status": 401, "message": "unauthorized"}),
                }),
                curl: Some(format!("curl -sS -i -X GET '{url}'")),
                script: None,
                cases: None,
            },
            Check {
                id: "create.country-code-format/missing-plus".into(),
                fact: "create.country-code-format".into(),
                level: Level::Should,
                verdict: Verdict::Warn,
                source: CheckSource::Generated,
                message: "countryCode `57` (no leading +) was accepted".into(),
                expected: json!({"status": 400}),
                observed: json!({"status": 201}),
                variants: variants(Contradicts, Contradicts, Silent, Silent),
                request: Some(RequestRecord {
                    method: "POST".into(),
                    url: url.clone(),
                    headers: headers(&[
                        ("authorization", "Bearer ***"),
                        ("content-type", "application/json"),
                    ]),
                    body: json!({"countryCode": "57", "phone": "3001234567"}),
                }),
                response: Some(ResponseRecord {
                    status: 201,
                    headers: BTreeMap::new(),
                    body: json!({"data": {}}),
                }),
                curl: Some(format!(
                    "curl -sS -i -X POST '{url}' -H 'Content-Type: application/json' -H \"Authorization: Bearer $VERIFIK_TOKEN\" --data-raw '{{\"countryCode\":\"57\",\"phone\":\"3001234567\"}}'"
                )),
                script: None,
                cases: None,
            },
            Check {
                id: "create.email-domain/blocked-domain".into(),
                fact: "create.email-domain".into(),
                level: Level::Must,
                verdict: Verdict::Skip,
                source: CheckSource::Scripted,
                message: "skipped: pass --blocked-email-domain to test it".into(),
                expected: Value::Null,
                observed: Value::Null,
                variants: VariantAlignment::all(Silent),
                request: None,
                response: None,
                curl: None,
                script: None,
                cases: None,
            },
            Check {
                id: "create.id-format/object-id".into(),
                fact: "create.id-format".into(),
                level: Level::Observe,
                verdict: Verdict::Observe,
                source: CheckSource::Scripted,
                message: "_id is a 24-hex ObjectId".into(),
                expected: Value::Null,
                observed: json!("665f1c2e9b1d4c0012345678"),
                variants: variants(Agrees, Agrees, Silent, Agrees),
                request: None,
                response: None,
                curl: None,
                script: None,
                cases: None,
            },
            Check {
                id: "generated/http.no-server-error/no-5xx".into(),
                fact: "http.no-server-error".into(),
                level: Level::Must,
                verdict: Verdict::Error,
                source: CheckSource::Generated,
                message: "nothing observed in 2 of 500 cases; the first: timed out after 3000 ms with no complete answer".into(),
                expected: Value::Null,
                observed: json!({"cases": 500, "nothing_observed": 2}),
                variants: VariantAlignment::all(Silent),
                request: None,
                response: None,
                curl: Some(format!("curl -sS -i -X GET '{url}/abc123'")),
                script: Some(format!(
                    "#!/usr/bin/env bash\n# request 1\ncurl -sS -i -X POST '{url}'\n# request 2\ncurl -sS -i -X GET '{url}/'\"${{ID1}}\"''\n"
                )),
                cases: None,
            },
        ]
    }
}

fn report(run: &Run, checks: Vec<Check>) -> Report {
    let contract = Contract::embedded().unwrap();
    let profile = contract.profile(ProfileId::Current);
    Report::build(run.info(false), checks, contract, profile, &Secret::none())
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

#[test]
fn markdown_report_snapshot() {
    let run = Run::new();
    let report = report(&run, run.checks());
    insta::assert_snapshot!("report_md", run.redact(&report.to_markdown()));
}

#[test]
fn junit_snapshot_and_structure() {
    let run = Run::new();
    let report = report(&run, run.checks());
    let xml = report.to_junit().unwrap();
    insta::assert_snapshot!("junit_xml", run.redact(&xml));

    let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(parsed.test_suites.len(), 1);
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.tests, 6);
    assert_eq!(suite.failures, 1);
    assert_eq!(
        suite.errors, 1,
        "a check that observed nothing is an <error>"
    );
    let non_success = |kind: quick_junit::NonSuccessKind| -> Vec<(&str, &str)> {
        suite
            .test_cases
            .iter()
            .filter(|c| {
                matches!(&c.status, quick_junit::TestCaseStatus::NonSuccess { kind: k, .. } if *k == kind)
            })
            .map(|c| (c.classname.as_ref().unwrap().as_str(), c.name.as_str()))
            .collect()
    };
    assert_eq!(
        non_success(quick_junit::NonSuccessKind::Failure),
        [(
            "create.contact-required",
            "create.contact-required/neither-email-nor-phone"
        )]
    );
    assert_eq!(
        non_success(quick_junit::NonSuccessKind::Error),
        [(
            "http.no-server-error",
            "generated/http.no-server-error/no-5xx"
        )]
    );
}

#[test]
fn console_summary_snapshot() {
    let run = Run::new();
    let report = report(&run, run.checks());
    let plain = report.console_summary(false);
    insta::assert_snapshot!("console", run.redact(&plain));
    assert!(!plain.contains('\u{1b}'), "no colour when off");
    let coloured = report.console_summary(true);
    assert!(coloured.contains("\u{1b}["), "colour when on");
}

#[test]
fn json_has_exactly_the_fixed_keys() {
    let run = Run::new();
    let report = report(&run, run.checks());
    let value: Value = serde_json::from_str(&report.to_json()).unwrap();

    // The fixed format, plus the keys later versions added.
    assert_eq!(
        keys(&value),
        set(&[
            "format_version",
            "tool",
            "target",
            "profile",
            "seed",
            "started_at",
            "duration_ms",
            "summary",
            "checks",
            "facts",
            "alignment",
            "strict",
            "stopped",
            "partition",
            "generated_cases",
            "waivers",
            "baseline",
        ])
    );
    assert_eq!(value["format_version"], 1);
    assert_eq!(
        value["tool"],
        json!({"name": "verifik-conformance", "version": env!("CARGO_PKG_VERSION")})
    );
    assert_eq!(value["seed"], 42);
    assert_eq!(
        value["summary"],
        json!({"checks": 6, "pass": 1, "fail": 1, "warn": 1, "skip": 1, "observe": 1,
               "error": 1, "waived": 0, "verdict": "not-conformant"})
    );
    for check in value["checks"].as_array().unwrap() {
        assert_eq!(
            keys(check),
            set(&[
                "id", "fact", "level", "verdict", "source", "message", "expected", "observed",
                "variants", "request", "response", "curl", "script", "cases",
            ])
        );
        assert_eq!(
            keys(&check["variants"]),
            set(&["en", "es", "legacy", "overview"])
        );
        if !check["request"].is_null() {
            assert_eq!(
                keys(&check["request"]),
                set(&["method", "url", "headers", "body"])
            );
            assert_eq!(
                keys(&check["response"]),
                set(&["status", "headers", "body"])
            );
        }
    }
    // Sorted by the fact's place in the catalogue.
    let ids: Vec<&str> = value["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "auth.bearer-required/no-token",
            "generated/http.no-server-error/no-5xx",
            "create.contact-required/neither-email-nor-phone",
            "create.country-code-format/missing-plus",
            "create.email-domain/blocked-domain",
            "create.id-format/object-id",
        ]
    );

    let contract = Contract::embedded().unwrap();
    let facts = value["facts"].as_array().unwrap();
    assert_eq!(facts.len(), contract.facts().count());
    let by_id: BTreeMap<&str, &Value> = facts
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f))
        .collect();
    for fact in facts {
        let mut expected = set(&[
            "id", "level", "verdict", "checks", "variants", "basis", "title", "pages",
        ]);
        // Every fact says what each page says about it.
        assert_eq!(
            keys(&fact["pages"]),
            set(&["en", "es", "legacy", "overview"])
        );
        // Every fact names the page statement its checks enforce.
        for key in ["variant", "stated", "says"] {
            assert!(fact["basis"].get(key).is_some(), "{fact}");
        }
        if fact["verdict"] == "untestable" {
            expected.insert("untestable");
            assert!(fact["untestable"].as_str().is_some_and(|r| !r.is_empty()));
        }
        assert_eq!(keys(fact), expected, "{fact}");
    }
    let verdict = |id: &str| by_id[id]["verdict"].as_str().unwrap();
    assert_eq!(verdict("create.contact-required"), "fail");
    assert_eq!(verdict("auth.bearer-required"), "pass");
    assert_eq!(verdict("create.country-code-format"), "warn");
    assert_eq!(verdict("create.email-domain"), "skip");
    assert_eq!(verdict("create.id-format"), "observe");
    assert_eq!(by_id["create.contact-required"]["basis"]["variant"], "en");
    assert_eq!(by_id["create.contact-required"]["basis"]["stated"], true);
    assert_eq!(verdict("sync.ok"), "skip", "no check ran");
    assert_eq!(verdict("token.recreate-resets-validations"), "untestable");
    assert_eq!(
        by_id["create.contact-required"]["checks"],
        json!(["create.contact-required/neither-email-nor-phone"])
    );
    assert_eq!(
        by_id["create.contact-required"]["variants"],
        json!({"en": "contradicts", "es": "contradicts", "legacy": "agrees", "overview": "silent"})
    );

    // Agreement: facts observed are the four with a non-skipped check.
    assert_eq!(value["alignment"]["facts_observed"], 4);
    assert_eq!(
        value["alignment"]["en"],
        json!({"agrees": 2, "contradicts": 2, "silent": 0, "facts_agreeing": 2, "facts_contradicting": 2})
    );
    assert_eq!(
        value["alignment"]["fingerprint"],
        "agrees with en/es/legacy on 2 of 4 facts, with overview on 1; contradicts en/es on 2"
    );
    assert_eq!(report.exit_code().code(), 1);

    // The snapshot of the whole document, times and ports redacted.
    let redacted: Value = serde_json::from_str(&run.redact(&report.to_json())).unwrap();
    insta::assert_json_snapshot!("report_json", redacted, {
        ".duration_ms" => "[duration_ms]",
        ".tool.version" => "[version]",
    });
}

#[test]
fn worst_check_decides_and_only_fail_fails_the_run() {
    let run = Run::new();
    let all = run.checks();
    let mut checks = all.clone();
    checks.retain(|c| !matches!(c.verdict, Verdict::Fail | Verdict::Error));
    let report_ok = report(&run, checks.clone());
    assert_eq!(report_ok.summary.verdict.name(), "conformant");
    assert_eq!(
        report_ok.exit_code().code(),
        0,
        "a warning does not fail the run"
    );

    // A passing and a failing check of one fact: the fact fails.
    let mut failing = checks[0].clone();
    failing.id = "auth.bearer-required/wrong-token".into();
    failing.verdict = Verdict::Fail;
    failing.variants = VariantAlignment::all(Contradicts);
    checks.push(failing);
    let failed = report(&run, checks);
    let fact = failed
        .facts
        .iter()
        .find(|f| f.id == "auth.bearer-required")
        .unwrap();
    assert_eq!(fact.verdict.name(), "fail");
    assert_eq!(fact.checks.len(), 2);
    assert_eq!(
        fact.variants.en, Contradicts,
        "one contradiction outweighs agreement"
    );
    assert_eq!(failed.exit_code().code(), 1);
    assert!(failed.console_summary(false).contains("1 failing check"));

    // A check that observed nothing is never a pass: the run is not
    // conformant, and it exits 3 (a harness problem) when nothing failed.
    let mut with_error = all.clone();
    with_error.retain(|c| c.verdict != Verdict::Fail);
    let errored = report(&run, with_error);
    assert_eq!(errored.summary.error, 1);
    assert_eq!(errored.summary.verdict.name(), "not-conformant");
    assert_eq!(errored.exit_code().code(), 3);
    let fact = errored
        .facts
        .iter()
        .find(|f| f.id == "http.no-server-error")
        .unwrap();
    assert_eq!(fact.verdict.name(), "error");
    assert!(errored
        .console_summary(false)
        .contains("1 check that observed nothing"));
    // A failure stands beside an error: exit 1.
    assert_eq!(report(&run, all).exit_code().code(), 1);

    // A run in which every check was skipped certified nothing.
    let mut skipped = run.checks();
    skipped.retain(|c| c.verdict == Verdict::Skip);
    let nothing = report(&run, skipped);
    assert_eq!(nothing.executed(), 0);
    assert_eq!(nothing.summary.verdict.name(), "not-conformant");
}

#[test]
fn write_all_writes_four_files_that_read_back() {
    let run = Run::new();
    let report = report(&run, run.checks());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/reports");
    let written = report.write_all(&dir).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["report.json", "junit.xml", "report.md", "report.html"]
    );

    let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert_eq!(
        std::fs::read_to_string(dir.join("junit.xml")).unwrap(),
        report.to_junit().unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        report.to_markdown()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("report.html")).unwrap(),
        report.to_html().unwrap()
    );
}

/// `text` as report.html's template escapes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn html_report_puts_failures_first_with_what_every_page_says() {
    let run = Run::new();
    let report = report(&run, run.checks());
    let html = report.to_html().unwrap();

    // Self-contained: inline style and script, nothing to fetch.
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("default-src 'none'"));
    for fetching in ["<link", "src=", "@import", "url(", "<iframe", "<img"] {
        assert!(!html.contains(fetching), "report.html has {fetching}");
    }
    assert_eq!(html.matches("<script>").count(), 1);
    assert_eq!(html.matches("<style>").count(), 1);

    // Failures first: fail, then error, then warn; passing checks have no card.
    let at = |id: &str| {
        html.find(&format!("id=\"check-{id}\""))
            .unwrap_or_else(|| panic!("no card for {id}"))
    };
    let fail = at("create.contact-required-neither-email-nor-phone");
    let error = at("generated-http.no-server-error-no-5xx");
    let warn = at("create.country-code-format-missing-plus");
    assert!(fail < error && error < warn);
    assert_eq!(html.matches("data-row=\"failures\"").count(), 3);
    assert!(!html.contains("id=\"check-auth.bearer-required-no-token\""));

    // The failure shows every page's statement of its fact, the one it
    // enforces marked, the diff, the curl line and, when present, the script.
    let contract = Contract::embedded().unwrap();
    let card = &html[fail..error];
    for variant in verifik_conformance::model::Variant::ALL {
        let says = &contract.statement(variant, "create.contact-required").says;
        assert!(card.contains(&escaped(says)), "{variant}: {says}");
    }
    assert!(card.contains("<span class=\"tag\">enforced</span>"));
    assert!(card.contains(&escaped(r#"+   "status": 201"#)), "{card}");
    assert!(card.contains(&escaped(r#"-   "status": 400,"#)), "{card}");
    assert!(card.contains(&escaped("curl -sS -i -X POST")));
    let error_card = &html[error..warn];
    assert!(error_card.contains("class=\"script\""));
    assert!(error_card.contains(&escaped("# request 2")));

    // The matrix has every fact, failing facts first; every check has a row.
    assert_eq!(
        html.matches("data-row=\"facts\"").count(),
        contract.facts().count()
    );
    assert!(
        html.find("id=\"fact-create.contact-required\"").unwrap()
            < html.find("id=\"fact-auth.bearer-required\"").unwrap()
    );
    assert_eq!(html.matches("data-row=\"checks\"").count(), 6);
    for filter in [
        "filter-verdict",
        "filter-level",
        "filter-fact",
        "filter-variant",
        "filter-alignment",
    ] {
        assert!(html.contains(&format!("id=\"{filter}\"")), "{filter}");
    }
}

#[test]
fn html_report_escapes_what_the_target_sent() {
    let run = Run::new();
    let mut checks = run.checks();
    checks[0].message = "observed <script>alert('x')</script> & more".into();
    checks[0].observed = json!({"body": "</pre><img src=x onerror=alert(1)>"});
    let html = report(&run, checks).to_html().unwrap();
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt; &amp; more"));
}

#[test]
fn html_report_of_a_partial_or_empty_run_says_so() {
    let run = Run::new();
    let mut info = run.info(false);
    info.stopped = Some("the target stopped answering after 8 requests in a row".into());
    let contract = Contract::embedded().unwrap();
    let profile = contract.profile(ProfileId::Current);
    let partial = Report::build(info, run.checks(), contract, profile, &Secret::none());
    let html = partial.to_html().unwrap();
    assert!(html.contains("This report is partial"));
    assert!(html.contains("the target stopped answering after 8 requests in a row"));

    let empty = report(&run, Vec::new()).to_html().unwrap();
    assert!(empty.contains("No check observed anything"));
    assert!(empty.contains("None: no check failed, ended in error or warned."));
    assert_eq!(empty.matches("data-row=\"checks\"").count(), 0);
}

#[test]
fn write_all_into_an_unwritable_path_names_it() {
    let run = Run::new();
    let report = report(&run, run.checks());
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, "a regular file").unwrap();
    let dir = file.join("reports");
    let error = report.write_all(&dir).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ReportError::CreateDir { .. }));
    assert!(message.contains(&dir.display().to_string()), "{message}");
    assert!(message.contains("--report-dir"), "{message}");
    assert!(!message.contains('\n'));
}
