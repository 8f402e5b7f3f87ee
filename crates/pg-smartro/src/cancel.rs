//! Cancel (not in the guide; Smartro's public cancel manual and samples, PROTOCOL-NOTES):
//! `paramData` with `SERVICE_MODE` `CL1` and `HashData`, encrypted as `EncData`, posted with the
//! `Mid` to `cancel.do`. `2001` (and `2211` for refunds) success, `2013` already cancelled.

use std::collections::BTreeMap;

use pg_core::field_spec::{Rule, Validator, Violation};
use pg_core::{
    CancelKind, Error, FieldValue, InvalidInput, KstDateTime, ProtocolError, Slot, Tid, Won,
};
use pg_http::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::config::{Credentials, Environment};
use crate::crypto::{self, Aes256Cipher};
use crate::generated::fields::cancel as spec;
use crate::member::envelope;

/// A validated cancel. Build one with [`CancelRequest::builder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    tid: Tid,
    amount: Won,
    reason: String,
    kind: CancelKind,
    sequence: u32,
    tax_amount: Option<Won>,
    tax_free_amount: Option<Won>,
    vat_amount: Option<Won>,
    divide_info: Option<String>,
}

/// Builder for [`CancelRequest`].
#[derive(Debug, Clone, Default)]
pub struct CancelRequestBuilder {
    tid: Slot<Tid>,
    amount: Slot<Won>,
    reason: Option<String>,
    kind: Option<CancelKind>,
    sequence: Option<u32>,
    tax_amount: Slot<Won>,
    tax_free_amount: Slot<Won>,
    vat_amount: Slot<Won>,
    divide_info: Option<String>,
}

impl CancelRequestBuilder {
    /// `Tid`. Required.
    pub fn tid(mut self, value: impl FieldValue<Tid>) -> Self {
        self.tid = Slot::from_value(value);
        self
    }
    /// `CancelAmt`. Required.
    pub fn amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.amount = Slot::from_value(value);
        self
    }
    /// `CancelMsg` (취소사유). Required.
    pub fn reason(mut self, value: impl Into<String>) -> Self {
        self.reason = Some(value.into());
        self
    }
    /// `PartialCancelCode`: full (`0`, default) or partial (`1`).
    pub fn kind(mut self, kind: CancelKind) -> Self {
        self.kind = Some(kind);
        self
    }
    /// `CancelSeq`: 1 for the first cancel (default), 2 for the second partial cancel, ...
    pub fn sequence(mut self, sequence: u32) -> Self {
        self.sequence = Some(sequence);
        self
    }
    /// `CancelTaxAmt` (과세).
    pub fn tax_amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.tax_amount = Slot::from_value(value);
        self
    }
    /// `CancelTaxFreeAmt` (비과세).
    pub fn tax_free_amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.tax_free_amount = Slot::from_value(value);
        self
    }
    /// `CancelVatAmt` (부가세).
    pub fn vat_amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.vat_amount = Slot::from_value(value);
        self
    }
    /// `DivideInfo`, for sub-mall merchants.
    pub fn divide_info(mut self, value: impl Into<String>) -> Self {
        self.divide_info = Some(value.into());
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<CancelRequest, InvalidInput> {
        let mut v = Validator::new();
        let tid = self.tid.required(spec::TID.name, &mut v);
        let amount = self.amount.required(spec::CANCEL_AMT.name, &mut v);
        let tax_amount = self.tax_amount.optional(spec::CANCEL_TAX_AMT.name, &mut v);
        let tax_free_amount = self
            .tax_free_amount
            .optional(spec::CANCEL_TAX_FREE_AMT.name, &mut v);
        let vat_amount = self.vat_amount.optional(spec::CANCEL_VAT_AMT.name, &mut v);
        if amount == Some(Won::ZERO) {
            v.push(Violation::new(
                spec::CANCEL_AMT.name,
                Rule::Constraint("must be more than 0".into()),
            ));
        }
        if self.sequence == Some(0) {
            v.push(Violation::new(
                spec::CANCEL_SEQ.name,
                Rule::Constraint("counts from 1".into()),
            ));
        }
        v.check(&spec::CANCEL_MSG, self.reason.as_deref())
            .check(&spec::DIVIDE_INFO, self.divide_info.as_deref());
        v.finish()?;
        match (tid, amount, self.reason) {
            (Some(tid), Some(amount), Some(reason)) => Ok(CancelRequest {
                tid,
                amount,
                reason,
                kind: self.kind.unwrap_or(CancelKind::Full),
                sequence: self.sequence.unwrap_or(1),
                tax_amount,
                tax_free_amount,
                vat_amount,
                divide_info: self.divide_info,
            }),
            _ => Err(InvalidInput::single("(request)", Rule::Missing)),
        }
    }
}

