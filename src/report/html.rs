//! `report.html`: the report for people, in one self-contained page (its CSS
//! and script inline, nothing fetched). Failing facts come first, each with
//! what every page says about it, expected against observed as a diff, and
//! the commands that reproduce it; then the facts × pages alignment matrix
//! and every check. The page filters by verdict, level, fact and page.
//!
//! The page is rendered from the (already redacted) report alone, through a
//! minijinja template that HTML-escapes every value.

use minijinja::value::{Serde, Value as TemplateValue};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::diff::{self, DiffLine};
use super::{FactResult, FactVerdict, Report, ReportError};
use crate::check::{Check, Verdict};
use crate::model::{Alignment, Level, Variant};

const TEMPLATE: &str = include_str!("html/report.html.j2");
const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

pub(super) fn render(report: &Report) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| ReportError::Html(e.to_string()))?;
    let page = Page::of(report);
    env.get_template("report.html")
        .and_then(|template| template.render(TemplateValue::from(Serde(&page))))
        .map_err(|e| ReportError::Html(e.to_string()))
}

/// Everything the template shows, computed here so the template only lays
/// it out.
#[derive(Serialize)]
struct Page<'a> {
    title: String,
    conformant: bool,
    verdict: &'static str,
    why: String,
    tool: String,
    target: &'a str,
    profile: &'static str,
    seed: String,
    started_at: &'a str,
    duration_ms: u64,
    strict: bool,
    stopped: Option<&'a str>,
    observed_nothing: bool,
    summary: &'a super::Summary,
    fingerprint: &'a str,
    tallies: Vec<Tally>,
    variants: Vec<&'static str>,
    verdicts: Vec<&'static str>,
    levels: Vec<&'static str>,
    failures: Vec<Failure<'a>>,
    facts: Vec<FactRow<'a>>,
    checks: Vec<CheckRow<'a>>,
    style: TemplateValue,
    script: TemplateValue,
}

/// One page's agreement with the run.
#[derive(Serialize)]
struct Tally {
    variant: &'static str,
    facts_agreeing: usize,
    facts_contradicting: usize,
    facts_observed: usize,
    agrees: usize,
    contradicts: usize,
    silent: usize,
}

/// A failing, erroring or warning check, with all it takes to act on it.
#[derive(Serialize)]
struct Failure<'a> {
    #[serde(flatten)]
    row: CheckRow<'a>,
    fact_title: &'a str,
    basis: String,
    pages: Vec<PageSays<'a>>,
    expected_recorded: bool,
    diff: Vec<DiffLine>,
    curl: Option<&'a str>,
    script: Option<&'a str>,
    exchange: Option<String>,
}

/// What one page says about a failure's fact, and how the check's
/// observation lines up with it.
#[derive(Serialize)]
struct PageSays<'a> {
    variant: &'static str,
    says: &'a str,
    silent: bool,
    alignment: &'static str,
    /// The statement the check enforces under the run's profile.
    enforced: bool,
}

/// One check, as a filterable row.
#[derive(Serialize)]
struct CheckRow<'a> {
    id: &'a str,
    anchor: String,
    fact: &'a str,
    level: &'static str,
    verdict: &'static str,
    source: &'static str,
    message: &'a str,
    alignment: Vec<Cell<'a>>,
}

/// One fact, as a row of the alignment matrix.
#[derive(Serialize)]
struct FactRow<'a> {
    id: &'a str,
    title: &'a str,
    level: &'static str,
    verdict: &'static str,
    checks: usize,
    untestable: Option<&'a str>,
    basis: String,
    alignment: Vec<Cell<'a>>,
}

/// One (row, page) cell: the alignment, with the page's statement.
#[derive(Serialize)]
struct Cell<'a> {
    variant: &'static str,
    alignment: &'static str,
    says: &'a str,
}

