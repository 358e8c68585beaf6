//! One assertion about one answer, the unit both phases judge in: whether
//! the claim held (`None`: the pages are silent, so it is only observed, or
//! nothing came back to judge), what was expected and what was observed.

use serde_json::Value;

use super::answer::describe;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Judgement {
    pub held: Option<bool>,
    pub expected: Value,
    pub observed: Value,
    /// Nothing could be observed (timeout, reset, body cap, a stopped
    /// run): why. Such a judgement is neither held nor an observation.
    pub nothing_observed: Option<String>,
}

impl Judgement {
    pub fn new(held: Option<bool>, expected: Value, observed: Value) -> Judgement {
        Judgement {
            held,
            expected,
            observed,
            nothing_observed: None,
        }
    }

    /// Nothing came back to judge, for `problem`.
    pub fn nothing_observed(problem: String) -> Judgement {
        Judgement {
            nothing_observed: Some(problem),
            ..Judgement::default()
        }
    }

    /// An observation: the pages are silent.
    pub fn observation() -> Judgement {
        Judgement::default()
    }

    /// The check's one-line message.
    pub fn message(&self) -> String {
        describe(self.held, &self.expected, &self.observed)
    }
}
