//! Command-line types (clap only). `main` converts these into the plain
//! configuration types of each engine, so no engine depends on clap.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::{BundleCompression, FailOn, NoTests, Phase, ProfileId, ServerVariant};

#[derive(Debug, Parser)]
#[command(
    name = "verifik-conformance",
    version,
    about = "Contract-conformance suite for the App Registrations API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite against a target (default: the embedded reference server).
    Run(Box<RunArgs>),
    /// Start the reference server alone.
    Serve(ServeArgs),
    /// Show where the doc variants disagree, or how live pages drifted.
    Drift(DriftArgs),
    /// Run the suite against every mutant of the reference server.
    Selftest(SelftestArgs),
    /// Merge the report.json of every shard of a partitioned run
    /// (`run --partition hash:K/N`) into one report, in every format.
    Merge(MergeArgs),
    /// Send the same requests to two servers and report every behavioural
    /// difference, grouped by fact.
    Compare(Box<CompareArgs>),
    /// List every documented fact with what each variant says.
    Facts(FactsArgs),
    /// Write the contract in another format (an OpenAPI 3.1 document).
    Export(ExportArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
    /// Make an Ed25519 key pair for signing bundles (`run --signing-key`).
    Keygen(KeygenArgs),
    /// Check a bundle's signature and digests, and judge its recorded
    /// exchanges again: 0 verified, 1 not, 2 unreadable.
    Verify(VerifyArgs),
    /// Send a bundle's requests again, to a new target, and say which
    /// checks now give another verdict: what a fix fixed, what regressed.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub format: ExportFormat,
}

#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// An OpenAPI 3.1 document of a profile's contract (JSON), for Swagger
    /// UI, Prism or Schemathesis.
    Openapi(OpenapiArgs),
}

#[derive(Debug, Args)]
pub struct OpenapiArgs {
    /// The profile whose reading of the pages the document describes.
    #[arg(long, value_enum, default_value = "current")]
    pub profile: ProfileId,
    /// Write the document to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// The engine's own enums are the flags' values: one enum per concept.
macro_rules! value_enum {
    ($kind:ty) => {
        impl ValueEnum for $kind {
            fn value_variants<'a>() -> &'a [Self] {
                &<$kind>::ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(self.name()))
            }
        }
    };
}

/// When to colour what a command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the NO_COLOR environment variable is set.
    Auto,
    /// Always, even when piped (and whatever NO_COLOR says).
    Always,
    Never,
}

value_enum!(ProfileId);
value_enum!(ServerVariant);
value_enum!(Phase);
value_enum!(NoTests);
value_enum!(FailOn);
value_enum!(BundleCompression);

