//! One conformance suite, run against SQLite and PostgreSQL: idempotency, exactly-once handler
//! effects, failures that stay visible, rejections, the query side, and group commit.

#[macro_use]
mod common;

use common::*;
use pg_core::GatewayId;
use std::sync::Arc;

use pg_notify::{
    Event, EventState, GatewayEndpoint, HandlerError, IpAllowlist, OrderCheck, Pipeline,
    ProcessOutcome, SqlConn, SqlValue,
};

async fn new_events_are_processed_once(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    let reply = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(1)), &meta())
        .await;
    assert!(reply.acknowledged);
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (200, b"0000".as_slice())
    );
    for _ in 0..3 {
        let again = s
            .pipeline
            .handle(delivery(GatewayId::Innopay, innopay_approval(1)), &meta())
            .await;
        assert_eq!(again.body, b"0000", "a duplicate is acknowledged again");
    }
    let answered = s.pipeline.delivery_stats();
    assert_eq!((answered.answered, answered.acknowledged), (4, 4));
    assert_eq!(answered.not_acknowledged(), 0);
    let events = s.store.list(None, 0, 100).await.unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.state, EventState::Processed);
    assert_eq!((e.attempts, e.deliveries), (1, 4));
    assert_eq!(e.key, format!("innopay:{}:approved:0", tid(1)));
    assert_eq!(e.amount, Some(1001));
    assert!(e.body.contains("cardNo=411111******1111"), "{}", e.body);
    assert!(!e.body.contains("4111111111111111"));
    assert_eq!(e.decoded["gateway"], "innopay");
    assert_eq!(effects(&s.store, &s.prefix).await, [(e.key.clone(), 1)]);
}

async fn handler_failures_are_visible_and_retried(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    s.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..2 {
        let reply = s
            .pipeline
            .handle(delivery(GatewayId::Innopay, innopay_approval(2)), &meta())
            .await;
        assert!(!reply.acknowledged);
        assert_eq!(reply.status, 500);
        assert_ne!(reply.body, b"0000");
    }
    let failed = s.store.list(Some(EventState::Failed), 0, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].attempts, failed[0].deliveries), (2, 2));
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("merchant database is down")
    );
    // The failed runs' writes were rolled back.
    assert!(effects(&s.store, &s.prefix).await.is_empty());

    // The merchant fixes the problem; the gateway's next resend succeeds.
    s.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    let reply = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(2)), &meta())
        .await;
    assert!(reply.acknowledged);
    let e = &s.store.list(None, 0, 10).await.unwrap()[0];
    assert_eq!(
        (e.state, e.attempts, e.deliveries),
        (EventState::Processed, 3, 3)
    );
    assert_eq!(e.last_error, None);
    assert_eq!(effects(&s.store, &s.prefix).await.len(), 1);
}

async fn rerun_runs_a_failed_handler(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    s.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    s.pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(3)), &meta())
        .await;
    let id = s.store.list(Some(EventState::Failed), 0, 10).await.unwrap()[0].id;
    assert!(s.pipeline.rerun(id).await.is_err(), "still failing");
    s.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        s.pipeline.rerun(id).await.unwrap(),
        ProcessOutcome::Processed { id }
    );
    let e = s.store.get(id).await.unwrap().unwrap();
    assert_eq!(
        (e.state, e.attempts, e.deliveries),
        (EventState::Processed, 3, 1)
    );
    // A second re-run does not run the handler again.
    s.pipeline.rerun(id).await.unwrap();
    assert_eq!(effects(&s.store, &s.prefix).await.len(), 1);
    assert!(matches!(
        s.pipeline.rerun(9_999_999).await,
        Err(pg_notify::RerunError::NotFound(_))
    ));
}

