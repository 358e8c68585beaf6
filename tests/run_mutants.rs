//! Every scripted fact can fail: a proxy in front of the reference server
//! breaks one documented rule at a time, and the suite must catch each one
//! with a failing (must) or warning (should) check on that very fact.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use verifik_conformance::check::Verdict;
use verifik_conformance::config::{Phases, RunConfig};
use verifik_conformance::contract::Contract;
use verifik_conformance::server::{self, ServerConfig, ServerVariant};
use verifik_conformance::suite::run_suite;

/// The request as the proxy sees it.
struct Req {
    method: Method,
    path: String,
    authorized: bool,
    body: Option<Value>,
}

/// The response as the proxy will answer it.
struct Resp {
    status: u16,
    body: Value,
    raw: Option<String>,
}

type ReqFn = Box<dyn Fn(&mut Req) + Send + Sync>;
type RespFn = Box<dyn Fn(&Req, &mut Resp) + Send + Sync>;

struct Mutant {
    name: &'static str,
    fact: &'static str,
    request: ReqFn,
    response: RespFn,
}

fn mutant(name: &'static str, fact: &'static str) -> Mutant {
    Mutant {
        name,
        fact,
        request: Box::new(|_| {}),
        response: Box::new(|_, _| {}),
    }
}

impl Mutant {
    fn req(mut self, f: impl Fn(&mut Req) + Send + Sync + 'static) -> Self {
        self.request = Box::new(f);
        self
    }
    fn resp(mut self, f: impl Fn(&Req, &mut Resp) + Send + Sync + 'static) -> Self {
        self.response = Box::new(f);
        self
    }
}

fn is_create(r: &Req) -> bool {
    r.method == Method::POST && r.path == "/v2/app-registrations"
}

fn field<'a>(r: &'a Req, name: &str) -> Option<&'a Value> {
    r.body.as_ref().and_then(|b| b.get(name))
}

fn set_field(r: &mut Req, name: &str, value: Value) {
    if let Some(Value::Object(map)) = r.body.as_mut() {
        map.insert(name.into(), value);
    }
}

fn reg_mut(body: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    body.pointer_mut("/data/appRegistration")
        .and_then(Value::as_object_mut)
}

