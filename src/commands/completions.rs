//! `completions SHELL`: the shell completion script of the command line,
//! generated from its clap definition.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{Error, ExitCode};

pub fn completions(args: CompletionsArgs) -> Result<ExitCode, Error> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    crate::output::out(&String::from_utf8_lossy(&script));
    Ok(ExitCode::Ok)
}
