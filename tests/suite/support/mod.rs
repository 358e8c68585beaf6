//! Helpers shared by the test modules.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use verifik_conformance::server::{self, ServerConfig, ServerHandle, ServerVariant};

pub mod failing_run;
pub mod independent_server;
pub mod server_support;

/// The path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_verifik-conformance");

/// The binary under test, as a command to add arguments to.
pub fn bin() -> Command {
    Command::new(BIN)
}

/// `verifik-conformance drift ARGS`, run to its end.
pub fn drift(args: &[&str]) -> Output {
    bin()
        .arg("drift")
        .args(args)
        .output()
        .expect("run the binary")
}

/// The email domain the test servers refuse.
pub use verifik_conformance::suite::EMBEDDED_BLOCKED_DOMAIN as BLOCKED_DOMAIN;

/// The reference server on 127.0.0.1, port 0: as `mutant` when given, with
/// `token` when given (else its own), refusing emails at [`BLOCKED_DOMAIN`].
pub async fn reference_server(mutant: Option<&str>, token: Option<&str>) -> ServerHandle {
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.mutant = mutant.map(str::to_string);
    if let Some(token) = token {
        config.token = token.into();
    }
    config.blocked_email_domains = vec![BLOCKED_DOMAIN.into()];
    server::spawn(config)
        .await
        .expect("the reference server starts")
}

/// A finished command's stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A finished command's stdout, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The report.json a run wrote into `dir`.
pub fn read_report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

/// Run the binary with `args` in a blocking task (so the test's own
/// servers keep answering), with `VERIFIK_TOKEN` set to `token`, or unset.
pub async fn run_bin(args: Vec<String>, token: Option<&str>) -> Output {
    let token = token.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let mut command = bin();
        command.args(&args);
        match token {
            Some(token) => command.env("VERIFIK_TOKEN", token),
            None => command.env_remove("VERIFIK_TOKEN"),
        };
        command.output().expect("run the binary")
    })
    .await
    .expect("the binary's task")
}

/// Run `command` to its end, at most `limit`: past it the process is killed
/// and the test fails, so a command that hangs cannot hang the tests.
pub fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let err_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}
