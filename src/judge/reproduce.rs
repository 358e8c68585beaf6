//! The reproduction of a check that needed several requests: a script
//! that replays them in order, carrying the registration id an answer gave
//! into the requests that use it.

use crate::client::{script, Exchange, ScriptStep};

use super::registration_id;

/// The script that replays `exchanges` in order.
pub fn reproduction_script(exchanges: &[Exchange]) -> String {
    let answers: Vec<(Option<String>, String)> = exchanges
        .iter()
        .map(|e| match e.response() {
            Some(r) => (
                r.json.as_ref().and_then(registration_id),
                String::from_utf8_lossy(&r.body_bytes).into_owned(),
            ),
            None => (None, String::new()),
        })
        .collect();
    let steps: Vec<ScriptStep<'_>> = exchanges
        .iter()
        .zip(&answers)
        .map(|(e, (id, answer))| ScriptStep {
            curl: &e.curl,
            id: id.clone(),
            answer,
        })
        .collect();
    script(&steps)
}
