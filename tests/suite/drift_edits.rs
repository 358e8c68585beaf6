//! One edit to a fixture page is reported as exactly that drift, with its
//! item, kind, fact and both values, and nothing else.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use verifik_conformance::contract::{Page, Statement, Variant};
use verifik_conformance::drift::{diff_page, parse_page, Drift, DriftKind};

const DIR: &str = "tests/fixtures/pages";

struct Edit {
    what: &'static str,
    page: &'static str,
    sheet: &'static str,
    variant: Variant,
    from: &'static str,
    to: &'static str,
    fact: &'static str,
    item: &'static str,
    kind: DriftKind,
    encoded: Value,
    found: Value,
}

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).expect("fixture")
}

fn edits() -> Vec<Edit> {
    use DriftKind::*;
    use Variant::*;
    let en = ("register-en.txt", "register-en.page.json", En);
    let es = ("register-es.txt", "register-es.page.json", Es);
    let legacy = ("register-legacy.md", "register-legacy.page.json", Legacy);
    let overview = ("overview.txt", "overview.page.json", Overview);
    #[allow(clippy::too_many_arguments)]
    fn edit(
        what: &'static str,
        (page, sheet, variant): (&'static str, &'static str, Variant),
        from: &'static str,
        to: &'static str,
        fact: &'static str,
        item: &'static str,
        kind: DriftKind,
        encoded: Value,
        found: Value,
    ) -> Edit {
        Edit {
            what,
            page,
            sheet,
            variant,
            from,
            to,
            fact,
            item,
            kind,
            encoded,
            found,
        }
    }
    vec![
        edit(
            "changed error message (text export)",
            en,
            "\"message\": \"Needs an email or a phone at least\"",
            "\"message\": \"Send an email or a phone\"",
            "create.contact-required",
            "examples[409].body/message",
            Changed,
            json!("Needs an email or a phone at least"),
            json!("Send an email or a phone"),
        ),
        edit(
            "changed error message (Spanish page)",
            es,
            "\"message\": \"missing countryCode\"",
            "\"message\": \"countryCode is missing\"",
            "create.country-code-required",
            "examples[409 (Código de País)].body/message",
            Changed,
            json!("missing countryCode"),
            json!("countryCode is missing"),
        ),
        edit(
            "changed error body (Markdown)",
            legacy,
            "\"error\": \"Invalid project flow\"",
            "\"error\": \"Unknown project flow\"",
            "create.invalid-project-flow",
            "examples[422 (Invalid flow)].body/error",
            Changed,
            json!("Invalid project flow"),
            json!("Unknown project flow"),
        ),
        edit(
            "flipped required flag (Markdown, bold)",
            legacy,
            "| `fullName`    | string | **Yes**  |",
            "| `fullName`    | string | No       |",
            "create.full-name-optional",
            "params[fullName].required",
            Changed,
            json!(true),
            json!(false),
        ),
        edit(
            "flipped required flag (Spanish, Sí)",
            es,
            "projectFlow | string | Sí |",
            "projectFlow | string | No |",
            "create.project-flow-required",
            "params[projectFlow].required",
            Changed,
            json!(true),
            json!(false),
        ),
        edit(
            "dropped required-if condition (Spanish)",
            es,
            "Requerido si se proporciona phone. ",
            "",
            "create.country-code-required",
            "params[countryCode].required_if",
            Changed,
            json!("phone"),
            Value::Null,
        ),
        edit(
            "changed format (text export)",
            en,
            "Format: +57 |",
            "Format: +5 |",
            "create.country-code-format",
            "params[countryCode].format",
            Changed,
            json!("+57"),
            json!("+5"),
        ),
        edit(
            "added param (Spanish)",
            es,
            "fullName | string | No | Nombre completo |\n",
            "fullName | string | No | Nombre completo |\nmiddleName | string | No | Segundo nombre |\n",
            "create.echo",
            "params[middleName]",
            Added,
            Value::Null,
            json!({"name": "middleName", "type": "string", "required": false}),
        ),
        edit(
            "removed param (text export)",
            en,
            "firstName | string | No | Given name |\n",
            "",
            "create.first-last-name",
            "params[firstName]",
            Removed,
            json!({"name": "firstName", "type": "string", "required": false}),
            Value::Null,
        ),
        edit(
            "removed param (Markdown)",
            legacy,
            "| `language`    | string | No       | Message language. Default: `\"en\"`.                   |\n",
            "",
            "create.language-default",
            "params[language]",
            Removed,
            json!({"name": "language", "type": "string", "required": false, "default": "en"}),
            Value::Null,
        ),
        edit(
            "changed default (text export)",
            en,
            "Default: \"en\" |",
            "Default: \"fr\" |",
            "create.language-default",
            "params[language].default",
            Changed,
            json!("en"),
            json!("fr"),
        ),
        edit(
            "changed default (Spanish)",
            es,
            "Por defecto: \"es\" |",
            "Por defecto: \"en\" |",
            "create.language-default",
            "params[language].default",
            Changed,
            json!("es"),
            json!("en"),
        ),
        edit(
            "changed initial status in the 200 example",
            en,
            "\"status\": \"STARTED\",",
            "\"status\": \"PENDING\",",
            "create.initial-status",
            "examples[200].body/data/appRegistration/status",
            Changed,
            json!("STARTED"),
            json!("PENDING"),
        ),
        edit(
            "changed initial status in the Markdown example",
            legacy,
            "\"status\": \"new\",",
            "\"status\": \"created\",",
            "create.initial-status",
            "examples[Response Example].body/data/status",
            Changed,
            json!("new"),
            json!("created"),
        ),
        edit(
            "changed initial status in the notes",
            en,
            "start with status\nSTARTED.",
            "start with status\nCREATED.",
            "create.initial-status",
            "notes[initial_status]",
            Changed,
            json!("STARTED"),
            json!("CREATED"),
        ),
        edit(
            "changed initial status in an admonition",
            legacy,
            "start with status `new`.",
            "start with status `open`.",
            "create.initial-status",
            "notes[initial_status]",
            Changed,
            json!("new"),
            json!("open"),
        ),
        edit(
            "changed endpoint path (overview)",
            overview,
            "GET https://api.example.test/v2/app-registrations/{id}\n",
            "GET https://api.example.test/v2/registrations/{id}\n",
            "retrieve.ok",
            "endpoints[GET /v2/app-registrations/{id}].path",
            Changed,
            json!("/v2/app-registrations/{id}"),
            json!("/v2/registrations/{id}"),
        ),
        edit(
            "changed endpoint path (Markdown)",
            legacy,
            "**POST** `https://api.example.test/v2/app-registrations`",
            "**POST** `https://api.example.test/v3/app-registrations`",
            "create.success-status",
            "endpoints[POST /v2/app-registrations].path",
            Changed,
            json!("/v2/app-registrations"),
            json!("/v3/app-registrations"),
        ),
        edit(
            "removed endpoint (overview)",
            overview,
            "PUT https://api.example.test/v2/app-registrations/{id}/sync\n",
            "",
            "sync.ok",
            "endpoints[PUT /v2/app-registrations/{id}/sync]",
            Removed,
            json!({"method": "PUT", "path": "/v2/app-registrations/{id}/sync"}),
            Value::Null,
        ),
        edit(
            "removed Authorization header",
            en,
            "| Authorization | Bearer <your-token> |\n",
            "",
            "auth.bearer-required",
            "headers[Authorization]",
            Removed,
            json!({"name": "Authorization", "value": "Bearer <your-token>"}),
            Value::Null,
        ),
        edit(
            "added Authorization header (Markdown)",
            legacy,
            "| Content-Type | `application/json` |\n",
            "| Content-Type | `application/json` |\n| Authorization | `Bearer <token>` |\n",
            "auth.bearer-required",
            "headers[Authorization]",
            Added,
            Value::Null,
            json!({"name": "Authorization", "value": "Bearer <token>"}),
        ),
        edit(
            "relabelled example",
            es,
            "- 409 (Dominio de Correo)",
            "- 409 (Dominio de Email)",
            "create.email-domain",
            "examples[409 (Dominio de Correo)].label",
            Changed,
            json!("409 (Dominio de Correo)"),
            json!("409 (Dominio de Email)"),
        ),
        edit(
            "changed object status (overview)",
            overview,
            "\"status\": \"completed\",\n\"steps\"",
            "\"status\": \"done\",\n\"steps\"",
            "create.initial-status",
            "examples[Registration object].body/status",
            Changed,
            json!("completed"),
            json!("done"),
        ),
        edit(
            "removed key from the object (overview)",
            overview,
            "\"projectId\": \"proj_1\",\n",
            "",
            "overview.object-shape",
            "examples[Registration object].body/projectId",
            Removed,
            json!("proj_1"),
            Value::Null,
        ),
        edit(
            "dropped purpose (overview)",
            overview,
            "- reverification - people proving their identity again\n",
            "",
            "overview.onboarding-only",
            "notes[purpose]",
            Changed,
            json!("onboarding, reverification"),
            json!("onboarding"),
        ),
    ]
}

