//! `export openapi`: an OpenAPI 3.1 document generated from the embedded
//! contract. It parses with a real OpenAPI 3.1 crate (`oas3`), every example
//! in it validates against its own schema (`jsonschema`), its schemas are
//! the suite's own, and it is stable (snapshot).

use std::time::Duration;

use oas3::spec::{ObjectOrReference, ObjectSchema, Schema};
use serde_json::{json, Value};
use verifik_conformance::contract::{embedded, Contract, Shape};
use verifik_conformance::model::ProfileId;

use crate::support::{bin, output_within, stderr};

fn export(args: &[&str]) -> String {
    let out = output_within(
        bin().args(["export", "openapi"]).args(args),
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// A validator of `value` against the schema at `pointer` in `document`:
/// the document's components are the schema's resources.
fn validator(document: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "allOf": [schema],
    });
    jsonschema::options().build(&root).unwrap()
}

fn object(schema: &Schema, spec: &oas3::Spec) -> ObjectSchema {
    match schema.resolve(spec).unwrap() {
        Schema::Object(boxed) => match *boxed {
            ObjectOrReference::Object(object) => object,
            ObjectOrReference::Ref { ref_path, .. } => panic!("unresolved {ref_path}"),
        },
        Schema::Boolean(_) => panic!("a boolean schema"),
    }
}

/// Every example of every media type (through oas3), validated against the
/// media type's own schema; returns how many were checked.
fn validate_examples(text: &str) -> usize {
    let spec = oas3::from_json(text).expect("parses as OpenAPI 3.1");
    let document: Value = serde_json::from_str(text).unwrap();
    let mut checked = 0;
    for (path, method, operation) in spec.operations() {
        let mut media_types = Vec::new();
        if let Some(body) = &operation.request_body {
            media_types.extend(body.resolve(&spec).unwrap().content);
        }
        for (status, response) in operation.responses(&spec) {
            assert!(
                !response.description.as_deref().unwrap_or("").is_empty(),
                "{method} {path} {status}"
            );
            media_types.extend(response.content);
        }
        for (media, content) in media_types {
            let schema = serde_json::to_value(content.schema.as_ref().unwrap()).unwrap();
            let validator = validator(&document, &schema);
            for (name, example) in content.examples(&spec) {
                let value = example.value.expect("an inline example value");
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .map(|e| e.to_string())
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{method} {path} {media} example {name}: {errors:?}"
                );
                checked += 1;
            }
        }
    }
    // Examples a component schema carries (the overview's object).
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
        let validator = validator(&document, &reference);
        for example in schema["examples"].as_array().into_iter().flatten() {
            assert!(
                validator.is_valid(example),
                "component {name} example {example}"
            );
            checked += 1;
        }
    }
    checked
}

/// Every `$ref` of `value`, with where it is.
fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push((at.clone(), target));
            }
            for (key, child) in map {
                refs(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                refs(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_profile_exports_a_valid_openapi_31_document_whose_examples_fit_their_schemas() {
    for profile in ProfileId::ALL {
        let text = export(&["--profile", profile.name()]);
        let spec = oas3::from_json(&text).unwrap();
        assert_eq!(spec.validate_version().unwrap().to_string(), "3.1.0");
        let mut ids: Vec<String> = spec
            .operations()
            .map(|(_, _, op)| op.operation_id.clone().unwrap())
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "createAppRegistration",
                "listAppRegistrations",
                "retrieveAppRegistration",
                "syncAppRegistration"
            ],
            "{profile}"
        );
        let checked = validate_examples(&text);
        assert!(checked >= 4, "{profile}: only {checked} examples");

        // Every reference points inside the document.
        let document: Value = serde_json::from_str(&text).unwrap();
        let mut found = Vec::new();
        refs(&document, String::new(), &mut found);
        assert!(found.len() > 10);
        for (at, target) in found {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{at}: {target}"));
            assert!(
                document.pointer(pointer).is_some(),
                "{at}: {target} is dangling"
            );
        }
    }
}

#[test]
fn the_current_document_has_bearer_security_and_the_request_rules() {
    let text = export(&[]);
    let spec = oas3::from_json(&text).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert_eq!(document["security"], json!([{"bearerAuth": []}]));
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/v2/app-registrations",
            "/v2/app-registrations/{id}",
            "/v2/app-registrations/{id}/sync"
        ]
    );

    let create = spec.operation_by_id("createAppRegistration").unwrap();
    let body = create.request_body(&spec).unwrap().unwrap();
    assert!(body.required.unwrap_or(false));
    let schema = body.content["application/json"]
        .schema(&spec)
        .unwrap()
        .unwrap();
    let request = object(&schema, &spec);
    assert_eq!(request.required, ["project", "projectFlow"]);
    let pattern = |field: &str| object(&request.properties[field], &spec).pattern;
    assert_eq!(pattern("countryCode").as_deref(), Some("^\\+[0-9]{1,3}$"));
    assert_eq!(pattern("phone").as_deref(), Some("^[0-9]+$"));

    // The documented answers: 200 and the three 409 examples of the en page.
    let responses = create.responses(&spec);
    let refusals = responses["409"].content["application/json"].examples(&spec);
    let messages: Vec<String> = refusals
        .values()
        .map(|e| {
            e.value.as_ref().unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        messages,
        [
            "Needs an email or a phone at least",
            "email domain not allowed",
            "missing countryCode"
        ]
    );
    assert!(responses.contains_key("200"));
    assert!(responses.contains_key("401"));
}

