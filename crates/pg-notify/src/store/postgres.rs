//! The PostgreSQL backend: one synchronous connection on the writer thread. Several receiver
//! instances may share a database: rows are locked (`SELECT ... FOR UPDATE`) and batches take
//! them in key order.

use postgres::types::ToSql;
use std::collections::HashMap;

use postgres::{Client, NoTls, Statement};

use crate::sql::{ColumnType, Dialect, SqlConn, SqlValue, StoreError};

pub(super) struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    /// A prepared statement, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(err)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn err(e: postgres::Error) -> StoreError {
    StoreError::new(format!("postgres: {e}"))
}

/// Connects (no TLS: run the receiver next to its database, or tunnel).
pub(super) fn open(url: &str) -> Result<Box<dyn SqlConn + Send>, StoreError> {
    let client = Client::connect(url, NoTls).map_err(err)?;
    Ok(Box::new(PgConn {
        client,
        statements: HashMap::new(),
    }))
}

/// The parameters, borrowed: `Option<i64>`, `Option<String>` and `Option<Vec<u8>>` are
/// `ToSql` themselves (typed NULLs included). Boxing a copy of each had cost a batch of 64
/// events 1,280 allocations and a copy of every body.
fn borrowed(params: &[SqlValue]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| -> &(dyn ToSql + Sync) {
            match p {
                SqlValue::Int(v) => v,
                SqlValue::Text(v) => v,
                SqlValue::Blob(v) => v,
            }
        })
        .collect()
}

impl SqlConn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        self.client.execute(&stmt, &borrowed(params)).map_err(err)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        let stmt = self.statement(sql)?;
        let rows = self.client.query(&stmt, &borrowed(params)).map_err(err)?;
        rows.iter()
            .map(|row| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        Ok(match c {
                            ColumnType::Int => SqlValue::Int(row.try_get(i).map_err(err)?),
                            ColumnType::Text => SqlValue::Text(row.try_get(i).map_err(err)?),
                            ColumnType::Blob => SqlValue::Blob(row.try_get(i).map_err(err)?),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(err)
    }
}
