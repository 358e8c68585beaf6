//! A page split into items, the unit of traceability: every sentence of
//! prose, notes, admonitions and table cells, every code sample, and the
//! structured items (endpoint lines, table rows, JSON examples), each with
//! a locator that says where it sits and a fingerprint of its normalized
//! text. Headings, front matter and the label lists are not items: they
//! state nothing.

use sha2::{Digest, Sha256};

use crate::contract::{ItemKind, Page, PageFormat};

use super::diff::keyed;
use super::markdown;
use super::page::{
    clean_inline, column, description_values, endpoint_line, fold, json_values_from, note_items,
    note_topics, opens_table, table_cells, Column, Section,
};
use super::samples::{self, SampleRequest};
use super::text_export;

/// One item found on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageItem {
    pub locator: String,
    pub kind: ItemKind,
    /// The item's text as found, inline markup removed, whitespace collapsed
    /// (a sample keeps its lines).
    pub text: String,
    pub fingerprint: String,
    /// Fingerprint of the structured values the item states, if any.
    pub claim: Option<String>,
    /// The request a code sample sends.
    pub request: Option<SampleRequest>,
}

impl PageItem {
    fn new(
        locator: String,
        kind: ItemKind,
        text: String,
        claim_values: &[(String, String)],
    ) -> Self {
        let claim = (!claim_values.is_empty()).then(|| {
            let mut values: Vec<String> = claim_values
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            values.sort();
            fingerprint(&values.join("\n"))
        });
        PageItem {
            fingerprint: fingerprint(&normalize(&text)),
            locator,
            kind,
            text,
            claim,
            request: None,
        }
    }
}

/// Text as compared: inline markup removed and every whitespace character
/// dropped, so reflowed lines, blank lines, table padding and the line
/// breaks a text export leaves where inline code was all read the same.
pub fn normalize(text: &str) -> String {
    clean_inline(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The first 16 hex digits of the SHA-256 of `text`.
pub fn fingerprint(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..8])
}

/// A heading or label as a locator key: folded, words joined by `-`.
pub fn slug(text: &str) -> String {
    crate::scripted::slug(&fold(&clean_inline(text)))
}

/// Whitespace collapsed to single spaces.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentences of a text: it breaks after `.`, `!` or `?` followed by a
/// space and a capital, a digit, an opening quote or bracket.
pub fn sentences(text: &str) -> Vec<String> {
    let text = collapse(&clean_inline(text));
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let ends = matches!(c, '.' | '!' | '?')
            && chars.get(i + 1) == Some(&' ')
            && chars.get(i + 2).is_some_and(|n| {
                n.is_uppercase() || n.is_ascii_digit() || matches!(n, '¿' | '¡' | '"' | '(' | '“')
            });
        if ends {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// What a page is made of, before it is split into items.
enum Block {
    Heading(String),
    /// Running prose or one list item.
    Prose(String),
    /// A notes list, its items run together.
    Notes(String),
    Admonition(String),
    /// A table's lines, header and separator included.
    Table(Vec<String>),
    /// A code sample of the request: its language label and its lines.
    Sample(String, String),
}

/// Every item of a page: the text items read from `text`, then the
/// structured items of `page` (its parse).
pub fn page_items(text: &str, format: PageFormat, page: &Page) -> Vec<PageItem> {
    let blocks = match format {
        PageFormat::TextExport => text_export_blocks(text),
        PageFormat::Markdown => markdown_blocks(text),
    };
    let mut items = text_items(&blocks);
    items.extend(structured_items(page));
    items
}

fn text_export_blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut section = Section::Other;
    let mut prose = String::new();
    let mut notes = String::new();
    let mut request: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            i += 1;
            continue;
        }
        if let Some(heading) = text_export::heading_of(line, section) {
            flush_prose(&mut blocks, &mut prose);
            flush_notes(&mut blocks, &mut notes);
            blocks.extend(split_samples(&request));
            request.clear();
            section = Section::of_heading(&heading).unwrap_or(Section::Other);
            blocks.push(Block::Heading(heading));
            i += 1;
            continue;
        }
        match section {
            Section::Request => request.push(lines[i]),
            Section::Notes => {
                notes.push(' ');
                notes.push_str(line);
            }
            Section::Response => {
                if line.starts_with(['{', '[']) {
                    if let Ok((_, next)) = json_values_from(&lines, i) {
                        i = next.max(i + 1);
                        continue;
                    }
                }
            }
            Section::Other => {
                if let Some(next) = other_line(&lines, i, &mut blocks, &mut prose) {
                    i = next;
                    continue;
                }
            }
        }
        i += 1;
    }
    flush_prose(&mut blocks, &mut prose);
    flush_notes(&mut blocks, &mut notes);
    blocks.extend(split_samples(&request));
    blocks
}

