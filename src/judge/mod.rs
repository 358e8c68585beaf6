//! One judge for both phases: how an answer is read ([`answer`]), what a
//! refusal the pages document looks like and whether an answer is one
//! ([`expected`]), and the checks every answer gets ([`universal`]). The
//! scripted steps and the property-generated phase decide *what* to check;
//! this module decides *how*, once.

pub mod answer;
pub mod expected;
mod judgement;
mod reproduce;
pub mod universal;

pub use answer::{
    describe, is_json_media_type, iso8601, jwt_header, mentions, observed_response, registration,
    registration_id, token,
};
pub use expected::{Expected, Refusal};
pub use judgement::Judgement;
pub use reproduce::reproduction_script;
