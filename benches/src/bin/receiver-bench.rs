//! The receiver benchmark of `cargo xtask bench`: a bare axum handler that parses the
//! notification and answers `0000` without storing it, beside the pgkit receiver with durable
//! storage (SQLite with group commit; PostgreSQL when `PGKIT_TEST_POSTGRES_URL` is set), driven
//! in the same run by a Rust load generator with 50 keep-alive connections.
//!
//! ```text
//! receiver-bench [SECONDS] [CONNECTIONS]
//! ```
//!
//! Prints one JSON object per receiver: requests per second and latency percentiles.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use pg_core::Charset;
use pgkit_benches::{FortyFiveStrings, notification_body};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

/// The baseline: parse with serde_urlencoded, answer `0000`, store nothing.
fn bare() -> Router {
    Router::new().route(
        "/innopay/notify",
        post(|body: Bytes| async move {
            match serde_urlencoded::from_bytes::<FortyFiveStrings>(&body) {
                Ok(_) => "0000",
                Err(_) => "FAIL",
            }
        }),
    )
}

async fn pgkit(db: &str, raw_log: Option<&std::path::Path>) -> Router {
    // Fresh tables every run, even in a database that outlives it.
    let config = pg_notify::StoreConfig {
        table_prefix: format!("bench{}_", std::process::id()),
        ..pg_notify::StoreConfig::default()
    };
    let store = pg_notify::Store::open(db, config).await.expect("store");
    let mut builder = pg_notify::Pipeline::builder(store)
        .endpoint(pg_notify::GatewayEndpoint::innopay(pg_notify::StoreOnly));
    if let Some(dir) = raw_log {
        builder = builder.raw_log(pg_notify::RawLog::open(dir).expect("raw log"));
    }
    pg_notify::router(builder.build(), pg_notify::HttpConfig::default())
}

struct Load {
    requests: u64,
    errors: u64,
    seconds: f64,
    latencies_us: Vec<u32>,
}

/// One keep-alive connection sending notifications with fresh transaction ids until `until`.
async fn connection(
    addr: SocketAddr,
    template: Arc<String>,
    next: Arc<AtomicU64>,
    until: Instant,
) -> (Vec<u32>, u64) {
    let mut latencies = Vec::with_capacity(100_000);
    let mut errors = 0;
    let Ok(stream) = TcpStream::connect(addr).await else {
        return (latencies, 1);
    };
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    let mut body = Vec::new();
    while Instant::now() < until {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let payload = template.replace(
            "nictest14m01012510201530001234",
            &format!("nictest14m0101{n:016}"),
        );
        let request = format!(
            "POST /innopay/notify HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{payload}",
            payload.len()
        );
        let started = Instant::now();
        if write.write_all(request.as_bytes()).await.is_err() {
            errors += 1;
            break;
        }
        // Status line, headers, then Content-Length bytes of body.
        let mut length = 0usize;
        let mut status_ok = false;
        let mut first = true;
        loop {
            line.clear();
            match read.read_line(&mut line).await {
                Ok(0) | Err(_) => return (latencies, errors + 1),
                Ok(_) => {}
            }
            if first {
                status_ok = line.starts_with("HTTP/1.1 200");
                first = false;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        body.resize(length, 0);
        if read.read_exact(&mut body).await.is_err() {
            return (latencies, errors + 1);
        }
        if !status_ok || body != b"0000" {
            errors += 1;
        }
        latencies.push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    }
    (latencies, errors)
}

async fn load(addr: SocketAddr, seconds: f64, connections: usize) -> Load {
    let template =
        Arc::new(String::from_utf8(notification_body(Charset::Utf8)).unwrap_or_default());
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(addr, template.clone(), next.clone(), until)))
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    Load {
        requests: latencies.len() as u64,
        errors,
        seconds: elapsed,
        latencies_us: latencies,
    }
}

fn report(name: &str, mut load: Load) -> serde_json::Value {
    load.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        if load.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((load.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        f64::from(load.latencies_us[i]) / 1000.0
    };
    json!({
        "receiver": name,
        "requests": load.requests,
        "errors": load.errors,
        "seconds": load.seconds,
        "requests_per_second": load.requests as f64 / load.seconds,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10.0);
    let connections: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut results = Vec::new();
        let addr = serve(bare()).await;
        results.push(report(
            "bare_axum_parse_only",
            load(addr, seconds, connections).await,
        ));
        let db = format!("sqlite://{}", dir.path().join("bench.db").display());
        let addr = serve(pgkit(&db, None).await).await;
        results.push(report(
            "pgkit_sqlite_group_commit",
            load(addr, seconds, connections).await,
        ));
        let db2 = format!("sqlite://{}", dir.path().join("bench-logged.db").display());
        let addr = serve(pgkit(&db2, Some(&dir.path().join("logs"))).await).await;
        results.push(report(
            "pgkit_sqlite_group_commit_with_raw_log",
            load(addr, seconds, connections).await,
        ));
        if let Ok(url) = std::env::var("PGKIT_TEST_POSTGRES_URL")
            && !url.is_empty()
        {
            let addr = serve(pgkit(&url, None).await).await;
            results.push(report(
                "pgkit_postgres",
                load(addr, seconds, connections).await,
            ));
        }
        println!("{}", serde_json::Value::Array(results));
    });
}
