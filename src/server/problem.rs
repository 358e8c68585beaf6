//! Every way a request can fail, and its answer in the variant's error
//! shape: current/overview `{message, code, status}`, legacy `{error,
//! message}` with an upper-case constant. Documented bodies come verbatim
//! from the fact sheets; the others follow the same style (README table).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{Messages, ServerVariant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    MissingToken,
    WrongToken,
    RouteNotFound,
    MethodNotAllowed,
    RegistrationNotFound,
    UnsupportedMediaType,
    PayloadTooLarge,
    UnreadableBody,
    /// The body did not arrive whole within this time.
    RequestTimeout(std::time::Duration),
    EmptyBody,
    InvalidJson(String),
    NotAnObject(&'static str),
    WrongType {
        field: String,
        found: &'static str,
    },
    MissingProject,
    MissingProjectFlow,
    MissingFullName,
    InvalidProjectFlow,
    ContactRequired,
    CountryCodeRequired,
    CountryCodeFormat,
    PhoneDigits,
    InvalidEmail,
    EmailDomain,
    InvalidQuery {
        param: &'static str,
        expected: &'static str,
    },
    MalformedQuery,
    /// Signing an HS256 token cannot fail in practice; if it ever did, the
    /// server is at fault: the only 5xx it has.
    TokenSigning,
}

/// The status of an undocumented error.
enum Class {
    Fixed(StatusCode),
    /// The status the pages give validation errors.
    Validation,
}

/// An undocumented error: its HTTP status, current code and message, legacy constant.
struct Invented {
    status: StatusCode,
    code: &'static str,
    message: String,
    constant: &'static str,
}

