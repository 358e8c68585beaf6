//! The oracle: a pure function of (profile, target configuration, request
//! body) that predicts what the documentation says the answer to a create
//! request must be.
//!
//! A [`RuleSet`] is what one profile states, read once from the contract: which
//! request rules exist, their documented error bodies and statuses, the
//! envelopes, the recreation and endpoint claims, and each fact's level. The
//! oracle never hard-codes what the reference server happens to do.
//!
//! # How a body is read
//!
//! Where the docs are silent about a value, the oracle considers every
//! reasonable reading of it and predicts only what all readings agree on:
//!
//! - `null`, a blank string, or a value of another JSON type: the field may be
//!   taken as **not sent** or refused as **invalid** (an undocumented error).
//! - An unusual string (very long, emoji, right-to-left text, control
//!   characters, an email that is not plain lower-case ASCII, a language
//!   other than `en`/`es`): **as sent**, or **invalid**.
//! - A plain string is read as sent; the documented rules then decide.
//!
//! A documented rule the profile does not state (an unknown project or flow
//! under the current pages, a malformed phone under legacy, an email without
//! `@`, unknown extra fields, ...) may go either way.
//!
//! Every combination of readings gives either acceptance, or refusal with the
//! documented errors of the rules it breaks (an invalid reading adds "any
//! error in the profile's validation status"). Then:
//!
//! - every combination accepts: [`Prediction::Accept`];
//! - every combination refuses: [`Prediction::Refuse`] with the rules broken in
//!   every combination, and **any** of the errors of any combination as the
//!   allowed answers, since the docs never say which rule wins;
//! - otherwise [`Prediction::Undetermined`]: the docs do not decide, and the
//!   outcome is only observed.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::{Map, Value};

use crate::check::Level;
use crate::contract::claims::FieldClaim;
use crate::contract::{Claims, Contract, Profile, ShapeFamily, Variant};
use crate::model::ProfileId;

/// The documented body fields of a create request, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Project,
    ProjectFlow,
    Email,
    Phone,
    CountryCode,
    FullName,
    FirstName,
    LastName,
    Language,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Project,
        Field::ProjectFlow,
        Field::Email,
        Field::Phone,
        Field::CountryCode,
        Field::FullName,
        Field::FirstName,
        Field::LastName,
        Field::Language,
    ];

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Field::Project => "project",
            Field::ProjectFlow => "projectFlow",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::CountryCode => "countryCode",
            Field::FullName => "fullName",
            Field::FirstName => "firstName",
            Field::LastName => "lastName",
            Field::Language => "language",
        }
    }

    /// The fact an undocumented value of this field is observed under.
    pub fn fact(self) -> &'static str {
        match self {
            Field::Project => "create.project-required",
            Field::ProjectFlow => "create.project-flow-required",
            Field::Email => "create.contact-either",
            Field::Phone => "create.phone-digits",
            Field::CountryCode => "create.country-code-format",
            Field::FullName => "create.full-name-optional",
            Field::FirstName | Field::LastName => "create.first-last-name",
            Field::Language => "create.language-default",
        }
    }
}

/// A documented request rule of the create endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    ProjectRequired,
    ProjectFlowRequired,
    FullNameRequired,
    InvalidProjectFlow,
    ContactRequired,
    CountryCodeRequired,
    CountryCodeFormat,
    PhoneDigits,
    EmailDomain,
    /// The body is not a JSON object, so it carries no `project`.
    BodyNotAnObject,
}

impl RuleId {
    pub const ALL: [RuleId; 10] = [
        RuleId::ProjectRequired,
        RuleId::ProjectFlowRequired,
        RuleId::FullNameRequired,
        RuleId::InvalidProjectFlow,
        RuleId::ContactRequired,
        RuleId::CountryCodeRequired,
        RuleId::CountryCodeFormat,
        RuleId::PhoneDigits,
        RuleId::EmailDomain,
        RuleId::BodyNotAnObject,
    ];

    pub fn fact(self) -> &'static str {
        match self {
            RuleId::ProjectRequired | RuleId::BodyNotAnObject => "create.project-required",
            RuleId::ProjectFlowRequired => "create.project-flow-required",
            RuleId::FullNameRequired => "create.full-name-optional",
            RuleId::InvalidProjectFlow => "create.invalid-project-flow",
            RuleId::ContactRequired => "create.contact-required",
            RuleId::CountryCodeRequired => "create.country-code-required",
            RuleId::CountryCodeFormat => "create.country-code-format",
            RuleId::PhoneDigits => "create.phone-digits",
            RuleId::EmailDomain => "create.email-domain",
        }
    }

    /// The last part of the check id.
    pub fn check_name(self) -> &'static str {
        match self {
            RuleId::BodyNotAnObject => "invalid-body",
            _ => "refused",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

use crate::judge::Refusal;

/// Which contacts an accepted request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContactForm {
    Email,
    Phone,
    Both,
}

