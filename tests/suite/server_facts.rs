//! Every documented fact, per variant, over real HTTP against the reference
//! server on port 0. Expected strings come from the embedded fact sheets
//! (and a few literal checks prove the sheets say what the pages say).

use crate::support::server_support;

use reqwest::Method;
use serde_json::{json, Value};
use server_support::*;
use verifik_conformance::contract::{Shape, ShapeFamily, Variant};
use verifik_conformance::server::{ServerConfig, ServerVariant, MAX_BODY_BYTES};

const ALL: [ServerVariant; 3] = [
    ServerVariant::Current,
    ServerVariant::Legacy,
    ServerVariant::Overview,
];

/// A current-shape error: status, code, `{message, code, status}` exactly.
fn assert_current_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.json);
    assert!(reply.is_json_content_type(), "{:?}", reply.content_type);
    let body = reply.body();
    assert_shape(Shape::Error(ShapeFamily::Current), body);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["message", "code", "status"]);
    assert_eq!(body["status"], status, "error.status-consistent");
    assert_eq!(body["code"], code, "{body}");
}

/// A legacy-shape error with its upper-case constant.
fn assert_legacy_error(reply: &Reply, status: u16, constant: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.json);
    assert!(reply.is_json_content_type(), "{:?}", reply.content_type);
    let body = reply.body();
    assert_shape(Shape::Error(ShapeFamily::Legacy), body);
    assert_eq!(body["message"], constant, "{body}");
}

fn assert_error(api: &Api, reply: &Reply, status: u16, code: &str, constant: &str) {
    match api.variant() {
        ServerVariant::Legacy => assert_legacy_error(reply, status, constant),
        _ => assert_current_error(reply, status, code),
    }
}

/// The exact documented error body of `fact` for `variant`.
fn documented(variant: Variant, fact: &str) -> Value {
    claim(variant, fact)["error"].clone()
}

/// An ISO-8601 UTC timestamp (read by the suite's own reader) with exactly
/// milliseconds, or whole seconds.
fn is_timestamp(text: &str, millis: bool) -> bool {
    let digits = if millis { 3 } else { 0 };
    text.ends_with('Z') && verifik_conformance::judge::iso8601(text) == Some(digits)
}

fn is_object_id(text: &str) -> bool {
    text.len() == 24
        && text
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

fn field_names(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn claim_fields(variant: Variant, fact: &str) -> Vec<String> {
    claim(variant, fact)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if let Some(removed) = k.strip_prefix('-').filter(|_| v.is_null()) {
            body.as_object_mut().unwrap().remove(removed);
        } else {
            body[k] = v.clone();
        }
    }
    body
}

// ---------------------------------------------------------------- transport

#[tokio::test]
async fn auth_bearer_required_on_every_endpoint_in_every_variant() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let created = api.create(&api.valid_body("auth")).await;
        assert_eq!(created.status, 200, "{:?}", created.json);
        let id = api.created_id(&created);
        let routes = [
            (Method::POST, COLLECTION.to_string()),
            (Method::GET, COLLECTION.to_string()),
            (Method::GET, format!("{COLLECTION}/{id}")),
            (Method::PUT, format!("{COLLECTION}/{id}/sync")),
        ];
        for (method, path) in &routes {
            let body = serde_json::to_vec(&api.valid_body("auth")).unwrap();
            let bare = api
                .client
                .request(method.clone(), api.url(path))
                .header("Content-Type", "application/json")
                .body(body.clone());
            let missing = api.send(bare).await;
            assert_error(&api, &missing, 401, "Unauthorized", "MISSING_TOKEN");
            assert_eq!(
                missing.headers.get("www-authenticate").unwrap(),
                "Bearer",
                "{variant:?} {method} {path}"
            );
            for header in [
                "Bearer wrong-token".to_string(),
                format!("Basic {}", api.server.token()),
                format!("Bearer {}x", api.server.token()),
                api.server.token().to_string(),
            ] {
                let wrong = api
                    .client
                    .request(method.clone(), api.url(path))
                    .header("Authorization", header)
                    .header("Content-Type", "application/json")
                    .body(body.clone());
                let reply = api.send(wrong).await;
                assert_error(&api, &reply, 401, "Unauthorized", "INVALID_TOKEN");
            }
            let lower = api
                .client
                .request(method.clone(), api.url(path))
                .header("Authorization", format!("bearer {}", api.server.token()))
                .header("Content-Type", "application/json")
                .body(body);
            assert_eq!(
                api.send(lower).await.status,
                200,
                "{variant:?} {method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn http_json_on_every_answer() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let ok = api.create(&api.valid_body("json")).await;
        let id = api.created_id(&ok);
        let replies = [
            ok,
            api.get(COLLECTION).await,
            api.get(&format!("{COLLECTION}/{id}")).await,
            api.put(&format!("{COLLECTION}/{id}/sync")).await,
            api.get(&format!("{COLLECTION}/000000000000000000000000"))
                .await,
            api.get("/nowhere").await,
            api.send(api.request(Method::DELETE, COLLECTION)).await,
            api.post_raw(b"{".to_vec()).await,
            api.post_raw(vec![b' '; MAX_BODY_BYTES + 1]).await,
            api.create(&json!({})).await,
        ];
        for reply in &replies {
            assert!(reply.is_json_content_type(), "{variant:?}: {reply:?}");
            assert!(reply.json.is_some(), "{variant:?}: {reply:?}");
            assert!(reply.status < 500);
        }
    }
}

#[tokio::test]
async fn routes_and_methods() {
    for variant in ALL {
        let api = Api::start(variant).await;
        // Unknown routes and methods are answered before authentication.
        for path in [
            "/",
            "/v2",
            "/v2/app-registrations/",
            "/v1/app-registrations",
            "/v2/app-registrations/x/y",
        ] {
            let reply = api.send(api.client.get(api.url(path))).await;
            assert_error(&api, &reply, 404, "ResourceNotFound", "ROUTE_NOT_FOUND");
        }
        for (method, path, allow) in [
            (Method::DELETE, COLLECTION.to_string(), "GET,HEAD,POST"),
            (Method::PUT, COLLECTION.to_string(), "GET,HEAD,POST"),
            (Method::POST, format!("{COLLECTION}/abc"), "GET,HEAD"),
            (Method::GET, format!("{COLLECTION}/abc/sync"), "PUT"),
        ] {
            let reply = api.send(api.client.request(method, api.url(&path))).await;
            assert_error(&api, &reply, 405, "MethodNotAllowed", "METHOD_NOT_ALLOWED");
            assert_eq!(reply.headers.get("allow").unwrap(), allow);
        }
    }
}

#[tokio::test]
async fn body_transport_limits() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let too_big = api.post_raw(vec![b' '; 2 * 1024 * 1024]).await;
        assert_error(&api, &too_big, 413, "PayloadTooLarge", "PAYLOAD_TOO_LARGE");
        // Exactly the limit is fine: a valid body padded with whitespace.
        let mut exact = serde_json::to_vec(&api.valid_body("limit")).unwrap();
        exact.resize(MAX_BODY_BYTES, b' ');
        assert_eq!(api.post_raw(exact).await.status, 200);
        let form = api
            .request(Method::POST, COLLECTION)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("project=p");
        let reply = api.send(form).await;
        assert_error(
            &api,
            &reply,
            415,
            "UnsupportedMediaType",
            "UNSUPPORTED_MEDIA_TYPE",
        );
        // No Content-Type is read as JSON; a charset parameter is fine.
        let body = serde_json::to_vec(&api.valid_body("ct")).unwrap();
        let none = api.request(Method::POST, COLLECTION).body(body.clone());
        assert_eq!(api.send(none).await.status, 200);
        let charset = api
            .request(Method::POST, COLLECTION)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body);
        assert_eq!(api.send(charset).await.status, 200);
    }
}

