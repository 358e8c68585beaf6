//! Judging one generated exchange under one profile's [`RuleSet`]: the
//! universal checks every response gets (no 5xx, a JSON body, a valid success
//! or error envelope, the body's status equal to the HTTP status), the
//! oracle's prediction for create requests, and the recreation and endpoint
//! claims for the steps of a sequence.

use serde_json::{json, Map, Value};

use super::oracle::{Acceptance, ContactForm, Prediction, RuleId, RuleSet};
use crate::client::{Exchange, Response};
use crate::context::TargetFacts;
use crate::contract::{Shape, Shapes};
use crate::judge::Refusal;
use crate::judge::{mentions, registration, registration_id, token, universal, Judgement};

/// The identity of a generated check: `generated/<fact>/<rule>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CheckKey {
    pub fact: &'static str,
    pub rule: &'static str,
}

impl CheckKey {
    pub fn id(&self) -> String {
        format!("generated/{}/{}", self.fact, self.rule)
    }
}

/// One judgement about one exchange of a case, under the check it feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub key: CheckKey,
    /// `expected` and `observed` are filled only when judging in detail.
    pub judgement: Judgement,
    /// For observations: what was seen, e.g. `refused (409)`.
    pub note: Option<String>,
    /// Which exchange of the case it is about.
    pub step: usize,
}

/// A create request's body as the oracle sees it.
#[derive(Debug, Clone, Copy)]
pub enum CreateInput<'a> {
    Object(&'a Map<String, Value>),
    NotAnObject,
}

/// What a sequence knows about its registration so far.
#[derive(Debug, Clone, Default)]
pub struct SequenceState {
    pub id: String,
    pub tokens: Vec<String>,
}

/// Judges exchanges under one rule set.
pub struct Judge<'a> {
    pub rules: &'a RuleSet,
    pub shapes: &'a Shapes,
    pub target: &'a TargetFacts,
    /// Build `expected`, and `observed` for failures (off for the
    /// alignment passes).
    pub detailed: bool,
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// `accepted (200)` or `refused (409)`, for observations.
fn outcome_label(response: &Response) -> String {
    if is_success(response.status) {
        format!("accepted ({})", response.status)
    } else {
        format!("refused ({})", response.status)
    }
}