/// The encrypted `paramData`, in the vendor samples' order; optional amounts are sent empty,
/// as the samples do.
#[derive(Serialize)]
#[allow(non_snake_case)]
struct ParamData<'a> {
    SERVICE_MODE: &'a str,
    Tid: &'a str,
    Mid: &'a str,
    CancelAmt: &'a str,
    CancelPwd: &'a str,
    CancelMsg: &'a str,
    CancelSeq: &'a str,
    PartialCancelCode: &'a str,
    CancelTaxAmt: &'a str,
    CancelTaxFreeAmt: &'a str,
    CancelVatAmt: &'a str,
    DivideInfo: &'a str,
    HashData: &'a str,
}

impl CancelRequest {
    /// A builder.
    pub fn builder() -> CancelRequestBuilder {
        CancelRequestBuilder::default()
    }

    /// The transaction.
    pub fn tid(&self) -> &Tid {
        &self.tid
    }

    /// The amount to cancel.
    pub fn amount(&self) -> Won {
        self.amount
    }

    /// `paramData` before encryption, validated (the cancel password included). For
    /// inspection and tests: it holds the cancel password.
    pub fn param_data(&self, credentials: &Credentials) -> Result<String, InvalidInput> {
        let amt = self.amount.to_string();
        let code = match self.kind {
            CancelKind::Full => "0",
            CancelKind::Partial => "1",
        };
        let hash = crypto::hash_data(self.tid.as_str(), &credentials.merchant_key, &amt, code);
        let seq = self.sequence.to_string();
        let won = |w: Option<Won>| w.map(|w| w.to_string()).unwrap_or_default();
        let (tax, tax_free, vat) = (
            won(self.tax_amount),
            won(self.tax_free_amount),
            won(self.vat_amount),
        );
        let password = credentials.cancel_password.as_ref().map(|p| p.expose());
        let data = ParamData {
            SERVICE_MODE: "CL1",
            Tid: self.tid.as_str(),
            Mid: credentials.mid.as_str(),
            CancelAmt: &amt,
            CancelPwd: password.unwrap_or_default(),
            CancelMsg: &self.reason,
            CancelSeq: &seq,
            PartialCancelCode: code,
            CancelTaxAmt: &tax,
            CancelTaxFreeAmt: &tax_free,
            CancelVatAmt: &vat,
            DivideInfo: self.divide_info.as_deref().unwrap_or_default(),
            HashData: hash.as_str(),
        };
        let mut v = Validator::new();
        v.check(&spec::TID, Some(data.Tid))
            .check(&spec::MID, Some(data.Mid))
            .check(&spec::CANCEL_AMT, Some(data.CancelAmt))
            .check(&spec::CANCEL_PWD, password)
            .check(&spec::CANCEL_MSG, Some(data.CancelMsg))
            .check(&spec::CANCEL_SEQ, Some(data.CancelSeq))
            .check(&spec::HASH_DATA, Some(data.HashData));
        v.finish()?;
        serde_json::to_string(&data).map_err(|e| {
            InvalidInput::single(
                "(paramData)",
                Rule::Format {
                    expected: "JSON-serialisable fields",
                    reason: e.to_string(),
                },
            )
        })
    }

    /// The HTTP request (sans-I/O): `{"EncData": AES256Cipher(paramData), "Mid": Mid}`.
    pub fn to_http(
        &self,
        credentials: &Credentials,
        environment: &Environment,
    ) -> Result<HttpRequest, Error> {
        let param_data = self.param_data(credentials)?;
        let cipher = Aes256Cipher::from_secret(&credentials.merchant_key)?;
        let body = envelope(&cipher.encrypt(&param_data), credentials.mid.as_str());
        Ok(HttpRequest::post_json(environment.cancel_url(), body))
    }
}

