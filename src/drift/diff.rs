//! The sheet diff: a live page against the encoded page of its variant,
//! reported at the smallest item that differs (one param field, one header,
//! one key of one example body, one note topic), each tied to its fact.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::contract::{Endpoint, Example, Header, Page, Param, Statement, Variant};

use super::facts::{
    body_fact, endpoint_fact, error_fact, example_fact, header_fact, note_fact, param_fact,
};
use super::{Drift, DriftKind};

/// Every difference between the `encoded` page of `variant` and the page
/// `found` live. `statements` are the variant's fact statements, used to tie
/// an error example to the fact whose claim holds it.
pub fn diff_page(
    variant: Variant,
    encoded: &Page,
    found: &Page,
    statements: &BTreeMap<String, Statement>,
) -> Vec<Drift> {
    let mut differ = Differ {
        variant,
        statements,
        out: Vec::new(),
    };
    differ.endpoints(&encoded.endpoints, &found.endpoints);
    differ.headers(&encoded.headers, &found.headers);
    differ.params(&encoded.params, &found.params);
    differ.examples(&encoded.examples, &found.examples);
    differ.notes(&encoded.notes, &found.notes);
    differ.out
}

struct Differ<'a> {
    variant: Variant,
    statements: &'a BTreeMap<String, Statement>,
    out: Vec<Drift>,
}

/// An item with the key that tells it apart.
pub(super) type Keyed<'a, T> = (String, &'a T);

