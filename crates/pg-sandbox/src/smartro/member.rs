//! `POST /payment/approval/ssbMemberDel.do` (guide "SS-PAY 회원 삭제"): decrypts `EncData` with
//! the merchant key, checks `VerifyValue = Base64(SHA-256(Mid + SspMallId + MallUserId))`, and
//! deletes the member with its cards: `PD00` (it had cards) or `PS40` (it had none).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pg_smartro::crypto;
use pg_smartro::fields::member_deletion as spec;
use serde_json::json;

use super::codes;
use super::envelope::{self, Unopened};
use crate::answer::{self, Refusal};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::Member;
use crate::wire::{WireFields, describe};

/// The endpoint.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return reply(&Refusal::new(codes::MEMBER_BAD_PARAMETER, e), "", ""),
    };
    let (merchant, inner) = match envelope::open(&sim, &incoming.body, incoming.content_type()) {
        Ok(opened) => opened,
        Err(Unopened::Malformed(m) | Unopened::Store(m)) => {
            return reply(&Refusal::new(codes::MEMBER_BAD_PARAMETER, m), "", "");
        }
        Err(Unopened::UnknownMerchant(m)) => {
            return reply(&Refusal::new(codes::MEMBER_BAD_MERCHANT, m), "", "");
        }
        Err(Unopened::Undecryptable(m)) => {
            return reply(&Refusal::new(codes::MEMBER_BAD_ENC_DATA, m), "", "");
        }
    };
    let ssp = inner.or_empty(spec::SSP_MALL_ID.name).to_owned();
    let reserved = inner.or_empty(spec::MALL_RESERVED.name).to_owned();
    let result = check(&inner).and_then(|()| {
        let mid = inner.or_empty(spec::MID.name);
        if mid != merchant.mid || merchant.ssp_mall_id.as_deref() != Some(ssp.as_str()) {
            return Err(Refusal::new(
                codes::MEMBER_BAD_MERCHANT,
                "암호화된 Mid/SspMallId가 상점 정보와 다릅니다",
            ));
        }
        let user = inner.or_empty(spec::MALL_USER_ID.name);
        if !crypto::verify_value(mid, &ssp, user).matches(inner.or_empty(spec::VERIFY_VALUE.name)) {
            return Err(Refusal::new(
                codes::MEMBER_BAD_VERIFY_VALUE,
                "VerifyValue가 Base64(SHA-256(Mid + SspMallId + MallUserId))와 다릅니다",
            ));
        }
        match sim.store.with(|c| Member::delete(c, mid, user)) {
            Ok(None) => Err(Refusal::new(
                codes::MEMBER_UNKNOWN,
                format!("회원정보가 없습니다 (MallUserId {user})"),
            )),
            Ok(Some(0)) => Ok(Refusal::new(
                codes::MEMBER_DELETED_NO_CARD,
                "등록된 카드 정보가 없어 회원 정보만 삭제했습니다",
            )),
            Ok(Some(_)) => Ok(Refusal::new(
                codes::MEMBER_DELETED,
                "회원정보와 등록된 카드 정보를 삭제했습니다",
            )),
            Err(e) => Err(Refusal::new(codes::MEMBER_BAD_PARAMETER, e.to_string())),
        }
    });
    match result {
        Ok(done) | Err(done) => reply(&done, &ssp, &reserved),
    }
}

fn check(inner: &WireFields) -> Result<(), Refusal> {
    let mut v = Vec::new();
    inner.check_all(spec::ALL, &mut v);
    if inner
        .text(spec::SERVICE_TYPE.name)
        .is_some_and(|t| t != "MD")
    {
        v.push(pg_core::Violation::new(
            spec::SERVICE_TYPE.name,
            pg_core::Rule::Constraint("must be MD (회원 삭제)".into()),
        ));
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(Refusal::new(
            codes::MEMBER_BAD_PARAMETER,
            format!("파라미터 오류: {}", describe(&v)),
        ))
    }
}

/// The answer: `SspMallId`, `ResultCode`, `ResultMsg`, and `MallReserved` as sent.
fn reply(result: &Refusal, ssp_mall_id: &str, mall_reserved: &str) -> Response {
    answer::json(
        StatusCode::OK,
        &json!({
            "SspMallId": ssp_mall_id,
            "ResultCode": result.code,
            "ResultMsg": result.message,
            "MallReserved": mall_reserved,
        }),
    )
}
