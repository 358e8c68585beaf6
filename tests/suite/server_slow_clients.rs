//! The reference server under slow, idle and greedy clients: a head sent
//! half-way, an idle keep-alive connection, a stalled body, and more
//! connections than the limit. Each is let go within its time limit (set
//! short here), a normal client is still served, and nothing is ever 5xx.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use verifik_conformance::server::{self, ServerConfig, ServerHandle, ServerLimits, ServerVariant};

/// The short limit under test.
const SHORT: Duration = Duration::from_millis(300);
/// A limit that plays no part in a test.
const LONG: Duration = Duration::from_secs(30);
/// How much later than its limit a connection may be let go.
const SLACK: Duration = Duration::from_secs(3);

async fn start(variant: ServerVariant, limits: ServerLimits) -> ServerHandle {
    let mut config = ServerConfig::new(variant);
    config.limits = limits;
    server::spawn(config).await.unwrap()
}

fn limits(header: Duration, idle: Duration, body: Duration, max: usize) -> ServerLimits {
    ServerLimits {
        header_read_timeout: header,
        idle_timeout: idle,
        body_read_timeout: body,
        max_connections: max,
    }
}

fn list_request(server: &ServerHandle) -> Vec<u8> {
    format!(
        "GET /v2/app-registrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        server.token()
    )
    .into_bytes()
}

/// Read one answer (head and Content-Length body) off a keep-alive
/// connection; its status.
async fn read_answer(stream: &mut TcpStream) -> u16 {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if bytes.len() >= end + 4 + length {
                    return head[9..12].parse::<u16>().unwrap();
                }
            }
            let n = stream.read(&mut buf).await.unwrap();
            assert!(
                n > 0,
                "closed mid-answer: {:?}",
                String::from_utf8_lossy(&bytes)
            );
            bytes.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(SLACK, read)
        .await
        .expect("an answer in time")
}

/// Wait until the server closes `stream`; whatever it sent before, and how
/// long that took. Fails the test past `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {limit:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => return (bytes, started.elapsed()),
            Ok(Ok(n)) => bytes.extend_from_slice(&buf[..n]),
        }
    }
}

fn no_server_error(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains("HTTP/1.1 5"), "{text}");
}

/// A normal client: one request on a new connection; its status and how
/// long it took.
async fn normal_request(server: &ServerHandle) -> (u16, Duration) {
    let started = Instant::now();
    let client = reqwest::Client::builder().build().unwrap();
    let response = tokio::time::timeout(
        SLACK,
        client
            .get(format!("{}/v2/app-registrations", server.url()))
            .bearer_auth(server.token())
            .send(),
    )
    .await
    .expect("a normal client is served in time")
    .unwrap();
    (response.status().as_u16(), started.elapsed())
}

