//! Re-notification (재통보, PROTOCOL-NOTES): Smartro posts results again from 211.193.35.216
//! and .217 (live) at intervals set in the merchant admin site, until acknowledged. The
//! old-format sample reads the fields below and answers `OK`; which answer stops the newer
//! format's retries is not public, so the acknowledgement is configurable ([`Acknowledgement`]).

use pg_core::field_spec::{Validator, read_code, read_money};
use pg_core::{
    CardCompany, Charset, InvalidInput, KstDateTime, KstFormat, MaskedCardNumber, Moid, Secret,
    Tid, Warning, Won,
};
use serde::Serialize;

use crate::callbacks::{PayMethod, extra_pairs, moid_field, parse_form, required, tid_field};
use crate::crypto;

/// The acknowledgement body; `OK` by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement(Vec<u8>);

impl Default for Acknowledgement {
    fn default() -> Self {
        Acknowledgement(b"OK".to_vec())
    }
}

impl Acknowledgement {
    /// A custom acknowledgement body.
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Acknowledgement(body.into())
    }

    /// The body.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A decoded re-notification (old format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReNotification {
    /// `PayMethod`.
    pub pay_method: Option<PayMethod>,
    /// `MID`.
    pub mid: Option<String>,
    /// `mallUserID`.
    pub mall_user_id: Option<String>,
    /// `Amt`. Required.
    pub amount: Won,
    /// `name`, the buyer.
    pub buyer_name: Option<String>,
    /// `GoodsName`.
    pub goods_name: Option<String>,
    /// `TID`. Required.
    pub tid: Tid,
    /// `OTID`, the original transaction (for cancels).
    pub original_tid: Option<Tid>,
    /// `OID`, the order number. Required.
    pub moid: Moid,
    /// `AuthDate`, as sent (`yyMMddHHmmss`).
    pub auth_date: Option<String>,
    /// `AuthCode`, the approval number.
    pub auth_code: Option<String>,
    /// `ResultCode`. Required.
    pub result_code: String,
    /// `ResultMsg`.
    pub result_message: Option<String>,
    /// `state_cd`: `0` approved, `1` cancelled, `2` partially cancelled (the PG convention these
    /// old-format fields follow).
    pub state_code: Option<String>,
    /// `fn_cd`, the card company.
    pub card_company: Option<CardCompany>,
    /// `fn_name`.
    pub card_company_name: Option<String>,
    /// `pinNo`, masked like a card number.
    pub pin_number: Option<MaskedCardNumber>,
    /// `CardQuota`.
    pub card_quota: Option<String>,
    /// `BuyerEmail`.
    pub buyer_email: Option<String>,
    /// `BuyerTel`.
    pub buyer_tel: Option<String>,
    /// `BuyerAuthNum`.
    pub buyer_auth_number: Option<String>,
    /// `VbankNum`, the virtual account number.
    pub vbank_number: Option<String>,
    /// `VbankName`.
    pub vbank_name: Option<String>,
    /// `ReceiptType`.
    pub receipt_type: Option<String>,
    /// `CardUsePoint`.
    pub card_use_point: Option<Won>,
    /// `SignValue`, when sent.
    pub sign_value: Option<String>,
    /// Other fields, and listed ones whose value could not be read, in order, as received.
    pub extra: Vec<(String, String)>,
    /// What could not be read but did not stop the re-notification: each field, what is wrong,
    /// and the value received.
    pub warnings: Vec<Warning>,
    /// The charset of the body.
    pub charset: Charset,
}

const FIELDS: [&str; 26] = [
    "PayMethod",
    "MID",
    "mallUserID",
    "Amt",
    "name",
    "GoodsName",
    "TID",
    "OTID",
    "OID",
    "AuthDate",
    "AuthCode",
    "ResultCode",
    "ResultMsg",
    "state_cd",
    "fn_cd",
    "fn_name",
    "pinNo",
    "CardQuota",
    "BuyerEmail",
    "BuyerTel",
    "BuyerAuthNum",
    "VbankNum",
    "VbankName",
    "ReceiptType",
    "CardUsePoint",
    "SignValue",
];

/// What a re-notification reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReNotificationState {
    /// Approved (`state_cd` `0`, or `ResultCode` `3001`).
    Approved,
    /// Cancelled (`state_cd` `1` or `2`, or `ResultCode` `2001`/`2211`).
    Cancelled,
    /// Neither.
    Other,
}

