//! `selftest` inside `cargo test`: CI fails when a change lets a mutant
//! survive or breaks the faithful server under any variant.

use std::collections::BTreeSet;

use serde_json::Value;
use verifik_conformance::check::Level;
use verifik_conformance::contract::Contract;
use verifik_conformance::model::ProfileId;

use crate::support::bin;

#[test]
fn every_mutant_is_killed_and_every_faithful_variant_passes() {
    let out = bin()
        .args([
            "selftest", "--format", "json", "--cases", "100", "--seed", "7",
        ])
        .output()
        .unwrap();
    let matrix: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let faithful = matrix["faithful"].as_array().unwrap();
    let variants: Vec<&str> = faithful
        .iter()
        .map(|f| f["variant"].as_str().unwrap())
        .collect();
    assert_eq!(variants, ["current", "legacy", "overview"]);
    for f in faithful {
        assert_eq!(f["verdict"], "pass", "{f}");
    }
    let mutants = matrix["mutants"].as_array().unwrap();
    assert!(mutants.len() >= 25, "only {} mutants", mutants.len());
    let survivors: Vec<&Value> = mutants.iter().filter(|m| m["killed"] != true).collect();
    assert!(survivors.is_empty(), "survivors: {survivors:#?}");
    for m in mutants {
        for key in ["name", "fact", "killed", "by"] {
            assert!(m.get(key).is_some(), "{m} lacks {key}");
        }
        assert!(!m["by"].as_array().unwrap().is_empty());
    }
    assert_eq!(out.status.code(), Some(0));

    // Precision: every twin passes under the current profile, no warning.
    let twins = matrix["twins"].as_array().unwrap();
    assert!(twins.len() >= 15, "only {} twins", twins.len());
    let failing: Vec<&Value> = twins.iter().filter(|t| t["passed"] != true).collect();
    assert!(failing.is_empty(), "twins judged wrongly: {failing:#?}");
    for t in twins {
        for key in ["name", "passed", "failing", "freedom"] {
            assert!(t.get(key).is_some(), "{t} lacks {key}");
        }
        assert!(t["failing"].as_array().unwrap().is_empty(), "{t}");
    }
    // The two stateful classes a held-out server once slipped through.
    for (name, fact) in [
        ("list-hides-newest", "list.contains-created"),
        ("names-dropped", "create.first-last-name"),
    ] {
        let m = mutants.iter().find(|m| m["name"] == name).unwrap();
        assert_eq!(m["fact"], fact);
        assert_eq!(m["killed"], true, "{m}");
    }

    // Every fact a scenario enforces at must or should level under `current`
    // is broken by at least one mutant: every scripted fact can fail.
    let contract = Contract::embedded().unwrap();
    let current = contract.profile(ProfileId::Current);
    let broken: BTreeSet<&str> = mutants
        .iter()
        .map(|m| m["fact"].as_str().unwrap())
        .collect();
    for (fact, _) in verifik_conformance::scripted::coverage() {
        if matches!(contract.level(current, fact), Level::Must | Level::Should) {
            assert!(broken.contains(fact), "no mutant breaks {fact}");
        }
    }
}

#[test]
fn serve_refuses_an_unknown_mutant_with_exit_2() {
    let out = bin()
        .args(["serve", "--mutant", "no-such-mutant"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-mutant") && stderr.contains("status-new"),
        "{stderr}"
    );
}

#[test]
fn serve_lists_the_twins_and_refuses_an_unknown_one() {
    let help = bin().args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for twin in verifik_conformance::server::twins::names() {
        assert!(text.contains(twin), "serve --help lacks {twin}");
    }
    let out = bin()
        .args(["serve", "--twin", "no-such-twin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-twin") && stderr.contains("uuid-ids"),
        "{stderr}"
    );
    let out = bin()
        .args(["serve", "--twin", "uuid-ids", "--mutant", "status-new"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot be combined"), "{stderr}");
}

#[test]
fn the_text_output_shows_the_precision_matrix_beside_the_kill_matrix() {
    let out = bin()
        .args(["selftest", "--cases", "20", "--seed", "3"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Kill matrix"), "{text}");
    assert!(text.contains("Precision matrix"), "{text}");
    assert!(
        text.contains("uuid-ids") && text.contains("twins pass"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
}

#[test]
fn the_readme_names_every_twin_and_the_freedom_it_uses() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## What the suite does not judge")
        .nth(1)
        .expect("the README explains what the suite does not judge");
    for twin in verifik_conformance::server::twins::names() {
        assert!(
            section.contains(&format!("`{twin}`")),
            "README lacks {twin}"
        );
    }
}
