//! The report model: one report of a run, built once from its checks, that
//! feeds every writer. Its JSON form is fixed (other tools read it): keys may
//! be added, never removed or renamed without bumping `format_version`.

use crate::check::RunInfo;
use crate::check::{Alignment, Check, Level, VariantAlignment, Verdict};
use crate::client::Secret;
use crate::contract::{Basis, Contract, Profile, Variant};
use crate::gate::{Comparison, WaiverState, WaiverStatus};
use crate::model::PerVariant;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The version of the `report.json` format.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Whether the run passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunVerdict {
    Conformant,
    NotConformant,
}

impl RunVerdict {
    pub fn name(self) -> &'static str {
        match self {
            RunVerdict::Conformant => "conformant",
            RunVerdict::NotConformant => "not-conformant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub checks: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
    pub observe: usize,
    /// Added: checks that could not observe anything (timeout, reset, body
    /// cap, a run that stopped early).
    #[serde(default)]
    pub error: usize,
    /// Added: failing checks covered by a valid waiver.
    #[serde(default)]
    pub waived: usize,
    /// `conformant` iff no check failed, none ended in error, and at least
    /// one check observed something.
    pub verdict: RunVerdict,
}

/// The verdict of a fact: the worst of its checks, or `untestable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactVerdict {
    Pass,
    Fail,
    Warn,
    Skip,
    Observe,
    Error,
    Waived,
    Untestable,
}

impl FactVerdict {
    pub fn name(self) -> &'static str {
        match self {
            FactVerdict::Pass => "pass",
            FactVerdict::Fail => "fail",
            FactVerdict::Warn => "warn",
            FactVerdict::Skip => "skip",
            FactVerdict::Observe => "observe",
            FactVerdict::Error => "error",
            FactVerdict::Waived => "waived",
            FactVerdict::Untestable => "untestable",
        }
    }
}

impl From<Verdict> for FactVerdict {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Pass => FactVerdict::Pass,
            Verdict::Fail => FactVerdict::Fail,
            Verdict::Warn => FactVerdict::Warn,
            Verdict::Skip => FactVerdict::Skip,
            Verdict::Observe => FactVerdict::Observe,
            Verdict::Error => FactVerdict::Error,
            Verdict::Waived => FactVerdict::Waived,
        }
    }
}

/// How bad a check verdict is, for "worst of": fail > error > warn > waived
/// > pass > observe > skip.
fn severity(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Fail => 7,
        Verdict::Error => 6,
        Verdict::Warn => 5,
        Verdict::Waived => 3,
        Verdict::Pass => 2,
        Verdict::Observe => 1,
        Verdict::Skip => 0,
    }
}

/// One catalogue fact, judged by its checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactResult {
    pub id: String,
    /// Its level under the run's profile.
    pub level: Level,
    pub verdict: FactVerdict,
    /// The ids of its checks, in report order.
    pub checks: Vec<String>,
    /// Why it cannot be tested, for untestable facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untestable: Option<String>,
    /// Per variant: `contradicts` if a check contradicts it, else `agrees`
    /// if one agrees, else `silent`.
    pub variants: VariantAlignment,
    /// Added: the page statement its checks enforce under the run's profile.
    pub basis: Basis,
    /// Added: the fact's title in the catalogue.
    #[serde(default)]
    pub title: String,
    /// Added: what every page says about the fact (from its fact sheet),
    /// whatever the profile.
    #[serde(default)]
    pub pages: PerVariant<PageStatement>,
}

/// What one page says about a fact, as its fact sheet records it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageStatement {
    /// The page's statement in a sentence, or why it is silent.
    pub says: String,
    /// The page makes no claim about the fact.
    pub silent: bool,
}

/// One variant's alignment with what was observed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VariantTally {
    /// Checks whose observation agrees with / contradicts / is not covered by
    /// the variant (skipped checks observed nothing and are not counted).
    pub agrees: usize,
    pub contradicts: usize,
    pub silent: usize,
    /// Facts none of whose checks contradicts the variant and at least one agrees.
    pub facts_agreeing: usize,
    /// Facts some check of which contradicts the variant.
    pub facts_contradicting: usize,
}

/// How the server's behaviour lines up with each documentation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlignmentSummary {
    pub en: VariantTally,
    pub es: VariantTally,
    pub legacy: VariantTally,
    pub overview: VariantTally,
    /// Facts with at least one check that was not skipped.
    pub facts_observed: usize,
    /// E.g. `agrees with en/es on 41 of 41 facts, with legacy on 12, with overview on 30`.
    pub fingerprint: String,
}

