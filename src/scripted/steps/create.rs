//! Then: the create endpoint's request rules and success response, each
//! judged against the claim of the profile's variant and aligned with every
//! variant's claim.

use cucumber::then;
use serde_json::{json, Map, Value};

use crate::check::Level;
use crate::contract::{
    claim_strings, shows_documented_body, Contract, Shape, ShapeFamily, Variant,
};
use crate::scripted::world::{mentions, observed_response, registration, token, RegistrationWorld};

/// What a variant's claim says the answer to a request must be.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Accept,
    Refuse {
        status: Option<u16>,
        body: Option<Value>,
        /// The error body's fields, from the same variant's error.envelope.
        fields: Vec<String>,
    },
}

impl Outcome {
    fn expected(&self) -> Value {
        match self {
            Outcome::Accept => json!({"accepted": true, "status": "2xx"}),
            Outcome::Refuse {
                status,
                body,
                fields,
            } => json!({"refused": true, "status": status, "body": body, "error_fields": fields}),
        }
    }

    fn fits(&self, status: u16, body: Option<&Value>) -> bool {
        let success = (200..300).contains(&status);
        match self {
            Outcome::Accept => success,
            Outcome::Refuse {
                status: want_status,
                body: want_body,
                fields,
            } => {
                (400..500).contains(&status)
                    && want_status.is_none_or(|s| s == status)
                    && want_body
                        .as_ref()
                        .is_none_or(|b| shows_documented_body(b, body))
                    && fields.iter().all(|f| body.and_then(|b| b.get(f)).is_some())
            }
        }
    }
}

/// The outcome a claim of a request fact predicts for this scenario's
/// request, or `None` when the claim says nothing about it.
fn outcome(
    contract: &Contract,
    fact: &str,
    variant: Variant,
    claim: &Map<String, Value>,
) -> Option<Outcome> {
    let refuse = || {
        let fields = contract
            .statement(variant, "error.envelope")
            .claim
            .as_ref()
            .and_then(|c| claim_strings(c, "fields"))
            .unwrap_or_default();
        Outcome::Refuse {
            status: claim
                .get("status")
                .and_then(Value::as_u64)
                .map(|s| s as u16),
            body: claim.get("error").cloned(),
            fields,
        }
    };
    let flag = |key: &str| claim.get(key).and_then(Value::as_bool);
    let refuses = match fact {
        "create.full-name-optional" => flag("required")?,
        "create.first-last-name" => !flag("accepted")?,
        "create.phone-digits" => flag("digits_only")?,
        "create.country-code-format" => claim.contains_key("pattern"),
        _ => flag("rejected").or(flag("required"))?,
    };
    if fact == "create.country-code-format" && !refuses {
        return None; // an example value alone states no rule
    }
    Some(if refuses { refuse() } else { Outcome::Accept })
}

/// Judge the answer to a create request against the fact's request rule.
fn judge_request_rule(world: &mut RegistrationWorld) {
    if world.skipped() {
        return;
    }
    let fact = world.fact();
    let (status, body, observed) = match world.response() {
        Ok(r) => (r.status, r.json.clone(), observed_response(r)),
        Err(e) => return world.record_failure(&fact, None, e),
    };
    let contract = world.ctx().contract;
    world.judge(
        &fact,
        None,
        None,
        observed,
        |variant, claim| {
            outcome(contract, &fact, variant, claim)
                .map(|o| o.expected())
                .unwrap_or(Value::Null)
        },
        |variant, claim| {
            outcome(contract, &fact, variant, claim).map(|o| o.fits(status, body.as_ref()))
        },
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
        Err(e) => return world.record_failure(&fact, None, e),
    };
    let ok = (200..300).contains(&status);
    world.judge(
        &fact,
        None,
        None,
        observed,
        |_, claim| json!({"accepted": true, "forms": claim.get("accepts")}),
        |_, claim| claim.get("accepts").map(|_| ok),
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
        Err(e) => return world.record_failure(&fact, Some("taken"), e),
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
    let judged = world
        .judged_claim(&fact)
        .and_then(|(_, c)| claim_strings(&c, "fields"))
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
        |_, claim| json!({"taken": claim.get("fields")}),
        |_, claim| {
            if claim.get("accepted").and_then(Value::as_bool) != Some(true) {
                return None;
            }
            claim_strings(claim, "fields").map(|f| dropped(&f).is_empty())
        },
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
        Err(e) => return world.record_failure(&fact, aspect, e),
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
            |_, claim| claim.get("status").cloned().unwrap_or(Value::Null),
            |_, claim| claim.get("status").map(|s| s == &json!(status)),
        );
    });
}

fn family_of(claim: &Map<String, Value>) -> Option<ShapeFamily> {
    match claim.get("kind").and_then(Value::as_str)? {
        "data-appRegistration" => Some(ShapeFamily::Current),
        "success-data" => Some(ShapeFamily::Legacy),
        _ => None,
    }
}

