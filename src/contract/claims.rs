//! Claims, typed: what one page commits to, fact by fact, as Rust types.
//! Built once when the contract loads, from each statement's `claim`, with
//! unknown facts and unknown keys refused,
//! so a renamed key is a load error, never a check that silently observes.
//! The fact sheets' meta-schema states the same shapes (its `$defs`), and a
//! test keeps the two in step.
//!
//! The untyped maps stay in the sheets for what compares claims key by key
//! (conflicts, drift, the `facts` listing); everything that judges a server
//! or answers like one reads these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ShapeFamily;

/// `Authorization: Bearer <token>` is required (`auth.bearer-required`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BearerClaim {
    pub scheme: String,
    pub required: bool,
}

/// Every answer is of this media type (`http.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonClaim {
    pub content_type: String,
}

/// No input yields a server error (`http.no-server-error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoServerErrorClaim {
    pub server_errors: bool,
}

/// A body field the params table lists as required (or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldClaim {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    pub required: bool,
}

/// A request rule and, where the page shows it, the error that refuses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleClaim {
    pub rejected: bool,
    /// Required when this other field is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The exact error body of the refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Map<String, Value>>,
}

/// The contact forms a create is accepted with (`create.contact-either`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptsClaim {
    pub accepts: Vec<String>,
}

/// The country code's format (`create.country-code-format`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatClaim {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_example: Option<String>,
    /// A rule the value must match; without it the example states no rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// Phones are digits only (`create.phone-digits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitsClaim {
    pub digits_only: bool,
}

/// Fields a body accepts (`create.first-last-name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedClaim {
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// A default value (`create.language-default`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultClaim {
    pub default: String,
}

/// An HTTP status (`create.success-status`, `error.http-409`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusClaim {
    pub status: u16,
}

/// Which success envelope (`create.envelope`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeClaim {
    /// `data-appRegistration` (current) or `success-data` (legacy).
    pub kind: String,
    pub keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_keys: Option<Vec<String>>,
}

impl EnvelopeClaim {
    /// The shape family this envelope belongs to.
    pub fn family(&self) -> Option<ShapeFamily> {
        match self.kind.as_str() {
            "data-appRegistration" => Some(ShapeFamily::Current),
            "success-data" => Some(ShapeFamily::Legacy),
            _ => None,
        }
    }
}

/// The fields an object holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsClaim {
    pub fields: Vec<String>,
    /// Of `fields`, those shown only when the request sent them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_sent: Option<Vec<String>>,
}

/// The initial status of a registration (`create.initial-status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialStatusClaim {
    pub status: String,
}

/// A fixed value (`create.current-step`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueClaim {
    pub value: String,
}

/// The names object of a create answer (`create.information-validation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InformationValidationClaim {
    pub object: String,
    pub fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub splits_full_name: Option<bool>,
}

/// The token's format (`create.token-jwt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenClaim {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
}

/// A format (`create.timestamps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampClaim {
    pub format: String,
}

/// The id field (`create.id-format`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdClaim {
    pub field: String,
}

/// A new token for the same contact (`token.recreate-*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecreateClaim {
    pub key: String,
    pub status: u16,
    pub new_token: bool,
}

/// The recreated token belongs to the same registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SameIdClaim {
    pub same_id: bool,
}

/// Recreation deletes earlier validations (untestable here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetClaim {
    pub deletes_validations: Vec<String>,
}

/// The body's `status` is the HTTP status (`error.status-consistent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistentClaim {
    pub body_status_equals_http: bool,
}

/// An endpoint and the status it answers (list, retrieve, sync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointClaim {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// The list holds what was created (`list.contains-created`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListsCreatedClaim {
    pub lists_created: bool,
}

/// An unknown id does not succeed (`retrieve.unknown`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownIdClaim {
    pub unknown_is_2xx: bool,
}

/// What registrations are for (`overview.onboarding-only`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposesClaim {
    pub purposes: Vec<String>,
}

