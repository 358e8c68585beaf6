//! Then: the create endpoint's request rules and success response, each
//! judged against the claim of the profile's variant and aligned with every
//! variant's claim.

use cucumber::then;
use serde_json::{json, Value};

use crate::check::Level;
use crate::contract::{Claims, Shape, ShapeFamily, Variant};
use crate::judge::universal;
use crate::judge::{
    iso8601, jwt_header, mentions, observed_response, registration, registration_id, token,
    Expected, Judgement, Refusal,
};
use crate::scripted::world::{RegistrationWorld, StepResult};

/// The outcome a claim of a request fact predicts for this scenario's
/// request, or `None` when the claim says nothing about it.
fn outcome(fact: &str, claims: &Claims) -> Option<Expected> {
    let rule = claims.rule(fact);
    let refuses = match fact {
        "create.project-required" => claims.project.as_ref()?.required,
        "create.project-flow-required" => claims.project_flow.as_ref()?.required,
        "create.full-name-optional" => claims.full_name.as_ref()?.required,
        "create.first-last-name" => !claims.first_last_name.as_ref()?.accepted,
        "create.phone-digits" => claims.phone_digits.as_ref()?.digits_only,
        // An example value alone states no rule.
        "create.country-code-format" => claims.country_code_format.as_ref()?.pattern.is_some(),
        _ => rule.map(|r| r.rejected || r.required_if.is_some())?,
    };
    if fact == "create.country-code-format" && !refuses {
        return None;
    }
    Some(if refuses {
        // A rule without an error example is refused like the documented
        // validation errors (the oracle reads it the same way).
        Expected::Refuse(Refusal {
            status: rule
                .and_then(|r| r.status)
                .or(claims.validation_status.as_ref().map(|s| s.status)),
            body: rule.and_then(|r| r.error.clone()).map(Value::Object),
            fields: claims
                .error_envelope
                .as_ref()
                .map(|e| e.fields.clone())
                .unwrap_or_default(),
            documented: true,
        })
    } else {
        Expected::Accept
    })
}

/// Judge the answer to a create request against the fact's request rule.
fn judge_request_rule(world: &mut RegistrationWorld) {
    if world.skipped() {
        return;
    }
    let fact = world.fact();
    let (status, body, observed) = match world.response() {
        Ok(r) => (r.status, r.json.clone(), observed_response(r)),
        Err(e) => return world.record_unobserved(&fact, None, e),
    };
    world.judge(
        &fact,
        None,
        None,
        observed,
        |_, claims| {
            outcome(&fact, claims)
                .map(|o| o.to_json())
                .unwrap_or(Value::Null)
        },
        |_, claims| outcome(&fact, claims).map(|o| o.fits(status, body.as_ref())),
    );
}

#[then("the API refuses it as the docs say")]
fn refuses(world: &mut RegistrationWorld) {
    judge_request_rule(world);
}

#[then("the API decides on the request as the docs say")]
fn decides(world: &mut RegistrationWorld) {
    judge_request_rule(world);
}

#[then("the registration is accepted")]
fn accepted(world: &mut RegistrationWorld) {
    judge_request_rule_accepting(world);
}

/// create.contact-either: the claim lists accepted contact forms.
fn judge_request_rule_accepting(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let (status, observed) = match world.response() {
        Ok(r) => (r.status, observed_response(r)),
        Err(e) => return world.record_unobserved(&fact, None, e),
    };
    let ok = (200..300).contains(&status);
    world.judge(
        &fact,
        None,
        None,
        observed,
        |_, c| json!({"accepted": true, "forms": c.contact_either.as_ref().map(|a| &a.accepts)}),
        |_, c| c.contact_either.as_ref().map(|_| ok),
    );
}

