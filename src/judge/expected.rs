//! What the pages say the answer to a request must be, and whether an
//! answer is it: accepted (any 2xx), or refused in one of the ways a page
//! documents. Both phases predict with these and judge with [`Expected::fits`].

use serde_json::{json, Value};

use crate::contract::shows_documented_body;

/// One answer the pages allow for a refused request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Refusal {
    /// The HTTP status, when documented (else any 4xx).
    pub status: Option<u16>,
    /// The error body a page shows, when it shows one (else any body);
    /// the answer shows it when it has its members with their values.
    pub body: Option<Value>,
    /// Members the error body must have (the page's error envelope), when
    /// the refusal is judged with them.
    pub fields: Vec<String>,
    /// The refusal of a rule a page states, so its body is a documented
    /// validation error (the error envelope applies); `false` for a refusal
    /// of a value no page constrains, whose status and body are free.
    pub documented: bool,
}

impl Refusal {
    /// A refusal no page documents: any 4xx, any body.
    pub fn undocumented() -> Refusal {
        Refusal::default()
    }

    /// Whether an answer is this refusal.
    pub fn fits(&self, status: u16, body: Option<&Value>) -> bool {
        (400..500).contains(&status)
            && self.status.is_none_or(|s| s == status)
            && self
                .body
                .as_ref()
                .is_none_or(|b| shows_documented_body(b, body))
            && self
                .fields
                .iter()
                .all(|f| body.and_then(|b| b.get(f)).is_some())
    }

    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "status": self.status.map_or_else(|| json!("4xx"), |s| json!(s)),
            "body": self.body.clone().unwrap_or_else(|| json!("any error body")),
        });
        if !self.fields.is_empty() {
            out["error_fields"] = json!(self.fields);
        }
        out
    }
}

/// The answer a page predicts for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// Any 2xx.
    Accept,
    Refuse(Refusal),
}

impl Expected {
    pub fn fits(&self, status: u16, body: Option<&Value>) -> bool {
        match self {
            Expected::Accept => (200..300).contains(&status),
            Expected::Refuse(refusal) => refusal.fits(status, body),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Expected::Accept => json!({"accepted": true, "status": "2xx"}),
            Expected::Refuse(refusal) => {
                let mut out = refusal.to_json();
                out["refused"] = json!(true);
                out
            }
        }
    }
}
