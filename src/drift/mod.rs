//! `drift`: what spec owners need from the documentation itself.
//!
//! - [`matrix`]: where the encoded fact sheets of the four pages disagree,
//!   fact by fact and pair by pair.
//! - [`parse_page`]: a live page (text export or Markdown source) read back
//!   into the fact-sheet [`Page`] structure; [`diff_page`]: how it differs
//!   from the encoded page, item by item, each difference tied to a fact.
//! - [`render`]: the report as text or as the fixed JSON format.

mod diff;
mod facts;
mod markdown;
pub mod matrix;
mod page;
mod read;
pub mod render;
mod text_export;

pub use diff::diff_page;
pub use facts::error_fact;
pub use matrix::{differences, pairs, FactDifference, Pair};
pub use read::{
    detect_format, parse_file, parse_page, Drift, DriftError, DriftKind, ParsedPage, MAX_PAGE_BYTES,
};
pub use render::DriftReport;
