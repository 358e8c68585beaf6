//! Then: list, retrieve and sync (documented by the overview).

use cucumber::then;
use serde_json::{json, Value};

use super::requests::created_id;
use crate::scripted::world::{mentions, RegistrationWorld};

#[then("the endpoint answers as documented")]
fn answers(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let (status, is_json) = match world.response() {
        Ok(r) => (r.status, r.json.is_some()),
        Err(e) => return world.record_failure(&fact, None, e),
    };
    world.judge(
        &fact,
        None,
        None,
        json!({"status": status, "json": is_json}),
        |_, claim| json!({"status": claim.get("status"), "json": true}),
        |_, claim| claim.get("status").map(|s| s == &json!(status) && is_json),
    );
}

#[then("the list contains the created registration")]
fn list_contains(world: &mut RegistrationWorld) {
    holds_created(world, "list.contains-created", "lists_created");
}

#[then("the retrieved registration is the created one")]
fn retrieved_is_created(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let id = created_id(world);
    let body = match world.response() {
        Ok(r) => r.json.clone().unwrap_or(Value::Null),
        Err(e) => return world.record_failure(&fact, Some("same-id"), e),
    };
    let found = mentions(&body, &id);
    world.judge(
        &fact,
        Some("same-id"),
        None,
        json!({"id": id, "found": found}),
        |_, _| json!({"id": id}),
        |_, claim| claim.get("status").map(|_| found),
    );
}

fn holds_created(world: &mut RegistrationWorld, fact: &str, key: &'static str) {
    let id = created_id(world);
    let body = match world.response() {
        Ok(r) => r.json.clone().unwrap_or(Value::Null),
        Err(e) => return world.record_failure(fact, None, e),
    };
    let found = mentions(&body, &id);
    world.judge(
        fact,
        None,
        None,
        json!({"id": id, "found": found}),
        |_, _| json!({"contains": id}),
        |_, claim| claim.get(key).map(|_| found),
    );
}

#[then("the answer holds the overview's object shape")]
fn overview_shape(world: &mut RegistrationWorld) {
    let body = match world.response() {
        Ok(r) => r.json.clone().unwrap_or(Value::Null),
        Err(e) => return world.record_failure("overview.object-shape", None, e),
    };
    let object = crate::scripted::world::registration(&body)
        .cloned()
        .unwrap_or_default();
    let keys: Vec<String> = object.keys().cloned().collect();
    world.judge(
        "overview.object-shape",
        None,
        None,
        json!({"fields": keys}),
        |_, claim| json!({"fields": claim.get("fields")}),
        |_, claim| {
            let want = claim.get("fields")?.as_array()?;
            Some(
                want.iter()
                    .filter_map(Value::as_str)
                    .all(|f| object.contains_key(f)),
            )
        },
    );
}
