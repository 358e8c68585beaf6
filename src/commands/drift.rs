//! `drift`: not built yet (see the open issues).

use crate::cli::DriftArgs;
use crate::exit;

pub fn drift(_args: DriftArgs) -> i32 {
    super::fail(exit::HARNESS, "`drift` is not built yet in this version")
}
