//! [`Client`]: sends [`Request`]s to the target within the configured
//! limits and turns every outcome into an [`Exchange`].

use std::collections::BTreeMap;
use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::{Attempt, Policy};
use reqwest::Url;
use serde_json::Value;

use super::curl::{curl_line, CurlHeader};
use super::redact::{self, header_value};
use super::{
    AnswerSource, Auth, Breaker, Exchange, ExchangeSink, Request, Response, Secret, SentBody,
    TargetConfig, TargetError, TransportError, MAX_REDIRECTS,
};
use crate::check::RequestRecord;

/// The HTTP client to the target. Cheap to clone: clones share one
/// connection pool, so keep-alive connections are reused across tasks.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Normalized: no trailing slash.
    base_url: String,
    /// `host:port`, for messages.
    authority: String,
    token: Option<HeaderValue>,
    secret: Secret,
    timeout: Duration,
    body_cap: usize,
    breaker: Breaker,
    sink: Option<Arc<dyn ExchangeSink>>,
    answers: Option<Arc<dyn AnswerSource>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("body_cap", &self.body_cap)
            .finish()
    }
}

/// The origin redirects may stay within.
#[derive(Clone)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &Url) -> Origin {
        Origin {
            scheme: url.scheme().to_string(),
            host: url.host_str().unwrap_or_default().to_string(),
            port: url.port_or_known_default(),
        }
    }

    fn contains(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == self.port
    }
}

