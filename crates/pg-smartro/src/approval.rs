//! Approval (guide STEP 3): `POST` JSON `{Tid, TrAuthKey}` to `urlCallApproval.do`. `3001` is
//! the only success for cards; the real response carries many more fields than the guide lists
//! (PROTOCOL-NOTES), all read here, unknown ones kept.

use std::collections::BTreeMap;

use pg_core::field_spec::Validator;
use pg_core::json::JsonObject;
use pg_core::{
    CardCompany, InvalidInput, KstDateTime, KstFormat, MaskedCardNumber, Moid, ProtocolError,
    Refusal, Secret, Tid, Won,
};
use pg_http::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::callbacks::{PayMethod, ReturnCallback, decode_mall_reserved};
use crate::config::Environment;
use crate::crypto;
use crate::generated::fields::approval as spec;

/// An approval to request: the `Tid` and `TrAuthKey` from the return callback.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    /// `Tid`.
    pub tid: Tid,
    /// `TrAuthKey`.
    pub tr_auth_key: Secret,
}

impl From<ReturnCallback> for ApprovalRequest {
    fn from(cb: ReturnCallback) -> Self {
        ApprovalRequest {
            tid: cb.tid,
            tr_auth_key: cb.tr_auth_key,
        }
    }
}

impl ApprovalRequest {
    /// The HTTP request (sans-I/O): `{"Tid":...,"TrAuthKey":...}`.
    pub fn to_http(&self, environment: &Environment) -> Result<HttpRequest, InvalidInput> {
        let mut v = Validator::new();
        v.check(&spec::TID, Some(self.tid.as_str()))
            .check(&spec::TR_AUTH_KEY, Some(self.tr_auth_key.expose()));
        v.finish()?;
        let body = serde_json::json!({
            "Tid": self.tid.as_str(),
            "TrAuthKey": self.tr_auth_key.expose(),
        });
        Ok(HttpRequest::post_json(
            environment.approval_url(),
            body.to_string().into_bytes(),
        ))
    }
}

/// The card part of an approval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardApproval {
    /// `AppCardCode`, the issuer (발급사).
    pub issuer: Option<CardCompany>,
    /// `AppCardName`.
    pub issuer_name: Option<String>,
    /// `AcquCardCode`, the acquirer (매입사).
    pub acquirer: Option<CardCompany>,
    /// `AcquCardName`.
    pub acquirer_name: Option<String>,
    /// `CardMerchantNo`, the card company's merchant number.
    pub merchant_number: Option<String>,
    /// `CardNum`, masked.
    pub number: Option<MaskedCardNumber>,
    /// `CardQuota`, installment months (`00` lump sum).
    pub quota: Option<String>,
    /// `CardInterest` (무이자 여부).
    pub interest: Option<String>,
    /// `CardType` (신용/체크).
    pub card_type: Option<String>,
    /// `CardOwnerType` (개인/법인).
    pub owner_type: Option<String>,
    /// `UsePoint`.
    pub used_points: Option<Won>,
    /// `BalancePoint`.
    pub balance_points: Option<Won>,
}

/// Everything an approval response says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalResult {
    /// `ResultCode` (`3001` approved).
    pub result_code: String,
    /// `ResultMsg`.
    pub result_message: String,
    /// `Tid`.
    pub tid: Option<Tid>,
    /// `Moid`.
    pub moid: Option<Moid>,
    /// `Mid`.
    pub mid: Option<String>,
    /// `Amt`, the approved amount.
    pub amount: Option<Won>,
    /// `AuthDate` (`yyMMddHHmmss`), the approval time.
    pub approved_at: Option<KstDateTime>,
    /// `AuthCode`, the approval number (승인번호).
    pub auth_code: Option<String>,
    /// `PayMethod`.
    pub pay_method: Option<PayMethod>,
    /// `GoodsName`.
    pub goods_name: Option<String>,
    /// `GoodsCnt`.
    pub goods_count: Option<String>,
    /// `BuyerName`.
    pub buyer_name: Option<String>,
    /// `BuyerEmail`.
    pub buyer_email: Option<String>,
    /// `BuyerTel`.
    pub buyer_tel: Option<String>,
    /// `BuyerAuthNum`.
    pub buyer_auth_number: Option<String>,
    /// `ParentEmail`.
    pub parent_email: Option<String>,
    /// `MallUserId`.
    pub mall_user_id: Option<String>,
    /// `MallReserved`, as received.
    pub mall_reserved: Option<String>,
    /// `MallReserved` decoded from Base64, when it is Base64 of UTF-8.
    pub mall_reserved_text: Option<String>,
    /// `MerchantReserved`.
    pub merchant_reserved: Option<String>,
    /// `SubId`.
    pub sub_id: Option<String>,
    /// `EdiDate`.
    pub edi_date: Option<String>,
    /// `SignValue`, when sent.
    pub sign_value: Option<String>,
    /// `CoNm`, the merchant's company name.
    pub company_name: Option<String>,
    /// `EscrowCd`.
    pub escrow_code: Option<String>,
    /// `GreenDeposit`.
    pub green_deposit: Option<String>,
    /// `Currency`.
    pub currency: Option<String>,
    /// `MerInterestCl`.
    pub merchant_interest: Option<String>,
    /// The card.
    pub card: CardApproval,
    /// Fields not listed here, and listed fields whose value could not be read, as received.
    pub extra: BTreeMap<String, Value>,
}

