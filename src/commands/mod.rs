//! One function per subcommand: turn clap arguments into engine
//! configuration, run the engine, print, and say how it ended.

mod compare;
mod completions;
mod conclude;
mod drift;
mod export;
mod facts;
mod keygen;
mod man;
mod merge;
mod replay;
mod run;
mod selftest;
mod serve;
mod shared;
mod verify;

pub use compare::compare;
pub use completions::completions;
pub use drift::drift;
pub use export::export;
pub use facts::facts;
pub use keygen::keygen;
pub use man::man;
pub use merge::merge;
pub use replay::replay;
pub use run::run;
pub use selftest::selftest;
pub use serve::serve;
pub use verify::verify;
