//! Evidence bundles: one archive holding a run's manifest, every exchange
//! (redacted as in the reports), `report.json`, and a DSSE signature over
//! the manifest; and the offline verification that judges it again.

mod archive;
mod certify;
mod digest;
mod manifest;
mod record;
mod recorder;
mod replay;
mod resend;
mod signing;
mod verify;

pub use archive::{check_bundle_path, BundleError, BundleFile};
pub use certify::{write_run_bundle, RunFacts, Written};
pub use digest::{contract_digest, sha256_hex, ContractDigest};
pub use manifest::{FileDigest, Manifest, RunOptions, TargetInfo, BUNDLE_FORMAT};
pub use record::ExchangeLine;
pub use recorder::Recorder;
pub use replay::Replayer;
pub use resend::{resend, Changed, ResendTarget, Resent};
pub use signing::{
    key_id, keygen, read_public_key, read_signing_key, short as short_key_id, Envelope,
    SigningError, PAYLOAD_TYPE,
};
pub use verify::{verify, Verification, VerifyOptions};
