//! The differences between two sides' checks, by check id, with the level
//! each carries: a difference where one side breaks what a page states
//! (its check fails, warns or observed nothing) carries the check's level;
//! one where both sides satisfy the pages (two legitimate readings of a
//! silence) is only observed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::check::{Alignment, Check, Level, Verdict};
use crate::contract::Variant;

use super::noise::{leaves, Noise};

/// One check that behaves differently on the two sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub fact: String,
    pub level: Level,
    pub check: String,
    /// What the check saw on each side: verdict, observed, and the leaves
    /// that differ.
    pub a: Value,
    pub b: Value,
    /// The pages each side's behaviour agrees with, for this check.
    pub agrees: Agrees,
    /// The leaves (`observed.status`, `variants.legacy`, …) that differ.
    pub differs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agrees {
    pub a: Vec<Variant>,
    pub b: Vec<Variant>,
}

fn breaks(verdict: Verdict) -> bool {
    matches!(verdict, Verdict::Fail | Verdict::Warn | Verdict::Error)
}

fn agreeing(check: Option<&Check>) -> Vec<Variant> {
    check.map_or_else(Vec::new, |c| {
        Variant::ALL
            .into_iter()
            .filter(|v| c.variants.get(*v) == Alignment::Agrees)
            .collect()
    })
}

fn side(check: Option<&Check>) -> Value {
    match check {
        Some(c) => json!({"verdict": c.verdict, "observed": c.observed}),
        None => json!({"verdict": null, "observed": "the check did not run on this side"}),
    }
}

/// Every difference between `a` and `b`, leaving out `noise`, sorted by
/// fact then check.
pub fn differences(a: &[Check], b: &[Check], noise: &Noise) -> Vec<Difference> {
    let by_id = |checks: &[Check]| -> BTreeMap<String, Check> {
        checks.iter().map(|c| (c.id.clone(), c.clone())).collect()
    };
    let (a, b) = (by_id(a), by_id(b));
    let mut ids: Vec<&String> = a.keys().chain(b.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let (ca, cb) = (a.get(id), b.get(id));
        let differs: Vec<String> = match (ca, cb) {
            (Some(x), Some(y)) => {
                let (lx, ly) = (leaves(x), leaves(y));
                let mut paths: Vec<String> = lx
                    .keys()
                    .chain(ly.keys())
                    .filter(|p| lx.get(*p) != ly.get(*p) && !noise.is_noise(id, p))
                    .cloned()
                    .collect();
                paths.sort();
                paths.dedup();
                paths
            }
            _ => vec!["ran".to_string()],
        };
        if differs.is_empty() {
            continue;
        }
        let any = ca.or(cb).expect("one side has the check");
        let broken: Vec<&Check> = [ca, cb]
            .into_iter()
            .flatten()
            .filter(|c| breaks(c.verdict))
            .collect();
        let level = match broken.iter().map(|c| c.level).min() {
            Some(level) if level <= Level::Should => level,
            _ => Level::Observe,
        };
        out.push(Difference {
            fact: any.fact.clone(),
            level,
            check: id.clone(),
            a: with_differs(side(ca), ca, &differs),
            b: with_differs(side(cb), cb, &differs),
            agrees: Agrees {
                a: agreeing(ca),
                b: agreeing(cb),
            },
            differs,
        });
    }
    out.sort_by(|x, y| (&x.fact, &x.check).cmp(&(&y.fact, &y.check)));
    out
}

/// `side` with the differing leaves' values on that side.
fn with_differs(mut side: Value, check: Option<&Check>, differs: &[String]) -> Value {
    if let Some(check) = check {
        let all = leaves(check);
        let values: serde_json::Map<String, Value> = differs
            .iter()
            .map(|p| (p.clone(), all.get(p).cloned().unwrap_or(Value::Null)))
            .collect();
        side["differs"] = Value::Object(values);
    }
    side
}
