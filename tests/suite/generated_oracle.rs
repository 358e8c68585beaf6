//! The oracle on hand-picked bodies: every documented rule alone, several
//! broken at once (any of their documented errors is right), and what the
//! docs leave open (observed, never judged).

use serde_json::{json, Value};
use verifik_conformance::context::TargetFacts;
use verifik_conformance::contract::Contract;
use verifik_conformance::judge::Refusal;
use verifik_conformance::model::ProfileId;
use verifik_conformance::property::oracle::{ContactForm, Prediction, RuleId, RuleSet};

const P: &str = "507f1f77bcf86cd799439011";
const F: &str = "507f1f77bcf86cd799439015";
const BLOCKED: &str = "blocked.example.test";

fn rules(profile: &str) -> RuleSet {
    let contract = Contract::embedded().unwrap();
    RuleSet::new(
        contract,
        contract.profile(ProfileId::parse(profile).expect("a profile")),
    )
}

fn target(blocked: Option<&str>) -> TargetFacts {
    TargetFacts {
        project: P.into(),
        project_flow: F.into(),
        blocked_email_domain: blocked.map(String::from),
    }
}

/// A valid body, with `changes` applied (null values in `changes` are kept
/// as JSON null; use `remove` to drop a field).
fn body(changes: Value, remove: &[&str]) -> serde_json::Map<String, Value> {
    let mut body = json!({"project": P, "projectFlow": F, "email": "ana.1@example.test", "fullName": "Ana Gómez"});
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    let mut map = body.as_object().unwrap().clone();
    for key in remove {
        map.remove(*key);
    }
    map
}

fn predict_in(
    profile: &str,
    blocked: Option<&str>,
    b: serde_json::Map<String, Value>,
) -> Prediction {
    rules(profile).predict(&target(blocked), &b)
}

fn predict(b: serde_json::Map<String, Value>) -> Prediction {
    predict_in("current", Some(BLOCKED), b)
}

/// A documented rule without an error example: the validation status,
/// any body.
fn rule_409() -> Refusal {
    Refusal {
        status: Some(409),
        body: None,
        fields: Vec::new(),
        documented: true,
    }
}

/// The refusal of a value no page constrains: any 4xx, any body.
fn undocumented() -> Refusal {
    Refusal {
        status: None,
        body: None,
        fields: Vec::new(),
        documented: false,
    }
}

fn documented(message: &str, code: &str) -> Refusal {
    Refusal {
        status: Some(409),
        body: Some(json!({"message": message, "code": code, "status": 409})),
        fields: Vec::new(),
        documented: true,
    }
}

fn contact_required() -> Refusal {
    documented("Needs an email or a phone at least", "MissingParameter")
}

fn country_code_required() -> Refusal {
    documented("missing countryCode", "MissingParameter")
}

fn domain_not_allowed() -> Refusal {
    documented("email domain not allowed", "PreconditionFailed")
}

