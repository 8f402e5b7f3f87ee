//! Smartro PAY end to end over real HTTP on loopback: the SDK's signed form to `reqPay.do`, the
//! SS-Pay window driven as a browser would, approval, cancels, member deletion, the stop
//! result, and every refusal the vendor answers with its own code.

use std::time::Duration;

use pg_core::{CancelKind, Clock, FixedClock, KstDateTime, Secret, Tid, Won};
use pg_sandbox::Sandbox;
use pg_sandbox::merchant::smartro_test;
use pg_sandbox::store::TxState;
use pg_smartro::Device;
use pg_smartro::approval::{ApprovalOutcome, ApprovalRequest};
use pg_smartro::callbacks::{ReturnCallback, StopResult};
use pg_smartro::cancel::{CancelOutcome, CancelRequest};
use pg_smartro::crypto::Aes256Cipher;
use pg_smartro::member::{MemberDeletionOutcome, MemberDeletionRequest};
use pg_smartro::payment_window::PaymentWindowRequest;
use pgkit_tests::sandbox_support::{
    Submit, attr, browser, form, notify_to, open_window, post_json, radio_values, receiver,
    result_code, sandbox, sandbox_with, smartro,
};

const SETTLE: Duration = Duration::from_secs(10);

fn window_request(moid: &str, amount: u64, user: &str) -> PaymentWindowRequest {
    PaymentWindowRequest::builder()
        .moid(moid)
        .amount(amount)
        .goods_name("거래 상품명")
        .mall_user_id(user)
        .buyer_name("구매자")
        .buyer_phone("010-9999-1111")
        .buyer_email("buyer@example.kr")
        .mall_reserved("자유 메모")
        .return_url("https://shop.example/smartro/return")
        .stop_url("https://shop.example/smartro/stop")
}

/// Registers `card` (with identity verification) in an open window; the page after.
async fn register_card(sandbox: &Sandbox, page: &str, card: &str) -> String {
    let mut f = form(page, "cardForm", sandbox.base_url()).expect("the registration form");
    if f.action.contains("/card") && page.contains("idName") {
        f.set("idName", "구매자").set("idPhone", "010-9999-1111");
    }
    f.set("cardNo", card)
        .set("expiry", "12/30")
        .set("birth", "900101")
        .set("pin", "123456")
        .set("pinConfirm", "123456");
    f.submit(&browser()).await.1
}

/// Pays with the first registered card; `(Tid, TrAuthKey, page)`.
async fn authenticate(sandbox: &Sandbox, page: &str, pin: &str) -> (String, String, String) {
    let mut f = form(page, "payForm", sandbox.base_url()).expect("the pay form");
    f.set("pin", pin);
    let (_, done) = f.submit(&browser()).await;
    let tid = attr(&done, "authenticated", "data-tid").unwrap_or_default();
    let key = attr(&done, "authenticated", "data-tr-auth-key").unwrap_or_default();
    (tid, key, done)
}

