//! Then: token recreation (same email, or same phone and countryCode).

use cucumber::then;
use serde_json::json;

use crate::judge::{registration_id, token};
use crate::scripted::world::RegistrationWorld;

fn setup_body(world: &RegistrationWorld) -> Option<serde_json::Value> {
    world
        .setup
        .as_ref()
        .and_then(|e| e.outcome.as_ref().ok())
        .and_then(|r| r.json.clone())
}

#[then("the token is new")]
fn token_is_new(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let first = setup_body(world).as_ref().and_then(token);
    let second = match world.response() {
        Ok(r) => r.json.as_ref().and_then(token),
        Err(e) => return world.record_unobserved(&fact, Some("new-token"), e),
    };
    let observed = json!({
        "first": first.as_deref().map(crate::client::mask_jwt),
        "second": second.as_deref().map(crate::client::mask_jwt),
    });
    let fresh = matches!((&first, &second), (Some(a), Some(b)) if a != b);
    world.judge(
        &fact,
        Some("new-token"),
        None,
        observed,
        |_, c| json!({"new_token": c.recreate(&fact).map(|r| r.new_token)}),
        |_, c| c.recreate(&fact).filter(|r| r.new_token).map(|_| fresh),
    );
}

#[then("the registration is the one created before")]
fn same_registration(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let first = setup_body(world).as_ref().and_then(registration_id);
    let second = match world.response() {
        Ok(r) => r.json.as_ref().and_then(registration_id),
        Err(e) => return world.record_unobserved(&fact, None, e),
    };
    let same = first.is_some() && first == second;
    world.judge(
        &fact,
        None,
        None,
        json!({"first_id": first, "second_id": second}),
        |_, c| json!(c.recreate_same_registration),
        |_, c| c.recreate_same_registration.as_ref().map(|_| same),
    );
}
