//! Step definitions, one file per resource. `requests` builds and sends;
//! the others judge what came back, each `Then` recording one check.

mod create;
mod endpoints;
mod errors;
mod requests;
mod tokens;
mod transport;
