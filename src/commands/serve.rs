//! `serve`: the reference server alone, until Ctrl-C or SIGTERM. The first
//! stdout line is `listening on http://HOST:PORT` (fixed: other tools read
//! it); a generated token follows on the second line as `token: T`.

use std::io::Write;

use crate::cli::ServeArgs;
use crate::exit::{Error, ExitCode};
use crate::server::{spawn, ServerConfig};

pub fn serve(args: ServeArgs) -> Result<ExitCode, Error> {
    let mut config = ServerConfig::new(args.variant);
    let generated_token = args.token.is_none();
    config.host = args.host;
    config.port = args.port;
    if let Some(token) = args.token {
        config.token = token;
    }
    config.blocked_email_domains = args.blocked_email_domains;
    config.mutant = args.mutant;
    config.twin = args.twin;
    if let Some(project) = args.project {
        config.project = project;
    }
    if let Some(flow) = args.project_flow {
        config.project_flow = flow;
    }
    if args.retain == Some(0) {
        return Err(Error::usage(
            "--retain 0 would keep no registration: give at least 1, or leave --retain out to keep them all",
        ));
    }
    config.retain = args
        .retain
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));

    super::shared::runtime()?.block_on(async move {
        // Handlers go in before the first line is printed: a supervisor may
        // signal as soon as it has read it.
        let mut stop = StopSignals::install()
            .map_err(|e| Error::harness(format_args!("cannot listen for signals: {e}")))?;
        let handle = spawn(config).await?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", handle.url());
        if generated_token {
            let _ = writeln!(out, "token: {}", handle.token());
        }
        let _ = out.flush();
        drop(out);
        crate::output::err_line(&format!(
            "variant {}, project {}, project flow {}; Ctrl-C to stop",
            handle.variant(),
            handle.project(),
            handle.project_flow()
        ));
        stop.wait().await;
        handle.shutdown().await;
        crate::output::err_line("stopped");
        Ok(ExitCode::Ok)
    })
}

/// Ctrl-C (SIGINT) or SIGTERM on Unix; Ctrl-C elsewhere.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            // Without a handler there is nothing to wait for but Ctrl-C.
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