/// create.first-last-name: a listed field is taken, not only tolerated. The
/// values sent must come back somewhere in the answer (the current pages
/// show them in informationValidation); a refusal takes nothing.
#[then("the names sent are taken")]
fn names_taken(world: &mut RegistrationWorld) {
    if world.skipped() {
        return;
    }
    let fact = world.fact();
    let sent = world.body.clone();
    let (status, body) = match world.response() {
        Ok(r) => (r.status, r.json.clone().unwrap_or(Value::Null)),
        Err(e) => return world.record_unobserved(&fact, Some("taken"), e),
    };
    let accepted = (200..300).contains(&status);
    let dropped = |fields: &[String]| -> Vec<String> {
        fields
            .iter()
            .filter(|f| {
                let value = sent.get(*f).and_then(Value::as_str);
                value.is_some_and(|v| !accepted || !mentions(&body, v))
            })
            .cloned()
            .collect()
    };
    // The fields a page accepts and lists (none when it does not accept them).
    let listed = |c: &Claims| -> Option<Vec<String>> {
        let claim = c.first_last_name.as_ref().filter(|c| c.accepted)?;
        claim.fields.clone()
    };
    let judged = world
        .judged_claims(&fact)
        .and_then(|(_, c)| listed(c))
        .unwrap_or_default();
    let observed = json!({
        "status": status,
        "dropped": dropped(&judged),
        "informationValidation": body.pointer("/data/informationValidation"),
    });
    world.judge(
        &fact,
        Some("taken"),
        None,
        observed,
        |_, c| json!({"taken": listed(c)}),
        |_, c| listed(c).map(|f| dropped(&f).is_empty()),
    );
}

/// Run `judge` on the last response's JSON body, or record why it cannot.
fn with_body(
    world: &mut RegistrationWorld,
    aspect: Option<&'static str>,
    judge: impl FnOnce(&mut RegistrationWorld, u16, Value),
) {
    if world.skipped() {
        return;
    }
    let fact = world.fact();
    let (status, body) = match world.response() {
        Ok(r) => (r.status, r.json.clone()),
        Err(e) => return world.record_unobserved(&fact, aspect, e),
    };
    match body {
        Some(body) => judge(world, status, body),
        None => world.record_failure(
            &fact,
            aspect,
            format!("HTTP {status} with a body that is not JSON"),
        ),
    }
}

#[then("the response status is the documented success status")]
fn success_status(world: &mut RegistrationWorld) {
    let fact = world.fact();
    // create.success-status and token.recreate-*: both claims hold a status.
    with_body(world, None, |world, status, _| {
        world.judge(
            &fact,
            None,
            None,
            json!(status),
            |_, c| json!(success_status_of(c, &fact)),
            |_, c| success_status_of(c, &fact).map(|s| s == status),
        );
    });
}

/// The success status a create (`create.success-status`) or a recreation
/// (`token.recreate-*`) claims.
fn success_status_of(claims: &Claims, fact: &str) -> Option<u16> {
    match fact {
        "create.success-status" => claims.success_status.as_ref().map(|s| s.status),
        _ => claims.recreate(fact).map(|r| r.status),
    }
}

fn family_of(claims: &Claims) -> Option<ShapeFamily> {
    claims.envelope.as_ref()?.family()
}

