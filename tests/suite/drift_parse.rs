//! The page parsers on fixture pages written for these tests (text export in
//! English and Spanish, Markdown source, an overview): each parses to its
//! expected sheet with no drift, the parsed sheets are snapshotted, and
//! input that is not a page in a known format fails naming file and line.

use std::collections::BTreeMap;
use std::path::Path;

use verifik_conformance::contract::{Page, PageFormat, Variant};
use verifik_conformance::drift::{diff_page, parse_file, parse_page, DriftError};

const DIR: &str = "tests/fixtures/pages";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(DIR).join(name)).expect("fixture page")
}

fn expected(name: &str) -> Page {
    serde_json::from_str(&fixture(name)).expect("expected page JSON")
}

/// `(page, expected sheet, variant, format)` of every fixture.
const FIXTURES: &[(&str, &str, Variant, PageFormat)] = &[
    (
        "register-en.txt",
        "register-en.page.json",
        Variant::En,
        PageFormat::TextExport,
    ),
    (
        "register-es.txt",
        "register-es.page.json",
        Variant::Es,
        PageFormat::TextExport,
    ),
    (
        "register-legacy.md",
        "register-legacy.page.json",
        Variant::Legacy,
        PageFormat::Markdown,
    ),
    (
        "overview.txt",
        "overview.page.json",
        Variant::Overview,
        PageFormat::TextExport,
    ),
];

#[test]
fn every_fixture_parses_to_its_expected_sheet_with_no_drift() {
    for &(page, sheet, variant, format) in FIXTURES {
        let parsed = parse_file(&Path::new(DIR).join(page)).expect(page);
        assert_eq!(parsed.format, format, "{page}: format");
        let expected = expected(sheet);
        let drift = diff_page(variant, &expected, &parsed.page, &BTreeMap::new());
        assert!(drift.is_empty(), "{page} drifted: {drift:#?}");
        assert_eq!(parsed.page, expected, "{page}");
    }
}

#[test]
fn parsed_sheets_snapshot() {
    for &(page, _, _, _) in FIXTURES {
        let parsed = parse_file(&Path::new(DIR).join(page)).expect(page);
        insta::assert_json_snapshot!(page, parsed);
    }
}

#[test]
fn a_fixture_diffed_against_another_variant_drifts() {
    // The Spanish fixture against the English expected sheet: the parser
    // really reads what differs (labels, params, default, notes).
    let es = parse_page(fixture("register-es.txt").as_bytes(), "es").unwrap();
    let drift = diff_page(
        Variant::En,
        &expected("register-en.page.json"),
        &es.page,
        &BTreeMap::new(),
    );
    let items: Vec<&str> = drift.iter().map(|d| d.item.as_str()).collect();
    for item in [
        "headers[Authorization].value",
        "params[firstName]",
        "params[language].default",
        "examples[409]",
        "notes[language_default]",
    ] {
        assert!(items.contains(&item), "{item} missing from {items:?}");
    }
}

fn parse_error(bytes: &[u8], file: &str) -> (usize, String) {
    match parse_page(bytes, file) {
        Err(DriftError::Parse {
            file: f,
            line,
            message,
        }) => {
            assert_eq!(f, file);
            (line, message)
        }
        other => panic!("expected a parse error for {file}, got {other:?}"),
    }
}

/// The 1-based line of the first line of `text` that equals `line`.
fn line_of(text: &str, line: &str) -> usize {
    1 + text
        .lines()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no line {line:?}"))
}

#[test]
fn an_html_page_is_refused_naming_file_and_line() {
    let file = format!("{DIR}/unknown.html");
    let err = parse_file(Path::new(&file)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{file}:1: an HTML page")),
        "{text}"
    );
    assert!(text.contains("text export or its Markdown"), "{text}");
}

#[test]
fn binary_input_is_refused() {
    let png = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0];
    let (line, message) = parse_error(&png, "logo.png");
    assert_eq!(line, 1);
    assert!(message.contains("not UTF-8"), "{message}");

    let (line, message) = parse_error(b"Title\nPOST https://x.test/v2/a\nab\0cd\n", "nul.txt");
    assert_eq!(line, 3);
    assert!(message.contains("binary content"), "{message}");
}

