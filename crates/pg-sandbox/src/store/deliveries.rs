//! Notification deliveries and every attempt with the merchant's answer.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{Result, kst, kst_opt};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    /// The merchant has no notification URL yet: sent once one is set.
    Waiting,
    /// Due at `next_at`.
    Pending,
    /// Being sent now.
    InFlight,
    /// Acknowledged.
    Delivered,
    /// Not acknowledged after every attempt the settings allow.
    Failed,
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DeliveryState {
    /// `waiting`, `pending`, `in-flight`, `delivered` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Waiting => "waiting",
            DeliveryState::Pending => "pending",
            DeliveryState::InFlight => "in-flight",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> DeliveryState {
        match text {
            "waiting" => DeliveryState::Waiting,
            "in-flight" => DeliveryState::InFlight,
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            _ => DeliveryState::Pending,
        }
    }
}

/// A notification to deliver.
#[derive(Debug, Clone)]
pub(crate) struct NewDelivery {
    pub(crate) gateway: &'static str,
    pub(crate) mid: String,
    pub(crate) tid: String,
    pub(crate) moid: String,
    /// `approval` or `cancel`.
    pub(crate) kind: &'static str,
    /// The form body, as it is sent.
    pub(crate) body: Vec<u8>,
    /// The charset the body is in (`euc-kr`, `utf-8`).
    pub(crate) charset: &'static str,
    /// What failure rehearsal did to it, if anything.
    pub(crate) note: String,
}

/// One attempt and the merchant's answer.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// Where it was posted.
    pub url: String,
    /// When (virtual time, Unix ms).
    #[serde(serialize_with = "kst")]
    pub at: i64,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// The answer's body (the first 512 bytes, lossily as text).
    pub answer: String,
    /// Why no answer came.
    pub error: Option<String>,
    /// Whether the answer was the acknowledgement.
    pub acknowledged: bool,
    /// How long the merchant took (real time).
    pub elapsed_ms: u64,
}

/// A delivery with its attempts.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// `innopay` or `smartro`.
    pub gateway: String,
    /// Merchant id.
    pub mid: String,
    /// The payment.
    pub tid: String,
    /// Order number.
    pub moid: String,
    /// `approval` or `cancel`.
    pub kind: String,
    /// The body as sent (percent-encoded, so ASCII).
    pub body: String,
    /// The body's charset.
    pub charset: String,
    /// What failure rehearsal did, or why the charset changed.
    pub note: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    #[serde(rename = "attempt_count")]
    pub attempt_count: u32,
    /// When the next attempt is due (Unix ms).
    #[serde(serialize_with = "kst_opt")]
    pub next_at: Option<i64>,
    /// When queued (Unix ms).
    #[serde(serialize_with = "kst")]
    pub created_at: i64,
    /// Every attempt, first to last.
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// One line for people: `delivery 3 (approval of TID): pending after 1 attempt (HTTP 500)`.
    pub fn summary(&self) -> String {
        let attempts: Vec<String> = self
            .attempts
            .iter()
            .map(|a| match (a.status, &a.error) {
                (Some(status), _) => format!("HTTP {status}"),
                (None, Some(error)) => error.clone(),
                (None, None) => "no answer".to_owned(),
            })
            .collect();
        format!(
            "delivery {} ({} of {}): {} after {} attempt{} ({})",
            self.id,
            self.kind,
            self.tid,
            self.state,
            self.attempts.len(),
            if self.attempts.len() == 1 { "" } else { "s" },
            attempts.join(", ")
        )
    }
}

const COLUMNS: &str =
    "id, gateway, mid, tid, moid, kind, body, charset, note, state, attempts, next_at, created_at";

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        gateway: r.get(1)?,
        mid: r.get(2)?,
        tid: r.get(3)?,
        moid: r.get(4)?,
        kind: r.get(5)?,
        body: String::from_utf8_lossy(&r.get::<_, Vec<u8>>(6)?).into_owned(),
        charset: r.get(7)?,
        note: r.get(8)?,
        state: DeliveryState::parse(&r.get::<_, String>(9)?),
        attempt_count: r.get(10)?,
        next_at: r.get(11)?,
        created_at: r.get(12)?,
        attempts: Vec::new(),
    })
}

impl Delivery {
    /// Queues a notification: due now, or waiting when the merchant has no URL.
    pub(crate) fn insert(
        c: &Connection,
        new: &NewDelivery,
        has_url: bool,
        now: i64,
    ) -> Result<i64> {
        let (state, next) = if has_url {
            (DeliveryState::Pending, Some(now))
        } else {
            (DeliveryState::Waiting, None)
        };
        c.prepare_cached(&format!("INSERT INTO deliveries ({COLUMNS}) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11)"))?.execute(params![
                new.gateway, new.mid, new.tid, new.moid, new.kind, new.body, new.charset,
                new.note, state.as_str(), next, now
            ],
        )?;
        Ok(c.last_insert_rowid())
    }