#[then("the response has the documented success envelope")]
fn envelope(world: &mut RegistrationWorld) {
    with_body(world, None, |world, status, body| {
        let shapes = &world.ctx().contract.shapes;
        let violations = world
            .judged_claims("create.envelope")
            .and_then(|(_, c)| family_of(c))
            .map(|f| shapes.violations(Shape::Success(f), &body))
            .unwrap_or_default();
        let observed = json!({
            "status": status,
            "keys": body.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
            "violations": violations.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        world.judge(
            "create.envelope",
            None,
            None,
            observed,
            |_, c| json!(c.envelope),
            |_, c| family_of(c).map(|f| universal::success_envelope(shapes, f, &body)),
        );
    });
}

#[then("the registration has the documented fields")]
fn registration_fields(world: &mut RegistrationWorld) {
    let sent = world.body.clone();
    with_body(world, None, |world, _, body| {
        let keys: Vec<String> = registration(&body)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        // The fields a claim needs in this answer: every listed field, except
        // those it lists under `when_sent` that the request did not send
        // (those may be absent or null).
        let missing = |c: &Claims| -> Option<Vec<String>> {
            let claim = c.registration_fields.as_ref()?;
            let conditional = claim.when_sent.as_deref().unwrap_or_default();
            let needed = |f: &&String| !conditional.contains(f) || sent.contains_key(*f);
            Some(
                claim
                    .fields
                    .iter()
                    .filter(|f| needed(f) && !keys.contains(f))
                    .cloned()
                    .collect(),
            )
        };
        let judged_missing = world
            .judged_claims("create.registration-fields")
            .and_then(|(_, c)| missing(c))
            .unwrap_or_default();
        world.judge(
            "create.registration-fields",
            None,
            None,
            json!({"fields": keys, "missing": judged_missing}),
            |_, c| json!(c.registration_fields),
            |_, c| missing(c).map(|m| m.is_empty()),
        );
    });
}

/// Judge one field of the registration object against the value a claim
/// states (`want` picks it from a variant's claims).
fn registration_field(
    world: &mut RegistrationWorld,
    fact: &'static str,
    field: &'static str,
    want: fn(&Claims) -> Option<&str>,
) {
    with_body(world, None, |world, _, body| {
        let value = registration(&body)
            .and_then(|r| r.get(field))
            .cloned()
            .unwrap_or(Value::Null);
        world.judge(
            fact,
            None,
            None,
            json!({ field: value }),
            |_, c| json!({ field: want(c) }),
            |_, c| want(c).map(|want| value.as_str() == Some(want)),
        );
    });
}

#[then("the registration's status is the documented initial status")]
fn initial_status(world: &mut RegistrationWorld) {
    registration_field(world, "create.initial-status", "status", |c| {
        Some(c.initial_status.as_ref()?.status.as_str())
    });
}

#[then("the registration's current step is the documented one")]
fn current_step(world: &mut RegistrationWorld) {
    registration_field(world, "create.current-step", "currentStep", |c| {
        Some(c.current_step.as_ref()?.value.as_str())
    });
}

#[then("the registration's language is the documented default")]
fn language_default(world: &mut RegistrationWorld) {
    registration_field(world, "create.language-default", "language", |c| {
        Some(c.language_default.as_ref()?.default.as_str())
    });
}

#[then("the registration echoes what was sent")]
fn echo(world: &mut RegistrationWorld) {
    let sent = world.body.clone();
    with_body(world, None, |world, _, body| {
        let reg = registration(&body).cloned().unwrap_or_default();
        let differs = |fields: &[String]| -> Vec<String> {
            fields
                .iter()
                .filter(|f| sent.get(*f).is_some_and(|v| reg.get(*f) != Some(v)))
                .cloned()
                .collect()
        };
        let echoed = |c: &Claims| c.echo.as_ref().map(|e| e.fields.clone());
        let judged = world
            .judged_claims("create.echo")
            .and_then(|(_, c)| echoed(c))
            .unwrap_or_default();
        let observed = json!({"differing": differs(&judged), "sent": sent, "received": reg});
        world.judge(
            "create.echo",
            None,
            None,
            observed,
            |_, c| json!({"echoed": echoed(c)}),
            |_, c| echoed(c).map(|f| differs(&f).is_empty()),
        );
    });
}

#[then("the response holds the documented informationValidation")]
fn information_validation(world: &mut RegistrationWorld) {
    let sent = world.body.clone();
    let contract = world.ctx().contract;
    // A field of some page's body table (not an id the server makes).
    let is_body_field = |name: &str| {
        Variant::ALL
            .iter()
            .any(|&v| contract.sheet(v).page.params.iter().any(|p| p.name == name))
    };
    with_body(world, Some("object"), |world, _, body| {
        let object = |name: &str| body.pointer(&format!("/data/{name}")).cloned();
        let observed = body
            .pointer("/data/informationValidation")
            .cloned()
            .unwrap_or(Value::Null);
        world.judge(
            "create.information-validation",
            Some("object"),
            None,
            observed,
            |_, c| json!(c.information_validation),
            |_, c| {
                // A name field the request did not send may be absent: how
                // names are derived from one another is the split's
                // (should-level) business, not the object's.
                let claim = c.information_validation.as_ref()?;
                let needed = |f: &&String| !is_body_field(f) || sent.contains_key(*f);
                Some(object(&claim.object).is_some_and(|o| {
                    claim
                        .fields
                        .iter()
                        .filter(needed)
                        .all(|f| o.get(f).is_some())
                }))
            },
        );
    });
}

#[then("the full name is split into first and last name")]
fn name_split(world: &mut RegistrationWorld) {
    let full = world
        .body
        .get("fullName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (first, last) = full.split_once(' ').unwrap_or((&full, ""));
    let want = json!({"firstName": first, "lastName": last});
    with_body(world, Some("split"), |world, _, body| {
        let got = json!({
            "firstName": body.pointer("/data/informationValidation/firstName"),
            "lastName": body.pointer("/data/informationValidation/lastName"),
        });
        world.judge(
            "create.information-validation",
            Some("split"),
            Some(Level::Should),
            got.clone(),
            |_, _| want.clone(),
            |_, c| {
                let claim = c.information_validation.as_ref()?;
                claim.splits_full_name.map(|_| got == want)
            },
        );
    });
}

#[then("the token is a JWT")]
fn token_jwt(world: &mut RegistrationWorld) {
    with_body(world, None, |world, _, body| {
        let token = token(&body);
        let header = token.as_deref().and_then(jwt_header);
        let observed = json!({"token_present": token.is_some(), "header": header});
        world.judge(
            "create.token-jwt",
            None,
            None,
            observed,
            |_, c| json!(c.token_jwt),
            |_, c| {
                c.token_jwt.as_ref()?;
                Some(header.as_ref().is_some_and(|h| h.get("alg").is_some()))
            },
        );
    });
}

#[then("createdAt and updatedAt are ISO-8601 UTC timestamps")]
fn timestamps(world: &mut RegistrationWorld) {
    with_body(world, None, |world, _, body| {
        let reg = registration(&body).cloned().unwrap_or_default();
        let stamps: Vec<Option<&str>> = ["createdAt", "updatedAt"]
            .iter()
            .map(|k| reg.get(*k).and_then(Value::as_str))
            .collect();
        let all_iso = stamps.iter().all(|s| s.and_then(iso8601).is_some());
        world.judge(
            "create.timestamps",
            None,
            None,
            json!({"createdAt": stamps[0], "updatedAt": stamps[1]}),
            |_, c| json!(c.timestamps),
            |_, c| c.timestamps.as_ref().map(|_| all_iso),
        );
    });
}

#[then("the timestamp precision is recorded")]
fn timestamp_precision(world: &mut RegistrationWorld) {
    with_body(world, Some("precision"), |world, _, body| {
        let digits = registration(&body)
            .and_then(|r| r.get("createdAt"))
            .and_then(Value::as_str)
            .and_then(iso8601);
        let precision = match digits {
            Some(0) => "seconds",
            Some(3) => "milliseconds",
            Some(_) => "other",
            None => "not ISO-8601",
        };
        let ctx = world.ctx();
        let variants = ctx.contract.align("create.timestamps", |v, _| {
            let stated = ctx
                .contract
                .statement(v, "create.timestamps")
                .detail
                .as_ref()?;
            Some(stated.get("precision")? == precision)
        });
        world.record(
            "create.timestamps",
            StepResult {
                aspect: Some("precision"),
                cap: Some(Level::Observe),
                judgement: Judgement::new(None, Value::Null, json!(precision)),
                message: format!("timestamps have {precision} precision"),
                variants,
            },
        );
    });
}

/// How an id looks: a 24-hex ObjectId, a prefixed placeholder, or other.
fn id_style(id: &str) -> &'static str {
    if id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        "objectid"
    } else if id.contains('_') {
        "prefixed"
    } else {
        "other"
    }
}

#[then("the id style is recorded")]
fn id_format(world: &mut RegistrationWorld) {
    with_body(world, None, |world, _, body| {
        let id = registration_id(&body).unwrap_or_default();
        let style = id_style(&id);
        let ctx = world.ctx();
        let variants = ctx.contract.align("create.id-format", |v, _| {
            let stated = ctx
                .contract
                .statement(v, "create.id-format")
                .detail
                .as_ref()?;
            Some(stated.get("style")? == style)
        });
        world.record(
            "create.id-format",
            StepResult {
                aspect: None,
                cap: None,
                judgement: Judgement::new(None, Value::Null, json!({"id": id, "style": style})),
                message: format!("the id {id:?} is of style {style}"),
                variants,
            },
        );
    });
}

#[then("the record carries the documented request metadata")]
fn request_meta(world: &mut RegistrationWorld) {
    with_body(world, None, |world, _, body| {
        let reg = registration(&body).cloned().unwrap_or_default();
        let present: Vec<&str> = ["ipAddress", "userAgent"]
            .into_iter()
            .filter(|k| reg.contains_key(*k))
            .collect();
        world.judge(
            "create.legacy-request-meta",
            None,
            None,
            json!({"present": present}),
            |_, c| json!(c.request_meta),
            |_, c| {
                let fields = &c.request_meta.as_ref()?.fields;
                Some(fields.iter().all(|k| reg.contains_key(k)))
            },
        );
    });
}
