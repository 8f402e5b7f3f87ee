//! Table names and DDL for both dialects.

use std::sync::{Arc, OnceLock};

use crate::sql::{Dialect, StoreError};

/// The store's table names, from a configurable prefix.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub(crate) events: String,
    pub(crate) rejections: String,
    /// The multi-row insert's text for 1, 2, 4 ... 64 rows in each dialect, built on first use
    /// (building the 64-row text, 1,280 placeholders, and rewriting it for SQLite had cost
    /// about a microsecond per row, every batch).
    pub(crate) insert_sql: Arc<[[OnceLock<String>; 7]; 2]>,
}

impl Tables {
    /// Tables named `{prefix}events` and `{prefix}rejections`. The prefix is letters, digits and
    /// `_` only, since it is spliced into SQL.
    pub(crate) fn new(prefix: &str) -> Result<Self, StoreError> {
        if prefix.is_empty()
            || prefix.len() > 40
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || prefix.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(StoreError::new(format!(
                "table prefix {prefix:?} must be 1-40 letters, digits or '_', not starting with a digit"
            )));
        }
        Ok(Tables {
            events: format!("{prefix}events"),
            rejections: format!("{prefix}rejections"),
            insert_sql: Arc::default(),
        })
    }

    /// The DDL creating both tables if they do not exist.
    pub(crate) fn ddl(&self, dialect: Dialect) -> String {
        let (id, int, blob) = match dialect {
            Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", "BLOB"),
            Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA"),
        };
        let Tables {
            events, rejections, ..
        } = self;
        let failed = crate::event::EventState::Failed.as_str();
        format!(
            "CREATE TABLE IF NOT EXISTS {events} (
                id {id},
                idempotency_key TEXT NOT NULL UNIQUE,
                gateway TEXT NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                tid TEXT,
                moid TEXT,
                amount {int},
                approved_amount {int},
                state TEXT NOT NULL,
                attempts {int} NOT NULL,
                deliveries {int} NOT NULL,
                last_error TEXT,
                content_type TEXT,
                remote_addr TEXT,
                body {blob} NOT NULL,
                rerun_body {blob},
                conflicts {int} NOT NULL DEFAULT 0,
                conflict_detail TEXT,
                conflict_body {blob},
                signature TEXT,
                received_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                processed_at TEXT
            );
            CREATE INDEX IF NOT EXISTS {events}_failed ON {events} (id) WHERE state = '{failed}';
            CREATE TABLE IF NOT EXISTS {rejections} (
                id {id},
                gateway TEXT NOT NULL,
                reason TEXT NOT NULL,
                remote_addr TEXT,
                content_type TEXT,
                body {blob} NOT NULL,
                body_size {int},
                body_sha256 TEXT,
                received_at TEXT NOT NULL
            );"
        )
    }

    /// The columns added since the first release, for databases created before them: each
    /// statement adds one (`ADD COLUMN` fails harmlessly where it exists).
    pub(crate) fn upgrades(&self, dialect: Dialect) -> Vec<String> {
        let if_missing = match dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => "IF NOT EXISTS ",
        };
        let (events, rejections) = added_columns(dialect);
        let add = |table: &str, column: &String| {
            format!("ALTER TABLE {table} ADD COLUMN {if_missing}{column}")
        };
        let mut statements: Vec<String> = events
            .iter()
            .map(|c| add(&self.events, c))
            .chain(rejections.iter().map(|c| add(&self.rejections, c)))
            .collect();
        // Every event had an entry in an index of its state; only failed ones (what a person
        // looks for) have one now, in `{events}_failed`: a processed event, nearly every one,
        // writes one index page less per batch.
        statements.push(format!("DROP INDEX IF EXISTS {}_state", self.events));
        if dialect == Dialect::Postgres {
            // A row of a 2 KB body went through TOAST compression (pglz), the largest single
            // cost of PostgreSQL's side of a delivery: rows up to a page stay inline and
            // uncompressed. (Repeating it is harmless.)
            statements.push(format!(
                "ALTER TABLE {} SET (toast_tuple_target = {TOAST_TUPLE_TARGET})",
                self.events
            ));
        }
        statements
    }

    /// PostgreSQL: one row, `1` when the tables already are what [`Tables::ddl`] and
    /// [`Tables::upgrades`] make them (every added column, the index of failed events and not
    /// the old one of states, the TOAST setting), else `0`. Read from the catalog only, so that
    /// a receiver joining others on a live database takes no lock on their tables: the
    /// statements that make them (`ALTER TABLE ... ADD COLUMN IF NOT EXISTS` takes an
    /// exclusive lock even when the column exists) run only when something is missing.
    pub(crate) fn is_current_sql(&self) -> String {
        let (events, rejections) = added_columns(Dialect::Postgres);
        let has_all = |table: &str, columns: &[String]| {
            let names: Vec<String> = columns
                .iter()
                .map(|c| format!("'{}'", c.split(' ').next().unwrap_or_default()))
                .collect();
            format!(
                "(SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('{table}') \
                 AND NOT attisdropped AND attname IN ({})) = {}",
                names.join(", "),
                names.len()
            )
        };
        let events_table = &self.events;
        format!(
            "SELECT (CASE WHEN {} AND {} \
             AND to_regclass('{events_table}_failed') IS NOT NULL \
             AND to_regclass('{events_table}_state') IS NULL \
             AND EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('{events_table}') \
             AND 'toast_tuple_target={TOAST_TUPLE_TARGET}' = ANY(reloptions)) \
             THEN 1 ELSE 0 END)::bigint",
            has_all(events_table, &events),
            has_all(&self.rejections, &rejections),
        )
    }
}

