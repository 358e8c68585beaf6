//! Twins: the reference server choosing differently wherever the pages are
//! silent or only show an example, while staying faithful to every statement.
//! `selftest` runs the suite against each under the current profile: every
//! twin must pass, so a check that only holds for the reference server's own
//! choices (an overfit check) fails the self-test.
//!
//! Like the mutants, a twin is one rewrite middleware around the faithful
//! router (or, for the list's order and page size, one configuration value);
//! the faithful logic never changes. Each twin names the freedom it uses:
//! what the pages leave open, in our words.

use std::sync::atomic::Ordering;

use axum::http::header;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::rewrite::{
    self, field, is_create, is_list, is_retrieve, is_sync, keep_raw, keep_request, keep_response,
    Hooks, RawRewrite, RequestRewrite, ResponseRewrite,
};
use super::ListPaging;
use crate::contract::{Contract, Variant};

/// One legitimate reading of a silence of the pages.
pub struct Twin {
    pub name: &'static str,
    /// What this twin does differently from the reference server.
    pub description: &'static str,
    /// Why the pages allow it.
    pub freedom: &'static str,
    /// The list's order and default page size, when the twin changes them.
    pub paging: Option<ListPaging>,
    hooks: Hooks,
}

const fn twin(name: &'static str, description: &'static str, freedom: &'static str) -> Twin {
    Twin {
        name,
        description,
        freedom,
        paging: None,
        hooks: Hooks {
            raw: keep_raw,
            request: keep_request,
            response: keep_response,
        },
    }
}

impl Twin {
    const fn on_raw(mut self, rewrite: RawRewrite) -> Self {
        self.hooks.raw = rewrite;
        self
    }
    const fn on_request(mut self, rewrite: RequestRewrite) -> Self {
        self.hooks.request = rewrite;
        self
    }
    const fn on_response(mut self, rewrite: ResponseRewrite) -> Self {
        self.hooks.response = rewrite;
        self
    }
    const fn paged(mut self, paging: ListPaging) -> Self {
        self.paging = Some(paging);
        self
    }
}

/// Every registration object of an answer: `data.appRegistration`, a `data`
/// object with an id, or each item of a `data` list.
fn registrations(body: &mut Value) -> Vec<&mut Map<String, Value>> {
    let Some(data) = body.get_mut("data") else {
        return Vec::new();
    };
    if data.get("appRegistration").is_some() {
        return data
            .get_mut("appRegistration")
            .and_then(Value::as_object_mut)
            .into_iter()
            .collect();
    }
    match data {
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
        Value::Object(map) if map.contains_key("_id") || map.contains_key("id") => vec![map],
        _ => Vec::new(),
    }
}

/// Every string of `value` under one of `keys`, however deep.
fn strings_under(value: &mut Value, keys: &[&str], change: &dyn Fn(&mut String)) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if keys.contains(&key.as_str()) => change(s),
                    _ => strings_under(v, keys, change),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| strings_under(v, keys, change)),
        _ => {}
    }
}

