//! Servers that break on one kind of input (a fullName over 200 characters,
//! a JSON null, a number where a string belongs) are caught by the generated
//! phase alone, and the counterexample it reports is shrunk to the minimum.

use crate::support::{server_support, BLOCKED_DOMAIN};

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use verifik_conformance::check::{Check, CheckSource, Verdict};
use verifik_conformance::config::RunConfig;
use verifik_conformance::contract::Contract;
use verifik_conformance::model::Phase;
use verifik_conformance::model::ProfileId;
use verifik_conformance::server::{self, ServerHandle};
use verifik_conformance::suite::{run_suite, SuiteOutcome};

type Breaks = fn(&Map<String, Value>) -> bool;

fn long_name(body: &Map<String, Value>) -> bool {
    body.get("fullName")
        .and_then(Value::as_str)
        .is_some_and(|s| s.chars().count() > 200)
}

fn any_null(body: &Map<String, Value>) -> bool {
    body.values().any(Value::is_null)
}

fn number_for_string(body: &Map<String, Value>) -> bool {
    server_support::CURRENT_FIELDS
        .iter()
        .any(|k| body.get(*k).is_some_and(Value::is_number))
}

type Rewrites = fn(&mut Map<String, Value>);

/// Accepts phones with any characters: keeps their digits only.
fn phone_unchecked(body: &mut Map<String, Value>) {
    if let Some(Value::String(phone)) = body.get_mut("phone") {
        phone.retain(|c| c.is_ascii_digit());
    }
}

/// Accepts a phone without countryCode: makes one up.
fn country_code_optional(body: &mut Map<String, Value>) {
    if body.get("phone").is_some_and(Value::is_string) && !body.contains_key("countryCode") {
        body.insert("countryCode".into(), Value::from("+57"));
    }
}

struct Proxy {
    upstream: String,
    client: reqwest::Client,
    breaks: Option<Breaks>,
    rewrites: Option<Rewrites>,
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let (Some(breaks), Ok(Value::Object(object))) =
        (proxy.breaks, serde_json::from_slice::<Value>(&body))
    {
        if breaks(&object) {
            let crash = r#"{"message":"internal error","code":"InternalServerError","status":500}"#;
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [("content-type", "application/json")],
                crash,
            )
                .into_response();
        }
    }
    let mut body = body.to_vec();
    if let (Some(rewrite), Ok(Value::Object(mut object))) =
        (proxy.rewrites, serde_json::from_slice::<Value>(&body))
    {
        rewrite(&mut object);
        body = serde_json::to_vec(&object).unwrap();
    }
    let url = format!(
        "{}{}",
        proxy.upstream,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut outgoing = proxy.client.request(method, url).body(body);
    for name in ["authorization", "content-type"] {
        if let Some(value) = headers.get(name) {
            outgoing = outgoing.header(name, value.clone());
        }
    }
    let answer = outgoing.send().await.unwrap();
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    let bytes = answer.bytes().await.unwrap();
    (status, [("content-type", "application/json")], bytes).into_response()
}