/// The refusal's rules and allowed answers, in any order.
fn refused(p: &Prediction) -> (Vec<RuleId>, Vec<Refusal>) {
    match p {
        Prediction::Refuse { rules, allowed } => (rules.clone(), allowed.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn assert_refused(p: Prediction, rules: &[RuleId], allowed: &[Refusal]) {
    let (got_rules, got_allowed) = refused(&p);
    assert_eq!(got_rules, rules, "{p:?}");
    assert_eq!(got_allowed.len(), allowed.len(), "{p:?}");
    for a in allowed {
        assert!(
            got_allowed.contains(a),
            "{a:?} missing from {got_allowed:?}"
        );
    }
}

fn assert_open(p: Prediction, fact: &str) {
    match p {
        Prediction::Undetermined { facts } => assert!(facts.contains(&fact), "{facts:?}"),
        other => panic!("expected the docs to leave {fact} open, got {other:?}"),
    }
}

fn accepted(p: Prediction) -> verifik_conformance::property::oracle::Acceptance {
    match p {
        Prediction::Accept(a) => a,
        other => panic!("expected acceptance, got {other:?}"),
    }
}

// ---------------------------------------------------------------- accepted

#[test]
fn a_valid_email_body_is_accepted_with_echo_and_default_language() {
    let a = accepted(predict(body(json!({}), &[])));
    assert_eq!(a.form, ContactForm::Email);
    assert_eq!(a.language_default.as_deref(), Some("en"));
    let echoed: Vec<&str> = a.echo.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(echoed, ["project", "projectFlow", "email"]);
}

#[test]
fn phone_with_country_code_alone_and_both_contacts_are_accepted() {
    let phone = body(
        json!({"phone": "3001234567", "countryCode": "+57"}),
        &["email"],
    );
    assert_eq!(accepted(predict(phone)).form, ContactForm::Phone);
    let both = body(
        json!({"phone": "3001234567", "countryCode": "+593", "language": "es"}),
        &[],
    );
    let a = accepted(predict(both));
    assert_eq!(a.form, ContactForm::Both);
    assert_eq!(a.language_default, None, "a language was sent");
    assert!(a.echo.contains(&("language".into(), "es".into())));
}

#[test]
fn spanish_names_and_first_last_names_are_plain() {
    let b = body(
        json!({"fullName": "María José de la Cruz", "firstName": "Iñaki", "lastName": "Ñúñez"}),
        &[],
    );
    accepted(predict(b));
    accepted(predict(body(json!({}), &["fullName"])));
}

#[test]
fn without_a_configured_blocked_domain_no_email_is_refused_for_its_domain() {
    let b = body(json!({"email": "ana@blocked.example.test"}), &[]);
    accepted(predict_in("current", None, b));
}

// ---------------------------------------------------------------- one rule broken

#[test]
fn project_and_flow_are_required() {
    assert_refused(
        predict(body(json!({}), &["project"])),
        &[RuleId::ProjectRequired],
        &[rule_409()],
    );
    assert_refused(
        predict(body(json!({}), &["projectFlow"])),
        &[RuleId::ProjectFlowRequired],
        &[rule_409()],
    );
}

#[test]
fn null_or_wrong_typed_project_is_refused_as_missing_or_invalid() {
    for value in [Value::Null, json!(123), json!(["p"]), json!({})] {
        assert_refused(
            predict(body(json!({ "project": value }), &[])),
            &[RuleId::ProjectRequired],
            &[rule_409(), undocumented()],
        );
    }
}

#[test]
fn a_blank_project_or_flow_is_left_open() {
    // No page says a blank string is not sent: a server may take it as the
    // value it is (an unknown project), refuse it, or call it missing.
    for value in ["", " ", "   ", "\t"] {
        assert_open(
            predict(body(json!({ "project": value }), &[])),
            "create.project-required",
        );
        assert_open(
            predict(body(json!({ "projectFlow": value }), &[])),
            "create.project-flow-required",
        );
    }
}

#[test]
fn no_contact_gets_the_documented_409() {
    let p = predict(body(json!({}), &["email"]));
    assert_refused(p, &[RuleId::ContactRequired], &[contact_required()]);
    // A null email as the only contact is no contact either; it may also
    // be refused as invalid.
    assert_refused(
        predict(body(json!({ "email": null }), &[])),
        &[RuleId::ContactRequired],
        &[contact_required(), undocumented()],
    );
    // A blank one may also be taken as an email (of no documented format).
    assert_open(
        predict(body(json!({ "email": "  " }), &[])),
        "create.contact-either",
    );
}

#[test]
fn phone_without_country_code_gets_the_documented_409() {
    let b = body(json!({"phone": "3001234567"}), &["email"]);
    assert_refused(
        predict(b),
        &[RuleId::CountryCodeRequired],
        &[country_code_required()],
    );
}

#[test]
fn malformed_country_codes_are_refused() {
    for code in ["57", "+1234", "+", "+5a", "++57", "0057", "+57 "] {
        let b = body(json!({"phone": "3001234567", "countryCode": code}), &[]);
        assert_refused(predict(b), &[RuleId::CountryCodeFormat], &[rule_409()]);
    }
}

#[test]
fn phones_with_spaces_dashes_plus_or_letters_are_refused() {
    for phone in [
        "300 123 4567",
        "300-123-4567",
        "+573001234567",
        "300abc4567",
        "(300) 1234567",
    ] {
        let b = body(json!({"phone": phone, "countryCode": "+57"}), &[]);
        assert_refused(predict(b), &[RuleId::PhoneDigits], &[rule_409()]);
    }
}

#[test]
fn the_blocked_domain_gets_the_documented_409() {
    let b = body(json!({"email": "ana@blocked.example.test"}), &[]);
    assert_refused(predict(b), &[RuleId::EmailDomain], &[domain_not_allowed()]);
    // A subdomain is not documented either way.
    let b = body(json!({"email": "ana@mail.blocked.example.test"}), &[]);
    assert_open(predict(b), "create.email-domain");
}

#[test]
fn a_body_that_is_not_an_object_is_refused_with_any_4xx() {
    let p = rules("current").predict_not_an_object();
    let (rules, allowed) = refused(&p);
    assert_eq!(rules, [RuleId::BodyNotAnObject]);
    assert!(allowed.iter().any(|r| r.fits(400, None)));
    assert!(allowed.iter().any(|r| r.fits(409, Some(&json!({})))));
    assert!(!allowed
        .iter()
        .any(|r| r.fits(200, None) || r.fits(500, None)));
}

// ---------------------------------------------------------------- several rules broken

#[test]
fn an_empty_object_breaks_project_flow_and_contact() {
    let p = predict(serde_json::Map::new());
    assert_refused(
        p,
        &[
            RuleId::ProjectRequired,
            RuleId::ProjectFlowRequired,
            RuleId::ContactRequired,
        ],
        &[rule_409(), contact_required()],
    );
}

#[test]
fn missing_project_and_contact_accept_either_error() {
    let p = predict(body(json!({}), &["project", "email"]));
    let (rules, allowed) = refused(&p);
    assert_eq!(rules, [RuleId::ProjectRequired, RuleId::ContactRequired]);
    let contact = json!({"message": "Needs an email or a phone at least", "code": "MissingParameter", "status": 409});
    let other = json!({"message": "missing project", "code": "MissingParameter", "status": 409});
    assert!(allowed.iter().any(|r| r.fits(409, Some(&contact))));
    assert!(allowed.iter().any(|r| r.fits(409, Some(&other))));
    assert!(
        !allowed.iter().any(|r| r.fits(400, Some(&other))),
        "validation errors are 409"
    );
    assert!(!allowed.iter().any(|r| r.fits(200, None)));
}

#[test]
fn malformed_phone_without_country_code_accepts_either_error() {
    let b = body(json!({"phone": "300-123-4567"}), &["email"]);
    assert_refused(
        predict(b),
        &[RuleId::CountryCodeRequired, RuleId::PhoneDigits],
        &[country_code_required(), rule_409()],
    );
}

#[test]
fn blocked_domain_without_project_accepts_either_error() {
    let b = body(json!({"email": "ana@blocked.example.test"}), &["project"]);
    assert_refused(
        predict(b),
        &[RuleId::ProjectRequired, RuleId::EmailDomain],
        &[rule_409(), domain_not_allowed()],
    );
}

#[test]
fn bad_country_code_and_no_contact_accepts_either_error() {
    let b = body(json!({"countryCode": "57"}), &["email"]);
    assert_refused(
        predict(b),
        &[RuleId::ContactRequired, RuleId::CountryCodeFormat],
        &[contact_required(), rule_409()],
    );
}

#[test]
fn a_certain_refusal_stays_certain_whatever_else_is_odd() {
    // An emoji name is undocumented, but the missing project decides.
    let b = body(json!({"fullName": "😀😀"}), &["project"]);
    assert_refused(
        predict(b),
        &[RuleId::ProjectRequired],
        &[rule_409(), undocumented()],
    );
}

// ---------------------------------------------------------------- left open by the docs

#[test]
fn undocumented_values_are_only_observed() {
    assert_open(
        predict(body(json!({"fullName": null}), &[])),
        "create.full-name-optional",
    );
    assert_open(
        predict(body(json!({"fullName": "a".repeat(201)}), &[])),
        "create.full-name-optional",
    );
    for odd in ["😀 Ana", "שלום", "Ana\u{0}", "漢字"] {
        assert_open(
            predict(body(json!({"fullName": odd}), &[])),
            "create.full-name-optional",
        );
    }
    assert_open(
        predict(body(json!({"language": "fr"}), &[])),
        "create.language-default",
    );
    assert_open(predict(body(json!({"nickname": "x"}), &[])), "http.json");
    assert_open(
        predict(body(json!({"email": "ana.example.test"}), &[])),
        "create.contact-either",
    );
    assert_open(
        predict(body(
            json!({"email": "ana.example.test", "phone": "3001234567", "countryCode": "+57"}),
            &[],
        )),
        "create.contact-either",
    );
    assert_open(
        predict(body(json!({"project": "another-project"}), &[])),
        "create.project-required",
    );
    assert_open(
        predict(body(json!({"projectFlow": "another-flow"}), &[])),
        "create.invalid-project-flow",
    );
    assert_open(
        predict(body(json!({"phone": null}), &[])),
        "create.phone-digits",
    );
}

// ---------------------------------------------------------------- other profiles

#[test]
fn legacy_requires_full_name_and_knows_its_flow() {
    let p = predict_in("legacy", Some(BLOCKED), body(json!({}), &["fullName"]));
    let (rules, allowed) = refused(&p);
    assert_eq!(rules, [RuleId::FullNameRequired]);
    assert!(
        allowed.iter().any(|r| r.fits(400, None)),
        "legacy shows no status"
    );

    let p = predict_in(
        "legacy",
        Some(BLOCKED),
        body(json!({"projectFlow": "another-flow"}), &[]),
    );
    let flow = json!({"error": "Invalid project flow", "message": "INVALID_PROJECT_FLOW"});
    assert_refused(
        p,
        &[RuleId::InvalidProjectFlow],
        &[Refusal {
            status: None,
            body: Some(flow),
            fields: Vec::new(),
            documented: true,
        }],
    );

    let p = predict_in("legacy", Some(BLOCKED), body(json!({}), &["email"]));
    let contact =
        json!({"error": "Either email or phone is required", "message": "MISSING_CONTACT_INFO"});
    assert_refused(
        p,
        &[RuleId::ContactRequired],
        &[Refusal {
            status: None,
            body: Some(contact),
            fields: Vec::new(),
            documented: true,
        }],
    );
}

#[test]
fn legacy_is_silent_on_phone_format_names_and_domains() {
    let legacy = |b| predict_in("legacy", Some(BLOCKED), b);
    assert_open(
        legacy(body(json!({"phone": "300 123", "countryCode": "+57"}), &[])),
        "create.phone-digits",
    );
    assert_open(
        legacy(body(json!({"countryCode": "57"}), &[])),
        "create.country-code-format",
    );
    assert_open(
        legacy(body(json!({"firstName": "Ana"}), &[])),
        "create.first-last-name",
    );
    assert_open(
        legacy(body(json!({"email": "ana@blocked.example.test"}), &[])),
        "create.email-domain",
    );
    accepted(legacy(body(json!({}), &[])));
}

#[test]
fn overview_judges_create_by_the_english_page() {
    let p = predict_in("overview", Some(BLOCKED), body(json!({}), &["email"]));
    assert_refused(p, &[RuleId::ContactRequired], &[contact_required()]);
    accepted(predict_in("overview", Some(BLOCKED), body(json!({}), &[])));
}

#[test]
fn refusals_match_status_and_body() {
    let r = contact_required();
    let body = r.body.clone().unwrap();
    assert!(r.fits(409, Some(&body)));
    assert!(!r.fits(400, Some(&body)));
    assert!(!r.fits(
        409,
        Some(&json!({"message": "x", "code": "y", "status": 409}))
    ));
    assert!(!r.fits(409, None));
    // A documented body is shown when its members are, whatever is added.
    let extra = json!({"message": "Needs an email or a phone at least", "code": "MissingParameter", "status": 409, "requestId": "r1"});
    assert!(r.fits(409, Some(&extra)));
    let any = undocumented();
    assert!(any.fits(422, None) && !any.fits(503, None) && !any.fits(201, None));
}
