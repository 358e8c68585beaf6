//! The HTTP client to the server under test: one keep-alive connection pool,
//! a total deadline per request, a cap on response bodies, redirects kept to
//! the target's own origin, and redaction of every secret in what it records.
//!
//! A contract violation is never an `Err` here: whatever the target does
//! (hang, reset, spew garbage, stream forever) comes back as an [`Exchange`]
//! whose `outcome` is a [`TransportError`] or a (possibly truncated)
//! [`Response`], for the runner to turn into a failing check.

mod breaker;
mod curl;
mod exchange;
mod http;
mod redact;

pub use breaker::{Breaker, DEFAULT_FAILURE_LIMIT};
pub use curl::{script, shell_quote, ScriptStep, TOKEN_VARIABLE};
pub use exchange::{
    install_tls_provider, AnswerSource, Auth, Body, Exchange, ExchangeSink, Request, Response,
    Secret, SentBody, TargetConfig, TargetError, TransportError, DEFAULT_BODY_CAP, DEFAULT_TIMEOUT,
    MAX_REDIRECTS,
};
pub use http::{check_base_url, Client, MAX_CA_FILE_BYTES};
pub use redact::{mask_jwt, redact_jwts};
