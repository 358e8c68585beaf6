//! One function per subcommand: turn clap arguments into engine
//! configuration, run the engine, print, and say how it ended.

mod conclude;
mod drift;
mod facts;
mod merge;
mod run;
mod selftest;
mod serve;
mod shared;

pub use drift::drift;
pub use facts::facts;
pub use merge::merge;
pub use run::run;
pub use selftest::selftest;
pub use serve::serve;
