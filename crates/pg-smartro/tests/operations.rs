//! Approval, member deletion and cancel through the mock transport: the exact bytes sent
//! (EncData is deterministic: zero IV), every response field, outcomes, and failures.

use std::sync::Arc;

use pg_core::{CancelKind, CardCompany, Error, KstFormat, Mid, Secret, Tid, Won};
use pg_http::HttpResponse;
use pg_http::mock::{Fault, MockTransport};
use pg_smartro::approval::{ApprovalOutcome, ApprovalRequest};
use pg_smartro::callbacks::PayMethod;
use pg_smartro::cancel::{CancelOutcome, CancelRequest};
use pg_smartro::crypto::{self, Aes256Cipher};
use pg_smartro::member::{MemberDeletionOutcome, MemberDeletionRequest};
use pg_smartro::{Credentials, Environment, SmartroClient};

const KEY: &str = "0123456789abcdef0123456789abcdefTAIL+of/the=KEY==";
const TID: &str = "t_2510201m01012510201530001234";

fn credentials() -> Credentials {
    Credentials {
        mid: Mid::parse("t_2510201m").unwrap(),
        merchant_key: Secret::new(KEY),
        ssp_mall_id: "SMTSSPAY0p".into(),
        cancel_password: Some(Secret::new("934091")),
    }
}

fn client(mock: Arc<MockTransport>) -> SmartroClient<Arc<MockTransport>> {
    SmartroClient::new(mock, credentials(), Environment::Test)
}

fn approval() -> ApprovalRequest {
    ApprovalRequest {
        tid: Tid::parse(TID).unwrap(),
        tr_auth_key: Secret::new("AUTHKEY+1/2="),
    }
}

fn full_response(result_code: &str, sign: bool) -> String {
    let sign_value = if sign {
        crypto::sign_value(TID, result_code, &Secret::new(KEY))
            .unwrap()
            .to_string()
    } else {
        String::new()
    };
    serde_json::json!({
        "CoNm": "테스트상점", "Tid": TID, "MerchantReserved": null, "CardQuota": "00",
        "AppCardCode": "04", "AppCardName": "삼성", "AcquCardCode": "04", "AcquCardName": "삼성",
        "CardMerchantNo": "123456789", "CardNum": "5361810000001234", "UsePoint": "0",
        "BalancePoint": "1,500", "CardInterest": "0", "ResultCode": result_code,
        "ResultMsg": "카드 결제 성공", "AuthDate": "251020153000", "AuthCode": "30012345",
        "GoodsName": "거래 상품명", "GoodsCnt": "1", "Amt": "1004", "Moid": "Moid20251020",
        "Mid": "t_2510201m", "MallUserId": "user01", "BuyerName": "구매자", "PayMethod": "CARD",
        "BuyerEmail": "noname@smartro.co.kr", "ParentEmail": "", "SubId": "", "MallReserved": "7J6Q7Jyg",
        "EdiDate": "20251020152959", "SignValue": sign_value, "BuyerAuthNum": "", "BuyerTel": "01099991111",
        "EscrowCd": "0", "GreenDeposit": "", "Currency": "KRW", "MerInterestCl": "0",
        "CardType": "0", "CardOwnerType": "1", "BrandNewField": {"x": 1}
    })
    .to_string()
}

#[tokio::test]
async fn approval_sends_exactly_tid_and_key() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(full_response("3001", true)));
    client(mock.clone()).approve(&approval()).await.unwrap();
    let sent = mock.last_request().unwrap();
    assert_eq!(
        sent.url,
        "https://tapproval.smartropay.co.kr/payment/approval/urlCallApproval.do"
    );
    assert_eq!(sent.header("Content-Type"), Some("application/json"));
    assert_eq!(sent.header("Accept"), Some("application/json"));
    assert_eq!(
        String::from_utf8(sent.body).unwrap(),
        format!(r#"{{"Tid":"{TID}","TrAuthKey":"AUTHKEY+1/2="}}"#)
    );
}

