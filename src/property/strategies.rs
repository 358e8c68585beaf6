//! What a generated case is, the proptest strategies that generate it, and
//! how a generated spec becomes a concrete request for one target.
//!
//! A case is a create body (every documented field absent, null, valid,
//! malformed, blank, of the wrong JSON type, or edge text; plus unknown extra
//! fields), a body that is not a JSON object, or a stateful sequence (create,
//! then recreate with the same contact, retrieve, list, sync).
//!
//! Specs are abstract ("a valid email, style 2"); [`Materializer`] turns them
//! into JSON with the target's project, flow and blocked domain, and a
//! **serial** that makes every email and phone unique to its case: a run never
//! recreates a registration by accident, only in its sequences, on purpose.
//! The serial and a tag derived from the seed are part of every contact, so
//! the same seed sends the same bytes.
//!
//! Each case has its own runner, seeded from `--seed` and the case index
//! ([`case_seed`]): case `i` is the same whatever `--cases` is, and its value
//! tree can be rebuilt later to shrink it. Strategies shrink towards simpler
//! values: a field towards absent, a text towards ASCII and, by binary search,
//! towards the shortest length that still fails.

use proptest::num::usize::BinarySearch;
use proptest::prelude::*;
use proptest::strategy::{NewTree, SBoxedStrategy, Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};

use super::oracle::{ContactForm, Field};
use crate::context::TargetFacts;

/// The longest generated text, in characters (or emoji).
pub const MAX_TEXT: usize = 10_000;

/// One generated value of a documented field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSpec {
    Absent,
    Null,
    /// A valid value (catalogue index; contacts are unique per case).
    Plain(usize),
    /// Empty or whitespace only.
    Blank(usize),
    /// A number, boolean, array or object.
    WrongType(usize),
    /// A field-specific malformation (phone with spaces, code without `+`, ...).
    Malformed(usize),
    /// An email at the target's blocked domain.
    Blocked,
    /// A project or flow the target does not know.
    Other(u32),
    /// Edge text: long, Spanish, emoji, right-to-left, control characters.
    Text(TextSpec),
}

/// Edge text: `len` units of one alphabet, picked from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSpec {
    pub kind: usize,
    pub len: usize,
    pub seed: u16,
}

/// An unknown extra field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraSpec {
    pub name: usize,
    pub value: usize,
}

/// A generated create body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodySpec {
    /// In [`Field::ALL`] order.
    pub fields: [FieldSpec; 9],
    pub extras: Vec<ExtraSpec>,
}

/// A stateful sequence: a valid create, then `steps` on that registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceSpec {
    pub form: ContactForm,
    pub name: usize,
    pub language: Option<usize>,
    pub steps: Vec<StepSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSpec {
    /// Create again with the same contact (and this full name).
    Recreate {
        name: usize,
    },
    Retrieve,
    Sync,
    List,
}

/// One generated case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSpec {
    Create(Box<BodySpec>),
    /// A body that is not a JSON object (raw catalogue index).
    NotAnObject(usize),
    Sequence(SequenceSpec),
}

// ---------------------------------------------------------------- catalogues

const BLANKS: [&str; 6] = ["", " ", "   ", "\t", "\n", "\u{a0}"];

fn wrong_type(i: usize) -> Value {
    match i % 12 {
        0 => json!(0),
        1 => json!(1),
        2 => json!(-1),
        3 => json!(3.5),
        4 => json!(12345678901234567890u64),
        5 => json!(1e300),
        6 => json!(true),
        7 => json!(false),
        8 => json!([]),
        9 => json!(["x"]),
        10 => json!({}),
        _ => json!({"value": "x"}),
    }
}
const WRONG_TYPES: usize = 12;

const CODES: [&str; 6] = ["+57", "+1", "+34", "+593", "+44", "+52"];
const MALFORMED_CODES: [&str; 9] = [
    "57", "+1234", "+", "+5a", "++57", "0057", "+ 57", "+57 ", "1-809",
];
/// Full names; Spanish ones are as plain as any.
pub const FULL_NAMES: [&str; 10] = [
    "John Doe",
    "Ana",
    "José Ñúñez",
    "María José de la Cruz",
    "Lucía Fernández",
    "O'Connor",
    "Jean-Luc Picard",
    "Zoë Saldaña",
    "Iñaki Álvarez-Ortúzar",
    "Begoña",
];
const FIRST_NAMES: [&str; 6] = ["John", "José", "María", "Zoë", "Iñaki", "Ana Sofía"];
const LAST_NAMES: [&str; 5] = ["Doe", "Ñúñez", "de la Cruz", "O'Brien", "García-Márquez"];
const LANGUAGES: [&str; 2] = ["en", "es"];
const EMAIL_STYLES: usize = 4;
const MALFORMED_EMAILS: usize = 5;
const PHONE_STYLES: usize = 2;
const MALFORMED_PHONES: usize = 7;

