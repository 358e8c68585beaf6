//! What several commands need: the embedded contract, an async runtime,
//! JSON printing, whether to colour.

use std::ffi::OsStr;

use crate::cli::ColorChoice;
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

/// Whether to colour output to a stream that is (or is not) a terminal:
/// `--color always` and `never` decide alone (a flag given on purpose wins
/// over the environment); `auto` colours a terminal unless `NO_COLOR` is set
/// to a non-empty value.
pub(crate) fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    color_wanted(choice, std::env::var_os("NO_COLOR").as_deref(), terminal)
}

fn color_wanted(choice: ColorChoice, no_color: Option<&OsStr>, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_choice_wins_and_auto_follows_the_terminal_and_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(color_wanted(ColorChoice::Always, set, false));
        assert!(!color_wanted(ColorChoice::Never, None, true));
        assert!(color_wanted(ColorChoice::Auto, None, true));
        assert!(color_wanted(ColorChoice::Auto, empty, true));
        assert!(!color_wanted(ColorChoice::Auto, set, true));
        assert!(!color_wanted(ColorChoice::Auto, None, false));
    }
}
