//! The recording of a run as it goes: every exchange is handed to a writer
//! thread (through a bounded queue, so memory stays flat) that redacts it,
//! appends it to an anonymous temporary file (`exchanges.jsonl`) and its
//! SHA-256 to a second one (`exchanges.digests`). The requests wait for
//! none of that, and a run of any length keeps no exchange in memory.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::digest::hex;
use super::record::ExchangeLine;
use crate::client::{Exchange, ExchangeSink};

/// Exchanges waiting for the writer thread, at most.
const QUEUE: usize = 4096;

/// Streams a run's exchanges to temporary files.
pub struct Recorder {
    start: Instant,
    queue: Mutex<Option<SyncSender<(Exchange, Duration)>>>,
    writer: Mutex<Option<JoinHandle<Inner>>>,
}

struct Inner {
    lines: Stream,
    digests: Stream,
    count: u64,
    /// The first write that failed: the bundle is then not written.
    failed: Option<String>,
}

/// A temporary file written through a buffer, hashed as it is written.
struct Stream {
    out: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Stream {
    fn new() -> std::io::Result<Stream> {
        Ok(Stream {
            out: BufWriter::with_capacity(256 * 1024, tempfile::tempfile()?),
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
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        file.seek(SeekFrom::Start(0))?;
        Ok(RecordedFile {
            file,
            bytes: self.bytes,
            sha256: hex(&self.hasher.finalize()),
        })
    }
}

/// A finished temporary file, rewound, with its size and digest.
#[derive(Debug)]
pub struct RecordedFile {
    pub file: File,
    pub bytes: u64,
    pub sha256: String,
}

/// A finished recording.
#[derive(Debug)]
pub struct Recorded {
    /// `exchanges.jsonl`: one [`ExchangeLine`] per line, in the order the
    /// exchanges ended.
    pub exchanges: RecordedFile,
    /// `exchanges.digests`: the SHA-256 of each line of `exchanges.jsonl`
    /// (without its newline), one per line.
    pub digests: RecordedFile,
    pub count: u64,
}

impl Recorder {
    /// A recorder writing to two new anonymous temporary files.
    pub fn new() -> std::io::Result<Recorder> {
        let mut inner = Inner {
            lines: Stream::new()?,
            digests: Stream::new()?,
            count: 0,
            failed: None,
        };
        let (queue, exchanges) = sync_channel::<(Exchange, Duration)>(QUEUE);
        let writer = std::thread::Builder::new()
            .name("bundle-recorder".into())
            .spawn(move || {
                for (exchange, at) in exchanges {
                    inner.write(&ExchangeLine::of(&exchange, at));
                }
                inner
            })?;
        Ok(Recorder {
            start: Instant::now(),
            queue: Mutex::new(Some(queue)),
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
        drop(self.queue.lock().ok().and_then(|mut q| q.take()));
        let writer = self
            .writer
            .lock()
            .ok()
            .and_then(|mut w| w.take())
            .ok_or_else(|| std::io::Error::other("the recording was already finished"))?;
        let inner = writer
            .join()
            .map_err(|_| std::io::Error::other("the recording's writer thread failed"))?;
        if let Some(failed) = inner.failed {
            return Err(std::io::Error::other(failed));
        }
        Ok(Recorded {
            exchanges: inner.lines.finish()?,
            digests: inner.digests.finish()?,
            count: inner.count,
        })
    }
}

impl Inner {
    fn write(&mut self, line: &ExchangeLine) {
        if self.failed.is_some() {
            return;
        }
        let mut bytes = match serde_json::to_vec(line) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.failed = Some(format!("cannot write the recording: {e}"));
                return;
            }
        };
        let mut digest = hex(&Sha256::digest(&bytes)).into_bytes();
        digest.push(b'\n');
        bytes.push(b'\n');
        let written = self
            .lines
            .write(&bytes)
            .and_then(|_| self.digests.write(&digest));
        match written {
            Ok(()) => self.count += 1,
            Err(e) => self.failed = Some(format!("cannot write the recording: {e}")),
        }
    }
}

impl ExchangeSink for Recorder {
    fn record(&self, exchange: &Exchange) {
        let at = self.start.elapsed();
        let queue = self.queue.lock().ok().and_then(|q| q.clone());
        if let Some(queue) = queue {
            // Waits only when the writer is QUEUE exchanges behind.
            let _ = queue.send((exchange.clone(), at));
        }
    }
}