/// A line of an ordinary section (both formats): endpoint lines and JSON
/// are structured items, tables and list items are blocks of their own,
/// the rest is running prose. Returns the index to go on from when the
/// line was not prose.
fn other_line(
    lines: &[&str],
    i: usize,
    blocks: &mut Vec<Block>,
    prose: &mut String,
) -> Option<usize> {
    let line = lines[i].trim();
    if endpoint_line(line).is_some() {
        flush_prose(blocks, prose);
        return Some(i + 1);
    }
    if opens_table(lines, i) {
        flush_prose(blocks, prose);
        let end = (i..lines.len())
            .find(|&j| !lines[j].contains('|'))
            .unwrap_or(lines.len());
        blocks.push(Block::Table(
            lines[i..end].iter().map(|l| l.to_string()).collect(),
        ));
        return Some(end);
    }
    if line.starts_with(['{', '[']) {
        flush_prose(blocks, prose);
        let next = json_values_from(lines, i).map_or(i + 1, |(_, next)| next.max(i + 1));
        return Some(next);
    }
    if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        flush_prose(blocks, prose);
        blocks.push(Block::Prose(item.to_string()));
        return Some(i + 1);
    }
    prose.push(' ');
    prose.push_str(line);
    None
}

fn flush_prose(blocks: &mut Vec<Block>, prose: &mut String) {
    if !prose.trim().is_empty() {
        blocks.push(Block::Prose(std::mem::take(prose)));
    }
    prose.clear();
}

fn flush_notes(blocks: &mut Vec<Block>, notes: &mut String) {
    if !notes.trim().is_empty() {
        blocks.push(Block::Notes(std::mem::take(notes)));
    }
    notes.clear();
}

/// The code samples of a text export's Request section: a list of language
/// labels, then the samples back to back with no fences. Each sample starts
/// at the first line after the previous one that opens a program in its
/// language; a language with no known opening takes the rest.
fn split_samples(lines: &[&str]) -> Vec<Block> {
    let mut labels = Vec::new();
    let mut code_start = 0;
    for (n, line) in lines.iter().enumerate() {
        match line.trim().strip_prefix("- ") {
            Some(label) if code_start == n => {
                labels.push(label.trim().to_string());
                code_start = n + 1;
            }
            _ => break,
        }
    }
    let code = &lines[code_start..];
    if code.iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    if labels.is_empty() {
        labels.push("code".to_string());
    }
    let mut starts = vec![0];
    for label in &labels[1..] {
        let from = starts.last().copied().unwrap_or(0) + 1;
        match (from..code.len()).find(|&j| samples::opens_program(label, code[j].trim())) {
            Some(start) => starts.push(start),
            None => break,
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let end = starts.get(n + 1).copied().unwrap_or(code.len());
            Block::Sample(labels[n].clone(), code[start..end].join("\n"))
        })
        .collect()
}

