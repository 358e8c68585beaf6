//! Sentence-level traceability through the binary: fixture pages written
//! for these tests (an English and a Spanish text export, a legacy Markdown
//! page) get a baseline from `drift --emit-baseline`; each kind of edit to a
//! normative item is then drift tied to the right fact, an edit on one side
//! of en/es is a translation out of date, cosmetic edits give no drift, and
//! `--trace` exits 0 on complete coverage and 1 otherwise.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{drift, stderr};

const DIR: &str = "tests/fixtures/pages/trace";

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", stderr(out)))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(DIR).join(name)).expect("fixture page")
}

/// A scratch directory with the baseline of each fixture page, written by
/// the binary itself.
struct Scratch {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

const PAGES: &[(&str, &str)] = &[
    ("en", "signup-en.txt"),
    ("es", "signup-es.txt"),
    ("legacy", "signup-legacy.md"),
];

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let path = dir.path().to_path_buf();
        for (variant, page) in PAGES {
            let doc = format!("{variant}={DIR}/{page}");
            let out = drift(&["--doc", &doc, "--emit-baseline"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            std::fs::write(path.join(format!("{variant}.baseline.json")), &out.stdout).unwrap();
        }
        Scratch { _dir: dir, path }
    }

    fn baseline(&self, variant: &str) -> String {
        format!(
            "{variant}={}",
            self.path.join(format!("{variant}.baseline.json")).display()
        )
    }

    /// The fixture of `variant` with `from` replaced by `to` (exactly one
    /// place), written out; returns the `--doc` value.
    fn edited(&self, variant: &str, edits: &[(&str, &str)]) -> String {
        let (_, page) = PAGES.iter().find(|(v, _)| *v == variant).unwrap();
        let mut text = fixture(page);
        for (from, to) in edits {
            assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
            text = text.replacen(from, to, 1);
        }
        let path = self.path.join(format!("edited-{page}"));
        std::fs::write(&path, text).unwrap();
        format!("{variant}={}", path.display())
    }

    /// `drift --format json` with the page and the baselines of `variants`.
    fn compare(&self, docs: &[String], variants: &[&str], extra: &[&str]) -> (i32, Value) {
        let mut args: Vec<String> = vec!["--format".into(), "json".into()];
        for doc in docs {
            args.extend(["--doc".into(), doc.clone()]);
        }
        for variant in variants {
            args.extend(["--baseline".into(), self.baseline(variant)]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = drift(&args);
        (out.status.code().unwrap_or(-1), json_of(&out))
    }
}

fn unedited(variant: &str) -> String {
    let (_, page) = PAGES.iter().find(|(v, _)| *v == variant).unwrap();
    format!("{variant}={DIR}/{page}")
}

/// `(item, fact, severity, kind)` of every drift.
fn drift_summary(report: &Value) -> Vec<(String, String, String, String)> {
    report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("item"), s("fact"), s("severity"), s("kind"))
        })
        .collect()
}

struct Edit {
    what: &'static str,
    variant: &'static str,
    from: &'static str,
    to: &'static str,
    /// `(item, fact, severity, kind)`
    drift: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// Text the first drift shows as found on the page.
    found: &'static str,
}