/// Keys that tell items apart, with `#2`, `#3` for repeats ("Error
/// Responses", "Error Responses#2").
pub(super) fn keyed<T>(items: &[T], key: impl Fn(&T) -> String) -> Vec<Keyed<'_, T>> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    items
        .iter()
        .map(|item| {
            let base = key(item);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 { base } else { format!("{base}#{n}") };
            (key, item)
        })
        .collect()
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Differ<'_> {
    fn push(
        &mut self,
        fact: impl Into<String>,
        item: String,
        kind: DriftKind,
        encoded: Value,
        found: Value,
    ) {
        self.out.push(Drift::structured(
            self.variant,
            fact,
            item,
            kind,
            encoded,
            found,
        ));
    }

    /// Endpoints match exactly; what is left pairs up by method (a changed
    /// path), and the rest was added or removed.
    fn endpoints(&mut self, encoded: &[Endpoint], found: &[Endpoint]) {
        let mut found_left: Vec<&Endpoint> =
            found.iter().filter(|f| !encoded.contains(f)).collect();
        for e in encoded.iter().filter(|e| !found.contains(e)) {
            let item = format!("endpoints[{} {}]", e.method, e.path);
            match found_left.iter().position(|f| f.method == e.method) {
                Some(pos) => {
                    let f = found_left.remove(pos);
                    self.push(
                        endpoint_fact(e),
                        format!("{item}.path"),
                        DriftKind::Changed,
                        json!(e.path),
                        json!(f.path),
                    );
                }
                None => self.push(
                    endpoint_fact(e),
                    item,
                    DriftKind::Removed,
                    to_json(e),
                    Value::Null,
                ),
            }
        }
        for f in found_left {
            self.push(
                endpoint_fact(f),
                format!("endpoints[{} {}]", f.method, f.path),
                DriftKind::Added,
                Value::Null,
                to_json(f),
            );
        }
    }

    /// Headers by name, case-insensitively.
    fn headers(&mut self, encoded: &[Header], found: &[Header]) {
        self.by_key(
            encoded,
            found,
            |h| h.name.to_ascii_lowercase(),
            |h, _| format!("headers[{}]", h.name),
            |h, _| header_fact(&h.name),
            |e, f| {
                vec![
                    ("name", json!(e.name), json!(f.name)),
                    ("value", json!(e.value), json!(f.value)),
                ]
            },
        );
    }

    /// Params by name; a param in both is compared field by field.
    fn params(&mut self, encoded: &[Param], found: &[Param]) {
        self.by_key(
            encoded,
            found,
            |p| p.name.clone(),
            |_, key| format!("params[{key}]"),
            |p, field| param_fact(&p.name, field),
            |e, f| {
                vec![
                    ("type", json!(e.ty), json!(f.ty)),
                    ("required", json!(e.required), json!(f.required)),
                    ("required_if", json!(e.required_if), json!(f.required_if)),
                    ("format", json!(e.format), json!(f.format)),
                    ("default", json!(e.default), json!(f.default)),
                ]
            },
        );
    }

    /// Pair items by `key`: an item on both sides is compared field by field
    /// (`fields` gives each field's encoded and found value), an item only
    /// encoded was removed, one only found was added.
    fn by_key<T: serde::Serialize>(
        &mut self,
        encoded: &[T],
        found: &[T],
        key: impl Fn(&T) -> String,
        item: impl Fn(&T, &str) -> String,
        fact: impl Fn(&T, Option<&str>) -> &'static str,
        fields: impl Fn(&T, &T) -> Vec<(&'static str, Value, Value)>,
    ) {
        let enc = keyed(encoded, &key);
        let fnd = keyed(found, &key);
        for (k, e) in &enc {
            match fnd.iter().find(|(fk, _)| fk == k) {
                Some((_, f)) => {
                    for (field, ev, fv) in fields(e, f) {
                        if ev != fv {
                            self.push(
                                fact(e, Some(field)),
                                format!("{}.{field}", item(e, k)),
                                DriftKind::Changed,
                                ev,
                                fv,
                            );
                        }
                    }
                }
                None => self.push(
                    fact(e, None),
                    item(e, k),
                    DriftKind::Removed,
                    to_json(*e),
                    Value::Null,
                ),
            }
        }
        for (k, f) in &fnd {
            if !enc.iter().any(|(ek, _)| ek == k) {
                self.push(
                    fact(f, None),
                    item(f, k),
                    DriftKind::Added,
                    Value::Null,
                    to_json(*f),
                );
            }
        }
    }

    /// Examples by label (with repeats numbered). An example whose label
    /// changed is found by its body, or as the only one left with its
    /// status and kind; the rest was added or removed.
    fn examples(&mut self, encoded: &[Example], found: &[Example]) {
        let enc = keyed(encoded, |x| x.label.clone());
        let fnd = keyed(found, |x| x.label.clone());
        let mut enc_left: Vec<&Keyed<Example>> = Vec::new();
        let mut found_left: Vec<&Keyed<Example>> = fnd
            .iter()
            .filter(|(k, _)| !enc.iter().any(|(ek, _)| ek == k))
            .collect();
        let mut pairs: Vec<(&Keyed<Example>, &Keyed<Example>)> = Vec::new();
        for entry in &enc {
            match fnd.iter().find(|(k, _)| *k == entry.0) {
                Some(f) => pairs.push((entry, f)),
                None => enc_left.push(entry),
            }
        }
        enc_left.retain(
            |e| match found_left.iter().position(|f| f.1.body == e.1.body) {
                Some(pos) => {
                    pairs.push((e, found_left.remove(pos)));
                    false
                }
                None => true,
            },
        );
        let mut i = 0;
        while i < enc_left.len() {
            let e = enc_left[i].1;
            let alike = |x: &Example| x.status == e.status && x.kind == e.kind;
            let on_page: Vec<usize> = (0..found_left.len())
                .filter(|&j| alike(found_left[j].1))
                .collect();
            let encoded_alike = enc_left.iter().filter(|x| alike(x.1)).count();
            if on_page.len() == 1 && encoded_alike == 1 {
                pairs.push((enc_left.remove(i), found_left.remove(on_page[0])));
            } else {
                i += 1;
            }
        }
        // Report in the encoded order.
        pairs.sort_by_key(|(e, _)| enc.iter().position(|x| x.0 == e.0));
        for ((key, e), (_, f)) in pairs {
            let error = error_fact(&e.body, &e.label, self.statements);
            self.example(key, e, f, &error);
        }
        for (key, e) in enc_left {
            let error = error_fact(&e.body, &e.label, self.statements);
            self.push(
                example_fact(e.kind, None, &error),
                format!("examples[{key}]"),
                DriftKind::Removed,
                to_json(*e),
                Value::Null,
            );
        }
        for (key, f) in found_left {
            let error = error_fact(&f.body, &f.label, self.statements);
            self.push(
                example_fact(f.kind, None, &error),
                format!("examples[{key}]"),
                DriftKind::Added,
                Value::Null,
                to_json(*f),
            );
        }
    }

    fn example(&mut self, key: &str, e: &Example, f: &Example, error: &str) {
        let item = format!("examples[{key}]");
        let fields = [
            ("label", json!(e.label), json!(f.label)),
            ("status", json!(e.status), json!(f.status)),
            ("kind", to_json(&e.kind), to_json(&f.kind)),
        ];
        for (field, encoded, found) in fields {
            if encoded != found {
                self.push(
                    example_fact(e.kind, Some(field), error),
                    format!("{item}.{field}"),
                    DriftKind::Changed,
                    encoded,
                    found,
                );
            }
        }
        let mut changes = Vec::new();
        diff_json(&e.body, &f.body, &mut Vec::new(), &mut changes);
        for (path, kind, ev, fv) in changes {
            let container = ev.is_object() || ev.is_array() || fv.is_object() || fv.is_array();
            let fact = body_fact(e.kind, &path, kind, container, error);
            self.push(fact, format!("{item}.body{}", pointer(&path)), kind, ev, fv);
        }
    }

    fn notes(&mut self, encoded: &BTreeMap<String, String>, found: &BTreeMap<String, String>) {
        for (topic, e) in encoded {
            let item = format!("notes[{topic}]");
            match found.get(topic) {
                Some(f) if f != e => self.push(
                    note_fact(topic),
                    item,
                    DriftKind::Changed,
                    json!(e),
                    json!(f),
                ),
                Some(_) => {}
                None => self.push(
                    note_fact(topic),
                    item,
                    DriftKind::Removed,
                    json!(e),
                    Value::Null,
                ),
            }
        }
        for (topic, f) in found {
            if !encoded.contains_key(topic) {
                self.push(
                    note_fact(topic),
                    format!("notes[{topic}]"),
                    DriftKind::Added,
                    Value::Null,
                    json!(f),
                );
            }
        }
    }
}