impl ContactForm {
    pub fn has_email(self) -> bool {
        matches!(self, ContactForm::Email | ContactForm::Both)
    }

    pub fn has_phone(self) -> bool {
        matches!(self, ContactForm::Phone | ContactForm::Both)
    }

    /// The acceptance check's name.
    pub fn check_name(self) -> &'static str {
        match self {
            ContactForm::Email => "accepted-email",
            ContactForm::Phone => "accepted-phone",
            ContactForm::Both => "accepted-email-and-phone",
        }
    }
}

/// What the docs say the answer to one create request is.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// Every reading is a valid request.
    Accept(Acceptance),
    /// Every reading breaks a rule.
    Refuse {
        /// The rules broken whatever the reading (the checks this case feeds).
        rules: Vec<RuleId>,
        /// Any of these answers is right.
        allowed: Vec<Refusal>,
    },
    /// The docs do not decide: the facts whose silence leaves it open.
    Undetermined { facts: Vec<&'static str> },
}

/// What an accepted request's answer must show.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceptance {
    pub form: ContactForm,
    /// Fields the profile says come back as sent, with the value sent.
    pub echo: Vec<(String, String)>,
    /// The documented default language, when no language was sent.
    pub language_default: Option<String>,
}

use crate::context::TargetFacts;

/// What the recreation facts claim.
#[derive(Debug, Clone, PartialEq)]
pub struct RecreateClaim {
    pub status: Option<u16>,
    pub new_token: bool,
}

/// How `fullName` is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullNameRule {
    Required,
    Optional,
    Silent,
}

/// What one profile states about the four endpoints, read from the contract.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub name: ProfileId,
    /// Documented request rules, with their documented error.
    rules: Vec<(RuleId, Refusal)>,
    cc_pattern: Option<Regex>,
    pub full_name: FullNameRule,
    pub first_last_accepted: bool,
    pub contact_either: bool,
    pub language_default: Option<String>,
    pub echo_fields: Vec<String>,
    pub validation_status: Option<u16>,
    pub success_status: Option<u16>,
    pub success_family: Option<ShapeFamily>,
    pub error_family: Option<ShapeFamily>,
    pub status_consistent: bool,
    pub http_json: bool,
    pub no_server_error: bool,
    pub recreate_email: Option<RecreateClaim>,
    pub recreate_phone: Option<RecreateClaim>,
    pub same_id: bool,
    pub list_status: Option<u16>,
    pub retrieve_status: Option<u16>,
    pub sync_status: Option<u16>,
    /// Every catalogue fact's level under the profile.
    levels: Vec<(String, Level)>,
}

