//! The shop's own tables, beside pg-notify's events in one SQLite file, so that a notification
//! handler marks an order paid in the event's own transaction.
//!
//! - `shop_orders`: one row per order, with its state (`requested`, `paid`,
//!   `partially-cancelled`, `cancelled`, `abandoned`, `refused`), its payment's `tid`, and how
//!   much has been cancelled.
//! - `shop_cancels`: each cancel once, whichever side told the shop first — the cancel API's
//!   answer (`source` `shop`) or the gateway's cancel notification (`source` `gateway`, with the
//!   event's key as `reference`). The other side, when it comes, confirms the row instead of
//!   adding another.
//! - `shop_history`: what happened to an order, for the order page.

use pg_notify::sql::{ColumnType as C, SqlConn, SqlValue, StoreError};
use serde::Serialize;

/// The schema (SQLite).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS shop_orders (
    moid TEXT PRIMARY KEY,
    gateway TEXT NOT NULL,
    channel TEXT NOT NULL,
    goods_name TEXT NOT NULL,
    amount INTEGER NOT NULL,
    buyer_name TEXT NOT NULL,
    buyer_phone TEXT NOT NULL,
    buyer_email TEXT,
    state TEXT NOT NULL,
    tid TEXT,
    cancelled_amount INTEGER NOT NULL DEFAULT 0,
    deadline TEXT,
    note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_cancels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    moid TEXT NOT NULL,
    amount INTEGER NOT NULL,
    source TEXT NOT NULL,
    reference TEXT UNIQUE,
    confirmed INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    moid TEXT NOT NULL,
    at TEXT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_history_moid ON shop_history (moid);
";

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// Order number, sent to the gateway as `moid`/`Moid`.
    pub moid: String,
    /// `innopay` or `smartro`.
    pub gateway: String,
    /// `sms`, `web-link`, `pc` or `mobile`.
    pub channel: String,
    /// Goods name.
    pub goods_name: String,
    /// Amount in won.
    pub amount: i64,
    /// Buyer.
    pub buyer_name: String,
    /// Buyer's mobile number, digits.
    pub buyer_phone: String,
    /// Buyer's e-mail.
    pub buyer_email: Option<String>,
    /// `requested`, `paid`, `partially-cancelled`, `cancelled`, `abandoned` or `refused`.
    pub state: String,
    /// The payment's transaction id, once paid.
    pub tid: Option<String>,
    /// Cancelled so far, in won.
    pub cancelled_amount: i64,
    /// SMS payment deadline (KST), when there is one.
    pub deadline: Option<String>,
    /// The last thing the gateway said (the SMS text, a refusal).
    pub note: Option<String>,
    /// Created (KST).
    pub created_at: String,
    /// Last changed (KST).
    pub updated_at: String,
}

/// What a new order is made of, before the gateway hears of it.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder<'a> {
    pub(crate) moid: &'a str,
    pub(crate) gateway: &'static str,
    pub(crate) channel: &'static str,
    pub(crate) product: crate::Product,
    pub(crate) buyer_name: &'a str,
    pub(crate) buyer_phone: &'a pg_core::PhoneNumber,
    pub(crate) buyer_email: Option<&'a str>,
    pub(crate) deadline: Option<String>,
}

impl Order {
    /// A new order, `requested` at `now`.
    pub(crate) fn requested(new: NewOrder<'_>, now: &str) -> Order {
        Order {
            moid: new.moid.to_owned(),
            gateway: new.gateway.into(),
            channel: new.channel.into(),
            goods_name: new.product.name.into(),
            amount: new.product.price,
            buyer_name: new.buyer_name.trim().into(),
            buyer_phone: new.buyer_phone.digits().to_owned(),
            buyer_email: new
                .buyer_email
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned),
            state: "requested".into(),
            tid: None,
            cancelled_amount: 0,
            deadline: new.deadline,
            note: None,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }

    /// What can still be cancelled.
    pub fn remaining(&self) -> i64 {
        if matches!(self.state.as_str(), "paid" | "partially-cancelled") {
            self.amount - self.cancelled_amount
        } else {
            0
        }
    }
}

const ORDER_COLUMNS: &str = "moid, gateway, channel, goods_name, amount, buyer_name, buyer_phone, \
    buyer_email, state, tid, cancelled_amount, deadline, note, created_at, updated_at";
const ORDER_TYPES: [C; 15] = [
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Int,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Int,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
];

fn order_of(row: &[SqlValue]) -> Order {
    let text = |i: usize| row[i].as_str().map(str::to_owned);
    Order {
        moid: text(0).unwrap_or_default(),
        gateway: text(1).unwrap_or_default(),
        channel: text(2).unwrap_or_default(),
        goods_name: text(3).unwrap_or_default(),
        amount: row[4].as_i64().unwrap_or_default(),
        buyer_name: text(5).unwrap_or_default(),
        buyer_phone: text(6).unwrap_or_default(),
        buyer_email: text(7),
        state: text(8).unwrap_or_default(),
        tid: text(9),
        cancelled_amount: row[10].as_i64().unwrap_or_default(),
        deadline: text(11),
        note: text(12),
        created_at: text(13).unwrap_or_default(),
        updated_at: text(14).unwrap_or_default(),
    }
}

