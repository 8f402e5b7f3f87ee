//! `pgkit` run as a process: exact outputs for the public vectors, every exit code, the `--json`
//! shape, decoding, the endpoint commands against a loopback stub that checks the exact request
//! bytes, and the notification receiver across a restart.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const KEY32: &str = "0123456789abcdef0123456789abcdef";
const MERCHANT_KEY: &str = "0123456789abcdef0123456789abcdefTAIL";

fn pgkit() -> Command {
    let mut c = Command::cargo_bin("pgkit").unwrap();
    // A clean environment: no stray config or keys from the developer's shell.
    for var in [
        "PGKIT_CONFIG",
        "PGKIT_MERCHANT_KEY",
        "PGKIT_INNOPAY_LICENSE_KEY",
        "PGKIT_INNOPAY_CANCEL_PASSWORD",
        "PGKIT_SMARTRO_CANCEL_PASSWORD",
    ] {
        c.env_remove(var);
    }
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command, stdin: &[u8]) -> Run {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn args(mut c: Command, list: &[&str]) -> Command {
    c.args(list);
    c
}

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

// ---------------------------------------------------------------- vectors

#[test]
fn smartro_sign_and_verify_value() {
    // Expected values computed independently (Python hashlib + base64).
    let r = run(
        args(
            pgkit(),
            &[
                "smartro",
                "sign",
                "--edi-date",
                "20210118154643",
                "--mid",
                "t_2510201m",
                "--amt",
                "1004",
                "--merchant-key",
                MERCHANT_KEY,
            ],
        ),
        b"",
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "WQie7ZIY1mzRo0nBCP0pqH8tFUUMxDRyW6fi/XOcGwU=\n")
    );
    let mut c = args(
        pgkit(),
        &[
            "smartro",
            "sign",
            "--edi-date",
            "20210118154643",
            "--mid",
            "t_2510201m",
            "--amt",
            "1004",
            "--json",
        ],
    );
    c.env("PGKIT_MERCHANT_KEY", MERCHANT_KEY);
    let r = run(c, b"");
    assert_eq!(
        json(&r.stdout),
        serde_json::json!({"exit": 0, "result": {"EncryptData": "WQie7ZIY1mzRo0nBCP0pqH8tFUUMxDRyW6fi/XOcGwU="}})
    );
    let r = run(
        args(
            pgkit(),
            &[
                "smartro",
                "verify-value",
                "--mid",
                "t_2510201m",
                "--ssp-mall-id",
                "SMTSSPAY0p",
                "--mall-user-id",
                "user01",
            ],
        ),
        b"",
    );
    assert_eq!(r.stdout, "qNJgTXmPtqFki96ea1Iayy8juz3E6m+ow1AY1r7Ry4c=\n");
    assert!(!r.stderr.contains(MERCHANT_KEY));
}

#[test]
fn smartro_encrypt_and_decrypt_public_vectors() {
    let mut c = args(pgkit(), &["smartro", "encrypt"]);
    c.env("PGKIT_MERCHANT_KEY", KEY32);
    assert_eq!(
        run(c, br#"{"Mid":"t"}"#).stdout,
        "AgrQy+9DBgkE09KaN7hMoA==\n"
    );
    let r = run(
        args(pgkit(), &["smartro", "encrypt", "--merchant-key", KEY32]),
        r#"{"Mid":"t_2510201m","CancelMsg":"사용자 취소"}"#.as_bytes(),
    );
    assert_eq!(
        r.stdout,
        "ShETfvWMnTg5C/sGiawn4vD7UACilGABhrsGj5uO32ao7HwSpnxev2EAIzuHm3vr0kz3YyQtuvxy7AMggA5mdw==\n"
    );
    let r = run(
        args(pgkit(), &["smartro", "decrypt", "--merchant-key", &format!("{KEY32}and-the-rest-of-the-key")]),
        b"\n  ShETfvWMnTg5C/sGiawn4vD7UACilGABhrsGj5uO32ao7HwSpnxev2EAIzuHm3vr0kz3YyQtuvxy7AMggA5mdw==  \n",
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "{\"Mid\":\"t_2510201m\",\"CancelMsg\":\"사용자 취소\"}\n"
        )
    );
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let cases: Vec<(Vec<&str>, &[u8], &str)> = vec![
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
            "EdiDate",
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
            "Amt",
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
        (vec!["smartro", "frobnicate"], b"", "frobnicate"),
    ];
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

// ---------------------------------------------------------------- decode

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

// ---------------------------------------------------------------- endpoint commands

/// A loopback HTTP server that answers each request with the next canned body and records
/// (path, body) of every request.
struct Stub {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A request the stub saw: path and body.
type Seen = (String, Vec<u8>);

fn stub(replies: Vec<&'static str>) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for reply in replies {
            let Ok((mut socket, _)) = listener.accept() else {
                return;
            };
            let (path, body) = read_request(&mut socket);
            record.lock().unwrap().push((path, body));
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = socket.write_all(response.as_bytes());
        }
    });
    Stub { base, seen }
}

