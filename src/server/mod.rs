//! The reference server: the four App Registrations endpoints as the
//! documentation describes them, under one of three readings (`current` =
//! en/es, `legacy`, `overview`). `serve` runs it alone; `run` and the tests
//! start it in-process on port 0 with [`spawn`].
//!
//! Every documented string (error bodies, initial status, default language,
//! `currentStep`, envelope and field names) comes from the embedded fact
//! sheets through [`Messages`], so server and suite never disagree.
//!
//! # Choices where the documentation is silent
//!
//! Requests are judged in this order; the first broken rule answers:
//!
//! 1. **Route**: an unknown path is `404`, a known path with another method
//!    is `405` (with `Allow`), both before authentication: they reveal nothing.
//! 2. **Authentication**: `Authorization: Bearer <token>` (scheme
//!    case-insensitive) on all four endpoints, in every variant (the legacy
//!    headers table omits it, but its example sends it). Missing or wrong:
//!    `401` with `WWW-Authenticate: Bearer`.
//! 3. **Body transport** (create only): a `Content-Type` other than JSON
//!    (`application/json` or `*/*+json`, parameters ignored) is `415`; no
//!    `Content-Type` is read as JSON. Over 1 MiB is `413` (the body is drained
//!    up to 8 MiB first so the client reads the answer). An unreadable body
//!    is `400`.
//! 4. **JSON**: empty, invalid JSON (including invalid UTF-8, lone
//!    surrogates, nesting deeper than 128, numbers out of range) or a body
//!    that is not an object is `400` saying what is wrong.
//! 5. **Types**: every documented field must be a string or `null`; the first
//!    other (in table order) is a `409` validation error. `null`, `""` and
//!    whitespace-only strings count as "not sent". Unknown fields are
//!    ignored; of duplicate keys the last wins.
//! 6. **Rules**, in order: `project` required, `projectFlow` required,
//!    (legacy) `fullName` required, (legacy) `projectFlow` must be the
//!    configured flow, contact required (email or phone), `countryCode`
//!    required with a phone, `countryCode` is `+` and 1 to 3 digits whenever
//!    sent, (current/overview) phone is ASCII digits only, email has text on
//!    both sides of its last `@`, email domain not blocked (the domain or a
//!    subdomain of a `--blocked-email-domain`, case-insensitive).
//!
//! Validation errors are HTTP `409` in every variant (the legacy page shows
//! no status). Under current/overview an unknown project or flow is accepted
//! (the pages are silent); under legacy a `projectFlow` other than the
//! configured one gets the documented "Invalid project flow" body.
//!
//! **Recreation**: a create whose (project, projectFlow, email) -- email
//! compared case-insensitively -- or (project, projectFlow, phone,
//! countryCode) matches an existing registration re-issues a token for that
//! registration: same `_id`, `createdAt` and informationValidation `_id`, a
//! new unique token (random `jti`), `updatedAt` bumped, and the details
//! replaced by the request's, so the response echoes what was sent. When the
//! email matches one registration and the phone another, the email wins; a
//! phone or email still held by another registration stays with it. Lookup
//! and insert happen under one lock, so concurrent creates never duplicate.
//!
//! **Names** (current/overview): each missing name is derived from those
//! sent: `fullName` splits at its first whitespace into `firstName` and the
//! rest as `lastName` (`null` when there is no rest); `fullName` joins
//! `firstName` and `lastName` with a space.
//!
//! **Tokens**: HS256 JWTs signed with a random per-server secret; claims
//! `sub` (registration `_id`), `client`, `project`, `projectFlow`, `iat`,
//! `exp` (24 hours later), `jti`.
//!
//! **List** `GET /v2/app-registrations?page=1&limit=20`: newest first;
//! `page` >= 1, `limit` 1..=100 (decimal integers; anything else is a `409`
//! validation error); answers `{"data":[...],"pagination":{page,limit,total}}`
//! (legacy adds `"success":true`). **Retrieve** answers `{"data":{...}}`
//! (legacy `{"success":true,"data":{...}}`); an unknown id is `404`. **Sync**
//! re-evaluates the status from the registration's steps -- none can complete
//! through these four endpoints, so it stays the initial one -- bumps
//! `updatedAt` and answers like retrieve. Objects are the variant's
//! registration shape (current: `appRegistration`; legacy: the flat record
//! with its latest token; overview: the overview object, `id` = `_id`,
//! `userId` null, `completedAt` null).
//!
//! Every answer is `application/json`, errors included; nothing is ever 5xx.

