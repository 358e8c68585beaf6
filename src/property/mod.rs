//! The generated phase: property-generated requests judged by an oracle.
//!
//! 1. **Generate** each case when there is room for it in flight
//!    ([`strategies`]): case `i` comes from its own ChaCha runner seeded from
//!    `--seed` and `i`, so the same seed sends the same cases in the same
//!    order (`--cases` or `--duration` only decides how many).
//! 2. **Send** them concurrently over the keep-alive client, at most
//!    `--concurrency` cases in flight ([`executor`]); judge each answer with
//!    the universal checks and the [`oracle`]'s prediction ([`judge`]).
//! 3. **Tally** one check per (fact, rule) as each case ends ([`tally`]):
//!    counts, the first and the shrunk counterexample are all that is kept.
//! 4. **Shrink** only the failures, each from its lowest failing case, to a
//!    minimal counterexample ([`shrink`]).
//!
//! Check ids are `generated/<fact>/<rule>`, stable across runs.

mod executor;
pub mod judge;
pub mod oracle;
mod phase;
mod shrink;
pub mod strategies;
mod tally;

pub use executor::COLLECTION;
pub use phase::{random_seed, run_generated, GeneratedError, GeneratedOptions, GeneratedOutcome};