impl AlignmentSummary {
    pub fn get(&self, variant: Variant) -> &VariantTally {
        match variant {
            Variant::En => &self.en,
            Variant::Es => &self.es,
            Variant::Legacy => &self.legacy,
            Variant::Overview => &self.overview,
        }
    }

    fn get_mut(&mut self, variant: Variant) -> &mut VariantTally {
        match variant {
            Variant::En => &mut self.en,
            Variant::Es => &mut self.es,
            Variant::Legacy => &mut self.legacy,
            Variant::Overview => &mut self.overview,
        }
    }
}

/// The report of one run (serialized: exactly the fixed `report.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format_version: u32,
    pub tool: Tool,
    /// `target`, `profile`, `seed`, `started_at`, `duration_ms` and (added to
    /// the fixed format) `strict`, at the top level of the JSON.
    #[serde(flatten)]
    pub run: RunInfo,
    pub summary: Summary,
    /// Added to the fixed format: agreement with each doc variant.
    pub alignment: AlignmentSummary,
    pub checks: Vec<Check>,
    pub facts: Vec<FactResult>,
    /// Added: what became of each `--waivers` entry (empty without one).
    #[serde(default)]
    pub waivers: Vec<WaiverStatus>,
    /// Added: this run against `--baseline` (null without one).
    #[serde(default)]
    pub baseline: Option<Comparison>,
}

/// The report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "cannot create the report directory {}: {source}; pass a writable --report-dir",
        .path.display()
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write the report file {}: {source}; pass a writable --report-dir",
        .path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the report directory {} is not writable: {source}; pass a writable --report-dir",
        .path.display()
    )]
    NotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot render junit.xml: {0}")]
    Junit(String),
    #[error("cannot render report.html: {0}")]
    Html(String),
}

impl Report {
    /// The page statement behind `fact`'s checks.
    pub fn basis(&self, fact: &str) -> Option<&Basis> {
        self.facts.iter().find(|f| f.id == fact).map(|f| &f.basis)
    }

    /// Build the report of a run from its checks. Checks are ordered by
    /// their fact's place in the catalogue, then by id, so two runs of the
    /// same suite compare line by line whatever order checks finished in.
    ///
    /// This is the one choke point every output passes through (report.json,
    /// junit.xml, report.md, the console): every string of the report, keys
    /// included, loses `secret` in every form a target may echo it in.
    pub fn build(
        info: RunInfo,
        checks: Vec<Check>,
        contract: &Contract,
        profile: &Profile,
        secret: &Secret,
    ) -> Report {
        Report::judge(info, checks, contract, profile).redacted(secret)
    }

    /// `self` with `secret` scrubbed from every string. The walk goes over
    /// the serialized report, so a field added later is covered too.
    fn redacted(self, secret: &Secret) -> Report {
        if !secret.is_set() {
            return self;
        }
        let redacted = serde_json::to_value(&self).ok().and_then(|mut value| {
            secret.scrub_value(&mut value);
            serde_json::from_value(value).ok()
        });
        // The report round-trips through its JSON (tested); should it ever
        // not, what the target sent is withheld rather than shown unscrubbed.
        redacted.unwrap_or_else(|| self.withheld())
    }

    /// The report without anything the target sent.
    fn withheld(mut self) -> Report {
        for check in &mut self.checks {
            check.message = "withheld: the report could not be redacted".into();
            check.expected = serde_json::Value::Null;
            check.observed = serde_json::Value::Null;
            check.request = None;
            check.response = None;
            check.curl = None;
            check.script = None;
        }
        self.run.stopped = self.run.stopped.map(|_| "withheld".into());
        self
    }