impl ApprovalResult {
    /// Whether the approved amount equals what the merchant expects. Call this before shipping:
    /// a buyer must not be able to pay less than the order.
    pub fn check_amount(&self, expected: Won) -> Result<(), AmountMismatch> {
        match self.amount {
            Some(actual) if actual == expected => Ok(()),
            actual => Err(AmountMismatch { expected, actual }),
        }
    }

    /// Checks `SignValue` with the merchant key: `None` when the response carried none,
    /// otherwise whether it matches (constant-time).
    pub fn verify_sign_value(&self, merchant_key: &Secret) -> Option<bool> {
        let sign = self.sign_value.as_deref()?;
        let tid = self.tid.as_ref().map_or("", |t| t.as_str());
        Some(crypto::verify_sign_value(
            sign,
            tid,
            &self.result_code,
            merchant_key,
        ))
    }
}

/// The approved amount is not the expected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "approved amount {} differs from the expected {expected}",
    .actual.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
)]
pub struct AmountMismatch {
    /// What the merchant expected.
    pub expected: Won,
    /// What was approved (`None`: the response had no readable amount).
    pub actual: Option<Won>,
}

/// The result of an approval call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "result", rename_all = "kebab-case")]
pub enum ApprovalOutcome {
    /// `3001`: approved.
    Approved(Box<ApprovalResult>),
    /// Any other code.
    Refused(Box<ApprovalResult>),
}

impl ApprovalOutcome {
    /// The response's content, whatever the outcome.
    pub fn result(&self) -> &ApprovalResult {
        match self {
            ApprovalOutcome::Approved(r) | ApprovalOutcome::Refused(r) => r,
        }
    }

    /// The refusal's code and message, when refused.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            ApprovalOutcome::Refused(r) => Some(Refusal {
                code: r.result_code.clone(),
                message: r.result_message.clone(),
            }),
            ApprovalOutcome::Approved(_) => None,
        }
    }
}

const KNOWN: &[&str] = &[
    "CoNm",
    "Tid",
    "MerchantReserved",
    "CardQuota",
    "AppCardCode",
    "AppCardName",
    "AcquCardCode",
    "AcquCardName",
    "CardMerchantNo",
    "CardNum",
    "UsePoint",
    "BalancePoint",
    "CardInterest",
    "ResultCode",
    "ResultMsg",
    "AuthDate",
    "AuthCode",
    "GoodsName",
    "GoodsCnt",
    "Amt",
    "Moid",
    "Mid",
    "MallUserId",
    "BuyerName",
    "PayMethod",
    "BuyerEmail",
    "ParentEmail",
    "SubId",
    "MallReserved",
    "EdiDate",
    "SignValue",
    "BuyerAuthNum",
    "BuyerTel",
    "EscrowCd",
    "GreenDeposit",
    "Currency",
    "MerInterestCl",
    "CardType",
    "CardOwnerType",
];

/// Reads a field with `parse`; on failure the raw value goes to `extra` and the field is `None`,
/// so that an odd value never hides an approval.
fn lenient<T>(
    json: &JsonObject<'_>,
    extra: &mut BTreeMap<String, Value>,
    name: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    let text = json.text(name)?;
    let parsed = parse(&text);
    if parsed.is_none() {
        let shown = pg_core::mask::field_value(name, &text).into_owned();
        extra.insert(name.to_owned(), Value::String(shown));
    }
    parsed
}

