//! What the buyer's browser posts back: the return callback (`Tid`, `TrAuthKey`, to approve)
//! and the stop result (StopUrl, guide "결제 중단 시 결과 파라미터").

use std::fmt;

use pg_core::field_spec::{Rule, Validator, Violation};
use pg_core::form::{Form, FormLimits};
use pg_core::{InvalidInput, Moid, Secret, Tid, Won};
use serde::{Serialize, Serializer};

/// `PayMethod` (지불수단): the 13 methods the guide lists, and any other kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayMethod {
    /// `CARD` 신용카드.
    Card,
    /// `BANK` 계좌이체.
    Bank,
    /// `VBANK` 가상계좌.
    VirtualAccount,
    /// `CELLPHONE` 휴대폰결제.
    Cellphone,
    /// `NAVER` 네이버페이.
    NaverPay,
    /// `KAKAO` 카카오페이.
    KakaoPay,
    /// `PAYCO` 페이코페이.
    Payco,
    /// `LPAY` 엘페이.
    LPay,
    /// `PINPAY` 핀페이.
    PinPay,
    /// `SAMSUNGPAY` 삼성페이.
    SamsungPay,
    /// `TOSS` 토스.
    Toss,
    /// `LINEPAY` 라인페이.
    LinePay,
    /// `TMONEYPAY` 티머니페이.
    TmoneyPay,
    /// A method the guide does not list.
    Other(String),
}

const METHODS: [(&str, PayMethod); 13] = [
    ("CARD", PayMethod::Card),
    ("BANK", PayMethod::Bank),
    ("VBANK", PayMethod::VirtualAccount),
    ("CELLPHONE", PayMethod::Cellphone),
    ("NAVER", PayMethod::NaverPay),
    ("KAKAO", PayMethod::KakaoPay),
    ("PAYCO", PayMethod::Payco),
    ("LPAY", PayMethod::LPay),
    ("PINPAY", PayMethod::PinPay),
    ("SAMSUNGPAY", PayMethod::SamsungPay),
    ("TOSS", PayMethod::Toss),
    ("LINEPAY", PayMethod::LinePay),
    ("TMONEYPAY", PayMethod::TmoneyPay),
];

impl PayMethod {
    /// The method of a wire value (case-insensitive).
    pub fn from_code(code: &str) -> Self {
        let code = code.trim();
        METHODS
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map_or_else(|| PayMethod::Other(code.to_owned()), |(_, m)| m.clone())
    }

    /// The wire value.
    pub fn code(&self) -> &str {
        match self {
            PayMethod::Other(code) => code,
            known => METHODS
                .iter()
                .find(|(_, m)| m == known)
                .map_or("", |(c, _)| c),
        }
    }
}

impl fmt::Display for PayMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for PayMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Reads a form body: the charset declared, or detected.
pub(crate) fn parse_form<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
) -> Result<Form<'a>, InvalidInput> {
    Ok(Form::parse_with_content_type(
        body,
        content_type,
        &FormLimits::default(),
    )?)
}

/// The pairs not named in `known`, in order.
pub(crate) fn extra_pairs(form: &Form<'_>, known: &[&str]) -> Vec<(String, String)> {
    // Never a card number or a secret in full (`CardNum`, `BillTokenKey`...).
    form.pairs()
        .filter(|(n, _)| !known.contains(n))
        .map(|(n, v)| (n.to_owned(), pg_core::mask::field_value(n, v).into_owned()))
        .collect()
}

pub(crate) fn required<'f>(
    form: &'f Form<'_>,
    name: &'static str,
    v: &mut Validator,
) -> Option<&'f str> {
    form.required(name).map_err(|e| v.push(e)).ok()
}

pub(crate) fn won_field(form: &Form<'_>, name: &'static str, v: &mut Validator) -> Option<Won> {
    let text = form.text(name)?;
    Won::parse(text)
        .map_err(|e| {
            v.push(Violation::new(
                name,
                Rule::Format {
                    expected: "an amount of won",
                    reason: e.to_string(),
                },
            ));
        })
        .ok()
}

