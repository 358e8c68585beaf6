//! `serve`: the reference server alone, until Ctrl-C or SIGTERM. The first
//! stdout line is `listening on http://HOST:PORT` (fixed: other tools read
//! it); a generated token follows on the second line as `token: T`.

use std::io::Write;

use crate::cli::{ServeArgs, ServerVariantArg};
use crate::exit;
use crate::server::{spawn, ServerConfig, ServerVariant};

pub fn serve(args: ServeArgs) -> i32 {
    let variant = match args.variant {
        ServerVariantArg::Current => ServerVariant::Current,
        ServerVariantArg::Legacy => ServerVariant::Legacy,
        ServerVariantArg::Overview => ServerVariant::Overview,
    };
    let mut config = ServerConfig::new(variant);
    let generated_token = args.token.is_none();
    config.host = args.host;
    config.port = args.port;
    if let Some(token) = args.token {
        config.token = token;
    }
    config.blocked_email_domains = args.blocked_email_domains;
    config.mutant = args.mutant;
    if let Some(project) = args.project {
        config.project = project;
    }
    if let Some(flow) = args.project_flow {
        config.project_flow = flow;
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return super::fail(exit::HARNESS, format_args!("cannot start tokio: {e}")),
    };
    runtime.block_on(async move {
        let handle = match spawn(config).await {
            Ok(handle) => handle,
            Err(e) => {
                let code = if e.is_usage() {
                    exit::USAGE
                } else {
                    exit::HARNESS
                };
                return super::fail(code, e);
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", handle.url());
        if generated_token {
            let _ = writeln!(out, "token: {}", handle.token());
        }
        let _ = out.flush();
        drop(out);
        eprintln!(
            "variant {}, project {}, project flow {}; Ctrl-C to stop",
            handle.variant(),
            handle.project(),
            handle.project_flow()
        );
        if let Err(e) = stop_signal().await {
            handle.shutdown().await;
            return super::fail(exit::HARNESS, format_args!("cannot wait for signals: {e}"));
        }
        handle.shutdown().await;
        eprintln!("stopped");
        exit::OK
    })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
