//! The cucumber World: one scenario's state (the request being built, the
//! exchanges made) and the run context shared by every scenario (client,
//! contract, profile, the check collector).

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::sync::OwnedRwLockWriteGuard;

use crate::check::{Alignment, Check, CheckSource, Level, VariantAlignment, Verdict};
use crate::client::{Exchange, Request, Response};
use crate::context::RunContext;
use crate::contract::{Claims, Contract, Variant};
use crate::judge::Judgement;

use super::features::check_id;

/// Why a step has no answer to judge its fact by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unobserved {
    /// No request was sent, or it brought no complete HTTP answer (timeout,
    /// reset, body cap): the check ends in `error`.
    Nothing(String),
    /// The target answered with a server error: evidence against
    /// `http.no-server-error` only; the step's own fact stays unobserved.
    ServerError(u16),
}

/// What a step concluded, before it becomes a [`Check`]: the judgement,
/// which part of the scenario's fact it is about, and what every page
/// would have said.
pub struct StepResult {
    /// The aspect when a scenario judges the same fact more than once.
    pub aspect: Option<&'static str>,
    /// At most this binding (a must fact's should-level part).
    pub cap: Option<Level>,
    pub judgement: Judgement,
    pub message: String,
    pub variants: VariantAlignment,
}

#[derive(Debug, cucumber::World)]
#[world(init = Self::new)]
pub struct RegistrationWorld {
    pub ctx: Option<Arc<RunContext>>,
    pub scenario: String,
    pub facts: Vec<String>,
    /// Why the scenario is skipped (missing configuration).
    pub skip: Option<String>,
    /// The create body being built.
    pub body: Map<String, Value>,
    /// The registration made by a `Given` (for recreate, retrieve, sync).
    pub setup: Option<Exchange>,
    pub setup_body: Map<String, Value>,
    /// The exchange the `Then` steps judge.
    pub last: Option<Exchange>,
    /// Every exchange of the scenario so far, in order (for the
    /// reproduction script of a check that needed several).
    pub trail: Vec<Exchange>,
    /// Held while this scenario runs alone (see [`RunContext`]'s gate).
    pub alone: Option<Alone>,
    /// Where this scenario's contacts are numbered from (its place in the
    /// embedded features), and how many it has used.
    pub serial_base: u64,
    pub contacts: u64,
    /// A server error of this scenario was filed under `http.no-server-error`.
    pub server_error_filed: bool,
}

/// Exclusive use of the target for one scenario, until the scenario ends.
pub struct Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>);

impl std::fmt::Debug for Alone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Alone")
    }
}

impl RegistrationWorld {
    fn new() -> Self {
        RegistrationWorld {
            ctx: None,
            scenario: String::new(),
            facts: Vec::new(),
            skip: None,
            body: Map::new(),
            setup: None,
            setup_body: Map::new(),
            last: None,
            trail: Vec::new(),
            alone: None,
            serial_base: 0,
            contacts: 0,
            server_error_filed: false,
        }
    }

    pub fn ctx(&self) -> Arc<RunContext> {
        // The before hook sets it for every scenario.
        self.ctx
            .clone()
            .expect("run context is set by the before hook")
    }

    /// The fact this scenario is about (its first `@fact:` tag).
    pub fn fact(&self) -> String {
        self.facts.first().cloned().unwrap_or_default()
    }

    /// A number no other contact of this run has: the scenario's place in
    /// the features and its n-th contact, whatever order scenarios run in.
    pub fn contact_serial(&mut self) -> u64 {
        self.contacts += 1;
        self.serial_base * 10 + self.contacts
    }

    pub fn skipped(&self) -> bool {
        self.skip.is_some()
    }

    pub async fn send(&mut self, request: Request) -> Exchange {
        let ctx = self.ctx();
        let exchange = if self.alone.is_some() {
            ctx.client.send(request).await
        } else {
            let _shared = ctx.gate.read().await;
            ctx.client.send(request).await
        };
        self.trail.push(exchange.clone());
        exchange
    }

    /// The script that replays the scenario's requests up to the judged
    /// one, when there was more than one.
    fn script(&self) -> Option<String> {
        let last = self.last.as_ref()?;
        let end = self.trail.iter().rposition(|e| e.curl == last.curl)?;
        let steps = &self.trail[..=end];
        (steps.len() > 1).then(|| crate::judge::reproduction_script(steps))
    }

    /// Wait until no other scenario has a request in flight, and keep the
    /// target to this scenario until it ends.
    pub async fn run_alone(&mut self) {
        if self.alone.is_none() {
            let gate = Arc::clone(&self.ctx().gate);
            self.alone = Some(Alone(gate.write_owned().await));
        }
    }

    /// The last complete HTTP answer, whatever its status, or why there is
    /// none.
    pub fn answer(&self) -> Result<&Response, String> {
        let exchange = self
            .last
            .as_ref()
            .ok_or_else(|| "no request was sent (a step before this one failed)".to_string())?;
        if let Some(problem) = exchange.problem() {
            return Err(problem);
        }
        exchange.outcome.as_ref().map_err(|e| e.to_string())
    }

    /// The last answer to judge a fact by: a complete HTTP answer below 500.
    pub fn response(&self) -> Result<&Response, Unobserved> {
        let response = self.answer().map_err(Unobserved::Nothing)?;
        if response.status >= 500 {
            return Err(Unobserved::ServerError(response.status));
        }
        Ok(response)
    }