mod body;
mod create;
mod ids;
mod messages;
pub mod mutants;
mod problem;
mod render;
pub mod rewrite;
mod routes;
mod store;
mod token;
pub mod twins;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use messages::{CurrentMessages, LegacyMessages, Messages, SheetError};
pub use routes::app;

/// The example project of the current pages: the default known project.
pub const DEFAULT_PROJECT: &str = "507f1f77bcf86cd799439011";
/// The example project flow of the current pages: the default known flow.
pub const DEFAULT_PROJECT_FLOW: &str = "507f1f77bcf86cd799439015";
/// Largest accepted request body; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub use crate::model::ServerVariant;

/// Everything a server instance needs.
#[derive(Clone)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    /// The bearer token clients must send.
    pub token: String,
    pub variant: ServerVariant,
    /// Email domains the project does not allow (subdomains included).
    pub blocked_email_domains: Vec<String>,
    /// Break exactly one documented behaviour (see `server::mutants`).
    pub mutant: Option<String>,
    /// Choose differently where the pages are silent (see `server::twins`).
    pub twin: Option<String>,
    /// The known project.
    pub project: String,
    /// The known project flow (legacy refuses any other).
    pub project_flow: String,
}

impl ServerConfig {
    /// 127.0.0.1, port 0, a random token, the default project and flow.
    pub fn new(variant: ServerVariant) -> Self {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: 0,
            token: ids::random_hex(24),
            variant,
            blocked_email_domains: Vec::new(),
            mutant: None,
            twin: None,
            project: DEFAULT_PROJECT.into(),
            project_flow: DEFAULT_PROJECT_FLOW.into(),
        }
    }
}

// Hand-written so the token never reaches a log.
impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("token", &"***")
            .field("variant", &self.variant)
            .field("blocked_email_domains", &self.blocked_email_domains)
            .field("mutant", &self.mutant)
            .field("twin", &self.twin)
            .field("project", &self.project)
            .field("project_flow", &self.project_flow)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Sheet(#[from] SheetError),
    #[error("--mutant {0}: there is no such mutant; choose one of {1}")]
    UnknownMutant(String, String),
    #[error("--twin {0}: there is no such twin; choose one of {1}")]
    UnknownTwin(String, String),
    #[error("--mutant and --twin cannot be combined: a twin must stay faithful, a mutant breaks it; pass one of them")]
    MutantAndTwin,
    #[error("the token must be 1 to 4096 visible ASCII characters without spaces (it travels in an HTTP header): pass another --token")]
    InvalidToken,
    #[error("the {0} must not be empty: pass a non-empty --{1}")]
    EmptyId(&'static str, &'static str),
    #[error("cannot listen on {addr}: {source} (choose another --host or --port; --port 0 picks a free port)")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

impl ServerError {
    /// True when the configuration is at fault (exit 2), false for a broken build.
    pub fn is_usage(&self) -> bool {
        !matches!(self, ServerError::Sheet(_))
    }
}

/// How the list pages. No page states an order or a page size; the faithful
/// server lists newest first, 20 to a page, and twins choose otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPaging {
    pub oldest_first: bool,
    pub default_limit: u32,
}

impl Default for ListPaging {
    fn default() -> Self {
        ListPaging {
            oldest_first: false,
            default_limit: 20,
        }
    }
}