/// The canonical country-code format (en/es notes), used to tell a malformed
/// code when the profile states no pattern.
fn canonical_cc(code: &str) -> bool {
    code.strip_prefix('+')
        .is_some_and(|d| (1..=3).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

impl RuleSet {
    /// What `profile` states, read from the typed claims.
    pub fn new(contract: &Contract, profile: &Profile) -> RuleSet {
        // The claims of the variant that decides each fact.
        let by = |fact: &str| contract.judged_claims(profile, fact).map(|(_, c)| c);
        let validation_status = by("error.http-409")
            .and_then(|c| c.validation_status.as_ref())
            .map(|s| s.status);
        let full_name = match by("create.full-name-optional").and_then(|c| c.full_name.as_ref()) {
            Some(claim) if claim.required => FullNameRule::Required,
            Some(_) => FullNameRule::Optional,
            None => FullNameRule::Silent,
        };
        let cc_pattern = by("create.country-code-format")
            .and_then(|c| c.country_code_format.as_ref()?.pattern.as_deref())
            .and_then(|p| Regex::new(p).ok());
        let rules = request_rules(&by, validation_status, full_name, cc_pattern.is_some());
        let recreate = |fact: &str| {
            by(fact)
                .and_then(|c| c.recreate(fact))
                .map(|c| RecreateClaim {
                    status: Some(c.status),
                    new_token: c.new_token,
                })
        };
        let endpoint_status =
            |fact: &str| by(fact).and_then(|c| c.endpoint(fact)).map(|e| e.status);
        RuleSet {
            name: profile.name,
            rules,
            cc_pattern,
            full_name,
            first_last_accepted: by("create.first-last-name")
                .and_then(|c| c.first_last_name.as_ref())
                .is_some_and(|c| c.accepted),
            contact_either: by("create.contact-either").is_some(),
            language_default: by("create.language-default")
                .and_then(|c| c.language_default.as_ref())
                .map(|c| c.default.clone()),
            echo_fields: by("create.echo")
                .and_then(|c| c.echo.as_ref())
                .map(|c| c.fields.clone())
                .unwrap_or_default(),
            validation_status,
            success_status: by("create.success-status")
                .and_then(|c| c.success_status.as_ref())
                .map(|c| c.status),
            success_family: by("create.envelope")
                .and_then(|c| c.envelope.as_ref())
                .and_then(|c| c.family()),
            error_family: by("error.envelope").and_then(|c| c.error_family()),
            status_consistent: by("error.status-consistent")
                .and_then(|c| c.status_consistent.as_ref())
                .is_some_and(|c| c.body_status_equals_http),
            http_json: by("http.json").is_some(),
            no_server_error: by("http.no-server-error").is_some(),
            recreate_email: recreate("token.recreate-email"),
            recreate_phone: recreate("token.recreate-phone"),
            same_id: by("token.recreate-same-registration")
                .and_then(|c| c.recreate_same_registration.as_ref())
                .is_some_and(|c| c.same_id),
            list_status: endpoint_status("list.ok"),
            retrieve_status: endpoint_status("retrieve.ok"),
            sync_status: endpoint_status("sync.ok"),
            levels: contract
                .facts()
                .map(|f| (f.id.clone(), contract.level(profile, &f.id)))
                .collect(),
        }
    }

    /// What one doc variant alone states (for the alignment of checks).
    pub fn for_variant(contract: &Contract, variant: Variant) -> RuleSet {
        let profile = Profile {
            name: ProfileId::of(variant),
            description: String::new(),
            variants: vec![variant],
        };
        RuleSet::new(contract, &profile)
    }

    /// The level of `fact` under this profile.
    pub fn level(&self, fact: &str) -> Level {
        self.levels
            .iter()
            .find(|(f, _)| *f == fact)
            .map_or(Level::Observe, |(_, l)| *l)
    }

    /// The documented error of `rule`, when the profile states the rule.
    pub fn refusal(&self, rule: RuleId) -> Option<&Refusal> {
        self.rules.iter().find(|(r, _)| *r == rule).map(|(_, e)| e)
    }

    /// An undocumented refusal: no page says how a value it does not
    /// constrain is refused, so any 4xx with any error body.
    fn generic(&self) -> Refusal {
        Refusal::undocumented()
    }

    /// The prediction for a body that is not a JSON object (invalid JSON,
    /// an array, a string, ...): it carries no project.
    pub fn predict_not_an_object(&self) -> Prediction {
        match self.refusal(RuleId::BodyNotAnObject) {
            Some(refusal) => Prediction::Refuse {
                rules: vec![RuleId::BodyNotAnObject],
                allowed: vec![refusal.clone()],
            },
            None => Prediction::Undetermined {
                facts: vec![RuleId::BodyNotAnObject.fact()],
            },
        }
    }

    /// The prediction for a create body.
    pub fn predict(&self, target: &TargetFacts, body: &Map<String, Value>) -> Prediction {
        let readings: Vec<Readings<'_>> = Field::ALL
            .iter()
            .map(|&f| self.readings(f, body.get(f.key())))
            .collect();
        let extras = body
            .keys()
            .any(|k| !Field::ALL.iter().any(|f| f.key() == k));

        let mut any_accept = false;
        let mut any_open = false;
        let mut any_refuse = false;
        let mut always_broken: u16 = u16::MAX;
        let mut ever_broken: u16 = 0;
        let mut allowed: Vec<Refusal> = Vec::new();
        let mut open_facts: BTreeSet<&'static str> = BTreeSet::new();
        for (field, r) in Field::ALL.iter().zip(&readings) {
            if r.open() {
                open_facts.insert(field.fact());
            }
        }

        let combos: usize = readings.iter().map(|r| r.len()).product();
        let mut combo = [Reading::Absent; 9];
        for n in 0..combos {
            let mut rest = n;
            for (slot, r) in combo.iter_mut().zip(&readings) {
                *slot = r.get(rest % r.len());
                rest /= r.len();
            }
            let outcome = self.evaluate(target, &combo, extras);
            for fact in &outcome.silent {
                open_facts.insert(fact);
            }
            if outcome.broken != 0 || outcome.invalid {
                any_refuse = true;
                always_broken &= outcome.broken;
                ever_broken |= outcome.broken;
                for (rule, refusal) in &self.rules {
                    if outcome.broken & rule.bit() != 0 && !allowed.contains(refusal) {
                        allowed.push(refusal.clone());
                    }
                }
                if outcome.invalid || !outcome.silent.is_empty() {
                    let generic = self.generic();
                    if !allowed.contains(&generic) {
                        allowed.push(generic);
                    }
                }
            } else if outcome.silent.is_empty() {
                any_accept = true;
            } else {
                any_open = true;
            }
        }

        if any_refuse && !any_accept && !any_open {
            // The rules broken whatever the reading; when readings disagree
            // on which (each breaks a different one), all of them.
            let certain = if always_broken != 0 {
                always_broken
            } else {
                ever_broken
            };
            let rules = RuleId::ALL
                .into_iter()
                .filter(|r| certain & r.bit() != 0)
                .collect();
            return Prediction::Refuse { rules, allowed };
        }
        if any_accept && !any_refuse && !any_open {
            return Prediction::Accept(self.acceptance(body));
        }
        Prediction::Undetermined {
            facts: open_facts.into_iter().collect(),
        }
    }

    fn acceptance(&self, body: &Map<String, Value>) -> Acceptance {
        let sent = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let form = match (sent("email").is_some(), sent("phone").is_some()) {
            (true, true) => ContactForm::Both,
            (false, true) => ContactForm::Phone,
            _ => ContactForm::Email,
        };
        Acceptance {
            form,
            echo: self
                .echo_fields
                .iter()
                .filter_map(|f| sent(f).map(|v| (f.clone(), v.to_string())))
                .collect(),
            language_default: if body.contains_key("language") {
                None
            } else {
                self.language_default.clone()
            },
        }
    }

    /// The readings of one field's value.
    fn readings<'a>(&self, field: Field, value: Option<&'a Value>) -> Readings<'a> {
        let text = match value {
            None => return Readings::one(Reading::Absent),
            Some(Value::String(s)) if !s.trim().is_empty() => s.as_str(),
            // A blank string: no page says whether it counts as sent, so it
            // may be not sent, refused, or taken as the value it is.
            Some(Value::String(s)) => {
                return Readings::three(Reading::Absent, Reading::Invalid, Reading::Present(s))
            }
            // null, or another JSON type: not sent, or invalid.
            Some(_) => return Readings::two(Reading::Absent, Reading::Invalid),
        };
        let unlisted =
            matches!(field, Field::FirstName | Field::LastName) && !self.first_last_accepted;
        if unlisted {
            // A field the profile does not list: ignored, or refused.
            return Readings::two(Reading::Absent, Reading::Invalid);
        }
        if plain(field, text) {
            Readings::one(Reading::Present(text))
        } else {
            Readings::two(Reading::Present(text), Reading::Invalid)
        }
    }

    /// One combination of readings against the documented rules.
    fn evaluate(&self, target: &TargetFacts, r: &[Reading<'_>; 9], extras: bool) -> Outcome {
        let mut out = Outcome {
            broken: 0,
            invalid: r.iter().any(|x| matches!(x, Reading::Invalid)),
            silent: Vec::new(),
        };
        let get = |f: Field| r[f as usize];
        let absent = |f: Field| !matches!(get(f), Reading::Present(_));
        let rule = |out: &mut Outcome, id: RuleId| {
            if self.refusal(id).is_some() {
                out.broken |= id.bit();
            } else {
                out.silent.push(id.fact());
            }
        };

        match get(Field::Project) {
            Reading::Present(p) if p != target.project => {
                // The docs never say an unknown project is refused.
                out.silent.push("create.project-required");
            }
            Reading::Present(_) => {}
            _ => rule(&mut out, RuleId::ProjectRequired),
        }
        match get(Field::ProjectFlow) {
            Reading::Present(f) if f != target.project_flow => {
                rule(&mut out, RuleId::InvalidProjectFlow)
            }
            Reading::Present(_) => {}
            _ => rule(&mut out, RuleId::ProjectFlowRequired),
        }
        if absent(Field::FullName) {
            match self.full_name {
                FullNameRule::Required => rule(&mut out, RuleId::FullNameRequired),
                FullNameRule::Optional => {}
                FullNameRule::Silent => out.silent.push("create.full-name-optional"),
            }
        }
        if absent(Field::Email) && absent(Field::Phone) {
            rule(&mut out, RuleId::ContactRequired);
        }
        if !absent(Field::Phone) && absent(Field::CountryCode) {
            rule(&mut out, RuleId::CountryCodeRequired);
        }
        if let Reading::Present(code) = get(Field::CountryCode) {
            match &self.cc_pattern {
                Some(pattern) if !pattern.is_match(code) => {
                    out.broken |= RuleId::CountryCodeFormat.bit()
                }
                Some(_) => {}
                None if !canonical_cc(code) => out.silent.push("create.country-code-format"),
                None => {}
            }
        }
        if let Reading::Present(phone) = get(Field::Phone) {
            if !phone.bytes().all(|b| b.is_ascii_digit()) {
                rule(&mut out, RuleId::PhoneDigits);
            }
        }
        if let Reading::Present(email) = get(Field::Email) {
            match email_domain(email) {
                // The docs state no email format: a server may take it or not.
                None => out.silent.push("create.contact-either"),
                Some(domain) => match &target.blocked_email_domain {
                    Some(blocked)
                        if domain.eq_ignore_ascii_case(blocked.trim().trim_matches('.')) =>
                    {
                        rule(&mut out, RuleId::EmailDomain)
                    }
                    Some(blocked) if is_subdomain(domain, blocked) => {
                        out.silent.push("create.email-domain")
                    }
                    _ => {}
                },
            }
        }
        if extras {
            // Unknown fields: the docs list the body, not what else does.
            out.silent.push("http.json");
        }
        out
    }
}

/// The request rules a profile states, each with the answer that refuses
/// it: the documented error where the page shows one, else any body in the
/// validation status. `by(fact)` is the claims of the variant that decides
/// `fact`.
fn request_rules<'c>(
    by: &dyn Fn(&str) -> Option<&'c Claims>,
    validation_status: Option<u16>,
    full_name: FullNameRule,
    cc_pattern: bool,
) -> Vec<(RuleId, Refusal)> {
    let refusal = |fact: &str| {
        let rule = by(fact).and_then(|c| c.rule(fact));
        Refusal {
            status: rule.and_then(|r| r.status).or(validation_status),
            body: rule.and_then(|r| r.error.clone()).map(Value::Object),
            fields: Vec::new(),
            documented: true,
        }
    };
    let rejected = |fact: &str| {
        by(fact)
            .and_then(|c| c.rule(fact))
            .is_some_and(|r| r.rejected)
    };
    let required = |fact: &str, pick: fn(&Claims) -> Option<&FieldClaim>| {
        by(fact).and_then(pick).is_some_and(|c| c.required)
    };
    let project = required("create.project-required", |c| c.project.as_ref());
    let country_code_required = by("create.country-code-required")
        .and_then(|c| c.country_code_required.as_ref())
        .is_some_and(|r| r.rejected || r.required_if.is_some());
    let digits_only = by("create.phone-digits")
        .and_then(|c| c.phone_digits.as_ref())
        .is_some_and(|c| c.digits_only);
    let stated = [
        (
            RuleId::ProjectRequired,
            project,
            refusal("create.project-required"),
        ),
        (RuleId::BodyNotAnObject, project, Refusal::undocumented()),
        (
            RuleId::ProjectFlowRequired,
            required("create.project-flow-required", |c| c.project_flow.as_ref()),
            refusal("create.project-flow-required"),
        ),
        (
            RuleId::FullNameRequired,
            full_name == FullNameRule::Required,
            refusal("create.full-name-optional"),
        ),
        (
            RuleId::InvalidProjectFlow,
            rejected("create.invalid-project-flow"),
            refusal("create.invalid-project-flow"),
        ),
        (
            RuleId::ContactRequired,
            rejected("create.contact-required"),
            refusal("create.contact-required"),
        ),
        (
            RuleId::CountryCodeRequired,
            country_code_required,
            refusal("create.country-code-required"),
        ),
        (
            RuleId::CountryCodeFormat,
            cc_pattern,
            refusal("create.country-code-format"),
        ),
        (
            RuleId::PhoneDigits,
            digits_only,
            refusal("create.phone-digits"),
        ),
        (
            RuleId::EmailDomain,
            rejected("create.email-domain"),
            refusal("create.email-domain"),
        ),
    ];
    stated
        .into_iter()
        .filter(|(_, stated, _)| *stated)
        .map(|(rule, _, refusal)| (rule, refusal))
        .collect()
}

