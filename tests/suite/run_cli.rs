//! `run` end to end: the binary against the embedded server, against
//! `serve --variant legacy`, and against hostile targets started here.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::{bin, read_report, stderr};

const TOKEN: &str = "tok-Zq9-very-secret-value";

/// The token appears in none of the files of `dir`, nor in the output.
fn assert_token_nowhere(dir: &Path, output: &Output) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(TOKEN),
            "token leaked into {}",
            path.display()
        );
    }
    assert!(!String::from_utf8_lossy(&output.stdout).contains(TOKEN));
    assert!(!String::from_utf8_lossy(&output.stderr).contains(TOKEN));
}

/// Start `serve` and read the URL from its first line.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(variant: &str) -> Served {
    let mut child = bin()
        .args(["serve", "--variant", variant, "--token", TOKEN])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    Served { child, url }
}

fn run_against(url: &str, dir: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["run", "--target", url, "--token", TOKEN, "--report-dir"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn run_with_no_arguments_is_conformant_against_the_embedded_server() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let out = bin()
        .args(["run", "--report-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read_report(&dir);
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(report["summary"]["warn"], 0);
    assert_eq!(
        report["summary"]["skip"], 0,
        "the embedded server names a blocked domain"
    );
    assert_eq!(report["summary"]["verdict"], "conformant");
    assert!(dir.join("junit.xml").exists() && dir.join("report.md").exists());
    // every testable fact is judged by at least one check
    for fact in report["facts"].as_array().unwrap() {
        if fact["untestable"].is_null() {
            assert!(!fact["checks"].as_array().unwrap().is_empty(), "{fact}");
        }
    }
}

#[test]
fn a_legacy_server_fails_current_on_the_conflicts_and_passes_legacy() {
    let server = serve("legacy");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let out = run_against(&server.url, &dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_token_nowhere(&dir, &out);
    let report = read_report(&dir);
    let checks = report["checks"].as_array().unwrap();
    for fact in [
        "create.envelope",
        "create.initial-status",
        "create.registration-fields",
        "create.contact-required",
        "create.full-name-optional",
        "error.envelope",
    ] {
        let failing: Vec<&Value> = checks
            .iter()
            .filter(|c| c["fact"] == fact && c["verdict"] == "fail")
            .collect();
        assert!(!failing.is_empty(), "{fact} should fail under current");
        for check in failing {
            assert_eq!(check["variants"]["legacy"], "agrees", "{check}");
            assert_eq!(check["variants"]["en"], "contradicts", "{check}");
            assert!(check["curl"].as_str().unwrap().starts_with("curl "));
        }
    }

    let tmp2 = tempfile::tempdir().unwrap();
    let dir = tmp2.path().to_path_buf();
    let out = run_against(&server.url, &dir, &["--profile", "legacy"]);
    let report = read_report(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", report["summary"]);
    assert_eq!(report["summary"]["fail"], 0);
}

/// A raw TCP server that treats every connection with `handle`, until the
/// test's runtime ends.
async fn hostile<F, Fut>(handle: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    format!("http://{addr}")
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut buf = vec![0u8; 16 * 1024];
    let n = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    buf.truncate(n);
    buf
}

/// Run the binary against `url` with a short timeout: it must end in
/// failing checks whose messages contain `expect`, exit 1, within a bounded
/// time.
async fn assert_answering_target_fails(name: &str, url: String, expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let dir2 = dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_against(&url, &dir2, &["--timeout", "0.5", "--only", "scripted"])
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
    assert_token_nowhere(&dir, &out);
    let report = read_report(&dir);
    let failing: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .collect();
    assert!(
        failing
            .iter()
            .any(|c| c["message"].as_str().unwrap().contains(expect)),
        "{name}: no failing check says {expect:?}"
    );
}

/// Run the binary against `url` with a short timeout; it must end in checks
/// that observed nothing (verdict `error`, never `fail` or `pass`) whose
/// messages contain `expect`, exit 3, within a bounded time.
async fn assert_hostile_target_fails(name: &str, url: String, expect: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let started = Instant::now();
    let dir2 = dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_against(&url, &dir2, &["--timeout", "0.5", "--only", "scripted"])
    })
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{name} took {:?}",
        started.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{name}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_token_nowhere(&dir, &out);
    let report = read_report(&dir);
    let checks = report["checks"].as_array().unwrap();
    let errors: Vec<&Value> = checks.iter().filter(|c| c["verdict"] == "error").collect();
    assert!(!errors.is_empty(), "{name}");
    assert_eq!(report["summary"]["error"], errors.len(), "{name}");
    assert_eq!(report["summary"]["verdict"], "not-conformant", "{name}");
    assert!(
        checks
            .iter()
            .all(|c| c["verdict"] != "pass" && c["verdict"] != "fail"),
        "{name}: a target that never answered passed or failed a check"
    );
    assert!(
        errors
            .iter()
            .any(|c| c["message"].as_str().unwrap().contains(expect)),
        "{name}: no error check says {expect:?}: {:?}",
        errors
            .iter()
            .map(|c| &c["message"])
            .take(3)
            .collect::<Vec<_>>()
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_target_fails_with_timeouts() {
    let url = hostile(|mut stream| async move {
        let _ = read_request(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let stderr = assert_hostile_target_fails("hang", url, "timed out").await;
    assert!(stderr.contains("the target stopped answering"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resetting_target_fails_with_resets() {
    let url = hostile(|mut stream| async move {
        let _ = read_request(&mut stream).await;
        let _ = stream.set_zero_linger();
        drop(stream);
    })
    .await;
    let stderr = assert_hostile_target_fails("reset", url, "connection").await;
    assert!(stderr.contains("the target stopped answering"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_target_fails_with_not_http() {
    let url = hostile(|mut stream| async move {
        let _ = read_request(&mut stream).await;
        let _ = stream
            .write_all(b"\x00\x01GARBAGE \xff\xfe not http at all\r\n\r\n")
            .await;
    })
    .await;
    let stderr = assert_hostile_target_fails("garbage", url, "not HTTP").await;
    assert!(stderr.contains("the target stopped answering"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_is_cut_at_the_cap() {
    let url = hostile(|mut stream| async move {
        let _ = read_request(&mut stream).await;
        let head =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[";
        if stream.write_all(head).await.is_err() {
            return;
        }
        let chunk = vec![b'1'; 64 * 1024];
        // Bounded: at most 64 MiB per connection, or until the client stops.
        for _ in 0..1024 {
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await;
    assert_hostile_target_fails("endless", url, "cap").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_port_is_not_followed_and_gets_no_token() {
    let touched = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&touched);
    let other = hostile(move |mut stream| {
        let seen = Arc::clone(&seen);
        async move {
            let _ = read_request(&mut stream).await;
            seen.store(true, Ordering::SeqCst);
        }
    })
    .await;
    let url = hostile(move |mut stream| {
        let location = format!("{other}/v2/app-registrations");
        async move {
            let _ = read_request(&mut stream).await;
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    })
    .await;
    assert_answering_target_fails("redirect", url, "307").await;
    assert!(
        !touched.load(Ordering::SeqCst),
        "the other port was contacted"
    );
}

#[test]
fn an_unreachable_target_exits_3_with_one_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // the listener is dropped: nothing listens there now
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let out = run_against(&format!("http://127.0.0.1:{port}"), &dir, &[]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let cases: Vec<Vec<String>> = vec![
        vec!["run".into(), "--target".into(), "ftp://nowhere".into()],
        vec!["run".into(), "--tags".into(), "@a and and".into()],
        vec!["run".into(), "--timeout".into(), "-1".into()],
        vec!["run".into(), "--profile".into(), "martian".into()],
        vec!["run".into(), "--no-such-flag".into()],
        vec![
            "run".into(),
            "--config".into(),
            "/nonexistent/conf.toml".into(),
        ],
    ];
    for args in cases {
        let out = bin()
            .args(&args)
            .arg("--report-dir")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[test]
fn a_config_file_sets_the_options_and_flags_win() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let conf = dir.join("conf.toml");
    std::fs::write(
        &conf,
        "profile = \"legacy\"\ntags = \"@fact:create.initial-status\"\nstrict = true\nonly = \"scripted\"\n",
    )
    .unwrap();
    let reports = dir.join("out");
    let out = bin()
        .args(["run", "--config"])
        .arg(&conf)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read_report(&reports);
    assert_eq!(report["profile"], "legacy");
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["create.initial-status/the-initial-status"]);

    std::fs::write(&conf, "profle = \"legacy\"\n").unwrap();
    let out = bin().args(["run", "--config"]).arg(&conf).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("profle"));
}

#[test]
fn console_summary_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let out = bin()
        .args([
            "run",
            "--tags",
            "@fact:create.initial-status or @fact:error.envelope",
            "--seed",
            "42",
            "--cases",
            "60",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let text = regex::Regex::new(r"127\.0\.0\.1:\d+")
        .unwrap()
        .replace_all(&text, "127.0.0.1:[port]");
    let text = regex::Regex::new(r"\d+ ms")
        .unwrap()
        .replace_all(&text, "[ms] ms");
    let text = regex::Regex::new(r"wrote .*")
        .unwrap()
        .replace_all(&text, "wrote [path]");
    insta::assert_snapshot!(text);
}

#[test]
fn a_target_without_a_token_is_warned_about() {
    let server = serve("current");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let out = bin()
        .args([
            "run",
            "--only",
            "scripted",
            "--target",
            &server.url,
            "--report-dir",
        ])
        .arg(&dir)
        .env_remove("VERIFIK_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: no VERIFIK_TOKEN"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "unauthenticated checks fail");
}