#[tokio::test]
async fn a_head_sent_half_way_is_cut_off_at_the_header_timeout() {
    verifik_conformance::client::install_tls_provider();
    let server = start(ServerVariant::Current, limits(SHORT, LONG, LONG, 64)).await;

    // Half a head, then nothing.
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST /v2/app-registrations HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (bytes, after) = closed_within(&mut stream, SHORT + SLACK).await;
    assert!(after >= SHORT - Duration::from_millis(50), "{after:?}");
    no_server_error(&bytes);

    // A head dripped a byte at a time: the time counts from the opening.
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let opened = Instant::now();
    let drip = b"GET /v2/app-registrations HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
    for byte in drip {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if opened.elapsed() > SHORT + SLACK {
            panic!("a dripped head is still read after {:?}", opened.elapsed());
        }
    }
    let (bytes, _) = closed_within(&mut stream, SLACK).await;
    assert!(opened.elapsed() < SHORT + SLACK, "{:?}", opened.elapsed());
    no_server_error(&bytes);

    assert_eq!(normal_request(&server).await.0, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    verifik_conformance::client::install_tls_provider();
    // The header timeout is long: it is the idle timeout that closes.
    let server = start(ServerVariant::Current, limits(LONG, SHORT, LONG, 64)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(&list_request(&server)).await.unwrap();
    assert_eq!(read_answer(&mut stream).await, 200);
    let (bytes, after) = closed_within(&mut stream, SHORT + SLACK).await;
    assert!(bytes.is_empty(), "{:?}", String::from_utf8_lossy(&bytes));
    assert!(after >= SHORT - Duration::from_millis(50), "{after:?}");
    server.shutdown().await;

    // And the reverse: a keep-alive connection idle for longer than the
    // header timeout, but less than the idle timeout, is still served.
    let idle = Duration::from_secs(3);
    let server = start(ServerVariant::Current, limits(SHORT, idle, LONG, 64)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(&list_request(&server)).await.unwrap();
    assert_eq!(read_answer(&mut stream).await, 200);
    tokio::time::sleep(SHORT * 3).await;
    stream.write_all(&list_request(&server)).await.unwrap();
    assert_eq!(read_answer(&mut stream).await, 200);
    server.shutdown().await;
}

/// A create whose body stops after 11 of its 100 declared bytes.
async fn stalled_create(server: &ServerHandle) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST /v2/app-registrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"project\":",
        server.token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_closed() {
    verifik_conformance::client::install_tls_provider();
    for variant in [ServerVariant::Current, ServerVariant::Legacy] {
        let server = start(variant, limits(LONG, LONG, SHORT, 64)).await;
        let mut stream = stalled_create(&server).await;
        let (bytes, after) = closed_within(&mut stream, SHORT + SLACK).await;
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("HTTP/1.1 408 "), "{variant}: {text}");
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "{text}"
        );
        let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        match variant {
            ServerVariant::Legacy => assert_eq!(json["message"], "REQUEST_TIMEOUT"),
            _ => assert_eq!(json["status"], 408),
        }
        assert!(after >= SHORT - Duration::from_millis(50), "{after:?}");
        assert_eq!(normal_request(&server).await.0, 200);
        server.shutdown().await;
    }
}

#[tokio::test]
async fn a_stalled_body_behind_a_rewrite_is_cut_off_without_a_5xx() {
    verifik_conformance::client::install_tls_provider();
    // A twin reads bodies in its rewrite layer, before the faithful handler.
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.limits = limits(LONG, LONG, SHORT, 64);
    config.twin = Some("extra-fields".into());
    let server = server::spawn(config).await.unwrap();
    let mut stream = stalled_create(&server).await;
    let (bytes, _) = closed_within(&mut stream, SHORT + SLACK * 2).await;
    no_server_error(&bytes);
    server.shutdown().await;
}

#[tokio::test]
async fn over_the_connection_limit_the_longest_idle_connection_makes_room() {
    verifik_conformance::client::install_tls_provider();
    // Timeouts far away: only the limit policy can make room.
    let server = start(ServerVariant::Current, limits(LONG, LONG, LONG, 2)).await;
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(&list_request(&server)).await.unwrap();
        assert_eq!(read_answer(&mut stream).await, 200);
        idle.push(stream);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, took) = normal_request(&server).await;
    assert_eq!(status, 200);
    assert!(took < SLACK, "{took:?}");
    // The connection idle longest, the first, was the one closed.
    let (bytes, _) = closed_within(&mut idle[0], SLACK).await;
    assert!(bytes.is_empty());
    idle[1].write_all(&list_request(&server)).await.unwrap();
    assert_eq!(read_answer(&mut idle[1]).await, 200);

    // Connections that never send a byte make room the same way.
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    assert_eq!(normal_request(&server).await.0, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn over_the_limit_with_none_idle_a_client_waits_for_a_timeout_to_free_a_slot() {
    verifik_conformance::client::install_tls_provider();
    let server = start(ServerVariant::Current, limits(SHORT, LONG, LONG, 2)).await;
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream
            .write_all(b"GET /v2/app-registrations HTTP/1.1\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, took) = normal_request(&server).await;
    assert_eq!(status, 200);
    assert!(took < SHORT + SLACK, "{took:?}");
    for stream in &mut slow {
        let (bytes, _) = closed_within(stream, SLACK).await;
        no_server_error(&bytes);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_idle_and_half_sent_connections_promptly() {
    let server = start(ServerVariant::Current, ServerLimits::default()).await;
    let mut idle = TcpStream::connect(server.addr()).await.unwrap();
    idle.write_all(&list_request(&server)).await.unwrap();
    assert_eq!(read_answer(&mut idle).await, 200);
    let mut half = TcpStream::connect(server.addr()).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    server.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    closed_within(&mut idle, SLACK).await;
    closed_within(&mut half, SLACK).await;
}
