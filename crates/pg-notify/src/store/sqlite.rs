//! The SQLite backend: one connection on the writer thread, WAL journal, `synchronous=FULL`.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use crate::sql::{ColumnType, Dialect, SqlConn, SqlValue, StoreError, to_sqlite_placeholders};

pub(super) struct SqliteConn {
    conn: Connection,
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
    conn.set_prepared_statement_cache_capacity(64);
    Ok(Box::new(SqliteConn { conn }))
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

fn to_value(v: &SqlValue) -> Value {
    match v {
        SqlValue::Int(Some(i)) => Value::Integer(*i),
        SqlValue::Text(Some(t)) => Value::Text(t.clone()),
        SqlValue::Blob(Some(b)) => Value::Blob(b.clone()),
        SqlValue::Int(None) | SqlValue::Text(None) | SqlValue::Blob(None) => Value::Null,
    }
}

impl SqlConn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&to_sqlite_placeholders(sql))
            .map_err(err)?;
        let n = stmt
            .execute(params_from_iter(params.iter().map(to_value)))
            .map_err(err)?;
        Ok(n as u64)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&to_sqlite_placeholders(sql))
            .map_err(err)?;
        let mut rows = stmt
            .query(params_from_iter(params.iter().map(to_value)))
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
