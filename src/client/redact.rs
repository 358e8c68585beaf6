//! Redaction: what may appear in reports. The bearer token never does
//! (`Bearer ***`); tokens the target issues keep their header and payload,
//! which are useful evidence, and lose their signature (`***`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use super::{Body, Response, Secret};
use crate::check::ResponseRecord;

/// Non-JSON bodies longer than this are shortened in records: a report is
/// for reading, and the check already says what was wrong.
const RECORD_TEXT_CAP: usize = 8 * 1024;

/// Shorter tokens are not scrubbed from free text: replacing every
/// occurrence of, say, `abc` would garble reports without protecting much.
const MIN_SCRUB_LEN: usize = 6;

/// The value of an `Authorization` header as records show it: the scheme
/// kept, the credentials replaced by `***` (`Bearer ***`, `Basic ***`).
pub(crate) fn authorization_value(value: &str) -> String {
    let trimmed = value.trim();
    match trimmed.split_once(char::is_whitespace) {
        Some((scheme, rest)) if !rest.trim().is_empty() => format!("{scheme} ***"),
        Some((scheme, _)) => scheme.to_string(),
        // A lone word is a credential without a scheme, unless it is empty.
        None if trimmed.is_empty() => String::new(),
        None if trimmed.eq_ignore_ascii_case("bearer") || trimmed.eq_ignore_ascii_case("basic") => {
            trimmed.to_string()
        }
        None => "***".into(),
    }
}

/// Header names whose values are credentials.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
    ]
    .iter()
    .any(|sensitive| name.eq_ignore_ascii_case(sensitive))
}

/// A header value as records show it.
pub(crate) fn header_value(name: &str, value: &str, secret: &Secret) -> String {
    if is_sensitive_header(name) {
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            authorization_value(value)
        } else {
            "***".into()
        }
    } else {
        mask_jwts_in(&secret.scrub(value))
    }
}

/// `text` with every occurrence of `secret` replaced by `***`.
#[cfg(test)]
pub(crate) fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) => scrub_forms(text, &echo_forms(secret)),
        None => text.to_string(),
    }
}

/// The forms a target may echo `token` back in: as sent, percent-encoded
/// (upper- and lower-case hex), and JSON-escaped (with `/` as `\/`, as some
/// encoders write it). Longest first, so a longer form is replaced whole.
pub(crate) fn echo_forms(token: &str) -> Vec<String> {
    let mut forms = vec![token.to_string()];
    let mut upper = String::new();
    let mut lower = String::new();
    for byte in token.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            upper.push(byte as char);
            lower.push(byte as char);
        } else {
            upper.push_str(&format!("%{byte:02X}"));
            lower.push_str(&format!("%{byte:02x}"));
        }
    }
    let json = serde_json::to_string(token).unwrap_or_default();
    // Without its surrounding quotes.
    let json = json[1..json.len() - 1].to_string();
    let slashed = json.replace('/', "\\/");
    forms.extend([upper, lower, json, slashed]);
    forms.retain(|f| f.len() >= MIN_SCRUB_LEN);
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

/// `text` with every one of `forms` replaced by `***`.
pub(crate) fn scrub_forms(text: &str, forms: &[String]) -> String {
    let mut out = std::borrow::Cow::Borrowed(text);
    for form in forms {
        if out.contains(form.as_str()) {
            out = std::borrow::Cow::Owned(out.replace(form.as_str(), "***"));
        }
    }
    out.into_owned()
}

/// A JWT with its signature replaced by `***`: `header.payload.***`.
/// Anything that is not three dot-separated parts is returned unchanged;
/// an unsigned JWT (empty signature) has nothing to hide.
pub fn mask_jwt(token: &str) -> String {
    let mut parts = token.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(signature))
            if !signature.is_empty() && !signature.contains('.') =>
        {
            format!("{header}.{payload}.***")
        }
        _ => token.to_string(),
    }
}

/// Replace the signature of every JWT found in any string of `value`
/// (whole strings, or embedded in text such as `Bearer eyJ…`).
pub fn redact_jwts(value: &mut Value) {
    match value {
        Value::String(text) if may_hold_jwt(text.as_bytes()) => *text = mask_jwts_in(text),
        Value::Array(items) => items.iter_mut().for_each(redact_jwts),
        Value::Object(map) => map.values_mut().for_each(redact_jwts),
        _ => {}
    }
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'='
}

