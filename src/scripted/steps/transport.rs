//! Then: authentication, JSON everywhere, no server errors.

use cucumber::then;
use serde_json::json;

use crate::check::Level;
use crate::scripted::world::{Judgement, RegistrationWorld};

#[then("the request does not succeed")]
fn does_not_succeed(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let status = match world.response() {
        Ok(r) => r.status,
        Err(e) => return world.record_failure(&fact, None, e),
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
        Judgement {
            aspect: Some("status"),
            cap: Some(Level::Observe),
            held: None,
            message: format!("refused with HTTP {status} (401 expected)"),
            expected: json!(401),
            observed: json!(status),
            variants,
        },
    );
}

#[then("the response body is JSON")]
fn body_is_json(world: &mut RegistrationWorld) {
    let (is_json, observed) = match world.response() {
        Ok(r) => (
            r.json.is_some(),
            json!({"status": r.status, "body": String::from_utf8_lossy(&r.body_bytes[..r.body_bytes.len().min(200)])}),
        ),
        Err(e) => return world.record_failure("http.json", Some("body"), e),
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
    let content_type = match world.response() {
        Ok(r) => r.headers.get("content-type").cloned(),
        Err(e) => return world.record_failure("http.json", Some("content-type"), e),
    };
    let is_json = content_type.as_deref().is_some_and(is_json_media_type);
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
    let status = match world.response() {
        Ok(r) => r.status,
        Err(e) => return world.record_failure("http.no-server-error", None, e),
    };
    world.judge(
        "http.no-server-error",
        None,
        None,
        json!(status),
        |_, _| json!("a status below 500"),
        |_, c| c.no_server_error.as_ref().map(|_| status < 500),
    );
}

/// `application/json` or a JSON-based `application/*+json` type (RFC 6839),
/// whatever its parameters (`; charset=utf-8`): the pages name the JSON
/// media type but no parameters, and a `+json` type is JSON too.
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json") && sub.len() > "+json".len())
}

#[cfg(test)]
mod tests {
    use super::is_json_media_type;

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(!is_json_media_type("application/jsonp"));
        assert!(!is_json_media_type("text/json"));
        assert!(!is_json_media_type("application/+json"));
        assert!(!is_json_media_type("text/plain"));
    }
}
