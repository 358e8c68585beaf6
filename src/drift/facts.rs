//! Which fact a page item concerns: an explicit mapping from endpoints,
//! headers, params, example bodies and note topics to fact IDs, so that a
//! drift tells the spec owner which documented behaviour is at stake.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::contract::{Endpoint, ExampleKind, Statement};

use super::page::fold;
use super::DriftKind;

/// Fields the create response echoes from the request (`create.echo`).
const ECHOED: &[&str] = &[
    "project",
    "projectFlow",
    "email",
    "phone",
    "countryCode",
    "language",
];

/// POST is create; GET with a trailing `{id}` is retrieve, without it list;
/// anything else is the sync endpoint, the only other one documented.
pub fn endpoint_fact(endpoint: &Endpoint) -> &'static str {
    match endpoint.method.as_str() {
        "POST" => "create.success-status",
        "GET" if endpoint.path.trim_end_matches('/').ends_with('}') => "retrieve.ok",
        "GET" => "list.ok",
        _ => "sync.ok",
    }
}

/// Authorization (or anything about tokens and keys) is authentication;
/// other headers are about the JSON transport.
pub fn header_fact(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    if n.contains("auth") || n.contains("token") || n.contains("key") {
        "auth.bearer-required"
    } else {
        "http.json"
    }
}

/// A params-table row, or one of its fields (`required`, `format`, ...).
/// An unknown param is a request field that comes back as sent.
pub fn param_fact(name: &str, field: Option<&str>) -> &'static str {
    match (name, field) {
        ("project", _) => "create.project-required",
        ("projectFlow", _) => "create.project-flow-required",
        ("phone", Some("format")) => "create.phone-digits",
        ("email" | "phone", _) => "create.contact-either",
        ("countryCode", Some("format")) => "create.country-code-format",
        ("countryCode", _) => "create.country-code-required",
        ("fullName", _) => "create.full-name-optional",
        ("firstName" | "lastName", _) => "create.first-last-name",
        ("language", _) => "create.language-default",
        _ => "create.echo",
    }
}

/// A note topic.
pub fn note_fact(topic: &str) -> &'static str {
    match topic {
        "initial_status" => "create.initial-status",
        "language_default" => "create.language-default",
        "country_code_digits" => "create.country-code-format",
        "phone_format" => "create.phone-digits",
        "purpose" => "overview.onboarding-only",
        _ => "create.echo",
    }
}

/// The fact an error example documents: the fact whose claim (else whose
/// detail) holds exactly that body; failing that, what the label and the
/// body talk about.
pub fn error_fact(body: &Value, label: &str, statements: &BTreeMap<String, Statement>) -> String {
    let holds = |map: &Option<Map<String, Value>>| {
        map.as_ref()
            .is_some_and(|m| m.values().any(|v| contains(v, body)))
    };
    if let Some(id) = statements
        .iter()
        .find(|(_, s)| holds(&s.claim))
        .or_else(|| statements.iter().find(|(_, s)| holds(&s.detail)))
        .map(|(id, _)| id.clone())
    {
        return id;
    }
    let text = fold(&format!("{label} {body}"));
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["domain", "dominio"]) {
        "create.email-domain"
    } else if has(&[
        "countrycode",
        "country code",
        "country_code",
        "codigo de pais",
    ]) {
        "create.country-code-required"
    } else if has(&["flow", "flujo"]) {
        "create.invalid-project-flow"
    } else if has(&["email", "phone", "contact", "correo", "telefono"]) {
        "create.contact-required"
    } else {
        "error.envelope"
    }
    .to_string()
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    haystack == needle
        || match haystack {
            Value::Object(map) => map.values().any(|v| contains(v, needle)),
            Value::Array(items) => items.iter().any(|v| contains(v, needle)),
            _ => false,
        }
}

/// A whole example, its label, status or kind.
pub fn example_fact(kind: ExampleKind, field: Option<&str>, error_fact: &str) -> String {
    match (kind, field) {
        (ExampleKind::Response, _) => "create.success-status".into(),
        (ExampleKind::Error, Some("status")) => "error.http-409".into(),
        (ExampleKind::Error, _) => error_fact.into(),
        (ExampleKind::Object, _) => "overview.object-shape".into(),
    }
}

/// One place in an example's body (`path` holds the JSON keys and indexes
/// from the root). Value changes go to the fact about that value (status,
/// id, token, timestamps, ...); keys that come or go change the shape.
pub fn body_fact(
    kind: ExampleKind,
    path: &[String],
    change: DriftKind,
    container: bool,
    error_fact: &str,
) -> String {
    let leaf = path.last().map_or("", String::as_str);
    let in_array = path.iter().any(|s| s.parse::<usize>().is_ok());
    let fact = match kind {
        ExampleKind::Error => return error_fact.into(),
        ExampleKind::Object => match (change, leaf) {
            (DriftKind::Changed, "status") if path.len() == 1 => "create.initial-status",
            (DriftKind::Changed, "id" | "_id") if path.len() == 1 => "create.id-format",
            (DriftKind::Changed, "createdAt" | "updatedAt" | "completedAt" | "timestamp") => {
                "create.timestamps"
            }
            _ => "overview.object-shape",
        },
        ExampleKind::Response => {
            if path.iter().any(|s| s == "informationValidation") {
                "create.information-validation"
            } else {
                match (change, leaf) {
                    (_, "token") => "create.token-jwt",
                    (_, "ipAddress" | "userAgent") => "create.legacy-request-meta",
                    (DriftKind::Changed, "status") if !in_array => "create.initial-status",
                    (DriftKind::Changed, "_id" | "id") => "create.id-format",
                    (DriftKind::Changed, "createdAt" | "updatedAt") => "create.timestamps",
                    (DriftKind::Changed, "currentStep") => "create.current-step",
                    (DriftKind::Changed, "success") => "create.envelope",
                    (DriftKind::Changed, "fullName" | "firstName" | "lastName") => {
                        "create.information-validation"
                    }
                    (DriftKind::Changed, leaf) if ECHOED.contains(&leaf) => "create.echo",
                    _ if path.len() <= 1 || container => "create.envelope",
                    _ => "create.registration-fields",
                }
            }
        }
    };
    fact.into()
}
