//! SMS card-payment API (manual 2.2, 2.3) through the mock transport: exact bytes sent, the
//! manual's response example, refusals, odd responses, and bad input that sends nothing.

use std::sync::Arc;

use pg_core::{Error, FixedClock, KstDateTime, KstFormat, Rule, Won};
use pg_http::mock::{Fault, MockTransport};
use pg_http::{HttpResponse, Method};
use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use pg_innopay::{Credentials, Environment, InnopayClient};

fn clock() -> FixedClock {
    // 2018-03-13 09:30:00 KST
    FixedClock::at_kst(KstDateTime::parse("20180313093000", KstFormat::YyyyMMddHHmmss).unwrap())
}

fn client(mock: Arc<MockTransport>) -> InnopayClient<Arc<MockTransport>> {
    InnopayClient::new(mock, Credentials::sandbox_manual_entry(), Environment::Live)
        .with_clock(clock())
}

/// The manual's request example (2.2), as a request — with the amount of the manual's answer
/// (2.3): the two examples disagree (10,004 asked, 10,005 registered), which would be a
/// mismatch (see `a_registered_order_that_differs_is_outcome_unknown`).
fn manual_request() -> SmsPaymentRequest {
    manual_request_of("10,005")
}

fn manual_request_of(amount: &str) -> SmsPaymentRequest {
    SmsPaymentRequest::builder()
        .moid("test20180313001")
        .goods_name("테스트상품")
        .amount(amount)
        .buyer_name("테스트")
        .buyer_phone("01012341234")
        .deadline("2018-03-13 23:59:59")
        .sub_method(pg_innopay::web_link::SubPayMethod::ManualEntry)
        .build()
        .unwrap()
}

/// The manual's response example (2.3). The manual prints it without quotes and commas; this
/// is the same content as the JSON the API returns.
const MANUAL_RESPONSE: &str = r#"{"amt":"10,005","buyerEmail":"","buyerName":"테스트","buyerTel":"010-4311-6330","dutyFreeAmt":"","goodsName":"테스트상품","mid":"testpay01m","moid":"test20180313001","payExpDate":"2018-03-13 23:59:59","resultCode":"0000","resultMsg":"[테스트상점]상품명_테스트상품상품명_10,005 원안심결제가 요청되었습니다.안심결제 접속 URL 안내","userId":""}"#;

#[tokio::test]
async fn sends_exactly_the_manual_request() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(MANUAL_RESPONSE));
    client(mock.clone())
        .request_sms_payment(&manual_request())
        .await
        .unwrap();
    let sent = mock.last_request().unwrap();
    assert_eq!(sent.method, Method::Post);
    assert_eq!(sent.url, "https://api.innopay.co.kr/api/smsPayApi");
    assert_eq!(
        sent.headers,
        [
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned())
        ]
    );
    // Amounts and phone numbers go out as digits (the manual also accepts "10,005").
    assert_eq!(
        String::from_utf8(sent.body).unwrap(),
        r#"{"mid":"testpay01m","moid":"test20180313001","goodsName":"테스트상품","amt":"10005","dutyFreeAmt":"","buyerName":"테스트","buyerTel":"01012341234","buyerEmail":"","payExpDate":"2018-03-13 23:59:59","userId":"","svcPrdtCd":"03"}"#
    );
}

#[tokio::test]
async fn default_deadline_is_end_of_next_day_kst() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"0000","resultMsg":"ok"}"#,
    ));
    let request = SmsPaymentRequest::builder()
        .moid("A1")
        .goods_name("상품")
        .amount(1000u64)
        .buyer_name("홍길동")
        .buyer_phone("010-1234-1234")
        .build()
        .unwrap();
    let outcome = client(mock.clone())
        .request_sms_payment(&request)
        .await
        .unwrap();
    let body = String::from_utf8(mock.last_request().unwrap().body).unwrap();
    assert!(
        body.contains(r#""payExpDate":"2018-03-14 23:59:59""#),
        "{body}"
    );
    // Fields missing from the response are taken from the request.
    let SmsPaymentOutcome::Registered(order) = outcome else {
        panic!("refused")
    };
    assert_eq!(order.moid.as_str(), "A1");
    assert_eq!(order.amount, Won::new(1000));
    assert_eq!(order.deadline.unwrap().to_string(), "2018-03-14 23:59:59");
}

#[tokio::test]
async fn reads_the_manual_response() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(MANUAL_RESPONSE));
    let SmsPaymentOutcome::Registered(order) = client(mock)
        .request_sms_payment(&manual_request())
        .await
        .unwrap()
    else {
        panic!("expected a registered order");
    };
    assert_eq!(order.moid.as_str(), "test20180313001");
    assert_eq!(order.amount, Won::new(10_005));
    assert_eq!(order.duty_free_amount, None);
    assert_eq!(
        order.deadline.unwrap().format(KstFormat::Dashed),
        "2018-03-13 23:59:59"
    );
    assert!(order.message.starts_with("[테스트상점]"));
    assert_eq!(order.buyer_tel.as_deref(), Some("010-4311-6330"));
    assert_eq!(order.buyer_email, None);
    assert!(order.extra.is_empty());
}

