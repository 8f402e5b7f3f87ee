//! Merchants, kept as their settings' JSON.

use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use crate::merchant::{Gateway, Merchant};

/// One merchant.
pub(crate) fn get(c: &Connection, gateway: Gateway, mid: &str) -> Result<Option<Merchant>> {
    let json: Option<String> = c
        .query_row(
            "SELECT settings FROM merchants WHERE gateway = ?1 AND mid = ?2",
            params![gateway.as_str(), mid],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match json {
        Some(j) => Some(serde_json::from_str(&j)?),
        None => None,
    })
}

/// Inserts or replaces a merchant.
pub(crate) fn put(c: &Connection, m: &Merchant) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO merchants (gateway, mid, settings) VALUES (?1, ?2, ?3)
         ON CONFLICT (gateway, mid) DO UPDATE SET settings = excluded.settings",
    )?
    .execute(params![
        m.gateway.as_str(),
        m.mid,
        serde_json::to_string(m)?
    ])?;
    Ok(())
}

/// Every merchant, by gateway and mid.
pub(crate) fn list(c: &Connection) -> Result<Vec<Merchant>> {
    let mut stmt = c.prepare_cached("SELECT settings FROM merchants ORDER BY gateway, mid")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for json in rows {
        out.push(serde_json::from_str(&json?)?);
    }
    Ok(out)
}
