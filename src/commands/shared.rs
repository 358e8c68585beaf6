//! What several commands need: the embedded contract, an async runtime,
//! JSON printing.

use crate::contract::Contract;
use crate::exit::Error;

/// The embedded contract (an error only for a broken build).
pub(crate) fn contract() -> Result<&'static Contract, Error> {
    Ok(Contract::embedded()?)
}

/// A multi-threaded async runtime.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Error::harness(format_args!("cannot start the async runtime: {e}")))
}

/// `value` as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(Error::harness)?;
    crate::output::out_line(&text);
    Ok(())
}
