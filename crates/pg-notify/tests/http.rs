//! The HTTP receiver on loopback: exact acknowledgement bodies, bad deliveries (malformed body,
//! wrong method, oversized body, disallowed address) answered with a non-acknowledgement and a
//! record, two instances sharing one PostgreSQL, and 50 concurrent senders for 10 seconds.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use pg_http::{HttpRequest, HttpResponse, Method, ReqwestTransport, Transport, TransportConfig};
use pg_notify::{
    GatewayEndpoint, HttpConfig, IpAllowlist, Pipeline, RawLog, SmartroDecoder, Store,
};

async fn serve(pipeline: Pipeline, config: HttpConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = pg_notify::router(pipeline, config);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

fn client() -> ReqwestTransport {
    ReqwestTransport::with_config(TransportConfig {
        timeout: Duration::from_secs(30),
        ..TransportConfig::default()
    })
    .unwrap()
}

fn post(url: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest::post_form(url, body, "utf-8")
}

async fn send(client: &ReqwestTransport, request: HttpRequest) -> HttpResponse {
    client.send(request).await.unwrap()
}

struct Receiver {
    base: String,
    store: Store,
    prefix: String,
    logs: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn receiver(backend: &str, allow: Option<IpAllowlist>) -> Option<Receiver> {
    let dir = tempfile::tempdir().unwrap();
    let (store, prefix) = store(backend, dir.path()).await?;
    let never = Arc::new(AtomicBool::new(false));
    let mut innopay = GatewayEndpoint::innopay(effect_handler(&prefix, never.clone()));
    if let Some(list) = allow {
        innopay = innopay.allow(list);
    }
    let logs = dir.path().join("logs");
    let pipeline = Pipeline::builder(store.clone())
        .raw_log(RawLog::open(&logs).unwrap())
        .endpoint(innopay)
        .endpoint(GatewayEndpoint::smartro(
            SmartroDecoder::default(),
            effect_handler(&prefix, never),
        ))
        .build();
    let config = HttpConfig {
        body_limit: 64 * 1024,
        ..HttpConfig::default()
    };
    Some(Receiver {
        base: serve(pipeline, config).await,
        store,
        prefix,
        logs,
        _dir: dir,
    })
}

fn log_text(dir: &std::path::Path) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[tokio::test]
async fn acknowledgements_are_exact() {
    let r = receiver("sqlite", None).await.unwrap();
    let c = client();
    let ok = send(
        &c,
        post(&format!("{}/innopay/notify", r.base), innopay_approval(1)),
    )
    .await;
    assert_eq!((ok.status, ok.body.as_slice()), (200, b"0000".as_slice()));
    let smartro =
        b"PayMethod=CARD&Amt=1004&TID=t_2510201m01012510201530001234&OID=Moid1&ResultCode=3001"
            .to_vec();
    let ok = send(&c, post(&format!("{}/smartro/notify", r.base), smartro)).await;
    assert_eq!((ok.status, ok.body.as_slice()), (200, b"OK".as_slice()));
    // An EUC-KR body, charset declared.
    let euc = b"moid=E1&pgTid=testpay01m01012510201530009999&status=25&approvalAmt=5&goodsName=%C5%D7%BD%BA%C6%AE".to_vec();
    let request = HttpRequest::post_form(format!("{}/innopay/notify", r.base), euc, "euc-kr");
    assert_eq!(send(&c, request).await.body, b"0000");
    let events = r.store.list(None, 0, 10).await.unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].decoded["notification"]["goods_name"], "테스트");
}

#[tokio::test]
async fn bad_deliveries_get_a_nack_and_a_record() {
    let r = receiver("sqlite", Some(IpAllowlist::loopback()))
        .await
        .unwrap();
    let c = client();
    let url = format!("{}/innopay/notify", r.base);
    let malformed = send(&c, post(&url, b"moid=%ZZ&pgTid=1".to_vec())).await;
    assert_eq!(malformed.status, 400);
    let get = send(
        &c,
        HttpRequest {
            method: Method::Get,
            url: format!("{url}?moid=a"),
            headers: vec![],
            body: vec![],
        },
    )
    .await;
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST"));
    let huge = send(&c, post(&url, vec![b'a'; 70 * 1024])).await;
    assert_eq!(huge.status, 413);
    for reply in [&malformed, &get, &huge] {
        assert!(
            reply.body.starts_with(b"NACK"),
            "{:?}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_ne!(reply.body, b"0000");
    }
    let rejections = r.store.rejections(0, 10).await.unwrap();
    assert_eq!(rejections.len(), 3, "{rejections:?}");
    assert!(rejections[1].reason.contains("method GET"));
    assert!(rejections[2].reason.contains("larger than"));
    assert!(r.store.list(None, 0, 10).await.unwrap().is_empty());
    let log = log_text(&r.logs);
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("\"acknowledged\":false"))
            .count(),
        3,
        "{log}"
    );
}

