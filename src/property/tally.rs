//! Aggregating judgements into checks: one check per (fact, rule) over
//! every case, not one per case. A check passes with the number of cases
//! when all held; it fails with its minimal counterexample (request,
//! response, curl) and how many cases failed the same way; it ends in
//! `error` when some cases brought nothing back and none failed; an
//! observation counts what the target did where the docs are silent.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::executor::CaseRun;
use super::judge::{CheckKey, Finding};
use super::oracle::RuleSet;
use crate::check::{
    Alignment, CaseTally, Check, CheckSource, Level, RequestRecord, ResponseRecord,
    VariantAlignment, Verdict,
};
use crate::client::{Client, Secret};
use crate::contract::Variant;

/// One exchange as a report shows it (redacted).
#[derive(Debug, Clone)]
pub struct ExchangeRecord {
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    pub curl: String,
    /// The script replaying the case up to this exchange, when it is not
    /// the case's first.
    pub script: Option<String>,
    secret: Secret,
}

impl ExchangeRecord {
    /// Exchange `step` of `run`, its curl line made by `client`.
    pub fn in_case(run: &CaseRun, step: usize, client: &Client) -> Option<ExchangeRecord> {
        run.exchanges.get(step)?;
        let exchanges = run.exchanges_to(step, client);
        let exchange = &exchanges[step];
        Some(ExchangeRecord {
            request: exchange.request.clone(),
            response: exchange.response_record(),
            curl: exchange.curl.clone(),
            script: (step > 0).then(|| crate::judge::reproduction_script(&exchanges[..=step])),
            secret: exchange.secret.clone(),
        })
    }
}

/// A failing judgement and the exchange it is about.
#[derive(Debug, Clone)]
pub struct Failure {
    pub case: u64,
    pub finding: Finding,
    pub exchange: Option<ExchangeRecord>,
}

impl Failure {
    /// The failing judgement for `key` in `run`, if any.
    pub fn find(case: u64, key: CheckKey, run: &CaseRun, client: &Client) -> Option<Failure> {
        let judged = run
            .judged
            .iter()
            .find(|j| j.finding.key == key && j.finding.judgement.held == Some(false))?;
        Some(Failure {
            case,
            finding: judged.finding.clone(),
            exchange: ExchangeRecord::in_case(run, judged.finding.step, client),
        })
    }
}

/// The shrunk counterexample of a failing check.
#[derive(Debug, Clone)]
pub struct Shrunk {
    /// Candidates sent while shrinking.
    pub steps: usize,
    pub failure: Failure,
}

#[derive(Debug, Default)]
struct Entry {
    cases: u64,
    failed: u64,
    /// Every judgement so far was an observation.
    observe_only: bool,
    /// The expectation of the lowest case, for passing checks.
    sample: Option<(u64, Value)>,
    first: Option<Failure>,
    /// Cases in which nothing could be observed, and the lowest of them.
    errored: u64,
    first_error: Option<(u64, String, Option<ExchangeRecord>)>,
    /// Per variant: [agreeing cases, contradicting cases].
    align: [[u64; 2]; 4],
    notes: BTreeMap<String, u64>,
}

/// Every generated check's counts so far.
#[derive(Debug, Default)]
pub struct Tally {
    entries: BTreeMap<CheckKey, Entry>,
    pub cases: u64,
    pub failing_cases: u64,
    pub requests: u64,
}