const EXTRA_NAMES: [&str; 14] = [
    "nickname",
    "metadata",
    "__proto__",
    "constructor",
    "Email",
    "PROJECT",
    "phoneNumber",
    "country_code",
    "isAdmin",
    "_id",
    "status",
    "token",
    "",
    "😀",
];

fn extra_value(i: usize) -> Value {
    match i % 8 {
        0 => json!("x"),
        1 => json!(1),
        2 => json!(true),
        3 => Value::Null,
        4 => json!({}),
        5 => json!([1, 2]),
        6 => json!({"admin": true}),
        _ => json!("someone@example.test"),
    }
}
const EXTRA_VALUES: usize = 8;

/// Alphabets of edge text, simplest first; one unit may be several chars.
const ALPHABETS: [&[&str]; 6] = [
    &[
        "a", "b", "c", "d", "e", "k", "m", "q", "x", "z", "A", "J", "Q", "Z",
    ],
    &[
        "á", "é", "í", "ó", "ú", "ñ", "ü", "Ñ", "Á", "¿", "¡", "ç", " ", "n",
    ],
    &["😀", "🎉", "👍🏽", "👨‍👩‍👧", "🇨🇴", "❤️", "🦀"],
    &[
        "ש", "ל", "ו", "ם", "م", "ر", "ح", "ب", "\u{200f}", "\u{202e}", " ",
    ],
    &[
        "漢", "字", "e\u{301}", "\u{200b}", "\u{feff}", "Ω", "𝔘", "ǅ", "ﬁ",
    ],
    &[
        "\u{0}", "\u{1}", "\u{7}", "\u{1b}", "\u{7f}", "\u{85}", "\n", "\r", "\t", "a",
    ],
];
const DIGITS: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Bodies that are not a JSON object; none carries a usable `project`.
fn raw_body(i: usize) -> Vec<u8> {
    let fixed: [&[u8]; 17] = [
        b"{\"project\":",
        b"{project: \"p\"}",
        b"[]",
        b"[{\"project\":\"x\"}]",
        b"\"project\"",
        b"42",
        b"null",
        b"true",
        b"",
        b"   ",
        b"{\"email\":\"a@b.test\"}{",
        b"{\"fullName\":\"\xff\xfe\"}",
        b"{\"fullName\":\"\\ud800\"}",
        b"{\"fullName\":\"a\",}",
        b"{\"n\":1e999}",
        b"\xef\xbb\xbf{\"fullName\":\"bom\"}",
        b"{\"email\":\"x@y.test\" // comment\n}",
    ];
    match fixed.get(i) {
        Some(bytes) => bytes.to_vec(),
        None => {
            // Deeper than most parsers allow.
            let mut nested = "[".repeat(200);
            nested.push_str(&"]".repeat(200));
            nested.into_bytes()
        }
    }
}
/// How many raw bodies there are.
pub const RAW_BODIES: usize = 18;

// ---------------------------------------------------------------- strategies

/// A length from 1 to [`MAX_TEXT`], most often short, that shrinks by binary
/// search (so a failure at "over 200" shrinks to exactly 201).
#[derive(Debug, Clone, Copy)]
struct LenStrategy;

impl Strategy for LenStrategy {
    type Tree = BinarySearch;
    type Value = usize;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let bucket = (0u32..100).new_tree(runner)?.current();
        let start = match bucket {
            0..=44 => (1usize..=20).new_tree(runner)?.current(),
            45..=74 => (21usize..=300).new_tree(runner)?.current(),
            _ => (301usize..=MAX_TEXT).new_tree(runner)?.current(),
        };
        Ok(BinarySearch::new_above(1, start))
    }
}

fn text() -> impl Strategy<Value = TextSpec> {
    (0..ALPHABETS.len(), LenStrategy, any::<u16>()).prop_map(|(kind, len, seed)| TextSpec {
        kind,
        len,
        seed,
    })
}

/// Relative weights of each kind of value, per field.
struct Weights {
    absent: u32,
    null: u32,
    plain: u32,
    blank: u32,
    wrong_type: u32,
    malformed: u32,
    blocked: u32,
    other: u32,
    text: u32,
}

