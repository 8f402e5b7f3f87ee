//! `pgkit decode`: every kind of body, typed, with warnings.

mod common;

use common::*;

#[test]
fn decode_every_kind() {
    let r = run(
        args(pgkit(), &["decode", "--gateway", "innopay", "--kind", "notification", "--json"]),
        b"moid=A1&pgTid=testpay01m01011801181105238578&status=25&payMethod=02&approvalAmt=10%2C005&goodsName=%C5%D7%BD%BA%C6%AE&cardNo=4111111111111111&newField=x\n",
    );
    let v = json(&r.stdout);
    assert_eq!(v["exit"], 0);
    let n = &v["result"];
    assert_eq!(n["approval_amount"], 10005, "amounts are numbers");
    assert_eq!(
        n["goods_name"], "테스트",
        "EUC-KR detected, printed as UTF-8"
    );
    assert_eq!(n["charset"], "euc-kr");
    assert_eq!(n["status"], "25");
    assert_eq!(n["card"]["number"], "411111******1111");
    assert_eq!(
        n["extra"][0],
        serde_json::json!(["newField", "x"]),
        "unknown fields kept"
    );

    let r = run(
        args(
            pgkit(),
            &[
                "decode",
                "--gateway",
                "innopay",
                "--kind",
                "return",
                "--content-type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            ],
        ),
        b"moid=A1&resultCode=0000&resultMsg=%ED%85%8C",
    );
    assert_eq!(json(&r.stdout)["result_code"], "0000");

    let r = run(
        args(
            pgkit(),
            &["decode", "--gateway", "smartro", "--kind", "return"],
        ),
        b"Tid=t_2510201m01012510201530001234&TrAuthKey=K1",
    );
    assert_eq!(json(&r.stdout)["tid"], "t_2510201m01012510201530001234");

    let r = run(
        args(
            pgkit(),
            &["decode", "--gateway", "smartro", "--kind", "stop"],
        ),
        b"PayMethod=KAKAO&Amt=1004&ResultCode=9999&ResultMsg=stop",
    );
    let v = json(&r.stdout);
    assert_eq!(
        (v["pay_method"].as_str(), v["amount"].as_u64()),
        (Some("KAKAO"), Some(1004))
    );

    let r = run(
        args(
            pgkit(),
            &["decode", "--gateway", "smartro", "--kind", "approval"],
        ),
        r#"{"ResultCode":"3001","ResultMsg":"ok","Amt":"1,004","NewThing":1}"#.as_bytes(),
    );
    let v = json(&r.stdout);
    assert_eq!(v["outcome"], "approved");
    assert_eq!(v["result"]["amount"], 1004);
    assert_eq!(v["result"]["extra"]["NewThing"], 1);

    let r = run(
        args(
            pgkit(),
            &["decode", "--gateway", "smartro", "--kind", "renotification"],
        ),
        b"TID=t_2510201m01012510201530001234&OID=M1&Amt=1004&ResultCode=3001&state_cd=0",
    );
    assert_eq!(json(&r.stdout)["amount"], 1004);

    // A lenient field the gateway got wrong is decoded and shown as a warning.
    let r = run(
        args(
            pgkit(),
            &["decode", "--gateway", "innopay", "--kind", "notification"],
        ),
        b"moid=a&pgTid=testpay01m01012510200000000006&status=25&approvalAmt=10&goodsSize=3",
    );
    assert_eq!(r.code, 0);
    let v = json(&r.stdout);
    assert_eq!(
        (
            v["approval_amount"].as_u64(),
            v["warnings"][0]["field"].as_str()
        ),
        (Some(10), Some("goodsSize"))
    );
}

#[test]
fn decode_never_prints_a_card_number_or_a_secret() {
    let innopay = "moid=A-1&pgTid=testpay01m01012510201530001234&status=25&approvalAmt=1000\
        &cardNo=4111111111111111&cardNo=5555555555554444&billKey=BK-SECRET-1\
        &CARDNO=4242424242424242&card_num=4000056655665556\
        &memo=%EF%BC%94%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91";
    let smartro = r#"{"ResultCode":"3001","ResultMsg":"ok","Tid":"t_2510201m01012510201530001234","Amt":"1004","CardNum":"4111111111111111","BillTokenKey":"BTK-SECRET-2","Extra":"pay 5555 5555 5555 4444"}"#;
    for (gateway, kind, body) in [
        ("innopay", "notification", innopay),
        ("smartro", "approval", smartro),
    ] {
        let r = run(
            args(pgkit(), &["decode", "--gateway", gateway, "--kind", kind]),
            body.as_bytes(),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        for secret in [
            "4111111111111111",
            "5555555555554444",
            "5555 5555 5555 4444",
            "4242424242424242",
            "4000056655665556",
            "BK-SECRET-1",
            "BTK-SECRET-2",
            "１１１１１１１１１１",
        ] {
            assert!(
                !r.stdout.contains(secret),
                "{kind}: {secret} in\n{}",
                r.stdout
            );
        }
    }
}
