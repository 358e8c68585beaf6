//! `--partition hash:K/N`: a deterministic share of the run for one of N
//! CI machines, as nextest splits tests. A scenario belongs to a shard by a
//! hash of its place in the embedded features, a generated case by a hash
//! of its number, so the N shards together run exactly what one run would,
//! each piece once.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: u32,
    pub count: u32,
}

impl Partition {
    /// Whether the piece named `key` is this shard's.
    pub fn owns(&self, key: &[u8]) -> bool {
        fnv1a(key) % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Whether generated case number `case` is this shard's.
    pub fn owns_case(&self, case: u64) -> bool {
        self.owns(&case.to_le_bytes())
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hash:{}/{}", self.index, self.count)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("partition {0:?} is not valid: give hash:K/N with 1 <= K <= N <= 1000, e.g. --partition hash:1/4")]
pub struct PartitionError(String);

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || PartitionError(text.to_string());
        let shares = text.trim().strip_prefix("hash:").ok_or_else(invalid)?;
        let (index, count) = shares.split_once('/').ok_or_else(invalid)?;
        let index: u32 = index.trim().parse().map_err(|_| invalid())?;
        let count: u32 = count.trim().parse().map_err(|_| invalid())?;
        if index == 0 || index > count || count > 1000 {
            return Err(invalid());
        }
        Ok(Partition { index, count })
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let p: Partition = "hash:2/4".parse().unwrap();
        assert_eq!(p, Partition { index: 2, count: 4 });
        assert_eq!(p.to_string(), "hash:2/4");
        for bad in [
            "2/4",
            "hash:0/4",
            "hash:5/4",
            "hash:1/0",
            "hash:a/b",
            "count:1/2",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shards_split_every_case_exactly_once() {
        let shards: Vec<Partition> = (1..=4).map(|index| Partition { index, count: 4 }).collect();
        let mut sizes = [0u32; 4];
        for case in 0..4000u64 {
            let owners: Vec<usize> = (0..4).filter(|&i| shards[i].owns_case(case)).collect();
            assert_eq!(owners.len(), 1, "case {case}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| (800..1200).contains(&n)), "{sizes:?}");
    }
}
