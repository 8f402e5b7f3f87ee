//! The batch's common case in a few statements: every new event of the batch inserted by one
//! multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING`, then each handler, run once, inside
//! a savepoint that is opened only when the handler touches the connection.
//!
//! On PostgreSQL a savepoint is a round trip, and one that writes is a subtransaction (past 64
//! in a transaction, every other session pays for the overflow). One statement for the batch's
//! new events turns a batch of *n* deliveries from 2*n* + 2 round trips into 3 plus the
//! handlers' own. Whatever the fast path cannot settle (a known key, a failure to record, a
//! rejection) goes through the savepoint path in the same transaction. If a statement of the
//! fast path itself fails, the attempt is rolled back and the batch written again by the
//! savepoint path.

use std::collections::{HashMap, HashSet};

use tokio::sync::oneshot;

use super::ops::{NEW_ROW_WIDTH, insert_rows_sql, mark_handler_failed, new_processed_row};
use super::schema::Tables;
use super::writer::{WriteJob, open_savepoint, undo};
use crate::event::ProcessOutcome;
use crate::sql::{ColumnType, Dialect, SqlConn, SqlValue, StoreError};

/// Most rows per `INSERT` (20 values each: 1,280 parameters, well under both databases'
/// limits). A batch is cut into chunks of powers of two (23 = 16 + 4 + 2 + 1), so that a
/// connection prepares at most seven statements for it.
const CHUNK: usize = 64;

/// A delivery the fast path settled: its answer, sent once the batch commits.
pub(super) struct Done {
    pub(super) reply: oneshot::Sender<Result<ProcessOutcome, StoreError>>,
    pub(super) outcome: ProcessOutcome,
}

/// What the fast path made of a batch, inside an open transaction.
pub(super) enum Split {
    /// New events inserted and handled, and the deliveries left for the savepoint path.
    Partial {
        done: Vec<Done>,
        rest: Vec<WriteJob>,
    },
    /// The multi-row insert failed (nothing ran yet): the transaction must be rolled back and
    /// the whole batch written by the savepoint path.
    Retry(Vec<WriteJob>, StoreError),
    /// Recording a handler's failure failed: the transaction must be rolled back and these
    /// deliveries answered with the error (the others have been).
    Abort(Vec<WriteJob>, StoreError),
}

/// Inserts the batch's new events and runs their handlers. `writes` is sorted by key, so that
/// concurrent instances take row locks in the same order.
pub(super) fn insert_new(
    conn: &mut dyn SqlConn,
    tables: &Tables,
    writes: Vec<WriteJob>,
    now: &str,
) -> Split {
    // The first `Process` of each key whose row can be built goes in the multi-row insert.
    let mut rows: Vec<(usize, Vec<SqlValue>)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, job) in writes.iter().enumerate() {
        if let WriteJob::Process { event, .. } = job
            && seen.insert(event.key.as_str())
            && let Ok(values) = new_processed_row(event, now)
        {
            rows.push((i, values));
        }
    }
    let inserted: HashMap<usize, i64> = match insert_rows(conn, tables, rows) {
        Ok(ids) => ids
            .into_iter()
            .filter_map(|(i, id)| id.map(|id| (i, id)))
            .collect(),
        Err(e) => return Split::Retry(writes, e),
    };
    let mut done = Vec::with_capacity(inserted.len());
    let mut rest = Vec::new();
    let mut release: Option<String> = None;
    let mut writes = writes.into_iter().enumerate();
    while let Some((i, job)) = writes.next() {
        let (id, event, handler, reply) = match (inserted.get(&i), job) {
            (
                Some(&id),
                WriteJob::Process {
                    event,
                    handler,
                    reply,
                    ..
                },
            ) => (id, event, handler, reply),
            (_, job) => {
                rest.push(job);
                continue;
            }
        };
        let mut guarded = Guarded {
            conn: &mut *conn,
            savepoint: format!("h{i}"),
            release: release.take(),
            opened: false,
        };
        let handled = handler.handle(&event, &mut guarded);
        let (opened, savepoint, unreleased) = (guarded.opened, guarded.savepoint, guarded.release);
        release = if opened {
            Some(savepoint.clone())
        } else {
            unreleased
        };
        let outcome = match handled {
            Ok(()) => Ok(ProcessOutcome::Processed { id }),
            Err(e) => {
                // Undo what the handler wrote (the insert came before its savepoint), then
                // record the failure on the new row, as the savepoint path would have.
                let undone = if opened {
                    release = None;
                    undo(conn, &savepoint)
                } else {
                    Ok(())
                };
                undone
                    .and_then(|()| mark_handler_failed(conn, tables, id, &e.0, now))
                    .map(|()| ProcessOutcome::HandlerFailed { id, error: e.0 })
            }
        };
        match outcome {
            Ok(outcome) => done.push(Done { reply, outcome }),
            Err(store_error) => {
                // The transaction is in doubt: nothing of this attempt may be acknowledged
                // (the gateway resends), and no handler runs twice in it.
                drop((event, handler));
                drop(reply.send(Err(store_error.clone())));
                for d in done {
                    drop(d.reply.send(Err(store_error.clone())));
                }
                rest.extend(writes.map(|(_, job)| job));
                return Split::Abort(rest, store_error);
            }
        }
    }
    Split::Partial { done, rest }
}

