//! The simulator's state in SQLite (a file, or in memory by default): merchants, orders,
//! transactions and cancels, SMS messages, payment-window sessions, SS-Pay members and cards,
//! approval tokens, and every notification delivery with each attempt and its answer.
//!
//! One connection behind a mutex: every operation is a short transaction, and the simulator's
//! load is what one developer's tests produce.

mod deliveries;
mod merchants;
mod payments;
mod sessions;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension};
use serde::Serializer;

pub(crate) use deliveries::NewDelivery;
pub use deliveries::{Attempt, Delivery, DeliveryState};
pub use payments::{Cancel, OrderState, SmsMessage, SmsOrder, Transaction, TxState};
pub use sessions::Member;
pub(crate) use sessions::{Authentication, Card, Session};

use crate::merchant::{Gateway, Merchant};

/// A store failure: the simulator answers it as the vendor's system error.
#[derive(Debug, thiserror::Error)]
#[error("simulator store: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(e.to_string())
    }
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS merchants (
    gateway TEXT NOT NULL, mid TEXT NOT NULL, settings TEXT NOT NULL,
    PRIMARY KEY (gateway, mid));
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, mid TEXT NOT NULL, moid TEXT NOT NULL, source TEXT NOT NULL,
    pg_mid TEXT NOT NULL, goods_name TEXT NOT NULL, amount INTEGER NOT NULL, duty_free INTEGER,
    buyer_name TEXT NOT NULL, buyer_tel TEXT NOT NULL, buyer_email TEXT NOT NULL,
    user_id TEXT NOT NULL, svc_prdt_cd TEXT NOT NULL, expires_at INTEGER NOT NULL,
    link_code TEXT NOT NULL UNIQUE, state TEXT NOT NULL, tid TEXT, created_at INTEGER NOT NULL,
    UNIQUE (mid, moid));
