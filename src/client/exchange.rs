//! What travels to and from the target: its configuration, requests, responses
//! and the exchange that pairs them, with the secret they are redacted by.

use super::redact;
use super::Breaker;
use crate::check::{RequestRecord, ResponseRecord};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Default total time one request may take, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body (1 MiB).
pub const DEFAULT_BODY_CAP: usize = 1024 * 1024;
/// Redirects followed within the target's origin before the 3xx is returned.
pub const MAX_REDIRECTS: usize = 5;

/// Where the server under test is and how to talk to it.
#[derive(Clone)]
pub struct TargetConfig {
    /// `http://host:port` with an optional path prefix; no trailing slash needed.
    pub base_url: String,
    /// The bearer token sent with [`Auth::Target`]; never shown anywhere.
    pub token: Option<String>,
    /// Total time for one request: connect, send, and read the whole body.
    pub timeout: Duration,
    /// Bytes of a response body read at most; the rest is dropped.
    pub body_cap: usize,
    /// PEM files of extra certificate authorities to trust for `https://`
    /// targets (besides the system's).
    pub ca_certs: Vec<std::path::PathBuf>,
    /// When the run stops sending (see [`Breaker`]).
    pub breaker: Breaker,
    /// Where every exchange goes as it happens (a bundle's recording).
    pub sink: Option<Arc<dyn ExchangeSink>>,
    /// Answers every request from a recording instead of the network.
    pub answers: Option<Arc<dyn AnswerSource>>,
}

/// Takes every exchange of a run as it happens, e.g. to write it to disk.
pub trait ExchangeSink: Send + Sync {
    /// `sent` is the request body as sent when the exchange's request
    /// record leaves it out (a bare send, whose caller needs no record:
    /// the sink then makes the body's record itself, and only if it must).
    fn record(&self, exchange: &Exchange, sent: Option<SentBody<'_>>);
}

/// A request body as the caller gave it and as it went on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SentBody<'a> {
    pub body: &'a Body,
    pub wire: &'a [u8],
}

impl SentBody<'_> {
    /// The body as a request record shows it (what [`Client::record`]
    /// puts in `body`), redacted.
    ///
    /// [`Client::record`]: super::Client::record
    pub fn record(&self, secret: &Secret) -> Value {
        redact::request_body_value(self.body, secret)
    }

    /// The wire bytes, when they can stand for [`SentBody::record`] as
    /// they are: a JSON body in which there is nothing to redact (its
    /// compact serialization is the record's, byte for byte).
    pub fn verbatim(&self, secret: &Secret) -> Option<&[u8]> {
        let Body::Json(_) = self.body else {
            return None;
        };
        (!redact::may_redact(self.wire, secret)).then_some(self.wire)
    }
}

/// Answers requests from a recording: the client then sends nothing and
/// every outcome is the recorded one, so the judging code runs unchanged.
pub trait AnswerSource: Send + Sync {
    /// The recorded outcome of the request this record describes, and how
    /// long it took; `None` when the recording holds no answer to it.
    fn answer(
        &self,
        request: &RequestRecord,
    ) -> Option<(Result<Response, TransportError>, Duration)>;
}

impl TargetConfig {
    /// A config with the default limits (10 s, 1 MiB).
    pub fn new(base_url: impl Into<String>, token: Option<String>) -> Self {
        TargetConfig {
            base_url: base_url.into(),
            token,
            timeout: DEFAULT_TIMEOUT,
            body_cap: DEFAULT_BODY_CAP,
            ca_certs: Vec::new(),
            breaker: Breaker::default(),
            sink: None,
            answers: None,
        }
    }

    pub fn with_sink(mut self, sink: Arc<dyn ExchangeSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    pub fn with_answers(mut self, answers: Arc<dyn AnswerSource>) -> Self {
        self.answers = Some(answers);
        self
    }

    pub fn with_breaker(mut self, breaker: Breaker) -> Self {
        self.breaker = breaker;
        self
    }

    pub fn with_ca_certs(mut self, ca_certs: Vec<std::path::PathBuf>) -> Self {
        self.ca_certs = ca_certs;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_body_cap(mut self, body_cap: usize) -> Self {
        self.body_cap = body_cap;
        self
    }
}

impl fmt::Debug for TargetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("body_cap", &self.body_cap)
            .field("recorded", &self.sink.is_some())
            .field("replayed", &self.answers.is_some())
            .finish()
    }
}

