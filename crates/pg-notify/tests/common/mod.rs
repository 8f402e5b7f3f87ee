//! Shared helpers for pg-notify's tests: notification bodies, stores for both backends, and a
//! handler whose effect can be counted.

#![allow(dead_code, unreachable_pub, unused_macros)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::sync::atomic::AtomicBool;

use pg_core::GatewayId;
use pg_notify::sql::{ColumnType, SqlConn, SqlValue};
use pg_notify::{
    Delivery, Event, GatewayEndpoint, HandlerError, Pipeline, RawLog, RequestMeta, SmartroDecoder,
    Store, StoreConfig, StoreError,
};
use time::OffsetDateTime;

/// A unique table prefix, so that tests sharing one PostgreSQL database do not meet.
pub fn prefix() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "t{}_{}_{}_",
        std::process::id(),
        nanos % 100_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A 30-character Innopay-style tid, distinct per `n`.
pub fn tid(n: u64) -> String {
    format!("testpay01m0101251020{n:010}")
}

/// An Innopay approval notification for transaction `n` (UTF-8).
pub fn innopay_approval(n: u64) -> Vec<u8> {
    format!(
        "moid=order-{n}&pgTid={}&status=25&payMethod=02&approvalAmt={}&goodsName=%ED%85%8C%EC%8A%A4%ED%8A%B8&cardNo=4111111111111111",
        tid(n),
        1000 + n
    )
    .into_bytes()
}

/// An Innopay partial-cancel notification of transaction `n`, cancel number `seq`.
pub fn innopay_cancel(n: u64, seq: u64) -> Vec<u8> {
    format!(
        "moid=order-{n}&pgTid={}&status=85&approvalAmt={}&cancelAmt=100&cancelPgTid=testpay01m0101251021101500{:04}",
        tid(n),
        1000 + n,
        seq
    )
    .into_bytes()
}

/// Which backends to run: SQLite always; PostgreSQL when `PGKIT_TEST_POSTGRES_URL` is set.
pub fn postgres_url() -> Option<String> {
    match std::env::var("PGKIT_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "SKIPPED: PostgreSQL suite (PGKIT_TEST_POSTGRES_URL is not set; `cargo xtask test` sets it when PostgreSQL is installed)"
            );
            None
        }
    }
}

/// A store of the given backend with fresh tables, plus its effects table.
pub async fn store(backend: &str, dir: &std::path::Path) -> Option<(Store, String)> {
    let prefix = prefix();
    let store = open_store(backend, dir, &prefix).await?;
    create_effects(&store, &prefix)
        .await
        .expect("effects table");
    Some((store, prefix))
}

/// Opens (or reopens) the store of `backend` whose tables are named with `prefix`.
pub async fn open_store(backend: &str, dir: &std::path::Path, prefix: &str) -> Option<Store> {
    let config = StoreConfig {
        table_prefix: prefix.to_owned(),
        ..StoreConfig::default()
    };
    open_store_with(backend, dir, config).await
}

/// Opens the store of `backend` with `config`.
pub async fn open_store_with(
    backend: &str,
    dir: &std::path::Path,
    config: StoreConfig,
) -> Option<Store> {
    Some(match backend {
        "sqlite" => Store::open(
            &format!("sqlite://{}", dir.join("events.db").display()),
            config,
        )
        .await
        .expect("sqlite store"),
        "postgres" => Store::open(&postgres_url()?, config)
            .await
            .expect("postgres store"),
        other => panic!("unknown backend {other}"),
    })
}

pub async fn create_effects(store: &Store, prefix: &str) -> Result<(), StoreError> {
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {prefix}effects (event_key TEXT NOT NULL, amount BIGINT)"
    );
    store.with_connection(move |c| c.batch(&sql)).await
}

/// A handler that inserts one effect row per run, and fails while `fail` says so.
pub fn effect_handler(
    prefix: &str,
    fail: Arc<std::sync::atomic::AtomicBool>,
) -> impl pg_notify::Handler {
    let sql = format!("INSERT INTO {prefix}effects (event_key, amount) VALUES ($1, $2)");
    move |event: &Event, tx: &mut dyn SqlConn| -> Result<(), HandlerError> {
        let amount = event.summary.amount.map(|a| a.get() as i64);
        tx.execute(
            &sql,
            &[SqlValue::from(event.key.as_str()), SqlValue::Int(amount)],
        )?;
        if fail.load(Ordering::SeqCst) {
            return Err(HandlerError::new("merchant database is down"));
        }
        Ok(())
    }
}

/// Effect rows per key.
pub async fn effects(store: &Store, prefix: &str) -> Vec<(String, i64)> {
    let sql = format!(
        "SELECT event_key, COUNT(*) FROM {prefix}effects GROUP BY event_key ORDER BY event_key"
    );
    store
        .with_connection(move |c| c.query(&sql, &[], &[ColumnType::Text, ColumnType::Int]))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r[0].as_str().unwrap().to_owned(), r[1].as_i64().unwrap()))
        .collect()
}

pub fn delivery(gateway: GatewayId, body: Vec<u8>) -> Delivery {
    Delivery {
        gateway,
        received_at: OffsetDateTime::now_utc(),
        remote: Some("127.0.0.1".parse().unwrap()),
        content_type: Some("application/x-www-form-urlencoded".into()),
        body,
    }
}

pub fn meta() -> RequestMeta {
    RequestMeta {
        method: "POST".into(),
        path: "/innopay/notify".into(),
        headers: vec![],
    }
}

pub struct Setup {
    pub pipeline: Pipeline,
    pub store: Store,
    pub prefix: String,
    pub fail: Arc<AtomicBool>,
    pub _dir: tempfile::TempDir,
}

/// A pipeline with both endpoints over a fresh store of `backend` (`None`: the backend is not
/// available), the Innopay endpoint configured by `configure`.
pub async fn setup(
    backend: &str,
    configure: impl FnOnce(GatewayEndpoint) -> GatewayEndpoint,
) -> Option<Setup> {
    let dir = tempfile::tempdir().unwrap();
    let (store, prefix) = store(backend, dir.path()).await?;
    let fail = Arc::new(AtomicBool::new(false));
    let pipeline = Pipeline::builder(store.clone())
        .raw_log(RawLog::open(dir.path().join("logs")).unwrap())
        .endpoint(configure(GatewayEndpoint::innopay(effect_handler(
            &prefix,
            fail.clone(),
        ))))
        .endpoint(GatewayEndpoint::smartro(
            SmartroDecoder::default(),
            effect_handler(&prefix, fail.clone()),
        ))
        .build();
    Some(Setup {
        pipeline,
        store,
        prefix,
        fail,
        _dir: dir,
    })
}

/// Runs each named `async fn(backend: &str)` against SQLite and PostgreSQL.
macro_rules! suite {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test("sqlite").await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test("postgres").await })*
        }
    };
}
