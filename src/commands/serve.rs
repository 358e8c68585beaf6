//! `serve`: not built yet (see the open issues).

use crate::cli::ServeArgs;
use crate::exit;

pub fn serve(_args: ServeArgs) -> i32 {
    super::fail(exit::HARNESS, "`serve` is not built yet in this version")
}
