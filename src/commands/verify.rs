//! `verify`: check a bundle offline and say what holds and what does not.
//! Exit 0 verified, 1 verification failed, 2 unreadable input.

use super::shared::{contract, runtime};
use crate::bundle::{self, VerifyOptions};
use crate::cli::VerifyArgs;
use crate::exit::{Error, ExitCode};
use crate::output;

pub fn verify(args: VerifyArgs) -> Result<ExitCode, Error> {
    let public_key = match &args.public_key {
        Some(path) => Some(bundle::read_public_key(path).map_err(Error::usage)?),
        None => None,
    };
    let options = VerifyOptions {
        public_key,
        allow_contract_mismatch: args.allow_contract_mismatch,
    };
    let contract = contract()?;
    let found = runtime()?.block_on(bundle::verify(&args.file, &options, contract))?;
    for note in &found.notes {
        output::out_line(&format!("ok: {note}"));
    }
    for warning in &found.warnings {
        output::out_line(&format!("warning: {warning}"));
    }
    for problem in &found.problems {
        output::out_line(&format!("FAIL: {problem}"));
    }
    if found.verified() {
        output::out_line(&format!("verified: {}", args.file.display()));
        Ok(ExitCode::Ok)
    } else {
        output::out_line(&format!(
            "NOT verified: {} ({} problem{})",
            args.file.display(),
            found.problems.len(),
            if found.problems.len() == 1 { "" } else { "s" }
        ));
        Ok(ExitCode::Violations)
    }
}