#[test]
fn each_single_edit_is_exactly_one_drift() {
    for edit in edits() {
        let original = read(edit.page);
        assert_eq!(
            original.matches(edit.from).count(),
            1,
            "{}: the edit must hit exactly one place",
            edit.what
        );
        let page = original.replacen(edit.from, edit.to, 1);
        let encoded: Page = serde_json::from_str(&read(edit.sheet)).expect("expected sheet");
        let parsed =
            parse_page(page.as_bytes(), edit.page).unwrap_or_else(|e| panic!("{}: {e}", edit.what));
        let drift = diff_page(edit.variant, &encoded, &parsed.page, &BTreeMap::new());
        let expected = Drift::structured(
            edit.variant,
            edit.fact,
            edit.item,
            edit.kind,
            edit.encoded,
            edit.found,
        );
        assert_eq!(drift, vec![expected], "{}", edit.what);
    }
}

#[test]
fn error_examples_map_to_the_fact_whose_claim_holds_them() {
    // With the variant's statements, an error example belongs to the fact
    // that claims exactly that body, whatever its wording.
    let body = json!({"message": "Needs an email or a phone at least", "code": "MissingParameter", "status": 409});
    let mut claim = serde_json::Map::new();
    claim.insert("error".into(), body.clone());
    let mut statements = BTreeMap::new();
    statements.insert(
        "create.email-domain".to_string(),
        Statement {
            says: "an unusual mapping, to show the claim decides".into(),
            claim: Some(claim),
            ..Statement::default()
        },
    );
    let text = read("register-en.txt").replace(
        "Needs an email or a phone at least\"",
        "Needs contact data\"",
    );
    let encoded: Page = serde_json::from_str(&read("register-en.page.json")).unwrap();
    let parsed = parse_page(text.as_bytes(), "en").unwrap();
    let drift = diff_page(Variant::En, &encoded, &parsed.page, &statements);
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].fact, "create.email-domain");
}