/// Mask every JWT-looking run in free text. A JWT header is base64url JSON,
/// so it starts with `eyJ` (`{"`); that anchors the search.
pub(crate) fn mask_jwts_in(text: &str) -> String {
    let masked = mask_jwts_in_bytes(text.as_bytes());
    // Only ASCII runs were replaced, by ASCII: still UTF-8.
    String::from_utf8(masked).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`mask_jwts_in`] over bytes (UTF-8 or not: a JWT is ASCII).
pub(crate) fn mask_jwts_in_bytes(bytes: &[u8]) -> Vec<u8> {
    let segment_end = |from: usize| {
        from + bytes[from..]
            .iter()
            .position(|&c| !is_b64url(c))
            .unwrap_or(bytes.len() - from)
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = JWT_START.find(&bytes[i..]) {
        let start = i + found;
        // Must not be the middle of a longer word.
        if start > 0 && is_b64url(bytes[start - 1]) {
            i = start + 3;
            continue;
        }
        let header_end = segment_end(start);
        if header_end >= bytes.len() || bytes[header_end] != b'.' {
            i = header_end.max(start + 3);
            continue;
        }
        let payload_end = segment_end(header_end + 1);
        if payload_end == header_end + 1 || payload_end >= bytes.len() || bytes[payload_end] != b'.'
        {
            i = payload_end.max(start + 3);
            continue;
        }
        let signature_end = segment_end(payload_end + 1);
        if signature_end > payload_end + 1 {
            out.extend_from_slice(&bytes[copied..=payload_end]);
            out.extend_from_slice(b"***");
            copied = signature_end;
        }
        i = signature_end.max(start + 3);
    }
    out.extend_from_slice(&bytes[copied..]);
    out
}

/// Finds where a JWT may start (`eyJ`, a base64url `{"`).
static JWT_START: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"eyJ"));

/// Scrub the secret and mask JWTs in every string of a JSON value.
pub(crate) fn redact_value(value: &mut Value, secret: &Secret) {
    redact_jwts(value);
    if secret.is_set() {
        scrub_value(value, secret);
    }
}

/// Scrub every string of `value`, object keys included.
/// Only what holds the secret is rewritten: a map is rebuilt (its keys
/// changed, its order kept) only when one of its keys does.
pub(crate) fn scrub_value(value: &mut Value, secret: &Secret) {
    match value {
        Value::String(text) if secret.appears_in(text) => *text = secret.scrub(text),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_value(v, secret)),
        Value::Object(map) if map.keys().any(|key| secret.appears_in(key)) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                scrub_value(&mut item, secret);
                map.insert(secret.scrub(&key), item);
            }
        }
        Value::Object(map) => map.values_mut().for_each(|v| scrub_value(v, secret)),
        _ => {}
    }
}

/// A body as records show it: JSON when it parses as JSON, text otherwise
/// (shortened, invalid UTF-8 replaced), null when empty.
pub(crate) fn body_value(bytes: &[u8], truncated: bool, secret: &Secret) -> Value {
    if bytes.is_empty() && !truncated {
        return Value::Null;
    }
    if !truncated {
        if let Some(mut json) = crate::json_text::parse(bytes) {
            redact_value(&mut json, secret);
            return json;
        }
    }
    let shown = &bytes[..bytes.len().min(RECORD_TEXT_CAP)];
    let mut text = String::from_utf8_lossy(shown).into_owned();
    // A character cut by the cap at the very end is not invalid UTF-8.
    let invalid = matches!(std::str::from_utf8(shown), Err(e) if e.error_len().is_some());
    if invalid {
        text.insert_str(0, "[not UTF-8, shown lossily] ");
    }
    if truncated {
        text.push_str(&format!(" … [body cut at the {}-byte cap]", bytes.len()));
    } else if shown.len() < bytes.len() {
        text.push_str(&format!(" … [{} more bytes]", bytes.len() - shown.len()));
    }
    let mut value = Value::String(text);
    redact_value(&mut value, secret);
    value
}

