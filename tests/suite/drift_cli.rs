//! `verifik-conformance drift` as a process: the conflict matrix, the fixed
//! JSON format, exit codes 0 / 1 / 2, and a round trip: every encoded sheet
//! written out as a page in both formats (by this test, not copied from the
//! docs) parses back with no drift.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use verifik_conformance::contract::{Contract, ExampleKind, Page, Variant};
use verifik_conformance::drift::{diff_page, parse_page};

use crate::support::{drift, stderr, stdout};

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn the_matrix_shows_conflicts_and_pairs_and_en_es_agree() {
    let out = drift(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(report["drift"], Value::Array(vec![]));

    let pairs = report["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 6, "every unordered pair of the four pages");
    let pair = |a: &str, b: &str| {
        pairs
            .iter()
            .find(|p| p["a"] == a && p["b"] == b)
            .unwrap_or_else(|| panic!("pair {a}/{b}"))
    };
    assert_eq!(pair("en", "es")["disagreements"], 0);
    assert!(pair("en", "legacy")["disagreements"].as_u64().unwrap() > 0);
    assert!(
        pair("legacy", "overview")["disagreements"]
            .as_u64()
            .unwrap()
            > 0
    );

    let conflicts = report["conflicts"].as_array().unwrap();
    let fact = |id: &str| conflicts.iter().find(|c| c["fact"] == id);
    let initial = fact("create.initial-status").expect("initial status differs");
    assert_eq!(initial["variants"]["en"]["claim"]["status"], "STARTED");
    assert_eq!(initial["variants"]["legacy"]["claim"]["status"], "new");
    assert_eq!(initial["conflict"], true);
    for variants in conflicts.iter().map(|c| &c["variants"]) {
        for v in ["en", "es", "legacy", "overview"] {
            assert!(variants[v]["says"].is_string(), "{v} in {variants}");
        }
    }
    // A fact every page states the same way, or only one page states,
    // is no disagreement.
    assert!(fact("create.language-default").is_none());
    assert!(fact("list.ok").is_none());
    // What the en/es pair shows: no fact on which they differ.
    assert!(conflicts
        .iter()
        .all(|c| c["variants"]["en"] == c["variants"]["es"]));
}

#[test]
fn the_matrix_as_text() {
    let out = drift(&[]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("create.full-name-optional  [CONFLICT on required]"),
        "{text}"
    );
    assert!(text.contains("  en = es "), "{text}");
    let en_es = text
        .lines()
        .find(|l| l.trim_start().starts_with("en / es"))
        .unwrap();
    let counts: Vec<&str> = en_es.split_whitespace().skip(3).collect();
    assert_eq!(counts, ["0", "0", "0"], "{en_es}");
}

#[test]
fn a_drifted_page_exits_1_with_every_difference() {
    // The fixture page is not the real English page: it drifts.
    let out = drift(&[
        "--doc",
        "en=tests/fixtures/pages/register-en.txt",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let items = report["drift"].as_array().unwrap();
    assert!(!items.is_empty());
    for d in items {
        for key in ["variant", "fact", "item", "kind", "encoded", "found"] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
        assert_eq!(d["variant"], "en");
        assert!(["added", "removed", "changed"].contains(&d["kind"].as_str().unwrap()));
    }
    assert!(items
        .iter()
        .any(|d| d["item"] == "params[countryCode].format"
            && d["encoded"] == "+123"
            && d["found"] == "+57"
            && d["fact"] == "create.country-code-format"));
    assert_eq!(report["pages"][0]["format"], "text-export");
    assert!(!report["conflicts"].as_array().unwrap().is_empty());

    let text = drift(&["--doc", "en=tests/fixtures/pages/register-en.txt"]);
    assert_eq!(text.status.code(), Some(1));
    assert!(
        stdout(&text).contains("changed  params[countryCode].format  [create.country-code-format]")
    );
}

#[test]
fn a_page_in_an_unknown_format_exits_2_naming_file_and_line() {
    let out = drift(&["--doc", "legacy=tests/fixtures/pages/unknown.html"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("tests/fixtures/pages/unknown.html:1: an HTML page"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn bad_doc_arguments_exit_2() {
    for (arg, says) in [
        ("en", "expected VARIANT=PATH"),
        ("fr=page.txt", "unknown variant"),
        ("en=", "no path"),
        (
            "en=tests/fixtures/pages/no-such-page.txt",
            "cannot read the page",
        ),
    ] {
        let out = drift(&["--doc", arg]);
        assert_eq!(out.status.code(), Some(2), "--doc {arg}");
        assert!(stderr(&out).contains(says), "--doc {arg}: {}", stderr(&out));
    }
    let page = "en=tests/fixtures/pages/register-en.txt";
    let out = drift(&["--doc", page, "--doc", page]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("given twice"));
}

// ---- round trip: an encoded sheet written out as a page -------------------

const HOST: &str = "https://api.example.test";

fn notes_list(page: &Page) -> Vec<String> {
    page.notes
        .iter()
        .filter(|(topic, _)| topic.as_str() != "purpose")
        .map(|(topic, value)| match topic.as_str() {
            "initial_status" => format!("- Status: New registrations start with status `{value}`."),
            "language_default" => format!("- Language: Defaults to `\"{value}\"` when absent."),
            "country_code_digits" => format!("- Country code: a plus sign and {value} digits."),
            "phone_format" if value == "digits-only" => "- Phone: only digits.".to_string(),
            other => panic!("no sentence for note topic {other}"),
        })
        .collect()
}

fn purpose_lines(page: &Page) -> Vec<String> {
    let Some(purpose) = page.notes.get("purpose") else {
        return Vec::new();
    };
    let mut lines = vec!["Registrations are designed for:".to_string()];
    lines.extend(
        purpose
            .split(", ")
            .map(|p| format!("- {p} - what it is for")),
    );
    lines
}

fn description(p: &verifik_conformance::contract::Param) -> String {
    let mut parts = vec![format!("The {} field.", p.name)];
    if let Some(on) = &p.required_if {
        parts.push(format!("Required if `{on}` is provided."));
    }
    if let Some(format) = &p.format {
        parts.push(format!("Format: `{format}`"));
    }
    if let Some(default) = &p.default {
        parts.push(format!("Default: `\"{default}\"`"));
    }
    parts.join(" ")
}

fn markdown(page: &Page) -> String {
    let mut out = vec![
        "---".to_string(),
        "title: Generated".to_string(),
        "---".to_string(),
        "# Generated page".to_string(),
    ];
    for e in &page.endpoints {
        out.push(format!("**{}** `{HOST}{}`", e.method, e.path));
    }
    out.extend(purpose_lines(page));
    if !page.headers.is_empty() {
        out.push("## Headers".into());
        out.push("| Name | Value |".into());
        out.push("| ---- | ----- |".into());
        for h in &page.headers {
            out.push(format!("| {} | `{}` |", h.name, h.value));
        }
    }
    if !page.params.is_empty() {
        out.push("## Body".into());
        out.push("| Name | Type | Required | Description |".into());
        out.push("| --- | --- | --- | --- |".into());
        for p in &page.params {
            let required = if p.required { "**Yes**" } else { "No" };
            out.push(format!(
                "| `{}` | {} | {required} | {} |",
                p.name,
                p.ty,
                description(p)
            ));
        }
    }
    out.push("## Request Example".into());
    out.push("```json".into());
    out.push("{\"project\": \"p\"}".into());
    out.push("```".into());
    for (n, x) in page.examples.iter().enumerate() {
        if x.kind == ExampleKind::Object {
            out.push(format!("## {}", x.label));
        } else {
            if n == 0 || page.examples[n - 1].kind == ExampleKind::Object {
                out.push("## Responses".into());
            }
            out.push(format!("### {}", x.label));
        }
        out.push("```json".into());
        out.push(serde_json::to_string_pretty(&x.body).unwrap());
        out.push("```".into());
    }
    let notes = notes_list(page);
    if !notes.is_empty() {
        out.push(":::info".into());
        out.extend(notes);
        out.push(":::".into());
    }
    out.join("\n") + "\n"
}

fn text_export(page: &Page) -> String {
    let mut out = vec!["Generated page".to_string(), "Endpoint¶".to_string()];
    for e in &page.endpoints {
        out.push(format!("{} {HOST}{}", e.method, e.path));
    }
    out.extend(purpose_lines(page));
    if !page.headers.is_empty() {
        out.push("Headers¶".into());
        out.push("| Name | Value |".into());
        out.push("|---|---|".into());
        for h in &page.headers {
            out.push(format!("| {} | {} |", h.name, h.value));
        }
    }
    if !page.params.is_empty() {
        out.push("Params¶".into());
        out.push("| Name | Type | Required | Description |".into());
        out.push("|---|---|---|---|".into());
        for p in &page.params {
            let required = if p.required { "Yes" } else { "No" };
            out.push(format!(
                "{} | {} | {required} | {} |",
                p.name,
                p.ty,
                description(p).replace('`', "")
            ));
        }
    }
    out.push("Request¶".into());
    out.push("- cURL".into());
    out.push("curl -X POST -d '{\"project\": \"p\"}'".into());
    let (objects, responses): (Vec<_>, Vec<_>) = page
        .examples
        .iter()
        .partition(|x| x.kind == ExampleKind::Object);
    if !responses.is_empty() {
        out.push("Response¶".into());
        out.extend(responses.iter().map(|x| format!("- {}", x.label)));
        out.extend(
            responses
                .iter()
                .map(|x| serde_json::to_string_pretty(&x.body).unwrap()),
        );
    }
    for x in objects {
        out.push(format!("{}¶", x.label));
        out.push(serde_json::to_string_pretty(&x.body).unwrap());
    }
    let notes = notes_list(page);
    if !notes.is_empty() {
        out.push("Notes¶".into());
        // The export runs the items together and breaks where inline code was.
        out.push(notes.join(" ").replace('`', "\n"));
    }
    out.join("\n") + "\n"
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write page");
    path
}

#[test]
fn every_encoded_sheet_written_as_a_page_parses_back_with_no_structured_drift() {
    let contract = Contract::embedded().expect("contract");
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = tmp.path().to_path_buf();
    for render in [
        ("md", markdown as fn(&Page) -> String),
        ("txt", text_export),
    ] {
        let mut args: Vec<String> = Vec::new();
        for variant in Variant::ALL {
            let page = &contract.sheet(variant).page;
            let text = (render.1)(page);
            // The structure round-trips: no structured difference at all.
            let name = format!("{variant}.{}", render.0);
            let parsed = parse_page(text.as_bytes(), &name).expect("the page parses");
            assert_eq!(
                diff_page(variant, page, &parsed.page, &BTreeMap::new()),
                vec![],
                "{name}"
            );
            let path = write(&dir, &name, &text);
            args.push("--doc".into());
            args.push(format!("{variant}={}", path.display()));
        }
        args.extend(["--format".into(), "json".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = drift(&args);
        // The sentences are this test's own, so the traced items of the
        // real pages are reported as reworded or gone: drift, exit 1.
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report = json_of(&out);
        for page in report["pages"].as_array().unwrap() {
            assert_eq!(
                page["format"],
                if render.0 == "md" {
                    "markdown"
                } else {
                    "text-export"
                }
            );
        }
    }
}
