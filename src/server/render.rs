//! Response bodies per variant. Objects are built from the field lists of
//! the fact sheets (`Messages`), so a registration carries exactly the
//! fields its page documents, in the page's order.

use serde_json::{json, Map, Value};

use super::ids::timestamp;
use super::messages::{Messages, SheetError};
use super::store::{Details, Registration};
use super::{ServerVariant, Shared};
use crate::contract::Variant;

/// What a field's value may depend on besides the record.
struct Context<'a> {
    client: &'a str,
    current_step: &'a str,
    millis: bool,
}

/// A registration field of the current or legacy create response.
fn registration_field(name: &str, r: &Registration, cx: &Context<'_>) -> Option<Value> {
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    let d = &r.details;
    Some(match name {
        "_id" => r.id.clone().into(),
        "client" => cx.client.into(),
        "project" => r.project.clone().into(),
        "projectFlow" => r.project_flow.clone().into(),
        "status" => r.status.clone().into(),
        "email" => opt(&d.email),
        "phone" => opt(&d.phone),
        "countryCode" => opt(&d.country_code),
        "fullName" => opt(&d.full_name),
        "firstName" => opt(&d.first_name),
        "lastName" => opt(&d.last_name),
        "currentStep" => cx.current_step.into(),
        "language" => d.language.clone().into(),
        "token" => r.token.clone().into(),
        "ipAddress" => d.ip_address.clone().into(),
        "userAgent" => d.user_agent.clone().into(),
        "createdAt" => timestamp(r.created_at, cx.millis).into(),
        "updatedAt" => timestamp(r.updated_at, cx.millis).into(),
        _ => return None,
    })
}

/// A field of the current informationValidation object.
fn information_field(name: &str, r: &Registration) -> Option<Value> {
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    Some(match name {
        "_id" => r.info_id.clone().into(),
        "fullName" => opt(&r.details.full_name),
        "firstName" => opt(&r.details.first_name),
        "lastName" => opt(&r.details.last_name),
        _ => return None,
    })
}

/// A field of the overview's object. Its steps: `personal_info` (completed
/// when a name was given), then one pending verification per contact sent.
fn overview_field(name: &str, r: &Registration, millis: bool) -> Option<Value> {
    let d = &r.details;
    Some(match name {
        "id" => r.id.clone().into(),
        // No user account exists until onboarding completes.
        "userId" => Value::Null,
        "projectId" => r.project.clone().into(),
        "flowId" => r.project_flow.clone().into(),
        "status" => r.status.clone().into(),
        "steps" => {
            let mut steps = Vec::new();
            if d.full_name.is_some() {
                steps.push(json!({
                    "type": "personal_info",
                    "status": "completed",
                    "timestamp": timestamp(r.created_at, millis),
                }));
            } else {
                steps.push(json!({"type": "personal_info", "status": "pending"}));
            }
            if d.email.is_some() {
                steps.push(json!({"type": "email_verification", "status": "pending"}));
            }
            if d.phone.is_some() {
                steps.push(json!({"type": "phone_verification", "status": "pending"}));
            }
            Value::Array(steps)
        }
        // No verification can run through these four endpoints.
        "verificationResults" => Value::Object(Map::new()),
        "createdAt" => timestamp(r.created_at, millis).into(),
        "completedAt" => Value::Null,
        _ => return None,
    })
}

fn build(fields: &[String], value: impl Fn(&str) -> Option<Value>) -> Value {
    let mut object = Map::with_capacity(fields.len());
    for field in fields {
        // `check_fields` proved at startup that every listed field is known.
        object.insert(field.clone(), value(field).unwrap_or(Value::Null));
    }
    Value::Object(object)
}

fn current_registration(shared: &Shared, r: &Registration) -> Value {
    let m = &shared.messages.current;
    let cx = Context {
        client: &shared.client,
        current_step: &m.current_step,
        millis: m.timestamp_millis,
    };
    build(&m.registration_fields, |f| registration_field(f, r, &cx))
}