#[tokio::test]
async fn approval_reads_every_field() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(full_response("3001", true)));
    let ApprovalOutcome::Approved(r) = client(mock).approve(&approval()).await.unwrap() else {
        panic!("expected approval");
    };
    assert_eq!(r.tid.as_ref().unwrap().as_str(), TID);
    assert_eq!(r.amount, Some(Won::new(1004)));
    assert_eq!(r.moid.as_ref().unwrap().as_str(), "Moid20251020");
    assert_eq!(
        r.approved_at.unwrap().format(KstFormat::YyyyMMddHHmmss),
        "20251020153000"
    );
    assert_eq!(r.auth_code.as_deref(), Some("30012345"));
    assert_eq!(r.pay_method, Some(PayMethod::Card));
    assert_eq!(r.card.issuer, Some(CardCompany::Samsung));
    assert_eq!(r.card.number.as_ref().unwrap().as_str(), "536181******1234");
    assert_eq!(r.card.balance_points, Some(Won::new(1500)));
    assert_eq!(r.card.owner_type.as_deref(), Some("1"));
    assert_eq!(r.mall_reserved_text.as_deref(), Some("자유"));
    assert_eq!(r.merchant_reserved, None, "null is absent");
    assert_eq!(r.parent_email, None, "empty is absent");
    assert_eq!(r.company_name.as_deref(), Some("테스트상점"));
    assert_eq!(r.currency.as_deref(), Some("KRW"));
    assert!(r.extra.contains_key("BrandNewField"));
    assert_eq!(r.verify_sign_value(&Secret::new(KEY)), Some(true));
    assert!(r.check_amount(Won::new(1004)).is_ok());
    assert!(r.check_amount(Won::new(1005)).is_err());
}

#[tokio::test]
async fn approval_refusal_and_odd_values() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"4100","ResultMsg":"인증 시간 초과","Amt":"12.5","AuthDate":"yesterday"}"#,
    ));
    let outcome = client(mock).approve(&approval()).await.unwrap();
    let refusal = outcome.refusal().unwrap();
    assert_eq!(
        (refusal.code.as_str(), refusal.message.as_str()),
        ("4100", "인증 시간 초과")
    );
    // Unreadable values are kept, not fatal.
    assert_eq!(outcome.result().amount, None);
    assert_eq!(outcome.result().extra["Amt"], "12.5");
    assert_eq!(outcome.result().extra["AuthDate"], "yesterday");
}

#[tokio::test]
async fn a_bad_sign_value_makes_the_outcome_unknown() {
    let mock = Arc::new(MockTransport::new());
    let forged = full_response("3001", true).replace(
        &crypto::sign_value(TID, "3001", &Secret::new(KEY))
            .unwrap()
            .to_string(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    );
    mock.push(HttpResponse::json(forged));
    let err = client(mock).approve(&approval()).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("SignValue"), "{err}");
}

#[tokio::test]
async fn approval_without_sign_value_is_accepted() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(full_response("3001", false)));
    assert!(matches!(
        client(mock).approve(&approval()).await.unwrap(),
        ApprovalOutcome::Approved(_)
    ));
}

#[tokio::test]
async fn lost_approval_answers_are_outcome_unknown() {
    for reply in [
        Fault::ReadTimeout.into(),
        Fault::Reset.into(),
        pg_http::mock::MockReply::Respond(HttpResponse::new(502, "<html/>")),
    ] {
        let mock = Arc::new(MockTransport::new());
        mock.push(reply);
        let err = client(mock.clone()).approve(&approval()).await.unwrap_err();
        assert!(err.is_outcome_unknown(), "{err}");
        assert_eq!(mock.attempts(), 1);
    }
    let mock = Arc::new(MockTransport::new());
    mock.push(Fault::ConnectRefused);
    let err = client(mock).approve(&approval()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err}");
}

#[tokio::test]
async fn member_deletion_exact_bytes_and_outcomes() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(r#"{"SspMallId":"SMTSSPAY0p","ResultCode":"PD00","ResultMsg":"삭제 성공","MallReserved":""}"#));
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"PS40","ResultMsg":"등록 카드 없음"}"#,
    ));
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"PF01","ResultMsg":"회원 없음"}"#,
    ));
    let c = client(mock.clone());
    let request = MemberDeletionRequest::new("user01");
    let MemberDeletionOutcome::Deleted(d) = c.delete_member(&request).await.unwrap() else {
        panic!()
    };
    assert!(d.cards_removed);
    let verify = crypto::verify_value("t_2510201m", "SMTSSPAY0p", "user01");
    let param_data = format!(
        r#"{{"Mid":"t_2510201m","SspMallId":"SMTSSPAY0p","MallUserId":"user01","VerifyValue":"{verify}","ServiceType":"MD"}}"#
    );
    assert_eq!(request.param_data(&credentials()).unwrap(), param_data);
    let enc = Aes256Cipher::new(KEY).unwrap().encrypt(&param_data);
    let sent = mock.last_request().unwrap();
    assert_eq!(
        sent.url,
        "https://tapproval.smartropay.co.kr/payment/approval/ssbMemberDel.do"
    );
    assert_eq!(
        String::from_utf8(sent.body).unwrap(),
        format!(r#"{{"EncData":"{enc}","Mid":"t_2510201m"}}"#)
    );

    let MemberDeletionOutcome::Deleted(d) = c.delete_member(&request).await.unwrap() else {
        panic!()
    };
    assert!(!d.cards_removed);
    assert!(
        matches!(c.delete_member(&request).await.unwrap(), MemberDeletionOutcome::Refused(r) if r.code == "PF01")
    );
}

