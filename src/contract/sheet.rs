//! Fact sheets: one page's reading of the API, as structured data.
//!
//! A sheet has two halves. `page` is what the page literally shows (endpoints,
//! headers table, params table, JSON examples, notes); `drift` parses live pages
//! into this same structure and diffs them. `facts` maps every fact ID to a
//! [`Statement`]: the behavioural `claim` the page makes (absent when the page
//! is silent), what its silence `implied` where that matters, and documentary
//! `detail` (wording, example values) that is compared for drift but never
//! used to judge a server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::model::Variant;

/// How a page is written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageFormat {
    /// Text export of a rendered docs page (tables without leading pipes).
    TextExport,
    /// MDX/Markdown source (front matter, pipe tables, fenced code).
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactSheet {
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    pub variant: Variant,
    pub source: Source,
    pub page: Page,
    pub facts: BTreeMap<String, Statement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub language: String,
    pub format: PageFormat,
}

/// What the page literally shows, item by item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub endpoints: Vec<Endpoint>,
    pub headers: Vec<Header>,
    pub params: Vec<Param>,
    pub examples: Vec<Example>,
    /// Rules stated in prose (notes, admonitions), by topic:
    /// `initial_status`, `language_default`, `country_code_digits`, ...
    pub notes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// One row of the params/body table, with what its description adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    /// "Required if phone is provided" -> `Some("phone")`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
    /// "Format: +123" -> `Some("+123")`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `Default: "en"` -> `Some("en")`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A JSON example with the label it stands under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The label as printed ("200", "409 (Email Domain)", "Response Example").
    pub label: String,
    /// The HTTP status the label names, when it names one.
    pub status: Option<u16>,
    /// `response` for a success example, `error` for an error example,
    /// `object` for a bare object structure.
    pub kind: ExampleKind,
    pub body: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExampleKind {
    Response,
    Error,
    Object,
}

/// What one page says about one fact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The page's statement in one sentence, or why it is silent.
    pub says: String,
    /// The behaviour the page states; `None` when it is silent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Map<String, Value>>,
    /// For a silent page: the behaviour its silence implies, where it
    /// implies one (a body table that does not list a field, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implied: Option<Map<String, Value>>,
    /// Documentary specifics (wording, example values, precision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Map<String, Value>>,
}

impl Statement {
    pub fn is_silent(&self) -> bool {
        self.claim.is_none()
    }

    /// The behavioural keys this page commits to, stated or implied.
    pub fn effective_claim(&self) -> Option<&Map<String, Value>> {
        self.claim.as_ref().or(self.implied.as_ref())
    }
}
