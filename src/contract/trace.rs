//! Traces: every item of one documentation page (prose sentence, note,
//! admonition, table cell or row, code sample, endpoint line, JSON example)
//! by its locator and a fingerprint of its normalized text, each tied to the
//! facts it states or marked descriptive. The pages' sentences are never
//! stored: only SHA-256 fingerprints of them.

use serde::{Deserialize, Serialize};

use crate::model::Variant;

/// The items of one page (`schemas/variants/<variant>.trace.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub variant: Variant,
    pub items: Vec<TracedItem>,
}

/// One item of a page as the contract knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracedItem {
    /// Where the item sits: `notes[contact-information].2`,
    /// `params[countryCode].description.3`, `samples[python]`, ...
    pub locator: String,
    pub kind: ItemKind,
    /// Fingerprint of the item's normalized text (see `drift`).
    pub fingerprint: String,
    /// Fingerprint of what the item states as structured values (a sample's
    /// request, a sentence's default or format), when it states any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    pub role: Role,
    /// The facts a normative item states; empty for a descriptive one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
}

/// What kind of page item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// A sentence of running prose or of a list item.
    Prose,
    /// A sentence of a notes list item.
    Note,
    /// A sentence of an admonition (`:::warning`).
    Admonition,
    /// A sentence of a table cell (a param's description).
    Cell,
    /// A table row's structured cells (name, type, required; name, value).
    Row,
    /// A request code sample in one language.
    Sample,
    /// An endpoint line.
    Endpoint,
    /// A JSON example.
    Example,
}

impl ItemKind {
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Prose => "prose",
            ItemKind::Note => "note",
            ItemKind::Admonition => "admonition",
            ItemKind::Cell => "cell",
            ItemKind::Row => "row",
            ItemKind::Sample => "sample",
            ItemKind::Endpoint => "endpoint",
            ItemKind::Example => "example",
        }
    }
}

/// Whether an item states facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Normative,
    Descriptive,
}
