//! The result model: one [`Check`] is one assertion about one response, tied
//! to one fact, judged at the fact's level, with what every doc variant would
//! have said about the observed behaviour.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::Variant;

/// How binding a fact is (the catalogue's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Must,
    Should,
    Observe,
    Untestable,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::Observe => "observe",
            Level::Untestable => "untestable",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Warn,
    Skip,
    Observe,
}

impl Verdict {
    /// The verdict of an assertion that held (`held`) or not, at `level`.
    /// `must` failures fail; `should` failures warn, or fail when `strict`;
    /// `observe` never fails.
    pub fn judge(level: Level, held: bool, strict: bool) -> Verdict {
        match (level, held) {
            (Level::Observe | Level::Untestable, _) => Verdict::Observe,
            (_, true) => Verdict::Pass,
            (Level::Must, false) => Verdict::Fail,
            (Level::Should, false) if strict => Verdict::Fail,
            (Level::Should, false) => Verdict::Warn,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Skip => "skip",
            Verdict::Observe => "observe",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a check came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckSource {
    Scripted,
    Generated,
}

/// What one doc variant says about the observed behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Alignment {
    Agrees,
    Contradicts,
    Silent,
}

/// The alignment of one check with every variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantAlignment {
    pub en: Alignment,
    pub es: Alignment,
    pub legacy: Alignment,
    pub overview: Alignment,
}

impl VariantAlignment {
    pub fn all(alignment: Alignment) -> Self {
        VariantAlignment {
            en: alignment,
            es: alignment,
            legacy: alignment,
            overview: alignment,
        }
    }

    pub fn get(&self, variant: Variant) -> Alignment {
        match variant {
            Variant::En => self.en,
            Variant::Es => self.es,
            Variant::Legacy => self.legacy,
            Variant::Overview => self.overview,
        }
    }

    pub fn set(&mut self, variant: Variant, alignment: Alignment) {
        match variant {
            Variant::En => self.en = alignment,
            Variant::Es => self.es = alignment,
            Variant::Legacy => self.legacy = alignment,
            Variant::Overview => self.overview = alignment,
        }
    }
}

/// A request as sent, redacted (the bearer token is `Bearer ***`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// JSON when the body was JSON, a string otherwise, null when absent.
    pub body: Value,
}

/// A response as received, redacted (issued tokens have `***` signatures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

/// One assertion about one response, tied to one fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable: `<fact>/<case>`, e.g. `create.contact-required/neither-email-nor-phone`.
    pub id: String,
    pub fact: String,
    pub level: Level,
    pub verdict: Verdict,
    pub source: CheckSource,
    pub message: String,
    pub expected: Value,
    pub observed: Value,
    pub variants: VariantAlignment,
    pub request: Option<RequestRecord>,
    pub response: Option<ResponseRecord>,
    pub curl: Option<String>,
}
