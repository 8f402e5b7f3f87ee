//! The shop end to end against the simulator, over HTTP (the browser suite drives the same flows
//! through Chromium): SMS payment paid by its notification, cancels counted once, the Smartro
//! window on PC and mobile, the stop page, Web-Link events, forged notifications, bad input.

mod common;

use common::*;
use pg_sandbox::store::DeliveryState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_payment_is_paid_by_its_notification_and_each_cancel_counts_once() {
    let r = rehearsal().await;
    let page = r.get("/innopay/sms?product=green-tea").await;
    assert_eq!(page.status, 200);
    for needed in [
        "전체동의",
        "전자금융거래 기본약관 (필수)",
        "개인정보 수집 및 이용약관 (필수)",
        "개인정보 제공 및 위탁안내 (필수)",
        "https://api.innopay.co.kr/api/terms",
        "https://api.innopay.co.kr/api/collection",
        "https://api.innopay.co.kr/api/offering",
        "https://api.innopay.co.kr/api/helpSms",
        "결제자명",
        "휴대폰번호",
        "이메일",
        "D+3",
        "※ 결제마감시간 미입력시 D+1일이 자동 설정됩니다.",
        "※ 입력하신 휴대폰번호로 결제링크가 SMS문자로 발송되며, 해당링크에서만 신용카드 SMS 결제가 가능합니다.",
        "10,005원",
    ] {
        assert!(
            page.text.contains(needed),
            "the request page lacks {needed:?}"
        );
    }

    let moid = r.sms_order("green-tea").await;
    // The shop followed the simulator's clock (2025-10-20), not the system's.
    assert!(moid.starts_with("SHOP-251020"), "{moid}");
    let order = r.order(&moid).await;
    assert_eq!(order["order"]["state"], "requested");
    assert_eq!(order["order"]["deadline"], "2025-10-22 23:59:59");
    let sms = r.sandbox.sms_outbox().unwrap();
    let sms = sms.iter().find(|m| m.moid == moid).expect("texted");
    assert_eq!(sms.phone, "010-1234-1234");

    let paid = r.buyer.pay_link(&sms.link, &card()).await.unwrap();
    assert_eq!(paid.result_code, "3001");
    r.settle().await;
    let order = r.order(&moid).await;
    assert_eq!(order["order"]["state"], "paid", "{order}");
    let tid = order["order"]["tid"].as_str().unwrap().to_owned();
    assert!(tid.starts_with("testpay01m"), "{tid}");

    let partial = r
        .post(
            &format!("/orders/{moid}/cancel"),
            &[
                ("amount", "3,000"),
                ("reason", "부분 반품"),
                ("kind", "partial"),
            ],
        )
        .await;
    assert_eq!(partial.status, 303);
    assert!(
        partial.location.as_deref().unwrap().contains("?ok="),
        "{partial:?}"
    );
    r.settle().await;
    let rest = r
        .post(&format!("/orders/{moid}/cancel"), &[("kind", "all")])
        .await;
    assert!(
        rest.location.as_deref().unwrap().contains("?ok="),
        "{rest:?}"
    );
    r.settle().await;

    let order = r.order(&moid).await;
    assert_eq!(
        (
            order["order"]["state"].as_str(),
            order["order"]["cancelled_amount"].as_i64()
        ),
        (Some("cancelled"), Some(10_005))
    );
    let history: Vec<&str> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .collect();
    // Each cancel was told twice (the API's answer and the notification) and counted once.
    assert_eq!(
        history
            .iter()
            .filter(|h| h.starts_with("취소 3,000원"))
            .count(),
        2,
        "{history:?}"
    );
    assert_eq!(
        history.iter().filter(|h| h.contains("확인")).count(),
        2,
        "{history:?}"
    );
    let events = r.shop.store.list(None, 0, 10).await.unwrap();
    assert_eq!(events.len(), 3, "an approval and two cancels");
    assert!(
        events
            .iter()
            .all(|e| e.state == pg_notify::EventState::Processed)
    );
    // Nothing left to cancel: the form is gone, and a forged cancel post is refused.
    let again = r
        .post(&format!("/orders/{moid}/cancel"), &[("kind", "all")])
        .await;
    assert!(again.location.unwrap().contains("?error="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smartro_window_is_approved_with_the_amount_checked_on_pc_and_mobile() {
    let r = rehearsal().await;
    for (device, phone, product, amount) in [
        ("pc", "010-5555-6666", "mug", 50_000),
        ("mobile", "010-7777-8888", "card", 1_004),
    ] {
        let page = r.window(product, device, phone).await;
        let script = format!("{}/asset/js/SmartroPAY-1.0.min.js", r.sandbox.base_url());
        assert!(page.contains(&script), "{page}");
        assert_eq!(page.contains("approvalForm"), device == "pc");
        let fields = r.window_fields(&page);
        let field = |n: &str| {
            fields
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let moid = field("Moid");
        assert_eq!(field("Amt"), amount.to_string());
        assert_eq!(
            field("ReturnUrl"),
            r.url(&format!("/smartro/return/{moid}"))
        );
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let auth = r
            .buyer
            .pay_window(&pairs, device, &card(), "123456")
            .await
            .unwrap();
        // What the PC callback's approvalForm (or the mobile window) posts to ReturnUrl.
        let back = r
            .post(
                &field("ReturnUrl"),
                &[("Tid", &auth.tid), ("TrAuthKey", &auth.tr_auth_key)],
            )
            .await;
        assert_eq!(back.status, 303, "{back:?}");
        assert!(
            back.location.as_deref().unwrap().contains("?ok="),
            "{back:?}"
        );
        let order = r.order(&moid).await;
        assert_eq!(order["order"]["state"], "paid");
        assert_eq!(order["order"]["tid"], auth.tid.as_str());
        assert_eq!(order["order"]["channel"], device);
        // The TrAuthKey is single-use: a replayed ReturnUrl does not pay twice.
        let replay = r
            .post(
                &field("ReturnUrl"),
                &[("Tid", &auth.tid), ("TrAuthKey", &auth.tr_auth_key)],
            )
            .await;
        assert!(
            replay.location.as_deref().unwrap().contains("?error="),
            "{replay:?}"
        );
        assert_eq!(r.order(&moid).await["order"]["state"], "paid");
    }
    r.settle().await;
    // The re-notifications arrived too, and marked nothing twice.
    let deliveries = r.sandbox.deliveries().unwrap();
    assert!(
        deliveries
            .iter()
            .all(|d| d.state == DeliveryState::Delivered),
        "{deliveries:?}"
    );
    let events = r.shop.store.list(None, 0, 10).await.unwrap();
    assert_eq!(events.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_window_abandons_the_order_and_a_payment_still_counts_afterwards() {
    let r = rehearsal().await;
    let page = r.window("green-tea", "pc", "010-2222-3333").await;
    let fields = r.window_fields(&page);
    let moid = fields.iter().find(|(k, _)| k == "Moid").unwrap().1.clone();
    let stop = r
        .post(
            &r.url(&format!("/smartro/stop/{moid}")),
            &[
                ("PayMethod", "CARD"),
                ("Moid", &moid),
                ("Amt", "10005"),
                ("ResultCode", "W100"),
                ("ResultMsg", "사용자 결제 중단"),
            ],
        )
        .await;
    assert_eq!(stop.status, 200);
    assert!(stop.text.contains("결제를 중단했습니다") && stop.text.contains("W100"));
    assert_eq!(r.order(&moid).await["order"]["state"], "abandoned");

    // The buyer opens the window again (another tab) and pays after all: the money counts.
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let auth = r
        .buyer
        .pay_window(&pairs, "pc", &card(), "123456")
        .await
        .unwrap();
    let back = r
        .post(
            &r.url(&format!("/smartro/return/{moid}")),
            &[("Tid", &auth.tid), ("TrAuthKey", &auth.tr_auth_key)],
        )
        .await;
    assert!(back.location.unwrap().contains("?ok="));
    r.settle().await;
    let order = r.order(&moid).await;
    assert_eq!(order["order"]["state"], "paid");
    assert_eq!(order["order"]["tid"], auth.tid.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_link_staff_page_posts_the_signed_form_and_records_the_windows_events() {
    let r = rehearsal().await;
    let page = r
        .post(
            "/innopay/web-link",
            &[
                ("product", "mug"),
                ("buyerName", "이몽룡"),
                ("buyerPhone", "010-4444-5555"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    let form = pg_sandbox::buyer::form(&page.text, "innopay-web-link", &r.shop.url).unwrap();
    assert_eq!(
        form.action,
        format!("{}/api/cardInterface", r.sandbox.base_url())
    );
    assert_eq!(form.get("Amt"), Some("50000"));
    assert_eq!(
        form.get("ReturnUrl"),
        Some(r.url("/innopay/web-link/return").as_str())
    );
    let moid = form.get("Moid").unwrap().to_owned();
    assert_eq!(r.order(&moid).await["order"]["channel"], "web-link");

    let event = [
        ("moid", moid.as_str()),
        ("resultCode", "0000"),
        ("resultMsg", "[테스트가맹점] 상품명:백자 머그컵"),
    ];
    for _ in 0..2 {
        let shown = r.post("/innopay/web-link/return", &event).await;
        assert_eq!(shown.status, 200);
        assert!(shown.text.contains("주문등록 완료"), "{}", shown.text);
    }
    let order = r.order(&moid).await;
    let sent = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["what"].as_str().unwrap().starts_with("SMS 발송"))
        .count();
    assert_eq!(sent, 1, "the event posted twice is recorded once: {order}");

    // A window closed without registering abandons its order.
    let other = r
        .post(
            "/innopay/web-link",
            &[
                ("product", "card"),
                ("buyerName", "성춘향"),
                ("buyerPhone", "01099990000"),
            ],
        )
        .await;
    let other = pg_sandbox::buyer::form(&other.text, "innopay-web-link", &r.shop.url).unwrap();
    let other_moid = other.get("Moid").unwrap();
    let closed = r
        .post(
            "/innopay/web-link/return",
            &[
                ("moid", other_moid),
                ("resultCode", "9007"),
                ("resultMsg", "사용자 취소"),
            ],
        )
        .await;
    assert!(closed.text.contains("9007"));
    assert_eq!(r.order(other_moid).await["order"]["state"], "abandoned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_that_do_not_match_an_order_are_not_acknowledged() {
    let r = rehearsal().await;
    let moid = r.sms_order("card").await;
    let notify = |moid: &str, n: u32, amount: &str| {
        format!(
            "moid={moid}&pgTid=testpay01m0101251020153000{n:04}&status=25&payMethod=02&approvalAmt={amount}"
        )
    };
    for (body, why) in [
        (notify("SHOP-000000000000-0000", 1, "1004"), "no order"),
        (notify(&moid, 2, "1"), "is not the order's 1004"),
    ] {
        let answer = r
            .http
            .post(r.url("/innopay/notify"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 422);
        assert_ne!(answer.text().await.unwrap(), "0000");
        let failed = r
            .shop
            .store
            .list(Some(pg_notify::EventState::Failed), 0, 10)
            .await
            .unwrap();
        assert!(
            failed
                .iter()
                .any(|e| e.last_error.as_deref().unwrap_or_default().contains(why)),
            "{failed:?}"
        );
    }
    assert_eq!(r.order(&moid).await["order"]["state"], "requested");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_in_the_pages_own_words() {
    let r = rehearsal().await;
    let missing = r
        .post(
            "/innopay/sms",
            &[
                ("product", "mug"),
                ("buyerName", " "),
                ("buyerPhone", "12"),
                ("deadline", "9"),
            ],
        )
        .await;
    assert_eq!(missing.status, 422);
    for needed in [
        "전자금융거래 기본약관에 동의해 주세요.",
        "결제자명을 입력해 주세요.",
        "휴대폰번호를 확인해 주세요",
        "결제마감은 최대 3일까지 선택할 수 있습니다.",
    ] {
        assert!(missing.text.contains(needed), "{needed}: {}", missing.text);
    }
    let bad_email = r
        .post(
            "/innopay/sms",
            &[
                ("product", "mug"),
                ("agreeTerms", "Y"),
                ("agreeCollection", "Y"),
                ("agreeOffering", "Y"),
                ("buyerName", "홍길동"),
                ("buyerPhone", "01012341234"),
                ("buyerEmail", "not-an-address"),
            ],
        )
        .await;
    assert_eq!(bad_email.status, 422);
    assert!(
        bad_email.text.contains("이메일 must be an e-mail address"),
        "{}",
        bad_email.text
    );
    let checkout = r
        .post(
            "/smartro/checkout",
            &[
                ("product", "mug"),
                ("buyerName", "김"),
                ("buyerPhone", "01012341234"),
            ],
        )
        .await;
    assert_eq!(checkout.status, 422);
    assert!(checkout.text.contains("이메일을 입력해 주세요"));
    assert_eq!(r.get("/innopay/sms?product=nothing").await.status, 404);
    assert_eq!(r.get("/orders/SHOP-nothing").await.status, 404);
    assert_eq!(r.get("/api/orders/SHOP-nothing").await.status, 404);
    // No order was made by any of it.
    assert!(!r.get("/orders").await.text.contains("SHOP-"));
    let moid = r.sms_order("card").await;
    let unpaid = r
        .post(
            &format!("/orders/{moid}/cancel"),
            &[("amount", "100"), ("kind", "partial")],
        )
        .await;
    assert!(unpaid.location.unwrap().contains("?error="));
}
