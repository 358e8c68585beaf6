//! Helpers shared by the test modules.

use std::process::{Command, Output};

pub mod independent_server;
pub mod server_support;

/// The path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_verifik-conformance");

/// The binary under test, as a command to add arguments to.
pub fn bin() -> Command {
    Command::new(BIN)
}

/// A finished command's stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
