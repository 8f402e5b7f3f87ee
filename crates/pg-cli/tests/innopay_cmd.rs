//! `pgkit innopay ...` against a loopback stub: the exact request bytes, the outcomes and exit
//! codes, and transport failures.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::*;

#[test]
fn innopay_sms_pay_sends_exact_bytes() {
    let s = stub(vec![
        r#"{"resultCode":"0000","resultMsg":"SMS 발송","amt":"10,004","payExpDate":"2018-03-13 23:59:59","moid":"test20180313001"}"#,
    ]);
    let r = run(
        args(
            pgkit(),
            &[
                "innopay",
                "sms-pay",
                "--sandbox",
                "--environment",
                &s.base,
                "--moid",
                "test20180313001",
                "--amount",
                "10,004",
                "--goods-name",
                "테스트상품",
                "--buyer-name",
                "테스트",
                "--buyer-phone",
                "010-1234-1234",
                "--deadline",
                "2018-03-13 23:59:59",
                "--sub-method",
                "manual",
            ],
        ),
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("SMS order test20180313001 registered: 10,004 won")
    );
    let seen = s.seen.lock().unwrap();
    assert_eq!(seen[0].0, "/api/smsPayApi");
    assert_eq!(
        String::from_utf8(seen[0].1.clone()).unwrap(),
        r#"{"mid":"testpay01m","moid":"test20180313001","goodsName":"테스트상품","amt":"10004","dutyFreeAmt":"","buyerName":"테스트","buyerTel":"01012341234","buyerEmail":"","payExpDate":"2018-03-13 23:59:59","userId":"","svcPrdtCd":"03"}"#
    );
}

#[test]
fn innopay_cancel_outcomes_and_exit_codes() {
    let s = stub(vec![
        r#"{"pgTid":"testpay01m01011801181105238578","resultCode":"2001","resultMsg":"취소 성공","pgApprovalAmt":"1000"}"#,
        r#"{"resultCode":"2013","resultMsg":"기취소"}"#,
        r#"{"resultCode":"2026","resultMsg":"취소 오류"}"#,
    ]);
    let cancel = |extra: &[&str]| {
        let mut c = args(
            pgkit(),
            &[
                "innopay",
                "cancel",
                "--sandbox",
                "--environment",
                &s.base,
                "--tid",
                "testpay01m01011801181105238578",
                "--amount",
                "1000",
                "--reason",
                "test",
            ],
        );
        c.args(extra);
        run(c, b"")
    };
    let first = cancel(&[]);
    assert_eq!(first.code, 0);
    assert_eq!(
        String::from_utf8(s.seen.lock().unwrap()[0].1.clone()).unwrap(),
        r#"{"mid":"testpay01m","tid":"testpay01m01011801181105238578","svcCd":"01","cancelAmt":"1000","cancelMsg":"test","cancelPwd":"123456"}"#
    );
    assert!(
        !first.stdout.contains("123456") && !first.stderr.contains("123456"),
        "the cancel password is never echoed"
    );
    let again = cancel(&["--json"]);
    assert_eq!(again.code, 0, "already cancelled is a success");
    assert_eq!(
        json(&again.stdout)["result"]["outcome"],
        "already-cancelled"
    );
    let refused = cancel(&["--json"]);
    assert_eq!(refused.code, 1);
    assert_eq!(json(&refused.stdout)["result"]["result"]["code"], "2026");
}

/// `pgkit innopay cancel --json` against `base`.
fn cancel_against(base: &str) -> Run {
    run(
        args(
            pgkit(),
            &[
                "innopay",
                "cancel",
                "--sandbox",
                "--environment",
                base,
                "--tid",
                "testpay01m01011801181105238578",
                "--amount",
                "1000",
                "--reason",
                "x",
                "--json",
            ],
        ),
        b"",
    )
}

#[test]
fn transport_failures_exit_3() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = cancel_against(&base);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(json(&r.stdout)["error"]["kind"], "transport");

    // A server that accepts and never answers: the cancel's outcome is unknown.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", silent.local_addr().unwrap());
    let hold = std::thread::spawn(move || {
        let conn = silent.accept();
        std::thread::sleep(Duration::from_secs(12));
        drop(conn);
    });
    let r = cancel_against(&base);
    assert_eq!(r.code, 3);
    assert_eq!(json(&r.stdout)["error"]["kind"], "outcome_unknown");
    drop(hold);
}
