//! The documented strings the server answers with, read once from the
//! embedded fact sheets: exact error bodies, initial status, default
//! language, `currentStep`, envelope keys and field lists. A sheet that no
//! longer fits what the server can build is a startup error, never a silent
//! disagreement between server and suite.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::contract::{Claims, Contract, ContractError, Variant};

/// A fact sheet that the server cannot implement as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("the embedded contract is broken: {0} (rebuild from a clean checkout)")]
    Contract(#[from] ContractError),
    #[error("fact sheet {variant}, fact {fact}: {problem} (the server in src/server must follow the sheet)")]
    Mismatch {
        variant: Variant,
        fact: String,
        problem: String,
    },
}

/// Strings of the current pages (en; es must say the same).
#[derive(Debug, Clone)]
pub struct CurrentMessages {
    /// The params table's field names, in table order.
    pub body_fields: Vec<String>,
    /// HTTP status of validation errors (`error.http-409`).
    pub validation_status: u16,
    /// Error body keys, in order (`error.envelope`).
    pub error_fields: Vec<String>,
    pub contact_required: Map<String, Value>,
    pub country_code_required: Map<String, Value>,
    pub email_domain: Map<String, Value>,
    pub initial_status: String,
    pub current_step: String,
    pub language_default: String,
    /// `appRegistration`, `informationValidation`, `token` (`create.envelope`).
    pub data_keys: Vec<String>,
    /// Top-level envelope keys (`data`).
    pub envelope_keys: Vec<String>,
    pub registration_fields: Vec<String>,
    pub information_validation_fields: Vec<String>,
    /// Timestamps carry milliseconds (`create.timestamps` detail).
    pub timestamp_millis: bool,
}

/// Strings of the legacy page.
#[derive(Debug, Clone)]
pub struct LegacyMessages {
    /// The body table's field names, in table order (no firstName/lastName).
    pub body_fields: Vec<String>,
    pub error_fields: Vec<String>,
    pub contact_required: Map<String, Value>,
    pub invalid_project_flow: Map<String, Value>,
    pub initial_status: String,
    pub language_default: String,
    /// `success`, `data` (`create.envelope`).
    pub envelope_keys: Vec<String>,
    pub registration_fields: Vec<String>,
    pub timestamp_millis: bool,
}

/// Everything the server takes from the fact sheets.
#[derive(Debug, Clone)]
pub struct Messages {
    pub current: CurrentMessages,
    pub legacy: LegacyMessages,
    /// The overview's object fields (`overview.object-shape`).
    pub overview_fields: Vec<String>,
    /// Timestamps of the overview object carry milliseconds.
    pub overview_timestamp_millis: bool,
}

static EMBEDDED: OnceLock<Result<Messages, SheetError>> = OnceLock::new();

impl Messages {
    /// The messages of the embedded contract, loaded on first use.
    pub fn embedded() -> Result<&'static Messages, SheetError> {
        EMBEDDED
            .get_or_init(|| {
                let contract = Contract::embedded()?;
                Messages::load(contract)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn load(contract: &Contract) -> Result<Messages, SheetError> {
        let en = Reader {
            contract,
            variant: Variant::En,
        };
        let legacy = Reader {
            contract,
            variant: Variant::Legacy,
        };
        let overview = Reader {
            contract,
            variant: Variant::Overview,
        };

        let messages = Messages {
            current: en.current()?,
            legacy: legacy.legacy()?,
            overview_fields: overview
                .need("overview.object-shape", &overview.claims().object_shape)?
                .fields
                .clone(),
            overview_timestamp_millis: overview.millis(),
        };
        Ok(messages)
    }
}

/// Reads typed values out of one sheet's claims.
struct Reader<'a> {
    contract: &'a Contract,
    variant: Variant,
}

impl Reader<'_> {
    fn mismatch(&self, fact: &str, problem: impl Into<String>) -> SheetError {
        SheetError::Mismatch {
            variant: self.variant,
            fact: fact.to_string(),
            problem: problem.into(),
        }
    }

    /// The names of the page's params table, in table order.
    fn param_names(&self) -> Vec<String> {
        let params = &self.contract.sheet(self.variant).page.params;
        params.iter().map(|p| p.name.clone()).collect()
    }

    fn expect(&self, fact: &str, ok: bool, problem: &str) -> Result<(), SheetError> {
        if ok {
            Ok(())
        } else {
            Err(self.mismatch(fact, problem))
        }
    }