impl Client {
    pub fn new(config: TargetConfig) -> Result<Client, TargetError> {
        let url = parse_base_url(&config.base_url)?;
        if config.timeout.is_zero() {
            return Err(TargetError::Build(
                "the request timeout is 0; give --timeout a positive value".into(),
            ));
        }
        if config.body_cap == 0 {
            return Err(TargetError::Build(
                "the response body cap is 0; give it a positive value".into(),
            ));
        }
        let token = match config.token.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(token) => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                        TargetError::Build(
                            "the token holds characters an HTTP header cannot carry; check --token"
                                .into(),
                        )
                    })?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let origin = Origin::of(&url);
        let authority = format!(
            "{}:{}",
            origin.host,
            origin.port.map(|p| p.to_string()).unwrap_or_default()
        );
        let policy = Policy::custom(move |attempt: Attempt| {
            // The token must reach no one but the target: a redirect to
            // another origin is returned as the answer, not followed.
            if attempt.previous().len() > MAX_REDIRECTS || !origin.contains(attempt.url()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        super::install_tls_provider();
        let mut builder = reqwest::Client::builder();
        for path in &config.ca_certs {
            for cert in read_ca_bundle(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .no_proxy()
            .redirect(policy)
            .referer(false)
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("verifik-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TargetError::Build(error_chain(&e)))?;
        Ok(Client {
            http,
            base_url: url.as_str().trim_end_matches('/').to_string(),
            authority,
            token,
            secret: Secret::new(config.token.as_deref()),
            timeout: config.timeout,
            body_cap: config.body_cap,
            breaker: config.breaker,
            sink: config.sink,
            answers: config.answers,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn body_cap(&self) -> usize {
        self.body_cap
    }

    /// `text` with the configured token replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        self.secret.scrub(text)
    }

    /// The configured token, as the reports scrub it.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Why the run stopped sending (see [`Breaker`]), once it has.
    pub fn stopped(&self) -> Option<&str> {
        self.breaker.stopped()
    }

    /// Is anything answering HTTP at the base URL, and does it take the
    /// token? One documented valid request: a GET of
    /// `/v2/app-registrations` with the token.
    pub async fn preflight(&self) -> Result<(), TargetError> {
        // Only a connection that cannot be made means "unreachable". A target
        // that accepts the connection and then hangs, resets, or answers
        // garbage is reachable but broken: the suite runs, and the checks
        // that meet the breakage end in error with its reason (the breaker
        // stops the run if nothing answers at all).
        let exchange = self.send(Request::get("/v2/app-registrations")).await;
        match exchange.outcome {
            // The handshake error carries its own advice (--ca-cert).
            Err(error @ TransportError::Tls { .. }) => Err(TargetError::Handshake {
                url: self.base_url.clone(),
                reason: error.to_string(),
            }),
            Err(
                error @ (TransportError::Refused { .. }
                | TransportError::Other { .. }
                | TransportError::InvalidRequest(_)),
            ) => Err(TargetError::Unreachable {
                url: self.base_url.clone(),
                reason: error.to_string(),
            }),
            // A refused token would otherwise read as dozens of failures
            // that blame the server.
            Ok(response) if self.token.is_some() && matches!(response.status, 401 | 403) => {
                Err(TargetError::TokenRefused {
                    url: self.base_url.clone(),
                    status: response.status,
                })
            }
            _ => Ok(()),
        }
    }

    /// Send one request. Never fails and never waits longer than the
    /// timeout: what went wrong is in `outcome`.
    pub async fn send(&self, request: Request) -> Exchange {
        self.send_with(&request, true).await
    }

    /// [`Client::send`] without the curl line and the request record (both
    /// left empty: `request` has only its method), for callers that show
    /// few of their exchanges: [`Client::curl`] and [`Client::record`] make
    /// them later, the same as `send` would have.
    pub async fn send_bare(&self, request: &Request) -> Exchange {
        self.send_with(request, false).await
    }

    /// The redacted shell line that reproduces `request`, as
    /// [`Client::send`] puts it in the exchange.
    pub fn curl(&self, request: &Request) -> String {
        let url = join_url(&self.base_url, &request.path);
        let body = request.body.wire();
        let headers = self.headers(request, &body);
        self.secret.scrub(&curl_line(
            request.method.as_str(),
            &url,
            &headers.for_curl,
            body.as_ref().map(|(bytes, _)| bytes.as_slice()),
        ))
    }

    /// The redacted record of `request`, as [`Client::send`] puts it in the
    /// exchange.
    pub fn record(&self, request: &Request) -> RequestRecord {
        let url = join_url(&self.base_url, &request.path);
        let body = request.body.wire();
        let headers = self.headers(request, &body);
        self.request_record(request, &url, &headers.shown)
    }

    fn request_record(
        &self,
        request: &Request,
        url: &str,
        shown: &[(String, String)],
    ) -> RequestRecord {
        RequestRecord {
            body: redact::request_body_value(&request.body, &self.secret),
            ..self.request_head(request, url, shown)
        }
    }

    /// [`Client::request_record`] but for the body, left `null`.
    fn request_head(
        &self,
        request: &Request,
        url: &str,
        shown: &[(String, String)],
    ) -> RequestRecord {
        RequestRecord {
            method: request.method.as_str().to_string(),
            url: self.secret.scrub(url),
            headers: shown
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                .collect(),
            body: Value::Null,
        }
    }

    async fn send_with(&self, request: &Request, full: bool) -> Exchange {
        let url = join_url(&self.base_url, &request.path);
        let method = request.method.as_str().to_string();
        let body = request.body.wire();
        let Headers {
            sent,
            shown,
            for_curl,
            invalid,
        } = self.headers(request, &body);
        // A replay matches on the whole record, and a full send shows it. A
        // recording of a bare send needs all of it but the body, which the
        // sink takes from the bytes sent (see `SentBody`), redacting it only
        // if it must. The curl line only where the caller shows it.
        let sink_takes_body = !full && self.answers.is_none() && self.sink.is_some();
        let record = if full || self.answers.is_some() {
            self.request_record(request, &url, &shown)
        } else if sink_takes_body {
            self.request_head(request, &url, &shown)
        } else {
            RequestRecord {
                method: method.clone(),
                url: String::new(),
                headers: Default::default(),
                body: Value::Null,
            }
        };
        let curl = if full {
            self.secret.scrub(&curl_line(
                &method,
                &url,
                &for_curl,
                body.as_ref().map(|(bytes, _)| bytes.as_slice()),
            ))
        } else {
            String::new()
        };

        // Shared, not copied, with the sink that records it.
        let body = body.map(|(bytes, _)| Bytes::from(bytes));
        let sent_wire = match &body {
            Some(bytes) if sink_takes_body => bytes.clone(),
            _ => Bytes::new(),
        };

        let started = Instant::now();
        let mut elapsed = None;
        let outcome = match (invalid, self.breaker.admit(self.timeout)) {
            (Some(reason), _) => Err(TransportError::InvalidRequest(self.secret.scrub(&reason))),
            (None, Err(stopped)) => Err(stopped),
            (None, Ok(_)) if self.answers.is_some() => {
                let recorded = self.answers.as_ref().and_then(|a| a.answer(&record));
                let outcome = match recorded {
                    Some((outcome, took)) => {
                        elapsed = Some(took);
                        outcome
                    }
                    None => Err(TransportError::Other {
                        during: "before any answer",
                        detail: "the recording holds no answer to this request".into(),
                    }),
                };
                self.breaker.record(&outcome);
                outcome
            }
            (None, Ok(allowed)) => {
                let work = self.execute(request.method.clone(), &url, sent, body);
                let outcome = match tokio::time::timeout(allowed, work).await {
                    Ok(outcome) => outcome,
                    // Cut short by --max-duration, not by the target.
                    Err(_) if self.breaker.past_deadline() => Err(self.breaker.time_up()),
                    Err(_) => Err(TransportError::Timeout {
                        after: self.timeout,
                    }),
                };
                self.breaker.record(&outcome);
                outcome
            }
        };
        let exchange = Exchange {
            request: record,
            outcome,
            curl,
            elapsed: elapsed.unwrap_or_else(|| started.elapsed()),
            secret: self.secret.clone(),
        };
        if let Some(sink) = &self.sink {
            let sent = sink_takes_body.then_some(SentBody {
                body: &request.body,
                wire: &sent_wire,
            });
            sink.record(&exchange, sent);
        }
        exchange
    }

    /// The headers of `request` as sent, as records show them, and as the
    /// curl line writes them (with `body`, its wire form).
    fn headers(&self, request: &Request, body: &Option<(Vec<u8>, Option<String>)>) -> Headers {
        // The headers as sent (name, value), as records show them (name,
        // redacted value), and as the curl line writes them.
        let mut sent: Vec<(String, HeaderValue)> = Vec::new();
        let mut shown: Vec<(String, String)> = Vec::new();
        let mut for_curl: Vec<CurlHeader> = Vec::new();
        let mut invalid: Option<String> = None;
        let mut add = |name: &str,
                       value: Result<HeaderValue, String>,
                       shown_value: String,
                       curl: CurlHeader| match value {
            Ok(value) => {
                sent.push((name.to_string(), value));
                shown.push((name.to_string(), shown_value));
                for_curl.push(curl);
            }
            Err(e) => {
                invalid.get_or_insert(e);
            }
        };
        let literal = |name: &str, value: &str| CurlHeader::Literal(name.into(), value.into());
        if let Some((_, Some(content_type))) = &body {
            add(
                "Content-Type",
                header(content_type, "Content-Type"),
                content_type.clone(),
                literal("Content-Type", content_type),
            );
        }
        match &request.auth {
            Auth::Target => {
                if let Some(token) = &self.token {
                    add(
                        "Authorization",
                        Ok(token.clone()),
                        "Bearer ***".into(),
                        CurlHeader::BearerFromEnv,
                    );
                }
            }
            Auth::None => {}
            // A made-up credential (a wrong token) is no secret: the curl
            // line needs it to reproduce the refusal.
            Auth::Raw(value) => add(
                "Authorization",
                header(value, "Authorization"),
                redact::authorization_value(value),
                literal("Authorization", value),
            ),
        }
        for (name, value) in &request.headers {
            add(
                name,
                header(value, name),
                header_value(name, value, &self.secret),
                if redact::is_sensitive_header(name) {
                    literal(name, &header_value(name, value, &self.secret))
                } else {
                    literal(name, value)
                },
            );
        }

        Headers {
            sent,
            shown,
            for_curl,
            invalid,
        }
    }

    async fn execute(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: Vec<(String, HeaderValue)>,
        body: Option<Bytes>,
    ) -> Result<Response, TransportError> {
        let url = Url::parse(url).map_err(|e| {
            TransportError::InvalidRequest(format!("URL {}: {e}", self.secret.scrub(url)))
        })?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                TransportError::InvalidRequest(format!("`{name}` is not a valid header name"))
            })?;
            map.append(name, value);
        }
        let mut builder = self.http.request(method, url).headers(map);
        if let Some(bytes) = body {
            builder = builder.body(bytes);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| self.classify(&e, "before any answer"))?;

        let status = response.status().as_u16();
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in response.headers() {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_string())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }

        let mut body_bytes: Vec<u8> = Vec::new();
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.body_cap - body_bytes.len();
                    if chunk.len() > room {
                        // Stop here: dropping the response closes the
                        // connection instead of draining an endless body.
                        body_bytes.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body_bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(self.classify(&e, "while reading the body")),
            }
        }
        let json = if truncated || body_bytes.is_empty() {
            None
        } else {
            crate::json_text::parse(&body_bytes)
        };
        Ok(Response {
            status,
            headers,
            body_bytes,
            json,
            truncated,
        })
    }

    /// One clear line for what went wrong below HTTP.
    fn classify(&self, error: &reqwest::Error, during: &'static str) -> TransportError {
        if error.is_timeout() {
            return TransportError::Timeout {
                after: self.timeout,
            };
        }
        let mut source = error.source();
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind::*;
                match io.kind() {
                    ConnectionRefused => {
                        return TransportError::Refused {
                            addr: self.authority.clone(),
                        }
                    }
                    ConnectionReset | ConnectionAborted | BrokenPipe => {
                        return TransportError::Reset { during }
                    }
                    UnexpectedEof => return TransportError::Closed { during },
                    TimedOut => {
                        return TransportError::Timeout {
                            after: self.timeout,
                        }
                    }
                    _ => {}
                }
            }
            source = cause.source();
        }
        let chain = self.secret.scrub(&error_chain(error));
        let innermost = chain.rsplit(": ").next().unwrap_or(&chain).to_string();
        // hyper's errors are not a dependency of ours; their texts are stable.
        // So are rustls's, which reach here wrapped beyond a downcast.
        let tls_words = ["peer certificate", "certificate", "handshake", "TLS"];
        if let Some(at) = tls_words.iter().find_map(|w| chain.find(w)) {
            let start = chain[..at].rfind(": ").map_or(0, |i| i + 2);
            TransportError::Tls {
                detail: tls_advice(&chain[start..]),
            }
        } else if chain.contains("connection closed before message completed") {
            TransportError::Closed { during }
        } else if chain.contains("invalid HTTP")
            || chain.contains("parse")
            || chain.contains("message head is too large")
        {
            TransportError::NotHttp { detail: innermost }
        } else {
            TransportError::Other {
                during,
                detail: chain,
            }
        }
    }
}

