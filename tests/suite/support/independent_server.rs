//! An independent implementation of the App Registrations API, written from
//! the English documentation page alone (it shares no code with the crate's
//! reference server). Where the page is silent it makes its own choices, some
//! of them switched by [`Choices`], so tests can check that the suite judges
//! the documented contract and not the reference server's habits.
//! `broken_contact_message` breaks the contract on purpose.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use regex::{Captures, Regex};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// Choices the documentation leaves open (all off by default).
#[derive(Clone, Copy, Debug, Default)]
pub struct Choices {
    /// Leave unsent contact fields and null names out instead of `null`.
    pub omit_unsent: bool,
    /// A blank string (`""`, `" "`) counts as a sent value.
    pub blank_is_value: bool,
    /// Accept `\ud800`-style lone surrogate escapes and echo them back.
    pub echo_lone_surrogates: bool,
    /// Word the documented contact-required message differently (a bug).
    pub broken_contact_message: bool,
}

/// A running server; dropping it stops it.
pub struct Independent {
    url: String,
    task: JoinHandle<()>,
}

impl Independent {
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Independent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start(choices: Choices, token: &str, blocked_domain: &str) -> Independent {
    let (token, blocked) = (token.to_string(), blocked_domain.to_ascii_lowercase());
    let (client, store) = (hex_id(), Mutex::new(Vec::new()));
    let app = Arc::new(App {
        choices,
        token,
        blocked,
        client,
        store,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let router = Router::new().fallback(handle).with_state(app);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Independent { url, task }
}

struct App {
    choices: Choices,
    token: String,
    blocked: String,
    client: String,
    store: Mutex<Vec<Registration>>,
}

#[derive(Clone)]
struct Registration {
    id: String,
    info_id: String,
    created_ms: i64,
    updated_ms: i64,
    fields: Fields,
}

/// The documented body fields that were sent, by name.
type Fields = HashMap<&'static str, String>;

/// The documented body fields, in the order they are checked for their type.
const FIELDS: &str =
    "project projectFlow email phone countryCode fullName firstName lastName language";

type Refusal = (StatusCode, &'static str, &'static str);

const NOT_FOUND: Refusal = (StatusCode::NOT_FOUND, "not found", "NotFound");

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (path, method) = (request.uri().path().to_string(), request.method().clone());
    let query = request.uri().query().unwrap_or("").to_string();
    let Some(rest) = path.strip_prefix("/v2/app-registrations") else {
        return app.error(NOT_FOUND);
    };
    let (allowed, id) = match rest.split('/').skip(1).collect::<Vec<_>>().as_slice() {
        [] => ("GET, POST", None),
        [id] if !id.is_empty() => ("GET", Some(id.to_string())),
        [id, "sync"] if !id.is_empty() => ("PUT", Some(id.to_string())),
        _ => return app.error(NOT_FOUND),
    };
    if !allowed.split(", ").any(|m| m == method.as_str()) {
        let refusal = (
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
            "MethodNotAllowed",
        );
        return with_header(app.error(refusal), header::ALLOW, allowed);
    }
    if !app.authorized(request.headers().get(header::AUTHORIZATION)) {
        let refusal = (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized");
        return with_header(app.error(refusal), header::WWW_AUTHENTICATE, "Bearer");
    }
    match (method, id) {
        (Method::POST, _) => match to_bytes(request.into_body(), 1 << 20).await {
            Ok(body) => app.create(&body),
            Err(_) => app.error((
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large",
                "PayloadTooLarge",
            )),
        },
        (Method::GET, None) => app.list(&query),
        (method, Some(id)) => app.one(&id, method == Method::PUT),
        _ => app.error(NOT_FOUND),
    }
}

fn with_header(mut response: Response, name: HeaderName, value: &'static str) -> Response {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    response
}

impl App {
    fn authorized(&self, value: Option<&HeaderValue>) -> bool {
        let credentials = value
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '));
        credentials.is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == self.token
        })
    }

    fn create(&self, body: &[u8]) -> Response {
        let Ok(text) = std::str::from_utf8(body) else {
            return self.bad_request("invalid JSON body");
        };
        let text = if self.choices.echo_lone_surrogates {
            hide_lone_surrogates(text)
        } else {
            text.to_string()
        };
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&text) else {
            return self.bad_request("invalid JSON body");
        };
        let mut fields = Fields::new();
        for name in FIELDS.split(' ') {
            match object.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.trim().is_empty() && !self.choices.blank_is_value => {}
                Some(Value::String(s)) => {
                    fields.insert(name, s.clone());
                }
                Some(_) => return self.bad_request(&format!("{name} must be a string")),
            }
        }
        if let Some(refusal) = self.refusal(&fields) {
            return self.error(refusal);
        }
        // Names: a fullName alone splits at its first space, first/last alone join.
        let name = |key| fields.get(key).cloned();
        match (name("fullName"), name("firstName"), name("lastName")) {
            (Some(full), None, None) => {
                let (first, last) = full
                    .split_once(' ')
                    .map_or((full.as_str(), None), |(f, l)| (f, Some(l)));
                fields.insert("firstName", first.to_string());
                if let Some(last) = last {
                    fields.insert("lastName", last.to_string());
                }
            }
            (None, first, last) if first.is_some() || last.is_some() => {
                let joined = [first, last]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                fields.insert("fullName", joined);
            }
            _ => {}
        }
        // Recreation: the same email, else the same phone + countryCode, in the same project and flow.
        let mut store = self.store();
        let same = |old: &Fields, keys: &[&'static str]| {
            let mut scope = ["project", "projectFlow"].iter().chain(keys);
            fields.contains_key(keys[0]) && scope.all(|k| old.get(k) == fields.get(k))
        };
        let existing = [&["email"][..], &["phone", "countryCode"]]
            .into_iter()
            .find_map(|keys| store.iter().position(|r| same(&r.fields, keys)));
        let registration = match existing.map(|index| &mut store[index]) {
            Some(found) => {
                found.updated_ms = now_ms().max(found.updated_ms + 1);
                found.fields = fields;
                found.clone()
            }
            None => {
                let (id, info_id, now) = (hex_id(), hex_id(), now_ms());
                let created = Registration {
                    id,
                    info_id,
                    created_ms: now,
                    updated_ms: now,
                    fields,
                };
                store.push(created.clone());
                created
            }
        };
        drop(store);
        let f = &registration.fields;
        let mut info = json!({
            "_id": registration.info_id, "fullName": f.get("fullName"),
            "firstName": f.get("firstName"), "lastName": f.get("lastName"),
        });
        self.omit_nulls(&mut info);
        let data = json!({
            "appRegistration": self.render(&registration),
            "informationValidation": info,
            "token": token(&registration.id),
        });
        self.reply(StatusCode::OK, json!({ "data": data }))
    }

    /// The first documented rule `f` breaks, if any.
    fn refusal(&self, f: &Fields) -> Option<Refusal> {
        let sent = |name| f.get(name).map(String::as_str);
        let contact = if self.choices.broken_contact_message {
            "An email or a phone number is required"
        } else {
            "Needs an email or a phone at least"
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let country_code_ok = |c: &str| {
            c.strip_prefix('+')
                .is_some_and(|d| digits(d) && d.len() <= 3)
        };
        let blocked = sent("email")
            .and_then(|e| e.rsplit_once('@'))
            .is_some_and(|(_, domain)| {
                let domain = domain.to_ascii_lowercase();
                domain == self.blocked || domain.ends_with(&format!(".{}", self.blocked))
            });
        let missing = |message| Some((StatusCode::CONFLICT, message, "MissingParameter"));
        let invalid = |message| Some((StatusCode::CONFLICT, message, "InvalidArgument"));
        if sent("project").is_none() {
            missing("missing project")
        } else if sent("projectFlow").is_none() {
            missing("missing projectFlow")
        } else if sent("email").is_none() && sent("phone").is_none() {
            missing(contact)
        } else if sent("phone").is_some() && sent("countryCode").is_none() {
            missing("missing countryCode")
        } else if sent("countryCode").is_some_and(|c| !country_code_ok(c)) {
            invalid("invalid countryCode")
        } else if sent("phone").is_some_and(|p| !digits(p)) {
            invalid("invalid phone")
        } else if blocked && !self.blocked.is_empty() {
            Some((
                StatusCode::CONFLICT,
                "email domain not allowed",
                "PreconditionFailed",
            ))
        } else {
            None
        }
    }

    fn list(&self, query: &str) -> Response {
        let (mut page, mut limit) = (1u64, 20u64);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (slot, max) = match name {
                "page" => (&mut page, 1_000_000),
                "limit" => (&mut limit, 100),
                _ => continue,
            };
            match value.parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => {
                    *slot = n
                }
                _ => return self.bad_request(&format!("invalid {name}")),
            }
        }
        let store = self.store();
        let skip = ((page - 1) * limit) as usize;
        let data: Vec<Value> = store
            .iter()
            .rev()
            .skip(skip)
            .take(limit as usize)
            .map(|r| self.render(r))
            .collect();
        let pagination = json!({"page": page, "limit": limit, "total": store.len()});
        self.reply(
            StatusCode::OK,
            json!({"data": data, "pagination": pagination}),
        )
    }

    /// Retrieve, or sync (`updatedAt` bumped), one registration.
    fn one(&self, id: &str, sync: bool) -> Response {
        let mut store = self.store();
        let Some(found) = store.iter_mut().find(|r| r.id == id) else {
            return self.error(NOT_FOUND);
        };
        if sync {
            found.updated_ms = now_ms().max(found.updated_ms + 1);
        }
        let data = self.render(found);
        self.reply(StatusCode::OK, json!({ "data": data }))
    }

    fn render(&self, r: &Registration) -> Value {
        let f = |name| r.fields.get(name);
        let mut out = json!({
            "_id": r.id, "client": self.client, "project": f("project"), "projectFlow": f("projectFlow"),
            "status": "STARTED", "email": f("email"), "phone": f("phone"), "countryCode": f("countryCode"),
            "currentStep": "1", "language": f("language").map_or("en", String::as_str),
            "createdAt": iso(r.created_ms), "updatedAt": iso(r.updated_ms),
        });
        self.omit_nulls(&mut out);
        out
    }

    /// With `omit_unsent`, drop the keys whose value is null.
    fn omit_nulls(&self, value: &mut Value) {
        if let (true, Some(object)) = (self.choices.omit_unsent, value.as_object_mut()) {
            object.retain(|_, v| !v.is_null());
        }
    }

    fn store(&self) -> MutexGuard<'_, Vec<Registration>> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bad_request(&self, message: &str) -> Response {
        self.reply(
            StatusCode::BAD_REQUEST,
            json!({"message": message, "code": "BadRequest", "status": 400}),
        )
    }

    fn error(&self, (status, message, code): Refusal) -> Response {
        self.reply(
            status,
            json!({"message": message, "code": code, "status": status.as_u16()}),
        )
    }

    fn reply(&self, status: StatusCode, body: Value) -> Response {
        let mut text = body.to_string();
        if self.choices.echo_lone_surrogates {
            text = MARKER.replace_all(&text, r"\u$1").into_owned();
        }
        let mut response = Response::new(Body::from(text));
        *response.status_mut() = status;
        let json = HeaderValue::from_static("application/json; charset=utf-8");
        response.headers_mut().insert(header::CONTENT_TYPE, json);
        response
    }
}