#[tokio::test]
async fn member_deletion_bad_input_sends_nothing() {
    let mock = Arc::new(MockTransport::new());
    let err = client(mock.clone())
        .delete_member(&MemberDeletionRequest::new("user_01!"))
        .await
        .unwrap_err();
    assert_eq!(
        err.invalid_input().unwrap().fields().collect::<Vec<_>>(),
        ["MallUserId"]
    );
    let mut short_key = credentials();
    short_key.merchant_key = Secret::new("too-short");
    let err = SmartroClient::new(mock.clone(), short_key, Environment::Test)
        .delete_member(&MemberDeletionRequest::new("user01"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Crypto(pg_core::CryptoError::KeyTooShort { .. })),
        "{err}"
    );
    assert_eq!(mock.attempts(), 0);
}

fn cancel_request(kind: CancelKind, amount: u64) -> CancelRequest {
    CancelRequest::builder()
        .tid(TID)
        .amount(amount)
        .reason("사용자 취소")
        .kind(kind)
        .build()
        .unwrap()
}

#[tokio::test]
async fn cancel_exact_bytes() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(r#"{"ResultCode":"2001","ResultMsg":"취소 성공","Tid":"t_2510201m01012510201530001234","CancelAmt":"1004","CancelDate":"20251021","CancelTime":"101500"}"#));
    let request = cancel_request(CancelKind::Full, 1004);
    let CancelOutcome::Cancelled(r) = client(mock.clone()).cancel(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(r.amount, Some(Won::new(1004)));
    assert_eq!(
        r.cancelled_at.unwrap().format(KstFormat::YyyyMMddHHmmss),
        "20251021101500"
    );
    let hash = crypto::hash_data(TID, &Secret::new(KEY), "1004", "0");
    let param_data = format!(
        r#"{{"SERVICE_MODE":"CL1","Tid":"{TID}","Mid":"t_2510201m","CancelAmt":"1004","CancelPwd":"934091","CancelMsg":"사용자 취소","CancelSeq":"1","PartialCancelCode":"0","CancelTaxAmt":"","CancelTaxFreeAmt":"","CancelVatAmt":"","DivideInfo":"","HashData":"{hash}"}}"#
    );
    assert_eq!(request.param_data(&credentials()).unwrap(), param_data);
    let sent = mock.last_request().unwrap();
    assert_eq!(
        sent.url,
        "https://tapproval.smartropay.co.kr/payment/approval/cancel.do"
    );
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["Mid"], "t_2510201m");
    let decrypted = Aes256Cipher::new(KEY)
        .unwrap()
        .decrypt(body["EncData"].as_str().unwrap())
        .unwrap();
    assert_eq!(decrypted, param_data);
    // The cancel password never shows in Debug.
    assert!(!format!("{:?}", credentials()).contains("934091"));
}

#[tokio::test]
async fn partial_cancel_hash_and_sequence() {
    let request = CancelRequest::builder()
        .tid(TID)
        .amount("500")
        .reason("부분 취소")
        .kind(CancelKind::Partial)
        .sequence(2)
        .tax_amount(455u64)
        .vat_amount(45u64)
        .tax_free_amount(0u64)
        .build()
        .unwrap();
    let data: serde_json::Value =
        serde_json::from_str(&request.param_data(&credentials()).unwrap()).unwrap();
    assert_eq!(data["PartialCancelCode"], "1");
    assert_eq!(data["CancelSeq"], "2");
    assert_eq!(data["CancelTaxAmt"], "455");
    assert_eq!(data["CancelVatAmt"], "45");
    assert_eq!(data["CancelTaxFreeAmt"], "0");
    assert_eq!(
        data["HashData"],
        crypto::hash_data(TID, &Secret::new(KEY), "500", "1").to_string()
    );
}

#[tokio::test]
async fn cancel_outcomes_and_failures() {
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"2013","ResultMsg":"기취소 거래"}"#,
    ));
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"2003","ResultMsg":"취소 실패"}"#,
    ));
    mock.push(Fault::ReadTimeout);
    let c = client(mock.clone());
    let request = cancel_request(CancelKind::Full, 1004);
    assert!(
        matches!(c.cancel(&request).await.unwrap(), CancelOutcome::AlreadyCancelled(r) if r.code == "2013")
    );
    assert!(
        matches!(c.cancel(&request).await.unwrap(), CancelOutcome::Refused(r) if r.message == "취소 실패")
    );
    assert!(c.cancel(&request).await.unwrap_err().is_outcome_unknown());
    assert_eq!(mock.attempts(), 3);
}

