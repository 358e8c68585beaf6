//! The JSON Schemas of the documented shapes, compiled once. A violation
//! keeps the instance path and the schema path, so a check can say exactly
//! which part of a body broke which doc statement.

use std::collections::BTreeMap;

use jsonschema::{Registry, Validator};
use serde_json::Value;

use super::embedded::SCHEMA_BASE;
use super::ContractError;

/// Which family of shapes: the current pages, legacy, or the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShapeFamily {
    Current,
    Legacy,
    Overview,
}

/// A documented shape, addressed by family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    CreateRequest(ShapeFamily),
    Success(ShapeFamily),
    Registration(ShapeFamily),
    InformationValidation,
    Error(ShapeFamily),
    OverviewObject,
}

impl Shape {
    /// The schema file that defines this shape.
    pub fn file(self) -> &'static str {
        use ShapeFamily::*;
        match self {
            Shape::CreateRequest(Legacy) => "legacy/create-request.json",
            Shape::CreateRequest(_) => "current/create-request.json",
            Shape::Success(Legacy) => "legacy/success.json",
            Shape::Success(_) => "current/success.json",
            Shape::Registration(Legacy) => "legacy/registration.json",
            Shape::Registration(Overview) | Shape::OverviewObject => "overview/registration.json",
            Shape::Registration(Current) => "current/registration.json",
            Shape::InformationValidation => "current/information-validation.json",
            Shape::Error(Legacy) => "legacy/error.json",
            Shape::Error(_) => "current/error.json",
        }
    }

    pub const ALL_FILES: [&'static str; 10] = [
        "current/create-request.json",
        "current/success.json",
        "current/registration.json",
        "current/information-validation.json",
        "current/error.json",
        "legacy/create-request.json",
        "legacy/success.json",
        "legacy/registration.json",
        "legacy/error.json",
        "overview/registration.json",
    ];
}

/// One way a body breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the body, e.g. `/data/appRegistration/status`.
    pub instance_path: String,
    /// JSON pointer into the schema, e.g. `/properties/status/const`.
    pub schema_path: String,
    pub message: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{at}: {} (schema {})", self.message, self.schema_path)
    }
}

/// Every shape schema, compiled.
pub struct Shapes {
    validators: BTreeMap<&'static str, Validator>,
}

impl std::fmt::Debug for Shapes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shapes")
            .field("schemas", &self.validators.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Shapes {
    /// Parse every embedded schema, check it against the 2020-12
    /// meta-schema, register it under its `$id` and compile the shapes.
    pub fn compile(files: &BTreeMap<String, String>) -> Result<Shapes, ContractError> {
        let mut documents = Vec::new();
        for (path, text) in files {
            if path.starts_with("variants/") || path == "facts.json" {
                continue;
            }
            let value: Value = serde_json::from_str(text)
                .map_err(|e| ContractError::new(path, "", format!("not JSON: {e}")))?;
            if let Err(e) = jsonschema::meta::validate(&value) {
                return Err(ContractError::new(
                    path,
                    &e.instance_path().to_string(),
                    format!("not a valid 2020-12 schema: {e}"),
                ));
            }
            let expected_id = format!("{SCHEMA_BASE}{path}");
            if value.get("$id").and_then(Value::as_str) != Some(expected_id.as_str()) {
                return Err(ContractError::new(
                    path,
                    "/$id",
                    format!("$id must be {expected_id}"),
                ));
            }
            documents.push((path.clone(), value));
        }
        let mut registry = Registry::new();
        for (path, value) in &documents {
            registry = registry
                .add(format!("{SCHEMA_BASE}{path}"), value.clone())
                .map_err(|e| ContractError::new(path, "", e.to_string()))?;
        }
        let registry = registry
            .prepare()
            .map_err(|e| ContractError::new("schemas/", "", e.to_string()))?;
        let mut validators = BTreeMap::new();
        for file in Shape::ALL_FILES {
            let schema = documents
                .iter()
                .find(|(p, _)| p == file)
                .map(|(_, v)| v)
                .ok_or_else(|| ContractError::new(file, "", "schema file is missing".into()))?;
            let validator = jsonschema::options()
                .with_registry(&registry)
                .build(schema)
                .map_err(|e| {
                    ContractError::new(file, &e.schema_path().to_string(), e.to_string())
                })?;
            validators.insert(file, validator);
        }
        Ok(Shapes { validators })
    }

    /// The ways `body` breaks `shape`; empty when it fits.
    pub fn violations(&self, shape: Shape, body: &Value) -> Vec<SchemaViolation> {
        let Some(validator) = self.validators.get(shape.file()) else {
            return vec![SchemaViolation {
                instance_path: String::new(),
                schema_path: String::new(),
                message: format!("no compiled schema for {}", shape.file()),
            }];
        };
        validator
            .iter_errors(body)
            .map(|e| SchemaViolation {
                instance_path: e.instance_path().to_string(),
                schema_path: e.schema_path().to_string(),
                message: e.to_string(),
            })
            .collect()
    }

    pub fn is_valid(&self, shape: Shape, body: &Value) -> bool {
        self.validators
            .get(shape.file())
            .is_some_and(|v| v.is_valid(body))
    }
}
