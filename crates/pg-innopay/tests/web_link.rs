//! Web-Link (manual 1.1, 1.3): the manual's example URLs, the POST form, the encoding modes,
//! and bad input.

use pg_core::{Charset, Rule};
use pg_innopay::web_link::{RequestType, SubPayMethod, WebLinkEncoding, WebLinkRequest};
use pg_innopay::{Credentials, Environment};

/// The manual's first example (SMS 수기), with `테스트상품` percent-encoded as UTF-8 (a URL
/// cannot carry raw Hangul; the manual prints the IRI).
const MANUAL_URL_MANUAL_ENTRY: &str = "https://api.innopay.co.kr/api/cardInterface?LicenseKey=Ma29gyAFhvv/%2Be4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve%2BNzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==&ServiceMode=PY0&Mid=testpay01m&PayMethod=CSMS&PgMID=nictest14m&Moid=test20180313003&RequestType=&GoodsName=테스트상품&Amt=10005";

/// The manual's second example (SMS 인증). Decision (PROTOCOL-NOTES): the sub-method is sent
/// as the table's `svcPrdtCd`, not the example's `SvcPrdtCd`.
const MANUAL_URL_AUTHENTICATED: &str = "https://api.innopay.co.kr/api/cardInterface?LicenseKey=Ma29gyAFhvv/%2Be4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve%2BNzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==&ServiceMode=PY0&Mid=testpay01m&PayMethod=CSMS&PgMID=2999199999&Moid=test20180313003&RequestType=&GoodsName=테스트상품&Amt=10005&SvcPrdtCd=04";

const GOODS_UTF8: &str = "%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88";
const GOODS_EUC_KR: &str = "%C5%D7%BD%BA%C6%AE%BB%F3%C7%B0";

fn example() -> WebLinkRequest {
    WebLinkRequest::builder()
        .moid("test20180313003")
        .goods_name("테스트상품")
        .amount("10005")
}

#[test]
fn reproduces_the_manual_example_urls() {
    let first = example()
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    assert_eq!(
        first.get_url(),
        MANUAL_URL_MANUAL_ENTRY.replace("테스트상품", GOODS_UTF8)
    );
    let second = example()
        .sub_method(SubPayMethod::Authenticated)
        .build(&Credentials::sandbox_authenticated(), &Environment::Live)
        .unwrap();
    assert_eq!(
        second.get_url(),
        MANUAL_URL_AUTHENTICATED
            .replace("테스트상품", GOODS_UTF8)
            .replace("SvcPrdtCd", "svcPrdtCd")
    );
}

#[test]
fn every_parameter_in_order() {
    let link = WebLinkRequest::builder()
        .request_type(RequestType::Mobile)
        .moid("order-7")
        .service_mode("PYO")
        .amount(50_000u64)
        .duty_free_amount("1,000")
        .goods_name("사과 A+B & C")
        .buyer_name("홍길동")
        .buyer_phone("010-1234-1234")
        .buyer_email("buyer@example.kr")
        .deadline("2017-11-21 23:59:00")
        .user_id("member_01")
        .sub_method(SubPayMethod::ManualEntry)
        .encoding(WebLinkEncoding::Utf8)
        .return_url("https://shop.example/innopay/return?x=1&y=2")
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    let names: Vec<&str> = link.fields().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "LicenseKey",
            "ServiceMode",
            "Mid",
            "PayMethod",
            "PgMID",
            "Moid",
            "RequestType",
            "GoodsName",
            "Amt",
            "svcPrdtCd",
            "DutyFreeAmt",
            "BuyerName",
            "BuyerHp",
            "BuyerEmail",
            "PayExpDate",
            "UserId",
            "Encoding",
            "ReturnUrl"
        ]
    );
    let url = link.get_url();
    assert!(url.contains("&ServiceMode=PYO&"));
    assert!(url.contains("&RequestType=Mobile&"));
    assert!(
        url.contains("&GoodsName=%EC%82%AC%EA%B3%BC%20A%2BB%20%26%20C&"),
        "{url}"
    );
    assert!(url.contains("&DutyFreeAmt=1000&"));
    assert!(url.contains("&BuyerHp=01012341234&"));
    assert!(url.contains("&BuyerEmail=buyer@example.kr&"));
    assert!(url.contains("&PayExpDate=201711212359&"));
    assert!(url.contains("&Encoding=utf-8&"));
    assert!(
        url.ends_with("&ReturnUrl=https://shop.example/innopay/return%3Fx=1%26y=2"),
        "{url}"
    );
}

