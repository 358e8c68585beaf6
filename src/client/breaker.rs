//! When to stop sending: after too many transport failures in a row (the
//! target stopped answering), or when the run's time is up
//! (`--max-duration`). Once tripped, every later request comes back at once
//! as [`TransportError::Stopped`], so a dead target costs seconds, not the
//! timeout times every request of the run.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::TransportError;

/// Transport failures in a row after which the run stops, by default.
pub const DEFAULT_FAILURE_LIMIT: u32 = 8;

/// The shared state of one run's breaker. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Breaker(Arc<State>);

#[derive(Debug)]
struct State {
    failure_limit: u32,
    deadline: Option<(Instant, Duration)>,
    in_a_row: AtomicU32,
    answered: AtomicU64,
    tripped: OnceLock<String>,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker::new(DEFAULT_FAILURE_LIMIT, None)
    }
}

impl Breaker {
    /// Trip after `failure_limit` transport failures in a row (at least 1),
    /// or once `max_duration` has passed since now.
    pub fn new(failure_limit: u32, max_duration: Option<Duration>) -> Breaker {
        Breaker(Arc::new(State {
            failure_limit: failure_limit.max(1),
            deadline: max_duration.map(|d| (Instant::now() + d, d)),
            in_a_row: AtomicU32::new(0),
            answered: AtomicU64::new(0),
            tripped: OnceLock::new(),
        }))
    }

    /// Why the run stopped, once it has.
    pub fn stopped(&self) -> Option<&str> {
        self.0.tripped.get().map(String::as_str)
    }

    /// How long the next request may take (`timeout`, or less when the
    /// deadline is nearer), or why it must not be sent.
    pub(crate) fn admit(&self, timeout: Duration) -> Result<Duration, TransportError> {
        if let Some(reason) = self.stopped() {
            return Err(TransportError::Stopped {
                reason: reason.to_string(),
            });
        }
        match self.0.deadline {
            None => Ok(timeout),
            Some((deadline, _)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    Err(self.time_up())
                } else {
                    Ok(timeout.min(left))
                }
            }
        }
    }

    /// The deadline passed while a request was in flight (or before it).
    pub(crate) fn time_up(&self) -> TransportError {
        let max = self.0.deadline.map(|(_, d)| d).unwrap_or_default();
        let reason = format!("the run reached --max-duration {}", human(max));
        let reason = self.0.tripped.get_or_init(|| reason).clone();
        TransportError::Stopped { reason }
    }

    /// Whether the deadline, if any, has passed.
    pub(crate) fn past_deadline(&self) -> bool {
        self.0
            .deadline
            .is_some_and(|(deadline, _)| Instant::now() >= deadline)
    }

    /// Count one finished request: an answer resets the count, a transport
    /// failure adds to it and may trip the breaker.
    pub(crate) fn record<T>(&self, outcome: &Result<T, TransportError>) {
        let counts = match outcome {
            Ok(_) => {
                self.0.in_a_row.store(0, Ordering::Relaxed);
                self.0.answered.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(error) => error.is_target_failure(),
        };
        if !counts {
            return;
        }
        let in_a_row = self.0.in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if in_a_row >= self.0.failure_limit {
            let answered = self.0.answered.load(Ordering::Relaxed);
            let last = match outcome {
                Err(error) => error.to_string(),
                Ok(_) => String::new(),
            };
            self.0.tripped.get_or_init(|| {
                format!(
                    "the target stopped answering after {answered} answers: \
                     {in_a_row} requests in a row brought no answer, the last: {last}"
                )
            });
        }
    }
}

/// `90s`, `1.5s`, `250ms`.
fn human(duration: Duration) -> String {
    if duration.as_millis() < 1000 {
        format!("{}ms", duration.as_millis())
    } else if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> Result<(), TransportError> {
        Err(TransportError::Reset {
            during: "before any answer",
        })
    }

    #[test]
    fn trips_after_the_limit_in_a_row_only() {
        let breaker = Breaker::new(3, None);
        breaker.record(&failure());
        breaker.record(&failure());
        breaker.record(&Ok(()));
        breaker.record(&failure());
        breaker.record(&failure());
        assert!(breaker.stopped().is_none());
        breaker.record(&failure());
        let reason = breaker.stopped().unwrap();
        assert!(reason.contains("3 requests in a row"), "{reason}");
        assert!(reason.contains("after 1 answers"), "{reason}");
        assert!(matches!(
            breaker.admit(Duration::from_secs(1)),
            Err(TransportError::Stopped { .. })
        ));
    }

    #[test]
    fn a_deadline_shortens_then_refuses() {
        let breaker = Breaker::new(3, Some(Duration::from_millis(300)));
        let first = breaker.admit(Duration::from_secs(10)).unwrap();
        assert!(first <= Duration::from_millis(300));
        std::thread::sleep(Duration::from_millis(350));
        let Err(TransportError::Stopped { reason }) = breaker.admit(Duration::from_secs(10)) else {
            panic!("admitted after the deadline");
        };
        assert_eq!(reason, "the run reached --max-duration 300ms");
        assert_eq!(breaker.stopped(), Some(reason.as_str()));
    }
}