type Change = (Vec<String>, DriftKind, Value, Value);

/// The smallest places where two JSON values differ: keys added or removed,
/// values changed; arrays element by element.
fn diff_json(encoded: &Value, found: &Value, path: &mut Vec<String>, out: &mut Vec<Change>) {
    match (encoded, found) {
        (Value::Object(e), Value::Object(f)) => {
            for (key, ev) in e {
                path.push(key.clone());
                match f.get(key) {
                    Some(fv) => diff_json(ev, fv, path, out),
                    None => out.push((path.clone(), DriftKind::Removed, ev.clone(), Value::Null)),
                }
                path.pop();
            }
            for (key, fv) in f {
                if !e.contains_key(key) {
                    path.push(key.clone());
                    out.push((path.clone(), DriftKind::Added, Value::Null, fv.clone()));
                    path.pop();
                }
            }
        }
        (Value::Array(e), Value::Array(f)) => {
            for i in 0..e.len().max(f.len()) {
                path.push(i.to_string());
                match (e.get(i), f.get(i)) {
                    (Some(ev), Some(fv)) => diff_json(ev, fv, path, out),
                    (Some(ev), None) => {
                        out.push((path.clone(), DriftKind::Removed, ev.clone(), Value::Null))
                    }
                    (None, Some(fv)) => {
                        out.push((path.clone(), DriftKind::Added, Value::Null, fv.clone()))
                    }
                    (None, None) => {}
                }
                path.pop();
            }
        }
        (e, f) if e != f => out.push((path.clone(), DriftKind::Changed, e.clone(), f.clone())),
        _ => {}
    }
}

/// A JSON pointer (RFC 6901) for a path.
fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}
