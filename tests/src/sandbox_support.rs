//! What the end-to-end tests against the simulator share: a sandbox on a free port with a
//! fixed clock and seed, a pg-notify receiver that can refuse on purpose, and a reader of the
//! simulator's HTML forms (to drive the buyer and staff pages over HTTP, as a browser would).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pg_notify::{
    Event, GatewayEndpoint, HandlerError, HttpConfig, OrderCheck, Pipeline, SmartroDecoder, Store,
    StoreConfig,
};
use pg_sandbox::merchant::{innopay_test, smartro_test};
use pg_sandbox::{Gateway, MerchantUpdate, Sandbox, SandboxConfig};
use time::OffsetDateTime;

/// 2025-10-20 15:30:00 KST, where every sandbox test starts.
pub const START_UNIX: i64 = 1_760_941_800;

/// A sandbox with a fixed start time and seed, time running at real speed.
pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::default()).await
}

/// A sandbox with `config` (its clock and seed fixed unless set).
pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    let config = SandboxConfig {
        seed: config.seed.or(Some(7)),
        start_at: config
            .start_at
            .or_else(|| OffsetDateTime::from_unix_timestamp(START_UNIX).ok()),
        ..config
    };
    Sandbox::start(config).await.expect("sandbox starts")
}

/// The Innopay client of the test merchant against `sandbox`, on its clock.
pub fn innopay(sandbox: &Sandbox) -> pg_innopay::InnopayClient<pg_http::ReqwestTransport> {
    innopay_with(sandbox, pg_http::TransportConfig::default())
}

/// Like [`innopay`], with transport settings (a short timeout, say).
pub fn innopay_with(
    sandbox: &Sandbox,
    config: pg_http::TransportConfig,
) -> pg_innopay::InnopayClient<pg_http::ReqwestTransport> {
    pg_innopay::InnopayClient::new(
        pg_http::ReqwestTransport::with_config(config).expect("transport"),
        pg_innopay::Credentials::sandbox_manual_entry(),
        pg_innopay::Environment::Custom(sandbox.base_url().to_owned()),
    )
    .with_clock(sandbox.clock())
}

/// The Smartro client of the test merchant against `sandbox`, on its clock.
pub fn smartro(sandbox: &Sandbox) -> pg_smartro::SmartroClient<pg_http::ReqwestTransport> {
    smartro_with(sandbox, pg_http::TransportConfig::default())
}

/// Like [`smartro`], with transport settings.
pub fn smartro_with(
    sandbox: &Sandbox,
    config: pg_http::TransportConfig,
) -> pg_smartro::SmartroClient<pg_http::ReqwestTransport> {
    pg_smartro::SmartroClient::new(
        pg_http::ReqwestTransport::with_config(config).expect("transport"),
        smartro_test::credentials(),
        pg_smartro::Environment::simulator(sandbox.base_url()),
    )
    .with_clock(sandbox.clock())
}

/// A transport setting with a short timeout, for rehearsed slow answers.
pub fn short_timeout(timeout: Duration) -> pg_http::TransportConfig {
    pg_http::TransportConfig {
        timeout,
        ..pg_http::TransportConfig::default()
    }
}

/// Points both test merchants' notifications at `receiver`, `interval` minutes apart,
/// `retries` more times.
pub fn notify_to(sandbox: &Sandbox, receiver: &Receiver, interval: u32, retries: u32) {
    for (gateway, mid, url) in [
        (Gateway::Innopay, innopay_test::MID, receiver.innopay_url()),
        (Gateway::Smartro, smartro_test::MID, receiver.smartro_url()),
    ] {
        sandbox
            .configure(
                gateway,
                mid,
                MerchantUpdate {
                    notify_url: Some(url),
                    interval_minutes: Some(interval),
                    retries: Some(retries),
                    ..MerchantUpdate::default()
                },
            )
            .expect("configure notifications");
    }
}

/// A pg-notify receiver on a free port, with SQLite in a temporary directory.
#[derive(Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The pipeline (its store holds what was acknowledged).
    pub pipeline: Pipeline,
    /// Handler runs so far.
    pub handled: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl Receiver {
    /// Innopay's endpoint.
    pub fn innopay_url(&self) -> String {
        format!("{}/innopay/notify", self.base)
    }

    /// Smartro's endpoint.
    pub fn smartro_url(&self) -> String {
        format!("{}/smartro/notify", self.base)
    }

    /// Every stored event.
    pub async fn events(&self) -> Vec<pg_notify::EventRecord> {
        self.pipeline
            .store()
            .list(None, 0, 1000)
            .await
            .expect("list events")
    }
}

