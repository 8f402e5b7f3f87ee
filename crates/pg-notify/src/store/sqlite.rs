//! The SQLite backend: one connection on the writer thread, WAL journal, `synchronous=FULL`;
//! the WAL is checkpointed by a thread of its own.

use std::borrow::Cow;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params_from_iter};

use crate::sql::{ColumnType, Dialect, SqlConn, SqlValue, StoreError, to_sqlite_placeholders};

pub(super) struct SqliteConn {
    conn: Connection,
    /// Dropped with the connection: the checkpointer's signal to stop.
    _checkpointer: Option<Sender<()>>,
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::new(format!("sqlite: {e}"))
}

/// Opens `path` and sets the durability pragmas: WAL, and `synchronous=FULL` so that a commit is
/// on disk (power loss included) before it returns.
pub(super) fn open(path: &str, create: bool) -> Result<Box<dyn SqlConn + Send>, StoreError> {
    let conn = if create {
        create_private(path)?;
        Connection::open(path).map_err(err)?
    } else {
        Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                | rusqlite::OpenFlags::SQLITE_OPEN_URI
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::new(format!("sqlite: cannot open {path}: {e}")))?
    };
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(err)?;
    // The writer's own checkpoint (after a commit, once the WAL holds this many pages) is the
    // one that lets the WAL start over, and its database `fsync` writes out every page copied
    // since the last one. At SQLite's default of 1,000 pages that was a stall of about 2 ms
    // in the commit path every ~60 ms under load, and the receiver's p99; 256 pages (1 MiB)
    // make it four times as often and a quarter as long (p99 under wrk 8.1-8.7 ms -> 4.7-6.2
    // ms over alternating runs, same throughput).
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
        .map_err(err)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(Box::new(SqliteConn {
        conn,
        _checkpointer: start_checkpointer(path),
    }))
}

/// WAL pages after which the writer's commit checkpoints the WAL itself (see [`open`]).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 256;

/// How often the checkpointer copies the WAL into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// A thread with its own connection that copies the WAL into the database (`PASSIVE`: it never
/// blocks the writer) until the writer's connection is dropped. The writer's own automatic
/// checkpoint (every [`WAL_AUTOCHECKPOINT_PAGES`] pages, inside a commit, so that the WAL
/// restarts from its beginning) then finds most pages copied already, instead of stalling the
/// deliveries waiting on that commit for tens of milliseconds. `None` for an in-memory database.
fn start_checkpointer(path: &str) -> Option<Sender<()>> {
    if path == ":memory:" || path.is_empty() {
        return None;
    }
    let conn = Connection::open(path).ok()?;
    conn.busy_timeout(Duration::from_secs(10)).ok()?;
    let (stop, stopped) = channel::<()>();
    std::thread::Builder::new()
        .name("pg-notify-sqlite-checkpoint".into())
        .spawn(move || checkpoint_until_stopped(&conn, &stopped))
        .ok()?;
    Some(stop)
}

fn checkpoint_until_stopped(conn: &Connection, stopped: &Receiver<()>) {
    loop {
        let last = matches!(
            stopped.recv_timeout(CHECKPOINT_EVERY),
            Err(RecvTimeoutError::Disconnected) | Ok(())
        );
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if let Err(e) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed; the next one retries");
        }
        if last {
            return;
        }
    }
}

/// A parameter bound by reference (an event's body is not copied to be bound).
struct Param<'a>(&'a SqlValue);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            SqlValue::Int(Some(i)) => ValueRef::Integer(*i),
            SqlValue::Text(Some(t)) => ValueRef::Text(t.as_bytes()),
            SqlValue::Blob(Some(b)) => ValueRef::Blob(b),
            SqlValue::Int(None) | SqlValue::Text(None) | SqlValue::Blob(None) => ValueRef::Null,
        }))
    }
}

/// Creates a new database file readable by its owner only: it keeps the bodies re-runs decode,
/// secrets included. (SQLite gives its `-wal` and `-shm` files the database's permissions.) An
/// existing file keeps its permissions.
fn create_private(path: &str) -> Result<(), StoreError> {
    if path == ":memory:" || path.is_empty() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::new(format!(
            "sqlite: cannot create {path}: {e}"
        ))),
    }
}

impl SqlConn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(&sqlite_text(sql)).map_err(err)?;
        let n = stmt
            .execute(params_from_iter(params.iter().map(Param)))
            .map_err(err)?;
        Ok(n as u64)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&sqlite_text(sql)).map_err(err)?;
        let mut rows = stmt
            .query(params_from_iter(params.iter().map(Param)))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let mut values = Vec::with_capacity(columns.len());
            for (i, column) in columns.iter().enumerate() {
                values.push(match column {
                    ColumnType::Int => SqlValue::Int(row.get(i).map_err(err)?),
                    ColumnType::Text => SqlValue::Text(row.get(i).map_err(err)?),
                    ColumnType::Blob => SqlValue::Blob(row.get(i).map_err(err)?),
                });
            }
            out.push(values);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql).map_err(err)
    }
}

/// `sql` with SQLite's placeholders: as it is when it has no `$` (the store's own multi-row
/// insert is written with `?n` already, and is long), rewritten otherwise.
fn sqlite_text(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') {
        Cow::Owned(to_sqlite_placeholders(sql))
    } else {
        Cow::Borrowed(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_checkpoints_every_256_pages_and_commits_durably() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let mut conn = open(path.to_str().unwrap(), true).unwrap();
        let pragma = |conn: &mut Box<dyn SqlConn + Send>, name: &str| {
            conn.query(&format!("PRAGMA {name}"), &[], &[ColumnType::Int])
                .unwrap()[0][0]
                .as_i64()
        };
        assert_eq!(pragma(&mut conn, "wal_autocheckpoint"), Some(256));
        // FULL (2): a commit is on disk before it returns.
        assert_eq!(pragma(&mut conn, "synchronous"), Some(2));
    }

    #[test]
    fn the_wal_is_copied_into_the_database_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let mut conn = open(path.to_str().unwrap(), true).unwrap();
        conn.batch("CREATE TABLE t (b BLOB)").unwrap();
        conn.batch("BEGIN").unwrap();
        // About 150 pages: under the 256 that trigger the writer's own checkpoint.
        for _ in 0..300 {
            conn.execute(
                "INSERT INTO t (b) VALUES ($1)",
                &[SqlValue::Blob(Some(vec![7; 2000]))],
            )
            .unwrap();
        }
        conn.batch("COMMIT").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::fs::metadata(&path).unwrap().len() < 600_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the WAL was not checkpointed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let rows = conn
            .query("SELECT COUNT(*) FROM t", &[], &[ColumnType::Int])
            .unwrap();
        assert_eq!(rows[0][0].as_i64(), Some(300));
    }
}
