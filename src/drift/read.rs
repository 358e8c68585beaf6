//! Reading a live documentation page from a file: the format detected, the
//! page parsed into the fact-sheet structure, or an error with its line.

use super::{markdown, page, text_export};
use crate::contract::{Page, PageFormat, Variant};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// One difference between a live page and its encoded sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub variant: Variant,
    /// The fact the difference concerns.
    pub fact: String,
    /// The smallest item that differs: `params[countryCode].required_if`,
    /// `examples[409].body/message`, `notes[initial_status]`, ...
    pub item: String,
    pub kind: DriftKind,
    /// The encoded value (`null` for an added item).
    pub encoded: Value,
    /// The value on the page (`null` for a removed item).
    pub found: Value,
    /// Every fact the difference concerns; `fact` is the first.
    pub facts: Vec<String>,
    pub severity: Severity,
    /// The page item where the difference shows (see `drift --trace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// That item's text as found on the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// What is wrong, where the item and values do not say it all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Drift {
    /// A difference in a structured value (a table cell, a JSON example,
    /// an endpoint, a note topic, a sample's field): `breaking`.
    pub fn structured(
        variant: Variant,
        fact: impl Into<String>,
        item: impl Into<String>,
        kind: DriftKind,
        encoded: Value,
        found: Value,
    ) -> Drift {
        let fact = fact.into();
        Drift {
            variant,
            facts: vec![fact.clone()],
            fact,
            item: item.into(),
            kind,
            encoded,
            found,
            severity: Severity::Breaking,
            locator: None,
            text: None,
            message: None,
        }
    }
}

/// How much a difference matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The text of a normative item changed; what it states, as structured
    /// values, still reads the same.
    Wording,
    /// A structured value changed (a flag, a default, an example, a sample's
    /// field).
    Breaking,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Wording => "wording",
            Severity::Breaking => "breaking",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    Added,
    Removed,
    Changed,
}

impl DriftKind {
    pub fn name(self) -> &'static str {
        match self {
            DriftKind::Added => "added",
            DriftKind::Removed => "removed",
            DriftKind::Changed => "changed",
        }
    }
}

/// Why a page could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: cannot read the page: {message}")]
    Read { file: String, message: String },
}

/// A live page read back into the fact-sheet structure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedPage {
    pub format: PageFormat,
    pub page: Page,
}

/// The largest page `drift` reads (the real pages are a few dozen KiB).
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// Read the page at `path` (see [`parse_page`]): a regular file of at most
/// [`MAX_PAGE_BYTES`].
pub fn parse_file(path: &Path) -> Result<ParsedPage, DriftError> {
    let file = path.display().to_string();
    let bytes = crate::input_file::read(path, MAX_PAGE_BYTES).map_err(|e| DriftError::Read {
        file: file.clone(),
        message: format!("{e}; give --doc the page saved as a file"),
    })?;
    parse_page(&bytes, &file)
}

/// Parse a page in either format; `file` names it in errors. Input that is
/// not text, or text that is not a docs page in a known format, is an error
/// naming the line.
pub fn parse_page(bytes: &[u8], file: &str) -> Result<ParsedPage, DriftError> {
    let fail = |line: usize, message: &str| DriftError::Parse {
        file: file.to_string(),
        line,
        message: message.to_string(),
    };
    const WHAT_TO_GIVE: &str = "give the page's text export or its Markdown/MDX source";
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        fail(
            line,
            &format!("not UTF-8 text (a binary file?): {WHAT_TO_GIVE}"),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(at) = text.find(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        let line = 1 + text[..at].matches('\n').count();
        return Err(fail(
            line,
            &format!("binary content (control character): {WHAT_TO_GIVE}"),
        ));
    }
    let Some((first_index, first)) = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty())
    else {
        return Err(fail(1, &format!("the page is empty: {WHAT_TO_GIVE}")));
    };
    let first_line = first_index + 1;
    let head = first.trim().to_ascii_lowercase();
    if head.starts_with("<!doctype") || head.starts_with("<html") {
        return Err(fail(
            first_line,
            &format!(
                "an HTML page, which drift reads from its URL (--doc VARIANT=https://...); or {WHAT_TO_GIVE}"
            ),
        ));
    }
    if head.starts_with('{')
        || head.starts_with('[')
        || head.starts_with("openapi:")
        || head.starts_with("swagger:")
    {
        return Err(fail(
            first_line,
            &format!("a JSON/OpenAPI document, not a documentation page: {WHAT_TO_GIVE}"),
        ));
    }
    let format = detect_format(text);
    let page = match format {
        PageFormat::Markdown => markdown::parse(text),
        PageFormat::TextExport => text_export::parse(text),
    }
    .map_err(|e| fail(e.line, &e.message))?;
    if page.endpoints.is_empty()
        && page.headers.is_empty()
        && page.params.is_empty()
        && page.examples.is_empty()
    {
        return Err(fail(
            first_line,
            &format!(
                "not a recognised documentation page: no endpoint line (METHOD URL), no headers or params table and no JSON example; {WHAT_TO_GIVE}"
            ),
        ));
    }
    Ok(ParsedPage { format, page })
}

/// Markdown when the page has front matter or fenced code; a text export
/// when it has body rows without a leading pipe or artefact-marked
/// headings; otherwise Markdown if it has `#` headings.
pub fn detect_format(text: &str) -> PageFormat {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let first = lines.iter().find(|l| !l.is_empty());
    if first == Some(&"---")
        || lines
            .iter()
            .any(|l| l.starts_with("```") || l.starts_with("~~~"))
    {
        return PageFormat::Markdown;
    }
    let bare_rows = lines
        .iter()
        .any(|l| l.contains('|') && !l.starts_with('|') && !l.starts_with('-'));
    let artefact_headings = lines.iter().any(|l| {
        !l.starts_with(['-', '|']) && page::strip_heading_artefacts(l).1 && !l.ends_with('#')
    });
    if bare_rows || artefact_headings {
        return PageFormat::TextExport;
    }
    let atx = lines.iter().any(|l| {
        let hashes = l.chars().take_while(|&c| c == '#').count();
        (1..=6).contains(&hashes) && l[hashes..].starts_with(' ')
    });
    if atx {
        PageFormat::Markdown
    } else {
        PageFormat::TextExport
    }
}