#[tokio::test]
async fn tolerates_extra_missing_and_null_fields() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"0000","resultMsg":null,"amt":10005,"dutyFreeAmt":null,"newField":"x","smsUrl":{"a":1}}"#,
    ));
    let SmsPaymentOutcome::Registered(order) = client(mock)
        .request_sms_payment(&manual_request())
        .await
        .unwrap()
    else {
        panic!("expected a registered order");
    };
    assert_eq!(order.amount, Won::new(10_005));
    assert_eq!(order.message, "");
    assert_eq!(order.extra.len(), 2);
    assert_eq!(order.extra["newField"], "x");
}

#[tokio::test]
async fn a_registered_order_that_differs_is_outcome_unknown() {
    // The manual's own examples: 10,004 requested, 10,005 registered.
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(MANUAL_RESPONSE));
    let err = client(mock.clone())
        .request_sms_payment(&manual_request_of("10,004"))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("10,005") && text.contains("10,004"), "{text}");
    // Another order number.
    mock.push(HttpResponse::json(
        MANUAL_RESPONSE.replace("test20180313001", "test20180313999"),
    ));
    let err = client(mock.clone())
        .request_sms_payment(&manual_request())
        .await
        .unwrap_err();
    assert!(
        err.is_outcome_unknown() && err.to_string().contains("test20180313999"),
        "{err}"
    );
    // An unreadable amount.
    mock.push(HttpResponse::json(
        MANUAL_RESPONSE.replace("10,005", "10.005"),
    ));
    assert!(
        client(mock.clone())
            .request_sms_payment(&manual_request())
            .await
            .unwrap_err()
            .is_outcome_unknown()
    );
    // A malformed deadline is only a warning on the registered order.
    mock.push(HttpResponse::json(
        MANUAL_RESPONSE.replace("2018-03-13 23:59:59", "2018/03/13"),
    ));
    let SmsPaymentOutcome::Registered(order) = client(mock)
        .request_sms_payment(&manual_request())
        .await
        .unwrap()
    else {
        panic!("registered");
    };
    assert_eq!(order.deadline, None);
    assert_eq!(order.warnings.len(), 1);
    assert_eq!(
        (
            order.warnings[0].field.as_str(),
            order.warnings[0].raw.as_str()
        ),
        ("payExpDate", "2018/03/13")
    );
}

#[tokio::test]
async fn refusals_are_outcomes() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"3011","resultMsg":"가맹점 정보 없음"}"#,
    ));
    let outcome = client(mock)
        .request_sms_payment(&manual_request())
        .await
        .unwrap();
    let SmsPaymentOutcome::Refused(refusal) = outcome else {
        panic!("expected refusal")
    };
    assert_eq!(refusal.code, "3011");
    assert_eq!(refusal.message, "가맹점 정보 없음");
}

#[tokio::test]
async fn unreadable_answers_and_lost_answers_are_outcome_unknown() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::new(502, "<html>Bad Gateway</html>"));
    mock.push(Fault::ReadTimeout);
    mock.push(Fault::ConnectRefused);
    let c = client(mock.clone());
    let bad = c.request_sms_payment(&manual_request()).await.unwrap_err();
    assert!(bad.is_outcome_unknown(), "{bad}");
    let lost = c.request_sms_payment(&manual_request()).await.unwrap_err();
    assert!(lost.is_outcome_unknown(), "{lost}");
    let refused = c.request_sms_payment(&manual_request()).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Transport(t) if t.is_connect()),
        "{refused}"
    );
}

#[tokio::test]
async fn bad_input_sends_nothing() {
    let err = SmsPaymentRequest::builder()
        .moid("test-1")
        .goods_name("가".repeat(21))
        .amount("1O,000")
        .buyer_name("테스트😀")
        .buyer_email("a@b.kr")
        .build()
        .unwrap_err();
    let fields: Vec<&str> = err.fields().collect();
    assert_eq!(fields, ["amt", "buyerTel", "goodsName", "buyerName"]);
    assert!(matches!(
        err.of_field("buyerTel").next(),
        Some(Rule::Missing)
    ));
    assert!(matches!(
        err.of_field("goodsName").next(),
        Some(Rule::TooLong {
            max_bytes: 40,
            actual_bytes: 42
        })
    ));
    assert!(matches!(
        err.of_field("buyerName").next(),
        Some(Rule::NotEucKr { .. })
    ));

    let landline = SmsPaymentRequest::builder()
        .moid("A")
        .goods_name("g")
        .amount(1u64)
        .buyer_name("n")
        .buyer_phone("02-123-4567")
        .build()
        .unwrap_err();
    assert_eq!(landline.fields().collect::<Vec<_>>(), ["buyerTel"]);
}

#[tokio::test]
async fn invalid_credentials_fail_before_any_io() {
    let mock = Arc::new(MockTransport::new());
    let mut credentials = Credentials::sandbox_manual_entry();
    credentials.mid = pg_core::Mid::received("testpay01m-extra").unwrap();
    let c = InnopayClient::new(mock.clone(), credentials, Environment::Live).with_clock(clock());
    let err = c.request_sms_payment(&manual_request()).await.unwrap_err();
    assert_eq!(
        err.invalid_input().unwrap().fields().collect::<Vec<_>>(),
        ["mid"]
    );
    assert_eq!(mock.attempts(), 0);
}
