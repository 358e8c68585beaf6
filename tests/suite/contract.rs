//! The embedded contract: schemas, fact sheets, profiles and conflicts.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use verifik_conformance::check::Level;
use verifik_conformance::contract::{embedded, Contract, Shape, ShapeFamily, Variant};
use verifik_conformance::model::ProfileId;

use crate::support::bin;

/// Every fact ID of the catalogue (the IDs are fixed).
const FACT_IDS: [&str; 40] = [
    "auth.bearer-required",
    "http.json",
    "http.no-server-error",
    "create.project-required",
    "create.project-flow-required",
    "create.invalid-project-flow",
    "create.contact-required",
    "create.contact-either",
    "create.country-code-required",
    "create.country-code-format",
    "create.phone-digits",
    "create.email-domain",
    "create.full-name-optional",
    "create.first-last-name",
    "create.language-default",
    "create.success-status",
    "create.envelope",
    "create.registration-fields",
    "create.initial-status",
    "create.current-step",
    "create.echo",
    "create.information-validation",
    "create.token-jwt",
    "create.timestamps",
    "create.id-format",
    "create.legacy-request-meta",
    "token.recreate-email",
    "token.recreate-phone",
    "token.recreate-same-registration",
    "token.recreate-resets-validations",
    "error.envelope",
    "error.http-409",
    "error.status-consistent",
    "list.ok",
    "list.contains-created",
    "retrieve.ok",
    "retrieve.unknown",
    "sync.ok",
    "overview.object-shape",
    "overview.onboarding-only",
];

/// The facts the catalogue marks as conflicts.
const CONFLICTS: [&str; 11] = [
    "create.invalid-project-flow",
    "create.contact-required",
    "create.phone-digits",
    "create.full-name-optional",
    "create.first-last-name",
    "create.envelope",
    "create.registration-fields",
    "create.initial-status",
    "create.legacy-request-meta",
    "error.envelope",
    "overview.object-shape",
];

fn contract() -> &'static Contract {
    Contract::embedded().expect("the embedded contract loads")
}

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl";

fn current_success() -> Value {
    json!({"data": {
        "appRegistration": {
            "_id": "65a1b2c3d4e5f60718293a4b", "client": "65a1b2c3d4e5f60718293a4c",
            "project": "p-1", "projectFlow": "f-1", "status": "STARTED",
            "email": "ana@ejemplo.test", "phone": null, "countryCode": null,
            "currentStep": "1", "language": "es",
            "createdAt": "2025-03-04T05:06:07.089Z", "updatedAt": "2025-03-04T05:06:07.089Z"
        },
        "informationValidation": {"_id": "65a1b2c3d4e5f60718293a4d", "fullName": "Ana Peña",
            "firstName": "Ana", "lastName": "Peña"},
        "token": JWT
    }})
}

fn legacy_success() -> Value {
    json!({"success": true, "data": {
        "_id": "reg-42", "client": "c-9", "project": "p-1", "projectFlow": "f-1", "status": "new",
        "email": null, "phone": "5550100", "countryCode": "+57", "fullName": "Luis Gómez",
        "language": "en", "token": JWT, "ipAddress": "127.0.0.1", "userAgent": "curl/8",
        "createdAt": "2025-03-04T05:06:07Z", "updatedAt": "2025-03-04T05:06:07Z"
    }})
}

fn current_error() -> Value {
    json!({"message": "something is missing", "code": "MissingParameter", "status": 409})
}

fn legacy_error() -> Value {
    json!({"error": "Something is missing", "message": "SOMETHING_MISSING"})
}

#[test]
fn every_embedded_schema_is_a_valid_2020_12_schema_with_its_id() {
    let files = embedded::schema_files();
    let mut schemas = 0;
    for (path, text) in files {
        let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        if value.get("$schema").and_then(Value::as_str)
            != Some("https://json-schema.org/draft/2020-12/schema")
        {
            continue; // data files (sheets, catalogue) point at their meta-schema
        }
        schemas += 1;
        assert!(
            jsonschema::meta::is_valid(&value),
            "{path} fails the meta-schema"
        );
        assert_eq!(
            value["$id"],
            json!(format!("{}{path}", embedded::SCHEMA_BASE)),
            "{path}"
        );
        assert!(value["title"].is_string(), "{path} has no title");
        assert!(
            value["description"].is_string(),
            "{path} has no description"
        );
    }
    assert!(schemas >= 12, "only {schemas} schemas found");
}

