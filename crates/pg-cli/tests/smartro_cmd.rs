//! `pgkit smartro approve | cancel | delete-member` against a loopback stub: the exact request
//! bytes.

mod common;

use serde_json::Value;

use common::*;

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
