//! What both page parsers share: inline clean-up, headings and sections,
//! endpoint lines, pipe tables (headers and params, with what a param's
//! description adds), note topics, and JSON examples with their line numbers.
//!
//! Pages come in English and Spanish, so every keyword list here has both.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::contract::{Endpoint, ExampleKind, Header, Param};

/// A page that cannot be read, with the 1-based line where reading failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl ParseError {
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

pub fn re(pattern: &str) -> Regex {
    // The patterns are literals of this module; a typo is a bug caught by
    // every parser test, not a runtime condition.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

/// Lower-case with Spanish accents folded, for matching keywords.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

static LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]*)\]\([^)]*\)"));

/// Inline Markdown removed: links keep their text, bold and code markers go.
pub fn clean_inline(text: &str) -> String {
    let text = LINK.replace_all(text, "$1");
    text.replace("**", "")
        .replace("__", "")
        .replace('`', "")
        .trim()
        .to_string()
}

/// Characters a rendered page leaves after a heading (anchor links, icons,
/// zero-width marks): the real exports show a Greek beta.
fn is_heading_artefact(c: char) -> bool {
    matches!(
        c,
        '¶' | '§'
            | '#'
            | '🔗'
            | '⚓'
            | '\u{200b}'
            | '\u{200c}'
            | '\u{200d}'
            | '\u{2060}'
            | '\u{feff}'
    ) || ('\u{0370}'..='\u{03ff}').contains(&c)
        || ('\u{e000}'..='\u{f8ff}').contains(&c)
}

/// The line without trailing heading artefacts, and whether it had any.
pub fn strip_heading_artefacts(line: &str) -> (String, bool) {
    let mut text = line.trim();
    let mut had = false;
    while let Some(c) = text.chars().last() {
        if !is_heading_artefact(c) {
            break;
        }
        text = text[..text.len() - c.len_utf8()].trim_end();
        had = true;
    }
    (text.to_string(), had)
}

/// What a part of the page is for; decides how its content is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Code samples of the request: ignored.
    Request,
    /// Response examples (success and errors).
    Response,
    /// Rules stated in prose.
    Notes,
    Other,
}

impl Section {
    /// The section a heading opens, when its words say.
    pub fn of_heading(heading: &str) -> Option<Section> {
        let h = fold(heading);
        let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
        if has(&["request", "solicitud", "peticion"]) {
            Some(Section::Request)
        } else if has(&["response", "respuesta", "error"]) {
            Some(Section::Response)
        } else if has(&["note", "nota"]) {
            Some(Section::Notes)
        } else {
            None
        }
    }
}

/// Section names a text export uses, in English and Spanish, that are
/// headings even without an artefact after them.
pub fn is_known_heading(text: &str) -> bool {
    const KNOWN: &[&str] = &[
        "endpoint",
        "endpoints",
        "api endpoints",
        "headers",
        "encabezados",
        "cabeceras",
        "params",
        "parameters",
        "parametros",
        "body",
        "cuerpo",
        "request",
        "requests",
        "request example",
        "solicitud",
        "peticion",
        "ejemplo de solicitud",
        "response",
        "responses",
        "response example",
        "error responses",
        "respuesta",
        "respuestas",
        "ejemplo de respuesta",
        "notes",
        "notas",
        "overview",
        "descripcion general",
    ];
    let folded = fold(text.trim_end_matches(':'));
    KNOWN.contains(&folded.trim())
}

