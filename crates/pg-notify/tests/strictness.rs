//! Strict on money and identity, lenient on everything else — as the store sees it, on SQLite
//! and PostgreSQL: warnings are kept and acknowledged, amounts are never narrowed, a delivery
//! that disagrees with its stored event is a conflict, and a re-run sees the secrets the first
//! run saw.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use pg_core::GatewayId;
use pg_notify::sql::{ColumnType, SqlConn};
use pg_notify::{
    Decoded, Event, EventState, GatewayEndpoint, HandlerError, Pipeline, ProcessOutcome,
};

fn with(body: Vec<u8>, extra: &str) -> Vec<u8> {
    let mut body = body;
    body.extend_from_slice(extra.as_bytes());
    body
}

async fn lenient_fields_are_kept_as_warnings(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    // (extra fields, the warning's field or none)
    let probes = [
        ("&goodsSize=0&goodsCodeArray=&goodsNameArray=", None),
        ("&goodsSize=1", Some("goodsSize")),
        ("&goodsCodeArray[0]=", None),
        ("&cashReceiptVat=1.5", Some("cashReceiptVat")),
        ("&goodsSize=two", Some("goodsSize")),
    ];
    for (n, (extra, warning)) in probes.iter().enumerate() {
        let n = 100 + n as u64;
        let reply = s
            .pipeline
            .handle(
                delivery(GatewayId::Innopay, with(innopay_approval(n), extra)),
                &meta(),
            )
            .await;
        assert!(reply.acknowledged, "{extra}: {reply:?}");
        let event = s
            .store
            .list(None, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.moid.as_deref() == Some(&format!("order-{n}")))
            .unwrap();
        assert_eq!(event.state, EventState::Processed);
        assert_eq!(event.amount, Some(1000 + n as i64), "{extra}");
        let fields: Vec<&str> = event.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            warning.iter().copied().collect::<Vec<_>>(),
            "{extra}"
        );
    }
    // Warnings travel with the export.
    let mut out = Vec::new();
    s.store.export_jsonl(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\"cashReceiptVat\""), "{text}");
    assert_eq!(effects(&s.store, &s.prefix).await.len(), probes.len());
}

async fn cancels_keep_both_amounts(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    for body in [innopay_approval(200), innopay_cancel(200, 1)] {
        assert!(
            s.pipeline
                .handle(delivery(GatewayId::Innopay, body), &meta())
                .await
                .acknowledged
        );
    }
    let events = s.store.list(None, 0, 10).await.unwrap();
    let amounts: Vec<(String, Option<i64>, Option<i64>)> = events
        .iter()
        .map(|e| (e.status.clone(), e.amount, e.approved_amount))
        .collect();
    assert_eq!(
        amounts,
        [
            ("approved".to_owned(), Some(1200), Some(1200)),
            ("cancelled".to_owned(), Some(100), Some(1200)),
        ]
    );
    let mut out = Vec::new();
    s.store.export_jsonl(&mut out).await.unwrap();
    let last: serde_json::Value =
        serde_json::from_str(String::from_utf8(out).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["amount"].as_i64(), last["approved_amount"].as_i64()),
        (Some(100), Some(1200))
    );
}

