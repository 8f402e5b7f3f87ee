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

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use pg_core::Charset;
use pgkit_benches::{FortyFiveStrings, load, notification_body};
use tokio::net::TcpListener;

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

/// Loads `addr`'s Innopay endpoint with notifications of fresh transaction ids.
async fn load(addr: SocketAddr, seconds: f64, connections: usize) -> load::Outcome {
    let template = String::from_utf8(notification_body(Charset::Utf8)).unwrap_or_default();
    let plan = load::Plan {
        addr,
        path: "/innopay/notify".into(),
        content_type: "application/x-www-form-urlencoded".into(),
        body: Box::new(move |n| {
            template.replace(
                "nictest14m01012510201530001234",
                &format!("nictest14m0101{n:016}"),
            )
        }),
        accept: Box::new(|body| body == b"0000"),
    };
    load::run(plan, seconds, connections).await
}

fn report(name: &str, load: load::Outcome) -> serde_json::Value {
    let mut summary = load.summary();
    summary["receiver"] = name.into();
    summary
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
