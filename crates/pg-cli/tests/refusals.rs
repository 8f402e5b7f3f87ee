//! Bad input exits 2 naming the flag or field; arbitrary input never panics; secrets in the
//! config file are refused.

mod common;

use common::*;

#[test]
fn bad_input_exits_2_naming_the_field() {
    let mut cases: Vec<(Vec<&str>, &[u8], &str)> = vec![
        (
            vec![
                "smartro",
                "sign",
                "--edi-date",
                "2021011815",
                "--mid",
                "t_2510201m",
                "--amt",
                "1004",
                "--merchant-key",
                "k",
            ],
            b"",
            "--edi-date",
        ),
        (
            vec![
                "smartro",
                "sign",
                "--edi-date",
                "20210118154643",
                "--mid",
                "t_2510201m",
                "--amt",
                "1,004",
                "--merchant-key",
                "k",
            ],
            b"",
            "--amt",
        ),
        (
            vec![
                "smartro",
                "sign",
                "--edi-date",
                "20210118154643",
                "--mid",
                "t_2510201m",
                "--amt",
                "1004",
            ],
            b"",
            "MerchantKey",
        ),
        (
            vec!["smartro", "encrypt", "--merchant-key", "short"],
            b"x",
            "key too short",
        ),
        (
            vec!["smartro", "decrypt", "--merchant-key", KEY32],
            b"not base64!!",
            "Base64",
        ),
        (
            vec!["smartro", "decrypt", "--merchant-key", KEY32],
            b"EqDq8i2XfYZJVOMhN89law==",
            "padding",
        ),
        (
            vec!["decode", "--gateway", "innopay", "--kind", "notification"],
            b"goodsName=x",
            "moid",
        ),
        (
            vec!["decode", "--gateway", "innopay", "--kind", "notification"],
            b"moid=%ZZ",
            "(body)",
        ),
        (
            vec!["decode", "--gateway", "smartro", "--kind", "approval"],
            b"<html>",
            "not JSON",
        ),
        (
            vec!["decode", "--gateway", "innopay", "--kind", "approval"],
            b"",
            "kind",
        ),
        (
            vec!["decode", "--gateway", "smartro", "--kind", "approval"],
            br#"{"ResultCode":"3001","ResultMsg":"ok","Tid":"t_2510201m01012510201530001234"}"#,
            "Amt is missing",
        ),
        (
            vec!["decode", "--gateway", "innopay", "--kind", "notification"],
            b"moid=a&pgTid=testpay01m01012510200000000006&status=25&approvalAmt=99999999999999999999",
            "approvalAmt",
        ),
        (
            vec![
                "innopay",
                "web-link",
                "--sandbox",
                "--moid",
                "주문#1",
                "--amount",
                "10,00a",
                "--goods-name",
                "상품😀",
            ],
            b"",
            "Amt",
        ),
        (vec!["notify", "export", "--db", "mysql://x"], b"", "db"),
        (
            vec!["notify", "export", "--db", "sqlite:///nonexistent/events.db"],
            b"",
            "--db must name an existing event store",
        ),
        (
            vec!["smartro", "encrypt", "--merchant-key", ""],
            b"x",
            "--merchant-key must not be empty",
        ),
        (
            [&["smartro", "form", "--merchant-key", " ", "--buyer-email", "a@b.kr"][..], SMARTRO_FORM_FLAGS].concat(),
            b"",
            "--merchant-key must not be empty",
        ),
        (
            [&["smartro", "form", "--sandbox", "--buyer-email", "buyer.example.kr"][..], SMARTRO_FORM_FLAGS].concat(),
            b"",
            "--buyer-email (BuyerEmail) must be an e-mail address",
        ),
        (
            [&["smartro", "form", "--sandbox", "--environment", "test", "--buyer-email", "a@b.kr"][..], SMARTRO_FORM_FLAGS].concat(),
            b"",
            "environment must be the simulator's base URL",
        ),
        (
            vec![
                "innopay", "sms-pay", "--sandbox", "--environment", "http://127.0.0.1:9", "--moid",
                "o-1", "--amount", "0", "--goods-name", "상품", "--buyer-name", "홍길동",
                "--buyer-phone", "01012341234", "--buyer-email", "a@b",
            ],
            b"",
            "--amount (amt) must be more than 0; --buyer-email (buyerEmail) must be an e-mail address",
        ),
        (
            vec![
                "innopay", "web-link", "--sandbox", "--moid", "", "--amount", "1000",
                "--goods-name", "상품",
            ],
            b"",
            "--moid (Moid) must be an order number: must not be empty",
        ),
        (vec!["smartro", "frobnicate"], b"", "frobnicate"),
    ];
    // The receiver's sizing: refused before anything listens or opens a store.
    let serve = [
        "notify",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        "sqlite:///nonexistent/e.db",
    ];
    for (flag, value, needle) in [
        ("--writers", "0", "--writers must be at least 1"),
        ("--writers", "65", "--writers must be at most 64"),
        (
            "--worker-threads",
            "0",
            "--worker-threads must be at least 1",
        ),
        ("--writers", "many", "--writers"),
    ] {
        cases.push(([&serve[..], &[flag, value]].concat(), b"", needle));
    }
    for (argv, stdin, needle) in cases {
        let r = run(args(pgkit(), &argv), stdin);
        assert_eq!(r.code, 2, "{argv:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(needle),
            "{argv:?}: {:?} lacks {needle:?}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{argv:?}");
    }
    // --json: the violations by field.
    let r = run(
        args(
            pgkit(),
            &[
                "innopay",
                "web-link",
                "--sandbox",
                "--moid",
                "주문#1",
                "--amount",
                "10,00a",
                "--goods-name",
                "상품😀",
                "--json",
            ],
        ),
        b"",
    );
    let v = json(&r.stdout);
    assert_eq!(v["exit"], 2);
    assert_eq!(v["error"]["kind"], "invalid_input");
    let fields: Vec<&str> = v["error"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"Moid") && fields.contains(&"Amt") && fields.contains(&"GoodsName"),
        "{fields:?}"
    );
}