/// A handler's connection: its first statement opens its savepoint (releasing the previous
/// handler's in the same round trip), so that a handler that writes nothing costs none.
struct Guarded<'a> {
    conn: &'a mut dyn SqlConn,
    savepoint: String,
    release: Option<String>,
    opened: bool,
}

impl Guarded<'_> {
    fn open(&mut self) -> Result<(), StoreError> {
        if self.opened {
            return Ok(());
        }
        self.conn
            .batch(&open_savepoint(self.release.take(), &self.savepoint))?;
        self.opened = true;
        Ok(())
    }
}

impl SqlConn for Guarded<'_> {
    fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        self.open()?;
        self.conn.execute(sql, params)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        self.open()?;
        self.conn.query(sql, params, columns)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.open()?;
        self.conn.batch(sql)
    }
}

/// The id of each row (by its index in the batch), `None` where its key existed already. The
/// values are moved into the statement's parameters, not copied (each row carries its body).
fn insert_rows(
    conn: &mut dyn SqlConn,
    tables: &Tables,
    rows: Vec<(usize, Vec<SqlValue>)>,
) -> Result<Vec<(usize, Option<i64>)>, StoreError> {
    let mut ids = Vec::with_capacity(rows.len());
    let mut left = rows.into_iter();
    while left.len() > 0 {
        let take = if left.len() >= CHUNK {
            CHUNK
        } else {
            1 << left.len().ilog2()
        };
        let mut indices: Vec<usize> = Vec::with_capacity(take);
        let mut params: Vec<SqlValue> = Vec::with_capacity(take * NEW_ROW_WIDTH);
        for (i, values) in left.by_ref().take(take) {
            indices.push(i);
            params.extend(values);
        }
        let returned = conn.query(
            &insert_rows_sql(tables, take, conn.dialect()),
            &params,
            &[ColumnType::Int, ColumnType::Text],
        )?;
        // `RETURNING` names each inserted row by its key (its order is not guaranteed); a row's
        // key is its first value.
        let by_key: HashMap<&str, i64> = returned
            .iter()
            .filter_map(|r| Some((r[1].as_str()?, r[0].as_i64()?)))
            .collect();
        ids.extend(
            indices
                .iter()
                .zip(params.chunks(NEW_ROW_WIDTH))
                .map(|(i, row)| {
                    let key = row.first().and_then(SqlValue::as_str).unwrap_or_default();
                    (*i, by_key.get(key).copied())
                }),
        );
    }
    Ok(ids)
}
