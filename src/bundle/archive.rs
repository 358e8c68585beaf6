//! The bundle archive: a `.tar.gz` (standard `tar` opens it) written
//! through a temporary file beside the destination, the exchanges during
//! the run and the rest after it, and renamed into place; and read back in
//! a stream (every gzip member of it), hashing as it goes.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::manifest::FileDigest;
use super::recorder::Recorded;

pub const MANIFEST: &str = "manifest.json";
pub const ENVELOPE: &str = "manifest.dsse.json";
pub const REPORT: &str = "report.json";
pub const EXCHANGES: &str = "exchanges.jsonl";
pub const DIGESTS: &str = "exchanges.digests";

/// The largest manifest, envelope or report read from a bundle.
const MAX_SMALL_FILE: u64 = 256 * 1024 * 1024;

/// Why a bundle could not be written or read (exit 2). One line.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot write the bundle {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("cannot read the bundle {path}: {reason}")]
    Read { path: String, reason: String },
}

/// What goes into a bundle besides the exchanges, which the recorder wrote
/// into it during the run.
pub struct BundleFiles {
    pub manifest: Vec<u8>,
    /// The DSSE envelope, when the bundle is signed.
    pub envelope: Option<Vec<u8>>,
    pub report: Vec<u8>,
    pub recorded: Recorded,
}

/// Whether `path` names a bundle this tool writes (`.tar.gz` or `.tgz`).
pub fn check_bundle_path(path: &Path) -> Result<(), String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if !(name.ends_with(".tar.gz") || name.ends_with(".tgz")) {
        return Err(format!(
            "--bundle {}: a bundle is a .tar.gz archive; give a path ending in .tar.gz",
            path.display()
        ));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "--bundle {}: the folder {} does not exist; create it first",
            path.display(),
            parent.display()
        ));
    }
    Ok(())
}

/// A bundle being written: a temporary file beside the destination,
/// renamed into place only once complete (an interrupted run leaves no
/// bundle under the name, and any earlier one there as it was).
///
/// The archive is a gzip file of several members, which RFC 1952 allows and
/// `gzip`, `tar` and every gzip library that follows it read as one stream.
/// It is written in the order the run makes it: first the tar header of
/// `exchanges.jsonl` (in a stored member of fixed length, its size filled in
/// at the end), then the exchanges, appended by the recorder as the run
/// goes (see [`BundleFile::exchanges`]), then, when the run has ended, the
/// digests, the manifest, its signature, the report and the tar end. So
/// nothing of the exchanges is copied or compressed again at the end.
pub struct BundleFile {
    path: PathBuf,
    temp: NamedTempFile,
    /// Where the exchanges start.
    exchanges_at: u64,
}

impl BundleFile {
    /// Start the bundle for `path` (checked with [`check_bundle_path`]).
    pub fn create(path: &Path) -> Result<BundleFile, BundleError> {
        let fail = |reason: String| BundleError::Write {
            path: path.display().to_string(),
            reason,
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".bundle-")
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(|e| fail(format!("cannot create a file in {}: {e}", dir.display())))?;
        let header = stored_member(&entry_header(EXCHANGES, 0)).map_err(|e| fail(e.to_string()))?;
        temp.write_all(&header).map_err(|e| fail(e.to_string()))?;
        Ok(BundleFile {
            path: path.to_path_buf(),
            temp,
            exchanges_at: header.len() as u64,
        })
    }

    /// Where the bundle goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file the recorder appends the exchanges' gzip members to.
    pub fn exchanges(&self) -> std::io::Result<File> {
        self.temp.as_file().try_clone()
    }

    /// Finish the archive after the exchanges, and put it in place.
    pub fn finish(self, files: BundleFiles) -> Result<(), BundleError> {
        let fail = |reason: String| BundleError::Write {
            path: self.path.display().to_string(),
            reason,
        };
        let Recorded {
            exchanges,
            mut digests,
        } = files.recorded;
        let mut file = self.temp.as_file();
        file.seek(SeekFrom::End(0))
            .map_err(|e| fail(e.to_string()))?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let mut tar = vec![0u8; padding(exchanges.bytes)];
        tar.extend_from_slice(&entry_header(DIGESTS, digests.bytes));
        write_member(&mut out, &tar).map_err(|e| fail(e.to_string()))?;
        std::io::copy(&mut digests.gzip, &mut out).map_err(|e| fail(format!("{DIGESTS}: {e}")))?;

        let mut tar = vec![0u8; padding(digests.bytes)];
        push_file(&mut tar, MANIFEST, &files.manifest);
        if let Some(envelope) = &files.envelope {
            push_file(&mut tar, ENVELOPE, envelope);
        }
        push_file(&mut tar, REPORT, &files.report);
        // Two zero blocks end a tar archive.
        tar.resize(tar.len() + 2 * BLOCK, 0);
        write_member(&mut out, &tar).map_err(|e| fail(e.to_string()))?;
        out.flush().map_err(|e| fail(e.to_string()))?;
        drop(out);

        // The size of the exchanges, now known, in the header's member.
        let header = stored_member(&entry_header(EXCHANGES, exchanges.bytes))
            .map_err(|e| fail(e.to_string()))?;
        if header.len() as u64 != self.exchanges_at {
            return Err(fail(format!(
                "the header of {EXCHANGES} changed length ({} bytes, {} reserved)",
                header.len(),
                self.exchanges_at
            )));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| fail(e.to_string()))?;
        file.write_all(&header).map_err(|e| fail(e.to_string()))?;
        file.sync_all().map_err(|e| fail(e.to_string()))?;
        self.temp
            .persist(&self.path)
            .map_err(|e| fail(e.error.to_string()))?;
        Ok(())
    }
}