#[tokio::test]
async fn malformed_json_is_400_saying_what_is_wrong() {
    for variant in ALL {
        let api = Api::start(variant).await;
        for (body, constant) in [
            (&b""[..], "EMPTY_BODY"),
            (b"  \n", "EMPTY_BODY"),
            (b"{", "INVALID_JSON"),
            (b"{\"project\": }", "INVALID_JSON"),
            (b"\xff\xfe", "INVALID_JSON"),
            (b"[]", "INVALID_BODY"),
            (b"null", "INVALID_BODY"),
            (b"\"text\"", "INVALID_BODY"),
        ] {
            let reply = api.post_raw(body.to_vec()).await;
            assert_error(&api, &reply, 400, "InvalidContent", constant);
        }
        let reply = api.post_raw(b"{\"project\": }".to_vec()).await;
        let text = reply.body().to_string();
        assert!(
            text.contains("not valid JSON") && text.contains("line 1"),
            "{text}"
        );
    }
}

// ---------------------------------------------------------------- create: rules

#[tokio::test]
async fn create_required_project_and_flow() {
    for variant in ALL {
        let api = Api::start(variant).await;
        for (field, message, constant) in [
            ("project", "missing project", "MISSING_PROJECT"),
            ("projectFlow", "missing projectFlow", "MISSING_PROJECT_FLOW"),
        ] {
            for value in [Value::Null, json!(""), json!("   ")] {
                let body = with(api.valid_body("req"), json!({ field: value }));
                let reply = api.create(&body).await;
                assert_error(&api, &reply, 409, "MissingParameter", constant);
                if variant != ServerVariant::Legacy {
                    assert_eq!(reply.body()["message"], message);
                }
            }
            let mut body = api.valid_body("req");
            body.as_object_mut().unwrap().remove(field);
            let reply = api.create(&body).await;
            assert_error(&api, &reply, 409, "MissingParameter", constant);
        }
    }
}

#[tokio::test]
async fn create_invalid_project_flow_by_variant() {
    // Current and overview are silent: any flow is accepted.
    for variant in [ServerVariant::Current, ServerVariant::Overview] {
        let api = Api::start(variant).await;
        let body = with(
            api.valid_body("flow"),
            json!({"projectFlow": "some-other-flow"}),
        );
        let reply = api.create(&body).await;
        assert_eq!(reply.status, 200, "{:?}", reply.json);
        assert_eq!(
            reply.at("/data/appRegistration/projectFlow"),
            "some-other-flow"
        );
    }
    // Legacy refuses a flow other than the configured one, with the documented body.
    let mut config = ServerConfig::new(ServerVariant::Legacy);
    config.project_flow = "flow_known".into();
    let api = Api::start_with(config).await;
    let reply = api
        .create(&with(
            api.valid_body("flow"),
            json!({"projectFlow": "flow_unknown"}),
        ))
        .await;
    assert_legacy_error(&reply, 409, "INVALID_PROJECT_FLOW");
    assert_eq!(
        *reply.body(),
        documented(Variant::Legacy, "create.invalid-project-flow")
    );
    assert_eq!(
        *reply.body(),
        json!({"error": "Invalid project flow", "message": "INVALID_PROJECT_FLOW"})
    );
    let ok = api.create(&api.valid_body("flow")).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.at("/data/projectFlow"), "flow_known");
}

