//! Innopay end to end over real HTTP on loopback: the SDK against the simulator, the buyer's
//! pages driven as a browser would, and notifications into a pg-notify receiver.

use std::time::Duration;

use pg_core::{CancelKind, Won};
use pg_innopay::cancel::{CancelOutcome, CancelRequest};
use pg_innopay::return_event::WebLinkEvent;
use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use pg_innopay::web_link::{RequestType, WebLinkEncoding, WebLinkRequest};
use pg_sandbox::Sandbox;
use pg_sandbox::store::{DeliveryState, TxState};
use pgkit_tests::sandbox_support::{
    Submit, browser, form, get_text, innopay, notify_to, post_form, receiver, result_code, sandbox,
};

const SETTLE: Duration = Duration::from_secs(10);

/// Registers an SMS order through the SDK and returns its payment link.
async fn register(sandbox: &Sandbox, moid: &str, amount: u64) -> String {
    let client = innopay(sandbox);
    let request = SmsPaymentRequest::builder()
        .moid(moid)
        .goods_name("테스트상품")
        .amount(amount)
        .buyer_name("홍길동")
        .buyer_phone("010-1234-1234")
        .build()
        .expect("valid request");
    let order = match client
        .request_sms_payment(&request)
        .await
        .expect("answered")
    {
        SmsPaymentOutcome::Registered(order) => order,
        SmsPaymentOutcome::Refused(r) => panic!("refused: {r}"),
    };
    assert_eq!(order.amount, Won::new(amount));
    let sms = sandbox.sms_outbox().expect("outbox");
    let message = sms
        .iter()
        .find(|m| m.moid == moid)
        .expect("an SMS was sent");
    assert_eq!(message.phone, "010-1234-1234");
    assert!(order.message.contains(&message.link), "{}", order.message);
    message.link.clone()
}

