//! Then: the shape and status of error bodies.

use cucumber::then;
use serde_json::{json, Value};

use crate::judge::universal;
use crate::scripted::world::{RegistrationWorld, Unobserved};

fn error_answer(world: &RegistrationWorld) -> Result<(u16, Value), Unobserved> {
    let r = world.response()?;
    Ok((r.status, r.json.clone().unwrap_or(Value::Null)))
}

#[then("the error body has the documented envelope")]
fn error_envelope(world: &mut RegistrationWorld) {
    let (status, body) = match error_answer(world) {
        Ok(a) => a,
        Err(e) => return world.record_unobserved("error.envelope", None, e),
    };
    let keys: Vec<String> = body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    world.judge(
        "error.envelope",
        None,
        None,
        json!({"status": status, "fields": keys}),
        |_, c| json!(c.error_envelope),
        |_, c| {
            let want = &c.error_envelope.as_ref()?.fields;
            Some(!(200..300).contains(&status) && want.iter().all(|f| keys.iter().any(|k| k == f)))
        },
    );
}

#[then("the HTTP status is the documented validation status")]
fn http_409(world: &mut RegistrationWorld) {
    let status = match error_answer(world) {
        Ok((s, _)) => s,
        Err(e) => return world.record_unobserved("error.http-409", None, e),
    };
    world.judge(
        "error.http-409",
        None,
        None,
        json!(status),
        |_, c| json!(c.validation_status.as_ref().map(|s| s.status)),
        |_, c| c.validation_status.as_ref().map(|s| s.status == status),
    );
}

#[then("the body's status equals the HTTP status")]
fn status_consistent(world: &mut RegistrationWorld) {
    let (status, body) = match error_answer(world) {
        Ok(a) => a,
        Err(e) => return world.record_unobserved("error.status-consistent", None, e),
    };
    let in_body = body.get("status").cloned().unwrap_or(Value::Null);
    world.judge(
        "error.status-consistent",
        None,
        None,
        json!({"http": status, "body": in_body}),
        |_, _| json!({"body_status": "equal to the HTTP status"}),
        |_, c| {
            c.status_consistent
                .as_ref()
                .map(|_| universal::status_consistent(status, &body))
        },
    );
}
