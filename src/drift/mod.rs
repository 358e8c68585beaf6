//! `drift`: what spec owners need from the documentation itself.
//!
//! - [`matrix`]: where the encoded fact sheets of the four pages disagree,
//!   fact by fact and pair by pair.
//! - [`parse_page`]: a live page (text export or Markdown source) read back
//!   into the fact-sheet [`Page`] structure; [`diff_page`]: how it differs
//!   from the encoded page, item by item, each difference tied to a fact.
//! - [`render`]: the report as text or as the fixed JSON format.

mod analysis;
mod classify;
mod coverage;
mod diff;
mod facts;
mod html;
mod items;
mod markdown;
pub mod matrix;
mod page;
mod read;
pub mod render;
mod samples;
mod text_export;
mod traced;
mod translation;

pub use analysis::{analyze_page, Baseline, BaselineFile, PageAnalysis};
pub use coverage::{coverage, Coverage, CoveredItem, FactCoverage, VariantCoverage};
pub use diff::diff_page;
pub use facts::error_fact;
pub use html::{html_to_text_export, is_html};
pub use items::{page_items, PageItem};
pub use matrix::{differences, pairs, FactDifference, Pair};
pub use read::{
    detect_format, parse_file, parse_page, Drift, DriftError, DriftKind, ParsedPage, Severity,
    MAX_PAGE_BYTES,
};
pub use render::DriftReport;
pub use samples::{sample_drift, SampleRequest};
pub use traced::{
    compare_items, trace_of, DescriptiveChange, ItemComparison, ItemStatus, LiveItem,
};
pub use translation::{translation_drift, Side, TranslationDrift};
