//! Registration tokens: HS256 JWTs signed with a random per-server secret.
//! A random `jti` makes every issued token unique, even two issued for the
//! same registration in the same second.

use jsonwebtoken::{encode, EncodingKey, Header};
use rand::Rng;
use serde::Serialize;

/// How long a token is valid.
const TTL_SECONDS: i64 = 24 * 60 * 60;

pub(crate) struct TokenIssuer {
    key: EncodingKey,
    header: Header,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    client: &'a str,
    project: &'a str,
    #[serde(rename = "projectFlow")]
    project_flow: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

/// Who a token is for.
pub(crate) struct Subject<'a> {
    pub registration: &'a str,
    pub client: &'a str,
    pub project: &'a str,
    pub project_flow: &'a str,
}

impl TokenIssuer {
    pub fn new() -> Self {
        let secret: [u8; 32] = rand::rng().random();
        TokenIssuer {
            key: EncodingKey::from_secret(&secret),
            // HS256 with typ JWT: the header of the documented example.
            header: Header::default(),
        }
    }

    pub fn issue(
        &self,
        subject: &Subject<'_>,
        now_unix: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: subject.registration,
            client: subject.client,
            project: subject.project,
            project_flow: subject.project_flow,
            iat: now_unix,
            exp: now_unix + TTL_SECONDS,
            jti: super::ids::random_hex(16),
        };
        encode(&self.header, &claims, &self.key)
    }
}
