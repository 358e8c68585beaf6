//! The target client against misbehaving servers, each started by the test
//! on 127.0.0.1:0 with a raw TcpListener, bounded in time, stopping by itself.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use verifik_conformance::client::{
    Auth, Body, Client, Exchange, Request, TargetConfig, TargetError, TransportError,
};

const TOKEN: &str = "tok-5ecret-Value-42";
/// Bound on every test: if the client ever waited unboundedly, the test
/// fails here instead of hanging.
const BOUND: Duration = Duration::from_secs(10);

type Log = Arc<Mutex<Vec<String>>>;

struct TestServer {
    addr: SocketAddr,
    /// Every request received, raw.
    requests: Log,
    connections: Arc<AtomicUsize>,
}

impl TestServer {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Start a server whose every connection is handled by `handler`. The
/// accept loop and each handler end by themselves after `BOUND`.
async fn start<F, Fut>(handler: F) -> TestServer
where
    F: Fn(TcpStream, Log) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Log = Arc::default();
    let connections = Arc::new(AtomicUsize::new(0));
    let (log, count) = (requests.clone(), connections.clone());
    tokio::spawn(async move {
        let _ = tokio::time::timeout(BOUND, async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(tokio::time::timeout(BOUND, handler(stream, log.clone())));
            }
        })
        .await;
    });
    TestServer {
        addr,
        requests,
        connections,
    }
}

/// Read one request (head and Content-Length body); `None` at EOF.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(String::from_utf8_lossy(&buf[..end + 4 + length]).into_owned());
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text.into_bytes()
}

fn client(url: &str, timeout: Duration, body_cap: usize) -> Client {
    let config = TargetConfig::new(url, Some(TOKEN.to_string()))
        .with_timeout(timeout)
        .with_body_cap(body_cap);
    Client::new(config).unwrap()
}

/// The token appears nowhere a person or a file could see it.
fn assert_no_token(exchange: &Exchange) {
    let mut texts = vec![
        format!("{exchange:?}"),
        exchange.curl.clone(),
        serde_json::to_string(&exchange.request).unwrap(),
        serde_json::to_string(&exchange.response_record()).unwrap(),
    ];
    if let Err(error) = &exchange.outcome {
        texts.push(error.to_string());
    }
    if let Some(problem) = exchange.problem() {
        texts.push(problem);
    }
    for text in texts {
        assert!(!text.contains(TOKEN), "token leaked into: {text}");
        assert!(!text.contains("5ecret"), "token part leaked into: {text}");
    }
}

async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, work)
        .await
        .expect("the client waited past the test bound")
}

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJlLXBhcnQ";

