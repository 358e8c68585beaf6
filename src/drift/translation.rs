//! Translations kept in step: the English and Spanish pages say the same
//! facts, so their normative items pair up (same kind, same facts, in page
//! order). An item edited on one side while its twin on the other side
//! stayed as encoded is a translation out of date.

use serde::Serialize;

use crate::contract::{ItemKind, Role, Trace, TracedItem, Variant};

use super::traced::{ItemStatus, LiveItem};

/// One side of a translation pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub variant: Variant,
    pub locator: String,
    /// The text as found on the page, when it was read live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// An item edited on one side only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranslationDrift {
    pub facts: Vec<String>,
    /// The side that was edited.
    pub changed: Side,
    /// The side still as encoded.
    pub stale: Side,
    pub message: String,
}

/// The pairs of traced items (`en` index, `es` index).
fn twins(en: &Trace, es: &Trace) -> Vec<(usize, usize)> {
    let key = |item: &TracedItem| {
        let mut facts = item.facts.clone();
        facts.sort();
        (item.kind, facts)
    };
    let normative = |trace: &Trace| -> Vec<(usize, (ItemKind, Vec<String>))> {
        trace
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.role == Role::Normative && !i.facts.is_empty())
            .map(|(n, i)| (n, key(i)))
            .collect()
    };
    let (en_items, es_items) = (normative(en), normative(es));
    let mut pairs = Vec::new();
    let mut taken = vec![false; es_items.len()];
    for (n, k) in &en_items {
        if let Some(j) = (0..es_items.len()).find(|&j| !taken[j] && es_items[j].1 == *k) {
            taken[j] = true;
            pairs.push((*n, es_items[j].0));
        }
    }
    pairs
}

/// Translations out of date between `en` and `es`. A side given no live
/// page is as encoded.
pub fn translation_drift(
    en: &Trace,
    es: &Trace,
    en_live: Option<&[LiveItem]>,
    es_live: Option<&[LiveItem]>,
) -> Vec<TranslationDrift> {
    let state = |live: Option<&[LiveItem]>, trace: &Trace, index: usize| -> (bool, Side) {
        let item = live.and_then(|items| items.iter().find(|i| i.traced == Some(index)));
        let edited =
            item.is_some_and(|i| matches!(i.status, ItemStatus::Changed | ItemStatus::Removed));
        let side = Side {
            variant: trace.variant,
            locator: item
                .map_or(&trace.items[index].locator, |i| &i.locator)
                .clone(),
            text: item.and_then(|i| i.text.clone()),
        };
        (edited, side)
    };
    let mut out = Vec::new();
    for (e, s) in twins(en, es) {
        let (en_edited, en_side) = state(en_live, en, e);
        let (es_edited, es_side) = state(es_live, es, s);
        let (changed, stale) = match (en_edited, es_edited) {
            (true, false) => (en_side, es_side),
            (false, true) => (es_side, en_side),
            _ => continue,
        };
        out.push(TranslationDrift {
            facts: en.items[e].facts.clone(),
            message: format!(
                "translation out of date: {} {} was edited, {} {} was not",
                changed.variant, changed.locator, stale.variant, stale.locator
            ),
            changed,
            stale,
        });
    }
    out
}