async fn money_and_identity_are_refused_whole(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    let huge_status = format!(
        "moid=o&pgTid={}&status={}&approvalAmt=1",
        tid(1),
        "9".repeat(500_000)
    );
    let cases: [(Vec<u8>, &str); 4] = [
        (
            format!(
                "moid=o&pgTid={}&status=25&approvalAmt=9223372036854775808",
                tid(1)
            )
            .into_bytes(),
            "approvalAmt",
        ),
        (
            format!(
                "moid=o&pgTid={}&status=25&approvalAmt=1000000000000",
                tid(1)
            )
            .into_bytes(),
            "approvalAmt",
        ),
        (
            format!("moid=o&pgTid={}&status=25&approvalAmt=1000.50", tid(1)).into_bytes(),
            "approvalAmt",
        ),
        (huge_status.into_bytes(), "status"),
    ];
    for (body, field) in cases {
        let reply = s
            .pipeline
            .handle(delivery(GatewayId::Innopay, body), &meta())
            .await;
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        assert_eq!((reply.status, reply.acknowledged), (400, false), "{text}");
        assert!(text.contains(field), "{field}: {text}");
        assert!(
            text.len() < 400,
            "the answer does not echo the value: {} bytes",
            text.len()
        );
    }
    assert!(s.store.list(None, 0, 10).await.unwrap().is_empty());
    assert_eq!(s.store.rejections(0, 10).await.unwrap().len(), 4);

    // A status the manual does not list is kept as received, not refused.
    let unknown = format!("moid=o-99&pgTid={}&status=99&approvalAmt=500", tid(2)).into_bytes();
    let reply = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, unknown), &meta())
        .await;
    assert!(reply.acknowledged);
    let stored = &s.store.list(None, 0, 10).await.unwrap()[0];
    assert_eq!((stored.status.as_str(), stored.amount), ("99", Some(500)));
}

async fn conflicting_deliveries_are_never_applied(backend: &str) {
    let Some(s) = setup(backend, |e| e).await else {
        return;
    };
    let original = innopay_approval(300);
    assert!(
        s.pipeline
            .handle(delivery(GatewayId::Innopay, original.clone()), &meta())
            .await
            .acknowledged
    );
    let other_amount = String::from_utf8(original.clone())
        .unwrap()
        .replace("approvalAmt=1300", "approvalAmt=9300");
    let other_order = String::from_utf8(original.clone())
        .unwrap()
        .replace("moid=order-300", "moid=order-999");
    for (body, differs) in [(other_amount, "amount"), (other_order, "moid")] {
        let reply = s
            .pipeline
            .handle(delivery(GatewayId::Innopay, body.into_bytes()), &meta())
            .await;
        assert_eq!((reply.status, reply.acknowledged), (409, false));
        assert_eq!(reply.body, b"NACK conflict");
        let e = &s.store.list(None, 0, 10).await.unwrap()[0];
        assert!(e.conflict_detail.as_deref().unwrap().contains(differs));
    }
    let e = &s.store.list(None, 0, 10).await.unwrap()[0];
    assert_eq!(
        (e.conflicts, e.amount, e.moid.as_deref()),
        (2, Some(1300), Some("order-300"))
    );
    let conflict_body = e.conflict_body.as_deref().unwrap();
    assert!(conflict_body.contains("moid=order-999"), "{conflict_body}");
    assert!(!conflict_body.contains("4111111111111111"), "masked");
    // The handler ran once, for the original; the original's resend is still a duplicate.
    assert_eq!(effects(&s.store, &s.prefix).await.len(), 1);
    let again = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, original), &meta())
        .await;
    assert!(again.acknowledged);

    // A conflict on a failed event is recorded too, and does not run the handler.
    s.fail.store(true, Ordering::SeqCst);
    s.pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(301)), &meta())
        .await;
    s.fail.store(false, Ordering::SeqCst);
    let changed = String::from_utf8(innopay_approval(301))
        .unwrap()
        .replace("approvalAmt=1301", "approvalAmt=1");
    let reply = s
        .pipeline
        .handle(delivery(GatewayId::Innopay, changed.into_bytes()), &meta())
        .await;
    assert_eq!(reply.status, 409);
    let failed = &s.store.list(Some(EventState::Failed), 0, 10).await.unwrap()[0];
    assert_eq!((failed.conflicts, failed.amount), (1, Some(1301)));
    assert_eq!(effects(&s.store, &s.prefix).await.len(), 1);
}

