//! Entry point: parse the command line, dispatch, map outcomes to exit codes.

use clap::Parser;
use verifik_conformance::cli::{Cli, Command};
use verifik_conformance::{commands, exit};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cli.command {
        Command::Facts(args) => commands::facts(args),
        Command::Serve(args) => commands::serve(args),
        Command::Run(args) => commands::run(args),
        Command::Drift(args) => commands::drift(args),
        Command::Selftest(args) => commands::selftest(args),
    };
    std::process::exit(code);
}
