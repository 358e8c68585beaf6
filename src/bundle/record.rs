//! One line of `exchanges.jsonl`: a request and what came of it, redacted
//! exactly as the reports show them, with its timing; and the way back from
//! such a line to an outcome the judging code can read.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::{RequestRecord, ResponseRecord};
use crate::client::{Exchange, Response, SentBody, TransportError};

/// One exchange as the bundle keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeLine {
    /// Microseconds from the start of the recording to the end of this
    /// exchange.
    pub at_us: u64,
    /// How long the exchange took, in microseconds.
    pub elapsed_us: u64,
    /// The request as sent, redacted (`Bearer ***`).
    pub request: RequestRecord,
    /// The answer as the reports show it; `null` when none came.
    pub response: Option<ResponseRecord>,
    /// What the redacted body cannot say: whether the body was JSON, its
    /// length, and whether it was cut at the cap.
    pub body: Option<BodyFacts>,
    /// Why no answer came.
    pub error: Option<ErrorRecord>,
}

/// Facts about a response body that its redacted record leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyFacts {
    pub json: bool,
    pub bytes: usize,
    pub truncated: bool,
}

/// A transport error, with what is needed to rebuild it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ErrorRecord {
    Timeout { after_ms: u64 },
    Refused { addr: String },
    Reset { during: String },
    Closed { during: String },
    NotHttp { detail: String },
    InvalidRequest { detail: String },
    Tls { detail: String },
    Other { during: String, detail: String },
    Stopped { reason: String },
}

/// What stands in for the masked signature of an issued JWT when a recorded
/// answer is judged again: valid base64url (of `redacted`), as the original
/// signature was, so a token judged a JWT still is one.
const MASKED_SIGNATURE: &str = "cmVkYWN0ZWQ";

/// Append the line of `exchange`, `at` after the recording started, to
/// `out`, and a newline: the JSON of [`ExchangeLine::of`] (its fields in its
/// order), written without copying the exchange first. `sent` is the
/// request body as sent when the request record leaves it out.
///
/// What has nothing to redact goes in as it went over the wire: a JSON
/// request body as sent, a JSON answer as the target wrote it (without
/// surrounding whitespace). Either reads back as the same value, without
/// being parsed or written out again here.
#[cfg(test)]
pub fn write_line(
    exchange: &Exchange,
    sent: Option<SentBody<'_>>,
    at: Duration,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    write_line_start(at, out);
    write_line_rest(exchange, sent, out)
}

/// The start of a line, up to its time: `{"at_us":…,`. A recorder stamps
/// the time when it puts the line in order, so the times of the lines it
/// writes never go back.
pub fn write_line_start(at: Duration, out: &mut Vec<u8>) {
    // Writing a number into a Vec cannot fail.
    let _ = write!(out, "{{\"at_us\":{},", at.as_micros() as u64);
}

/// The rest of the line of `exchange` after [`write_line_start`], newline
/// included.
pub fn write_line_rest(
    exchange: &Exchange,
    sent: Option<SentBody<'_>>,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    write!(
        out,
        "\"elapsed_us\":{},\"request\":",
        exchange.elapsed.as_micros() as u64
    )
    .map_err(serde_json::Error::io)?;
    write_request(exchange, sent, out)?;
    match &exchange.outcome {
        Ok(response) => {
            write!(
                out,
                ",\"response\":{{\"status\":{},\"headers\":",
                response.status
            )
            .map_err(serde_json::Error::io)?;
            serde_json::to_writer(&mut *out, &exchange.shown_response_headers())?;
            out.extend_from_slice(b",\"body\":");
            match exchange.verbatim_response_body() {
                Some(text) => out.extend_from_slice(&text),
                None => serde_json::to_writer(&mut *out, &exchange.response_body_record())?,
            }
            out.extend_from_slice(b"},\"body\":");
            serde_json::to_writer(&mut *out, &BodyFacts::of(response))?;
            out.extend_from_slice(b",\"error\":null}\n");
        }
        Err(error) => {
            let scrub = |text: &str| exchange.secret.scrub(text);
            out.extend_from_slice(b",\"response\":null,\"body\":null,\"error\":");
            serde_json::to_writer(&mut *out, &ErrorRecord::of(error, &scrub))?;
            out.extend_from_slice(b"}\n");
        }
    }
    Ok(())
}

/// A request record without its body.
#[derive(Serialize)]
struct RequestHead<'a> {
    method: &'a str,
    url: &'a str,
    headers: &'a BTreeMap<String, String>,
}

