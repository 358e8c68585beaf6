//! `run`: not built yet (see the open issues).

use crate::cli::RunArgs;
use crate::exit;

pub fn run(_args: RunArgs) -> i32 {
    super::fail(exit::HARNESS, "`run` is not built yet in this version")
}
