//! Code samples: the request body each language's sample sends (a
//! JavaScript object, a PHP array, a Python dict, a Go map, a curl `-d`
//! JSON), read without running it, and checked against the params table
//! and against the other samples of the page.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::contract::{Page, Variant};

use super::facts::param_fact;
use super::items::PageItem;
use super::page::{fold, re};
use super::{Drift, DriftKind, Severity};

/// The body fields a sample sends, in its order: name, value (a string
/// literal's content, else the expression as written) and the entry as
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRequest {
    pub fields: Vec<SampleField>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleField {
    pub name: String,
    pub value: String,
    pub source: String,
}

impl SampleRequest {
    /// What the sample states, for its claim fingerprint.
    pub fn claim_values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|f| (format!("body/{}", f.name), f.value.clone()))
            .collect()
    }

    fn field(&self, name: &str) -> Option<&SampleField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Whether `line` opens a program in the language a sample label names.
pub fn opens_program(label: &str, line: &str) -> bool {
    let label = fold(label);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| line.starts_with(p));
    if label.contains("php") {
        starts(&["<?php"])
    } else if label.contains("python") || label == "py" {
        starts(&["import ", "from "])
    } else if label == "go" || label.contains("golang") {
        starts(&["package "])
    } else if ["node", "javascript", "js", "axios", "typescript"]
        .iter()
        .any(|l| label.contains(l))
    {
        starts(&[
            "const ", "let ", "var ", "import ", "require(", "async ", "fetch(", "axios",
        ])
    } else if ["curl", "bash", "shell", "sh"].contains(&label.as_str()) {
        starts(&["curl "])
    } else {
        false
    }
}

static BODY_OPENERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"JSON\.stringify\(\s*\{",
        r"json\.dumps\(\s*\{",
        r"json_encode\(\s*\[",
        r"map\[string\](?:interface\{\}|any)\{",
        r"\b(?:payload|body|data)\s*:?=\s*\{",
        r"\bdata\s*:\s*\{",
        r"\bjson\s*=\s*\{",
    ]
    .iter()
    .map(|p| re(p))
    .collect()
});

static CURL_DATA: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\s-d|--data(?:-raw|-binary)?)\s+'([^']*)'"));

/// The request body a sample sends, when it can be read.
pub fn read_request(code: &str) -> Option<SampleRequest> {
    if let Some(caps) = CURL_DATA.captures(code) {
        let body: Value = serde_json::from_str(&caps[1]).ok()?;
        let fields = body
            .as_object()?
            .iter()
            .map(|(name, value)| SampleField {
                name: name.clone(),
                value: value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string),
                source: format!("{}: {value}", json!(name)),
            })
            .collect();
        return Some(SampleRequest { fields });
    }
    let open = BODY_OPENERS
        .iter()
        .find_map(|r| r.find(code))
        .map(|m| m.end() - 1)?;
    let inner = bracketed(code, open)?;
    let fields = top_level(inner, ',')
        .into_iter()
        .filter_map(|entry| field(entry.trim()))
        .collect();
    Some(SampleRequest { fields })
}

/// The characters of `text` outside string literals (quotes included in
/// the literal), each with its byte offset and the bracket depth after it.
fn unquoted(text: &str) -> impl Iterator<Item = (usize, char, i32)> + '_ {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    text.char_indices().filter_map(move |(at, c)| {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            return None;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                return None;
            }
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth -= 1,
            _ => {}
        }
        Some((at, c, depth))
    })
}

/// The text inside the bracket at byte `open` (to its match).
fn bracketed(code: &str, open: usize) -> Option<&str> {
    unquoted(&code[open..])
        .find(|(_, c, depth)| matches!(c, '}' | ']' | ')') && *depth == 0)
        .map(|(at, _, _)| &code[open + 1..open + at])
}

/// `text` split at `separator` where it is outside quotes and brackets.
fn top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, c, depth) in unquoted(text) {
        if c == separator && depth == 0 {
            parts.push(&text[start..at]);
            start = at + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `key: value`, `"key" => value`, `"key": value`.
fn field(entry: &str) -> Option<SampleField> {
    if entry.is_empty() {
        return None;
    }
    let (key, value) = match entry.split_once("=>") {
        Some(kv) if top_level(kv.0, ':').len() == 1 => kv,
        _ => {
            let parts = top_level(entry, ':');
            let key = parts.first()?;
            (*key, entry.get(key.len() + 1..)?)
        }
    };
    let name = unquote(key.trim()).to_string();
    let value = value.trim();
    (!name.is_empty() && !value.is_empty()).then(|| SampleField {
        name,
        value: unquote(value).to_string(),
        source: entry.to_string(),
    })
}

fn unquote(text: &str) -> &str {
    for q in ['"', '\'', '`'] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return inner;
        }
    }
    text
}

