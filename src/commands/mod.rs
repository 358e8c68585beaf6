//! One function per subcommand: turn clap arguments into engine
//! configuration, run the engine, print, and return the exit code.

mod drift;
mod facts;
mod run;
mod selftest;
mod serve;

pub use drift::drift;
pub use facts::facts;
pub use run::run;
pub use selftest::selftest;
pub use serve::serve;

use crate::contract::{Contract, ContractError};
use crate::exit;

/// Print a one-line error and return its exit code.
pub(crate) fn fail(code: i32, message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    code
}

/// The embedded contract, or the exit code for a broken build.
pub(crate) fn contract() -> Result<&'static Contract, i32> {
    Contract::embedded().map_err(|e: ContractError| {
        fail(
            exit::HARNESS,
            format_args!(
                "{e} (the binary was built with a broken contract; rebuild from a clean checkout)"
            ),
        )
    })
}

/// A multi-threaded async runtime, or the exit code when none can start.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, i32> {
    tokio::runtime::Runtime::new().map_err(|e| {
        fail(
            exit::HARNESS,
            format_args!("cannot start the async runtime: {e}"),
        )
    })
}
