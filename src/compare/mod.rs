//! `compare`: the same requests against two servers, and every behavioural
//! difference between them, grouped by fact, with the level it carries and
//! the pages each side agrees with. Noise (ids, tokens, times) is learned by
//! running each side twice and is never reported.

mod diff;
mod engine;
mod noise;
mod render;
mod side;

pub use diff::{Agrees, Difference};
pub use engine::{compare, CompareConfig, CompareOutcome, SideOutcome, NOISE_GAP};
pub use noise::Noise;
pub use render::{to_json, to_text, verdict};
pub use side::Side;