/// A TLS failure in words, with what to do about it.
fn tls_advice(detail: &str) -> String {
    if detail.contains("CaUsedAsEndEntity") {
        format!(
            "the target presents a CA certificate as its own, typically a self-signed one \
             ({detail}), which is refused even when trusted: give the server a certificate \
             issued by that CA and pass the CA with --ca-cert FILE"
        )
    } else if detail.contains("UnknownIssuer") {
        format!(
            "the target's certificate is self-signed or issued by a CA this machine does not \
             trust ({detail}): pass that certificate, or the CA that issued it, with --ca-cert FILE"
        )
    } else {
        format!("{detail} (a certificate from a private CA is trusted with --ca-cert FILE)")
    }
}

/// The causes of an error, innermost last, without reqwest's own wrapper
/// line (which repeats the URL).
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

fn header(value: &str, name: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(value).map_err(|_| {
        format!("the value of header `{name}` holds characters an HTTP header cannot carry")
    })
}

/// The largest `--ca-cert` file read (a system bundle of every public CA is
/// about 200 KiB).
pub const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// The certificates of a PEM bundle, or why they cannot be used.
fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, TargetError> {
    let bad = |reason: String| TargetError::CaCert {
        path: path.display().to_string(),
        reason,
    };
    let pem = crate::input_file::read(path, MAX_CA_FILE_BYTES).map_err(|e| bad(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(error_chain(&e)))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// Whether `raw` is a base URL the client accepts (http or https, a host,
/// no credentials, query or fragment).
pub fn check_base_url(raw: &str) -> Result<(), TargetError> {
    parse_base_url(raw).map(|_| ())
}

fn parse_base_url(raw: &str) -> Result<Url, TargetError> {
    let bad = |reason: &str| TargetError::BadUrl {
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(bad(&format!("scheme `{other}` is not http or https"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "credentials in the URL are not supported (use --token)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL takes no query or fragment"));
    }
    Ok(url)
}

fn join_url(base: &str, path: &str) -> String {
    if path.is_empty() || path.starts_with('/') || path.starts_with('?') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// A request's headers, three ways (see [`Client::send`]), and the first
/// one that cannot be sent.
struct Headers {
    sent: Vec<(String, HeaderValue)>,
    shown: Vec<(String, String)>,
    for_curl: Vec<CurlHeader>,
    invalid: Option<String>,
}