fn weights(field: Field, blocked_domain: bool) -> Weights {
    let w = |absent, plain, malformed, other, text| Weights {
        absent,
        null: 2,
        plain,
        blank: 2,
        wrong_type: 3,
        malformed,
        blocked: 0,
        other,
        text,
    };
    match field {
        Field::Project | Field::ProjectFlow => w(3, 85, 0, 3, 2),
        Field::Email => Weights {
            blocked: if blocked_domain { 5 } else { 0 },
            ..w(30, if blocked_domain { 45 } else { 50 }, 5, 0, 6)
        },
        Field::Phone => w(50, 30, 7, 0, 4),
        Field::CountryCode => w(20, 65, 6, 0, 2),
        Field::FullName => w(25, 55, 0, 0, 13),
        Field::FirstName | Field::LastName => w(60, 28, 0, 0, 6),
        Field::Language => w(45, 45, 0, 0, 4),
    }
}

fn plain_count(field: Field) -> usize {
    match field {
        Field::Project | Field::ProjectFlow => 1,
        Field::Email => EMAIL_STYLES,
        Field::Phone => PHONE_STYLES,
        Field::CountryCode => CODES.len(),
        Field::FullName => FULL_NAMES.len(),
        Field::FirstName => FIRST_NAMES.len(),
        Field::LastName => LAST_NAMES.len(),
        Field::Language => LANGUAGES.len(),
    }
}

fn malformed_count(field: Field) -> usize {
    match field {
        Field::Email => MALFORMED_EMAILS,
        Field::Phone => MALFORMED_PHONES,
        Field::CountryCode => MALFORMED_CODES.len(),
        _ => 1,
    }
}

/// One field's values: absent, or present as one of the kinds. Nesting the
/// kinds under "present" (like `prop::option::of`) makes shrinking always
/// try removing the field: proptest's unions step back one alternative at a
/// time and stop at the first that no longer fails.
fn field(field: Field, blocked_domain: bool) -> SBoxedStrategy<FieldSpec> {
    let w = weights(field, blocked_domain);
    let kinds: Vec<(u32, SBoxedStrategy<FieldSpec>)> = vec![
        (
            w.plain,
            (0..plain_count(field)).prop_map(FieldSpec::Plain).sboxed(),
        ),
        (w.null, Just(FieldSpec::Null).sboxed()),
        (
            w.blank,
            (0..BLANKS.len()).prop_map(FieldSpec::Blank).sboxed(),
        ),
        (
            w.wrong_type,
            (0..WRONG_TYPES).prop_map(FieldSpec::WrongType).sboxed(),
        ),
        (
            w.malformed,
            (0..malformed_count(field))
                .prop_map(FieldSpec::Malformed)
                .sboxed(),
        ),
        (w.blocked, Just(FieldSpec::Blocked).sboxed()),
        (w.other, (0u32..1000).prop_map(FieldSpec::Other).sboxed()),
        (w.text, text().prop_map(FieldSpec::Text).sboxed()),
    ];
    let kinds: Vec<_> = kinds.into_iter().filter(|(w, _)| *w > 0).collect();
    let present: u32 = kinds.iter().map(|(w, _)| w).sum();
    Union::new_weighted(vec![
        (w.absent, Just(FieldSpec::Absent).sboxed()),
        (present, Union::new_weighted(kinds).sboxed()),
    ])
    .sboxed()
}

fn extras() -> SBoxedStrategy<Vec<ExtraSpec>> {
    let extra =
        (0..EXTRA_NAMES.len(), 0..EXTRA_VALUES).prop_map(|(name, value)| ExtraSpec { name, value });
    Union::new_weighted(vec![
        (88, Just(Vec::new()).sboxed()),
        (12, prop::collection::vec(extra, 1..=3).sboxed()),
    ])
    .sboxed()
}

fn body(blocked_domain: bool) -> SBoxedStrategy<BodySpec> {
    let f = |x| field(x, blocked_domain);
    (
        f(Field::Project),
        f(Field::ProjectFlow),
        f(Field::Email),
        f(Field::Phone),
        f(Field::CountryCode),
        f(Field::FullName),
        f(Field::FirstName),
        f(Field::LastName),
        f(Field::Language),
        extras(),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i, extras)| BodySpec {
            fields: [a, b, c, d, e, f, g, h, i],
            extras,
        })
        .sboxed()
}