const EDITS: &[Edit] = &[
    Edit {
        what: "a sentence of a normative note",
        variant: "en",
        from: "Both may be sent.",
        to: "Only one may be sent.",
        drift: &[(
            "notes[contact].2",
            "create.contact-either",
            "wording",
            "changed",
        )],
        found: "Only one may be sent.",
    },
    Edit {
        what: "a sentence of intro prose that states a fact",
        variant: "en",
        from: "you must use this token for every later validation.",
        to: "you may use this token for later validations.",
        drift: &[(
            "prose[endpoint].2",
            "create.token-jwt",
            "wording",
            "changed",
        )],
        found: "The reply carries a token, and you may use this token for later validations.",
    },
    Edit {
        what: "a sentence edited after a sentence inserted before it",
        variant: "en",
        from: "Signs one person up for a project flow and keeps track of the checks that follow.\nThe reply carries a token, and you must use this token for every later validation.\nThe token can be recreated by sending the same email or phone again;",
        to: "Read this first.\nSigns one person up for a project flow and keeps track of the checks that follow.\nThe reply carries a token, and you must use this token for every later validation.\nThe token can be recreated by sending the same phone again;",
        drift: &[(
            "prose[endpoint].4",
            "token.recreate-email",
            "wording",
            "changed",
        )],
        found: "The token can be recreated by sending the same phone again; earlier validations are deleted when that happens.",
    },
    Edit {
        what: "a parameter description",
        variant: "en",
        from: "Email of the person. Give an email or a phone",
        to: "Email of the person. Send an email, a phone or neither",
        drift: &[(
            "params[email].description.2",
            "create.contact-either",
            "wording",
            "changed",
        )],
        found: "Send an email, a phone or neither",
    },
    Edit {
        what: "a parameter description that states a value",
        variant: "en",
        from: "Digits only, no spaces.",
        to: "Digits, spaces and dashes.",
        drift: &[(
            "params[phone].description.2",
            "create.phone-digits",
            "breaking",
            "changed",
        )],
        found: "Digits, spaces and dashes.",
    },
    Edit {
        what: "an admonition sentence",
        variant: "legacy",
        from: "You must use the returned `token` for every later validation.",
        to: "You may keep the returned `token` if you like.",
        drift: &[("admonitions[1].1", "create.token-jwt", "wording", "changed")],
        found: "You may keep the returned token if you like.",
    },
    Edit {
        what: "a Spanish note",
        variant: "es",
        from: "Ambos pueden enviarse.",
        to: "Solo uno puede enviarse.",
        drift: &[(
            "notes[contacto].2",
            "create.contact-either",
            "wording",
            "changed",
        )],
        found: "Solo uno puede enviarse.",
    },
    Edit {
        what: "a sample's field name (Node.js)",
        variant: "en",
        from: "project: \"prj-100\",",
        to: "projectId: \"prj-100\",",
        drift: &[
            (
                "samples[node-js].body/projectId",
                "create.echo",
                "breaking",
                "added",
            ),
            (
                "samples[node-js].body/project",
                "create.project-required",
                "breaking",
                "removed",
            ),
        ],
        found: "projectId: \"prj-100\"",
    },
    Edit {
        what: "a sample's value that differs between languages (Python)",
        variant: "en",
        from: "\"language\": \"en\"\n}\nprint",
        to: "\"language\": \"es\"\n}\nprint",
        drift: &[(
            "samples[python].body/language",
            "create.language-default",
            "breaking",
            "changed",
        )],
        found: "\"language\": \"es\"",
    },
    Edit {
        what: "a field the params table does not list (legacy axios sample)",
        variant: "legacy",
        from: "    email: \"ana@example.org\",\n    fullName",
        to: "    mail: \"ana@example.org\",\n    fullName",
        drift: &[(
            "samples[javascript].body/mail",
            "create.echo",
            "breaking",
            "added",
        )],
        found: "mail: \"ana@example.org\"",
    },
];

#[test]
fn each_normative_edit_is_drift_tied_to_its_fact() {
    let scratch = Scratch::new();
    for edit in EDITS {
        let doc = scratch.edited(edit.variant, &[(edit.from, edit.to)]);
        let (code, report) = scratch.compare(&[doc], &[edit.variant], &[]);
        assert_eq!(code, 1, "{}: {report:#}", edit.what);
        let want: Vec<(String, String, String, String)> = edit
            .drift
            .iter()
            .map(|(i, f, s, k)| (i.to_string(), f.to_string(), s.to_string(), k.to_string()))
            .collect();
        assert_eq!(drift_summary(&report), want, "{}", edit.what);
        let first = &report["drift"][0];
        assert_eq!(first["variant"], edit.variant, "{}", edit.what);
        assert!(first["locator"].is_string(), "{}: {first}", edit.what);
        assert_eq!(first["text"], edit.found, "{}", edit.what);
        assert!(
            first["facts"]
                .as_array()
                .unwrap()
                .contains(&first["fact"].clone()),
            "{}",
            edit.what
        );
    }
}

