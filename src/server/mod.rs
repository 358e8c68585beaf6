//! The reference server: the four App Registrations endpoints as the
//! documentation describes them, under one of three readings (`current` =
//! en/es, `legacy`, `overview`). `serve` runs it alone; `run` and the tests
//! start it in-process on port 0 with [`spawn`].
//!
//! Every documented string (error bodies, initial status, default language,
//! `currentStep`, envelope and field names) comes from the embedded fact
//! sheets through [`Messages`], so server and suite never disagree. Where the
//! pages are silent it makes one documented choice; the rules, in the order
//! they are judged, and those choices are listed once, in the README's
//! "Reference server" section. Its mutants ([`mutants`]) break one
//! documented behaviour each; its twins ([`twins`]) choose differently where
//! the pages are silent; both are rewrites around the faithful router
//! ([`rewrite`]).

mod accept;
mod body;
mod connection;
mod create;
mod ids;
mod instance;
mod messages;
pub mod mutants;
mod problem;
mod render;
pub mod rewrite;
mod routes;
mod store;
mod token;
pub mod twins;

pub use crate::model::ServerVariant;
pub(crate) use instance::Shared;
pub use instance::{
    spawn, AppState, ListPaging, ServerConfig, ServerError, ServerHandle, ServerLimits,
    DEFAULT_PROJECT, DEFAULT_PROJECT_FLOW, MAX_BODY_BYTES,
};
pub use messages::{CurrentMessages, LegacyMessages, Messages, SheetError};
pub use routes::app;