#[tokio::test]
async fn create_contact_required_exact_bodies() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let sheet = match variant {
            ServerVariant::Legacy => Variant::Legacy,
            _ => Variant::En,
        };
        for contact in [
            json!({"-email": null}),
            json!({"email": null}),
            json!({"email": ""}),
            json!({"email": null, "phone": null, "countryCode": "+1"}),
        ] {
            let reply = api.create(&with(api.valid_body("contact"), contact)).await;
            assert_eq!(reply.status, 409);
            assert_eq!(*reply.body(), documented(sheet, "create.contact-required"));
        }
    }
    // The sheets hold what the pages print.
    assert_eq!(
        documented(Variant::En, "create.contact-required"),
        json!({"message": "Needs an email or a phone at least", "code": "MissingParameter", "status": 409})
    );
    assert_eq!(
        documented(Variant::Legacy, "create.contact-required"),
        json!({"error": "Either email or phone is required", "message": "MISSING_CONTACT_INFO"})
    );
    assert_eq!(
        documented(Variant::Es, "create.contact-required"),
        documented(Variant::En, "create.contact-required")
    );
}

#[tokio::test]
async fn create_contact_either() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let n = unique();
        for body in [
            with(api.valid_body("either"), json!({})),
            with(
                api.valid_body("either"),
                json!({"-email": null, "phone": format!("300{n}"), "countryCode": "+57"}),
            ),
            with(
                api.valid_body("either"),
                json!({"phone": format!("301{n}"), "countryCode": "+57"}),
            ),
        ] {
            let reply = api.create(&body).await;
            assert_eq!(reply.status, 200, "{variant:?} {body}: {:?}", reply.json);
        }
    }
}

#[tokio::test]
async fn create_country_code_required_and_format() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let no_code = with(api.valid_body("cc"), json!({"phone": "3001234567"}));
        let reply = api.create(&no_code).await;
        match variant {
            ServerVariant::Legacy => assert_legacy_error(&reply, 409, "MISSING_COUNTRY_CODE"),
            _ => {
                assert_eq!(reply.status, 409);
                assert_eq!(
                    *reply.body(),
                    documented(Variant::En, "create.country-code-required")
                );
                assert_eq!(
                    *reply.body(),
                    json!({"message": "missing countryCode", "code": "MissingParameter", "status": 409})
                );
            }
        }
        for bad in [
            "+1234", "1", "57", "+", "++1", "+1a", "+ 1", "+١", "+１", "+1 ", "-1",
        ] {
            let body = with(
                api.valid_body("cc"),
                json!({"phone": format!("30{}", unique()), "countryCode": bad}),
            );
            let reply = api.create(&body).await;
            assert_error(&api, &reply, 409, "InvalidArgument", "INVALID_COUNTRY_CODE");
        }
        // The format applies whenever countryCode is sent, even without a phone.
        let lone = with(api.valid_body("cc"), json!({"countryCode": "57"}));
        assert_error(
            &api,
            &api.create(&lone).await,
            409,
            "InvalidArgument",
            "INVALID_COUNTRY_CODE",
        );
        for good in ["+1", "+57", "+123"] {
            let body = with(
                api.valid_body("cc"),
                json!({"phone": format!("30{}", unique()), "countryCode": good}),
            );
            let reply = api.create(&body).await;
            assert_eq!(reply.status, 200, "{good}: {:?}", reply.json);
        }
    }
}

#[tokio::test]
async fn create_phone_digits_only_where_documented() {
    let bad_phones = [
        "300 123 4567",
        "300-123-4567",
        "+573001234567",
        "(300)1234567",
        "30012a",
        "３００１２３",
        "٣٠٠١٢٣",
    ];
    for variant in ALL {
        let api = Api::start(variant).await;
        for phone in bad_phones {
            let body = with(
                api.valid_body("phone"),
                json!({"phone": format!("{phone}{}", unique()), "countryCode": "+57"}),
            );
            let reply = api.create(&body).await;
            match variant {
                // The legacy page states no phone format.
                ServerVariant::Legacy => assert_eq!(reply.status, 200, "{phone}"),
                _ => assert_current_error(&reply, 409, "InvalidArgument"),
            }
        }
        let body = with(
            api.valid_body("phone"),
            json!({"phone": format!("0{}", unique()), "countryCode": "+57"}),
        );
        assert_eq!(api.create(&body).await.status, 200);
    }
}

#[tokio::test]
async fn create_email_domain_blocked() {
    for variant in ALL {
        let mut config = ServerConfig::new(variant);
        config.blocked_email_domains = vec!["blocked.example".into()];
        let api = Api::start_with(config).await;
        for email in [
            "a@blocked.example",
            "a@BLOCKED.Example",
            "a@mail.blocked.example",
        ] {
            let reply = api
                .create(&with(api.valid_body("domain"), json!({"email": email})))
                .await;
            match variant {
                ServerVariant::Legacy => {
                    assert_legacy_error(&reply, 409, "EMAIL_DOMAIN_NOT_ALLOWED")
                }
                _ => {
                    assert_eq!(reply.status, 409);
                    assert_eq!(
                        *reply.body(),
                        documented(Variant::En, "create.email-domain")
                    );
                    assert_eq!(reply.body()["code"], "PreconditionFailed");
                }
            }
        }
        for email in ["a@notblocked.example", "a@blocked.example.org"] {
            let reply = api
                .create(&with(api.valid_body("domain"), json!({"email": email})))
                .await;
            assert_eq!(reply.status, 200, "{email}");
        }
    }
}