/// What every handler shares: configuration, messages, store, signer.
pub(crate) struct Shared {
    pub variant: ServerVariant,
    pub token: String,
    pub project_flow: String,
    pub blocked_email_domains: Vec<String>,
    pub messages: &'static Messages,
    pub store: store::Store,
    pub tokens: token::TokenIssuer,
    /// The API client every registration belongs to (the token's owner).
    pub client: String,
    pub paging: ListPaging,
}

/// The router's state: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) shared: Arc<Shared>,
}

impl AppState {
    /// Check the configuration and load the messages; no socket yet.
    pub fn new(config: &ServerConfig) -> Result<AppState, ServerError> {
        if let Some(name) = &config.mutant {
            if mutants::find(name).is_none() {
                return Err(ServerError::UnknownMutant(
                    name.clone(),
                    mutants::names().join(", "),
                ));
            }
        }
        let twin = match &config.twin {
            Some(_) if config.mutant.is_some() => return Err(ServerError::MutantAndTwin),
            Some(name) => Some(twins::find(name).ok_or_else(|| {
                ServerError::UnknownTwin(name.clone(), twins::names().join(", "))
            })?),
            None => None,
        };
        let token_ok = (1..=4096).contains(&config.token.len())
            && config.token.bytes().all(|b| b.is_ascii_graphic());
        if !token_ok {
            return Err(ServerError::InvalidToken);
        }
        if config.project.trim().is_empty() {
            return Err(ServerError::EmptyId("project", "project"));
        }
        if config.project_flow.trim().is_empty() {
            return Err(ServerError::EmptyId("project flow", "project-flow"));
        }
        let messages = Messages::embedded()?;
        let blocked_email_domains = config
            .blocked_email_domains
            .iter()
            .map(|d| create::normalize_domain(d))
            .filter(|d| !d.is_empty())
            .collect();
        Ok(AppState {
            shared: Arc::new(Shared {
                variant: config.variant,
                token: config.token.clone(),
                project_flow: config.project_flow.clone(),
                blocked_email_domains,
                messages,
                store: store::Store::default(),
                tokens: token::TokenIssuer::new(),
                client: ids::object_id(),
                paging: twin.and_then(|t| t.paging).unwrap_or_default(),
            }),
        })
    }
}

/// A running server; dropping it stops the server too.
pub struct ServerHandle {
    url: String,
    token: String,
    addr: SocketAddr,
    config: ServerConfig,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("url", &self.url)
            .field("variant", &self.config.variant)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// `http://HOST:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn variant(&self) -> ServerVariant {
        self.config.variant
    }

    pub fn project(&self) -> &str {
        &self.config.project
    }

    pub fn project_flow(&self) -> &str {
        &self.config.project_flow
    }

    /// Stop accepting, let requests in flight finish (at most 5 s), return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            // A client that never finishes its request must not hang us.
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Bind `host:port` and serve in a tokio task.
pub async fn spawn(config: ServerConfig) -> Result<ServerHandle, ServerError> {
    let state = AppState::new(&config)?;
    let bind_addr = if config.host.contains(':') && !config.host.starts_with('[') {
        format!("[{}]:{}", config.host, config.port)
    } else {
        format!("{}:{}", config.host, config.port)
    };
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|source| ServerError::Bind {
            addr: bind_addr.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: bind_addr,
        source,
    })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let mut router = app(state);
    if let Some(mutant) = config.mutant.as_deref().and_then(mutants::find) {
        router = mutants::wrap(router, mutant, &config.token);
    }
    if let Some(twin) = config.twin.as_deref().and_then(twins::find) {
        router = twins::wrap(router, twin, &config.token);
    }
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        // `serve` only returns on shutdown; accept errors are retried inside.
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(ServerHandle {
        url: format!("http://{addr}"),
        token: config.token.clone(),
        addr,
        config,
        stop: Some(stop),
        task: Some(task),
    })
}
