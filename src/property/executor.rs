//! Sending generated cases: each case's requests go out over the shared
//! keep-alive client, at most `concurrency` cases in flight, and every
//! exchange is judged under the run's profile (in detail) and under each doc
//! variant alone (for the alignment of the checks).

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde_json::{Map, Value};

use super::judge::{CreateInput, Finding, Judge, SequenceState};
use super::oracle::RuleSet;
use super::strategies::{CaseSpec, GenerateError, Generator, Materializer, SequenceSpec, StepSpec};
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

/// One case, sent and judged. Its exchanges have neither curl line nor
/// request record: the few a report shows get theirs from `requests` (see
/// [`CaseRun::exchanges_to`]).
#[derive(Debug, Default)]
pub struct CaseRun {
    pub exchanges: Vec<Exchange>,
    /// The request of each exchange.
    pub requests: Vec<Request>,
    pub judged: Vec<Judged>,
}

impl CaseRun {
    fn push(&mut self, request: Request, exchange: Exchange) {
        self.requests.push(request);
        self.exchanges.push(exchange);
    }

    /// The exchanges up to `step` (included), with their curl lines and
    /// request records.
    pub fn exchanges_to(&self, step: usize, client: &Client) -> Vec<Exchange> {
        self.exchanges
            .iter()
            .zip(&self.requests)
            .take(step + 1)
            .map(|(exchange, request)| Exchange {
                curl: client.curl(request),
                request: client.record(request),
                ..exchange.clone()
            })
            .collect()
    }
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

    async fn post(&self, body: &Map<String, Value>) -> (Request, Exchange) {
        self.send(Request::post_json(COLLECTION, Value::Object(body.clone())))
            .await
    }

    async fn send(&self, request: Request) -> (Request, Exchange) {
        let exchange = self.client.send_bare(&request).await;
        (request, exchange)
    }

    /// Send case `spec` with contacts made unique by `serial`, and judge it.
    pub async fn run_case(&self, spec: &CaseSpec, serial: u64) -> CaseRun {
        let mut run = CaseRun::default();
        match spec {
            CaseSpec::Create(body) => {
                let body = self.materializer.body(body, serial);
                let (request, exchange) = self.post(&body).await;
                self.judge(&mut run.judged, |j, out| {
                    j.create(CreateInput::Object(&body), &exchange, 0, out)
                });
                run.push(request, exchange);
            }
            CaseSpec::NotAnObject(index) => {
                let request = Request::post(COLLECTION).with_body(Body::Raw {
                    bytes: self.materializer.raw(*index),
                    content_type: Some("application/json".into()),
                });
                let (request, exchange) = self.send(request).await;
                self.judge(&mut run.judged, |j, out| {
                    j.create(CreateInput::NotAnObject, &exchange, 0, out)
                });
                run.push(request, exchange);
            }
            CaseSpec::Sequence(sequence) => self.run_sequence(sequence, serial, &mut run).await,
        }
        run
    }

