//! Expected against observed, as a line diff of their pretty JSON: what a
//! reader of a failure looks at first.

use serde::Serialize;
use serde_json::Value;
use similar::{capture_diff_slices_deadline, Algorithm, DiffTag};
use std::time::{Duration, Instant};

/// How one line of the diff reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// In both.
    Same,
    /// Expected, not observed.
    Expected,
    /// Observed, not expected.
    Observed,
}

/// One line of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    pub text: String,
}

/// `value` as indented JSON (`null` for nothing).
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The lines of `expected` and `observed` (pretty JSON), each marked as in
/// both, expected only, or observed only. Lines are compared without their
/// trailing comma, so a member that only moved to the end of its object
/// reads as unchanged.
pub fn json_lines(expected: &Value, observed: &Value) -> Vec<DiffLine> {
    let (old, new) = (pretty(expected), pretty(observed));
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let key = |lines: &[&str]| -> Vec<String> {
        lines
            .iter()
            .map(|l| l.trim_end().trim_end_matches(',').to_string())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(1);
    let ops =
        capture_diff_slices_deadline(Algorithm::Myers, &key(&old), &key(&new), Some(deadline));
    let mut lines = Vec::with_capacity(old.len().max(new.len()));
    let mut push = |kind: LineKind, text: &str| {
        lines.push(DiffLine {
            kind,
            text: text.to_string(),
        })
    };
    for op in ops {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => new[new_range].iter().for_each(|l| push(LineKind::Same, l)),
            DiffTag::Delete => old[old_range]
                .iter()
                .for_each(|l| push(LineKind::Expected, l)),
            DiffTag::Insert => new[new_range]
                .iter()
                .for_each(|l| push(LineKind::Observed, l)),
            DiffTag::Replace => {
                old[old_range]
                    .iter()
                    .for_each(|l| push(LineKind::Expected, l));
                new[new_range]
                    .iter()
                    .for_each(|l| push(LineKind::Observed, l));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_changed_member_shows_as_expected_then_observed() {
        let lines = json_lines(
            &json!({"status": 409, "message": "Needs an email or a phone at least"}),
            &json!({"status": 409, "message": "email or phone needed"}),
        );
        let changed: Vec<(LineKind, &str)> = lines
            .iter()
            .filter(|l| l.kind != LineKind::Same)
            .map(|l| (l.kind, l.text.trim()))
            .collect();
        assert_eq!(
            changed,
            [
                (
                    LineKind::Expected,
                    r#""message": "Needs an email or a phone at least""#
                ),
                (LineKind::Observed, r#""message": "email or phone needed""#),
            ]
        );
        assert!(lines
            .iter()
            .any(|l| l.kind == LineKind::Same && l.text.contains("409")));
    }

    #[test]
    fn a_member_gone_from_the_end_leaves_the_one_before_unchanged() {
        let lines = json_lines(
            &json!({"status": 409, "refused": true}),
            &json!({"status": 409}),
        );
        let changed: Vec<&str> = lines
            .iter()
            .filter(|l| l.kind != LineKind::Same)
            .map(|l| l.text.trim())
            .collect();
        assert_eq!(changed, [r#""refused": true"#]);
    }

    #[test]
    fn equal_values_have_no_changed_line() {
        let value = json!({"a": [1, 2]});
        assert!(json_lines(&value, &value)
            .iter()
            .all(|l| l.kind == LineKind::Same));
    }
}
