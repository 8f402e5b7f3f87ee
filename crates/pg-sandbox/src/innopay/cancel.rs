//! `POST /api/cancelApi` (manual 3.1, 3.2): whole or partial cancels (`partialCancelCode`),
//! refusing a wrong `cancelPwd` and over-cancels, `2013` for a payment already wholly cancelled;
//! the answer in the merchant's format (JSON as the real server sends, or a form, or
//! percent-encoded JSON); a cancel notification queued with it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use pg_core::form::{Escape, FormEncoder, encode_component};
use pg_core::{Charset, KstDateTime, KstFormat};
use pg_innopay::fields::cancel as spec;
use pg_smartro::crypto::constant_time_eq;

use super::{codes, notification};
use crate::answer::{self, Refusal};
use crate::cancellation::{self as rules, CancelAsk};
use crate::clock::from_ms;
use crate::magic;
use crate::merchant::{CancelReply, Gateway, Merchant};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{Cancel, Transaction};
use crate::wire::{WireFields, describe};

/// The endpoint.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return refuse(None, "", Refusal::new(rules::BAD_CANCEL_PARAMETER, e)),
    };
    if incoming.method != Method::POST {
        let mut answer = refuse(
            None,
            "",
            Refusal::new(
                rules::BAD_CANCEL_PARAMETER,
                "GET 방식은 지원하지 않습니다 (POST, application/json)",
            ),
        );
        *answer.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return answer;
    }
    let fields = match WireFields::json_or_form(&incoming.body, incoming.content_type()) {
        Ok(f) => f,
        Err(e) => {
            return refuse(
                None,
                "",
                Refusal::new(
                    rules::BAD_CANCEL_PARAMETER,
                    format!("요청을 읽을 수 없습니다: {e}"),
                ),
            );
        }
    };
    let tid = fields.or_empty(spec::TID.name).to_owned();
    let checked = match check(&sim, &fields) {
        Ok(checked) => checked,
        Err((merchant, refusal)) => return refuse(merchant.as_deref(), &tid, refusal),
    };
    let merchant = checked.merchant;
    let ask = CancelAsk {
        amount: checked.amount,
        partial: checked.partial,
        sequence: None,
        reason: &checked.reason,
    };
    let behaviour = magic::call_behaviour(ask.amount);
    if !behaviour.carries_out() {
        return answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), Response::default())
            .await;
    }
    let done = rules::cancel(&sim, &merchant, &tid, &ask, notification::cancel);
    let answer = match done {
        Ok(Ok((tx, cancel))) => cancelled(&merchant, &tx, &cancel),
        Ok(Err(refusal)) => return refuse(Some(&merchant), &tid, refusal),
        Err(e) => {
            return refuse(
                Some(&merchant),
                &tid,
                Refusal::new(codes::SYSTEM_ERROR, e.to_string()),
            );
        }
    };
    answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), answer).await
}

/// A cancel request that passed the table, the merchant and the password.
struct Checked {
    merchant: Arc<Merchant>,
    amount: u64,
    partial: Option<bool>,
    reason: String,
}

