//! The drift report and its two renderings: readable text, and the JSON
//! other tools read, `{"conflicts":[...],"pairs":[...],"drift":[...]}`
//! (fixed; keys may be added, never removed).

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::contract::{PageFormat, Statement, Variant};

use super::{Drift, DriftKind, FactDifference, Pair};

/// Everything `drift` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub conflicts: Vec<FactDifference>,
    pub pairs: Vec<Pair>,
    pub drift: Vec<Drift>,
    /// The live pages compared, one per `--doc`.
    pub pages: Vec<PageReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageReport {
    pub variant: Variant,
    pub file: String,
    pub format: PageFormat,
    /// How many differences this page has.
    pub differences: usize,
}

impl DriftReport {
    /// Whether any live page drifted from the encoded contract.
    pub fn drifted(&self) -> bool {
        !self.drift.is_empty()
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The matrix when no page was given; the drift of each page otherwise.
    pub fn to_text(&self) -> String {
        if self.pages.is_empty() {
            matrix_text(&self.conflicts, &self.pairs)
        } else {
            drift_text(&self.pages, &self.drift)
        }
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn map_text(label: &str, map: &Option<Map<String, Value>>) -> Option<String> {
    map.as_ref()
        .map(|m| format!("{label} {}", compact(&Value::Object(m.clone()))))
}

fn statement_lines(statement: &Statement) -> Vec<String> {
    [
        map_text("claim", &statement.claim),
        map_text("implied", &statement.implied),
        map_text("detail", &statement.detail),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The facts the pages disagree on, then the pair table.
pub fn matrix_text(conflicts: &[FactDifference], pairs: &[Pair]) -> String {
    let mut out = String::new();
    let behavioural = conflicts.iter().filter(|c| c.conflict).count();
    let _ = writeln!(
        out,
        "Where the documentation pages disagree: {} facts, {behavioural} of them behavioural conflicts\n",
        conflicts.len()
    );
    for difference in conflicts {
        let tag = if difference.conflict {
            format!("CONFLICT on {}", difference.keys.join(", "))
        } else {
            "differs in detail".to_string()
        };
        let _ = writeln!(out, "{}  [{tag}]", difference.fact);
        let names: Vec<String> = difference
            .groups
            .iter()
            .map(|g| g.iter().map(|v| v.name()).collect::<Vec<_>>().join(" = "))
            .collect();
        let width = names.iter().map(String::len).max().unwrap_or(0) + 2;
        for (group, names) in difference.groups.iter().zip(&names) {
            let Some(said) = difference.variants.get(&group[0]) else {
                continue;
            };
            // The sentence usually says "silent: ..." itself.
            let silent = if said.silent && !said.statement.says.starts_with("silent") {
                " (silent)"
            } else {
                ""
            };
            let _ = writeln!(out, "  {names:<width$}{}{silent}", said.statement.says);
            for line in statement_lines(&said.statement) {
                let _ = writeln!(out, "  {:<width$}{line}", "");
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "Pairs of pages (facts where both speak and differ; conflicts among them; facts only one speaks about)\n");
    let _ = writeln!(
        out,
        "  {:<20}{:>13}{:>11}{:>12}",
        "pair", "disagreements", "conflicts", "one silent"
    );
    for pair in pairs {
        let _ = writeln!(
            out,
            "  {:<20}{:>13}{:>11}{:>12}",
            format!("{} / {}", pair.a, pair.b),
            pair.disagreements,
            pair.conflicts,
            pair.one_silent
        );
    }
    out
}

/// One block per page: no drift, or every difference with its fact.
pub fn drift_text(pages: &[PageReport], drift: &[Drift]) -> String {
    let mut out = String::new();
    for page in pages {
        let format = match page.format {
            PageFormat::TextExport => "text export",
            PageFormat::Markdown => "markdown",
        };
        let verdict = match page.differences {
            0 => "no drift from the encoded contract".to_string(),
            1 => "1 difference from the encoded contract".to_string(),
            n => format!("{n} differences from the encoded contract"),
        };
        let _ = writeln!(out, "{}: {} ({format}): {verdict}", page.variant, page.file);
        for d in drift.iter().filter(|d| d.variant == page.variant) {
            let _ = writeln!(out, "  {:<8} {}  [{}]", d.kind.name(), d.item, d.fact);
            if d.kind != DriftKind::Added {
                let _ = writeln!(out, "           encoded: {}", compact(&d.encoded));
            }
            if d.kind != DriftKind::Removed {
                let _ = writeln!(out, "           found:   {}", compact(&d.found));
            }
        }
    }
    let drifted = pages.iter().filter(|p| p.differences > 0).count();
    let _ = writeln!(
        out,
        "\n{} page(s) compared, {drifted} drifted, {} difference(s)",
        pages.len(),
        drift.len()
    );
    out
}
