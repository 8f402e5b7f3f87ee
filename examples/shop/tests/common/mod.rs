//! A rehearsal: the simulator and the shop, both in this process on loopback, and a plain HTTP
//! client that does not follow redirects (so that a test sees where the shop sends the buyer).

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use pg_sandbox::buyer::{Buyer, CardEntry, form};
use pg_sandbox::{Sandbox, SandboxConfig};
use pgkit_example_shop::{Gateways, RunningShop, Settings, start};
use serde_json::Value;

/// 2025-10-20 15:30:00 KST: the simulator's clock starts here; the shop must follow it.
pub const START_UNIX: i64 = 1_760_941_800;

/// The approving test card.
pub fn card() -> CardEntry {
    CardEntry::test("4242 4242 4242 4242")
}

pub struct Rehearsal {
    pub sandbox: Sandbox,
    pub shop: RunningShop,
    pub http: reqwest::Client,
    pub buyer: Buyer,
    pub dir: tempfile::TempDir,
}

/// The simulator (fixed clock and seed) and the shop rehearsing against it.
pub async fn rehearsal() -> Rehearsal {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: Some(11),
        start_at: time::OffsetDateTime::from_unix_timestamp(START_UNIX).ok(),
        ..SandboxConfig::default()
    })
    .await
    .expect("the simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop = start(
        Settings {
            db: dir.path().join("shop.db"),
            public_url: None,
            gateways: Gateways::Sandbox(sandbox.base_url().to_owned()),
            innopay_pages: "https://api.innopay.co.kr".into(),
        },
        listener,
    )
    .await
    .expect("the shop starts");
    let buyer = Buyer::new(sandbox.base_url()).unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    Rehearsal {
        sandbox,
        shop,
        http,
        buyer,
        dir,
    }
}

/// What a request came to.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub text: String,
}

impl Rehearsal {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.shop.url)
    }

    pub async fn get(&self, path: &str) -> Answer {
        answer(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    /// Posts form fields (UTF-8, as the shop's pages declare).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        let mut body = pg_core::form::FormEncoder::new(pg_core::Charset::Utf8);
        for (n, v) in fields {
            body.append(n, v).unwrap();
        }
        answer(
            self.http
                .post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.finish())
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The order as the shop's JSON API shows it.
    pub async fn order(&self, moid: &str) -> Value {
        let a = self.get(&format!("/api/orders/{moid}")).await;
        assert_eq!(a.status, 200, "{}", a.text);
        serde_json::from_str(&a.text).unwrap()
    }

    /// Waits until the simulator has delivered every notification it can.
    pub async fn settle(&self) {
        self.sandbox
            .settle(Duration::from_secs(15))
            .await
            .expect("notifications settle");
    }

    /// Requests an SMS payment for `product` through the shop's page; the order number.
    pub async fn sms_order(&self, product: &str) -> String {
        let page = self
            .post(
                "/innopay/sms",
                &[
                    ("product", product),
                    ("agreeTerms", "Y"),
                    ("agreeCollection", "Y"),
                    ("agreeOffering", "Y"),
                    ("buyerName", "홍길동"),
                    ("buyerPhone", "010-1234-1234"),
                    ("buyerEmail", "buyer@example.kr"),
                    ("deadline", "2"),
                ],
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        between(&page.text, "<td id=\"moid\">", "</td>")
            .expect("the result page shows the order number")
    }

    /// Opens the shop's payment window for `product` (`pc` or `mobile`): the window page.
    pub async fn window(&self, product: &str, device: &str, phone: &str) -> String {
        let page = self
            .post(
                "/smartro/checkout",
                &[
                    ("product", product),
                    ("device", device),
                    ("buyerName", "김철수"),
                    ("buyerPhone", phone),
                    ("buyerEmail", "kim@example.kr"),
                ],
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        page.text
    }

    /// The window page's signed fields, as the script would post them.
    pub fn window_fields(&self, page: &str) -> Vec<(String, String)> {
        form(page, "tranMgr", &self.shop.url)
            .expect("the window page holds the form tranMgr")
            .fields
    }
}

/// The text between `start` and `end`.
pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(text[from..to].to_owned())
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Answer {
        status,
        location,
        text: response.text().await.unwrap(),
    }
}