/// The request record of `exchange`, its body from `sent` when given.
fn write_request(
    exchange: &Exchange,
    sent: Option<SentBody<'_>>,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    let Some(sent) = sent else {
        return serde_json::to_writer(&mut *out, &exchange.request);
    };
    let request = &exchange.request;
    let head = RequestHead {
        method: &request.method,
        url: &request.url,
        headers: &request.headers,
    };
    serde_json::to_writer(&mut *out, &head)?;
    // Reopen the object (compact JSON ends in its brace) for the body.
    out.pop();
    out.extend_from_slice(b",\"body\":");
    match sent.verbatim(&exchange.secret) {
        Some(wire) => out.extend_from_slice(wire),
        None => serde_json::to_writer(&mut *out, &sent.record(&exchange.secret))?,
    }
    out.push(b'}');
    Ok(())
}

impl BodyFacts {
    fn of(response: &Response) -> BodyFacts {
        BodyFacts {
            json: response.json.is_some(),
            bytes: response.body_bytes.len(),
            truncated: response.truncated,
        }
    }
}

impl ExchangeLine {
    /// The line for `exchange`, `at` after the recording started (what
    /// [`write_line`] writes).
    #[cfg(test)]
    pub fn of(exchange: &Exchange, at: Duration) -> ExchangeLine {
        let scrub = |text: &str| exchange.secret.scrub(text);
        let (response, body, error) = match &exchange.outcome {
            Ok(response) => (
                exchange.response_record(),
                Some(BodyFacts::of(response)),
                None,
            ),
            Err(error) => (None, None, Some(ErrorRecord::of(error, &scrub))),
        };
        ExchangeLine {
            at_us: at.as_micros() as u64,
            elapsed_us: exchange.elapsed.as_micros() as u64,
            request: exchange.request.clone(),
            response,
            body,
            error,
        }
    }

    /// The outcome to judge again: the recorded answer or error.
    pub fn outcome(&self) -> Result<Response, TransportError> {
        if let Some(error) = &self.error {
            return Err(error.rebuild());
        }
        let Some(record) = &self.response else {
            return Err(TransportError::Other {
                during: "before any answer",
                detail: "the recording holds neither an answer nor an error".into(),
            });
        };
        let facts = self.body.clone().unwrap_or(BodyFacts {
            json: !record.body.is_null(),
            bytes: 0,
            truncated: false,
        });
        let (body_bytes, json) = if facts.json {
            let mut value = record.body.clone();
            unmask_jwts(&mut value);
            (serde_json::to_vec(&value).unwrap_or_default(), Some(value))
        } else {
            match &record.body {
                Value::Null => (Vec::new(), None),
                Value::String(text) => (text.clone().into_bytes(), None),
                other => (other.to_string().into_bytes(), None),
            }
        };
        let mut headers = record.headers.clone();
        for value in headers.values_mut() {
            if value.contains("eyJ") {
                *value = value.replace(".***", &format!(".{MASKED_SIGNATURE}"));
            }
        }
        Ok(Response {
            status: record.status,
            headers,
            body_bytes,
            json,
            truncated: facts.truncated,
        })
    }

    pub fn elapsed(&self) -> Duration {
        Duration::from_micros(self.elapsed_us)
    }
}

/// Give every masked JWT signature a stand-in (see [`MASKED_SIGNATURE`]).
fn unmask_jwts(value: &mut Value) {
    match value {
        Value::String(text) if text.contains("eyJ") && text.contains(".***") => {
            *text = text.replace(".***", &format!(".{MASKED_SIGNATURE}"));
        }
        Value::Array(items) => items.iter_mut().for_each(unmask_jwts),
        Value::Object(map) => map.values_mut().for_each(unmask_jwts),
        _ => {}
    }
}

/// The two places a transport error can happen, as the client names them.
fn during(text: &str) -> &'static str {
    if text == "while reading the body" {
        "while reading the body"
    } else {
        "before any answer"
    }
}

impl ErrorRecord {
    fn of(error: &TransportError, scrub: &dyn Fn(&str) -> String) -> ErrorRecord {
        match error {
            TransportError::Timeout { after } => ErrorRecord::Timeout {
                after_ms: after.as_millis() as u64,
            },
            TransportError::Refused { addr } => ErrorRecord::Refused { addr: scrub(addr) },
            TransportError::Reset { during } => ErrorRecord::Reset {
                during: during.to_string(),
            },
            TransportError::Closed { during } => ErrorRecord::Closed {
                during: during.to_string(),
            },
            TransportError::NotHttp { detail } => ErrorRecord::NotHttp {
                detail: scrub(detail),
            },
            TransportError::InvalidRequest(detail) => ErrorRecord::InvalidRequest {
                detail: scrub(detail),
            },
            TransportError::Tls { detail } => ErrorRecord::Tls {
                detail: scrub(detail),
            },
            TransportError::Other { during, detail } => ErrorRecord::Other {
                during: during.to_string(),
                detail: scrub(detail),
            },
            TransportError::Stopped { reason } => ErrorRecord::Stopped {
                reason: scrub(reason),
            },
        }
    }