/// Declares [`Claims`]: one optional typed claim per fact ID.
macro_rules! claims {
    ($($field:ident: $kind:ty = $fact:literal,)+) => {
        /// What one page commits to, fact by fact; `None` where it says
        /// nothing.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Claims {
            $(
                #[serde(rename = $fact, default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$kind>,
            )+
        }

        impl Claims {
            /// Every fact ID a claim can be typed for.
            #[cfg(test)]
            pub const FACTS: &'static [&'static str] = &[$($fact),+];

            /// The Rust type name of each fact's claim, for the meta-schema test.
            #[cfg(test)]
            pub fn type_names() -> Vec<(&'static str, &'static str)> {
                vec![$(($fact, stringify!($kind))),+]
            }

            /// Whether this page commits to anything about `fact`.
            pub fn states(&self, fact: &str) -> bool {
                match fact {
                    $($fact => self.$field.is_some(),)+
                    _ => false,
                }
            }
        }
    };
}

claims! {
    bearer: BearerClaim = "auth.bearer-required",
    json: JsonClaim = "http.json",
    no_server_error: NoServerErrorClaim = "http.no-server-error",
    project: FieldClaim = "create.project-required",
    project_flow: FieldClaim = "create.project-flow-required",
    invalid_project_flow: RuleClaim = "create.invalid-project-flow",
    contact_required: RuleClaim = "create.contact-required",
    contact_either: AcceptsClaim = "create.contact-either",
    country_code_required: RuleClaim = "create.country-code-required",
    country_code_format: FormatClaim = "create.country-code-format",
    phone_digits: DigitsClaim = "create.phone-digits",
    email_domain: RuleClaim = "create.email-domain",
    full_name: FieldClaim = "create.full-name-optional",
    first_last_name: AcceptedClaim = "create.first-last-name",
    language_default: DefaultClaim = "create.language-default",
    success_status: StatusClaim = "create.success-status",
    envelope: EnvelopeClaim = "create.envelope",
    registration_fields: FieldsClaim = "create.registration-fields",
    initial_status: InitialStatusClaim = "create.initial-status",
    current_step: ValueClaim = "create.current-step",
    echo: FieldsClaim = "create.echo",
    information_validation: InformationValidationClaim = "create.information-validation",
    token_jwt: TokenClaim = "create.token-jwt",
    timestamps: TimestampClaim = "create.timestamps",
    id_format: IdClaim = "create.id-format",
    request_meta: FieldsClaim = "create.legacy-request-meta",
    recreate_email: RecreateClaim = "token.recreate-email",
    recreate_phone: RecreateClaim = "token.recreate-phone",
    recreate_same_registration: SameIdClaim = "token.recreate-same-registration",
    recreate_resets_validations: ResetClaim = "token.recreate-resets-validations",
    error_envelope: FieldsClaim = "error.envelope",
    validation_status: StatusClaim = "error.http-409",
    status_consistent: ConsistentClaim = "error.status-consistent",
    list_ok: EndpointClaim = "list.ok",
    list_contains_created: ListsCreatedClaim = "list.contains-created",
    retrieve_ok: EndpointClaim = "retrieve.ok",
    retrieve_unknown: UnknownIdClaim = "retrieve.unknown",
    sync_ok: EndpointClaim = "sync.ok",
    object_shape: FieldsClaim = "overview.object-shape",
    onboarding_only: PurposesClaim = "overview.onboarding-only",
}

impl Claims {
    /// Type the maps of one sheet (`fact ID -> claim`); the error names the
    /// fact and what is wrong with its claim.
    pub fn from_maps(maps: BTreeMap<&str, &Map<String, Value>>) -> Result<Claims, String> {
        let object: Map<String, Value> = maps
            .into_iter()
            .map(|(fact, claim)| (fact.to_string(), Value::Object(claim.clone())))
            .collect();
        serde_json::from_value(Value::Object(object)).map_err(|e| e.to_string())
    }

    /// The refusal rule of a rule fact, when the page states one.
    pub fn rule(&self, fact: &str) -> Option<&RuleClaim> {
        match fact {
            "create.invalid-project-flow" => self.invalid_project_flow.as_ref(),
            "create.contact-required" => self.contact_required.as_ref(),
            "create.country-code-required" => self.country_code_required.as_ref(),
            "create.email-domain" => self.email_domain.as_ref(),
            _ => None,
        }
    }

    /// The shape family of the error body this page shows.
    pub fn error_family(&self) -> Option<ShapeFamily> {
        let fields = &self.error_envelope.as_ref()?.fields;
        if fields.iter().any(|f| f == "code") {
            Some(ShapeFamily::Current)
        } else if fields.iter().any(|f| f == "error") {
            Some(ShapeFamily::Legacy)
        } else {
            None
        }
    }

