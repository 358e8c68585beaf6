//! Shrinking a failure after all cases ran: rebuild the failing case's value
//! tree from its seed and walk proptest's simplify/complicate loop, sending
//! each candidate. A candidate is kept when it fails the same check; the last
//! one kept is the minimal counterexample. Bounded in steps and time, so a
//! slow or flaky target cannot stall the run.

use std::ops::Range;
use std::time::{Duration, Instant};

use super::executor::Executor;
use super::judge::CheckKey;
use super::strategies::{GenerateError, Generator};
use super::tally::{Failure, Shrunk};

/// Candidates sent at most per failing check.
pub const MAX_STEPS: u64 = 600;
/// Time spent at most per failing check.
pub const MAX_TIME: Duration = Duration::from_secs(20);

/// Shrink case `case`, which fails `key`. Candidates use serials from
/// `serials`, so their contacts never collide with any other request.
pub async fn shrink(
    executor: &Executor,
    generator: &Generator,
    key: CheckKey,
    case: u64,
    serials: Range<u64>,
) -> Result<Option<Shrunk>, GenerateError> {
    let mut tree = generator.tree(case)?;
    let started = Instant::now();
    let mut best: Option<Failure> = None;
    let mut steps = 0usize;
    let mut serial = serials.start;
    if !tree.simplify() {
        return Ok(None);
    }
    loop {
        if serial >= serials.end || started.elapsed() > MAX_TIME {
            break;
        }
        let spec = tree.current();
        let run = executor.run_case(&spec, serial).await;
        serial += 1;
        steps += 1;
        match Failure::find(case, key, &run, &executor.client) {
            Some(failure) => {
                best = Some(failure);
                if !tree.simplify() {
                    break;
                }
            }
            None => {
                if !tree.complicate() {
                    break;
                }
            }
        }
    }
    Ok(best.map(|failure| Shrunk { steps, failure }))
}
