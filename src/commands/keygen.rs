//! `keygen`: an Ed25519 key pair for signing bundles. The secret key file
//! is created with mode 0600 and its content is never printed.

use crate::bundle;
use crate::cli::KeygenArgs;
use crate::exit::{Error, ExitCode};
use crate::output;

pub fn keygen(args: KeygenArgs) -> Result<ExitCode, Error> {
    if args.secret_key == args.public_key {
        return Err(Error::usage(
            "--secret-key and --public-key name the same file; give two paths",
        ));
    }
    let id = bundle::keygen(&args.secret_key, &args.public_key).map_err(Error::usage)?;
    output::out_line(&format!(
        "wrote secret key {} (mode 0600; keep it secret) and public key {}",
        args.secret_key.display(),
        args.public_key.display()
    ));
    output::out_line(&format!("key id: {id}"));
    Ok(ExitCode::Ok)
}
