//! The loaded contract: every embedded file parsed, validated against its
//! meta-schema, compiled and cross-checked once, and the questions the rest of
//! the suite asks it (a profile's judged claim, a fact's level, a check's
//! alignment, the statement behind a fact).

use super::catalogue::{Catalogue, Fact, Profile};
use super::claims::Claims;
use super::embedded;
use super::shapes::Shapes;
use super::sheet::{FactSheet, Statement, Variant};
use super::trace::Trace;
use crate::model::{Alignment, Level, ProfileId, VariantAlignment};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A broken embedded file, with where it is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("contract file schemas/{file} at {path}: {message}")]
pub struct ContractError {
    pub file: String,
    /// JSON pointer into the file ("" for the whole file).
    pub path: String,
    pub message: String,
}

impl ContractError {
    pub fn new(file: &str, path: &str, message: String) -> Self {
        ContractError {
            file: file.to_string(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            message,
        }
    }
}

/// The whole contract, loaded and checked.
#[derive(Debug)]
pub struct Contract {
    pub catalogue: Catalogue,
    pub sheets: BTreeMap<Variant, FactSheet>,
    /// Each page's items, fingerprinted and tied to facts.
    pub traces: BTreeMap<Variant, Trace>,
    pub shapes: Shapes,
    /// Each page's claims, typed.
    claims: BTreeMap<Variant, Claims>,
}

static EMBEDDED: OnceLock<Result<Contract, ContractError>> = OnceLock::new();

impl Contract {
    /// The embedded contract, loaded on first use.
    pub fn embedded() -> Result<&'static Contract, ContractError> {
        EMBEDDED
            .get_or_init(Contract::load_embedded)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load_embedded() -> Result<Contract, ContractError> {
        let files: BTreeMap<String, String> = embedded::schema_files()
            .into_iter()
            .map(|(path, text)| (path, text.to_string()))
            .collect();
        Contract::load(&files)
    }

    /// Load a contract from a set of files (path under `schemas/` -> text):
    /// parse, validate against the meta-schemas, compile, cross-check.
    pub fn load(files: &BTreeMap<String, String>) -> Result<Contract, ContractError> {
        let text = |file: &str| {
            files
                .get(file)
                .map(String::as_str)
                .ok_or_else(|| ContractError::new(file, "", "file is missing".into()))
        };
        let shapes = Shapes::compile(files)?;
        let sheet_meta = "meta/factsheet.schema.json";
        let catalogue_meta = "meta/catalogue.schema.json";
        let sheet_validator = meta_validator(sheet_meta, text(sheet_meta)?)?;
        let catalogue_validator = meta_validator(catalogue_meta, text(catalogue_meta)?)?;
        let trace_meta = "meta/trace.schema.json";
        let trace_validator = meta_validator(trace_meta, text(trace_meta)?)?;

        let mut catalogue: Catalogue =
            parse_checked("facts.json", &catalogue_validator, text("facts.json")?)?;
        catalogue.profiles.sort_by_key(|p| p.name);
        let mut sheets = BTreeMap::new();
        let mut traces = BTreeMap::new();
        // Each file must be for the variant its name says.
        let for_variant = |file: &str, said: Variant, variant: Variant| {
            if said == variant {
                Ok(())
            } else {
                Err(ContractError::new(
                    file,
                    "/variant",
                    format!("says variant {said} but the file is for {variant}"),
                ))
            }
        };
        for variant in Variant::ALL {
            let file = format!("variants/{variant}.json");
            let sheet: FactSheet = parse_checked(&file, &sheet_validator, text(&file)?)?;
            for_variant(&file, sheet.variant, variant)?;
            sheets.insert(variant, sheet);
            let file = format!("variants/{variant}.trace.json");
            let trace: Trace = parse_checked(&file, &trace_validator, text(&file)?)?;
            for_variant(&file, trace.variant, variant)?;
            traces.insert(variant, trace);
        }
        // `implied` has the same shapes, checked by the meta-schema; only
        // claims are read, so only claims are typed.
        let mut claims = BTreeMap::new();
        for (&variant, sheet) in &sheets {
            let maps = sheet
                .facts
                .iter()
                .filter_map(|(fact, s)| s.claim.as_ref().map(|m| (fact.as_str(), m)))
                .collect();
            let typed = Claims::from_maps(maps).map_err(|e| {
                ContractError::new(
                    &format!("variants/{variant}.json"),
                    "/facts",
                    format!("a claim does not have its fact's shape: {e}"),
                )
            })?;
            claims.insert(variant, typed);
        }
        let contract = Contract {
            catalogue,
            sheets,
            traces,
            shapes,
            claims,
        };
        contract.cross_check()?;
        Ok(contract)
    }

