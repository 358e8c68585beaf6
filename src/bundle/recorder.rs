//! The recording of a run as it goes. The thread that ends an exchange
//! writes its redacted line (see [`write_line_rest`]) from the exchange,
//! then puts it in order in a batch; full batches go, through a bounded
//! queue so memory stays flat, to a writer thread that hashes each line into
//! `exchanges.digests` and appends the batch to `exchanges.jsonl`.
//!
//! The writer works in the CPU time the run leaves idle (on Linux it runs
//! at the idle scheduling priority), so it slows the run down little:
//! while it keeps up it compresses each batch; when batches wait for it, it
//! stores them uncompressed, which costs next to nothing, and catches up.
//! Each batch is one gzip member, compressed or stored, appended to the
//! bundle itself (the digests to a temporary file, copied in at the end),
//! so nothing is left to compress or copy when the run ends. Both digests
//! of the manifest are of the uncompressed text, hashed as it is written.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

use super::record::{write_line_rest, write_line_start};
use crate::client::{Exchange, ExchangeSink, SentBody};
use crate::model::BundleCompression;

/// A batch goes to the writer thread once it holds this many bytes: one
/// wake-up per batch, not per exchange.
const BATCH_BYTES: usize = 128 * 1024;
/// Room for a batch: its lines and the one that makes it full.
const BATCH_CAPACITY: usize = 2 * BATCH_BYTES;
/// Batches waiting for the writer thread, at most.
const QUEUE: usize = 32;
/// The writer compresses a batch when at most this many others wait behind
/// it, and stores it otherwise.
const KEEPING_UP: usize = 2;
/// The exchanges go to disk after every this many bytes, while the run
/// goes, rather than all at its end.
const SYNC_EVERY: u64 = 8 * 1024 * 1024;
/// A thread keeps its line buffer between exchanges unless a long answer
/// made it larger than this.
const MAX_KEPT_LINE: usize = 1024 * 1024;