fn legacy_registration(shared: &Shared, r: &Registration) -> Value {
    let m = &shared.messages.legacy;
    let cx = Context {
        client: &shared.client,
        current_step: &shared.messages.current.current_step,
        millis: m.timestamp_millis,
    };
    build(&m.registration_fields, |f| registration_field(f, r, &cx))
}

/// The create (or recreate) response.
pub(crate) fn created(shared: &Shared, r: &Registration) -> Value {
    let m = shared.messages;
    match shared.variant {
        ServerVariant::Legacy => {
            let keys = &m.legacy.envelope_keys;
            let mut body = Map::new();
            body.insert(keys[0].clone(), Value::Bool(true));
            body.insert(keys[1].clone(), legacy_registration(shared, r));
            Value::Object(body)
        }
        ServerVariant::Current | ServerVariant::Overview => {
            let keys = &m.current.data_keys;
            let info = build(&m.current.information_validation_fields, |f| {
                information_field(f, r)
            });
            let mut data = Map::new();
            data.insert(keys[0].clone(), current_registration(shared, r));
            data.insert(keys[1].clone(), info);
            data.insert(keys[2].clone(), Value::String(r.token.clone()));
            let mut body = Map::new();
            body.insert(m.current.envelope_keys[0].clone(), Value::Object(data));
            Value::Object(body)
        }
    }
}

/// One registration as list, retrieve and sync show it.
fn object(shared: &Shared, r: &Registration) -> Value {
    match shared.variant {
        ServerVariant::Current => current_registration(shared, r),
        ServerVariant::Legacy => legacy_registration(shared, r),
        ServerVariant::Overview => build(&shared.messages.overview_fields, |f| {
            overview_field(f, r, shared.messages.overview_timestamp_millis)
        }),
    }
}

/// `{"data": item}` (legacy: with `"success": true` first).
fn envelope(shared: &Shared, data: Value, extra: Option<(&str, Value)>) -> Value {
    let mut body = Map::new();
    if shared.variant == ServerVariant::Legacy {
        body.insert("success".into(), Value::Bool(true));
    }
    body.insert("data".into(), data);
    if let Some((key, value)) = extra {
        body.insert(key.into(), value);
    }
    Value::Object(body)
}

/// Retrieve and sync.
pub(crate) fn one(shared: &Shared, r: &Registration) -> Value {
    envelope(shared, object(shared, r), None)
}

/// A page of the list.
pub(crate) fn page(
    shared: &Shared,
    records: &[Registration],
    page: u32,
    limit: u32,
    total: usize,
) -> Value {
    let items = records.iter().map(|r| object(shared, r)).collect();
    envelope(
        shared,
        Value::Array(items),
        Some((
            "pagination",
            json!({"page": page, "limit": limit, "total": total}),
        )),
    )
}

/// Every field the sheets list must be one the server can fill.
pub(crate) fn check_fields(m: &Messages) -> Result<(), SheetError> {
    let sample = Registration {
        id: String::new(),
        info_id: String::new(),
        project: String::new(),
        project_flow: String::new(),
        status: String::new(),
        details: Details::default(),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        updated_at: time::OffsetDateTime::UNIX_EPOCH,
        token: String::new(),
    };
    let cx = Context {
        client: "",
        current_step: "",
        millis: true,
    };
    let unknown = |variant: Variant, fact: &str, field: &str| SheetError::Mismatch {
        variant,
        fact: fact.into(),
        problem: format!("the server cannot fill field {field:?}"),
    };
    for (variant, fields) in [
        (Variant::En, &m.current.registration_fields),
        (Variant::Legacy, &m.legacy.registration_fields),
    ] {
        for f in fields.iter() {
            registration_field(f, &sample, &cx)
                .ok_or_else(|| unknown(variant, "create.registration-fields", f))?;
        }
    }
    for f in &m.current.information_validation_fields {
        information_field(f, &sample)
            .ok_or_else(|| unknown(Variant::En, "create.information-validation", f))?;
    }
    for f in &m.overview_fields {
        overview_field(f, &sample, false)
            .ok_or_else(|| unknown(Variant::Overview, "overview.object-shape", f))?;
    }
    Ok(())
}
