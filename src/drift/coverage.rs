//! Coverage of the facts by the pages' items (`drift --trace`): per fact,
//! the normative items of each variant that state it; per variant, how
//! many items are normative, which normative items state no fact, and which
//! must-level facts the variant speaks about have no item.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::{Contract, Role, Trace, Variant};
use crate::model::Level;

use super::traced::{ItemStatus, LiveItem};

/// The items of one variant as coverage reads them.
#[derive(Debug, Clone)]
pub struct CoveredItem {
    pub locator: String,
    pub role: Role,
    pub facts: Vec<String>,
}

impl CoveredItem {
    /// The items of a live page (removed ones no longer state anything).
    pub fn from_live(items: &[LiveItem]) -> Vec<CoveredItem> {
        items
            .iter()
            .filter(|i| i.status != ItemStatus::Removed)
            .map(|i| CoveredItem::new(&i.locator, i.role, &i.facts))
            .collect()
    }

    /// The items of an encoded trace.
    pub fn from_trace(trace: &Trace) -> Vec<CoveredItem> {
        trace
            .items
            .iter()
            .map(|i| CoveredItem::new(&i.locator, i.role, &i.facts))
            .collect()
    }

    fn new(locator: &str, role: Role, facts: &[String]) -> CoveredItem {
        CoveredItem {
            locator: locator.to_string(),
            role,
            facts: facts.to_vec(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub variants: Vec<VariantCoverage>,
    /// Per fact, per variant, the locators of the items that state it.
    pub facts: Vec<FactCoverage>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantCoverage {
    pub variant: Variant,
    /// Where the items come from: `encoded` (the trace) or a page's file.
    pub source: String,
    pub items: usize,
    pub normative: usize,
    pub descriptive: usize,
    /// Normative items that state no fact.
    pub items_without_fact: Vec<String>,
    /// Must-level facts the variant speaks about that no item states.
    pub facts_without_item: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactCoverage {
    pub fact: String,
    pub level: Level,
    pub variants: BTreeMap<Variant, Vec<String>>,
}

impl Coverage {
    /// Whether every normative item states a fact and every must fact has
    /// an item in each variant that speaks about it.
    pub fn complete(&self) -> bool {
        self.variants
            .iter()
            .all(|v| v.items_without_fact.is_empty() && v.facts_without_item.is_empty())
    }
}

/// The coverage of `variants` (each with its items and where they come from).
pub fn coverage(contract: &Contract, variants: &[(Variant, String, Vec<CoveredItem>)]) -> Coverage {
    let mut facts: Vec<FactCoverage> = contract
        .facts()
        .map(|f| FactCoverage {
            fact: f.id.clone(),
            level: f.level,
            variants: BTreeMap::new(),
        })
        .collect();
    let mut out = Vec::new();
    for (variant, source, items) in variants {
        let normative: Vec<&CoveredItem> =
            items.iter().filter(|i| i.role == Role::Normative).collect();
        for fact in facts.iter_mut() {
            let locators: Vec<String> = normative
                .iter()
                .filter(|i| i.facts.contains(&fact.fact))
                .map(|i| i.locator.clone())
                .collect();
            fact.variants.insert(*variant, locators);
        }
        let facts_without_item = facts
            .iter()
            .filter(|f| {
                f.level == Level::Must
                    && contract.statement(*variant, &f.fact).claim.is_some()
                    && f.variants.get(variant).is_none_or(Vec::is_empty)
            })
            .map(|f| f.fact.clone())
            .collect();
        out.push(VariantCoverage {
            variant: *variant,
            source: source.clone(),
            items: items.len(),
            normative: normative.len(),
            descriptive: items.len() - normative.len(),
            items_without_fact: normative
                .iter()
                .filter(|i| i.facts.is_empty())
                .map(|i| i.locator.clone())
                .collect(),
            facts_without_item,
        });
    }
    Coverage {
        variants: out,
        facts,
    }
}
