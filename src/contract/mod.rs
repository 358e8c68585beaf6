//! The contract as data: the fact catalogue, one fact sheet per doc variant,
//! the profiles, and the compiled JSON Schemas of every documented shape.
//! Everything is embedded, validated and compiled once, on first use.

mod catalogue;
pub mod claims;
pub mod embedded;
mod loaded;
mod shapes;
mod sheet;
mod trace;

pub use catalogue::{Catalogue, Fact, Profile};
pub use claims::Claims;
pub use loaded::{shows_documented_body, Basis, Contract, ContractError};
pub use shapes::{SchemaViolation, Shape, ShapeFamily, Shapes};
pub use sheet::{
    Endpoint, Example, ExampleKind, FactSheet, Header, Page, PageFormat, Param, Source, Statement,
    Variant,
};
pub use trace::{ItemKind, Role, Trace, TracedItem};