#[test]
fn post_form_escapes_every_value() {
    let link = example()
        .buyer_name("<script>\"x\"&'y'</script>")
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    let page = link.post_form_html();
    assert!(page.contains(
        r#"<form id="innopay-web-link" method="post" action="https://api.innopay.co.kr/api/cardInterface" accept-charset="utf-8">"#
    ));
    assert!(page.contains(r#"<input type="hidden" name="LicenseKey" value="Ma29gyAFhvv/+e4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve+NzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==">"#));
    assert!(page.contains(r#"<input type="hidden" name="GoodsName" value="테스트상품">"#));
    assert!(page.contains(
        r#"<input type="hidden" name="BuyerName" value="&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;">"#
    ));
    assert!(!page.contains("<script>\""));
    assert!(
        page.contains(r#"<script>document.getElementById("innopay-web-link").submit();</script>"#)
    );
}

#[test]
fn euc_kr_mode_encodes_the_query_in_euc_kr() {
    let link = example()
        .encoding(WebLinkEncoding::EucKr)
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    assert_eq!(link.charset(), Charset::EucKr);
    let url = link.get_url();
    assert!(
        url.contains(&format!("&GoodsName={GOODS_EUC_KR}&")),
        "{url}"
    );
    assert!(url.ends_with("&Encoding=euc-kr"));
    assert!(link.post_form_html().contains("accept-charset=\"euc-kr\""));
}

#[test]
fn url_modes_pre_encode_the_hangul_fields() {
    let utf8 = example()
        .buyer_name("홍 길동")
        .encoding(WebLinkEncoding::UrlUtf8)
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    let goods = utf8
        .fields()
        .iter()
        .find(|(n, _)| *n == "GoodsName")
        .unwrap();
    assert_eq!(goods.1, GOODS_UTF8);
    let buyer = utf8
        .fields()
        .iter()
        .find(|(n, _)| *n == "BuyerName")
        .unwrap();
    assert_eq!(buyer.1, "%ED%99%8D+%EA%B8%B8%EB%8F%99");
    // On the GET URL the pre-encoded value is encoded once more.
    assert!(
        utf8.get_url()
            .contains("&BuyerName=%25ED%2599%258D%2B%25EA%25B8%25B8%25EB%258F%2599&")
    );
    assert!(
        utf8.post_form_html()
            .contains(&format!("name=\"GoodsName\" value=\"{GOODS_UTF8}\""))
    );

    let euc = example()
        .encoding(WebLinkEncoding::UrlEucKr)
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    let goods = euc
        .fields()
        .iter()
        .find(|(n, _)| *n == "GoodsName")
        .unwrap();
    assert_eq!(goods.1, GOODS_EUC_KR);
    assert!(euc.get_url().ends_with("&Encoding=url_euc-kr"));
    // Other fields are untouched by the pre-encoding.
    assert!(euc.get_url().contains("&Moid=test20180313003&"));

    let none = example()
        .encoding(WebLinkEncoding::NoEncoding)
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    assert!(
        none.get_url()
            .contains(&format!("&GoodsName={GOODS_UTF8}&"))
    );
    assert!(none.get_url().ends_with("&Encoding=noencoding"));
}

#[test]
fn custom_environment() {
    let link = example()
        .build(
            &Credentials::sandbox_manual_entry(),
            &Environment::Custom("http://127.0.0.1:8080".into()),
        )
        .unwrap();
    assert!(
        link.get_url()
            .starts_with("http://127.0.0.1:8080/api/cardInterface?LicenseKey=")
    );
}

#[test]
fn debug_masks_the_license_key() {
    let link = example()
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap();
    let shown = format!("{link:?}");
    assert!(!shown.contains("Ma29gyAF"), "{shown}");
    assert!(shown.contains("\"***\""));
}

#[test]
fn every_bad_field_is_reported_by_wire_name() {
    let err = WebLinkRequest::builder()
        .moid("주문#1")
        .goods_name("가".repeat(21)) // 42 EUC-KR bytes > 40
        .amount("10,00a")
        .buyer_name("홍길동😀")
        .buyer_phone("010-12")
        .buyer_email("이메일@x.kr")
        .deadline("2017-13-01 00:00:00")
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap_err();
    let fields: Vec<&str> = err.fields().collect();
    for expected in [
        "Moid",
        "GoodsName",
        "Amt",
        "BuyerName",
        "BuyerHp",
        "BuyerEmail",
        "PayExpDate",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} missing from {fields:?}"
        );
    }
    assert!(matches!(
        err.of_field("GoodsName").next(),
        Some(Rule::TooLong {
            max_bytes: 40,
            actual_bytes: 42
        })
    ));
    assert!(matches!(
        err.of_field("BuyerName").next(),
        Some(Rule::NotEucKr {
            character: Some('😀'),
            position: 3
        })
    ));
    assert!(matches!(
        err.of_field("Amt").next(),
        Some(Rule::Format { .. })
    ));
}

#[test]
fn missing_required_fields() {
    let err = WebLinkRequest::builder()
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["Amt", "GoodsName"]);
    assert!(err.violations().iter().all(|v| v.rule == Rule::Missing));
}

#[test]
fn duty_free_cannot_exceed_the_amount() {
    let err = example()
        .duty_free_amount(20_000u64)
        .build(&Credentials::sandbox_manual_entry(), &Environment::Live)
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["DutyFreeAmt"]);
}

#[test]
fn bad_credentials_are_reported() {
    let mut credentials = Credentials::sandbox_manual_entry();
    credentials.pg_mid = "nictest14m-too-long-value".into();
    credentials.license_key = pg_core::Secret::new("키");
    let err = example()
        .build(&credentials, &Environment::Live)
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["LicenseKey", "PgMID"]);
    // The license key is sensitive: its characters are not quoted.
    assert!(!err.to_string().contains('키'), "{err}");
}