fn sequence() -> SBoxedStrategy<SequenceSpec> {
    let step = Union::new_weighted(vec![
        (
            40,
            (0..FULL_NAMES.len())
                .prop_map(|name| StepSpec::Recreate { name })
                .sboxed(),
        ),
        (20, Just(StepSpec::Retrieve).sboxed()),
        (20, Just(StepSpec::Sync).sboxed()),
        (20, Just(StepSpec::List).sboxed()),
    ]);
    (
        prop::sample::select(vec![
            ContactForm::Email,
            ContactForm::Phone,
            ContactForm::Both,
        ]),
        0..FULL_NAMES.len(),
        prop::option::of(0..LANGUAGES.len()),
        prop::collection::vec(step, 1..=4),
    )
        .prop_map(|(form, name, language, steps)| SequenceSpec {
            form,
            name,
            language,
            steps,
        })
        .sboxed()
}

/// Percent of cases of each kind.
const RAW_PERCENT: u32 = 6;
const SEQUENCE_PERCENT: u32 = 12;

/// A generation failure: a bug in the strategies, never the target's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot generate case {index}: {reason} (a bug in the generated phase; report it with the seed)")]
pub struct GenerateError {
    pub index: u64,
    pub reason: String,
}

/// A shrinkable case: the value tree of its kind.
pub enum CaseTree {
    Create(<SBoxedStrategy<BodySpec> as Strategy>::Tree),
    NotAnObject(<SBoxedStrategy<usize> as Strategy>::Tree),
    Sequence(<SBoxedStrategy<SequenceSpec> as Strategy>::Tree),
}

impl CaseTree {
    pub fn current(&self) -> CaseSpec {
        match self {
            CaseTree::Create(t) => CaseSpec::Create(Box::new(t.current())),
            CaseTree::NotAnObject(t) => CaseSpec::NotAnObject(t.current()),
            CaseTree::Sequence(t) => CaseSpec::Sequence(t.current()),
        }
    }

    pub fn simplify(&mut self) -> bool {
        match self {
            CaseTree::Create(t) => t.simplify(),
            CaseTree::NotAnObject(t) => t.simplify(),
            CaseTree::Sequence(t) => t.simplify(),
        }
    }

    pub fn complicate(&mut self) -> bool {
        match self {
            CaseTree::Create(t) => t.complicate(),
            CaseTree::NotAnObject(t) => t.complicate(),
            CaseTree::Sequence(t) => t.complicate(),
        }
    }
}

/// Generates case `i` of a seed, as a value or as a shrinkable tree.
pub struct Generator {
    seed: u64,
    config: Config,
    create: SBoxedStrategy<BodySpec>,
    raw: SBoxedStrategy<usize>,
    sequence: SBoxedStrategy<SequenceSpec>,
}

impl Generator {
    /// `blocked_domain`: whether the target names a blocked email domain
    /// (else no email is generated at one).
    pub fn new(seed: u64, blocked_domain: bool) -> Generator {
        Generator {
            seed,
            config: Config {
                failure_persistence: None,
                ..Config::default()
            },
            create: body(blocked_domain),
            raw: (0..RAW_BODIES).sboxed(),
            sequence: sequence(),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Case `index`'s value tree (the same for the same seed and index).
    pub fn tree(&self, index: u64) -> Result<CaseTree, GenerateError> {
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &case_seed(self.seed, index));
        let mut runner = TestRunner::new_with_rng(self.config.clone(), rng);
        let fail = |reason: String| GenerateError { index, reason };
        let kind = (0u32..100)
            .new_tree(&mut runner)
            .map_err(|e| fail(e.to_string()))?
            .current();
        Ok(if kind < RAW_PERCENT {
            CaseTree::NotAnObject(
                self.raw
                    .new_tree(&mut runner)
                    .map_err(|e| fail(e.to_string()))?,
            )
        } else if kind < RAW_PERCENT + SEQUENCE_PERCENT {
            CaseTree::Sequence(
                self.sequence
                    .new_tree(&mut runner)
                    .map_err(|e| fail(e.to_string()))?,
            )
        } else {
            CaseTree::Create(
                self.create
                    .new_tree(&mut runner)
                    .map_err(|e| fail(e.to_string()))?,
            )
        })
    }

    pub fn case(&self, index: u64) -> Result<CaseSpec, GenerateError> {
        Ok(self.tree(index)?.current())
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 32-byte ChaCha seed of case `index`: splitmix64 over `--seed` and
/// the index. Documented so that other tools can reproduce a case.
pub fn case_seed(seed: u64, index: u64) -> [u8; 32] {
    let mut state = seed;
    let mut mixed = splitmix64(&mut state) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut mixed).to_le_bytes());
    }
    out
}

