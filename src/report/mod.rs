//! The final report: one model ([`model`]), built once from the checks of a
//! run, and its writers: `report.json`, `junit.xml`, `report.md`,
//! `report.html` and the console summary.

mod console;
mod diff;
mod html;
mod json;
mod junit;
mod markdown;
mod model;

pub use model::{
    check_dir, AlignmentSummary, FactResult, FactVerdict, PageStatement, Report, ReportError,
    RunVerdict, Summary, Tool, VariantTally, FORMAT_VERSION,
};
