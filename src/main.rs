//! Entry point: parse, dispatch, and map how the command ended to its exit
//! code (the only place that exits).

use clap::Parser;
use verifik_conformance::cli::{Cli, Command};
use verifik_conformance::commands;
use verifik_conformance::exit::ExitCode;
use verifik_conformance::output;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Ok
            };
            let _ = e.print();
            std::process::exit(code.code());
        }
    };
    let ended = match cli.command {
        Command::Facts(args) => commands::facts(args),
        Command::Serve(args) => commands::serve(args),
        Command::Run(args) => commands::run(*args),
        Command::Drift(args) => commands::drift(args),
        Command::Selftest(args) => commands::selftest(args),
        Command::Merge(args) => commands::merge(args),
        Command::Compare(args) => commands::compare(*args),
        Command::Export(args) => commands::export(args),
        Command::Completions(args) => commands::completions(args),
        Command::Man => commands::man(),
        Command::Keygen(args) => commands::keygen(args),
        Command::Verify(args) => commands::verify(args),
        Command::Replay(args) => commands::replay(args),
    };
    let code = match ended {
        Ok(code) => code,
        Err(e) => {
            output::err_line(&format!("error: {e}"));
            e.exit_code()
        }
    };
    std::process::exit(code.code());
}
