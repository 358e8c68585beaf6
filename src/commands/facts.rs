//! `facts`: the fact catalogue with what each variant says, whether the
//! variants conflict, and the checks that enforce each fact.

use serde_json::{json, Value};

use super::shared::{contract, print_json};
use crate::cli::{FactsArgs, OutputFormat};
use crate::contract::{Contract, Profile, Variant};
use crate::exit::{Error, ExitCode};
use crate::scripted;

pub fn facts(args: FactsArgs) -> Result<ExitCode, Error> {
    let contract = contract()?;
    let profile = contract.profile(args.profile);
    match args.format {
        OutputFormat::Json => print_json(&facts_json(contract, profile))?,
        OutputFormat::Text => crate::output::out(&facts_text(contract, profile)),
    }
    Ok(ExitCode::Ok)
}

/// `{"facts":[{id, level, conflict, variants, checks, untestable, ...}]}`
/// (fixed: other tools read it; keys may be added, never removed).
pub fn facts_json(contract: &Contract, profile: &Profile) -> Value {
    let coverage = scripted::coverage();
    let facts: Vec<Value> = contract
        .facts()
        .map(|fact| {
            let mut variants = serde_json::Map::new();
            for variant in Variant::ALL {
                let statement = contract.statement(variant, &fact.id);
                let mut said = serde_json::to_value(statement).unwrap_or(Value::Null);
                if let Value::Object(map) = &mut said {
                    map.insert("silent".into(), Value::Bool(statement.is_silent()));
                }
                variants.insert(variant.name().into(), said);
            }
            json!({
                "id": fact.id,
                "level": contract.level(profile, &fact.id),
                "conflict": contract.is_conflict(&fact.id),
                "variants": variants,
                "checks": coverage.get(fact.id.as_str()).cloned().unwrap_or_default(),
                "untestable": fact.untestable,
                "title": fact.title,
                "area": fact.area,
                "base_level": fact.level,
                "profile_levels": fact.profile_levels,
                "conflicting_keys": contract.conflicting_keys(&fact.id),
                "judged_by": contract.judged_claim(profile, &fact.id).map(|(v, _)| v.name()),
                "note": fact.note,
            })
        })
        .collect();
    json!({ "profile": profile.name, "facts": facts })
}

/// The human listing: one block per fact.
pub fn facts_text(contract: &Contract, profile: &Profile) -> String {
    use std::fmt::Write;
    let coverage = scripted::coverage();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Facts of the App Registrations API, judged by profile `{}` ({})\n",
        profile.name, profile.description
    );
    let mut area = "";
    for fact in contract.facts() {
        if fact.area != area {
            area = &fact.area;
            let _ = writeln!(out, "== {area}");
        }
        let level = contract.level(profile, &fact.id);
        let conflict = if contract.is_conflict(&fact.id) {
            format!(
                "  CONFLICT on {}",
                contract.conflicting_keys(&fact.id).join(", ")
            )
        } else {
            String::new()
        };
        let _ = writeln!(out, "{}  [{level}]{conflict}", fact.id);
        let _ = writeln!(out, "  {}", fact.title);
        if let Some(note) = &fact.note {
            let _ = writeln!(out, "  note: {note}");
        }
        for variant in Variant::ALL {
            let statement = contract.statement(variant, &fact.id);
            let _ = writeln!(out, "  {:<9} {}", format!("{variant}:"), statement.says);
        }
        if let Some(reason) = &fact.untestable {
            let _ = writeln!(out, "  untestable: {reason}");
        } else {
            match coverage.get(fact.id.as_str()) {
                Some(checks) if !checks.is_empty() => {
                    let _ = writeln!(out, "  checks:   {}", checks.join(", "));
                }
                _ => {
                    let _ = writeln!(out, "  checks:   (none)");
                }
            }
        }
        let _ = writeln!(out);
    }
    let total = contract.facts().count();
    let conflicts = contract
        .facts()
        .filter(|f| contract.is_conflict(&f.id))
        .count();
    let count = |l: crate::check::Level| {
        contract
            .facts()
            .filter(|f| contract.level(profile, &f.id) == l)
            .count()
    };
    use crate::check::Level::*;
    let _ = writeln!(
        out,
        "{total} facts: {} must, {} should, {} observe, {} untestable; {conflicts} conflicts between variants",
        count(Must),
        count(Should),
        count(Observe),
        count(Untestable)
    );
    out
}