#[tokio::test]
async fn create_email_needs_text_around_the_at() {
    for variant in ALL {
        let api = Api::start(variant).await;
        for email in ["plainaddress", "a@", "@b.example"] {
            let reply = api
                .create(&with(api.valid_body("email"), json!({"email": email})))
                .await;
            assert_error(&api, &reply, 409, "InvalidArgument", "INVALID_EMAIL");
        }
        for email in ["josé@ejemplo.es", "a@b", "weird\"local@x.example"] {
            let reply = api
                .create(&with(api.valid_body("email"), json!({"email": email})))
                .await;
            assert_eq!(reply.status, 200, "{email}");
        }
    }
}

#[tokio::test]
async fn create_wrong_types_are_409() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let fields: &[&str] = match variant {
            ServerVariant::Legacy => &server_support::LEGACY_FIELDS,
            _ => &server_support::CURRENT_FIELDS,
        };
        for field in fields {
            for value in [json!(1), json!(true), json!(["a"]), json!({"a": "b"})] {
                let reply = api
                    .create(&with(api.valid_body("type"), json!({ *field: value })))
                    .await;
                assert_error(&api, &reply, 409, "InvalidArgument", "INVALID_PARAMETER");
                if variant != ServerVariant::Legacy {
                    let message = reply.body()["message"].as_str().unwrap();
                    assert!(
                        message.starts_with(&format!("{field} must be a string")),
                        "{message}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn create_full_name_by_variant() {
    for variant in [ServerVariant::Current, ServerVariant::Overview] {
        let api = Api::start(variant).await;
        let reply = api
            .create(&with(api.valid_body("name"), json!({"-fullName": null})))
            .await;
        assert_eq!(reply.status, 200, "create.full-name-optional");
        assert_eq!(
            reply.at("/data/informationValidation/fullName"),
            &Value::Null
        );
    }
    let api = Api::start(ServerVariant::Legacy).await;
    for name in [
        json!({"-fullName": null}),
        json!({"fullName": null}),
        json!({"fullName": ""}),
    ] {
        let reply = api.create(&with(api.valid_body("name"), name)).await;
        assert_legacy_error(&reply, 409, "MISSING_FULL_NAME");
    }
    // Legacy does not know firstName / lastName: they do not stand in for fullName.
    let reply = api
        .create(&with(
            api.valid_body("name"),
            json!({"-fullName": null, "firstName": "Ana", "lastName": "Gómez"}),
        ))
        .await;
    assert_legacy_error(&reply, 409, "MISSING_FULL_NAME");
}

#[tokio::test]
async fn create_information_validation_names() {
    for variant in [ServerVariant::Current, ServerVariant::Overview] {
        let api = Api::start(variant).await;
        let info = |reply: &Reply| reply.at("/data/informationValidation").clone();
        let split = api.create(&api.valid_body("names")).await;
        assert_eq!(
            info(&split)
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| *k != "_id")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<_, _>>(),
            *contract()
                .statement(Variant::En, "create.information-validation")
                .detail
                .as_ref()
                .unwrap()["example"]
                .as_object()
                .unwrap()
        );
        let joined = api
            .create(&with(
                api.valid_body("names"),
                json!({"-fullName": null, "firstName": "Ana María", "lastName": "Gómez"}),
            ))
            .await;
        assert_eq!(
            info(&joined),
            json!({"_id": info(&joined)["_id"], "fullName": "Ana María Gómez", "firstName": "Ana María", "lastName": "Gómez"})
        );
        let single = api
            .create(&with(
                api.valid_body("names"),
                json!({"fullName": "Madonna"}),
            ))
            .await;
        assert_eq!(info(&single)["firstName"], "Madonna");
        assert_eq!(info(&single)["lastName"], Value::Null);
        let kept = api
            .create(&with(
                api.valid_body("names"),
                json!({"fullName": "Dr. X", "firstName": "Xavier", "lastName": "Ray"}),
            ))
            .await;
        assert_eq!(
            info(&kept),
            json!({"_id": info(&kept)["_id"], "fullName": "Dr. X", "firstName": "Xavier", "lastName": "Ray"})
        );
        assert!(is_object_id(info(&kept)["_id"].as_str().unwrap()));
        assert_ne!(
            info(&kept)["_id"],
            kept.at("/data/appRegistration/_id").clone()
        );
    }
}

#[tokio::test]
async fn create_accepts_unicode_and_long_strings() {
    let long = "x".repeat(10_000);
    for variant in ALL {
        let api = Api::start(variant).await;
        for name in [
            "José Ñúñez",
            "Zoë 😀 Smith",
            "محمد عبد الله",
            "שלום עליכם",
            "李 小龙",
            "e\u{301}lan vital",
            &long,
        ] {
            let body = with(api.valid_body("uni"), json!({"fullName": name}));
            let reply = api.create(&body).await;
            assert_eq!(reply.status, 200, "{name}");
            let path = match variant {
                ServerVariant::Legacy => "/data/fullName",
                _ => "/data/informationValidation/fullName",
            };
            assert_eq!(reply.at(path), name);
        }
        let email = format!("{}{}@example.com", "e".repeat(10_000), unique());
        let body = with(
            api.valid_body("uni"),
            json!({"email": email, "project": long, "projectFlow": if variant == ServerVariant::Legacy { api.server.project_flow().to_string() } else { long.clone() }, "language": long}),
        );
        let reply = api.create(&body).await;
        assert_eq!(
            reply.status,
            200,
            "{:?}",
            reply.json.as_ref().map(|b| b.to_string().len())
        );
        let record = match variant {
            ServerVariant::Legacy => reply.at("/data").clone(),
            _ => reply.at("/data/appRegistration").clone(),
        };
        assert_eq!(record["email"], email);
        assert_eq!(record["project"], long);
        assert_eq!(record["language"], long);
    }
}

#[tokio::test]
async fn create_language_default() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let path = match variant {
            ServerVariant::Legacy => "/data/language",
            _ => "/data/appRegistration/language",
        };
        let sheet = if variant == ServerVariant::Legacy {
            Variant::Legacy
        } else {
            Variant::En
        };
        let default = claim(sheet, "create.language-default")["default"].clone();
        assert_eq!(default, "en");
        for absent in [
            json!({}),
            json!({"language": null}),
            json!({"language": ""}),
        ] {
            let reply = api.create(&with(api.valid_body("lang"), absent)).await;
            assert_eq!(*reply.at(path), default);
        }
        let reply = api
            .create(&with(api.valid_body("lang"), json!({"language": "es"})))
            .await;
        assert_eq!(reply.at(path), "es");
    }
}