async fn partial_cancels_are_separate_events(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    for body in [
        innopay_approval(4),
        innopay_cancel(4, 1),
        innopay_cancel(4, 2),
        innopay_cancel(4, 1),
    ] {
        assert!(
            s.pipeline
                .handle(delivery(GatewayId::Innopay, body), &meta())
                .await
                .acknowledged
        );
    }
    let keys: Vec<String> = s
        .store
        .list(None, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(effects(&s.store, &s.prefix).await.len(), 3);
}

async fn bad_deliveries_are_rejected_and_recorded(backend: &str) {
    let Some(s) = setup(backend, |e| {
        e.allow(IpAllowlist::parse(["10.0.0.0/8", "127.0.0.1"]).unwrap())
    })
    .await
    else {
        return;
    };
    let mut outsider = delivery(GatewayId::Innopay, innopay_approval(5));
    outsider.remote = Some("203.0.113.9".parse().unwrap());
    let reply = s.pipeline.handle(outsider, &meta()).await;
    assert_eq!((reply.status, reply.acknowledged), (403, false));
    let malformed = s
        .pipeline
        .handle(
            delivery(GatewayId::Innopay, b"moid=a&pgTid=%ZZ".to_vec()),
            &meta(),
        )
        .await;
    assert_eq!((malformed.status, malformed.acknowledged), (400, false));
    let missing = s
        .pipeline
        .handle(
            delivery(GatewayId::Innopay, b"goodsName=x".to_vec()),
            &meta(),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(String::from_utf8_lossy(&missing.body).contains("moid"));
    let refused = s
        .pipeline
        .refuse(
            delivery(GatewayId::Innopay, b"moid=b".to_vec()),
            &meta(),
            405,
            "method GET",
        )
        .await;
    assert_eq!((refused.status, refused.acknowledged), (405, false));
    let answered = s.pipeline.delivery_stats();
    assert_eq!((answered.answered, answered.acknowledged), (4, 0));
    assert_eq!(answered.not_acknowledged(), 4);
    let rejections = s.store.rejections(0, 10).await.unwrap();
    assert_eq!(rejections.len(), 4);
    assert!(rejections[0].reason.contains("203.0.113.9"));
    assert!(rejections[0].body.contains("411111******1111"));
    assert!(s.store.list(None, 0, 10).await.unwrap().is_empty());
    assert!(effects(&s.store, &s.prefix).await.is_empty());
}

struct AmountCheck;

#[async_trait::async_trait]
impl OrderCheck for AmountCheck {
    async fn check(&self, event: &pg_notify::Event) -> Result<(), String> {
        match event.summary.amount.map(|a| a.get()) {
            Some(1006) => Ok(()),
            other => Err(format!("amount {other:?} is not the order's 1006")),
        }
    }
}

async fn order_checks_keep_failures_visible(backend: &str) {
    let Some(s) = setup(backend, |e| e.order_check(AmountCheck)).await else {
        return;
    };
    let wrong = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(7)), &meta())
        .await;
    assert_eq!((wrong.status, wrong.acknowledged), (422, false));
    let failed = s.store.list(Some(EventState::Failed), 0, 10).await.unwrap();
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("not the order's 1006")
    );
    let right = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(6)), &meta())
        .await;
    assert!(right.acknowledged);
}

async fn smartro_renotifications(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    let body = b"PayMethod=CARD&MID=t_2510201m&Amt=1004&TID=t_2510201m01012510201530001234&OID=Moid1&ResultCode=3001&state_cd=0".to_vec();
    let reply = s
        .pipeline
        .handle(delivery(GatewayId::Smartro, body.clone()), &meta())
        .await;
    assert_eq!(
        (reply.body.as_slice(), reply.acknowledged),
        (b"OK".as_slice(), true)
    );
    assert!(
        s.pipeline
            .handle(delivery(GatewayId::Smartro, body), &meta())
            .await
            .acknowledged
    );
    let events = s.store.list(None, 0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].key,
        "smartro:t_2510201m01012510201530001234:approved:0"
    );
}

async fn query_side_and_export(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    for n in 10..15 {
        s.pipeline
            .handle(delivery(GatewayId::Innopay, innopay_approval(n)), &meta())
            .await;
    }
    s.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    s.pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(15)), &meta())
        .await;
    assert_eq!(
        s.store.counts().await.unwrap(),
        [("failed".to_owned(), 1), ("processed".to_owned(), 5)]
    );
    // By state: the failed one (through its partial index), the processed ones.
    let failed = s.store.list(Some(EventState::Failed), 0, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].state, EventState::Failed);
    let processed = s
        .store
        .list(Some(EventState::Processed), 0, 10)
        .await
        .unwrap();
    assert_eq!(processed.len(), 5);
    assert!(processed.iter().all(|e| e.state == EventState::Processed));
    assert!(
        s.store
            .list(Some(EventState::Failed), failed[0].id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let page = s.store.list(None, 0, 2).await.unwrap();
    let next = s.store.list(None, page[1].id, 10).await.unwrap();
    assert_eq!((page.len(), next.len()), (2, 4));
    let mut out = Vec::new();
    assert_eq!(s.store.export_jsonl(&mut out).await.unwrap(), 6);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[5]["state"], "failed");
    assert_eq!(lines[0]["decoded"]["notification"]["moid"], "order-10");
}