/// Runs `work` in a transaction of its own (the shop's writes outside a notification).
pub(crate) fn transaction<T>(
    conn: &mut dyn SqlConn,
    work: impl FnOnce(&mut dyn SqlConn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.batch("BEGIN IMMEDIATE")?;
    match work(conn) {
        Ok(v) => {
            conn.batch("COMMIT")?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Adds a line to an order's history.
pub(crate) fn log(
    conn: &mut dyn SqlConn,
    moid: &str,
    what: &str,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO shop_history (moid, at, what) VALUES ($1, $2, $3)",
        &[
            SqlValue::from(moid),
            SqlValue::from(now),
            SqlValue::from(what),
        ],
    )?;
    Ok(())
}

/// Stores a new order (`requested`).
pub(crate) fn insert(conn: &mut dyn SqlConn, order: &Order) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "INSERT INTO shop_orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ),
        &[
            SqlValue::from(order.moid.as_str()),
            SqlValue::from(order.gateway.as_str()),
            SqlValue::from(order.channel.as_str()),
            SqlValue::from(order.goods_name.as_str()),
            SqlValue::from(order.amount),
            SqlValue::from(order.buyer_name.as_str()),
            SqlValue::from(order.buyer_phone.as_str()),
            SqlValue::from(order.buyer_email.clone()),
            SqlValue::from(order.state.as_str()),
            SqlValue::from(order.tid.clone()),
            SqlValue::from(order.cancelled_amount),
            SqlValue::from(order.deadline.clone()),
            SqlValue::from(order.note.clone()),
            SqlValue::from(order.created_at.as_str()),
            SqlValue::from(order.updated_at.as_str()),
        ],
    )?;
    log(conn, &order.moid, "주문 생성", &order.created_at)
}

/// One order.
pub(crate) fn order(conn: &mut dyn SqlConn, moid: &str) -> Result<Option<Order>, StoreError> {
    Ok(conn
        .query_one(
            &format!("SELECT {ORDER_COLUMNS} FROM shop_orders WHERE moid = $1"),
            &[SqlValue::from(moid)],
            &ORDER_TYPES,
        )?
        .map(|r| order_of(&r)))
}

/// The newest orders first.
pub(crate) fn orders(conn: &mut dyn SqlConn, limit: i64) -> Result<Vec<Order>, StoreError> {
    Ok(conn
        .query(
            &format!(
                "SELECT {ORDER_COLUMNS} FROM shop_orders ORDER BY created_at DESC, moid DESC LIMIT $1"
            ),
            &[SqlValue::from(limit)],
            &ORDER_TYPES,
        )?
        .iter()
        .map(|r| order_of(r))
        .collect())
}

/// An order's history, oldest first: (when, what).
pub(crate) fn history(
    conn: &mut dyn SqlConn,
    moid: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(conn
        .query(
            "SELECT at, what FROM shop_history WHERE moid = $1 ORDER BY id",
            &[SqlValue::from(moid)],
            &[C::Text, C::Text],
        )?
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

/// Moves an order to `state` only from one of `from`; records `note` and a history line.
/// Returns whether it moved.
pub(crate) fn transition(
    conn: &mut dyn SqlConn,
    moid: &str,
    from: &[&str],
    state: &str,
    note: Option<&str>,
    now: &str,
) -> Result<bool, StoreError> {
    let list = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let changed = conn.execute(
        &format!(
            "UPDATE shop_orders SET state = $2, note = COALESCE($3, note), updated_at = $4 \
             WHERE moid = $1 AND state IN ({list})"
        ),
        &[
            SqlValue::from(moid),
            SqlValue::from(state),
            SqlValue::from(note.map(str::to_owned)),
            SqlValue::from(now),
        ],
    )?;
    Ok(changed > 0)
}

/// Records the payment deadline the gateway answered.
pub(crate) fn set_deadline(
    conn: &mut dyn SqlConn,
    moid: &str,
    deadline: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE shop_orders SET deadline = $2 WHERE moid = $1",
        &[SqlValue::from(moid), SqlValue::from(deadline)],
    )?;
    Ok(())
}

/// What marking an order paid came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Paid {
    /// It is paid now.
    Marked,
    /// It was already paid by this transaction (the approval answer and the notification both
    /// say so).
    Already,
    /// It was already paid by another transaction: the buyer paid twice, one must be refunded.
    Twice(String),
    /// No such order.
    NoOrder,
}

/// Marks an order paid by `tid` (`how`: what told the shop). Any order not yet paid can become
/// paid — money that moved is never ignored, even after the buyer gave up.
pub(crate) fn mark_paid(
    conn: &mut dyn SqlConn,
    moid: &str,
    tid: &str,
    how: &str,
    now: &str,
) -> Result<Paid, StoreError> {
    let Some(order) = order(conn, moid)? else {
        return Ok(Paid::NoOrder);
    };
    match order.tid.as_deref() {
        Some(paid) if paid == tid => return Ok(Paid::Already),
        Some(paid) => {
            log(
                conn,
                moid,
                &format!("두 번째 결제 승인 {tid} ({how}): 이미 {paid}로 결제됨 — 환불 필요"),
                now,
            )?;
            return Ok(Paid::Twice(paid.to_owned()));
        }
        None => {}
    }
    conn.execute(
        "UPDATE shop_orders SET state = 'paid', tid = $2, updated_at = $3 WHERE moid = $1",
        &[
            SqlValue::from(moid),
            SqlValue::from(tid),
            SqlValue::from(now),
        ],
    )?;
    log(conn, moid, &format!("결제 승인 {tid} ({how})"), now)?;
    Ok(Paid::Marked)
}

/// Who told the shop about a cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelSource<'a> {
    /// The cancel API's answer to the shop's own request.
    Shop,
    /// The gateway's cancel notification, with its event key.
    Gateway(&'a str),
}

/// What recording a cancel came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cancelled {
    /// A new cancel: the order's cancelled amount grew.
    Applied,
    /// The other side had told the shop already: confirmed, nothing added.
    Confirmed,
    /// This very notification was recorded before.
    Duplicate,
}

