//! The in-memory registration store. One mutex guards the records and both
//! recreation indexes, so "find by email or phone, else insert" is atomic:
//! concurrent creates of one contact never make two registrations.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

use super::ids;

/// What a create request says about the person (replaced on recreation).
#[derive(Debug, Clone, Default)]
pub(crate) struct Details {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country_code: Option<String>,
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: String,
    pub ip_address: String,
    pub user_agent: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Registration {
    pub id: String,
    /// The informationValidation's own id, stable across recreations.
    pub info_id: String,
    pub project: String,
    pub project_flow: String,
    pub status: String,
    pub details: Details,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The latest token issued.
    pub token: String,
}

pub(crate) struct NewRegistration {
    pub project: String,
    pub project_flow: String,
    pub status: String,
    pub details: Details,
}

type EmailKey = (String, String, String);
type PhoneKey = (String, String, String, String);

#[derive(Default)]
struct Inner {
    records: HashMap<String, Registration>,
    /// Ids in creation order, for listing.
    order: Vec<String>,
    by_email: HashMap<EmailKey, String>,
    by_phone: HashMap<PhoneKey, String>,
}

#[derive(Default)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
}

fn email_key(project: &str, flow: &str, details: &Details) -> Option<EmailKey> {
    let email = details.email.as_ref()?;
    Some((project.into(), flow.into(), email.to_lowercase()))
}

fn phone_key(project: &str, flow: &str, details: &Details) -> Option<PhoneKey> {
    let phone = details.phone.as_ref()?;
    let code = details.country_code.as_ref()?;
    Some((project.into(), flow.into(), code.clone(), phone.clone()))
}

/// A time strictly after `previous` at millisecond precision, and not before now.
fn bumped(previous: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::now_utc().max(previous + Duration::milliseconds(1))
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // No code panics while holding the lock; if one ever did, the data
        // is still consistent enough to keep serving.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Create a registration, or recreate the one with the same email or
    /// phone + countryCode. `sign(id, unix_seconds)` makes its token; when it
    /// fails nothing changes. Returns the record and whether it existed.
    pub fn create_or_recreate<E>(
        &self,
        new: NewRegistration,
        sign: impl FnOnce(&str, i64) -> Result<String, E>,
    ) -> Result<(Registration, bool), E> {
        let email = email_key(&new.project, &new.project_flow, &new.details);
        let phone = phone_key(&new.project, &new.project_flow, &new.details);
        let mut inner = self.lock();
        let existing = email
            .as_ref()
            .and_then(|k| inner.by_email.get(k))
            .or_else(|| phone.as_ref().and_then(|k| inner.by_phone.get(k)))
            .cloned();

        if let Some(id) = existing {
            let Inner {
                records,
                by_email,
                by_phone,
                ..
            } = &mut *inner;
            if let Some(record) = records.get_mut(&id) {
                let now = bumped(record.updated_at);
                let token = sign(&id, now.unix_timestamp())?;
                // Drop the old contact keys this record held, then claim the
                // new ones unless another registration already holds them.
                if let Some(old) = email_key(&record.project, &record.project_flow, &record.details)
                {
                    if by_email.get(&old) == Some(&id) {
                        by_email.remove(&old);
                    }
                }
                if let Some(old) = phone_key(&record.project, &record.project_flow, &record.details)
                {
                    if by_phone.get(&old) == Some(&id) {
                        by_phone.remove(&old);
                    }
                }
                if let Some(k) = email {
                    by_email.entry(k).or_insert_with(|| id.clone());
                }
                if let Some(k) = phone {
                    by_phone.entry(k).or_insert_with(|| id.clone());
                }
                record.details = new.details;
                record.updated_at = now;
                record.token = token;
                return Ok((record.clone(), true));
            }
        }

        let id = ids::object_id();
        let now = OffsetDateTime::now_utc();
        let token = sign(&id, now.unix_timestamp())?;
        let record = Registration {
            id: id.clone(),
            info_id: ids::object_id(),
            project: new.project,
            project_flow: new.project_flow,
            status: new.status,
            details: new.details,
            created_at: now,
            updated_at: now,
            token,
        };
        if let Some(k) = email {
            inner.by_email.insert(k, id.clone());
        }
        if let Some(k) = phone {
            inner.by_phone.insert(k, id.clone());
        }
        inner.order.push(id.clone());
        inner.records.insert(id, record.clone());
        Ok((record, false))
    }

    pub fn get(&self, id: &str) -> Option<Registration> {
        self.lock().records.get(id).cloned()
    }

    /// Page `page` (from 1) of `limit` records, newest first (so a client
    /// finds what it just created on the first page) unless `oldest_first`,
    /// and the total.
    pub fn list(&self, page: u32, limit: u32, oldest_first: bool) -> (Vec<Registration>, usize) {
        let inner = self.lock();
        let total = inner.order.len();
        let start = (page.saturating_sub(1) as usize).saturating_mul(limit as usize);
        let order: Box<dyn Iterator<Item = &String>> = if oldest_first {
            Box::new(inner.order.iter())
        } else {
            Box::new(inner.order.iter().rev())
        };
        let records = order
            .skip(start)
            .take(limit as usize)
            .filter_map(|id| inner.records.get(id).cloned())
            .collect();
        (records, total)
    }

    /// Sync: re-evaluate the status (no step can complete through these
    /// endpoints, so it stays) and bump `updatedAt`.
    pub fn sync(&self, id: &str) -> Option<Registration> {
        let mut inner = self.lock();
        let record = inner.records.get_mut(id)?;
        record.updated_at = bumped(record.updated_at);
        Some(record.clone())
    }
}