#[test]
fn its_schemas_are_the_suites_own() {
    let document: Value = serde_json::from_str(&export(&[])).unwrap();
    let schemas = &document["components"]["schemas"];
    let contract = Contract::embedded().unwrap();
    for file in Shape::ALL_FILES {
        let original: Value = serde_json::from_str(embedded::schema_file(file).unwrap()).unwrap();
        let name = schemas
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, s)| s["x-verifik-schema"] == format!("schemas/{file}"))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| panic!("no component for {file}"));
        let component = &schemas[&name];
        for key in ["title", "required", "type"] {
            assert_eq!(component[key], original[key], "{file} {key}");
        }
        let keys = |v: &Value| -> Vec<String> {
            v["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(keys(component), keys(&original), "{file}");
        assert!(
            component.get("$id").is_none(),
            "{file}: $id would rebase its refs"
        );
    }
    // What they accept is what the suite accepts: the en 200 example, whose
    // abbreviated token the export completes, and says so.
    let example = &document["paths"]["/v2/app-registrations"]["post"]["responses"]["200"]
        ["content"]["application/json"]["examples"]["en-200"];
    let success = Shape::Success(verifik_conformance::contract::ShapeFamily::Current);
    assert!(contract.shapes.is_valid(success, &example["value"]));
    let page = &contract
        .sheet(verifik_conformance::model::Variant::En)
        .page
        .examples[0]
        .body;
    assert!(
        !contract.shapes.is_valid(success, page),
        "the page abbreviates its token"
    );
    assert_eq!(
        example["value"]["data"]["appRegistration"],
        page["data"]["appRegistration"]
    );
    assert!(example["description"]
        .as_str()
        .unwrap()
        .contains("abbreviates the token"));
}

#[test]
fn an_example_that_breaks_its_schema_is_caught() {
    // The validation above is not vacuous: a refusal without its code fails.
    let text = export(&[]);
    let document: Value = serde_json::from_str(&text).unwrap();
    let schema = json!({"$ref": "#/components/schemas/CurrentError"});
    let validator = validator(&document, &schema);
    assert!(validator.is_valid(&json!({"message": "m", "code": "C", "status": 409})));
    assert!(!validator.is_valid(&json!({"message": "m", "status": 409})));
    let request = validator_for(&document, "CurrentCreateRequest");
    assert!(!request.is_valid(
        &json!({"project": "p", "projectFlow": "f", "phone": "12 34", "countryCode": "+57"})
    ));
    assert!(request.is_valid(
        &json!({"project": "p", "projectFlow": "f", "phone": "1234", "countryCode": "+57"})
    ));
}

fn validator_for(document: &Value, component: &str) -> jsonschema::Validator {
    validator(
        document,
        &json!({"$ref": format!("#/components/schemas/{component}")}),
    )
}

#[test]
fn the_document_is_stable() {
    let text = export(&[]);
    assert_eq!(text, export(&[]), "two exports differ");
    let redacted = text
        .replace(
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\": \"[version]\"",
        )
        .replace(
            &format!("verifik-conformance {}", env!("CARGO_PKG_VERSION")),
            "verifik-conformance [version]",
        );
    insta::assert_snapshot!("openapi_current", redacted);
}

#[test]
fn output_writes_the_file_and_a_bad_path_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("openapi.json");
    let out = output_within(
        bin()
            .args(["export", "openapi", "--profile", "legacy", "--output"])
            .arg(&file),
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        export(&["--profile", "legacy"])
    );

    let bad = tmp.path().join("missing-dir/openapi.json");
    let out = output_within(
        bin().args(["export", "openapi", "--output"]).arg(&bad),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains(&bad.display().to_string()) && message.contains("--output"),
        "{message}"
    );
}
