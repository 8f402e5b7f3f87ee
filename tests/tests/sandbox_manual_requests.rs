//! Requests written by hand from the manuals' examples — raw JSON, raw URLs, no SDK — are
//! accepted; malformed ones get the vendor's refusal in the vendor's content type, never a crash.

use pg_sandbox::merchant::{innopay_test, smartro_test};
use pg_smartro::crypto::{self, Aes256Cipher};
use pgkit_tests::sandbox_support::{browser, get_text, pay_link, post_json, result_code, sandbox};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innopay_manual_examples_by_hand() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    // 2.2's example, as real JSON (the manual's is pseudo-JSON), with a deadline ahead of the
    // simulator's clock (2025-10-20 15:30 KST).
    let answer = post_json(
        &format!("{base}/api/smsPayApi"),
        &json!({
            "mid": "testpay01m", "moid": "test20180313001", "goodsName": "테스트상품",
            "amt": "10,004", "dutyFreeAmt": "", "buyerName": "테스트", "buyerTel": "01012341234",
            "buyerEmail": "", "payExpDate": "2025-10-21 23:59:59", "userId": "", "svcPrdtCd": "03"
        }),
    )
    .await;
    assert_eq!(answer["resultCode"], "0000", "{answer}");
    assert_eq!(answer["amt"], "10,004");
    assert_eq!(answer["buyerTel"], "010-1234-1234");
    assert_eq!(answer["payExpDate"], "2025-10-21 23:59:59");
    assert_eq!(answer["mid"], "testpay01m");
    // 1.1's working example URL, exactly (Hangul percent-encoded by the HTTP client).
    let url = format!(
        "{base}/api/cardInterface?LicenseKey=Ma29gyAFhvv/%2Be4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve%2BNzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==&ServiceMode=PY0&Mid=testpay01m&PayMethod=CSMS&PgMID=nictest14m&Moid=test20180313003&RequestType=&GoodsName=%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88&Amt=10005"
    );
    let page = get_text(&url).await;
    assert!(
        page.contains("test20180313003") && page.contains("10,005원"),
        "{page}"
    );
    // The second example: SMS 인증 with `SvcPrdtCd` as the example spells it.
    let url = url
        .replace("nictest14m", "2999199999")
        .replace("test20180313003", "test20180313004")
        + "&SvcPrdtCd=04";
    let page = get_text(&url).await;
    assert!(page.contains("smsRequest"), "{page}");

    // 3.1's cancel example, its tid with the manual's leading space, on a real payment.
    let tid = {
        let order = sandbox.orders().unwrap().remove(0);
        let link = format!("{base}/s/{}", order.link_code);
        assert_eq!(pay_link(&sandbox, &link).await, "3001");
        sandbox.transactions().unwrap().remove(0).tid
    };
    let answer = post_json(
        &format!("{base}/api/cancelApi"),
        &json!({ "mid": "testpay01m", "tid": format!(" {tid}"), "svcCd": "01", "cancelAmt": "1000", "cancelMsg": "test", "cancelPwd": "123456" }),
    )
    .await;
    assert_eq!(answer["resultCode"], "2001", "{answer}");
    assert_eq!(answer["pgApprovalAmt"], "1000");
    assert_eq!(answer["pgTid"], tid.as_str());
    assert_eq!(answer["pgAppDate"], "20251020");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innopay_malformed_requests_get_the_vendors_refusal() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let sms = format!("{base}/api/smsPayApi");
    let good = json!({ "mid": "testpay01m", "moid": "m1", "goodsName": "상품", "amt": "1000", "buyerName": "홍길동", "buyerTel": "010-1234-1234" });
    let with = |field: &str, value: serde_json::Value| {
        let mut v = good.clone();
        v[field] = value;
        v
    };
    for (body, field) in [
        (with("amt", json!("10,04")), "amt"),
        (with("amt", json!("0")), "amt"),
        (with("amt", json!("1.5")), "amt"),
        (with("goodsName", json!("가".repeat(21))), "goodsName"),
        (with("buyerTel", json!("010-1234-123a")), "buyerTel"),
        (with("buyerTel", json!("02-123-4567")), "buyerTel"),
        (with("dutyFreeAmt", json!("2000")), "dutyFreeAmt"),
        (with("payExpDate", json!("2025/10/21")), "payExpDate"),
        (with("svcPrdtCd", json!("05")), "svcPrdtCd"),
        (with("buyerEmail", json!("not-an-email")), "buyerEmail"),
        (with("goodsName", json!("이모지😀")), "goodsName"),
        (with("moid", json!(null)), "moid"),
    ] {
        let answer = post_json(&sms, &body).await;
        assert_eq!(answer["resultCode"], "9001", "{field}: {answer}");
        assert!(
            answer["resultMsg"].as_str().unwrap().contains(field),
            "{field}: {answer}"
        );
    }
    let answer = post_json(&sms, &with("mid", json!("nosuchmid0"))).await;
    assert_eq!(answer["resultCode"], "9002");
    let answer = post_json(&sms, &with("payExpDate", json!("2025-10-19 23:59:59"))).await;
    assert_eq!(answer["resultCode"], "9006", "{answer}");
    // Not JSON, and GET: still the vendor's JSON, never a bare error.
    let http = browser();
    for (method, body) in [("POST", "{not json"), ("POST", ""), ("GET", "")] {
        let response = http
            .request(method.parse().unwrap(), &sms)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let answer: serde_json::Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(answer["resultCode"], "9001", "{method} {body:?}: {answer}");
    }
    // Cancels.
    let cancel = format!("{base}/api/cancelApi");
    let answer = post_json(&cancel, &json!({ "mid": "testpay01m", "tid": "testpay01m01011801181105238578", "svcCd": "01", "cancelAmt": "1000", "cancelMsg": "x" })).await;
    assert_eq!(answer["resultCode"], "2035", "{answer}");
    assert!(answer["resultMsg"].as_str().unwrap().contains("cancelPwd"));
    let answer = post_json(&cancel, &json!({ "mid": "testpay01m", "tid": "testpay01m01011801181105238578", "svcCd": "01", "cancelAmt": "1000", "cancelMsg": "x", "cancelPwd": "654321" })).await;
    assert_eq!(answer["resultCode"], "2032");
    let answer = post_json(&cancel, &json!({ "mid": "testpay01m", "tid": "testpay01m01011801181105238578", "svcCd": "01", "cancelAmt": "1000", "cancelMsg": "x", "cancelPwd": "123456" })).await;
    assert_eq!(answer["resultCode"], "2033");
    let response = http.get(&cancel).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    // Web-Link without the key fields: the error page names them.
    let page = get_text(&format!("{base}/api/cardInterface?Mid=testpay01m&Amt=abc")).await;
    assert_eq!(result_code(&page).as_deref(), Some("9001"));
    for field in ["LicenseKey", "PgMID", "GoodsName", "Amt"] {
        assert!(page.contains(field), "{field}: {page}");
    }
    let page = get_text(&format!("{base}/api/cardInterface?Encoding=shift_jis")).await;
    assert!(page.contains("Encoding"), "{page}");
    // EUC-KR bytes under the default (UTF-8) encoding.
    let page = get_text(&format!(
        "{base}/api/cardInterface?GoodsName=%C5%D7%BD%BA%C6%AE"
    ))
    .await;
    assert!(
        page.contains("1.3"),
        "the hint points at the manual's encoding section: {page}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smartro_requests_by_hand() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    // Member deletion exactly as the guide's JSP builds it (STEP 1, STEP 2).
    let verify = crypto::verify_value(smartro_test::MID, smartro_test::SSP_MALL_ID, "nobody01");
    let param = json!({ "Mid": smartro_test::MID, "SspMallId": smartro_test::SSP_MALL_ID, "MallUserId": "nobody01", "VerifyValue": verify.as_str(), "ServiceType": "MD" });
    let cipher = Aes256Cipher::new(&smartro_test::MERCHANT_KEY[..32]).unwrap();
    let body = json!({ "EncData": cipher.encrypt(&param.to_string()), "Mid": smartro_test::MID });
    let answer = post_json(&format!("{base}/payment/approval/ssbMemberDel.do"), &body).await;
    assert_eq!(
        answer["ResultCode"], "PF03",
        "known request, unknown member: {answer}"
    );
    assert_eq!(answer["SspMallId"], smartro_test::SSP_MALL_ID);
    // A wrong VerifyValue, a wrong ServiceType.
    for (field, value, code) in [
        ("VerifyValue", "AAAA", "PF02"),
        ("ServiceType", "MX", "PF04"),
    ] {
        let mut p = param.clone();
        p[field] = json!(value);
        let body = json!({ "EncData": cipher.encrypt(&p.to_string()), "Mid": smartro_test::MID });
        let answer = post_json(&format!("{base}/payment/approval/ssbMemberDel.do"), &body).await;
        assert_eq!(answer["ResultCode"], code, "{field}: {answer}");
    }
    // Approval (STEP 3) with a missing TrAuthKey, and with a non-JSON body.
    let answer = post_json(
        &format!("{base}/payment/approval/urlCallApproval.do"),
        &json!({ "Tid": "x" }),
    )
    .await;
    assert_eq!(answer["ResultCode"], "A005");
    let response = browser()
        .post(format!("{base}/payment/approval/urlCallApproval.do"))
        .body("garbage")
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(answer["ResultCode"], "A005");
    // reqPay.do posted by a plain form (no script), missing EncryptData: the window refuses,
    // naming it.
    let page = browser()
        .post(format!("{base}/ssp/reqPay.do"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("PayMethod=CARD&Mid=t_2510201m&Amt=1004&Moid=M1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(result_code(&page).as_deref(), Some("W001"));
    assert!(
        page.contains("EncryptData") && page.contains("ReturnUrl"),
        "{page}"
    );
    // A merchant signing by hand as the guide's STEP 1 does, posting without the script.
    let edi = sandbox.now().format(pg_core::KstFormat::YyyyMMddHHmmss);
    let sign = crypto::encrypt_data(
        &edi,
        smartro_test::MID,
        "1004",
        &pg_core::Secret::new(smartro_test::MERCHANT_KEY),
    );
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("PayMethod", "CARD"),
            ("GoodsCnt", "1"),
            ("GoodsName", "거래 상품명"),
            ("Amt", "1004"),
            ("Moid", "Moid_20210118154643"),
            ("Mid", smartro_test::MID),
            ("PopCheck", "N"),
            ("ReturnUrl", "https://shop.example/return"),
            ("MallUserId", "MallUserId"),
            ("SspMallId", smartro_test::SSP_MALL_ID),
            ("BuyerName", "구매자명"),
            ("BuyerTel", "01099991111"),
            ("BuyerEmail", "noname@smartro.co.kr"),
            ("MallIp", "10.0.0.1"),
            ("UserIp", "10.0.0.1"),
            ("ReturnUrl", "https://shop.example/return"),
            ("EncryptData", sign.as_str()),
            ("TransType", "0"),
            ("EncodingType", ""),
            ("EdiDate", &edi),
            ("StopUrl", "https://shop.example/stop"),
        ])
        .finish();
    let page = browser()
        .post(format!("{base}/ssp/reqPay.do"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("cardForm") && page.contains("1,004원"),
        "{page}"
    );
    assert_eq!(innopay_test::MID, "testpay01m");
    sandbox.shutdown().await;
}
