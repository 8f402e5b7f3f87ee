//! The payment-window form and page: the guide's fields in order, the signature, the four
//! script hosts, escaping, and bad input.

use pg_core::{CardCompany, FixedClock, KstDateTime, KstFormat, Mid, Rule, Secret};
use pg_smartro::SmartroClient;
use pg_smartro::config::{Credentials, Device, Environment};
use pg_smartro::crypto;
use pg_smartro::payment_window::{EncodingType, PaymentWindowRequest, SkinColor};

const KEY: &str = "0123456789abcdef0123456789abcdefTAIL";

fn credentials() -> Credentials {
    Credentials {
        mid: Mid::parse("t_2510201m").unwrap(),
        merchant_key: Secret::new(KEY),
        ssp_mall_id: "SMTSSPAY0p".into(),
        cancel_password: None,
    }
}

fn now() -> KstDateTime {
    KstDateTime::parse("20210118154643", KstFormat::YyyyMMddHHmmss).unwrap()
}

/// The guide's sample form, as a request.
fn sample() -> PaymentWindowRequest {
    PaymentWindowRequest::builder()
        .moid("Moid_20210118154643")
        .amount("1004")
        .goods_name("거래 상품명")
        .mall_user_id("MallUserId")
        .buyer_name("구매자명")
        .buyer_phone("01099991111")
        .buyer_email("noname@smartro.co.kr")
        .return_url("https://shop.example/smartro/return")
        .stop_url("https://shop.example/smartro/stop")
        .mall_ip("10.0.0.1")
        .user_ip("10.0.0.1")
        .trans_type("0")
}

#[test]
fn signs_the_guides_sample_form() {
    let w = sample().build(&credentials(), now()).unwrap();
    let names: Vec<&str> = w.fields().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "PayMethod",
            "Mid",
            "Amt",
            "Moid",
            "MallUserId",
            "GoodsName",
            "GoodsCnt",
            "BuyerName",
            "BuyerTel",
            "BuyerEmail",
            "ReturnUrl",
            "StopUrl",
            "EdiDate",
            "EncryptData",
            "SspMallId",
            "PopCheck",
            "MallIp",
            "UserIp",
            "TransType"
        ]
    );
    assert_eq!(w.field("PayMethod"), Some("CARD"));
    assert_eq!(w.field("GoodsCnt"), Some("1"));
    assert_eq!(w.field("PopCheck"), Some("N"));
    assert_eq!(w.field("EdiDate"), Some("20210118154643"));
    let expected = crypto::encrypt_data("20210118154643", "t_2510201m", "1004", &Secret::new(KEY));
    assert_eq!(w.field("EncryptData"), Some(expected.as_str()));
    assert_eq!(
        expected,
        crypto::Base64Digest::of(&[format!("20210118154643t_2510201m1004{KEY}").as_bytes()])
    );
}

#[test]
fn every_optional_parameter() {
    let w = sample()
        .mall_reserved("자유 텍스트 & more")
        .goods_count(3)
        .pop_check(true)
        .card_company(CardCompany::Shinhan)
        .card_quota(3)
        .encoding_type(EncodingType::EucKr)
        .skin_color(SkinColor::Blue)
        .tax_code("1")
        .tax_amount(913u64)
        .tax_free_amount(0u64)
        .vat_amount(91u64)
        .build(&credentials(), now())
        .unwrap();
    let reserved = w.field("MallReserved").unwrap();
    assert_eq!(
        String::from_utf8(crypto::base64_decode(reserved).unwrap()).unwrap(),
        "자유 텍스트 & more"
    );
    assert_eq!(w.field("GoodsCnt"), Some("3"));
    assert_eq!(w.field("PopCheck"), Some("Y"));
    assert_eq!(w.field("FnCd"), Some("06"));
    assert_eq!(w.field("CardQuota"), Some("03"));
    assert_eq!(w.field("EncodingType"), Some("euckr"));
    assert_eq!(w.field("SkinColor"), Some("BLUE"));
    assert_eq!(w.field("TaxAmt"), Some("913"));
    assert_eq!(w.field("VatAmt"), Some("91"));
}

