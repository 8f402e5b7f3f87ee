//! Both gateways behind the neutral `PaymentGateway` trait, over the mock transport.

use std::sync::Arc;

use pg_core::gateway::{
    Buyer, CallbackKind, CancelKind, CancelOutcome, CancelRequest, Capability, CompletionRequest,
    EventStatus, GatewayId, InboundCallback, PaymentGateway, PaymentOutcome, PaymentRequest,
    StartOutcome,
};
use pg_core::{
    Error, FixedClock, KstDateTime, KstFormat, Mid, Moid, PhoneNumber, Secret, Tid, Won,
};
use pg_http::HttpResponse;
use pg_http::mock::MockTransport;

fn clock() -> FixedClock {
    FixedClock::at_kst(KstDateTime::parse("20251020153000", KstFormat::YyyyMMddHHmmss).unwrap())
}

fn innopay(mock: Arc<MockTransport>) -> Box<dyn PaymentGateway> {
    Box::new(
        pg_innopay::InnopayClient::new(
            mock,
            pg_innopay::Credentials::sandbox_manual_entry(),
            pg_innopay::Environment::Live,
        )
        .with_clock(clock()),
    )
}

fn smartro(mock: Arc<MockTransport>) -> Box<dyn PaymentGateway> {
    Box::new(
        pg_smartro::SmartroClient::new(
            mock,
            pg_smartro::Credentials {
                mid: Mid::parse("t_2510201m").unwrap(),
                merchant_key: Secret::new("0123456789abcdef0123456789abcdefKEY"),
                ssp_mall_id: "SMTSSPAY0p".into(),
                cancel_password: Some(Secret::new("1234")),
            },
            pg_smartro::Environment::Test,
        )
        .with_clock(clock()),
    )
}

fn payment(phone: bool) -> PaymentRequest {
    PaymentRequest {
        moid: Moid::parse("order-1").unwrap(),
        amount: Won::new(10_005),
        tax_free_amount: None,
        goods_name: "테스트상품".into(),
        goods_count: Some(1),
        buyer: Buyer {
            name: Some("홍길동".into()),
            phone: phone.then(|| PhoneNumber::parse("010-1234-1234").unwrap()),
            email: Some("buyer@example.kr".into()),
            member_id: Some("member01".into()),
        },
        expires_at: None,
        return_url: Some("https://shop.example/return".into()),
        stop_url: Some("https://shop.example/stop".into()),
    }
}

#[test]
fn capabilities_differ() {
    let i = innopay(Arc::new(MockTransport::new()));
    let s = smartro(Arc::new(MockTransport::new()));
    assert_eq!((i.id(), s.id()), (GatewayId::Innopay, GatewayId::Smartro));
    assert!(i.capabilities().supports(Capability::SmsPayment));
    assert!(!i.capabilities().supports(Capability::CompletePayment));
    assert!(s.capabilities().supports(Capability::CompletePayment));
    assert!(s.capabilities().supports(Capability::DeleteMember));
    assert_eq!(i.acknowledgement(CallbackKind::Notification), b"0000");
    assert_eq!(s.acknowledgement(CallbackKind::ReNotification), b"OK");
}

#[tokio::test]
async fn start_payment_on_both() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"0000","resultMsg":"SMS sent","amt":"10,005"}"#,
    ));
    let sms = innopay(mock.clone())
        .start_payment(&payment(true))
        .await
        .unwrap();
    assert!(
        matches!(sms, StartOutcome::SmsOrderRegistered { amount, .. } if amount == Won::new(10_005))
    );
    let body = String::from_utf8(mock.last_request().unwrap().body).unwrap();
    assert!(
        body.contains(r#""payExpDate":"2025-10-21 23:59:59""#),
        "{body}"
    );

    let link = innopay(mock.clone())
        .start_payment(&payment(false))
        .await
        .unwrap();
    assert!(
        matches!(link, StartOutcome::BrowserRedirect { url: Some(ref u), .. } if u.contains("GoodsName="))
    );

    let window = smartro(mock.clone())
        .start_payment(&payment(true))
        .await
        .unwrap();
    let StartOutcome::BrowserRedirect { html, url: None } = window else {
        panic!("expected a page")
    };
    assert!(html.contains("name=\"EdiDate\" value=\"20251020153000\""));
    assert_eq!(
        mock.attempts(),
        1,
        "only the SMS API call reached the network"
    );
}

