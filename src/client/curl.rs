//! The `curl` line that reproduces a request, for people reading a failing
//! check: it runs as copied. The configured token is never written: the
//! line reads it from `$VERIFIK_TOKEN`, as the pages' own samples do, and
//! `-i` shows the status. Everything else is shell-quoted for a POSIX shell
//! (bash for bodies that need `$'…'`).

use std::fmt::Write;

/// Quote `text` as one shell word: `'…'` with `'\''` for single quotes, or
/// bash's `$'…'` when it holds control characters that would not survive
/// copy and paste.
pub fn shell_quote(text: &str) -> String {
    if text.chars().any(char::is_control) {
        ansi_c_quote(text.as_bytes())
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// bash `$'…'` quoting of arbitrary bytes: printable ASCII as is, the rest
/// as `\xHH` (always two digits, so a following hex digit is not absorbed).
fn ansi_c_quote(bytes: &[u8]) -> String {
    let mut out = String::from("$'");
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str(r"\\"),
            b'\'' => out.push_str(r"\'"),
            b'\n' => out.push_str(r"\n"),
            b'\t' => out.push_str(r"\t"),
            b'\r' => out.push_str(r"\r"),
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('\'');
    out
}

/// The environment variable a curl line reads the token from.
pub const TOKEN_VARIABLE: &str = "VERIFIK_TOKEN";

/// A header of a curl line.
pub(crate) enum CurlHeader {
    /// Written as it was sent.
    Literal(String, String),
    /// `Authorization: Bearer $VERIFIK_TOKEN`.
    BearerFromEnv,
}

/// `curl -sS -i -X METHOD 'URL' -H '…' --data-raw '…'`, with `headers` in
/// the order they were sent.
pub(crate) fn curl_line(
    method: &str,
    url: &str,
    headers: &[CurlHeader],
    body: Option<&[u8]>,
) -> String {
    let mut line = format!("curl -sS -i -X {method} {}", shell_quote(url));
    for header in headers {
        match header {
            CurlHeader::Literal(name, value) => {
                let _ = write!(line, " -H {}", shell_quote(&format!("{name}: {value}")));
            }
            CurlHeader::BearerFromEnv => {
                let _ = write!(line, " -H \"Authorization: Bearer ${TOKEN_VARIABLE}\"");
            }
        }
    }
    match body {
        None => {}
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) if !text.chars().any(char::is_control) => {
                let _ = write!(line, " --data-raw {}", shell_quote(text));
            }
            // `--data-raw` would strip nothing, but a NUL or invalid UTF-8
            // needs `$'…'`, and `--data-binary` keeps CR/LF exactly.
            _ => {
                let _ = write!(line, " --data-binary {}", ansi_c_quote(bytes));
            }
        },
    }
    line
}

/// One request of a reproduction script.
pub struct ScriptStep<'a> {
    /// Its curl line.
    pub curl: &'a str,
    /// The registration id its answer gave, when it gave one.
    pub id: Option<String>,
    /// The answer's body as text, to check that the script can find the id.
    pub answer: &'a str,
}

