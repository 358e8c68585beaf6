//! Usage errors of `run` and `serve` (exit 2, one line that says where and
//! what to do) and how `run` colours its summary.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::{bin, output_within, stderr};

/// Every refusal here comes before any request is sent.
const QUICKLY: Duration = Duration::from_secs(20);
/// A run of a few scenarios against the embedded server.
const SHORT_RUN: Duration = Duration::from_secs(120);

fn refused(command: &mut Command) -> String {
    let out = output_within(command, QUICKLY);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    err
}

fn config_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("verifik.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_config_parse_error_names_the_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let path = config_file(
        tmp.path(),
        "profile = \"current\"\ncases = 5\ntagz = \"@must\"\n",
    );
    let err = refused(bin().arg("run").arg("--config").arg(&path));
    let expected = format!(
        "config file {} line 3, column 1: unknown field `tagz`, expected one of",
        path.display()
    );
    assert!(err.contains(&expected), "{err}");

    let path = config_file(tmp.path(), "cases = 5\ntimeout = \"soon\"\n");
    let err = refused(bin().arg("run").arg("--config").arg(&path));
    assert!(err.contains("line 2, column 11:"), "{err}");
}

#[test]
fn a_config_value_refused_after_parsing_names_its_key_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 6] = [
        (
            "profile = \"newest\"",
            "profile = \"newest\" is unknown",
            "profile",
        ),
        ("only = \"both\"", "only = \"both\" is not a phase", "only"),
        ("timeout = 0.0", "timeout 0 is out of range", "timeout"),
        (
            "concurrency = 0",
            "concurrency 0 is out of range",
            "concurrency",
        ),
        ("target = \"ftp://x\"", "bad target URL", "target"),
        ("project = \"  \"", "project is empty", "project"),
    ];
    for (line, message, key) in cases {
        let path = config_file(tmp.path(), &format!("# a comment\ncases = 1\n{line}\n"));
        let err = refused(bin().arg("run").arg("--config").arg(&path));
        let expected = format!("config file {} line 3: {message}", path.display());
        assert!(err.contains(&expected), "{key}: {err}");
    }
}

#[test]
fn the_timeout_message_states_the_real_bounds() {
    for value in ["0", "-1", "3601", "nan"] {
        let err = refused(bin().arg("run").arg(format!("--timeout={value}")));
        assert!(
            err.contains("more than 0 and at most 3600 seconds"),
            "{value}: {err}"
        );
        assert!(!err.contains("between 0 and"), "{err}");
    }
}

#[test]
fn blank_ids_and_domains_are_usage_errors_for_run() {
    let tmp = tempfile::tempdir().unwrap();
    for flag in ["--project", "--project-flow", "--blocked-email-domain"] {
        for value in ["", "  "] {
            let err = refused(
                bin()
                    .args(["run", flag, value, "--report-dir"])
                    .arg(tmp.path()),
            );
            assert!(err.contains(&format!("{flag} is empty")), "{err}");
            // With a target too: nothing is sent to it.
            let err = refused(
                bin()
                    .args([
                        "run",
                        "--target",
                        "http://127.0.0.1:9",
                        "--token",
                        "t",
                        flag,
                        value,
                    ])
                    .arg("--report-dir")
                    .arg(tmp.path()),
            );
            assert!(err.contains(&format!("{flag} is empty")), "{err}");
        }
    }
    for key in ["project", "project-flow", "blocked-email-domain"] {
        let path = config_file(tmp.path(), &format!("{key} = \"\"\n"));
        let err = refused(bin().arg("run").arg("--config").arg(&path));
        assert!(err.contains(&format!("line 1: {key} is empty")), "{err}");
    }
}

#[test]
fn serve_retaining_no_registration_is_a_usage_error() {
    let err = refused(bin().args(["serve", "--retain", "0"]));
    assert!(err.contains("--retain 0"), "{err}");
}

#[test]
fn blank_ids_and_domains_are_usage_errors_for_serve() {
    for flag in ["--project", "--project-flow", "--blocked-email-domain"] {
        for value in ["", " \t"] {
            let err = refused(bin().args(["serve", flag, value]));
            assert!(err.contains(&format!("non-empty {flag}")), "{err}");
        }
    }
}

/// `run` of one scenario against the embedded server, with `NO_COLOR` as given.
fn short_run(dir: &Path, color: Option<&str>, no_color: Option<&str>) -> String {
    let mut command = bin();
    command
        .args([
            "run",
            "--only",
            "scripted",
            "--tags",
            "@fact:auth.bearer-required",
        ])
        .arg("--report-dir")
        .arg(dir)
        .env_remove("NO_COLOR");
    if let Some(color) = color {
        command.args(["--color", color]);
    }
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let out = output_within(&mut command, SHORT_RUN);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn color_follows_the_flag_then_no_color_then_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let escape = "\u{1b}[";
    // Piped: no colour unless asked for.
    let plain = short_run(tmp.path(), None, None);
    assert!(
        plain.contains("CONFORMANT") && !plain.contains(escape),
        "{plain}"
    );
    let forced = short_run(tmp.path(), Some("always"), None);
    assert!(forced.contains(escape), "{forced}");
    // An explicit flag wins over NO_COLOR.
    let forced = short_run(tmp.path(), Some("always"), Some("1"));
    assert!(forced.contains(escape), "{forced}");
    for (color, no_color) in [(Some("auto"), Some("1")), (Some("never"), None)] {
        let plain = short_run(tmp.path(), color, no_color);
        assert!(!plain.contains(escape), "{color:?} {no_color:?}: {plain}");
    }
}