fn mutants() -> Vec<Mutant> {
    let tokens: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    let ids: Arc<Mutex<u32>> = Arc::default();
    let tokens2 = Arc::clone(&tokens);
    vec![
        mutant("auth-not-enforced", "auth.bearer-required").req(|r| r.authorized = true),
        mutant("plain-text-bodies", "http.json").resp(|_, p| p.raw = Some("ok".into())),
        mutant("500-on-bad-json", "http.no-server-error").resp(|_, p| {
            if p.status == 400 {
                p.status = 500;
            }
        }),
        mutant("project-optional", "create.project-required").req(|r| {
            if is_create(r) && field(r, "project").is_none() {
                set_field(r, "project", json!("p-default"));
            }
        }),
        mutant("flow-optional", "create.project-flow-required").req(|r| {
            if is_create(r) && field(r, "projectFlow").is_none() {
                set_field(r, "projectFlow", json!("f-default"));
            }
        }),
        mutant("contact-message-reworded", "create.contact-required").resp(|_, p| {
            if p.body["message"] == json!("Needs an email or a phone at least") {
                p.body["message"] = json!("email or phone needed");
            }
        }),
        mutant("phone-alone-refused", "create.contact-either").resp(|r, p| {
            if is_create(r) && field(r, "email").is_none() && field(r, "phone").is_some() {
                p.status = 409;
                p.body = json!({"message": "Needs an email or a phone at least", "code": "MissingParameter", "status": 409});
            }
        }),
        mutant("country-code-optional", "create.country-code-required").req(|r| {
            if is_create(r) && field(r, "phone").is_some() && field(r, "countryCode").is_none() {
                set_field(r, "countryCode", json!("+57"));
            }
        }),
        mutant("country-code-unchecked", "create.country-code-format").req(|r| {
            if is_create(r) && field(r, "countryCode").is_some() {
                set_field(r, "countryCode", json!("+57"));
            }
        }),
        mutant("phone-unchecked", "create.phone-digits").req(|r| {
            if let Some(phone) = field(r, "phone").and_then(Value::as_str) {
                let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
                set_field(r, "phone", json!(digits));
            }
        }),
        mutant("domain-unchecked", "create.email-domain").req(|r| {
            if let Some(email) = field(r, "email").and_then(Value::as_str) {
                let local = email.split('@').next().unwrap_or("x").to_string();
                set_field(r, "email", json!(format!("{local}@fine.example.test")));
            }
        }),
        mutant("full-name-required", "create.full-name-optional").resp(|r, p| {
            if is_create(r) && field(r, "fullName").is_none() {
                p.status = 409;
                p.body = json!({"message": "fullName is required", "code": "MissingParameter", "status": 409});
            }
        }),
        mutant("first-name-refused", "create.first-last-name").resp(|r, p| {
            if is_create(r) && field(r, "firstName").is_some() {
                p.status = 409;
                p.body = json!({"message": "unknown field firstName", "code": "InvalidParameter", "status": 409});
            }
        }),
        mutant("no-language-default", "create.language-default").resp(|_, p| {
            if let Some(reg) = reg_mut(&mut p.body) {
                if reg.get("language") == Some(&json!("en")) {
                    reg.insert("language".into(), Value::Null);
                }
            }
        }),
        mutant("created-201", "create.success-status").resp(|r, p| {
            if is_create(r) && p.status == 200 {
                p.status = 201;
            }
        }),
        mutant("legacy-envelope-flag", "create.envelope").resp(|r, p| {
            if is_create(r) && p.status == 200 {
                p.body["success"] = json!(true);
            }
        }),
        mutant("no-client-field", "create.registration-fields").resp(|_, p| {
            if let Some(reg) = reg_mut(&mut p.body) {
                reg.remove("client");
            }
        }),
        mutant("status-new", "create.initial-status").resp(|_, p| {
            if let Some(reg) = reg_mut(&mut p.body) {
                reg.insert("status".into(), json!("new"));
            }
        }),
        mutant("current-step-number", "create.current-step").resp(|_, p| {
            if let Some(reg) = reg_mut(&mut p.body) {
                reg.insert("currentStep".into(), json!(1));
            }
        }),
        mutant("echo-wrong-project", "create.echo").resp(|_, p| {
            if let Some(reg) = reg_mut(&mut p.body) {
                reg.insert("project".into(), json!("another-project"));
            }
        }),
        mutant("no-information-validation", "create.information-validation").resp(|_, p| {
            if let Some(data) = p.body.get_mut("data").and_then(Value::as_object_mut) {
                data.remove("informationValidation");
            }
        }),
        mutant("opaque-token", "create.token-jwt").resp(|_, p| {
            if p.body.pointer("/data/token").is_some() {
                p.body["data"]["token"] = json!("opaque-session-token");
            }
        }),
        mutant("timestamps-not-iso", "create.timestamps").resp(|_, p| {
            if let Some(reg) = reg_mut(&mut p.body) {
                reg.insert("createdAt".into(), json!("yesterday"));
            }
        }),
        mutant("token-reused", "token.recreate-email").resp(move |r, p| {
            let key = field(r, "email").or(field(r, "phone")).cloned().unwrap_or_default().to_string();
            if is_create(r) && p.status == 200 {
                let mut seen = tokens.lock().unwrap();
                let first = seen.entry(key).or_insert_with(|| p.body["data"]["token"].clone());
                p.body["data"]["token"] = first.clone();
            }
        }),
        mutant("token-reused-phone", "token.recreate-phone").resp(move |r, p| {
            let key = field(r, "phone").cloned().unwrap_or_default().to_string();
            if is_create(r) && p.status == 200 && field(r, "phone").is_some() {
                let mut seen = tokens2.lock().unwrap();
                let first = seen.entry(key).or_insert_with(|| p.body["data"]["token"].clone());
                p.body["data"]["token"] = first.clone();
            }
        }),
        mutant("new-id-on-recreate", "token.recreate-same-registration").resp(move |r, p| {
            if is_create(r) {
                if let Some(reg) = reg_mut(&mut p.body) {
                    let mut n = ids.lock().unwrap();
                    *n += 1;
                    reg.insert("_id".into(), json!(format!("{:024x}", *n)));
                }
            }
        }),
        mutant("error-code-renamed", "error.envelope").resp(|_, p| {
            if let Some(map) = p.body.as_object_mut() {
                if let Some(code) = map.remove("code") {
                    map.insert("errorCode".into(), code);
                }
            }
        }),
        mutant("validation-400", "error.http-409").resp(|_, p| {
            if p.status == 409 {
                p.status = 400;
                p.body["status"] = json!(400);
            }
        }),
        mutant("body-status-wrong", "error.status-consistent").resp(|_, p| {
            if p.status == 409 {
                p.body["status"] = json!(400);
            }
        }),
        mutant("list-404", "list.ok").resp(|r, p| {
            if r.method == Method::GET && r.path == "/v2/app-registrations" && p.status == 200 {
                p.status = 404;
            }
        }),
        mutant("list-empty", "list.contains-created").resp(|r, p| {
            if r.method == Method::GET && r.path == "/v2/app-registrations" {
                p.body = json!({"data": []});
            }
        }),
        mutant("retrieve-404", "retrieve.ok").resp(|r, p| {
            if r.method == Method::GET && r.path.len() > "/v2/app-registrations/".len() {
                p.status = 404;
                p.body = json!({"message": "not found", "code": "NotFound", "status": 404});
            }
        }),
        mutant("unknown-200", "retrieve.unknown").resp(|r, p| {
            if r.method == Method::GET && p.status == 404 {
                p.status = 200;
                p.body = json!({"data": {}});
            }
        }),
        mutant("sync-405", "sync.ok").resp(|r, p| {
            if r.method == Method::PUT {
                p.status = 405;
                p.body = json!({"message": "no", "code": "MethodNotAllowed", "status": 405});
            }
        }),
    ]
}

