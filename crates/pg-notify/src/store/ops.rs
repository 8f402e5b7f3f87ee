//! The store's writing statements, written once for both dialects (`$n` placeholders); the
//! reading ones are in `reads.rs`.

use std::borrow::Cow;

use crate::event::{Event, EventState, ProcessOutcome, Rejection};
use crate::handler::{Handler, HandlerError};
use crate::sql::{ColumnType as C, Dialect, SqlConn, SqlValue, StoreError};

use super::schema::Tables;

/// What storing a failure came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailOutcome {
    /// The failure is recorded; the event is not acknowledged.
    Recorded {
        /// Row id.
        id: i64,
    },
    /// The event had been processed already: acknowledge it again, the failure does not count.
    AlreadyProcessed {
        /// Row id.
        id: i64,
    },
    /// The delivery's order number or amounts differ from the stored event's: recorded as a
    /// conflict, not acknowledged.
    Conflict {
        /// Row id.
        id: i64,
        /// What differs.
        detail: String,
    },
}

fn text(v: Option<&str>) -> SqlValue {
    SqlValue::Text(v.map(str::to_owned))
}

/// An amount column: the store never narrows an amount (a value beyond 64 bits is an error,
/// never NULL).
fn amount_column(what: &str, amount: Option<pg_core::Won>) -> Result<SqlValue, StoreError> {
    match amount {
        None => Ok(SqlValue::Int(None)),
        Some(a) => i64::try_from(a.get())
            .map(|v| SqlValue::Int(Some(v)))
            .map_err(|_| {
                StoreError::new(format!(
                    "{what} {a} does not fit the store's 64-bit amount column"
                ))
            }),
    }
}

/// The values of a new row (`$1`..`$20`), shared by the insert statements.
fn new_row(
    event: &Event,
    state: EventState,
    attempts: i64,
    error: Option<&str>,
    deliveries: i64,
    now: &str,
) -> Result<Vec<SqlValue>, StoreError> {
    let s = &event.summary;
    let processed_at = (state == EventState::Processed).then(|| now.to_owned());
    Ok(vec![
        SqlValue::from(event.key.as_str()),
        SqlValue::from(s.gateway.as_str()),
        SqlValue::from(s.kind.as_str()),
        SqlValue::from(s.status.code()),
        text(s.tid.as_ref().map(|t| t.as_str())),
        text(s.moid.as_ref().map(|m| m.as_str())),
        amount_column("amount", s.amount)?,
        SqlValue::from(state.as_str()),
        SqlValue::from(attempts),
        text(error),
        text(event.content_type.as_deref()),
        SqlValue::Text(event.remote.map(|r| r.to_string())),
        SqlValue::Blob(Some(event.stored_body.clone())),
        SqlValue::from(crate::event::rfc3339(event.received_at)),
        SqlValue::from(now),
        SqlValue::from(deliveries),
        SqlValue::Text(processed_at),
        amount_column("approved amount", s.approved_amount)?,
        // NULL when it is the stored body: readers take `COALESCE(rerun_body, body)`.
        SqlValue::Blob(event.rerun_body.clone()),
        SqlValue::from(event.signature.as_str()),
    ])
}

/// The columns of a new row, in [`new_row`]'s order.
const NEW_ROW_COLUMNS: &str = "idempotency_key, gateway, kind, status, tid, moid, amount, \
     state, attempts, last_error, content_type, remote_addr, body, received_at, updated_at, \
     deliveries, processed_at, approved_amount, rerun_body, signature";

/// How many values [`new_row`] gives.
pub(super) const NEW_ROW_WIDTH: usize = 20;

/// The values of a new event, inserted already marked processed (its handler runs next in the
/// same transaction; if it fails, both are rolled back).
pub(super) fn new_processed_row(event: &Event, now: &str) -> Result<Vec<SqlValue>, StoreError> {
    new_row(event, EventState::Processed, 1, None, 1, now)
}

/// Inserts `rows` new rows (their values one after the other, [`new_row`]'s order); a key that
/// exists already is skipped. `RETURNING` names each row it inserted: `id, idempotency_key`
/// (in no guaranteed order). Placeholders in the dialect's own spelling (`$1`, SQLite's `?1`);
/// the text for a power of two up to 64 rows is built once per store.
pub(super) fn insert_rows_sql(t: &Tables, rows: usize, dialect: Dialect) -> Cow<'_, str> {
    let cached = rows
        .is_power_of_two()
        .then(|| rows.ilog2() as usize)
        .and_then(|slot| t.insert_sql[usize::from(dialect == Dialect::Sqlite)].get(slot));
    match cached {
        Some(cell) => Cow::Borrowed(cell.get_or_init(|| build_insert_rows_sql(t, rows, dialect))),
        None => Cow::Owned(build_insert_rows_sql(t, rows, dialect)),
    }
}

