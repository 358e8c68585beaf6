//! `selftest`: the suite proves its own strength and its own precision. The
//! faithful reference server must pass under each variant's own profile;
//! every mutant (one broken behaviour each) must be killed: at least one
//! failing check on the fact it breaks, or a warning for a mutant of a
//! should-level part; and every twin (other choices where the pages are
//! silent) must pass under the current profile with no failure and no
//! warning, or the suite judges by the reference server instead of the pages.

use futures::stream::{self, StreamExt};
use serde::Serialize;

use crate::check::{Check, Verdict};
use crate::config::{EmbeddedServer, RunConfig};
use crate::contract::Contract;
use crate::exit::Error;
use crate::model::ServerVariant;
use crate::property::random_seed;
use crate::server::mutants::{Mutant, MUTANTS};
use crate::server::twins::{Twin, TWINS};
use crate::suite::{run_suite, EMBEDDED_BLOCKED_DOMAIN};

/// How many suites run at once (each already runs its requests concurrently).
const PARALLEL_SUITES: usize = 4;

#[derive(Debug, Clone, Serialize)]
pub struct FaithfulResult {
    pub variant: String,
    /// `pass` or `fail`.
    pub verdict: String,
    /// The failing checks, when any.
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MutantResult {
    pub name: String,
    pub fact: String,
    pub killed: bool,
    /// The checks that killed it.
    pub by: Vec<String>,
    pub variant: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TwinResult {
    pub name: String,
    /// No failing and no warning check under the current profile.
    pub passed: bool,
    /// The checks that failed or warned (none for a twin that passed).
    pub failing: Vec<String>,
    pub description: String,
    /// Why the pages allow what it does.
    pub freedom: String,
}

/// `{"faithful":[...],"mutants":[...],"twins":[...]}` (fixed; keys may be added).
#[derive(Debug, Clone, Serialize)]
pub struct KillMatrix {
    /// The seed of every generated phase (replay with `selftest --seed`).
    pub seed: u64,
    pub cases: u32,
    pub faithful: Vec<FaithfulResult>,
    pub mutants: Vec<MutantResult>,
    pub twins: Vec<TwinResult>,
    pub duration_ms: u64,
}

impl KillMatrix {
    pub fn all_good(&self) -> bool {
        self.faithful.iter().all(|f| f.verdict == "pass")
            && self.mutants.iter().all(|m| m.killed)
            && self.twins.iter().all(|t| t.passed)
    }

    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Faithful reference server, each variant under its own profile:"
        );
        for f in &self.faithful {
            let _ = writeln!(out, "  {:<9} {}", f.variant, f.verdict.to_uppercase());
            for failure in &f.failures {
                let _ = writeln!(out, "            {failure}");
            }
        }
        let _ = writeln!(out, "\nKill matrix ({} mutants):", self.mutants.len());
        let name_width = self
            .mutants
            .iter()
            .map(|m| m.name.len())
            .max()
            .unwrap_or(10);
        let fact_width = self
            .mutants
            .iter()
            .map(|m| m.fact.len())
            .max()
            .unwrap_or(10);
        for m in &self.mutants {
            let status = if m.killed { "killed  " } else { "SURVIVED" };
            let by = m.by.iter().take(2).cloned().collect::<Vec<_>>().join(", ");
            let more = m.by.len().saturating_sub(2);
            let more = if more > 0 {
                format!(" (+{more})")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:<name_width$}  {:<fact_width$}  {status}  {by}{more}",
                m.name, m.fact
            );
        }
        let _ = writeln!(
            out,
            "\nPrecision matrix ({} twins, current profile; each must pass):",
            self.twins.len()
        );
        let twin_width = self.twins.iter().map(|t| t.name.len()).max().unwrap_or(10);
        for t in &self.twins {
            let status = if t.passed { "pass" } else { "FAIL" };
            let _ = writeln!(out, "  {:<twin_width$}  {status}  {}", t.name, t.freedom);
            for failing in &t.failing {
                let _ = writeln!(out, "  {:<twin_width$}        {failing}", "");
            }
        }
        let killed = self.mutants.iter().filter(|m| m.killed).count();
        let passing = self.faithful.iter().filter(|f| f.verdict == "pass").count();
        let twins_passing = self.twins.iter().filter(|t| t.passed).count();
        let _ = writeln!(
            out,
            "\n{killed} of {} mutants killed; {twins_passing} of {} twins pass; {passing} of {} faithful runs pass · {} generated cases a run, seed {} · {} ms",
            self.mutants.len(),
            self.twins.len(),
            self.faithful.len(),
            self.cases,
            self.seed,
            self.duration_ms
        );
        out
    }
}

