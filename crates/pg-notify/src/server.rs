//! [`serve`]: the receiver's HTTP/1.1 server, for a bad day. A gateway's delivery is a small
//! request that arrives whole in milliseconds; anything else is not allowed to hold the receiver.
//!
//! - A connection with no request in flight is closed [`ServerConfig::header_timeout`] after it
//!   opened or after its last answer: a client that dribbles its request head, or idles on a
//!   kept-alive connection, frees its slot (hyper's own header timer backs this up).
//! - At most [`ServerConfig::max_connections`] are open. At the limit a new connection takes the
//!   slot of the longest-waiting one with no request in flight, so slow clients cannot keep a
//!   real delivery out; when every slot is working, the newcomer gets `503 NACK` (not an
//!   acknowledgement: the gateway resends).
//! - On shutdown it stops accepting, closes connections with no request in flight, lets the
//!   others finish, and returns within [`ServerConfig::shutdown_timeout`] whatever they do.
//!
//! Use it in place of `axum::serve` for the router of [`crate::router`]: it also gives the
//! handlers the client address (`ConnectInfo`).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How the server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    /// How long a connection may go without a request in flight: from when it opens, or from
    /// its last answer, until a whole request head has arrived. Default 10 s.
    pub header_timeout: Duration,
    /// Connections open at once. Default 512 (well under a default 1,024 file descriptors).
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight. Default 10 s.
    pub shutdown_timeout: Duration,
    /// Largest request head, in bytes. Default 16 KiB (a gateway's is a few hundred bytes).
    pub max_head_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
            shutdown_timeout: Duration::from_secs(10),
            max_head_bytes: 16 * 1024,
        }
    }
}

/// What the server did with its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServeStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Closed for going [`ServerConfig::header_timeout`] without a request.
    pub timed_out: u64,
    /// Closed to make room for a new connection at the limit.
    pub evicted: u64,
    /// Refused with `503` because every slot had a request in flight.
    pub shed: u64,
    /// Still running a request when shutdown gave up on them.
    pub abandoned: u64,
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    timed_out: AtomicU64,
    evicted: AtomicU64,
    shed: AtomicU64,
}

/// One open connection, as the accept loop sees it.
#[derive(Debug)]
struct Slot {
    /// Requests being answered.
    busy: AtomicU32,
    /// When it opened or last answered (ms since the server started).
    since: AtomicU64,
    /// Notified to close it (evicted).
    close: Notify,
}

#[derive(Debug)]
struct Shared {
    started: Instant,
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
    counters: Counters,
    config: ServerConfig,
}

impl Shared {
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a slot for a new connection, evicting the longest-waiting idle one at the limit;
    /// `None` when every slot has a request in flight.
    fn admit(&self, id: u64) -> Option<Arc<Slot>> {
        let mut slots = self.slots();
        if slots.len() >= self.config.max_connections.max(1) {
            let victim = slots
                .iter()
                .filter(|(_, s)| s.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, s)| s.since.load(Ordering::Acquire))
                .map(|(id, _)| *id)?;
            if let Some(slot) = slots.remove(&victim) {
                slot.close.notify_one();
                self.counters.evicted.fetch_add(1, Ordering::Relaxed);
            }
        }
        let slot = Arc::new(Slot {
            busy: AtomicU32::new(0),
            since: AtomicU64::new(self.now()),
            close: Notify::new(),
        });
        slots.insert(id, slot.clone());
        Some(slot)
    }
}

/// Marks a request in flight on its slot until dropped (answered or cancelled).
struct InFlight {
    slot: Arc<Slot>,
    shared: Arc<Shared>,
}

impl InFlight {
    fn new(slot: Arc<Slot>, shared: Arc<Shared>) -> Self {
        slot.busy.fetch_add(1, Ordering::AcqRel);
        InFlight { slot, shared }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.slot.since.store(self.shared.now(), Ordering::Release);
        self.slot.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then drains as [`ServerConfig`] says
/// and returns what happened.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> ServeStats {
    let shared = Arc::new(Shared {
        started: Instant::now(),
        slots: Mutex::new(HashMap::new()),
        counters: Counters::default(),
        config,
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut next_id = 0u64;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                next_id += 1;
                match shared.admit(next_id) {
                    Some(slot) => {
                        shared.counters.accepted.fetch_add(1, Ordering::Relaxed);
                        connections.spawn(connection(
                            stream, remote, app.clone(), next_id, slot, shared.clone(), stop_rx.clone(),
                        ));
                    }
                    None => {
                        shared.counters.shed.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%remote, "every connection is answering a request: 503");
                        tokio::spawn(shed(stream));
                    }
                }
            }
            () = &mut shutdown => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(config.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    let abandoned = if drained.is_err() {
        let left = connections.len() as u64;
        tracing::warn!(
            left,
            "shutdown deadline passed: closing the connections still open"
        );
        connections.abort_all();
        left
    } else {
        0
    };
    let c = &shared.counters;
    ServeStats {
        accepted: c.accepted.load(Ordering::Relaxed),
        timed_out: c.timed_out.load(Ordering::Relaxed),
        evicted: c.evicted.load(Ordering::Relaxed),
        shed: c.shed.load(Ordering::Relaxed),
        abandoned,
    }
}

/// Answers a connection there is no room for: `503`, so that the gateway resends. What the
/// client sends at once is read first (at most 64 KiB for 200 ms), so that closing does not
/// reset the connection before the client reads the answer.
async fn shed(mut stream: TcpStream) {
    let mut sink = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(Duration::from_millis(200), async {
        let mut read = 0;
        while read < sink.len() {
            match stream.read(&mut sink[read..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => read += n,
            }
            if sink[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    const ANSWER: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\nRetry-After: 5\r\nConnection: close\r\n\r\nNACK server is busy";
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(ANSWER).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    id: u64,
    slot: Arc<Slot>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let config = shared.config;
    let service = {
        let (slot, shared) = (slot.clone(), shared.clone());
        tower::service_fn(move |mut request: axum::http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            let in_flight = InFlight::new(slot.clone(), shared.clone());
            let answer = app.clone().oneshot(request);
            async move {
                let response = answer.await;
                drop(in_flight);
                response
            }
        })
    };
    let http = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .max_buf_size(config.max_head_bytes.max(8192))
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(http);
    let mut tick =
        tokio::time::interval((config.header_timeout / 4).max(Duration::from_millis(50)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    let timeout_ms = u64::try_from(config.header_timeout.as_millis()).unwrap_or(u64::MAX);
    loop {
        tokio::select! {
            served = http.as_mut() => {
                // hyper's own header timer cut it off.
                if served.is_err_and(|e| e.is_timeout()) {
                    shared.counters.timed_out.fetch_add(1, Ordering::Relaxed);
                }
                break;
            }
            () = slot.close.notified() => break,
            _ = tick.tick() => {
                if slot.busy.load(Ordering::Acquire) == 0 {
                    if draining {
                        break;
                    }
                    let idle = shared.now().saturating_sub(slot.since.load(Ordering::Acquire));
                    if idle > timeout_ms {
                        shared.counters.timed_out.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
            changed = stop.changed(), if !draining => {
                let _ = changed;
                draining = true;
                http.as_mut().graceful_shutdown();
                if slot.busy.load(Ordering::Acquire) == 0 {
                    break;
                }
            }
        }
    }
    shared.slots().remove(&id);
}
