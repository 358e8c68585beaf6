//! Given/When: build a create request, send it, or make a registration to
//! act on.

use cucumber::{given, when};
use serde_json::{Map, Value};

use crate::client::{Auth, Body, Request};
use crate::scripted::world::RegistrationWorld;

pub const COLLECTION: &str = "/v2/app-registrations";

/// A create body every documented variant accepts.
fn valid_body(world: &mut RegistrationWorld, contact: &str) -> Map<String, Value> {
    let ctx = world.ctx();
    let mut body = Map::new();
    body.insert("project".into(), ctx.target.project.clone().into());
    body.insert("projectFlow".into(), ctx.target.project_flow.clone().into());
    if contact.contains("email") {
        body.insert(
            "email".into(),
            ctx.unique_email(world.contact_serial()).into(),
        );
    }
    if contact.contains("phone") {
        body.insert(
            "phone".into(),
            ctx.unique_phone(world.contact_serial()).into(),
        );
        body.insert("countryCode".into(), "+57".into());
    }
    body.insert("fullName".into(), "Lucía Fernández".into());
    body.insert("language".into(), "en".into());
    body
}

#[given(regex = r"^a valid registration request with (an email|a phone|an email and a phone)$")]
fn a_valid_request(world: &mut RegistrationWorld, contact: String) {
    world.body = valid_body(world, &contact);
}

#[given(expr = "the request has no {string}")]
fn without_field(world: &mut RegistrationWorld, field: String) {
    world.body.remove(&field);
}

#[given(expr = "the request has {string} set to {string}")]
fn with_field(world: &mut RegistrationWorld, field: String, value: String) {
    world.body.insert(field, Value::String(value));
}

#[given(expr = "the request has {string} of {int} characters")]
fn with_long_field(world: &mut RegistrationWorld, field: String, length: usize) {
    let value: String = "Ab ".chars().cycle().take(length).collect();
    world.body.insert(field, Value::String(value));
}

#[given("the email is at the blocked domain")]
fn blocked_email(world: &mut RegistrationWorld) {
    if let Some(domain) = world.ctx().target.blocked_email_domain.clone() {
        world
            .body
            .insert("email".into(), format!("someone@{domain}").into());
    }
}

#[given("no other request is in flight")]
async fn alone(world: &mut RegistrationWorld) {
    world.run_alone().await;
}

#[given(regex = r"^a registration created with (an email|a phone)$")]
async fn a_registration(world: &mut RegistrationWorld, contact: String) {
    if world.skipped() {
        return;
    }
    let body = valid_body(world, &contact);
    let exchange = world
        .send(Request::post_json(COLLECTION, Value::Object(body.clone())))
        .await;
    world.setup_body = body;
    world.last = Some(exchange.clone());
    world.setup = Some(exchange);
}

#[when("I create the registration")]
async fn create(world: &mut RegistrationWorld) {
    send_create(world, Auth::Target).await;
}

#[when("I create the registration without a token")]
async fn create_without_token(world: &mut RegistrationWorld) {
    send_create(world, Auth::None).await;
}

#[when(expr = "I create the registration with the token {string}")]
async fn create_with_token(world: &mut RegistrationWorld, token: String) {
    send_create(world, Auth::Raw(format!("Bearer {token}"))).await;
}

async fn send_create(world: &mut RegistrationWorld, auth: Auth) {
    if world.skipped() {
        return;
    }
    let request = Request::post_json(COLLECTION, Value::Object(world.body.clone())).with_auth(auth);
    world.last = Some(world.send(request).await);
}

#[when(regex = r"^I send the raw body (.*) to create$")]
async fn raw_create(world: &mut RegistrationWorld, body: String) {
    let request = Request::post_json(COLLECTION, Value::Null).with_body(Body::Raw {
        bytes: body.trim().as_bytes().to_vec(),
        content_type: Some("application/json".into()),
    });
    world.last = Some(world.send(request).await);
}

#[when("I create the same registration again")]
async fn recreate(world: &mut RegistrationWorld) {
    let request = Request::post_json(COLLECTION, Value::Object(world.setup_body.clone()));
    world.last = Some(world.send(request).await);
}

#[when("I list the registrations")]
async fn list(world: &mut RegistrationWorld) {
    world.last = Some(world.send(Request::get(COLLECTION)).await);
}

#[when("I list the registrations without a token")]
async fn list_without_token(world: &mut RegistrationWorld) {
    let request = Request::get(COLLECTION).with_auth(Auth::None);
    world.last = Some(world.send(request).await);
}

#[when("I retrieve the created registration")]
async fn retrieve_created(world: &mut RegistrationWorld) {
    let id = created_id(world);
    world.last = Some(world.send(Request::get(format!("{COLLECTION}/{id}"))).await);
}

#[when(expr = "I retrieve the registration {string}")]
async fn retrieve(world: &mut RegistrationWorld, id: String) {
    world.last = Some(world.send(Request::get(format!("{COLLECTION}/{id}"))).await);
}

#[when("I sync the created registration")]
async fn sync(world: &mut RegistrationWorld) {
    let id = created_id(world);
    world.last = Some(
        world
            .send(Request::put(format!("{COLLECTION}/{id}/sync")))
            .await,
    );
}

/// The ID of the registration made by a `Given`; a placeholder that cannot
/// exist when that create failed (the `Then` then fails on the answer).
pub fn created_id(world: &RegistrationWorld) -> String {
    world
        .setup
        .as_ref()
        .and_then(|e| e.outcome.as_ref().ok())
        .and_then(|r| r.json.as_ref())
        .and_then(crate::judge::registration_id)
        .unwrap_or_else(|| "the-create-before-this-failed".into())
}
