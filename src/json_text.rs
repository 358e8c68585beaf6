//! Reading a response body as JSON the way the JSON grammar does, not the way
//! one parser does.
//!
//! RFC 8259 allows any `\uXXXX` escape in a string, a lone UTF-16 surrogate
//! (`\ud800`) included: it is well-formed JSON text that simply does not
//! stand for Unicode scalar values. JavaScript servers write such escapes
//! whenever they echo one back. `serde_json` refuses them, so a strict parse
//! would call a well-formed answer "not JSON". Here a lone surrogate escape
//! is read as U+FFFD instead; everything else is parsed strictly.

use serde_json::Value;

/// The body parsed as JSON, when it is JSON text.
pub fn parse(bytes: &[u8]) -> Option<Value> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => Some(value),
        Err(_) => {
            let replaced = replace_lone_surrogates(bytes, |_| "\\uFFFD".into())?;
            serde_json::from_slice::<Value>(&replaced).ok()
        }
    }
}

/// Every `\uD800`-`\uDFFF` escape that is not half of a high-low pair,
/// replaced by `replacement(code unit)`; `None` when there is none.
pub fn replace_lone_surrogates(
    bytes: &[u8],
    replacement: impl Fn(u32) -> String,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut replaced = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(bytes, i) else {
            // Another escape (or a stray backslash): copy it and the next byte,
            // so `\\ud800` stays a backslash followed by text.
            out.extend_from_slice(&bytes[i..(i + 2).min(bytes.len())]);
            i += 2;
            continue;
        };
        let high = (0xD800..0xDC00).contains(&unit);
        let low = (0xDC00..0xE000).contains(&unit);
        if high {
            if let Some(next) = escape_at(bytes, i + 6) {
                if (0xDC00..0xE000).contains(&next) {
                    out.extend_from_slice(&bytes[i..i + 12]);
                    i += 12;
                    continue;
                }
            }
        }
        if high || low {
            out.extend_from_slice(replacement(unit).as_bytes());
            replaced = true;
        } else {
            out.extend_from_slice(&bytes[i..i + 6]);
        }
        i += 6;
    }
    replaced.then_some(out)
}

/// The code unit of a `\uXXXX` escape starting at `at`.
fn escape_at(bytes: &[u8], at: usize) -> Option<u32> {
    let escape = bytes.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_json_parses_as_usual() {
        assert_eq!(parse(br#"{"a":"\u00e9"}"#), Some(json!({"a": "é"})));
        assert_eq!(parse(br#"{"a":"\ud83e\udd80"}"#), Some(json!({"a": "🦀"})));
        assert_eq!(parse(b"not json"), None);
        assert_eq!(parse(br#"{"a":"\ud800"#), None);
    }

    #[test]
    fn lone_surrogates_are_json() {
        assert_eq!(
            parse(br#"{"email":"\u0000@\ud800.test"}"#),
            Some(json!({"email": "\u{0}@\u{fffd}.test"}))
        );
        assert_eq!(parse(br#"["\udc00x"]"#), Some(json!(["\u{fffd}x"])));
        assert_eq!(
            parse(br#"["\ud800\ud800\udc00"]"#),
            Some(json!(["\u{fffd}\u{10000}"]))
        );
    }

    #[test]
    fn an_escaped_backslash_is_not_an_escape() {
        assert_eq!(parse(br#"["\\ud800"]"#), Some(json!(["\\ud800"])));
        assert_eq!(parse(br#"["\\\ud800"]"#), Some(json!(["\\\u{fffd}"])));
    }
}
