//! One server instance: what it is configured with (`ServerConfig`), what its
//! handlers share (`AppState`), and the running server (`spawn`,
//! `ServerHandle`).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::messages::{Messages, SheetError};
use super::routes::app;
use super::{accept, create, ids, mutants, render, store, token, twins};
use crate::model::ServerVariant;

/// The example project of the current pages: the default known project.
pub const DEFAULT_PROJECT: &str = "507f1f77bcf86cd799439011";
/// The example project flow of the current pages: the default known flow.
pub const DEFAULT_PROJECT_FLOW: &str = "507f1f77bcf86cd799439015";
/// Largest accepted request body; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

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
    /// How long a client may take, and how many connections are served.
    pub limits: ServerLimits,
    /// Keep only this many most recently created registrations (older ones
    /// are forgotten: unknown to retrieve, sync and list); `None` keeps all.
    pub retain: Option<usize>,
}

/// What a slow or idle client may hold. A connection is closed when a
/// request head takes longer than `header_read_timeout` (counted from the
/// connection's opening, or from the head's first byte on a keep-alive
/// connection), when no next request starts within `idle_timeout` of the
/// previous answer, or when a request body does not arrive whole within
/// `body_read_timeout` (answered 408 first). At most `max_connections` are
/// served at once; a connection over the limit closes the one idle longest,
/// or waits for one to end when none is idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ServerLimits {
    /// 10 s for a head, 30 s idle, 10 s for a body, 1024 connections (the
    /// largest `run --concurrency`).
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

impl ServerLimits {
    fn check(&self) -> Result<(), ServerError> {
        let timeouts = [
            self.header_read_timeout,
            self.idle_timeout,
            self.body_read_timeout,
        ];
        if timeouts.iter().any(Duration::is_zero) || self.max_connections == 0 {
            return Err(ServerError::ZeroLimit);
        }
        Ok(())
    }
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
            limits: ServerLimits::default(),
            retain: None,
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
            .field("limits", &self.limits)
            .field("retain", &self.retain)
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
    #[error("the server's timeouts and connection limit must be more than 0")]
    ZeroLimit,
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
    /// The time a request body has to arrive whole.
    pub body_read_timeout: Duration,
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
        if config
            .blocked_email_domains
            .iter()
            .any(|d| create::normalize_domain(d).is_empty())
        {
            return Err(ServerError::EmptyId(
                "blocked email domain",
                "blocked-email-domain",
            ));
        }
        config.limits.check()?;
        let messages = Messages::embedded()?;
        // Every field the sheets list must be one the renderer can fill:
        // checked once per process, not per server.
        static FIELDS: OnceLock<Result<(), SheetError>> = OnceLock::new();
        FIELDS
            .get_or_init(|| render::check_fields(messages))
            .clone()?;
        let blocked_email_domains = config
            .blocked_email_domains
            .iter()
            .map(|d| create::normalize_domain(d))
            .collect();
        Ok(AppState {
            shared: Arc::new(Shared {
                variant: config.variant,
                token: config.token.clone(),
                project_flow: config.project_flow.clone(),
                blocked_email_domains,
                messages,
                store: match config.retain {
                    Some(retain) => store::Store::retaining(retain),
                    None => store::Store::default(),
                },
                tokens: token::TokenIssuer::new(),
                client: ids::object_id(),
                paging: twin.and_then(|t| t.paging).unwrap_or_default(),
                body_read_timeout: config.limits.body_read_timeout,
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

    /// Stop accepting, let requests in flight finish (at most 5 s), close
    /// every connection, return.
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
    let task = tokio::spawn(accept::serve(listener, router, config.limits, async move {
        let _ = stopped.await;
    }));
    Ok(ServerHandle {
        url: format!("http://{addr}"),
        token: config.token.clone(),
        addr,
        config,
        stop: Some(stop),
        task: Some(task),
    })
}