/// A problem with the target configuration, or a target that cannot be
/// reached at all: a harness error (exit code 3 or 2), not a check result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("bad target URL `{url}`: {reason}; pass --target http://HOST:PORT")]
    BadUrl { url: String, reason: String },
    #[error("cannot use CA certificate file {path}: {reason}; pass a PEM file to --ca-cert")]
    CaCert { path: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
    #[error(
        "cannot reach the target at {url}: {reason}; start the server or fix --target \
         (and --timeout if it is just slow)"
    )]
    Unreachable { url: String, reason: String },
    #[error("cannot connect securely to the target at {url}: {reason}")]
    Handshake { url: String, reason: String },
    #[error(
        "the target refused the token: HTTP {status} to GET /v2/app-registrations at {url}; \
         check VERIFIK_TOKEN (or --token) and that it is valid for this target"
    )]
    TokenRefused { url: String, status: u16 },
}

/// Something other than an HTTP answer came back: the request could not be
/// completed. Each message is one line and says what happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("timed out after {} ms with no complete answer", .after.as_millis())]
    Timeout { after: Duration },
    #[error("connection refused by {addr}: nothing listens there")]
    Refused { addr: String },
    #[error("connection reset by the server {during}")]
    Reset { during: &'static str },
    #[error("connection closed by the server {during}")]
    Closed { during: &'static str },
    #[error("the answer is not HTTP: {detail}")]
    NotHttp { detail: String },
    #[error("request not sent: {0}")]
    InvalidRequest(String),
    /// `detail` ends with what to do (see `--ca-cert`).
    #[error("TLS handshake failed: {detail}")]
    Tls { detail: String },
    #[error("transport error {during}: {detail}")]
    Other {
        during: &'static str,
        detail: String,
    },
    #[error("not sent: the run stopped: {reason}")]
    Stopped { reason: String },
}

impl TransportError {
    /// The target failed to answer (as opposed to a request this side
    /// could not make, or a run that already stopped).
    pub fn is_target_failure(&self) -> bool {
        !matches!(
            self,
            TransportError::InvalidRequest(_) | TransportError::Stopped { .. }
        )
    }
}

/// The `Authorization` header of a request.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Auth {
    /// `Authorization: Bearer <configured token>` (nothing when no token is configured).
    #[default]
    Target,
    /// No `Authorization` header.
    None,
    /// A literal header value such as `Bearer wrong`; still redacted in records.
    Raw(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Target => f.write_str("Target"),
            Auth::None => f.write_str("None"),
            Auth::Raw(value) => f
                .debug_tuple("Raw")
                .field(&redact::authorization_value(value))
                .finish(),
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body {
    #[default]
    None,
    /// Serialized compactly, sent with `Content-Type: application/json`.
    Json(Value),
    /// Exact bytes, e.g. malformed JSON or invalid UTF-8.
    Raw {
        bytes: Vec<u8>,
        content_type: Option<String>,
    },
}

impl Body {
    /// The bytes on the wire and the content type sent with them.
    pub fn wire(&self) -> Option<(Vec<u8>, Option<String>)> {
        match self {
            Body::None => None,
            Body::Json(value) => Some((
                serde_json::to_vec(value).unwrap_or_default(),
                Some("application/json".into()),
            )),
            Body::Raw {
                bytes,
                content_type,
            } => Some((bytes.clone(), content_type.clone())),
        }
    }
}

/// One request to the target, relative to its base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: reqwest::Method,
    /// `/v2/app-registrations`, possibly with a query string.
    pub path: String,
    pub auth: Auth,
    pub body: Body,
    /// Extra headers, sent after Content-Type and Authorization.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn new(method: reqwest::Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            auth: Auth::Target,
            body: Body::None,
            headers: Vec::new(),
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Request::new(reqwest::Method::GET, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Request::new(reqwest::Method::POST, path)
    }

    pub fn post_json(path: impl Into<String>, body: Value) -> Self {
        Request::post(path).with_body(Body::Json(body))
    }

    pub fn put(path: impl Into<String>) -> Self {
        Request::new(reqwest::Method::PUT, path)
    }

    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// An HTTP answer, as received (not redacted: checks judge the real thing;
/// reports use [`Exchange::response_record`]). Its `Debug` masks JWTs and
/// credential headers but cannot know the configured token: log the
/// [`Exchange`] instead.
#[derive(Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Lower-case names; repeated headers joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// At most `body_cap` bytes.
    pub body_bytes: Vec<u8>,
    /// The body parsed as JSON, when it is complete and JSON.
    pub json: Option<Value>,
    /// The body was longer than the cap and was cut there.
    pub truncated: bool,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let record = redact::response_record(self, &Secret::none());
        f.debug_struct("Response")
            .field("status", &record.status)
            .field("headers", &record.headers)
            .field("body", &record.body)
            .field("body_len", &self.body_bytes.len())
            .field("truncated", &self.truncated)
            .finish()
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A secret to scrub from records: the configured token, with the forms a
/// target may echo it in (percent-encoded, JSON-escaped). Its `Debug` never
/// shows it.
#[derive(Clone, Default)]
pub struct Secret(Option<Arc<Forms>>);

/// The forms of a secret, each with its searcher, built once.
struct Forms {
    texts: Vec<String>,
    finders: Vec<memchr::memmem::Finder<'static>>,
}

impl Secret {
    pub fn none() -> Self {
        Secret(None)
    }

    /// The secret `token` (none when empty).
    pub fn new(token: Option<&str>) -> Self {
        Secret(token.filter(|t| !t.is_empty()).map(|t| {
            let texts = redact::echo_forms(t);
            let finders = texts
                .iter()
                .map(|form| memchr::memmem::Finder::new(form.as_bytes()).into_owned())
                .collect();
            Arc::new(Forms { texts, finders })
        }))
    }

    /// `text` with every occurrence of the secret, in any of its forms,
    /// replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        match &self.0 {
            Some(forms) if self.appears_in(text) => redact::scrub_forms(text, &forms.texts),
            _ => text.to_string(),
        }
    }

    /// Whether `text` holds the secret in any of its forms.
    pub fn appears_in(&self, text: &str) -> bool {
        self.appears_in_bytes(text.as_bytes())
    }

    /// Whether `bytes` hold the secret in any of its forms.
    pub fn appears_in_bytes(&self, bytes: &[u8]) -> bool {
        self.0.as_ref().is_some_and(|forms| {
            forms
                .finders
                .iter()
                .any(|finder| finder.find(bytes).is_some())
        })
    }

    /// Scrub every string of `value`, object keys included.
    pub fn scrub_value(&self, value: &mut Value) {
        if self.0.is_some() {
            redact::scrub_value(value, self);
        }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "***" } else { "none" })
    }
}

