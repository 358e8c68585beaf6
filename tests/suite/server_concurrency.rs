//! The store under concurrency: parallel creates and recreations of one
//! contact never make a second registration, and every token is distinct.
//! Bounded in count (a few hundred requests) and time (client timeout).

use crate::support::server_support;

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::json;
use server_support::*;
use verifik_conformance::server::ServerVariant;

const N: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_and_recreations_of_one_email() {
    for variant in [ServerVariant::Current, ServerVariant::Legacy] {
        let api = Api::start(variant).await;
        let shared_email = format!("same{}@example.com", unique());
        // 64 creates of distinct emails and 64 creates of one email, all at once.
        let distinct = (0..N).map(|i| api.valid_body(&format!("distinct{i}")));
        let same = (0..N).map(|_| {
            let mut body = api.valid_body("same");
            body["email"] = json!(shared_email);
            body
        });
        let bodies: Vec<_> = distinct.chain(same).collect();
        let replies = join_all(bodies.iter().map(|b| api.create(b))).await;
        assert!(replies.iter().all(|r| r.status == 200), "{variant:?}");

        let (distinct_replies, same_replies) = replies.split_at(N);
        let ids: HashSet<String> = same_replies.iter().map(|r| api.created_id(r)).collect();
        assert_eq!(
            ids.len(),
            1,
            "{variant:?}: one registration for the shared email"
        );
        let tokens: HashSet<String> = same_replies.iter().map(|r| api.created_token(r)).collect();
        assert_eq!(tokens.len(), N, "{variant:?}: every recreation a new token");
        let other_ids: HashSet<String> =
            distinct_replies.iter().map(|r| api.created_id(r)).collect();
        assert_eq!(other_ids.len(), N);
        assert!(other_ids.is_disjoint(&ids));

        let list = api.get(&format!("{COLLECTION}?limit=100")).await;
        assert_eq!(list.at("/pagination/total"), N + 1, "{variant:?}");
        let items = list.at("/data").as_array().unwrap();
        let with_shared = items
            .iter()
            .filter(|item| item["email"] == json!(shared_email))
            .count();
        assert_eq!(with_shared, 1, "{variant:?}");
        // The registration shows the latest token issued.
        if variant == ServerVariant::Legacy {
            let id = ids.iter().next().unwrap();
            let one = api.get(&format!("{COLLECTION}/{id}")).await;
            assert!(tokens.contains(one.at("/data/token").as_str().unwrap()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_recreations_of_one_phone() {
    let api = Api::start(ServerVariant::Current).await;
    let phone = format!("300{}", unique());
    let bodies: Vec<_> = (0..N)
        .map(|i| {
            json!({
                "project": api.server.project(),
                "projectFlow": api.server.project_flow(),
                "phone": phone,
                "countryCode": "+57",
                "fullName": format!("Caller {i}"),
            })
        })
        .collect();
    let replies = join_all(bodies.iter().map(|b| api.create(b))).await;
    assert!(replies.iter().all(|r| r.status == 200));
    let ids: HashSet<String> = replies.iter().map(|r| api.created_id(r)).collect();
    let tokens: HashSet<String> = replies.iter().map(|r| api.created_token(r)).collect();
    assert_eq!((ids.len(), tokens.len()), (1, N));
    assert_eq!(api.get(COLLECTION).await.at("/pagination/total"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn updated_at_strictly_grows_under_bursts() {
    let api = Api::start(ServerVariant::Current).await;
    let created = api.create(&api.valid_body("burst")).await;
    let id = api.created_id(&created);
    let mut last = created.str_at("/data/appRegistration/updatedAt");
    // Sequential, back to back: usually several within one millisecond.
    for _ in 0..50 {
        let synced = api.put(&format!("{COLLECTION}/{id}/sync")).await;
        let now = synced.str_at("/data/updatedAt");
        assert!(now > last, "{now} after {last}");
        last = now;
    }
    // In parallel: 32 syncs, 32 distinct updatedAt values.
    let path = format!("{COLLECTION}/{id}/sync");
    let replies = join_all((0..32).map(|_| api.put(&path))).await;
    let stamps: HashSet<String> = replies
        .iter()
        .map(|r| r.str_at("/data/updatedAt"))
        .collect();
    assert_eq!(stamps.len(), 32);
}

/// Whether anything still accepts connections on `addr`.
async fn accepts(addr: std::net::SocketAddr) -> bool {
    tokio::net::TcpStream::connect(addr).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_and_drop_stop_the_server_despite_idle_keep_alive() {
    let api = Api::start(ServerVariant::Current).await;
    // Leave idle keep-alive connections in the client's pool.
    for _ in 0..4 {
        assert_eq!(api.get(COLLECTION).await.status, 200);
    }
    let addr = api.server.addr();
    let Api { server, client } = api;
    // Bounded: shutdown itself gives up on stuck connections after 5 s.
    tokio::time::timeout(std::time::Duration::from_secs(30), server.shutdown())
        .await
        .expect("shutdown returns");
    assert!(!accepts(addr).await, "stopped listening");
    drop(client);

    let api = Api::start(ServerVariant::Legacy).await;
    let addr = api.server.addr();
    assert!(accepts(addr).await);
    drop(api);
    let mut stopped = false;
    for _ in 0..100 {
        if !accepts(addr).await {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stopped, "dropping the handle stops the server");
}

#[tokio::test]
async fn spawn_refuses_unknown_mutants_and_bad_tokens() {
    use verifik_conformance::server::{spawn, ServerConfig, ServerError};
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.mutant = Some("no-auth".into());
    let error = spawn(config).await.unwrap_err();
    assert!(matches!(error, ServerError::UnknownMutant(..)), "{error}");
    assert!(error.is_usage());
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.token = "two words".into();
    assert!(matches!(
        spawn(config).await.unwrap_err(),
        ServerError::InvalidToken
    ));
    // The token never shows in Debug output.
    let config = ServerConfig::new(ServerVariant::Current);
    assert!(!format!("{config:?}").contains(&config.token));
}