#[test]
fn the_text_report_shows_severity_locator_and_text() {
    let scratch = Scratch::new();
    let doc = scratch.edited("en", &[("Both may be sent.", "Only one may be sent.")]);
    let out = drift(&["--doc", &doc, "--baseline", &scratch.baseline("en")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("changed  notes[contact].2  [create.contact-either] wording"),
        "{text}"
    );
    assert!(
        text.contains("found:   \"Only one may be sent.\""),
        "{text}"
    );
    assert!(text.contains("(0 breaking, 1 wording)"), "{text}");
}

#[test]
fn an_edit_on_one_side_only_is_a_translation_out_of_date() {
    let scratch = Scratch::new();
    let en = scratch.edited("en", &[("Both may be sent.", "Only one may be sent.")]);
    let (code, report) = scratch.compare(&[en.clone(), unedited("es")], &["en", "es"], &[]);
    assert_eq!(code, 1);
    let translations = report["translations"].as_array().unwrap();
    assert_eq!(translations.len(), 1, "{report:#}");
    let t = &translations[0];
    assert_eq!(t["facts"], serde_json::json!(["create.contact-either"]));
    assert_eq!(t["changed"]["variant"], "en");
    assert_eq!(t["changed"]["locator"], "notes[contact].2");
    assert_eq!(t["changed"]["text"], "Only one may be sent.");
    assert_eq!(t["stale"]["variant"], "es");
    assert_eq!(t["stale"]["locator"], "notes[contacto].2");
    assert!(t["message"]
        .as_str()
        .unwrap()
        .starts_with("translation out of date"));

    // Without the Spanish page, the Spanish side is as encoded: still out of date.
    let (_, alone) = scratch.compare(std::slice::from_ref(&en), &["en", "es"], &[]);
    assert_eq!(alone["translations"].as_array().unwrap().len(), 1);

    // Both sides edited: drift on each page, but the translation is in step.
    let es = scratch.edited(
        "es",
        &[("Ambos pueden enviarse.", "Solo uno puede enviarse.")],
    );
    let (code, both) = scratch.compare(&[en, es], &["en", "es"], &[]);
    assert_eq!(code, 1);
    assert_eq!(both["translations"], serde_json::json!([]));
    assert_eq!(both["drift"].as_array().unwrap().len(), 2);
}

/// What a cosmetic edit is, on which page, and its replacements.
type Cosmetic = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn cosmetic_edits_give_no_drift() {
    let scratch = Scratch::new();
    let corpus: &[Cosmetic] = &[
        (
            "params rows reordered",
            "en",
            &[(
                "firstName | string | No | Given name |\nlastName | string | No | Family name |\n",
                "lastName | string | No | Family name |\nfirstName | string | No | Given name |\n",
            )],
        ),
        (
            "a sentence reflowed over two lines, spaces doubled",
            "en",
            &[(
                "The token can be recreated by sending the same email or phone again; earlier",
                "The token  can be recreated by sending the same email or phone again;\n   earlier",
            )],
        ),
        (
            "blank lines between sections and notes",
            "en",
            &[
                ("Headers¶\n", "\n\nHeaders¶\n\n"),
                (
                    "hold only digits.\n",
                    "hold only digits.\n\n",
                ),
            ],
        ),
        (
            "descriptive intro prose reworded",
            "en",
            &[(
                "Signs one person up for a project flow and keeps track of the checks that follow.",
                "Enrols someone in a project flow, then follows the checks made after it.",
            )],
        ),
        (
            "tables reformatted: outer pipes, padding",
            "en",
            &[
                (
                    "| Content-Type | application/json |",
                    "|   Content-Type   |   application/json   |",
                ),
                (
                    "project | string | Yes | Identifier of the project |",
                    "| project |  string  | Yes |  Identifier  of the project |",
                ),
            ],
        ),
        (
            "a JSON example on one line with its keys reordered",
            "en",
            &[(
                "{\n\"message\": \"missing countryCode\",\n\"code\": \"MissingParameter\",\n\"status\": 409\n}",
                "{ \"status\": 409, \"code\": \"MissingParameter\", \"message\": \"missing countryCode\" }",
            )],
        ),
        (
            "a sample re-indented",
            "en",
            &[(
                "method: \"POST\",\nheaders: {",
                "    method: \"POST\",\n    headers: {",
            )],
        ),
        (
            "Markdown: table padding and bold removed, admonition reflowed",
            "legacy",
            &[
                (
                    "| `project`     | string | **Yes**  | Project identifier.                                       |",
                    "| `project` | string | Yes | Project identifier. |",
                ),
                (
                    "can be recreated by\nsending the same",
                    "can be recreated by sending the same",
                ),
                ("## Body\n", "## Body\n\n\n"),
            ],
        ),
        (
            "Spanish: rows reordered and a note reflowed",
            "es",
            &[
                (
                    "firstName | string | No | Nombre de pila |\nlastName | string | No | Apellido |\n",
                    "lastName | string | No | Apellido |\nfirstName | string | No | Nombre de pila |\n",
                ),
                ("Ambos pueden enviarse.", "Ambos\npueden   enviarse."),
            ],
        ),
    ];
    for (what, variant, edits) in corpus {
        let doc = scratch.edited(variant, edits);
        let (code, report) = scratch.compare(&[doc], &[variant], &[]);
        assert_eq!(report["drift"], serde_json::json!([]), "{what}: {report:#}");
        assert_eq!(report["translations"], serde_json::json!([]), "{what}");
        assert_eq!(code, 0, "{what}");
        if *what == "descriptive intro prose reworded" {
            let notes = report["descriptive"].as_array().unwrap();
            assert!(
                notes.iter().any(|n| n["locator"] == "prose[endpoint].1"),
                "{report:#}"
            );
        }
    }
}

#[test]
fn trace_exits_0_when_coverage_is_complete_and_1_when_not() {
    // The embedded traces of the real pages.
    let out = drift(&["--trace", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_of(&out);
    let variants = report["coverage"]["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 4);
    for v in variants {
        assert_eq!(v["items_without_fact"], serde_json::json!([]), "{v}");
        assert_eq!(v["facts_without_item"], serde_json::json!([]), "{v}");
        assert!(v["normative"].as_u64().unwrap() > 0, "{v}");
    }
    let count = |variant: &str, key: &str| {
        variants.iter().find(|v| v["variant"] == variant).unwrap()[key].clone()
    };
    // The Spanish page states what the English one states, item for item.
    assert_eq!(count("en", "normative"), count("es", "normative"));
    let facts = report["coverage"]["facts"].as_array().unwrap();
    for fact in facts {
        let n = |v: &str| fact["variants"][v].as_array().map_or(0, Vec::len);
        assert_eq!(n("en"), n("es"), "{}", fact["fact"]);
    }
    let stated = |id: &str, variant: &str| {
        facts.iter().find(|f| f["fact"] == id).unwrap()["variants"][variant]
            .as_array()
            .unwrap()
            .clone()
    };
    assert!(stated("create.contact-either", "en").contains(&"notes[contact-information].2".into()));
    assert!(stated("list.ok", "overview").contains(&"endpoints[GET /v2/app-registrations]".into()));

    let text = drift(&["--trace"]);
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("must facts without item"), "{text}");
    assert!(text.contains("Coverage complete"), "{text}");

    // A fixture page against its own baseline: complete.
    let scratch = Scratch::new();
    let (code, report) = scratch.compare(&[unedited("en")], &["en"], &["--trace"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["coverage"]["variants"][0]["source"],
        format!("{DIR}/signup-en.txt")
    );

    let incomplete = [
        (
            "a new note that states no known fact",
            ("when absent.\n", "when absent. - Billing: Invoices arrive every month.\n"),
            "items_without_fact",
            serde_json::json!(["notes[billing].1"]),
        ),
        (
            "the only sentence that states the token recreation is gone",
            (
                "The token can be recreated by sending the same email or phone again; earlier validations are deleted when that happens.\n",
                "",
            ),
            "facts_without_item",
            serde_json::json!(["token.recreate-email", "token.recreate-phone"]),
        ),
    ];
    for (what, edit, key, listed) in incomplete {
        let doc = scratch.edited("en", &[edit]);
        let (code, report) = scratch.compare(&[doc], &["en"], &["--trace"]);
        assert_eq!(code, 1, "{what}");
        assert_eq!(report["coverage"]["variants"][0][key], listed, "{what}");
    }
}

#[test]
fn bad_baseline_arguments_exit_2() {
    let scratch = Scratch::new();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--emit-baseline".into()], "exactly one --doc"),
        (
            vec!["--baseline".into(), "en=no-such-baseline.json".into()],
            "cannot read the baseline",
        ),
        (
            vec!["--baseline".into(), format!("en={DIR}/signup-en.txt")],
            "not a baseline",
        ),
        (
            vec![
                "--baseline".into(),
                scratch.baseline("es").replacen("es=", "en=", 1),
            ],
            "the baseline is for es, not en",
        ),
    ];
    for (args, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = drift(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn the_embedded_traces_agree_with_the_embedded_sheets() {
    // The real pages are not part of the project; what can be checked
    // without them: every structured item of each encoded sheet (endpoint
    // lines, table rows, JSON examples) is traced, at its locator, with the
    // fingerprint of what the sheet holds, and is normative.
    use verifik_conformance::contract::{Contract, ItemKind, PageFormat, Role, Variant};
    use verifik_conformance::drift::page_items;

    let contract = Contract::embedded().expect("contract");
    for variant in Variant::ALL {
        let sheet = contract.sheet(variant);
        let trace = contract.trace(variant);
        let structured = page_items("", PageFormat::TextExport, &sheet.page);
        let expected = sheet.page.endpoints.len()
            + sheet.page.headers.len()
            + sheet.page.params.len()
            + sheet.page.examples.len();
        assert_eq!(structured.len(), expected, "{variant}");
        for item in structured {
            let traced = trace
                .items
                .iter()
                .find(|t| t.locator == item.locator)
                .unwrap_or_else(|| panic!("{variant}: {} is not traced", item.locator));
            assert_eq!(
                traced.fingerprint, item.fingerprint,
                "{variant} {}",
                item.locator
            );
            assert_eq!(traced.kind, item.kind, "{variant} {}", item.locator);
            assert_eq!(traced.role, Role::Normative, "{variant} {}", item.locator);
        }
        let structural = [ItemKind::Endpoint, ItemKind::Row, ItemKind::Example];
        let traced_structural = trace
            .items
            .iter()
            .filter(|t| structural.contains(&t.kind))
            .count();
        assert_eq!(
            traced_structural, expected,
            "{variant}: stale structured items"
        );
    }
}