    /// The claims of the variant that judges `fact` under the run's profile
    /// (the first of its variants that states it).
    pub fn judged_claims(&self, fact: &str) -> Option<(Variant, &'static Claims)> {
        let ctx = self.ctx();
        let contract: &'static Contract = ctx.contract;
        contract.judged_claims(&ctx.profile, fact)
    }

    /// Judge `fact` on the last exchange: `fits(variant, claims)` says
    /// whether the observation fits one variant's claims (`None`: they do
    /// not speak to it). The profile's claim decides the verdict; every
    /// variant's claims decide the alignment.
    pub fn judge(
        &mut self,
        fact: &str,
        aspect: Option<&'static str>,
        cap: Option<Level>,
        observed: Value,
        expected_of: impl Fn(Variant, &Claims) -> Value,
        fits: impl Fn(Variant, &Claims) -> Option<bool>,
    ) {
        let ctx = self.ctx();
        let variants = ctx.contract.align(fact, &fits);
        let (held, expected) = match self.judged_claims(fact) {
            Some((variant, claims)) => (fits(variant, claims), expected_of(variant, claims)),
            None => (None, Value::Null),
        };
        let judgement = Judgement::new(held, expected, observed);
        self.record(
            fact,
            StepResult {
                aspect,
                cap,
                message: judgement.message(),
                judgement,
                variants,
            },
        );
    }

    /// Record a failing check with `message` (the answer cannot hold the
    /// claim, e.g. a body that is not JSON where the claim reads a member).
    pub fn record_failure(&mut self, fact: &str, aspect: Option<&'static str>, message: String) {
        self.record(
            fact,
            StepResult {
                aspect,
                cap: None,
                judgement: Judgement::new(Some(false), Value::Null, Value::Null),
                message,
                variants: VariantAlignment::all(Alignment::Silent),
            },
        );
    }

    /// Record that `fact` could not be judged: `error` when nothing came
    /// back; for a server error, the fact is left unobserved (`skip`) and
    /// the 5xx is filed, once per scenario, under `http.no-server-error`.
    pub fn record_unobserved(&mut self, fact: &str, aspect: Option<&'static str>, why: Unobserved) {
        let (verdict, message) = match why {
            Unobserved::Nothing(problem) => {
                (Verdict::Error, format!("nothing observed: {problem}"))
            }
            Unobserved::ServerError(status) => {
                self.file_server_error(status);
                (
                    Verdict::Skip,
                    format!(
                        "not observed: the target answered HTTP {status}, which is judged under http.no-server-error only"
                    ),
                )
            }
        };
        let result = StepResult {
            aspect,
            cap: None,
            judgement: Judgement::new(None, Value::Null, Value::Null),
            message,
            variants: VariantAlignment::all(Alignment::Silent),
        };
        self.push_check(fact, result, Some(verdict));
    }

    /// A server error met while judging another fact: a failing check of
    /// `http.no-server-error` named after this scenario.
    fn file_server_error(&mut self, status: u16) {
        const FACT: &str = "http.no-server-error";
        if self.server_error_filed || self.facts.iter().any(|f| f == FACT) {
            return;
        }
        self.server_error_filed = true;
        self.judge(
            FACT,
            None,
            None,
            serde_json::json!(status),
            |_, _| serde_json::json!("a status below 500"),
            |_, c| c.no_server_error.as_ref().map(|_| status < 500),
        );
    }

    pub fn record(&mut self, fact: &str, result: StepResult) {
        self.push_check(fact, result, None);
    }

    /// Turn `result` into a check: its verdict from the judgement at the
    /// fact's level, unless `verdict` says otherwise.
    fn push_check(&mut self, fact: &str, result: StepResult, verdict: Option<Verdict>) {
        let StepResult {
            aspect,
            cap,
            mut judgement,
            message,
            variants,
        } = result;
        // Issued tokens lose their signature wherever a check shows them.
        crate::client::redact_jwts(&mut judgement.observed);
        crate::client::redact_jwts(&mut judgement.expected);
        let ctx = self.ctx();
        let mut level = ctx.contract.level(&ctx.profile, fact);
        if let Some(cap) = cap {
            level = level.max(cap);
        }
        let verdict = verdict.unwrap_or(match judgement.held {
            Some(held) => Verdict::judge(level, held, ctx.strict),
            None => Verdict::Observe,
        });
        let mut id = check_id(fact, &self.scenario);
        if let Some(aspect) = aspect {
            id = format!("{id}/{aspect}");
        }
        let exchange = self.last.as_ref();
        ctx.push(Check {
            id,
            fact: fact.to_string(),
            level,
            verdict,
            source: CheckSource::Scripted,
            message,
            expected: judgement.expected,
            observed: judgement.observed,
            variants,
            request: exchange.map(|e| e.request.clone()),
            response: exchange.and_then(Exchange::response_record),
            curl: exchange.map(|e| e.curl.clone()),
            script: self.script(),
            cases: None,
        });
    }

    /// Record a skip for every fact of this scenario.
    pub fn record_skips(&self, reason: &str) {
        let ctx = self.ctx();
        for fact in &self.facts {
            ctx.push(Check {
                id: check_id(fact, &self.scenario),
                fact: fact.clone(),
                level: ctx.contract.level(&ctx.profile, fact),
                verdict: Verdict::Skip,
                source: CheckSource::Scripted,
                message: reason.to_string(),
                expected: Value::Null,
                observed: Value::Null,
                variants: VariantAlignment::all(Alignment::Silent),
                request: None,
                response: None,
                curl: None,
                script: None,
                cases: None,
            });
        }
    }
}
