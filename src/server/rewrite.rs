//! One middleware around the faithful router that rewrites what it is sent
//! and what it answers. Mutants use it to break one documented behaviour,
//! twins to choose differently where the pages are silent; either way the
//! faithful logic itself never changes.

use std::collections::HashMap;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};

/// The request as a rewrite sees it.
pub struct Seen {
    pub method: Method,
    /// The path the faithful server is asked for (a request rewrite may
    /// change it).
    pub path: String,
    pub query: Option<String>,
    /// Whether the request carries the server's own token.
    pub authorized: bool,
    /// The JSON body, when it is JSON (a request rewrite may change it).
    pub body: Option<Value>,
    /// The JSON body as the client sent it.
    pub sent: Option<Value>,
}

/// The answer as a rewrite changes it.
pub struct Answer {
    pub status: u16,
    /// The faithful answer's headers, `Content-Type` and `Content-Length`
    /// apart (they follow from the fields below).
    pub headers: HeaderMap,
    pub body: Value,
    /// Send this text instead of `body` serialized.
    pub text: Option<String>,
    pub content_type: &'static str,
}

impl Answer {
    /// `data.appRegistration` of a current create answer.
    pub fn registration(&mut self) -> Option<&mut Map<String, Value>> {
        self.object_at("/data/appRegistration")
    }

    /// `data.informationValidation` of a current create answer.
    pub fn information_validation(&mut self) -> Option<&mut Map<String, Value>> {
        self.object_at("/data/informationValidation")
    }

    fn object_at(&mut self, pointer: &str) -> Option<&mut Map<String, Value>> {
        self.body
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
    }

    /// Answer `{message, code, status}` with `status` instead.
    pub fn refuse(&mut self, status: u16, message: &str, code: &str) {
        self.status = status;
        self.body = json!({"message": message, "code": code, "status": status});
    }
}

/// Per-server memory of a stateful rewrite.
#[derive(Default)]
pub struct Memory {
    /// Whatever the rewrite keeps by key (a token per contact, the first
    /// details of a registration, ...).
    pub notes: Mutex<HashMap<String, Value>>,
    pub counter: AtomicU32,
}

pub type RawRewrite = fn(&mut Vec<u8>);
pub type RequestRewrite = fn(&mut Seen);
pub type ResponseRewrite = fn(&Seen, &mut Answer, &Memory);

pub fn keep_raw(_: &mut Vec<u8>) {}
pub fn keep_request(_: &mut Seen) {}
pub fn keep_response(_: &Seen, _: &mut Answer, _: &Memory) {}

/// The three rewrites, in the order they run.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// The raw request body, before it is read as JSON.
    pub raw: RawRewrite,
    pub request: RequestRewrite,
    pub response: ResponseRewrite,
}

impl Hooks {
    pub const KEEP: Hooks = Hooks {
        raw: keep_raw,
        request: keep_request,
        response: keep_response,
    };
}

pub fn is_create(r: &Seen) -> bool {
    r.method == Method::POST && r.path == "/v2/app-registrations"
}

pub fn is_list(r: &Seen) -> bool {
    r.method == Method::GET && r.path == "/v2/app-registrations"
}

pub fn is_retrieve(r: &Seen) -> bool {
    r.method == Method::GET && r.path.starts_with("/v2/app-registrations/")
}

pub fn is_sync(r: &Seen) -> bool {
    r.method == Method::PUT && r.path.ends_with("/sync")
}

/// A field of the request body.
pub fn field<'a>(r: &'a Seen, name: &str) -> Option<&'a Value> {
    r.body.as_ref().and_then(|b| b.get(name))
}

struct Wrapped {
    hooks: Hooks,
    token: String,
    memory: Memory,
}

/// The faithful router with `hooks` applied around it. The rewrite runs
/// before routing (the faithful router is the fallback of an empty one), so
/// a rewritten path is routed as rewritten.
pub fn wrap(router: Router, hooks: Hooks, token: &str) -> Router {
    let wrapped = Arc::new(Wrapped {
        hooks,
        token: token.to_string(),
        memory: Memory::default(),
    });
    Router::new()
        .fallback_service(router)
        .layer(from_fn_with_state(wrapped, rewrite))
}

/// Bodies the faithful server would refuse as too large pass untouched.
const INSPECT_LIMIT: usize = 1024 * 1024;

async fn rewrite(State(wrapped): State<Arc<Wrapped>>, request: Request, next: Next) -> Response {
    let hooks = wrapped.hooks;
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, INSPECT_LIMIT).await else {
        let too_large =
            json!({"message": "request body too large", "code": "PayloadTooLarge", "status": 413});
        return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(too_large)).into_response();
    };
    let mut bytes = bytes.to_vec();
    (hooks.raw)(&mut bytes);
    let expected = format!("Bearer {}", wrapped.token);
    let mut seen = Seen {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        authorized: parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            == Some(expected.as_str()),
        body: serde_json::from_slice(&bytes).ok(),
        sent: None,
    };
    seen.sent = seen.body.clone();
    let before = seen.body.clone();
    let (was_authorized, path_before) = (seen.authorized, seen.path.clone());
    (hooks.request)(&mut seen);
    if seen.authorized && !was_authorized {
        if let Ok(value) = HeaderValue::from_str(&expected) {
            parts.headers.insert(header::AUTHORIZATION, value);
        }
    }
    if seen.path != path_before {
        let target = match &seen.query {
            Some(query) => format!("{}?{query}", seen.path),
            None => seen.path.clone(),
        };
        if let Ok(uri) = target.parse::<Uri>() {
            parts.uri = uri;
        }
    }
    if let (Some(body), true) = (&seen.body, seen.body != before) {
        if let Ok(rewritten) = serde_json::to_vec(body) {
            bytes = rewritten;
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let answer = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;

    let (mut parts, body) = answer.into_parts();
    let Ok(bytes) = to_bytes(body, INSPECT_LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "answer too large").into_response();
    };
    let mut headers = std::mem::take(&mut parts.headers);
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::CONTENT_TYPE);
    let mut answer = Answer {
        status: parts.status.as_u16(),
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: None,
        content_type: "application/json",
    };
    (hooks.response)(&seen, &mut answer, &wrapped.memory);
    parts.status = StatusCode::from_u16(answer.status).unwrap_or(parts.status);
    parts.headers = answer.headers;
    let text = answer.text.unwrap_or_else(|| answer.body.to_string());
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    Response::from_parts(parts, Body::from(text))
}
