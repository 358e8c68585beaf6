//! The recording of a run as it goes. The thread that ends an exchange
//! writes its redacted line (see [`write_line`]) straight from the exchange
//! into a batch; full batches go, through a bounded queue so memory stays
//! flat, to a writer thread that hashes each line into `exchanges.digests`
//! and compresses the batch into `exchanges.jsonl`. Both are anonymous
//! temporary files, each one gzip member, so the archive copies them as
//! they are and nothing is left to compress when the run ends; both
//! digests of the manifest are of the uncompressed text, hashed as it is
//! written.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

use super::record::write_line;
use crate::client::{Exchange, ExchangeSink, SentBody};

/// A batch goes to the writer thread once it holds this many bytes: one
/// wake-up per batch, not per exchange.
const BATCH_BYTES: usize = 128 * 1024;
/// Batches waiting for the writer thread, at most.
const QUEUE: usize = 32;

/// Streams a run's exchanges to compressed temporary files.
pub struct Recorder {
    start: Instant,
    pending: Mutex<Pending>,
    writer: Mutex<Option<JoinHandle<Inner>>>,
}

/// The batch being filled (whole lines, each ending in a newline), and the
/// way to the writer (gone once finished).
struct Pending {
    batch: Vec<u8>,
    queue: Option<SyncSender<Vec<u8>>>,
    /// The first line that could not be written.
    failed: Option<String>,
}

struct Inner {
    lines: Stream,
    digests: Stream,
    /// The first write that failed: the bundle is then not written.
    failed: Option<String>,
}

/// A temporary file holding one gzip member, fed through a compressor; the
/// text going in is hashed and counted as it is written.
struct Stream {
    out: GzEncoder<BufWriter<File>>,
    hasher: Sha256,
    bytes: u64,
}

impl Stream {
    fn new() -> std::io::Result<Stream> {
        let file = BufWriter::with_capacity(256 * 1024, tempfile::tempfile()?);
        Ok(Stream {
            // Fast compression: exchanges are repetitive text, and the
            // bundle must not cost the run much.
            out: GzEncoder::new(file, Compression::fast()),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn finish(self) -> std::io::Result<RecordedFile> {
        let buffered = self.out.finish()?;
        let mut gzip = buffered.into_inner().map_err(|e| e.into_error())?;
        gzip.flush()?;
        gzip.seek(SeekFrom::Start(0))?;
        Ok(RecordedFile {
            gzip,
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
}

/// A finished temporary file, rewound: one complete gzip member whose
/// uncompressed text is `bytes` long with digest `sha256`.
#[derive(Debug)]
pub struct RecordedFile {
    pub gzip: File,
    pub bytes: u64,
    pub sha256: String,
}

/// A finished recording.
#[derive(Debug)]
pub struct Recorded {
    /// `exchanges.jsonl`: one exchange line per line, in the order the
    /// exchanges ended.
    pub exchanges: RecordedFile,
    /// `exchanges.digests`: the SHA-256 of each line of `exchanges.jsonl`
    /// (without its newline), one per line.
    pub digests: RecordedFile,
}

impl Recorder {
    /// A recorder writing to two new anonymous temporary files.
    pub fn new() -> std::io::Result<Recorder> {
        let mut inner = Inner {
            lines: Stream::new()?,
            digests: Stream::new()?,
            failed: None,
        };
        let (queue, batches) = sync_channel::<Vec<u8>>(QUEUE);
        let writer = std::thread::Builder::new()
            .name("bundle-recorder".into())
            .spawn(move || {
                for batch in batches {
                    inner.write(&batch);
                }
                inner
            })?;
        Ok(Recorder {
            start: Instant::now(),
            pending: Mutex::new(Pending {
                batch: Vec::with_capacity(BATCH_BYTES * 2),
                queue: Some(queue),
                failed: None,
            }),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// How long it has been recording.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Stop recording, wait for the writer, and hand back the files (once;
    /// later exchanges are dropped), or the first write error.
    pub fn finish(&self) -> std::io::Result<Recorded> {
        let mut failed = None;
        if let Ok(mut pending) = self.pending.lock() {
            let last = std::mem::take(&mut pending.batch);
            if let Some(queue) = pending.queue.take() {
                if !last.is_empty() {
                    let _ = queue.send(last);
                }
            }
            failed = pending.failed.take();
        }
        let writer = self
            .writer
            .lock()
            .ok()
            .and_then(|mut w| w.take())
            .ok_or_else(|| std::io::Error::other("the recording was already finished"))?;
        let inner = writer
            .join()
            .map_err(|_| std::io::Error::other("the recording's writer thread failed"))?;
        if let Some(failed) = failed.or(inner.failed) {
            return Err(std::io::Error::other(failed));
        }
        Ok(Recorded {
            exchanges: inner.lines.finish()?,
            digests: inner.digests.finish()?,
        })
    }
}

impl Inner {
    /// Append a batch of whole lines, and the digest of each.
    fn write(&mut self, batch: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let mut digests = Vec::with_capacity(65 * (batch.len() / 512 + 1));
        for line in batch.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            digests.extend_from_slice(hex::encode(Sha256::digest(line)).as_bytes());
            digests.push(b'\n');
        }
        let written = self
            .lines
            .write(batch)
            .and_then(|_| self.digests.write(&digests));
        if let Err(e) = written {
            self.failed = Some(format!("cannot write the recording: {e}"));
        }
    }
}

impl ExchangeSink for Recorder {
    fn record(&self, exchange: &Exchange, sent: Option<SentBody<'_>>) {
        let at = self.start.elapsed();
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        if pending.queue.is_none() || pending.failed.is_some() {
            return;
        }
        let before = pending.batch.len();
        if let Err(e) = write_line(exchange, sent, at, &mut pending.batch) {
            pending.batch.truncate(before);
            pending.failed = Some(format!("cannot write the recording: {e}"));
            return;
        }
        if pending.batch.len() >= BATCH_BYTES {
            let full = std::mem::replace(&mut pending.batch, Vec::with_capacity(BATCH_BYTES * 2));
            // Sent under the lock, so batches reach the writer in order;
            // waits only when the writer is QUEUE batches behind.
            if let Some(queue) = &pending.queue {
                let _ = queue.send(full);
            }
        }
    }
}
