//! Noise: what differs between two runs of the same requests against the
//! same side (ids, tokens, timestamps, the contacts a run makes unique), as
//! Diffy learned it. A check's behaviour is flattened to `path = value`
//! leaves; a leaf that differs between the two runs of a side is noise, and
//! is never reported as a difference between the sides.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::check::Check;

/// A check's behaviour, as leaves: its verdict, its agreement with each
/// page, what it observed, and the answer it judged (status, headers,
/// body), when it kept one.
pub fn leaves(check: &Check) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let behaviour = json!({
        "verdict": check.verdict,
        "variants": check.variants,
        "observed": check.observed,
        "response": check.response,
    });
    flatten("", &behaviour, &mut out);
    out
}

fn flatten(path: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(&at, item, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), item, out);
            }
        }
        leaf => {
            out.insert(path.to_string(), leaf.clone());
        }
    }
}

/// `path` with every array index as `[]`: the elements of a list (other
/// runs' registrations, in the order they came) are noisy together.
fn any_index(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// What is noisy when `path` varies: the leaf, or the whole list it sits in
/// (`body.data[]`), since a list of a shared server's registrations varies
/// in length and order as well as content.
fn noisy_part(path: &str) -> String {
    let path = any_index(path);
    match path.find("[]") {
        Some(at) => path[..at + 2].to_string(),
        None => path,
    }
}

/// The noisy leaves of every check, learned from pairs of runs.
#[derive(Debug, Default, Clone)]
pub struct Noise {
    noisy: BTreeMap<String, BTreeSet<String>>,
}

impl Noise {
    /// Learn from two runs of the same requests against one side.
    pub fn learn(&mut self, first: &[Check], second: &[Check]) {
        let second: BTreeMap<&str, &Check> = second.iter().map(|c| (c.id.as_str(), c)).collect();
        for check in first {
            let Some(other) = second.get(check.id.as_str()) else {
                continue;
            };
            let (a, b) = (leaves(check), leaves(other));
            let noisy = self.noisy.entry(check.id.clone()).or_default();
            for path in a.keys().chain(b.keys()) {
                if a.get(path) != b.get(path) {
                    noisy.insert(noisy_part(path));
                }
            }
        }
    }

    pub fn is_noise(&self, check: &str, path: &str) -> bool {
        let path = any_index(path);
        self.noisy.get(check).is_some_and(|noisy| {
            noisy.iter().any(|n| match n.strip_suffix("[]") {
                // A list whose elements vary between runs varies whole:
                // its length and every member of every element.
                Some(_) => path.starts_with(n.as_str()),
                None => *n == path,
            })
        })
    }

    /// How many leaves (lists counted once) were found noisy, over all
    /// checks.
    pub fn len(&self) -> usize {
        self.noisy.values().map(BTreeSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
