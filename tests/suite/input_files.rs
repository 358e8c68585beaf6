//! Files named on the command line (`drift --doc`, `run --config`, `run
//! --ca-cert`) are read only when they are regular files within a size cap:
//! `/dev/zero`, a directory or an oversized file is a usage error (exit 2)
//! that names the path, at once.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::support::{bin, output_within, stderr};

/// Far more than any of these commands needs to refuse an input.
const QUICKLY: Duration = Duration::from_secs(20);

/// A file one byte over `cap`.
fn oversized(dir: &Path, name: &str, cap: u64) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(cap + 1).unwrap();
    path
}

/// The refusals every flag must give: what each bad path must produce.
fn bad_inputs(dir: &Path, cap: u64) -> Vec<(PathBuf, &'static str)> {
    let mut inputs = vec![
        (dir.to_path_buf(), "is a directory, not a regular file"),
        (oversized(dir, "huge", cap), "is larger than"),
    ];
    if cfg!(target_os = "linux") {
        inputs.push((
            PathBuf::from("/dev/zero"),
            "is a character device, not a regular file",
        ));
    }
    inputs
}

fn assert_refused(out: &Output, path: &Path, reason: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains(reason), "{err}");
}

#[test]
fn drift_refuses_a_doc_that_is_not_a_small_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    for (path, reason) in bad_inputs(tmp.path(), verifik_conformance::drift::MAX_PAGE_BYTES) {
        let out = output_within(
            bin()
                .arg("drift")
                .arg(format!("--doc=en={}", path.display())),
            QUICKLY,
        );
        assert_refused(&out, &path, reason);
        assert!(stderr(&out).contains("give --doc the page saved as a file"));
    }
}

#[test]
fn run_refuses_a_config_that_is_not_a_small_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    for (path, reason) in bad_inputs(tmp.path(), verifik_conformance::config::MAX_CONFIG_BYTES) {
        let out = output_within(bin().arg("run").arg("--config").arg(&path), QUICKLY);
        assert_refused(&out, &path, reason);
        assert!(stderr(&out).contains("--config"));
    }
}

#[test]
fn run_refuses_a_ca_cert_that_is_not_a_small_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    for (path, reason) in bad_inputs(&inputs, verifik_conformance::client::MAX_CA_FILE_BYTES) {
        let out = output_within(
            bin()
                .args(["run", "--target", "https://127.0.0.1:9", "--token", "t"])
                .arg("--ca-cert")
                .arg(&path)
                .arg("--report-dir")
                .arg(&reports),
            QUICKLY,
        );
        assert_refused(&out, &path, reason);
        assert!(stderr(&out).contains("--ca-cert"));
    }
}
