//! A comparison for people (differences grouped by fact) and for tools
//! (`{"differences":[…],"verdict":…}`), scrubbed of both sides' tokens.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::check::Level;
use crate::contract::Variant;

use super::engine::CompareOutcome;

/// `equivalent` when no difference touches what a page states, else
/// `different`.
pub fn verdict(outcome: &CompareOutcome) -> &'static str {
    if outcome.binding() == 0 {
        "equivalent"
    } else {
        "different"
    }
}

/// The JSON form.
pub fn to_json(outcome: &CompareOutcome) -> Value {
    let mut value = json!({
        "a": outcome.a.label,
        "b": outcome.b.label,
        "profile": outcome.profile.name,
        "seed": outcome.seed,
        "noise_leaves": outcome.noise,
        "differences": outcome.differences,
        "verdict": verdict(outcome),
    });
    for secret in outcome.secrets() {
        secret.scrub_value(&mut value);
    }
    value
}

fn names(variants: &[Variant]) -> String {
    if variants.is_empty() {
        "no page".into()
    } else {
        variants
            .iter()
            .map(|v| v.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The text form: a header, each fact's differences, and a count.
pub fn to_text(outcome: &CompareOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "compare · profile {} · seed {}\n  a: {}\n  b: {}",
        outcome.profile.name, outcome.seed, outcome.a.label, outcome.b.label
    );
    let mut fact = "";
    for d in &outcome.differences {
        if d.fact != fact {
            fact = &d.fact;
            let _ = writeln!(out, "\n{fact}");
        }
        let verdicts = |side: &Value| {
            side["verdict"]
                .as_str()
                .unwrap_or("did not run")
                .to_string()
        };
        let _ = writeln!(
            out,
            "  [{}] {}: a {}, b {}",
            d.level,
            d.check,
            verdicts(&d.a),
            verdicts(&d.b)
        );
        for path in d.differs.iter().take(4) {
            let value = |side: &Value| {
                side["differs"]
                    .get(path)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into())
            };
            let _ = writeln!(
                out,
                "      {path}: a {} | b {}",
                clip(&value(&d.a)),
                clip(&value(&d.b))
            );
        }
        if d.differs.len() > 4 {
            let _ = writeln!(out, "      … and {} more", d.differs.len() - 4);
        }
        let _ = writeln!(
            out,
            "      a agrees with {}; b agrees with {}",
            names(&d.agrees.a),
            names(&d.agrees.b)
        );
    }
    let count = |level: Level| {
        outcome
            .differences
            .iter()
            .filter(|d| d.level == level)
            .count()
    };
    let _ = writeln!(
        out,
        "\n{} differences ({} must, {} should, {} observed; {} noisy leaves left out) · {}",
        outcome.differences.len(),
        count(Level::Must),
        count(Level::Should),
        count(Level::Observe),
        outcome.noise,
        verdict(outcome).to_uppercase()
    );
    let mut text = out;
    for secret in outcome.secrets() {
        text = secret.scrub(&text);
    }
    text
}

/// At most 120 characters of a value.
fn clip(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(119).collect::<String>())
    }
}
