//! One accepted connection served over HTTP/1.1 within the time limits. The
//! connection's [`Activity`] (waiting for a request, reading a head, in the
//! handler) is kept up to date by its socket and its service; a watchdog
//! closes the connection when a head is too slow, when it stays idle too
//! long between requests, or when a request stays in the handler far past
//! the body timeout. The accept loop reads the same activity to choose the
//! connection to close when over the connection limit.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit};
use tokio::time::Instant;
use tower::ServiceExt as _;

use super::ServerLimits;

/// After the watchdog asks a connection to close, how long it has to do so
/// before its socket is dropped (a write the client never reads, say).
const GRACE: Duration = Duration::from_secs(1);
/// How long past the body timeout a request may stay in the handler before
/// its connection is dropped. The faithful handler answers 408 at the body
/// timeout; this bounds the rest (a mutant's or twin's body reading).
const BUSY_GRACE: Duration = Duration::from_secs(2);

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Open, no byte of a request yet.
    Fresh,
    /// Its last request answered, no byte of the next one yet.
    Idle,
    /// Receiving a request head.
    Head,
    /// A request is in the handler.
    Busy,
}

impl Phase {
    const ALL: [Phase; 4] = [Phase::Fresh, Phase::Idle, Phase::Head, Phase::Busy];
}

/// A connection's phase and since when (milliseconds after the server's
/// clock origin, so connections compare), in one atomic word: the phase in
/// the top byte.
pub(crate) struct Activity {
    origin: Instant,
    state: AtomicU64,
    /// Wakes the watchdog when the phase changes (its deadline moves).
    changed: Notify,
    /// Wakes the connection when it is asked to close to make room.
    close: Notify,
    evicted: AtomicBool,
}

const PHASE_SHIFT: u32 = 56;

fn pack(phase: Phase, since_ms: u64) -> u64 {
    ((phase as u64) << PHASE_SHIFT) | (since_ms & ((1 << PHASE_SHIFT) - 1))
}

fn unpack(state: u64) -> (Phase, u64) {
    let phase = Phase::ALL[(state >> PHASE_SHIFT) as usize % Phase::ALL.len()];
    (phase, state & ((1 << PHASE_SHIFT) - 1))
}

impl Activity {
    /// A connection opened now; `origin` is the server's clock origin.
    pub(crate) fn new(origin: Instant) -> Activity {
        let activity = Activity {
            origin,
            state: AtomicU64::new(0),
            changed: Notify::new(),
            close: Notify::new(),
            evicted: AtomicBool::new(false),
        };
        activity.enter(Phase::Fresh);
        activity
    }

    fn now_ms(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    fn enter(&self, phase: Phase) {
        self.state
            .store(pack(phase, self.now_ms()), Ordering::Release);
        self.changed.notify_one();
    }

    fn phase(&self) -> Phase {
        unpack(self.state.load(Ordering::Acquire)).0
    }

    /// Bytes arrived. A waiting connection starts a head: an idle one from
    /// now, a fresh one from its opening (its first head gets no idle time).
    fn on_read(&self) {
        let now = self.now_ms();
        let started = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                match unpack(state) {
                    (Phase::Idle, _) => Some(pack(Phase::Head, now)),
                    (Phase::Fresh, since) => Some(pack(Phase::Head, since)),
                    _ => None,
                }
            });
        if started.is_ok() {
            self.changed.notify_one();
        }
    }

    /// Since when the connection has waited for a request, if it is
    /// waiting and has not been asked to close.
    pub(crate) fn waiting_since(&self) -> Option<u64> {
        if self.evicted.load(Ordering::Acquire) {
            return None;
        }
        match unpack(self.state.load(Ordering::Acquire)) {
            (Phase::Fresh | Phase::Idle, since) => Some(since),
            _ => None,
        }
    }

    /// Whether the connection was asked to close to make room.
    pub(crate) fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::Acquire)
    }

    /// Ask the connection to close, once it has answered any request it is
    /// serving.
    pub(crate) fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        self.close.notify_one();
    }

    /// When the watchdog acts, unless the phase changes first.
    fn deadline(&self, limits: &ServerLimits) -> Instant {
        let (phase, since) = unpack(self.state.load(Ordering::Acquire));
        let allowed = match phase {
            Phase::Fresh | Phase::Head => limits.header_read_timeout,
            Phase::Idle => limits.idle_timeout,
            Phase::Busy => limits.body_read_timeout + BUSY_GRACE,
        };
        self.origin + Duration::from_millis(since) + allowed
    }
}

/// The socket, telling the activity when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.on_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The router, marking the connection busy while it handles a request and
/// giving handlers the peer address.
#[derive(Clone)]
struct Tracked {
    router: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
}

