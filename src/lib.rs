//! verifik-conformance: a contract-conformance suite for the App
//! Registrations API. The contract is data (`contract`), the reference
//! implementation is `server`, the suite is `scripted` (Gherkin scenarios)
//! and `property` (property-generated requests) over the HTTP `client`,
//! results are `check`s rendered by `report`, `drift` compares the
//! documentation pages themselves, and `openapi` exports the contract.

pub mod bundle;
pub mod check;
pub mod cli;
pub mod client;
pub mod commands;
pub mod compare;
pub mod config;
pub mod context;
pub mod contract;
pub mod drift;
pub mod events;
pub mod exit;
pub mod gate;
pub mod input_file;
pub mod json_text;
pub mod judge;
pub mod model;
pub mod openapi;
pub mod output;
pub mod property;
pub mod report;
pub mod scripted;
pub mod selftest;
pub mod server;
pub mod suite;
