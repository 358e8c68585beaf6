//! Sending generated cases: each case's requests go out over the shared
//! keep-alive client, at most `concurrency` cases in flight, and every
//! exchange is judged under the run's profile (in detail) and under each doc
//! variant alone (for the alignment of the checks).

use std::io::IsTerminal as _;
use std::time::Duration;

use futures::StreamExt as _;
use serde_json::{Map, Value};

use super::judge::{CreateInput, Finding, Judge, SequenceState};
use super::oracle::RuleSet;
use super::strategies::{CaseSpec, Materializer, SequenceSpec, StepSpec};
use super::tally::Tally;
use crate::client::{Body, Client, Exchange, Request};
use crate::context::TargetFacts;
use crate::contract::{Shapes, Variant};
use crate::judge::{registration_id, token};

/// The collection path of the API.
pub const COLLECTION: &str = "/v2/app-registrations";

/// A finding with what each doc variant alone would say of it.
#[derive(Debug, Clone)]
pub struct Judged {
    pub finding: Finding,
    /// In [`Variant::ALL`] order: held under that variant, or silent.
    pub variants: [Option<bool>; 4],
}

/// One case, sent and judged.
#[derive(Debug)]
pub struct CaseRun {
    pub exchanges: Vec<Exchange>,
    pub judged: Vec<Judged>,
}

/// Everything needed to send and judge cases against one target.
pub struct Executor {
    pub client: Client,
    pub materializer: Materializer,
    pub rules: RuleSet,
    /// In [`Variant::ALL`] order.
    pub variant_rules: Vec<RuleSet>,
    pub shapes: &'static Shapes,
}

impl Executor {
    fn target(&self) -> &TargetFacts {
        self.materializer.target()
    }

