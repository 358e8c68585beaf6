//! `drift`: the conflict matrix of the encoded fact sheets; with `--doc
//! VARIANT=PATH`, live pages parsed and compared with their encoded sheets
//! and traces; with `--trace`, which items state which facts. Exit 0 when
//! no page drifted (and, with `--trace`, coverage is complete), 1 otherwise,
//! 2 for a bad argument or a page that cannot be read, 3 for a live page
//! that cannot be reached.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::shared::{contract, print_json, runtime};
use crate::cli::{DriftArgs, OutputFormat};
use crate::client::{Client, Request, TargetConfig};
use crate::contract::{Contract, Variant};
use crate::drift::{
    self, render::PageReport, Baseline, BaselineFile, Coverage, CoveredItem, DriftReport, LiveItem,
    TranslationDrift,
};
use crate::exit::{Error, ExitCode};

pub fn drift(args: DriftArgs) -> Result<ExitCode, Error> {
    let contract = contract()?;
    let docs = variant_args("--doc", &args.docs).map_err(Error::Usage)?;
    let baselines = read_baselines(&args.baselines)?;
    if args.emit_baseline && docs.len() != 1 {
        return Err(Error::usage(
            "--emit-baseline writes the baseline of one page: give exactly one --doc VARIANT=PATH",
        ));
    }
    let mut report = DriftReport {
        conflicts: drift::differences(contract),
        pairs: drift::pairs(contract),
        drift: Vec::new(),
        pages: Vec::new(),
        translations: Vec::new(),
        descriptive: Vec::new(),
        coverage: None,
    };
    let mut live = LivePages::new();
    for (variant, path) in &docs {
        let file = path.display().to_string();
        let bytes = if is_url(&file) {
            fetch_page(&file, &args.ca_certs)?
        } else {
            read_page(path)?
        };
        let baseline = baseline_of(contract, &baselines, *variant);
        let analysis = drift::analyze_page(*variant, &bytes, &file, baseline)?;
        if args.emit_baseline {
            let written = BaselineFile {
                variant: *variant,
                page: analysis.parsed.page.clone(),
                trace: analysis.trace(*variant, baseline),
            };
            print_json(&written)?;
            return Ok(ExitCode::Ok);
        }
        report.pages.push(PageReport {
            variant: *variant,
            file: file.clone(),
            format: analysis.parsed.format,
            differences: analysis.drift.len(),
        });
        report.drift.extend(analysis.drift);
        report.descriptive.extend(analysis.descriptive);
        live.insert(*variant, (file, analysis.live));
    }
    report.translations = translations(contract, &baselines, &live);
    let mut incomplete = false;
    if args.trace {
        let coverage = coverage(contract, &baselines, &live);
        incomplete = !coverage.complete();
        report.coverage = Some(coverage);
    }
    match args.format {
        OutputFormat::Json => print_json(&report.to_json())?,
        OutputFormat::Text => crate::output::out(&report.to_text()),
    }
    Ok(ExitCode::found(report.drifted() || incomplete))
}

/// The pages read, per variant: where each came from and its items.
type LivePages = BTreeMap<Variant, (String, Vec<LiveItem>)>;

/// Items edited on one side of en/es only. The pair is compared when a
/// side was read and both sides come from the same place (both embedded,
/// or both from --baseline).
fn translations(
    contract: &Contract,
    baselines: &BTreeMap<Variant, BaselineFile>,
    live: &LivePages,
) -> Vec<TranslationDrift> {
    let same_source = baselines.contains_key(&Variant::En) == baselines.contains_key(&Variant::Es);
    if !same_source || !(live.contains_key(&Variant::En) || live.contains_key(&Variant::Es)) {
        return Vec::new();
    }
    let trace = |v| baseline_of(contract, baselines, v).trace;
    let items = |v| live.get(&v).map(|(_, items)| items.as_slice());
    drift::translation_drift(
        trace(Variant::En),
        trace(Variant::Es),
        items(Variant::En),
        items(Variant::Es),
    )
}

/// Coverage of the pages read, or of every encoded trace when none was.
fn coverage(
    contract: &Contract,
    baselines: &BTreeMap<Variant, BaselineFile>,
    live: &LivePages,
) -> Coverage {
    let variants: Vec<(Variant, String, Vec<CoveredItem>)> = if live.is_empty() {
        Variant::ALL
            .into_iter()
            .map(|v| {
                let trace = baseline_of(contract, baselines, v).trace;
                (v, "encoded".to_string(), CoveredItem::from_trace(trace))
            })
            .collect()
    } else {
        live.iter()
            .map(|(v, (file, items))| (*v, file.clone(), CoveredItem::from_live(items)))
            .collect()
    };
    drift::coverage(contract, &variants)
}

