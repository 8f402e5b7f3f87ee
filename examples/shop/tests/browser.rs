//! The shop in a real browser: Debian's headless Chromium, driven over WebDriver
//! (`chromedriver`) by fantoccini, against the simulator on loopback. Each flow ends with a
//! screenshot under `target/browser-screenshots/`; `cargo xtask screenshots` also writes the
//! README's pictures to `docs/screenshots/`.
//!
//! The WebDriver comes from `PGKIT_TEST_WEBDRIVER` (`cargo xtask test` starts one), else a
//! `chromedriver` on the `PATH` is started here. Without one the suite is skipped — and with
//! `CI=true` that is a failure.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use pg_sandbox::store::DeliveryState;
use pg_sandbox::{Gateway, MerchantUpdate};

/// A WebDriver session, and the chromedriver this test started (stopped on drop).
struct Browser {
    client: Client,
    driver: Option<Child>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(child) = &mut self.driver {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Starts `chromedriver` on a free port; its URL once it answers.
fn start_chromedriver(program: PathBuf) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, format!("http://127.0.0.1:{port}"))
}

/// A headless Chromium session, or `None` (skipped) when there is no WebDriver.
async fn browser() -> Option<Browser> {
    let (driver, url) = match std::env::var("PGKIT_TEST_WEBDRIVER") {
        Ok(url) if !url.is_empty() => (None, url),
        _ => match on_path("chromedriver") {
            Some(program) => {
                let (child, url) = start_chromedriver(program);
                (Some(child), url)
            }
            None => {
                assert!(
                    !in_ci(),
                    "CI=true but there is no WebDriver: install chromium and chromium-driver (.ci/run does)"
                );
                eprintln!(
                    "SKIPPED: browser suite (no chromedriver; install chromium and chromium-driver)"
                );
                return None;
            }
        },
    };
    let binary =
        std::env::var("PGKIT_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let capabilities = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": binary,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1200,900",
                "--lang=ko-KR",
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&url)
        .await
        .expect("a Chromium session");
    Some(Browser { client, driver })
}

/// Runs `flow` in a new browser session, which is closed whatever happens; a failing flow
/// leaves a screenshot `FAILED-{name}.png` of where it stopped.
async fn in_browser<F, Fut>(name: &str, flow: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(b) = browser().await else { return };
    let outcome = tokio::spawn(flow(b.client.clone())).await;
    if outcome.is_err() {
        let _ = b.client.enter_parent_frame().await;
        if let Ok(png) = b.client.screenshot().await {
            let dir = screenshot_dir();
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("FAILED-{name}.png")), png);
        }
    }
    let _ = b.client.clone().close().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("{name}: {e}");
    }
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("PGKIT_SCREENSHOTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots"),
        PathBuf::from,
    )
}

/// Saves the page as `target/browser-screenshots/{name}.png` (and, for the README's pictures,
/// under `$PGKIT_DOCS_SCREENSHOTS` when `cargo xtask screenshots` sets it).
async fn screenshot(client: &Client, name: &str, for_docs: bool) {
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let mut dirs = vec![screenshot_dir()];
    if for_docs {
        if let Some(docs) = std::env::var_os("PGKIT_DOCS_SCREENSHOTS") {
            dirs.push(PathBuf::from(docs));
        }
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    }
}

const WAIT: Duration = Duration::from_secs(20);

