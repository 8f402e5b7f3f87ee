//! Cancel API (manual 3.1, 3.2) through the mock transport.

use std::sync::Arc;

use pg_core::{CancelKind, Error, KstFormat, Rule, Secret, Won};
use pg_http::HttpResponse;
use pg_http::mock::{Fault, MockTransport};
use pg_innopay::cancel::{CancelOutcome, CancelRequest, RefundAccount};
use pg_innopay::{Credentials, Environment, InnopayClient};

fn client(mock: Arc<MockTransport>) -> InnopayClient<Arc<MockTransport>> {
    InnopayClient::new(mock, Credentials::sandbox_manual_entry(), Environment::Live)
}

/// The manual's request example, whose tid carries a stray leading space.
fn manual_request() -> CancelRequest {
    CancelRequest::builder()
        .tid("testpay01m01011801181105238578")
        .amount("1000")
        .reason("test")
        .build()
        .unwrap()
}

/// The manual's response example (3.2), verbatim.
const MANUAL_RESPONSE: &str = r#"{
  "pgTid": " testpay01m01011801181105238578",
  "resultCode": "2001",
  "resultMsg": "취소 성공",
  "pgApprovalAmt": "1000",
  "pgAppDate": "20180118",
  "pgAppTime": "145038"
}"#;

#[tokio::test]
async fn sends_exactly_the_manual_request() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(MANUAL_RESPONSE));
    client(mock.clone())
        .cancel(&manual_request())
        .await
        .unwrap();
    let sent = mock.last_request().unwrap();
    assert_eq!(sent.url, "https://api.innopay.co.kr/api/cancelApi");
    assert_eq!(
        String::from_utf8(sent.body).unwrap(),
        r#"{"mid":"testpay01m","tid":"testpay01m01011801181105238578","svcCd":"01","cancelAmt":"1000","cancelMsg":"test","cancelPwd":"123456"}"#
    );
}

#[tokio::test]
async fn reads_the_manual_response() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(MANUAL_RESPONSE));
    let CancelOutcome::Cancelled(result) = client(mock).cancel(&manual_request()).await.unwrap()
    else {
        panic!("expected cancelled");
    };
    assert_eq!(
        result.tid.unwrap().as_str(),
        "testpay01m01011801181105238578"
    );
    assert_eq!(result.code, "2001");
    assert_eq!(result.message, "취소 성공");
    assert_eq!(result.amount, Some(Won::new(1000)));
    assert_eq!(
        result
            .cancelled_at
            .unwrap()
            .format(KstFormat::YyyyMMddHHmmss),
        "20180118145038"
    );
}

#[tokio::test]
async fn partial_cancel_with_refund_account() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"2211","resultMsg":"환불 성공"}"#,
    ));
    let request = CancelRequest::builder()
        .tid("testpay01m01011801181105238578")
        .amount(500u64)
        .reason("부분 취소")
        .kind(CancelKind::Partial)
        .refund_account(RefundAccount {
            bank_code: "004".into(),
            account_number: Secret::new("12345678901234"),
            holder: "홍길동".into(),
        })
        .build()
        .unwrap();
    let outcome = client(mock.clone()).cancel(&request).await.unwrap();
    assert!(matches!(outcome, CancelOutcome::Cancelled(ref r) if r.code == "2211"));
    assert_eq!(
        String::from_utf8(mock.last_request().unwrap().body).unwrap(),
        r#"{"mid":"testpay01m","tid":"testpay01m01011801181105238578","svcCd":"01","cancelAmt":"500","cancelMsg":"부분 취소","cancelPwd":"123456","partialCancelCode":"1","refundBankCd":"004","refundAcctNo":"12345678901234","refundAcctNm":"홍길동"}"#
    );
    // The refund account number is a secret.
    assert!(!format!("{request:?}").contains("12345678901234"));
}

#[tokio::test]
async fn accepts_form_and_percent_encoded_answers() {
    let mock = Arc::new(MockTransport::new());
    mock.push(
        HttpResponse::new(
            200,
            "pgTid=testpay01m01011801181105238578&resultCode=2001&resultMsg=%EC%B7%A8%EC%86%8C+%EC%84%B1%EA%B3%B5&pgApprovalAmt=1%2C000&pgAppDate=20180118&pgAppTime=145038&pgResultCode=0000&pgResultMsg=&pgApprovalNo=30012345&stateCd=1",
        )
        .with_header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),
    );
    mock.push(HttpResponse::new(
        200,
        "%7B%22pgTid%22%3A%22testpay01m01011801181105238578%22%2C%22resultCode%22%3A%222013%22%2C%22resultMsg%22%3A%22%EA%B8%B0%EC%B7%A8%EC%86%8C%22%7D",
    ));
    let c = client(mock);
    let form = c.cancel(&manual_request()).await.unwrap();
    let CancelOutcome::Cancelled(r) = form else {
        panic!("expected cancelled")
    };
    assert_eq!(r.message, "취소 성공");
    assert_eq!(r.amount, Some(Won::new(1000)));
    assert_eq!(r.pg_result_code.as_deref(), Some("0000"));
    assert_eq!(r.pg_result_message, None);
    assert_eq!(r.pg_approval_number.as_deref(), Some("30012345"));
    assert_eq!(r.state_code.as_deref(), Some("1"));
    let encoded = c.cancel(&manual_request()).await.unwrap();
    assert!(matches!(encoded, CancelOutcome::AlreadyCancelled(ref r) if r.message == "기취소"));
}