#[tokio::test]
async fn create_unknown_fields_are_ignored() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let body = with(
            api.valid_body("extra"),
            json!({"status": "completed", "_id": "mine", "token": 5, "nested": {"deep": [1, 2]}}),
        );
        let reply = api.create(&body).await;
        assert_eq!(reply.status, 200);
        let status = match variant {
            ServerVariant::Legacy => reply.at("/data/status"),
            _ => reply.at("/data/appRegistration/status"),
        };
        assert_ne!(status, "completed");
    }
}

// ---------------------------------------------------------------- create: response

#[tokio::test]
async fn create_success_current_response() {
    for variant in [ServerVariant::Current, ServerVariant::Overview] {
        let api = Api::start(variant).await;
        let n = unique();
        let body = json!({
            "project": api.server.project(),
            "projectFlow": api.server.project_flow(),
            "email": format!("user{n}@example.com"),
            "phone": format!("123456{n}"),
            "countryCode": "+1",
            "fullName": "John Doe",
            "language": "en",
        });
        let reply = api.create(&body).await;
        assert_eq!(
            reply.status,
            claim(Variant::En, "create.success-status")["status"]
        );
        assert!(reply.is_json_content_type());
        assert_shape(Shape::Success(ShapeFamily::Current), reply.body());

        let envelope = claim(Variant::En, "create.envelope");
        assert_eq!(field_names(reply.body()), ["data"]);
        assert_eq!(json!(field_names(reply.at("/data"))), envelope["data_keys"]);

        let reg = reply.at("/data/appRegistration");
        assert_eq!(
            field_names(reg),
            claim_fields(Variant::En, "create.registration-fields")
        );
        assert_eq!(
            reg["status"],
            claim(Variant::En, "create.initial-status")["status"]
        );
        assert_eq!(reg["status"], "STARTED");
        assert_eq!(
            reg["currentStep"],
            claim(Variant::En, "create.current-step")["value"]
        );
        assert_eq!(reg["currentStep"], "1");
        for field in claim_fields(Variant::En, "create.echo") {
            assert_eq!(reg[&field], body[&field], "create.echo {field}");
        }
        for field in ["createdAt", "updatedAt"] {
            assert!(
                is_timestamp(reg[field].as_str().unwrap(), true),
                "{}",
                reg[field]
            );
        }
        assert!(is_object_id(reg["_id"].as_str().unwrap()));
        assert!(is_object_id(reg["client"].as_str().unwrap()));
        assert!(reg.get("ipAddress").is_none() && reg.get("userAgent").is_none());

        // Absent contacts come back as null.
        let email_only = api.create(&api.valid_body("nulls")).await;
        assert_eq!(email_only.at("/data/appRegistration/phone"), &Value::Null);
        assert_eq!(
            email_only.at("/data/appRegistration/countryCode"),
            &Value::Null
        );

        let token = reply.str_at("/data/token");
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let claims: Value = jsonwebtoken::dangerous::insecure_decode(&token)
            .unwrap()
            .claims;
        assert_eq!(claims["sub"], reg["_id"]);
        assert_eq!(claims["project"], body["project"]);
        assert_eq!(claims["projectFlow"], body["projectFlow"]);
        assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    }
}