/// One combination's verdict.
struct Outcome {
    /// Documented rules broken (bits of [`RuleId`]).
    broken: u16,
    /// Some field was read as invalid (an undocumented refusal).
    invalid: bool,
    /// Facts the profile is silent on that this combination runs into.
    silent: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading<'a> {
    Absent,
    Present(&'a str),
    Invalid,
}

/// One to three readings of a value.
#[derive(Debug, Clone, Copy)]
struct Readings<'a> {
    items: [Reading<'a>; 3],
    len: usize,
}

impl<'a> Readings<'a> {
    fn one(r: Reading<'a>) -> Self {
        Readings {
            items: [r; 3],
            len: 1,
        }
    }

    fn two(a: Reading<'a>, b: Reading<'a>) -> Self {
        Readings {
            items: [a, b, b],
            len: 2,
        }
    }

    fn three(a: Reading<'a>, b: Reading<'a>, c: Reading<'a>) -> Self {
        Readings {
            items: [a, b, c],
            len: 3,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, i: usize) -> Reading<'a> {
        self.items[i.min(self.len - 1)]
    }

    /// More than one reading: the docs leave this value open.
    fn open(&self) -> bool {
        self.len > 1
    }
}

/// A value every reader takes as sent: the documented rules alone decide.
pub fn plain(field: Field, text: &str) -> bool {
    let printable = |s: &str| s.bytes().all(|b| (0x20..0x7f).contains(&b));
    match field {
        Field::Project | Field::ProjectFlow => {
            text.len() <= 64 && printable(text) && text.trim() == text
        }
        // Plain lower-case ASCII; its format is judged by the rules.
        Field::Email => {
            text.len() <= 254
                && text
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase())
        }
        Field::Phone => {
            if text.bytes().all(|b| b.is_ascii_digit()) {
                text.len() <= 15
            } else {
                text.len() <= 20 && printable(text)
            }
        }
        Field::CountryCode => text.len() <= 8 && printable(text),
        Field::FullName | Field::FirstName | Field::LastName => plain_name(text),
        Field::Language => text == "en" || text == "es",
    }
}