static ENDPOINT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(GET|POST|PUT|PATCH|DELETE)\s+(https?://[^/\s]+)?(/\S*)$"));

/// `POST https://host/v2/x` (or `**POST** \`...\``) -> the endpoint, path
/// without scheme or host.
pub fn endpoint_line(line: &str) -> Option<Endpoint> {
    let cleaned = clean_inline(line);
    let caps = ENDPOINT.captures(cleaned.trim())?;
    Some(Endpoint {
        method: caps[1].to_string(),
        path: caps[3].to_string(),
    })
}

/// The cells of a pipe-table row. Leading and trailing pipes are optional
/// (the text export drops the leading one on body rows); `\|` is a pipe
/// inside a cell.
pub fn table_cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    if line.starts_with('|') {
        cells.remove(0);
    }
    if line.ends_with('|') && !line.ends_with("\\|") {
        cells.pop();
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// `|---|:---:|` and the like.
pub fn is_separator_row(line: &str) -> bool {
    if !line.contains('|') || !line.contains('-') {
        return false;
    }
    let cells = table_cells(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim_matches(':');
            !c.is_empty() && c.chars().all(|ch| ch == '-')
        })
}

/// Whether `lines[i]` opens a table (a row followed by a separator row).
pub fn opens_table(lines: &[&str], i: usize) -> bool {
    lines[i].contains('|')
        && !is_separator_row(lines[i])
        && lines.get(i + 1).is_some_and(|next| is_separator_row(next))
}

/// Read an endpoint line or a table at `lines[i]` into `page`, the way both
/// page formats show them; returns the index after it, or `None` when the
/// line is neither.
pub fn read_endpoint_or_table(
    lines: &[&str],
    i: usize,
    page: &mut crate::contract::Page,
) -> Result<Option<usize>, ParseError> {
    if let Some(endpoint) = endpoint_line(lines[i]) {
        page.endpoints.push(endpoint);
        return Ok(Some(i + 1));
    }
    if !opens_table(lines, i) {
        return Ok(None);
    }
    let (table, next) = read_table(lines, i)?;
    match table {
        Table::Headers(headers) => page.headers.extend(headers),
        Table::Params(params) => page.params.extend(params),
    }
    Ok(Some(next))
}

/// Read the list items after a "designed for:" line into `purposes`;
/// returns the index of the first line after the list.
pub fn read_purposes(lines: &[&str], mut i: usize, purposes: &mut Vec<String>) -> usize {
    while let Some(name) = lines.get(i).and_then(|l| purpose_item(l)) {
        purposes.push(name);
        i += 1;
    }
    i
}

/// A table the page shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Table {
    Headers(Vec<Header>),
    Params(Vec<Param>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Value,
    Type,
    Required,
    Description,
}

pub fn column(header: &str) -> Option<Column> {
    let h = fold(&clean_inline(header));
    let h = h.trim_end_matches(['?', ':']).trim();
    match h {
        "name" | "nombre" | "field" | "campo" | "parameter" | "parametro" | "param" | "header"
        | "encabezado" | "key" | "clave" => Some(Column::Name),
        "value" | "valor" => Some(Column::Value),
        "type" | "tipo" => Some(Column::Type),
        "required" | "requerido" | "obligatorio" | "mandatory" => Some(Column::Required),
        "description" | "descripcion" | "details" | "detalles" => Some(Column::Description),
        _ => None,
    }
}

/// Read the table whose header row is `lines[start]`; returns it and the
/// index of the first line after it.
pub fn read_table(lines: &[&str], start: usize) -> Result<(Table, usize), ParseError> {
    let header_line = start + 1;
    let headers = table_cells(lines[start]);
    let columns: Vec<Option<Column>> = headers.iter().map(|h| column(h)).collect();
    let find = |wanted: Column| columns.iter().position(|c| *c == Some(wanted));
    let unknown = || {
        ParseError::at(
            header_line,
            format!(
                "unrecognised table with columns {}: expected Name | Value (headers) or Name | Type | Required | Description (params)",
                headers.join(" | ")
            ),
        )
    };
    let name = find(Column::Name).ok_or_else(unknown)?;
    let mut rows = Vec::new();
    let mut i = start + 2;
    while i < lines.len() && lines[i].contains('|') {
        let cells = table_cells(lines[i]);
        if cells.len() != headers.len() {
            return Err(ParseError::at(
                i + 1,
                format!(
                    "table row has {} cells but the header at line {header_line} has {}",
                    cells.len(),
                    headers.len()
                ),
            ));
        }
        rows.push((i + 1, cells));
        i += 1;
    }
    let table = match (
        find(Column::Value),
        find(Column::Type),
        find(Column::Required),
    ) {
        (Some(value), None, None) => Table::Headers(
            rows.iter()
                .map(|(_, cells)| Header {
                    name: clean_inline(&cells[name]),
                    value: clean_inline(&cells[value]),
                })
                .collect(),
        ),
        (_, Some(ty), Some(required)) => {
            let description = find(Column::Description);
            let mut params = Vec::new();
            for (line, cells) in &rows {
                params.push(param_row(
                    *line,
                    &cells[name],
                    &cells[ty],
                    &cells[required],
                    description.map(|d| cells[d].as_str()),
                )?);
            }
            Table::Params(params)
        }
        _ => return Err(unknown()),
    };
    Ok((table, i))
}

fn param_row(
    line: usize,
    name: &str,
    ty: &str,
    required: &str,
    description: Option<&str>,
) -> Result<Param, ParseError> {
    let name = clean_inline(name);
    if name.is_empty() {
        return Err(ParseError::at(line, "params row without a name"));
    }
    let required = match fold(&clean_inline(required)).as_str() {
        "yes" | "si" | "true" | "required" | "requerido" | "obligatorio" | "y" => true,
        "no" | "false" | "optional" | "opcional" | "n" => false,
        other => {
            return Err(ParseError::at(
                line,
                format!(
                    "the Required column of {name} says {other:?}: expected Yes or No (Sí or No)"
                ),
            ))
        }
    };
    let description = clean_inline(description.unwrap_or(""));
    Ok(Param {
        name,
        ty: clean_inline(ty),
        required,
        required_if: required_if(&description),
        format: labelled_value(&FORMAT, &description),
        default: labelled_value(&DEFAULT, &description),
    })
}

/// The structured values a description states: `required_if`, `format`,
/// `default` (absent ones left out).
pub fn description_values(description: &str) -> Vec<(&'static str, String)> {
    [
        ("required_if", required_if(description)),
        ("format", labelled_value(&FORMAT, description)),
        ("default", labelled_value(&DEFAULT, description)),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| (key, v)))
    .collect()
}