#[tokio::test]
async fn create_success_legacy_response() {
    let api = Api::start(ServerVariant::Legacy).await;
    let n = unique();
    let body = json!({
        "project": api.server.project(),
        "projectFlow": api.server.project_flow(),
        "email": format!("user{n}@example.com"),
        "phone": format!("123456{n}"),
        "countryCode": "+1",
        "fullName": "John Doe",
        "language": "es",
    });
    let reply = api
        .send(
            api.request(Method::POST, COLLECTION)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Mozilla/5.0 (legacy test)")
                .body(serde_json::to_vec(&body).unwrap()),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_shape(Shape::Success(ShapeFamily::Legacy), reply.body());
    assert_eq!(
        json!(field_names(reply.body())),
        claim(Variant::Legacy, "create.envelope")["keys"]
    );
    assert_eq!(reply.body()["success"], true);
    let data = reply.at("/data");
    assert_eq!(
        field_names(data),
        claim_fields(Variant::Legacy, "create.registration-fields")
    );
    assert_eq!(
        data["status"],
        claim(Variant::Legacy, "create.initial-status")["status"]
    );
    assert_eq!(data["status"], "new");
    for field in claim_fields(Variant::Legacy, "create.echo") {
        assert_eq!(data[&field], body[&field], "create.echo {field}");
    }
    assert_eq!(data["fullName"], "John Doe");
    assert_eq!(data["ipAddress"], "127.0.0.1");
    assert_eq!(data["userAgent"], "Mozilla/5.0 (legacy test)");
    for field in ["createdAt", "updatedAt"] {
        assert!(
            is_timestamp(data[field].as_str().unwrap(), false),
            "{}",
            data[field]
        );
    }
    assert!(data.get("currentStep").is_none() && data.get("firstName").is_none());
    let token = data["token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().alg,
        jsonwebtoken::Algorithm::HS256
    );
    let claims: Value = jsonwebtoken::dangerous::insecure_decode(token)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], data["_id"]);
}

// ---------------------------------------------------------------- recreation

#[tokio::test]
async fn token_recreate_by_email_and_phone() {
    for variant in ALL {
        let api = Api::start(variant).await;
        let reg = |reply: &Reply| match variant {
            ServerVariant::Legacy => reply.at("/data").clone(),
            _ => reply.at("/data/appRegistration").clone(),
        };
        let n = unique();
        let first = api
            .create(&with(
                api.valid_body("re"),
                json!({"email": format!("Re{n}@Example.com")}),
            ))
            .await;
        assert_eq!(first.status, 200);
        // token.recreate-email: same email (any case), another language.
        let again = api
            .create(&with(
                api.valid_body("re"),
                json!({"email": format!("re{n}@example.COM"), "language": "es"}),
            ))
            .await;
        assert_eq!(again.status, 200);
        assert_ne!(
            api.created_token(&again),
            api.created_token(&first),
            "new token"
        );
        assert_eq!(
            api.created_id(&again),
            api.created_id(&first),
            "same registration"
        );
        let (r1, r2) = (reg(&first), reg(&again));
        assert_eq!(r2["createdAt"], r1["createdAt"]);
        assert_eq!(r2["language"], "es", "details follow the request");
        assert_eq!(r2["email"], format!("re{n}@example.COM"));
        if variant != ServerVariant::Legacy {
            assert!(r2["updatedAt"].as_str().unwrap() > r1["updatedAt"].as_str().unwrap());
            assert_eq!(
                again.at("/data/informationValidation/_id"),
                first.at("/data/informationValidation/_id")
            );
        }

        // token.recreate-phone: same phone + countryCode, no email.
        let phone = format!("555{n}");
        let by_phone = |code: &str| {
            with(
                api.valid_body("re"),
                json!({"-email": null, "phone": phone, "countryCode": code}),
            )
        };
        let p1 = api.create(&by_phone("+57")).await;
        let p2 = api.create(&by_phone("+57")).await;
        assert_eq!((p1.status, p2.status), (200, 200));
        assert_eq!(api.created_id(&p1), api.created_id(&p2));
        assert_ne!(api.created_token(&p1), api.created_token(&p2));
        // Another country code is another contact.
        let p3 = api.create(&by_phone("+1")).await;
        assert_ne!(api.created_id(&p3), api.created_id(&p1));
        // Another project is another registration.
        let other = api
            .create(&with(
                api.valid_body("re"),
                json!({"email": format!("re{n}@example.com"), "project": "another-project"}),
            ))
            .await;
        assert_ne!(api.created_id(&other), api.created_id(&first));

        let list = api.get(&format!("{COLLECTION}?limit=100")).await;
        assert_eq!(list.at("/pagination/total"), 4, "{variant:?}");
    }
}

// ---------------------------------------------------------------- list, retrieve, sync

