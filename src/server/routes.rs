//! The router and its handlers: four endpoints behind bearer
//! authentication, JSON 404/405 for everything else.

use std::net::SocketAddr;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};

use super::create::{complete_names, Rules};
use super::problem::Problem;
use super::store::{Details, NewRegistration};
use super::token::Subject;
use super::{body, render, AppState, ServerVariant, Shared, MAX_BODY_BYTES};

/// Largest page size of the list (the default is in [`super::ListPaging`]).
const MAX_LIMIT: u32 = 100;
const MAX_PAGE: u32 = 1_000_000;

/// The reference server's routes over `state` (axum's testing-example style:
/// tests serve it on port 0).
pub fn app(state: AppState) -> Router {
    let auth = from_fn_with_state(state.clone(), require_token);
    Router::new()
        .route(
            "/v2/app-registrations",
            get(list).post(create).route_layer(auth.clone()),
        )
        .route(
            "/v2/app-registrations/{id}",
            get(retrieve).route_layer(auth.clone()),
        )
        .route(
            "/v2/app-registrations/{id}/sync",
            put(sync).route_layer(auth),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(route_not_found)
        .with_state(state)
}

fn fail(shared: &Shared, problem: Problem) -> Response {
    problem.into_response(shared.messages, shared.variant)
}

/// Compare in time independent of where the first difference is.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.ct_eq(b).into()
}

fn authenticate(expected: &str, headers: &HeaderMap) -> Result<(), Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Problem::MissingToken)?
        .as_bytes();
    let (scheme, token) = match value.iter().position(|&b| b == b' ') {
        Some(i) => (&value[..i], value[i..].trim_ascii()),
        None => (value, &[][..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(Problem::WrongToken);
    }
    if token.is_empty() {
        return Err(Problem::MissingToken);
    }
    if same_secret(token, expected.as_bytes()) {
        Ok(())
    } else {
        Err(Problem::WrongToken)
    }
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match authenticate(&state.shared.token, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(problem) => fail(&state.shared, problem),
    }
}

async fn route_not_found(State(state): State<AppState>) -> Response {
    fail(&state.shared, Problem::RouteNotFound)
}

async fn method_not_allowed(State(state): State<AppState>) -> Response {
    // axum adds the Allow header to this answer.
    fail(&state.shared, Problem::MethodNotAllowed)
}

/// `application/json` or `application/<anything>+json`, parameters ignored.
fn is_json(content_type: &HeaderValue) -> bool {
    let Ok(text) = content_type.to_str() else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn create(State(state): State<AppState>, request: Request) -> Response {
    let shared = &*state.shared;
    let (parts, body) = request.into_parts();
    if parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| !is_json(ct))
    {
        return fail(shared, Problem::UnsupportedMediaType);
    }
    let read = body::read(
        &parts.headers,
        body,
        MAX_BODY_BYTES,
        shared.body_read_timeout,
    );
    let bytes = match read.await {
        Ok(bytes) => bytes,
        Err(problem) => return fail(shared, problem),
    };
    let rules = Rules {
        variant: shared.variant,
        known_flow: &shared.project_flow,
        body_fields: match shared.variant {
            ServerVariant::Legacy => &shared.messages.legacy.body_fields,
            _ => &shared.messages.current.body_fields,
        },
        blocked_domains: &shared.blocked_email_domains,
    };
    let request = match rules.parse(&bytes) {
        Ok(request) => request,
        Err(problem) => return fail(shared, problem),
    };

    let messages = shared.messages;
    let (status, language_default) = match shared.variant {
        ServerVariant::Legacy => (
            &messages.legacy.initial_status,
            &messages.legacy.language_default,
        ),
        ServerVariant::Current | ServerVariant::Overview => (
            &messages.current.initial_status,
            &messages.current.language_default,
        ),
    };
    let (full_name, first_name, last_name) = match shared.variant {
        ServerVariant::Legacy => (request.full_name, None, None),
        _ => complete_names(request.full_name, request.first_name, request.last_name),
    };
    let ip_address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let new = NewRegistration {
        project: request.project,
        project_flow: request.project_flow,
        status: status.clone(),
        details: Details {
            email: request.email,
            phone: request.phone,
            country_code: request.country_code,
            full_name,
            first_name,
            last_name,
            language: request.language.unwrap_or_else(|| language_default.clone()),
            ip_address,
            user_agent,
        },
    };
    let (project, flow) = (new.project.clone(), new.project_flow.clone());
    let result = shared.store.create_or_recreate(new, |id, now| {
        let subject = Subject {
            registration: id,
            client: &shared.client,
            project: &project,
            project_flow: &flow,
        };
        shared.tokens.issue(&subject, now)
    });
    match result {
        Ok((record, _recreated)) => {
            (StatusCode::OK, Json(render::created(shared, &record))).into_response()
        }
        Err(_) => fail(shared, Problem::TokenSigning),
    }
}

/// A page or limit value: 1 to 9 ASCII digits, within `1..=max`.
fn bounded(value: &str, max: u32) -> Option<u32> {
    if value.is_empty() || value.len() > 9 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|n| (1..=max).contains(n))
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let shared = &*state.shared;
    let Ok(Query(pairs)) = query else {
        return fail(shared, Problem::MalformedQuery);
    };
    let mut page = 1;
    let mut limit = shared.paging.default_limit;
    // Of a repeated parameter the last wins; unknown parameters are ignored.
    for (key, value) in &pairs {
        match key.as_str() {
            "page" => match bounded(value, MAX_PAGE) {
                Some(n) => page = n,
                None => {
                    return fail(
                        shared,
                        Problem::InvalidQuery {
                            param: "page",
                            expected: "an integer from 1 to 1000000",
                        },
                    )
                }
            },
            "limit" => match bounded(value, MAX_LIMIT) {
                Some(n) => limit = n,
                None => {
                    return fail(
                        shared,
                        Problem::InvalidQuery {
                            param: "limit",
                            expected: "an integer from 1 to 100",
                        },
                    )
                }
            },
            _ => {}
        }
    }
    let (records, total) = shared.store.list(page, limit, shared.paging.oldest_first);
    Json(render::page(shared, &records, page, limit, total)).into_response()
}

