//! One live page, read and compared every way `drift` knows: its structure
//! against the encoded page, its code samples against its params table and
//! each other, and its items against the trace of its variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::{Page, Statement, Trace, Variant};

use super::items::page_items;
use super::read::{parse_page, DriftError, ParsedPage};
use super::samples::sample_drift;
use super::traced::{compare_items, trace_of, DescriptiveChange, ItemComparison, LiveItem};
use super::{diff_page, Drift, PageItem};

/// What a page is compared with: the encoded page and its trace.
#[derive(Debug, Clone, Copy)]
pub struct Baseline<'a> {
    pub page: &'a Page,
    pub trace: &'a Trace,
    pub statements: &'a BTreeMap<String, Statement>,
}

/// A page as `drift --emit-baseline` writes it down and `--baseline`
/// reads it back: its structure and its trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub variant: Variant,
    pub page: Page,
    pub trace: Trace,
}

/// A live page and everything found on it.
#[derive(Debug, Clone)]
pub struct PageAnalysis {
    pub parsed: ParsedPage,
    pub items: Vec<PageItem>,
    /// Structured differences, then changed normative items.
    pub drift: Vec<Drift>,
    /// Every traced item, and every added one, with what became of it.
    pub live: Vec<LiveItem>,
    /// Changed descriptive items.
    pub descriptive: Vec<DescriptiveChange>,
    /// For each item of the baseline's trace, the page item it became.
    pairs: Vec<Option<usize>>,
}

impl PageAnalysis {
    /// The page's trace as it is now, facts kept from the baseline where
    /// the text is the same.
    pub fn trace(&self, variant: Variant, baseline: Baseline) -> Trace {
        trace_of(
            variant,
            &self.items,
            &self.parsed.page,
            baseline.statements,
            baseline.trace,
            &self.pairs,
        )
    }
}

/// Read the page in `bytes` (`file` names it in errors) and compare it.
pub fn analyze_page(
    variant: Variant,
    bytes: &[u8],
    file: &str,
    baseline: Baseline,
) -> Result<PageAnalysis, DriftError> {
    let parsed = parse_page(bytes, file)?;
    // parse_page refused anything that is not UTF-8 text.
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let items = page_items(text, parsed.format, &parsed.page);
    let mut drift = diff_page(variant, baseline.page, &parsed.page, baseline.statements);
    drift.extend(sample_drift(variant, &items, &parsed.page));
    let ItemComparison {
        items: live,
        drift: changed,
        descriptive,
        pairs,
    } = compare_items(
        variant,
        baseline.trace,
        &items,
        &parsed.page,
        baseline.statements,
        &mut drift,
    );
    drift.extend(changed);
    Ok(PageAnalysis {
        parsed,
        items,
        drift,
        live,
        descriptive,
        pairs,
    })
}
