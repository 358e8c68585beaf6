//! `run`: the suite against a target (default: the embedded reference
//! server), reports written to `--report-dir`, and an exit code for CI.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;

use super::conclude::{conclude, Gate, Outputs};
use super::shared::{contract, runtime, use_color};
use crate::bundle;
use crate::cli::{GateArgs, RunArgs};
use crate::config::{self, ConfigError, ConfigFile, FileConfig, Recording, RunConfig};
use crate::events::EventsTo;
use crate::exit::{Error, ExitCode};
use crate::gate::{Baseline, Partition, Policy, Waivers};
use crate::model::{BundleCompression, FailOn, Phase, ProfileId};
use crate::output;
use crate::suite::run_suite;

pub fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let color = use_color(args.color, std::io::stdout().is_terminal());
    let verbose = args.verbose;
    let bundle_path = args.bundle.clone();
    let signing_key = args.signing_key.clone();
    let compression = args.bundle_compression;
    let (config, gate) = run_config(args)?;
    if config.target.is_some() && config.token.is_none() {
        output::err_line(
            "warning: no VERIFIK_TOKEN (or --token): requests go without Authorization, so every check behind authentication will fail",
        );
    }
    // Found before the first request, not after the run.
    crate::report::check_dir(&config.report_dir)?;
    let bundle = match &bundle_path {
        Some(path) => Some(BundleWriter::prepare(
            path,
            signing_key.as_deref(),
            compression,
        )?),
        None => None,
    };
    let mut config = config;
    if let Some(writer) = &bundle {
        config.recording = Recording::Record(writer.recorder.clone());
    }
    let contract = contract()?;
    let outcome = runtime()?.block_on(run_suite(&config, contract))?;
    let run_facts = bundle::RunFacts {
        target_url: outcome.target_url.clone(),
        target_label: outcome.info.target.clone(),
        facts: outcome.target_facts.clone(),
        token_sent: outcome.secret.is_set(),
        seed: outcome.info.seed.unwrap_or_default(),
        started_at: outcome.info.started_at.clone(),
    };
    let outputs = Outputs {
        report_dir: config.report_dir.clone(),
        color,
        events: outcome.events.as_deref(),
        events_on_stdout: config.events == Some(EventsTo::Stdout),
        no_tests: config.no_tests,
        selection: nothing_selected(&config),
        verbose,
    };
    let concluded = conclude(
        outcome.info,
        outcome.checks,
        contract,
        &outcome.profile,
        &outcome.secret,
        gate,
        &outputs,
    );
    match bundle {
        None => concluded,
        Some(writer) => {
            let code = match &concluded {
                Ok(code) => code.code(),
                Err(e) => e.exit_code().code(),
            };
            writer.write(&config, &run_facts, code)?;
            concluded
        }
    }
}

/// `--bundle`: checked and its key read before the run, the exchanges
/// recorded during it, the archive written after the reports.
struct BundleWriter {
    file: bundle::BundleFile,
    key: Option<ed25519_dalek::SigningKey>,
    recorder: Arc<bundle::Recorder>,
}

impl BundleWriter {
    fn prepare(
        path: &Path,
        key: Option<&Path>,
        compression: BundleCompression,
    ) -> Result<BundleWriter, Error> {
        bundle::check_bundle_path(path).map_err(Error::usage)?;
        let key = match key {
            Some(key) => Some(
                bundle::read_signing_key(key)
                    .map_err(|e| Error::usage(format!("--signing-key: {e}")))?,
            ),
            None => None,
        };
        let file = bundle::BundleFile::create(path).map_err(Error::usage)?;
        let recorder = file
            .exchanges()
            .and_then(|file| bundle::Recorder::new(file, compression))
            .map_err(|e| {
                Error::usage(format!(
                    "--bundle: cannot create a temporary file for the recording: {e}"
                ))
            })?;
        Ok(BundleWriter {
            file,
            key,
            recorder: Arc::new(recorder),
        })
    }