/// What the samples of one page send, checked: a field the params table
/// does not list, and a field whose value (or absence) differs from what
/// most samples of the page send, each one drift on that sample.
pub fn sample_drift(variant: Variant, items: &[PageItem], page: &Page) -> Vec<Drift> {
    let samples: Vec<(&PageItem, &SampleRequest)> = items
        .iter()
        .filter_map(|i| i.request.as_ref().map(|r| (i, r)))
        .collect();
    let mut out: Vec<Drift> = Vec::new();
    let listed = |name: &str| page.params.iter().any(|p| p.name == name);
    for (item, request) in &samples {
        if page.params.is_empty() {
            break;
        }
        for f in request.fields.iter().filter(|f| !listed(&f.name)) {
            let mut drift = Drift::structured(
                variant,
                param_fact(&f.name, None),
                format!("{}.body/{}", item.locator, f.name),
                DriftKind::Added,
                Value::Null,
                json!(f.value),
            );
            drift.message = Some(format!(
                "the sample sends {}, which the params table does not list",
                f.name
            ));
            out.push(located(drift, item, &f.source));
        }
    }
    let mut names: Vec<&str> = Vec::new();
    for (_, request) in &samples {
        for f in &request.fields {
            if !names.contains(&f.name.as_str()) {
                names.push(&f.name);
            }
        }
    }
    for name in names {
        let values: Vec<Option<&str>> = samples
            .iter()
            .map(|(_, r)| r.field(name).map(|f| f.value.as_str()))
            .collect();
        let reference = most_common(&values);
        for ((item, request), value) in samples.iter().zip(&values) {
            let key = format!("{}.body/{name}", item.locator);
            if *value == reference || out.iter().any(|d| d.item == key) {
                continue;
            }
            let kind = match (reference, value) {
                (Some(_), None) => DriftKind::Removed,
                (None, Some(_)) => DriftKind::Added,
                _ => DriftKind::Changed,
            };
            let mut drift = Drift::structured(
                variant,
                param_fact(name, None),
                key,
                kind,
                json!(reference),
                json!(value),
            );
            drift.message = Some(format!(
                "the other samples of the page send {name} as {}",
                reference.map_or("nothing".to_string(), |r| format!("{r:?}"))
            ));
            let source = request.field(name).map_or("", |f| f.source.as_str());
            out.push(located(drift, item, source));
        }
    }
    out
}

fn located(mut drift: Drift, item: &PageItem, source: &str) -> Drift {
    drift.locator = Some(item.locator.clone());
    drift.text = Some(if source.is_empty() {
        item.text.clone()
    } else {
        source.to_string()
    });
    drift.severity = Severity::Breaking;
    drift
}

/// The value most samples have (the first sample's on a tie).
fn most_common<'a>(values: &[Option<&'a str>]) -> Option<&'a str> {
    let mut best = values.first().copied().flatten();
    let mut best_count = 0;
    for v in values {
        let count = values.iter().filter(|x| *x == v).count();
        if count > best_count {
            best = *v;
            best_count = count;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: &str) -> Vec<(String, String)> {
        read_request(code)
            .expect("a body")
            .fields
            .into_iter()
            .map(|f| (f.name, f.value))
            .collect()
    }

    #[test]
    fn bodies_in_every_language() {
        let want = vec![
            ("flow".to_string(), "f-1".to_string()),
            ("mail".to_string(), "a@b.c".to_string()),
        ];
        let js = "fetch(u, {\n headers: {\"X\": \"y\"},\n body: JSON.stringify({\n flow: \"f-1\",\n mail: 'a@b.c',\n }),\n});";
        let php = "$b = json_encode([\n\"flow\" => \"f-1\",\n\"mail\" => \"a@b.c\"\n]);";
        let py =
            "headers = {\"A\": \"b\"}\npayload = {\n\"flow\": \"f-1\",\n\"mail\": \"a@b.c\"\n}";
        let go = "p := map[string]interface{}{\n\"flow\": \"f-1\",\n\"mail\": \"a@b.c\",\n}";
        let axios = "const c = {\n headers: {\"A\": \"b\"},\n data: {\n flow: \"f-1\",\n mail: \"a@b.c\"\n }\n};";
        let curl = "curl -X POST u \\\n -d '{\"flow\": \"f-1\", \"mail\": \"a@b.c\"}'";
        for code in [js, php, py, go, axios, curl] {
            assert_eq!(names(code), want, "{code}");
        }
        assert_eq!(read_request("print(1)"), None);
    }
}