impl<'a> Page<'a> {
    fn of(report: &'a Report) -> Page<'a> {
        let s = &report.summary;
        let conformant = report.is_conformant();
        let mut failures: Vec<&Check> = report.problems().collect();
        failures.sort_by_key(|c| verdict_rank(c.verdict));
        let mut checks: Vec<&Check> = report.checks.iter().collect();
        checks.sort_by_key(|c| verdict_rank(c.verdict));
        let mut facts: Vec<&FactResult> = report.facts.iter().collect();
        facts.sort_by_key(|f| fact_rank(f.verdict));
        Page {
            title: format!(
                "Conformance report: {} ({})",
                if conformant {
                    "conformant"
                } else {
                    "NOT conformant"
                },
                report.run.target
            ),
            conformant,
            verdict: if conformant {
                "conformant"
            } else {
                "not conformant"
            },
            why: report.why_not_conformant().join(", "),
            tool: format!("{} {}", report.tool.name, report.tool.version),
            target: &report.run.target,
            profile: report.run.profile.name(),
            seed: report
                .run
                .seed
                .map_or_else(|| "none".into(), |s| s.to_string()),
            started_at: &report.run.started_at,
            duration_ms: report.run.duration_ms,
            strict: report.run.strict,
            stopped: report.run.stopped.as_deref(),
            observed_nothing: report.executed() == 0,
            summary: s,
            fingerprint: &report.alignment.fingerprint,
            tallies: Variant::ALL
                .into_iter()
                .map(|variant| {
                    let t = report.alignment.get(variant);
                    Tally {
                        variant: variant.name(),
                        facts_agreeing: t.facts_agreeing,
                        facts_contradicting: t.facts_contradicting,
                        facts_observed: report.alignment.facts_observed,
                        agrees: t.agrees,
                        contradicts: t.contradicts,
                        silent: t.silent,
                    }
                })
                .collect(),
            variants: Variant::ALL.into_iter().map(Variant::name).collect(),
            verdicts: FACT_VERDICTS.iter().map(|v| v.name()).collect(),
            levels: Level::ALL.into_iter().map(Level::name).collect(),
            failures: failures
                .into_iter()
                .map(|c| Failure::of(report, c))
                .collect(),
            facts: facts.into_iter().map(FactRow::of).collect(),
            checks: checks
                .into_iter()
                .map(|c| CheckRow::of(report, c))
                .collect(),
            style: TemplateValue::from_safe_string(STYLE.to_string()),
            script: TemplateValue::from_safe_string(SCRIPT.to_string()),
        }
    }
}

impl<'a> Failure<'a> {
    fn of(report: &'a Report, check: &'a Check) -> Failure<'a> {
        let fact = report.facts.iter().find(|f| f.id == check.fact);
        let basis = fact.map(|f| &f.basis);
        let pages = Variant::ALL
            .into_iter()
            .map(|variant| {
                let said = fact.map(|f| f.pages.get_ref(variant));
                PageSays {
                    variant: variant.name(),
                    says: said.map_or("", |p| p.says.as_str()),
                    silent: said.is_none_or(|p| p.silent),
                    alignment: check.variants.get(variant).name(),
                    enforced: basis.is_some_and(|b| b.variant == Some(variant)),
                }
            })
            .collect();
        let exchange = match (&check.request, &check.response) {
            (None, None) => None,
            (request, response) => Some(format!(
                "request:\n{}\n\nresponse:\n{}",
                as_json(request),
                as_json(response)
            )),
        };
        Failure {
            row: CheckRow::of(report, check),
            fact_title: fact.map_or("", |f| f.title.as_str()),
            basis: basis.map_or_else(String::new, ToString::to_string),
            pages,
            expected_recorded: !check.expected.is_null(),
            diff: diff::json_lines(&check.expected, &check.observed),
            curl: check.curl.as_deref(),
            script: check.script.as_deref(),
            exchange,
        }
    }
}

impl<'a> CheckRow<'a> {
    fn of(report: &'a Report, check: &'a Check) -> CheckRow<'a> {
        let fact = report.facts.iter().find(|f| f.id == check.fact);
        CheckRow {
            id: &check.id,
            anchor: anchor("check", &check.id),
            fact: &check.fact,
            level: check.level.name(),
            verdict: check.verdict.name(),
            source: match check.source {
                crate::check::CheckSource::Scripted => "scripted",
                crate::check::CheckSource::Generated => "generated",
            },
            message: &check.message,
            alignment: cells(fact, |v| check.variants.get(v)),
        }
    }
}

impl<'a> FactRow<'a> {
    fn of(fact: &'a FactResult) -> FactRow<'a> {
        FactRow {
            id: &fact.id,
            title: &fact.title,
            level: fact.level.name(),
            verdict: fact.verdict.name(),
            checks: fact.checks.len(),
            untestable: fact.untestable.as_deref(),
            basis: fact.basis.to_string(),
            alignment: cells(Some(fact), |v| fact.variants.get(v)),
        }
    }
}

/// A row's cell per page, with what the page says of the fact.
fn cells<'a>(
    fact: Option<&'a FactResult>,
    alignment: impl Fn(Variant) -> Alignment,
) -> Vec<Cell<'a>> {
    Variant::ALL
        .into_iter()
        .map(|variant| Cell {
            variant: variant.name(),
            alignment: alignment(variant).name(),
            says: fact.map_or("", |f| f.pages.get_ref(variant).says.as_str()),
        })
        .collect()
}

/// Every fact verdict, worst first: the order of the page's sections and
/// of its verdict filter.
const FACT_VERDICTS: [FactVerdict; 7] = [
    FactVerdict::Fail,
    FactVerdict::Error,
    FactVerdict::Warn,
    FactVerdict::Pass,
    FactVerdict::Observe,
    FactVerdict::Skip,
    FactVerdict::Untestable,
];

fn fact_rank(verdict: FactVerdict) -> usize {
    FACT_VERDICTS
        .iter()
        .position(|&v| v == verdict)
        .unwrap_or(FACT_VERDICTS.len())
}

fn verdict_rank(verdict: Verdict) -> usize {
    fact_rank(FactVerdict::from(verdict))
}

/// A recorded request or response as indented JSON (`none` when absent).
fn as_json(record: &Option<impl Serialize>) -> String {
    match record {
        Some(record) => diff::pretty(&serde_json::to_value(record).unwrap_or_default()),
        None => "none".into(),
    }
}

/// An element id for `text`: letters, digits, `-`, `_`, `.` kept, the rest `-`.
fn anchor(prefix: &str, text: &str) -> String {
    let safe: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{safe}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_keep_ids_readable_and_safe() {
        assert_eq!(
            anchor("check", "create.contact-required/neither"),
            "check-create.contact-required-neither"
        );
        assert_eq!(anchor("check", "a b\"<c>"), "check-a-b--c-");
    }

    #[test]
    fn verdicts_rank_worst_first() {
        assert!(verdict_rank(Verdict::Fail) < verdict_rank(Verdict::Error));
        assert!(verdict_rank(Verdict::Error) < verdict_rank(Verdict::Warn));
        assert!(verdict_rank(Verdict::Warn) < verdict_rank(Verdict::Pass));
        assert!(fact_rank(FactVerdict::Skip) < fact_rank(FactVerdict::Untestable));
    }
}