pub(crate) fn tid_field(text: &str, name: &'static str, v: &mut Validator) -> Option<Tid> {
    Tid::received(text)
        .map_err(|e| {
            v.push(Violation::new(
                name,
                Rule::Format {
                    expected: "a transaction id",
                    reason: e.rule.to_string(),
                },
            ));
        })
        .ok()
}

pub(crate) fn moid_field(text: &str, name: &'static str, v: &mut Validator) -> Option<Moid> {
    Moid::received(text)
        .map_err(|e| {
            v.push(Violation::new(
                name,
                Rule::Format {
                    expected: "an order number",
                    reason: e.rule.to_string(),
                },
            ));
        })
        .ok()
}

/// The merchant's `MallReserved` text, decoded from Base64 when it is Base64 of UTF-8.
pub fn decode_mall_reserved(value: &str) -> Option<String> {
    let bytes = crate::crypto::base64_decode(value.trim())?;
    String::from_utf8(bytes).ok()
}

/// The return callback: `Tid` and `TrAuthKey` posted to `ReturnUrl` (by the approval form on PC,
/// by the window itself on mobile), to be approved with [`crate::approval`].
#[derive(Debug, Clone, Serialize)]
pub struct ReturnCallback {
    /// `Tid`.
    pub tid: Tid,
    /// `TrAuthKey`, the one-time approval token (masked in `Debug` and when serialized: it
    /// approves the payment, so it never reaches a log or an export).
    #[serde(serialize_with = "masked_secret")]
    pub tr_auth_key: Secret,
    /// Other fields (the mobile window posts more), as received.
    pub extra: Vec<(String, String)>,
}

fn masked_secret<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if secret.is_empty() { "" } else { "***" })
}

impl ReturnCallback {
    /// Decodes a return callback body.
    pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<ReturnCallback, InvalidInput> {
        let form = parse_form(body, content_type)?;
        let mut v = Validator::new();
        let tid = required(&form, "Tid", &mut v).and_then(|t| tid_field(t, "Tid", &mut v));
        let key = required(&form, "TrAuthKey", &mut v).map(Secret::new);
        v.finish()?;
        match (tid, key) {
            (Some(tid), Some(tr_auth_key)) => Ok(ReturnCallback {
                tid,
                tr_auth_key,
                extra: extra_pairs(&form, &["Tid", "TrAuthKey"]),
            }),
            _ => Err(InvalidInput::single("(callback)", Rule::Missing)),
        }
    }
}

/// The stop result posted to `StopUrl` when the buyer stops paying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopResult {
    /// `PayMethod`.
    pub pay_method: Option<PayMethod>,
    /// `GoodsName`.
    pub goods_name: Option<String>,
    /// `Amt`.
    pub amount: Option<Won>,
    /// `Moid`.
    pub moid: Option<Moid>,
    /// `Mid`.
    pub mid: Option<String>,
    /// `MallUserId`.
    pub mall_user_id: Option<String>,
    /// `BuyerName`.
    pub buyer_name: Option<String>,
    /// `BuyerTel`.
    pub buyer_tel: Option<String>,
    /// `BuyerEmail`.
    pub buyer_email: Option<String>,
    /// `MallReserved`, as received (Base64).
    pub mall_reserved: Option<String>,
    /// `MallReserved` decoded, when it is Base64 of UTF-8 text.
    pub mall_reserved_text: Option<String>,
    /// `ResultCode`.
    pub result_code: String,
    /// `ResultMsg`.
    pub result_message: String,
    /// Other fields, as received.
    pub extra: Vec<(String, String)>,
}

const STOP_FIELDS: [&str; 12] = [
    "PayMethod",
    "GoodsName",
    "Amt",
    "Moid",
    "Mid",
    "MallUserId",
    "BuyerName",
    "BuyerTel",
    "BuyerEmail",
    "MallReserved",
    "ResultCode",
    "ResultMsg",
];

