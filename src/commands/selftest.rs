//! `selftest`: not built yet (see the open issues).

use crate::cli::SelftestArgs;
use crate::exit;

pub fn selftest(_args: SelftestArgs) -> i32 {
    super::fail(exit::HARNESS, "`selftest` is not built yet in this version")
}
