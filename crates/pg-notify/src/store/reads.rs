//! The store's reading statements (list, get, bodies, rejections, counts), written once for
//! both dialects (`$n` placeholders).

use crate::event::{EventRecord, EventState, Rejection};
use crate::sql::{ColumnType as C, SqlConn, SqlValue, StoreError};

use super::schema::Tables;

const EVENT_COLUMNS: &str = "id, idempotency_key, gateway, kind, status, tid, moid, amount, state, attempts, \
     deliveries, last_error, content_type, remote_addr, received_at, updated_at, processed_at, body, \
     approved_amount, conflicts, conflict_detail, conflict_body, signature";

const EVENT_TYPES: [C; 23] = [
    C::Int,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Int,
    C::Text,
    C::Int,
    C::Int,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Text,
    C::Blob,
    C::Int,
    C::Int,
    C::Text,
    C::Blob,
    C::Text,
];

fn to_record(row: Vec<SqlValue>) -> EventRecord {
    let s = |i: usize| row[i].as_str().map(str::to_owned);
    // Decoded on reading, from the stored body: storing the decoded form would cost every
    // delivery a serialization and a second copy.
    let (decoded, warnings) = crate::decoder::decode_stored(
        s(2).as_deref().unwrap_or_default(),
        row[17].as_bytes().unwrap_or_default(),
        s(12).as_deref(),
    );
    EventRecord {
        id: row[0].as_i64().unwrap_or_default(),
        key: s(1).unwrap_or_default(),
        gateway: s(2).unwrap_or_default(),
        kind: s(3).unwrap_or_default(),
        status: s(4).unwrap_or_default(),
        tid: s(5),
        moid: s(6),
        amount: row[7].as_i64(),
        state: s(8)
            .as_deref()
            .and_then(EventState::parse)
            .unwrap_or(EventState::Failed),
        attempts: row[9].as_i64().unwrap_or_default(),
        deliveries: row[10].as_i64().unwrap_or_default(),
        last_error: s(11),
        content_type: s(12),
        remote: s(13),
        received_at: s(14).unwrap_or_default(),
        updated_at: s(15).unwrap_or_default(),
        processed_at: s(16),
        body: String::from_utf8_lossy(row[17].as_bytes().unwrap_or_default()).into_owned(),
        decoded,
        approved_amount: row[18].as_i64(),
        conflicts: row[19].as_i64().unwrap_or_default(),
        conflict_detail: s(20),
        conflict_body: row[21]
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        signature: s(22),
        warnings,
    }
}

/// Events, oldest first, optionally of one state, from `after_id` on, at most `limit`.
pub(crate) fn list(
    conn: &mut dyn SqlConn,
    t: &Tables,
    state: Option<EventState>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    // The state is written into the statement (one of two fixed words), so that both databases
    // see that `failed` matches the partial index of failed events.
    let filter = match state {
        Some(s) => format!("AND state = '{}'", s.as_str()),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM {} WHERE id > $1 {filter} ORDER BY id LIMIT $2",
        t.events
    );
    let params = [SqlValue::from(after_id), SqlValue::from(limit)];
    Ok(conn
        .query(&sql, &params, &EVENT_TYPES)?
        .into_iter()
        .map(to_record)
        .collect())
}

/// One event by id.
pub(crate) fn get(
    conn: &mut dyn SqlConn,
    t: &Tables,
    id: i64,
) -> Result<Option<EventRecord>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM {} WHERE id = $1", t.events);
    Ok(conn
        .query_one(&sql, &[SqlValue::from(id)], &EVENT_TYPES)?
        .map(to_record))
}

/// What a re-run needs of a stored event.
#[derive(Debug, Clone)]
pub(crate) struct StoredBody {
    pub(crate) gateway: String,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
    pub(crate) remote: Option<String>,
    pub(crate) received_at: String,
}

/// The body a re-run decodes (card numbers masked, secrets kept; the masked body for events
/// stored before it was kept).
pub(crate) fn body(
    conn: &mut dyn SqlConn,
    t: &Tables,
    id: i64,
) -> Result<Option<StoredBody>, StoreError> {
    let sql = format!(
        "SELECT gateway, content_type, COALESCE(rerun_body, body), remote_addr, received_at FROM {} WHERE id = $1",
        t.events
    );
    Ok(conn
        .query_one(
            &sql,
            &[SqlValue::from(id)],
            &[C::Text, C::Text, C::Blob, C::Text, C::Text],
        )?
        .map(|r| StoredBody {
            gateway: r[0].as_str().unwrap_or_default().to_owned(),
            content_type: r[1].as_str().map(str::to_owned),
            body: r[2].as_bytes().unwrap_or_default().to_vec(),
            remote: r[3].as_str().map(str::to_owned),
            received_at: r[4].as_str().unwrap_or_default().to_owned(),
        }))
}

/// Rejected deliveries, oldest first.
pub(crate) fn rejections(
    conn: &mut dyn SqlConn,
    t: &Tables,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Rejection>, StoreError> {
    let sql = format!(
        "SELECT id, gateway, reason, remote_addr, content_type, received_at, body, body_size, \
         body_sha256 FROM {} WHERE id > $1 ORDER BY id LIMIT $2",
        t.rejections
    );
    let rows = conn.query(
        &sql,
        &[SqlValue::from(after_id), SqlValue::from(limit)],
        &[
            C::Int,
            C::Text,
            C::Text,
            C::Text,
            C::Text,
            C::Text,
            C::Blob,
            C::Int,
            C::Text,
        ],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| Rejection {
            id: r[0].as_i64().unwrap_or_default(),
            gateway: r[1].as_str().unwrap_or_default().to_owned(),
            reason: r[2].as_str().unwrap_or_default().to_owned(),
            remote: r[3].as_str().map(str::to_owned),
            content_type: r[4].as_str().map(str::to_owned),
            received_at: r[5].as_str().unwrap_or_default().to_owned(),
            body: String::from_utf8_lossy(r[6].as_bytes().unwrap_or_default()).into_owned(),
            body_size: r[7].as_i64().unwrap_or_default(),
            body_sha256: r[8].as_str().map(str::to_owned),
        })
        .collect())
}

/// Counts of events per state, by name; states without events are left out.
///
/// Failed events are counted through their partial index, all events through the smallest
/// index; processed ones are the difference (a state is one of the two). Grouping by state
/// would read the whole table: the store keeps no index of processed events.
pub(crate) fn counts(conn: &mut dyn SqlConn, t: &Tables) -> Result<Vec<(String, i64)>, StoreError> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM {e} WHERE state = '{failed}'), (SELECT COUNT(*) FROM {e})",
        e = t.events,
        failed = EventState::Failed.as_str()
    );
    let row = conn.query(&sql, &[], &[C::Int, C::Int])?;
    let count = |i: usize| row.first().and_then(|r| r[i].as_i64()).unwrap_or_default();
    let (failed, all) = (count(0), count(1));
    Ok([
        (EventState::Failed, failed),
        (EventState::Processed, all - failed),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(state, n)| (state.as_str().to_owned(), n))
    .collect())
}
