//! Innopay SMS orders and their SMS messages; transactions and cancels of both gateways.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{Result, kst, kst_opt};

/// The state of an SMS order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderState {
    /// Texted; waiting for the buyer.
    Registered,
    /// Paid.
    Paid,
}

impl OrderState {
    fn as_str(self) -> &'static str {
        match self {
            OrderState::Registered => "registered",
            OrderState::Paid => "paid",
        }
    }
}

/// An Innopay SMS order (registered by the API or a Web-Link page).
#[derive(Debug, Clone, Serialize)]
pub struct SmsOrder {
    /// Row id.
    pub id: i64,
    /// Merchant id.
    pub mid: String,
    /// Order number (가맹점 주문번호).
    pub moid: String,
    /// `api` or `web-link`.
    pub source: String,
    /// The PgMID that serves it.
    pub pg_mid: String,
    /// Goods name (상품명).
    pub goods_name: String,
    /// Amount in won.
    pub amount: u64,
    /// Tax-free part (면세금액).
    pub duty_free: Option<u64>,
    /// Buyer (결제자 이름).
    pub buyer_name: String,
    /// Digits.
    pub buyer_tel: String,
    /// Buyer e-mail.
    pub buyer_email: String,
    /// The buyer's member id at the merchant.
    pub user_id: String,
    /// Sub-method: `03` SMS 수기, `04` SMS 인증.
    pub svc_prdt_cd: String,
    /// Payment deadline (결제마감), Unix milliseconds (KST text in JSON).
    #[serde(serialize_with = "kst")]
    pub expires_at: i64,
    /// The code of the SMS payment link (`/s/{code}`).
    pub link_code: String,
    /// Registered or paid.
    pub state: OrderState,
    /// The payment, once paid.
    pub tid: Option<String>,
    /// When registered (Unix ms).
    #[serde(serialize_with = "kst")]
    pub created_at: i64,
}

const ORDER_COLUMNS: &str = "id, mid, moid, source, pg_mid, goods_name, amount, duty_free, buyer_name, buyer_tel, buyer_email, user_id, svc_prdt_cd, expires_at, link_code, state, tid, created_at";

fn order_row(r: &Row<'_>) -> rusqlite::Result<SmsOrder> {
    Ok(SmsOrder {
        id: r.get(0)?,
        mid: r.get(1)?,
        moid: r.get(2)?,
        source: r.get(3)?,
        pg_mid: r.get(4)?,
        goods_name: r.get(5)?,
        amount: r.get(6)?,
        duty_free: r.get(7)?,
        buyer_name: r.get(8)?,
        buyer_tel: r.get(9)?,
        buyer_email: r.get(10)?,
        user_id: r.get(11)?,
        svc_prdt_cd: r.get(12)?,
        expires_at: r.get(13)?,
        link_code: r.get(14)?,
        state: if r.get::<_, String>(15)? == "paid" {
            OrderState::Paid
        } else {
            OrderState::Registered
        },
        tid: r.get(16)?,
        created_at: r.get(17)?,
    })
}

impl SmsOrder {
    /// Inserts the order; `false` when the merchant already has this `moid`.
    pub(crate) fn insert(&mut self, c: &Connection) -> Result<bool> {
        let changed = c.prepare_cached("INSERT INTO orders (mid, moid, source, pg_mid, goods_name, amount, duty_free, buyer_name, buyer_tel, buyer_email, user_id, svc_prdt_cd, expires_at, link_code, state, tid, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             ON CONFLICT (mid, moid) DO NOTHING")?.execute(params![
                self.mid, self.moid, self.source, self.pg_mid, self.goods_name, self.amount,
                self.duty_free, self.buyer_name, self.buyer_tel, self.buyer_email, self.user_id,
                self.svc_prdt_cd, self.expires_at, self.link_code, self.state.as_str(), self.tid,
                self.created_at
            ],
        )?;
        self.id = c.last_insert_rowid();
        Ok(changed == 1)
    }

    /// The order behind an SMS link.
    pub(crate) fn by_link(c: &Connection, code: &str) -> Result<Option<SmsOrder>> {
        Ok(c.prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE link_code = ?1"
        ))?
        .query_row([code], order_row)
        .optional()?)
    }

    /// Whether the merchant has an order with this `moid`.
    pub(crate) fn exists(c: &Connection, mid: &str, moid: &str) -> Result<bool> {
        Ok(
            c.prepare_cached("SELECT 1 FROM orders WHERE mid = ?1 AND moid = ?2")?
                .query_row([mid, moid], |_| Ok(()))
                .optional()?
                .is_some(),
        )
    }

    /// Marks the order paid by `tid`; `false` when it was not waiting.
    pub(crate) fn mark_paid(c: &Connection, id: i64, tid: &str) -> Result<bool> {
        Ok(c.prepare_cached(
            "UPDATE orders SET state = 'paid', tid = ?2 WHERE id = ?1 AND state = 'registered'",
        )?
        .execute(params![id, tid])?
            == 1)
    }

    /// The newest orders first.
    pub(crate) fn list(c: &Connection, limit: i64) -> Result<Vec<SmsOrder>> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], order_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// One SMS in the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct SmsMessage {
    /// Row id.
    pub id: i64,
    /// Merchant id.
    pub mid: String,
    /// Order number.
    pub moid: String,
    /// The buyer's phone, hyphenated.
    pub phone: String,
    /// The SMS text, with the link.
    pub text: String,
    /// The payment link.
    pub link: String,
    /// When sent (Unix ms).
    #[serde(serialize_with = "kst")]
    pub created_at: i64,
}

