//! A small SQL surface shared by the SQLite and PostgreSQL stores, and given to handlers so that
//! their writes commit in the same transaction as the event.

use std::fmt;

/// Which SQL dialect a connection speaks. Write statements with `$1`, `$2`... placeholders for
/// either: the SQLite backend rewrites them to `?1`, `?2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A typed SQL value (typed even when null, as PostgreSQL needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A 64-bit integer (`BIGINT` / `INTEGER`).
    Int(Option<i64>),
    /// Text.
    Text(Option<String>),
    /// Bytes (`BYTEA` / `BLOB`).
    Blob(Option<Vec<u8>>),
}

impl SqlValue {
    /// The integer, if this is a non-null integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            SqlValue::Int(v) => *v,
            _ => None,
        }
    }

    /// The text, if this is non-null text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            SqlValue::Text(v) => v.as_deref(),
            _ => None,
        }
    }

    /// The bytes, if this is a non-null blob.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            SqlValue::Blob(v) => v.as_deref(),
            _ => None,
        }
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(Some(v))
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(Some(v.to_owned()))
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(Some(v))
    }
}

impl From<Option<String>> for SqlValue {
    fn from(v: Option<String>) -> Self {
        SqlValue::Text(v)
    }
}

impl From<Option<i64>> for SqlValue {
    fn from(v: Option<i64>) -> Self {
        SqlValue::Int(v)
    }
}

/// The type of a result column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Integer.
    Int,
    /// Text.
    Text,
    /// Bytes.
    Blob,
}

/// A database failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

impl StoreError {
    /// A store error with a message.
    pub fn new(message: impl fmt::Display) -> Self {
        StoreError(message.to_string())
    }
}

/// A connection inside a transaction: what the store runs its statements on, and what a
/// [`crate::Handler`] gets to write its effect atomically with the event.
pub trait SqlConn {
    /// The dialect.
    fn dialect(&self) -> Dialect;

    /// Executes a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError>;

    /// Runs a query and returns every row, read with the given column types.
    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, StoreError>;

    /// Runs statements without parameters (`BEGIN`, `SAVEPOINT`, DDL).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    /// The first row of a query, if any.
    fn query_one(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Option<Vec<SqlValue>>, StoreError> {
        Ok(self.query(sql, params, columns)?.into_iter().next())
    }
}

/// Rewrites `$1`-style placeholders to SQLite's `?1`.
pub fn to_sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            to_sqlite_placeholders("SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '$x'"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '$x'"
        );
    }
}