    /// What the server answers under the current pages (en; es must say
    /// the same).
    fn current(&self) -> Result<CurrentMessages, SheetError> {
        let (en, c) = (self, self.claims());
        let error_fields = en.need("error.envelope", &c.error_envelope)?.fields.clone();
        en.expect(
            "error.envelope",
            error_fields == ["message", "code", "status"],
            "the server builds {message, code, status} error bodies",
        )?;
        let validation_status = en.need("error.http-409", &c.validation_status)?.status;
        let current = CurrentMessages {
            body_fields: en.param_names(),
            validation_status,
            contact_required: en.error_body("create.contact-required", &error_fields)?,
            country_code_required: en.error_body("create.country-code-required", &error_fields)?,
            email_domain: en.error_body("create.email-domain", &error_fields)?,
            error_fields,
            initial_status: en
                .need("create.initial-status", &c.initial_status)?
                .status
                .clone(),
            current_step: en
                .need("create.current-step", &c.current_step)?
                .value
                .clone(),
            language_default: en
                .need("create.language-default", &c.language_default)?
                .default
                .clone(),
            data_keys: en
                .need("create.envelope", &c.envelope)?
                .data_keys
                .clone()
                .unwrap_or_default(),
            envelope_keys: en.need("create.envelope", &c.envelope)?.keys.clone(),
            registration_fields: en
                .need("create.registration-fields", &c.registration_fields)?
                .fields
                .clone(),
            information_validation_fields: en
                .need("create.information-validation", &c.information_validation)?
                .fields
                .clone(),
            timestamp_millis: en.millis(),
        };
        en.expect(
            "create.envelope",
            current.envelope_keys == ["data"] && current.data_keys.len() == 3,
            "the server builds {data:{registration, informationValidation, token}}",
        )?;
        for body in [
            &current.contact_required,
            &current.country_code_required,
            &current.email_domain,
        ] {
            en.expect(
                "error.http-409",
                body.get("status").and_then(Value::as_u64) == Some(u64::from(validation_status)),
                "every documented error body's status must be the validation status",
            )?;
        }

        Ok(current)
    }

    /// What the server answers under the legacy page.
    fn legacy(&self) -> Result<LegacyMessages, SheetError> {
        let (legacy, l) = (self, self.claims());
        let legacy_error_fields = legacy
            .need("error.envelope", &l.error_envelope)?
            .fields
            .clone();
        legacy.expect(
            "error.envelope",
            legacy_error_fields == ["error", "message"],
            "the server builds {error, message} error bodies",
        )?;
        let legacy_messages = LegacyMessages {
            body_fields: legacy.param_names(),
            contact_required: legacy.error_body("create.contact-required", &legacy_error_fields)?,
            invalid_project_flow: legacy
                .error_body("create.invalid-project-flow", &legacy_error_fields)?,
            error_fields: legacy_error_fields,
            initial_status: legacy
                .need("create.initial-status", &l.initial_status)?
                .status
                .clone(),
            language_default: legacy
                .need("create.language-default", &l.language_default)?
                .default
                .clone(),
            envelope_keys: legacy.need("create.envelope", &l.envelope)?.keys.clone(),
            registration_fields: legacy
                .need("create.registration-fields", &l.registration_fields)?
                .fields
                .clone(),
            timestamp_millis: legacy.millis(),
        };
        legacy.expect(
            "create.envelope",
            legacy_messages.envelope_keys == ["success", "data"],
            "the server builds {success, data}",
        )?;

        Ok(legacy_messages)
    }

    fn claims(&self) -> &Claims {
        self.contract.claims(self.variant)
    }

    /// The claim the server needs, or why the sheet does not fit it.
    fn need<'c, T>(&self, fact: &str, claim: &'c Option<T>) -> Result<&'c T, SheetError> {
        claim
            .as_ref()
            .ok_or_else(|| self.mismatch(fact, "no claim, but the server needs one"))
    }

    fn error_body(&self, fact: &str, fields: &[String]) -> Result<Map<String, Value>, SheetError> {
        let body = self
            .claims()
            .rule(fact)
            .and_then(|rule| rule.error.as_ref())
            .ok_or_else(|| self.mismatch(fact, "the claim shows no error body"))?;
        let keys: Vec<&String> = body.keys().collect();
        if keys.len() != fields.len() || fields.iter().any(|f| !body.contains_key(f)) {
            return Err(self.mismatch(
                fact,
                format!("the error body's keys {keys:?} are not {fields:?}"),
            ));
        }
        Ok(body.clone())
    }

    /// Whether `create.timestamps` says milliseconds (its detail; seconds otherwise).
    fn millis(&self) -> bool {
        let statement = self.contract.statement(self.variant, "create.timestamps");
        statement
            .detail
            .as_ref()
            .and_then(|d| d.get("precision"))
            .and_then(Value::as_str)
            == Some("milliseconds")
    }
}
