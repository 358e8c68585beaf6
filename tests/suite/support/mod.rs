//! Helpers shared by the test modules.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// A finished command's stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
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