#[test]
fn every_fact_of_facts_md_is_in_the_model_and_nothing_else() {
    let c = contract();
    let ids: Vec<&str> = c.facts().map(|f| f.id.as_str()).collect();
    let mut expected = FACT_IDS.to_vec();
    expected.sort();
    let mut got = ids.clone();
    got.sort();
    assert_eq!(got, expected);
    for variant in Variant::ALL {
        let sheet = c.sheet(variant);
        let mut keys: Vec<&str> = sheet.facts.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, expected, "sheet {variant}");
    }
}

#[test]
fn current_schemas_accept_current_shapes_and_reject_legacy_ones() {
    let shapes = &contract().shapes;
    let cur = ShapeFamily::Current;
    assert_eq!(
        shapes.violations(Shape::Success(cur), &current_success()),
        vec![]
    );
    assert_eq!(
        shapes.violations(Shape::Error(cur), &current_error()),
        vec![]
    );
    assert!(!shapes.is_valid(Shape::Success(cur), &legacy_success()));
    assert!(!shapes.is_valid(Shape::Error(cur), &legacy_error()));

    // the conflicting initial status alone is enough to reject
    let mut wrong_status = current_success();
    wrong_status["data"]["appRegistration"]["status"] = json!("new");
    let violations = shapes.violations(Shape::Success(cur), &wrong_status);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].instance_path, "/data/appRegistration/status");
    assert!(
        violations[0].schema_path.ends_with("/status/const"),
        "{}",
        violations[0].schema_path
    );
}

#[test]
fn legacy_schemas_accept_legacy_shapes_and_reject_current_ones() {
    let shapes = &contract().shapes;
    let leg = ShapeFamily::Legacy;
    assert_eq!(
        shapes.violations(Shape::Success(leg), &legacy_success()),
        vec![]
    );
    assert_eq!(
        shapes.violations(Shape::Error(leg), &legacy_error()),
        vec![]
    );
    assert!(!shapes.is_valid(Shape::Success(leg), &current_success()));
    assert!(!shapes.is_valid(Shape::Error(leg), &current_error()));
}

#[test]
fn create_request_schemas_follow_each_variants_rules() {
    let shapes = &contract().shapes;
    let cur = Shape::CreateRequest(ShapeFamily::Current);
    let leg = Shape::CreateRequest(ShapeFamily::Legacy);
    let email_only = json!({"project": "p", "projectFlow": "f", "email": "a@b.test"});
    assert!(shapes.is_valid(cur, &email_only));
    assert!(
        !shapes.is_valid(leg, &email_only),
        "legacy requires fullName"
    );
    let no_contact = json!({"project": "p", "projectFlow": "f", "fullName": "A B"});
    assert!(!shapes.is_valid(cur, &no_contact));
    assert!(!shapes.is_valid(leg, &no_contact));
    let phone_no_code = json!({"project": "p", "projectFlow": "f", "phone": "123"});
    assert!(!shapes.is_valid(cur, &phone_no_code));
    let dashed = json!({"project": "p", "projectFlow": "f", "phone": "300-123", "countryCode": "+57", "fullName": "A"});
    assert!(!shapes.is_valid(cur, &dashed), "current: digits only");
    assert!(
        shapes.is_valid(leg, &dashed),
        "legacy states no phone format"
    );
    let long_code =
        json!({"project": "p", "projectFlow": "f", "phone": "1", "countryCode": "+1234"});
    assert!(!shapes.is_valid(cur, &long_code));
}

#[test]
fn overview_object_schema_accepts_the_overview_shape_only() {
    let shapes = &contract().shapes;
    let object = json!({"id": "r1", "userId": null, "projectId": "p", "flowId": "f", "status": "STARTED",
        "steps": [{"type": "personal_info", "status": "pending"}], "verificationResults": {},
        "createdAt": "2025-01-01T00:00:00Z", "completedAt": null});
    assert_eq!(shapes.violations(Shape::OverviewObject, &object), vec![]);
    let current_object = current_success()["data"]["appRegistration"].clone();
    assert!(!shapes.is_valid(Shape::OverviewObject, &current_object));
    assert!(!shapes.is_valid(Shape::Registration(ShapeFamily::Current), &object));
}

