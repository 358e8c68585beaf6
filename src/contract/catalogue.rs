//! The fact catalogue (`schemas/facts.json`): every documented fact ID with
//! its level, its per-profile level where a conflict changes it, and the
//! profiles a run can be judged by.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Level, ProfileId, Variant};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    pub profiles: Vec<Profile>,
    pub facts: Vec<Fact>,
}

/// A documented fact: one row of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub id: String,
    pub area: String,
    pub title: String,
    /// The level outside any profile override.
    pub level: Level,
    /// Where a conflict makes the fact binding under one profile only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profile_levels: BTreeMap<ProfileId, Level>,
    /// Why the fact cannot be tested through the four endpoints.
    pub untestable: Option<String>,
    /// How the catalogue splits the level between parts of the fact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a run is judged against: the variants it reads, in order of
/// precedence (the first one that makes a claim on a fact decides it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: ProfileId,
    pub description: String,
    pub variants: Vec<Variant>,
}
