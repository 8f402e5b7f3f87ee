//! The hot paths, each beside its baseline on the same bytes, in one run:
//! hashing and encryption, callback parsing, URL building, response parsing, and the pipeline's
//! decode-store-acknowledge step.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pg_core::{Charset, Secret};
use pg_innopay::notification::Notification;
use pg_innopay::web_link::WebLinkRequest;
use pgkit_benches::*;
use sha2::{Digest, Sha256};

fn encrypt_data(c: &mut Criterion) {
    let input = encrypt_data_input();
    let key = Secret::new(MERCHANT_KEY);
    let mut g = c.benchmark_group("encrypt_data");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("sha256_digest_baseline", |b| {
        b.iter(|| Sha256::digest(black_box(input.as_bytes())))
    });
    g.bench_function("pgkit_encrypt_data", |b| {
        b.iter(|| pg_smartro::crypto::encrypt_data(black_box(EDI_DATE), MID, AMT, &key))
    });
    g.finish();
}

fn aes(c: &mut Criterion) {
    let plaintext = aes_plaintext();
    let cipher = pg_smartro::crypto::Aes256Cipher::new(MERCHANT_KEY).unwrap();
    let ciphertext = cipher.encrypt(&plaintext);
    let mut g = c.benchmark_group("aes256cipher");
    g.throughput(Throughput::Bytes(plaintext.len() as u64));
    g.bench_function("pgkit_encrypt_159b", |b| {
        b.iter(|| cipher.encrypt(black_box(&plaintext)))
    });
    g.bench_function("pgkit_decrypt_159b", |b| {
        b.iter(|| cipher.decrypt(black_box(&ciphertext)).unwrap())
    });
    g.bench_function("pgkit_encrypt_159b_new_key_each_time", |b| {
        b.iter(|| {
            pg_smartro::crypto::Aes256Cipher::new(black_box(MERCHANT_KEY))
                .unwrap()
                .encrypt(&plaintext)
        })
    });
    g.finish();
}

/// The 45-field fixture (the Python and Java baselines read the same bytes).
fn notification_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("notification_decode");
    for (label, charset) in [("utf8", Charset::Utf8), ("euckr", Charset::EucKr)] {
        let body = notification_body(charset);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(format!("pgkit_typed_{label}"), |b| {
            b.iter(|| Notification::decode(black_box(&body), None).unwrap())
        });
        g.bench_function(format!("serde_urlencoded_45_strings_{label}"), |b| {
            b.iter(|| serde_urlencoded::from_bytes::<FortyFiveStrings>(black_box(&body)).unwrap())
        });
        g.bench_function(format!("form_urlencoded_pairs_{label}"), |b| {
            b.iter(|| {
                form_urlencoded::parse(black_box(&body))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect::<Vec<(String, String)>>()
            })
        });
    }
    g.finish();
}

/// Every body of the set, in both charsets, beside its baseline: `serde_urlencoded` into owned
/// pairs (UTF-8); percent-decoding then `encoding_rs` into owned pairs (EUC-KR).
fn notification_set(c: &mut Criterion) {
    let mut g = c.benchmark_group("notification_set");
    for body in bodies::notification_set() {
        for (label, charset) in [("utf8", Charset::Utf8), ("euckr", Charset::EucKr)] {
            let bytes = body.encode(charset, "000000012345");
            g.throughput(Throughput::Bytes(bytes.len() as u64));
            g.bench_function(format!("{}/{label}/pgkit", body.name), |b| {
                b.iter(|| Notification::decode(black_box(&bytes), None).unwrap())
            });
            let baseline = match charset {
                Charset::Utf8 => bodies::serde_urlencoded_pairs,
                Charset::EucKr => bodies::percent_decode_euc_kr_pairs,
            };
            g.bench_function(format!("{}/{label}/baseline", body.name), |b| {
                b.iter(|| baseline(black_box(&bytes)))
            });
        }
    }
    g.finish();
}

fn web_link_url(c: &mut Criterion) {
    let credentials = pg_innopay::Credentials::sandbox_manual_entry();
    let env = pg_innopay::Environment::Live;
    c.bench_function("web_link/pgkit_build_get_url", |b| {
        b.iter(|| {
            WebLinkRequest::builder()
                .moid("test20180313003")
                .goods_name("테스트상품")
                .amount(10_005u64)
                .buyer_name("홍길동")
                .buyer_phone("010-1234-1234")
                .build(&credentials, &env)
                .unwrap()
                .get_url()
        })
    });
}

fn approval_parse(c: &mut Criterion) {
    let response = pg_http::HttpResponse::json(approval_response());
    c.bench_function("approval_parse/pgkit_full_response", |b| {
        b.iter(|| pg_smartro::approval::parse_approval_response(black_box(&response)).unwrap())
    });
}

fn pipeline_step(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pipeline = runtime.block_on(async {
        let store = pg_notify::Store::open(&db, pg_notify::StoreConfig::default())
            .await
            .unwrap();
        pg_notify::Pipeline::builder(store)
            .endpoint(pg_notify::GatewayEndpoint::innopay(pg_notify::StoreOnly))
            .build()
    });
    let template = String::from_utf8(notification_body(Charset::Utf8)).unwrap();
    let n = AtomicU64::new(0);
    let meta = pg_notify::RequestMeta::default();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(20);
    g.bench_function("pgkit_decode_store_ack_sqlite_one_at_a_time", |b| {
        b.iter(|| {
            let i = n.fetch_add(1, Ordering::Relaxed);
            let body = template.replace(
                "nictest14m01012510201530001234",
                &format!("nictest14m0101251020{i:010}"),
            );
            let delivery = pg_notify::Delivery {
                gateway: pg_core::GatewayId::Innopay,
                received_at: time_now(),
                remote: None,
                content_type: None,
                body: body.into_bytes(),
            };
            let reply = runtime.block_on(pipeline.handle(delivery, &meta));
            assert!(reply.acknowledged);
        })
    });
    g.finish();
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

criterion_group!(
    benches,
    encrypt_data,
    aes,
    notification_decode,
    notification_set,
    web_link_url,
    approval_parse,
    pipeline_step
);
criterion_main!(benches);
