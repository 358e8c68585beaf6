//! Writing to the terminal without dying on a closed pipe. `print!` panics
//! when stdout is gone (`run | head -2`); these functions stop printing
//! instead, so the command still writes its reports and keeps its exit code.

use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Print `text` as is on stdout, unless stdout has been closed.
pub fn out(text: &str) {
    write(&STDOUT_GONE, &mut std::io::stdout().lock(), text);
}

/// Print `text` and a newline on stdout.
pub fn out_line(text: &str) {
    out(&format!("{text}\n"));
}

/// Print `text` and a newline on stderr, unless stderr has been closed.
pub fn err_line(text: &str) {
    write(
        &STDERR_GONE,
        &mut std::io::stderr().lock(),
        &format!("{text}\n"),
    );
}

fn write(gone: &AtomicBool, stream: &mut dyn std::io::Write, text: &str) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    if stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush())
        .is_err()
    {
        gone.store(true, Ordering::Relaxed);
    }
}