/// What a variant's page is compared with: its `--baseline`, else the
/// embedded sheet and trace.
fn baseline_of<'a>(
    contract: &'a Contract,
    baselines: &'a BTreeMap<Variant, BaselineFile>,
    variant: Variant,
) -> Baseline<'a> {
    let sheet = contract.sheet(variant);
    match baselines.get(&variant) {
        Some(b) => Baseline {
            page: &b.page,
            trace: &b.trace,
            statements: &sheet.facts,
        },
        None => Baseline {
            page: &sheet.page,
            trace: contract.trace(variant),
            statements: &sheet.facts,
        },
    }
}

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// A live page fetched with the client and limits of `run` (its timeout, a
/// body cap of the largest page drift reads, redirects kept to the page's
/// origin); a rendered HTML page comes back as its text export.
fn fetch_page(url: &str, ca_certs: &[PathBuf]) -> Result<Vec<u8>, Error> {
    let cap = drift::MAX_PAGE_BYTES as usize;
    let config = TargetConfig::new(url, None)
        .with_body_cap(cap)
        .with_ca_certs(ca_certs.to_vec());
    let client = Client::new(config).map_err(|e| Error::usage(format_args!("--doc {url}: {e}")))?;
    let exchange = runtime()?.block_on(client.send_bare(&Request::get("")));
    let response = exchange.outcome.map_err(|e| {
        Error::Unreachable(format!(
            "--doc {url}: {e}; check the URL and that the docs site is up"
        ))
    })?;
    if !(200..300).contains(&response.status) {
        return Err(Error::usage(format_args!(
            "--doc {url}: the server answered HTTP {}; give the URL of the rendered page",
            response.status
        )));
    }
    if response.truncated {
        return Err(Error::usage(format_args!(
            "--doc {url}: the page is over {} MiB, more than any docs page; check the URL",
            cap / (1024 * 1024)
        )));
    }
    let bytes = response.body_bytes;
    if drift::is_html(&bytes) {
        Ok(drift::html_to_text_export(&String::from_utf8_lossy(&bytes)).into_bytes())
    } else {
        Ok(bytes)
    }
}

fn read_page(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    crate::input_file::read(path, drift::MAX_PAGE_BYTES).map_err(|e| {
        Error::usage(format_args!(
            "{}: cannot read the page: {e}; give --doc the page saved as a file",
            path.display()
        ))
    })
}

fn read_baselines(args: &[String]) -> Result<BTreeMap<Variant, BaselineFile>, Error> {
    let mut out = BTreeMap::new();
    for (variant, path) in variant_args("--baseline", args).map_err(Error::Usage)? {
        let bytes = crate::input_file::read(&path, drift::MAX_PAGE_BYTES).map_err(|e| {
            Error::usage(format_args!(
                "{}: cannot read the baseline: {e}; give a file written by drift --emit-baseline",
                path.display()
            ))
        })?;
        let baseline: BaselineFile = serde_json::from_slice(&bytes).map_err(|e| {
            Error::usage(format_args!(
                "{}: not a baseline ({e}); write one with drift --doc {variant}=PAGE --emit-baseline",
                path.display()
            ))
        })?;
        if baseline.variant != variant {
            return Err(Error::usage(format_args!(
                "{}: the baseline is for {}, not {variant}",
                path.display(),
                baseline.variant
            )));
        }
        out.insert(variant, baseline);
    }
    Ok(out)
}

/// `VARIANT=PATH` values, each variant at most once.
fn variant_args(flag: &str, values: &[String]) -> Result<Vec<(Variant, PathBuf)>, String> {
    let mut out: Vec<(Variant, PathBuf)> = Vec::new();
    for value in values {
        let Some((name, path)) = value.split_once('=') else {
            return Err(format!(
                "{flag} {value}: expected VARIANT=PATH, e.g. {flag} en=page.txt"
            ));
        };
        let Some(variant) = Variant::parse(name.trim()) else {
            return Err(format!(
                "{flag} {value}: unknown variant {name:?}; use en, es, legacy or overview"
            ));
        };
        if path.is_empty() {
            return Err(format!("{flag} {value}: no path after {name}="));
        }
        if out.iter().any(|(v, _)| *v == variant) {
            return Err(format!(
                "{flag} {value}: variant {variant} is given twice; give one page per variant"
            ));
        }
        out.push((variant, PathBuf::from(path)));
    }
    Ok(out)
}