#[tokio::test]
async fn cancel_bad_input_sends_nothing() {
    let err = CancelRequest::builder()
        .tid("short")
        .amount("abc")
        .reason("😀")
        .sequence(0)
        .build()
        .unwrap_err();
    assert_eq!(
        err.fields().collect::<Vec<_>>(),
        ["Tid", "CancelAmt", "CancelSeq", "CancelMsg"]
    );
    let mock = Arc::new(MockTransport::new());
    let mut no_password = credentials();
    no_password.cancel_password = None;
    let err = SmartroClient::new(mock.clone(), no_password, Environment::Test)
        .cancel(&cancel_request(CancelKind::Full, 10))
        .await
        .unwrap_err();
    assert_eq!(
        err.invalid_input().unwrap().fields().collect::<Vec<_>>(),
        ["CancelPwd"]
    );
    assert_eq!(mock.attempts(), 0);
}

#[tokio::test]
async fn an_approval_of_an_unknown_amount_or_another_tid_is_outcome_unknown() {
    let unsigned = full_response("3001", false);
    for (answer, what) in [
        (unsigned.replace(r#""Amt":"1004","#, ""), "no Amt"),
        (
            unsigned.replace(r#""Amt":"1004""#, r#""Amt":"10O4""#),
            "an unreadable Amt",
        ),
        (
            unsigned.replace(r#""Amt":"1004""#, r#""Amt":null"#),
            "a null Amt",
        ),
        (
            unsigned.replace(r#""Amt":"1004""#, r#""Amt":"9223372036854775808""#),
            "a 19-digit Amt",
        ),
        (
            unsigned.replace(TID, "t_2510201m01012510201530009999"),
            "another Tid",
        ),
    ] {
        let mock = Arc::new(MockTransport::new());
        mock.push(HttpResponse::json(answer));
        let err = client(mock).approve(&approval()).await.unwrap_err();
        assert!(err.is_outcome_unknown(), "{what}: {err:?}");
        let text = err.to_string();
        assert!(
            text.contains("Amt") || text.contains("Tid"),
            "{what}: {text}"
        );
    }
    // Through the neutral trait: never an approval of 0 won.
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(unsigned.replace(r#""Amt":"1004","#, "")));
    let gateway: &dyn pg_core::PaymentGateway = &client(mock);
    let result = gateway
        .complete_payment(&pg_core::CompletionRequest {
            tid: Tid::parse(TID).unwrap(),
            auth_token: Secret::new("k"),
            expected_amount: None,
        })
        .await;
    assert!(result.is_err_and(|e| e.is_outcome_unknown()));
}

#[tokio::test]
async fn a_cancel_answer_must_report_this_cancel() {
    let request = CancelRequest::builder()
        .tid(TID)
        .amount(1004u64)
        .reason("사용자 취소")
        .build()
        .unwrap();
    for (answer, what) in [
        (
            r#"{"ResultCode":"2001","ResultMsg":"ok","Tid":"t_2510201m01012510201530001234","CancelAmt":"1000"}"#,
            "another amount",
        ),
        (
            r#"{"ResultCode":"2001","ResultMsg":"ok","Tid":"t_2510201m01012510201530009999","CancelAmt":"1004"}"#,
            "another Tid",
        ),
        (
            r#"{"ResultCode":"2001","ResultMsg":"ok","CancelAmt":"1,0O4"}"#,
            "an unreadable amount",
        ),
    ] {
        let mock = Arc::new(MockTransport::new());
        mock.push(HttpResponse::json(answer));
        let err = client(mock).cancel(&request).await.unwrap_err();
        assert!(err.is_outcome_unknown(), "{what}: {err:?}");
    }
    // A bare answer: the neutral receipt says nothing it was not told.
    let mock = Arc::new(MockTransport::new());
    mock.push(HttpResponse::json(
        r#"{"ResultCode":"2001","ResultMsg":"취소 성공"}"#,
    ));
    let gateway: &dyn pg_core::PaymentGateway = &client(mock);
    let outcome = gateway
        .cancel(&pg_core::CancelRequest {
            tid: Tid::parse(TID).unwrap(),
            amount: Won::new(1004),
            kind: CancelKind::Full,
            reason: "사용자 취소".into(),
            sequence: None,
        })
        .await
        .unwrap();
    let pg_core::CancelOutcome::Cancelled(receipt) = outcome else {
        panic!("cancelled")
    };
    assert_eq!((receipt.tid, receipt.amount), (None, None));
}