/// A window paid by a new member with `card`, PC; `(Tid, TrAuthKey)`.
async fn paid_window(
    sandbox: &Sandbox,
    moid: &str,
    amount: u64,
    user: &str,
    card: &str,
) -> (String, String) {
    let client = smartro(sandbox);
    let window = client
        .payment_window(window_request(moid, amount, user))
        .unwrap();
    let page = open_window(sandbox, &window, "pc").await;
    let page = register_card(sandbox, &page, card).await;
    let (tid, key, done) = authenticate(sandbox, &page, "123456").await;
    assert!(!tid.is_empty() && !key.is_empty(), "{done}");
    (tid, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_approval_partial_cancel_and_renotifications() {
    let sandbox = sandbox().await;
    let receiver = receiver(0, None).await;
    notify_to(&sandbox, &receiver, 1, 3);
    let client = smartro(&sandbox);
    let window = client
        .payment_window(window_request("sm-order-1", 50_000, "user01"))
        .unwrap();
    // The SDK's own page loads the simulator's script, with only the base URL switched.
    let html = window.html(client.environment(), Device::Pc);
    assert!(html.contains(&format!(
        "{}/asset/js/SmartroPAY-1.0.min.js?version=",
        sandbox.base_url()
    )));
    let script = browser()
        .get(format!(
            "{}/asset/js/SmartroPAY-1.0.min.js?version=202510201530",
            sandbox.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(script.text().await.unwrap().contains("window.smartropay"));

    let page = open_window(&sandbox, &window, "pc").await;
    assert!(
        page.contains("50,000원") && page.contains("본인인증"),
        "{page}"
    );
    let page = register_card(&sandbox, &page, "4242 4242 4242 4242").await;
    assert!(page.contains("424242******4242"), "{page}");
    let (_, _, wrong) = authenticate(&sandbox, &page, "000000").await;
    assert_eq!(result_code(&wrong).as_deref(), Some("W007"));
    let (tid, key, done) = authenticate(&sandbox, &page, "123456").await;
    assert!(
        done.contains("parent.postMessage") && done.contains("https://shop.example"),
        "{done}"
    );

    let approval = ApprovalRequest {
        tid: Tid::parse(&tid).unwrap(),
        tr_auth_key: Secret::new(key.clone()),
    };
    let approved = match client.approve(&approval).await.unwrap() {
        ApprovalOutcome::Approved(r) => r,
        ApprovalOutcome::Refused(r) => panic!("refused {r:?}"),
    };
    approved.check_amount(Won::new(50_000)).unwrap();
    assert_eq!(
        approved.verify_sign_value(&Secret::new(smartro_test::MERCHANT_KEY)),
        Some(true)
    );
    assert_eq!(approved.moid.as_ref().unwrap().as_str(), "sm-order-1");
    assert_eq!(approved.mall_reserved_text.as_deref(), Some("자유 메모"));
    assert_eq!(
        approved.card.number.as_ref().unwrap().as_str(),
        "424242******4242"
    );
    assert!(approved.approved_at.is_some() && approved.auth_code.is_some());
    assert!(
        approved.extra.is_empty(),
        "every field is one the SDK knows: {:?}",
        approved.extra
    );
    // The token is single-use.
    match client.approve(&approval).await.unwrap() {
        ApprovalOutcome::Refused(r) => assert_eq!(r.result_code, "A003"),
        other => panic!("{other:?}"),
    }

    let partial = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(10_000u64)
        .reason("부분 취소")
        .kind(CancelKind::Partial)
        .sequence(1)
        .build()
        .unwrap();
    match client.cancel(&partial).await.unwrap() {
        CancelOutcome::Cancelled(r) => {
            assert_eq!(
                (r.code.as_str(), r.amount),
                ("2001", Some(Won::new(10_000)))
            );
            assert_eq!(r.tid.unwrap().as_str(), tid);
            assert!(r.cancelled_at.is_some());
        }
        other => panic!("{other:?}"),
    }
    // The same sequence number again is refused; over-cancelling too.
    match client.cancel(&partial).await.unwrap() {
        CancelOutcome::Refused(r) => assert_eq!(r.code, "2038", "{r:?}"),
        other => panic!("{other:?}"),
    }
    let over = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(40_001u64)
        .reason("초과")
        .kind(CancelKind::Partial)
        .sequence(2)
        .build()
        .unwrap();
    assert!(
        matches!(client.cancel(&over).await.unwrap(), CancelOutcome::Refused(r) if r.code == "2031")
    );
    let rest = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(40_000u64)
        .reason("나머지")
        .kind(CancelKind::Partial)
        .sequence(2)
        .build()
        .unwrap();
    assert!(matches!(
        client.cancel(&rest).await.unwrap(),
        CancelOutcome::Cancelled(_)
    ));
    let again = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(1u64)
        .reason("또")
        .kind(CancelKind::Partial)
        .sequence(3)
        .build()
        .unwrap();
    assert!(
        matches!(client.cancel(&again).await.unwrap(), CancelOutcome::AlreadyCancelled(r) if r.code == "2013")
    );
    assert_eq!(
        sandbox.transaction(&tid).unwrap().unwrap().state,
        TxState::Cancelled
    );

    sandbox.settle(SETTLE).await.unwrap();
    let events = receiver.events().await;
    let statuses: Vec<&str> = events.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(events.len(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == "cancelled").count(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.tid.as_deref() == Some(tid.as_str()))
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mobile_return_stop_and_a_declining_card() {
    let sandbox = sandbox().await;
    let client = smartro(&sandbox);
    // Mobile: the window posts Tid and TrAuthKey to ReturnUrl itself.
    let window = client
        .payment_window(window_request("sm-mobile", 30_000, "mobile01"))
        .unwrap();
    let page = open_window(&sandbox, &window, "mobile").await;
    let page = register_card(&sandbox, &page, "4000 0000 0000 0002").await;
    let (_, _, done) = authenticate(&sandbox, &page, "123456").await;
    let ret = form(&done, "returnForm", sandbox.base_url()).expect("a post to ReturnUrl");
    assert_eq!(ret.action, "https://shop.example/smartro/return");
    let callback = ReturnCallback::decode(ret.body().as_bytes(), None).unwrap();
    // A declining test card: authenticated in the window, declined at approval.
    match client
        .approve(&ApprovalRequest::from(callback))
        .await
        .unwrap()
    {
        ApprovalOutcome::Refused(r) => {
            assert_eq!(
                (r.result_code.as_str(), r.result_message.as_str()),
                ("3011", "카드 승인 거절")
            );
        }
        other => panic!("{other:?}"),
    }

    // Stop: the window posts the stop result to StopUrl, in the top window.
    let window = client
        .payment_window(window_request("sm-stop", 1_004, "stop01"))
        .unwrap();
    let page = open_window(&sandbox, &window, "pc").await;
    let (_, done) = form(&page, "stopWindow", sandbox.base_url())
        .expect("the stop button")
        .submit(&browser())
        .await;
    let stop = form(&done, "stopForm", sandbox.base_url()).expect("a post to StopUrl");
    assert_eq!(stop.action, "https://shop.example/smartro/stop");
    assert!(done.contains("target=\"_top\""));
    let result = StopResult::decode(stop.body().as_bytes(), None).unwrap();
    assert_eq!(result.result_code, "W100");
    assert_eq!(result.moid.unwrap().as_str(), "sm-stop");
    assert_eq!(result.amount, Some(Won::new(1_004)));
    assert_eq!(result.mall_reserved_text.as_deref(), Some("자유 메모"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_deletion_pd00_ps40_and_unknown() {
    let sandbox = sandbox().await;
    let client = smartro(&sandbox);
    paid_window(
        &sandbox,
        "sm-member-1",
        10_000,
        "member01",
        "4242424242424242",
    )
    .await;
    match client
        .delete_member(&MemberDeletionRequest::new("member01"))
        .await
        .unwrap()
    {
        MemberDeletionOutcome::Deleted(d) => {
            assert!(d.cards_removed);
            assert_eq!(d.result_code, "PD00");
            assert_eq!(d.ssp_mall_id.as_deref(), Some(smartro_test::SSP_MALL_ID));
        }
        other => panic!("{other:?}"),
    }
    match client
        .delete_member(&MemberDeletionRequest::new("member01"))
        .await
        .unwrap()
    {
        MemberDeletionOutcome::Refused(r) => assert_eq!(r.code, "PF03"),
        other => panic!("{other:?}"),
    }
    // A member who removed its only card: PS40.
    let window = client
        .payment_window(window_request("sm-member-2", 10_000, "member02"))
        .unwrap();
    let page = open_window(&sandbox, &window, "pc").await;
    let page = register_card(&sandbox, &page, "5555555555554444").await;
    let card = radio_values(&page, "cardId").remove(0);
    let (_, after) = form(&page, &format!("deleteCard{card}"), sandbox.base_url())
        .expect("a delete button")
        .submit(&browser())
        .await;
    assert!(after.contains("cardForm"), "back to registration: {after}");
    let mut request = MemberDeletionRequest::new("member02");
    request.mall_reserved = Some("삭제 메모".into());
    match client.delete_member(&request).await.unwrap() {
        MemberDeletionOutcome::Deleted(d) => {
            assert_eq!((d.result_code.as_str(), d.cards_removed), ("PS40", false));
            assert!(d.mall_reserved.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(sandbox.members().unwrap().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_reused_expired_and_undecryptable_requests_are_refused() {
    let sandbox = sandbox().await;
    let client = smartro(&sandbox);
    let base = sandbox.base_url().to_owned();

    // Forged EncryptData: a client with another key signs the form.
    let mut forged_credentials = pg_sandbox::merchant::smartro_test::credentials();
    forged_credentials.merchant_key = Secret::new("another-merchant-key-0123456789abcdef");
    let forger = pg_smartro::SmartroClient::new(
        pg_http::ReqwestTransport::new().unwrap(),
        forged_credentials.clone(),
        pg_smartro::Environment::simulator(&base),
    )
    .with_clock(sandbox.clock());
    let window = forger
        .payment_window(window_request("sm-forged", 1_000, "forged01"))
        .unwrap();
    let page = open_window(&sandbox, &window, "pc").await;
    assert_eq!(result_code(&page).as_deref(), Some("W002"), "{page}");
    // Closing the refusal posts the stop result with that code to StopUrl.
    let (_, close) = form(&page, "closeForm", &base)
        .expect("the refusal's close button")
        .submit(&browser())
        .await;
    let stop = form(&close, "stopForm", &base).unwrap();
    assert_eq!(stop.action, "https://shop.example/smartro/stop");
    assert_eq!(
        (stop.get("ResultCode"), stop.get("Moid")),
        (Some("W002"), Some("sm-forged"))
    );

    // A stale EdiDate: the client's clock is 20 minutes behind.
    let behind = KstDateTime::from_instant(sandbox.clock().now() - time::Duration::minutes(20));
    let stale = smartro(&sandbox).with_clock(FixedClock::at_kst(behind));
    let window = stale
        .payment_window(window_request("sm-stale", 1_000, "stale01"))
        .unwrap();
    assert_eq!(
        result_code(&open_window(&sandbox, &window, "pc").await).as_deref(),
        Some("W003")
    );

    // A wrong SspMallId.
    let mut other_mall = pg_sandbox::merchant::smartro_test::credentials();
    other_mall.ssp_mall_id = "OTHERMALL1".into();
    let other = pg_smartro::SmartroClient::new(
        pg_http::ReqwestTransport::new().unwrap(),
        other_mall,
        pg_smartro::Environment::simulator(&base),
    )
    .with_clock(sandbox.clock());
    let window = other
        .payment_window(window_request("sm-mall", 1_000, "mall01"))
        .unwrap();
    assert_eq!(
        result_code(&open_window(&sandbox, &window, "pc").await).as_deref(),
        Some("W005")
    );

    // An expired TrAuthKey (10 minutes), and a wrong one.
    let (tid, key) = paid_window(
        &sandbox,
        "sm-expired",
        2_000,
        "expire01",
        "4242424242424242",
    )
    .await;
    let wrong = ApprovalRequest {
        tid: Tid::parse(&tid).unwrap(),
        tr_auth_key: Secret::new("x".repeat(40)),
    };
    assert!(
        matches!(client.approve(&wrong).await.unwrap(), ApprovalOutcome::Refused(r) if r.result_code == "A002")
    );
    sandbox.advance(Duration::from_secs(11 * 60));
    let late = ApprovalRequest {
        tid: Tid::parse(&tid).unwrap(),
        tr_auth_key: Secret::new(key),
    };
    assert!(
        matches!(client.approve(&late).await.unwrap(), ApprovalOutcome::Refused(r) if r.result_code == "A004")
    );
    let unknown = ApprovalRequest {
        tid: Tid::parse("t_2510201m01012510201530009999").unwrap(),
        tr_auth_key: Secret::new("k"),
    };
    assert!(
        matches!(client.approve(&unknown).await.unwrap(), ApprovalOutcome::Refused(r) if r.result_code == "A001")
    );

    // EncData under another key: PF01 (member deletion), 2037 (cancel).
    let wrong_key = pg_smartro::SmartroClient::new(
        pg_http::ReqwestTransport::new().unwrap(),
        forged_credentials,
        pg_smartro::Environment::simulator(&base),
    );
    assert!(matches!(
        wrong_key.delete_member(&MemberDeletionRequest::new("nobody")).await.unwrap(),
        MemberDeletionOutcome::Refused(r) if r.code == "PF01"
    ));
    let cancel = CancelRequest::builder()
        .tid(tid.as_str())
        .amount(2_000u64)
        .reason("취소")
        .build()
        .unwrap();
    assert!(
        matches!(wrong_key.cancel(&cancel).await.unwrap(), CancelOutcome::Refused(r) if r.code == "2037")
    );

    // A bad HashData, hand-encrypted with the right key.
    let cipher = Aes256Cipher::new(smartro_test::MERCHANT_KEY).unwrap();
    let param = format!(
        r#"{{"SERVICE_MODE":"CL1","Tid":"{tid}","Mid":"{}","CancelAmt":"2000","CancelPwd":"123456","CancelMsg":"취소","CancelSeq":"1","PartialCancelCode":"0","HashData":"{}"}}"#,
        smartro_test::MID,
        "A".repeat(43) + "="
    );
    let body = serde_json::json!({ "EncData": cipher.encrypt(&param), "Mid": smartro_test::MID });
    let answer = post_json(&format!("{base}/payment/approval/cancel.do"), &body).await;
    assert_eq!(answer["ResultCode"], "2036", "{answer}");
    // Garbage EncData.
    let answer = post_json(
        &format!("{base}/payment/approval/ssbMemberDel.do"),
        &serde_json::json!({ "EncData": "bm90IGFlcw==", "Mid": smartro_test::MID }),
    )
    .await;
    assert_eq!(answer["ResultCode"], "PF01", "{answer}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_verification_follows_the_merchant_option() {
    let sandbox = sandbox_with(pg_sandbox::SandboxConfig::default()).await;
    sandbox
        .configure(
            pg_sandbox::Gateway::Smartro,
            smartro_test::MID,
            pg_sandbox::MerchantUpdate {
                identity_check: Some(pg_sandbox::merchant::IdentityCheck::Both),
                ..Default::default()
            },
        )
        .unwrap();
    let client = smartro(&sandbox);
    let window = client
        .payment_window(window_request("sm-id", 1_000, "ident01"))
        .unwrap();
    let page = open_window(&sandbox, &window, "pc").await;
    let mut f = form(&page, "cardForm", sandbox.base_url()).unwrap();
    f.set("idName", "다른사람")
        .set("idPhone", "010-9999-1111")
        .set("cardNo", "4242424242424242")
        .set("expiry", "12/30")
        .set("birth", "900101")
        .set("pin", "123456")
        .set("pinConfirm", "123456");
    let (status, refused) = f.submit(&browser()).await;
    assert_eq!(
        (status, result_code(&refused).as_deref()),
        (422, Some("W006")),
        "{refused}"
    );
    f.set("idName", "구매자");
    let (_, page) = f.submit(&browser()).await;
    assert!(!radio_values(&page, "cardId").is_empty(), "{page}");
    sandbox.shutdown().await;
}