    fn write(self, config: &RunConfig, run: &bundle::RunFacts, code: i32) -> Result<(), Error> {
        let path = self.file.path().to_path_buf();
        let report_path = config.report_dir.join("report.json");
        let report = std::fs::read(&report_path).map_err(|e| {
            Error::usage(format!(
                "--bundle {}: cannot read {} to put in it: {e}",
                path.display(),
                report_path.display()
            ))
        })?;
        let written = bundle::write_run_bundle(
            self.file,
            self.key.as_ref(),
            &self.recorder,
            config,
            run,
            report,
            code,
        )
        .map_err(Error::usage)?;
        let how = match written.signed_by {
            Some(id) => format!("signed by key {}", bundle::short_key_id(&id)),
            None => "unsigned: pass --signing-key to sign it".into(),
        };
        output::err_line(&format!("wrote bundle {} ({how})", path.display()));
        if written.stored_bytes > 0 {
            output::err_line(&format!(
                "note: {}% of the recorded exchanges went in uncompressed to keep pace with the run; --bundle-compression always compresses them all",
                (written.stored_bytes * 100).div_ceil(written.exchanges_bytes.max(1))
            ));
        }
        Ok(())
    }
}

/// The gate of a run or a merge: the flags over the `--config` file.
pub(super) fn gate(args: GateArgs, values: &FileConfig, file: &ConfigFile) -> Result<Gate, Error> {
    let waivers = match args.waivers.or(values.waivers.clone()) {
        Some(path) => Some(Waivers::read(&path).map_err(Error::usage)?),
        None => None,
    };
    let baseline = match args.baseline.or(values.baseline.clone()) {
        Some(path) => Some(Baseline::read(&path).map_err(Error::usage)?),
        None => None,
    };
    let fail_on = match (args.fail_on, &values.fail_on) {
        (Some(which), _) => which,
        (None, Some(name)) => FailOn::parse(name).ok_or_else(|| {
            file.at(
                "fail-on",
                ConfigError::Invalid(format!("fail-on = {name:?}: use \"any\" or \"new\"")),
            )
        })?,
        (None, None) => FailOn::Any,
    };
    if fail_on == FailOn::New && baseline.is_none() {
        return Err(Error::usage(
            "--fail-on new needs --baseline OLD/report.json: new failures are new against a baseline",
        ));
    }
    Ok(Gate {
        waivers,
        baseline,
        policy: Policy {
            fail_on,
            deny_stale_waivers: args.deny_stale_waivers
                || values.deny_stale_waivers.unwrap_or(false),
        },
    })
}

/// What selected nothing, for the message of a run that observed nothing.
fn nothing_selected(config: &RunConfig) -> String {
    let mut parts = Vec::new();
    if let Some(tags) = &config.tags {
        if config.only != Some(Phase::Generated) {
            parts.push(format!("--tags {tags:?} selected no scenario that ran"));
        }
    }
    if config.cases == 0 && config.duration.is_none() && config.only != Some(Phase::Scripted) {
        parts.push("--cases 0 generated no case".to_string());
    }
    if let Some(phase) = config.only {
        parts.push(format!("--only {phase} ran one phase"));
    }
    if let Some(partition) = config.partition {
        parts.push(format!("--partition {partition} took a share"));
    }
    if parts.is_empty() {
        parts.push("every selected check was skipped".to_string());
    }
    parts.join(", ")
}

