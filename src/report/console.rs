//! The console summary printed at the end of `run`: counts, verdict,
//! agreement, then every failing or warning check with its curl line; and,
//! for `run --verbose`, the list of every check before it.

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};

use super::Report;
use crate::check::Verdict;
use crate::gate::WaiverState;

/// `text` styled when `color` is on.
fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        text.style(style).to_string()
    } else {
        text.to_string()
    }
}

pub(super) fn render(report: &Report, color: bool) -> String {
    let red = Style::new().red().bold();
    let yellow = Style::new().yellow().bold();
    let green = Style::new().green().bold();
    let dim = Style::new().dimmed();

    let mut out = String::new();
    let seed = report
        .run
        .seed
        .map(|s| format!(" · seed {s}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} · profile {}{} · target {}",
        report.tool.name, report.tool.version, report.run.profile, seed, report.run.target
    );
    let s = &report.summary;
    let count = |n: usize, word: &str, style: Style| {
        let text = format!("{n} {word}");
        if n > 0 {
            paint(&text, style, color)
        } else {
            text
        }
    };
    let _ = writeln!(
        out,
        "{} checks: {}, {}, {}, {}, {} skip, {} observe{} · {} ms",
        s.checks,
        count(s.pass, "pass", green),
        count(s.fail, "fail", red),
        count(s.error, "error", red),
        count(s.warn, "warn", yellow),
        s.skip,
        s.observe,
        if s.waived > 0 {
            format!(", {} waived", s.waived)
        } else {
            String::new()
        },
        report.run.duration_ms
    );
    if let Some(partition) = &report.run.partition {
        let _ = writeln!(out, "partition {partition}: this is one shard of the run");
    }
    let _ = writeln!(out, "alignment: {}", report.alignment.fingerprint);
    if let Some(why) = &report.run.stopped {
        let _ = writeln!(out, "partial: the run stopped early: {why}");
    }
    let verdict = if report.is_conformant() {
        let note = if s.warn > 0 {
            format!(" ({} should-level warnings)", s.warn)
        } else {
            String::new()
        };
        format!("{}{note}", paint("CONFORMANT", green, color))
    } else {
        let why = report.why_not_conformant();
        format!(
            "{} ({})",
            paint("NOT CONFORMANT", red, color),
            why.join(", ")
        )
    };
    let _ = writeln!(out, "verdict: {verdict}");

    for waiver in &report.waivers {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint(&waiver.state.name().to_uppercase(), dim, color),
            waiver.label(),
            match waiver.state {
                WaiverState::Applied => format!("waives {}", waiver.checks.join(", ")),
                WaiverState::Stale => format!(
                    "its checks passed ({}); remove it",
                    waiver.checks.join(", ")
                ),
                WaiverState::Unexercised => "none of its checks ran".to_string(),
                WaiverState::Expired => format!("expired on {}; it waives nothing", waiver.expires),
            }
        );
    }
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "against the baseline {}: {} new failure(s), {} fixed, {} still failing",
            baseline.path,
            baseline.new_failures.len(),
            baseline.fixed.len(),
            baseline.still_failing.len()
        );
        for id in &baseline.new_failures {
            let _ = writeln!(out, "  {} {id}", paint("NEW", red, color));
        }
        for id in &baseline.fixed {
            let _ = writeln!(out, "  {} {id}", paint("FIXED", green, color));
        }
    }
    let problems: Vec<_> = report.problems().collect();
    if !problems.is_empty() {
        out.push('\n');
    }
    for check in problems {
        let label = match check.verdict {
            Verdict::Fail => paint("FAIL", red, color),
            Verdict::Error => paint("ERROR", red, color),
            _ => paint("WARN", yellow, color),
        };
        let _ = writeln!(
            out,
            "{label} {} [{}] {}",
            check.id,
            check.level,
            check.message.replace(['\r', '\n'], " ")
        );
        if let Some(basis) = report.basis(&check.fact) {
            let _ = writeln!(out, "     enforces {basis}");
        }
        if let Some(curl) = &check.curl {
            let _ = writeln!(out, "     {}", paint(&format!("$ {curl}"), dim, color));
        }
        if check.script.is_some() {
            let _ = writeln!(
                out,
                "     {}",
                paint(
                    "(it needs the requests before it: report.md has the whole sequence as a script)",
                    dim,
                    color
                )
            );
        }
    }
    out
}

/// Every check in report order, one line each (`VERDICT id [level]`); a
/// failing, erroring or warning check adds the page statement it enforces.
pub(super) fn render_checks(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let style = match check.verdict {
            Verdict::Fail | Verdict::Error => Style::new().red().bold(),
            Verdict::Warn => Style::new().yellow().bold(),
            Verdict::Pass => Style::new().green(),
            Verdict::Observe | Verdict::Skip | Verdict::Waived => Style::new().dimmed(),
        };
        let label = format!("{:<7}", check.verdict.name().to_uppercase());
        let _ = writeln!(
            out,
            "{} {} [{}]",
            paint(&label, style, color),
            check.id,
            check.level
        );
        if matches!(
            check.verdict,
            Verdict::Fail | Verdict::Error | Verdict::Warn
        ) {
            if let Some(basis) = report.basis(&check.fact) {
                let _ = writeln!(out, "        enforces {basis}");
            }
        }
    }
    out
}