async fn start(breaks: Option<Breaks>, rewrites: Option<Rewrites>) -> (ServerHandle, String) {
    let server = crate::support::reference_server(None, None).await;
    let proxy = Arc::new(Proxy {
        upstream: server.url().to_string(),
        client: {
            verifik_conformance::client::install_tls_provider();
            reqwest::Client::new()
        },
        breaks,
        rewrites,
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (server, format!("http://{addr}"))
}

/// The outcome, and the token the target wants (which must never show).
async fn run(breaks: Option<Breaks>, cases: u32) -> (SuiteOutcome, String) {
    run_with(breaks, None, cases).await
}

async fn run_with(
    breaks: Option<Breaks>,
    rewrites: Option<Rewrites>,
    cases: u32,
) -> (SuiteOutcome, String) {
    let (server, url) = start(breaks, rewrites).await;
    let config = RunConfig {
        project: Some(server::DEFAULT_PROJECT.into()),
        project_flow: Some(server::DEFAULT_PROJECT_FLOW.into()),
        blocked_email_domain: Some(BLOCKED_DOMAIN.into()),
        only: Some(Phase::Generated),
        cases,
        seed: Some(99),
        ..RunConfig::for_target(&url, server.token(), ProfileId::Current)
    };
    let outcome = run_suite(&config, Contract::embedded().unwrap())
        .await
        .unwrap();
    assert!(
        outcome
            .checks
            .iter()
            .all(|c| c.source == CheckSource::Generated),
        "the generated phase alone ran"
    );
    (outcome, server.token().to_string())
}

fn check<'a>(outcome: &'a SuiteOutcome, id: &str) -> &'a Check {
    outcome
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// The no-5xx check failed; its counterexample's body, after shrinking.
fn counterexample((outcome, token): &(SuiteOutcome, String)) -> Map<String, Value> {
    let no_5xx = check(outcome, "generated/http.no-server-error/no-5xx");
    assert_eq!(no_5xx.verdict, Verdict::Fail, "{}", no_5xx.message);
    assert!(
        no_5xx.message.contains("cases failed the same way")
            && no_5xx.message.contains("minimal counterexample"),
        "{}",
        no_5xx.message
    );
    assert_eq!(no_5xx.response.as_ref().unwrap().status, 500);
    let curl = no_5xx.curl.as_deref().unwrap();
    assert!(
        curl.starts_with("curl ") && curl.contains("--data"),
        "{curl}"
    );
    assert!(curl.contains("Bearer $VERIFIK_TOKEN") && !curl.contains(token.as_str()));
    no_5xx
        .request
        .as_ref()
        .unwrap()
        .body
        .as_object()
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faithful_proxy_passes() {
    let (outcome, _) = run(None, 300).await;
    let bad: Vec<_> = outcome
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail || c.verdict == Verdict::Warn)
        .map(|c| format!("{} {}", c.id, c.message))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_names_shrink_to_201_characters_alone() {
    let outcome = run(Some(long_name), 300).await;
    let body = counterexample(&outcome);
    let keys: Vec<&String> = body.keys().collect();
    assert_eq!(keys, ["fullName"], "no needless fields: {body:?}");
    let name = body["fullName"].as_str().unwrap();
    assert_eq!(name.chars().count(), 201, "{name}");
}

/// A 5xx is evidence against `http.no-server-error` and nothing else: a
/// server that crashes on long names enforces every other rule correctly,
/// so no other fact may fail, in either phase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_filed_under_no_server_error_alone() {
    let (server, url) = start(Some(long_name), None).await;
    let config = RunConfig {
        project: Some(server::DEFAULT_PROJECT.into()),
        project_flow: Some(server::DEFAULT_PROJECT_FLOW.into()),
        blocked_email_domain: Some(BLOCKED_DOMAIN.into()),
        cases: 300,
        seed: Some(7),
        ..RunConfig::for_target(&url, server.token(), ProfileId::Current)
    };
    let outcome = run_suite(&config, Contract::embedded().unwrap())
        .await
        .unwrap();
    let failing: std::collections::BTreeSet<&str> = outcome
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn | Verdict::Error))
        .map(|c| c.fact.as_str())
        .collect();
    assert_eq!(
        failing.into_iter().collect::<Vec<_>>(),
        ["http.no-server-error"],
        "{:#?}",
        outcome
            .checks
            .iter()
            .filter(|c| c.verdict != Verdict::Pass && c.verdict != Verdict::Observe)
            .map(|c| (&c.id, &c.message))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nulls_shrink_to_one_null_field() {
    let outcome = run(Some(any_null), 300).await;
    let body = counterexample(&outcome);
    assert_eq!(body.len(), 1, "{body:?}");
    assert!(body.values().all(Value::is_null), "{body:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_shrink_to_one_numeric_field() {
    let outcome = run(Some(number_for_string), 300).await;
    let body = counterexample(&outcome);
    assert_eq!(body.len(), 1, "{body:?}");
    let (key, value) = body.iter().next().unwrap();
    assert!(
        server_support::CURRENT_FIELDS.contains(&key.as_str()),
        "{key}"
    );
    assert_eq!(value, &Value::from(0), "shrunk to the simplest number");
}

/// The request body of a failing check's counterexample.
fn failing_body(outcome: &SuiteOutcome, id: &str, verdict: Verdict) -> Map<String, Value> {
    let c = check(outcome, id);
    assert_eq!(c.verdict, verdict, "{}", c.message);
    assert!(
        c.message.contains("minimal counterexample"),
        "{}",
        c.message
    );
    c.request
        .as_ref()
        .unwrap()
        .body
        .as_object()
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_malformed_phones_warns_with_a_minimal_body() {
    let (outcome, _) = run_with(None, Some(phone_unchecked), 300).await;
    // create.phone-digits is a should: a warning, not a failure.
    let body = failing_body(
        &outcome,
        "generated/create.phone-digits/refused",
        Verdict::Warn,
    );
    let keys: Vec<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["project", "projectFlow", "phone", "countryCode"],
        "{body:?}"
    );
    let phone = body["phone"].as_str().unwrap();
    assert!(phone.bytes().any(|b| !b.is_ascii_digit()), "{phone}");
    let no_5xx = check(&outcome, "generated/http.no-server-error/no-5xx");
    assert_eq!(no_5xx.verdict, Verdict::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_a_phone_without_country_code_fails_with_a_minimal_body() {
    let (outcome, _) = run_with(None, Some(country_code_optional), 300).await;
    let body = failing_body(
        &outcome,
        "generated/create.country-code-required/refused",
        Verdict::Fail,
    );
    let keys: Vec<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(keys, ["project", "projectFlow", "phone"], "{body:?}");
}