    /// Claims up to `limit` deliveries due at `now`, marking them in flight.
    pub(crate) fn claim_due(c: &Connection, now: i64, limit: i64) -> Result<Vec<Delivery>> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE state = 'pending' AND next_at <= ?1
             ORDER BY next_at, id LIMIT ?2"
        ))?;
        let due: Vec<Delivery> = stmt
            .query_map(params![now, limit], delivery_row)?
            .collect::<rusqlite::Result<_>>()?;
        for d in &due {
            c.prepare_cached("UPDATE deliveries SET state = 'in-flight' WHERE id = ?1")?
                .execute([d.id])?;
        }
        Ok(due)
    }

    /// Records an attempt and what follows: the next time, or a final state.
    pub(crate) fn record_attempt(
        c: &Connection,
        id: i64,
        attempt: &Attempt,
        next_at: Option<i64>,
    ) -> Result<()> {
        c.prepare_cached("INSERT INTO attempts (delivery_id, number, url, at, status, answer, error, acknowledged, elapsed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?.execute(params![
                id, attempt.number, attempt.url, attempt.at, attempt.status, attempt.answer,
                attempt.error, attempt.acknowledged, attempt.elapsed_ms
            ],
        )?;
        let state = match (attempt.acknowledged, next_at) {
            (true, _) => DeliveryState::Delivered,
            (false, Some(_)) => DeliveryState::Pending,
            (false, None) => DeliveryState::Failed,
        };
        c.prepare_cached(
            "UPDATE deliveries SET state = ?2, attempts = ?3, next_at = ?4 WHERE id = ?1",
        )?
        .execute(params![
            id,
            state.as_str(),
            attempt.number,
            if state == DeliveryState::Pending {
                next_at
            } else {
                None
            }
        ])?;
        Ok(())
    }

    /// Puts a delivery back in the queue now (admin "resend now"); `false` when it is unknown or
    /// being sent.
    pub(crate) fn resend(c: &Connection, id: i64, now: i64) -> Result<bool> {
        Ok(c.prepare_cached("UPDATE deliveries SET state = 'pending', next_at = ?2 WHERE id = ?1 AND state != 'in-flight'")?.execute(params![id, now],
        )? == 1)
    }

    /// Releases the deliveries of a merchant that waited for a URL.
    pub(crate) fn release_waiting(
        c: &Connection,
        gateway: &str,
        mid: &str,
        now: i64,
    ) -> Result<usize> {
        Ok(c.prepare_cached("UPDATE deliveries SET state = 'pending', next_at = ?3 WHERE gateway = ?1 AND mid = ?2 AND state = 'waiting'")?.execute(params![gateway, mid, now],
        )?)
    }

    /// Deliveries left in flight by a stopped simulator go back in the queue.
    pub(crate) fn requeue_in_flight(c: &Connection) -> Result<()> {
        c.prepare_cached("UPDATE deliveries SET state = 'pending' WHERE state = 'in-flight'")?
            .execute([])?;
        Ok(())
    }

    /// How many deliveries are due at `now` or in flight.
    pub(crate) fn busy(c: &Connection, now: i64) -> Result<i64> {
        Ok(c.prepare_cached("SELECT COUNT(*) FROM deliveries WHERE state = 'in-flight' OR (state = 'pending' AND next_at <= ?1)")?.query_row([now],
            |r| r.get(0),
        )?)
    }

    /// When the next pending delivery is due.
    pub(crate) fn next_due(c: &Connection) -> Result<Option<i64>> {
        Ok(
            c.prepare_cached("SELECT MIN(next_at) FROM deliveries WHERE state = 'pending'")?
                .query_row([], |r| r.get(0))?,
        )
    }

    /// One delivery with its attempts.
    pub(crate) fn get(c: &Connection, id: i64) -> Result<Option<Delivery>> {
        let d = c
            .query_row(
                &format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1"),
                [id],
                delivery_row,
            )
            .optional()?;
        match d {
            Some(mut d) => {
                d.attempts = attempts_of(c, d.id)?;
                Ok(Some(d))
            }
            None => Ok(None),
        }
    }

    /// The newest deliveries first, with their attempts.
    pub(crate) fn list(c: &Connection, limit: i64) -> Result<Vec<Delivery>> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM deliveries ORDER BY id DESC LIMIT ?1"
        ))?;
        let mut all: Vec<Delivery> = stmt
            .query_map([limit], delivery_row)?
            .collect::<rusqlite::Result<_>>()?;
        for d in &mut all {
            d.attempts = attempts_of(c, d.id)?;
        }
        Ok(all)
    }
}

fn attempts_of(c: &Connection, id: i64) -> Result<Vec<Attempt>> {
    let mut stmt = c.prepare_cached(
        "SELECT number, url, at, status, answer, error, acknowledged, elapsed_ms FROM attempts
         WHERE delivery_id = ?1 ORDER BY number",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Attempt {
            number: r.get(0)?,
            url: r.get(1)?,
            at: r.get(2)?,
            status: r.get(3)?,
            answer: r.get(4)?,
            error: r.get(5)?,
            acknowledged: r.get(6)?,
            elapsed_ms: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
