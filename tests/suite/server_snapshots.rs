//! Snapshots of what the reference server answers, per variant: the create,
//! list, retrieve and sync bodies and the main errors. Ids, tokens and
//! times are redacted; everything else is the exact body.

use crate::support::server_support;

use serde_json::{json, Value};
use server_support::*;
use verifik_conformance::server::{ServerConfig, ServerVariant};

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::assert_json_snapshot!($name, $value, {
            ".**._id" => "[id]",
            ".**.id" => "[id]",
            ".**.client" => "[id]",
            ".**.token" => "[jwt]",
            ".**.createdAt" => "[time]",
            ".**.updatedAt" => "[time]",
            ".**.timestamp" => "[time]",
        })
    };
}

async fn answers(variant: ServerVariant) -> Vec<(String, u16, Value)> {
    let mut config = ServerConfig::new(variant);
    config.blocked_email_domains = vec!["blocked.example".into()];
    let api = Api::start_with(config).await;
    let p = api.server.project().to_string();
    let f = api.server.project_flow().to_string();
    let full = json!({
        "project": p, "projectFlow": f, "email": "user@example.com", "phone": "1234567890",
        "countryCode": "+1", "fullName": "John Doe", "language": "en",
    });
    let created = api.create(&full).await;
    let id = api.created_id(&created);
    let mut out = vec![("create".to_string(), created.status, created.body().clone())];
    let mut push = |name: &str, reply: Reply| {
        out.push((name.to_string(), reply.status, reply.body().clone()));
    };
    push("list", api.get(COLLECTION).await);
    push("retrieve", api.get(&format!("{COLLECTION}/{id}")).await);
    push("sync", api.put(&format!("{COLLECTION}/{id}/sync")).await);
    push(
        "contact-required",
        api.create(&json!({"project": p, "projectFlow": f, "fullName": "A B"}))
            .await,
    );
    push(
        "country-code-required",
        api.create(&json!({"project": p, "projectFlow": f, "phone": "1", "fullName": "A"}))
            .await,
    );
    push(
        "email-domain",
        api.create(
            &json!({"project": p, "projectFlow": f, "email": "a@blocked.example", "fullName": "A"}),
        )
        .await,
    );
    push(
        "invalid-flow",
        api.create(&json!({"project": p, "projectFlow": "other", "email": "b@example.com", "fullName": "A"}))
            .await,
    );
    push("wrong-type", api.create(&json!({"project": 7})).await);
    push(
        "invalid-json",
        api.post_raw(b"{\"project\": tru}".to_vec()).await,
    );
    push(
        "unauthorized",
        api.send(api.client.get(api.url(COLLECTION))).await,
    );
    push(
        "unknown-id",
        api.get(&format!("{COLLECTION}/000000000000000000000000"))
            .await,
    );
    push("too-large", api.post_raw(vec![b' '; 2 << 20]).await);
    out
}

#[tokio::test]
async fn answers_per_variant() {
    for variant in [
        ServerVariant::Current,
        ServerVariant::Legacy,
        ServerVariant::Overview,
    ] {
        for (name, status, body) in answers(variant).await {
            snapshot!(
                format!("{variant}-{name}"),
                json!({"status": status, "body": body})
            );
        }
    }
}