async fn reruns_see_the_secrets_the_first_run_saw(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, _prefix)) = store(backend, dir.path()).await else {
        return;
    };
    let fail = Arc::new(AtomicBool::new(true));
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let handler = {
        let (fail, seen) = (fail.clone(), seen.clone());
        move |event: &Event, _: &mut dyn SqlConn| -> Result<(), HandlerError> {
            if let Decoded::Innopay(n) = &event.decoded {
                let key = n.bill_key.as_ref().map(|k| k.expose().to_owned());
                seen.lock().unwrap().push(key.unwrap_or_default());
            }
            if fail.load(Ordering::SeqCst) {
                return Err(HandlerError::new("billing service is down"));
            }
            Ok(())
        }
    };
    let pipeline = Pipeline::builder(store.clone())
        .endpoint(GatewayEndpoint::innopay(handler))
        .build();
    let body = with(innopay_approval(400), "&billKey=BK-7f3a9c21");
    let reply = pipeline
        .handle(delivery(GatewayId::Innopay, body), &meta())
        .await;
    assert_eq!(reply.status, 500);
    let id = store.list(Some(EventState::Failed), 0, 10).await.unwrap()[0].id;
    fail.store(false, Ordering::SeqCst);
    assert_eq!(
        pipeline.rerun(id).await.unwrap(),
        ProcessOutcome::Processed { id }
    );
    assert_eq!(*seen.lock().unwrap(), ["BK-7f3a9c21", "BK-7f3a9c21"]);
    // The record, its decoded form and the export never show the key or the card number.
    let record = store.get(id).await.unwrap().unwrap();
    assert!(record.body.contains("billKey=***"), "{}", record.body);
    let mut out = Vec::new();
    store.export_jsonl(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains("BK-7f3a9c21") && !text.contains("4111111111111111"),
        "{text}"
    );
    // The file that keeps the key is its owner's only.
    #[cfg(unix)]
    if backend == "sqlite" {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("events.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A notification without a secret is kept once: a re-run decodes the stored body.
    let plain = pipeline
        .handle(delivery(GatewayId::Innopay, innopay_approval(401)), &meta())
        .await;
    assert!(plain.acknowledged);
    let sql = format!("SELECT COUNT(*), COUNT(rerun_body) FROM {_prefix}events");
    let counts = store
        .with_connection(move |c| c.query(&sql, &[], &[ColumnType::Int, ColumnType::Int]))
        .await
        .unwrap();
    assert_eq!(
        (counts[0][0].as_i64(), counts[0][1].as_i64()),
        (Some(2), Some(1))
    );
}

async fn stores_from_before_the_new_columns_are_upgraded(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, prefix)) = store(backend, dir.path()).await else {
        return;
    };
    let pipeline = |store: &pg_notify::Store| {
        Pipeline::builder(store.clone())
            .endpoint(GatewayEndpoint::innopay(
                |_: &Event, _: &mut dyn SqlConn| -> Result<(), HandlerError> { Ok(()) },
            ))
            .build()
    };
    let body = innopay_approval(500);
    assert!(
        pipeline(&store)
            .handle(delivery(GatewayId::Innopay, body.clone()), &meta())
            .await
            .acknowledged
    );
    // Make the table what the first release created, then reopen it.
    let downgrade = format!(
        "ALTER TABLE {prefix}events DROP COLUMN approved_amount; \
         ALTER TABLE {prefix}events DROP COLUMN rerun_body; \
         ALTER TABLE {prefix}events DROP COLUMN conflicts; \
         ALTER TABLE {prefix}events DROP COLUMN conflict_detail; \
         ALTER TABLE {prefix}events DROP COLUMN conflict_body; \
         DROP INDEX {prefix}events_failed; \
         CREATE INDEX {prefix}events_state ON {prefix}events (state)"
    );
    store
        .with_connection(move |c| c.batch(&downgrade))
        .await
        .unwrap();
    drop(store);
    let store = open_store(backend, dir.path(), &prefix).await.unwrap();
    // The index of every event's state became an index of failed events only.
    let table = format!("{prefix}events");
    let indexes = store
        .with_connection(move |c| {
            let sql = match c.dialect() {
                pg_notify::sql::Dialect::Sqlite => {
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 ORDER BY name"
                }
                pg_notify::sql::Dialect::Postgres => {
                    "SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname"
                }
            };
            c.query(sql, &[pg_notify::SqlValue::from(table.as_str())], &[ColumnType::Text])
        })
        .await
        .unwrap();
    let names: Vec<&str> = indexes.iter().filter_map(|r| r[0].as_str()).collect();
    assert!(
        names.contains(&format!("{prefix}events_failed").as_str()),
        "{names:?}"
    );
    assert!(
        !names.contains(&format!("{prefix}events_state").as_str()),
        "{names:?}"
    );
    let old = &store.list(None, 0, 10).await.unwrap()[0];
    assert_eq!(
        (old.amount, old.approved_amount, old.conflicts),
        (Some(1500), None, 0)
    );
    // The old event's resend is a duplicate, not a conflict; a re-run decodes the old body.
    let pipeline = pipeline(&store);
    let reply = pipeline
        .handle(delivery(GatewayId::Innopay, body), &meta())
        .await;
    assert_eq!((reply.status, reply.acknowledged), (200, true));
    assert_eq!(
        pipeline.rerun(old.id).await.unwrap(),
        ProcessOutcome::Processed { id: old.id }
    );
}