/// Reads an approval response (sans-I/O). Fails when the body is not a JSON object, has no
/// `ResultCode`, or approves (`3001`) without a readable `Amt`: an approval of an unknown amount
/// is never a success. Other unreadable fields are kept raw in `extra`.
pub fn parse_approval_response(response: &HttpResponse) -> Result<ApprovalOutcome, ProtocolError> {
    let json = response.json_object()?;
    let result_code = json.text("ResultCode").ok_or_else(|| {
        json.violation("response has no ResultCode")
            .with_status(response.status)
    })?;
    let mut extra = json.extra(KNOWN);
    let t = |name: &str| json.text(name);
    let amount = lenient(&json, &mut extra, "Amt", |s| Won::parse(s).ok());
    let tid = lenient(&json, &mut extra, "Tid", |s| Tid::received(s).ok());
    let moid = lenient(&json, &mut extra, "Moid", |s| Moid::received(s).ok());
    let approved_at = lenient(&json, &mut extra, "AuthDate", |s| {
        KstDateTime::parse(s, KstFormat::YyMMddHHmmss)
            .or_else(|_| KstDateTime::parse(s, KstFormat::YyyyMMddHHmmss))
            .ok()
    });
    let used_points = lenient(&json, &mut extra, "UsePoint", |s| Won::parse(s).ok());
    let balance_points = lenient(&json, &mut extra, "BalancePoint", |s| Won::parse(s).ok());
    let mall_reserved = t("MallReserved");
    let result = ApprovalResult {
        result_message: t("ResultMsg").unwrap_or_default(),
        tid,
        moid,
        mid: t("Mid"),
        amount,
        approved_at,
        auth_code: t("AuthCode"),
        pay_method: t("PayMethod").map(|m| PayMethod::from_code(&m)),
        goods_name: t("GoodsName"),
        goods_count: t("GoodsCnt"),
        buyer_name: t("BuyerName"),
        buyer_email: t("BuyerEmail"),
        buyer_tel: t("BuyerTel"),
        buyer_auth_number: t("BuyerAuthNum"),
        parent_email: t("ParentEmail"),
        mall_user_id: t("MallUserId"),
        mall_reserved_text: mall_reserved.as_deref().and_then(decode_mall_reserved),
        mall_reserved,
        merchant_reserved: t("MerchantReserved"),
        sub_id: t("SubId"),
        edi_date: t("EdiDate"),
        sign_value: t("SignValue"),
        company_name: t("CoNm"),
        escrow_code: t("EscrowCd"),
        green_deposit: t("GreenDeposit"),
        currency: t("Currency"),
        merchant_interest: t("MerInterestCl"),
        card: CardApproval {
            issuer: t("AppCardCode").map(|c| CardCompany::from_code(&c)),
            issuer_name: t("AppCardName"),
            acquirer: t("AcquCardCode").map(|c| CardCompany::from_code(&c)),
            acquirer_name: t("AcquCardName"),
            merchant_number: t("CardMerchantNo"),
            number: t("CardNum").map(|n| MaskedCardNumber::from_received(&n)),
            quota: t("CardQuota"),
            interest: t("CardInterest"),
            card_type: t("CardType"),
            owner_type: t("CardOwnerType"),
            used_points,
            balance_points,
        },
        extra,
        result_code,
    };
    use pg_core::result_code::{ResultOutcome, classify};
    Ok(match classify("smartro", "approval", &result.result_code) {
        ResultOutcome::Success => {
            // An approval says how much it approved: without a readable amount it is no answer.
            let amount_ok = result.amount.is_some_and(|a| a <= MAX_AMOUNT);
            if !amount_ok {
                let raw = json.text("Amt");
                return Err(json
                    .violation(format!(
                        "ResultCode {}, but Amt is {}: how much was approved is unknown",
                        result.result_code,
                        raw.map_or_else(
                            || "missing".to_owned(),
                            |r| format!("{r:?}, not an amount of at most 12 digits")
                        )
                    ))
                    .with_status(response.status));
            }
            ApprovalOutcome::Approved(Box::new(result))
        }
        _ => ApprovalOutcome::Refused(Box::new(result)),
    })
}

/// The largest amount an approval may carry (`Amt`: 12 digits).
const MAX_AMOUNT: Won = Won::new(999_999_999_999);

impl ApprovalRequest {
    /// Reads the answer to this request (sans-I/O): [`parse_approval_response`], and an
    /// approval whose `Tid` is not the requested one is an error (the client reports it as
    /// outcome unknown).
    pub fn parse_response(
        &self,
        response: &HttpResponse,
    ) -> Result<ApprovalOutcome, ProtocolError> {
        let outcome = parse_approval_response(response)?;
        if let ApprovalOutcome::Approved(r) = &outcome {
            if let Some(raw) = r.extra.get("Tid") {
                return Err(response.violation(format!(
                    "ResultCode {}, but Tid {raw} is not a transaction id",
                    r.result_code
                )));
            }
            if let Some(tid) = r.tid.as_ref().filter(|t| t.as_str() != self.tid.as_str()) {
                return Err(response.violation(
                    format!(
                        "ResultCode {}, but Tid {tid} is not the requested {}: what was approved is unknown",
                        r.result_code, self.tid
                    )
));
            }
        }
        Ok(outcome)
    }
}