/// One request and what came of it.
#[derive(Clone)]
pub struct Exchange {
    /// The request as sent, redacted.
    pub request: RequestRecord,
    pub outcome: Result<Response, TransportError>,
    /// A shell line that reproduces the request, redacted.
    pub curl: String,
    pub elapsed: Duration,
    /// The configured token, scrubbed from the response record should the
    /// target echo it.
    pub secret: Secret,
}

impl fmt::Debug for Exchange {
    /// Redacted like the records: a `{:?}` in a log or a panic message must
    /// not leak the token, even one the target echoed back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Exchange");
        out.field("request", &self.request);
        match &self.outcome {
            Ok(response) => out.field("response", &redact::response_record(response, &self.secret)),
            Err(error) => out.field("error", error),
        };
        out.field("truncated", &self.response().is_some_and(|r| r.truncated))
            .field("curl", &self.curl)
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

impl Exchange {
    /// The response as it goes into reports: issued JWTs have their
    /// signature replaced by `***`, the configured token never appears, and
    /// non-JSON bodies are shortened. `None` after a transport error.
    pub fn response_record(&self) -> Option<ResponseRecord> {
        let response = self.outcome.as_ref().ok()?;
        Some(redact::response_record(response, &self.secret))
    }

    /// The response headers as records show them, to serialize (as the
    /// headers of [`Exchange::response_record`] would be); none after a
    /// transport error.
    pub fn shown_response_headers(&self) -> Option<impl serde::Serialize + '_> {
        let response = self.outcome.as_ref().ok()?;
        Some(redact::ShownHeaders {
            response,
            secret: &self.secret,
        })
    }

    /// The response body's own text, when a record may show it as it came
    /// (with issued tokens masked) instead of [`Exchange::response_record`]'s
    /// body: complete JSON on one line with no secret in it.
    pub fn verbatim_response_body(&self) -> Option<Cow<'_, [u8]>> {
        redact::verbatim_body(self.outcome.as_ref().ok()?, &self.secret)
    }

    /// The body of [`Exchange::response_record`], copied only when
    /// something in it must be redacted; `null` after a transport error.
    pub fn response_body_record(&self) -> Cow<'_, Value> {
        match &self.outcome {
            Ok(response) => redact::response_body(response, &self.secret),
            Err(_) => Cow::Owned(Value::Null),
        }
    }

    pub fn response(&self) -> Option<&Response> {
        self.outcome.as_ref().ok()
    }

    /// What went wrong below the HTTP contract, in one line: a transport
    /// error, or a body cut at the cap. `None` for a complete HTTP answer.
    pub fn problem(&self) -> Option<String> {
        match &self.outcome {
            Err(error) => Some(error.to_string()),
            Ok(response) if response.truncated => Some(format!(
                "response body exceeds the {}-byte cap; reading stopped there",
                response.body_bytes.len()
            )),
            Ok(_) => None,
        }
    }
}

/// Install the process-wide TLS crypto provider (rustls with ring). reqwest
/// is built without a default provider, and every reqwest client, even one
/// for plain `http://`, needs one when it is built: call this first wherever
/// a reqwest client is made outside [`Client::new`] (which calls it). A
/// second call does nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
