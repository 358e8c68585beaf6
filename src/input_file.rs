//! Reading a file the user names on the command line (a documentation page,
//! a `--config` file, a `--ca-cert` bundle): a regular file of at most a
//! given size. A directory, a FIFO or a device (`/dev/zero`, a terminal) is
//! refused before it is opened, and a file is never read past its cap, so no
//! input can block the command or grow its memory without limit.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why an input file was not read. The message says what the path is or
/// what failed, not which flag named it: the caller adds that.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    #[error("it is larger than {}, more than such a file can need", size(*.0))]
    TooLarge(u64),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The bytes of the regular file at `path`, at most `cap` of them.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, InputFileError> {
    // Checked before opening: opening a FIFO waits for a writer.
    let metadata = std::fs::metadata(path)?;
    check(&metadata, cap)?;
    let file = File::open(path)?;
    // The file may have been replaced since: check what was opened.
    check(&file.metadata()?, cap)?;
    let mut bytes = Vec::new();
    // One byte past the cap tells a file that grew from one that fits.
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(InputFileError::TooLarge(cap));
    }
    Ok(bytes)
}

/// The regular file at `path`, opened for reading in a stream, with its
/// size; refused like [`read`] when larger than `cap`.
pub fn open(path: &Path, cap: u64) -> Result<(File, u64), InputFileError> {
    check(&std::fs::metadata(path)?, cap)?;
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    check(&metadata, cap)?;
    Ok((file, metadata.len()))
}

fn check(metadata: &std::fs::Metadata, cap: u64) -> Result<(), InputFileError> {
    if !metadata.is_file() {
        return Err(InputFileError::NotAFile(kind(&metadata.file_type())));
    }
    if metadata.len() > cap {
        return Err(InputFileError::TooLarge(cap));
    }
    Ok(())
}

/// What a path that is not a regular file is, in words.
fn kind(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// `4 MiB`, `512 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_regular_file_is_read_whole() {
        let dir = std::env::temp_dir().join(format!("input-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("small.txt");
        std::fs::write(&path, b"hello").unwrap();
        assert_eq!(read(&path, 5).unwrap(), b"hello");
        assert!(matches!(read(&path, 4), Err(InputFileError::TooLarge(4))));
        assert!(matches!(
            read(&dir, 5),
            Err(InputFileError::NotAFile("a directory"))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_device_is_refused_without_reading() {
        let error = read(Path::new("/dev/zero"), 1024).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is a character device, not a regular file"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(4 * 1024 * 1024), "4 MiB");
        assert_eq!(size(512 * 1024), "512 KiB");
        assert_eq!(size(100), "100 bytes");
    }
}
