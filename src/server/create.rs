//! The create request: parse the body and apply the documented rules in a
//! fixed order (module docs of `server` list it); the first broken rule
//! is the answer.

use serde_json::{Map, Value};

use super::problem::Problem;
use super::ServerVariant;

/// A create request that passed every rule. `None` = not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateRequest {
    pub project: String,
    pub project_flow: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country_code: Option<String>,
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: Option<String>,
}

/// What the rules depend on besides the body.
pub(crate) struct Rules<'a> {
    pub variant: ServerVariant,
    pub known_flow: &'a str,
    /// The documented body fields, in table order (from the fact sheet).
    pub body_fields: &'a [String],
    /// Normalized (see [`normalize_domain`]).
    pub blocked_domains: &'a [String],
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field as sent, or `None` when absent, null, empty or blank.
fn text(object: &Map<String, Value>, field: &str) -> Option<String> {
    match object.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Lower case, without surrounding dots or whitespace.
pub(crate) fn normalize_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_start_matches('@')
        .trim_matches('.')
        .to_lowercase()
}

/// `+` then 1 to 3 ASCII digits.
fn is_country_code(code: &str) -> bool {
    code.strip_prefix('+').is_some_and(|digits| {
        (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Text on both sides of the last `@`.
fn email_domain(email: &str) -> Option<&str> {
    let (local, domain) = email.rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(domain)
}

fn is_blocked(domain: &str, blocked: &[String]) -> bool {
    let domain = normalize_domain(domain);
    blocked.iter().any(|b| {
        domain == *b
            || domain
                .strip_suffix(b.as_str())
                .is_some_and(|prefix| prefix.ends_with('.'))
    })
}

impl Rules<'_> {
    pub fn parse(&self, body: &[u8]) -> Result<CreateRequest, Problem> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Problem::EmptyBody);
        }
        let value: Value =
            serde_json::from_slice(body).map_err(|e| Problem::InvalidJson(e.to_string()))?;
        let Value::Object(object) = value else {
            return Err(Problem::NotAnObject(json_type(&value)));
        };
        self.check(&object)
    }

    fn check(&self, object: &Map<String, Value>) -> Result<CreateRequest, Problem> {
        let legacy = self.variant == ServerVariant::Legacy;
        for field in self.body_fields {
            match object.get(field) {
                None | Some(Value::Null) | Some(Value::String(_)) => {}
                Some(other) => {
                    return Err(Problem::WrongType {
                        field: field.clone(),
                        found: json_type(other),
                    })
                }
            }
        }
        let name = |field: &str| {
            if legacy && (field == "firstName" || field == "lastName") {
                None
            } else {
                text(object, field)
            }
        };
        let request = CreateRequest {
            project: name("project").ok_or(Problem::MissingProject)?,
            project_flow: name("projectFlow").ok_or(Problem::MissingProjectFlow)?,
            email: name("email"),
            phone: name("phone"),
            country_code: name("countryCode"),
            full_name: name("fullName"),
            first_name: name("firstName"),
            last_name: name("lastName"),
            language: name("language"),
        };
        if legacy {
            if request.full_name.is_none() {
                return Err(Problem::MissingFullName);
            }
            if request.project_flow != self.known_flow {
                return Err(Problem::InvalidProjectFlow);
            }
        }
        if request.email.is_none() && request.phone.is_none() {
            return Err(Problem::ContactRequired);
        }
        if request.phone.is_some() && request.country_code.is_none() {
            return Err(Problem::CountryCodeRequired);
        }
        if let Some(code) = &request.country_code {
            if !is_country_code(code) {
                return Err(Problem::CountryCodeFormat);
            }
        }
        if let Some(phone) = &request.phone {
            if !legacy && !phone.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Problem::PhoneDigits);
            }
        }
        if let Some(email) = &request.email {
            let domain = email_domain(email).ok_or(Problem::InvalidEmail)?;
            if is_blocked(domain, self.blocked_domains) {
                return Err(Problem::EmailDomain);
            }
        }
        Ok(request)
    }
}

/// Derive each missing name from those sent: fullName splits at its first
/// whitespace; first and last names join with a space.
pub(crate) fn complete_names(
    full: Option<String>,
    first: Option<String>,
    last: Option<String>,
) -> (Option<String>, Option<String>, Option<String>) {
    let (split_first, split_last) = match &full {
        Some(full) => {
            let trimmed = full.trim();
            match trimmed.split_once(char::is_whitespace) {
                Some((a, b)) => (Some(a.to_string()), Some(b.trim_start().to_string())),
                None => (Some(trimmed.to_string()), None),
            }
        }
        None => (None, None),
    };
    let full = full.or_else(|| match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(only), None) | (None, Some(only)) => Some(only.clone()),
        (None, None) => None,
    });
    (full, first.or(split_first), last.or(split_last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_and_join() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            complete_names(s("John Doe"), None, None),
            (s("John Doe"), s("John"), s("Doe"))
        );
        assert_eq!(
            complete_names(s("María José  de la Cruz"), None, None),
            (
                s("María José  de la Cruz"),
                s("María"),
                s("José  de la Cruz")
            )
        );
        assert_eq!(
            complete_names(s("Madonna"), None, None),
            (s("Madonna"), s("Madonna"), None)
        );
        assert_eq!(
            complete_names(None, s("Ana"), s("Gómez")),
            (s("Ana Gómez"), s("Ana"), s("Gómez"))
        );
        assert_eq!(complete_names(None, None, None), (None, None, None));
    }

    #[test]
    fn country_codes_and_domains() {
        assert!(is_country_code("+1"));
        assert!(is_country_code("+123"));
        assert!(!is_country_code("+1234"));
        assert!(!is_country_code("1"));
        assert!(!is_country_code("+"));
        assert!(!is_country_code("+١"));
        let blocked = vec![normalize_domain("Blocked.Example")];
        assert!(is_blocked("blocked.example", &blocked));
        assert!(is_blocked("mail.BLOCKED.example.", &blocked));
        assert!(!is_blocked("notblocked.example", &blocked));
        assert_eq!(email_domain("a@b"), Some("b"));
        assert_eq!(email_domain("a@"), None);
        assert_eq!(email_domain("@b"), None);
        assert_eq!(email_domain("ab"), None);
    }
}