fn markdown_blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = markdown::skip_front_matter(&lines).unwrap_or(0);
    let mut headings: Vec<(usize, Section)> = Vec::new();
    let mut prose = String::new();
    let mut notes = String::new();
    let mut tab_label: Option<String> = None;
    while i < lines.len() {
        let line = lines[i].trim();
        let section = headings.last().map_or(Section::Other, |h| h.1);
        if line.is_empty() {
            i += 1;
            continue;
        }
        if let Some(fence) = markdown::fence_marker(line) {
            let Ok((block, next)) = markdown::fenced_block(&lines, i, fence) else {
                break;
            };
            if section == Section::Request {
                let info = line[fence.len()..].trim();
                let label = tab_label
                    .take()
                    .unwrap_or_else(|| if info.is_empty() { "code" } else { info }.to_string());
                blocks.push(Block::Sample(label, block));
            }
            i = next;
            continue;
        }
        if let Some(caps) = markdown::HEADING.captures(line) {
            flush_prose(&mut blocks, &mut prose);
            flush_notes(&mut blocks, &mut notes);
            let level = caps[1].len();
            let text = clean_inline(&caps[2]);
            headings.retain(|h| h.0 < level);
            let inherited = headings.last().map_or(Section::Other, |h| h.1);
            headings.push((level, Section::of_heading(&text).unwrap_or(inherited)));
            blocks.push(Block::Heading(text));
            tab_label = None;
            i += 1;
            continue;
        }
        if line.starts_with(":::") && line.len() > 3 {
            flush_prose(&mut blocks, &mut prose);
            let mut text = String::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != ":::" {
                text.push(' ');
                text.push_str(lines[i].trim());
                i += 1;
            }
            blocks.push(Block::Admonition(text));
            i += 1;
            continue;
        }
        if let Some(label) = markdown::tab_label(line) {
            tab_label = Some(label);
            i += 1;
            continue;
        }
        if line.starts_with('<') || section == Section::Request || section == Section::Response {
            i += 1;
            continue;
        }
        if section == Section::Notes && !opens_table(&lines, i) {
            notes.push(' ');
            notes.push_str(line);
            i += 1;
            continue;
        }
        match other_line(&lines, i, &mut blocks, &mut prose) {
            Some(next) => i = next,
            None => i += 1,
        }
    }
    flush_prose(&mut blocks, &mut prose);
    flush_notes(&mut blocks, &mut notes);
    blocks
}

/// Counts sentences per locator prefix.
#[derive(Default)]
struct Numbering(std::collections::BTreeMap<String, usize>);

impl Numbering {
    fn next(&mut self, prefix: &str) -> String {
        let n = self.0.entry(prefix.to_string()).or_insert(0);
        *n += 1;
        format!("{prefix}.{n}")
    }
}

