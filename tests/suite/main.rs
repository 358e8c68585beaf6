//! The integration tests, in one crate: one binary to link instead of one
//! per file. Each module below was a test file of its own; `support` holds
//! what several of them share.

mod support;

mod bundle;
mod compare;
mod completions;
mod contract;
mod drift_cli;
mod drift_edits;
mod drift_live;
mod drift_parse;
mod drift_trace;
mod export_openapi;
mod gating;
mod generated_cli;
mod generated_determinism;
mod generated_duration;
mod generated_faithful;
mod generated_mutants;
mod generated_oracle;
mod hardening;
mod input_files;
mod precision;
mod report_browser;
mod report_formats;
mod run_cli;
mod run_tls;
mod run_usage;
mod run_verbose;
mod selftest;
mod server_cli;
mod server_concurrency;
mod server_facts;
mod server_hostile;
mod server_slow_clients;
mod server_snapshots;
mod target_client;