impl ReNotification {
    /// Decodes a body (UTF-8 or EUC-KR, declared or detected). Strict on what identifies the
    /// payment and the money: `TID`, `OID`, `Amt` (at most 12 digits) and `ResultCode` are
    /// required, `OTID` and `state_cd` must be readable when sent; every such problem is
    /// reported at once. Anything else unreadable (`CardUsePoint`) is a warning, kept raw.
    pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<ReNotification, InvalidInput> {
        let form = parse_form(body, content_type)?;
        let mut v = Validator::new();
        let tid = required(&form, "TID", &mut v).and_then(|t| tid_field(t, "TID", &mut v));
        let moid = required(&form, "OID", &mut v).and_then(|m| moid_field(m, "OID", &mut v));
        let amount = match form.text("Amt") {
            None => {
                v.push(pg_core::Violation::new("Amt", pg_core::Rule::Missing));
                None
            }
            Some(text) => read_money("Amt", text).map_err(|e| v.push(e)).ok(),
        };
        let result_code = read_code("ResultCode", form.get("ResultCode").unwrap_or_default(), 10)
            .map(str::to_owned)
            .map_err(|e| v.push(e))
            .ok();
        let state_code = form
            .get("state_cd")
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| read_code("state_cd", s, 2).map_err(|e| v.push(e)).ok())
            .map(str::to_owned);
        let original_tid = form.text("OTID").and_then(|t| tid_field(t, "OTID", &mut v));
        v.finish()?;
        let (Some(tid), Some(moid), Some(amount), Some(result_code)) =
            (tid, moid, amount, result_code)
        else {
            return Err(InvalidInput::single(
                "(re-notification)",
                pg_core::Rule::Missing,
            ));
        };
        let mut warnings = Vec::new();
        let mut extra = extra_pairs(&form, &FIELDS);
        let card_use_point = form
            .text("CardUsePoint")
            .and_then(|text| match Won::parse(text) {
                Ok(w) => Some(w),
                Err(e) => {
                    warnings.push(Warning::new(
                        "CardUsePoint",
                        format!("not an amount of won: {e}"),
                        text,
                    ));
                    extra.push(("CardUsePoint".to_owned(), text.to_owned()));
                    None
                }
            });
        let code = |name: &str| form.text(name).map(str::to_owned);
        let text = |name: &str| form.get(name).filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(ReNotification {
            pay_method: form.text("PayMethod").map(PayMethod::from_code),
            mid: code("MID"),
            mall_user_id: code("mallUserID"),
            amount,
            buyer_name: text("name"),
            goods_name: text("GoodsName"),
            tid,
            original_tid,
            moid,
            auth_date: code("AuthDate"),
            auth_code: code("AuthCode"),
            result_code,
            result_message: text("ResultMsg"),
            state_code,
            card_company: form.text("fn_cd").map(CardCompany::from_code),
            card_company_name: text("fn_name"),
            pin_number: form.text("pinNo").map(MaskedCardNumber::from_received),
            card_quota: code("CardQuota"),
            buyer_email: code("BuyerEmail"),
            buyer_tel: code("BuyerTel"),
            buyer_auth_number: code("BuyerAuthNum"),
            vbank_number: code("VbankNum"),
            vbank_name: text("VbankName"),
            receipt_type: code("ReceiptType"),
            card_use_point,
            sign_value: code("SignValue"),
            extra,
            warnings,
            charset: form.charset(),
        })
    }

    /// What it reports: by `state_cd` when sent, else by `ResultCode`.
    pub fn state(&self) -> ReNotificationState {
        match self.state_code.as_deref() {
            Some("0") => ReNotificationState::Approved,
            Some("1" | "2") => ReNotificationState::Cancelled,
            Some(_) => ReNotificationState::Other,
            None => match self.result_code.as_str() {
                "3001" => ReNotificationState::Approved,
                "2001" | "2211" => ReNotificationState::Cancelled,
                _ => ReNotificationState::Other,
            },
        }
    }

    /// The approval time from `AuthDate`, when it parses.
    pub fn authorized_at(&self) -> Option<KstDateTime> {
        let d = self.auth_date.as_deref()?;
        KstDateTime::parse(d, KstFormat::YyMMddHHmmss)
            .or_else(|_| KstDateTime::parse(d, KstFormat::YyyyMMddHHmmss))
            .ok()
    }

    /// Checks `SignValue` with the merchant key: `None` when none was sent.
    pub fn verify_sign_value(&self, merchant_key: &Secret) -> Option<bool> {
        let sign = self.sign_value.as_deref()?;
        Some(crypto::verify_sign_value(
            sign,
            self.tid.as_str(),
            &self.result_code,
            merchant_key,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "PayMethod=CARD&MID=t_2510201m&mallUserID=user01&Amt=1%2C004&name=%ED%99%8D%EA%B8%B8%EB%8F%99&GoodsName=%EC%83%81%ED%92%88&TID=t_2510201m01012510201530001234&OTID=&OID=Moid20251020&AuthDate=251020153000&AuthCode=30012345&ResultCode=3001&ResultMsg=%EC%8A%B9%EC%9D%B8%EC%84%B1%EA%B3%B5&state_cd=0&fn_cd=04&fn_name=%EC%82%BC%EC%84%B1&pinNo=4111111111111111&CardQuota=00&BuyerEmail=a%40b.kr&BuyerTel=01012341234&BuyerAuthNum=&VbankNum=&VbankName=&ReceiptType=&CardUsePoint=0&SignValue=&NewField=x";

    #[test]
    fn decodes_the_old_format() {
        let n = ReNotification::decode(BODY.as_bytes(), None).unwrap();
        assert_eq!(n.amount, Won::new(1004));
        assert_eq!(n.buyer_name.as_deref(), Some("홍길동"));
        assert_eq!(n.tid.as_str(), "t_2510201m01012510201530001234");
        assert_eq!(n.original_tid, None);
        assert_eq!(n.moid.as_str(), "Moid20251020");
        assert_eq!(n.state(), ReNotificationState::Approved);
        assert_eq!(n.card_company, Some(CardCompany::Samsung));
        assert_eq!(n.pin_number.as_ref().unwrap().as_str(), "411111******1111");
        assert_eq!(
            n.authorized_at().unwrap().format(KstFormat::YyyyMMddHHmmss),
            "20251020153000"
        );
        assert_eq!(n.sign_value, None);
        assert_eq!(n.verify_sign_value(&Secret::new("k")), None);
        assert_eq!(n.extra, [("NewField".to_owned(), "x".to_owned())]);
        assert_eq!(Acknowledgement::default().as_bytes(), b"OK");
    }

    #[test]
    fn required_fields() {
        let err = ReNotification::decode(b"Amt=x&PayMethod=CARD", None).unwrap_err();
        assert_eq!(
            err.fields().collect::<Vec<_>>(),
            ["TID", "OID", "Amt", "ResultCode"]
        );
    }

    #[test]
    fn money_and_identity_are_strict_the_rest_lenient() {
        let huge = BODY.replace("Amt=1%2C004", "Amt=9223372036854775808");
        let err = ReNotification::decode(huge.as_bytes(), None).unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["Amt"]);
        let status = BODY.replace("state_cd=0", "state_cd=0%0A1");
        let err = ReNotification::decode(status.as_bytes(), None).unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["state_cd"]);
        let long = BODY.replace("ResultCode=3001", &format!("ResultCode={}", "3".repeat(50)));
        let err = ReNotification::decode(long.as_bytes(), None).unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["ResultCode"]);
        // An odd point balance is a warning; the re-notification stands.
        let odd = BODY.replace("CardUsePoint=0", "CardUsePoint=1.5");
        let n = ReNotification::decode(odd.as_bytes(), None).unwrap();
        assert_eq!(n.card_use_point, None);
        assert_eq!(n.warnings.len(), 1);
        assert_eq!(
            (n.warnings[0].field.as_str(), n.warnings[0].raw.as_str()),
            ("CardUsePoint", "1.5")
        );
        assert!(
            n.extra
                .contains(&("CardUsePoint".to_owned(), "1.5".to_owned()))
        );
    }

    #[test]
    fn cancels_by_state_or_code() {
        let cancel = BODY.replace("state_cd=0", "state_cd=2");
        assert_eq!(
            ReNotification::decode(cancel.as_bytes(), None)
                .unwrap()
                .state(),
            ReNotificationState::Cancelled
        );
        let by_code = BODY
            .replace("state_cd=0&", "")
            .replace("ResultCode=3001", "ResultCode=2001");
        assert_eq!(
            ReNotification::decode(by_code.as_bytes(), None)
                .unwrap()
                .state(),
            ReNotificationState::Cancelled
        );
    }
}