#[test]
fn pages_for_each_device_and_environment() {
    let w = sample().build(&credentials(), now()).unwrap();
    let cases = [
        (
            Environment::Test,
            Device::Pc,
            "https://tpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js?version=202101181546",
            "STG",
        ),
        (
            Environment::Test,
            Device::Mobile,
            "https://tmpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js?version=202101181546",
            "STG",
        ),
        (
            Environment::Live,
            Device::Pc,
            "https://pay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js?version=202101181546",
            "REAL",
        ),
        (
            Environment::Live,
            Device::Mobile,
            "https://mpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js?version=202101181546",
            "REAL",
        ),
    ];
    for (env, device, script, mode) in cases {
        let page = w.html(&env, device);
        assert!(
            page.contains(&format!("<script src=\"{script}\"></script>")),
            "{page}"
        );
        assert!(page.contains(&format!("mode: \"{mode}\"")));
        assert!(page.contains("actionUri: \"/ssp/reqPay.do\""));
        assert!(page.contains("FormId: \"tranMgr\""));
        assert!(page.contains("<form id=\"tranMgr\" name=\"tranMgr\" method=\"post\">"));
        assert!(page.contains("<input type=\"hidden\" name=\"GoodsName\" value=\"거래 상품명\">"));
        let pc = device == Device::Pc;
        assert_eq!(page.contains("<form id=\"approvalForm\""), pc);
        assert_eq!(page.contains("Callback: function (res)"), pc);
        if pc {
            assert!(
                page.contains("approvalForm.action = \"https://shop.example/smartro/return\";")
            );
        }
    }
}

#[test]
fn every_value_is_escaped() {
    let w = sample()
        .goods_name("<b>\"상품\"</b>")
        .return_url("https://shop.example/r?a=1&b=\"</script><script>alert(1)</script>")
        .build(&credentials(), now())
        .unwrap();
    let page = w.html(&Environment::Test, Device::Pc);
    assert!(page.contains("value=\"&lt;b&gt;&quot;상품&quot;&lt;/b&gt;\""));
    assert!(!page.contains("</script><script>alert(1)"), "{page}");
    assert!(page.contains(
        "approvalForm.action = \"https://shop.example/r?a=1\\u0026b=\\\"\\u003c/script\\u003e"
    ));
}

#[test]
fn edi_date_comes_from_the_clock_in_kst() {
    // 2021-01-18 06:46:43 UTC is 15:46:43 in Korea.
    let clock = FixedClock(time::macros::datetime!(2021-01-18 06:46:43 UTC));
    let client = SmartroClient::new(
        pg_http::mock::MockTransport::new(),
        credentials(),
        Environment::Test,
    )
    .with_clock(clock);
    let w = client.payment_window(sample()).unwrap();
    assert_eq!(w.field("EdiDate"), Some("20210118154643"));
}

#[test]
fn bad_input_names_every_field() {
    let err = PaymentWindowRequest::builder()
        .moid("주문#1")
        .amount("1,00")
        .goods_name("가".repeat(21))
        .mall_user_id("user_01")
        .buyer_name("구매자😀")
        .buyer_phone("999")
        .buyer_email("x@y.kr")
        .return_url("shop.example/return")
        .build(&credentials(), now())
        .unwrap_err();
    let fields: Vec<&str> = err.fields().collect();
    for f in [
        "Moid",
        "Amt",
        "BuyerTel",
        "MallUserId",
        "ReturnUrl",
        "GoodsName",
        "BuyerName",
        "StopUrl",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    assert!(matches!(
        err.of_field("StopUrl").next(),
        Some(Rule::Missing)
    ));
    assert!(matches!(
        err.of_field("GoodsName").next(),
        Some(Rule::TooLong {
            max_bytes: 40,
            actual_bytes: 42
        })
    ));
    assert!(matches!(
        err.of_field("BuyerName").next(),
        Some(Rule::NotEucKr { .. })
    ));
}

#[test]
fn a_window_for_nothing_or_to_a_script_is_refused() {
    let base = || {
        PaymentWindowRequest::builder()
            .moid("M1")
            .goods_name("상품")
            .mall_user_id("user01")
            .buyer_name("구매자")
            .buyer_phone("01099991111")
            .buyer_email("x@y.kr")
            .stop_url("https://shop.example/stop")
    };
    let err = base()
        .amount(0u64)
        .return_url("https://shop.example/return")
        .build(&credentials(), now())
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["Amt"]);
    // An unreadable amount is reported once: not again as a missing EncryptData.
    let err = base()
        .amount("10O4")
        .return_url("https://shop.example/return")
        .build(&credentials(), now())
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["Amt"]);
    let err = base()
        .amount(1004u64)
        .return_url("javascript:alert(1)")
        .build(&credentials(), now())
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["ReturnUrl"]);
}
