//! The `serve` command as a process: the fixed first line, the generated
//! token on the second, a clean stop on SIGTERM and SIGINT, and one-line
//! usage errors with exit code 2.

#![cfg(unix)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use crate::support::BIN;

fn serve(args: &[&str]) -> Child {
    serve_with_env(args, None)
}

/// `serve` with `VERIFIK_TOKEN` set to `token`, or unset.
fn serve_with_env(args: &[&str], token: Option<&str>) -> Child {
    let mut command = Command::new(BIN);
    if let Some(token) = token {
        command.env("VERIFIK_TOKEN", token);
    } else {
        command.env_remove("VERIFIK_TOKEN");
    }
    command
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts")
}

async fn line(lines: &mut tokio::io::Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a line in time")
        .expect("stdout readable")
        .expect("a line before EOF")
}

async fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("running").to_string();
    let status = Command::new("kill")
        .args([format!("-{name}"), pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
}

async fn exit_code(child: &mut Child) -> i32 {
    tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits in time")
        .unwrap()
        .code()
        .expect("exited normally, not by a signal")
}

async fn list_status(url: &str, token: &str) -> u16 {
    verifik_conformance::client::install_tls_provider();
    reqwest::Client::new()
        .get(format!("{url}/v2/app-registrations"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn serve_prints_url_and_generated_token_then_stops_on_sigterm() {
    let mut child = serve(&["--port", "0"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = line(&mut lines).await;
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with('/'),
        "{url}"
    );
    let second = line(&mut lines).await;
    let token = second
        .strip_prefix("token: ")
        .unwrap_or_else(|| panic!("second line: {second:?}"))
        .to_string();
    assert!(token.len() >= 32, "{token}");
    assert_eq!(list_status(&url, &token).await, 200);
    assert_eq!(list_status(&url, "wrong").await, 401);

    signal(&child, "TERM").await;
    assert_eq!(exit_code(&mut child).await, 0);
    assert!(
        {
            verifik_conformance::client::install_tls_provider();
            reqwest::Client::new().get(&url).send().await.is_err()
        },
        "stopped listening"
    );
}

#[tokio::test]
async fn serve_with_token_prints_one_line_and_stops_on_ctrl_c() {
    let child = serve(&["--token", "given-token", "--variant", "legacy"]);
    serves_with_the_given_token(child, "given-token", "INT").await;
}

#[tokio::test]
async fn serve_takes_its_token_from_verifik_token() {
    let child = serve_with_env(&[], Some("token-from-env"));
    serves_with_the_given_token(child, "token-from-env", "TERM").await;
}

/// `child` prints only its URL, takes `token`, and stops on `signal`.
async fn serves_with_the_given_token(mut child: Child, token: &str, stop: &str) {
    let mut stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(&mut stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let url = first.strip_prefix("listening on ").unwrap().to_string();
    assert_eq!(list_status(&url, token).await, 200);
    signal(&child, stop).await;
    assert_eq!(exit_code(&mut child).await, 0);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "", "no token line when the token is given");
}

async fn usage_error(args: &[&str], needle: &str) {
    let mut child = serve(args);
    let code = exit_code(&mut child).await;
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(needle),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
}

#[tokio::test]
async fn serve_usage_errors_exit_2() {
    usage_error(&["--mutant", "no-auth"], "--mutant").await;
    usage_error(&["--token", ""], "--token").await;
    usage_error(&["--token", "has space"], "--token").await;
    usage_error(&["--project-flow", " "], "--project-flow").await;
    usage_error(&["--host", "256.0.0.1"], "cannot listen").await;
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    usage_error(&["--port", &port], "cannot listen").await;
}