/// `bytes` as one stored (uncompressed) gzip member: its length depends on
/// the length of `bytes` only, so it can be written again in place.
fn stored_member(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gzip = GzEncoder::new(Vec::new(), Compression::none());
    gzip.write_all(bytes)?;
    gzip.finish()
}

/// A tar block.
const BLOCK: usize = 512;

/// The tar header of a regular file `name` of `size` bytes, as `tar`
/// writes one (mode 0644, time 0, so equal runs give equal headers).
fn entry_header(name: &str, size: u64) -> [u8; BLOCK] {
    let mut header = tar::Header::new_gnu();
    // Every name here is a short constant: it always fits.
    let _ = header.set_path(name);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    *header.as_bytes()
}

/// The zeros that fill the last block of a `size`-byte file.
fn padding(size: u64) -> usize {
    (BLOCK - (size % BLOCK as u64) as usize) % BLOCK
}

/// Append a whole tar entry (header, `bytes`, padding) to `tar`.
fn push_file(tar: &mut Vec<u8>, name: &str, bytes: &[u8]) {
    tar.extend_from_slice(&entry_header(name, bytes.len() as u64));
    tar.extend_from_slice(bytes);
    tar.resize(tar.len() + padding(bytes.len() as u64), 0);
}

/// Write `bytes` to `out` as one gzip member.
fn write_member(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let mut gzip = GzEncoder::new(out, Compression::fast());
    gzip.write_all(bytes)?;
    gzip.finish()?;
    Ok(())
}

/// A bundle read back: small files in memory, the exchanges in anonymous
/// temporary files, every file with its digest.
#[derive(Debug)]
pub struct Extracted {
    pub manifest: Option<Vec<u8>>,
    pub envelope: Option<Vec<u8>>,
    pub report: Option<(Vec<u8>, FileDigest)>,
    pub exchanges: Option<(File, FileDigest)>,
    pub digests: Option<(File, FileDigest)>,
    /// Entries this tool does not write.
    pub unexpected: Vec<String>,
}

/// Read the bundle at `path`.
pub fn read_bundle(path: &Path) -> Result<Extracted, BundleError> {
    let fail = |reason: String| BundleError::Read {
        path: path.display().to_string(),
        reason,
    };
    let (file, _) = crate::input_file::open(path, u64::MAX).map_err(|e| fail(e.to_string()))?;
    let mut archive = tar::Archive::new(MultiGzDecoder::new(std::io::BufReader::new(file)));
    let mut out = Extracted {
        manifest: None,
        envelope: None,
        report: None,
        exchanges: None,
        digests: None,
        unexpected: Vec::new(),
    };
    let not_archive = |e: std::io::Error| fail(format!("it is not a .tar.gz bundle ({e})"));
    for entry in archive.entries().map_err(not_archive)? {
        let mut entry = entry.map_err(not_archive)?;
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .map_err(not_archive)?;
        let small = |entry: &mut dyn Read| -> Result<Vec<u8>, BundleError> {
            let mut bytes = Vec::new();
            entry
                .take(MAX_SMALL_FILE + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| fail(format!("{name}: {e}")))?;
            if bytes.len() as u64 > MAX_SMALL_FILE {
                return Err(fail(format!("{name} is larger than a bundle writes it")));
            }
            Ok(bytes)
        };
        match name.as_str() {
            MANIFEST => out.manifest = Some(small(&mut entry)?),
            ENVELOPE => out.envelope = Some(small(&mut entry)?),
            REPORT => {
                let bytes = small(&mut entry)?;
                let digest = FileDigest {
                    sha256: super::sha256_hex(&bytes),
                    bytes: bytes.len() as u64,
                };
                out.report = Some((bytes, digest));
            }
            EXCHANGES => {
                out.exchanges = Some(spool(&mut entry).map_err(|e| fail(format!("{name}: {e}")))?)
            }
            DIGESTS => {
                out.digests = Some(spool(&mut entry).map_err(|e| fail(format!("{name}: {e}")))?)
            }
            _ => out.unexpected.push(name),
        }
    }
    Ok(out)
}

/// Copy `reader` to an anonymous temporary file, hashing it; rewound.
fn spool(reader: &mut dyn Read) -> std::io::Result<(File, FileDigest)> {
    use std::io::{Seek, SeekFrom};
    let mut file = tempfile::tempfile()?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    {
        let mut out = BufWriter::new(&mut file);
        loop {
            let n = reader.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            out.write_all(&buffer[..n])?;
            bytes += n as u64;
        }
        out.flush()?;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok((
        file,
        FileDigest {
            sha256: hex::encode(hasher.finalize()),
            bytes,
        },
    ))
}
