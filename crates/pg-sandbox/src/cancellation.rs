//! Cancelling a card payment, whole or in part, for both gateways: the rules, the codes, and the
//! state change (a cancel with its own transaction id; the payment's remaining amount).
//!
//! Codes `2001` (cancelled), `2013` (already cancelled) and `2026` (failed) are the vendors'
//! (PROTOCOL-NOTES); the others are the simulator's own, documented in the README.

use rusqlite::Connection;

use crate::answer::Refusal;
use crate::ids::TidKind;
use crate::magic::{self, NotifyBehaviour};
use crate::merchant::Merchant;
use crate::outbox;
use crate::sim::Sim;
use crate::store::{Cancel, NewDelivery, Result, Transaction, TxState};

/// Cancelled (취소 성공).
pub(crate) const CANCELLED: &str = "2001";
/// Already cancelled (기취소 거래).
pub(crate) const ALREADY_CANCELLED: &str = "2013";
/// The payment cannot be cancelled: it was never approved (취소 불가 거래).
pub(crate) const CANCEL_FAILED: &str = "2026";
/// More than the remaining amount (취소금액 초과).
pub(crate) const OVER_CANCEL: &str = "2031";
/// Wrong cancel password (취소비밀번호 불일치).
pub(crate) const BAD_CANCEL_PASSWORD: &str = "2032";
/// No such transaction for this merchant (원거래 없음).
pub(crate) const UNKNOWN_TRANSACTION: &str = "2033";
/// A whole cancel (`0`) of an amount that is not the whole remainder (전체취소 금액 불일치).
pub(crate) const NOT_WHOLE_REMAINDER: &str = "2034";
/// A field breaks the table (취소 파라미터 오류).
pub(crate) const BAD_CANCEL_PARAMETER: &str = "2035";
/// Smartro: `HashData` does not verify (위변조 검증 실패).
pub(crate) const BAD_HASH_DATA: &str = "2036";
/// Smartro: `EncData` cannot be decrypted with the merchant key (복호화 실패).
pub(crate) const BAD_ENC_DATA: &str = "2037";
/// Smartro: `CancelSeq` is not the next cancel's number (취소차수 오류).
pub(crate) const BAD_SEQUENCE: &str = "2038";

/// What the merchant asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CancelAsk<'a> {
    pub(crate) amount: u64,
    /// `partialCancelCode`: `Some(false)` whole, `Some(true)` partial, `None` not sent (a cancel
    /// of the whole remainder is then whole, anything less partial).
    pub(crate) partial: Option<bool>,
    /// Smartro `CancelSeq`, checked when given.
    pub(crate) sequence: Option<u32>,
    pub(crate) reason: &'a str,
}

/// Checks a cancel against the payment: `Ok(partial)` or the refusal.
pub(crate) fn check(
    c: &Connection,
    tx: &Transaction,
    ask: &CancelAsk<'_>,
) -> Result<std::result::Result<bool, Refusal>> {
    let refuse = |code, message: String| Ok(Err(Refusal::new(code, message)));
    match tx.state {
        TxState::Cancelled => {
            return refuse(ALREADY_CANCELLED, "이미 취소된 거래입니다".into());
        }
        TxState::Authenticated | TxState::Declined => {
            return refuse(
                CANCEL_FAILED,
                format!("취소할 수 없는 거래입니다 (상태 {})", tx.state.as_str()),
            );
        }
        TxState::Approved | TxState::PartiallyCancelled => {}
    }
    let remaining = tx.remaining();
    if ask.amount > remaining {
        return refuse(
            OVER_CANCEL,
            format!(
                "취소금액({})이 취소가능금액({remaining})을 초과합니다",
                ask.amount
            ),
        );
    }
    let partial = match ask.partial {
        Some(false) if ask.amount != remaining => {
            return refuse(
                NOT_WHOLE_REMAINDER,
                format!(
                    "전체취소(0)는 남은 금액 전부({remaining})여야 합니다: 부분취소는 partialCancelCode 1"
                ),
            );
        }
        Some(partial) => partial,
        None => ask.amount < remaining,
    };
    if let Some(seq) = ask.sequence {
        let expected = Cancel::of(c, &tx.tid)?.len() as u32 + 1;
        if seq != expected {
            return refuse(
                BAD_SEQUENCE,
                format!("취소차수 오류: CancelSeq {seq}, 기대값 {expected}"),
            );
        }
    }
    Ok(Ok(partial))
}

/// Applies a checked cancel: a cancel record with its own tid, the payment's new remainder and
/// state. Returns the cancel.
pub(crate) fn apply(
    sim: &Sim,
    c: &Connection,
    tx: &mut Transaction,
    ask: &CancelAsk<'_>,
    partial: bool,
) -> Result<Cancel> {
    let now = sim.now_ms();
    let seq = Cancel::of(c, &tx.tid)?.len() as u32 + 1;
    tx.cancelled += ask.amount;
    tx.state = if tx.remaining() == 0 {
        TxState::Cancelled
    } else {
        TxState::PartiallyCancelled
    };
    tx.update(c)?;
    loop {
        let cancel = Cancel {
            cancel_tid: sim.ids(|ids| ids.tid(&tx.mid, TidKind::Cancel, sim.now_kst())),
            tid: tx.tid.clone(),
            seq,
            amount: ask.amount,
            remaining: tx.remaining(),
            partial,
            reason: ask.reason.to_owned(),
            approval_no: sim.ids(|ids| ids.approval_number()),
            created_at: now,
        };
        if cancel.insert(c)? {
            return Ok(cancel);
        }
    }
}

/// Cancels `tid` of `merchant` as `ask` says, in one transaction with the notification `notify`
/// builds: the payment and its new cancel, or the refusal. Wakes the scheduler when it cancels.
pub(crate) fn cancel(
    sim: &Sim,
    merchant: &Merchant,
    tid: &str,
    ask: &CancelAsk<'_>,
    notify: impl Fn(&Merchant, &Transaction, &Cancel, NotifyBehaviour) -> NewDelivery,
) -> Result<std::result::Result<(Transaction, Cancel), Refusal>> {
    let done = sim.store.with(|c| {
        let Some(mut tx) = Transaction::get(c, tid)?
            .filter(|t| t.gateway == merchant.gateway.as_str() && t.mid == merchant.mid)
        else {
            return Ok(Err(Refusal::new(
                UNKNOWN_TRANSACTION,
                format!("원거래가 없습니다 (Tid {tid})"),
            )));
        };
        let partial = match check(c, &tx, ask)? {
            Ok(partial) => partial,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let cancel = apply(sim, c, &mut tx, ask, partial)?;
        let behaviour = magic::notify_behaviour(tx.amount);
        let delivery = notify(merchant, &tx, &cancel, behaviour);
        outbox::queue(c, merchant, delivery, behaviour, sim.now_ms())?;
        Ok(Ok((tx, cancel)))
    })?;
    if done.is_ok() {
        sim.wake.notify_one();
    }
    Ok(done)
}
