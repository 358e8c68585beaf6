//! Mutants: the reference server with exactly one documented behaviour
//! broken, for `selftest` to prove the suite catches each one.
//!
//! A mutant is a rewrite of the request before the faithful server sees it
//! and of the response after it answers, applied as one middleware around
//! the faithful router: the faithful logic itself never changes, and each
//! mutant names the fact it breaks.

use std::sync::atomic::Ordering;

use axum::http::Method;
use axum::Router;
use serde_json::{json, Value};

use super::rewrite::{
    self, field, is_create, is_list, is_retrieve, keep_request, keep_response, Answer, Hooks,
    Memory, RequestRewrite, ResponseRewrite, Seen,
};
use super::ServerVariant;

/// One deliberately broken behaviour.
pub struct Mutant {
    pub name: &'static str,
    /// The fact (its catalogue ID) it breaks.
    pub fact: &'static str,
    /// Whether only a should-level part of the fact breaks (a warn kills it).
    pub should: bool,
    /// The server variant it breaks (judged by that variant's profile).
    pub variant: ServerVariant,
    pub description: &'static str,
    request: RequestRewrite,
    response: ResponseRewrite,
}

const fn mutant(name: &'static str, fact: &'static str, description: &'static str) -> Mutant {
    Mutant {
        name,
        fact,
        should: false,
        variant: ServerVariant::Current,
        description,
        request: keep_request,
        response: keep_response,
    }
}

impl Mutant {
    const fn on_request(mut self, rewrite: RequestRewrite) -> Self {
        self.request = rewrite;
        self
    }
    const fn on_response(mut self, rewrite: ResponseRewrite) -> Self {
        self.response = rewrite;
        self
    }
    const fn should_level(mut self) -> Self {
        self.should = true;
        self
    }
    const fn under(mut self, variant: ServerVariant) -> Self {
        self.variant = variant;
        self
    }
}

fn set_field(r: &mut Seen, name: &str, value: Value) {
    if let Some(Value::Object(map)) = r.body.as_mut() {
        map.insert(name.into(), value);
    }
}

fn refuse(p: &mut Answer, message: &str, code: &str) {
    p.refuse(409, message, code);
}

/// Any string value of the body, however deep.
fn any_string(value: &Value, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().any(|v| any_string(v, test)),
        Value::Object(map) => map.values().any(|v| any_string(v, test)),
        _ => false,
    }
}

fn internal_error(p: &mut Answer) {
    p.status = 500;
    p.body = json!({"message": "internal error", "code": "Internal", "status": 500});
}

/// Keep the first token issued per contact and hand it out again.
fn reuse_token(r: &Seen, p: &mut Answer, memory: &Memory, key: &str) {
    if !is_create(r) || p.status != 200 {
        return;
    }
    let Some(contact) = field(r, key) else {
        return;
    };
    let Some(token) = p.body.pointer("/data/token").cloned() else {
        return;
    };
    if let Ok(mut seen) = memory.notes.lock() {
        let first = seen.entry(contact.to_string()).or_insert(token);
        p.body["data"]["token"] = first.clone();
    }
}

