//! `report.md`: the report for people, e.g. attached to a pull request.

use std::fmt::Write;

use serde_json::Value;

use super::{FactVerdict, Report};
use crate::check::{Check, Verdict};
use crate::contract::{Basis, Variant};

/// Check ids listed per fact before the rest are summarized as a count.
const CHECKS_PER_FACT: usize = 5;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.is_conformant() {
        "conformant"
    } else {
        "NOT conformant"
    };
    let _ = writeln!(out, "# Conformance report: {verdict}\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Target | {} |", cell(&report.run.target));
    let _ = writeln!(out, "| Profile | `{}` |", cell(report.run.profile.name()));
    let seed = report
        .run
        .seed
        .map_or_else(|| "none".to_string(), |s| s.to_string());
    let _ = writeln!(out, "| Seed | {seed} |");
    let _ = writeln!(out, "| Started | {} |", cell(&report.run.started_at));
    let _ = writeln!(out, "| Duration | {} ms |", report.run.duration_ms);
    let strict = if report.run.strict {
        "yes (should-level failures fail)"
    } else {
        "no (should-level failures warn)"
    };
    let _ = writeln!(out, "| Strict | {strict} |");
    let _ = writeln!(
        out,
        "| Tool | {} {} |",
        report.tool.name, report.tool.version
    );

    let s = &report.summary;
    let _ = writeln!(out, "\n## Summary\n");
    let _ = writeln!(
        out,
        "| checks | pass | fail | error | warn | skip | observe | waived | verdict |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | **{}** |",
        s.checks,
        s.pass,
        s.fail,
        s.error,
        s.warn,
        s.skip,
        s.observe,
        s.waived,
        s.verdict.name()
    );
    if let Some(partition) = &report.run.partition {
        let _ = writeln!(out, "\nThis is shard `{partition}` of a partitioned run.");
    }
    gate(&mut out, report);
    if let Some(why) = &report.run.stopped {
        let _ = writeln!(
            out,
            "\n**This report is partial:** the run stopped early: {}.",
            one_line(why)
        );
    }
    if report.executed() == 0 {
        let _ = writeln!(
            out,
            "\n**No check observed anything**, so nothing was certified."
        );
    }

    let a = &report.alignment;
    let _ = writeln!(out, "\n## Agreement with the documentation\n");
    let _ = writeln!(out, "The observed behaviour {}.\n", a.fingerprint);
    let _ = writeln!(
        out,
        "| variant | facts agreeing | facts contradicting | checks agreeing | checks contradicting | checks silent |\n|---|---:|---:|---:|---:|---:|"
    );
    for variant in Variant::ALL {
        let t = a.get(variant);
        let _ = writeln!(
            out,
            "| {variant} | {} of {} | {} | {} | {} | {} |",
            t.facts_agreeing,
            a.facts_observed,
            t.facts_contradicting,
            t.agrees,
            t.contradicts,
            t.silent
        );
    }

    let _ = writeln!(out, "\n## Facts\n");
    let _ = writeln!(
        out,
        "| fact | level | verdict | checks |\n|---|---|---|---|"
    );
    for fact in &report.facts {
        let checks = match &fact.untestable {
            Some(reason) => format!("untestable: {}", cell(reason)),
            None if fact.checks.is_empty() => "none ran".into(),
            None => {
                let mut listed: Vec<String> = fact
                    .checks
                    .iter()
                    .take(CHECKS_PER_FACT)
                    .map(|id| format!("`{}`", cell(id)))
                    .collect();
                if fact.checks.len() > CHECKS_PER_FACT {
                    listed.push(format!("and {} more", fact.checks.len() - CHECKS_PER_FACT));
                }
                listed.join(", ")
            }
        };
        let verdict = match fact.verdict {
            FactVerdict::Fail => "**fail**",
            FactVerdict::Error => "**error**",
            FactVerdict::Waived => "waived",
            other => other.name(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {verdict} | {checks} |",
            cell(&fact.id),
            fact.level
        );
    }

    let _ = writeln!(out, "\n## Failures\n");
    let mut any = false;
    for check in report.problems() {
        any = true;
        failure(&mut out, check, report.basis(&check.fact));
    }
    if !any {
        let _ = writeln!(out, "None: no check failed, ended in error or warned.");
    }
    out
}

/// The waivers' states and the baseline comparison, when there are any.
fn gate(out: &mut String, report: &Report) {
    if !report.waivers.is_empty() {
        let _ = writeln!(
            out,
            "\n## Waivers\n\n| # | line | matches | owner | expires | reason | state | checks |\n|---:|---:|---|---|---|---|---|---|"
        );
        for w in &report.waivers {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | **{}** | {} |",
                w.entry,
                w.line,
                cell(&w.pattern),
                cell(&w.owner),
                w.expires,
                cell(&w.reason),
                w.state.name(),
                cell(&w.checks.join(", "))
            );
        }
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(out, "\n## Against the baseline\n\n`{}`\n", cell(&b.path));
        for (title, ids) in [
            ("New failures", &b.new_failures),
            ("Fixed", &b.fixed),
            ("Still failing", &b.still_failing),
        ] {
            let listed: Vec<String> = ids.iter().map(|id| format!("`{}`", cell(id))).collect();
            let listed = if listed.is_empty() {
                "none".to_string()
            } else {
                listed.join(", ")
            };
            let _ = writeln!(out, "- {title} ({}): {listed}", ids.len());
        }
    }
}

fn failure(out: &mut String, check: &Check, basis: Option<&Basis>) {
    let label = match check.verdict {
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR",
        _ => "WARN",
    };
    let _ = writeln!(
        out,
        "### {label} `{}` ({}, fact `{}`)\n",
        check.id, check.level, check.fact
    );
    let _ = writeln!(out, "{}\n", one_line(&check.message));
    if let Some(basis) = basis {
        let _ = writeln!(out, "Enforces {}\n", one_line(&basis.to_string()));
    }
    let _ = writeln!(out, "Expected:\n");
    code_block(out, "json", &pretty(&check.expected));
    let _ = writeln!(out, "Observed:\n");
    code_block(out, "json", &pretty(&check.observed));
    if let Some(curl) = &check.curl {
        let _ = writeln!(out, "Reproduce (with `VERIFIK_TOKEN` set):\n");
        code_block(out, "sh", curl);
    }
    if let Some(script) = &check.script {
        let _ = writeln!(out, "The whole sequence it needs, as a script:\n");
        code_block(out, "bash", script);
    }
}

/// A fenced block whose fence is longer than any backtick run inside.
fn code_block(out: &mut String, lang: &str, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}{lang}\n{}\n{fence}\n", text.trim_end());
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}
