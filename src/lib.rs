//! verifik-conformance: a contract-conformance suite for the App
//! Registrations API. The contract is data (`contract`), the reference
//! implementation is `server`, the suite is `scripted` + `generated` over the
//! `target` client, results are `check`s rendered by `report`, and `drift`
//! compares the documentation pages themselves.

pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod contract;
pub mod drift;
pub mod exit;
pub mod generated;
pub mod json_text;
pub mod report;
pub mod scripted;
pub mod selftest;
pub mod server;
pub mod suite;
pub mod target;