CREATE TABLE IF NOT EXISTS sms (
    id INTEGER PRIMARY KEY, mid TEXT NOT NULL, moid TEXT NOT NULL, phone TEXT NOT NULL,
    text TEXT NOT NULL, link TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
    tid TEXT PRIMARY KEY, gateway TEXT NOT NULL, mid TEXT NOT NULL, moid TEXT NOT NULL,
    amount INTEGER NOT NULL, cancelled INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL,
    result_code TEXT NOT NULL, result_msg TEXT NOT NULL, card_masked TEXT NOT NULL,
    card_company TEXT NOT NULL, quota TEXT NOT NULL, approval_no TEXT NOT NULL,
    approved_at INTEGER, goods_name TEXT NOT NULL, buyer_name TEXT NOT NULL,
    buyer_tel TEXT NOT NULL, buyer_email TEXT NOT NULL, details TEXT NOT NULL,
    created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS transactions_moid ON transactions (mid, moid);
CREATE TABLE IF NOT EXISTS cancels (
    cancel_tid TEXT PRIMARY KEY, tid TEXT NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL,
    remaining INTEGER NOT NULL, partial INTEGER NOT NULL, reason TEXT NOT NULL,
    approval_no TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS cancels_tid ON cancels (tid);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, gateway TEXT NOT NULL, mid TEXT NOT NULL, kind TEXT NOT NULL,
    data TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    mid TEXT NOT NULL, mall_user_id TEXT NOT NULL, verified_name TEXT NOT NULL,
    verified_phone TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (mid, mall_user_id));
CREATE TABLE IF NOT EXISTS cards (
    id INTEGER PRIMARY KEY, mid TEXT NOT NULL, mall_user_id TEXT NOT NULL, masked TEXT NOT NULL,
    company TEXT NOT NULL, decline_code TEXT, decline_msg TEXT, pin_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS authentications (
    tid TEXT PRIMARY KEY, session TEXT NOT NULL, key_hash TEXT NOT NULL, card_id INTEGER NOT NULL,
    quota TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY, gateway TEXT NOT NULL, mid TEXT NOT NULL, tid TEXT NOT NULL,
    moid TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, charset TEXT NOT NULL, note TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER,
    created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY, delivery_id INTEGER NOT NULL, number INTEGER NOT NULL,
    url TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER, answer TEXT NOT NULL,
    error TEXT, acknowledged INTEGER NOT NULL, elapsed_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

const TABLES: [&str; 11] = [
    "merchants",
    "orders",
    "sms",
    "transactions",
    "cancels",
    "sessions",
    "members",
    "cards",
    "authentications",
    "deliveries",
    "attempts",
];

/// The store: one SQLite connection, and the merchants read through it.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Mutex<Connection>,
    /// Merchants as last read. Filled and forgotten only while the connection is held, so a
    /// reader never keeps a value older than the last write.
    merchants: Mutex<HashMap<(Gateway, String), Arc<Merchant>>>,
}

impl Store {
    /// Opens (or creates) the database at `path`, or an in-memory one; loads the preset
    /// merchants that are missing.
    pub(crate) fn open(path: Option<&Path>) -> Result<Store> {
        let conn = match path {
            Some(p) => {
                let conn = Connection::open(p)?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every statement the simulator runs stays prepared.
        conn.set_prepared_statement_cache_capacity(128);
        conn.execute_batch(SCHEMA)?;
        let store = Store {
            conn: Mutex::new(conn),
            merchants: Mutex::new(HashMap::new()),
        };
        store.with(|c| {
            for m in Merchant::presets() {
                if merchants::get(c, m.gateway, &m.mid)?.is_none() {
                    merchants::put(c, &m)?;
                }
            }
            Ok(())
        })?;
        Ok(store)
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// A merchant, from the cache or the database.
    pub(crate) fn merchant(&self, gateway: Gateway, mid: &str) -> Result<Option<Arc<Merchant>>> {
        let key = (gateway, mid.to_owned());
        if let Some(m) = self.cache().get(&key) {
            return Ok(Some(m.clone()));
        }
        self.with(|c| {
            let found = merchants::get(c, gateway, mid)?.map(Arc::new);
            if let Some(m) = &found {
                self.cache().insert(key, m.clone());
            }
            Ok(found)
        })
    }

    /// Saves a merchant; call inside [`Store::with`], so that the cache forgets under the lock.
    pub(crate) fn put_merchant(&self, c: &Connection, merchant: &Merchant) -> Result<()> {
        self.cache().clear();
        merchants::put(c, merchant)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(Gateway, String), Arc<Merchant>>> {
        self.merchants.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The virtual time last saved (Unix ms), so that a restarted simulator resumes it.
    pub(crate) fn saved_clock(&self) -> Result<Option<i64>> {
        self.with(|c| {
            Ok(
                c.prepare_cached("SELECT value FROM meta WHERE key = 'clock_ms'")?
                    .query_row([], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    /// Saves the virtual time.
    pub(crate) fn save_clock(&self, ms: i64) -> Result<()> {
        self.with(|c| {
            c.prepare_cached(
                "INSERT INTO meta (key, value) VALUES ('clock_ms', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
            )?
            .execute([ms])?;
            Ok(())
        })
    }

    /// Deletes everything (the saved clock aside) and restores the preset merchants.
    pub(crate) fn reset(&self) -> Result<()> {
        self.with(|c| {
            self.cache().clear();
            for table in TABLES {
                c.prepare_cached(&format!("DELETE FROM {table}"))?
                    .execute([])?;
            }
            for m in Merchant::presets() {
                merchants::put(c, &m)?;
            }
            Ok(())
        })
    }
}

pub(crate) use merchants::{get as merchant, list as merchants};

/// Serializes Unix milliseconds as Korean time, `yyyy-MM-dd HH:mm:ss`.
pub(crate) fn kst<S: Serializer>(ms: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&kst_text(*ms))
}

/// Like [`kst`], for an optional time.
pub(crate) fn kst_opt<S: Serializer>(
    ms: &Option<i64>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&kst_text(*ms)),
        None => s.serialize_none(),
    }
}

/// Unix milliseconds as Korean time, `yyyy-MM-dd HH:mm:ss`.
pub(crate) fn kst_text(ms: i64) -> String {
    pg_core::KstDateTime::from_instant(crate::clock::from_ms(ms)).format(pg_core::KstFormat::Dashed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_presets_and_resets() {
        let store = Store::open(None).unwrap();
        let all = store.with(merchants).unwrap();
        assert_eq!(all.len(), 2);
        let mut m = store
            .with(|c| merchant(c, Gateway::Innopay, "testpay01m"))
            .unwrap()
            .unwrap();
        m.notify.url = Some("http://127.0.0.1:9/notify".into());
        store.with(|c| store.put_merchant(c, &m)).unwrap();
        let cached = store
            .merchant(Gateway::Innopay, "testpay01m")
            .unwrap()
            .unwrap();
        assert!(cached.notify.url.is_some());
        store.reset().unwrap();
        let again = store
            .merchant(Gateway::Innopay, "testpay01m")
            .unwrap()
            .unwrap();
        assert_eq!(again.notify.url, None, "the cache forgot it on reset");
    }

    #[test]
    fn a_file_database_keeps_state() {
        let dir = std::env::temp_dir().join(format!("pgkit-sandbox-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sandbox.db");
        let _ = std::fs::remove_file(&path);
        {
            let store = Store::open(Some(&path)).unwrap();
            let mut m = store
                .with(|c| merchant(c, Gateway::Smartro, "t_2510201m"))
                .unwrap()
                .unwrap();
            m.notify.retries = 9;
            store.with(|c| store.put_merchant(c, &m)).unwrap();
        }
        let store = Store::open(Some(&path)).unwrap();
        let m = store
            .with(|c| merchant(c, Gateway::Smartro, "t_2510201m"))
            .unwrap()
            .unwrap();
        assert_eq!(m.notify.retries, 9);
        assert_eq!(kst_text(0), "1970-01-01 09:00:00");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
