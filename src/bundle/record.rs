//! One line of `exchanges.jsonl`: a request and what came of it, redacted
//! exactly as the reports show them, with its timing; and the way back from
//! such a line to an outcome the judging code can read.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::{RequestRecord, ResponseRecord};
use crate::client::{Exchange, Response, TransportError};

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

impl ExchangeLine {
    /// The line for `exchange`, `at` after the recording started.
    pub fn of(exchange: &Exchange, at: Duration) -> ExchangeLine {
        let scrub = |text: &str| exchange.secret.scrub(text);
        let (response, body, error) = match &exchange.outcome {
            Ok(response) => (
                exchange.response_record(),
                Some(BodyFacts {
                    json: response.json.is_some(),
                    bytes: response.body_bytes.len(),
                    truncated: response.truncated,
                }),
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
