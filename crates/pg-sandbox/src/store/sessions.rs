//! Browser sessions (Innopay Web-Link drafts, Smartro payment windows), SS-Pay members and
//! their cards, and approval tokens (`TrAuthKey`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Result, kst, kst_opt};

/// A browser session: the request that opened a page, kept until the buyer or staff finish.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Session {
    pub(crate) token: String,
    pub(crate) gateway: String,
    pub(crate) mid: String,
    /// `web-link` or `window`.
    pub(crate) kind: String,
    /// The request's fields (and what the page added).
    pub(crate) data: serde_json::Map<String, serde_json::Value>,
    /// `open`, `done`, `stopped`.
    pub(crate) state: String,
    #[serde(serialize_with = "kst")]
    pub(crate) created_at: i64,
}

impl Session {
    /// A text field of `data`.
    pub(crate) fn field(&self, name: &str) -> &str {
        self.data
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    }

    /// Saves the session (insert or replace).
    pub(crate) fn save(&self, c: &Connection) -> Result<()> {
        c.prepare_cached("INSERT INTO sessions (token, gateway, mid, kind, data, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (token) DO UPDATE SET data = excluded.data, state = excluded.state")?.execute(params![
                self.token,
                self.gateway,
                self.mid,
                self.kind,
                serde_json::Value::Object(self.data.clone()).to_string(),
                self.state,
                self.created_at
            ],
        )?;
        Ok(())
    }

    /// One session.
    pub(crate) fn get(c: &Connection, token: &str) -> Result<Option<Session>> {
        let row = c
            .query_row(
                "SELECT token, gateway, mid, kind, data, state, created_at FROM sessions WHERE token = ?1",
                [token],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                },
            )
            .optional()?;
        Ok(match row {
            Some((token, gateway, mid, kind, data, state, created_at)) => Some(Session {
                token,
                gateway,
                mid,
                kind,
                data: serde_json::from_str(&data)?,
                state,
                created_at,
            }),
            None => None,
        })
    }
}

/// An SS-Pay member (Smartro): identity verified once, cards registered.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Merchant id.
    pub mid: String,
    /// The member (`MallUserId`).
    pub mall_user_id: String,
    /// Name from the identity verification (본인인증).
    pub verified_name: String,
    /// Mobile number from the identity verification.
    pub verified_phone: String,
    /// When registered (Unix ms).
    #[serde(serialize_with = "kst")]
    pub created_at: i64,
}

impl Member {
    /// One member.
    pub(crate) fn get(c: &Connection, mid: &str, mall_user_id: &str) -> Result<Option<Member>> {
        Ok(c.prepare_cached(
            "SELECT mid, mall_user_id, verified_name, verified_phone, created_at FROM members
             WHERE mid = ?1 AND mall_user_id = ?2",
        )?
        .query_row([mid, mall_user_id], member_row)
        .optional()?)
    }

    /// Saves a member (its identity is replaced by a new verification).
    pub(crate) fn save(&self, c: &Connection) -> Result<()> {
        c.prepare_cached("INSERT INTO members (mid, mall_user_id, verified_name, verified_phone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (mid, mall_user_id) DO UPDATE SET verified_name = excluded.verified_name,
                 verified_phone = excluded.verified_phone")?.execute(params![self.mid, self.mall_user_id, self.verified_name, self.verified_phone, self.created_at],
        )?;
        Ok(())
    }

    /// Deletes a member and its cards: `None` when there was no member, else how many cards.
    pub(crate) fn delete(c: &Connection, mid: &str, mall_user_id: &str) -> Result<Option<usize>> {
        if c.prepare_cached("DELETE FROM members WHERE mid = ?1 AND mall_user_id = ?2")?
            .execute([mid, mall_user_id])?
            == 0
        {
            return Ok(None);
        }
        Ok(Some(
            c.prepare_cached("DELETE FROM cards WHERE mid = ?1 AND mall_user_id = ?2")?
                .execute([mid, mall_user_id])?,
        ))
    }

    /// Every member, newest first.
    pub(crate) fn list(c: &Connection, limit: i64) -> Result<Vec<Member>> {
        let mut stmt = c.prepare_cached(
            "SELECT mid, mall_user_id, verified_name, verified_phone, created_at FROM members
             ORDER BY created_at DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], member_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        mid: r.get(0)?,
        mall_user_id: r.get(1)?,
        verified_name: r.get(2)?,
        verified_phone: r.get(3)?,
        created_at: r.get(4)?,
    })
}

const CARD_COLUMNS: &str =
    "id, mid, mall_user_id, masked, company, decline_code, decline_msg, pin_hash, created_at";