#[test]
fn arbitrary_input_never_panics() {
    let bodies: [&[u8]; 6] = [
        b"",
        b"\xff\xfe\x00",
        b"%",
        b"&&&===",
        b"moid=\xb0",
        &[b'a'; 4096],
    ];
    for body in bodies {
        for (gateway, kind) in [
            ("innopay", "notification"),
            ("innopay", "return"),
            ("smartro", "return"),
            ("smartro", "stop"),
            ("smartro", "approval"),
            ("smartro", "renotification"),
        ] {
            let r = run(
                args(pgkit(), &["decode", "--gateway", gateway, "--kind", kind]),
                body,
            );
            assert!(
                r.code == 0 || r.code == 2,
                "{gateway} {kind}: {} {}",
                r.code,
                r.stderr
            );
            assert!(!r.stderr.contains("panicked"));
        }
        let r = run(
            args(pgkit(), &["smartro", "decrypt", "--merchant-key", KEY32]),
            body,
        );
        assert_eq!(r.code, 2);
    }
}

#[test]
fn secrets_in_the_config_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pgkit.toml");
    std::fs::write(
        &path,
        "[smartro]\nmid = \"t_2510201m\"\nmerchant_key = \"SUPERSECRET0123456789abcdefghijk\"\n",
    )
    .unwrap();
    let r = run(
        args(
            pgkit(),
            &[
                "smartro",
                "delete-member",
                "--config",
                path.to_str().unwrap(),
                "--mall-user-id",
                "u1",
            ],
        ),
        b"",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("smartro.merchant_key is a secret"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("SUPERSECRET"));
    // The file form works.
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{MERCHANT_KEY}\n")).unwrap();
    std::fs::write(
        &path,
        format!(
            "[smartro]\nmid = \"t_2510201m\"\nmerchant_key_file = {:?}\n",
            key_file.display().to_string()
        ),
    )
    .unwrap();
    let s = stub(vec![r#"{"ResultCode":"PS40","ResultMsg":"no card"}"#]);
    let r = run(
        args(
            pgkit(),
            &[
                "smartro",
                "delete-member",
                "--config",
                path.to_str().unwrap(),
                "--environment",
                &s.base,
                "--mall-user-id",
                "u1",
            ],
        ),
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("(no card registered)"));
}