#[then("the response has the documented success envelope")]
fn envelope(world: &mut RegistrationWorld) {
    with_body(world, None, |world, status, body| {
        let shapes = &world.ctx().contract.shapes;
        let violations = world
            .judged_claim("create.envelope")
            .and_then(|(_, c)| family_of(&c))
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
            |_, claim| json!({"kind": claim.get("kind"), "keys": claim.get("keys")}),
            |_, claim| family_of(claim).map(|f| shapes.is_valid(Shape::Success(f), &body)),
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
        let missing = |claim: &Map<String, Value>| -> Option<Vec<String>> {
            let fields = claim_strings(claim, "fields")?;
            let conditional = claim_strings(claim, "when_sent").unwrap_or_default();
            let needed = |f: &String| !conditional.contains(f) || sent.contains_key(f);
            Some(
                fields
                    .into_iter()
                    .filter(|f| needed(f) && !keys.contains(f))
                    .collect(),
            )
        };
        let judged_missing = world
            .judged_claim("create.registration-fields")
            .and_then(|(_, c)| missing(&c))
            .unwrap_or_default();
        world.judge(
            "create.registration-fields",
            None,
            None,
            json!({"fields": keys, "missing": judged_missing}),
            |_, claim| json!({"fields": claim.get("fields"), "when_sent": claim.get("when_sent")}),
            |_, claim| missing(claim).map(|m| m.is_empty()),
        );
    });
}

/// Judge one field of the registration object against a claim key.
fn registration_field(
    world: &mut RegistrationWorld,
    fact: &'static str,
    field: &'static str,
    claim_key: &'static str,
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
            |_, claim| json!({ field: claim.get(claim_key) }),
            |_, claim| claim.get(claim_key).map(|want| want == &value),
        );
    });
}

#[then("the registration's status is the documented initial status")]
fn initial_status(world: &mut RegistrationWorld) {
    registration_field(world, "create.initial-status", "status", "status");
}

#[then("the registration's current step is the documented one")]
fn current_step(world: &mut RegistrationWorld) {
    registration_field(world, "create.current-step", "currentStep", "value");
}

#[then("the registration's language is the documented default")]
fn language_default(world: &mut RegistrationWorld) {
    registration_field(world, "create.language-default", "language", "default");
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
        let judged = world
            .judged_claim("create.echo")
            .and_then(|(_, c)| claim_strings(&c, "fields"))
            .unwrap_or_default();
        let observed = json!({"differing": differs(&judged), "sent": sent, "received": reg});
        world.judge(
            "create.echo",
            None,
            None,
            observed,
            |_, claim| json!({"echoed": claim.get("fields")}),
            |_, claim| claim_strings(claim, "fields").map(|f| differs(&f).is_empty()),
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
        let object = |claim: &Map<String, Value>| {
            let name = claim.get("object")?.as_str()?;
            body.pointer(&format!("/data/{name}")).cloned()
        };
        let observed = body
            .pointer("/data/informationValidation")
            .cloned()
            .unwrap_or(Value::Null);
        world.judge(
            "create.information-validation",
            Some("object"),
            None,
            observed,
            |_, claim| json!({"object": claim.get("object"), "fields": claim.get("fields")}),
            |_, claim| {
                // A name field the request did not send may be absent: how
                // names are derived from one another is the split's
                // (should-level) business, not the object's.
                let fields = claim_strings(claim, "fields")?;
                let needed = |f: &&String| !is_body_field(f) || sent.contains_key(*f);
                Some(
                    object(claim)
                        .is_some_and(|o| fields.iter().filter(needed).all(|f| o.get(f).is_some())),
                )
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
            |_, claim| claim.get("splits_full_name").map(|_| got == want),
        );
    });
}

/// The decoded JSON header of a JWT, when `token` is one.
pub fn jwt_header(token: &str) -> Option<Value> {
    use base64::Engine as _;
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if parts[1..].iter().any(|p| engine.decode(p).is_err()) {
        return None;
    }
    serde_json::from_slice(&engine.decode(parts[0]).ok()?).ok()
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
            |_, claim| json!({"format": claim.get("format"), "alg": claim.get("alg")}),
            |_, claim| {
                claim.get("format")?;
                Some(header.as_ref().is_some_and(|h| h.get("alg").is_some()))
            },
        );
    });
}

/// An ISO-8601 date-time (its RFC 3339 profile, parsed by `time`), and the
/// digits of its fraction of a second.
pub fn iso8601(value: &str) -> Option<usize> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(value, &Rfc3339).ok()?;
    let fraction = value.get(19..)?.strip_prefix('.').map_or(0, |rest| {
        rest.bytes().take_while(u8::is_ascii_digit).count()
    });
    Some(fraction)
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
            |_, claim| json!({"format": claim.get("format")}),
            |_, claim| claim.get("format").map(|_| all_iso),
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
            crate::scripted::world::Judgement {
                aspect: Some("precision"),
                cap: Some(Level::Observe),
                held: None,
                message: format!("timestamps have {precision} precision"),
                expected: Value::Null,
                observed: json!(precision),
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
        let id = crate::scripted::world::registration_id(&body).unwrap_or_default();
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
            crate::scripted::world::Judgement {
                aspect: None,
                cap: None,
                held: None,
                message: format!("the id {id:?} is of style {style}"),
                expected: Value::Null,
                observed: json!({"id": id, "style": style}),
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
            |_, claim| json!({"fields": claim.get("fields")}),
            |_, claim| {
                claim_strings(claim, "fields").map(|f| f.iter().all(|k| reg.contains_key(k)))
            },
        );
    });
}
