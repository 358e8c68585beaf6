//! The text export of a rendered docs page: headings as bare lines (often
//! with an anchor artefact after them, "Headersβ"), tables whose body rows
//! lose their leading pipe, code samples with no fences, and a "Response"
//! list of status labels followed by the JSON examples back to back, matched
//! in order. Inline code in the notes is lost, so their items run together.

use std::collections::BTreeMap;

use crate::contract::{Example, ExampleKind, Page};

use super::page::{
    endpoint_line, is_known_heading, is_purpose_intro, json_values_from, kind_of, note_topics,
    read_endpoint_or_table, read_purposes, status_of, strip_heading_artefacts, ParseError, Section,
};

/// Parse a text export into the fact-sheet page structure.
pub fn parse(text: &str) -> Result<Page, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut page = Page::default();
    let mut section = Section::Other;
    let mut heading = String::new();
    let mut labels = Labels::default();
    let mut notes = String::new();
    let mut purposes: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            i += 1;
            continue;
        }
        if let Some(text) = heading_of(line, section) {
            labels.finish()?;
            section = Section::of_heading(&text).unwrap_or(Section::Other);
            heading = text;
            i += 1;
            continue;
        }
        match section {
            Section::Request => {
                i += 1;
                continue;
            }
            Section::Notes => {
                notes.push(' ');
                notes.push_str(line);
                i += 1;
                continue;
            }
            Section::Response | Section::Other => {}
        }
        if let Some(next) = read_endpoint_or_table(&lines, i, &mut page)? {
            i = next;
        } else if line.starts_with(['{', '[']) {
            let (values, next) = json_values_from(&lines, i)?;
            for (at, body) in values {
                let (label, status) = match labels.take(at)? {
                    Some(label) => {
                        let status = status_of(&label);
                        (label, status)
                    }
                    None => (heading.clone(), status_of(&heading)),
                };
                // A label that says what it is ("Error Responses") wins
                // over the heading it stands under.
                let kind = match kind_of(status, &label) {
                    ExampleKind::Object => kind_of(status, &heading),
                    kind => kind,
                };
                page.examples.push(Example {
                    label,
                    status,
                    kind,
                    body,
                });
            }
            i = next;
        } else if section == Section::Response && !labels.started_values {
            if let Some(label) = line.strip_prefix("- ") {
                labels.push(i + 1, label.trim());
            }
            i += 1;
        } else if is_purpose_intro(line) {
            i = read_purposes(&lines, i + 1, &mut purposes);
        } else {
            i += 1;
        }
    }
    labels.finish()?;
    let mut topics = BTreeMap::new();
    note_topics(&notes, &mut topics);
    if !purposes.is_empty() {
        topics.insert("purpose".to_string(), purposes.join(", "));
    }
    page.notes = topics;
    Ok(page)
}

/// The heading a line is, if it is one. Inside code samples and notes only
/// a known section name or an artefact-marked line counts (code and the
/// notes' run-together items would otherwise look like titles).
pub(super) fn heading_of(line: &str, section: Section) -> Option<String> {
    if line.starts_with(['-', '*', '|', '{', '}', '[', ']', '"']) || line.contains('|') {
        return None;
    }
    let (text, artefact) = strip_heading_artefacts(line);
    if text.is_empty() {
        return None;
    }
    if artefact || is_known_heading(&text) {
        return Some(text);
    }
    if matches!(section, Section::Request | Section::Notes) || endpoint_line(&text).is_some() {
        return None;
    }
    title_like(&text).then_some(text)
}

/// A short capitalised line with no sentence punctuation: a page or
/// section title in an export that lost its artefacts.
fn title_like(text: &str) -> bool {
    text.chars().count() <= 60
        && text.split_whitespace().count() <= 8
        && text.chars().next().is_some_and(char::is_uppercase)
        && !text.ends_with(['.', ':', ',', ';', '!', '?', '(', ')', '{', '['])
}

/// The "- 200 / - 409 (Email Domain)" list under a Response heading and how
/// many of its labels the JSON examples have used.
#[derive(Default)]
struct Labels {
    labels: Vec<(usize, String)>,
    used: usize,
    started_values: bool,
}

impl Labels {
    fn push(&mut self, line: usize, label: &str) {
        self.labels.push((line, label.to_string()));
    }

    /// The label of the next example (at line `at`); `None` when the
    /// section has no label list.
    fn take(&mut self, at: usize) -> Result<Option<String>, ParseError> {
        self.started_values = true;
        if self.labels.is_empty() {
            return Ok(None);
        }
        let Some((_, label)) = self.labels.get(self.used) else {
            return Err(ParseError::at(
                at,
                format!(
                    "JSON example without a label: the list at line {} names only {} examples",
                    self.labels[0].0,
                    self.labels.len()
                ),
            ));
        };
        self.used += 1;
        Ok(Some(label.clone()))
    }

    /// At the end of a section every label must have had its example.
    fn finish(&mut self) -> Result<(), ParseError> {
        let result = match self.labels.get(self.used) {
            Some((line, label)) => Err(ParseError::at(
                *line,
                format!(
                    "label {label:?} has no JSON example: the list names {} examples, {} follow",
                    self.labels.len(),
                    self.used
                ),
            )),
            None => Ok(()),
        };
        *self = Labels::default();
        result
    }
}
