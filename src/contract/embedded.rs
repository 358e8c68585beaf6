//! The contract files compiled into the binary, so an installed binary works
//! from any directory.

use include_dir::{include_dir, Dir};

/// Everything under `schemas/`: shapes, fact sheets, the catalogue.
pub static SCHEMAS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

/// The base URI every schema's `$id` hangs from.
pub const SCHEMA_BASE: &str = "https://verifik-conformance.local/schemas/";

/// The text of one embedded file under `schemas/`.
pub fn schema_file(path: &str) -> Option<&'static str> {
    SCHEMAS.get_file(path).and_then(|f| f.contents_utf8())
}

/// Every embedded JSON file under `schemas/` with its relative path.
pub fn schema_files() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    collect(&SCHEMAS, &mut out);
    out.sort();
    out
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if path.ends_with(".json") {
            if let Some(text) = file.contents_utf8() {
                out.push((path, text));
            }
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}
