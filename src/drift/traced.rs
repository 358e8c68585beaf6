//! A live page's items against the trace of its variant: each traced item
//! found again by its fingerprint (wherever it moved), or at its locator
//! with new text (changed), or not at all (removed); page items the trace
//! does not know were added. A change to a normative item is drift tied to
//! its facts; a change to a descriptive item is only a note.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::contract::{ItemKind, Page, Role, Statement, Trace, TracedItem, Variant};

use super::classify::{facts_of, role_of};
use super::items::PageItem;
use super::{Drift, DriftKind, Severity};

/// What became of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStatus {
    Same,
    Changed,
    Added,
    Removed,
}

/// One item of a live page (or of its trace, when removed), with the facts
/// it states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveItem {
    pub variant: Variant,
    pub locator: String,
    pub kind: ItemKind,
    pub role: Role,
    pub facts: Vec<String>,
    pub status: ItemStatus,
    /// The text on the page (absent when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The index of the traced item it is, if any.
    #[serde(skip)]
    pub traced: Option<usize>,
}

/// A change to a descriptive item: listed, never drift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DescriptiveChange {
    pub variant: Variant,
    pub locator: String,
    pub kind: DriftKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Everything comparing a page with its trace found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemComparison {
    pub items: Vec<LiveItem>,
    /// Changed, added or removed normative items not already shown by a
    /// structured difference.
    pub drift: Vec<Drift>,
    pub descriptive: Vec<DescriptiveChange>,
    /// For each item of the trace, the page item it became (none: gone).
    pub pairs: Vec<Option<usize>>,
}

/// Compare the `items` of a live page with `trace`. `structured` holds the
/// page's structured differences: a changed item that shows one of them
/// gives it its locator and text instead of a drift of its own.
pub fn compare_items(
    variant: Variant,
    trace: &Trace,
    items: &[PageItem],
    page: &Page,
    statements: &BTreeMap<String, Statement>,
    structured: &mut [Drift],
) -> ItemComparison {
    let pairs = pair_items(&trace.items, items);
    let mut out = ItemComparison {
        pairs: pairs.clone(),
        ..ItemComparison::default()
    };
    let mut paired_pages = vec![false; items.len()];
    for (t, traced) in trace.items.iter().enumerate() {
        let found = pairs[t].map(|p| &items[p]);
        if let Some(p) = pairs[t] {
            paired_pages[p] = true;
        }
        let status = match found {
            Some(item) if item.fingerprint == traced.fingerprint => ItemStatus::Same,
            Some(_) => ItemStatus::Changed,
            None => ItemStatus::Removed,
        };
        out.items.push(LiveItem {
            variant,
            locator: found.map_or(&traced.locator, |i| &i.locator).clone(),
            kind: traced.kind,
            role: traced.role,
            facts: traced.facts.clone(),
            status,
            text: found.map(|i| i.text.clone()),
            traced: Some(t),
        });
        if status == ItemStatus::Same {
            continue;
        }
        let kind = if status == ItemStatus::Removed {
            DriftKind::Removed
        } else {
            DriftKind::Changed
        };
        out.changed(variant, traced, found, kind, structured);
    }
    for (p, item) in items.iter().enumerate() {
        if paired_pages[p] {
            continue;
        }
        let facts = facts_of(item, page, statements);
        let role = role_of(item.kind, &facts);
        let added = TracedItem {
            locator: item.locator.clone(),
            kind: item.kind,
            fingerprint: String::new(),
            claim: None,
            role,
            facts: facts.clone(),
        };
        out.changed(variant, &added, Some(item), DriftKind::Added, structured);
        out.items.push(LiveItem {
            variant,
            locator: item.locator.clone(),
            kind: item.kind,
            role,
            facts,
            status: ItemStatus::Added,
            text: Some(item.text.clone()),
            traced: None,
        });
    }
    out
}

impl ItemComparison {
    /// Record what a changed, removed or added item means.
    fn changed(
        &mut self,
        variant: Variant,
        traced: &TracedItem,
        found: Option<&PageItem>,
        kind: DriftKind,
        structured: &mut [Drift],
    ) {
        let text = found.map(|i| i.text.clone());
        let mut shown = false;
        for drift in structured.iter_mut().filter(|d| shows(traced, d)) {
            shown = true;
            if drift.locator.is_none() {
                drift.locator = Some(found.map_or(&traced.locator, |i| &i.locator).clone());
                drift.text = text.clone();
            }
        }
        // Rows, endpoint lines and examples are compared value by value by
        // the structured diff; their items only locate its differences.
        let structural = matches!(
            traced.kind,
            ItemKind::Row | ItemKind::Endpoint | ItemKind::Example
        );
        if shown || structural {
            return;
        }
        if traced.role == Role::Descriptive {
            self.descriptive.push(DescriptiveChange {
                variant,
                locator: found.map_or(&traced.locator, |i| &i.locator).clone(),
                kind,
                text,
            });
            return;
        }
        let claim_changed =
            kind == DriftKind::Changed && found.is_some_and(|i| i.claim != traced.claim);
        let severity = if claim_changed {
            Severity::Breaking
        } else {
            Severity::Wording
        };
        let message = match (kind, severity) {
            (DriftKind::Added, _) if traced.facts.is_empty() => {
                "a new normative item that states no known fact".to_string()
            }
            (DriftKind::Added, _) => "a new normative item".to_string(),
            (DriftKind::Removed, _) => "a normative item is gone from the page".to_string(),
            (_, Severity::Breaking) => "the text changed and so did a value it states".to_string(),
            (_, Severity::Wording) => {
                "the text changed; the values it states read the same".to_string()
            }
        };
        let encoded = if kind == DriftKind::Added {
            Value::Null
        } else {
            json!({ "fingerprint": traced.fingerprint })
        };
        let locator = found.map_or(&traced.locator, |i| &i.locator).clone();
        self.drift.push(Drift {
            variant,
            fact: traced.facts.first().cloned().unwrap_or_default(),
            facts: traced.facts.clone(),
            item: locator.clone(),
            kind,
            encoded,
            found: json!(text),
            severity,
            locator: Some(locator),
            text,
            message: Some(message),
        });
    }
}

