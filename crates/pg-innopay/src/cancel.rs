//! Card cancel API (manual 3.1, 3.2): `POST /api/cancelApi` with JSON; full or partial, with
//! optional refund account. The answer arrives as JSON (as in the manual's example and real
//! captures), as a form (as the manual's table says), or as percent-encoded JSON — all accepted.

use std::collections::BTreeMap;

use pg_core::field_spec::{Rule, Validator};
use pg_core::form::{Form, FormLimits, percent_decode};
use pg_core::json::JsonObject;
use pg_core::{
    CancelKind, FieldValue, InvalidInput, KstDateTime, Mid, ProtocolError, Secret, Slot, Tid, Won,
};
use pg_http::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::config::Environment;
use crate::generated::fields::cancel as spec;

/// A refund account (환불계좌), for cancels that refund to a bank account.
#[derive(Debug, Clone)]
pub struct RefundAccount {
    /// `refundBankCd`, the bank code.
    pub bank_code: String,
    /// `refundAcctNo`, the account number.
    pub account_number: Secret,
    /// `refundAcctNm`, the account holder.
    pub holder: String,
}

/// A validated cancel request. Build one with [`CancelRequest::builder`].
#[derive(Debug, Clone)]
pub struct CancelRequest {
    tid: Tid,
    amount: Won,
    reason: String,
    kind: Option<CancelKind>,
    refund: Option<RefundAccount>,
}

/// Builder for [`CancelRequest`].
#[derive(Debug, Clone, Default)]
pub struct CancelRequestBuilder {
    tid: Slot<Tid>,
    amount: Slot<Won>,
    reason: Option<String>,
    kind: Option<CancelKind>,
    refund: Option<RefundAccount>,
}

impl CancelRequestBuilder {
    /// `tid`, the transaction (거래고유번호). Required.
    pub fn tid(mut self, value: impl FieldValue<Tid>) -> Self {
        self.tid = Slot::from_value(value);
        self
    }
    /// `cancelAmt` (취소금액). Required.
    pub fn amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.amount = Slot::from_value(value);
        self
    }
    /// `cancelMsg` (취소사유). Required.
    pub fn reason(mut self, value: impl Into<String>) -> Self {
        self.reason = Some(value.into());
        self
    }
    /// `partialCancelCode`: `0` full, `1` partial. Not sent unless set.
    pub fn kind(mut self, kind: CancelKind) -> Self {
        self.kind = Some(kind);
        self
    }
    /// The refund account (`refundBankCd`, `refundAcctNo`, `refundAcctNm`).
    pub fn refund_account(mut self, account: RefundAccount) -> Self {
        self.refund = Some(account);
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<CancelRequest, InvalidInput> {
        let mut v = Validator::new();
        let tid = self.tid.required(spec::TID.name, &mut v);
        let amount = self.amount.required(spec::CANCEL_AMT.name, &mut v);
        if amount == Some(Won::ZERO) {
            v.push(pg_core::Violation::new(
                spec::CANCEL_AMT.name,
                Rule::Constraint("must be more than 0".into()),
            ));
        }
        v.check(&spec::CANCEL_MSG, self.reason.as_deref());
        check_refund(self.refund.as_ref(), &mut v);
        v.finish()?;
        match (tid, amount, self.reason) {
            (Some(tid), Some(amount), Some(reason)) => Ok(CancelRequest {
                tid,
                amount,
                reason,
                kind: self.kind,
                refund: self.refund,
            }),
            _ => Err(InvalidInput::single("(request)", Rule::Missing)),
        }
    }
}

fn check_refund(refund: Option<&RefundAccount>, v: &mut Validator) {
    if let Some(r) = refund {
        v.check(&spec::REFUND_BANK_CD, Some(&r.bank_code));
        v.check(&spec::REFUND_ACCT_NO, Some(r.account_number.expose()));
        v.check(&spec::REFUND_ACCT_NM, Some(&r.holder));
    }
}

