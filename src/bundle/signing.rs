//! Ed25519 signatures in a DSSE envelope (the envelope of in-toto and
//! Sigstore): the signature is over `PAE(payloadType, payload)`, so neither
//! the manifest nor what it claims to be can change unseen. Keys are
//! PKCS#8 (secret) and SPKI (public) PEM files, which OpenSSL reads too.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::digest::sha256_hex;

/// The DSSE payload type of a bundle manifest.
pub const PAYLOAD_TYPE: &str = "application/vnd.verifik-conformance.manifest+json";

/// A key file is a few hundred bytes.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Why a key could not be made, read or used. One line, saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("cannot read key file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot write key file {path}: {reason}")]
    Write { path: String, reason: String },
}

/// A DSSE envelope (`payloadType`, base64 `payload`, `signatures`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub payload_type: String,
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// SHA-256 of the raw 32-byte public key, in hex.
    pub keyid: String,
    /// The Ed25519 signature of the PAE, base64.
    pub sig: String,
}

/// DSSE's pre-authentication encoding.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The id of a public key: SHA-256 of its 32 raw bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())
}

impl Envelope {
    /// `payload` signed with `key`.
    pub fn sign(payload: &[u8], key: &SigningKey) -> Envelope {
        let signature = key.sign(&pae(PAYLOAD_TYPE, payload));
        let b64 = base64::engine::general_purpose::STANDARD;
        Envelope {
            payload_type: PAYLOAD_TYPE.into(),
            payload: b64.encode(payload),
            signatures: vec![EnvelopeSignature {
                keyid: key_id(&key.verifying_key()),
                sig: b64.encode(signature.to_bytes()),
            }],
        }
    }

    /// The payload, decoded.
    pub fn payload(&self) -> Result<Vec<u8>, String> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.payload)
            .map_err(|e| format!("its payload is not base64: {e}"))
    }

    /// Whether a signature of the envelope verifies with `key`; why not.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), String> {
        if self.payload_type != PAYLOAD_TYPE {
            return Err(format!(
                "its payload type is {:?}, not {PAYLOAD_TYPE:?}",
                self.payload_type
            ));
        }
        let payload = self.payload()?;
        let message = pae(&self.payload_type, &payload);
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut reasons = Vec::new();
        for entry in &self.signatures {
            let Ok(bytes) = b64.decode(&entry.sig) else {
                reasons.push("a signature that is not base64".to_string());
                continue;
            };
            let Ok(signature) = Signature::from_slice(&bytes) else {
                reasons.push("a signature that is not 64 bytes".to_string());
                continue;
            };
            if key.verify(&message, &signature).is_ok() {
                return Ok(());
            }
            reasons.push(if entry.keyid == key_id(key) {
                "the signature does not match the manifest: the manifest changed after signing"
                    .to_string()
            } else {
                format!(
                    "the signature was made by key {} and does not verify with key {}",
                    short(&entry.keyid),
                    short(&key_id(key))
                )
            });
        }
        if reasons.is_empty() {
            reasons.push("the envelope holds no signature".into());
        }
        Err(reasons.join("; "))
    }
}

/// The first 16 hex digits of a key id, as messages show it.
pub fn short(keyid: &str) -> &str {
    &keyid[..keyid.len().min(16)]
}

/// Make a key pair: the secret key (PKCS#8 PEM, created with mode 0600)
/// and the public key (SPKI PEM). Neither file may exist yet. Returns the
/// key id.
pub fn keygen(secret: &Path, public: &Path) -> Result<String, SigningError> {
    let write_error = |path: &Path, reason: String| SigningError::Write {
        path: path.display().to_string(),
        reason,
    };
    for path in [secret, public] {
        if path.exists() {
            return Err(write_error(
                path,
                "it already exists; remove it or choose another path (keys are never overwritten)"
                    .into(),
            ));
        }
    }
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let secret_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| write_error(secret, e.to_string()))?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| write_error(public, e.to_string()))?;
    write_new(secret, secret_pem.as_bytes(), 0o600).map_err(|e| write_error(secret, e))?;
    write_new(public, public_pem.as_bytes(), 0o644).map_err(|e| write_error(public, e))?;
    Ok(key_id(&key.verifying_key()))
}

/// Create `path` (which must not exist) with `mode`, and write `bytes`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| e.to_string())?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| e.to_string())
}

fn read_pem(path: &Path) -> Result<String, SigningError> {
    let bad = |reason: String| SigningError::Read {
        path: path.display().to_string(),
        reason,
    };
    let bytes = crate::input_file::read(path, MAX_KEY_BYTES).map_err(|e| bad(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| bad("it is not a PEM text file".into()))
}

/// The secret key of a `keygen` secret key file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, SigningError> {
    let pem = read_pem(path)?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|_| SigningError::Read {
        path: path.display().to_string(),
        reason: "it is not an Ed25519 secret key in PKCS#8 PEM; make one with `keygen`".into(),
    })
}

/// The public key of a `keygen` public key file.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, SigningError> {
    let pem = read_pem(path)?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|_| SigningError::Read {
        path: path.display().to_string(),
        reason: "it is not an Ed25519 public key in SPKI PEM; pass the public key `keygen` wrote"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_a_dsse_envelope() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let envelope = Envelope::sign(b"{\"a\":1}", &key);
        assert_eq!(envelope.verify(&key.verifying_key()), Ok(()));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(envelope.verify(&other.verifying_key()).is_err());
        let mut changed = envelope.clone();
        changed.payload = base64::engine::general_purpose::STANDARD.encode(b"{\"a\":2}");
        let why = changed.verify(&key.verifying_key()).unwrap_err();
        assert!(why.contains("changed after signing"), "{why}");
        assert_eq!(
            pae("t", b"ab"),
            b"DSSEv1 1 t 2 ab".to_vec(),
            "the PAE of the DSSE specification"
        );
    }
}
