//! `POST /payment/approval/cancel.do` (PROTOCOL-NOTES): decrypts `EncData`, checks every field,
//! `HashData = Base64(SHA-256(Tid + MerchantKey + CancelAmt + PartialCancelCode))`, the cancel
//! password and the partial sequence (`CancelSeq`), refuses over-cancels, answers `2013` for a
//! payment already wholly cancelled, and queues the cancel's re-notification.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pg_core::{KstDateTime, KstFormat, Rule, Violation};
use pg_smartro::crypto::{self, constant_time_eq};
use pg_smartro::fields::cancel as spec;
use serde_json::json;

use super::envelope::{self, Unopened};
use super::renotification;
use crate::answer::{self, Refusal};
use crate::cancellation::{self as rules, CancelAsk};
use crate::clock::from_ms;
use crate::magic;
use crate::merchant::Merchant;
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{Cancel, Transaction};
use crate::wire::{WireFields, describe};

/// The endpoint.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return refuse(&Refusal::new(rules::BAD_CANCEL_PARAMETER, e), ""),
    };
    let (merchant, inner) = match envelope::open(&sim, &incoming.body, incoming.content_type()) {
        Ok(opened) => opened,
        Err(Unopened::Malformed(m) | Unopened::Store(m) | Unopened::UnknownMerchant(m)) => {
            return refuse(&Refusal::new(rules::BAD_CANCEL_PARAMETER, m), "");
        }
        Err(Unopened::Undecryptable(m)) => {
            return refuse(&Refusal::new(rules::BAD_ENC_DATA, m), "");
        }
    };
    let tid = inner.or_empty(spec::TID.name).to_owned();
    let ask = match check(&merchant, &inner) {
        Ok(ask) => ask,
        Err(refusal) => return refuse(&refusal, &tid),
    };
    let ask = CancelAsk {
        reason: inner.or_empty(spec::CANCEL_MSG.name),
        ..ask
    };
    let behaviour = magic::call_behaviour(ask.amount);
    if !behaviour.carries_out() {
        return answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), Response::default())
            .await;
    }
    let done = rules::cancel(&sim, &merchant, &tid, &ask, |m, tx, c, b| {
        renotification::build(m, tx, Some(c), b)
    });
    let answer = match done {
        Ok(Ok((tx, cancel))) => cancelled(&tx, &cancel),
        Ok(Err(refusal)) => return refuse(&refusal, &tid),
        Err(e) => {
            return refuse(
                &Refusal::new(rules::BAD_CANCEL_PARAMETER, e.to_string()),
                &tid,
            );
        }
    };
    answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), answer).await
}

/// The decrypted fields against the table, `HashData`, and the password.
fn check(merchant: &Merchant, f: &WireFields) -> Result<CancelAsk<'static>, Refusal> {
    let mut v = Vec::new();
    for s in spec::ALL {
        if s.name != spec::CANCEL_AMT.name {
            f.check(s, &mut v);
        }
    }
    let amount = f.amount(&spec::CANCEL_AMT, false, &mut v);
    if f.text(spec::SERVICE_MODE.name).is_some_and(|m| m != "CL1") {
        v.push(Violation::new(
            spec::SERVICE_MODE.name,
            Rule::Constraint("must be CL1".into()),
        ));
    }
    if f.text(spec::MID.name).is_some_and(|m| m != merchant.mid) {
        v.push(Violation::new(
            spec::MID.name,
            Rule::Constraint("must be the Mid of the envelope".into()),
        ));
    }
    let code = f.or_empty(spec::PARTIAL_CANCEL_CODE.name);
    let partial = match code {
        "0" => Some(false),
        "1" => Some(true),
        _ => {
            v.push(Violation::new(
                spec::PARTIAL_CANCEL_CODE.name,
                Rule::Format {
                    expected: "0 (whole) or 1 (partial)",
                    reason: format!("{code:?}"),
                },
            ));
            None
        }
    };
    let sequence = f.or_empty(spec::CANCEL_SEQ.name).parse::<u32>().ok();
    if !v.is_empty() {
        return Err(Refusal::new(
            rules::BAD_CANCEL_PARAMETER,
            format!("파라미터 오류: {}", describe(&v)),
        ));
    }
    let expected = crypto::hash_data(
        f.or_empty(spec::TID.name),
        &merchant.key_secret(),
        f.or_empty(spec::CANCEL_AMT.name),
        code,
    );
    if !expected.matches(f.or_empty(spec::HASH_DATA.name)) {
        return Err(Refusal::new(
            rules::BAD_HASH_DATA,
            "위·변조 검증 실패: HashData가 Base64(SHA-256(Tid + MerchantKey + CancelAmt + PartialCancelCode))와 다릅니다",
        ));
    }
    if !constant_time_eq(f.or_empty(spec::CANCEL_PWD.name), &merchant.cancel_password) {
        return Err(Refusal::new(
            rules::BAD_CANCEL_PASSWORD,
            "취소 비밀번호가 일치하지 않습니다",
        ));
    }
    Ok(CancelAsk {
        amount: amount.unwrap_or_default(),
        partial,
        sequence,
        reason: "",
    })
}

fn cancelled(tx: &Transaction, cancel: &Cancel) -> Response {
    let at = KstDateTime::from_instant(from_ms(cancel.created_at));
    answer::json(
        StatusCode::OK,
        &json!({
            "ResultCode": rules::CANCELLED,
            "ResultMsg": "취소 성공",
            "Tid": tx.tid,
            "Mid": tx.mid,
            "Moid": tx.moid,
            "PayMethod": "CARD",
            "CancelAmt": cancel.amount.to_string(),
            "RemainAmt": cancel.remaining.to_string(),
            "CancelSeq": cancel.seq.to_string(),
            "CancelTid": cancel.cancel_tid,
            "CancelAuthCode": cancel.approval_no,
            "CancelDate": at.format(KstFormat::YyyyMMdd),
            "CancelTime": at.format(KstFormat::HHmmss),
        }),
    )
}

fn refuse(refusal: &Refusal, tid: &str) -> Response {
    answer::json(
        StatusCode::OK,
        &json!({
            "ResultCode": refusal.code,
            "ResultMsg": refusal.message,
            "Tid": tid,
        }),
    )
}