#[tokio::test]
async fn normal_json_answer_reuses_the_connection_and_redacts_records() {
    let server = start(|mut stream, log| async move {
        while let Some(request) = read_request(&mut stream).await {
            let auth = request
                .lines()
                .find_map(|l| l.strip_prefix("authorization: "))
                .unwrap_or("")
                .to_string();
            log.lock().unwrap().push(request);
            // Echoes the Authorization header, as a careless server might.
            let body = json!({"data": {"_id": "x1", "token": JWT}, "echo": auth}).to_string();
            let reply = http_response(
                "201 Created",
                &[("Content-Type", "application/json")],
                &body,
            );
            if stream.write_all(&reply).await.is_err() {
                return;
            }
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024 * 1024);

    let request = Request::post_json("/v2/app-registrations", json!({"email": "a@b.co"}));
    let first = bounded(client.send(request.clone())).await;
    let second = bounded(client.send(request)).await;

    let response = first.outcome.as_ref().expect("a JSON answer");
    assert_eq!(response.status, 201);
    assert!(!response.truncated);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(response.json.as_ref().unwrap()["data"]["token"], JWT);
    assert!(second.outcome.is_ok());
    assert_eq!(server.connections.load(Ordering::SeqCst), 1, "keep-alive");

    // The target, and only it, gets the real token.
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].contains(&format!("authorization: Bearer {TOKEN}")));
    assert!(requests[0].ends_with(r#"{"email":"a@b.co"}"#));

    // Records are redacted.
    assert_eq!(first.request.method, "POST");
    assert_eq!(
        first.request.url,
        format!("{}/v2/app-registrations", server.url())
    );
    assert_eq!(first.request.headers["authorization"], "Bearer ***");
    assert_eq!(first.request.headers["content-type"], "application/json");
    assert_eq!(first.request.body, json!({"email": "a@b.co"}));
    let record = first.response_record().unwrap();
    assert_eq!(record.status, 201);
    assert_eq!(
        record.body["data"]["token"],
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcHAifQ.***"
    );
    assert_eq!(record.body["echo"], "Bearer ***");
    assert_eq!(
        first.curl,
        format!(
            "curl -sS -i -X POST '{}/v2/app-registrations' -H 'Content-Type: application/json' \
             -H \"Authorization: Bearer $VERIFIK_TOKEN\" --data-raw '{{\"email\":\"a@b.co\"}}'",
            server.url()
        )
    );
    assert_no_token(&first);
    assert!(!format!("{client:?}").contains(TOKEN));
    let config = TargetConfig::new("http://x", Some(TOKEN.into()));
    assert!(!format!("{config:?}").contains(TOKEN));
}

#[tokio::test]
async fn other_auth_modes_are_sent_as_asked_and_redacted() {
    let server = start(|mut stream, log| async move {
        while let Some(request) = read_request(&mut stream).await {
            log.lock().unwrap().push(request);
            let reply = http_response("401 Unauthorized", &[], "{}");
            if stream.write_all(&reply).await.is_err() {
                return;
            }
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let none =
        bounded(client.send(Request::get("/v2/app-registrations").with_auth(Auth::None))).await;
    let wrong = bounded(
        client.send(
            Request::get("/v2/app-registrations?page=1")
                .with_auth(Auth::Raw("Bearer wrong-token".into())),
        ),
    )
    .await;
    let requests = server.requests();
    assert!(!requests[0].contains("authorization"));
    assert!(requests[1].contains("authorization: Bearer wrong-token"));
    assert!(requests[1].starts_with("GET /v2/app-registrations?page=1 HTTP/1.1"));
    assert!(!none.request.headers.contains_key("authorization"));
    assert_eq!(wrong.request.headers["authorization"], "Bearer ***");
    // A made-up token is no secret: the curl line must send it to
    // reproduce the refusal.
    assert!(
        wrong
            .curl
            .contains("-H 'Authorization: Bearer wrong-token'"),
        "{}",
        wrong.curl
    );
    assert!(!format!("{:?}", Auth::Raw("Bearer wrong-token".into())).contains("wrong-token"));
    assert_eq!(wrong.response().unwrap().status, 401);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = start(|mut stream, log| async move {
        if let Some(request) = read_request(&mut stream).await {
            log.lock().unwrap().push(request);
        }
        // Hold the connection open, say nothing.
        tokio::time::sleep(BOUND).await;
    })
    .await;
    let client = client(&server.url(), Duration::from_millis(500), 1024);
    let exchange = bounded(client.send(Request::get("/v2/app-registrations"))).await;
    let error = exchange.outcome.as_ref().unwrap_err();
    assert_eq!(
        *error,
        TransportError::Timeout {
            after: Duration::from_millis(500)
        }
    );
    assert!(error.to_string().starts_with("timed out after 500 ms"));
    assert!(exchange.response_record().is_none());
    assert_no_token(&exchange);
}

#[tokio::test]
async fn a_body_that_stalls_midway_times_out() {
    let server = start(|mut stream, _log| async move {
        if read_request(&mut stream).await.is_some() {
            let head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":";
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(BOUND).await;
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_millis(500), 1024);
    let exchange = bounded(client.send(Request::get("/v2/app-registrations"))).await;
    assert!(matches!(
        exchange.outcome,
        Err(TransportError::Timeout { .. })
    ));
}

#[tokio::test]
async fn a_reset_connection_is_a_transport_error() {
    let server = start(|mut stream, _log| async move {
        if read_request(&mut stream).await.is_some() {
            // Linger 0: close() sends RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let exchange =
        bounded(client.send(Request::post_json("/v2/app-registrations", json!({})))).await;
    let error = exchange.outcome.as_ref().unwrap_err();
    assert!(
        matches!(error, TransportError::Reset { .. }),
        "expected a reset, got {error:?}"
    );
    assert!(error.to_string().contains("connection reset by the server"));
    assert!(!error.to_string().contains('\n'));
    assert_no_token(&exchange);
}

#[tokio::test]
async fn a_connection_closed_without_answer_is_a_transport_error() {
    let server = start(|mut stream, _log| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream.shutdown().await;
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let exchange = bounded(client.send(Request::get("/v2/app-registrations"))).await;
    let error = exchange.outcome.as_ref().unwrap_err();
    assert_eq!(
        *error,
        TransportError::Closed {
            during: "before any answer"
        }
    );
}

#[tokio::test]
async fn garbage_that_is_not_http_is_a_transport_error() {
    let server = start(|mut stream, _log| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\nthis is no HTTP\r\n\r\n")
                .await;
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let exchange = bounded(client.send(Request::get("/v2/app-registrations"))).await;
    let error = exchange.outcome.as_ref().unwrap_err();
    assert!(
        matches!(error, TransportError::NotHttp { .. }),
        "expected not-HTTP, got {error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("the answer is not HTTP: invalid HTTP"));
    assert!(!error.to_string().contains('\n'));
    assert_no_token(&exchange);
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let server = start(|mut stream, _log| async move {
        if read_request(&mut stream).await.is_some() {
            // No Content-Length: the body runs until the connection closes,
            // which this server never does while the client reads.
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = "1,".repeat(8 * 1024);
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
    })
    .await;
    let cap = 64 * 1024;
    let client = client(&server.url(), Duration::from_secs(5), cap);
    let exchange = bounded(client.send(Request::get("/v2/app-registrations"))).await;
    let response = exchange.outcome.as_ref().expect("an answer, cut");
    assert_eq!(response.status, 200);
    assert!(response.truncated);
    assert_eq!(response.body_bytes.len(), cap);
    assert!(response.json.is_none());
    let problem = exchange.problem().unwrap();
    assert!(problem.contains("65536-byte cap"), "{problem}");
    let record = exchange.response_record().unwrap();
    let shown = record.body.as_str().unwrap();
    assert!(shown.len() < 9 * 1024, "records stay short");
    assert!(shown.ends_with("[body cut at the 65536-byte cap]"));
}

#[tokio::test]
async fn a_redirect_to_another_port_is_not_followed() {
    let elsewhere = start(|mut stream, log| async move {
        while let Some(request) = read_request(&mut stream).await {
            log.lock().unwrap().push(request);
            let _ = stream.write_all(&http_response("200 OK", &[], "{}")).await;
        }
    })
    .await;
    let location = format!("{}/v2/app-registrations", elsewhere.url());
    let server = start(move |mut stream, log| {
        let location = location.clone();
        async move {
            while let Some(request) = read_request(&mut stream).await {
                log.lock().unwrap().push(request);
                let reply = http_response("302 Found", &[("Location", &location)], "");
                if stream.write_all(&reply).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let exchange = bounded(client.send(Request::post_json(
        "/v2/app-registrations",
        json!({"email": "a@b.co"}),
    )))
    .await;
    let response = exchange.outcome.as_ref().expect("the 302 itself");
    assert_eq!(response.status, 302);
    assert_eq!(
        response.header("location"),
        Some(format!("{}/v2/app-registrations", elsewhere.url()).as_str())
    );
    assert_eq!(server.requests().len(), 1);
    // Give a wrongly-followed request time to land before looking.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(elsewhere.connections.load(Ordering::SeqCst), 0);
    assert!(elsewhere.requests().is_empty());
    assert_no_token(&exchange);
}

#[tokio::test]
async fn redirects_within_the_target_are_followed_at_most_five_times() {
    let server = start(|mut stream, log| async move {
        while let Some(request) = read_request(&mut stream).await {
            let path = request.split(' ').nth(1).unwrap_or("").to_string();
            log.lock().unwrap().push(request);
            let reply = match path.as_str() {
                "/old" => http_response("301 Moved", &[("Location", "/new")], ""),
                "/new" => http_response("200 OK", &[], r#"{"moved":true}"#),
                // An endless same-origin loop.
                _ => http_response("302 Found", &[("Location", "/loop")], ""),
            };
            if stream.write_all(&reply).await.is_err() {
                return;
            }
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let moved = bounded(client.send(Request::get("/old"))).await;
    let response = moved.outcome.as_ref().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.json, Some(json!({"moved": true})));
    assert!(server.requests()[1].contains(&format!("authorization: Bearer {TOKEN}")));

    let looping = bounded(client.send(Request::get("/loop"))).await;
    assert_eq!(looping.outcome.as_ref().unwrap().status, 302);
    // The first request, then five redirects followed.
    assert_eq!(server.requests().len(), 2 + 6);
}

#[tokio::test]
async fn curl_lines_quote_single_quotes_and_binary_bodies() {
    let server = start(|mut stream, log| async move {
        while let Some(request) = read_request(&mut stream).await {
            log.lock().unwrap().push(request);
            let _ = stream.write_all(&http_response("200 OK", &[], "{}")).await;
        }
    })
    .await;
    let client = client(&server.url(), Duration::from_secs(5), 1024);
    let body = json!({"fullName": "Seán O'Brien"});
    let exchange = bounded(client.send(Request::post_json("/v2/app-registrations", body))).await;
    assert!(exchange
        .curl
        .ends_with(r#"--data-raw '{"fullName":"Seán O'\''Brien"}'"#));

    // The quoting round-trips through a real shell, byte for byte.
    let binary = vec![b'{', 0xff, b'\'', b'\n', b'"', b'\\', b'x', b'4', b'1'];
    let exchange = bounded(
        client.send(Request::post("/v2/app-registrations").with_body(Body::Raw {
            bytes: binary.clone(),
            content_type: Some("application/json".into()),
        })),
    )
    .await;
    assert!(exchange.outcome.is_ok());
    let quoted = exchange.curl.split(" --data-binary ").nth(1).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("printf %s {quoted}"))
        .output()
        .unwrap();
    assert_eq!(out.stdout, binary);
    let text_word = verifik_conformance::client::shell_quote("it's a 'test'");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("printf %s {text_word}"))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"it's a 'test'");
    assert!(exchange
        .request
        .body
        .as_str()
        .unwrap()
        .starts_with("[not UTF-8"));
}

#[tokio::test]
async fn preflight_reports_a_closed_port_in_one_line() {
    // Bind, note the port, close it: nothing listens there now.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = client(&format!("http://{addr}"), Duration::from_secs(2), 1024);
    let error = bounded(client.preflight()).await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, TargetError::Unreachable { .. }));
    assert!(
        message.contains(&format!("connection refused by {addr}")),
        "{message}"
    );
    assert!(
        message.contains("start the server or fix --target"),
        "{message}"
    );
    assert!(!message.contains('\n'));
    assert!(!message.contains(TOKEN));

    let server = start(|mut stream, _log| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream
                .write_all(&http_response("404 Not Found", &[], ""))
                .await;
        }
    })
    .await;
    let client = self::client(&server.url(), Duration::from_secs(2), 1024);
    assert_eq!(bounded(client.preflight()).await, Ok(()));
}

#[test]
fn bad_target_urls_are_rejected_with_a_hint() {
    for (url, needle) in [
        ("not a url", "bad target URL"),
        ("ftp://127.0.0.1/", "scheme `ftp` is not http or https"),
        ("http://127.0.0.1:1/?x=1", "no query"),
    ] {
        let error = Client::new(TargetConfig::new(url, Some(TOKEN.into()))).unwrap_err();
        assert!(error.to_string().contains(needle), "{url}: {error}");
        assert!(!error.to_string().contains(TOKEN));
    }
    let client = Client::new(TargetConfig::new("http://127.0.0.1:8080/api/", None)).unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:8080/api");
}
