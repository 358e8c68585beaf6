//! The `curl` line that reproduces a request, for people reading a failing
//! check. Everything is shell-quoted for a POSIX shell (bash for bodies that
//! need `$'…'`); credentials are already redacted when they get here.

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

/// `curl -sS -X METHOD 'URL' -H '…' --data-raw '…'`; `headers` in the order
/// they were sent, values already redacted.
pub(crate) fn curl_line(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> String {
    let mut line = format!("curl -sS -X {method} {}", shell_quote(url));
    for (name, value) in headers {
        let _ = write!(line, " -H {}", shell_quote(&format!("{name}: {value}")));
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
    fn renders_binary_bodies() {
        let line = curl_line("POST", "http://h/x", &[], Some(&[0x7b, 0xc3, 0x28]));
        assert_eq!(
            line,
            r"curl -sS -X POST 'http://h/x' --data-binary $'{\xc3('"
        );
    }
}
