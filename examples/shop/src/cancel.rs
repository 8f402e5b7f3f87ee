//! Cancels at either gateway, as the order's payment was made.

use pg_core::{CancelKind, Won};

use crate::AppState;
use crate::db::Order;

/// Cancels `amount` of the order's payment `tid` at its gateway (`previous`: cancels made
/// before, which numbers Smartro's `CancelSeq`). `Ok` with the gateway's answer when the money
/// is returned (or was already); otherwise why not, in words for the staff.
pub(crate) async fn at_gateway(
    state: &AppState,
    order: &Order,
    tid: &str,
    amount: Won,
    reason: &str,
    kind: CancelKind,
    previous: i64,
) -> Result<String, String> {
    let unknown = |e: &pg_core::Error| {
        if e.is_outcome_unknown() {
            format!(
                "취소 결과를 알 수 없습니다 ({e}). 취소 통보가 오면 주문에 반영됩니다 — 다시 취소하기 전에 확인해 주세요."
            )
        } else {
            format!("취소를 요청하지 못했습니다: {e}")
        }
    };
    match order.gateway.as_str() {
        "innopay" => {
            let client = state
                .innopay
                .as_ref()
                .ok_or("이노페이가 설정되지 않았습니다.")?;
            let request = pg_innopay::cancel::CancelRequest::builder()
                .tid(tid)
                .amount(amount)
                .reason(reason)
                .kind(kind)
                .build()
                .map_err(|e| e.to_string())?;
            match client.cancel(&request).await.map_err(|e| unknown(&e))? {
                pg_innopay::cancel::CancelOutcome::Cancelled(r)
                | pg_innopay::cancel::CancelOutcome::AlreadyCancelled(r) => {
                    Ok(format!("[{}] {}", r.code, r.message))
                }
                pg_innopay::cancel::CancelOutcome::Refused(r) => Err(format!(
                    "이노페이가 취소를 거절했습니다: [{}] {}",
                    r.code, r.message
                )),
            }
        }
        _ => {
            let client = state
                .smartro
                .as_ref()
                .ok_or("스마트로페이가 설정되지 않았습니다.")?;
            let mut builder = pg_smartro::cancel::CancelRequest::builder()
                .tid(tid)
                .amount(amount)
                .reason(reason)
                .kind(kind);
            if kind == CancelKind::Partial {
                builder = builder.sequence(u32::try_from(previous + 1).unwrap_or(1));
            }
            let request = builder.build().map_err(|e| e.to_string())?;
            match client.cancel(&request).await.map_err(|e| unknown(&e))? {
                pg_smartro::cancel::CancelOutcome::Cancelled(r)
                | pg_smartro::cancel::CancelOutcome::AlreadyCancelled(r) => {
                    Ok(format!("[{}] {}", r.code, r.message))
                }
                pg_smartro::cancel::CancelOutcome::Refused(r) => Err(format!(
                    "스마트로가 취소를 거절했습니다: [{}] {}",
                    r.code, r.message
                )),
            }
        }
    }
}