static REQUIRED_IF: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?i)required if (?:the |a )?(\w+) is (?:provided|given|present|sent|set)"),
        re(r"(?i)required (?:when|with) (?:the |a )?(\w+)"),
        re(
            r"(?i)(?:requerido|obligatorio) si se (?:proporciona|envía|envia|indica|incluye) (?:el |la |un |una )?(\w+)",
        ),
        re(
            r"(?i)(?:requerido|obligatorio) (?:cuando|con) (?:se (?:proporciona|envía|envia) )?(?:el |la )?(\w+)",
        ),
    ]
});

fn required_if(description: &str) -> Option<String> {
    REQUIRED_IF
        .iter()
        .find_map(|r| r.captures(description).map(|c| c[1].to_string()))
}

static FORMAT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)\b(?:format|formato)\s*:\s*("[^"]*"|\S+)"#));
static DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)\b(?:default|por defecto|predeterminado|valor por defecto)\s*:\s*("[^"]*"|\S+)"#)
});

/// `Format: +123` -> `+123`; `Default: "en".` -> `en`.
fn labelled_value(pattern: &Regex, description: &str) -> Option<String> {
    let caps = pattern.captures(description)?;
    let raw = caps[1].trim_end_matches(['.', ',', ';', ')']);
    let value = raw
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(raw);
    Some(value.to_string())
}

static NOTE_ITEM: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|\s)[-*•]\s+[^\s:][^:]{0,60}:"));
static INITIAL_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:start(?:s)? with (?:the )?status|initial status(?: is)?|comienzan? con (?:el )?estado|estado inicial(?: es)?)\s*:?\s*["'“]?([A-Za-z_]+)"#,
    )
});
static LANGUAGE_DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:language|idioma)\b[^.]*?(?:defaults? to|default is|por defecto(?: es)?|predeterminado(?: es)?)\s*:?\s*["'“]?([A-Za-z]{2,3}(?:[-_][A-Za-z]{2})?)\b"#,
    )
});
static DIGIT_RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(\d+)\s*(?:-|–|to|a)\s*(\d+)\s*(?:digits|dígitos|digitos)"));
static DIGIT_RANGE_MAX: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:maximum|max\.?|máximo|maximo)\s*(\d+)\s*(?:-|–|to|a)\s*(\d+)"));
static DIGITS_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:only digits|digits only|s[oó]lo d[ií]gitos|[uú]nicamente d[ií]gitos)")
});

