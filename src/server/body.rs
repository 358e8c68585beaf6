//! Reading a request body under the size limit and the time limit. An
//! oversize body is read to its end (up to a cap, under a deadline) before
//! the 413 is sent: a server that answers while the client is still writing
//! resets the connection, and the client never sees the answer. A body that
//! does not arrive whole in time is answered 408, and the connection closed.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use futures::StreamExt;
use tokio::time::Instant;

use super::problem::Problem;

/// Oversize bodies up to this size are drained so the 413 reaches the client.
const DRAIN_CAP: usize = 8 * 1024 * 1024;
/// Never spend longer than this draining.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// The body, whole, within `limit` bytes and `timeout`.
pub(crate) async fn read(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Problem> {
    tokio::time::timeout(timeout, read_whole(headers, body, limit))
        .await
        .unwrap_or(Err(Problem::RequestTimeout(timeout)))
}

async fn read_whole(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_CAP) {
        return Err(Problem::PayloadTooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Problem::UnreadableBody)?;
        total = total.saturating_add(chunk.len());
        if total > limit {
            drain(&mut stream, total).await;
            return Err(Problem::PayloadTooLarge);
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buffer))
}

async fn drain(stream: &mut axum::body::BodyDataStream, mut total: usize) {
    let deadline = Instant::now() + DRAIN_TIME;
    while total <= DRAIN_CAP {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => total = total.saturating_add(chunk.len()),
            _ => break,
        }
    }
}