async fn smartro_signatures_follow_the_policy(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, _)) = store(backend, dir.path()).await else {
        return;
    };
    let key = pg_core::Secret::new("0123456789abcdef0123456789abcdefKEY");
    let body = |n: u32, sign: &str| {
        format!(
            "PayMethod=CARD&Amt=1004&TID=t_2510201m0101251020153000{n:04}&OID=M{n}&ResultCode=3001&state_cd=0&SignValue={sign}"
        )
        .into_bytes()
    };
    let signed = |n: u32| {
        let tid = format!("t_2510201m0101251020153000{n:04}");
        let sign = pg_smartro::crypto::sign_value(&tid, "3001", &key).unwrap();
        let mut encoded = String::new();
        pg_core::form::encode_component(
            sign.as_str(),
            pg_core::Charset::Utf8,
            pg_core::form::Escape::Form,
            &mut encoded,
        )
        .unwrap();
        body(n, &encoded)
    };
    let handler = |_: &Event, _: &mut dyn SqlConn| -> Result<(), HandlerError> { Ok(()) };
    for (require, n) in [(false, 0), (true, 10)] {
        let mut decoder = pg_notify::SmartroDecoder::default().with_merchant_key(key.clone());
        if require {
            decoder = decoder.require_signature();
        }
        let pipeline = Pipeline::builder(store.clone())
            .endpoint(GatewayEndpoint::smartro(decoder, handler))
            .build();
        let m = meta();
        let send = |b: Vec<u8>| pipeline.handle(delivery(GatewayId::Smartro, b), &m);
        let verified = send(signed(n + 1)).await;
        assert!(verified.acknowledged, "{verified:?}");
        let forged = send(body(n + 2, "Zm9yZ2Vk")).await;
        assert_eq!((forged.status, forged.acknowledged), (403, false));
        let absent = send(body(n + 3, "")).await;
        assert_eq!(absent.acknowledged, !require, "{absent:?}");
        if require {
            assert!(String::from_utf8_lossy(&absent.body).contains("SignValue"));
        }
    }
    let signatures: Vec<(String, Option<String>, EventState)> = store
        .list(None, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.moid.unwrap_or_default(), e.signature, e.state))
        .collect();
    let of = |moid: &str| {
        signatures
            .iter()
            .find(|(m, _, _)| m == moid)
            .cloned()
            .unwrap()
    };
    assert_eq!(of("M1").1.as_deref(), Some("verified"));
    assert_eq!(of("M3").1.as_deref(), Some("absent"));
    assert_eq!(of("M3").2, EventState::Processed);
    assert_eq!(of("M13").1.as_deref(), Some("absent"));
    assert_eq!(of("M13").2, EventState::Failed, "recorded, not processed");
}

suite!(
    lenient_fields_are_kept_as_warnings,
    cancels_keep_both_amounts,
    money_and_identity_are_refused_whole,
    conflicting_deliveries_are_never_applied,
    reruns_see_the_secrets_the_first_run_saw,
    stores_from_before_the_new_columns_are_upgraded,
    smartro_signatures_follow_the_policy,
);
