//! Several receivers on one database: what `pgkit notify serve` on two machines (or two
//! processes, each sized with `--writers`) does with a gateway that delivers the same
//! notification to both at once. Each event is stored once and its handler's effect happens
//! once, whichever receiver wins; the other acknowledges it as a resend. Run against SQLite (two
//! stores on one file) and PostgreSQL.

#[macro_use]
mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use common::*;
use pg_core::GatewayId;
use pg_notify::{EventState, GatewayEndpoint, Pipeline, SmartroDecoder, Store, StoreConfig};

/// A store on the database of `backend` under `prefix`, with `writers` writer connections.
async fn open(backend: &str, dir: &std::path::Path, prefix: &str, writers: usize) -> Option<Store> {
    let config = StoreConfig {
        table_prefix: prefix.to_owned(),
        writers: Some(writers),
        ..StoreConfig::default()
    };
    open_store_with(backend, dir, config).await
}

/// A receiver's pipeline over `store`, its handlers writing effect rows.
fn receiver(store: &Store, prefix: &str) -> Pipeline {
    let fail = Arc::new(AtomicBool::new(false));
    Pipeline::builder(store.clone())
        .endpoint(GatewayEndpoint::innopay(effect_handler(
            prefix,
            fail.clone(),
        )))
        .endpoint(GatewayEndpoint::smartro(
            SmartroDecoder::default(),
            effect_handler(prefix, fail),
        ))
        .build()
}

async fn two_receivers_store_and_handle_each_event_once(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = prefix();
    // Sized as the README says for two receivers sharing a database: one writer, and two.
    let Some(first) = open(backend, dir.path(), &prefix, 1).await else {
        return;
    };
    let second = open(backend, dir.path(), &prefix, 2).await.unwrap();
    create_effects(&first, &prefix).await.unwrap();
    let receivers = [receiver(&first, &prefix), receiver(&second, &prefix)];

    // 150 approvals and a partial cancel of every third, each delivered to both receivers at
    // the same time (and every fifth approval twice more to the second): 400 deliveries of
    // 200 events.
    let mut bodies = Vec::new();
    for n in 0..150u64 {
        let copies = if n % 5 == 0 { 3 } else { 1 };
        bodies.push((innopay_approval(n), copies));
        if n % 3 == 0 {
            bodies.push((innopay_cancel(n, 1), 1));
        }
    }
    let mut tasks = Vec::new();
    for (body, copies) in &bodies {
        for (index, pipeline) in receivers.iter().enumerate() {
            let times = if index == 1 { *copies } else { 1 };
            for _ in 0..times {
                let (pipeline, body) = (pipeline.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    pipeline
                        .handle(delivery(GatewayId::Innopay, body), &meta())
                        .await
                }));
            }
        }
    }
    let sent = tasks.len();
    for task in tasks {
        let reply = task.await.unwrap();
        assert!(reply.acknowledged, "{} {:?}", reply.status, reply.body);
        assert_eq!(reply.body, b"0000");
    }

    let events = first.list(None, 0, 1000).await.unwrap();
    assert_eq!(events.len(), bodies.len(), "each event stored once");
    assert!(events.iter().all(|e| e.state == EventState::Processed));
    assert!(events.iter().all(|e| e.attempts == 1), "each handled once");
    let deliveries: i64 = events.iter().map(|e| e.deliveries).sum();
    assert_eq!(
        deliveries as usize, sent,
        "every delivery counted, on its event"
    );
    let effects = effects(&first, &prefix).await;
    assert_eq!(effects.len(), bodies.len());
    assert!(
        effects.iter().all(|(_, n)| *n == 1),
        "one effect per event: {:?}",
        effects.iter().filter(|(_, n)| *n != 1).collect::<Vec<_>>()
    );
    // Both receivers did part of the work, each in batches.
    for store in [&first, &second] {
        let stats = store.stats();
        assert!(
            stats.writes > 0 && stats.commits <= stats.writes,
            "{stats:?}"
        );
    }
    // Both see the same store.
    assert_eq!(
        second.list(None, 0, 1000).await.unwrap().len(),
        bodies.len()
    );
}

/// A writer count the store cannot honour is refused, naming the setting: PostgreSQL opens one
/// connection per writer. SQLite has one writer whatever the setting says.
async fn writer_counts_out_of_range_are_refused(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    if backend == "sqlite" {
        assert!(open(backend, dir.path(), &prefix(), 0).await.is_some());
        return;
    }
    let Some(url) = postgres_url() else {
        return;
    };
    for writers in [0, pg_notify::MAX_WRITERS + 1] {
        let config = StoreConfig {
            table_prefix: prefix(),
            writers: Some(writers),
            ..StoreConfig::default()
        };
        let Err(error) = Store::open(&url, config).await else {
            panic!("{writers} writers were accepted");
        };
        assert!(
            error.to_string().contains("writers must be 1 to 64"),
            "{writers}: {error}"
        );
    }
}

/// A receiver joining others on a live PostgreSQL database (a second process, a restart, an
/// export) opens its store without locking their tables: had it run its schema statements
/// again (`ALTER TABLE ... ADD COLUMN IF NOT EXISTS` takes an exclusive lock even when the
/// column exists), it would wait for their open transactions, and their next inserts would
/// queue behind it. SQLite's writers take turns on the file by design.
async fn joining_a_live_database_takes_no_lock_on_its_tables(backend: &str) {
    if backend == "sqlite" {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = prefix();
    let Some(first) = open(backend, dir.path(), &prefix, 1).await else {
        return;
    };
    create_effects(&first, &prefix).await.unwrap();
    // A transaction of the running receiver, holding its table as an insert does, for 3 s.
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let lock = format!("BEGIN; LOCK TABLE {prefix}events IN ROW EXCLUSIVE MODE");
    let running = tokio::spawn({
        let first = first.clone();
        async move {
            first
                .with_connection(move |c| {
                    c.batch(&lock)?;
                    held_tx.send(()).unwrap();
                    std::thread::sleep(std::time::Duration::from_secs(3));
                    c.batch("COMMIT")
                })
                .await
        }
    });
    held_rx.recv().unwrap();
    let second = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        open(backend, dir.path(), &prefix, 1),
    )
    .await
    .expect("the second store waited for the first one's transaction")
    .expect("the second store opened");
    running.await.unwrap().unwrap();
    // The store it joined is the same: an event stored by one is seen by the other.
    let body = innopay_approval(7);
    assert!(
        receiver(&first, &prefix)
            .handle(delivery(GatewayId::Innopay, body), &meta())
            .await
            .acknowledged
    );
    assert_eq!(second.list(None, 0, 10).await.unwrap().len(), 1);
}

suite!(
    two_receivers_store_and_handle_each_event_once,
    writer_counts_out_of_range_are_refused,
    joining_a_live_database_takes_no_lock_on_its_tables,
);
