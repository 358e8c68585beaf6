//! The scripted phase: the embedded Gherkin features, run by cucumber inside
//! `run`, each `Then` step recording one check.

mod features;
mod runner;
mod steps;
pub mod world;

pub use features::{check_id, coverage, feature_texts, parse_feature, slug};
pub use runner::{parse_tags, run_scripted, ScriptedError};