/// Whether a structured difference shows in that item: in a row, example,
/// endpoint or sample at its locator; in a description cell of that param
/// about the same fact; in a sentence about the fact of that note topic.
fn shows(item: &TracedItem, drift: &Drift) -> bool {
    let within =
        |anchor: &str| drift.item == anchor || drift.item.starts_with(&format!("{anchor}."));
    match item.kind {
        ItemKind::Prose | ItemKind::Note | ItemKind::Admonition => {
            drift.item.starts_with("notes[") && item.facts.contains(&drift.fact)
        }
        ItemKind::Cell => {
            let anchor = item
                .locator
                .split_once(".description")
                .map_or(item.locator.as_str(), |(a, _)| a);
            drift.item.starts_with(&format!("{anchor}.")) && item.facts.contains(&drift.fact)
        }
        _ => within(&item.locator),
    }
}

/// Whether traced item `t` is page item `p`, in one pass, given the pairs
/// made so far.
type Match<'a> = dyn Fn(usize, usize, &[Option<usize>]) -> bool + 'a;

/// The place an item sits in: its locator without the sentence number.
fn place(locator: &str) -> &str {
    match locator.rsplit_once('.') {
        Some((place, n)) if n.parse::<usize>().is_ok() => place,
        _ => locator,
    }
}

/// For each traced item, the page item it is: same fingerprint at the same
/// locator, else same fingerprint anywhere (moved), else the item right
/// after the one its predecessor became, in the same place (changed, with
/// sentences inserted or removed before it), else the same locator
/// (changed). Kinds must agree.
fn pair_items(traced: &[TracedItem], items: &[PageItem]) -> Vec<Option<usize>> {
    let mut pairs = vec![None; traced.len()];
    let mut used = vec![false; items.len()];
    let passes: [&Match; 4] = [
        &|t, p, _| {
            traced[t].fingerprint == items[p].fingerprint && traced[t].locator == items[p].locator
        },
        &|t, p, _| traced[t].fingerprint == items[p].fingerprint,
        &|t, p, pairs| {
            t > 0
                && pairs[t - 1].is_some_and(|before| before + 1 == p)
                && place(&traced[t - 1].locator) == place(&traced[t].locator)
                && place(&items[p].locator) == place(&traced[t].locator)
        },
        &|t, p, _| traced[t].locator == items[p].locator,
    ];
    for pass in passes {
        for t in 0..traced.len() {
            if pairs[t].is_some() {
                continue;
            }
            if let Some(p) = (0..items.len())
                .find(|&p| !used[p] && items[p].kind == traced[t].kind && pass(t, p, &pairs))
            {
                pairs[t] = Some(p);
                used[p] = true;
            }
        }
    }
    pairs
}

/// The trace of a page as it is now: each item's facts and role kept from
/// `known` where the same text is traced there (`pairs`, from
/// [`compare_items`], says which item of `known` each page item is), else
/// proposed from its words and contents.
pub fn trace_of(
    variant: Variant,
    items: &[PageItem],
    page: &Page,
    statements: &BTreeMap<String, Statement>,
    known: &Trace,
    pairs: &[Option<usize>],
) -> Trace {
    let mut traced_as = vec![None; items.len()];
    for (t, p) in pairs.iter().enumerate() {
        if let Some(p) = p {
            traced_as[*p] = Some(t);
        }
    }
    let items = items
        .iter()
        .enumerate()
        .map(|(p, item)| {
            let same = traced_as[p]
                .map(|t| &known.items[t])
                .filter(|t| t.fingerprint == item.fingerprint);
            let (role, facts) = match same {
                Some(t) => (t.role, t.facts.clone()),
                None => {
                    let facts = facts_of(item, page, statements);
                    (role_of(item.kind, &facts), facts)
                }
            };
            TracedItem {
                locator: item.locator.clone(),
                kind: item.kind,
                fingerprint: item.fingerprint.clone(),
                claim: item.claim.clone(),
                facts: if role == Role::Normative {
                    facts
                } else {
                    Vec::new()
                },
                role,
            }
        })
        .collect();
    Trace {
        schema: Some("https://verifik-conformance.local/schemas/meta/trace.schema.json".into()),
        variant,
        items,
    }
}