/// A lone surrogate travels through parsing as a marker: two private-use
/// characters around its four hex digits, turned back into `\uXXXX` on output.
static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("\u{10FFF0}([0-9a-fA-F]{4})\u{10FFF1}").expect("regex"));

/// Replace every lone-surrogate escape of JSON text by its marker. The
/// alternatives, tried in order at each backslash: an escaped surrogate pair
/// (kept), a lone surrogate (marked), any other escape, `\\` included (kept).
fn hide_lone_surrogates(text: &str) -> String {
    static ESCAPE: LazyLock<Regex> = LazyLock::new(|| {
        let pair = r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}";
        Regex::new(&format!(
            r"(?s){pair}|\\u([dD][89a-fA-F][0-9a-fA-F]{{2}})|\\."
        ))
        .expect("regex")
    });
    let mark = |c: &Captures| match c.get(1) {
        Some(hex) => format!("\u{10FFF0}{}\u{10FFF1}", hex.as_str()),
        None => c[0].to_string(),
    };
    ESCAPE.replace_all(text, mark).into_owned()
}

fn hex_id() -> String {
    rand::random::<[u8; 12]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.unwrap_or_default().as_millis() as i64
}

/// `2024-12-02T17:05:36.788Z`
fn iso(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000);
    time.ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// An HS256-shaped JWT whose signature is random bytes: every token differs.
fn token(sub: &str) -> String {
    let iat = now_ms() / 1000;
    let header = json!({"alg": "HS256", "typ": "JWT"}).to_string();
    let payload = json!({"sub": sub, "jti": hex_id(), "iat": iat, "exp": iat + 86_400}).to_string();
    let signature = rand::random::<[u8; 32]>();
    [header.as_bytes(), payload.as_bytes(), &signature[..]]
        .map(|part| URL_SAFE_NO_PAD.encode(part))
        .join(".")
}