    fn rebuild(&self) -> TransportError {
        match self {
            ErrorRecord::Timeout { after_ms } => TransportError::Timeout {
                after: Duration::from_millis(*after_ms),
            },
            ErrorRecord::Refused { addr } => TransportError::Refused { addr: addr.clone() },
            ErrorRecord::Reset { during: d } => TransportError::Reset { during: during(d) },
            ErrorRecord::Closed { during: d } => TransportError::Closed { during: during(d) },
            ErrorRecord::NotHttp { detail } => TransportError::NotHttp {
                detail: detail.clone(),
            },
            ErrorRecord::InvalidRequest { detail } => {
                TransportError::InvalidRequest(detail.clone())
            }
            ErrorRecord::Tls { detail } => TransportError::Tls {
                detail: detail.clone(),
            },
            ErrorRecord::Other { during: d, detail } => TransportError::Other {
                during: during(d),
                detail: detail.clone(),
            },
            ErrorRecord::Stopped { reason } => TransportError::Stopped {
                reason: reason.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::client::{Body, Client, Request, Secret, TargetConfig};

    const TOKEN: &str = "s3cr3t/T0ken+xyz";
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    fn exchange(body: &[u8], truncated: bool) -> Exchange {
        let json = if truncated {
            None
        } else {
            crate::json_text::parse(body)
        };
        Exchange {
            request: RequestRecord {
                method: "POST".into(),
                url: "http://127.0.0.1:1/v2/app-registrations".into(),
                headers: BTreeMap::from([("authorization".into(), "Bearer ***".into())]),
                body: json!({"email": "a\u{1}b@example.test"}),
            },
            outcome: Ok(Response {
                status: 200,
                headers: BTreeMap::from([("content-type".into(), "application/json".into())]),
                body_bytes: body.to_vec(),
                json,
                truncated,
            }),
            curl: String::new(),
            elapsed: Duration::from_micros(1234),
            secret: Secret::new(Some(TOKEN)),
        }
    }

    fn written(exchange: &Exchange) -> Vec<u8> {
        written_with(exchange, None)
    }

    fn written_with(exchange: &Exchange, sent: Option<SentBody<'_>>) -> Vec<u8> {
        let mut out = Vec::new();
        write_line(exchange, sent, Duration::from_micros(99), &mut out).unwrap();
        assert_eq!(out.pop(), Some(b'\n'), "a line ends in a newline");
        assert!(!out.contains(&b'\n'), "a line is one line");
        out
    }

    fn copied(exchange: &Exchange) -> Vec<u8> {
        serde_json::to_vec(&ExchangeLine::of(exchange, Duration::from_micros(99))).unwrap()
    }

    #[test]
    fn a_compact_answer_with_nothing_to_redact_is_written_as_it_came() {
        let body = br#"{"data":{"email":"a\u0001b@example.test","n":1}}"#;
        let exchange = exchange(body, false);
        assert!(exchange.verbatim_response_body().is_some());
        let line = written(&exchange);
        // The same bytes as the copied line: the server wrote compact JSON.
        assert_eq!(
            String::from_utf8_lossy(&line),
            String::from_utf8_lossy(&copied(&exchange))
        );
    }

    #[test]
    fn an_answer_with_spacing_reads_back_as_the_same_line() {
        let exchange = exchange(b"  { \"data\" : [1, 2.5, \"x\"] }\n", false);
        let text = exchange.verbatim_response_body().unwrap();
        assert_eq!(&text[..], b"{ \"data\" : [1, 2.5, \"x\"] }");
        let back: ExchangeLine = serde_json::from_slice(&written(&exchange)).unwrap();
        assert_eq!(back, ExchangeLine::of(&exchange, Duration::from_micros(99)));
    }

    #[test]
    fn what_must_be_redacted_is_written_from_the_redacted_copy() {
        let bodies: Vec<Vec<u8>> = vec![
            // An issued token where the text alone cannot tell: behind an
            // escape, or in a key (which the value's masking leaves, so the
            // line must too).
            format!(r#"{{"token":"{JWT}","note":"a\"b"}}"#).into_bytes(),
            format!(r#"{{"{JWT}":1}}"#).into_bytes(),
            // The bearer token echoed, plain, JSON-escaped, and escaped
            // character by character.
            format!(r#"{{"echo":"{TOKEN}"}}"#).into_bytes(),
            br#"{"echo":"s3cr3t\/T0ken+xyz"}"#.to_vec(),
            br#"{"echo":"\u0073\u0033cr3t/T0ken+xyz"}"#.to_vec(),
            // The token as a key.
            format!(r#"{{"{TOKEN}":1}}"#).into_bytes(),
            // Line breaks inside: not one line as it came.
            b"{\n  \"a\": 1\n}".to_vec(),
            // A lone surrogate, which only the lenient parse reads.
            br#"{"a":"\ud800"}"#.to_vec(),
        ];
        for body in bodies {
            let exchange = exchange(&body, false);
            let shown = String::from_utf8_lossy(&body).into_owned();
            assert!(exchange.verbatim_response_body().is_none(), "{shown}");
            let line = written(&exchange);
            assert_eq!(line, copied(&exchange), "{shown}");
            let text = String::from_utf8_lossy(&line);
            assert!(!text.contains(TOKEN), "{text}");
            assert!(!text.contains("s3cr3t"), "{text}");
            if !shown.starts_with(r#"{"eyJ"#) {
                assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
            }
        }
    }

    #[test]
    fn issued_tokens_are_masked_in_the_text_as_in_the_value() {
        let bodies = [
            format!(r#"{{"data":{{"token":"{JWT}","id":"x"}}}}"#),
            format!(r#"{{"list":["Bearer {JWT}","{JWT}"],"n":1}}"#),
            // Not a whole token: left as it is, in the text and the value.
            r#"{"a":"eyJhbGci.eyJzdWIi","b":"xeyJ.y.z"}"#.to_string(),
        ];
        for body in bodies {
            let exchange = exchange(body.as_bytes(), false);
            assert!(exchange.verbatim_response_body().is_some(), "{body}");
            let line = written(&exchange);
            assert_eq!(
                String::from_utf8_lossy(&line),
                String::from_utf8_lossy(&copied(&exchange)),
                "{body}"
            );
            assert!(!String::from_utf8_lossy(&line).contains("c2lnbmF0dXJl"));
        }
    }

    #[test]
    fn cut_text_and_errors_are_written_as_the_copied_line() {
        for exchange in [
            exchange(b"{\"a\":", true),
            exchange(b"not json at all", false),
            exchange(b"", false),
        ] {
            assert!(exchange.verbatim_response_body().is_none());
            assert_eq!(written(&exchange), copied(&exchange));
        }
        let mut failed = exchange(b"", false);
        failed.outcome = Err(TransportError::Timeout {
            after: Duration::from_secs(3),
        });
        assert_eq!(written(&failed), copied(&failed));
    }

    #[test]
    fn a_request_body_from_the_wire_is_written_as_the_record_shows_it() {
        let bodies = [
            Body::Json(json!({"email": "a\u{1}b@example.test", "n": [1, 2.5]})),
            // Redacted: an issued token, the bearer token.
            Body::Json(json!({"token": JWT})),
            Body::Json(json!({"echo": TOKEN})),
            Body::Raw {
                bytes: b"{\"a\":1,\"a\":2}".to_vec(),
                content_type: None,
            },
            Body::Raw {
                bytes: vec![0xff, b'x'],
                content_type: None,
            },
            Body::None,
        ];
        let client = Client::new(TargetConfig::new(
            "http://127.0.0.1:1",
            Some(TOKEN.to_string()),
        ))
        .unwrap();
        for body in bodies {
            let mut full = exchange(b"{}", false);
            // What the client records of the request, as a full send has it.
            full.request =
                client.record(&Request::post("/v2/app-registrations").with_body(body.clone()));
            let wire = body.wire().map(|(bytes, _)| bytes).unwrap_or_default();
            let mut bare = full.clone();
            bare.request.body = Value::Null;
            let sent = SentBody {
                body: &body,
                wire: &wire,
            };
            let line = written_with(&bare, Some(sent));
            assert_eq!(line, copied(&full), "{body:?}");
            let text = String::from_utf8_lossy(&line);
            assert!(
                !text.contains("s3cr3t") && !text.contains("c2lnbmF0dXJl"),
                "{text}"
            );
        }
    }
}