impl Judge<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        out: &mut Vec<Finding>,
        step: usize,
        fact: &'static str,
        rule: &'static str,
        held: Option<bool>,
        expected: impl FnOnce() -> Value,
        observed: impl FnOnce() -> Value,
    ) {
        // What was observed is shown only for a failure; what was expected
        // also for a passing check (its lowest case's).
        let (expected, observed) = match (self.detailed, held) {
            (true, Some(false)) => (expected(), observed()),
            (true, _) => (expected(), Value::Null),
            (false, _) => (Value::Null, Value::Null),
        };
        out.push(Finding {
            key: CheckKey { fact, rule },
            judgement: Judgement::new(held, expected, observed),
            note: None,
            step,
        });
    }

    fn observed(&self, response: &Response) -> Value {
        json!({
            "status": response.status,
            "body": response.json.clone().unwrap_or_else(|| {
                Value::String(String::from_utf8_lossy(&response.body_bytes).chars().take(300).collect())
            }),
        })
    }

    /// The checks every response gets. Returns the response when there is
    /// an HTTP answer below 500 to judge further.
    pub fn universal<'e>(
        &self,
        exchange: &'e Exchange,
        create: bool,
        step: usize,
        out: &mut Vec<Finding>,
    ) -> Option<&'e Response> {
        let rules = self.rules;
        let response = match (exchange.problem(), &exchange.outcome) {
            (None, Ok(response)) => response,
            (problem, _) => {
                // Nothing came back: the case's checks cannot be judged. The
                // error is kept on the check every answer feeds.
                out.push(Finding {
                    key: CheckKey {
                        fact: "http.no-server-error",
                        rule: "no-5xx",
                    },
                    judgement: Judgement::nothing_observed(problem.unwrap_or_default()),
                    note: None,
                    step,
                });
                return None;
            }
        };
        let status = response.status;
        if rules.no_server_error {
            self.push(
                out,
                step,
                "http.no-server-error",
                "no-5xx",
                Some(universal::no_server_error(status)),
                || json!({"status": "below 500"}),
                || json!({"status": status}),
            );
        }
        // A server error is evidence against no-server-error only: the
        // case's other facts stay unobserved.
        if status >= 500 {
            return None;
        }
        if rules.http_json {
            self.push(
                out,
                step,
                "http.json",
                "json-body",
                Some(universal::json_body(response)),
                || json!({"body": "JSON"}),
                || self.observed(response),
            );
        }
        let Some(body) = &response.json else {
            return Some(response);
        };
        if create && is_success(status) {
            if let Some(family) = rules.success_family {
                let shape = Shape::Success(family);
                let valid = universal::success_envelope(self.shapes, family, body);
                self.push(
                    out,
                    step,
                    "create.envelope",
                    "success-shape",
                    Some(valid),
                    || json!({"shape": shape.file()}),
                    || violations(self.shapes, shape, body, status),
                );
            }
        }
        Some(response)
    }

    /// The error body of a refusal. A page documents validation errors
    /// only, so their envelope and status are judged on the refusal of a
    /// documented rule (`documented`); any other error body is observed.
    fn error_body(
        &self,
        response: &Response,
        documented: bool,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        let status = response.status;
        let Some(body) = &response.json else {
            return;
        };
        if !(400..500).contains(&status) {
            return;
        }
        if !documented {
            out.push(Finding {
                key: CheckKey {
                    fact: "error.envelope",
                    rule: "undocumented-error",
                },
                judgement: Judgement::observation(),
                note: Some(format!("an error no page documents: HTTP {status}")),
                step,
            });
            return;
        }
        if let Some(family) = self.rules.error_family {
            let shape = Shape::Error(family);
            let valid = universal::error_envelope(self.shapes, family, body);
            self.push(
                out,
                step,
                "error.envelope",
                "error-shape",
                Some(valid),
                || json!({"shape": shape.file()}),
                || violations(self.shapes, shape, body, status),
            );
        }
        if self.rules.status_consistent {
            let said = body.get("status").cloned().unwrap_or(Value::Null);
            self.push(
                out,
                step,
                "error.status-consistent",
                "body-status",
                Some(universal::status_consistent(status, body)),
                || json!({"body.status": status}),
                || json!({"http_status": status, "body.status": said}),
            );
        }
    }

    /// A create request: universal checks, then the oracle's prediction.
    pub fn create(
        &self,
        input: CreateInput<'_>,
        exchange: &Exchange,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        let Some(response) = self.universal(exchange, true, step, out) else {
            return;
        };
        let prediction = match input {
            CreateInput::Object(body) => self.rules.predict(self.target, body),
            CreateInput::NotAnObject => self.rules.predict_not_an_object(),
        };
        self.predicted(&prediction, response, step, out);
    }

    fn predicted(
        &self,
        prediction: &Prediction,
        response: &Response,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        match prediction {
            Prediction::Accept(acceptance) => self.accepted(acceptance, response, step, out),
            Prediction::Refuse {
                rules: broken,
                allowed,
            } => self.refused(broken, allowed, response, step, out),
            Prediction::Undetermined { facts } => self.undetermined(facts, response, step, out),
        }
    }

    /// A request every reading accepts: accepted, with the documented
    /// status, what was sent echoed, and the default language.
    fn accepted(
        &self,
        acceptance: &Acceptance,
        response: &Response,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        let rules = self.rules;
        let status = response.status;
        let body = response.json.as_ref();
        let success_label = || json!({"accepted": true, "status": rules.success_status.map_or_else(|| json!("2xx"), |s| json!(s))});
        if rules.contact_either {
            self.push(
                out,
                step,
                "create.contact-either",
                acceptance.form.check_name(),
                Some(is_success(status)),
                success_label,
                || self.observed(response),
            );
        }
        if !is_success(status) {
            self.error_body(response, false, step, out);
            return;
        }
        if let Some(want) = rules.success_status {
            self.push(
                out,
                step,
                "create.success-status",
                "status",
                Some(status == want),
                || json!({"status": want}),
                || json!({"status": status}),
            );
        }
        let empty = Map::new();
        let record = body.and_then(registration).unwrap_or(&empty);
        if !acceptance.echo.is_empty() {
            let differing: Vec<&(String, String)> = acceptance
                .echo
                .iter()
                .filter(|(f, v)| record.get(f).and_then(Value::as_str) != Some(v))
                .collect();
            self.push(
                out,
                step,
                "create.echo",
                "as-sent",
                Some(differing.is_empty()),
                || {
                    Value::Object(
                        acceptance
                            .echo
                            .iter()
                            .map(|(f, v)| (f.clone(), json!(v)))
                            .collect(),
                    )
                },
                || {
                    Value::Object(
                        differing
                            .iter()
                            .map(|(f, _)| {
                                (f.clone(), record.get(f).cloned().unwrap_or(Value::Null))
                            })
                            .collect(),
                    )
                },
            );
        }
        if let Some(default) = &acceptance.language_default {
            let got = record.get("language").cloned().unwrap_or(Value::Null);
            self.push(
                out,
                step,
                "create.language-default",
                "default",
                Some(got.as_str() == Some(default)),
                || json!({"language": default}),
                || json!({"language": got}),
            );
        }
    }

    /// A request every reading refuses: refused in one of the allowed ways,
    /// judged once for each rule it breaks.
    fn refused(
        &self,
        broken: &[RuleId],
        allowed: &[Refusal],
        response: &Response,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        let (status, body) = (response.status, response.json.as_ref());
        let fits = allowed.iter().any(|r| r.fits(status, body));
        self.error_body(response, allowed.iter().all(|r| r.documented), step, out);
        for rule in broken {
            self.push(
                out,
                step,
                rule.fact(),
                rule.check_name(),
                Some(fits),
                || {
                    json!({
                        "refused": true,
                        "broken": broken.iter().map(|r| r.fact()).collect::<Vec<_>>(),
                        "any_of": allowed.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
                    })
                },
                || self.observed(response),
            );
        }
    }

    /// A request the pages do not decide: what happened is only observed.
    fn undetermined(
        &self,
        facts: &[&'static str],
        response: &Response,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        self.error_body(response, false, step, out);
        for fact in facts {
            out.push(Finding {
                key: CheckKey {
                    fact,
                    rule: "undocumented-input",
                },
                judgement: Judgement::observation(),
                note: Some(outcome_label(response)),
                step,
            });
        }
    }

    /// A create again with the same contact as the sequence's first one.
    pub fn recreate(
        &self,
        state: &SequenceState,
        form: ContactForm,
        exchange: &Exchange,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        let Some(response) = self.universal(exchange, true, step, out) else {
            return;
        };
        let status = response.status;
        let body = response.json.as_ref();
        let new_token = body.and_then(token);
        let facts = [
            (
                form.has_email(),
                &self.rules.recreate_email,
                "token.recreate-email",
            ),
            (
                form.has_phone(),
                &self.rules.recreate_phone,
                "token.recreate-phone",
            ),
        ];
        for (applies, claim, fact) in facts {
            let (true, Some(claim)) = (applies, claim) else {
                continue;
            };
            let fresh = new_token
                .as_ref()
                .is_some_and(|t| !state.tokens.contains(t));
            let held = is_success(status)
                && claim.status.is_none_or(|s| s == status)
                && (!claim.new_token || fresh);
            self.push(
                out,
                step,
                fact,
                "new-token",
                Some(held),
                || json!({"status": claim.status, "new_token": claim.new_token}),
                || {
                    json!({
                        "status": status,
                        "token_is_new": fresh,
                        "earlier_tokens": state.tokens.len(),
                    })
                },
            );
        }
        if self.rules.same_id && is_success(status) {
            let id = body.and_then(registration_id);
            self.push(
                out,
                step,
                "token.recreate-same-registration",
                "same-id",
                Some(id.as_deref() == Some(state.id.as_str())),
                || json!({"_id": state.id}),
                || json!({"_id": id}),
            );
        }
    }

    /// GET of the sequence's registration.
    pub fn retrieve(
        &self,
        state: &SequenceState,
        exchange: &Exchange,
        step: usize,
        out: &mut Vec<Finding>,
    ) {
        let Some(response) = self.universal(exchange, false, step, out) else {
            return;
        };
        if let Some(want) = self.rules.retrieve_status {
            let found = response
                .json
                .as_ref()
                .is_some_and(|b| mentions(b, &state.id));
            self.push(
                out,
                step,
                "retrieve.ok",
                "created",
                Some(response.status == want && found),
                || json!({"status": want, "id": state.id}),
                || json!({"status": response.status, "id_found": found}),
            );
        }
    }

    /// GET of the collection, or PUT sync of the registration.
    pub fn endpoint(&self, sync: bool, exchange: &Exchange, step: usize, out: &mut Vec<Finding>) {
        let Some(response) = self.universal(exchange, false, step, out) else {
            return;
        };
        let (want, fact, rule) = if sync {
            (self.rules.sync_status, "sync.ok", "created")
        } else {
            (self.rules.list_status, "list.ok", "status")
        };
        if let Some(want) = want {
            let is_json = response.json.is_some();
            self.push(
                out,
                step,
                fact,
                rule,
                Some(response.status == want && is_json),
                || json!({"status": want, "json": true}),
                || json!({"status": response.status, "json": is_json}),
            );
        }
    }
}

fn violations(shapes: &Shapes, shape: Shape, body: &Value, status: u16) -> Value {
    let found: Vec<String> = shapes
        .violations(shape, body)
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect();
    json!({"status": status, "violations": found})
}