#[tokio::test]
async fn complete_payment_checks_the_amount() {
    let mock = Arc::new(MockTransport::new());
    let response = r#"{"ResultCode":"3001","ResultMsg":"ok","Tid":"t_2510201m01012510201530001234","Amt":"9000"}"#;
    mock.push(HttpResponse::json(response));
    mock.push(HttpResponse::json(response));
    let s = smartro(mock);
    let request = |expected| CompletionRequest {
        tid: Tid::parse("t_2510201m01012510201530001234").unwrap(),
        auth_token: Secret::new("k"),
        expected_amount: expected,
    };
    let err = s
        .complete_payment(&request(Some(Won::new(10_005))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::AmountMismatch { actual: Some(a), .. } if a == Won::new(9000)),
        "{err}"
    );
    let ok = s.complete_payment(&request(None)).await.unwrap();
    assert!(matches!(ok, PaymentOutcome::Approved(p) if p.amount == Won::new(9000)));
    let unsupported = innopay(Arc::new(MockTransport::new()))
        .complete_payment(&request(None))
        .await
        .unwrap_err();
    assert!(matches!(unsupported, Error::Unsupported { .. }));
}

#[tokio::test]
async fn cancel_on_both() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"2013","resultMsg":"기취소"}"#,
    ));
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"2001","ResultMsg":"취소 성공"}"#,
    ));
    let request = CancelRequest {
        tid: Tid::parse("testpay01m01011801181105238578").unwrap(),
        amount: Won::new(1000),
        kind: CancelKind::Full,
        reason: "고객 요청".into(),
        sequence: None,
    };
    assert!(matches!(
        innopay(mock.clone()).cancel(&request).await.unwrap(),
        CancelOutcome::AlreadyCancelled(_)
    ));
    // The neutral receipt says what the gateway said: no amount when the reply has none.
    assert!(
        matches!(smartro(mock.clone()).cancel(&request).await.unwrap(), CancelOutcome::Cancelled(r) if r.amount.is_none())
    );
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"2001","ResultMsg":"취소 성공","CancelAmt":"1,000"}"#,
    ));
    assert!(
        matches!(smartro(mock).cancel(&request).await.unwrap(), CancelOutcome::Cancelled(r) if r.amount == Some(Won::new(1000)))
    );
}

#[test]
fn callbacks_on_both() {
    let i = innopay(Arc::new(MockTransport::new()));
    let event = i
        .decode_callback(&InboundCallback {
            kind: CallbackKind::Notification,
            content_type: None,
            body: b"moid=order-1&pgTid=testpay01m01011801181105238578&status=25&approvalAmt=1000",
            remote: None,
        })
        .unwrap();
    assert_eq!(event.status, EventStatus::Approved);
    assert_eq!(
        event.idempotency_key(),
        "innopay:testpay01m01011801181105238578:approved:0"
    );

    let s = smartro(Arc::new(MockTransport::new()));
    let ret = s
        .decode_callback(&InboundCallback {
            kind: CallbackKind::Return,
            content_type: None,
            body: b"Tid=t_2510201m01012510201530001234&TrAuthKey=x",
            remote: None,
        })
        .unwrap();
    assert_eq!(ret.status, EventStatus::Authenticated);
    let bad = s.decode_callback(&InboundCallback {
        kind: CallbackKind::ReNotification,
        content_type: None,
        body: b"TID=x",
        remote: None,
    });
    assert!(matches!(bad, Err(Error::InvalidInput(_))));
}