/// The JSON body, in the manual's field order; the optional fields only when set.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    mid: &'a str,
    tid: &'a str,
    svc_cd: &'a str,
    cancel_amt: &'a str,
    cancel_msg: &'a str,
    cancel_pwd: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_cancel_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_bank_cd: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_acct_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_acct_nm: Option<&'a str>,
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

    /// The HTTP request (sans-I/O), validated against the manual's table.
    pub fn to_http(
        &self,
        mid: &Mid,
        cancel_password: Option<&Secret>,
        environment: &Environment,
    ) -> Result<HttpRequest, InvalidInput> {
        let amount = self.amount.to_string();
        let password = cancel_password.map(Secret::expose);
        let wire = Wire {
            mid: mid.as_str(),
            tid: self.tid.as_str(),
            svc_cd: "01",
            cancel_amt: &amount,
            cancel_msg: &self.reason,
            cancel_pwd: password.unwrap_or_default(),
            partial_cancel_code: self.kind.map(|k| match k {
                CancelKind::Full => "0",
                CancelKind::Partial => "1",
            }),
            refund_bank_cd: self.refund.as_ref().map(|r| r.bank_code.as_str()),
            refund_acct_no: self.refund.as_ref().map(|r| r.account_number.expose()),
            refund_acct_nm: self.refund.as_ref().map(|r| r.holder.as_str()),
        };
        let mut v = Validator::new();
        v.check(&spec::MID, Some(wire.mid))
            .check(&spec::TID, Some(wire.tid))
            .check(&spec::SVC_CD, Some(wire.svc_cd))
            .check(&spec::CANCEL_AMT, Some(wire.cancel_amt))
            .check(&spec::CANCEL_MSG, Some(wire.cancel_msg))
            .check(&spec::CANCEL_PWD, password)
            .check(&spec::PARTIAL_CANCEL_CODE, wire.partial_cancel_code);
        check_refund(self.refund.as_ref(), &mut v);
        v.finish()?;
        let body = serde_json::to_vec(&wire).map_err(|e| {
            InvalidInput::single(
                "(request)",
                Rule::Format {
                    expected: "JSON-serialisable fields",
                    reason: e.to_string(),
                },
            )
        })?;
        Ok(HttpRequest::post_json(environment.cancel_url(), body))
    }

    /// Reads the response (sans-I/O): JSON, form, or percent-encoded JSON. A cancel that took
    /// effect must report this cancel: an unreadable `pgApprovalAmt` or `pgTid`, or one that is
    /// not the requested amount or transaction, is an error (the client reports it as outcome
    /// unknown). Absent ones stay `None`: never filled from the request.
    pub fn parse_response(&self, response: &HttpResponse) -> Result<CancelOutcome, ProtocolError> {
        let outcome = parse_cancel_response(response)?;
        if let CancelOutcome::Cancelled(r) = &outcome {
            let problem = if let Some(raw) = r.extra.get("pgApprovalAmt") {
                Some(format!("pgApprovalAmt {raw:?} is not an amount"))
            } else if let Some(raw) = r.extra.get("pgTid") {
                Some(format!("pgTid {raw:?} is not a transaction id"))
            } else if r.amount.is_some_and(|a| a != self.amount) {
                Some(format!(
                    "pgApprovalAmt {} differs from the requested cancelAmt {}",
                    r.amount.unwrap_or_default(),
                    self.amount
                ))
            } else if r
                .tid
                .as_ref()
                .is_some_and(|t| t.as_str() != self.tid.as_str())
            {
                Some(format!(
                    "pgTid {} differs from the requested tid {}",
                    r.tid.as_ref().map(|t| t.as_str()).unwrap_or_default(),
                    self.tid
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(response.violation(format!(
                    "resultCode {}, but {problem}: what was cancelled is unknown",
                    r.code
                )));
            }
        }
        Ok(outcome)
    }
}

/// What the gateway said about a cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CancelResult {
    /// `pgTid`.
    pub tid: Option<Tid>,
    /// `resultCode`.
    pub code: String,
    /// `resultMsg`.
    pub message: String,
    /// `pgApprovalAmt`, the amount cancelled.
    pub amount: Option<Won>,
    /// `pgAppDate` + `pgAppTime`, when it was cancelled (KST).
    pub cancelled_at: Option<KstDateTime>,
    /// `pgResultCode`, the underlying PG's code.
    pub pg_result_code: Option<String>,
    /// `pgResultMsg`.
    pub pg_result_message: Option<String>,
    /// `pgApprovalNo`.
    pub pg_approval_number: Option<String>,
    /// `stateCd`.
    pub state_code: Option<String>,
    /// Fields the manual does not list, and listed fields whose value could not be read, as
    /// received.
    pub extra: BTreeMap<String, String>,
}