/// Latin letters (Spanish and other accented ones included), spaces,
/// apostrophes, hyphens and dots; at most 100 characters, no padding.
pub fn plain_name(text: &str) -> bool {
    let latin = |c: char| {
        c.is_ascii_alphabetic()
            || (('\u{c0}'..='\u{17f}').contains(&c) && c != '\u{d7}' && c != '\u{f7}')
    };
    text.chars().count() <= 100
        && text.trim() == text
        && !text.contains("  ")
        && text.chars().any(latin)
        && text
            .chars()
            .all(|c| latin(c) || matches!(c, ' ' | '\'' | '-' | '.'))
}

/// The domain of a plain email: one `@`, a local part of `[a-z0-9._+-]`, and
/// a domain of at least two `[a-z0-9-]` labels. `None` for anything else.
pub fn email_domain(email: &str) -> Option<&str> {
    let (local, domain) = email.split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._+-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    (local_ok && domain_ok).then_some(domain)
}

fn is_subdomain(domain: &str, parent: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    let parent = parent.trim().trim_matches('.').to_ascii_lowercase();
    !parent.is_empty()
        && domain
            .strip_suffix(&parent)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values() {
        assert!(plain_name("José Ñúñez"));
        assert!(plain_name("O'Connor-Smith Jr."));
        assert!(!plain_name("😀"));
        assert!(!plain_name(" Ana"));
        assert!(!plain_name(&"a".repeat(101)));
        assert!(!plain_name("שלום"));
        assert_eq!(
            email_domain("a.b+c@mail.example.test"),
            Some("mail.example.test")
        );
        assert_eq!(email_domain("ab.example.test"), None);
        assert_eq!(email_domain("a@b"), None);
        assert_eq!(email_domain("a@b@c.d"), None);
        assert!(is_subdomain("x.blocked.test", "blocked.test"));
        assert!(!is_subdomain("notblocked.test", "blocked.test"));
        assert!(canonical_cc("+593"));
        assert!(!canonical_cc("+1234"));
    }
}