pub(crate) fn response_record(response: &Response, secret: &Secret) -> ResponseRecord {
    ResponseRecord {
        status: response.status,
        headers: response_headers(response, secret),
        body: response_body(response, secret).into_owned(),
    }
}

/// The headers of `response` as records show them.
pub(crate) fn response_headers(response: &Response, secret: &Secret) -> BTreeMap<String, String> {
    response
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), shown_header(name, value, secret).into_owned()))
        .collect()
}

/// [`header_value`], borrowing the value when nothing in it changes.
fn shown_header<'a>(name: &str, value: &'a str, secret: &Secret) -> Cow<'a, str> {
    if is_sensitive_header(name) || may_redact(value.as_bytes(), secret) {
        Cow::Owned(header_value(name, value, secret))
    } else {
        Cow::Borrowed(value)
    }
}

/// The headers of `response` as records show them, serialized as
/// [`response_headers`] would be without copying them first.
pub(crate) struct ShownHeaders<'a> {
    pub response: &'a Response,
    pub secret: &'a Secret,
}

impl serde::Serialize for ShownHeaders<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.response
                .headers
                .iter()
                .map(|(name, value)| (name, shown_header(name, value, self.secret))),
        )
    }
}

/// The body of `response` as records show it: the parsed JSON itself when
/// there is nothing in it to redact, a redacted copy otherwise.
pub(crate) fn response_body<'a>(response: &'a Response, secret: &Secret) -> Cow<'a, Value> {
    // A complete JSON body was parsed once already: `json` is what
    // `body_value` would parse again.
    match &response.json {
        Some(json) if !response.truncated && !needs_redaction(json, secret) => Cow::Borrowed(json),
        Some(json) if !response.truncated => {
            let mut json = json.clone();
            redact_value(&mut json, secret);
            Cow::Owned(json)
        }
        _ => Cow::Owned(body_value(&response.body_bytes, response.truncated, secret)),
    }
}

/// The body of `response` as it came, when that text can stand in a record
/// for [`response_body`]: complete JSON with no secret in it, read or raw,
/// with no line break (a record may be one line of a JSON Lines file), and
/// with no lone surrogate escape (which only the lenient parse reads).
/// Surrounding whitespace is left out. Issued tokens are masked in the text
/// itself when that reads the same as masking them in the value: when no
/// escape can hide one and no key holds one.
pub(crate) fn verbatim_body<'a>(response: &'a Response, secret: &Secret) -> Option<Cow<'a, [u8]>> {
    let json = response.json.as_ref()?;
    if response.truncated {
        return None;
    }
    let text = response.body_bytes.trim_ascii();
    if memchr::memchr2(b'\n', b'\r', text).is_some() || secret.appears_in_bytes(text) {
        return None;
    }
    let escaped = memchr::memchr(b'\\', text).is_some();
    if !may_hold_jwt(text) {
        // Without a backslash the strings read are the text's own bytes, so
        // the checks above saw all there is; with one, a secret or a token
        // may hide behind escapes, and a lone surrogate may be there.
        if escaped {
            // `\ud800` to `\udfff`: rare, so two searches beat a look at
            // every `\u`.
            let lone_surrogate = memchr::memmem::find(text, b"\\ud").is_some()
                || memchr::memmem::find(text, b"\\uD").is_some();
            if lone_surrogate || needs_redaction(json, secret) {
                return None;
            }
        }
        return Some(Cow::Borrowed(text));
    }
    // Outside strings JSON has no `eyJ`, and in a string without escapes
    // a token's run ends where the string does, as it does in the value.
    if escaped || key_may_hold_jwt(json) {
        return None;
    }
    // Parsed as JSON, the text is UTF-8, and masking keeps it so.
    Some(Cow::Owned(mask_jwts_in_bytes(text)))
}

/// Whether a key anywhere in `value` may hold a JWT ([`redact_jwts`] masks
/// values, not keys).
fn key_may_hold_jwt(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(key_may_hold_jwt),
        Value::Object(map) => map
            .iter()
            .any(|(key, item)| may_hold_jwt(key.as_bytes()) || key_may_hold_jwt(item)),
        _ => false,
    }
}

