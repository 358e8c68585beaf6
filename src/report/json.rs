//! `report.json`: the report model serialized as is (the fixed format).

use super::Report;

pub(super) fn render(report: &Report) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Cannot happen for this model (string keys, no non-finite floats);
        // still a valid JSON document that says what went wrong.
        Err(e) => format!(
            "{{\"format_version\":{},\"error\":{}}}\n",
            super::FORMAT_VERSION,
            serde_json::Value::String(format!("cannot serialize the report: {e}"))
        ),
    }
}
