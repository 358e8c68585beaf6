//! `--events FILE` (or `-` for stdout): one JSON line per phase start and
//! end and per finished check, written as the run goes, for dashboards and
//! long runs. Every line is scrubbed of the token like the reports; a
//! closed stream stops the events, never the run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::check::Check;
use crate::client::Secret;
use crate::model::Phase;

/// Where the events go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsTo {
    Stdout,
    File(PathBuf),
}

impl EventsTo {
    /// `-` is stdout, anything else a file path.
    pub fn parse(text: &str) -> EventsTo {
        if text == "-" {
            EventsTo::Stdout
        } else {
            EventsTo::File(PathBuf::from(text))
        }
    }
}

/// The open event stream of one run.
pub struct Events {
    out: Mutex<Option<Box<dyn Write + Send>>>,
    secret: Secret,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the events file {}: {source}; pass a writable path to --events (or - for stdout)", .path.display())]
pub struct EventsError {
    path: PathBuf,
    source: std::io::Error,
}

impl Events {
    /// Open (create or truncate) the stream; lines are scrubbed of `secret`.
    pub fn open(to: &EventsTo, secret: Secret) -> Result<Events, EventsError> {
        let out: Box<dyn Write + Send> = match to {
            EventsTo::Stdout => Box::new(std::io::stdout()),
            EventsTo::File(path) => Box::new(std::io::BufWriter::new(create(path)?)),
        };
        Ok(Events {
            out: Mutex::new(Some(out)),
            secret,
        })
    }

    pub fn phase_start(&self, phase: Phase) {
        self.emit(json!({"event": "phase-start", "phase": phase.name()}));
    }

    pub fn phase_end(&self, phase: Phase, checks: usize) {
        self.emit(json!({"event": "phase-end", "phase": phase.name(), "checks": checks}));
    }

    pub fn check(&self, check: &Check) {
        self.emit(json!({
            "event": "check",
            "id": check.id,
            "fact": check.fact,
            "level": check.level,
            "verdict": check.verdict,
            "source": check.source,
            "message": check.message,
        }));
    }

    /// The run is over: its verdict and counts.
    pub fn run_end(&self, summary: &impl serde::Serialize) {
        self.emit(json!({"event": "run-end", "summary": summary}));
        if let Ok(mut out) = self.out.lock() {
            if let Some(w) = out.as_mut() {
                let _ = w.flush();
            }
        }
    }

    fn emit(&self, mut line: Value) {
        line["at"] = Value::String(now());
        self.secret.scrub_value(&mut line);
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let Some(writer) = out.as_mut() else {
            return;
        };
        let text = format!("{line}\n");
        // A line at a time, so a reader following the file sees whole lines.
        if writer
            .write_all(text.as_bytes())
            .and_then(|()| writer.flush())
            .is_err()
        {
            *out = None;
        }
    }
}

fn create(path: &Path) -> Result<std::fs::File, EventsError> {
    std::fs::File::create(path).map_err(|source| EventsError {
        path: path.to_path_buf(),
        source,
    })
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