#[tokio::test]
async fn list_retrieve_sync_current_and_legacy() {
    for variant in [ServerVariant::Current, ServerVariant::Legacy] {
        let api = Api::start(variant).await;
        let item_shape = Shape::Registration(family(variant));
        let mut created = Vec::new();
        for _ in 0..3 {
            created.push(api.create(&api.valid_body("list")).await);
        }
        let record = |reply: &Reply| match variant {
            ServerVariant::Legacy => reply.at("/data").clone(),
            _ => reply.at("/data/appRegistration").clone(),
        };

        let list = api.get(COLLECTION).await;
        assert_eq!(list.status, 200, "list.ok");
        if variant == ServerVariant::Legacy {
            assert_eq!(list.body()["success"], true);
        }
        let items = list.at("/data").as_array().unwrap().clone();
        assert_eq!(items.len(), 3);
        // newest first
        for (item, reply) in items.iter().zip(created.iter().rev()) {
            assert_shape(item_shape, item);
            assert_eq!(*item, record(reply), "list.contains-created");
        }
        assert_eq!(
            list.at("/pagination"),
            &json!({"page": 1, "limit": 20, "total": 3})
        );

        let page2 = api.get(&format!("{COLLECTION}?limit=2&page=2")).await;
        assert_eq!(page2.at("/data").as_array().unwrap().len(), 1);
        assert_eq!(page2.at("/data/0"), &record(&created[0]));
        let beyond = api.get(&format!("{COLLECTION}?page=50&unknown=1")).await;
        assert_eq!(beyond.at("/data"), &json!([]));
        for query in [
            "page=0",
            "limit=0",
            "limit=101",
            "page=-1",
            "page=1.5",
            "limit=abc",
            "limit=",
            "page=%FF",
        ] {
            let reply = api.get(&format!("{COLLECTION}?{query}")).await;
            assert_error(
                &api,
                &reply,
                409,
                "InvalidArgument",
                "INVALID_QUERY_PARAMETER",
            );
        }

        let id = api.created_id(&created[0]);
        let one = api.get(&format!("{COLLECTION}/{id}")).await;
        assert_eq!(one.status, 200, "retrieve.ok");
        assert_eq!(*one.at("/data"), record(&created[0]));
        assert_shape(item_shape, one.at("/data"));

        let before = record(&created[0]);
        let synced = api.put(&format!("{COLLECTION}/{id}/sync")).await;
        assert_eq!(synced.status, 200, "sync.ok");
        let after = synced.at("/data");
        assert_shape(item_shape, after);
        assert_eq!(after["_id"], before["_id"]);
        assert_eq!(after["status"], before["status"]);
        assert!(after["updatedAt"].as_str().unwrap() >= before["updatedAt"].as_str().unwrap());
        if variant == ServerVariant::Current {
            assert_ne!(
                after["updatedAt"], before["updatedAt"],
                "sync bumps updatedAt"
            );
        }

        for unknown in [
            "000000000000000000000000",
            "nope",
            "%E2%9C%93",
            &"z".repeat(5000),
        ] {
            let reply = api.get(&format!("{COLLECTION}/{unknown}")).await;
            assert_error(
                &api,
                &reply,
                404,
                "ResourceNotFound",
                "APP_REGISTRATION_NOT_FOUND",
            );
            let reply = api.put(&format!("{COLLECTION}/{unknown}/sync")).await;
            assert_error(
                &api,
                &reply,
                404,
                "ResourceNotFound",
                "APP_REGISTRATION_NOT_FOUND",
            );
        }
    }
}

#[tokio::test]
async fn overview_object_shape_on_list_retrieve_sync() {
    let api = Api::start(ServerVariant::Overview).await;
    let n = unique();
    let created = api
        .create(&with(
            api.valid_body("ov"),
            json!({"phone": format!("300{n}"), "countryCode": "+57"}),
        ))
        .await;
    assert_shape(Shape::Success(ShapeFamily::Current), created.body());
    let id = api.created_id(&created);
    let expected_fields = claim_fields(Variant::Overview, "overview.object-shape");

    let list = api.get(COLLECTION).await;
    let one = api.get(&format!("{COLLECTION}/{id}")).await;
    let synced = api.put(&format!("{COLLECTION}/{id}/sync")).await;
    for object in [list.at("/data/0"), one.at("/data"), synced.at("/data")] {
        assert_shape(Shape::OverviewObject, object);
        assert_eq!(field_names(object), expected_fields);
        assert_eq!(object["id"], id);
        assert_eq!(object["projectId"], api.server.project());
        assert_eq!(object["flowId"], api.server.project_flow());
        assert_eq!(object["status"], "STARTED");
        assert_eq!(object["completedAt"], Value::Null);
        assert_eq!(
            object["createdAt"].as_str().unwrap(),
            format!(
                "{}Z",
                &created.str_at("/data/appRegistration/createdAt")[..19]
            ),
            "overview timestamps are whole seconds"
        );
        let steps: Vec<&str> = object["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            steps,
            ["personal_info", "email_verification", "phone_verification"]
        );
    }
    let unknown = api
        .get(&format!("{COLLECTION}/000000000000000000000000"))
        .await;
    assert_current_error(&unknown, 404, "ResourceNotFound");
}

// ---------------------------------------------------------------- which error wins

#[tokio::test]
async fn error_precedence_is_the_documented_order() {
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.blocked_email_domains = vec!["blocked.example".into()];
    let api = Api::start_with(config).await;
    let p = api.server.project().to_string();
    let f = api.server.project_flow().to_string();

    // Authentication before everything about the body.
    let bare = api.client.post(api.url(COLLECTION)).body("{");
    assert_current_error(&api.send(bare).await, 401, "Unauthorized");
    // Media type before size, size before JSON.
    let big_form = api
        .request(Method::POST, COLLECTION)
        .header("Content-Type", "text/plain")
        .body(vec![b'{'; 2 * 1024 * 1024]);
    assert_current_error(&api.send(big_form).await, 415, "UnsupportedMediaType");
    assert_current_error(
        &api.post_raw(vec![b'{'; 2 * 1024 * 1024]).await,
        413,
        "PayloadTooLarge",
    );

    let cases = [
        // Types before presence.
        (json!({"project": 1}), "project must be a string"),
        (
            json!({"project": p, "projectFlow": f, "language": 5}),
            "language must be a string",
        ),
        // project, then projectFlow, then contact.
        (json!({"projectFlow": f}), "missing project"),
        (json!({"project": p}), "missing projectFlow"),
        (
            json!({"project": p, "projectFlow": f, "countryCode": "bad"}),
            "Needs an email or a phone at least",
        ),
        // countryCode required before its format and the phone format.
        (
            json!({"project": p, "projectFlow": f, "phone": "12-3", "email": "bad"}),
            "missing countryCode",
        ),
        (
            json!({"project": p, "projectFlow": f, "phone": "12-3", "countryCode": "57"}),
            "countryCode must be + followed by 1 to 3 digits, e.g. +57",
        ),
        (
            json!({"project": p, "projectFlow": f, "phone": "12-3", "countryCode": "+57", "email": "bad"}),
            "phone must contain digits only (no spaces, dashes or other characters)",
        ),
        (
            json!({"project": p, "projectFlow": f, "email": "x@"}),
            "email must have text on both sides of an @",
        ),
        (
            json!({"project": p, "projectFlow": f, "email": "x@blocked.example"}),
            "email domain not allowed",
        ),
    ];
    for (body, message) in cases {
        let reply = api.create(&body).await;
        assert_eq!(reply.status, 409, "{body}");
        assert!(
            reply.body()["message"]
                .as_str()
                .unwrap()
                .starts_with(message),
            "{body}: {}",
            reply.body()
        );
    }

    let legacy = Api::start(ServerVariant::Legacy).await;
    let p = legacy.server.project().to_string();
    let lcases = [
        (
            json!({"project": p, "fullName": "A"}),
            "MISSING_PROJECT_FLOW",
        ),
        (
            json!({"project": p, "projectFlow": "other"}),
            "MISSING_FULL_NAME",
        ),
        (
            json!({"project": p, "projectFlow": "other", "fullName": "A"}),
            "INVALID_PROJECT_FLOW",
        ),
    ];
    for (body, constant) in lcases {
        assert_legacy_error(&legacy.create(&body).await, 409, constant);
    }
}