#[derive(Debug, Args)]
pub struct FactsArgs {
    /// Mark the level each fact has under this profile.
    #[arg(long, value_enum, default_value = "current")]
    pub profile: ProfileId,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Bearer token clients must send; generated and printed when absent.
    #[arg(long, env = "VERIFIK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[arg(long, value_enum, default_value = "current")]
    pub variant: ServerVariant,
    /// An email domain the project does not allow (repeatable).
    #[arg(long = "blocked-email-domain")]
    pub blocked_email_domains: Vec<String>,
    /// Break exactly one documented behaviour (see `selftest`).
    #[arg(long)]
    pub mutant: Option<String>,
    /// Stay faithful to every page statement but choose differently where
    /// the pages are silent (see `selftest`); one of:
    #[arg(long, value_name = "NAME", value_parser = twin_names())]
    pub twin: Option<String>,
    /// The known project ID (default: the documentation's example project).
    #[arg(long)]
    pub project: Option<String>,
    /// The known project flow ID; the legacy variant refuses any other.
    #[arg(long = "project-flow")]
    pub project_flow: Option<String>,
    /// Keep only the N most recently created registrations (older ones are
    /// forgotten), so memory stays bounded; default: keep all.
    #[arg(long, value_name = "N")]
    pub retain: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Base URL of the server under test; default: the embedded reference server.
    #[arg(long)]
    pub target: Option<String>,
    /// Bearer token for the target.
    #[arg(long, env = "VERIFIK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The project the target's registrations go under.
    #[command(flatten)]
    pub ids: ProjectArgs,
    #[arg(long, value_enum)]
    pub profile: Option<ProfileId>,
    /// Cucumber tag expression selecting scenarios, e.g. `@must and not @observe`.
    #[arg(long)]
    pub tags: Option<String>,
    /// Run only one phase.
    #[arg(long, value_enum)]
    pub only: Option<Phase>,
    /// Number of generated cases.
    #[arg(long)]
    pub cases: Option<u32>,
    /// Generate cases until this much time has passed, e.g. `10m`, instead
    /// of a number of them (a soak run).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Seed for the generated cases (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Generated requests in flight at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Per-request timeout in seconds.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Stop the whole run after this long, e.g. `90s`, `10m`; the partial
    /// report says it is partial, and the run exits 3.
    #[arg(long = "max-duration", value_name = "DURATION")]
    pub max_duration: Option<String>,
    /// What a run in which no check observed anything means: `fail` (exit
    /// 2), `warn` (a warning, exit 0) or `pass`.
    #[arg(long = "no-tests", value_enum, value_name = "POLICY")]
    pub no_tests: Option<NoTests>,
    /// Where reports are written.
    #[arg(long = "report-dir")]
    pub report_dir: Option<PathBuf>,
    /// A PEM file of certificate authorities to trust for an https target,
    /// besides the system's (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Should-level failures fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// TOML file with the same keys as these options.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Run one shard of N, e.g. `hash:1/4`; `merge` joins the shards'
    /// reports.
    #[arg(long, value_name = "hash:K/N")]
    pub partition: Option<String>,
    /// Stream one JSON line per phase start and end and per finished check
    /// to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub events: Option<String>,
    /// Colour the console summary.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// List every check (verdict, id, level) before the summary; failures
    /// with the page statement they enforce.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Also write an evidence bundle (.tar.gz): manifest, every exchange
    /// (redacted), report.json, and a signature with --signing-key.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
    /// Sign the bundle's manifest with this Ed25519 secret key (from
    /// `keygen`); without it the bundle is unsigned.
    #[arg(long = "signing-key", value_name = "KEY", requires = "bundle")]
    pub signing_key: Option<PathBuf>,
    /// Compress the bundle's exchanges with the CPU time the run leaves
    /// idle and store the rest (idle: the run barely slows down), or all of
    /// them (always: a smaller bundle; the run may wait for it).
    #[arg(
        long = "bundle-compression",
        value_enum,
        value_name = "HOW",
        default_value = "idle",
        requires = "bundle"
    )]
    pub bundle_compression: BundleCompression,
}

/// `keygen`: where the key pair goes.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The secret key file to create (PKCS#8 PEM, mode 0600); never printed.
    #[arg(long = "secret-key", value_name = "FILE")]
    pub secret_key: PathBuf,
    /// The public key file to create (SPKI PEM), for `verify --public-key`.
    #[arg(long = "public-key", value_name = "FILE")]
    pub public_key: PathBuf,
}

