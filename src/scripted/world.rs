//! The cucumber World: one scenario's state (the request being built, the
//! exchanges made) and the run context shared by every scenario (client,
//! contract, profile, the check collector).

use std::sync::Arc;

use serde_json::{json, Map, Value};
use tokio::sync::OwnedRwLockWriteGuard;

use crate::check::{Alignment, Check, CheckSource, Level, VariantAlignment, Verdict};
use crate::client::{Exchange, Request, Response};
use crate::context::RunContext;
use crate::contract::{Claims, Contract, Variant};

use super::features::check_id;

/// One judgement a step makes, before it becomes a [`Check`].
pub struct Judgement {
    /// The aspect when a scenario judges the same fact more than once.
    pub aspect: Option<&'static str>,
    /// At most this binding (a must fact's should-level part).
    pub cap: Option<Level>,
    /// Whether the judged claim held; `None` records an observation.
    pub held: Option<bool>,
    pub message: String,
    pub expected: Value,
    pub observed: Value,
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
    /// Held while this scenario runs alone (see [`RunContext`]'s gate).
    pub alone: Option<Alone>,
    /// Where this scenario's contacts are numbered from (its place in the
    /// embedded features), and how many it has used.
    pub serial_base: u64,
    pub contacts: u64,
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
            alone: None,
            serial_base: 0,
            contacts: 0,
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
        if self.alone.is_some() {
            return ctx.client.send(request).await;
        }
        let _shared = ctx.gate.read().await;
        ctx.client.send(request).await
    }

    /// Wait until no other scenario has a request in flight, and keep the
    /// target to this scenario until it ends.
    pub async fn run_alone(&mut self) {
        if self.alone.is_none() {
            let gate = Arc::clone(&self.ctx().gate);
            self.alone = Some(Alone(gate.write_owned().await));
        }
    }

    /// The last response, or the transport failure as a failing check's message.
    pub fn response(&self) -> Result<&Response, String> {
        let exchange = self
            .last
            .as_ref()
            .ok_or_else(|| "no request was sent (a step before this one failed)".to_string())?;
        if let Some(problem) = exchange.problem() {
            return Err(problem);
        }
        exchange.outcome.as_ref().map_err(|e| e.to_string())
    }

    /// The claims of the variant that judges `fact` under the run's profile
    /// (the first of its variants that states it).
    pub fn judged_claims(&self, fact: &str) -> Option<(Variant, &'static Claims)> {
        let ctx = self.ctx();
        let contract: &'static Contract = ctx.contract;
        ctx.profile
            .variants
            .iter()
            .map(|&v| (v, contract.claims(v)))
            .find(|(_, c)| c.states(fact))
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
        let message = describe(held, &expected, &observed);
        self.record(
            fact,
            Judgement {
                aspect,
                cap,
                held,
                message,
                expected,
                observed,
                variants,
            },
        );
    }

    /// Record a failing check for a transport failure or a harness problem.
    pub fn record_failure(&mut self, fact: &str, aspect: Option<&'static str>, message: String) {
        self.record(
            fact,
            Judgement {
                aspect,
                cap: None,
                held: Some(false),
                message,
                expected: Value::Null,
                observed: Value::Null,
                variants: VariantAlignment::all(Alignment::Silent),
            },
        );
    }

    pub fn record(&mut self, fact: &str, mut judgement: Judgement) {
        // Issued tokens lose their signature wherever a check shows them.
        crate::client::redact_jwts(&mut judgement.observed);
        crate::client::redact_jwts(&mut judgement.expected);
        let ctx = self.ctx();
        let mut level = ctx.contract.level(&ctx.profile, fact);
        if let Some(cap) = judgement.cap {
            level = level.max(cap);
        }
        let verdict = match judgement.held {
            Some(held) => Verdict::judge(level, held, ctx.strict),
            None => Verdict::Observe,
        };
        let mut id = check_id(fact, &self.scenario);
        if let Some(aspect) = judgement.aspect {
            id = format!("{id}/{aspect}");
        }
        let exchange = self.last.as_ref();
        ctx.push(Check {
            id,
            fact: fact.to_string(),
            level,
            verdict,
            source: CheckSource::Scripted,
            message: judgement.message,
            expected: judgement.expected,
            observed: judgement.observed,
            variants: judgement.variants,
            request: exchange.map(|e| e.request.clone()),
            response: exchange.and_then(Exchange::response_record),
            curl: exchange.map(|e| e.curl.clone()),
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
            });
        }
    }
}

/// A check's one-line message: short, with long values cut (the report
/// carries them whole in `expected` and `observed`).
pub fn describe(held: Option<bool>, expected: &Value, observed: &Value) -> String {
    let mut observed = observed.clone();
    crate::client::redact_jwts(&mut observed);
    let cut = |v: &Value| {
        let text = v.to_string();
        if text.chars().count() > 240 {
            format!("{}…", text.chars().take(240).collect::<String>())
        } else {
            text
        }
    };
    match held {
        Some(true) => "as documented".to_string(),
        Some(false) => format!("expected {}, observed {}", cut(expected), cut(&observed)),
        None => format!("observed {}", cut(&observed)),
    }
}

/// The registration object in a create/retrieve answer, whatever the
/// envelope: `data.appRegistration`, a flat `data`, or the body itself.
pub fn registration(body: &Value) -> Option<&Map<String, Value>> {
    let data = body.get("data");
    data.and_then(|d| d.get("appRegistration"))
        .and_then(Value::as_object)
        .or_else(|| data.and_then(Value::as_object).filter(|d| has_id(d)))
        .or_else(|| body.as_object().filter(|b| has_id(b)))
}

fn has_id(object: &Map<String, Value>) -> bool {
    object.contains_key("_id") || object.contains_key("id")
}

/// Whether `id` appears as a string anywhere in `value`.
pub fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        Value::Object(map) => map.values().any(|v| mentions(v, id)),
        _ => false,
    }
}

/// A registration's ID, under `_id` or `id`.
pub fn registration_id(body: &Value) -> Option<String> {
    let reg = registration(body)?;
    reg.get("_id")
        .or_else(|| reg.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The issued token: `data.token` in every documented envelope.
pub fn token(body: &Value) -> Option<String> {
    body.pointer("/data/token")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A compact view of a response for `observed`.
pub fn observed_response(response: &Response) -> Value {
    json!({"status": response.status, "body": response.json.clone().unwrap_or(Value::Null)})
}
