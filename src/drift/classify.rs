//! Which facts a page item states, read from the item itself: the rules
//! that propose the facts of a new trace (`drift --emit-trace`) and tie an
//! item that appears on a live page to the facts it is about. Sentences are
//! matched on their folded text, in English and Spanish; structured items
//! (rows, endpoints, examples, samples) by what they hold.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::contract::{ExampleKind, ItemKind, Page, Role, Statement};

use super::diff::keyed;
use super::facts::{endpoint_fact, error_fact, header_fact, note_fact, param_fact};
use super::items::{normalize, PageItem};
use super::page::{description_values, fold, note_topics};

/// The facts `item` states, as far as its words or contents tell, limited
/// to facts the variant's `statements` speak about when any of them are.
pub fn facts_of(
    item: &PageItem,
    page: &Page,
    statements: &BTreeMap<String, Statement>,
) -> Vec<String> {
    let mut facts: Vec<String> = match item.kind {
        ItemKind::Prose | ItemKind::Note | ItemKind::Admonition | ItemKind::Cell => {
            sentence_facts(item)
        }
        ItemKind::Row => row_facts(&item.locator),
        ItemKind::Endpoint => endpoint_facts(&item.text),
        ItemKind::Example => example_facts(item, page, statements),
        ItemKind::Sample => sample_facts(item),
    };
    let mut seen = Vec::new();
    facts.retain(|f| {
        let new = !seen.contains(f);
        seen.push(f.clone());
        new
    });
    let spoken: Vec<String> = facts
        .iter()
        .filter(|f| {
            statements
                .get(f.as_str())
                .is_some_and(|s| s.claim.is_some() || s.detail.is_some())
        })
        .cloned()
        .collect();
    if spoken.is_empty() {
        facts
    } else {
        spoken
    }
}

/// A note states something by being a note; other prose only when it is
/// about a fact.
pub fn role_of(kind: ItemKind, facts: &[String]) -> Role {
    if kind == ItemKind::Note || !facts.is_empty() {
        Role::Normative
    } else {
        Role::Descriptive
    }
}

/// `(fact, words that all must appear)`; each word list is tried on the
/// folded sentence and on it with the spaces removed (a text export loses
/// the spaces around inline code).
const SENTENCE_RULES: &[(&str, &[&str])] = &[
    ("token.recreate-email", &["token", "recrea"]),
    ("token.recreate-phone", &["token", "recrea"]),
    ("token.recreate-same-registration", &["token", "recrea"]),
    (
        "token.recreate-resets-validations",
        &["validation", "deleted"],
    ),
    (
        "token.recreate-resets-validations",
        &["validacion", "eliminad"],
    ),
    ("token.recreate-resets-validations", &["re-validate"]),
    ("token.recreate-resets-validations", &["revalidar"]),
    ("create.token-jwt", &["jwt"]),
    ("create.token-jwt", &["token", "returned"]),
    ("create.token-jwt", &["token", "devuelve"]),
    ("create.token-jwt", &["token", "must use"]),
    ("create.token-jwt", &["token", "debes usar"]),
    ("create.contact-either", &["emailorphone", "either"]),
    ("create.contact-either", &["emailorphone", "required"]),
    ("create.contact-either", &["emailorphone", "must"]),
    ("create.contact-either", &["emailophone", "requiere"]),
    ("create.contact-either", &["emailophone", "debe"]),
    ("create.contact-either", &["email or a phone"]),
    ("create.contact-either", &["email o un telefono"]),
    ("create.contact-either", &["both can"]),
    ("create.contact-either", &["both may"]),
    ("create.contact-either", &["ambos pueden"]),
    ("create.contact-either", &["or both"]),
    ("create.contact-either", &["o ambos"]),
    ("create.contact-required", &["emailorphone", "must"]),
    ("create.contact-required", &["emailophone", "debe"]),
    ("create.country-code-required", &["withcountrycode"]),
    ("create.country-code-required", &["concountrycode"]),
    ("create.full-name-optional", &["fullname", "firstname"]),
    ("create.first-last-name", &["fullname", "firstname"]),
    ("overview.onboarding-only", &["designed for"]),
    ("overview.onboarding-only", &["disenad"]),
];