fn read_request(socket: &mut TcpStream) -> (String, Vec<u8>) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if raw.len() >= end + 4 + len {
                let path = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                return (path, raw[end + 4..end + 4 + len].to_vec());
            }
        }
    }
    (String::new(), raw)
}

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

#[test]
fn transport_failures_exit_3() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = run(
        args(
            pgkit(),
            &[
                "innopay",
                "cancel",
                "--sandbox",
                "--environment",
                &base,
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
    );
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
    let r = run(
        args(
            pgkit(),
            &[
                "innopay",
                "cancel",
                "--sandbox",
                "--environment",
                &base,
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
    );
    assert_eq!(r.code, 3);
    assert_eq!(json(&r.stdout)["error"]["kind"], "outcome_unknown");
    drop(hold);
}

fn smartro_env(c: &mut Command, base: &str) {
    c.env("PGKIT_MERCHANT_KEY", MERCHANT_KEY)
        .env("PGKIT_SMARTRO_MID", "t_2510201m")
        .env("PGKIT_SMARTRO_ENVIRONMENT", base)
        .env("PGKIT_SMARTRO_CANCEL_PASSWORD", "934091");
}

fn decrypt(enc_body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(enc_body).unwrap();
    assert_eq!(v["Mid"], "t_2510201m");
    let r = run(
        args(
            pgkit(),
            &["smartro", "decrypt", "--merchant-key", MERCHANT_KEY],
        ),
        v["EncData"].as_str().unwrap().as_bytes(),
    );
    r.stdout.trim_end().to_owned()
}

#[test]
fn smartro_endpoint_commands_send_exact_bytes() {
    let s = stub(vec![
        r#"{"ResultCode":"3001","ResultMsg":"ok","Tid":"t_2510201m01012510201530001234","Amt":"1004","AuthCode":"30012345"}"#,
        r#"{"ResultCode":"2001","ResultMsg":"취소 성공"}"#,
        r#"{"ResultCode":"PD00","ResultMsg":"삭제"}"#,
        r#"{"ResultCode":"3001","ResultMsg":"ok","Amt":"999"}"#,
    ]);
    let mut c = args(
        pgkit(),
        &[
            "smartro",
            "approve",
            "--tid",
            "t_2510201m01012510201530001234",
            "--tr-auth-key",
            "KEY1",
            "--expected-amount",
            "1004",
        ],
    );
    smartro_env(&mut c, &s.base);
    let r = run(c, b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("approved: 1,004 won, approval number 30012345")
    );

    let mut c = args(
        pgkit(),
        &[
            "smartro",
            "cancel",
            "--tid",
            "t_2510201m01012510201530001234",
            "--amount",
            "1004",
            "--reason",
            "사용자 취소",
        ],
    );
    smartro_env(&mut c, &s.base);
    assert_eq!(run(c, b"").code, 0);

    let mut c = args(
        pgkit(),
        &["smartro", "delete-member", "--mall-user-id", "user01"],
    );
    smartro_env(&mut c, &s.base);
    assert!(run(c, b"").stdout.contains("member deleted [PD00]"));

    let mut c = args(
        pgkit(),
        &[
            "smartro",
            "approve",
            "--tid",
            "t_2510201m01012510201530001234",
            "--tr-auth-key",
            "KEY2",
            "--expected-amount",
            "1004",
            "--json",
        ],
    );
    smartro_env(&mut c, &s.base);
    let mismatch = run(c, b"");
    assert_eq!(mismatch.code, 3);
    assert_eq!(json(&mismatch.stdout)["error"]["kind"], "amount_mismatch");

    let seen = s.seen.lock().unwrap().clone();
    assert_eq!(seen[0].0, "/payment/approval/urlCallApproval.do");
    assert_eq!(
        seen[0].1,
        br#"{"Tid":"t_2510201m01012510201530001234","TrAuthKey":"KEY1"}"#
    );
    assert_eq!(seen[1].0, "/payment/approval/cancel.do");
    let cancel = decrypt(&seen[1].1);
    assert!(cancel.starts_with(r#"{"SERVICE_MODE":"CL1","Tid":"t_2510201m01012510201530001234","Mid":"t_2510201m","CancelAmt":"1004","CancelPwd":"934091","CancelMsg":"사용자 취소","CancelSeq":"1","PartialCancelCode":"0","CancelTaxAmt":"","CancelTaxFreeAmt":"","CancelVatAmt":"","DivideInfo":"","HashData":""#), "{cancel}");
    assert_eq!(seen[2].0, "/payment/approval/ssbMemberDel.do");
    let member = decrypt(&seen[2].1);
    assert_eq!(
        member,
        r#"{"Mid":"t_2510201m","SspMallId":"SMTSSPAY0p","MallUserId":"user01","VerifyValue":"qNJgTXmPtqFki96ea1Iayy8juz3E6m+ow1AY1r7Ry4c=","ServiceType":"MD"}"#
    );
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
    let mut c = args(
        pgkit(),
        &[
            "smartro",
            "form",
            "--moid",
            "M1",
            "--amount",
            "1004",
            "--goods-name",
            "상품",
            "--mall-user-id",
            "user01",
            "--buyer-name",
            "구매자",
            "--buyer-phone",
            "01099991111",
            "--buyer-email",
            "a@b.kr",
            "--return-url",
            "https://shop.example/r",
            "--stop-url",
            "https://shop.example/s",
            "--json",
        ],
    );
    smartro_env(&mut c, "test");
    let v = json(&run(c, b"").stdout);
    let fields = &v["result"]["fields"];
    assert_eq!(fields["Mid"], "t_2510201m");
    assert_eq!(fields["EncryptData"].as_str().unwrap().len(), 44);
    let mut c = args(
        pgkit(),
        &[
            "smartro",
            "form",
            "--moid",
            "M1",
            "--amount",
            "1004",
            "--goods-name",
            "상품",
            "--mall-user-id",
            "user01",
            "--buyer-name",
            "구매자",
            "--buyer-phone",
            "01099991111",
            "--buyer-email",
            "a@b.kr",
            "--return-url",
            "https://shop.example/r",
            "--stop-url",
            "https://shop.example/s",
            "--html",
            "--device",
            "mobile",
        ],
    );
    smartro_env(&mut c, "live");
    let page = run(c, b"").stdout;
    assert!(page.contains("https://mpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js?version="));
    assert!(!page.contains(MERCHANT_KEY));
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

// ---------------------------------------------------------------- notify serve / export

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn post(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

fn serve(port: u16, db: &str, logs: &std::path::Path) -> std::process::Child {
    let child = pgkit()
        .args([
            "notify",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            db,
            "--log-dir",
            logs.to_str().unwrap(),
            "--allow-ip",
            "127.0.0.1",
            "--allow-ip",
            "smartro",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "notify serve did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn stop(child: std::process::Child) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "clean shutdown: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn innopay_body(n: u32) -> String {
    format!(
        "moid=serve-{n}&pgTid=testpay01m0101251020{n:010}&status=25&approvalAmt={}",
        1000 + n
    )
}

#[test]
fn notify_serve_stores_each_event_once_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("events.db").display());
    let logs = dir.path().join("logs");
    let port = free_port();
    let child = serve(port, &db, &logs);
    for n in 0..5 {
        for _ in 0..2 {
            assert_eq!(
                post(port, "/innopay/notify", &innopay_body(n)),
                (200, "0000".to_owned())
            );
        }
    }
    let smartro =
        "PayMethod=CARD&Amt=1004&TID=t_2510201m01012510201530001234&OID=M1&ResultCode=3001";
    assert_eq!(
        post(port, "/smartro/notify", smartro),
        (200, "OK".to_owned())
    );
    let (status, body) = post(port, "/innopay/notify", "moid=broken");
    assert_eq!(status, 400);
    assert!(body.starts_with("NACK"));
    let stopped = stop(child);
    assert!(stopped.contains("events stored: 6 processed"), "{stopped}");

    let child = serve(port, &db, &logs);
    for n in 3..8 {
        // One lenient field the gateway got wrong: acknowledged, kept as a warning.
        let body = innopay_body(n) + if n == 6 { "&cashReceiptVat=1.5" } else { "" };
        assert_eq!(post(port, "/innopay/notify", &body).1, "0000");
    }
    assert_eq!(post(port, "/smartro/notify", smartro).1, "OK");
    stop(child);

    let r = run(args(pgkit(), &["notify", "export", "--db", &db]), b"");
    assert_eq!(r.code, 0);
    let lines: Vec<Value> = r.stdout.lines().map(json).collect();
    assert_eq!(
        lines.len(),
        9,
        "8 Innopay events and 1 Smartro event, each once"
    );
    let mut keys: Vec<&str> = lines.iter().map(|l| l["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 9);
    let deliveries = |moid: &str| {
        lines
            .iter()
            .find(|l| l["moid"] == moid)
            .map(|l| l["deliveries"].as_i64().unwrap())
    };
    assert_eq!(deliveries("serve-0"), Some(2));
    assert_eq!(
        deliveries("serve-3"),
        Some(3),
        "sent twice before the restart, once after"
    );
    assert_eq!(deliveries("serve-7"), Some(1));
    assert_eq!(deliveries("M1"), Some(2));

    let csv = run(
        args(
            pgkit(),
            &["notify", "export", "--db", &db, "--format", "csv"],
        ),
        b"",
    );
    let mut rows = csv.stdout.lines();
    assert_eq!(
        rows.next(),
        Some(
            "id,key,gateway,kind,status,tid,moid,amount,approved_amount,state,attempts,deliveries,last_error,received_at,processed_at,conflicts,warnings"
        )
    );
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), 9);
    let vat = rows.iter().find(|r| r.contains(",serve-6,")).unwrap();
    assert!(
        vat.ends_with(
            ",0,cashReceiptVat: not an amount of won: amount has a fraction; won are whole numbers"
        ),
        "{vat}"
    );
    let json_export = run(
        args(pgkit(), &["notify", "export", "--db", &db, "--json"]),
        b"",
    );
    assert_eq!(json(&json_export.stdout)["result"]["exported"], 9);

    let log: String = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        log.lines().count(),
        2 * 18,
        "every request and its outcome are logged"
    );
}
