//! `selftest` inside `cargo test`: CI fails when a change lets a mutant
//! survive or breaks the faithful server under any variant.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;
use verifik_conformance::check::Level;
use verifik_conformance::contract::Contract;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_verifik-conformance"))
}

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

    // Every fact a scenario enforces at must or should level under `current`
    // is broken by at least one mutant: every scripted fact can fail.
    let contract = Contract::embedded().unwrap();
    let current = contract.profile("current").unwrap();
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