fn sentence_facts(item: &PageItem) -> Vec<String> {
    let folded = fold(&item.text);
    let tight = fold(&normalize(&item.text));
    let mut facts: Vec<String> = SENTENCE_RULES
        .iter()
        .filter(|(_, words)| {
            words.iter().all(|w| folded.contains(w))
                || words.iter().all(|w| tight.contains(&w.replace(' ', "")))
        })
        .map(|(fact, _)| fact.to_string())
        .collect();
    if folded.starts_with("onboarding") {
        facts.push("overview.onboarding-only".into());
    }
    let mut topics = BTreeMap::new();
    note_topics(&item.text, &mut topics);
    facts.extend(topics.keys().map(|t| note_fact(t).to_string()));
    if let Some(param) = cell_param(&item.locator) {
        for (field, _) in description_values(&item.text) {
            facts.push(param_fact(param, Some(field)).to_string());
        }
        if ["required", "requiere", "requerido"]
            .iter()
            .any(|w| folded.contains(w))
        {
            facts.push(param_fact(param, None).to_string());
        }
        if param == "phone" && facts.contains(&"create.phone-digits".to_string()) {
            facts.retain(|f| f != "create.contact-either" || folded.contains("email"));
        }
    }
    facts
}

/// `params[NAME].description.N` -> NAME.
fn cell_param(locator: &str) -> Option<&str> {
    locator
        .strip_prefix("params[")?
        .split_once("].description")
        .map(|(name, _)| name)
}

fn row_facts(locator: &str) -> Vec<String> {
    if let Some(name) = locator
        .strip_prefix("headers[")
        .and_then(|l| l.strip_suffix(']'))
    {
        return vec![header_fact(name).to_string()];
    }
    let name = locator
        .strip_prefix("params[")
        .and_then(|l| l.strip_suffix(']'))
        .unwrap_or("");
    vec![param_fact(name, None).to_string()]
}

fn endpoint_facts(text: &str) -> Vec<String> {
    let (method, path) = text.split_once(' ').unwrap_or((text, ""));
    let endpoint = crate::contract::Endpoint {
        method: method.to_string(),
        path: path.to_string(),
    };
    // Listing and retrieving also say what the list holds and that only
    // an existing id is found.
    let also = match endpoint_fact(&endpoint) {
        "list.ok" => Some("list.contains-created"),
        "retrieve.ok" => Some("retrieve.unknown"),
        _ => None,
    };
    std::iter::once(endpoint_fact(&endpoint))
        .chain(also)
        .map(str::to_string)
        .collect()
}

fn example_facts(
    item: &PageItem,
    page: &Page,
    statements: &BTreeMap<String, Statement>,
) -> Vec<String> {
    let label = item
        .locator
        .strip_prefix("examples[")
        .and_then(|l| l.strip_suffix(']'))
        .unwrap_or("");
    let Some((_, example)) = keyed(&page.examples, |x| x.label.clone())
        .into_iter()
        .find(|(key, _)| key == label)
    else {
        return Vec::new();
    };
    let has = |key: &str| holds_key(&example.body, key);
    let mut facts: Vec<&str> = Vec::new();
    let fact_owned;
    match example.kind {
        ExampleKind::Response => {
            if example.status.is_some() {
                facts.push("create.success-status");
            }
            facts.extend([
                "create.envelope",
                "create.registration-fields",
                "create.echo",
            ]);
            let optional = [
                ("status", "create.initial-status"),
                ("currentStep", "create.current-step"),
                ("informationValidation", "create.information-validation"),
                ("fullName", "create.information-validation"),
                ("token", "create.token-jwt"),
                ("createdAt", "create.timestamps"),
                ("_id", "create.id-format"),
                ("ipAddress", "create.legacy-request-meta"),
            ];
            facts.extend(optional.iter().filter(|(k, _)| has(k)).map(|(_, f)| *f));
        }
        ExampleKind::Error => {
            fact_owned = error_fact(&example.body, &example.label, statements);
            facts.push(&fact_owned);
            facts.push("error.envelope");
            if example.status == Some(409) {
                facts.push("error.http-409");
            }
            if has("status") {
                facts.push("error.status-consistent");
            }
        }
        ExampleKind::Object => {
            facts.push("overview.object-shape");
            let optional = [
                ("status", "create.initial-status"),
                ("createdAt", "create.timestamps"),
                ("id", "create.id-format"),
            ];
            facts.extend(optional.iter().filter(|(k, _)| has(k)).map(|(_, f)| *f));
        }
    }
    facts.extend(["http.json", "http.no-server-error"]);
    facts.into_iter().map(str::to_string).collect()
}

fn holds_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.contains_key(key) || map.values().any(|v| holds_key(v, key)),
        Value::Array(items) => items.iter().any(|v| holds_key(v, key)),
        _ => false,
    }
}

fn sample_facts(item: &PageItem) -> Vec<String> {
    let code = item.text.to_ascii_lowercase();
    let mut facts = Vec::new();
    if code.contains("authorization") || code.contains("bearer") {
        facts.push("auth.bearer-required".to_string());
    }
    if code.contains("application/json") {
        facts.push("http.json".to_string());
    }
    if let Some(request) = &item.request {
        facts.extend(
            request
                .fields
                .iter()
                .map(|f| param_fact(&f.name, None).to_string()),
        );
    }
    facts
}
