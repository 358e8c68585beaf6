//! `drift --doc VARIANT=URL`: a rendered HTML page (a Docusaurus layout
//! written for these tests, the same content as the English text-export
//! fixture) fetched from a server on 127.0.0.1 that the test starts, read
//! into the same items as the text export, and compared.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::support::{bin, output_within, stderr};

const DIR: &str = "tests/fixtures/pages/trace";
const LIMIT: Duration = Duration::from_secs(60);

/// Serves `pages` (path -> HTML) on 127.0.0.1 until the test process ends;
/// any other path is a 404. Returns the base URL.
fn serve(pages: BTreeMap<&'static str, String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let pages = Arc::new(pages);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let pages = Arc::clone(&pages);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = match pages.get(path) {
                    Some(body) => ("200 OK", body.as_str()),
                    None => (
                        "404 Not Found",
                        "<!DOCTYPE html><html><body>Not found</body></html>",
                    ),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    base
}

fn drift(args: &[&str]) -> Output {
    output_within(bin().arg("drift").args(args), LIMIT)
}

/// The baseline of the English text-export fixture, written by the binary.
fn baseline(dir: &std::path::Path) -> String {
    let out = drift(&[
        "--doc",
        &format!("en={DIR}/signup-en.txt"),
        "--emit-baseline",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.join("en.baseline.json");
    std::fs::write(&path, &out.stdout).unwrap();
    format!("en={}", path.display())
}

#[test]
fn a_live_html_page_reads_like_its_text_export_and_its_edits_are_drift() {
    let html = std::fs::read_to_string(format!("{DIR}/signup-en.html")).unwrap();
    let edit = |from: &str, to: &str| {
        assert_eq!(html.matches(from).count(), 1, "{from}");
        html.replacen(from, to, 1)
    };
    let base = serve(BTreeMap::from([
        ("/docs/signup", html.clone()),
        (
            "/docs/signup-note",
            edit("Both may be sent.", "Only one may be sent."),
        ),
        (
            "/docs/signup-sample",
            edit(
                "&quot;language&quot;: &quot;en&quot;\n</span><span class=\"token-line\">}\n</span><span class=\"token-line\">print",
                "&quot;language&quot;: &quot;es&quot;\n</span><span class=\"token-line\">}\n</span><span class=\"token-line\">print",
            ),
        ),
    ]));
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let baseline = baseline(tmp.path());
    let json = |path: &str| {
        let doc = format!("en={base}{path}");
        let out = drift(&["--doc", &doc, "--baseline", &baseline, "--format", "json"]);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", stderr(&out)));
        (out.status.code(), report)
    };

    // The same page, rendered: the same items, no drift.
    let (code, report) = json("/docs/signup");
    assert_eq!(report["drift"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["descriptive"], serde_json::json!([]), "{report:#}");
    assert_eq!(code, Some(0));
    assert_eq!(report["pages"][0]["file"], format!("{base}/docs/signup"));

    // Each edit on the live page is one drift: a sentence of a note, and a
    // sample's value that no longer matches the other languages.
    let edits = [
        (
            "/docs/signup-note",
            serde_json::json!({"item": "notes[contact].2", "fact": "create.contact-either",
                "severity": "wording", "text": "Only one may be sent."}),
        ),
        (
            "/docs/signup-sample",
            serde_json::json!({"item": "samples[python].body/language", "fact": "create.language-default",
                "severity": "breaking", "encoded": "en", "found": "es"}),
        ),
    ];
    for (path, want) in edits {
        let (code, report) = json(path);
        assert_eq!(code, Some(1), "{path}");
        let drift = report["drift"].as_array().unwrap();
        assert_eq!(drift.len(), 1, "{path}: {report:#}");
        for (key, value) in want.as_object().unwrap() {
            assert_eq!(&drift[0][key], value, "{path}: {key}");
        }
    }
}

#[test]
fn a_live_page_that_cannot_be_had_is_an_error() {
    let base = serve(BTreeMap::new());
    let out = drift(&["--doc", &format!("en={base}/docs/missing")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the server answered HTTP 404"),
        "{}",
        stderr(&out)
    );

    // A port nothing listens on: the page cannot be reached (exit 3).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = drift(&["--doc", &format!("en=http://127.0.0.1:{port}/docs")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("connection refused"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}