    /// Every profile is in the catalogue once, every fact has a statement
    /// in every sheet, and no sheet states an unknown fact.
    fn cross_check(&self) -> Result<(), ContractError> {
        for id in ProfileId::ALL {
            let count = self.profiles().filter(|p| p.name == id).count();
            if count != 1 {
                return Err(ContractError::new(
                    "facts.json",
                    "/profiles",
                    format!("profile {id} is listed {count} times, not once"),
                ));
            }
        }
        for fact in &self.catalogue.facts {
            for (variant, sheet) in &self.sheets {
                if !sheet.facts.contains_key(&fact.id) {
                    return Err(ContractError::new(
                        &format!("variants/{variant}.json"),
                        "/facts",
                        format!("no statement for fact {}", fact.id),
                    ));
                }
            }
        }
        for (variant, trace) in &self.traces {
            for (n, item) in trace.items.iter().enumerate() {
                if let Some(id) = item.facts.iter().find(|id| self.fact(id).is_none()) {
                    return Err(ContractError::new(
                        &format!("variants/{variant}.trace.json"),
                        &format!("/items/{n}/facts"),
                        format!("fact {id} is not in the catalogue"),
                    ));
                }
            }
        }
        for (variant, sheet) in &self.sheets {
            for id in sheet.facts.keys() {
                if self.fact(id).is_none() {
                    return Err(ContractError::new(
                        &format!("variants/{variant}.json"),
                        &format!("/facts/{id}"),
                        format!("fact {id} is not in the catalogue"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.catalogue.facts.iter()
    }

    pub fn fact(&self, id: &str) -> Option<&Fact> {
        self.catalogue.facts.iter().find(|f| f.id == id)
    }

    pub fn profiles(&self) -> impl Iterator<Item = &Profile> {
        self.catalogue.profiles.iter()
    }

    /// The profile of that id.
    pub fn profile(&self, id: ProfileId) -> &Profile {
        // `load` sorted the catalogue's profiles in `ProfileId` order and
        // checked there is exactly one of each.
        &self.catalogue.profiles[id as usize]
    }

    /// The items of `variant`'s page, fingerprinted and tied to facts.
    pub fn trace(&self, variant: Variant) -> &Trace {
        &self.traces[&variant]
    }

    pub fn sheet(&self, variant: Variant) -> &FactSheet {
        // Every variant was loaded, or `embedded()` would have failed.
        &self.sheets[&variant]
    }

    /// What `variant` says about `fact` (a default, silent statement for an
    /// unknown fact ID).
    pub fn statement(&self, variant: Variant, fact: &str) -> &Statement {
        static SILENT: OnceLock<Statement> = OnceLock::new();
        self.sheet(variant)
            .facts
            .get(fact)
            .unwrap_or_else(|| SILENT.get_or_init(Statement::default))
    }

    /// What `variant` commits to, typed.
    pub fn claims(&self, variant: Variant) -> &Claims {
        // Every variant was typed, or `load` would have failed.
        &self.claims[&variant]
    }

    /// The claim a profile judges `fact` by: the first of its variants that
    /// states one.
    pub fn judged_claim(
        &self,
        profile: &Profile,
        fact: &str,
    ) -> Option<(Variant, &Map<String, Value>)> {
        let variant = self.judging_variant(profile, fact)?;
        let claim = self.statement(variant, fact).claim.as_ref()?;
        Some((variant, claim))
    }

    /// The variant a profile judges `fact` by, with its typed claims: the
    /// first of the profile's variants that states the fact.
    pub fn judged_claims(&self, profile: &Profile, fact: &str) -> Option<(Variant, &Claims)> {
        let variant = self.judging_variant(profile, fact)?;
        Some((variant, self.claims(variant)))
    }

    fn judging_variant(&self, profile: &Profile, fact: &str) -> Option<Variant> {
        profile
            .variants
            .iter()
            .copied()
            .find(|&variant| self.claims(variant).states(fact))
    }

    /// The page statement a profile judges `fact` by: the first of its
    /// variants that states it, else the first whose silence implies
    /// something, else why the profile's pages are silent.
    pub fn basis(&self, profile: &Profile, fact: &str) -> Basis {
        let stated = |pick: fn(&Statement) -> bool| {
            profile.variants.iter().find_map(|&variant| {
                let statement = self.statement(variant, fact);
                pick(statement).then(|| (variant, statement.says.clone()))
            })
        };
        if let Some((variant, says)) = stated(|s| s.claim.is_some()) {
            return Basis {
                variant: Some(variant),
                stated: true,
                says,
            };
        }
        let (variant, says) = stated(|s| s.implied.is_some())
            .or_else(|| stated(|s| !s.says.is_empty()))
            .map_or((None, String::new()), |(v, s)| (Some(v), s));
        Basis {
            variant,
            stated: false,
            says,
        }
    }

    /// The level `fact` has under `profile`: its override, else its level;
    /// observe when no variant of the profile states anything about it.
    pub fn level(&self, profile: &Profile, fact: &str) -> Level {
        let Some(entry) = self.fact(fact) else {
            return Level::Observe;
        };
        if let Some(&level) = entry.profile_levels.get(&profile.name) {
            return level;
        }
        if entry.level == Level::Untestable {
            return Level::Untestable;
        }
        if self.judged_claim(profile, fact).is_none() {
            return Level::Observe;
        }
        entry.level
    }

    /// A fact is a conflict when two variants commit (by a claim, or by what
    /// their silence implies) to different values for the same aspect.
    pub fn is_conflict(&self, fact: &str) -> bool {
        !self.conflicting_keys(fact).is_empty()
    }

    /// The aspects of `fact` on which some two variants commit differently.
    pub fn conflicting_keys(&self, fact: &str) -> Vec<String> {
        let claims: Vec<&Map<String, Value>> = Variant::ALL
            .iter()
            .filter_map(|&v| self.statement(v, fact).effective_claim())
            .collect();
        let mut keys: Vec<String> = Vec::new();
        for (i, a) in claims.iter().enumerate() {
            for b in &claims[i + 1..] {
                for (key, value) in a.iter() {
                    if b.get(key).is_some_and(|other| other != value) && !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
            }
        }
        keys.sort();
        keys
    }

    /// Align an observation with every variant that states `fact`:
    /// `agrees(variant, claims)` answers whether the observed behaviour fits
    /// that variant's (typed) claims, or `None` when they say nothing about
    /// what was observed.
    pub fn align(
        &self,
        fact: &str,
        agrees: impl Fn(Variant, &Claims) -> Option<bool>,
    ) -> VariantAlignment {
        let mut alignment = VariantAlignment::all(Alignment::Silent);
        for variant in Variant::ALL {
            let claims = self.claims(variant);
            let verdict = if claims.states(fact) {
                agrees(variant, claims)
            } else {
                None
            };
            alignment.set(
                variant,
                match verdict {
                    Some(true) => Alignment::Agrees,
                    Some(false) => Alignment::Contradicts,
                    None => Alignment::Silent,
                },
            );
        }
        alignment
    }
}

fn meta_validator(file: &str, text: &str) -> Result<jsonschema::Validator, ContractError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ContractError::new(file, "", format!("not JSON: {e}")))?;
    jsonschema::options()
        .build(&value)
        .map_err(|e| ContractError::new(file, &e.schema_path().to_string(), e.to_string()))
}

/// Parse `text`, validate it against `validator`, then deserialize it.
fn parse_checked<T: serde::de::DeserializeOwned>(
    file: &str,
    validator: &jsonschema::Validator,
    text: &str,
) -> Result<T, ContractError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ContractError::new(file, "", format!("not JSON: {e}")))?;
    if let Some(error) = validator.iter_errors(&value).next() {
        return Err(ContractError::new(
            file,
            &error.instance_path().to_string(),
            error.to_string(),
        ));
    }
    serde_json::from_value(value).map_err(|e| ContractError::new(file, "", e.to_string()))
}

/// The page statement behind a fact's checks under a profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Basis {
    /// The page it comes from.
    pub variant: Option<Variant>,
    /// `false`: no page of the profile states the fact, so its checks only
    /// observe (or judge what the silence clearly implies).
    pub stated: bool,
    /// What that page says, in our words.
    pub says: String,
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let page = self.variant.map_or("no page", Variant::name);
        let how = if self.stated { "" } else { "silent; " };
        write!(f, "{page}: {how}{}", self.says)
    }
}

/// Whether an answer's body shows a documented example body: every member
/// the example has, with the same value. Members the example does not show
/// (a request id, details) are the server's to add: a page lists what a body
/// holds, not that it holds nothing else.
pub fn shows_documented_body(documented: &Value, body: Option<&Value>) -> bool {
    match (documented, body) {
        (Value::Object(want), Some(Value::Object(got))) => {
            want.iter().all(|(key, value)| got.get(key) == Some(value))
        }
        (want, got) => Some(want) == got,
    }
}