/// Structured values a sentence states: a note topic, a param's condition,
/// format or default.
fn sentence_values(sentence: &str) -> Vec<(String, String)> {
    let mut topics = std::collections::BTreeMap::new();
    note_topics(sentence, &mut topics);
    let mut values: Vec<(String, String)> = topics.into_iter().collect();
    values.extend(
        description_values(sentence)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    values
}

fn text_items(blocks: &[Block]) -> Vec<PageItem> {
    let mut items = Vec::new();
    let mut numbering = Numbering::default();
    let mut section = "page".to_string();
    let mut admonitions = 0;
    let mut sample_labels = Vec::new();
    let mut sentence_items = |items: &mut Vec<PageItem>, prefix: &str, kind, text: &str| {
        for sentence in sentences(text) {
            let values = sentence_values(&sentence);
            items.push(PageItem::new(
                numbering.next(prefix),
                kind,
                sentence,
                &values,
            ));
        }
    };
    for block in blocks {
        match block {
            Block::Heading(text) => section = slug(text),
            Block::Prose(text) => sentence_items(
                &mut items,
                &format!("prose[{section}]"),
                ItemKind::Prose,
                text,
            ),
            Block::Notes(text) => {
                // A note's label stays in its first sentence: "Language:
                // Defaults to ..." says what the bare sentence does not.
                for (n, note) in note_items(&clean_inline(text)).into_iter().enumerate() {
                    let key = note_label(&note).map_or_else(|| (n + 1).to_string(), slug);
                    sentence_items(&mut items, &format!("notes[{key}]"), ItemKind::Note, &note);
                }
            }
            Block::Admonition(text) => {
                admonitions += 1;
                let prefix = format!("admonitions[{admonitions}]");
                sentence_items(&mut items, &prefix, ItemKind::Admonition, text);
            }
            Block::Table(lines) => {
                let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                for (name, description) in description_cells(&lines) {
                    let prefix = format!("params[{name}].description");
                    sentence_items(&mut items, &prefix, ItemKind::Cell, &description);
                }
            }
            Block::Sample(label, code) => sample_labels.push((slug(label), code.clone())),
        }
    }
    for (key, (_, code)) in keyed(&sample_labels, |(label, _)| label.clone()) {
        let request = samples::read_request(code);
        let values = request
            .as_ref()
            .map(SampleRequest::claim_values)
            .unwrap_or_default();
        let mut item = PageItem::new(
            format!("samples[{key}]"),
            ItemKind::Sample,
            code.clone(),
            &values,
        );
        item.request = request;
        items.push(item);
    }
    items
}

/// "Contact Information: Either ..." -> "Contact Information".
fn note_label(note: &str) -> Option<&str> {
    let (label, _) = note.split_once(':')?;
    (label.chars().count() <= 60 && !label.contains(['.', '(']) && !label.trim().is_empty())
        .then(|| label.trim())
}

/// `(param name, description)` of every row of a table with a Description
/// column.
fn description_cells(lines: &[&str]) -> Vec<(String, String)> {
    let Some(header) = lines.first() else {
        return Vec::new();
    };
    let columns: Vec<Option<Column>> = table_cells(header).iter().map(|h| column(h)).collect();
    let find = |wanted: Column| columns.iter().position(|c| *c == Some(wanted));
    let (Some(name), Some(description)) = (find(Column::Name), find(Column::Description)) else {
        return Vec::new();
    };
    lines
        .iter()
        .skip(2)
        .map(|line| table_cells(line))
        .filter(|cells| cells.len() == columns.len())
        .map(|cells| (clean_inline(&cells[name]), cells[description].clone()))
        .filter(|(name, description)| !name.is_empty() && !description.trim().is_empty())
        .collect()
}

/// Endpoint lines, table rows and JSON examples, from the page's parse.
fn structured_items(page: &Page) -> Vec<PageItem> {
    let mut items = Vec::new();
    for e in &page.endpoints {
        let text = format!("{} {}", e.method, e.path);
        items.push(PageItem::new(
            format!("endpoints[{text}]"),
            ItemKind::Endpoint,
            text,
            &[],
        ));
    }
    for h in &page.headers {
        let text = format!("{}: {}", h.name, h.value);
        items.push(PageItem::new(
            format!("headers[{}]", h.name),
            ItemKind::Row,
            text,
            &[],
        ));
    }
    for p in &page.params {
        let required = if p.required { "required" } else { "optional" };
        let text = format!("{} | {} | {required}", p.name, p.ty);
        items.push(PageItem::new(
            format!("params[{}]", p.name),
            ItemKind::Row,
            text,
            &[],
        ));
    }
    for (key, x) in keyed(&page.examples, |x| x.label.clone()) {
        let text = canonical_json(&x.body);
        items.push(PageItem::new(
            format!("examples[{key}]"),
            ItemKind::Example,
            text,
            &[],
        ));
    }
    items
}

/// JSON with every object's keys sorted, compact: key order and layout are
/// not content.
pub fn canonical_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sorted(value)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_break_after_stops_before_capitals() {
        assert_eq!(
            sentences("Send one.  Both can be sent. Format: +1. e.g. not here"),
            [
                "Send one.",
                "Both can be sent.",
                "Format: +1. e.g. not here"
            ]
        );
    }

    #[test]
    fn normalized_text_ignores_layout_and_inline_markup() {
        assert_eq!(
            fingerprint(&normalize("Either `email` or\n **phone**")),
            fingerprint(&normalize("Either email or phone"))
        );
        assert_ne!(
            fingerprint(&normalize("Either email or phone")),
            fingerprint(&normalize("Only email or phone"))
        );
        assert_eq!(slug("Información de Contacto"), "informacion-de-contacto");
    }
}