fn build_insert_rows_sql(t: &Tables, rows: usize, dialect: Dialect) -> String {
    use std::fmt::Write;
    let mark = match dialect {
        Dialect::Sqlite => '?',
        Dialect::Postgres => '$',
    };
    let mut sql = format!("INSERT INTO {} ({NEW_ROW_COLUMNS}) VALUES ", t.events);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..NEW_ROW_WIDTH {
            if c > 0 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "{mark}{}", r * NEW_ROW_WIDTH + c + 1);
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key");
    sql
}

/// What a stored event says, to compare a new delivery under its key with.
struct Stored {
    id: i64,
    state: String,
    moid: Option<String>,
    amount: Option<i64>,
    approved_amount: Option<i64>,
}

impl Stored {
    const COLUMNS: &'static str = "id, state, moid, amount, approved_amount";
    const TYPES: [C; 5] = [C::Int, C::Text, C::Text, C::Int, C::Int];

    fn of(row: &[SqlValue]) -> Stored {
        Stored {
            id: row[0].as_i64().unwrap_or_default(),
            state: row[1].as_str().unwrap_or_default().to_owned(),
            moid: row[2].as_str().map(str::to_owned),
            amount: row[3].as_i64(),
            approved_amount: row[4].as_i64(),
        }
    }

    /// What differs between this event and a delivery of the same key: order number, amount,
    /// approved amount (a resend is the same notification; anything else is a conflict).
    fn difference(&self, event: &Event) -> Option<String> {
        let s = &event.summary;
        let won = |w: Option<pg_core::Won>| w.and_then(|w| i64::try_from(w.get()).ok());
        let moid = s.moid.as_ref().map(|m| m.as_str().to_owned());
        let mut out = Vec::new();
        if moid != self.moid {
            out.push(format!("moid {:?} (stored {:?})", moid, self.moid));
        }
        if won(s.amount) != self.amount {
            out.push(format!(
                "amount {:?} (stored {:?})",
                won(s.amount),
                self.amount
            ));
        }
        // A row stored before the column existed has no approved amount to compare with.
        if self.approved_amount.is_some() && won(s.approved_amount) != self.approved_amount {
            out.push(format!(
                "approved amount {:?} (stored {:?})",
                won(s.approved_amount),
                self.approved_amount
            ));
        }
        (!out.is_empty()).then(|| out.join(", "))
    }
}

/// Records a conflicting delivery on the stored event: counted, with what differs and its body.
fn record_conflict(
    conn: &mut dyn SqlConn,
    t: &Tables,
    id: i64,
    detail: &str,
    event: &Event,
    now: &str,
) -> Result<(), StoreError> {
    tracing::warn!(
        event = id,
        detail,
        "a delivery conflicts with the stored event"
    );
    conn.execute(
        &format!(
            "UPDATE {} SET conflicts = conflicts + 1, conflict_detail = $2, conflict_body = $3, \
             updated_at = $4 WHERE id = $1",
            t.events
        ),
        &[
            SqlValue::from(id),
            SqlValue::from(detail),
            SqlValue::Blob(Some(event.stored_body.clone())),
            SqlValue::from(now),
        ],
    )?;
    Ok(())
}