/// PostgreSQL: the largest events row kept inline and uncompressed (a page less its header).
const TOAST_TUPLE_TARGET: u32 = 8160;

/// The columns added since the first release, as `name TYPE ...`: the events', the
/// rejections'.
fn added_columns(dialect: Dialect) -> ([String; 6], [String; 2]) {
    let (int, blob) = match dialect {
        Dialect::Sqlite => ("INTEGER", "BLOB"),
        Dialect::Postgres => ("BIGINT", "BYTEA"),
    };
    let events = [
        format!("approved_amount {int}"),
        format!("rerun_body {blob}"),
        format!("conflicts {int} NOT NULL DEFAULT 0"),
        "conflict_detail TEXT".to_owned(),
        format!("conflict_body {blob}"),
        "signature TEXT".to_owned(),
    ];
    let rejections = [format!("body_size {int}"), "body_sha256 TEXT".to_owned()];
    (events, rejections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked() {
        assert!(Tables::new("pgkit_").is_ok());
        assert!(Tables::new("t1_x").is_ok());
        assert!(Tables::new("").is_err());
        assert!(Tables::new("x; DROP TABLE y").is_err());
        assert!(Tables::new("1abc").is_err());
    }

    #[test]
    fn the_multi_row_insert_is_spelled_per_dialect_and_kept() {
        use super::super::ops::insert_rows_sql;
        let t = Tables::new("pgkit_").unwrap();
        let sqlite = insert_rows_sql(&t, 2, Dialect::Sqlite);
        assert!(sqlite.contains("(?1, ?2,") && sqlite.contains("?40)") && !sqlite.contains('$'));
        let postgres = insert_rows_sql(&t, 2, Dialect::Postgres);
        assert!(postgres.contains("($1, $2,") && postgres.contains("$40)"));
        // Powers of two come from the cache (the same text each time); other counts are built.
        assert!(std::ptr::eq(
            insert_rows_sql(&t, 2, Dialect::Sqlite).as_ref(),
            sqlite.as_ref()
        ));
        assert!(matches!(
            insert_rows_sql(&t, 3, Dialect::Sqlite),
            std::borrow::Cow::Owned(text) if text.contains("?60)")
        ));
        assert!(matches!(
            insert_rows_sql(&t, 128, Dialect::Postgres),
            std::borrow::Cow::Owned(_)
        ));
    }
}