    fn judge(
        info: RunInfo,
        mut checks: Vec<Check>,
        contract: &Contract,
        profile: &Profile,
    ) -> Report {
        let position = |fact: &str| {
            contract
                .facts()
                .position(|f| f.id == fact)
                .unwrap_or(usize::MAX)
        };
        checks.sort_by_cached_key(|c| (position(&c.fact), c.id.clone()));

        let count = |verdict: Verdict| checks.iter().filter(|c| c.verdict == verdict).count();
        let fail = count(Verdict::Fail);
        let error = count(Verdict::Error);
        let skip = count(Verdict::Skip);
        let executed = checks.len() - skip;
        let summary = Summary {
            checks: checks.len(),
            pass: count(Verdict::Pass),
            fail,
            warn: count(Verdict::Warn),
            skip,
            observe: count(Verdict::Observe),
            error,
            waived: count(Verdict::Waived),
            verdict: if fail > 0 || error > 0 || executed == 0 || info.stopped.is_some() {
                RunVerdict::NotConformant
            } else {
                RunVerdict::Conformant
            },
        };

        let facts: Vec<FactResult> = contract
            .facts()
            .map(|fact| {
                let own: Vec<&Check> = checks.iter().filter(|c| c.fact == fact.id).collect();
                let level = contract.level(profile, &fact.id);
                let untestable = match (&fact.untestable, level) {
                    (Some(reason), _) => Some(reason.clone()),
                    (None, Level::Untestable) => Some("not testable through the API".into()),
                    (None, _) => None,
                };
                let verdict = if untestable.is_some() {
                    FactVerdict::Untestable
                } else {
                    own.iter()
                        .map(|c| c.verdict)
                        .max_by_key(|&v| severity(v))
                        .map_or(FactVerdict::Skip, FactVerdict::from)
                };
                FactResult {
                    id: fact.id.clone(),
                    level,
                    verdict,
                    checks: own.iter().map(|c| c.id.clone()).collect(),
                    untestable,
                    variants: fact_alignment(&own),
                    basis: contract.basis(profile, &fact.id),
                    title: fact.title.clone(),
                    pages: page_statements(contract, &fact.id),
                }
            })
            .collect();

        let alignment = alignment_summary(&checks, &facts);
        Report {
            format_version: FORMAT_VERSION,
            tool: Tool::this(),
            run: info,
            summary,
            alignment,
            checks,
            facts,
            waivers: Vec::new(),
            baseline: None,
        }
    }

    /// The report with what the gate found: the waivers' states (an
    /// expired waiver makes the run not conformant) and the comparison
    /// with a baseline.
    pub fn with_gate(mut self, waivers: Vec<WaiverStatus>, baseline: Option<Comparison>) -> Report {
        if waivers.iter().any(|w| w.state == WaiverState::Expired) {
            self.summary.verdict = RunVerdict::NotConformant;
        }
        self.waivers = waivers;
        self.baseline = baseline;
        self
    }

    pub fn is_conformant(&self) -> bool {
        self.summary.verdict == RunVerdict::Conformant
    }

    /// Why the run is not conformant, in a few words each (empty when it
    /// is): every writer says it the same way.
    pub fn why_not_conformant(&self) -> Vec<String> {
        let s = &self.summary;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut why = Vec::new();
        if s.fail > 0 {
            why.push(format!("{} failing check{}", s.fail, plural(s.fail)));
        }
        if s.error > 0 {
            why.push(format!(
                "{} check{} that observed nothing",
                s.error,
                plural(s.error)
            ));
        }
        if self.executed() == 0 {
            why.push("no check observed anything".into());
        }
        if self.run.stopped.is_some() {
            why.push("the run is partial".into());
        }
        let expired = self
            .waivers
            .iter()
            .filter(|w| w.state == WaiverState::Expired)
            .count();
        if expired > 0 {
            why.push(format!("{expired} expired waiver{}", plural(expired)));
        }
        why
    }

    /// Checks that observed something: every check but the skipped ones.
    pub fn executed(&self) -> usize {
        self.summary.checks - self.summary.skip
    }

    /// What the run means to CI: `Violations` when a check failed (the
    /// evidence stands even if other checks could not observe), else
    /// `Harness` when a check ended in error or the run stopped early, else
    /// `Ok`. A run that executed nothing is the caller's to judge (see
    /// `--no-tests`).
    pub fn exit_code(&self) -> crate::exit::ExitCode {
        use crate::exit::ExitCode;
        if self.summary.fail > 0 {
            ExitCode::Violations
        } else if self.summary.error > 0 || self.run.stopped.is_some() {
            ExitCode::Harness
        } else {
            ExitCode::Ok
        }
    }

