//! `merge`: the shards' report.json files joined into one report, written
//! in every format and gated like a run.

use std::io::IsTerminal as _;

use super::conclude::{conclude, Outputs};
use super::run::gate;
use super::shared::{contract, use_color};
use crate::cli::MergeArgs;
use crate::client::Secret;
use crate::config::{ConfigFile, FileConfig};
use crate::exit::{Error, ExitCode};
use crate::gate::{merge as merge_shards, read_shard};

pub fn merge(args: MergeArgs) -> Result<ExitCode, Error> {
    let color = use_color(args.color, std::io::stdout().is_terminal());
    let gate = gate(args.gate, &FileConfig::default(), &ConfigFile::default())?;
    crate::report::check_dir(&args.report_dir)?;
    let shards = args
        .reports
        .iter()
        .map(|path| read_shard(path).map(|report| (path.clone(), report)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::usage)?;
    let (info, checks) = merge_shards(&shards).map_err(Error::usage)?;
    let contract = contract()?;
    let profile = contract.profile(info.profile).clone();
    let outputs = Outputs {
        report_dir: args.report_dir,
        color,
        events: None,
        events_on_stdout: false,
        no_tests: args.no_tests,
        verbose: args.verbose,
        selection: format!(
            "the {} shard reports hold no check that observed anything",
            shards.len()
        ),
    };
    // The shards' reports were redacted when they were written.
    conclude(
        info,
        checks,
        contract,
        &profile,
        &Secret::none(),
        gate,
        &outputs,
    )
}