#[test]
fn zero_amounts_scripts_and_cp949_only_hangul_are_refused() {
    let credentials = Credentials::sandbox_manual_entry();
    let err = example()
        .amount(0u64)
        .build(&credentials, &Environment::Live)
        .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["Amt"]);
    for url in [
        "javascript:alert(1)",
        "ftp://shop/r",
        "//shop/r",
        "shop.example/r",
    ] {
        let err = example()
            .return_url(url)
            .build(&credentials, &Environment::Live)
            .unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["ReturnUrl"], "{url}");
    }
    // 똠 is CP949 only: refused where the gateway decodes EUC-KR, named in the message.
    for encoding in [WebLinkEncoding::EucKr, WebLinkEncoding::UrlEucKr] {
        let err = example()
            .goods_name("똠양꿍")
            .buyer_name("김똠")
            .encoding(encoding)
            .build(&credentials, &Environment::Live)
            .unwrap_err();
        assert_eq!(
            err.fields().collect::<Vec<_>>(),
            ["GoodsName", "BuyerName"],
            "{encoding:?}"
        );
        assert!(err.to_string().contains("'똠'"), "{err}");
    }
    // UTF-8 carries it.
    assert!(
        example()
            .goods_name("똠양꿍")
            .encoding(WebLinkEncoding::Utf8)
            .build(&credentials, &Environment::Live)
            .is_ok()
    );
}