#[tokio::test]
async fn error_status_is_consistent_and_409_for_validation() {
    let api = Api::start(ServerVariant::Current).await;
    let bodies = [
        json!({}),
        json!({"project": "p"}),
        json!({"project": "p", "projectFlow": "f", "phone": "1"}),
    ];
    for body in bodies {
        let reply = api.create(&body).await;
        assert_eq!(reply.status, claim(Variant::En, "error.http-409")["status"]);
        assert_eq!(reply.body()["status"], reply.status);
        assert_eq!(
            json!(field_names(reply.body())),
            claim(Variant::En, "error.envelope")["fields"]
        );
    }
}

// ---------------------------------------------------------------- twins

async fn twin(name: &str) -> Api {
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.twin = Some(name.into());
    Api::start_with(config).await
}

#[tokio::test]
async fn the_uuid_twin_writes_uuids_and_finds_by_them() {
    let api = twin("uuid-ids").await;
    let created = api.create(&api.valid_body("uuid")).await;
    assert_eq!(created.status, 200);
    let id = created.str_at("/data/appRegistration/_id");
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4, "{id}");
    let found = api.get(&format!("/v2/app-registrations/{id}")).await;
    assert_eq!(found.status, 200, "{:?}", found.json);
    assert_eq!(found.str_at("/data/_id"), id);
    let synced = api.put(&format!("/v2/app-registrations/{id}/sync")).await;
    assert_eq!(synced.status, 200);
}

#[tokio::test]
async fn the_surrogate_twin_echoes_lone_surrogate_escapes() {
    let api = twin("echoes-lone-surrogates").await;
    let body = format!(
        r#"{{"project":"p","projectFlow":"f","email":"a\ud800@{}.test","fullName":"\\ud800 Ana"}}"#,
        unique()
    );
    let reply = api.post_raw(body.into_bytes()).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.raw));
    let text = String::from_utf8_lossy(&reply.raw);
    assert!(text.contains(r"a\ud800@"), "{text}");
    // An escaped backslash stays a backslash.
    assert!(text.contains(r#""\\ud800 Ana""#), "{text}");
    assert!(reply.json.is_none(), "serde_json refuses lone surrogates");
    assert!(verifik_conformance::json_text::parse(&reply.raw).is_some());
}

#[tokio::test]
async fn the_paging_twin_lists_oldest_first_five_to_a_page() {
    let api = twin("oldest-first-pages-of-5").await;
    let mut ids = Vec::new();
    for n in 0..7 {
        let reply = api.create(&api.valid_body(&format!("page{n}"))).await;
        ids.push(reply.str_at("/data/appRegistration/_id"));
    }
    let first = api.get("/v2/app-registrations").await;
    let listed: Vec<&str> = first.body()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids[..5]);
    assert_eq!(first.body()["pagination"]["limit"], 5);
    let second = api.get("/v2/app-registrations?page=2").await;
    assert_eq!(second.body()["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_blank_twin_takes_a_blank_project_as_its_value() {
    let api = twin("blank-is-a-value").await;
    let mut body = api.valid_body("blank");
    body["project"] = json!(" ");
    body["projectFlow"] = json!("\t");
    let reply = api.create(&body).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    assert_eq!(reply.str_at("/data/appRegistration/project"), " ");
    assert_eq!(reply.str_at("/data/appRegistration/projectFlow"), "\t");
    // The faithful server calls it missing.
    let faithful = Api::start(ServerVariant::Current).await;
    assert_eq!(faithful.create(&body).await.status, 409);
}

#[tokio::test]
async fn the_omitting_twin_leaves_unsent_fields_out() {
    let api = twin("omit-unsent-fields").await;
    let reply = api.create(&api.valid_body("omit")).await;
    assert_eq!(reply.status, 200);
    let registration = reply.body()["data"]["appRegistration"].as_object().unwrap();
    assert!(!registration.contains_key("phone") && !registration.contains_key("countryCode"));
    assert!(registration.contains_key("email"));
}