thread_local! {
    /// The line being written by this thread, before it goes in a batch.
    static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Streams a run's exchanges to temporary files of gzip members.
pub struct Recorder {
    start: Instant,
    pending: Mutex<Pending>,
    /// Batches sent to the writer that it has not taken yet.
    waiting: Arc<AtomicUsize>,
    /// Set when the recording finishes: the writer hands over what is left.
    stop: Arc<AtomicBool>,
    policy: BundleCompression,
    writer: Mutex<Option<JoinHandle<Writer>>>,
}

/// The batch being filled (whole lines, each ending in a newline), and the
/// way to the writer (gone once finished).
struct Pending {
    batch: Vec<u8>,
    queue: Option<SyncSender<Vec<u8>>>,
    /// Emptied batches the writer gave back, to fill again.
    spare: Receiver<Vec<u8>>,
    /// The first line that could not be written.
    failed: Option<String>,
}

/// What the writer thread owns, handed back when it stops: the files, and
/// the batches it had not taken yet.
struct Writer {
    files: Files,
    batches: Receiver<Vec<u8>>,
}

struct Files {
    lines: Stream,
    digests: Stream,
    /// The first write that failed: the bundle is then not written.
    failed: Option<String>,
}

/// A file that gzip members are appended to; the text going in is hashed
/// and counted as it is written.
struct Stream {
    out: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
    /// Of `bytes`, those in stored members.
    stored: u64,
    /// Flushed to disk after every this many bytes of text, so little is
    /// left to flush when the run ends (none: never).
    sync_every: Option<u64>,
    unsynced: u64,
}

impl Stream {
    fn new(file: File, sync_every: Option<u64>) -> Stream {
        Stream {
            out: BufWriter::with_capacity(256 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
            stored: 0,
            sync_every,
            unsynced: 0,
        }
    }

    /// Append `bytes` as a gzip member of their own, at `level`.
    fn append(&mut self, bytes: &[u8], level: Compression) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut member = GzEncoder::new(&mut self.out, level);
        member.write_all(bytes)?;
        member.finish()?;
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        if level == Compression::none() {
            self.stored += bytes.len() as u64;
        }
        if let Some(every) = self.sync_every {
            self.unsynced += bytes.len() as u64;
            if self.unsynced >= every {
                self.out.flush()?;
                self.out.get_ref().sync_data()?;
                self.unsynced = 0;
            }
        }
        Ok(())
    }

    /// The text written in place, flushed to the file.
    fn finish_in_place(mut self) -> std::io::Result<RecordedText> {
        self.out.flush()?;
        Ok(RecordedText {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
            stored: self.stored,
        })
    }

    fn finish(self) -> std::io::Result<RecordedFile> {
        let mut gzip = self.out.into_inner().map_err(|e| e.into_error())?;
        gzip.flush()?;
        gzip.seek(SeekFrom::Start(0))?;
        Ok(RecordedFile {
            gzip,
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
}

/// A finished temporary file, rewound: complete gzip members (none for an
/// empty text) whose uncompressed text is `bytes` long with digest `sha256`.
#[derive(Debug)]
pub struct RecordedFile {
    pub gzip: File,
    pub bytes: u64,
    pub sha256: String,
}

/// A text written in place, in the file given to the recorder: `bytes`
/// long with digest `sha256`, `stored` of them in stored (uncompressed)
/// members.
#[derive(Debug)]
pub struct RecordedText {
    pub bytes: u64,
    pub sha256: String,
    pub stored: u64,
}

/// A finished recording.
#[derive(Debug)]
pub struct Recorded {
    /// `exchanges.jsonl`: one exchange line per line, in the order the
    /// exchanges ended, as gzip members appended to the file the recorder
    /// was given.
    pub exchanges: RecordedText,
    /// `exchanges.digests`: the SHA-256 of each line of `exchanges.jsonl`
    /// (without its newline), one per line.
    pub digests: RecordedFile,
}

/// How a batch goes in: compressed always, or while the writer keeps up
/// and stored when `behind` batches wait for it.
fn level_for(policy: BundleCompression, behind: usize) -> Compression {
    if policy == BundleCompression::Always || behind <= KEEPING_UP {
        Compression::fast()
    } else {
        Compression::none()
    }
}

/// Let the calling thread run only on CPU time nothing else wants, where
/// the system allows it (Linux's `SCHED_IDLE`); elsewhere, or when refused,
/// it keeps its priority.
fn yield_to_the_run() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadSchedulePolicy,
        };
        let _ = set_thread_priority_and_policy(
            thread_native_id(),
            thread_priority::ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        );
    }
}

impl Recorder {
    /// A recorder appending the exchanges to `exchanges` (at its current
    /// position), compressed as `policy` says, and their digests to an
    /// anonymous temporary file.
    pub fn new(exchanges: File, policy: BundleCompression) -> std::io::Result<Recorder> {
        let mut files = Files {
            lines: Stream::new(exchanges, Some(SYNC_EVERY)),
            digests: Stream::new(tempfile::tempfile()?, None),
            failed: None,
        };
        let (queue, batches) = sync_channel::<Vec<u8>>(QUEUE);
        let (give_back, spare) = sync_channel::<Vec<u8>>(QUEUE);
        let waiting = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (waiting, stop) = (Arc::clone(&waiting), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("bundle-recorder".into())
                .spawn(move || {
                    yield_to_the_run();
                    // Stops between batches once asked to: what is left is
                    // written by the finishing thread, at its priority.
                    while !stop.load(Ordering::Acquire) {
                        let Ok(mut batch) = batches.recv() else {
                            break;
                        };
                        let behind = waiting.fetch_sub(1, Ordering::AcqRel).saturating_sub(1);
                        files.write(&batch, level_for(policy, behind));
                        batch.clear();
                        let _ = give_back.try_send(batch);
                    }
                    Writer { files, batches }
                })?
        };
        Ok(Recorder {
            start: Instant::now(),
            pending: Mutex::new(Pending {
                batch: Vec::with_capacity(BATCH_CAPACITY),
                queue: Some(queue),
                spare,
                failed: None,
            }),
            waiting,
            stop,
            policy,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// How long it has been recording.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Stop recording, take over from the writer what it has not written,
    /// and hand back the files (once; later exchanges are dropped), or the
    /// first write error.
    pub fn finish(&self) -> std::io::Result<Recorded> {
        let mut failed = None;
        let mut last = Vec::new();
        if let Ok(mut pending) = self.pending.lock() {
            last = std::mem::take(&mut pending.batch);
            self.stop.store(true, Ordering::Release);
            // Dropping the queue wakes a writer waiting for a batch.
            pending.queue = None;
            failed = pending.failed.take();
        }
        let writer = self
            .writer
            .lock()
            .ok()
            .and_then(|mut w| w.take())
            .ok_or_else(|| std::io::Error::other("the recording was already finished"))?;
        let Writer { mut files, batches } = writer
            .join()
            .map_err(|_| std::io::Error::other("the recording's writer thread failed"))?;
        let left: Vec<Vec<u8>> = batches.try_iter().chain([last]).collect();
        for (i, batch) in left.iter().enumerate() {
            files.write(batch, level_for(self.policy, left.len() - 1 - i));
        }
        if let Some(failed) = failed.or(files.failed) {
            return Err(std::io::Error::other(failed));
        }
        Ok(Recorded {
            exchanges: files.lines.finish_in_place()?,
            digests: files.digests.finish()?,
        })
    }
}

impl Files {
    /// Append a batch of whole lines at `level`, and the digest of each.
    fn write(&mut self, batch: &[u8], level: Compression) {
        if self.failed.is_some() || batch.is_empty() {
            return;
        }
        let mut digests = Vec::with_capacity(65 * (batch.len() / 512 + 1));
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', batch) {
            let line = &batch[start..end];
            start = end + 1;
            let mut hex = [0u8; 64];
            // A SHA-256 always fits its 64 hex digits.
            let _ = hex::encode_to_slice(Sha256::digest(line), &mut hex);
            digests.extend_from_slice(&hex);
            digests.push(b'\n');
        }
        let written = self
            .lines
            .append(batch, level)
            .and_then(|_| self.digests.append(&digests, level));
        if let Err(e) = written {
            self.failed = Some(format!("cannot write the recording: {e}"));
        }
    }
}

impl ExchangeSink for Recorder {
    fn record(&self, exchange: &Exchange, sent: Option<SentBody<'_>>) {
        LINE.with_borrow_mut(|line| {
            // The line is written before the lock is taken, so threads
            // ending exchanges together do not wait on each other's.
            line.clear();
            let written = write_line_rest(exchange, sent, line);
            if let Ok(mut pending) = self.pending.lock() {
                if pending.queue.is_none() || pending.failed.is_some() {
                    return;
                }
                match written {
                    Ok(()) => {
                        // The time is taken in the order the lines go in.
                        write_line_start(self.start.elapsed(), &mut pending.batch);
                        pending.batch.extend_from_slice(line);
                        if pending.batch.len() >= BATCH_BYTES {
                            self.waiting.fetch_add(1, Ordering::AcqRel);
                            pending.send_batch();
                        }
                    }
                    Err(e) => pending.failed = Some(format!("cannot write the recording: {e}")),
                }
            }
            if line.capacity() > MAX_KEPT_LINE {
                *line = Vec::new();
            }
        });
    }
}

impl Pending {
    /// Hand the batch to the writer, and go on in a buffer the writer gave
    /// back when there is one. Sent under the lock, so batches reach the
    /// writer in order; waits only when the writer is QUEUE batches behind.
    fn send_batch(&mut self) {
        let fresh = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_CAPACITY));
        let full = std::mem::replace(&mut self.batch, fresh);
        if let Some(queue) = &self.queue {
            let _ = queue.send(full);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Read;

    use flate2::read::MultiGzDecoder;

    use super::*;
    use crate::bundle::record::ExchangeLine;
    use crate::check::RequestRecord;
    use crate::client::{Response, Secret};

    fn text_of(file: &mut RecordedFile) -> Vec<u8> {
        let mut text = Vec::new();
        MultiGzDecoder::new(&mut file.gzip)
            .read_to_end(&mut text)
            .unwrap();
        text
    }

    fn digest_lines(text: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            out.extend_from_slice(hex::encode(Sha256::digest(line)).as_bytes());
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn the_writer_compresses_while_it_keeps_up_and_stores_when_behind() {
        let idle = BundleCompression::Idle;
        assert_eq!(level_for(idle, 0), Compression::fast());
        assert_eq!(level_for(idle, KEEPING_UP), Compression::fast());
        assert_eq!(level_for(idle, KEEPING_UP + 1), Compression::none());
        assert_eq!(level_for(idle, QUEUE), Compression::none());
        // Asked to, it compresses whatever waits.
        assert_eq!(
            level_for(BundleCompression::Always, QUEUE),
            Compression::fast()
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_writer_thread_takes_only_idle_cpu_time() {
        use thread_priority::unix::{
            thread_schedule_policy, NormalThreadSchedulePolicy, ThreadSchedulePolicy,
        };
        let policy = std::thread::spawn(|| {
            yield_to_the_run();
            thread_schedule_policy().unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(
            policy,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle)
        );
        // The calling thread is not changed.
        assert_ne!(thread_schedule_policy().unwrap(), policy);
    }

    #[test]
    fn stored_and_compressed_batches_read_back_as_one_text_with_a_digest_a_line() {
        let stream = || Stream::new(tempfile::tempfile().unwrap(), None);
        let mut files = Files {
            lines: stream(),
            digests: stream(),
            failed: None,
        };
        let batch = |n: usize| {
            (0..400)
                .map(|i| {
                    format!(
                        "{{\"batch\":{n},\"line\":{i},\"pad\":\"{}\"}}\n",
                        "x".repeat(200)
                    )
                })
                .collect::<String>()
                .into_bytes()
        };
        let batches = [batch(0), batch(1), batch(2)];
        files.write(&batches[0], Compression::fast());
        files.write(&batches[1], Compression::none());
        files.write(&batches[2], Compression::fast());
        let text = batches.concat();

        let mut lines = files.lines.finish().unwrap();
        let mut digests = files.digests.finish().unwrap();
        let compressed = lines.gzip.metadata().unwrap().len();
        assert_eq!(text_of(&mut lines), text);
        assert_eq!(lines.bytes, text.len() as u64);
        assert_eq!(lines.sha256, hex::encode(Sha256::digest(&text)));
        assert_eq!(text_of(&mut digests), digest_lines(&text));
        // The stored batch is all there as it is; the others shrank.
        let stored = batches[1].len() as u64;
        assert!(
            compressed > stored && compressed < stored + stored / 4,
            "{compressed} bytes for a stored batch of {stored} and two compressed ones"
        );
    }

    fn exchange(thread: usize, i: usize) -> Exchange {
        Exchange {
            request: RequestRecord {
                method: "GET".into(),
                url: format!("http://127.0.0.1:1/v2/app-registrations/{thread}-{i}"),
                headers: BTreeMap::new(),
                body: serde_json::Value::Null,
            },
            outcome: Ok(Response {
                status: 200,
                headers: BTreeMap::new(),
                body_bytes: format!("{{\"pad\":\"{}\"}}", "y".repeat(900)).into_bytes(),
                json: Some(serde_json::json!({"pad": "y".repeat(900)})),
                truncated: false,
            }),
            curl: String::new(),
            elapsed: Duration::from_micros(7),
            secret: Secret::none(),
        }
    }

    #[test]
    fn lines_from_many_threads_all_go_in_once_in_time_order() {
        for policy in BundleCompression::ALL {
            record_from_threads(policy);
        }
    }

    fn record_from_threads(policy: BundleCompression) {
        let mut archive = tempfile::tempfile().unwrap();
        archive.write_all(b"what came before").unwrap();
        let recorder = Recorder::new(archive.try_clone().unwrap(), policy).unwrap();
        const THREADS: usize = 4;
        const EACH: usize = 600;
        std::thread::scope(|scope| {
            for thread in 0..THREADS {
                let recorder = &recorder;
                scope.spawn(move || {
                    for i in 0..EACH {
                        recorder.record(&exchange(thread, i), None);
                    }
                });
            }
        });
        let mut recorded = recorder.finish().unwrap();
        // Later exchanges are dropped, and finishing again is an error.
        recorder.record(&exchange(9, 9), None);
        assert!(recorder.finish().is_err());

        let mut gzip = Vec::new();
        archive.seek(SeekFrom::Start(0)).unwrap();
        archive.read_to_end(&mut gzip).unwrap();
        let gzip = gzip.strip_prefix(b"what came before").unwrap();
        let mut text = Vec::new();
        MultiGzDecoder::new(gzip).read_to_end(&mut text).unwrap();
        assert_eq!(recorded.exchanges.bytes, text.len() as u64);
        if policy == BundleCompression::Always {
            assert_eq!(recorded.exchanges.stored, 0, "nothing stored");
            assert!(gzip.len() < text.len() / 4, "compressed");
        }
        assert_eq!(
            recorded.exchanges.sha256,
            hex::encode(Sha256::digest(&text))
        );
        assert!(
            text.len() > 8 * BATCH_BYTES,
            "several batches went through the writer"
        );
        assert_eq!(text_of(&mut recorded.digests), digest_lines(&text));
        let lines: Vec<ExchangeLine> = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), THREADS * EACH);
        assert!(lines.windows(2).all(|w| w[0].at_us <= w[1].at_us));
        let mut urls: Vec<&str> = lines.iter().map(|l| l.request.url.as_str()).collect();
        urls.sort_unstable();
        urls.dedup();
        assert_eq!(urls.len(), THREADS * EACH, "every exchange once");
    }
}