impl Problem {
    /// The body a page documents for this problem, when it documents one.
    fn documented<'m>(&self, m: &'m Messages, legacy: bool) -> Option<&'m Map<String, Value>> {
        match (self, legacy) {
            (Problem::ContactRequired, false) => Some(&m.current.contact_required),
            (Problem::ContactRequired, true) => Some(&m.legacy.contact_required),
            (Problem::CountryCodeRequired, false) => Some(&m.current.country_code_required),
            (Problem::EmailDomain, false) => Some(&m.current.email_domain),
            (Problem::InvalidProjectFlow, true) => Some(&m.legacy.invalid_project_flow),
            _ => None,
        }
    }

    /// Its status (fixed, or the validation status), its current `code`
    /// and its legacy constant.
    fn kind(&self) -> (Class, &'static str, &'static str) {
        use Class::{Fixed, Validation};
        use StatusCode as S;
        match self {
            Problem::MissingToken => (Fixed(S::UNAUTHORIZED), "Unauthorized", "MISSING_TOKEN"),
            Problem::WrongToken => (Fixed(S::UNAUTHORIZED), "Unauthorized", "INVALID_TOKEN"),
            Problem::RouteNotFound => (Fixed(S::NOT_FOUND), "ResourceNotFound", "ROUTE_NOT_FOUND"),
            Problem::MethodNotAllowed => (
                Fixed(S::METHOD_NOT_ALLOWED),
                "MethodNotAllowed",
                "METHOD_NOT_ALLOWED",
            ),
            Problem::RegistrationNotFound => (
                Fixed(S::NOT_FOUND),
                "ResourceNotFound",
                "APP_REGISTRATION_NOT_FOUND",
            ),
            Problem::UnsupportedMediaType => (
                Fixed(S::UNSUPPORTED_MEDIA_TYPE),
                "UnsupportedMediaType",
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            Problem::PayloadTooLarge => (
                Fixed(S::PAYLOAD_TOO_LARGE),
                "PayloadTooLarge",
                "PAYLOAD_TOO_LARGE",
            ),
            Problem::UnreadableBody => (Fixed(S::BAD_REQUEST), "BadRequest", "UNREADABLE_BODY"),
            Problem::RequestTimeout(_) => (
                Fixed(S::REQUEST_TIMEOUT),
                "RequestTimeout",
                "REQUEST_TIMEOUT",
            ),
            Problem::EmptyBody => (Fixed(S::BAD_REQUEST), "InvalidContent", "EMPTY_BODY"),
            Problem::InvalidJson(_) => (Fixed(S::BAD_REQUEST), "InvalidContent", "INVALID_JSON"),
            Problem::NotAnObject(_) => (Fixed(S::BAD_REQUEST), "InvalidContent", "INVALID_BODY"),
            Problem::WrongType { .. } => (Validation, "InvalidArgument", "INVALID_PARAMETER"),
            Problem::MissingProject => (Validation, "MissingParameter", "MISSING_PROJECT"),
            Problem::MissingProjectFlow => (Validation, "MissingParameter", "MISSING_PROJECT_FLOW"),
            Problem::MissingFullName => (Validation, "MissingParameter", "MISSING_FULL_NAME"),
            Problem::InvalidProjectFlow => (Validation, "InvalidArgument", "INVALID_PROJECT_FLOW"),
            Problem::ContactRequired => (Validation, "MissingParameter", "MISSING_CONTACT_INFO"),
            Problem::CountryCodeRequired => {
                (Validation, "MissingParameter", "MISSING_COUNTRY_CODE")
            }
            Problem::CountryCodeFormat => (Validation, "InvalidArgument", "INVALID_COUNTRY_CODE"),
            Problem::PhoneDigits => (Validation, "InvalidArgument", "INVALID_PHONE"),
            Problem::InvalidEmail => (Validation, "InvalidArgument", "INVALID_EMAIL"),
            Problem::EmailDomain => (Validation, "PreconditionFailed", "EMAIL_DOMAIN_NOT_ALLOWED"),
            Problem::InvalidQuery { .. } => {
                (Validation, "InvalidArgument", "INVALID_QUERY_PARAMETER")
            }
            Problem::MalformedQuery => (Validation, "InvalidArgument", "INVALID_QUERY_PARAMETER"),
            Problem::TokenSigning => (
                Fixed(S::INTERNAL_SERVER_ERROR),
                "InternalServerError",
                "TOKEN_SIGNING_FAILED",
            ),
        }
    }

    /// Its message: what was wrong, and what to do where that helps.
    fn message(&self) -> String {
        match self {
            Problem::MissingToken => "missing bearer token: send Authorization: Bearer <token>".to_string(),
            Problem::WrongToken => "invalid bearer token".to_string(),
            Problem::RouteNotFound => "no such route: the API serves POST and GET /v2/app-registrations, GET /v2/app-registrations/{id} and PUT /v2/app-registrations/{id}/sync".to_string(),
            Problem::MethodNotAllowed => "method not allowed on this route: see the Allow header".to_string(),
            Problem::RegistrationNotFound => "app registration not found".to_string(),
            Problem::UnsupportedMediaType => "the body must be JSON: send Content-Type: application/json".to_string(),
            Problem::PayloadTooLarge => format!( "request body is larger than {} bytes", super::MAX_BODY_BYTES ),
            Problem::UnreadableBody => "the request body could not be read".to_string(),
            Problem::RequestTimeout(after) => format!("the request body did not arrive whole within {} ms: send it without pausing", after.as_millis()),
            Problem::EmptyBody => "request body is empty: send a JSON object".to_string(),
            Problem::InvalidJson(detail) => format!("request body is not valid JSON: {detail}"),
            Problem::NotAnObject(found) => format!("request body must be a JSON object, got {found}"),
            Problem::WrongType { field, found } => format!("{field} must be a string, got {found}"),
            Problem::MissingProject => "missing project".to_string(),
            Problem::MissingProjectFlow => "missing projectFlow".to_string(),
            Problem::MissingFullName => "missing fullName".to_string(),
            Problem::InvalidProjectFlow => "invalid project flow".to_string(),
            Problem::ContactRequired => "needs an email or a phone".to_string(),
            Problem::CountryCodeRequired => "countryCode is required when phone is provided".to_string(),
            Problem::CountryCodeFormat => "countryCode must be + followed by 1 to 3 digits, e.g. +57".to_string(),
            Problem::PhoneDigits => "phone must contain digits only (no spaces, dashes or other characters)".to_string(),
            Problem::InvalidEmail => "email must have text on both sides of an @".to_string(),
            Problem::EmailDomain => "email domain not allowed".to_string(),
            Problem::InvalidQuery { param, expected } => format!("query parameter {param} must be {expected}"),
            Problem::MalformedQuery => "the query string is not valid URL-encoded UTF-8".to_string(),
            Problem::TokenSigning => "the registration token could not be signed".to_string(),
        }
    }

    fn invented(&self, validation: StatusCode) -> Invented {
        let (class, code, constant) = self.kind();
        Invented {
            status: match class {
                Class::Fixed(status) => status,
                Class::Validation => validation,
            },
            code,
            message: self.message(),
            constant,
        }
    }

    /// HTTP status and body under `variant`.
    pub fn render(&self, m: &Messages, variant: ServerVariant) -> (StatusCode, Value) {
        let validation =
            StatusCode::from_u16(m.current.validation_status).unwrap_or(StatusCode::CONFLICT);
        let legacy = variant == ServerVariant::Legacy;
        let invented = self.invented(validation);
        let body = match (self.documented(m, legacy), legacy) {
            (Some(body), _) => Value::Object(body.clone()),
            (None, false) => json!({
                "message": invented.message,
                "code": invented.code,
                "status": invented.status.as_u16(),
            }),
            (None, true) => json!({
                "error": capitalize(&invented.message),
                "message": invented.constant,
            }),
        };
        (invented.status, body)
    }

    pub fn into_response(self, m: &Messages, variant: ServerVariant) -> Response {
        let (status, body) = self.render(m, variant);
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body may still come: it must not be read as
            // the next request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
