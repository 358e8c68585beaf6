//! `drift`: the conflict matrix of the encoded fact sheets; with `--doc
//! VARIANT=PATH`, live pages parsed and diffed against their encoded sheets.
//! Exit 0 when no page drifted, 1 when one did, 2 for a bad `--doc` or a
//! page that cannot be read.

use std::path::PathBuf;

use super::shared::{contract, print_json};
use crate::cli::{DriftArgs, OutputFormat};
use crate::contract::Variant;
use crate::drift::{self, render::PageReport, DriftReport};
use crate::exit::{Error, ExitCode};

pub fn drift(args: DriftArgs) -> Result<ExitCode, Error> {
    let contract = contract()?;
    let docs = doc_args(&args.docs).map_err(Error::Usage)?;
    let mut report = DriftReport {
        conflicts: drift::differences(contract),
        pairs: drift::pairs(contract),
        drift: Vec::new(),
        pages: Vec::new(),
    };
    for (variant, path) in docs {
        let parsed = drift::parse_file(&path)?;
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
        OutputFormat::Json => print_json(&report.to_json())?,
        OutputFormat::Text => crate::output::out(&report.to_text()),
    }
    Ok(ExitCode::found(report.drifted()))
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