    /// Checks that failed, ended in error or warned, in report order.
    pub fn problems(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Error | Verdict::Warn))
    }

    pub fn to_json(&self) -> String {
        super::json::render(self)
    }

    pub fn to_junit(&self) -> Result<String, ReportError> {
        super::junit::render(self)
    }

    pub fn to_markdown(&self) -> String {
        super::markdown::render(self)
    }

    /// The self-contained page for people (`report.html`).
    pub fn to_html(&self) -> Result<String, ReportError> {
        super::html::render(self)
    }

    pub fn console_summary(&self, color: bool) -> String {
        super::console::render(self, color)
    }

    /// Every check in report order, one line each (`run --verbose`), the
    /// failing ones with the page statement they enforce.
    pub fn console_checks(&self, color: bool) -> String {
        super::console::render_checks(self, color)
    }

    /// Write `report.json`, `junit.xml`, `report.md` and `report.html` into
    /// `dir` (created if needed); returns the paths written.
    pub fn write_all(&self, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let files = [
            ("report.json", self.to_json()),
            ("junit.xml", self.to_junit()?),
            ("report.md", self.to_markdown()),
            ("report.html", self.to_html()?),
        ];
        let mut written = Vec::with_capacity(files.len());
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|source| ReportError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Make sure the reports can be written into `dir` (created if needed)
/// before a run starts, rather than find out when it is over.
pub fn check_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let probe = dir.join(format!(".verifik-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|source| ReportError::NotWritable {
        path: dir.to_path_buf(),
        source,
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// What every page says about `fact`.
fn page_statements(contract: &Contract, fact: &str) -> PerVariant<PageStatement> {
    let mut pages = PerVariant::<PageStatement>::default();
    for variant in Variant::ALL {
        let statement = contract.statement(variant, fact);
        pages.set(
            variant,
            PageStatement {
                says: statement.says.clone(),
                silent: statement.is_silent(),
            },
        );
    }
    pages
}

/// A fact's alignment with each variant, from its (non-skipped) checks.
fn fact_alignment(checks: &[&Check]) -> VariantAlignment {
    let mut result = VariantAlignment::all(Alignment::Silent);
    for variant in Variant::ALL {
        let seen = checks
            .iter()
            .filter(|c| c.observed_something())
            .map(|c| c.variants.get(variant));
        let mut alignment = Alignment::Silent;
        for a in seen {
            match a {
                Alignment::Contradicts => {
                    alignment = Alignment::Contradicts;
                    break;
                }
                Alignment::Agrees => alignment = Alignment::Agrees,
                Alignment::Silent => {}
            }
        }
        result.set(variant, alignment);
    }
    result
}

fn alignment_summary(checks: &[Check], facts: &[FactResult]) -> AlignmentSummary {
    let mut summary = AlignmentSummary {
        en: VariantTally::default(),
        es: VariantTally::default(),
        legacy: VariantTally::default(),
        overview: VariantTally::default(),
        facts_observed: 0,
        fingerprint: String::new(),
    };
    for check in checks.iter().filter(|c| c.observed_something()) {
        for variant in Variant::ALL {
            let tally = summary.get_mut(variant);
            match check.variants.get(variant) {
                Alignment::Agrees => tally.agrees += 1,
                Alignment::Contradicts => tally.contradicts += 1,
                Alignment::Silent => tally.silent += 1,
            }
        }
    }
    let observed_facts: std::collections::BTreeSet<&str> = checks
        .iter()
        .filter(|c| c.observed_something())
        .map(|c| c.fact.as_str())
        .collect();
    summary.facts_observed = facts
        .iter()
        .filter(|f| observed_facts.contains(f.id.as_str()))
        .count();
    for fact in facts {
        for variant in Variant::ALL {
            let tally = summary.get_mut(variant);
            match fact.variants.get(variant) {
                Alignment::Agrees => tally.facts_agreeing += 1,
                Alignment::Contradicts => tally.facts_contradicting += 1,
                Alignment::Silent => {}
            }
        }
    }
    summary.fingerprint = fingerprint(&summary);
    summary
}

/// `agrees with en/es on 41 of 41 facts, with legacy on 12, with overview on 30;
/// contradicts legacy on 9`: variants with the same count are grouped, in
/// page order; the contradiction clause only when some fact contradicts.
fn fingerprint(summary: &AlignmentSummary) -> String {
    let agreeing = group(summary, |t| t.facts_agreeing);
    let mut text = String::from("agrees");
    for (i, (names, n)) in agreeing.iter().enumerate() {
        if i == 0 {
            text.push_str(&format!(
                " with {names} on {n} of {} facts",
                summary.facts_observed
            ));
        } else {
            text.push_str(&format!(", with {names} on {n}"));
        }
    }
    let contradicting: Vec<String> = group(summary, |t| t.facts_contradicting)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(names, n)| format!("{names} on {n}"))
        .collect();
    if !contradicting.is_empty() {
        text.push_str(&format!("; contradicts {}", contradicting.join(", ")));
    }
    text
}

/// Variants grouped by equal `count`, in page order: `("en/es", 41)`.
fn group(
    summary: &AlignmentSummary,
    count: impl Fn(&VariantTally) -> usize,
) -> Vec<(String, usize)> {
    let mut groups: Vec<(Vec<&str>, usize)> = Vec::new();
    for variant in Variant::ALL {
        let n = count(summary.get(variant));
        match groups.iter_mut().find(|(_, m)| *m == n) {
            Some((names, _)) => names.push(variant.name()),
            None => groups.push((vec![variant.name()], n)),
        }
    }
    groups
        .into_iter()
        .map(|(names, n)| (names.join("/"), n))
        .collect()
}