/// The merchant's order check: every event's amount must be this one (the shop's order).
#[derive(Debug, Clone, Copy)]
pub struct ExpectAmount(pub u64);

#[async_trait::async_trait]
impl OrderCheck for ExpectAmount {
    async fn check(&self, event: &Event) -> Result<(), String> {
        match event.summary.amount {
            Some(a) if a.get() == self.0 => Ok(()),
            other => Err(format!("amount {other:?} is not the order's {}", self.0)),
        }
    }
}

/// A receiver whose handler refuses its first `fail_first` runs (the gateway must resend), with
/// an optional order check on both endpoints.
pub async fn receiver(fail_first: usize, check: Option<ExpectAmount>) -> Receiver {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(
        &format!("sqlite://{}", dir.path().join("events.db").display()),
        StoreConfig::default(),
    )
    .await
    .expect("store");
    let handled = Arc::new(AtomicUsize::new(0));
    let runs = handled.clone();
    let handler = move |_: &Event, _: &mut dyn pg_notify::SqlConn| -> Result<(), HandlerError> {
        let n = runs.fetch_add(1, Ordering::SeqCst);
        if n < fail_first {
            Err(HandlerError::new(format!(
                "refused on purpose ({} of {fail_first})",
                n + 1
            )))
        } else {
            Ok(())
        }
    };
    let mut innopay = GatewayEndpoint::innopay(handler.clone());
    let mut smartro = GatewayEndpoint::smartro(
        SmartroDecoder::default()
            .with_merchant_key(pg_core::Secret::new(smartro_test::MERCHANT_KEY)),
        handler,
    );
    if let Some(check) = check {
        innopay = innopay.order_check(check);
        smartro = smartro.order_check(check);
    }
    let pipeline = Pipeline::builder(store)
        .endpoint(innopay)
        .endpoint(smartro)
        .build();
    let app = pg_notify::router(pipeline.clone(), HttpConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Receiver {
        base: format!("http://{addr}"),
        pipeline,
        handled,
        _dir: dir,
    }
}

/// A plain HTTP client, as a browser would be (follows redirects).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// A page's text (GET).
pub async fn get_text(url: &str) -> String {
    browser()
        .get(url)
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("page")
}

/// Pays an SMS payment link as its buyer, with the test card that approves (`4242...`); the
/// result page's code (`3001` when approved).
pub async fn pay_link(sandbox: &Sandbox, link: &str) -> String {
    pg_sandbox::buyer::Buyer::new(sandbox.base_url())
        .expect("buyer")
        .pay_link(
            link,
            &pg_sandbox::buyer::CardEntry::test("4242424242424242"),
        )
        .await
        .expect("the link's pages")
        .result_code
}

/// Posts a form body as a browser would; the page's text.
pub async fn post_form(url: &str, body: &str) -> String {
    browser()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("page")
}

/// Posts a signed payment-window form to `reqPay.do` as the script does (`device` `pc` or
/// `mobile`, the merchant page at `https://shop.example`); the window's page.
pub async fn open_window(
    sandbox: &Sandbox,
    window: &pg_smartro::payment_window::PaymentWindow,
    device: &str,
) -> String {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(window.fields().iter().map(|(n, v)| (*n, v.as_str())))
        .finish();
    post_form(
        &format!(
            "{}/ssp/reqPay.do?device={device}&origin=https%3A%2F%2Fshop.example",
            sandbox.base_url()
        ),
        &body,
    )
    .await
}

pub use pg_sandbox::buyer::{HtmlForm, attr, form, result_code};

/// Submitting a form with a test's HTTP client, keeping the status.
pub trait Submit {
    /// Submits it as a browser would; the final page's status and text.
    fn submit(&self, client: &reqwest::Client) -> impl Future<Output = (u16, String)> + Send;
}

impl Submit for HtmlForm {
    async fn submit(&self, client: &reqwest::Client) -> (u16, String) {
        let response = client
            .post(&self.action)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(self.body())
            .send()
            .await
            .expect("submit");
        let status = response.status().as_u16();
        (status, response.text().await.expect("page"))
    }
}

/// Every value of the radio inputs named `name`.
pub fn radio_values(page: &str, name: &str) -> Vec<String> {
    page.split("<input")
        .skip(1)
        .filter(|t| t.contains("type=\"radio\"") && t.contains(&format!("name=\"{name}\"")))
        .filter_map(|t| {
            let start = t.find(" value=\"")? + 8;
            Some(t[start..start + t[start..].find('"')?].to_owned())
        })
        .collect()
}

/// Posts a JSON body, as a merchant's hand-written code would; the answer as JSON.
pub async fn post_json(url: &str, body: &serde_json::Value) -> serde_json::Value {
    let text = browser()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
