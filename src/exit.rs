//! Exit codes (fixed, documented in the README): what each process outcome means to CI.

/// Conformant, no drift, every mutant killed.
pub const OK: i32 = 0;
/// Violations found: failing checks, drift, a surviving mutant.
pub const VIOLATIONS: i32 = 1;
/// Bad usage, configuration or input file.
pub const USAGE: i32 = 2;
/// The target could not be reached, or the harness itself failed.
pub const HARNESS: i32 = 3;
