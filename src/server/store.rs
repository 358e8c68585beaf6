//! The in-memory registration store. One mutex guards the records and both
//! recreation indexes, so "find by email or phone, else insert" is atomic:
//! concurrent creates of one contact never make two registrations. A store
//! may keep only its most recent registrations (see [`Store::retaining`]).

use std::collections::{HashMap, VecDeque};
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
    order: VecDeque<String>,
    by_email: HashMap<EmailKey, String>,
    by_phone: HashMap<PhoneKey, String>,
}

#[derive(Default)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
    /// Registrations kept at most (`None`: all).
    retain: Option<usize>,
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

impl Inner {
    /// Forget the oldest registrations beyond `retain`, with the index
    /// entries that lead to them: a forgotten registration is unknown to
    /// retrieve, sync and list, and its contact creates a new one.
    fn evict(&mut self, retain: usize) {
        while self.order.len() > retain {
            let Some(id) = self.order.pop_front() else {
                break;
            };
            let Some(record) = self.records.remove(&id) else {
                continue;
            };
            if let Some(key) = email_key(&record.project, &record.project_flow, &record.details) {
                if self.by_email.get(&key) == Some(&id) {
                    self.by_email.remove(&key);
                }
            }
            if let Some(key) = phone_key(&record.project, &record.project_flow, &record.details) {
                if self.by_phone.get(&key) == Some(&id) {
                    self.by_phone.remove(&key);
                }
            }
        }
    }
}

impl Store {
    /// A store that keeps only the `retain` most recently created
    /// registrations (at least one), so its memory stays bounded however
    /// many are created.
    pub fn retaining(retain: usize) -> Store {
        Store {
            inner: Mutex::default(),
            retain: Some(retain.max(1)),
        }
    }

    /// Registrations held now.
    #[cfg(test)]
    fn len(&self) -> usize {
        let inner = self.lock();
        debug_assert_eq!(inner.order.len(), inner.records.len());
        inner.records.len()
    }

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
        inner.order.push_back(id.clone());
        inner.records.insert(id, record.clone());
        if let Some(retain) = self.retain {
            inner.evict(retain);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn new(email: &str, phone: Option<&str>) -> NewRegistration {
        NewRegistration {
            project: "p".into(),
            project_flow: "f".into(),
            status: "STARTED".into(),
            details: Details {
                email: Some(email.into()),
                phone: phone.map(str::to_string),
                country_code: phone.map(|_| "+57".to_string()),
                ..Details::default()
            },
        }
    }

    fn create(store: &Store, email: &str, phone: Option<&str>) -> (Registration, bool) {
        store
            .create_or_recreate(new(email, phone), |id, _| {
                Ok::<_, ()>(format!("token-{id}"))
            })
            .expect("signs")
    }

    #[test]
    fn a_retaining_store_forgets_the_oldest_with_their_indexes() {
        let store = Store::retaining(3);
        let first = create(&store, "a@x.test", Some("1")).0;
        for i in 0..3 {
            create(&store, &format!("n{i}@x.test"), None);
        }
        assert_eq!(store.len(), 3);
        assert!(store.get(&first.id).is_none(), "the oldest is forgotten");
        assert!(store.sync(&first.id).is_none());
        let (records, total) = store.list(1, 10, false);
        assert_eq!(total, 3);
        assert!(records.iter().all(|r| r.id != first.id));
        let inner = store.lock();
        assert_eq!(
            inner.by_email.len(),
            3,
            "no index entry outlives its record"
        );
        assert!(inner.by_phone.is_empty());
        drop(inner);
        // Its contact makes a new registration, by email and by phone.
        let (again, existed) = create(&store, "a@x.test", None);
        assert!(!existed);
        assert_ne!(again.id, first.id);
        let (by_phone, existed) = create(&store, "other@x.test", Some("1"));
        assert!(!existed);
        assert_ne!(by_phone.id, again.id);
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn recent_registrations_are_recreated_within_the_retention() {
        let store = Store::retaining(2);
        let first = create(&store, "a@x.test", Some("1")).0;
        create(&store, "b@x.test", None);
        let (again, existed) = create(&store, "A@X.test", None);
        assert!(existed, "still retained: recreated");
        assert_eq!(again.id, first.id);
        assert_eq!(again.created_at, first.created_at);
        // Recreation does not make it recent: creation order decides.
        create(&store, "c@x.test", None);
        assert!(store.get(&first.id).is_none());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn the_default_store_keeps_everything() {
        let store = Store::default();
        for i in 0..50 {
            create(&store, &format!("n{i}@x.test"), None);
        }
        assert_eq!(store.len(), 50);
        assert_eq!(store.list(1, 100, false).1, 50);
    }
}
