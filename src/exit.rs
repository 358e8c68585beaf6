//! How a process ends: the exit codes (fixed, documented in the README) and
//! the one error type every command returns, each error mapped to its code.
//! A contract violation is never an error: it is a check result, and the
//! command ends with [`ExitCode::Violations`].

/// What a finished command means to CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Conformant, no drift, every mutant killed and every twin passing.
    Ok = 0,
    /// Violations found: failing checks, drift, a surviving mutant, a failing twin.
    Violations = 1,
    /// Bad usage, configuration or input file.
    Usage = 2,
    /// The target could not be reached, or the harness itself failed.
    Harness = 3,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// `Ok` when nothing was found, `Violations` otherwise.
    pub fn found(violations: bool) -> ExitCode {
        if violations {
            ExitCode::Violations
        } else {
            ExitCode::Ok
        }
    }
}

/// Why a command could not finish. Each message is one line that says what
/// was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage, configuration or input file (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The target could not be reached (exit 3).
    #[error("{0}")]
    Unreachable(String),
    /// The harness itself failed (exit 3).
    #[error("{0}")]
    Harness(String),
}

impl Error {
    pub fn usage(message: impl std::fmt::Display) -> Error {
        Error::Usage(message.to_string())
    }

    pub fn harness(message: impl std::fmt::Display) -> Error {
        Error::Harness(message.to_string())
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::Usage,
            Error::Unreachable(_) | Error::Harness(_) => ExitCode::Harness,
        }
    }
}

impl From<crate::contract::ContractError> for Error {
    fn from(e: crate::contract::ContractError) -> Error {
        Error::Harness(format!(
            "{e} (the binary was built with a broken contract; rebuild from a clean checkout)"
        ))
    }
}

impl From<crate::server::ServerError> for Error {
    fn from(e: crate::server::ServerError) -> Error {
        if e.is_usage() {
            Error::Usage(e.to_string())
        } else {
            Error::Harness(e.to_string())
        }
    }
}

impl From<crate::report::ReportError> for Error {
    fn from(e: crate::report::ReportError) -> Error {
        Error::Usage(e.to_string())
    }
}

impl From<crate::drift::DriftError> for Error {
    fn from(e: crate::drift::DriftError) -> Error {
        Error::Usage(e.to_string())
    }
}

impl From<crate::config::ConfigError> for Error {
    fn from(e: crate::config::ConfigError) -> Error {
        Error::Usage(e.to_string())
    }
}
