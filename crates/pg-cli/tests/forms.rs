//! `pgkit innopay web-link` and `pgkit smartro form`: built offline, exactly.

mod common;

use common::*;

/// `pgkit smartro form` with every required field.
fn smartro_form() -> Vec<&'static str> {
    let mut list = vec!["smartro", "form", "--buyer-email", "a@b.kr"];
    list.extend_from_slice(SMARTRO_FORM_FLAGS);
    list
}

#[test]
fn web_link_and_form_need_no_network() {
    let r = run(
        args(
            pgkit(),
            &[
                "innopay",
                "web-link",
                "--sandbox",
                "--moid",
                "test20180313003",
                "--amount",
                "10005",
                "--goods-name",
                "테스트상품",
            ],
        ),
        b"",
    );
    assert_eq!(
        r.stdout.trim(),
        "https://api.innopay.co.kr/api/cardInterface?LicenseKey=Ma29gyAFhvv/%2Be4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve%2BNzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==&ServiceMode=PY0&Mid=testpay01m&PayMethod=CSMS&PgMID=nictest14m&Moid=test20180313003&RequestType=&GoodsName=%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88&Amt=10005"
    );
    let r = run(
        args(
            pgkit(),
            &[
                "innopay",
                "web-link",
                "--sandbox",
                "--moid",
                "A1",
                "--amount",
                "1",
                "--goods-name",
                "g",
                "--form",
            ],
        ),
        b"",
    );
    assert!(
        r.stdout
            .contains("<form id=\"innopay-web-link\" method=\"post\"")
    );
    let mut c = args(pgkit(), &[&smartro_form()[..], &["--json"]].concat());
    smartro_env(&mut c, "test");
    let v = json(&run(c, b"").stdout);
    let fields = &v["result"]["fields"];
    assert_eq!(fields["Mid"], "t_2510201m");
    assert_eq!(fields["EncryptData"].as_str().unwrap().len(), 44);
    let mut c = args(
        pgkit(),
        &[&smartro_form()[..], &["--html", "--device", "mobile"]].concat(),
    );
    smartro_env(&mut c, "live");
    let page = run(c, b"").stdout;
    assert!(page.contains("https://mpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js?version="));
    assert!(!page.contains(MERCHANT_KEY));
}

#[test]
fn smartro_sandbox_uses_the_simulators_test_merchant() {
    use pg_sandbox::merchant::smartro_test;
    let r = run(
        args(
            pgkit(),
            &[
                "smartro",
                "form",
                "--sandbox",
                "--moid",
                "M-sandbox",
                "--amount",
                "1004",
                "--goods-name",
                "상품",
                "--mall-user-id",
                "member1",
                "--buyer-name",
                "홍길동",
                "--buyer-phone",
                "010-1234-5678",
                "--buyer-email",
                "buyer@example.kr",
                "--return-url",
                "https://shop.example/return",
                "--stop-url",
                "https://shop.example/stop",
                "--json",
                "--html",
            ],
        ),
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    let fields = &v["result"]["fields"];
    assert_eq!(fields["Mid"], smartro_test::MID);
    assert_eq!(fields["SspMallId"], smartro_test::SSP_MALL_ID);
    let expected = pg_smartro::crypto::encrypt_data(
        fields["EdiDate"].as_str().unwrap(),
        smartro_test::MID,
        "1004",
        &pg_core::Secret::new(smartro_test::MERCHANT_KEY),
    );
    assert_eq!(fields["EncryptData"], expected.as_str());
    // The page loads the simulator's script (default http://127.0.0.1:8787).
    let page = v["result"]["html"].as_str().unwrap();
    assert!(
        page.contains("http://127.0.0.1:8787/asset/js/SmartroPAY-1.0.min.js"),
        "{page}"
    );
}