/// Pays through the link with `card`; the final page.
async fn pay(sandbox: &Sandbox, link: &str, card: &str) -> String {
    let http = browser();
    let page = get_text(link).await;
    let mut pay = form(&page, "pay", sandbox.base_url()).expect("the card form");
    pay.set("cardNo", card)
        .set("expiry", "12/30")
        .set("birth", "900101")
        .set("cardPw", "12");
    pay.submit(&http).await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_payment_link_notification_and_cancels() {
    let sandbox = sandbox().await;
    let receiver = receiver(0, None).await;
    notify_to(&sandbox, &receiver, 1, 3);
    let link = register(&sandbox, "order-e2e-1", 10_005).await;

    let page = get_text(&link).await;
    assert!(
        page.contains("10,005원") && page.contains("테스트상품"),
        "{page}"
    );
    let done = pay(&sandbox, &link, "4242 4242 4242 4242").await;
    assert_eq!(result_code(&done).as_deref(), Some("3001"), "{done}");
    // The link cannot be paid twice.
    let again = get_text(&link).await;
    assert_eq!(result_code(&again).as_deref(), Some("9010"));

    sandbox.settle(SETTLE).await.unwrap();
    let events = receiver.events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].status, "approved");
    assert_eq!(events[0].amount, Some(10_005));
    let tid = events[0].tid.clone().expect("tid");
    assert_eq!(
        sandbox.transaction(&tid).unwrap().unwrap().state,
        TxState::Approved
    );

    let client = innopay(&sandbox);
    let partial = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(3_000u64)
        .reason("부분 취소")
        .kind(CancelKind::Partial)
        .build()
        .unwrap();
    match client.cancel(&partial).await.unwrap() {
        CancelOutcome::Cancelled(r) => {
            assert_eq!(r.amount, Some(Won::new(3_000)));
            assert_eq!(r.tid.as_ref().map(|t| t.as_str()), Some(tid.as_str()));
            assert!(r.cancelled_at.is_some());
        }
        other => panic!("{other:?}"),
    }
    let over = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(7_006u64)
        .reason("초과")
        .build()
        .unwrap();
    match client.cancel(&over).await.unwrap() {
        CancelOutcome::Refused(r) => assert_eq!(r.code, "2031", "{r:?}"),
        other => panic!("{other:?}"),
    }
    let rest = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(7_005u64)
        .reason("나머지 취소")
        .kind(CancelKind::Full)
        .build()
        .unwrap();
    assert!(
        matches!(client.cancel(&rest).await.unwrap(), CancelOutcome::Cancelled(r) if r.amount == Some(Won::new(7_005)))
    );
    let repeat = client.cancel(&rest).await.unwrap();
    assert!(
        matches!(repeat, CancelOutcome::AlreadyCancelled(ref r) if r.code == "2013"),
        "{repeat:?}"
    );
    let tx = sandbox.transaction(&tid).unwrap().unwrap();
    assert_eq!((tx.state, tx.cancelled), (TxState::Cancelled, 10_005));

    sandbox.settle(SETTLE).await.unwrap();
    let events = receiver.events().await;
    let cancels: Vec<_> = events.iter().filter(|e| e.status == "cancelled").collect();
    assert_eq!(cancels.len(), 2, "{events:?}");
    let amounts: Vec<_> = cancels
        .iter()
        .map(|e| e.decoded["notification"]["cancel"]["amount"].as_u64())
        .collect();
    assert!(
        amounts.contains(&Some(3_000)) && amounts.contains(&Some(7_005)),
        "{amounts:?}"
    );
    let deliveries = sandbox.deliveries().unwrap();
    assert_eq!(deliveries.len(), 3);
    assert!(
        deliveries
            .iter()
            .all(|d| d.state == DeliveryState::Delivered && d.attempts.len() == 1)
    );
    // EUC-KR by default, as the vendor's sample page expects; the receiver read it.
    assert_eq!(deliveries[0].charset, "euc-kr");
    assert_eq!(
        events[0].decoded["notification"]["goods_name"],
        "테스트상품"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_notification_is_resent_on_the_schedule_until_acknowledged() {
    let sandbox = sandbox().await;
    let receiver = receiver(2, None).await;
    notify_to(&sandbox, &receiver, 1, 3);
    let link = register(&sandbox, "order-retry", 15_000).await;
    assert_eq!(
        result_code(&pay(&sandbox, &link, "5555555555554444").await).as_deref(),
        Some("3001")
    );

    sandbox.settle(SETTLE).await.unwrap();
    let first = sandbox.deliveries().unwrap().remove(0);
    assert_eq!(
        (first.state, first.attempts.len()),
        (DeliveryState::Pending, 1)
    );
    assert_eq!(first.attempts[0].status, Some(500));
    assert!(
        first.attempts[0].answer.starts_with("NACK"),
        "{:?}",
        first.attempts[0]
    );
    // Nothing more until a minute of virtual time passes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sandbox.deliveries().unwrap()[0].attempts.len(), 1);

    for expected in [2, 3] {
        sandbox.advance(Duration::from_secs(60));
        sandbox.settle(SETTLE).await.unwrap();
        assert_eq!(sandbox.deliveries().unwrap()[0].attempts.len(), expected);
    }
    let d = sandbox.deliveries().unwrap().remove(0);
    assert_eq!(d.state, DeliveryState::Delivered);
    let acks: Vec<bool> = d.attempts.iter().map(|a| a.acknowledged).collect();
    assert_eq!(acks, [false, false, true]);
    assert_eq!(d.attempts[2].answer, "0000");
    for pair in d.attempts.windows(2) {
        assert!(
            pair[1].at - pair[0].at >= 60_000,
            "attempts a minute apart: {pair:?}"
        );
    }
    let events = receiver.events().await;
    assert_eq!(events.len(), 1, "stored once: {events:?}");
    assert_eq!(
        (events[0].state, events[0].deliveries),
        (pg_notify::EventState::Processed, 3)
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_give_up_after_the_retries_and_resend_on_demand() {
    let sandbox = sandbox().await;
    let receiver = receiver(usize::MAX, None).await;
    notify_to(&sandbox, &receiver, 5, 1);
    let link = register(&sandbox, "order-give-up", 20_000).await;
    pay(&sandbox, &link, "4242424242424242").await;
    sandbox.settle(SETTLE).await.unwrap();
    sandbox.advance(Duration::from_secs(4 * 60));
    sandbox.settle(SETTLE).await.unwrap();
    assert_eq!(
        sandbox.deliveries().unwrap()[0].attempts.len(),
        1,
        "not before 5 minutes"
    );
    sandbox.advance(Duration::from_secs(60));
    sandbox.settle(SETTLE).await.unwrap();
    let d = sandbox.deliveries().unwrap().remove(0);
    assert_eq!((d.state, d.attempts.len()), (DeliveryState::Failed, 2));
    assert!(sandbox.resend(d.id).unwrap());
    sandbox.settle(SETTLE).await.unwrap();
    assert_eq!(sandbox.deliveries().unwrap()[0].attempts.len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_link_expires_at_its_deadline_and_declines_do_not_notify() {
    let sandbox = sandbox().await;
    let receiver = receiver(0, None).await;
    notify_to(&sandbox, &receiver, 1, 1);
    let link = register(&sandbox, "order-declined", 12_000).await;
    let declined = pay(&sandbox, &link, "4000 0000 0000 0002").await;
    assert_eq!(
        result_code(&declined).as_deref(),
        Some("3011"),
        "{declined}"
    );
    assert!(declined.contains("카드 승인 거절"));
    let limit = pay(&sandbox, &link, "4000000000009995").await;
    assert_eq!(result_code(&limit).as_deref(), Some("3012"));
    let bad = pay(&sandbox, &link, "4242424242424241").await;
    assert_eq!(result_code(&bad).as_deref(), Some("9001"), "{bad}");
    // The default deadline is 23:59:59 the next day (2025-10-21): two days later it is gone.
    sandbox.advance(Duration::from_secs(2 * 24 * 3600));
    let response = browser().get(&link).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 410);
    assert_eq!(
        result_code(&response.text().await.unwrap()).as_deref(),
        Some("9009")
    );
    sandbox.settle(SETTLE).await.unwrap();
    assert!(sandbox.deliveries().unwrap().is_empty());
    let states: Vec<TxState> = sandbox
        .transactions()
        .unwrap()
        .iter()
        .map(|t| t.state)
        .collect();
    assert_eq!(states, [TxState::Declined, TxState::Declined]);
    sandbox.shutdown().await;
}

/// The staff page's form, filled in: buyer, phone, consent.
fn fill_request(page: &str, base: &str) -> pgkit_tests::sandbox_support::HtmlForm {
    let mut f = form(page, "smsRequest", base).expect("the request form");
    f.set("buyerName", "김구매")
        .set("hp1", "010")
        .set("hp2", "4311")
        .set("hp3", "6330")
        .set("agreeTerms", "Y")
        .set("agreeCollection", "Y")
        .set("agreeOffering", "Y");
    f
}

/// Presses the window's 취소/닫기 on a request page: the page that follows.
async fn close_window(base: &str, page: &str) -> String {
    let session = form(page, "smsRequest", base).expect("the request form");
    let body = format!("session={}", session.get("session").expect("a session"));
    post_form(&format!("{base}/api/cardInterface/close"), &body).await
}

/// Decodes the `ReturnUrl` event a page submits, as the merchant's server would receive it.
fn return_event(page: &str, base: &str, return_url: &str) -> WebLinkEvent {
    let event = form(page, "returnEvent", base).expect("a ReturnUrl event form");
    assert_eq!(event.action, return_url);
    assert_eq!(event.charset.as_deref(), Some("utf-8"));
    WebLinkEvent::decode(
        event.body().as_bytes(),
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
    )
    .expect("the SDK decodes the event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_link_get_and_post_register_and_post_events_to_return_url() {
    let sandbox = sandbox().await;
    let client = innopay(&sandbox);
    let base = sandbox.base_url().to_owned();
    let return_url = "https://shop.example/innopay/return";
    let http = browser();

    // GET, the default encoding.
    let link = client
        .web_link(
            WebLinkRequest::builder()
                .moid("wl-get-1")
                .goods_name("테스트상품")
                .amount(10_005u64)
                .return_url(return_url),
        )
        .unwrap();
    let page = get_text(&link.get_url()).await;
    assert!(
        page.contains("wl-get-1") && page.contains("10,005원") && page.contains("테스트상품"),
        "{page}"
    );
    assert!(page.contains("전체동의") && page.contains("SMS 결제요청"));
    let (status, done) = fill_request(&page, &base).submit(&http).await;
    assert_eq!(status, 200, "{done}");
    assert!(
        done.contains("주문등록 완료") && done.contains("010-4311-6330"),
        "{done}"
    );
    let event = return_event(&done, &base, return_url);
    assert!(event.is_registered());
    assert_eq!(event.moid.unwrap().as_str(), "wl-get-1");
    assert!(event.result_message.contains("10,005원"));
    let order = &sandbox.orders().unwrap()[0];
    assert_eq!(
        (order.source.as_str(), order.buyer_tel.as_str()),
        ("web-link", "01043116330")
    );
    // 닫기 after registering posts 0000 again, in the window itself.
    let closed = close_window(&base, &page).await;
    assert_eq!(return_event(&closed, &base, return_url).result_code, "0000");

    // POST, in EUC-KR, for the buyer's phone (Mobile).
    let link = client
        .web_link(
            WebLinkRequest::builder()
                .moid("wl-post-1")
                .goods_name("한글상품")
                .buyer_name("이몽룡")
                .amount(20_000u64)
                .request_type(RequestType::Mobile)
                .encoding(WebLinkEncoding::EucKr),
        )
        .unwrap();
    let mut encoded = String::new();
    for (i, (name, value)) in link.fields().iter().enumerate() {
        if i > 0 {
            encoded.push('&');
        }
        encoded.push_str(name);
        encoded.push('=');
        let (bytes, _, _) = encoding_rs::EUC_KR.encode(value);
        encoded.extend(form_urlencoded::byte_serialize(&bytes));
    }
    let page = http
        .post(link.action())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encoded)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("한글상품") && page.contains("이몽룡") && page.contains("결제하기"),
        "{page}"
    );
    let (_, done) = fill_request(&page, &base).submit(&http).await;
    let pay_link = pgkit_tests::sandbox_support::attr(&done, "payLink", "href")
        .expect("the buyer pays at once");
    assert!(pay_link.starts_with(&format!("{base}/s/")));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_link_url_encodings_and_refusals() {
    let sandbox = sandbox().await;
    let client = innopay(&sandbox);
    let http = browser();
    for (i, encoding) in [
        WebLinkEncoding::Utf8,
        WebLinkEncoding::NoEncoding,
        WebLinkEncoding::EucKr,
        WebLinkEncoding::UrlUtf8,
        WebLinkEncoding::UrlEucKr,
    ]
    .into_iter()
    .enumerate()
    {
        let link = client
            .web_link(
                WebLinkRequest::builder()
                    .moid(format!("wl-enc-{i}"))
                    .goods_name("똑같은 상품")
                    .buyer_name("홍길동")
                    .amount(1_000u64)
                    .encoding(encoding),
            )
            .unwrap();
        let page = get_text(&link.get_url()).await;
        assert!(
            page.contains("똑같은 상품") && page.contains("value=\"홍길동\""),
            "{encoding:?}: {page}"
        );
    }
    // A wrong LicenseKey: the vendor's error page, and the failure event to ReturnUrl.
    let mut credentials = pg_innopay::Credentials::sandbox_manual_entry();
    credentials.license_key = pg_core::Secret::new("not-the-key");
    let link = WebLinkRequest::builder()
        .moid("wl-bad-key")
        .goods_name("상품")
        .amount(1_000u64)
        .return_url("https://shop.example/r")
        .build(&credentials, client.environment())
        .unwrap();
    let page = get_text(&link.get_url()).await;
    assert_eq!(result_code(&page).as_deref(), Some("9003"));
    let event = return_event(&page, sandbox.base_url(), "https://shop.example/r");
    assert_eq!(event.result_code, "9003");
    // A '+' left unencoded in a hand-written GET URL: the hint says why.
    let url = link
        .get_url()
        .replace("not-the-key", pg_innopay::sandbox::LICENSE_KEY);
    let raw = url.replace("%2B", "+");
    let page = get_text(&raw).await;
    assert!(page.contains("%2B"), "{page}");
    // Cancelling in the window posts 9007 (after a refused submit, the window is still open).
    let link = client
        .web_link(
            WebLinkRequest::builder()
                .moid("wl-cancel")
                .goods_name("상품")
                .amount(1_000u64)
                .return_url("https://shop.example/r"),
        )
        .unwrap();
    let page = get_text(&link.get_url()).await;
    // Consent is required: the page says which.
    let mut f = fill_request(&page, sandbox.base_url());
    f.fields.retain(|(n, _)| n != "agreeOffering");
    let (status, refused) = f.submit(&http).await;
    assert_eq!(status, 422);
    assert!(refused.contains("agreeOffering"), "{refused}");
    let closed = close_window(sandbox.base_url(), &page).await;
    let event = return_event(&closed, sandbox.base_url(), "https://shop.example/r");
    assert_eq!(
        (event.result_code.as_str(), event.moid.unwrap().as_str()),
        ("9007", "wl-cancel")
    );
    sandbox.shutdown().await;
}