/// `verify`: a bundle and the key to check it with.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle written by `run --bundle`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The signer's public key (from `keygen`); without it the signature is
    /// not checked.
    #[arg(long = "public-key", value_name = "KEY")]
    pub public_key: Option<PathBuf>,
    /// Judge a bundle made with another contract anyway, saying what differs.
    #[arg(long = "allow-contract-mismatch")]
    pub allow_contract_mismatch: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The bundle written by `run --bundle`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Base URL of the server to send the recorded run's requests to.
    #[arg(long)]
    pub target: String,
    /// Bearer token for the target.
    #[arg(long, env = "VERIFIK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The project to register under (default: the recorded run's).
    #[command(flatten)]
    pub ids: ProjectArgs,
    /// Also write the new run's reports here.
    #[arg(long = "report-dir")]
    pub report_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// How a run's outcome gates CI (shared by `run` and `merge`).
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Known failures accepted until a date: a TOML file of `[[waiver]]`
    /// entries (check or fact glob, reason, owner, expires).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// A waiver whose checks all passed fails the run.
    #[arg(long = "deny-stale-waivers")]
    pub deny_stale_waivers: bool,
    /// The report.json of an earlier run to compare with, check by check.
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,
    /// Which failures fail the run: `any`, or only those `new` since
    /// `--baseline`.
    #[arg(long = "fail-on", value_enum, value_name = "WHICH")]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The report.json of every shard of one partitioned run.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Where the merged reports are written.
    #[arg(long = "report-dir", default_value = "reports")]
    pub report_dir: PathBuf,
    #[command(flatten)]
    pub gate: GateArgs,
    /// What a merged run in which no check observed anything means.
    #[arg(
        long = "no-tests",
        value_enum,
        value_name = "POLICY",
        default_value = "fail"
    )]
    pub no_tests: NoTests,
    /// Colour the console summary.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// List every check (verdict, id, level) before the summary; failures
    /// with the page statement they enforce.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// The project a server's registrations go under.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// Project ID to register against.
    #[arg(long)]
    pub project: Option<String>,
    /// Project flow ID to register against.
    #[arg(long = "project-flow")]
    pub project_flow: Option<String>,
    /// An email domain the project refuses.
    #[arg(long = "blocked-email-domain")]
    pub blocked_email_domain: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// One side: a base URL, `embedded`, `embedded:VARIANT`,
    /// `embedded:mutant:NAME` or `embedded:twin:NAME`.
    #[arg(long, value_name = "SIDE")]
    pub a: String,
    /// The other side, in the same forms.
    #[arg(long, value_name = "SIDE")]
    pub b: String,
    /// Bearer token for side a (when it is a URL).
    #[arg(long = "a-token", env = "VERIFIK_A_TOKEN", hide_env_values = true)]
    pub a_token: Option<String>,
    /// Bearer token for side b (when it is a URL).
    #[arg(long = "b-token", env = "VERIFIK_B_TOKEN", hide_env_values = true)]
    pub b_token: Option<String>,
    /// The project both sides register under.
    #[command(flatten)]
    pub ids: ProjectArgs,
    /// What the differences are judged by.
    #[arg(long, value_enum, default_value = "current")]
    pub profile: ProfileId,
    /// Seed of both sides' requests (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of generated cases.
    #[arg(long, default_value_t = 500)]
    pub cases: u32,
    /// Per-request timeout in seconds.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Requests in flight at once, per side. One by default: then what one
    /// request sees of the others (a list's total) is the same on both sides.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Also write each side's reports (`a/`, `b/`) and `compare.json` here.
    #[arg(long = "report-dir")]
    pub report_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// A live page to compare with its encoded sheet: VARIANT=PATH, or
    /// VARIANT=URL of the rendered page (repeatable).
    #[arg(long = "doc", value_name = "VARIANT=PATH|URL")]
    pub docs: Vec<String>,
    /// Also trust this CA certificate (PEM) when fetching an https page.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Show, per fact, the items of each page that state it; exit 1 when a
    /// normative item states no fact or a must fact has no item.
    #[arg(long)]
    pub trace: bool,
    /// Print the baseline of the one --doc page (its structure, and its
    /// items with fingerprints and facts) instead of comparing it.
    #[arg(long = "emit-baseline", conflicts_with_all = ["trace", "baselines"])]
    pub emit_baseline: bool,
    /// Compare a variant's page with a baseline written by --emit-baseline
    /// instead of the embedded contract: VARIANT=FILE (repeatable).
    #[arg(long = "baseline", value_name = "VARIANT=FILE")]
    pub baselines: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct SelftestArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    #[arg(long)]
    pub cases: Option<u32>,
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The twins of the reference server, with what each does differently.
fn twin_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        crate::server::twins::TWINS
            .iter()
            .map(|t| PossibleValue::new(t.name).help(t.description)),
    )
}