#[test]
fn en_and_es_sheets_state_the_same_facts() {
    let c = contract();
    let en = c.sheet(Variant::En);
    let es = c.sheet(Variant::Es);
    for id in FACT_IDS {
        assert_eq!(en.facts.get(id), es.facts.get(id), "fact {id}");
    }
    // the pages themselves differ only in translated labels
    assert_eq!(en.page.params, es.page.params);
    assert_eq!(en.page.headers, es.page.headers);
    assert_eq!(en.page.notes, es.page.notes);
    let bodies = |s: &verifik_conformance::contract::FactSheet| {
        s.page
            .examples
            .iter()
            .map(|e| (e.status, e.body.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bodies(en), bodies(es));
    assert_ne!(en.source.language, es.source.language);
}

#[test]
fn exactly_the_conflicts_facts_md_names_are_conflicts() {
    let c = contract();
    for id in FACT_IDS {
        assert_eq!(
            c.is_conflict(id),
            CONFLICTS.contains(&id),
            "fact {id}: conflicting keys {:?}",
            c.conflicting_keys(id)
        );
    }
}

#[test]
fn profiles_judge_conflicts_by_their_own_variant() {
    let c = contract();
    let current = c.profile(ProfileId::Current);
    let legacy = c.profile(ProfileId::Legacy);
    let overview = c.profile(ProfileId::Overview);
    let status = |p| c.judged_claim(p, "create.initial-status").unwrap().1["status"].clone();
    assert_eq!(status(current), json!("STARTED"));
    assert_eq!(status(legacy), json!("new"));
    assert_eq!(
        status(overview),
        json!("STARTED"),
        "overview falls back to en for create"
    );
    assert_eq!(
        c.level(current, "create.invalid-project-flow"),
        Level::Observe
    );
    assert_eq!(c.level(legacy, "create.invalid-project-flow"), Level::Must);
    assert_eq!(
        c.level(current, "list.ok"),
        Level::Must,
        "current reads the overview for list"
    );
    assert_eq!(
        c.level(legacy, "error.http-409"),
        Level::Observe,
        "legacy shows no status"
    );
    assert_eq!(c.level(overview, "overview.object-shape"), Level::Must);
    assert_eq!(c.level(current, "overview.object-shape"), Level::Observe);
    assert_eq!(
        c.level(current, "token.recreate-resets-validations"),
        Level::Untestable
    );
}

#[test]
fn a_broken_sheet_is_reported_with_its_file_and_json_path() {
    let mut files: BTreeMap<String, String> = embedded::schema_files()
        .into_iter()
        .map(|(p, t)| (p, t.to_string()))
        .collect();
    let mut sheet: Value = serde_json::from_str(&files["variants/legacy.json"]).unwrap();
    sheet["facts"]["create.initial-status"]["claim"] = json!("new");
    files.insert("variants/legacy.json".into(), sheet.to_string());
    let err = Contract::load(&files).unwrap_err();
    assert_eq!(err.file, "variants/legacy.json");
    assert_eq!(err.path, "/facts/create.initial-status/claim");

    let mut files2: BTreeMap<String, String> = embedded::schema_files()
        .into_iter()
        .map(|(p, t)| (p, t.to_string()))
        .collect();
    files2.insert(
        "current/error.json".into(),
        r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":12}"#.into(),
    );
    let err = Contract::load(&files2).unwrap_err();
    assert_eq!(err.file, "current/error.json");
    assert!(
        err.to_string().contains("schemas/current/error.json"),
        "{err}"
    );
}

#[test]
fn facts_json_lists_every_fact_with_its_variant_statements() {
    let out = bin().args(["facts", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    let facts = listing["facts"].as_array().unwrap();
    assert_eq!(facts.len(), FACT_IDS.len());
    for fact in facts {
        let id = fact["id"].as_str().unwrap();
        assert!(FACT_IDS.contains(&id), "{id}");
        for key in ["level", "conflict", "variants", "checks", "untestable"] {
            assert!(fact.get(key).is_some(), "{id} lacks {key}");
        }
        assert_eq!(fact["conflict"], json!(CONFLICTS.contains(&id)), "{id}");
        for v in ["en", "es", "legacy", "overview"] {
            assert!(fact["variants"][v]["says"].is_string(), "{id} {v}");
        }
    }
    let untestable = facts
        .iter()
        .find(|f| f["id"] == "token.recreate-resets-validations")
        .unwrap();
    assert!(untestable["untestable"].is_string());
}

#[test]
fn facts_rejects_an_unknown_profile_with_exit_2() {
    let out = bin()
        .args(["facts", "--profile", "klingon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn facts_text_output_snapshot() {
    let out = bin().args(["facts"]).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn every_fact_has_a_scenario_or_an_untestable_reason() {
    let c = contract();
    let coverage = verifik_conformance::scripted::coverage();
    for fact in c.facts() {
        let covered = coverage
            .get(fact.id.as_str())
            .is_some_and(|c| !c.is_empty());
        match &fact.untestable {
            Some(reason) => {
                assert!(!covered, "{} is untestable yet has scenarios", fact.id);
                assert!(!reason.is_empty());
            }
            None => assert!(covered, "{} has no scenario", fact.id),
        }
    }
    // and no scenario names a fact the contract does not know
    for (path, text) in verifik_conformance::scripted::feature_texts() {
        let feature = verifik_conformance::scripted::parse_feature(path, text).unwrap();
        for scenario in &feature.scenarios {
            let facts: Vec<&str> = scenario
                .tags
                .iter()
                .filter_map(|t| t.strip_prefix("fact:"))
                .collect();
            assert!(
                !facts.is_empty(),
                "{path}: {:?} has no @fact tag",
                scenario.name
            );
            for fact in facts {
                assert!(c.fact(fact).is_some(), "{path}: unknown fact {fact}");
            }
        }
    }
}

/// Every property of every shape schema says which doc statement it comes from.
#[test]
fn every_schema_property_has_a_description() {
    fn walk(node: &Value, path: &str, missing: &mut Vec<String>) {
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let here = format!("{path}/{name}");
                if prop.get("description").is_none() {
                    missing.push(here.clone());
                }
                walk(prop, &here, missing);
            }
        }
        if let Some(items) = node.get("items") {
            walk(items, &format!("{path}/items"), missing);
        }
    }
    let mut missing = Vec::new();
    for (path, text) in embedded::schema_files() {
        if path.starts_with("variants/") || path.starts_with("meta/") || path == "facts.json" {
            continue;
        }
        let value: Value = serde_json::from_str(text).unwrap();
        walk(&value, &path, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:?}"
    );
}

/// How to break a trace, the JSON path the error names, what it says.
type TraceBreak = (fn(&mut Value), &'static str, &'static str);

#[test]
fn a_broken_trace_is_reported_with_its_file_and_json_path() {
    let embedded_files = || -> BTreeMap<String, String> {
        embedded::schema_files()
            .into_iter()
            .map(|(p, t)| (p, t.to_string()))
            .collect()
    };
    let trace = |files: &BTreeMap<String, String>| -> Value {
        serde_json::from_str(&files["variants/es.trace.json"]).unwrap()
    };
    let cases: Vec<TraceBreak> = vec![
        (
            |t| t["items"][0]["fingerprint"] = json!("a sentence of the page"),
            "/items/0/fingerprint",
            "^[0-9a-f]{16}$",
        ),
        (
            |t| {
                t["items"][3]["role"] = json!("normative");
                t["items"][3]["facts"] = json!(["create.no-such-fact"]);
            },
            "/items/3/facts",
            "fact create.no-such-fact is not in the catalogue",
        ),
        (
            |t| t["variant"] = json!("en"),
            "/variant",
            "says variant en",
        ),
    ];
    for (break_it, path, says) in cases {
        let mut files = embedded_files();
        let mut t = trace(&files);
        break_it(&mut t);
        files.insert("variants/es.trace.json".into(), t.to_string());
        let err = Contract::load(&files).unwrap_err();
        assert_eq!(err.file, "variants/es.trace.json", "{err}");
        assert_eq!(err.path, path, "{err}");
        assert!(err.message.contains(says), "{err}");
    }
}
