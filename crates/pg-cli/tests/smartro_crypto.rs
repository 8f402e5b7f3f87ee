//! `pgkit smartro sign | verify-value | encrypt | decrypt`: the public vectors, exactly.

mod common;

use common::*;

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