async fn concurrent_deliveries_commit_together(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    let mut tasks = Vec::new();
    for n in 0..300u64 {
        let pipeline = s.pipeline.clone();
        // Every event twice, concurrently.
        for _ in 0..2 {
            let pipeline = pipeline.clone();
            tasks.push(tokio::spawn(async move {
                pipeline
                    .handle(delivery(GatewayId::Innopay, innopay_approval(n)), &meta())
                    .await
            }));
        }
    }
    for t in tasks {
        assert!(t.await.unwrap().acknowledged);
    }
    let effects = effects(&s.store, &s.prefix).await;
    assert_eq!(effects.len(), 300);
    assert!(effects.iter().all(|(_, n)| *n == 1));
    let stats = s.store.stats();
    assert_eq!(stats.writes, 600);
    assert!(stats.commits < stats.writes, "group commit: {stats:?}");
    eprintln!(
        "{backend}: {} deliveries in {} commits",
        stats.writes, stats.commits
    );
}

/// Batches mix handlers that write, handlers that fail after writing, handlers that never touch
/// the connection, and keys sent twice: each handler runs once per delivery it settles, a
/// failure undoes only its own writes, and the others commit.
async fn one_failing_handler_does_not_spoil_its_batch(backend: &str) {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    let dir = tempfile::tempdir().unwrap();
    let Some((store, prefix)) = store(backend, dir.path()).await else {
        return;
    };
    create_effects(&store, &prefix).await.unwrap();
    let runs = Arc::new(Mutex::new(std::collections::BTreeMap::<String, u32>::new()));
    let writes_nothing = Arc::new(AtomicU64::new(0));
    let handler = {
        let (runs, writes_nothing) = (runs.clone(), writes_nothing.clone());
        let sql = format!("INSERT INTO {prefix}effects (event_key, amount) VALUES ($1, $2)");
        move |event: &Event, tx: &mut dyn SqlConn| -> Result<(), HandlerError> {
            *runs.lock().unwrap().entry(event.key.clone()).or_default() += 1;
            let moid = event.summary.moid.as_ref().unwrap().as_str().to_owned();
            let n: u64 = moid.trim_start_matches("order-").parse().unwrap();
            if n % 3 == 0 {
                // Looks at the event only.
                writes_nothing.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            tx.execute(
                &sql,
                &[SqlValue::from(event.key.as_str()), SqlValue::Int(Some(1))],
            )?;
            if n % 5 == 0 {
                return Err(HandlerError::new(format!("order {n} is on hold")));
            }
            Ok(())
        }
    };
    let pipeline = Pipeline::builder(store.clone())
        .endpoint(GatewayEndpoint::innopay(handler))
        .build();
    let mut tasks = Vec::new();
    for n in 1..=240u64 {
        // Every seventh event twice, at once.
        for _ in 0..(1 + u64::from(n % 7 == 0)) {
            let pipeline = pipeline.clone();
            tasks.push(tokio::spawn(async move {
                let reply = pipeline
                    .handle(delivery(GatewayId::Innopay, innopay_approval(n)), &meta())
                    .await;
                (n, reply)
            }));
        }
    }
    for t in tasks {
        let (n, reply) = t.await.unwrap();
        let fails = n % 5 == 0 && n % 3 != 0;
        assert_eq!(reply.acknowledged, !fails, "order {n}: {reply:?}");
    }
    let effects = effects(&store, &prefix).await;
    let expected = (1..=240u64).filter(|n| n % 3 != 0 && n % 5 != 0).count();
    assert_eq!(effects.len(), expected);
    assert!(effects.iter().all(|(_, count)| *count == 1), "{effects:?}");
    // A processed event's second delivery does not run the handler; a failed one's does (it is
    // the resend that retries it).
    for (key, count) in runs.lock().unwrap().iter() {
        assert!((1..=2).contains(count), "{key} ran {count} times");
    }
    let failed = store.list(Some(EventState::Failed), 0, 1000).await.unwrap();
    let failing = (1..=240u64).filter(|n| n % 5 == 0 && n % 3 != 0).count();
    assert_eq!(failed.len(), failing);
    assert!(failed.iter().all(|e| {
        e.last_error
            .as_deref()
            .is_some_and(|m| m.ends_with("is on hold"))
            && e.processed_at.is_none()
    }));
    let processed = store
        .list(Some(EventState::Processed), 0, 1000)
        .await
        .unwrap();
    assert_eq!(processed.len() + failed.len(), 240);
    assert_eq!(writes_nothing.load(Ordering::SeqCst), 80);
    let stats = store.stats();
    assert!(stats.commits < stats.writes, "batched: {stats:?}");
}

suite!(
    one_failing_handler_does_not_spoil_its_batch,
    new_events_are_processed_once,
    handler_failures_are_visible_and_retried,
    rerun_runs_a_failed_handler,
    partial_cancels_are_separate_events,
    bad_deliveries_are_rejected_and_recorded,
    order_checks_keep_failures_visible,
    smartro_renotifications,
    query_side_and_export,
    concurrent_deliveries_commit_together,
);
