//! Then: authentication, JSON everywhere, no server errors.

use cucumber::then;
use serde_json::json;

use crate::check::Level;
use crate::judge::universal;
use crate::judge::Judgement;
use crate::scripted::world::{RegistrationWorld, StepResult, Unobserved};

#[then("the request does not succeed")]
fn does_not_succeed(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let status = match world.response() {
        Ok(r) => r.status,
        Err(e) => return world.record_unobserved(&fact, None, e),
    };
    let refused = !(200..300).contains(&status) && status < 500;
    world.judge(
        &fact,
        None,
        None,
        json!(status),
        |_, _| json!("a 4xx refusal"),
        |_, c| {
            // auth.bearer-required, or retrieve.unknown.
            let stated = match fact.as_str() {
                "auth.bearer-required" => c.bearer.as_ref().is_some_and(|b| b.required),
                _ => c
                    .retrieve_unknown
                    .as_ref()
                    .is_some_and(|u| !u.unknown_is_2xx),
            };
            stated.then_some(refused)
        },
    );
}

#[then("the refusal status is recorded")]
fn refusal_status(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let Ok(status) = world.response().map(|r| r.status) else {
        return;
    };
    let ctx = world.ctx();
    let variants = ctx.contract.align(&fact, |v, _| {
        let expected = ctx
            .contract
            .statement(v, &fact)
            .detail
            .as_ref()?
            .get("expected_status")?;
        Some(expected == &json!(status))
    });
    world.record(
        &fact,
        StepResult {
            aspect: Some("status"),
            cap: Some(Level::Observe),
            judgement: Judgement::new(None, json!(401), json!(status)),
            message: format!("refused with HTTP {status} (401 expected)"),
            variants,
        },
    );
}

#[then("the response body is JSON")]
fn body_is_json(world: &mut RegistrationWorld) {
    let (is_json, observed) = match world.response() {
        Ok(r) => (
            universal::json_body(r),
            json!({"status": r.status, "body": String::from_utf8_lossy(&r.body_bytes[..r.body_bytes.len().min(200)])}),
        ),
        Err(e) => return world.record_unobserved("http.json", Some("body"), e),
    };
    world.judge(
        "http.json",
        Some("body"),
        None,
        observed,
        |_, _| json!("a JSON body"),
        |_, c| c.json.as_ref().map(|_| is_json),
    );
}

#[then("the response Content-Type is JSON")]
fn content_type_is_json(world: &mut RegistrationWorld) {
    let (content_type, is_json) = match world.response() {
        Ok(r) => (
            r.headers.get("content-type").cloned(),
            universal::json_content_type(r),
        ),
        Err(e) => return world.record_unobserved("http.json", Some("content-type"), e),
    };
    world.judge(
        "http.json",
        Some("content-type"),
        Some(Level::Should),
        json!(content_type),
        |_, c| json!(c.json.as_ref().map(|j| &j.content_type)),
        |_, c| c.json.as_ref().map(|_| is_json),
    );
}

#[then("the response is not a server error")]
fn not_server_error(world: &mut RegistrationWorld) {
    // The one step that judges a 5xx itself.
    let status = match world.answer() {
        Ok(r) => r.status,
        Err(e) => {
            return world.record_unobserved("http.no-server-error", None, Unobserved::Nothing(e))
        }
    };
    world.judge(
        "http.no-server-error",
        None,
        None,
        json!(status),
        |_, _| json!("a status below 500"),
        |_, c| {
            c.no_server_error
                .as_ref()
                .map(|_| universal::no_server_error(status))
        },
    );
}