impl StopResult {
    /// Decodes a stop result body.
    pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<StopResult, InvalidInput> {
        let form = parse_form(body, content_type)?;
        let mut v = Validator::new();
        let result_code = required(&form, "ResultCode", &mut v).map(str::to_owned);
        let amount = won_field(&form, "Amt", &mut v);
        let moid = form
            .text("Moid")
            .and_then(|m| moid_field(m, "Moid", &mut v));
        v.finish()?;
        let text = |name: &str| form.get(name).filter(|s| !s.is_empty()).map(str::to_owned);
        let mall_reserved = form.text("MallReserved").map(str::to_owned);
        Ok(StopResult {
            pay_method: form.text("PayMethod").map(PayMethod::from_code),
            goods_name: text("GoodsName"),
            amount,
            moid,
            mid: form.text("Mid").map(str::to_owned),
            mall_user_id: form.text("MallUserId").map(str::to_owned),
            buyer_name: text("BuyerName"),
            buyer_tel: form.text("BuyerTel").map(str::to_owned),
            buyer_email: form.text("BuyerEmail").map(str::to_owned),
            mall_reserved_text: mall_reserved.as_deref().and_then(decode_mall_reserved),
            mall_reserved,
            result_code: result_code.unwrap_or_default(),
            result_message: form.get("ResultMsg").unwrap_or_default().to_owned(),
            extra: extra_pairs(&form, &STOP_FIELDS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_methods_round_trip() {
        for (code, method) in &METHODS {
            assert_eq!(&PayMethod::from_code(code), method);
            assert_eq!(method.code(), *code);
        }
        assert_eq!(PayMethod::from_code("card"), PayMethod::Card);
        assert_eq!(
            PayMethod::from_code("APPLEPAY"),
            PayMethod::Other("APPLEPAY".into())
        );
        assert_eq!(PayMethod::Other("X".into()).code(), "X");
    }

    #[test]
    fn return_callback() {
        let cb = ReturnCallback::decode(
            b"Tid=t_2510201m01012510201530001234&TrAuthKey=abc%2Bdef%3D",
            None,
        )
        .unwrap();
        assert_eq!(cb.tid.as_str(), "t_2510201m01012510201530001234");
        assert_eq!(cb.tr_auth_key.expose(), "abc+def=");
        assert!(!format!("{cb:?}").contains("abc+def"));
        let json = serde_json::to_string(&cb).unwrap();
        assert!(
            !json.contains("abc+def") && json.contains(r#""tr_auth_key":"***""#),
            "{json}"
        );
        let err = ReturnCallback::decode(b"x=1", None).unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["Tid", "TrAuthKey"]);
    }

    #[test]
    fn stop_result() {
        let body = "PayMethod=CARD&GoodsName=%EA%B1%B0%EB%9E%98+%EC%83%81%ED%92%88%EB%AA%85&Amt=1004&Moid=Moid20210118&Mid=t_2510201m&MallUserId=user01&BuyerName=%EA%B5%AC%EB%A7%A4%EC%9E%90&BuyerTel=01099991111&BuyerEmail=noname%40smartro.co.kr&MallReserved=7J6Q7Jyg&ResultCode=9999&ResultMsg=%EC%82%AC%EC%9A%A9%EC%9E%90+%EC%A4%91%EB%8B%A8&New=1";
        let s = StopResult::decode(body.as_bytes(), None).unwrap();
        assert_eq!(s.pay_method, Some(PayMethod::Card));
        assert_eq!(s.goods_name.as_deref(), Some("거래 상품명"));
        assert_eq!(s.amount, Some(Won::new(1004)));
        assert_eq!(s.mall_reserved_text.as_deref(), Some("자유"));
        assert_eq!(s.result_message, "사용자 중단");
        assert_eq!(s.extra, [("New".to_owned(), "1".to_owned())]);
        let err = StopResult::decode(b"Amt=1a", None).unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["ResultCode", "Amt"]);
    }
}