/// The tag every generated contact of a seed carries (0..10000).
pub fn contact_tag(seed: u64) -> u32 {
    let mut state = seed ^ 0x7461_6700;
    (splitmix64(&mut state) % 10_000) as u32
}

// ---------------------------------------------------------------- materializing

/// Turns specs into JSON for one target.
#[derive(Debug, Clone)]
pub struct Materializer {
    target: TargetFacts,
    /// An email domain that is not blocked.
    domain: String,
    tag: u32,
}

impl Materializer {
    pub fn new(target: TargetFacts, seed: u64) -> Materializer {
        let blocked = target
            .blocked_email_domain
            .as_deref()
            .map(|b| b.trim().trim_matches('.').to_ascii_lowercase())
            .filter(|b| !b.is_empty());
        let domain = [
            "example.test",
            "example.org",
            "mail.example.net",
            "example.com",
        ]
        .into_iter()
        .find(|d| {
            blocked
                .as_deref()
                .is_none_or(|b| *d != b && !d.ends_with(&format!(".{b}")))
        })
        .unwrap_or("verifik-conformance.invalid")
        .to_string();
        Materializer {
            target,
            domain,
            tag: contact_tag(seed),
        }
    }

    pub fn target(&self) -> &TargetFacts {
        &self.target
    }

    /// The unique part of a contact: `g<tag>.<serial>`.
    fn who(&self, serial: u64) -> String {
        format!("g{}.{serial}", self.tag)
    }

    fn digits(&self, serial: u64) -> String {
        format!("7{:04}{serial:07}", self.tag)
    }

    fn text(spec: &TextSpec, digits: bool) -> String {
        let alphabet = if digits && spec.kind == 0 {
            DIGITS
        } else {
            ALPHABETS[spec.kind % ALPHABETS.len()]
        };
        let mut state = u64::from(spec.seed) | 0x5eed_0000_0000;
        let mut out = String::with_capacity(spec.len);
        for _ in 0..spec.len {
            let pick = (splitmix64(&mut state) % alphabet.len() as u64) as usize;
            out.push_str(alphabet[pick]);
        }
        out
    }

    /// The JSON value of one field, `None` when absent.
    pub fn field(&self, field: Field, spec: &FieldSpec, serial: u64) -> Option<Value> {
        let t = &self.target;
        let s = |x: String| Some(Value::String(x));
        match spec {
            FieldSpec::Absent => None,
            FieldSpec::Null => Some(Value::Null),
            FieldSpec::Blank(i) => s(BLANKS[i % BLANKS.len()].to_string()),
            FieldSpec::WrongType(i) => Some(wrong_type(*i)),
            FieldSpec::Plain(i) => s(match field {
                Field::Project => t.project.clone(),
                Field::ProjectFlow => t.project_flow.clone(),
                Field::Email => {
                    let who = self.who(serial);
                    let d = &self.domain;
                    match i % EMAIL_STYLES {
                        0 => format!("{who}@{d}"),
                        1 => format!("gen.{who}@{d}"),
                        2 => format!("g{}+{serial}@{d}", self.tag),
                        _ => format!("g_{}-{serial}@mail.{d}", self.tag),
                    }
                }
                Field::Phone => match i % PHONE_STYLES {
                    0 => self.digits(serial),
                    _ => format!("8{serial:07}{:04}", self.tag),
                },
                Field::CountryCode => CODES[i % CODES.len()].to_string(),
                Field::FullName => FULL_NAMES[i % FULL_NAMES.len()].to_string(),
                Field::FirstName => FIRST_NAMES[i % FIRST_NAMES.len()].to_string(),
                Field::LastName => LAST_NAMES[i % LAST_NAMES.len()].to_string(),
                Field::Language => LANGUAGES[i % LANGUAGES.len()].to_string(),
            }),
            FieldSpec::Malformed(i) => s(match field {
                Field::Email => {
                    let who = self.who(serial);
                    let d = &self.domain;
                    match i % MALFORMED_EMAILS {
                        0 => format!("{who}.{d}"),
                        1 => format!("{who} at {d}"),
                        2 => format!("{who}@"),
                        3 => format!("{who}@@{d}"),
                        _ => format!("{who}@{d}@{d}"),
                    }
                }
                Field::Phone => {
                    let (a, b) = (format!("7{:04}", self.tag), format!("{serial:07}"));
                    match i % MALFORMED_PHONES {
                        0 => format!("{a} {b}"),
                        1 => format!("{a}-{b}"),
                        2 => format!("+{a}{b}"),
                        3 => format!("{a}x{b}"),
                        4 => format!("({a}) {b}"),
                        5 => format!("{a}.{b}"),
                        _ => format!("{a}{b} ext 12"),
                    }
                }
                Field::CountryCode => MALFORMED_CODES[i % MALFORMED_CODES.len()].to_string(),
                _ => format!("malformed-{i}"),
            }),
            FieldSpec::Blocked => match &t.blocked_email_domain {
                Some(domain) => s(format!(
                    "{}@{}",
                    self.who(serial),
                    domain.trim().trim_matches('.').to_ascii_lowercase()
                )),
                None => s(format!("{}@{}", self.who(serial), self.domain)),
            },
            FieldSpec::Other(k) => s(if k % 2 == 0 {
                format!("{:024x}", 0x6a11_0000_u64 + u64::from(*k))
            } else {
                format!("unknown-{}-{k}", field.key())
            }),
            FieldSpec::Text(text) => s(match field {
                Field::Email => format!(
                    "{}.{}@{}",
                    self.who(serial),
                    Self::text(text, false),
                    self.domain
                ),
                Field::Phone => format!("{}{}", self.digits(serial), Self::text(text, true)),
                Field::CountryCode => format!("+{}", Self::text(text, true)),
                _ => Self::text(text, false),
            }),
        }
    }