/// The items of a notes list, from its text joined into one line (the text
/// export runs several items into one line: "... STARTED. - Language: ...").
pub fn note_items(text: &str) -> Vec<String> {
    let starts: Vec<usize> = NOTE_ITEM.find_iter(text).map(|m| m.start()).collect();
    if starts.is_empty() {
        return vec![text.trim().to_string()];
    }
    let mut items = Vec::new();
    if !text[..starts[0]].trim().is_empty() {
        items.push(text[..starts[0]].trim().to_string());
    }
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(text.len());
        let item = text[start..end]
            .trim()
            .trim_start_matches(['-', '*', '•'])
            .trim();
        items.push(item.to_string());
    }
    items
}

/// The rules a notes text states, by topic (`initial_status`,
/// `language_default`, `country_code_digits`, `phone_format`). A topic is
/// read from the sentence's content, not its label, so translated labels
/// and prose without labels (admonitions) work alike.
pub fn note_topics(text: &str, topics: &mut BTreeMap<String, String>) {
    for item in note_items(&clean_inline(text)) {
        let mut set = |topic: &str, value: String| {
            topics.entry(topic.to_string()).or_insert(value);
        };
        if let Some(c) = INITIAL_STATUS.captures(&item) {
            set("initial_status", c[1].to_string());
        }
        if let Some(c) = LANGUAGE_DEFAULT.captures(&item) {
            set("language_default", c[1].to_string());
        }
        if let Some(c) = DIGIT_RANGE
            .captures(&item)
            .or_else(|| DIGIT_RANGE_MAX.captures(&item))
        {
            set("country_code_digits", format!("{}-{}", &c[1], &c[2]));
        }
        if DIGITS_ONLY.is_match(&item) {
            set("phone_format", "digits-only".to_string());
        }
    }
}

static PURPOSE_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:designed for|used for|intended for|dise[ñn]ad[oa]s? para|pensad[oa]s? para|se usan para)\s*:\s*$",
    )
});

/// "Currently, registrations are designed for:" introduces a purpose list.
pub fn is_purpose_intro(line: &str) -> bool {
    PURPOSE_INTRO.is_match(&clean_inline(line))
}