impl SmsMessage {
    /// Adds a message to the outbox.
    pub(crate) fn insert(&mut self, c: &Connection) -> Result<()> {
        c.prepare_cached("INSERT INTO sms (mid, moid, phone, text, link, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![self.mid, self.moid, self.phone, self.text, self.link, self.created_at],
        )?;
        self.id = c.last_insert_rowid();
        Ok(())
    }

    /// The newest messages first.
    pub(crate) fn list(c: &Connection, limit: i64) -> Result<Vec<SmsMessage>> {
        let mut stmt = c.prepare_cached(
            "SELECT id, mid, moid, phone, text, link, created_at FROM sms ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(SmsMessage {
                id: r.get(0)?,
                mid: r.get(1)?,
                moid: r.get(2)?,
                phone: r.get(3)?,
                text: r.get(4)?,
                link: r.get(5)?,
                created_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The state of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxState {
    /// Smartro: the buyer authenticated in the window; waiting for the approval call.
    Authenticated,
    /// Approved.
    Approved,
    /// The card company declined.
    Declined,
    /// Part of the amount is cancelled.
    PartiallyCancelled,
    /// Wholly cancelled.
    Cancelled,
}

impl TxState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TxState::Authenticated => "authenticated",
            TxState::Approved => "approved",
            TxState::Declined => "declined",
            TxState::PartiallyCancelled => "partially-cancelled",
            TxState::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> TxState {
        match text {
            "authenticated" => TxState::Authenticated,
            "declined" => TxState::Declined,
            "partially-cancelled" => TxState::PartiallyCancelled,
            "cancelled" => TxState::Cancelled,
            _ => TxState::Approved,
        }
    }
}

/// A card payment of either gateway.
#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    /// Transaction id (30 characters).
    pub tid: String,
    /// `innopay` or `smartro`.
    pub gateway: String,
    /// Merchant id.
    pub mid: String,
    /// Order number.
    pub moid: String,
    /// Approved amount in won.
    pub amount: u64,
    /// Cancelled so far.
    pub cancelled: u64,
    /// Where the payment stands.
    pub state: TxState,
    /// The last result code.
    pub result_code: String,
    /// The last result message.
    pub result_msg: String,
    /// Digits 7 to 12 masked.
    pub card_masked: String,
    /// Issuer and acquirer code.
    pub card_company: String,
    /// Installment months, two digits.
    pub quota: String,
    /// Approval number (승인번호).
    pub approval_no: String,
    /// When approved (Unix ms).
    #[serde(serialize_with = "kst_opt")]
    pub approved_at: Option<i64>,
    /// Goods name.
    pub goods_name: String,
    /// Buyer name.
    pub buyer_name: String,
    /// Buyer phone, as sent.
    pub buyer_tel: String,
    /// Buyer e-mail.
    pub buyer_email: String,
    /// Gateway-specific fields (PgMID, `MallUserId`, `MallReserved`, `EdiDate`...).
    pub details: serde_json::Value,
    /// When created (Unix ms).
    #[serde(serialize_with = "kst")]
    pub created_at: i64,
}

const TX_COLUMNS: &str = "tid, gateway, mid, moid, amount, cancelled, state, result_code, result_msg, card_masked, card_company, quota, approval_no, approved_at, goods_name, buyer_name, buyer_tel, buyer_email, details, created_at";

fn tx_row(r: &Row<'_>) -> rusqlite::Result<Transaction> {
    Ok(Transaction {
        tid: r.get(0)?,
        gateway: r.get(1)?,
        mid: r.get(2)?,
        moid: r.get(3)?,
        amount: r.get(4)?,
        cancelled: r.get(5)?,
        state: TxState::parse(&r.get::<_, String>(6)?),
        result_code: r.get(7)?,
        result_msg: r.get(8)?,
        card_masked: r.get(9)?,
        card_company: r.get(10)?,
        quota: r.get(11)?,
        approval_no: r.get(12)?,
        approved_at: r.get(13)?,
        goods_name: r.get(14)?,
        buyer_name: r.get(15)?,
        buyer_tel: r.get(16)?,
        buyer_email: r.get(17)?,
        details: serde_json::from_str(&r.get::<_, String>(18)?).unwrap_or_default(),
        created_at: r.get(19)?,
    })
}

impl Transaction {
    /// The amount not yet cancelled.
    pub fn remaining(&self) -> u64 {
        self.amount.saturating_sub(self.cancelled)
    }

