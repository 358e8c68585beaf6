//! What both phases of one run share: the client to the target, the
//! contract and the profile it is judged by, what the target is configured
//! with, the check collector, and the gate that lets one scenario have the
//! target to itself.

use std::sync::{Arc, Mutex};

use tokio::sync::RwLock;

use crate::check::Check;
use crate::client::Client;
use crate::contract::{Contract, Profile};
use crate::events::Events;

/// What the target is configured with: the project and flow to register
/// against, and the email domain its project does not allow (when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFacts {
    pub project: String,
    pub project_flow: String,
    pub blocked_email_domain: Option<String>,
}

/// What both phases of one run share.
pub struct RunContext {
    pub client: Client,
    pub contract: &'static Contract,
    pub profile: Profile,
    pub strict: bool,
    pub target: TargetFacts,
    /// The run's seed: the scripted contacts and every generated case
    /// derive from it, so a run replays exactly.
    pub seed: u64,
    /// Makes the scripted phase's emails and phones unique on a shared
    /// server (derived from the seed).
    pub run_tag: u32,
    /// See [`RunContext::with_contact_salt`] (0 for a plain run).
    pub contact_salt: u64,
    checks: Mutex<Vec<Check>>,
    /// The `--events` stream, when there is one.
    pub events: Option<Arc<Events>>,
    /// Scenarios share the target: every request holds this gate for
    /// reading, and a scenario whose evidence other scenarios' traffic could
    /// mask ("no other request is in flight") holds it for writing.
    pub(crate) gate: Arc<RwLock<()>>,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("profile", &self.profile.name)
            .finish_non_exhaustive()
    }
}

impl RunContext {
    pub fn new(
        client: Client,
        contract: &'static Contract,
        profile: Profile,
        strict: bool,
        target: TargetFacts,
        seed: u64,
    ) -> Self {
        RunContext {
            client,
            contract,
            profile,
            strict,
            target,
            seed,
            run_tag: run_tag(seed),
            contact_salt: 0,
            checks: Mutex::new(Vec::new()),
            events: None,
            gate: Arc::new(RwLock::new(())),
        }
    }

    /// The same run to other contacts: `salt` changes the scripted emails
    /// and phones (and, through [`RunContext::contact_seed`], the generated
    /// ones), and nothing else.
    pub fn with_contact_salt(mut self, salt: u64) -> Self {
        self.contact_salt = salt;
        self.run_tag = run_tag(self.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        self
    }

    /// What the generated phase makes its contacts unique with.
    pub fn contact_seed(&self) -> u64 {
        self.seed ^ self.contact_salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// An email no other request of this run uses: `serial` is unique to
    /// the scenario and its n-th contact, so it does not depend on the order
    /// concurrent scenarios run in.
    pub fn unique_email(&self, serial: u64) -> String {
        format!("ana.{}.{serial}@example.test", self.run_tag)
    }

    /// A digits-only phone no other request of this run uses.
    pub fn unique_phone(&self, serial: u64) -> String {
        format!("3{:06}{:06}", self.run_tag, serial % 1_000_000)
    }

    /// Record a finished check (and stream it, with `--events`).
    pub fn push(&self, check: Check) {
        if let Some(events) = &self.events {
            events.check(&check);
        }
        if let Ok(mut checks) = self.checks.lock() {
            checks.push(check);
        }
    }

    /// The checks recorded so far, in a stable order (by ID).
    pub fn take_checks(&self) -> Vec<Check> {
        let mut checks = self
            .checks
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default();
        checks.sort_by(|a, b| a.id.cmp(&b.id));
        checks
    }
}

/// A multiplicative hash: nearby seeds give distant tags.
fn run_tag(seed: u64) -> u32 {
    ((seed ^ 0x5c21_97ed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as u32 % 1_000_000
}
