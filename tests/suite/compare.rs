//! `compare`: the reference server against itself and its twins gives no
//! difference at must or should level; against each mutant it names the
//! mutant's fact, and at must or should level it names nothing the suite's
//! own run of that mutant does not fail. Then the command line: formats,
//! report folder, exit codes, bad sides, tokens.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use verifik_conformance::check::{Level, Verdict};
use verifik_conformance::compare::{compare, CompareConfig, Side};
use verifik_conformance::config::{EmbeddedServer, RunConfig};
use verifik_conformance::contract::Contract;
use verifik_conformance::model::{ProfileId, ServerVariant};
use verifik_conformance::server::{mutants::MUTANTS, twins::TWINS};

use crate::support::{bin, stderr, BLOCKED_DOMAIN};

const CASES: u32 = 120;

fn base(profile: ProfileId) -> RunConfig {
    RunConfig {
        seed: Some(17),
        cases: CASES,
        concurrency: 1,
        shrink: false,
        ..RunConfig::new(profile)
    }
}

fn embedded(variant: ServerVariant) -> EmbeddedServer {
    EmbeddedServer {
        variant: Some(variant),
        ..EmbeddedServer::default()
    }
}

/// The facts of the must- and should-level differences of `a` against `b`,
/// and the facts the suite's own run of `b` fails or warns on.
async fn binding_facts(
    a: EmbeddedServer,
    b: EmbeddedServer,
    profile: ProfileId,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let config = CompareConfig {
        a: Side::Embedded(a),
        b: Side::Embedded(b),
        a_token: None,
        b_token: None,
        base: base(profile),
        // Tests assert must and should levels only, which a one-second
        // resolution cannot reach.
        noise_gap: Duration::ZERO,
    };
    let outcome = compare(&config, Contract::embedded().unwrap())
        .await
        .unwrap();
    let binding = outcome
        .differences
        .iter()
        .filter(|d| d.level <= Level::Should)
        .map(|d| d.fact.clone())
        .collect();
    let judged = outcome
        .b
        .run
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .map(|c| c.fact.clone())
        .collect();
    (binding, judged)
}

fn profile_of(variant: ServerVariant) -> ProfileId {
    match variant {
        ServerVariant::Current => ProfileId::Current,
        ServerVariant::Legacy => ProfileId::Legacy,
        ServerVariant::Overview => ProfileId::Overview,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_against_itself_and_its_twins_differs_at_no_binding_level() {
    for variant in ServerVariant::ALL {
        let (facts, _) =
            binding_facts(embedded(variant), embedded(variant), profile_of(variant)).await;
        assert!(facts.is_empty(), "{variant} against itself: {facts:?}");
    }
    for twin in TWINS {
        let b = EmbeddedServer {
            twin: Some(twin.name.into()),
            ..embedded(ServerVariant::Current)
        };
        let (facts, _) =
            binding_facts(embedded(ServerVariant::Current), b, ProfileId::Current).await;
        assert!(facts.is_empty(), "twin {}: {facts:?}", twin.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_each_mutant_it_names_the_broken_fact_and_nothing_the_run_does_not() {
    for mutant in MUTANTS {
        let profile = profile_of(mutant.variant);
        let broken = EmbeddedServer {
            mutant: Some(mutant.name.into()),
            ..embedded(mutant.variant)
        };
        let (facts, judged) = binding_facts(embedded(mutant.variant), broken, profile).await;
        assert!(
            facts.contains(mutant.fact),
            "mutant {}: {} is not among {facts:?}",
            mutant.name,
            mutant.fact
        );
        let extra: Vec<&String> = facts.difference(&judged).collect();
        assert!(
            extra.is_empty(),
            "mutant {}: binding differences in {extra:?}, which a run of the suite does not fail",
            mutant.name
        );
    }
}

#[test]
fn the_command_line_reports_by_fact_and_gates_on_binding_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "compare",
            "--a",
            "embedded",
            "--b",
            "embedded:mutant:contact-message-reworded",
            "--seed",
            "3",
            "--cases",
            "100",
            "--format",
            "json",
            "--report-dir",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "different");
    let differences = json["differences"].as_array().unwrap();
    let contact = differences
        .iter()
        .find(|d| d["fact"] == "create.contact-required" && d["level"] == "must")
        .expect("the reworded message is a must-level difference");
    for key in ["fact", "level", "check", "a", "b", "agrees"] {
        assert!(!contact[key].is_null(), "{key}");
    }
    assert!(contact["agrees"]["a"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "en"));
    assert!(!contact["agrees"]["b"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "en"));
    for file in [
        "compare.json",
        "a/report.json",
        "b/report.json",
        "b/junit.xml",
    ] {
        assert!(tmp.path().join(file).exists(), "{file}");
    }

    let out = bin()
        .args([
            "compare", "--a", "embedded", "--b", "embedded", "--cases", "50",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("EQUIVALENT") && text.contains("0 must, 0 should"),
        "{text}"
    );
}

#[test]
fn bad_sides_and_empty_tokens_are_usage_errors() {
    for (a, says) in [
        ("embedded:nope", "is not a side"),
        ("embedded:mutant:nope", "no mutant is called"),
        ("ftp://x", "--a"),
    ] {
        let out = bin()
            .args(["compare", "--a", a, "--b", "embedded"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{a}");
        let err = stderr(&out);
        assert!(err.contains(says) && err.lines().count() == 1, "{a}: {err}");
    }
    let out = bin()
        .args([
            "compare",
            "--a",
            "embedded",
            "--b",
            "http://127.0.0.1:9",
            "--b-token",
            " ",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--b-token is empty"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_side_is_judged_with_its_token_which_never_shows() {
    const TOKEN: &str = "compare-side-token-42";
    let target = crate::support::reference_server(None, Some(TOKEN)).await;
    let url = target.url().to_string();
    let out = tokio::task::spawn_blocking(move || {
        bin()
            .args([
                "compare",
                "--a",
                &url,
                "--b",
                "embedded",
                "--blocked-email-domain",
                BLOCKED_DOMAIN,
                "--cases",
                "80",
                "--format",
                "json",
            ])
            .env("VERIFIK_A_TOKEN", TOKEN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
    assert!(!stderr(&out).contains(TOKEN));
}

/// The README's runnable `compare` example works as printed.
#[test]
fn the_readme_example_runs_as_printed() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("verifik-conformance compare --a embedded"))
        .expect("the README shows compare against embedded sides");
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let out = bin().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{line}: {}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "different");
}