/// Every mutant, in a stable order.
pub static MUTANTS: &[Mutant] = &[
    mutant(
        "auth-not-enforced",
        "auth.bearer-required",
        "answers without a valid bearer token",
    )
    .on_request(|r| r.authorized = true),
    mutant(
        "plain-text-bodies",
        "http.json",
        "answers plain text instead of JSON",
    )
    .on_response(|_, p, _| {
        p.text = Some("done".into());
        p.content_type = "text/plain";
    }),
    mutant(
        "wrong-content-type",
        "http.json",
        "labels its JSON text/plain",
    )
    .should_level()
    .on_response(|_, p, _| p.content_type = "text/plain"),
    mutant(
        "500-on-malformed-json",
        "http.no-server-error",
        "a body that is not JSON gets a 500",
    )
    .on_response(|r, p, _| {
        if r.body.is_none() && r.method == Method::POST {
            internal_error(p);
        }
    }),
    mutant(
        "500-on-null",
        "http.no-server-error",
        "a JSON null in the body gets a 500",
    )
    .on_response(|r, p, _| {
        let has_null = r
            .body
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|o| o.values().any(Value::is_null));
        if has_null {
            internal_error(p);
        }
    }),
    mutant(
        "500-on-wrong-type",
        "http.no-server-error",
        "a number where a string belongs gets a 500",
    )
    .on_response(|r, p, _| {
        let has_number = r
            .body
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|o| o.values().any(Value::is_number));
        if has_number {
            internal_error(p);
        }
    }),
    mutant(
        "500-on-unicode",
        "http.no-server-error",
        "a non-ASCII string gets a 500",
    )
    .on_response(|r, p, _| {
        if r.body
            .as_ref()
            .is_some_and(|b| any_string(b, &|s| !s.is_ascii()))
        {
            internal_error(p);
        }
    }),
    mutant(
        "500-on-long-string",
        "http.no-server-error",
        "a string over 200 characters gets a 500",
    )
    .on_response(|r, p, _| {
        if r.body
            .as_ref()
            .is_some_and(|b| any_string(b, &|s| s.chars().count() > 200))
        {
            internal_error(p);
        }
    }),
    mutant(
        "project-optional",
        "create.project-required",
        "accepts a create without project",
    )
    .on_request(|r| {
        if is_create(r) && field(r, "project").is_none() {
            set_field(r, "project", json!("p-default"));
        }
    }),
    mutant(
        "flow-optional",
        "create.project-flow-required",
        "accepts a create without projectFlow",
    )
    .on_request(|r| {
        if is_create(r) && field(r, "projectFlow").is_none() {
            set_field(r, "projectFlow", json!("f-default"));
        }
    }),
    mutant(
        "contact-message-reworded",
        "create.contact-required",
        "words the missing-contact error differently",
    )
    .on_response(|_, p, _| {
        if p.body["code"] == json!("MissingParameter")
            && p.body["message"] == json!("Needs an email or a phone at least")
        {
            p.body["message"] = json!("email or phone needed");
        }
    }),
    mutant(
        "phone-alone-refused",
        "create.contact-either",
        "refuses a phone without an email",
    )
    .on_response(|r, p, _| {
        if is_create(r)
            && field(r, "email").is_none()
            && field(r, "phone").is_some()
            && p.status == 200
        {
            refuse(p, "Needs an email or a phone at least", "MissingParameter");
        }
    }),
    mutant(
        "country-code-optional",
        "create.country-code-required",
        "accepts a phone without countryCode",
    )
    .on_request(|r| {
        if is_create(r) && field(r, "phone").is_some() && field(r, "countryCode").is_none() {
            set_field(r, "countryCode", json!("+57"));
        }
    }),
    mutant(
        "country-code-unchecked",
        "create.country-code-format",
        "accepts any countryCode",
    )
    .should_level()
    .on_request(|r| {
        if is_create(r) && field(r, "countryCode").is_some_and(Value::is_string) {
            set_field(r, "countryCode", json!("+57"));
        }
    }),
    mutant(
        "phone-unchecked",
        "create.phone-digits",
        "accepts phones with spaces, dashes or letters",
    )
    .should_level()
    .on_request(|r| {
        if let Some(phone) = field(r, "phone").and_then(Value::as_str) {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            let digits = if digits.is_empty() {
                "1".to_string()
            } else {
                digits
            };
            set_field(r, "phone", json!(digits));
        }
    }),
    mutant(
        "domain-unchecked",
        "create.email-domain",
        "accepts emails at a blocked domain",
    )
    .on_request(|r| {
        if let Some(email) = field(r, "email").and_then(Value::as_str) {
            if let Some((local, _)) = email.split_once('@') {
                let replaced = format!("{local}@allowed.example.test");
                set_field(r, "email", json!(replaced));
            }
        }
    }),
    mutant(
        "full-name-required",
        "create.full-name-optional",
        "refuses a create without fullName",
    )
    .on_response(|r, p, _| {
        if is_create(r) && field(r, "fullName").is_none() && p.status == 200 {
            refuse(p, "fullName is required", "MissingParameter");
        }
    }),
    mutant(
        "first-name-refused",
        "create.first-last-name",
        "refuses firstName/lastName",
    )
    .on_response(|r, p, _| {
        if is_create(r) && field(r, "firstName").is_some() && p.status == 200 {
            refuse(p, "unknown field firstName", "InvalidParameter");
        }
    }),
    mutant(
        "names-dropped",
        "create.first-last-name",
        "takes firstName/lastName without fullName but drops them",
    )
    .on_response(|r, p, _| {
        let names_alone = field(r, "fullName").is_none()
            && (field(r, "firstName").is_some() || field(r, "lastName").is_some());
        if is_create(r) && names_alone {
            if let Some(info) = p.information_validation() {
                for name in ["fullName", "firstName", "lastName"] {
                    info.insert(name.into(), Value::Null);
                }
            }
        }
    }),
    mutant(
        "no-language-default",
        "create.language-default",
        "leaves language empty when not sent",
    )
    .on_response(|r, p, _| {
        if field(r, "language").is_none() {
            if let Some(reg) = p.registration() {
                reg.insert("language".into(), Value::Null);
            }
        }
    }),
    mutant(
        "created-201",
        "create.success-status",
        "answers 201 to a create",
    )
    .on_response(|r, p, _| {
        if is_create(r) && p.status == 200 {
            p.status = 201;
        }
    }),
    mutant(
        "legacy-envelope",
        "create.envelope",
        "answers the legacy {success, data} envelope",
    )
    .on_response(|r, p, _| {
        if is_create(r) && p.status == 200 {
            if let Some(reg) = p.body.pointer("/data/appRegistration").cloned() {
                let mut flat = reg;
                flat["token"] = p.body["data"]["token"].clone();
                p.body = json!({"success": true, "data": flat});
            }
        }
    }),
    mutant(
        "no-client-field",
        "create.registration-fields",
        "leaves client out of the registration",
    )
    .on_response(|_, p, _| {
        if let Some(reg) = p.registration() {
            reg.remove("client");
        }
    }),
    mutant(
        "status-new",
        "create.initial-status",
        "starts registrations as \"new\"",
    )
    .on_response(|_, p, _| {
        if let Some(reg) = p.registration() {
            reg.insert("status".into(), json!("new"));
        }
    }),
    mutant(
        "current-step-number",
        "create.current-step",
        "gives currentStep as the number 1",
    )
    .should_level()
    .on_response(|_, p, _| {
        if let Some(reg) = p.registration() {
            reg.insert("currentStep".into(), json!(1));
        }
    }),
    mutant(
        "echo-wrong-project",
        "create.echo",
        "answers another project than the one sent",
    )
    .on_response(|_, p, _| {
        if let Some(reg) = p.registration() {
            reg.insert("project".into(), json!("another-project"));
        }
    }),
    mutant(
        "no-information-validation",
        "create.information-validation",
        "leaves informationValidation out",
    )
    .on_response(|_, p, _| {
        if let Some(data) = p.body.get_mut("data").and_then(Value::as_object_mut) {
            data.remove("informationValidation");
        }
    }),
    mutant(
        "names-not-split",
        "create.information-validation",
        "does not split fullName into first and last name",
    )
    .should_level()
    .on_response(|_, p, _| {
        if let Some(info) = p.information_validation() {
            info.insert("firstName".into(), Value::Null);
            info.insert("lastName".into(), Value::Null);
        }
    }),
    mutant(
        "opaque-token",
        "create.token-jwt",
        "issues an opaque token instead of a JWT",
    )
    .on_response(|_, p, _| {
        if p.body.pointer("/data/token").is_some() {
            p.body["data"]["token"] = json!("opaque-session-token");
        }
    }),
    mutant(
        "timestamps-not-iso",
        "create.timestamps",
        "writes createdAt as free text",
    )
    .on_response(|_, p, _| {
        if let Some(reg) = p.registration() {
            reg.insert("createdAt".into(), json!("yesterday"));
        }
    }),
    mutant(
        "token-reused-email",
        "token.recreate-email",
        "hands out the same token again for the same email",
    )
    .on_response(|r, p, m| reuse_token(r, p, m, "email")),
    mutant(
        "token-reused-phone",
        "token.recreate-phone",
        "hands out the same token again for the same phone",
    )
    .on_response(|r, p, m| {
        if field(r, "email").is_none() {
            reuse_token(r, p, m, "phone");
        }
    }),
    mutant(
        "new-id-on-recreate",
        "token.recreate-same-registration",
        "gives every create a new registration id",
    )
    .should_level()
    .on_response(|r, p, m| {
        if is_create(r) {
            if let Some(reg) = p.registration() {
                let n = m.counter.fetch_add(1, Ordering::Relaxed);
                reg.insert("_id".into(), json!(format!("{:024x}", 0xabc000 + n)));
            }
        }
    }),
    mutant(
        "error-code-renamed",
        "error.envelope",
        "names the error code field errorCode",
    )
    .on_response(|_, p, _| {
        if let Some(map) = p.body.as_object_mut() {
            if let Some(code) = map.remove("code") {
                map.insert("errorCode".into(), code);
            }
        }
    }),
    mutant(
        "validation-400",
        "error.http-409",
        "answers validation errors with 400",
    )
    .on_response(|_, p, _| {
        if p.status == 409 {
            p.status = 400;
            p.body["status"] = json!(400);
        }
    }),
    mutant(
        "body-status-wrong",
        "error.status-consistent",
        "writes status 400 in the body of a 409",
    )
    .on_response(|_, p, _| {
        if p.status == 409 {
            p.body["status"] = json!(400);
        }
    }),
    mutant("list-404", "list.ok", "answers 404 to the list").on_response(|r, p, _| {
        if is_list(r) && p.status == 200 {
            p.status = 404;
            p.body = json!({"message": "not found", "code": "NotFound", "status": 404});
        }
    }),
    mutant("list-empty", "list.contains-created", "lists nothing")
        .should_level()
        .on_response(|r, p, _| {
            if is_list(r) && p.status == 200 {
                p.body = json!({"data": []});
            }
        }),
    mutant(
        "list-hides-newest",
        "list.contains-created",
        "leaves the most recently created registration out of the list",
    )
    .should_level()
    .on_response(|r, p, _| {
        // The faithful list is newest first: its first page starts with it.
        let first_page = r.query.as_deref().is_none_or(|q| {
            !q.split('&')
                .any(|kv| kv.starts_with("page=") && kv != "page=1")
        });
        if is_list(r) && p.status == 200 && first_page {
            if let Some(items) = p.body.get_mut("data").and_then(Value::as_array_mut) {
                if !items.is_empty() {
                    items.remove(0);
                }
            }
        }
    }),
    mutant(
        "retrieve-404",
        "retrieve.ok",
        "cannot find any registration",
    )
    .on_response(|r, p, _| {
        if is_retrieve(r) {
            p.status = 404;
            p.body = json!({"message": "not found", "code": "NotFound", "status": 404});
        }
    }),
    mutant(
        "unknown-200",
        "retrieve.unknown",
        "answers 200 for an unknown id",
    )
    .should_level()
    .on_response(|r, p, _| {
        if is_retrieve(r) && p.status == 404 {
            p.status = 200;
            p.body = json!({"data": {}});
        }
    }),
    mutant("sync-405", "sync.ok", "refuses sync").on_response(|r, p, _| {
        if r.method == Method::PUT {
            p.status = 405;
            p.body =
                json!({"message": "method not allowed", "code": "MethodNotAllowed", "status": 405});
        }
    }),
    mutant(
        "flow-unchecked",
        "create.invalid-project-flow",
        "legacy: accepts an unknown project flow",
    )
    .under(ServerVariant::Legacy)
    .on_request(|r| {
        if is_create(r) && field(r, "projectFlow").is_some_and(Value::is_string) {
            set_field(r, "projectFlow", json!(super::DEFAULT_PROJECT_FLOW));
        }
    }),
    mutant(
        "no-request-meta",
        "create.legacy-request-meta",
        "legacy: leaves ipAddress and userAgent off the record",
    )
    .under(ServerVariant::Legacy)
    .on_response(|_, p, _| {
        if let Some(data) = p.body.get_mut("data").and_then(Value::as_object_mut) {
            data.remove("ipAddress");
            data.remove("userAgent");
        }
    }),
    mutant(
        "object-without-steps",
        "overview.object-shape",
        "overview: leaves steps out of the object",
    )
    .under(ServerVariant::Overview)
    .on_response(|r, p, _| {
        if is_retrieve(r) || is_list(r) {
            strip_key(&mut p.body, "steps");
        }
    }),
];

/// Remove `key` from every object of `value`.
fn strip_key(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|v| strip_key(v, key));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip_key(v, key)),
        _ => {}
    }
}

/// The mutant of that name.
pub fn find(name: &str) -> Option<&'static Mutant> {
    MUTANTS.iter().find(|m| m.name == name)
}

/// Every mutant name, for error messages and `--help`.
pub fn names() -> Vec<&'static str> {
    MUTANTS.iter().map(|m| m.name).collect()
}

/// The faithful router with `mutant` applied around it.
pub fn wrap(router: Router, mutant: &'static Mutant, token: &str) -> Router {
    let hooks = Hooks {
        request: mutant.request,
        response: mutant.response,
        ..Hooks::KEEP
    };
    rewrite::wrap(router, hooks, token)
}
