//! Identifiers and timestamps: MongoDB-style ObjectIds (the style of the
//! current examples), random hex, and ISO-8601 UTC rendering.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use rand::Rng;
use time::OffsetDateTime;

/// A 24-hex ObjectId: 4 bytes of Unix seconds, 5 random bytes per process,
/// a 3-byte counter. Unique within the process, sortable by creation second.
pub(crate) fn object_id() -> String {
    static PROCESS: OnceLock<[u8; 5]> = OnceLock::new();
    static COUNTER: OnceLock<AtomicU32> = OnceLock::new();
    let process = PROCESS.get_or_init(|| rand::rng().random());
    let counter = COUNTER
        .get_or_init(|| AtomicU32::new(rand::rng().random()))
        .fetch_add(1, Ordering::Relaxed);
    // Truncation is the ObjectId layout: seconds fit 32 bits until 2106.
    let seconds = OffsetDateTime::now_utc().unix_timestamp() as u32;
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    bytes[4..9].copy_from_slice(process);
    bytes[9..].copy_from_slice(&counter.to_be_bytes()[1..]);
    hex::encode(bytes)
}

/// `n` random bytes as lower-case hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(bytes.as_mut_slice());
    hex::encode(bytes)
}

/// `2024-12-02T17:05:36.788Z`, or `2024-12-02T17:05:36Z` without millis.
pub(crate) fn timestamp(t: OffsetDateTime, millis: bool) -> String {
    use time::macros::format_description;
    let t = t.to_offset(time::UtcOffset::UTC);
    let format = if millis {
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z")
    } else {
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")
    };
    t.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_24_hex_and_distinct() {
        let a = object_id();
        let b = object_id();
        assert_eq!(a.len(), 24);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn timestamps_are_iso_8601_utc() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_733_159_136_788_000_000).unwrap();
        assert_eq!(timestamp(t, true), "2024-12-02T17:05:36.788Z");
        assert_eq!(timestamp(t, false), "2024-12-02T17:05:36Z");
    }
}