fn lock_row_sql(conn: &dyn SqlConn, t: &Tables) -> String {
    let lock = match conn.dialect() {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    format!(
        "SELECT {} FROM {} WHERE idempotency_key = $1{lock}",
        Stored::COLUMNS,
        t.events
    )
}

fn locked_row(conn: &mut dyn SqlConn, t: &Tables, key: &str) -> Result<Stored, StoreError> {
    let sql = lock_row_sql(conn, t);
    let row = conn
        .query_one(&sql, &[SqlValue::from(key)], &Stored::TYPES)?
        .ok_or_else(|| StoreError::new(format!("event {key} vanished")))?;
    Ok(Stored::of(&row))
}

/// Inserts the event (or counts a new delivery of it), then, unless it was processed already,
/// runs the handler and marks it processed. A handler error is returned as the inner `Err` so the
/// caller can roll the savepoint back and record it.
pub(crate) fn process(
    conn: &mut dyn SqlConn,
    t: &Tables,
    event: &Event,
    handler: &dyn Handler,
    count_delivery: bool,
    now: &str,
) -> Result<Result<ProcessOutcome, HandlerError>, StoreError> {
    // The common case, a new event, is one statement: it is inserted already marked processed
    // (the handler runs next in the same savepoint; if it fails, both are rolled back).
    let values = new_processed_row(event, now)?;
    if let Some(row) = conn.query_one(
        &insert_rows_sql(t, 1, conn.dialect()),
        &values,
        &[C::Int, C::Text],
    )? {
        let id = row[0].as_i64().unwrap_or_default();
        return Ok(handler
            .handle(event, conn)
            .map(|()| ProcessOutcome::Processed { id }));
    }
    // A delivery of a known event: count it, lock the row, and see where it stands.
    let row = conn
        .query_one(
            &format!(
                "UPDATE {} SET deliveries = deliveries + $2, updated_at = $3 \
                 WHERE idempotency_key = $1 RETURNING {}",
                t.events,
                Stored::COLUMNS
            ),
            &[
                SqlValue::from(event.key.as_str()),
                SqlValue::from(i64::from(count_delivery)),
                SqlValue::from(now),
            ],
            &Stored::TYPES,
        )?
        .ok_or_else(|| StoreError::new(format!("event {} vanished", event.key)))?;
    let stored = Stored::of(&row);
    let id = stored.id;
    if let Some(detail) = stored.difference(event) {
        record_conflict(conn, t, id, &detail, event, now)?;
        return Ok(Ok(ProcessOutcome::Conflict { id, detail }));
    }
    if stored.state == EventState::Processed.as_str() {
        return Ok(Ok(ProcessOutcome::Duplicate { id }));
    }
    if let Err(e) = handler.handle(event, conn) {
        return Ok(Err(e));
    }
    conn.execute(
        &format!(
            "UPDATE {} SET state = 'processed', attempts = attempts + 1, last_error = NULL, \
             processed_at = $2, updated_at = $2 WHERE id = $1",
            t.events
        ),
        &[SqlValue::from(id), SqlValue::from(now)],
    )?;
    Ok(Ok(ProcessOutcome::Processed { id }))
}

/// Marks a row the batch just inserted as failed: its handler returned an error.
pub(super) fn mark_handler_failed(
    conn: &mut dyn SqlConn,
    t: &Tables,
    id: i64,
    error: &str,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "UPDATE {} SET state = 'failed', last_error = $2, processed_at = NULL, updated_at = $3 \
             WHERE id = $1",
            t.events
        ),
        &[
            SqlValue::from(id),
            SqlValue::from(error.chars().take(2000).collect::<String>()),
            SqlValue::from(now),
        ],
    )?;
    Ok(())
}

/// Records a failure (verification or handler) under the event's key, unless the event was
/// processed already.
pub(crate) fn record_failure(
    conn: &mut dyn SqlConn,
    t: &Tables,
    event: &Event,
    error: &str,
    count_delivery: bool,
    now: &str,
) -> Result<FailOutcome, StoreError> {
    let error: String = error.chars().take(2000).collect();
    let values = new_row(event, EventState::Failed, 1, Some(&error), 1, now)?;
    if let Some(row) = conn.query_one(
        &insert_rows_sql(t, 1, conn.dialect()),
        &values,
        &[C::Int, C::Text],
    )? {
        return Ok(FailOutcome::Recorded {
            id: row[0].as_i64().unwrap_or_default(),
        });
    }
    let stored = locked_row(conn, t, &event.key)?;
    let id = stored.id;
    if let Some(detail) = stored.difference(event) {
        record_conflict(conn, t, id, &detail, event, now)?;
        return Ok(FailOutcome::Conflict { id, detail });
    }
    let deliveries = if count_delivery { 1 } else { 0 };
    if stored.state == EventState::Processed.as_str() {
        conn.execute(
            &format!(
                "UPDATE {} SET deliveries = deliveries + $2, updated_at = $3 WHERE id = $1",
                t.events
            ),
            &[
                SqlValue::from(id),
                SqlValue::from(deliveries),
                SqlValue::from(now),
            ],
        )?;
        return Ok(FailOutcome::AlreadyProcessed { id });
    }
    conn.execute(
        &format!(
            "UPDATE {} SET state = 'failed', attempts = attempts + 1, deliveries = deliveries + $2, \
             last_error = $3, updated_at = $4 WHERE id = $1",
            t.events
        ),
        &[
            SqlValue::from(id),
            SqlValue::from(deliveries),
            SqlValue::from(error),
            SqlValue::from(now),
        ],
    )?;
    Ok(FailOutcome::Recorded { id })
}

pub(crate) fn record_rejection(
    conn: &mut dyn SqlConn,
    t: &Tables,
    r: &Rejection,
    body: &[u8],
) -> Result<i64, StoreError> {
    let returning = format!(
        "INSERT INTO {} (gateway, reason, remote_addr, content_type, body, received_at, \
         body_size, body_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        t.rejections
    );
    let row = conn.query_one(
        &returning,
        &[
            SqlValue::from(r.gateway.as_str()),
            SqlValue::from(r.reason.chars().take(2000).collect::<String>()),
            text(r.remote.as_deref()),
            text(r.content_type.as_deref()),
            SqlValue::Blob(Some(body.to_vec())),
            SqlValue::from(r.received_at.as_str()),
            SqlValue::from(r.body_size),
            text(r.body_sha256.as_deref()),
        ],
        &[C::Int],
    )?;
    Ok(row.and_then(|r| r[0].as_i64()).unwrap_or_default())
}