    /// The recreation claim of `token.recreate-email` or `-phone`.
    pub fn recreate(&self, fact: &str) -> Option<&RecreateClaim> {
        match fact {
            "token.recreate-email" => self.recreate_email.as_ref(),
            "token.recreate-phone" => self.recreate_phone.as_ref(),
            _ => None,
        }
    }

    /// The endpoint claim of `list.ok`, `retrieve.ok` or `sync.ok`.
    pub fn endpoint(&self, fact: &str) -> Option<&EndpointClaim> {
        match fact {
            "list.ok" => self.list_ok.as_ref(),
            "retrieve.ok" => self.retrieve_ok.as_ref(),
            "sync.ok" => self.sync_ok.as_ref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;

    fn meta_schema() -> Value {
        let files = crate::contract::embedded::schema_files();
        let text = files
            .iter()
            .find(|(path, _)| path == "meta/factsheet.schema.json")
            .map(|(_, text)| *text)
            .expect("the fact-sheet meta-schema is embedded");
        serde_json::from_str(text).expect("the meta-schema is JSON")
    }

    fn sample(schema: &Value) -> Value {
        match schema["type"].as_str() {
            Some("string") => Value::from("x"),
            Some("boolean") => Value::from(true),
            Some("integer") => Value::from(200),
            Some("array") => serde_json::json!(["x"]),
            _ => serde_json::json!({}),
        }
    }

    /// Every fact's claim shape in the meta-schema is the Rust type's: the
    /// same keys, the same ones required.
    #[test]
    fn the_meta_schema_and_the_types_agree() {
        let meta = meta_schema();
        let facts = &meta["properties"]["facts"]["properties"];
        for (fact, type_name) in Claims::type_names() {
            let reference = facts[fact]["allOf"][1]["properties"]["claim"]["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("the meta-schema has no claim shape for {fact}"));
            assert_eq!(reference, format!("#/$defs/{type_name}"), "{fact}");
            let def = &meta["$defs"][type_name];
            let properties = def["properties"].as_object().expect("properties");
            let required: Vec<&str> = def["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let full: Map<String, Value> = properties
                .iter()
                .map(|(k, s)| (k.clone(), sample(s)))
                .collect();
            let typed = |claim: &Map<String, Value>| {
                Claims::from_maps([(fact, claim)].into_iter().collect())
            };
            assert!(typed(&full).is_ok(), "{fact}: {:?}", typed(&full));
            for key in properties.keys() {
                let mut without = full.clone();
                without.remove(key);
                let needed = required.contains(&key.as_str());
                assert_eq!(typed(&without).is_err(), needed, "{fact}: key {key}");
            }
            let mut extra = full.clone();
            extra.insert("renamed_key".into(), Value::from(true));
            assert!(typed(&extra).is_err(), "{fact} takes unknown keys");
        }
        let listed: Vec<&String> = facts.as_object().unwrap().keys().collect();
        assert_eq!(listed.len(), Claims::FACTS.len());
    }

    /// A renamed claim key is a load error naming the file, not a check
    /// that silently becomes an observation.
    #[test]
    fn a_renamed_claim_key_does_not_load() {
        let mut files: BTreeMap<String, String> = crate::contract::embedded::schema_files()
            .into_iter()
            .map(|(path, text)| (path, text.to_string()))
            .collect();
        let en = files.get_mut("variants/en.json").unwrap();
        assert!(en.contains("\"digits_only\": true"));
        *en = en.replace("\"digits_only\": true", "\"digitsOnly\": true");
        let error = Contract::load(&files).unwrap_err();
        assert!(error.to_string().contains("variants/en.json"), "{error}");
    }

    #[test]
    fn the_embedded_claims_are_typed() {
        let contract = Contract::embedded().unwrap();
        let en = contract.claims(crate::model::Variant::En);
        assert_eq!(en.initial_status.as_ref().unwrap().status, "STARTED");
        assert!(en.phone_digits.as_ref().unwrap().digits_only);
        let legacy = contract.claims(crate::model::Variant::Legacy);
        assert!(legacy.phone_digits.is_none());
        assert!(legacy.first_last_name.is_none(), "legacy only implies it");
    }
}