/// The name a purpose list item gives: "onboarding - For new users" ->
/// "onboarding".
pub fn purpose_item(line: &str) -> Option<String> {
    let item = line
        .trim()
        .strip_prefix("- ")
        .or_else(|| line.trim().strip_prefix("* "))?;
    let item = clean_inline(item);
    let name = item
        .split(" - ")
        .next()
        .and_then(|n| n.split(" – ").next())
        .and_then(|n| n.split(':').next())
        .unwrap_or("")
        .trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The HTTP status a label names: "409 (Email Domain)" -> 409.
pub fn status_of(label: &str) -> Option<u16> {
    let digits: String = label
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let rest = &label.trim()[digits.len()..];
    if digits.len() != 3 || rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    digits.parse().ok().filter(|s| (100..600).contains(s))
}

/// What an example shows: by its status when the label names one, else by
/// the heading it stands under.
pub fn kind_of(status: Option<u16>, heading: &str) -> ExampleKind {
    match status {
        Some(s) if s >= 400 => ExampleKind::Error,
        Some(_) => ExampleKind::Response,
        None => {
            let h = fold(heading);
            if h.contains("error") {
                ExampleKind::Error
            } else if ["response", "respuesta", "example", "ejemplo"]
                .iter()
                .any(|w| h.contains(w))
            {
                ExampleKind::Response
            } else {
                ExampleKind::Object
            }
        }
    }
}

/// JSON values written one after another from `lines[start]` on (the text
/// export prints several examples back to back). Stops where the text stops
/// being JSON; returns each value with its line and the index of the first
/// line after the last value.
pub fn json_values_from(
    lines: &[&str],
    start: usize,
) -> Result<(Vec<(usize, Value)>, usize), ParseError> {
    let text = lines[start..].join("\n");
    let line_of = |byte: usize| start + 1 + text[..byte].matches('\n').count();
    let mut values = Vec::new();
    let mut offset = 0;
    loop {
        let rest = &text[offset..];
        let value_start = offset + (rest.len() - rest.trim_start().len());
        if !text[value_start..].starts_with(['{', '[']) {
            break;
        }
        let mut stream =
            serde_json::Deserializer::from_str(&text[value_start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                values.push((line_of(value_start), value));
                offset = value_start + stream.byte_offset();
            }
            Some(Err(e)) => return Err(json_error(line_of(value_start), &e)),
            None => break,
        }
    }
    let next = line_of(offset.min(text.len()));
    Ok((values, next))
}

/// A JSON example that does not parse, at its absolute line.
pub fn json_error(first_line: usize, error: &serde_json::Error) -> ParseError {
    let message = error.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    ParseError::at(
        first_line + error.line().saturating_sub(1),
        format!(
            "JSON example does not parse: {message} (column {}); fix the example or its label list",
            error.column()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_with_and_without_outer_pipes() {
        assert_eq!(table_cells("| a | b |"), ["a", "b"]);
        assert_eq!(table_cells("a | b |"), ["a", "b"]);
        assert_eq!(table_cells("a | b"), ["a", "b"]);
        assert_eq!(table_cells(r"| a \| b | c |"), ["a | b", "c"]);
        assert!(is_separator_row("|---|:--:|"));
        assert!(!is_separator_row("| a | - |"));
    }

    #[test]
    fn heading_artefacts_are_stripped_but_accents_kept() {
        assert_eq!(
            strip_heading_artefacts("Headersβ"),
            ("Headers".into(), true)
        );
        assert_eq!(
            strip_heading_artefacts("Información"),
            ("Información".into(), false)
        );
        assert_eq!(strip_heading_artefacts("Notes ¶"), ("Notes".into(), true));
    }

    #[test]
    fn statuses_from_labels() {
        assert_eq!(status_of("409 (Email Domain)"), Some(409));
        assert_eq!(status_of("200"), Some(200));
        assert_eq!(status_of("Response Example"), None);
        assert_eq!(status_of("4090"), None);
        assert_eq!(status_of("999"), None);
    }

    #[test]
    fn descriptions_give_conditions_formats_and_defaults() {
        let d = "Código de país. Requerido si se proporciona phone. Formato: +123";
        assert_eq!(required_if(d).as_deref(), Some("phone"));
        assert_eq!(labelled_value(&FORMAT, d).as_deref(), Some("+123"));
        assert_eq!(
            labelled_value(&DEFAULT, "Idioma. Por defecto: \"es\"").as_deref(),
            Some("es")
        );
        assert_eq!(
            labelled_value(&DEFAULT, "Language. Default: \"en\".").as_deref(),
            Some("en")
        );
        assert_eq!(required_if("The phone number"), None);
    }

    #[test]
    fn note_topics_in_both_languages() {
        let mut en = BTreeMap::new();
        note_topics(
            "- Status: New registrations start with status STARTED. - Language: Defaults to \"en\"if not provided.",
            &mut en,
        );
        assert_eq!(
            en.get("initial_status").map(String::as_str),
            Some("STARTED")
        );
        assert_eq!(en.get("language_default").map(String::as_str), Some("en"));
        let mut es = BTreeMap::new();
        note_topics(
            "- Código de País: formato +XXX (máximo 1-3 dígitos). - Teléfono: solo dígitos.",
            &mut es,
        );
        assert_eq!(
            es.get("country_code_digits").map(String::as_str),
            Some("1-3")
        );
        assert_eq!(
            es.get("phone_format").map(String::as_str),
            Some("digits-only")
        );
        let mut none = BTreeMap::new();
        note_topics(
            "Any phone or email validations completed before are deleted.",
            &mut none,
        );
        assert!(none.is_empty());
    }
}
