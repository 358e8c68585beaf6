//! SHA-256 digests: of bytes, and of the embedded contract (every schema,
//! fact sheet and feature), computed the way `sha256sum` lists files so a
//! third party can recompute it from a checkout.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The contract a binary embeds: one digest, and the digest of each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractDigest {
    /// SHA-256 of the `sha256sum`-style listing (`<hex>  <path>\n` per
    /// file, sorted by path) of every file below.
    pub digest: String,
    /// `schemas/...json` and `features/...feature`, each with its SHA-256.
    pub files: BTreeMap<String, String>,
}

/// The digest of the contract compiled into this binary.
pub fn contract_digest() -> ContractDigest {
    let mut files = BTreeMap::new();
    for (path, text) in crate::contract::embedded::schema_files() {
        files.insert(format!("schemas/{path}"), sha256_hex(text.as_bytes()));
    }
    for (path, text) in crate::scripted::feature_texts() {
        files.insert(format!("features/{path}"), sha256_hex(text.as_bytes()));
    }
    ContractDigest {
        digest: listing_digest(&files),
        files,
    }
}

/// The digest of a listing of file digests.
pub(crate) fn listing_digest(files: &BTreeMap<String, String>) -> String {
    let listing: String = files
        .iter()
        .map(|(path, digest)| format!("{digest}  {path}\n"))
        .collect();
    sha256_hex(listing.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_every_embedded_file() {
        let contract = contract_digest();
        assert!(contract
            .files
            .keys()
            .any(|p| p.starts_with("schemas/variants/")));
        assert!(contract.files.keys().any(|p| p.ends_with(".feature")));
        assert_eq!(contract.digest, listing_digest(&contract.files));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
