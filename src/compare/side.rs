//! One side of a comparison: a URL, or the embedded reference server (one
//! of its readings, or one of its mutants or twins).

use crate::config::EmbeddedServer;
use crate::model::ServerVariant;
use crate::server::{mutants::MUTANTS, twins::TWINS};

/// What a side is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    Url(String),
    Embedded(EmbeddedServer),
}

impl Side {
    /// `http://HOST:PORT`, `embedded`, `embedded:VARIANT`,
    /// `embedded:mutant:NAME` or `embedded:twin:NAME`.
    pub fn parse(text: &str) -> Result<Side, String> {
        let text = text.trim();
        let Some(rest) = text.strip_prefix("embedded") else {
            crate::client::check_base_url(text).map_err(|e| e.to_string())?;
            return Ok(Side::Url(text.to_string()));
        };
        let parts: Vec<&str> = match rest.strip_prefix(':') {
            None if rest.is_empty() => Vec::new(),
            None => return Err(invalid(text)),
            Some(spec) => spec.split(':').collect(),
        };
        let embedded = match parts.as_slice() {
            [] => EmbeddedServer::default(),
            ["mutant", name] => {
                let mutant = MUTANTS.iter().find(|m| m.name == *name).ok_or_else(|| {
                    format!("no mutant is called {name:?}: `selftest` lists them")
                })?;
                EmbeddedServer {
                    mutant: Some(mutant.name.into()),
                    variant: Some(mutant.variant),
                    ..EmbeddedServer::default()
                }
            }
            ["twin", name] => {
                let twin = TWINS.iter().find(|t| t.name == *name).ok_or_else(|| {
                    format!("no twin is called {name:?}: `serve --help` lists them")
                })?;
                EmbeddedServer {
                    twin: Some(twin.name.into()),
                    variant: Some(ServerVariant::Current),
                    ..EmbeddedServer::default()
                }
            }
            [variant] => EmbeddedServer {
                variant: Some(ServerVariant::parse(variant).ok_or_else(|| invalid(text))?),
                ..EmbeddedServer::default()
            },
            _ => return Err(invalid(text)),
        };
        Ok(Side::Embedded(embedded))
    }
}

fn invalid(text: &str) -> String {
    format!(
        "{text:?} is not a side: give a URL, embedded, embedded:current|legacy|overview, embedded:mutant:NAME or embedded:twin:NAME"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(
            Side::parse("http://127.0.0.1:8080").unwrap(),
            Side::Url("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            Side::parse("embedded").unwrap(),
            Side::Embedded(EmbeddedServer::default())
        );
        let Side::Embedded(legacy) = Side::parse("embedded:legacy").unwrap() else {
            panic!()
        };
        assert_eq!(legacy.variant, Some(ServerVariant::Legacy));
        let Side::Embedded(mutant) = Side::parse("embedded:mutant:retrieve-404").unwrap() else {
            panic!()
        };
        assert_eq!(mutant.mutant.as_deref(), Some("retrieve-404"));
        for bad in [
            "embedded:nope",
            "embeddedx",
            "embedded:mutant:nope",
            "ftp://x",
            "embedded:twin",
        ] {
            assert!(Side::parse(bad).is_err(), "{bad}");
        }
    }
}
