//! The fuzz targets' bodies: one function per target, shared by `fuzz/` (cargo-fuzz, nightly)
//! and by the replay of its corpora and crashes in `tests/tests/fuzz_corpus.rs` (stable, every
//! `cargo test`). Each feeds arbitrary bytes to a parser that reads what a gateway or a network
//! sends; none may panic, whatever the bytes.

use pg_core::KstDateTime;
use pg_http::HttpResponse;

/// Every target's name, in the order of `fuzz/fuzz_targets/`.
pub const TARGETS: [&str; 11] = [
    "form_codec",
    "innopay_notification",
    "innopay_sms_reply",
    "innopay_cancel_reply",
    "smartro_approval",
    "smartro_return",
    "smartro_stop",
    "smartro_renotification",
    "aes_decrypt",
    "won",
    "notify_mask",
];

/// The `Content-Type` a body is read with: chosen by its first byte, the rest is the body.
fn split(data: &[u8]) -> (Option<&'static str>, &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return (None, data);
    };
    let content_type = match first % 5 {
        0 => None,
        1 => Some("application/x-www-form-urlencoded"),
        2 => Some("application/x-www-form-urlencoded; charset=EUC-KR"),
        3 => Some("application/x-www-form-urlencoded; charset=utf-8"),
        _ => Some("application/json;charset=UTF-8"),
    };
    (content_type, rest)
}

fn response(data: &[u8]) -> HttpResponse {
    let (content_type, body) = split(data);
    let status = if data.first().is_some_and(|b| b & 0x80 != 0) {
        500
    } else {
        200
    };
    let response = HttpResponse::new(status, body.to_vec());
    match content_type {
        Some(ct) => response.with_header("Content-Type", ct),
        None => response,
    }
}

/// Runs the target `name` on `data`. Panics only for an unknown name.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "form_codec" => {
            let (content_type, body) = split(data);
            let limits = pg_core::form::FormLimits::default();
            let _ = pg_core::form::Form::parse_with_content_type(body, content_type, &limits);
        }
        "innopay_notification" => {
            let (content_type, body) = split(data);
            if let Ok(n) = pg_innopay::notification::Notification::decode(body, content_type) {
                let _ = (format!("{n:?}"), serde_json::to_string(&n), n.amount());
            }
        }
        "innopay_sms_reply" => {
            let request = pg_innopay::sms_pay::SmsPaymentRequest::builder()
                .moid("FUZZ-1")
                .goods_name("퍼즈")
                .amount(10_005u64)
                .buyer_name("홍길동")
                .buyer_phone("01012341234")
                .build()
                .expect("a valid request");
            let now = KstDateTime::from_parts(2026, 11, 24, 12, 0, 0).expect("a date");
            let _ = request.parse_response(now, &response(data));
        }
        "innopay_cancel_reply" => {
            let request = pg_innopay::cancel::CancelRequest::builder()
                .tid("testpay01m01011801181105238578")
                .amount(1_000u64)
                .reason("퍼즈")
                .build()
                .expect("a valid request");
            let _ = request.parse_response(&response(data));
        }
        "smartro_approval" => {
            let _ = pg_smartro::approval::parse_approval_response(&response(data));
            let _ = pg_smartro::cancel::parse_cancel_response(&response(data));
            let _ = pg_smartro::member::parse_member_deletion_response(&response(data));
        }
        "smartro_return" => {
            let (content_type, body) = split(data);
            let _ = pg_smartro::callbacks::ReturnCallback::decode(body, content_type);
        }
        "smartro_stop" => {
            let (content_type, body) = split(data);
            let _ = pg_smartro::callbacks::StopResult::decode(body, content_type);
        }
        "smartro_renotification" => {
            let (content_type, body) = split(data);
            if let Ok(n) = pg_smartro::renotification::ReNotification::decode(body, content_type) {
                let key = pg_core::Secret::new("0123456789abcdef0123456789abcdefKEY");
                let _ = (format!("{n:?}"), n.verify_sign_value(&key));
            }
        }
        "aes_decrypt" => {
            let cipher = pg_smartro::crypto::Aes256Cipher::new("0123456789abcdef0123456789abcdef")
                .expect("a 32-character key");
            let text = String::from_utf8_lossy(data);
            let _ = cipher.decrypt(&text);
        }
        "won" => {
            let text = String::from_utf8_lossy(data);
            if let Ok(w) = pg_core::Won::parse(&text) {
                assert_eq!(
                    pg_core::Won::parse(&w.to_string()),
                    Ok(w),
                    "round trip of {text:?}"
                );
                let _ = w.grouped();
            }
        }
        "notify_mask" => {
            // The receiver masks every body before it is stored or logged: one pass gives both
            // bodies, and each must be what its own function gives.
            let (shown, kept) = pg_notify::mask::mask_both(data);
            assert_eq!(shown, pg_notify::mask::mask_form_body(data));
            let kept = kept.unwrap_or_else(|| shown.clone());
            assert_eq!(kept, pg_notify::mask::mask_card_numbers(data));
        }
        other => panic!("no fuzz target {other}"),
    }
}
