//! A failing run of the binary, for the tests of what a failure looks like
//! (report.html in a browser, `run --verbose`): the reference server's
//! `contact-message-reworded` mutant is started here, on 127.0.0.1 port 0,
//! and `run --verbose` is pointed at it with a token, both phases, bounded
//! in time.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use tempfile::TempDir;
use verifik_conformance::server::{self, ServerConfig, ServerVariant};

use super::{bin, output_within};

/// The token the run sends: it must show in none of its outputs.
pub const TOKEN: &str = "failing-run-T0ken/8c1e+secret";

/// The mutant: it words the missing-contact error differently.
pub const MUTANT: &str = "contact-message-reworded";

pub struct FailingRun {
    /// Holds report.json, junit.xml, report.md and report.html.
    pub dir: TempDir,
    pub output: Output,
}

impl FailingRun {
    pub fn report_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
}

/// Run `run --verbose` against the mutant (extra arguments appended).
pub fn failing_run(extra: &[&str]) -> FailingRun {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.mutant = Some(MUTANT.into());
    config.token = TOKEN.into();
    config.blocked_email_domains = vec!["blocked.example".into()];
    let server = runtime.block_on(server::spawn(config)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = output_within(
        bin()
            .args(["run", "--verbose", "--color", "never", "--target"])
            .arg(server.url())
            .args(["--blocked-email-domain", "blocked.example"])
            .args(["--cases", "60", "--seed", "11", "--report-dir"])
            .arg(dir.path())
            .args(extra)
            .env("VERIFIK_TOKEN", TOKEN),
        Duration::from_secs(180),
    );
    runtime.block_on(server.shutdown());
    assert_eq!(
        output.status.code(),
        Some(1),
        "the mutant fails the run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    FailingRun { dir, output }
}