fn card_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Card> {
    Ok(Card {
        id: r.get(0)?,
        mid: r.get(1)?,
        mall_user_id: r.get(2)?,
        masked: r.get(3)?,
        company: r.get(4)?,
        decline_code: r.get(5)?,
        decline_msg: r.get(6)?,
        pin_hash: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// A card registered to an SS-Pay member. Only the masked number is kept.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Card {
    pub(crate) id: i64,
    pub(crate) mid: String,
    pub(crate) mall_user_id: String,
    pub(crate) masked: String,
    pub(crate) company: String,
    /// The test card's decline, if it is a declining card.
    pub(crate) decline_code: Option<String>,
    pub(crate) decline_msg: Option<String>,
    /// SHA-256 of the SS-Pay password (never shown).
    #[serde(skip)]
    pub(crate) pin_hash: String,
    #[serde(serialize_with = "kst")]
    pub(crate) created_at: i64,
}

impl Card {
    /// Registers the card.
    pub(crate) fn insert(&mut self, c: &Connection) -> Result<()> {
        c.prepare_cached("INSERT INTO cards (mid, mall_user_id, masked, company, decline_code, decline_msg, pin_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
                self.mid, self.mall_user_id, self.masked, self.company, self.decline_code,
                self.decline_msg, self.pin_hash, self.created_at
            ],
        )?;
        self.id = c.last_insert_rowid();
        Ok(())
    }

    /// Removes a member's card; `false` when it is not theirs.
    pub(crate) fn delete(c: &Connection, mid: &str, mall_user_id: &str, id: i64) -> Result<bool> {
        Ok(
            c.prepare_cached("DELETE FROM cards WHERE id = ?1 AND mid = ?2 AND mall_user_id = ?3")?
                .execute(params![id, mid, mall_user_id])?
                == 1,
        )
    }

    /// A member's cards, oldest first.
    pub(crate) fn of(c: &Connection, mid: &str, mall_user_id: &str) -> Result<Vec<Card>> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {CARD_COLUMNS} FROM cards WHERE mid = ?1 AND mall_user_id = ?2 ORDER BY id"
        ))?;
        let rows = stmt.query_map([mid, mall_user_id], card_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// An approval token issued by the payment window.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Authentication {
    pub(crate) tid: String,
    pub(crate) session: String,
    /// SHA-256 of the `TrAuthKey` (never shown).
    #[serde(skip)]
    pub(crate) key_hash: String,
    pub(crate) card_id: i64,
    pub(crate) quota: String,
    #[serde(serialize_with = "kst")]
    pub(crate) expires_at: i64,
    #[serde(serialize_with = "kst_opt")]
    pub(crate) used_at: Option<i64>,
    #[serde(serialize_with = "kst")]
    pub(crate) created_at: i64,
}

impl Authentication {
    /// Stores a new token.
    pub(crate) fn insert(&self, c: &Connection) -> Result<()> {
        c.prepare_cached("INSERT INTO authentications (tid, session, key_hash, card_id, quota, expires_at, used_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
                self.tid, self.session, self.key_hash, self.card_id, self.quota, self.expires_at,
                self.used_at, self.created_at
            ],
        )?;
        Ok(())
    }

    /// The token of a transaction.
    pub(crate) fn get(c: &Connection, tid: &str) -> Result<Option<Authentication>> {
        Ok(c.prepare_cached(
            "SELECT tid, session, key_hash, card_id, quota, expires_at, used_at, created_at
             FROM authentications WHERE tid = ?1",
        )?
        .query_row([tid], |r| {
            Ok(Authentication {
                tid: r.get(0)?,
                session: r.get(1)?,
                key_hash: r.get(2)?,
                card_id: r.get(3)?,
                quota: r.get(4)?,
                expires_at: r.get(5)?,
                used_at: r.get(6)?,
                created_at: r.get(7)?,
            })
        })
        .optional()?)
    }

    /// Marks the token used; `false` when it already was.
    pub(crate) fn mark_used(c: &Connection, tid: &str, at: i64) -> Result<bool> {
        Ok(c.prepare_cached(
            "UPDATE authentications SET used_at = ?2 WHERE tid = ?1 AND used_at IS NULL",
        )?
        .execute(params![tid, at])?
            == 1)
    }

    /// The card a token was issued for.
    pub(crate) fn card(&self, c: &Connection) -> Result<Option<Card>> {
        Ok(
            c.prepare_cached(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE id = ?1"))?
                .query_row([self.card_id], card_row)
                .optional()?,
        )
    }
}
