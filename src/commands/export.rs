//! `export openapi`: the contract of a profile as an OpenAPI 3.1 document,
//! on stdout or into `--output FILE`.

use std::path::Path;

use super::shared::contract;
use crate::cli::{ExportArgs, ExportFormat, OpenapiArgs};
use crate::exit::{Error, ExitCode};

pub fn export(args: ExportArgs) -> Result<ExitCode, Error> {
    match args.format {
        ExportFormat::Openapi(args) => openapi(args),
    }
}

fn openapi(args: OpenapiArgs) -> Result<ExitCode, Error> {
    let contract = contract()?;
    let document = crate::openapi::document(contract, contract.profile(args.profile))?;
    let mut text = serde_json::to_string_pretty(&document).map_err(Error::harness)?;
    text.push('\n');
    match &args.output {
        Some(path) => write(path, &text)?,
        None => crate::output::out(&text),
    }
    Ok(ExitCode::Ok)
}

/// Write `text` to `path`; a path that cannot be written is a usage error.
fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| {
        Error::usage(format_args!(
            "cannot write the OpenAPI document to {}: {e}; pass --output a writable file path",
            path.display()
        ))
    })
}
