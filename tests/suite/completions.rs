//! `completions SHELL` and `man`: generated from the command line itself,
//! so they name every subcommand; bash's script is valid bash.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{bin, output_within, stderr};

fn stdout_of(args: &[&str]) -> String {
    let out = output_within(bin().args(args), Duration::from_secs(30));
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_shell_gets_a_script_that_completes_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(!script.trim().is_empty(), "{shell}: empty");
        for subcommand in ["run", "serve", "export", "completions"] {
            assert!(script.contains(subcommand), "{shell}: no {subcommand}");
        }
    }
}

#[test]
fn the_bash_script_parses_with_bash_n() {
    let script = stdout_of(&["completions", "bash"]);
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash is installed");
    bash.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = bash.wait_with_output().unwrap();
    assert!(out.status.success(), "bash -n: {}", stderr(&out));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = output_within(bin().args(["completions", "tcsh"]), Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tcsh"));
}

#[test]
fn the_man_page_is_roff_naming_the_subcommands() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH verifik-conformance 1"), "{page}");
    for subcommand in ["run", "serve", "drift", "selftest", "facts", "export"] {
        assert!(page.contains(subcommand), "no {subcommand}");
    }
}
