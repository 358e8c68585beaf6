//! Running a comparison: each side twice (the second time to other
//! contacts, to learn its noise), then the differences of the first runs.

use crate::check::Level;
use crate::client::Secret;
use crate::config::RunConfig;
use crate::contract::{Contract, Profile};
use crate::exit::Error;
use crate::property::random_seed;
use crate::suite::{run_suite, SuiteOutcome};

use super::diff::{differences, Difference};
use super::noise::Noise;
use super::side::Side;

/// What to compare, and how each run goes (`base` holds the run options
/// both sides share; its target is replaced per side).
#[derive(Debug, Clone)]
pub struct CompareConfig {
    pub a: Side,
    pub b: Side,
    pub a_token: Option<String>,
    pub b_token: Option<String>,
    pub base: RunConfig,
    /// The pause between a side's two runs, so that what has a one-second
    /// resolution (a Date header, a token's issue time) is learned as noise.
    pub noise_gap: std::time::Duration,
}

/// The default pause between a side's two runs.
pub const NOISE_GAP: std::time::Duration = std::time::Duration::from_millis(1100);

/// One side's first run.
#[derive(Debug)]
pub struct SideOutcome {
    pub label: String,
    pub run: SuiteOutcome,
}

#[derive(Debug)]
pub struct CompareOutcome {
    pub seed: u64,
    pub profile: Profile,
    pub a: SideOutcome,
    pub b: SideOutcome,
    pub differences: Vec<Difference>,
    /// Leaves found noisy, over all checks of both sides.
    pub noise: usize,
}

impl CompareOutcome {
    /// Differences that touch what a page states (must or should).
    pub fn binding(&self) -> usize {
        self.differences
            .iter()
            .filter(|d| d.level <= Level::Should)
            .count()
    }

    /// Both sides' tokens, for scrubbing what is shown.
    pub fn secrets(&self) -> [&Secret; 2] {
        [&self.a.run.secret, &self.b.run.secret]
    }
}

/// Run the comparison.
pub async fn compare(
    config: &CompareConfig,
    contract: &'static Contract,
) -> Result<CompareOutcome, Error> {
    let seed = config.base.seed.unwrap_or_else(random_seed);
    let mut noise = Noise::default();
    let a = both_runs(config, Which::A, seed, contract, &mut noise).await?;
    let b = both_runs(config, Which::B, seed, contract, &mut noise).await?;
    let differences = differences(&a.run.checks, &b.run.checks, &noise);
    Ok(CompareOutcome {
        seed,
        profile: a.run.profile.clone(),
        a,
        b,
        differences,
        noise: noise.len(),
    })
}

#[derive(Debug, Clone, Copy)]
enum Which {
    A,
    B,
}

/// A side's run, and a second run of the same requests to other contacts
/// that teaches `noise`.
async fn both_runs(
    compare: &CompareConfig,
    which: Which,
    seed: u64,
    contract: &'static Contract,
    noise: &mut Noise,
) -> Result<SideOutcome, Error> {
    let (side, token, name) = match which {
        Which::A => (&compare.a, &compare.a_token, "a"),
        Which::B => (&compare.b, &compare.b_token, "b"),
    };
    let mut config = RunConfig {
        seed: Some(seed),
        token: token.clone(),
        quiet: true,
        ..compare.base.clone()
    };
    match side {
        Side::Url(url) => config.target = Some(url.clone()),
        Side::Embedded(embedded) => {
            config.target = None;
            config.embedded = embedded.clone();
        }
    }
    let first = run_suite(&config, contract)
        .await
        .map_err(|e| side_error(name, e))?;
    tokio::time::sleep(compare.noise_gap).await;
    let second = run_suite(
        &RunConfig {
            contact_salt: config.contact_salt.wrapping_add(1),
            ..config
        },
        contract,
    )
    .await
    .map_err(|e| side_error(name, e))?;
    if let Some(why) = first.info.stopped.as_ref().or(second.info.stopped.as_ref()) {
        return Err(Error::Unreachable(format!(
            "side {name}: {}",
            first.secret.scrub(why)
        )));
    }
    noise.learn(&first.checks, &second.checks);
    Ok(SideOutcome {
        label: first.info.target.clone(),
        run: first,
    })
}

fn side_error(name: &str, error: Error) -> Error {
    match error {
        Error::Usage(m) => Error::Usage(format!("side {name}: {m}")),
        Error::Unreachable(m) => Error::Unreachable(format!("side {name}: {m}")),
        Error::Harness(m) => Error::Harness(format!("side {name}: {m}")),
    }
}