/// Records a cancel of `amount` once, whichever side reports it first.
pub(crate) fn record_cancel(
    conn: &mut dyn SqlConn,
    moid: &str,
    amount: i64,
    source: CancelSource<'_>,
    now: &str,
) -> Result<Cancelled, StoreError> {
    let claim = match source {
        CancelSource::Gateway(reference) => {
            if conn
                .query_one(
                    "SELECT id FROM shop_cancels WHERE reference = $1",
                    &[SqlValue::from(reference)],
                    &[C::Int],
                )?
                .is_some()
            {
                return Ok(Cancelled::Duplicate);
            }
            conn.query_one(
                "SELECT id FROM shop_cancels WHERE moid = $1 AND amount = $2 AND source = 'shop' \
                 AND reference IS NULL ORDER BY id LIMIT 1",
                &[SqlValue::from(moid), SqlValue::from(amount)],
                &[C::Int],
            )?
        }
        CancelSource::Shop => conn.query_one(
            "SELECT id FROM shop_cancels WHERE moid = $1 AND amount = $2 AND source = 'gateway' \
             AND confirmed = 0 ORDER BY id LIMIT 1",
            &[SqlValue::from(moid), SqlValue::from(amount)],
            &[C::Int],
        )?,
    };
    let reference = match source {
        CancelSource::Gateway(r) => Some(r.to_owned()),
        CancelSource::Shop => None,
    };
    if let Some(row) = claim {
        conn.execute(
            "UPDATE shop_cancels SET confirmed = 1, reference = COALESCE(reference, $2) WHERE id = $1",
            &[SqlValue::from(row[0].as_i64().unwrap_or_default()), SqlValue::from(reference)],
        )?;
        log(
            conn,
            moid,
            &format!(
                "취소 {} 확인 ({})",
                crate::html::won(amount),
                describe(source)
            ),
            now,
        )?;
        return Ok(Cancelled::Confirmed);
    }
    conn.execute(
        "INSERT INTO shop_cancels (moid, amount, source, reference, at) VALUES ($1, $2, $3, $4, $5)",
        &[
            SqlValue::from(moid),
            SqlValue::from(amount),
            SqlValue::from(match source {
                CancelSource::Shop => "shop",
                CancelSource::Gateway(_) => "gateway",
            }),
            SqlValue::from(reference),
            SqlValue::from(now),
        ],
    )?;
    conn.execute(
        "UPDATE shop_orders SET cancelled_amount = cancelled_amount + $2, \
         state = CASE WHEN cancelled_amount + $2 >= amount THEN 'cancelled' ELSE 'partially-cancelled' END, \
         updated_at = $3 WHERE moid = $1",
        &[SqlValue::from(moid), SqlValue::from(amount), SqlValue::from(now)],
    )?;
    log(
        conn,
        moid,
        &format!("취소 {} ({})", crate::html::won(amount), describe(source)),
        now,
    )?;
    Ok(Cancelled::Applied)
}

fn describe(source: CancelSource<'_>) -> &'static str {
    match source {
        CancelSource::Shop => "취소 API 응답",
        CancelSource::Gateway(_) => "취소 통보",
    }
}