#[tokio::test]
async fn disallowed_addresses_are_refused() {
    let r = receiver("sqlite", Some(IpAllowlist::smartro_live()))
        .await
        .unwrap();
    let reply = send(
        &client(),
        post(&format!("{}/innopay/notify", r.base), innopay_approval(1)),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(r.store.list(None, 0, 10).await.unwrap().is_empty());
    let rejections = r.store.rejections(0, 10).await.unwrap();
    assert!(rejections[0].reason.contains("127.0.0.1 is not allowed"));
    let log = log_text(&r.logs);
    assert!(log.contains("\"remote\":\"127.0.0.1\""));
    assert!(
        !log.contains("4111111111111111"),
        "card numbers are masked in the log"
    );
}

#[tokio::test]
async fn unknown_paths_are_not_routed() {
    let r = receiver("sqlite", None).await.unwrap();
    let reply = send(
        &client(),
        post(&format!("{}/elsewhere", r.base), innopay_approval(1)),
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres() {
    let Some(url) = postgres_url() else { return };
    let prefix = prefix();
    let config = pg_notify::StoreConfig {
        table_prefix: prefix.clone(),
        ..Default::default()
    };
    let a = Store::open(&url, config.clone()).await.unwrap();
    let b = Store::open(&url, config).await.unwrap();
    create_effects(&a, &prefix).await.unwrap();
    let never = Arc::new(AtomicBool::new(false));
    let mut bases = Vec::new();
    for store in [a.clone(), b] {
        let pipeline = Pipeline::builder(store)
            .endpoint(GatewayEndpoint::innopay(effect_handler(
                &prefix,
                never.clone(),
            )))
            .build();
        bases.push(serve(pipeline, HttpConfig::default()).await);
    }
    let c = Arc::new(client());
    let mut tasks = Vec::new();
    for n in 0..200u64 {
        // The same delivery reaches both instances at the same moment.
        for base in &bases {
            let (c, url) = (c.clone(), format!("{base}/innopay/notify"));
            tasks.push(tokio::spawn(async move {
                send(&c, post(&url, innopay_approval(n))).await
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().body, b"0000");
    }
    let effects = effects(&a, &prefix).await;
    assert_eq!(effects.len(), 200);
    assert!(
        effects.iter().all(|(_, n)| *n == 1),
        "a duplicate was processed twice"
    );
    let events = a.list(None, 0, 1000).await.unwrap();
    assert_eq!(events.len(), 200);
    assert!(events.iter().all(|e| e.deliveries == 2 && e.attempts == 1));
}

/// 50 concurrent senders for 10 seconds, each delivery sent once and a fifth of them twice.
async fn sustained_load(backend: &str) {
    let Some(r) = receiver(backend, None).await else {
        return;
    };
    let c = Arc::new(client());
    let url = format!("{}/innopay/notify", r.base);
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut senders = Vec::new();
    for _ in 0..50 {
        let (c, url, next) = (c.clone(), url.clone(), next.clone());
        senders.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let copies = if n % 5 == 0 { 2 } else { 1 };
                for _ in 0..copies {
                    let reply = send(&c, post(&url, innopay_approval(n))).await;
                    assert_eq!(
                        (reply.status, reply.body.as_slice()),
                        (200, b"0000".as_slice())
                    );
                }
                acknowledged.push(n);
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for s in senders {
        acknowledged.extend(s.await.unwrap());
    }
    let distinct = acknowledged.len();
    assert!(distinct > 500, "only {distinct} deliveries in 10 s");
    let mut stored = 0;
    let mut after = 0;
    loop {
        let page = r
            .store
            .list(Some(pg_notify::EventState::Processed), after, 1000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        stored += page.len();
    }
    let expected = distinct;
    assert_eq!(stored, expected, "every acknowledged event is stored, once");
    let effects = effects(&r.store, &r.prefix).await;
    assert_eq!(effects.len(), expected);
    let stats = r.store.stats();
    eprintln!(
        "{backend}: {distinct} events acknowledged in 10 s with 50 senders; {} writes in {} commits",
        stats.writes, stats.commits
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_load_sqlite() {
    sustained_load("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_load_postgres() {
    sustained_load("postgres").await;
}

#[tokio::test]
async fn the_plain_tower_service() {
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store("sqlite", dir.path()).await.unwrap();
    let pipeline = Pipeline::builder(store.clone())
        .endpoint(GatewayEndpoint::innopay(pg_notify::StoreOnly))
        .build();
    let service =
        pg_notify::NotifyService::new(pipeline, pg_core::GatewayId::Innopay, HttpConfig::default());
    let request = axum::http::Request::post("/any/path")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(innopay_approval(9)))
        .unwrap();
    let response = service.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"0000");
    assert_eq!(store.list(None, 0, 10).await.unwrap().len(), 1);
}