    /// Judge one exchange under the profile and every variant.
    fn judge(&self, out: &mut Vec<Judged>, f: impl Fn(&Judge<'_>, &mut Vec<Finding>)) {
        let judge = |rules, detailed| Judge {
            rules,
            shapes: self.shapes,
            target: self.target(),
            detailed,
        };
        let mut main = Vec::new();
        f(&judge(&self.rules, true), &mut main);
        let per_variant: Vec<Vec<Finding>> = self
            .variant_rules
            .iter()
            .map(|rules| {
                let mut v = Vec::new();
                f(&judge(rules, false), &mut v);
                v
            })
            .collect();
        for finding in main {
            let mut variants = [None; 4];
            for (slot, judged) in variants.iter_mut().zip(&per_variant) {
                *slot = judged
                    .iter()
                    .find(|j| j.key == finding.key && j.step == finding.step)
                    .and_then(|j| j.judgement.held);
            }
            out.push(Judged { finding, variants });
        }
    }

    async fn post(&self, body: &Map<String, Value>) -> Exchange {
        self.client
            .send(Request::post_json(COLLECTION, Value::Object(body.clone())))
            .await
    }

    /// Send case `spec` with contacts made unique by `serial`, and judge it.
    pub async fn run_case(&self, spec: &CaseSpec, serial: u64) -> CaseRun {
        let mut run = CaseRun {
            exchanges: Vec::new(),
            judged: Vec::new(),
        };
        match spec {
            CaseSpec::Create(body) => {
                let body = self.materializer.body(body, serial);
                let exchange = self.post(&body).await;
                self.judge(&mut run.judged, |j, out| {
                    j.create(CreateInput::Object(&body), &exchange, 0, out)
                });
                run.exchanges.push(exchange);
            }
            CaseSpec::NotAnObject(index) => {
                let request = Request::post(COLLECTION).with_body(Body::Raw {
                    bytes: self.materializer.raw(*index),
                    content_type: Some("application/json".into()),
                });
                let exchange = self.client.send(request).await;
                self.judge(&mut run.judged, |j, out| {
                    j.create(CreateInput::NotAnObject, &exchange, 0, out)
                });
                run.exchanges.push(exchange);
            }
            CaseSpec::Sequence(sequence) => self.run_sequence(sequence, serial, &mut run).await,
        }
        run
    }

    async fn run_sequence(&self, spec: &SequenceSpec, serial: u64, run: &mut CaseRun) {
        let body = self.materializer.sequence_body(spec, spec.name, serial);
        let first = self.post(&body).await;
        self.judge(&mut run.judged, |j, out| {
            j.create(CreateInput::Object(&body), &first, 0, out)
        });
        let answer = first
            .response()
            .filter(|r| (200..300).contains(&r.status))
            .and_then(|r| r.json.as_ref());
        let id = answer.and_then(registration_id);
        let mut state = SequenceState {
            id: id.clone().unwrap_or_default(),
            tokens: answer.and_then(token).into_iter().collect(),
        };
        run.exchanges.push(first);
        // Without a registration there is nothing to act on.
        if id.is_none() {
            return;
        }
        let path = format!("{COLLECTION}/{}", encode_segment(&state.id));
        for step_spec in &spec.steps {
            let step = run.exchanges.len();
            let exchange = match step_spec {
                StepSpec::Recreate { name } => {
                    let body = self.materializer.sequence_body(spec, *name, serial);
                    let exchange = self.post(&body).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.recreate(&state, spec.form, &exchange, step, out)
                    });
                    if let Some(t) = exchange
                        .response()
                        .and_then(|r| r.json.as_ref())
                        .and_then(token)
                    {
                        state.tokens.push(t);
                    }
                    exchange
                }
                StepSpec::Retrieve => {
                    let exchange = self.client.send(Request::get(path.clone())).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.retrieve(&state, &exchange, step, out)
                    });
                    exchange
                }
                StepSpec::Sync => {
                    let exchange = self.client.send(Request::put(format!("{path}/sync"))).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.endpoint(true, &exchange, step, out)
                    });
                    exchange
                }
                StepSpec::List => {
                    let exchange = self.client.send(Request::get(COLLECTION)).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.endpoint(false, &exchange, step, out)
                    });
                    exchange
                }
            };
            run.exchanges.push(exchange);
        }
    }

    /// Send every case, `concurrency` at a time, and tally the judgements.
    pub async fn run_all(
        &self,
        specs: &[(u64, CaseSpec)],
        concurrency: usize,
        progress: &Progress,
        mut record: Option<&mut Vec<(u64, usize, crate::check::RequestRecord)>>,
    ) -> Tally {
        let mut tally = Tally::default();
        let mut stream = futures::stream::iter(specs.iter())
            // A stopped run (breaker, --max-duration) sends no new case.
            .take_while(|_| futures::future::ready(self.client.stopped().is_none()))
            .map(|(index, spec)| async move { (*index, self.run_case(spec, *index).await) })
            .buffer_unordered(concurrency.max(1));
        while let Some((index, run)) = stream.next().await {
            tally.add(index, &run);
            if let Some(record) = record.as_deref_mut() {
                for (step, exchange) in run.exchanges.iter().enumerate() {
                    record.push((index, step, exchange.request.clone()));
                }
            }
            progress.inc();
        }
        tally
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// How progress is shown: a bar on a terminal, a line per tenth otherwise.
pub enum Progress {
    Bar(indicatif::ProgressBar),
    Lines {
        total: u64,
        done: std::sync::atomic::AtomicU64,
    },
    Hidden,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(total: u64, show: bool) -> Progress {
        if !show || total == 0 {
            return Progress::Hidden;
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            let style = indicatif::ProgressStyle::with_template(
                "generated {pos}/{len} cases [{bar:30}] {per_sec} {eta} {msg}",
            )
            .map(|s| s.progress_chars("=> "));
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            Progress::Bar(bar)
        } else {
            Progress::Lines {
                total,
                done: std::sync::atomic::AtomicU64::new(0),
            }
        }
    }

    pub fn inc(&self) {
        match self {
            Progress::Bar(bar) => bar.inc(1),
            Progress::Lines { total, done } => {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let tenth = (*total / 10).max(1);
                if n % tenth == 0 || n == *total {
                    crate::output::err_line(&format!("generated: {n}/{total} cases"));
                }
            }
            Progress::Hidden => {}
        }
    }

    /// A note shown after the cases (e.g. shrinking).
    pub fn note(&self, text: &str) {
        match self {
            Progress::Bar(bar) => bar.set_message(text.to_string()),
            Progress::Lines { .. } => crate::output::err_line(&format!("generated: {text}")),
            Progress::Hidden => {}
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// The variant rule sets, in [`Variant::ALL`] order.
pub fn variant_rules(contract: &crate::contract::Contract) -> Vec<RuleSet> {
    Variant::ALL
        .iter()
        .map(|&v| RuleSet::for_variant(contract, v))
        .collect()
}
