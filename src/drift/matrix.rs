//! The conflict matrix from the encoded fact sheets: every fact on which the
//! pages say different things, and for every pair of pages how many facts
//! they disagree on.
//!
//! Two statements differ when their `claim`, `implied` or `detail` differ
//! (the `says` wording is prose and ignored). A page that is silent (no
//! claim, implication or detail) does not disagree with anything: the pages
//! it is silent beside are counted apart, as `one_silent`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::{Contract, Statement, Variant};

/// A fact on which at least two speaking pages differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactDifference {
    pub fact: String,
    /// A behavioural conflict (`Contract::is_conflict`): the pages commit
    /// to different values for the same aspect. Otherwise the pages differ
    /// in documentary detail or in what they cover.
    pub conflict: bool,
    /// The aspects in conflict.
    pub keys: Vec<String>,
    /// What every page says, with `silent` added.
    pub variants: BTreeMap<Variant, VariantStatement>,
    /// Pages with identical statements, grouped (e.g. `[["en","es"],["legacy"],["overview"]]`).
    pub groups: Vec<Vec<Variant>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantStatement {
    #[serde(flatten)]
    pub statement: Statement,
    pub silent: bool,
}

/// How much two pages disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub a: Variant,
    pub b: Variant,
    /// Facts on which both pages speak and say different things.
    pub disagreements: usize,
    /// Of those, the behavioural conflicts (a claimed aspect with two values).
    pub conflicts: usize,
    /// Facts on which exactly one of the two speaks.
    pub one_silent: usize,
}

/// Whether a page says anything about a fact (a claim, an implication of
/// its silence, or documentary detail).
fn speaks(s: &Statement) -> bool {
    s.claim.is_some() || s.implied.is_some() || s.detail.is_some()
}

fn same(a: &Statement, b: &Statement) -> bool {
    a.claim == b.claim && a.implied == b.implied && a.detail == b.detail
}

/// Two effective claims with one key at two values.
fn conflicting(a: &Statement, b: &Statement) -> bool {
    match (a.effective_claim(), b.effective_claim()) {
        (Some(a), Some(b)) => a.iter().any(|(k, v)| b.get(k).is_some_and(|w| w != v)),
        _ => false,
    }
}

/// Every fact on which two speaking pages differ, in catalogue order.
pub fn differences(contract: &Contract) -> Vec<FactDifference> {
    contract
        .facts()
        .filter_map(|fact| {
            let id = fact.id.as_str();
            let speaking: Vec<&Statement> = Variant::ALL
                .iter()
                .map(|&v| contract.statement(v, id))
                .filter(|s| speaks(s))
                .collect();
            let differs = speaking
                .iter()
                .enumerate()
                .any(|(i, a)| speaking[i + 1..].iter().any(|b| !same(a, b)));
            if !differs {
                return None;
            }
            let variants = Variant::ALL
                .iter()
                .map(|&v| {
                    let statement = contract.statement(v, id).clone();
                    let silent = statement.is_silent();
                    (v, VariantStatement { statement, silent })
                })
                .collect();
            let mut groups: Vec<Vec<Variant>> = Vec::new();
            for v in Variant::ALL {
                let s = contract.statement(v, id);
                match groups
                    .iter_mut()
                    .find(|g| same(contract.statement(g[0], id), s))
                {
                    Some(group) => group.push(v),
                    None => groups.push(vec![v]),
                }
            }
            Some(FactDifference {
                fact: fact.id.clone(),
                conflict: contract.is_conflict(id),
                keys: contract.conflicting_keys(id),
                variants,
                groups,
            })
        })
        .collect()
}

/// Every unordered pair of pages, in variant order.
pub fn pairs(contract: &Contract) -> Vec<Pair> {
    let mut out = Vec::new();
    for (i, &a) in Variant::ALL.iter().enumerate() {
        for &b in &Variant::ALL[i + 1..] {
            let mut pair = Pair {
                a,
                b,
                disagreements: 0,
                conflicts: 0,
                one_silent: 0,
            };
            for fact in contract.facts() {
                let (sa, sb) = (
                    contract.statement(a, &fact.id),
                    contract.statement(b, &fact.id),
                );
                match (speaks(sa), speaks(sb)) {
                    (true, true) if !same(sa, sb) => {
                        pair.disagreements += 1;
                        if conflicting(sa, sb) {
                            pair.conflicts += 1;
                        }
                    }
                    (true, false) | (false, true) => pair.one_silent += 1,
                    _ => {}
                }
            }
            out.push(pair);
        }
    }
    out
}