async fn find(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn click(client: &Client, css: &str) {
    find(client, css).await.click().await.unwrap();
}

async fn type_into(client: &Client, css: &str, text: &str) {
    let field = find(client, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Waits until the top window's URL contains `part`.
async fn until_url(client: &Client, part: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = client.current_url().await.unwrap().to_string();
        if url.contains(part) {
            return url;
        }
        assert!(
            Instant::now() < deadline,
            "the browser stayed at {url}, not {part}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The order page's state label.
async fn order_state(client: &Client) -> String {
    find(client, "#state .state")
        .await
        .attr("data-state")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Registers the test card in the SS-Pay window if it asks, then pays with the password.
async fn pay_in_window(client: &Client, name: &str, phone: &str, docs: bool) {
    find(client, "#cardForm, #payForm").await;
    if client.find(Locator::Css("#cardForm")).await.is_ok() {
        type_into(client, "#idName", name).await;
        type_into(client, "#idPhone", phone).await;
        type_into(client, "#cardNo", "4242 4242 4242 4242").await;
        type_into(client, "#expiry", "12/30").await;
        type_into(client, "#birth", "900101").await;
        type_into(client, "#newPin", "123456").await;
        type_into(client, "#pinConfirm", "123456").await;
        click(client, "#registerButton").await;
    }
    find(client, "#payForm").await;
    if docs {
        screenshot(client, "smartro-window", true).await;
    }
    type_into(client, "#pin", "123456").await;
    click(client, "#payButton").await;
}

async fn checkout(client: &Client, r: &Rehearsal, button: &str, name: &str, phone: &str) {
    client.goto(&r.url("/")).await.unwrap();
    click(client, button).await;
    type_into(client, "#buyerName", name).await;
    type_into(client, "#buyerPhone", phone).await;
    type_into(client, "#buyerEmail", "buyer@example.kr").await;
    click(client, "#pay").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smartro_pc_checkout_window_approval_paid() {
    in_browser("smartro_pc_checkout_window_approval_paid", |c| async move {
        let c = &c;
        let r = rehearsal().await;
        checkout(c, &r, "#buy-pc-mug", "김철수", "010-5555-6666").await;
        // The window opens as a layer over the shop's page; the callback posts to ReturnUrl.
        find(c, "#smartropay-window")
            .await
            .enter_frame()
            .await
            .unwrap();
        pay_in_window(c, "김철수", "010-5555-6666", true).await;
        let _ = c.enter_parent_frame().await;
        until_url(c, "/orders/SHOP-").await;
        assert_eq!(order_state(c).await, "paid");
        let text = find(c, "main").await.text().await.unwrap();
        assert!(text.contains("50,000원 결제가 완료되었습니다"), "{text}");
        screenshot(c, "smartro-pc-paid", false).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smartro_mobile_window_returns_to_the_shop_paid() {
    in_browser(
        "smartro_mobile_window_returns_to_the_shop_paid",
        |c| async move {
            let c = &c;
            let r = rehearsal().await;
            checkout(c, &r, "#buy-mobile-card", "박영희", "010-7777-8888").await;
            // On mobile the window is a page of its own, which posts to ReturnUrl.
            until_url(c, "/ssp/").await;
            pay_in_window(c, "박영희", "010-7777-8888", false).await;
            until_url(c, "/orders/SHOP-").await;
            assert_eq!(order_state(c).await, "paid");
            screenshot(c, "smartro-mobile-paid", false).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smartro_stop_shows_the_stop_page_and_abandons_the_order() {
    in_browser(
        "smartro_stop_shows_the_stop_page_and_abandons_the_order",
        |c| async move {
            let c = &c;
            let r = rehearsal().await;
            checkout(c, &r, "#buy-pc-green-tea", "최민수", "010-2222-3333").await;
            find(c, "#smartropay-window")
                .await
                .enter_frame()
                .await
                .unwrap();
            click(c, "#stopButton").await;
            let _ = c.enter_parent_frame().await;
            until_url(c, "/smartro/stop/").await;
            let text = find(c, "main").await.text().await.unwrap();
            assert!(
                text.contains("결제를 중단했습니다") && text.contains("W100"),
                "{text}"
            );
            click(c, "#orderLink").await;
            assert_eq!(order_state(c).await, "abandoned");
            screenshot(c, "smartro-stopped", false).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innopay_sms_request_link_payment_notification_paid() {
    in_browser(
        "innopay_sms_request_link_payment_notification_paid",
        |c| async move {
            let c = &c;
            let r = rehearsal().await;
            // A bad day on purpose: the first notification goes to a wrong path and is refused; the
            // simulator retries on the merchant's schedule.
            let right = format!("{}/innopay/notify", r.shop.url);
            let configure = |url: String| MerchantUpdate {
                notify_url: Some(url),
                interval_minutes: Some(1),
                ..MerchantUpdate::default()
            };
            r.sandbox
                .configure(
                    Gateway::Innopay,
                    "testpay01m",
                    configure(format!("{right}-wrong")),
                )
                .unwrap();

            c.goto(&r.url("/")).await.unwrap();
            click(c, "#buy-sms-green-tea").await;
            click(c, "#agreeAll").await;
            type_into(c, "#buyerName", "홍길동").await;
            type_into(c, "#buyerPhone", "010-1234-1234").await;
            type_into(c, "#buyerEmail", "buyer@example.kr").await;
            for term in ["#agreeTerms", "#agreeCollection", "#agreeOffering"] {
                assert!(
                    find(c, term).await.is_selected().await.unwrap(),
                    "전체동의 checks {term}"
                );
            }
            screenshot(c, "sms-request", true).await;
            click(c, "#smsRequest").await;
            find(c, "#registered").await;
            let moid = find(c, "#moid").await.text().await.unwrap();
            let sms = find(c, "#smsText").await.text().await.unwrap();
            assert!(sms.contains("10,005원") && sms.contains("/s/"), "{sms}");
            screenshot(c, "sms-result", false).await;

            // The buyer opens the texted link and pays.
            let link = r
                .sandbox
                .sms_outbox()
                .unwrap()
                .into_iter()
                .find(|m| m.moid == moid)
                .unwrap()
                .link;
            c.goto(&link).await.unwrap();
            type_into(c, "#cardNo", "4242 4242 4242 4242").await;
            type_into(c, "#expiry", "12/30").await;
            type_into(c, "#birth", "900101").await;
            type_into(c, "#cardPw", "12").await;
            click(c, "#payButton").await;
            find(c, "[data-result-code='3001']").await;
            screenshot(c, "sms-link-paid", false).await;

            r.settle().await;
            let delivery = r
                .sandbox
                .deliveries()
                .unwrap()
                .into_iter()
                .find(|d| d.moid == moid)
                .unwrap();
            assert_eq!(
                delivery.state,
                DeliveryState::Pending,
                "{}",
                delivery.summary()
            );
            r.sandbox
                .configure(Gateway::Innopay, "testpay01m", configure(right))
                .unwrap();
            r.sandbox.advance(Duration::from_secs(60));
            r.settle().await;
            c.goto(&r.url(&format!("/orders/{moid}"))).await.unwrap();
            assert_eq!(order_state(c).await, "paid");
            screenshot(c, "sms-order-paid", false).await;

            // The simulator's admin: the delivery with both attempts.
            c.goto(&format!("{}/sandbox/deliveries", r.sandbox.base_url()))
                .await
                .unwrap();
            let page = find(c, "main").await.text().await.unwrap();
            assert!(page.contains("404") && page.contains("0000"), "{page}");
            screenshot(c, "sandbox-deliveries", true).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innopay_web_link_staff_page_registers_the_sms_order() {
    in_browser(
        "innopay_web_link_staff_page_registers_the_sms_order",
        |c| async move {
            let c = &c;
            let r = rehearsal().await;
            c.goto(&r.url("/innopay/web-link")).await.unwrap();
            find(c, "#product")
                .await
                .select_by_value("mug")
                .await
                .unwrap();
            type_into(c, "#buyerName", "이몽룡").await;
            type_into(c, "#buyerPhone", "010-4444-5555").await;
            click(c, "#openWebLink").await;
            // Innopay's request window (the simulator's): agree, request, close.
            until_url(c, "/api/cardInterface").await;
            click(c, "#agreeAll").await;
            click(c, "#requestButton").await;
            click(c, "#closeButton").await;
            until_url(c, "/innopay/web-link/return").await;
            let text = find(c, "#registered").await.text().await.unwrap();
            assert!(text.contains("이몽룡"), "{text}");
            click(c, "#orderLink").await;
            assert_eq!(order_state(c).await, "requested");
            let history = find(c, "#history").await.text().await.unwrap();
            assert!(history.contains("SMS 발송"), "{history}");
            screenshot(c, "web-link-registered", false).await;
        },
    )
    .await;
}
