//! Both gateways' flows end to end against the simulator, with every crate's `tracing` events
//! captured at TRACE: no LicenseKey, MerchantKey, cancel password, billing key or full card
//! number reaches a log line, a `Debug` string, an error message, the raw log or an export.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pg_core::{CancelKind, Mid, Secret, Tid};
use pg_notify::{
    GatewayEndpoint, HttpConfig, Pipeline, RawLog, ServerConfig, SmartroDecoder, Store,
    StoreConfig, StoreOnly,
};
use pg_sandbox::buyer::{Buyer, CardEntry};
use pg_sandbox::{Gateway, MerchantUpdate, Sandbox, SandboxConfig};
use serde_json::json;

const LICENSE_KEY: &str = "LK-HYGIENE-7f3a9c21e4b84d0f5a6b";
const INNOPAY_CANCEL: &str = "CPW-HYGIENE-5d1e";
const MERCHANT_KEY: &str = "MK-HYGIENE-0123456789abcdefghijklmnopqrstuvwxyz";
const SMARTRO_CANCEL: &str = "CPW-HYGIENE-8c2b";
const BILL_KEY: &str = "BK-HYGIENE-42f1aa";
const CARDS: [&str; 3] = [
    "4242424242424242",
    "4242 4242 4242 4242",
    "4111111111111111",
];