type Handled = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl hyper::service::Service<hyper::Request<Incoming>> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = Handled;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Handled {
        self.activity.enter(Phase::Busy);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let router = self.router.clone();
        let activity = Arc::clone(&self.activity);
        Box::pin(async move {
            let answer = router.oneshot(request.map(Body::new)).await;
            activity.enter(Phase::Idle);
            answer
        })
    }
}

/// Serve one connection until it ends, the watchdog closes it, it is
/// evicted, or the server shuts down (`shutdown` changes). `_slot` is its
/// place under the connection limit, given back when it ends.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ServerLimits,
    activity: Arc<Activity>,
    mut shutdown: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(Watched {
        stream,
        activity: Arc::clone(&activity),
    });
    let service = Tracked {
        router,
        peer,
        activity: Arc::clone(&activity),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The watchdog times heads: hyper's own timer would also count the wait
    // for the next request on a keep-alive connection.
    builder.header_read_timeout(None);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    // Asked to close (evicted, or the server stops): asked once.
    let mut asked = false;
    // When the socket is dropped, if the connection has not closed by then.
    let mut drop_at: Option<Instant> = None;
    loop {
        let wake = drop_at.unwrap_or_else(|| activity.deadline(&limits));
        let ending = tokio::select! {
            _ = connection.as_mut() => return,
            () = activity.changed.notified() => None,
            () = tokio::time::sleep_until(wake) => {
                if drop_at.is_some() {
                    return;
                }
                (Instant::now() >= activity.deadline(&limits)).then_some(Ending::TimedOut)
            }
            () = activity.close.notified(), if !asked => Some(Ending::Asked),
            _ = shutdown.changed(), if !asked => Some(Ending::Asked),
        };
        let Some(ending) = ending else { continue };
        asked = true;
        match (activity.phase(), ending) {
            // Nothing in flight: close now (dropping closes the socket).
            (Phase::Fresh | Phase::Head, _) => return,
            // hyper closes an idle connection at once, and one that is
            // answering once the answer is written; GRACE bounds that.
            (Phase::Idle, _) | (Phase::Busy, Ending::TimedOut) => {
                connection.as_mut().graceful_shutdown();
                drop_at.get_or_insert_with(|| Instant::now() + GRACE);
            }
            // A request in the handler finishes first (the watchdog still
            // bounds it).
            (Phase::Busy, Ending::Asked) => connection.as_mut().graceful_shutdown(),
        }
    }
}

/// Why a connection is being closed.
#[derive(Clone, Copy)]
enum Ending {
    TimedOut,
    Asked,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ServerLimits {
        ServerLimits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(5),
            body_read_timeout: Duration::from_secs(3),
            max_connections: 4,
        }
    }

    #[test]
    fn phases_pack_with_their_time() {
        for phase in Phase::ALL {
            assert_eq!(unpack(pack(phase, 123_456)), (phase, 123_456));
        }
    }

    #[test]
    fn each_phase_has_its_deadline() {
        let limits = limits();
        // A server running for ten seconds.
        let origin = Instant::now() - Duration::from_secs(10);
        let activity = Activity::new(origin);
        let at = |phase, ms| activity.state.store(pack(phase, ms), Ordering::Release);
        let since = |ms| origin + Duration::from_millis(ms);

        at(Phase::Fresh, 1_000);
        assert_eq!(
            activity.deadline(&limits),
            since(1_000) + limits.header_read_timeout
        );
        assert_eq!(activity.waiting_since(), Some(1_000));
        // The first head counts from the opening.
        activity.on_read();
        assert_eq!(
            unpack(activity.state.load(Ordering::Acquire)),
            (Phase::Head, 1_000)
        );
        assert_eq!(activity.waiting_since(), None);
        // More bytes of the head change nothing.
        activity.on_read();
        assert_eq!(
            unpack(activity.state.load(Ordering::Acquire)),
            (Phase::Head, 1_000)
        );

        at(Phase::Busy, 2_000);
        assert_eq!(
            activity.deadline(&limits),
            since(2_000) + limits.body_read_timeout + BUSY_GRACE
        );
        activity.on_read();
        assert_eq!(activity.phase(), Phase::Busy, "body bytes");

        at(Phase::Idle, 3_000);
        assert_eq!(
            activity.deadline(&limits),
            since(3_000) + limits.idle_timeout
        );
        assert_eq!(activity.waiting_since(), Some(3_000));
        // The next head counts from its first byte.
        activity.on_read();
        let (phase, head) = unpack(activity.state.load(Ordering::Acquire));
        assert_eq!(phase, Phase::Head);
        assert!(head >= 10_000, "{head}");

        at(Phase::Idle, 4_000);
        activity.evict();
        assert!(activity.is_evicted());
        assert_eq!(activity.waiting_since(), None);
    }
}
