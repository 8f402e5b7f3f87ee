//! The simulator's admin over HTTP (the JSON API and the HTML pages with their forms), its
//! virtual time, and its robustness: arbitrary bytes at every endpoint get an answer in the
//! vendor's content type, never a crash or a bare 500.

use std::time::Duration;

use pg_sandbox::SandboxConfig;
use pg_sandbox::store::DeliveryState;
use pgkit_tests::sandbox_support::{
    Submit, browser, form, get_text, notify_to, pay_link, post_form, post_json, receiver, sandbox,
    sandbox_with,
};
use serde_json::{Value, json};

async fn send(method: &str, url: &str, body: &str) -> (u16, Value) {
    let response = browser()
        .request(method.parse().unwrap(), url)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_manages_merchants_clock_and_deliveries() {
    let sandbox = sandbox().await;
    let api = format!("{}/sandbox/api", sandbox.base_url());
    let (status, body) = send("GET", &format!("{api}/status"), "").await;
    assert_eq!(status, 200);
    assert!(
        body["now"]
            .as_str()
            .unwrap()
            .starts_with("2025-10-20 15:30")
    );

    // Add an Innopay merchant and register an order with it.
    let merchant = json!({
        "gateway": "innopay", "mid": "myshop001m", "name": "내가게", "key": "my-license-key",
        "cancel_password": "9999", "pg_mids": ["mypg00001"], "ssp_mall_id": null,
        "identity_check": "none", "cancel_reply": "form",
        "notify": { "url": null, "charset": "utf-8", "declare_charset": true,
                    "interval_minutes": 5, "retries": 2, "acknowledgement": "0000" }
    });
    let (status, added) = send("POST", &format!("{api}/merchants"), &merchant.to_string()).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["key"], "***-key", "keys are masked");
    let (status, _) = send("POST", &format!("{api}/merchants"), &merchant.to_string()).await;
    assert_eq!(status, 409);
    let mut bad = merchant.clone();
    bad["mid"] = json!("short");
    bad["notify"]["retries"] = json!(11);
    let (status, refused) = send("POST", &format!("{api}/merchants"), &bad.to_string()).await;
    assert_eq!(status, 400);
    let details = refused["details"].to_string();
    assert!(
        details.contains("mid") && details.contains("retries"),
        "{refused}"
    );
    let answer = post_json(
        &format!("{}/api/smsPayApi", sandbox.base_url()),
        &json!({ "mid": "myshop001m", "moid": "own-1", "goodsName": "상품", "amt": "1000", "buyerName": "홍", "buyerTel": "01012341234" }),
    )
    .await;
    assert_eq!(answer["resultCode"], "0000", "{answer}");
    assert!(
        answer["resultMsg"]
            .as_str()
            .unwrap()
            .starts_with("[내가게]")
    );

    // PATCH: invalid settings are named; valid ones apply.
    let url = format!("{api}/merchants/innopay/testpay01m");
    let (status, refused) = send("PATCH", &url, r#"{"interval_minutes": 0}"#).await;
    assert_eq!(status, 400);
    assert!(refused["details"].to_string().contains("interval_minutes"));
    let (status, _) = send("PATCH", &url, r#"{"nonsense": 1}"#).await;
    assert_eq!(status, 400);
    let (status, _) = send(
        "PATCH",
        &format!("{api}/merchants/innopay/nobody0000"),
        "{}",
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send("PATCH", &format!("{api}/merchants/paypal/testpay01m"), "{}").await;
    assert_eq!(status, 404);

    // A delivery waits without a URL, goes out once one is set, and can be resent.
    let receiver = receiver(0, None).await;
    let link = sandbox.sms_outbox().unwrap()[0].link.clone();
    assert_eq!(pay_link(&sandbox, &link).await, "3001");
    assert_eq!(
        sandbox.deliveries().unwrap()[0].state,
        DeliveryState::Waiting
    );
    let (status, _) = send(
        "PATCH",
        &format!("{api}/merchants/innopay/myshop001m"),
        &json!({ "notify_url": receiver.innopay_url() }).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    sandbox.settle(Duration::from_secs(10)).await.unwrap();
    let (_, deliveries) = send("GET", &format!("{api}/deliveries"), "").await;
    assert_eq!(deliveries[0]["state"], "delivered", "{deliveries}");
    assert_eq!(deliveries[0]["charset"], "utf-8");
    let id = deliveries[0]["id"].as_i64().unwrap();
    let (status, _) = send("POST", &format!("{api}/deliveries/{id}/resend"), "").await;
    assert_eq!(status, 202);
    sandbox.settle(Duration::from_secs(10)).await.unwrap();
    let (_, one) = send("GET", &format!("{api}/deliveries/{id}"), "").await;
    assert_eq!(one["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(
        receiver.events().await[0].deliveries,
        2,
        "a resend is a duplicate"
    );

    // The clock.
    let (status, clock) = send(
        "POST",
        &format!("{api}/clock/advance"),
        r#"{"hours": 1, "minutes": 30}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        clock["now"]
            .as_str()
            .unwrap()
            .starts_with("2025-10-20 17:0"),
        "{clock}"
    );
    for bad in ["{}", r#"{"days": 1}"#, "[1]", r#"{"hours": 100000}"#] {
        let (status, _) = send("POST", &format!("{api}/clock/advance"), bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    // Transactions with their cancels; reset.
    let (_, txs) = send("GET", &format!("{api}/transactions?limit=5"), "").await;
    assert_eq!(txs[0]["remaining"], 1000);
    let tid = txs[0]["tid"].as_str().unwrap();
    let (status, _) = send("GET", &format!("{api}/transactions/{tid}"), "").await;
    assert_eq!(status, 200);
    let (status, _) = send("GET", &format!("{api}/transactions/none"), "").await;
    assert_eq!(status, 404);
    let (status, _) = send("POST", &format!("{api}/reset"), "").await;
    assert_eq!(status, 200);
    let (_, merchants) = send("GET", &format!("{api}/merchants"), "").await;
    assert_eq!(
        merchants.as_array().unwrap().len(),
        2,
        "only the test merchants after a reset"
    );
    assert!(sandbox.sms_outbox().unwrap().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_pages_show_everything_and_their_forms_work() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let receiver = receiver(usize::MAX, None).await;
    notify_to(&sandbox, &receiver, 1, 1);
    let answer = post_json(
        &format!("{base}/api/smsPayApi"),
        &json!({ "mid": "testpay01m", "moid": "page-1", "goodsName": "관리 화면", "amt": "12,000", "buyerName": "홍길동", "buyerTel": "010-5555-6666" }),
    )
    .await;
    let link = sandbox.sms_outbox().unwrap()[0].link.clone();
    assert!(answer["resultMsg"].as_str().unwrap().contains(&link));
    assert_eq!(pay_link(&sandbox, &link).await, "3001");
    sandbox.settle(Duration::from_secs(10)).await.unwrap();

    let dashboard = get_text(&format!("{base}/sandbox/")).await;
    assert!(
        dashboard.contains("2025-10-20 15:3") && dashboard.contains("testpay01m"),
        "{dashboard}"
    );
    assert!(dashboard.contains(&format!("{base}/api/smsPayApi")));
    assert!(
        get_text(&format!("{base}/sandbox/sms"))
            .await
            .contains(&link)
    );
    assert!(
        get_text(&format!("{base}/sandbox/orders"))
            .await
            .contains("page-1")
    );
    assert!(
        get_text(&format!("{base}/sandbox/transactions"))
            .await
            .contains("424242******4242")
    );
    let deliveries = get_text(&format!("{base}/sandbox/deliveries")).await;
    assert!(
        deliveries.contains("NACK") && deliveries.contains("pending"),
        "{deliveries}"
    );
    assert!(
        get_text(&format!("{base}/sandbox/members"))
            .await
            .contains("SS-Pay")
    );

    // The clock form, the merchant form (a bad value is shown, a good one saved), reset.
    let before = sandbox.now();
    post_form(&format!("{base}/sandbox/actions/advance"), "minutes=90").await;
    assert!(sandbox.now().to_offset() - before.to_offset() >= time::Duration::minutes(90));
    let edit = get_text(&format!("{base}/sandbox/merchants/innopay/testpay01m")).await;
    let mut settings = form(&edit, "merchantForm", &base).expect("the settings form");
    settings.set("retries", "11");
    let (status, refused) = settings.submit(&browser()).await;
    assert_eq!(status, 422);
    assert!(refused.contains("retries"), "{refused}");
    settings.set("retries", "7").set("notify_url", "");
    settings.submit(&browser()).await;
    let merchant = sandbox
        .merchants()
        .unwrap()
        .into_iter()
        .find(|m| m.mid == "testpay01m")
        .unwrap();
    assert_eq!((merchant.notify.retries, merchant.notify.url), (7, None));
    assert!(
        get_text(&format!("{base}/sandbox/merchants/innopay/nobody"))
            .await
            .contains("없는")
    );
    post_form(&format!("{base}/sandbox/actions/reset"), "").await;
    assert!(sandbox.transactions().unwrap().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_time_runs_at_the_time_scale() {
    // An hour of virtual time per real second: a one-minute retry comes after ~17 ms.
    let sandbox = sandbox_with(SandboxConfig {
        time_scale: 3600,
        ..SandboxConfig::default()
    })
    .await;
    let receiver = receiver(1, None).await;
    notify_to(&sandbox, &receiver, 1, 2);
    post_json(
        &format!("{}/api/smsPayApi", sandbox.base_url()),
        &json!({ "mid": "testpay01m", "moid": "fast-1", "goodsName": "상품", "amt": "5000", "buyerName": "홍", "buyerTel": "01012341234" }),
    )
    .await;
    let link = sandbox.sms_outbox().unwrap()[0].link.clone();
    assert_eq!(pay_link(&sandbox, &link).await, "3001");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let d = sandbox.deliveries().unwrap().remove(0);
        if d.state == DeliveryState::Delivered {
            assert_eq!(d.attempts.len(), 2);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the retry came on its own: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sandbox.shutdown().await;
}

/// A small deterministic generator of hostile bodies.
fn hostile_bodies() -> Vec<Vec<u8>> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces: [&[u8]; 16] = [
        b"{",
        b"}",
        b"\"",
        b"amt",
        b"=",
        b"&",
        b"%",
        b"%ZZ",
        b"%C5%D7",
        b"\xC5\xD7",
        b"\xFF\xFE",
        b"Mid=testpay01m",
        b"\"EncData\":",
        b"[]",
        b"\0",
        "한글".as_bytes(),
    ];
    let mut bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"null".to_vec(),
        br#"{"amt": {"nested": [1, 2]}}"#.to_vec(),
        br#"{"EncData": 12, "Mid": ["t_2510201m"]}"#.to_vec(),
        format!(r#"{{"amt":"{}"}}"#, "9".repeat(40)).into_bytes(),
        vec![b'a'; 300_000],
    ];
    for _ in 0..60 {
        let mut body = Vec::new();
        for _ in 0..(next() % 12) {
            body.extend_from_slice(pieces[(next() % 16) as usize]);
        }
        bodies.push(body);
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_bytes_get_the_vendors_answer_never_a_crash() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let http = browser();
    let endpoints: [(&str, &str); 9] = [
        ("/api/smsPayApi", "application/json"),
        ("/api/cancelApi", "application/json"),
        ("/api/cardInterface", "text/html"),
        ("/api/cardInterface/register", "text/html"),
        ("/api/cardInterface/close", "text/html"),
        ("/ssp/reqPay.do", "text/html"),
        ("/payment/approval/urlCallApproval.do", "application/json"),
        ("/payment/approval/ssbMemberDel.do", "application/json"),
        ("/payment/approval/cancel.do", "application/json"),
    ];
    for body in hostile_bodies() {
        for (path, content_type) in endpoints {
            for declared in [
                "application/json",
                "application/x-www-form-urlencoded; charset=euc-kr",
                "text/plain; charset=shift_jis",
            ] {
                let response = http
                    .post(format!("{base}{path}"))
                    .header("Content-Type", declared)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
                let status = response.status().as_u16();
                let got = response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                assert!(
                    status < 500,
                    "{path} {declared}: {status} for {:?}",
                    String::from_utf8_lossy(&body)
                );
                assert!(got.starts_with(content_type), "{path}: {got}");
                let text = response.text().await.unwrap();
                if content_type == "application/json" {
                    let v: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
                    assert!(
                        v.get("resultCode").or(v.get("ResultCode")).is_some(),
                        "{path}: {v}"
                    );
                }
            }
        }
        let query = String::from_utf8_lossy(&body).replace(['#', ' '], "");
        let response = http
            .get(format!("{base}/api/cardInterface?{query}"))
            .send()
            .await;
        if let Ok(response) = response {
            assert!(response.status().as_u16() < 500);
        }
    }
    // And the simulator still works.
    let answer = post_json(
        &format!("{base}/api/smsPayApi"),
        &json!({ "mid": "testpay01m", "moid": "after", "goodsName": "상품", "amt": "1000", "buyerName": "홍", "buyerTel": "01012341234" }),
    )
    .await;
    assert_eq!(answer["resultCode"], "0000");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_backed_sandbox_keeps_its_state_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || SandboxConfig {
        db: Some(dir.path().join("sandbox.db")),
        ..SandboxConfig::default()
    };
    let first = sandbox_with(config()).await;
    let receiver = receiver(usize::MAX, None).await;
    notify_to(&first, &receiver, 1, 5);
    post_json(
        &format!("{}/api/smsPayApi", first.base_url()),
        &json!({ "mid": "testpay01m", "moid": "kept-1", "goodsName": "상품", "amt": "3000", "buyerName": "홍", "buyerTel": "01012341234" }),
    )
    .await;
    let link = first.sms_outbox().unwrap()[0].link.clone();
    assert_eq!(pay_link(&first, &link).await, "3001");
    first.settle(Duration::from_secs(10)).await.unwrap();
    first.shutdown().await;

    let second = sandbox_with(config()).await;
    assert_eq!(second.orders().unwrap()[0].moid, "kept-1");
    let merchant = second
        .merchants()
        .unwrap()
        .into_iter()
        .find(|m| m.mid == "testpay01m")
        .unwrap();
    assert_eq!(
        merchant.notify.url.as_deref(),
        Some(receiver.innopay_url().as_str())
    );
    let d = second.deliveries().unwrap().remove(0);
    assert_eq!((d.state, d.attempts.len()), (DeliveryState::Pending, 1));
    // The schedule goes on where it stopped.
    second.advance(Duration::from_secs(60));
    second.settle(Duration::from_secs(10)).await.unwrap();
    assert_eq!(second.deliveries().unwrap()[0].attempts.len(), 2);
    second.shutdown().await;
}
