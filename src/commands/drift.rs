//! `drift`: the conflict matrix of the encoded fact sheets; with `--doc
//! VARIANT=PATH`, live pages parsed and diffed against their encoded sheets.
//! Exit 0 when no page drifted, 1 when one did, 2 for a bad `--doc` or a
//! page that cannot be read.

use std::path::PathBuf;

use crate::cli::{DriftArgs, OutputFormat};
use crate::contract::Variant;
use crate::drift::{self, render::PageReport, DriftReport};
use crate::exit;

pub fn drift(args: DriftArgs) -> i32 {
    let contract = match super::contract() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let docs = match doc_args(&args.docs) {
        Ok(docs) => docs,
        Err(message) => return super::fail(exit::USAGE, message),
    };
    let mut report = DriftReport {
        conflicts: drift::differences(contract),
        pairs: drift::pairs(contract),
        drift: Vec::new(),
        pages: Vec::new(),
    };
    for (variant, path) in docs {
        let parsed = match drift::parse_file(&path) {
            Ok(parsed) => parsed,
            Err(e) => return super::fail(exit::USAGE, e),
        };
        let sheet = contract.sheet(variant);
        let found = drift::diff_page(variant, &sheet.page, &parsed.page, &sheet.facts);
        report.pages.push(PageReport {
            variant,
            file: path.display().to_string(),
            format: parsed.format,
            differences: found.len(),
        });
        report.drift.extend(found);
    }
    match args.format {
        OutputFormat::Json => match serde_json::to_string_pretty(&report.to_json()) {
            Ok(text) => println!("{text}"),
            Err(e) => return super::fail(exit::HARNESS, e),
        },
        OutputFormat::Text => print!("{}", report.to_text()),
    }
    if report.drifted() {
        exit::VIOLATIONS
    } else {
        exit::OK
    }
}

/// `VARIANT=PATH` values, each variant at most once.
fn doc_args(docs: &[String]) -> Result<Vec<(Variant, PathBuf)>, String> {
    let mut out: Vec<(Variant, PathBuf)> = Vec::new();
    for doc in docs {
        let Some((name, path)) = doc.split_once('=') else {
            return Err(format!(
                "--doc {doc}: expected VARIANT=PATH, e.g. --doc en=page.txt"
            ));
        };
        let Some(variant) = Variant::parse(name.trim()) else {
            return Err(format!(
                "--doc {doc}: unknown variant {name:?}; use en, es, legacy or overview"
            ));
        };
        if path.is_empty() {
            return Err(format!("--doc {doc}: no path after {name}="));
        }
        if out.iter().any(|(v, _)| *v == variant) {
            return Err(format!(
                "--doc {doc}: variant {variant} is given twice; give one page per variant"
            ));
        }
        out.push((variant, PathBuf::from(path)));
    }
    Ok(out)
}