/// Whether `bytes` hold what may be a JWT (`eyJ`, a base64url `{"`).
pub(crate) fn may_hold_jwt(bytes: &[u8]) -> bool {
    JWT_START.find(bytes).is_some()
}

/// Whether redacting `bytes` may change them: they may hold a JWT, or they
/// hold the secret. What passes this is shown as it is.
pub(crate) fn may_redact(bytes: &[u8], secret: &Secret) -> bool {
    may_hold_jwt(bytes) || secret.appears_in_bytes(bytes)
}

/// Whether [`redact_value`] may change `value`: a string holds what could
/// be a JWT, or the secret is in a string or a key.
fn needs_redaction(value: &Value, secret: &Secret) -> bool {
    match value {
        Value::String(text) => may_redact(text.as_bytes(), secret),
        Value::Array(items) => items.iter().any(|item| needs_redaction(item, secret)),
        Value::Object(map) => map
            .iter()
            .any(|(key, item)| secret.appears_in(key) || needs_redaction(item, secret)),
        _ => false,
    }
}

/// A request body as records show it: JSON as sent, other bodies as
/// text; redacted.
pub(crate) fn request_body_value(body: &Body, secret: &Secret) -> Value {
    match body {
        Body::None => Value::Null,
        Body::Json(value) => {
            let mut value = value.clone();
            redact_value(&mut value, secret);
            value
        }
        // Raw bodies are shown as text even when they parse: the exact
        // bytes (duplicate keys, odd spacing) are the point of sending them.
        Body::Raw { bytes, .. } => {
            let mut value = match std::str::from_utf8(bytes) {
                Ok(text) => Value::String(text.to_string()),
                Err(_) => Value::String(format!(
                    "[not UTF-8, shown lossily] {}",
                    String::from_utf8_lossy(bytes)
                )),
            };
            redact_value(&mut value, secret);
            value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";

    #[test]
    fn masks_whole_and_embedded_jwts() {
        assert_eq!(mask_jwt(JWT), "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.***");
        assert_eq!(mask_jwt("not-a-jwt"), "not-a-jwt");
        let mut value =
            json!({"data": {"token": JWT, "list": [format!("Bearer {JWT} end")]}, "n": 1});
        redact_jwts(&mut value);
        assert_eq!(
            value,
            json!({"data": {"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.***",
                "list": ["Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.*** end"]}, "n": 1})
        );
    }

    #[test]
    fn leaves_non_jwt_text_alone() {
        for text in [
            "eyJ",
            "keyJam.a.b",
            "eyJabc.",
            "eyJa..b",
            "eyJa.b",
            "x eyJ y",
        ] {
            assert_eq!(mask_jwts_in(text), text, "{text}");
        }
        assert_eq!(mask_jwts_in("eyJa.b."), "eyJa.b.");
        assert_eq!(
            mask_jwts_in("a eyJa.b.c, eyJd.e.f"),
            "a eyJa.b.***, eyJd.e.***"
        );
    }

    #[test]
    fn authorization_keeps_only_the_scheme() {
        assert_eq!(authorization_value("Bearer s3cr3t"), "Bearer ***");
        assert_eq!(authorization_value("bearer  a b"), "bearer ***");
        assert_eq!(authorization_value("Bearer"), "Bearer");
        assert_eq!(authorization_value("s3cr3t"), "***");
        assert_eq!(authorization_value(""), "");
    }

    #[test]
    fn scrubs_only_real_tokens() {
        assert_eq!(scrub("x secret-token y", Some("secret-token")), "x *** y");
        assert_eq!(scrub("abc", Some("abc")), "abc");
        assert_eq!(scrub("abc", None), "abc");
    }

    #[test]
    fn scrubs_echoed_forms() {
        let token = "a/b+c\"d=e";
        for echoed in [
            "a/b+c\"d=e",
            "a%2Fb%2Bc%22d%3De",
            "a%2fb%2bc%22d%3de",
            r#"a/b+c\"d=e"#,
            r#"a\/b+c\"d=e"#,
        ] {
            assert_eq!(
                scrub(&format!("<{echoed}>"), Some(token)),
                "<***>",
                "{echoed}"
            );
        }
    }
}