#[test]
fn text_with_nothing_recognisable_is_refused() {
    let (line, message) = parse_error(
        b"Release notes\nWe fixed many bugs this week.\nThanks for reading.\n",
        "notes.txt",
    );
    assert_eq!(line, 1);
    assert!(
        message.contains("not a recognised documentation page"),
        "{message}"
    );

    let (_, message) = parse_error(b"\n  \n", "empty.txt");
    assert!(message.contains("empty"), "{message}");

    let (line, message) = parse_error(b"\n{\"openapi\": \"3.1.0\"}\n", "spec.json");
    assert_eq!(line, 2);
    assert!(message.contains("JSON/OpenAPI"), "{message}");
}

#[test]
fn a_label_without_its_example_names_the_label_line() {
    let text = fixture("register-en.txt")
        .replace("- 409 (Email Domain)\n", "- 409 (Email Domain)\n- 500\n");
    let (line, message) = parse_error(text.as_bytes(), "en.txt");
    assert_eq!(line, line_of(&text, "- 500"));
    assert!(message.contains("\"500\" has no JSON example"), "{message}");
}

#[test]
fn an_example_without_a_label_names_its_line() {
    let text = fixture("register-en.txt").replace("- 409 (Email Domain)\n", "");
    let (line, message) = parse_error(text.as_bytes(), "en.txt");
    let last_example = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "{")
        .map(|(i, _)| i + 1)
        .last()
        .unwrap();
    assert_eq!(line, last_example);
    assert!(message.contains("without a label"), "{message}");
}

#[test]
fn broken_json_names_the_line_of_the_error() {
    let text = fixture("register-en.txt").replace(
        "\"code\": \"PreconditionFailed\",",
        "\"code\": \"PreconditionFailed\"",
    );
    let (line, message) = parse_error(text.as_bytes(), "en.txt");
    // serde_json stops at the token after the missing comma.
    assert_eq!(
        line,
        line_of(&text, "\"code\": \"PreconditionFailed\"") + 1,
        "{message}"
    );
    assert!(message.contains("JSON example does not parse"), "{message}");

    let md = fixture("register-legacy.md").replace(
        "\"message\": \"MISSING_CONTACT_INFO\"",
        "\"message\": MISSING",
    );
    let (line, message) = parse_error(md.as_bytes(), "legacy.md");
    assert_eq!(line, line_of(&md, "  \"message\": MISSING"));
    assert!(message.contains("JSON example does not parse"), "{message}");
}

#[test]
fn a_malformed_table_row_names_its_line() {
    let text = fixture("register-en.txt").replace(
        "lastName | string | No | Family name |",
        "lastName | string | Family name |",
    );
    let (line, message) = parse_error(text.as_bytes(), "en.txt");
    assert_eq!(line, line_of(&text, "lastName | string | Family name |"));
    assert!(message.contains("has 3 cells"), "{message}");

    let text = fixture("register-es.txt")
        .replace("fullName | string | No |", "fullName | string | Quizás |");
    let (line, message) = parse_error(text.as_bytes(), "es.txt");
    assert_eq!(
        line,
        line_of(&text, "fullName | string | Quizás | Nombre completo |")
    );
    assert!(message.contains("Required column of fullName"), "{message}");
}

#[test]
fn an_unknown_table_names_its_header_line() {
    let md = fixture("register-legacy.md").replace(
        "| Name         | Value              |",
        "| Code | Meaning |",
    );
    let (line, message) = parse_error(md.as_bytes(), "legacy.md");
    assert_eq!(line, line_of(&md, "| Code | Meaning |"));
    assert!(
        message.contains("unrecognised table with columns Code | Meaning"),
        "{message}"
    );
}

#[test]
fn an_unclosed_fence_names_its_line() {
    let md = fixture("register-legacy.md");
    let cut = md.find("### 422").unwrap();
    let text = format!("{}```json\n{{\n", &md[..cut]);
    let (line, message) = parse_error(text.as_bytes(), "legacy.md");
    assert_eq!(line, text.lines().count() - 1);
    assert!(message.contains("never closed"), "{message}");
}

#[test]
fn format_detection() {
    use verifik_conformance::drift::detect_format;
    assert_eq!(
        detect_format("---\ntitle: x\n---\nbody"),
        PageFormat::Markdown
    );
    assert_eq!(
        detect_format("# Title\n\n| a | b |\n| - | - |\n| 1 | 2 |"),
        PageFormat::Markdown
    );
    assert_eq!(
        detect_format("Title\n| a | b |\n|---|---|\n1 | 2 |"),
        PageFormat::TextExport
    );
    // A Python comment in a text export's code sample is not a heading.
    assert_eq!(
        detect_format("Headers¶\n| Name | Value |\n|---|---|\n# set the token\nx = 1"),
        PageFormat::TextExport
    );
}
