//! The Markdown/MDX source of a docs page: front matter, `#` headings, pipe
//! tables with bold and backticks, fenced code blocks (JSON examples take
//! their label from the heading above them, or from an MDX `<TabItem
//! label="...">`), and `:::note` admonitions, whose prose is read like notes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::contract::{Example, ExampleKind, Page};

use super::page::{
    clean_inline, is_purpose_intro, json_error, kind_of, note_topics, re, read_endpoint_or_table,
    read_purposes, status_of, strip_heading_artefacts, ParseError, Section,
};

pub(super) static HEADING: LazyLock<Regex> = LazyLock::new(|| re(r"^(#{1,6})\s+(.*?)\s*#*\s*$"));
static TAB_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r#"<TabItem\b[^>]*\blabel\s*=\s*["']([^"']+)["']"#));

/// Parse a Markdown/MDX page into the fact-sheet page structure.
pub fn parse(text: &str) -> Result<Page, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut page = Page::default();
    let mut i = skip_front_matter(&lines)?;
    // Open headings by level, each with the section it belongs to: a
    // "### 409" under "## Responses" is still a response.
    let mut headings: Vec<(usize, String, Section)> = Vec::new();
    let mut tab_label: Option<String> = None;
    let mut prose_notes = String::new();
    let mut purposes: Vec<String> = Vec::new();
    while i < lines.len() {
        let line = lines[i].trim();
        let section = headings.last().map_or(Section::Other, |h| h.2);
        if let Some(fence) = fence_marker(line) {
            let (block, next) = fenced_block(&lines, i, fence)?;
            let info = line[fence.len()..].trim().to_ascii_lowercase();
            let is_json = info.starts_with("json")
                || (info.is_empty() && block.trim_start().starts_with(['{', '[']));
            if is_json && section != Section::Request {
                let body = serde_json::from_str(&block).map_err(|e| json_error(i + 2, &e))?;
                let heading = headings.last().map_or("", |h| h.1.as_str());
                let label = tab_label.take().unwrap_or_else(|| heading.to_string());
                let status = status_of(&label).or_else(|| status_of(heading));
                // The nearest heading that says what the example is wins
                // ("### Success" under "## Responses").
                let kind = headings
                    .iter()
                    .rev()
                    .map(|h| kind_of(status, &h.1))
                    .find(|k| *k != ExampleKind::Object)
                    .unwrap_or(kind_of(status, heading));
                page.examples.push(Example {
                    kind,
                    label,
                    status,
                    body,
                });
            }
            i = next;
            continue;
        }
        if let Some(caps) = HEADING.captures(line) {
            let level = caps[1].len();
            let (text, _) = strip_heading_artefacts(&clean_inline(&caps[2]));
            headings.retain(|h| h.0 < level);
            let inherited = headings.last().map_or(Section::Other, |h| h.2);
            let section = Section::of_heading(&text).unwrap_or(inherited);
            headings.push((level, text, section));
            tab_label = None;
            i += 1;
            continue;
        }
        if line.starts_with(":::") && line.len() > 3 {
            i += 1;
            while i < lines.len() && lines[i].trim() != ":::" {
                prose_notes.push(' ');
                prose_notes.push_str(lines[i].trim());
                i += 1;
            }
            if i == lines.len() {
                return Err(ParseError::at(
                    i,
                    "admonition (:::) is never closed: add a ::: line after its text",
                ));
            }
            // Each admonition is its own item.
            prose_notes.push_str(" - Admonition: ");
            i += 1;
            continue;
        }
        if let Some(caps) = TAB_LABEL.captures(line) {
            tab_label = Some(clean_inline(&caps[1]));
            i += 1;
            continue;
        }
        if section == Section::Request {
            i += 1;
            continue;
        }
        if let Some(next) = read_endpoint_or_table(&lines, i, &mut page)? {
            i = next;
        } else if section == Section::Notes {
            prose_notes.push(' ');
            prose_notes.push_str(line);
            i += 1;
        } else if is_purpose_intro(line) {
            i = read_purposes(&lines, i + 1, &mut purposes);
        } else {
            i += 1;
        }
    }
    let mut topics = BTreeMap::new();
    note_topics(&prose_notes, &mut topics);
    if !purposes.is_empty() {
        topics.insert("purpose".to_string(), purposes.join(", "));
    }
    page.notes = topics;
    Ok(page)
}

/// The label of an MDX `<TabItem label="...">` line.
pub(super) fn tab_label(line: &str) -> Option<String> {
    TAB_LABEL.captures(line).map(|caps| clean_inline(&caps[1]))
}

/// The index of the first line after the front matter (0 without one).
pub(super) fn skip_front_matter(lines: &[&str]) -> Result<usize, ParseError> {
    if lines.first().map(|l| l.trim()) != Some("---") {
        return Ok(0);
    }
    lines
        .iter()
        .skip(1)
        .position(|l| l.trim() == "---")
        .map(|end| end + 2)
        .ok_or_else(|| {
            ParseError::at(
                1,
                "front matter (---) is never closed: add a --- line after it",
            )
        })
}

/// "```" or "~~~" (or longer) when the line opens a fence.
pub(super) fn fence_marker(line: &str) -> Option<&str> {
    for mark in ['`', '~'] {
        let len = line.chars().take_while(|&c| c == mark).count();
        if len >= 3 {
            return Some(&line[..len]);
        }
    }
    None
}

/// The text of the fenced block opened at `lines[open]` and the index of
/// the line after its closing fence.
pub(super) fn fenced_block(
    lines: &[&str],
    open: usize,
    fence: &str,
) -> Result<(String, usize), ParseError> {
    let close = lines[open + 1..]
        .iter()
        .position(|l| {
            let l = l.trim();
            l.starts_with(fence) && l.chars().all(|c| c == fence.as_bytes()[0] as char)
        })
        .ok_or_else(|| {
            ParseError::at(
                open + 1,
                format!("code block opened here is never closed: add a {fence} line after it"),
            )
        })?;
    let block = lines[open + 1..open + 1 + close].join("\n");
    Ok((block, open + close + 2))
}
