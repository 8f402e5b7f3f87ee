//! The receiver's server on a bad day, on loopback: clients that dribble their request head or
//! idle on a kept-alive connection lose their slot; hundreds of them do not keep real
//! deliveries out; when every slot is answering a request the newcomer gets `503 NACK`; and
//! shutdown returns within its deadline whatever the clients do.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use pg_notify::{
    Event, GatewayEndpoint, HttpConfig, OrderCheck, Pipeline, ServeStats, ServerConfig, StoreOnly,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, oneshot};

/// An order check that waits for a permit: requests stay in flight until the test releases them.
struct Gate(Arc<Semaphore>);

#[async_trait::async_trait]
impl OrderCheck for Gate {
    async fn check(&self, _: &Event) -> Result<(), String> {
        let _permit = self.0.acquire().await.map_err(|e| e.to_string())?;
        Ok(())
    }
}

struct Server {
    addr: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<ServeStats>,
    _dir: tempfile::TempDir,
}

async fn server(config: ServerConfig, gate: Option<Arc<Semaphore>>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store("sqlite", dir.path()).await.unwrap();
    let mut innopay = GatewayEndpoint::innopay(StoreOnly);
    if let Some(gate) = gate {
        innopay = innopay.order_check(Gate(gate));
    }
    let pipeline = Pipeline::builder(store).endpoint(innopay).build();
    let app = pg_notify::router(pipeline, HttpConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(pg_notify::serve(listener, app, config, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop,
        done,
        _dir: dir,
    }
}

/// One delivery on a new connection: (status, body).
async fn deliver(addr: std::net::SocketAddr, n: u64) -> (u16, String) {
    let body = innopay_approval(n);
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /innopay/notify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // A server that refuses may close before the body is sent: read its answer anyway.
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(&body).await;
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

/// Whether the server closed `s` (reading gives end of stream or an error) within `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 256];
    matches!(
        tokio::time::timeout(wait, s.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_clients_do_not_keep_real_deliveries_out() {
    let config = ServerConfig {
        header_timeout: Duration::from_millis(800),
        max_connections: 100,
        ..ServerConfig::default()
    };
    let s = server(config, None).await;
    // 300 clients (three times the limit) that start a request head and then send a byte
    // every 100 ms, forever.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let addr = s.addr;
        slow.push(tokio::spawn(async move {
            let Ok(mut c) = TcpStream::connect(addr).await else {
                return Instant::now();
            };
            let _ = c
                .write_all(b"POST /innopay/notify HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await;
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if c.write_all(b"a").await.is_err() {
                    return Instant::now();
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The real deliveries arrive among them, and are all acknowledged.
    let started = Instant::now();
    let mut real = Vec::new();
    for n in 0..7 {
        real.push(tokio::spawn(deliver(s.addr, n)));
    }
    for r in real {
        assert_eq!(r.await.unwrap(), (200, "0000".to_owned()));
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Every slow client was cut off: evicted at once, or timed out.
    let begun = Instant::now();
    for c in slow {
        let cut = tokio::time::timeout(Duration::from_secs(5), c).await;
        assert!(cut.is_ok(), "a slow client was still connected after 5 s");
    }
    assert!(begun.elapsed() < Duration::from_secs(3));
    let _ = s.stop.send(());
    let stats = s.done.await.unwrap();
    assert!(stats.evicted >= 100, "{stats:?}");
    assert!(stats.evicted + stats.timed_out >= 300, "{stats:?}");
    assert_eq!(stats.shed, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_is_closed_when_idle() {
    let config = ServerConfig {
        header_timeout: Duration::from_millis(500),
        ..ServerConfig::default()
    };
    let s = server(config, None).await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    let body = innopay_approval(1);
    let head = format!(
        "POST /innopay/notify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(&body).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = c.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).ends_with("0000"));
    // Nothing more: the server closes it after the timeout, not before.
    assert!(!closed_within(&mut c, Duration::from_millis(200)).await);
    assert!(closed_within(&mut c, Duration::from_secs(2)).await);
    let _ = s.stop.send(());
    assert_eq!(s.done.await.unwrap().timed_out, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_slot_is_working_a_newcomer_gets_503_and_no_acknowledgement() {
    let gate = Arc::new(Semaphore::new(0));
    let config = ServerConfig {
        max_connections: 2,
        ..ServerConfig::default()
    };
    let s = server(config, Some(gate.clone())).await;
    let working: Vec<_> = (0..2).map(|n| tokio::spawn(deliver(s.addr, n))).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = deliver(s.addr, 9).await;
    assert_eq!((status, body.as_str()), (503, "NACK server is busy"));
    gate.add_permits(2);
    for w in working {
        assert_eq!(w.await.unwrap(), (200, "0000".to_owned()));
    }
    let _ = s.stop.send(());
    assert_eq!(s.done.await.unwrap().shed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_returns_within_its_deadline_whatever_the_clients_do() {
    let gate = Arc::new(Semaphore::new(0));
    let config = ServerConfig {
        shutdown_timeout: Duration::from_millis(700),
        header_timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    };
    let s = server(config, Some(gate)).await;
    // One half-sent head, one request stuck in the order check forever.
    let mut half = TcpStream::connect(s.addr).await.unwrap();
    half.write_all(b"POST /innopay/notify HTTP/1.1\r\nHo")
        .await
        .unwrap();
    let stuck = tokio::spawn(deliver(s.addr, 3));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let begun = Instant::now();
    let _ = s.stop.send(());
    let stats = s.done.await.unwrap();
    let took = begun.elapsed();
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(stats.abandoned, 1, "{stats:?}");
    assert!(closed_within(&mut half, Duration::from_secs(1)).await);
    // The stuck request was never acknowledged.
    let answer = stuck.await;
    assert!(answer.is_err() || answer.as_ref().is_ok_and(|(status, _)| *status != 200));
}

/// The bytes under `dir` (the store, its WAL, the raw log).
fn disk_use(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            disk_use(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_junk_cannot_fill_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store("sqlite", dir.path()).await.unwrap();
    let pipeline = Pipeline::builder(store.clone())
        .raw_log(pg_notify::RawLog::open(dir.path().join("logs")).unwrap())
        .endpoint(
            GatewayEndpoint::innopay(StoreOnly)
                .allow(pg_notify::IpAllowlist::parse(["10.0.0.0/8"]).unwrap()),
        )
        .build();
    let before = disk_use(dir.path());
    // 1 MiB of junk, 300 times from an address the allowlist refuses and 300 times from an
    // allowed one (a body that does not decode).
    let junk = format!("moid=x&pgTid={}", "9".repeat(1024 * 1024));
    for (n, remote) in (0..600).map(|n| {
        (
            n,
            if n % 2 == 0 {
                "203.0.113.7"
            } else {
                "10.1.2.3"
            },
        )
    }) {
        let delivery = pg_notify::Delivery {
            gateway: pg_core::GatewayId::Innopay,
            received_at: time::OffsetDateTime::now_utc(),
            remote: Some(remote.parse().unwrap()),
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: junk.clone().into_bytes(),
        };
        let reply = pipeline.handle(delivery, &meta()).await;
        assert!(!reply.acknowledged, "{n}");
    }
    let grown = disk_use(dir.path()) - before;
    assert!(
        grown < 3 * 1024 * 1024,
        "600 refused 1 MiB bodies grew the disk by {grown} bytes"
    );
    // Each source's first refusals are on record, with size and hash; the rest are counted.
    let rejections = store.rejections(0, 1000).await.unwrap();
    assert_eq!(rejections.len(), 40, "20 per source and minute");
    for r in &rejections {
        assert_eq!(r.body_size, junk.len() as i64);
        assert_eq!(r.body_sha256.as_deref().map(str::len), Some(64));
        assert!(r.body.len() <= 1024, "{}", r.body.len());
    }
    // A real delivery from the allowed source is still stored and acknowledged.
    let real = pg_notify::Delivery {
        gateway: pg_core::GatewayId::Innopay,
        received_at: time::OffsetDateTime::now_utc(),
        remote: Some("10.1.2.3".parse().unwrap()),
        content_type: Some("application/x-www-form-urlencoded".into()),
        body: innopay_approval(77),
    };
    assert!(pipeline.handle(real, &meta()).await.acknowledged);
}