/// Every field against the table, then the merchant and its cancel password.
fn check(sim: &Sim, f: &WireFields) -> Result<Checked, (Option<Arc<Merchant>>, Refusal)> {
    let mut v = Vec::new();
    for s in [
        &spec::MID,
        &spec::TID,
        &spec::SVC_CD,
        &spec::CANCEL_MSG,
        &spec::CANCEL_PWD,
        &spec::PARTIAL_CANCEL_CODE,
        &spec::REFUND_BANK_CD,
        &spec::REFUND_ACCT_NO,
        &spec::REFUND_ACCT_NM,
    ] {
        f.check(s, &mut v);
    }
    let amount = f.amount(&spec::CANCEL_AMT, false, &mut v);
    if f.text(spec::SVC_CD.name).is_some_and(|s| s != "01") {
        v.push(pg_core::Violation::new(
            spec::SVC_CD.name,
            pg_core::Rule::Constraint("must be 01 (01 고정)".into()),
        ));
    }
    let partial = match f.text(spec::PARTIAL_CANCEL_CODE.name) {
        None => None,
        Some("0") => Some(false),
        Some("1") => Some(true),
        Some(other) => {
            v.push(pg_core::Violation::new(
                spec::PARTIAL_CANCEL_CODE.name,
                pg_core::Rule::Format {
                    expected: "0 (whole) or 1 (partial)",
                    reason: format!("{other:?}"),
                },
            ));
            None
        }
    };
    if !v.is_empty() {
        return Err((
            None,
            Refusal::new(
                rules::BAD_CANCEL_PARAMETER,
                format!("파라미터 오류: {}", describe(&v)),
            ),
        ));
    }
    let merchant = match sim.merchant(Gateway::Innopay, f.or_empty(spec::MID.name)) {
        Ok(Some(m)) => m,
        Ok(None) => {
            return Err((
                None,
                Refusal::new(codes::UNKNOWN_MERCHANT, "등록되지 않은 상점입니다"),
            ));
        }
        Err(e) => return Err((None, Refusal::new(codes::SYSTEM_ERROR, e.to_string()))),
    };
    if !constant_time_eq(f.or_empty(spec::CANCEL_PWD.name), &merchant.cancel_password) {
        return Err((
            Some(merchant),
            Refusal::new(
                rules::BAD_CANCEL_PASSWORD,
                "취소비밀번호가 일치하지 않습니다",
            ),
        ));
    }
    Ok(Checked {
        merchant,
        amount: amount.unwrap_or_default(),
        partial,
        reason: f.or_empty(spec::CANCEL_MSG.name).to_owned(),
    })
}

/// The success answer (3.2, with the fields real answers add).
fn cancelled(merchant: &Merchant, tx: &Transaction, cancel: &Cancel) -> Response {
    let at = KstDateTime::from_instant(from_ms(cancel.created_at));
    let fields = vec![
        ("pgTid", tx.tid.clone()),
        ("resultCode", rules::CANCELLED.to_owned()),
        ("resultMsg", "취소 성공".to_owned()),
        ("pgApprovalAmt", cancel.amount.to_string()),
        ("pgAppDate", at.format(KstFormat::YyyyMMdd)),
        ("pgAppTime", at.format(KstFormat::HHmmss)),
        ("pgResultCode", "2001".to_owned()),
        ("pgResultMsg", "취소성공".to_owned()),
        ("pgApprovalNo", cancel.approval_no.clone()),
        (
            "stateCd",
            if cancel.remaining == 0 { "1" } else { "2" }.to_owned(),
        ),
    ];
    reply(merchant.cancel_reply, &fields)
}

/// A refusal, in the merchant's format when the merchant is known.
fn refuse(merchant: Option<&Merchant>, tid: &str, refusal: Refusal) -> Response {
    let fields = vec![
        ("pgTid", tid.to_owned()),
        ("resultCode", refusal.code.to_owned()),
        ("resultMsg", refusal.message),
        ("pgApprovalAmt", String::new()),
        ("pgAppDate", String::new()),
        ("pgAppTime", String::new()),
    ];
    reply(
        merchant.map_or(CancelReply::Json, |m| m.cancel_reply),
        &fields,
    )
}

fn reply(format: CancelReply, fields: &[(&str, String)]) -> Response {
    let object: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(n, v)| ((*n).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    let json = serde_json::Value::Object(object);
    match format {
        CancelReply::Json => answer::json(StatusCode::OK, &json),
        CancelReply::Form => {
            let mut e = FormEncoder::new(Charset::Utf8);
            for (n, v) in fields {
                // UTF-8 encodes every text.
                let _ = e.append(n, v);
            }
            answer::with_type(
                StatusCode::OK,
                e.finish().into_bytes(),
                "application/x-www-form-urlencoded; charset=UTF-8",
            )
        }
        CancelReply::PercentJson => {
            let mut out = String::new();
            let _ = encode_component(
                &json.to_string(),
                Charset::Utf8,
                Escape::QueryValue,
                &mut out,
            );
            answer::with_type(StatusCode::OK, out.into_bytes(), "text/plain;charset=UTF-8")
        }
    }
}