/// Every string of `value`, however deep.
fn all_strings(value: &mut Value, change: &dyn Fn(&mut String)) {
    match value {
        Value::String(s) => change(s),
        Value::Object(map) => map.values_mut().for_each(|v| all_strings(v, change)),
        Value::Array(items) => items.iter_mut().for_each(|v| all_strings(v, change)),
        _ => {}
    }
}

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A 24-hex ObjectId written as a UUID (zero-padded to 32 hex digits).
fn uuid_of(id: &str) -> String {
    let hex = format!("00000000{}", id.to_ascii_lowercase());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The ObjectId a UUID of [`uuid_of`] stands for.
fn object_id_of(uuid: &str) -> Option<String> {
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    let ok = uuid.len() == 36 && hex.len() == 32 && hex.starts_with("00000000");
    (ok && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hex[8..].to_string())
}

const BLANK_MARK: &str = "twin-blank-";
const SURROGATE_MARK: &str = "~twin-surrogate-";

/// A random JWT signed with HS512 (random key): the same registration, other
/// token contents.
fn hs512_token(subject: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
    let claims = json!({"sub": subject, "jti": super::ids::random_hex(16)});
    let payload = engine.encode(claims.to_string());
    let signature: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
    format!("{header}.{payload}.{}", engine.encode(signature))
}

/// Every twin, in a stable order.
pub static TWINS: &[Twin] = &[
    twin(
        "json-charset",
        "labels every answer application/json; charset=utf-8",
        "the pages name the JSON media type and no parameters",
    )
    .on_response(|_, p, _| p.content_type = "application/json; charset=utf-8"),
    twin(
        "problem-json-errors",
        "labels error answers application/problem+json",
        "a +json media type is JSON; the pages show no error headers",
    )
    .on_response(|_, p, _| {
        if p.status >= 400 {
            p.content_type = "application/problem+json";
        }
    }),
    twin(
        "omit-unsent-fields",
        "leaves fields the request did not send out of the registration (and null names out of informationValidation)",
        "the create example sends email, phone and countryCode and shows them; no page says what a field that was not sent looks like",
    )
    .on_response(|_, p, _| {
        for reg in registrations(&mut p.body) {
            reg.retain(|_, v| !v.is_null());
        }
        if let Some(info) = p.information_validation() {
            info.retain(|_, v| !v.is_null());
        }
    }),
    twin(
        "blank-is-a-value",
        "takes a whitespace-only project or projectFlow as the value it is",
        "the params table requires project and projectFlow as strings; no page says a blank string is missing",
    )
    .on_request(|r| {
        for key in ["project", "projectFlow"] {
            let blank = field(r, key)
                .and_then(Value::as_str)
                .filter(|s| s.trim().is_empty())
                .map(|s| format!("{BLANK_MARK}{}", hex::encode(s.as_bytes())));
            if let (Some(mark), Some(Value::Object(body))) = (blank, r.body.as_mut()) {
                body.insert(key.into(), json!(mark));
            }
        }
    })
    .on_response(|_, p, _| {
        all_strings(&mut p.body, &|s| {
            if let Some(hex) = s.strip_prefix(BLANK_MARK) {
                let bytes: Option<Vec<u8>> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                    .collect();
                if let Some(text) = bytes.and_then(|b| String::from_utf8(b).ok()) {
                    *s = text;
                }
            }
        });
    }),
    twin(
        "echoes-lone-surrogates",
        "accepts JSON strings with lone surrogate escapes (\\ud800) and echoes them back as such",
        "JSON text may hold any \\u escape; the pages constrain no string's characters",
    )
    .on_raw(|bytes| {
        let marked = crate::json_text::replace_lone_surrogates(bytes, |unit| {
            format!("{SURROGATE_MARK}{unit:04x}~")
        });
        if let Some(marked) = marked {
            *bytes = marked;
        }
    })
    .on_response(|_, p, _| {
        let text = p.body.to_string();
        if text.contains(SURROGATE_MARK) {
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(at) = rest.find(SURROGATE_MARK) {
                out.push_str(&rest[..at]);
                let after = &rest[at + SURROGATE_MARK.len()..];
                match after.get(..5).filter(|u| u.ends_with('~')) {
                    Some(unit) => {
                        out.push_str("\\u");
                        out.push_str(&unit[..4]);
                        rest = &after[5..];
                    }
                    None => {
                        out.push_str(SURROGATE_MARK);
                        rest = after;
                    }
                }
            }
            out.push_str(rest);
            p.text = Some(out);
        }
    }),
    twin(
        "undocumented-error-bodies",
        "answers errors no page shows (400, 401, 404, 405, 413, 415) as {\"error\":{\"type\",\"detail\"}}",
        "the pages show only 409 validation errors; no page shows any other error body",
    )
    .on_response(|_, p, _| {
        if p.status >= 400 && p.status != 409 {
            let detail = p.body.get("message").cloned().unwrap_or(Value::Null);
            let kind = p.body.get("code").cloned().unwrap_or(Value::Null);
            p.body = json!({"error": {"type": kind, "detail": detail}});
        }
    }),
    twin(
        "auth-403",
        "refuses a missing or wrong token with 403 and no WWW-Authenticate",
        "the headers table requires a bearer token; no page gives the status of a refusal",
    )
    .on_response(|_, p, _| {
        if p.status == 401 {
            p.refuse(403, "forbidden", "Forbidden");
            p.headers.remove(header::WWW_AUTHENTICATE);
        }
    }),
    twin(
        "wrong-type-400",
        "refuses a field that is not a string with 400 rather than 409",
        "the 409 examples are the documented rules; no page shows how a value of the wrong JSON type is refused",
    )
    .on_response(|_, p, _| {
        let wrong_type = p
            .body
            .get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("must be a string"));
        if p.status == 409 && wrong_type {
            p.status = 400;
            p.body["status"] = json!(400);
            p.body["code"] = json!("BadRequest");
        }
    }),
    twin(
        "uuid-ids",
        "writes registration ids as UUIDs",
        "the examples show ids in different styles; no page fixes their format",
    )
    .on_request(|r| {
        let mut segments: Vec<String> = r.path.split('/').map(str::to_string).collect();
        for segment in segments.iter_mut() {
            if let Some(id) = object_id_of(segment) {
                *segment = id;
            }
        }
        r.path = segments.join("/");
    })
    .on_response(|_, p, _| {
        strings_under(&mut p.body, &["_id", "id"], &|id| {
            if is_object_id(id) {
                *id = uuid_of(id);
            }
        });
    }),
    twin(
        "second-timestamps",
        "writes timestamps to the second with a +00:00 offset",
        "the pages ask for ISO-8601 timestamps; the examples differ in precision and none requires a Z",
    )
    .on_response(|_, p, _| {
        let keys = ["createdAt", "updatedAt", "completedAt", "timestamp"];
        strings_under(&mut p.body, &keys, &|stamp| {
            if let (Some(seconds), true) = (stamp.get(..19), stamp.ends_with('Z')) {
                *stamp = format!("{seconds}+00:00");
            }
        });
    }),
    twin(
        "hs512-tokens",
        "issues HS512 JWTs carrying only sub and jti",
        "the pages say a JWT is returned; the example token's header is only an example",
    )
    .on_response(|_, p, _| {
        let id = p
            .body
            .pointer("/data/appRegistration/_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let (Some(id), true) = (id, p.body.pointer("/data/token").is_some()) {
            p.body["data"]["token"] = json!(hs512_token(&id));
        }
    }),
    twin(
        "oldest-first-pages-of-5",
        "lists oldest first, five to a page",
        "the overview only names the list endpoint; no page gives its order or page size",
    )
    .paged(ListPaging {
        oldest_first: true,
        default_limit: 5,
    }),
    twin(
        "extra-fields",
        "adds fields no page shows to envelopes, registrations and errors",
        "the pages list what an answer holds, not that it holds nothing else",
    )
    .on_response(|_, p, m| {
        let n = m.counter.fetch_add(1, Ordering::Relaxed);
        for reg in registrations(&mut p.body) {
            reg.insert("metadata".into(), json!({"source": "api"}));
            reg.insert("deletedAt".into(), Value::Null);
        }
        if let Some(body) = p.body.as_object_mut() {
            body.insert("requestId".into(), json!(format!("req-{n}")));
            if p.status >= 400 {
                body.insert("details".into(), json!([]));
            }
        }
    }),
    twin(
        "recreate-keeps-details",
        "re-issues a token on recreation but keeps the first request's names and language",
        "the pages say the token can be recreated with the same email or phone; they do not say what happens to the other details",
    )
    .on_response(|r, p, m| {
        if !is_create(r) || p.status != 200 {
            return;
        }
        let Some(id) = p
            .body
            .pointer("/data/appRegistration/_id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return;
        };
        let details = json!({
            "language": p.body.pointer("/data/appRegistration/language"),
            "info": p.body.pointer("/data/informationValidation"),
        });
        let Ok(mut notes) = m.notes.lock() else {
            return;
        };
        let first = notes.entry(id).or_insert(details).clone();
        if let Some(language) = first.get("language").filter(|l| !l.is_null()) {
            p.body["data"]["appRegistration"]["language"] = language.clone();
        }
        if let Some(info) = first.get("info").filter(|i| !i.is_null()) {
            p.body["data"]["informationValidation"] = info.clone();
        }
    }),
    twin(
        "sync-brief",
        "answers a sync with the id, status and updatedAt only",
        "the overview only names the sync endpoint; no page shows its answer",
    )
    .on_response(|r, p, _| {
        if is_sync(r) && p.status == 200 {
            let data = &p.body["data"];
            p.body = json!({"data": {
                "_id": data.get("_id").or_else(|| data.get("id")),
                "status": data.get("status"),
                "updatedAt": data.get("updatedAt").or_else(|| data.get("createdAt")),
            }});
        }
    }),
    twin(
        "malformed-id-400",
        "refuses an id that is not an ObjectId with 400 before looking it up",
        "the overview names GET and PUT by id without their errors; an unknown id only must not succeed",
    )
    .on_response(|r, p, _| {
        let id = r.path.split('/').nth(3).unwrap_or_default();
        if (is_retrieve(r) || is_sync(r)) && !is_object_id(id) {
            p.refuse(400, &format!("{id:?} is not a valid id"), "InvalidArgument");
        }
    }),
    twin(
        "split-at-last-space",
        "splits fullName at its last space (first names first, the last word as lastName)",
        "the example splits a two-word name; no page says where a longer name splits",
    )
    .on_response(|r, p, _| {
        let full = field(r, "fullName").and_then(Value::as_str).map(str::trim);
        let sent_parts = field(r, "firstName").is_some() || field(r, "lastName").is_some();
        let (Some(full), false, true) = (full, sent_parts, is_create(r)) else {
            return;
        };
        let (first, last) = match full.rsplit_once(char::is_whitespace) {
            Some((first, last)) => (json!(first.trim_end()), json!(last)),
            None => (json!(full), Value::Null),
        };
        if let Some(info) = p.information_validation() {
            info.insert("firstName".into(), first);
            info.insert("lastName".into(), last);
        }
    }),
    twin(
        "no-full-name-join",
        "does not join firstName and lastName into a fullName",
        "the pages accept fullName or firstName/lastName; none says one is derived from the other",
    )
    .on_response(|r, p, _| {
        if is_create(r) && field(r, "fullName").is_none() {
            if let Some(info) = p.information_validation() {
                info.insert("fullName".into(), Value::Null);
            }
        }
    }),
    twin(
        "language-list",
        "refuses a language other than en or es with a 409",
        "language is an optional string defaulting to \"en\"; no page lists the languages it takes",
    )
    .on_response(|r, p, _| {
        let language = field(r, "language").and_then(Value::as_str).map(str::trim);
        let unknown = language.is_some_and(|l| !l.is_empty() && l != "en" && l != "es");
        if is_create(r) && p.status == 200 && unknown {
            p.refuse(409, "language must be en or es", "InvalidArgument");
        }
    }),
    twin(
        "unknown-fields-refused",
        "refuses a create body with a field the params table does not list, with 400",
        "the params table lists the body's fields; no page says what happens to others",
    )
    .on_response(|r, p, _| {
        let listed = |key: &str| {
            Contract::embedded().is_ok_and(|c| {
                c.sheet(Variant::En).page.params.iter().any(|p| p.name == key)
            })
        };
        let unknown = r
            .sent
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|b| b.keys().find(|k| !listed(k)).cloned());
        if let (Some(name), true) = (unknown, is_create(r) && p.status < 500) {
            p.refuse(400, &format!("unknown field {name:?}"), "InvalidArgument");
        }
    }),
    twin(
        "long-strings-refused",
        "refuses any body string over 256 characters with 422",
        "no page gives a length limit for any field",
    )
    .on_response(|r, p, _| {
        let long = r.sent.as_ref().and_then(Value::as_object).and_then(|b| {
            b.iter()
                .find(|(_, v)| v.as_str().is_some_and(|s| s.chars().count() > 256))
                .map(|(k, _)| k.clone())
        });
        if let (Some(name), true) = (long, is_create(r)) {
            p.refuse(422, &format!("{name} is too long"), "InvalidArgument");
        }
    }),
    twin(
        "list-in-items",
        "answers the list as {\"items\":[...],\"meta\":{page,limit,total}}",
        "the overview only names the list endpoint; no page shows the list's body",
    )
    .on_response(|r, p, _| {
        if is_list(r) && p.status == 200 {
            let items = p.body.get("data").cloned().unwrap_or(json!([]));
            let meta = p.body.get("pagination").cloned().unwrap_or(Value::Null);
            p.body = json!({"items": items, "meta": meta});
        }
    }),
];

/// The twin of that name.
pub fn find(name: &str) -> Option<&'static Twin> {
    TWINS.iter().find(|t| t.name == name)
}

/// Every twin name, for error messages and `--help`.
pub fn names() -> Vec<&'static str> {
    TWINS.iter().map(|t| t.name).collect()
}

/// The faithful router with `twin`'s rewrites around it.
pub fn wrap(router: Router, twin: &'static Twin, token: &str) -> Router {
    rewrite::wrap(router, twin.hooks, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_stand_for_object_ids() {
        let id = "674de8df21c72be3cc42b8a7";
        let uuid = uuid_of(id);
        assert_eq!(uuid, "00000000-674d-e8df-21c7-2be3cc42b8a7");
        assert_eq!(object_id_of(&uuid).as_deref(), Some(id));
        assert_eq!(object_id_of("not-a-uuid"), None);
    }

    #[test]
    fn names_are_unique() {
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TWINS.len());
    }
}