/// What selftest runs each suite with.
#[derive(Debug, Clone)]
pub struct SelftestConfig {
    pub cases: u32,
    pub seed: Option<u64>,
}

/// The checks of one run of the whole suite against the embedded
/// reference server of `variant` (or a mutant or twin of it), judged by the
/// profile of that variant.
async fn checks_of(
    variant: ServerVariant,
    embedded: EmbeddedServer,
    config: &SelftestConfig,
    contract: &'static Contract,
) -> Result<Vec<Check>, Error> {
    let run = RunConfig {
        embedded,
        blocked_email_domain: Some(EMBEDDED_BLOCKED_DOMAIN.into()),
        cases: config.cases,
        seed: config.seed,
        // A kill needs a failing check, not a minimal counterexample.
        shrink: false,
        ..RunConfig::new(variant.profile())
    };
    Ok(run_suite(&run, contract).await?.checks)
}

/// `verdict id: message` of every failing or warning check.
fn problems(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .map(|c| format!("{} {}: {}", c.verdict, c.id, c.message))
        .collect()
}

async fn faithful(
    variant: ServerVariant,
    config: &SelftestConfig,
    contract: &'static Contract,
) -> Result<FaithfulResult, Error> {
    let checks = checks_of(variant, EmbeddedServer::default(), config, contract).await?;
    let failures = problems(&checks);
    Ok(FaithfulResult {
        variant: variant.to_string(),
        verdict: if failures.is_empty() { "pass" } else { "fail" }.into(),
        failures,
    })
}

async fn against(
    mutant: &'static Mutant,
    config: &SelftestConfig,
    contract: &'static Contract,
) -> Result<MutantResult, Error> {
    let embedded = EmbeddedServer {
        mutant: Some(mutant.name.into()),
        twin: None,
        variant: None,
    };
    let checks = checks_of(mutant.variant, embedded, config, contract).await?;
    let by: Vec<String> = checks
        .iter()
        .filter(|c| c.fact == mutant.fact)
        .filter(|c| c.verdict == Verdict::Fail || (mutant.should && c.verdict == Verdict::Warn))
        .map(|c| c.id.clone())
        .collect();
    Ok(MutantResult {
        name: mutant.name.into(),
        fact: mutant.fact.into(),
        killed: !by.is_empty(),
        by,
        variant: mutant.variant.to_string(),
        description: mutant.description.into(),
    })
}

/// The suite against one twin, under the current profile.
async fn twin(
    twin: &'static Twin,
    config: &SelftestConfig,
    contract: &'static Contract,
) -> Result<TwinResult, Error> {
    let embedded = EmbeddedServer {
        mutant: None,
        twin: Some(twin.name.into()),
        variant: None,
    };
    let checks = checks_of(ServerVariant::Current, embedded, config, contract).await?;
    let failing = problems(&checks);
    Ok(TwinResult {
        name: twin.name.into(),
        passed: failing.is_empty(),
        failing,
        description: twin.description.into(),
        freedom: twin.freedom.into(),
    })
}

/// Run every faithful variant, every mutant and every twin; a harness
/// failure (a server that does not start) is an error, a surviving mutant
/// or a failing twin is a result.
pub async fn run_selftest(
    config: &SelftestConfig,
    contract: &'static Contract,
) -> Result<KillMatrix, Error> {
    let started = std::time::Instant::now();
    // One seed for every run, so the whole matrix replays exactly.
    let seed = config.seed.unwrap_or_else(random_seed);
    let config = &SelftestConfig {
        cases: config.cases,
        seed: Some(seed),
    };
    let mut faithful_runs = Vec::new();
    for variant in ServerVariant::ALL {
        faithful_runs.push(faithful(variant, config, contract).await?);
    }
    let mutants: Vec<Result<MutantResult, Error>> = stream::iter(MUTANTS.iter())
        .map(|m| against(m, config, contract))
        .buffered(PARALLEL_SUITES)
        .collect()
        .await;
    let twins: Vec<Result<TwinResult, Error>> = stream::iter(TWINS.iter())
        .map(|t| twin(t, config, contract))
        .buffered(PARALLEL_SUITES)
        .collect()
        .await;
    Ok(KillMatrix {
        seed,
        cases: config.cases,
        faithful: faithful_runs,
        mutants: mutants.into_iter().collect::<Result<_, _>>()?,
        twins: twins.into_iter().collect::<Result<_, _>>()?,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}