/// The result of a cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "result", rename_all = "kebab-case")]
pub enum CancelOutcome {
    /// `2001` cancelled, or `2211` refunded.
    Cancelled(CancelResult),
    /// `2013`: it had already been cancelled. A retried cancel lands here.
    AlreadyCancelled(CancelResult),
    /// Any other code.
    Refused(CancelResult),
}

impl CancelOutcome {
    /// What the gateway said, whatever the outcome.
    pub fn result(&self) -> &CancelResult {
        match self {
            CancelOutcome::Cancelled(r)
            | CancelOutcome::AlreadyCancelled(r)
            | CancelOutcome::Refused(r) => r,
        }
    }
}

/// The fields of a response, however it was encoded.
enum Fields<'a> {
    Json(JsonObject<'a>),
    Form(Form<'a>),
}

impl Fields<'_> {
    fn text(&self, name: &str) -> Option<String> {
        match self {
            Fields::Json(j) => j.text(name),
            Fields::Form(f) => f.text(name).map(str::to_owned),
        }
    }

    fn all(&self) -> Vec<(String, String)> {
        match self {
            Fields::Json(j) => j
                .map()
                .keys()
                .filter_map(|k| j.text(k).map(|v| (k.clone(), v)))
                .collect(),
            Fields::Form(f) => f
                .pairs()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
        }
    }
}

fn parse_cancel_response(response: &HttpResponse) -> Result<CancelOutcome, ProtocolError> {
    let raw = response.body.trim_ascii();
    let violation = |what: String| response.violation(what);
    let decoded;
    let fields = if raw.starts_with(b"{") {
        Fields::Json(response.json_object()?)
    } else if raw.len() >= 3 && raw[..3].eq_ignore_ascii_case(b"%7B") {
        decoded =
            percent_decode(raw).map_err(|e| violation(format!("percent-encoded body: {e}")))?;
        Fields::Json(JsonObject::parse(&decoded).map_err(|e| e.with_status(response.status))?)
    } else {
        Fields::Form(
            Form::parse_with_content_type(raw, response.content_type(), &FormLimits::default())
                .map_err(|e| violation(format!("form body: {e}")))?,
        )
    };
    let code = fields
        .text("resultCode")
        .ok_or_else(|| violation("response has no resultCode".into()))?;
    let mut extra: BTreeMap<String, String> = fields
        .all()
        .into_iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .map(|(k, v)| {
            let shown = pg_core::mask::field_value(&k, &v).into_owned();
            (k, shown)
        })
        .collect();
    let amount = fields
        .text("pgApprovalAmt")
        .and_then(|t| match Won::parse(&t) {
            Ok(w) => Some(w),
            Err(_) => {
                extra.insert("pgApprovalAmt".into(), t);
                None
            }
        });
    let tid = fields.text("pgTid").and_then(|t| match Tid::received(&t) {
        Ok(tid) => Some(tid),
        Err(_) => {
            extra.insert("pgTid".into(), t);
            None
        }
    });
    let cancelled_at = match (fields.text("pgAppDate"), fields.text("pgAppTime")) {
        (Some(d), Some(t)) => KstDateTime::parse_date_and_time(&d, &t).ok(),
        _ => None,
    };
    let result = CancelResult {
        tid,
        message: fields.text("resultMsg").unwrap_or_default(),
        amount,
        cancelled_at,
        pg_result_code: fields.text("pgResultCode"),
        pg_result_message: fields.text("pgResultMsg"),
        pg_approval_number: fields.text("pgApprovalNo"),
        state_code: fields.text("stateCd"),
        extra,
        code,
    };
    use pg_core::result_code::{ResultOutcome, classify};
    Ok(match classify("innopay", "cancel", &result.code) {
        ResultOutcome::Success => CancelOutcome::Cancelled(result),
        ResultOutcome::AlreadyDone => CancelOutcome::AlreadyCancelled(result),
        _ => CancelOutcome::Refused(result),
    })
}

const KNOWN: &[&str] = &[
    "pgTid",
    "resultCode",
    "resultMsg",
    "pgApprovalAmt",
    "pgAppDate",
    "pgAppTime",
    "pgResultCode",
    "pgResultMsg",
    "pgApprovalNo",
    "stateCd",
];
