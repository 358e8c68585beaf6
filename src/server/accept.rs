//! The accept loop: every connection served in its own task, at most
//! `max_connections` at once. Over the limit (or out of file descriptors),
//! the connection that has waited longest for a request is asked to close
//! and the new one is served in its place; when none is waiting, the new one
//! waits until one ends, which the time limits bound. On shutdown it stops
//! accepting, lets requests in flight finish, and closes every connection.

use std::future::Future;
use std::io::ErrorKind;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::connection::{self, Activity};
use super::ServerLimits;

/// How often a connection waiting for a slot looks again for one to close.
const RECHECK: Duration = Duration::from_millis(100);
/// The pause after an accept error (such as running out of descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Serve `router` on `listener` until `stop` completes.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    stop: impl Future<Output = ()>,
) {
    let origin = Instant::now();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (shutdown, shutdown_seen) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut open: Vec<Weak<Activity>> = Vec::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        while tasks.try_join_next().is_some() {}
        open.retain(|activity| activity.strong_count() > 0);
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionAborted
                        | ErrorKind::ConnectionReset
                        | ErrorKind::Interrupted
                ) {
                    continue;
                }
                // Most likely out of file descriptors: free one.
                evict_longest_waiting(&open);
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_RETRY) => continue,
                    () = &mut stop => break,
                }
            }
        };
        let slot = loop {
            if let Ok(slot) = Arc::clone(&slots).try_acquire_owned() {
                break Some(slot);
            }
            if !open
                .iter()
                .any(|a| a.upgrade().is_some_and(|a| a.is_evicted()))
            {
                evict_longest_waiting(&open);
            }
            tokio::select! {
                slot = Arc::clone(&slots).acquire_owned() => break slot.ok(),
                () = tokio::time::sleep(RECHECK) => {}
                () = &mut stop => break None,
            }
        };
        let Some(slot) = slot else { break };
        let activity = Arc::new(Activity::new(origin));
        open.push(Arc::downgrade(&activity));
        tasks.spawn(connection::serve(
            stream,
            peer,
            router.clone(),
            limits,
            activity,
            shutdown_seen.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = shutdown.send(true);
    while tasks.join_next().await.is_some() {}
}

/// Ask the connection that has waited longest for a request to close.
fn evict_longest_waiting(open: &[Weak<Activity>]) {
    let longest = open
        .iter()
        .filter_map(Weak::upgrade)
        .filter_map(|activity| activity.waiting_since().map(|since| (since, activity)))
        .min_by_key(|(since, _)| *since);
    if let Some((_, activity)) = longest {
        activity.evict();
    }
}