/// A bash script that replays `steps` in order, for a check that needs the
/// requests before it (a recreation, a retrieval after a create). An id an
/// answer gives is captured into a variable, and later requests use it, so
/// the script runs against a fresh server too.
pub fn script(steps: &[ScriptStep<'_>]) -> String {
    let mut out = format!(
        "#!/usr/bin/env bash\n# Replays the {} requests of this check in order; set {TOKEN_VARIABLE} first.\n",
        steps.len()
    );
    let mut captured: Vec<(String, String)> = Vec::new();
    for (n, step) in steps.iter().enumerate().map(|(i, s)| (i + 1, s)) {
        let mut curl = step.curl.to_string();
        // The URL is the one single-quoted word the id can sit in.
        for (id, var) in &captured {
            if !curl.contains("$'") {
                curl = curl.replace(id.as_str(), &format!("'\"${{{var}}}\"'"));
            }
        }
        let id_used_later = step.id.as_ref().filter(|id| {
            id.len() >= 4
                && steps[n..]
                    .iter()
                    .any(|later| later.curl.contains(id.as_str()))
        });
        let _ = writeln!(out, "\n# request {n}");
        match id_used_later {
            Some(id) if first_id_in(step.answer).as_deref() == Some(id.as_str()) => {
                let var = format!("ID{n}");
                let _ = writeln!(out, "ANSWER{n}=$({curl})");
                let _ = writeln!(out, "printf '%s\\n\\n' \"$ANSWER{n}\"");
                let _ = writeln!(
                    out,
                    r#"{var}=$(printf '%s' "$ANSWER{n}" | grep -o '"_\{{0,1\}}id" *: *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')"#
                );
                captured.push((id.clone(), var));
            }
            Some(id) => {
                let _ = writeln!(
                    out,
                    "# its answer gave the id {id}, which the requests below use as recorded"
                );
                let _ = writeln!(out, "{curl}\necho");
            }
            None => {
                let _ = writeln!(out, "{curl}\necho");
            }
        }
    }
    out
}

/// The first `"_id": "…"` or `"id": "…"` value in `text`, as the script's
/// grep finds it.
fn first_id_in(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("id\"") {
        let at = from + found;
        from = at + 3;
        let opens = at >= 1 && bytes[at - 1] == b'"' || at >= 2 && &text[at - 2..at] == "\"_";
        if !opens {
            continue;
        }
        let rest = text[at + 3..].trim_start_matches(' ');
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let Some(rest) = rest.trim_start_matches(' ').strip_prefix('"') else {
            continue;
        };
        return rest.split('"').next().map(str::to_string);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_single_quotes_and_controls() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("a\nb"), r"$'a\nb'");
        assert_eq!(ansi_c_quote(&[0xff, b'a', b'\'']), r"$'\xffa\''");
    }

    #[test]
    fn reads_the_token_from_the_environment() {
        let headers = [
            CurlHeader::Literal("Content-Type".into(), "application/json".into()),
            CurlHeader::BearerFromEnv,
        ];
        let line = curl_line("GET", "http://h/x", &headers, None);
        assert_eq!(
            line,
            r#"curl -sS -i -X GET 'http://h/x' -H 'Content-Type: application/json' -H "Authorization: Bearer $VERIFIK_TOKEN""#
        );
    }

    #[test]
    fn a_script_captures_ids_for_later_requests() {
        let create = r#"curl -sS -i -X POST 'http://h/v2/app-registrations' --data-raw '{}'"#;
        let retrieve = "curl -sS -i -X GET 'http://h/v2/app-registrations/abc123'";
        let text = script(&[
            ScriptStep {
                curl: create,
                id: Some("abc123".into()),
                answer: r#"{"data":{"project":{"name":"x"},"_id":"abc123"}}"#,
            },
            ScriptStep {
                curl: retrieve,
                id: None,
                answer: "",
            },
        ]);
        assert!(text.contains(&format!("ANSWER1=$({create})")), "{text}");
        assert!(
            text.contains(r#"curl -sS -i -X GET 'http://h/v2/app-registrations/'"${ID1}"''"#),
            "{text}"
        );
        assert!(!text.contains("/abc123"), "{text}");
    }

    #[test]
    fn finds_the_first_id_as_grep_does() {
        assert_eq!(first_id_in(r#"{"_id" : "a1"}"#).as_deref(), Some("a1"));
        assert_eq!(
            first_id_in(r#"{"projectId":"p","id":"b2"}"#).as_deref(),
            Some("b2")
        );
        assert_eq!(first_id_in(r#"{"x":1}"#), None);
    }

    #[test]
    fn renders_binary_bodies() {
        let line = curl_line("POST", "http://h/x", &[], Some(&[0x7b, 0xc3, 0x28]));
        assert_eq!(
            line,
            r"curl -sS -i -X POST 'http://h/x' --data-binary $'{\xc3('"
        );
    }
}