    /// A text field of `details`.
    pub(crate) fn detail(&self, name: &str) -> &str {
        self.details
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    }

    /// Inserts the transaction; `false` when the tid is taken.
    pub(crate) fn insert(&self, c: &Connection) -> Result<bool> {
        Ok(c.prepare_cached(&format!(
                "INSERT INTO transactions ({TX_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                 ON CONFLICT (tid) DO NOTHING"
            ))?.execute(params![
                self.tid, self.gateway, self.mid, self.moid, self.amount, self.cancelled,
                self.state.as_str(), self.result_code, self.result_msg, self.card_masked,
                self.card_company, self.quota, self.approval_no, self.approved_at,
                self.goods_name, self.buyer_name, self.buyer_tel, self.buyer_email,
                self.details.to_string(), self.created_at
            ],
        )? == 1)
    }

    /// Saves the changing columns: state, result, approval, cancelled amount.
    pub(crate) fn update(&self, c: &Connection) -> Result<()> {
        c.prepare_cached("UPDATE transactions SET state = ?2, result_code = ?3, result_msg = ?4, approval_no = ?5,
                 approved_at = ?6, cancelled = ?7, quota = ?8 WHERE tid = ?1")?.execute(params![
                self.tid,
                self.state.as_str(),
                self.result_code,
                self.result_msg,
                self.approval_no,
                self.approved_at,
                self.cancelled,
                self.quota
            ],
        )?;
        Ok(())
    }

    /// One transaction.
    pub(crate) fn get(c: &Connection, tid: &str) -> Result<Option<Transaction>> {
        Ok(c.prepare_cached(&format!(
            "SELECT {TX_COLUMNS} FROM transactions WHERE tid = ?1"
        ))?
        .query_row([tid], tx_row)
        .optional()?)
    }

    /// Whether the merchant has an approved (or cancelled) payment for `moid`.
    pub(crate) fn paid_order_exists(c: &Connection, mid: &str, moid: &str) -> Result<bool> {
        Ok(c.prepare_cached(
            "SELECT 1 FROM transactions WHERE mid = ?1 AND moid = ?2
                 AND state IN ('approved', 'partially-cancelled', 'cancelled')",
        )?
        .query_row([mid, moid], |_| Ok(()))
        .optional()?
        .is_some())
    }

    /// The newest transactions first.
    pub(crate) fn list(c: &Connection, limit: i64) -> Result<Vec<Transaction>> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {TX_COLUMNS} FROM transactions ORDER BY created_at DESC, tid DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], tx_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A cancel of a transaction, whole or partial.
#[derive(Debug, Clone, Serialize)]
pub struct Cancel {
    /// The cancel's own transaction id.
    pub cancel_tid: String,
    /// The original transaction.
    pub tid: String,
    /// 1 for the first cancel, then 2, 3...
    pub seq: u32,
    /// Amount cancelled.
    pub amount: u64,
    /// What remains after it.
    pub remaining: u64,
    /// Whether it was a partial cancel.
    pub partial: bool,
    /// Reason (취소사유).
    pub reason: String,
    /// The cancel's approval number.
    pub approval_no: String,
    /// When (Unix ms).
    #[serde(serialize_with = "kst")]
    pub created_at: i64,
}

impl Cancel {
    /// Inserts the cancel; `false` when its tid is taken.
    pub(crate) fn insert(&self, c: &Connection) -> Result<bool> {
        Ok(c.prepare_cached("INSERT INTO cancels (cancel_tid, tid, seq, amount, remaining, partial, reason, approval_no, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (cancel_tid) DO NOTHING")?.execute(params![
                self.cancel_tid, self.tid, self.seq, self.amount, self.remaining, self.partial,
                self.reason, self.approval_no, self.created_at
            ],
        )? == 1)
    }

    /// The cancels of a transaction, first to last.
    pub(crate) fn of(c: &Connection, tid: &str) -> Result<Vec<Cancel>> {
        let mut stmt = c.prepare_cached(
            "SELECT cancel_tid, tid, seq, amount, remaining, partial, reason, approval_no, created_at
             FROM cancels WHERE tid = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([tid], |r| {
            Ok(Cancel {
                cancel_tid: r.get(0)?,
                tid: r.get(1)?,
                seq: r.get(2)?,
                amount: r.get(3)?,
                remaining: r.get(4)?,
                partial: r.get(5)?,
                reason: r.get(6)?,
                approval_no: r.get(7)?,
                created_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
