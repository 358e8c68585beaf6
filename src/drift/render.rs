//! The drift report and its two renderings: readable text, and the JSON
//! other tools read, `{"conflicts":[...],"pairs":[...],"drift":[...]}`
//! (fixed; keys may be added, never removed).

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::contract::{PageFormat, Statement, Variant};

use super::{
    Coverage, DescriptiveChange, Drift, DriftKind, FactDifference, Pair, Severity, TranslationDrift,
};

/// Everything `drift` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub conflicts: Vec<FactDifference>,
    pub pairs: Vec<Pair>,
    pub drift: Vec<Drift>,
    /// The live pages compared, one per `--doc`.
    pub pages: Vec<PageReport>,
    /// Items edited on one side of the en/es pair only.
    pub translations: Vec<TranslationDrift>,
    /// Changes to descriptive items: listed, never drift.
    pub descriptive: Vec<DescriptiveChange>,
    /// With `--trace`: which items state which facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
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
        !self.drift.is_empty() || !self.translations.is_empty()
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The matrix when no page was given; the drift of each page otherwise.
    pub fn to_text(&self) -> String {
        let mut out = if self.pages.is_empty() {
            if self.coverage.is_some() {
                String::new()
            } else {
                matrix_text(&self.conflicts, &self.pairs)
            }
        } else {
            let mut out = drift_text(&self.pages, &self.drift);
            out.push_str(&translations_text(&self.translations));
            out.push_str(&descriptive_text(&self.descriptive));
            out
        };
        if let Some(coverage) = &self.coverage {
            let text = coverage_text(coverage);
            out.push_str(if out.is_empty() {
                text.trim_start()
            } else {
                &text
            });
        }
        out
    }
}

/// A text on one line, cut after 100 characters.
fn short(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
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
            let facts = if d.facts.len() > 1 {
                d.facts.join(", ")
            } else {
                d.fact.clone()
            };
            let _ = writeln!(
                out,
                "  {:<8} {}  [{facts}] {}",
                d.kind.name(),
                d.item,
                d.severity.name()
            );
            if let Some(message) = &d.message {
                let _ = writeln!(out, "           {message}");
            }
            if d.locator.as_deref().is_some_and(|l| l != d.item) {
                let _ = writeln!(
                    out,
                    "           at:      {}",
                    d.locator.as_deref().unwrap_or("")
                );
            }
            if d.kind != DriftKind::Added {
                let _ = writeln!(out, "           encoded: {}", compact(&d.encoded));
            }
            if d.kind != DriftKind::Removed {
                let _ = writeln!(out, "           found:   {}", compact(&d.found));
            }
            if let Some(text) = d.text.as_deref().filter(|t| Some(*t) != d.found.as_str()) {
                let _ = writeln!(out, "           text:    {}", short(text));
            }
        }
    }
    let drifted = pages.iter().filter(|p| p.differences > 0).count();
    let breaking = drift
        .iter()
        .filter(|d| d.severity == Severity::Breaking)
        .count();
    let _ = writeln!(
        out,
        "\n{} page(s) compared, {drifted} drifted, {} difference(s) ({breaking} breaking, {} wording)",
        pages.len(),
        drift.len(),
        drift.len() - breaking
    );
    out
}

/// Items edited on one side of the en/es pair only.
pub fn translations_text(translations: &[TranslationDrift]) -> String {
    let mut out = String::new();
    if translations.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nTranslations out of date: {}", translations.len());
    for t in translations {
        let _ = writeln!(
            out,
            "  {} {} was edited, {} {} was not  [{}]",
            t.changed.variant,
            t.changed.locator,
            t.stale.variant,
            t.stale.locator,
            t.facts.join(", ")
        );
        if let Some(text) = &t.changed.text {
            let _ = writeln!(out, "           found:   {}", short(text));
        }
    }
    out
}

/// Changes to descriptive items (not drift).
pub fn descriptive_text(changes: &[DescriptiveChange]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nDescriptive items changed (notes, not drift): {}",
        changes.len()
    );
    for c in changes {
        let _ = writeln!(out, "  {} {:<8} {}", c.variant, c.kind.name(), c.locator);
    }
    out
}

/// Per variant the item counts, then per fact the items that state it.
pub fn coverage_text(coverage: &Coverage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nTrace coverage (items of each page and the facts they state)\n"
    );
    let _ = writeln!(
        out,
        "  {:<10}{:<10}{:>7}{:>11}{:>13}{:>14}{:>25}",
        "variant",
        "source",
        "items",
        "normative",
        "descriptive",
        "without fact",
        "must facts without item"
    );
    for v in &coverage.variants {
        let _ = writeln!(
            out,
            "  {:<10}{:<10}{:>7}{:>11}{:>13}{:>14}{:>25}",
            v.variant.name(),
            v.source,
            v.items,
            v.normative,
            v.descriptive,
            v.items_without_fact.len(),
            v.facts_without_item.len()
        );
    }
    for v in &coverage.variants {
        for locator in &v.items_without_fact {
            let _ = writeln!(
                out,
                "  {}: normative item without a fact: {locator}",
                v.variant
            );
        }
        for fact in &v.facts_without_item {
            let _ = writeln!(out, "  {}: must fact without an item: {fact}", v.variant);
        }
    }
    let _ = writeln!(
        out,
        "\nPer fact, the normative items of each variant that state it\n"
    );
    for fact in &coverage.facts {
        let stated: Vec<String> = fact
            .variants
            .iter()
            .filter(|(_, items)| !items.is_empty())
            .map(|(v, items)| format!("{v}: {}", items.join(", ")))
            .collect();
        let _ = writeln!(out, "{} ({})", fact.fact, fact.level.name());
        if stated.is_empty() {
            let _ = writeln!(out, "    (no item)");
        }
        for line in stated {
            let _ = writeln!(out, "    {line}");
        }
    }
    let verdict = if coverage.complete() {
        "complete: every normative item states a fact, every must fact has an item"
    } else {
        "incomplete"
    };
    let _ = writeln!(out, "\nCoverage {verdict}");
    out
}