struct Proxy {
    upstream: String,
    token: String,
    client: reqwest::Client,
    mutant: Option<Mutant>,
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let expected = format!("Bearer {}", proxy.token);
    let mut req = Req {
        method: method.clone(),
        path: uri.path().to_string(),
        authorized: headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(expected.as_str()),
        body: serde_json::from_slice(&body).ok(),
    };
    if let Some(m) = &proxy.mutant {
        (m.request)(&mut req);
    }
    let url = format!(
        "{}{}",
        proxy.upstream,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut outgoing = proxy.client.request(method, url);
    if req.authorized {
        outgoing = outgoing.header("authorization", expected);
    }
    let bytes = match &req.body {
        Some(v) => serde_json::to_vec(v).unwrap(),
        None => body.to_vec(),
    };
    let answer = outgoing
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.bytes().await.unwrap();
    let mut resp = Resp {
        status,
        body: serde_json::from_slice(&text).unwrap_or(Value::Null),
        raw: None,
    };
    if let Some(m) = &proxy.mutant {
        (m.response)(&req, &mut resp);
    }
    let status = StatusCode::from_u16(resp.status).unwrap();
    match resp.raw {
        Some(raw) => (status, [("content-type", "text/plain")], raw).into_response(),
        None => (
            status,
            [("content-type", "application/json")],
            resp.body.to_string(),
        )
            .into_response(),
    }
}

async fn start_proxy(upstream: &str, token: &str, mutant: Option<Mutant>) -> String {
    let proxy = Arc::new(Proxy {
        upstream: upstream.to_string(),
        token: token.to_string(),
        client: reqwest::Client::new(),
        mutant,
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn config(target: String, token: &str) -> RunConfig {
    RunConfig {
        target: Some(target),
        token: Some(token.to_string()),
        project: Some(server::DEFAULT_PROJECT.into()),
        project_flow: Some(server::DEFAULT_PROJECT_FLOW.into()),
        blocked_email_domain: Some("blocked.example.test".into()),
        profile: "current".into(),
        tags: None,
        phases: Phases::Scripted,
        cases: 0,
        seed: None,
        concurrency: 16,
        timeout: Duration::from_secs(5),
        report_dir: std::env::temp_dir(),
        strict: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scripted_fact_can_fail() {
    let contract = Contract::embedded().unwrap();
    let mut server_config = ServerConfig::new(ServerVariant::Current);
    server_config.blocked_email_domains = vec!["blocked.example.test".into()];
    let server = server::spawn(server_config).await.unwrap();
    let token = server.token().to_string();

    // The faithful proxy passes: the mutants below are what breaks things.
    let faithful = start_proxy(server.url(), &token, None).await;
    let outcome = run_suite(&config(faithful, &token), contract)
        .await
        .unwrap();
    let failing: Vec<_> = outcome
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .map(|c| format!("{} {}", c.id, c.message))
        .collect();
    assert!(failing.is_empty(), "faithful proxy: {failing:#?}");

    let mut survivors = Vec::new();
    let mut killed_facts = Vec::new();
    for m in mutants() {
        let (name, fact) = (m.name, m.fact);
        let url = start_proxy(server.url(), &token, Some(m)).await;
        let outcome = run_suite(&config(url, &token), contract).await.unwrap();
        let caught = outcome
            .checks
            .iter()
            .any(|c| c.fact == fact && matches!(c.verdict, Verdict::Fail | Verdict::Warn));
        if caught {
            killed_facts.push(fact);
        } else {
            survivors.push(format!("{name} ({fact})"));
        }
    }
    assert!(survivors.is_empty(), "mutants not caught: {survivors:?}");

    // Every fact that a scenario enforces at must or should level under
    // `current` was broken by one of the mutants above.
    let profile = contract.profile("current").unwrap();
    for (fact, _) in verifik_conformance::scripted::coverage() {
        let level = contract.level(profile, fact);
        if matches!(
            level,
            verifik_conformance::check::Level::Must | verifik_conformance::check::Level::Should
        ) {
            assert!(killed_facts.contains(&fact), "no mutant breaks {fact}");
        }
    }
}