    /// A create body: the fields in table order, then the extras.
    pub fn body(&self, spec: &BodySpec, serial: u64) -> Map<String, Value> {
        let mut body = Map::new();
        for (field, value) in Field::ALL.iter().zip(&spec.fields) {
            if let Some(v) = self.field(*field, value, serial) {
                body.insert(field.key().to_string(), v);
            }
        }
        for extra in &spec.extras {
            body.insert(
                EXTRA_NAMES[extra.name % EXTRA_NAMES.len()].to_string(),
                extra_value(extra.value),
            );
        }
        body
    }

    /// The create body of a sequence, with full name `name`: the same
    /// contact every time, so a second one recreates the registration.
    pub fn sequence_body(
        &self,
        spec: &SequenceSpec,
        name: usize,
        serial: u64,
    ) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("project".into(), self.target.project.clone().into());
        body.insert(
            "projectFlow".into(),
            self.target.project_flow.clone().into(),
        );
        if spec.form.has_email() {
            body.insert(
                "email".into(),
                format!("{}@{}", self.who(serial), self.domain).into(),
            );
        }
        if spec.form.has_phone() {
            body.insert("phone".into(), self.digits(serial).into());
            body.insert("countryCode".into(), "+57".into());
        }
        body.insert(
            "fullName".into(),
            FULL_NAMES[name % FULL_NAMES.len()].into(),
        );
        if let Some(language) = spec.language {
            body.insert(
                "language".into(),
                LANGUAGES[language % LANGUAGES.len()].into(),
            );
        }
        body
    }

    /// A body that is not a JSON object.
    pub fn raw(&self, index: usize) -> Vec<u8> {
        raw_body(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_seeds_differ_by_index_and_seed() {
        assert_ne!(case_seed(1, 0), case_seed(1, 1));
        assert_ne!(case_seed(1, 0), case_seed(2, 0));
        assert_eq!(case_seed(7, 3), case_seed(7, 3));
    }

    #[test]
    fn same_index_same_case() {
        let a = Generator::new(42, true);
        let b = Generator::new(42, true);
        for i in 0..50 {
            assert_eq!(a.case(i).unwrap(), b.case(i).unwrap());
        }
    }

    #[test]
    fn text_has_its_length() {
        let spec = TextSpec {
            kind: 0,
            len: 201,
            seed: 0,
        };
        assert_eq!(Materializer::text(&spec, false).chars().count(), 201);
    }

    #[test]
    fn valid_domain_avoids_the_blocked_one() {
        let target = |b: &str| TargetFacts {
            project: "p".into(),
            project_flow: "f".into(),
            blocked_email_domain: Some(b.into()),
        };
        assert_eq!(
            Materializer::new(target("example.test"), 1).domain,
            "example.org"
        );
        assert_eq!(Materializer::new(target("test"), 1).domain, "example.org");
        assert_eq!(
            Materializer::new(target("blocked.example.test"), 1).domain,
            "example.test"
        );
    }
}
