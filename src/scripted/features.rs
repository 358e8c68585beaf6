//! The embedded Gherkin features: a cucumber [`Parser`] over the texts
//! compiled into the binary, and the static coverage they give (which check
//! IDs enforce which fact).

use std::collections::BTreeMap;

use cucumber::feature::Ext as _;
use cucumber::parser::{Error as ParseError, Parser};
use futures::stream;
use include_dir::{include_dir, Dir};

static FEATURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/features");

/// Every embedded feature file: (path, text), sorted by path.
pub fn feature_texts() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = FEATURES
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "feature"))
        .filter_map(|f| Some((f.path().to_str()?, f.contents_utf8()?)))
        .collect();
    out.sort();
    out
}

/// Parse one feature text and expand its examples.
pub fn parse_feature(path: &str, text: &str) -> Result<gherkin::Feature, ParseError> {
    let mut feature =
        gherkin::Feature::parse(text, gherkin::GherkinEnv::default()).map_err(|e| {
            ParseError::Parsing(std::sync::Arc::new(gherkin::ParseFileError::Parsing {
                path: path.into(),
                error: None,
                source: e,
            }))
        })?;
    feature.path = Some(path.into());
    feature
        .expand_examples()
        .map_err(|e| ParseError::ExampleExpansion(std::sync::Arc::new(e)))
}

/// Feeds cucumber the embedded features instead of reading a directory.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedFeatures;

impl Parser<()> for EmbeddedFeatures {
    type Cli = cucumber::cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<Result<gherkin::Feature, ParseError>>>;

    fn parse(self, _input: (), _cli: Self::Cli) -> Self::Output {
        let parsed: Vec<_> = feature_texts()
            .into_iter()
            .map(|(path, text)| parse_feature(path, text))
            .collect();
        stream::iter(parsed)
    }
}

/// The fact IDs a scenario is tagged with (`@fact:<id>`).
pub fn fact_tags(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| t.strip_prefix("fact:"))
        .map(str::to_string)
        .collect()
}

/// A scenario name as a stable check-ID part: lower case, words joined by `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The check ID of a scenario for one of its facts.
pub fn check_id(fact: &str, scenario: &str) -> String {
    format!("{fact}/{}", slug(scenario))
}

/// Which checks enforce each fact, from the embedded features.
pub fn coverage() -> BTreeMap<&'static str, Vec<String>> {
    let mut map: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let contract = crate::contract::Contract::embedded().ok();
    for (path, text) in feature_texts() {
        let Ok(feature) = parse_feature(path, text) else {
            continue;
        };
        for scenario in &feature.scenarios {
            for fact in fact_tags(&scenario.tags) {
                let Some(id) = contract.and_then(|c| c.fact(&fact)).map(|f| f.id.as_str()) else {
                    continue;
                };
                let check = check_id(&fact, &scenario.name);
                let checks = map.entry(id).or_default();
                if !checks.contains(&check) {
                    checks.push(check);
                }
            }
        }
    }
    map
}