#[tokio::test]
async fn refusals_keep_code_and_message_and_extra_fields() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"2026","resultMsg":"취소 오류","pgResultMsg":null,"newField":"v"}"#,
    ));
    let CancelOutcome::Refused(r) = client(mock).cancel(&manual_request()).await.unwrap() else {
        panic!("expected refused");
    };
    assert_eq!((r.code.as_str(), r.message.as_str()), ("2026", "취소 오류"));
    assert_eq!(r.extra.get("newField").map(String::as_str), Some("v"));
}

#[tokio::test]
async fn lost_answers_are_outcome_unknown_and_not_retried() {
    for fault in [Fault::ReadTimeout, Fault::Reset] {
        let mock = Arc::new(MockTransport::new());
        mock.push(fault);
        mock.push(HttpResponse::json(MANUAL_RESPONSE));
        let err = client(mock.clone())
            .cancel(&manual_request())
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown(), "{err}");
        assert_eq!(mock.attempts(), 1, "never retried automatically");
    }
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::new(500, "Internal Server Error"));
    let err = client(mock).cancel(&manual_request()).await.unwrap_err();
    assert!(
        err.is_outcome_unknown(),
        "an unreadable answer may hide a cancel: {err}"
    );
}

#[tokio::test]
async fn failures_before_sending_are_plain_transport_errors() {
    let mock = Arc::new(MockTransport::new());
    mock.push(Fault::ConnectTimeout);
    let err = client(mock.clone())
        .cancel(&manual_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout() && !t.request_may_have_been_sent())
    );
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn bad_input_sends_nothing() {
    let err = CancelRequest::builder()
        .tid("testpay01m0101180118110523857")
        .amount("-1000")
        .reason("이유😀")
        .build()
        .unwrap_err();
    assert_eq!(
        err.fields().collect::<Vec<_>>(),
        ["tid", "cancelAmt", "cancelMsg"]
    );
    let zero = CancelRequest::builder()
        .tid("testpay01m01011801181105238578")
        .amount(0u64)
        .reason("x")
        .build();
    assert_eq!(
        zero.unwrap_err().fields().collect::<Vec<_>>(),
        ["cancelAmt"]
    );
    let missing = CancelRequest::builder().build().unwrap_err();
    assert_eq!(
        missing.fields().collect::<Vec<_>>(),
        ["tid", "cancelAmt", "cancelMsg"]
    );

    // No cancel password configured: refused before any I/O.
    let mock = Arc::new(MockTransport::new());
    let mut credentials = Credentials::sandbox_manual_entry();
    credentials.cancel_password = None;
    let c = InnopayClient::new(mock.clone(), credentials, Environment::Live);
    let err = c.cancel(&manual_request()).await.unwrap_err();
    let invalid = err.invalid_input().unwrap();
    assert_eq!(invalid.fields().collect::<Vec<_>>(), ["cancelPwd"]);
    assert!(matches!(
        invalid.of_field("cancelPwd").next(),
        Some(Rule::Missing)
    ));
    assert_eq!(mock.attempts(), 0);
}

#[tokio::test]
async fn a_cancel_answer_must_report_this_cancel() {
    for (answer, what) in [
        (
            MANUAL_RESPONSE.replace("\"1000\"", "\"2000\""),
            "2,000 instead of 1,000",
        ),
        (
            MANUAL_RESPONSE.replace("\"1000\"", "\"1O00\""),
            "an unreadable amount",
        ),
        (
            MANUAL_RESPONSE.replace(
                "testpay01m01011801181105238578",
                "testpay01m01011801181105239999",
            ),
            "another transaction",
        ),
    ] {
        let mock = Arc::new(MockTransport::new());
        mock.push(HttpResponse::json(answer));
        let err = client(mock).cancel(&manual_request()).await.unwrap_err();
        assert!(err.is_outcome_unknown(), "{what}: {err:?}");
    }
    // An answer without the amount or tid is not filled from the request.
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"2001","resultMsg":"취소 성공"}"#,
    ));
    let CancelOutcome::Cancelled(r) = client(mock).cancel(&manual_request()).await.unwrap() else {
        panic!("cancelled");
    };
    assert_eq!((r.amount, r.tid), (None, None));
    // A refusal carries whatever it carries: not compared.
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"resultCode":"2026","resultMsg":"x","pgApprovalAmt":"9"}"#,
    ));
    assert!(matches!(
        client(mock).cancel(&manual_request()).await.unwrap(),
        CancelOutcome::Refused(_)
    ));
}
