//! A rendered documentation page (a Docusaurus layout) turned into the text
//! export the parsers read: the article's headings with an anchor artefact,
//! paragraphs and list items one per line, tables as pipe rows, code blocks
//! line by line (tab labels first, as the export lists them). Navigation,
//! sidebars, footers, scripts and anchor links are left out.

use scraper::{ElementRef, Html, Node, Selector};

/// Whether `bytes` look like an HTML document.
pub fn is_html(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The text export of the page's main content (its `article`, else its
/// `main`, else its `body`).
pub fn html_to_text_export(html: &str) -> String {
    let document = Html::parse_document(html);
    let root = ["article", "main", "body"]
        .iter()
        .filter_map(|s| Selector::parse(s).ok())
        .find_map(|s| document.select(&s).next())
        .unwrap_or_else(|| document.root_element());
    let mut lines = Vec::new();
    block(root, &mut lines);
    let mut out = lines
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

const SKIPPED: &[&str] = &[
    "nav", "footer", "aside", "script", "style", "noscript", "button", "svg", "template",
];

fn has_class(element: &ElementRef, class: &str) -> bool {
    element
        .value()
        .attr("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

/// Collect the lines of a block element's content.
fn block(element: ElementRef, lines: &mut Vec<String>) {
    let mut inline = String::new();
    for child in element.children() {
        match child.value() {
            Node::Text(text) => inline.push_str(text),
            Node::Element(_) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                let name = child.value().name();
                if SKIPPED.contains(&name) || has_class(&child, "hash-link") {
                    continue;
                }
                match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        flush(&mut inline, lines);
                        lines.push(format!("{}¶", inline_text(child)));
                    }
                    "p" => {
                        flush(&mut inline, lines);
                        lines.push(inline_text(child));
                    }
                    "ul" | "ol" => {
                        flush(&mut inline, lines);
                        list(child, lines);
                    }
                    "table" => {
                        flush(&mut inline, lines);
                        table(child, lines);
                    }
                    "pre" => {
                        flush(&mut inline, lines);
                        lines.extend(child.text().collect::<String>().lines().map(str::to_string));
                    }
                    "br" => flush(&mut inline, lines),
                    "div" | "section" | "article" | "main" | "details" | "blockquote" | "body" => {
                        flush(&mut inline, lines);
                        block(child, lines);
                    }
                    _ => inline.push_str(&raw_text(child)),
                }
            }
            _ => {}
        }
    }
    flush(&mut inline, lines);
}

fn flush(inline: &mut String, lines: &mut Vec<String>) {
    let text = collapse(inline);
    if !text.is_empty() {
        lines.push(text);
    }
    inline.clear();
}

/// An element's text on one line, anchor links left out.
fn inline_text(element: ElementRef) -> String {
    collapse(&raw_text(element))
}

/// An element's text as the DOM has it, anchor links left out.
fn raw_text(element: ElementRef) -> String {
    let mut text = String::new();
    for node in element.descendants() {
        if let Node::Text(t) = node.value() {
            let in_anchor = node
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| has_class(&a, "hash-link") || SKIPPED.contains(&a.value().name()));
            if !in_anchor {
                text.push_str(t);
            }
        }
    }
    text
}

fn collapse(text: &str) -> String {
    text.replace('\u{200b}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each item as `- text`; a nested list follows its item.
fn list(element: ElementRef, lines: &mut Vec<String>) {
    for item in element.children().filter_map(ElementRef::wrap) {
        if item.value().name() != "li" {
            continue;
        }
        let mut own = String::new();
        let mut nested = Vec::new();
        for child in item.children() {
            match child.value() {
                Node::Text(t) => own.push_str(t),
                Node::Element(e) if matches!(e.name(), "ul" | "ol") => {
                    if let Some(child) = ElementRef::wrap(child) {
                        list(child, &mut nested);
                    }
                }
                Node::Element(_) => {
                    if let Some(child) = ElementRef::wrap(child) {
                        own.push_str(&raw_text(child));
                    }
                }
                _ => {}
            }
        }
        let own = collapse(&own);
        if !own.is_empty() {
            lines.push(format!("- {own}"));
        }
        lines.extend(nested);
    }
}

/// `| a | b |` rows, the header row followed by a separator.
fn table(element: ElementRef, lines: &mut Vec<String>) {
    let Ok(rows) = Selector::parse("tr") else {
        return;
    };
    for (n, row) in element.select(&rows).enumerate() {
        let cells: Vec<String> = row
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| matches!(c.value().name(), "th" | "td"))
            .map(|c| inline_text(c).replace('|', "\\|"))
            .collect();
        lines.push(format!("| {} |", cells.join(" | ")));
        if n == 0 {
            lines.push(format!("|{}", "---|".repeat(cells.len())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_docusaurus_article_becomes_a_text_export() {
        let html = r##"<!DOCTYPE html><html><body><nav>Docs Blog</nav><main><article>
<h1>Sign up</h1>
<h2 class="anchor" id="endpoint">Endpoint<a class="hash-link" href="#endpoint">&#8203;</a></h2>
<p><code>POST</code> https://api.example.test/v2/x</p>
<table><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody><tr><td>A</td><td>b | c</td></tr></tbody></table>
<div class="tabs-container"><ul role="tablist"><li>Node.js</li><li>Go</li></ul>
<div role="tabpanel"><pre><code>const a = 1;
run();</code></pre></div></div>
<ul><li><strong>Status</strong>: starts with <code>NEW</code>.</li></ul>
</article></main><footer>Copyright</footer></body></html>"##;
        assert_eq!(
            html_to_text_export(html),
            "Sign up¶\nEndpoint¶\nPOST https://api.example.test/v2/x\n| Name | Value |\n|---|---|\n| A | b \\| c |\n- Node.js\n- Go\nconst a = 1;\nrun();\n- Status: starts with NEW.\n"
        );
        assert!(is_html(b"  <!DOCTYPE html><html>"));
        assert!(!is_html(b"Sign up\nEndpoint"));
    }
}