/// What Smartro said about a cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CancelResult {
    /// `ResultCode`.
    pub code: String,
    /// `ResultMsg`.
    pub message: String,
    /// `Tid`, when echoed.
    pub tid: Option<Tid>,
    /// `CancelAmt`, when echoed.
    pub amount: Option<Won>,
    /// `CancelDate` + `CancelTime` (or a 14-digit `CancelDate`), when sent.
    pub cancelled_at: Option<KstDateTime>,
    /// Every field but `ResultCode` and `ResultMsg`, as received.
    pub extra: BTreeMap<String, Value>,
}

/// The result of a cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "result", rename_all = "kebab-case")]
pub enum CancelOutcome {
    /// `2001` (or `2211`).
    Cancelled(CancelResult),
    /// `2013`: it had already been cancelled.
    AlreadyCancelled(CancelResult),
    /// Any other code.
    Refused(CancelResult),
}

impl CancelOutcome {
    /// What Smartro said, whatever the outcome.
    pub fn result(&self) -> &CancelResult {
        match self {
            CancelOutcome::Cancelled(r)
            | CancelOutcome::AlreadyCancelled(r)
            | CancelOutcome::Refused(r) => r,
        }
    }
}

impl CancelRequest {
    /// Reads the answer to this cancel (sans-I/O): [`parse_cancel_response`], and a cancel that
    /// took effect must report this one — an unreadable `CancelAmt` or `Tid`, or one that is not
    /// the requested amount or transaction, is an error (the client reports it as outcome
    /// unknown). Absent ones stay `None`.
    pub fn parse_response(&self, response: &HttpResponse) -> Result<CancelOutcome, ProtocolError> {
        let outcome = parse_cancel_response(response)?;
        if let CancelOutcome::Cancelled(r) = &outcome {
            let raw = |name: &str| {
                r.extra
                    .get(name)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            let problem = match (raw("CancelAmt"), raw("Tid")) {
                (Some(text), _) if r.amount.is_none() => {
                    Some(format!("CancelAmt {text:?} is not an amount"))
                }
                (_, Some(text)) if r.tid.is_none() => {
                    Some(format!("Tid {text:?} is not a transaction id"))
                }
                _ if r.amount.is_some_and(|a| a != self.amount) => Some(format!(
                    "CancelAmt {} differs from the requested {}",
                    r.amount.unwrap_or_default(),
                    self.amount
                )),
                _ if r
                    .tid
                    .as_ref()
                    .is_some_and(|t| t.as_str() != self.tid.as_str()) =>
                {
                    Some(format!(
                        "Tid {} differs from the requested {}",
                        r.tid.as_ref().map(|t| t.as_str()).unwrap_or_default(),
                        self.tid
                    ))
                }
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(response.violation(format!(
                    "ResultCode {}, but {problem}: what was cancelled is unknown",
                    r.code
                )));
            }
        }
        Ok(outcome)
    }
}

/// Reads a cancel response (sans-I/O).
pub fn parse_cancel_response(response: &HttpResponse) -> Result<CancelOutcome, ProtocolError> {
    let json = response.json_object()?;
    let code = json.text("ResultCode").ok_or_else(|| {
        json.violation("response has no ResultCode")
            .with_status(response.status)
    })?;
    let cancelled_at = match (json.text("CancelDate"), json.text("CancelTime")) {
        (Some(d), Some(t)) => KstDateTime::parse_date_and_time(&d, &t).ok(),
        (Some(d), None) => KstDateTime::parse(&d, pg_core::KstFormat::YyyyMMddHHmmss).ok(),
        _ => None,
    };
    let result = CancelResult {
        message: json.text("ResultMsg").unwrap_or_default(),
        tid: json.text("Tid").and_then(|t| Tid::received(&t).ok()),
        amount: json.text("CancelAmt").and_then(|a| Won::parse(&a).ok()),
        cancelled_at,
        // Everything but the code and message, raw, so that no value is lost to parsing.
        extra: json.extra(&["ResultCode", "ResultMsg"]),
        code,
    };
    use pg_core::result_code::{ResultOutcome, classify};
    Ok(match classify("smartro", "cancel", &result.code) {
        ResultOutcome::Success => CancelOutcome::Cancelled(result),
        ResultOutcome::AlreadyDone => CancelOutcome::AlreadyCancelled(result),
        _ => CancelOutcome::Refused(result),
    })
}