#[test]
fn several_edits_give_one_drift_each() {
    let text = read("register-en.txt")
        .replace("Format: +57 |", "Format: +5 |")
        .replace("lastName | string | No | Family name |\n", "")
        .replace(
            "\"code\": \"PreconditionFailed\"",
            "\"code\": \"Forbidden\"",
        );
    let encoded: Page = serde_json::from_str(&read("register-en.page.json")).unwrap();
    let parsed = parse_page(text.as_bytes(), "en").unwrap();
    let drift = diff_page(Variant::En, &encoded, &parsed.page, &BTreeMap::new());
    let items: Vec<(&str, &str)> = drift
        .iter()
        .map(|d| (d.item.as_str(), d.fact.as_str()))
        .collect();
    assert_eq!(
        items,
        vec![
            ("params[countryCode].format", "create.country-code-format"),
            ("params[lastName]", "create.first-last-name"),
            (
                "examples[409 (Email Domain)].body/code",
                "create.email-domain"
            ),
        ]
    );
}

#[test]
fn the_drift_report_renders_as_text_and_json() {
    use verifik_conformance::contract::PageFormat;
    use verifik_conformance::drift::render::PageReport;
    use verifik_conformance::drift::DriftReport;

    let text = read("register-legacy.md")
        .replace(
            "| `fullName`    | string | **Yes**  |",
            "| `fullName`    | string | No       |",
        )
        .replace("\"ipAddress\": \"10.0.0.1\",\n", "");
    let encoded: Page = serde_json::from_str(&read("register-legacy.page.json")).unwrap();
    let parsed = parse_page(text.as_bytes(), "register-legacy.md").unwrap();
    let drift = diff_page(Variant::Legacy, &encoded, &parsed.page, &BTreeMap::new());
    let report = DriftReport {
        conflicts: Vec::new(),
        pairs: Vec::new(),
        pages: vec![
            PageReport {
                variant: Variant::Legacy,
                file: "register-legacy.md".into(),
                format: PageFormat::Markdown,
                differences: drift.len(),
            },
            PageReport {
                variant: Variant::Overview,
                file: "overview.txt".into(),
                format: PageFormat::TextExport,
                differences: 0,
            },
        ],
        drift,
        translations: Vec::new(),
        descriptive: Vec::new(),
        coverage: None,
    };
    assert!(report.drifted());
    insta::assert_snapshot!("drift_text", report.to_text());
    insta::assert_json_snapshot!("drift_json", report.to_json());
}
