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

    fn invented(&self, validation: StatusCode) -> Invented {
        let it = |status, code, message: String, constant| Invented {
            status,
            code,
            message,
            constant,
        };
        match self {
            Problem::MissingToken => it(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "missing bearer token: send Authorization: Bearer <token>".into(),
                "MISSING_TOKEN",
            ),
            Problem::WrongToken => it(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "invalid bearer token".into(),
                "INVALID_TOKEN",
            ),
            Problem::RouteNotFound => it(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                "no such route: the API serves POST and GET /v2/app-registrations, GET /v2/app-registrations/{id} and PUT /v2/app-registrations/{id}/sync".into(),
                "ROUTE_NOT_FOUND",
            ),
            Problem::MethodNotAllowed => it(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "method not allowed on this route: see the Allow header".into(),
                "METHOD_NOT_ALLOWED",
            ),
            Problem::RegistrationNotFound => it(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                "app registration not found".into(),
                "APP_REGISTRATION_NOT_FOUND",
            ),
            Problem::UnsupportedMediaType => it(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                "the body must be JSON: send Content-Type: application/json".into(),
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            Problem::PayloadTooLarge => it(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLarge",
                format!(
                    "request body is larger than {} bytes",
                    super::MAX_BODY_BYTES
                ),
                "PAYLOAD_TOO_LARGE",
            ),
            Problem::UnreadableBody => it(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "the request body could not be read".into(),
                "UNREADABLE_BODY",
            ),
            Problem::EmptyBody => it(
                StatusCode::BAD_REQUEST,
                "InvalidContent",
                "request body is empty: send a JSON object".into(),
                "EMPTY_BODY",
            ),
            Problem::InvalidJson(detail) => it(
                StatusCode::BAD_REQUEST,
                "InvalidContent",
                format!("request body is not valid JSON: {detail}"),
                "INVALID_JSON",
            ),
            Problem::NotAnObject(found) => it(
                StatusCode::BAD_REQUEST,
                "InvalidContent",
                format!("request body must be a JSON object, got {found}"),
                "INVALID_BODY",
            ),
            Problem::WrongType { field, found } => it(
                validation,
                "InvalidArgument",
                format!("{field} must be a string, got {found}"),
                "INVALID_PARAMETER",
            ),
            Problem::MissingProject => it(
                validation,
                "MissingParameter",
                "missing project".into(),
                "MISSING_PROJECT",
            ),
            Problem::MissingProjectFlow => it(
                validation,
                "MissingParameter",
                "missing projectFlow".into(),
                "MISSING_PROJECT_FLOW",
            ),
            Problem::MissingFullName => it(
                validation,
                "MissingParameter",
                "missing fullName".into(),
                "MISSING_FULL_NAME",
            ),
            Problem::InvalidProjectFlow => it(
                validation,
                "InvalidArgument",
                "invalid project flow".into(),
                "INVALID_PROJECT_FLOW",
            ),
            Problem::ContactRequired => it(
                validation,
                "MissingParameter",
                "needs an email or a phone".into(),
                "MISSING_CONTACT_INFO",
            ),
            Problem::CountryCodeRequired => it(
                validation,
                "MissingParameter",
                "countryCode is required when phone is provided".into(),
                "MISSING_COUNTRY_CODE",
            ),
            Problem::CountryCodeFormat => it(
                validation,
                "InvalidArgument",
                "countryCode must be + followed by 1 to 3 digits, e.g. +57".into(),
                "INVALID_COUNTRY_CODE",
            ),
            Problem::PhoneDigits => it(
                validation,
                "InvalidArgument",
                "phone must contain digits only (no spaces, dashes or other characters)".into(),
                "INVALID_PHONE",
            ),
            Problem::InvalidEmail => it(
                validation,
                "InvalidArgument",
                "email must have text on both sides of an @".into(),
                "INVALID_EMAIL",
            ),
            Problem::EmailDomain => it(
                validation,
                "PreconditionFailed",
                "email domain not allowed".into(),
                "EMAIL_DOMAIN_NOT_ALLOWED",
            ),
            Problem::InvalidQuery { param, expected } => it(
                validation,
                "InvalidArgument",
                format!("query parameter {param} must be {expected}"),
                "INVALID_QUERY_PARAMETER",
            ),
            Problem::MalformedQuery => it(
                validation,
                "InvalidArgument",
                "the query string is not valid URL-encoded UTF-8".into(),
                "INVALID_QUERY_PARAMETER",
            ),
            Problem::TokenSigning => it(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "the registration token could not be signed".into(),
                "TOKEN_SIGNING_FAILED",
            ),
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
