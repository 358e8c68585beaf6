//! The binary against hostile and misconfigured targets, and with input
//! that selects nothing: the token never shows however the target echoes
//! it, a run that observed nothing is not a pass, a closed pipe does not
//! kill a run, a dead or slow target costs bounded time, a refused token
//! is named as such, and a bad report folder is found before any request.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use crate::support::{bin, read_report, run_bin, stderr};

/// Holds characters that percent-encoding and JSON escaping change.
const TOKEN: &str = "s3cr3t/T0ken+with=odd~chars";

/// Serve `app` on 127.0.0.1, port 0, until the test's runtime ends.
async fn start(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn run_args(url: &str, dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--target", url, "--token", TOKEN, "--report-dir"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(dir.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn percent_encoded(text: &str, upper: bool) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

/// Every form the token could be echoed in.
fn token_forms() -> Vec<String> {
    vec![
        TOKEN.to_string(),
        percent_encoded(TOKEN, true),
        percent_encoded(TOKEN, false),
        TOKEN.replace('/', "\\/"),
    ]
}

/// No form of the token in any file of `dir` nor in the output.
fn assert_token_nowhere(dir: &Path, out: &Output) {
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        ("stderr".to_string(), stderr(out)),
    ];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    for (name, text) in texts {
        for form in token_forms() {
            assert!(
                !text.contains(&form),
                "the token leaked as {form:?} into {name}: {} copies",
                text.matches(&form).count()
            );
        }
    }
}

/// The Authorization header a request came with.
fn authorization(request: &Request) -> String {
    request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Run both phases against an echo server: the token must show nowhere.
async fn assert_echo_is_scrubbed(app: Router) {
    let url = start(app).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = run_bin(
        run_args(&url, tmp.path(), &["--cases", "40", "--seed", "1"]),
        None,
    )
    .await;
    assert!(
        matches!(out.status.code(), Some(1)),
        "an echo server is not conformant: {}",
        stderr(&out)
    );
    assert!(tmp.path().join("report.json").exists());
    assert_token_nowhere(tmp.path(), &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_in_a_json_body_shows_nowhere() {
    let app = Router::new().fallback(|request: Request| async move {
        let auth = authorization(&request);
        axum::Json(json!({"data": {"_id": "abc123", "auth": auth, "token": auth}}))
    });
    assert_echo_is_scrubbed(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_in_a_text_body_shows_nowhere() {
    let app = Router::new().fallback(|request: Request| async move {
        let auth = authorization(&request);
        (
            StatusCode::CONFLICT,
            [("content-type", "text/plain")],
            format!("you sent {auth}; try again with {auth}"),
        )
    });
    assert_echo_is_scrubbed(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_in_a_response_header_shows_nowhere() {
    let app = Router::new().fallback(|request: Request| async move {
        let auth = authorization(&request);
        let mut response = axum::Json(json!({"data": {}})).into_response();
        let headers = response.headers_mut();
        headers.insert("x-echo", HeaderValue::from_str(&auth).unwrap());
        headers.insert("content-type", HeaderValue::from_str(&auth).unwrap());
        response
    });
    assert_echo_is_scrubbed(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_url_encoded_or_json_escaped_shows_nowhere() {
    let app = Router::new().fallback(|request: Request| async move {
        let auth = authorization(&request);
        let token = auth.trim_start_matches("Bearer ");
        let text = format!(
            r#"{{"next":"http://x/?t={}","lower":"{}","escaped":"{}"}}"#,
            percent_encoded(token, true),
            percent_encoded(token, false),
            token.replace('/', "\\/")
        );
        (
            StatusCode::CONFLICT,
            [("content-type", "application/json")],
            text,
        )
    });
    assert_echo_is_scrubbed(app).await;
}

#[test]
fn a_run_that_selects_nothing_is_a_usage_error() {
    for (args, says) in [
        (
            vec!["--tags", "@nonexistent", "--only", "scripted"],
            "--tags \"@nonexistent\"",
        ),
        (vec!["--only", "generated", "--cases", "0"], "--cases 0"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["run", "--report-dir"])
            .arg(tmp.path())
            .args(&args)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("no check observed anything") && err.contains(says),
            "{args:?}: {err}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("verdict: CONFORMANT"), "{stdout}");
        let report: Value = read_report(tmp.path());
        assert_eq!(report["summary"]["verdict"], "not-conformant");
    }
}

#[test]
fn no_tests_warn_and_pass_exit_0() {
    for (policy, warns) in [("warn", true), ("pass", false)] {
        let tmp = tempfile::tempdir().unwrap();
        let out = bin()
            .args([
                "run",
                "--only",
                "generated",
                "--cases",
                "0",
                "--no-tests",
                policy,
            ])
            .arg("--report-dir")
            .arg(tmp.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{policy}: {err}");
        assert_eq!(
            err.contains("warning: no check observed anything"),
            warns,
            "{err}"
        );
    }
}

/// The tag expressions `run --help` and the README give as examples run as
/// printed, and select checks.
#[test]
fn the_tag_examples_select_checks() {
    let help = bin().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let from_help = help
        .split('`')
        .find(|part| part.starts_with('@'))
        .expect("run --help shows a tag expression example")
        .to_string();
    let from_readme = readme
        .lines()
        .find(|l| l.starts_with("| `--tags EXPR`"))
        .and_then(|l| l.split("`'").nth(1))
        .and_then(|rest| rest.split("'`").next())
        .expect("the README's options table shows a tag expression example")
        .to_string();
    for example in [from_help, from_readme] {
        let tmp = tempfile::tempdir().unwrap();
        let out = bin()
            .args([
                "run",
                "--only",
                "scripted",
                "--tags",
                &example,
                "--report-dir",
            ])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{example}: {}", stderr(&out));
        let report: Value = read_report(tmp.path());
        assert!(report["summary"]["pass"].as_u64().unwrap() > 0, "{example}");
    }
}

/// `cmd` with its stdout (and its stderr, when `both`) closed before it
/// writes: its exit code and what it wrote on stderr.
fn with_closed_pipes(mut cmd: Command, both: bool) -> (Option<i32>, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    if both {
        drop(child.stderr.take());
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr(&out))
}

#[test]
fn a_closed_stdout_stops_printing_but_not_the_run() {
    for both in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let mut cmd = bin();
        cmd.args(["run", "--only", "scripted", "--report-dir"])
            .arg(tmp.path());
        let (code, err) = with_closed_pipes(cmd, both);
        assert_eq!(code, Some(0), "both closed: {both}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for name in ["report.json", "junit.xml", "report.md"] {
            assert!(tmp.path().join(name).exists(), "{name} written");
        }
    }
    let mut facts = bin();
    facts.args(["facts", "--format", "json"]);
    let (code, err) = with_closed_pipes(facts, false);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_stops_the_run_after_a_few_requests() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let app = Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "late"
        }
    });
    let url = start(app).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = run_bin(run_args(&url, tmp.path(), &["--timeout", "1"]), None).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("the target stopped answering") && err.contains("partial report"),
        "{err}"
    );
    // The breaker's eight, and what was already in flight: not the
    // hundreds of requests of a whole run, each waiting out its timeout.
    // (Counted, not timed, so a busy machine cannot make it fail.)
    let sent = hits.load(Ordering::SeqCst);
    assert!(
        (8..=40).contains(&sent),
        "{sent} requests reached the target"
    );
    let report: Value = read_report(tmp.path());
    assert!(report["stopped"]
        .as_str()
        .unwrap()
        .contains("stopped answering"));
    assert_eq!(report["summary"]["verdict"], "not-conformant");
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.contains("This report is partial"), "{md}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_duration_bounds_the_whole_run() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let app = Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            axum::Json(json!({"data": []}))
        }
    });
    let url = start(app).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = run_bin(
        run_args(
            &url,
            tmp.path(),
            &[
                "--max-duration",
                "1s",
                "--concurrency",
                "2",
                "--timeout",
                "5",
            ],
        ),
        None,
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("the run reached --max-duration 1s"), "{err}");
    // Two at a time, 200 ms each, for one second: about ten requests, not
    // the hundreds of the whole run. (Counted, not timed.)
    let sent = hits.load(Ordering::SeqCst);
    assert!(
        (1..=30).contains(&sent),
        "{sent} requests reached the target"
    );
    let report: Value = read_report(tmp.path());
    assert_eq!(report["stopped"], "the run reached --max-duration 1s");
}

#[test]
fn bad_max_durations_are_usage_errors() {
    for bad in ["0s", "soon", "5 parsecs", "30d"] {
        let out = bin().args(["run", "--max-duration", bad]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("max-duration") && err.lines().count() == 1,
            "{bad}: {err}"
        );
    }
}

/// A target that counts requests and refuses every token.
async fn refusing_target(hits: Arc<AtomicUsize>) -> String {
    let app = Router::new().fallback(move || {
        let hits = Arc::clone(&hits);
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    r#"{"message":"invalid token","code":"Unauthorized","status":401}"#,
                ))
                .unwrap()
        }
    });
    start(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_named_not_blamed_on_the_server() {
    let hits = Arc::new(AtomicUsize::new(0));
    let url = refusing_target(Arc::clone(&hits)).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = run_bin(run_args(&url, tmp.path(), &[]), None).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("the target refused the token: HTTP 401"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains(TOKEN));
    assert_eq!(hits.load(Ordering::SeqCst), 1, "one preflight request only");
}

#[test]
fn an_empty_token_is_a_usage_error() {
    let out = bin()
        .args(["run", "--target", "http://127.0.0.1:9", "--token", ""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("the token is empty"));
    let out = bin()
        .args(["run", "--target", "http://127.0.0.1:9"])
        .env("VERIFIK_TOKEN", " ")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_report_dir_is_found_before_any_request() {
    let hits = Arc::new(AtomicUsize::new(0));
    let url = refusing_target(Arc::clone(&hits)).await;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let out = run_bin(run_args(&url, &file.join("reports"), &[]), None).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--report-dir"), "{err}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no request before the check"
    );
}

/// Run a failing check's curl line, or its script, with bash as a user
/// would: the token from `VERIFIK_TOKEN`.
async fn bash(script: &str, token: &str) -> String {
    let (script, token) = (script.to_string(), token.to_string());
    tokio::task::spawn_blocking(move || {
        let out = Command::new("bash")
            .args(["-c", &script])
            .env("VERIFIK_TOKEN", token)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
    .await
    .unwrap()
}

/// The statuses of the HTTP answers in curl `-i` output, in order.
fn statuses(output: &str) -> Vec<u16> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("HTTP/1.1 "))
        .filter_map(|l| l.split(' ').next()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_lines_and_scripts_reproduce_as_copied() {
    use verifik_conformance::server::{self, ServerConfig, ServerVariant};
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.mutant = Some("retrieve-404".into());
    config.token = TOKEN.into();
    let server = server::spawn(config).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = run_bin(
        run_args(server.url(), tmp.path(), &["--only", "scripted"]),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = read_report(tmp.path());
    let checks = report["checks"].as_array().unwrap();
    let failing = checks
        .iter()
        .find(|c| c["verdict"] == "fail" && c["fact"] == "retrieve.ok")
        .expect("the mutant fails retrieve.ok");

    // The line alone: the token comes from the environment, -i shows the status.
    let curl = failing["curl"].as_str().unwrap();
    assert!(
        curl.contains("$VERIFIK_TOKEN") && curl.contains(" -i "),
        "{curl}"
    );
    assert_eq!(statuses(&bash(curl, TOKEN).await), [404], "{curl}");

    // The whole sequence: the create, then the retrieval of the id it gave.
    let script = failing["script"].as_str().expect("a sequence has a script");
    let output = bash(script, TOKEN).await;
    assert_eq!(statuses(&output), [200, 404], "{script}\n{output}");

    // Every curl line of the run authenticates as the run did: none is
    // refused for want of the token, unless the check sent none on purpose.
    for check in checks {
        let (Some(curl), "create.contact-required") =
            (check["curl"].as_str(), check["fact"].as_str().unwrap())
        else {
            continue;
        };
        assert_ne!(statuses(&bash(curl, TOKEN).await), [401], "{curl}");
    }
}
