//! One function per subcommand: turn clap arguments into engine
//! configuration, run the engine, print, and say how it ended.

mod completions;
mod drift;
mod export;
mod facts;
mod man;
mod run;
mod selftest;
mod serve;
mod shared;

pub use completions::completions;
pub use drift::drift;
pub use export::export;
pub use facts::facts;
pub use man::man;
pub use run::run;
pub use selftest::selftest;
pub use serve::serve;
