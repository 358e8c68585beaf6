//! Reading an answer the way every check does, in both phases: where its
//! registration, id and token are, whether it mentions an id, whether a
//! token is a JWT, a timestamp ISO-8601, a media type JSON; and the one-line
//! message a check shows.

use serde_json::{json, Map, Value};

use crate::client::Response;

/// A check's one-line message: short, with long values cut (the report
/// carries them whole in `expected` and `observed`).
pub fn describe(held: Option<bool>, expected: &Value, observed: &Value) -> String {
    let mut observed = observed.clone();
    crate::client::redact_jwts(&mut observed);
    let cut = |v: &Value| {
        let text = v.to_string();
        if text.chars().count() > 240 {
            format!("{}…", text.chars().take(240).collect::<String>())
        } else {
            text
        }
    };
    match held {
        Some(true) => "as documented".to_string(),
        Some(false) => format!("expected {}, observed {}", cut(expected), cut(&observed)),
        None => format!("observed {}", cut(&observed)),
    }
}

/// The registration object in a create/retrieve answer, whatever the
/// envelope: `data.appRegistration`, a flat `data`, or the body itself.
pub fn registration(body: &Value) -> Option<&Map<String, Value>> {
    let data = body.get("data");
    data.and_then(|d| d.get("appRegistration"))
        .and_then(Value::as_object)
        .or_else(|| data.and_then(Value::as_object).filter(|d| has_id(d)))
        .or_else(|| body.as_object().filter(|b| has_id(b)))
}

fn has_id(object: &Map<String, Value>) -> bool {
    object.contains_key("_id") || object.contains_key("id")
}

/// Whether `id` appears as a string anywhere in `value`.
pub fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        Value::Object(map) => map.values().any(|v| mentions(v, id)),
        _ => false,
    }
}

/// A registration's ID, under `_id` or `id`.
pub fn registration_id(body: &Value) -> Option<String> {
    let reg = registration(body)?;
    reg.get("_id")
        .or_else(|| reg.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The issued token: `data.token` in every documented envelope.
pub fn token(body: &Value) -> Option<String> {
    body.pointer("/data/token")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A compact view of a response for `observed`.
pub fn observed_response(response: &Response) -> Value {
    json!({"status": response.status, "body": response.json.clone().unwrap_or(Value::Null)})
}

/// The decoded JSON header of a JWT, when `token` is one.
pub fn jwt_header(token: &str) -> Option<Value> {
    use base64::Engine as _;
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if parts[1..].iter().any(|p| engine.decode(p).is_err()) {
        return None;
    }
    serde_json::from_slice(&engine.decode(parts[0]).ok()?).ok()
}

/// An ISO-8601 date-time (its RFC 3339 profile, parsed by `time`), and the
/// digits of its fraction of a second.
pub fn iso8601(value: &str) -> Option<usize> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(value, &Rfc3339).ok()?;
    let fraction = value.get(19..)?.strip_prefix('.').map_or(0, |rest| {
        rest.bytes().take_while(u8::is_ascii_digit).count()
    });
    Some(fraction)
}

/// `application/json` or a JSON-based `application/*+json` type (RFC 6839),
/// whatever its parameters (`; charset=utf-8`): the pages name the JSON
/// media type but no parameters, and a `+json` type is JSON too.
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json") && sub.len() > "+json".len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(!is_json_media_type("application/jsonp"));
        assert!(!is_json_media_type("text/json"));
        assert!(!is_json_media_type("application/+json"));
        assert!(!is_json_media_type("text/plain"));
    }
}