async fn retrieve(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let shared = &*state.shared;
    match id.ok().and_then(|Path(id)| shared.store.get(&id)) {
        Some(record) => Json(render::one(shared, &record)).into_response(),
        None => fail(shared, Problem::RegistrationNotFound),
    }
}

async fn sync(State(state): State<AppState>, id: Result<Path<String>, PathRejection>) -> Response {
    let shared = &*state.shared;
    match id.ok().and_then(|Path(id)| shared.store.sync(&id)) {
        Some(record) => Json(render::one(shared, &record)).into_response(),
        None => fail(shared, Problem::RegistrationNotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let mut headers = HeaderMap::new();
        assert_eq!(authenticate("t0k", &headers), Err(Problem::MissingToken));
        for (value, expected) in [
            ("Bearer t0k", Ok(())),
            ("bearer   t0k ", Ok(())),
            ("Bearer", Err(Problem::MissingToken)),
            ("Bearer ", Err(Problem::MissingToken)),
            ("Bearer t0", Err(Problem::WrongToken)),
            ("Basic t0k", Err(Problem::WrongToken)),
            ("t0k", Err(Problem::WrongToken)),
        ] {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(authenticate("t0k", &headers), expected, "{value}");
        }
    }

    #[test]
    fn page_values() {
        assert_eq!(bounded("1", 100), Some(1));
        assert_eq!(bounded("100", 100), Some(100));
        for bad in ["0", "101", "-1", "+1", "1.0", "", " 1", "9999999999", "١"] {
            assert_eq!(bounded(bad, 100), None, "{bad}");
        }
    }

    #[test]
    fn json_media_types() {
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            assert_eq!(is_json(&HeaderValue::from_static(ct)), ok, "{ct}");
        }
    }
}