/// Everything `tracing` emits, at every level, from every crate.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Adds a merchant of its own to the simulator, with distinctive secrets.
async fn add_merchant(base: &str, merchant: serde_json::Value) {
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("{base}/sandbox/api/merchants"))
        .header("Content-Type", "application/json")
        .body(merchant.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        201,
        "{}",
        answer.text().await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_card_number_is_ever_shown() {
    let captured = Captured::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .init();
    let mut shown: Vec<String> = Vec::new();

    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let base = sandbox.base_url().to_owned();
    add_merchant(
        &base,
        json!({
            "gateway": "innopay", "mid": "hygiene01m", "name": "위생가게", "key": LICENSE_KEY,
            "cancel_password": INNOPAY_CANCEL, "pg_mids": ["hygpg00001"], "ssp_mall_id": null,
            "identity_check": "none", "cancel_reply": "json",
            "notify": { "url": null, "charset": "euc-kr", "declare_charset": false,
                        "interval_minutes": 1, "retries": 3, "acknowledgement": "0000" }
        }),
    )
    .await;
    add_merchant(
        &base,
        json!({
            "gateway": "smartro", "mid": "h_2511241m", "name": "위생가게", "key": MERCHANT_KEY,
            "cancel_password": SMARTRO_CANCEL, "pg_mids": [], "ssp_mall_id": "SMTSSPAY0p",
            "identity_check": "none", "cancel_reply": "json",
            "notify": { "url": null, "charset": "utf-8", "declare_charset": true,
                        "interval_minutes": 1, "retries": 3, "acknowledgement": "OK" }
        }),
    )
    .await;

    // The receiver, with its raw log, behind pg-notify's server.
    let store = Store::open(
        &format!("sqlite://{}", dir.path().join("events.db").display()),
        StoreConfig::default(),
    )
    .await
    .unwrap();
    let pipeline = Pipeline::builder(store.clone())
        .raw_log(RawLog::open(dir.path().join("logs")).unwrap())
        .endpoint(GatewayEndpoint::innopay(StoreOnly))
        .endpoint(GatewayEndpoint::smartro(
            SmartroDecoder::default().with_merchant_key(Secret::new(MERCHANT_KEY)),
            StoreOnly,
        ))
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    let app = pg_notify::router(pipeline.clone(), HttpConfig::default());
    tokio::spawn(pg_notify::serve(
        listener,
        app,
        ServerConfig::default(),
        std::future::pending(),
    ));
    for (gateway, mid, path) in [
        (Gateway::Innopay, "hygiene01m", "innopay"),
        (Gateway::Smartro, "h_2511241m", "smartro"),
    ] {
        let update = MerchantUpdate {
            notify_url: Some(format!("{receiver}/{path}/notify")),
            ..MerchantUpdate::default()
        };
        sandbox.configure(gateway, mid, update).unwrap();
    }
    let transport = || pg_http::ReqwestTransport::new().unwrap();
    let buyer = Buyer::new(&base).unwrap();
    let card = CardEntry::test(CARDS[1]);

    // Innopay: SMS pay, the buyer pays, a partial cancel, a cancel with a wrong password, a
    // call whose answer is lost (magic amount 9,444).
    let innopay_credentials = pg_innopay::Credentials {
        mid: Mid::parse("hygiene01m").unwrap(),
        license_key: Secret::new(LICENSE_KEY),
        pg_mid: "hygpg00001".into(),
        cancel_password: Some(Secret::new(INNOPAY_CANCEL)),
    };
    let innopay = pg_innopay::InnopayClient::new(
        transport(),
        innopay_credentials.clone(),
        pg_innopay::Environment::Custom(base.clone()),
    )
    .with_clock(sandbox.clock());
    shown.push(format!("{innopay:?} {innopay_credentials:?}"));
    for (moid, amount) in [("HYG-1", 10_005u64), ("HYG-2", 9_444)] {
        let request = pg_innopay::sms_pay::SmsPaymentRequest::builder()
            .moid(moid)
            .goods_name("위생 점검")
            .amount(amount)
            .buyer_name("홍길동")
            .buyer_phone("010-1234-1234")
            .build()
            .unwrap();
        let outcome = innopay.request_sms_payment(&request).await;
        shown.push(format!("{request:?} {outcome:?}"));
        if let Err(e) = &outcome {
            shown.push(e.to_string());
        }
    }
    let link = sandbox
        .sms_outbox()
        .unwrap()
        .into_iter()
        .find(|m| m.moid == "HYG-1")
        .unwrap()
        .link;
    let paid = buyer.pay_link(&link, &card).await.unwrap();
    shown.push(format!("{paid:?}"));
    sandbox.settle(Duration::from_secs(10)).await.unwrap();
    let tid = sandbox
        .transactions()
        .unwrap()
        .into_iter()
        .find(|t| t.moid == "HYG-1")
        .unwrap()
        .tid;
    let cancel = pg_innopay::cancel::CancelRequest::builder()
        .tid(tid.as_str())
        .amount(3_000u64)
        .reason("점검")
        .kind(CancelKind::Partial)
        .build()
        .unwrap();
    shown.push(format!("{cancel:?} {:?}", innopay.cancel(&cancel).await));
    let wrong = pg_innopay::InnopayClient::new(
        transport(),
        pg_innopay::Credentials {
            cancel_password: Some(Secret::new("CPW-WRONG-HYGIENE")),
            ..innopay_credentials
        },
        pg_innopay::Environment::Custom(base.clone()),
    );
    shown.push(format!("{:?}", wrong.cancel(&cancel).await));

    // Smartro: the window, the approval, a partial cancel, member deletion.
    let smartro_credentials = pg_smartro::Credentials {
        mid: Mid::parse("h_2511241m").unwrap(),
        merchant_key: Secret::new(MERCHANT_KEY),
        ssp_mall_id: "SMTSSPAY0p".into(),
        cancel_password: Some(Secret::new(SMARTRO_CANCEL)),
    };
    let smartro = pg_smartro::SmartroClient::new(
        transport(),
        smartro_credentials.clone(),
        pg_smartro::Environment::simulator(&base),
    )
    .with_clock(sandbox.clock());
    shown.push(format!("{smartro:?} {smartro_credentials:?}"));
    let window = smartro
        .payment_window(
            pg_smartro::payment_window::PaymentWindowRequest::builder()
                .moid("HYG-3")
                .amount(50_000u64)
                .goods_name("위생 점검")
                .mall_user_id("hygiene01")
                .buyer_name("김철수")
                .buyer_phone("010-5555-6666")
                .buyer_email("kim@example.kr")
                .return_url("https://shop.example/r")
                .stop_url("https://shop.example/s"),
        )
        .unwrap();
    shown.push(format!("{window:?}"));
    let fields: Vec<(&str, &str)> = window
        .fields()
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let auth = buyer
        .pay_window(&fields, "pc", &card, "123456")
        .await
        .unwrap();
    let approval = pg_smartro::approval::ApprovalRequest {
        tid: Tid::parse(&auth.tid).unwrap(),
        tr_auth_key: Secret::new(auth.tr_auth_key.clone()),
    };
    shown.push(format!(
        "{approval:?} {:?}",
        smartro.approve(&approval).await
    ));
    let cancel = pg_smartro::cancel::CancelRequest::builder()
        .tid(auth.tid.as_str())
        .amount(10_000u64)
        .reason("점검")
        .kind(CancelKind::Partial)
        .sequence(1)
        .build()
        .unwrap();
    shown.push(format!("{cancel:?} {:?}", smartro.cancel(&cancel).await));
    let member = pg_smartro::member::MemberDeletionRequest::new("hygiene01");
    shown.push(format!("{:?}", smartro.delete_member(&member).await));
    sandbox.settle(Duration::from_secs(10)).await.unwrap();

    // A notification carrying a billing key and a full card number, and one refused.
    for body in [
        format!(
            "moid=HYG-9&pgTid=hygiene01m01012511241200001234&status=25&approvalAmt=1000&cardNo={}&billKey={BILL_KEY}",
            CARDS[2]
        ),
        format!("moid=&pgTid=x&cardNo={}&billKey={BILL_KEY}", CARDS[2]),
    ] {
        let reply = reqwest::Client::new()
            .post(format!("{receiver}/innopay/notify"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        shown.push(reply.text().await.unwrap());
    }

    // What the receiver shows: its store, the export, the raw log.
    let events = store.list(None, 0, 100).await.unwrap();
    assert!(
        events.len() >= 4,
        "the flows' notifications were stored: {}",
        events.len()
    );
    shown.push(format!("{events:?}"));
    shown.push(format!("{:?}", store.rejections(0, 100).await.unwrap()));
    let mut export = Vec::new();
    store.export_jsonl(&mut export).await.unwrap();
    shown.push(String::from_utf8_lossy(&export).into_owned());
    for entry in std::fs::read_dir(dir.path().join("logs")).unwrap() {
        shown.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    shown.push(format!("{:?}", sandbox.deliveries().unwrap()));
    shown.push(format!("{:?}", sandbox.merchants().unwrap()));
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.lines().count() > 50,
        "TRACE was captured: {} lines",
        logs.lines().count()
    );
    shown.push(logs);

    let all = shown.join("\n");
    for secret in [
        LICENSE_KEY,
        INNOPAY_CANCEL,
        MERCHANT_KEY,
        SMARTRO_CANCEL,
        BILL_KEY,
        "CPW-WRONG-HYGIENE",
        &auth.tr_auth_key,
    ]
    .into_iter()
    .chain(CARDS)
    {
        if let Some(at) = all.find(secret) {
            let boundary = |i: usize| {
                (0..=i.min(all.len()))
                    .rev()
                    .find(|j| all.is_char_boundary(*j))
                    .unwrap_or(0)
            };
            let (from, to) = (
                boundary(at.saturating_sub(300)),
                boundary(at + secret.len() + 100),
            );
            panic!("{secret} is shown: …{}…", &all[from..to]);
        }
    }
    // The Innopay LicenseKey is also sent percent-encoded: not that either.
    assert!(!all.contains(&LICENSE_KEY.replace('-', "%2D")));
}