impl Tally {
    /// Count one case. Several judgements of one check in a case (one per
    /// step of a sequence) count as one case: failed if any failed.
    pub fn add(&mut self, case: u64, run: &CaseRun, client: &Client) {
        self.cases += 1;
        self.requests += run.exchanges.len() as u64;
        let mut merged: HashMap<CheckKey, Merged<'_>> = HashMap::new();
        for judged in &run.judged {
            let j = &judged.finding;
            let m = merged.entry(j.key).or_insert_with(|| Merged {
                held: None,
                failing: None,
                error: None,
                any: j,
                variants: [None; 4],
                notes: Vec::new(),
            });
            match j.judgement.held {
                Some(false) => {
                    m.held = Some(false);
                    m.failing.get_or_insert(j);
                }
                Some(true) => {
                    m.held.get_or_insert(true);
                }
                None => {}
            }
            if j.judgement.nothing_observed.is_some() {
                m.error.get_or_insert(j);
            }
            if let Some(note) = &j.note {
                m.notes.push(note);
            }
            for (slot, held) in m.variants.iter_mut().zip(judged.variants) {
                *slot = match (*slot, held) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    _ => None,
                };
            }
        }
        let mut case_failed = false;
        for (key, m) in merged {
            let entry = self.entries.entry(key).or_insert_with(|| Entry {
                observe_only: true,
                ..Entry::default()
            });
            entry.cases += 1;
            entry.observe_only &= m.held.is_none() && m.error.is_none();
            if let Some(error) = m.error {
                entry.errored += 1;
                if entry.first_error.as_ref().is_none_or(|(c, _, _)| case < *c) {
                    entry.first_error = Some((
                        case,
                        error.judgement.nothing_observed.clone().unwrap_or_default(),
                        ExchangeRecord::in_case(run, error.step, client),
                    ));
                }
            }
            for note in m.notes {
                *entry.notes.entry(note.clone()).or_default() += 1;
            }
            for (counts, held) in entry.align.iter_mut().zip(m.variants) {
                match held {
                    Some(true) => counts[0] += 1,
                    Some(false) => counts[1] += 1,
                    None => {}
                }
            }
            if entry.sample.as_ref().is_none_or(|(c, _)| case < *c)
                && !m.any.judgement.expected.is_null()
            {
                entry.sample = Some((case, m.any.judgement.expected.clone()));
            }
            if let Some(failing) = m.failing {
                case_failed = true;
                entry.failed += 1;
                if entry.first.as_ref().is_none_or(|f| case < f.case) {
                    entry.first = Some(Failure {
                        case,
                        finding: failing.clone(),
                        exchange: ExchangeRecord::in_case(run, failing.step, client),
                    });
                }
            }
        }
        if case_failed {
            self.failing_cases += 1;
        }
    }

    /// Failing checks and the lowest case that fails each.
    pub fn failures(&self) -> Vec<(CheckKey, u64)> {
        self.entries
            .iter()
            .filter_map(|(key, e)| e.first.as_ref().map(|f| (*key, f.case)))
            .collect()
    }

    /// The checks, with shrunk counterexamples where shrinking found one.
    pub fn into_checks(
        self,
        rules: &RuleSet,
        strict: bool,
        shrunk: &HashMap<CheckKey, Shrunk>,
    ) -> Vec<Check> {
        let mut checks = Vec::with_capacity(self.entries.len());
        for (key, entry) in self.entries {
            let variants = alignment(&entry.align);
            let base = Check {
                id: key.id(),
                fact: key.fact.to_string(),
                level: rules.level(key.fact),
                verdict: Verdict::Pass,
                source: CheckSource::Generated,
                message: String::new(),
                expected: Value::Null,
                observed: Value::Null,
                variants,
                request: None,
                response: None,
                curl: None,
                script: None,
                cases: None,
            };
            let mut tally = CaseTally {
                cases: entry.cases,
                failed: entry.failed,
                nothing_observed: entry.errored,
                first_case: None,
                detail: String::new(),
                observations_only: entry.observe_only,
                notes: entry.notes,
            };
            let check = if entry.observe_only {
                Check {
                    level: Level::Observe,
                    verdict: Verdict::Observe,
                    observed: json!(tally.notes),
                    ..base
                }
            } else if let Some(first) = entry.first {
                tally.first_case = Some(first.case);
                let (failure, note) = match shrunk.get(&key) {
                    Some(s) => (
                        s.failure.clone(),
                        format!("minimal counterexample after {} shrink steps", s.steps),
                    ),
                    None => (first, "first counterexample".to_string()),
                };
                let mut expected = failure.finding.judgement.expected.clone();
                let mut observed = failure.finding.judgement.observed.clone();
                if let Some(exchange) = &failure.exchange {
                    scrub(&mut expected, &exchange.secret);
                    scrub(&mut observed, &exchange.secret);
                }
                let detail = crate::judge::describe(Some(false), &expected, &observed);
                tally.detail = format!("{note}: {detail}");
                let exchange = failure.exchange;
                Check {
                    verdict: Verdict::judge(base.level, false, strict),
                    expected,
                    observed,
                    request: exchange.as_ref().map(|e| e.request.clone()),
                    response: exchange.as_ref().and_then(|e| e.response.clone()),
                    script: exchange.as_ref().and_then(|e| e.script.clone()),
                    curl: exchange.map(|e| e.curl),
                    ..base
                }
            } else if let Some((case, problem, exchange)) = entry.first_error {
                tally.first_case = Some(case);
                tally.detail = problem.clone();
                Check {
                    verdict: Verdict::Error,
                    observed: json!({"cases": tally.cases, "nothing_observed": tally.nothing_observed, "error": problem}),
                    request: exchange.as_ref().map(|e| e.request.clone()),
                    script: exchange.as_ref().and_then(|e| e.script.clone()),
                    curl: exchange.map(|e| e.curl),
                    ..base
                }
            } else {
                Check {
                    verdict: Verdict::judge(base.level, true, strict),
                    expected: entry.sample.map(|(_, e)| e).unwrap_or(Value::Null),
                    observed: json!({"cases": tally.cases, "failed": 0}),
                    ..base
                }
            };
            let check = Check {
                message: tally.message(),
                cases: Some(tally),
                ..check
            };
            checks.push(check);
        }
        checks
    }
}

/// One check's judgements within one case.
struct Merged<'a> {
    held: Option<bool>,
    failing: Option<&'a Finding>,
    error: Option<&'a Finding>,
    any: &'a Finding,
    variants: [Option<bool>; 4],
    notes: Vec<&'a String>,
}

fn alignment(counts: &[[u64; 2]; 4]) -> VariantAlignment {
    let mut out = VariantAlignment::all(Alignment::Silent);
    for (variant, [agree, contradict]) in Variant::ALL.iter().zip(counts) {
        let a = if *contradict > 0 {
            Alignment::Contradicts
        } else if *agree > 0 {
            Alignment::Agrees
        } else {
            Alignment::Silent
        };
        out.set(*variant, a);
    }
    out
}

/// Issued JWTs lose their signature; the configured token disappears.
fn scrub(value: &mut Value, secret: &Secret) {
    fn walk(value: &mut Value, secret: &Secret) {
        match value {
            Value::String(s) => *s = secret.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, secret)),
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, secret)),
            _ => {}
        }
    }
    walk(value, secret);
    crate::client::redact_jwts(value);
}
