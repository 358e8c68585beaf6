//! Then: list, retrieve and sync (documented by the overview).

use cucumber::then;
use serde_json::{json, Value};

use super::requests::{created_id, COLLECTION};
use crate::client::Request;
use crate::judge::{mentions, registration};
use crate::scripted::world::RegistrationWorld;

#[then("the endpoint answers as documented")]
fn answers(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let (status, is_json) = match world.response() {
        Ok(r) => (r.status, r.json.is_some()),
        Err(e) => return world.record_unobserved(&fact, None, e),
    };
    world.judge(
        &fact,
        None,
        None,
        json!({"status": status, "json": is_json}),
        |_, c| json!({"status": c.endpoint(&fact).map(|e| e.status), "json": true}),
        |_, c| c.endpoint(&fact).map(|e| e.status == status && is_json),
    );
}

/// Pages read at most while looking for the created registration.
const MAX_PAGES: u64 = 50;

/// The next page of a list answer that says how it is paged
/// (`pagination` or `meta` with `page`, `limit` and `total`), as a query.
fn next_page(body: &Value) -> Option<String> {
    let paging = body.get("pagination").or_else(|| body.get("meta"))?;
    let number = |key: &str| paging.get(key).and_then(Value::as_u64);
    let (page, limit, total) = (number("page")?, number("limit")?, number("total")?);
    (limit > 0 && page.saturating_mul(limit) < total)
        .then(|| format!("?page={}&limit={limit}", page + 1))
}

/// list.contains-created: the registration is looked for on every page the
/// answer says there is (no page fixes the order or the page size), and the
/// scenario runs alone, so no other scenario's create can push it away.
#[then("the list contains the created registration")]
async fn list_contains(world: &mut RegistrationWorld) {
    let fact = "list.contains-created";
    let id = created_id(world);
    let mut pages = 1;
    loop {
        let body = match world.response() {
            Ok(r) => r.json.clone().unwrap_or(Value::Null),
            Err(e) => return world.record_unobserved(fact, None, e),
        };
        if mentions(&body, &id) || pages >= MAX_PAGES {
            break;
        }
        let Some(query) = next_page(&body) else {
            break;
        };
        pages += 1;
        world.last = Some(
            world
                .send(Request::get(format!("{COLLECTION}{query}")))
                .await,
        );
    }
    holds_created(world, fact, pages);
}

#[then("the retrieved registration is the created one")]
fn retrieved_is_created(world: &mut RegistrationWorld) {
    let fact = world.fact();
    let id = created_id(world);
    let body = match world.response() {
        Ok(r) => r.json.clone().unwrap_or(Value::Null),
        Err(e) => return world.record_unobserved(&fact, Some("same-id"), e),
    };
    let found = mentions(&body, &id);
    world.judge(
        &fact,
        Some("same-id"),
        None,
        json!({"id": id, "found": found}),
        |_, _| json!({"id": id}),
        |_, c| c.endpoint(&fact).map(|_| found),
    );
}

fn holds_created(world: &mut RegistrationWorld, fact: &str, pages: u64) {
    let id = created_id(world);
    let body = match world.response() {
        Ok(r) => r.json.clone().unwrap_or(Value::Null),
        Err(e) => return world.record_unobserved(fact, None, e),
    };
    let found = mentions(&body, &id);
    world.judge(
        fact,
        None,
        None,
        json!({"id": id, "found": found, "pages_read": pages}),
        |_, _| json!({"contains": id}),
        |_, c| c.list_contains_created.as_ref().map(|_| found),
    );
}

#[then("the answer holds the overview's object shape")]
fn overview_shape(world: &mut RegistrationWorld) {
    let body = match world.response() {
        Ok(r) => r.json.clone().unwrap_or(Value::Null),
        Err(e) => return world.record_unobserved("overview.object-shape", None, e),
    };
    let object = registration(&body).cloned().unwrap_or_default();
    let keys: Vec<String> = object.keys().cloned().collect();
    world.judge(
        "overview.object-shape",
        None,
        None,
        json!({"fields": keys}),
        |_, c| json!(c.object_shape),
        |_, c| {
            let want = &c.object_shape.as_ref()?.fields;
            Some(want.iter().all(|f| object.contains_key(f)))
        },
    );
}