    async fn run_sequence(&self, spec: &SequenceSpec, serial: u64, run: &mut CaseRun) {
        let body = self.materializer.sequence_body(spec, spec.name, serial);
        let (request, first) = self.post(&body).await;
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
        run.push(request, first);
        // Without a registration there is nothing to act on.
        if id.is_none() {
            return;
        }
        let path = format!("{COLLECTION}/{}", encode_segment(&state.id));
        for step_spec in &spec.steps {
            let step = run.exchanges.len();
            let (request, exchange) = match step_spec {
                StepSpec::Recreate { name } => {
                    let body = self.materializer.sequence_body(spec, *name, serial);
                    let (request, exchange) = self.post(&body).await;
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
                    (request, exchange)
                }
                StepSpec::Retrieve => {
                    let (request, exchange) = self.send(Request::get(path.clone())).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.retrieve(&state, &exchange, step, out)
                    });
                    (request, exchange)
                }
                StepSpec::Sync => {
                    let (request, exchange) = self.send(Request::put(format!("{path}/sync"))).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.endpoint(true, &exchange, step, out)
                    });
                    (request, exchange)
                }
                StepSpec::List => {
                    let (request, exchange) = self.send(Request::get(COLLECTION)).await;
                    self.judge(&mut run.judged, |j, out| {
                        j.endpoint(false, &exchange, step, out)
                    });
                    (request, exchange)
                }
            };
            run.push(request, exchange);
        }
    }

    /// Generate and send the plan's cases, `concurrency` at a time, and
    /// tally the judgements as each case finishes. A case is generated only
    /// when there is room for it in flight, and nothing of it but its tally
    /// outlives it, so memory stays flat however many cases run.
    pub async fn run_all(
        &self,
        generator: &Generator,
        plan: &Plan,
        concurrency: usize,
        progress: &Progress,
        mut record: Option<&mut Vec<(u64, usize, crate::check::RequestRecord)>>,
    ) -> Result<Sent, GenerateError> {
        let mut tally = Tally::default();
        let mut generate_time = Duration::ZERO;
        let next_case = std::cell::Cell::new(0u64);
        let mut stream = futures::stream::iter(0..plan.cases)
            // A stopped run (breaker, --max-duration) or a timed one whose
            // time is up sends no new case.
            .take_while(|_| {
                futures::future::ready(
                    self.client.stopped().is_none()
                        && plan.deadline.is_none_or(|d| Instant::now() < d),
                )
            })
            .inspect(|&index| next_case.set(index + 1))
            .filter(|&index| futures::future::ready(plan.owns(index)))
            // Cases run on this task, not as tasks of their own: spawning
            // each spread the work over the runtime's threads but cost more
            // CPU per case in wakeups than it saved (measured with
            // `generated_throughput`).
            .map(|index| async move {
                let started = Instant::now();
                let spec = generator.case(index)?;
                let generated = started.elapsed();
                let run = self.run_case(&spec, index).await;
                Ok::<_, GenerateError>((index, generated, run))
            })
            .buffer_unordered(concurrency.max(1));
        while let Some(result) = stream.next().await {
            let (index, generated, run) = result?;
            generate_time += generated;
            tally.add(index, &run, &self.client);
            if let Some(record) = record.as_deref_mut() {
                for (step, request) in run.requests.iter().enumerate() {
                    record.push((index, step, self.client.record(request)));
                }
            }
            progress.inc();
        }
        drop(stream);
        Ok(Sent {
            tally,
            generate_time,
            next_case: next_case.get(),
        })
    }
}

/// Which cases a run sends: numbers `0..cases` owned by the partition,
/// taken in order until the deadline.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// `u64::MAX` for a timed run.
    pub cases: u64,
    pub deadline: Option<Instant>,
    pub partition: Option<crate::gate::Partition>,
}

impl Plan {
    /// Every case keeps its number, so a shard's cases are the same cases
    /// the whole run would send.
    pub fn owns(&self, index: u64) -> bool {
        self.partition.is_none_or(|p| p.owns_case(index))
    }

    /// How many cases a run without a deadline sends.
    pub fn count(&self) -> u64 {
        match self.partition {
            None => self.cases,
            Some(_) => (0..self.cases).filter(|&i| self.owns(i)).count() as u64,
        }
    }
}

/// What sending the cases left: the tally, the time spent generating, and
/// the first case number not taken.
#[derive(Debug)]
pub struct Sent {
    pub tally: Tally,
    pub generate_time: Duration,
    pub next_case: u64,
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
    /// A timed run: a line per tenth of its time.
    TimedLines {
        started: Instant,
        tenth: Duration,
        tenths: std::sync::atomic::AtomicU32,
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

    /// For a run that sends cases for `duration`: a count on a terminal,
    /// plain lines otherwise.
    pub fn timed(duration: Duration, show: bool) -> Progress {
        if !show {
            return Progress::Hidden;
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            let style = indicatif::ProgressStyle::with_template(
                "generated {pos} cases {per_sec} {elapsed} {msg}",
            );
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            Progress::Bar(bar)
        } else {
            Progress::TimedLines {
                started: Instant::now(),
                tenth: duration / 10,
                tenths: std::sync::atomic::AtomicU32::new(0),
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
            Progress::TimedLines {
                started,
                tenth,
                tenths,
                done,
            } => {
                use std::sync::atomic::Ordering::Relaxed;
                let n = done.fetch_add(1, Relaxed) + 1;
                let now = (started.elapsed().as_nanos() / tenth.as_nanos().max(1)) as u32;
                if now > tenths.load(Relaxed) {
                    tenths.store(now, Relaxed);
                    crate::output::err_line(&format!(
                        "generated: {n} cases in {} s",
                        started.elapsed().as_secs()
                    ));
                }
            }
            Progress::Hidden => {}
        }
    }

    /// A note shown after the cases (e.g. shrinking).
    pub fn note(&self, text: &str) {
        match self {
            Progress::Bar(bar) => bar.set_message(text.to_string()),
            Progress::Lines { .. } | Progress::TimedLines { .. } => {
                crate::output::err_line(&format!("generated: {text}"))
            }
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
