//! Answering a re-run from a recording: each request is matched to a
//! recorded exchange with the same redacted request (method, URL, headers,
//! body), the recorded ones in order when the same request was sent more
//! than once. Ids issued by the recorded target are in the recorded
//! answers, so the requests that use them match too.

use std::collections::{HashMap, VecDeque};
use std::io::BufRead;
use std::sync::Mutex;
use std::time::Duration;

use super::record::ExchangeLine;
use crate::check::RequestRecord;
use crate::client::{AnswerSource, Response, TransportError};

/// The recorded exchanges of a run, served as answers.
pub struct Replayer {
    lines: Vec<ExchangeLine>,
    state: Mutex<State>,
}

struct State {
    /// Unused recorded exchanges (indices into `lines`) by request key.
    queues: HashMap<String, VecDeque<usize>>,
    /// Requests of the re-run the recording had no answer for.
    unanswered: Vec<String>,
}

/// What a replay used of the recording.
#[derive(Debug, Default)]
pub struct ReplayUse {
    /// `METHOD URL` of recorded exchanges the re-run never asked for.
    pub unused: Vec<String>,
    /// `METHOD URL` of re-run requests with no recorded answer.
    pub unanswered: Vec<String>,
}

fn key(record: &RequestRecord) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

impl Replayer {
    /// Read `exchanges.jsonl`; the error names the first line that is not an
    /// exchange record.
    pub fn read(reader: impl BufRead) -> Result<Replayer, String> {
        let mut lines = Vec::new();
        let mut queues: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| format!("exchanges.jsonl line {}: {e}", n + 1))?;
            let exchange: ExchangeLine = serde_json::from_str(&line).map_err(|e| {
                format!(
                    "exchanges.jsonl line {} is not an exchange record: {e}",
                    n + 1
                )
            })?;
            queues
                .entry(key(&exchange.request))
                .or_default()
                .push_back(lines.len());
            lines.push(exchange);
        }
        Ok(Replayer {
            lines,
            state: Mutex::new(State {
                queues,
                unanswered: Vec::new(),
            }),
        })
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// What the replay left unused, and what it could not answer.
    pub fn usage(&self) -> ReplayUse {
        let Ok(state) = self.state.lock() else {
            return ReplayUse::default();
        };
        let mut unused: Vec<usize> = state.queues.values().flatten().copied().collect();
        unused.sort_unstable();
        ReplayUse {
            unused: unused
                .into_iter()
                .map(|i| {
                    let r = &self.lines[i].request;
                    format!("line {}: {} {}", i + 1, r.method, r.url)
                })
                .collect(),
            unanswered: state.unanswered.clone(),
        }
    }
}

impl AnswerSource for Replayer {
    fn answer(
        &self,
        request: &RequestRecord,
    ) -> Option<(Result<Response, TransportError>, Duration)> {
        let mut state = self.state.lock().ok()?;
        let index = state
            .queues
            .get_mut(&key(request))
            .and_then(VecDeque::pop_front);
        let Some(index) = index else {
            state
                .unanswered
                .push(format!("{} {}", request.method, request.url));
            return None;
        };
        drop(state);
        let line = &self.lines[index];
        Some((line.outcome(), line.elapsed()))
    }
}
