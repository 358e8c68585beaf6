//! Gating CI on a run: waivers with expiry, a baseline to compare with, the
//! exit policy that combines them, and the partition of a run across CI
//! machines.

mod baseline;
mod merge;
mod partition;
mod policy;
mod waivers;

pub use baseline::{Baseline, BaselineError, Comparison, MAX_BASELINE_BYTES};
pub use merge::{merge, read_shard, MergeError};
pub use partition::{Partition, PartitionError};
pub use policy::Policy;
pub use waivers::{WaiverError, WaiverState, WaiverStatus, Waivers, MAX_WAIVER_BYTES};
