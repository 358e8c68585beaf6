//! Helpers for the reference-server tests: start a server on port 0, send
//! requests over real HTTP, and look at what came back.

#![allow(dead_code)]

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use verifik_conformance::contract::{Contract, Shape, ShapeFamily, Variant};
use verifik_conformance::server::{spawn, ServerConfig, ServerHandle, ServerVariant};

/// The current params table, in table order (written out here, not read
/// from the contract, so the tests check the server against the page).
pub const CURRENT_FIELDS: [&str; 9] = [
    "project",
    "projectFlow",
    "email",
    "phone",
    "countryCode",
    "fullName",
    "firstName",
    "lastName",
    "language",
];

/// The legacy body table: no firstName / lastName.
pub const LEGACY_FIELDS: [&str; 7] = [
    "project",
    "projectFlow",
    "email",
    "phone",
    "countryCode",
    "fullName",
    "language",
];

pub const COLLECTION: &str = "/v2/app-registrations";

pub struct Api {
    pub server: ServerHandle,
    pub client: reqwest::Client,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub raw: Vec<u8>,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl Reply {
    /// The JSON body; panics with the raw text when it is not JSON.
    pub fn body(&self) -> &Value {
        self.json.as_ref().unwrap_or_else(|| {
            panic!(
                "HTTP {} with a non-JSON body: {:?}",
                self.status,
                String::from_utf8_lossy(&self.raw)
            )
        })
    }

    pub fn at(&self, pointer: &str) -> &Value {
        self.body()
            .pointer(pointer)
            .unwrap_or_else(|| panic!("no {pointer} in {}", self.body()))
    }

    pub fn str_at(&self, pointer: &str) -> String {
        self.at(pointer)
            .as_str()
            .unwrap_or_else(|| panic!("{pointer} is not a string in {}", self.body()))
            .to_string()
    }

    pub fn is_json_content_type(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/json"))
    }
}

pub fn contract() -> &'static Contract {
    Contract::embedded().expect("embedded contract")
}

pub fn sheet_variant(variant: ServerVariant) -> Variant {
    match variant {
        ServerVariant::Current => Variant::En,
        ServerVariant::Legacy => Variant::Legacy,
        ServerVariant::Overview => Variant::Overview,
    }
}

pub fn family(variant: ServerVariant) -> ShapeFamily {
    match variant {
        ServerVariant::Current => ShapeFamily::Current,
        ServerVariant::Legacy => ShapeFamily::Legacy,
        ServerVariant::Overview => ShapeFamily::Overview,
    }
}

/// Panics listing every way `body` breaks `shape`.
pub fn assert_shape(shape: Shape, body: &Value) {
    let violations = contract().shapes.violations(shape, body);
    assert!(
        violations.is_empty(),
        "{body} does not fit {shape:?}:\n{}",
        violations
            .iter()
            .map(|v| format!("  {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The claim `fact` has on the variant's sheet.
pub fn claim(variant: Variant, fact: &str) -> &'static serde_json::Map<String, Value> {
    contract()
        .statement(variant, fact)
        .claim
        .as_ref()
        .unwrap_or_else(|| panic!("{variant} has no claim for {fact}"))
}

impl Api {
    pub async fn start(variant: ServerVariant) -> Api {
        Api::start_with(ServerConfig::new(variant)).await
    }

    pub async fn start_with(config: ServerConfig) -> Api {
        let server = spawn(config).await.expect("server starts");
        verifik_conformance::client::install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Api { server, client }
    }

    pub fn variant(&self) -> ServerVariant {
        self.server.variant()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// A request with the server's token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {}", self.server.token()))
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Reply {
        let response = builder.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let raw = response.bytes().await.expect("body").to_vec();
        let json = serde_json::from_slice(&raw).ok();
        Reply {
            status,
            content_type,
            headers,
            raw,
            json,
        }
    }

    /// POST raw bytes as JSON to the collection.
    pub async fn post_raw(&self, body: Vec<u8>) -> Reply {
        self.send(
            self.request(Method::POST, COLLECTION)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await
    }

    pub async fn create(&self, body: &Value) -> Reply {
        self.post_raw(serde_json::to_vec(body).unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn put(&self, path: &str) -> Reply {
        self.send(self.request(Method::PUT, path)).await
    }

    /// A valid create body with a fresh email.
    pub fn valid_body(&self, tag: &str) -> Value {
        serde_json::json!({
            "project": self.server.project(),
            "projectFlow": self.server.project_flow(),
            "email": format!("{tag}-{}@example.com", unique()),
            "fullName": "John Doe",
        })
    }

    /// The registration id in a create response of this variant.
    pub fn created_id(&self, reply: &Reply) -> String {
        match self.variant() {
            ServerVariant::Legacy => reply.str_at("/data/_id"),
            _ => reply.str_at("/data/appRegistration/_id"),
        }
    }

    /// The token sits on `data` in every variant.
    pub fn created_token(&self, reply: &Reply) -> String {
        reply.str_at("/data/token")
    }
}

/// A process-unique number for fresh emails and phones.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