/// The flags over the `--config` file over the defaults. A value refused
/// here names its flag, or its key and line in the file.
fn run_config(args: RunArgs) -> Result<(RunConfig, Gate), Error> {
    let mut file = match &args.config {
        Some(path) => config::read_file(path)?,
        None => ConfigFile::default(),
    };
    let values = std::mem::take(&mut file.values);
    let gate = gate(args.gate, &values, &file)?;
    let defaults = RunConfig::new(ProfileId::Current);
    let profile = match (args.profile, values.profile) {
        (Some(profile), _) => profile,
        (None, Some(name)) => config::parse_profile(&name).map_err(|e| file.at("profile", e))?,
        (None, None) => defaults.profile,
    };
    let only = match (args.only, values.only) {
        (Some(phase), _) => Some(phase),
        (None, Some(name)) => Some(config::parse_phase(&name).map_err(|e| file.at("only", e))?),
        (None, None) => None,
    };
    let timeout = match (args.timeout, values.timeout) {
        (Some(seconds), _) => config::check_timeout(seconds)?,
        (None, Some(seconds)) => {
            config::check_timeout(seconds).map_err(|e| file.at("timeout", e))?
        }
        (None, None) => defaults.timeout,
    };
    let concurrency = match (args.concurrency, values.concurrency) {
        (Some(concurrency), _) => config::check_concurrency(concurrency)?,
        (None, Some(concurrency)) => {
            config::check_concurrency(concurrency).map_err(|e| file.at("concurrency", e))?
        }
        (None, None) => defaults.concurrency,
    };
    let target = match (args.target, values.target) {
        (Some(url), _) => {
            config::check_url(&url)?;
            Some(url)
        }
        (None, Some(url)) => {
            config::check_url(&url).map_err(|e| file.at("target", e))?;
            Some(url)
        }
        (None, None) => None,
    };
    let project = given(args.ids.project, values.project, "project", &file)?;
    let project_flow = given(
        args.ids.project_flow,
        values.project_flow,
        "project-flow",
        &file,
    )?;
    let blocked_email_domain = given(
        args.ids.blocked_email_domain,
        values.blocked_email_domain,
        "blocked-email-domain",
        &file,
    )?;
    let max_duration = match (args.max_duration, values.max_duration) {
        (Some(text), _) => Some(config::parse_max_duration(&text)?),
        (None, Some(text)) => {
            Some(config::parse_max_duration(&text).map_err(|e| file.at("max-duration", e))?)
        }
        (None, None) => None,
    };
    // Flags win over the file: a --cases flag overrides the file's
    // duration and a --duration flag its cases; both in the file is an error.
    if args.duration.is_some() && args.cases.is_some() {
        return Err(Error::usage(
            "--duration and --cases are both given: keep one (--cases N sends N cases, --duration D sends cases for D)",
        ));
    }
    let duration = match (&args.duration, &values.duration, args.cases) {
        (Some(text), _, _) => Some(config::parse_duration(text)?),
        (None, Some(_), Some(_)) => None,
        (None, Some(text), None) => {
            if values.cases.is_some() {
                return Err(file
                    .at(
                        "duration",
                        ConfigError::Invalid(
                            "duration and cases are both set: keep one of them (cases = N sends N cases, duration = \"10m\" sends cases for 10 minutes)".into(),
                        ),
                    )
                    .into());
            }
            Some(config::parse_duration(text).map_err(|e| file.at("duration", e))?)
        }
        (None, None, _) => None,
    };
    let no_tests = match (args.no_tests, values.no_tests) {
        (Some(policy), _) => policy,
        (None, Some(name)) => config::parse_no_tests(&name).map_err(|e| file.at("no-tests", e))?,
        (None, None) => defaults.no_tests,
    };
    let partition = match (args.partition, values.partition) {
        (Some(text), _) => Some(text.parse::<Partition>().map_err(Error::usage)?),
        (None, Some(text)) => Some(
            text.parse::<Partition>()
                .map_err(|e| file.at("partition", ConfigError::Invalid(e.to_string())))?,
        ),
        (None, None) => None,
    };
    let events = args.events.or(values.events).map(|t| EventsTo::parse(&t));
    let token = args.token.or(values.token);
    if token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(Error::usage(
            "the token is empty: set VERIFIK_TOKEN (or --token) to the target's bearer token, or leave it out",
        ));
    }
    let config = RunConfig {
        target,
        token,
        project,
        project_flow,
        blocked_email_domain,
        profile,
        tags: args.tags.or(values.tags),
        only,
        cases: args.cases.or(values.cases).unwrap_or(defaults.cases),
        duration,
        seed: args.seed.or(values.seed),
        concurrency,
        timeout,
        max_duration,
        no_tests,
        report_dir: args
            .report_dir
            .or(values.report_dir)
            .unwrap_or(defaults.report_dir.clone()),
        strict: args.strict || values.strict.unwrap_or(false),
        quiet: false,
        ca_certs: if args.ca_certs.is_empty() {
            values.ca_cert.into_iter().collect()
        } else {
            args.ca_certs
        },
        partition,
        events,
        ..defaults
    };
    Ok((config, gate))
}

/// The flag `--key`, else the file's `key`; neither may be blank.
fn given(
    flag: Option<String>,
    in_file: Option<String>,
    key: &str,
    file: &ConfigFile,
) -> Result<Option<String>, Error> {
    match (flag, in_file) {
        (Some(value), _) => {
            config::check_not_blank(&format!("--{key}"), &value)?;
            Ok(Some(value))
        }
        (None, Some(value)) => {
            config::check_not_blank(key, &value).map_err(|e| file.at(key, e))?;
            Ok(Some(value))
        }
        (None, None) => Ok(None),
    }
}
