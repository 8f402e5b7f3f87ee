//! Identifiers: order number ([`Moid`]), transaction id ([`Tid`]), merchant id ([`Mid`]) and
//! the buyer's [`PhoneNumber`].
//!
//! Constructors named `parse` are strict: they are for values the merchant sends. Values that
//! come *from* a gateway (a notification's order number, a response's transaction id) go through
//! the lenient `received` constructors, so a gateway's unexpected but harmless spelling never
//! makes a payment result undecodable.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::kst::KstDateTime;

mod phone;

pub use phone::PhoneNumber;

/// Why a text is not a valid identifier. Names the identifier and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {rule}")]
pub struct InvalidId {
    /// Which identifier (`"Moid"`, `"Tid"`, `"Mid"`, `"PhoneNumber"`).
    pub what: &'static str,
    /// The rule the text breaks.
    pub rule: IdRule,
}

/// The rule an identifier breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdRule {
    /// Empty text.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("at most {max} characters, got {actual}")]
    TooLong {
        /// The maximum.
        max: usize,
        /// The length given.
        actual: usize,
    },
    /// Not exactly the required length.
    #[error("exactly {expected} characters, got {actual}")]
    WrongLength {
        /// The required length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A character the identifier may not hold.
    #[error("character {character:?} at position {position} is not allowed ({allowed})")]
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its character position (0-based).
        position: usize,
        /// What is allowed.
        allowed: &'static str,
    },
    /// A phone number with a number of digits no Korean number has.
    #[error("a Korean phone number has 8 to 11 digits, got {digits}")]
    PhoneDigits {
        /// How many digits were given.
        digits: usize,
    },
    /// A phone number that does not start like a Korean number (`0…`, `15…`, `16…`, `18…`).
    #[error(
        "not a Korean phone number (must start with 0, or be an 8-digit 15xx/16xx/18xx number)"
    )]
    PhonePrefix,
    /// A separator at the start or end, or two in a row.
    #[error("misplaced separator at position {position}")]
    MisplacedSeparator {
        /// Character position of the separator.
        position: usize,
    },
}

impl From<InvalidId> for crate::error::InvalidInput {
    /// An invalid identifier as invalid input, against the identifier's name.
    fn from(e: InvalidId) -> Self {
        crate::error::InvalidInput::single(
            e.what,
            crate::field_spec::Rule::Format {
                expected: "a valid identifier",
                reason: e.rule.to_string(),
            },
        )
    }
}

impl From<InvalidId> for crate::error::Error {
    fn from(e: InvalidId) -> Self {
        crate::error::Error::InvalidInput(e.into())
    }
}

fn invalid(what: &'static str, rule: IdRule) -> InvalidId {
    InvalidId { what, rule }
}

/// Checks length (in characters, all ASCII here) and the allowed characters.
fn check_chars(
    what: &'static str,
    text: &str,
    max: usize,
    allowed: &'static str,
    ok: impl Fn(char) -> bool,
) -> Result<(), InvalidId> {
    if text.is_empty() {
        return Err(invalid(what, IdRule::Empty));
    }
    if let Some((position, character)) = text.chars().enumerate().find(|(_, c)| !ok(*c)) {
        return Err(invalid(
            what,
            IdRule::InvalidCharacter {
                character,
                position,
                allowed,
            },
        ));
    }
    if text.len() > max {
        return Err(invalid(
            what,
            IdRule::TooLong {
                max,
                actual: text.len(),
            },
        ));
    }
    Ok(())
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_order_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Checks a value received from a gateway: non-empty, at most `max` bytes, no control characters.
fn check_received(what: &'static str, text: &str, max: usize) -> Result<(), InvalidId> {
    if text.is_empty() {
        return Err(invalid(what, IdRule::Empty));
    }
    // Printable ASCII (nearly every id) has no control character: one byte loop, which the
    // compiler vectorizes, instead of decoding characters.
    let printable_ascii = text.bytes().all(|b| matches!(b, b' '..=b'~'));
    if !printable_ascii
        && let Some((position, character)) = text.chars().enumerate().find(|(_, c)| c.is_control())
    {
        return Err(invalid(
            what,
            IdRule::InvalidCharacter {
                character,
                position,
                allowed: "no control characters",
            },
        ));
    }
    if text.len() > max {
        return Err(invalid(
            what,
            IdRule::TooLong {
                max,
                actual: text.len(),
            },
        ));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(CompactString);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                $name::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Deserializes leniently, as a value received from a gateway.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::received(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// Merchant order number (가맹점 주문번호, `Moid`).
    ///
    /// [`Moid::parse`]: 1 to 40 characters of ASCII letters, digits, `_` and `-` (the manuals
    /// allow no other special characters; `_` and `-` appear in the vendors' own samples).
    Moid
);

impl Moid {
    /// Maximum length of an order number the merchant sends.
    pub const MAX_LEN: usize = 40;

    /// Parses an order number to send.
    pub fn parse(text: &str) -> Result<Moid, InvalidId> {
        check_chars(
            "Moid",
            text,
            Self::MAX_LEN,
            "ASCII letters, digits, '_' and '-'",
            is_order_char,
        )?;
        Ok(Moid(CompactString::from(text)))
    }

    /// Accepts an order number as a gateway sent it: non-empty, at most 100 bytes, no control
    /// characters (Innopay's notification allows 60 bytes of Hangul, Smartro's approval 100).
    pub fn received(text: &str) -> Result<Moid, InvalidId> {
        check_received("Moid", text, 100)?;
        Ok(Moid(CompactString::from(text)))
    }
}

string_id!(
    /// Merchant id (상점 아이디, `Mid`): 1 to 10 ASCII letters, digits or `_`.
    Mid
);

impl Mid {
    /// Maximum length of a merchant id.
    pub const MAX_LEN: usize = 10;

    /// Parses a merchant id.
    pub fn parse(text: &str) -> Result<Mid, InvalidId> {
        check_chars(
            "Mid",
            text,
            Self::MAX_LEN,
            "ASCII letters, digits and '_'",
            is_word,
        )?;
        Ok(Mid(CompactString::from(text)))
    }

    /// Accepts a merchant id as a gateway sent it (non-empty, at most 20 bytes, no control
    /// characters).
    pub fn received(text: &str) -> Result<Mid, InvalidId> {
        check_received("Mid", text, 20)?;
        Ok(Mid(CompactString::from(text)))
    }
}

string_id!(
    /// Transaction id (거래고유번호, `Tid`/`pgTid`): 30 characters, laid out as Mid (10) + service
    /// code (2) + sub-code (2) + `yyMMddHHmmss` (12) + sequence (4), e.g.
    /// `testpay01m01011801181105238578`.
    Tid
);

impl Tid {
    /// The length of a transaction id.
    pub const LEN: usize = 30;

    /// Parses a transaction id: exactly 30 ASCII letters, digits or `_`.
    ///
    /// The layout is not enforced here (a gateway is free to change it); [`Tid::mid`] and
    /// [`Tid::timestamp`] read it.
    pub fn parse(text: &str) -> Result<Tid, InvalidId> {
        check_chars(
            "Tid",
            text,
            Self::LEN,
            "ASCII letters, digits and '_'",
            is_word,
        )?;
        if text.len() != Self::LEN {
            return Err(invalid(
                "Tid",
                IdRule::WrongLength {
                    expected: Self::LEN,
                    actual: text.len(),
                },
            ));
        }
        Ok(Tid(CompactString::from(text)))
    }

    /// Accepts a transaction id as a gateway sent it: surrounding whitespace removed (the
    /// Innopay manual's own examples carry a leading space), then non-empty, at most 64 bytes, no
    /// control characters.
    pub fn received(text: &str) -> Result<Tid, InvalidId> {
        let text = crate::text::trim(text);
        check_received("Tid", text, 64)?;
        Ok(Tid(CompactString::from(text)))
    }

    /// The merchant id embedded in the first 10 characters, when the id has the standard layout.
    pub fn mid(&self) -> Option<&str> {
        self.standard_layout().then(|| &self.0[..10])
    }

    /// The 2-digit service code (characters 10–11), when the id has the standard layout.
    pub fn service_code(&self) -> Option<&str> {
        self.standard_layout().then(|| &self.0[10..12])
    }

    /// The 2-digit sub-code (characters 12–13), when the id has the standard layout.
    pub fn sub_code(&self) -> Option<&str> {
        self.standard_layout().then(|| &self.0[12..14])
    }

    /// The creation time (`yyMMddHHmmss`, characters 14–25, Korean time), when the id has the
    /// standard layout and the digits are a real time.
    pub fn timestamp(&self) -> Option<KstDateTime> {
        if !self.standard_layout() {
            return None;
        }
        KstDateTime::parse(&self.0[14..26], crate::kst::KstFormat::YyMMddHHmmss).ok()
    }

    /// The 4-digit sequence (characters 26–29), when the id has the standard layout.
    pub fn sequence(&self) -> Option<&str> {
        self.standard_layout().then(|| &self.0[26..30])
    }

    fn standard_layout(&self) -> bool {
        self.0.len() == Self::LEN
            && self.0.is_ascii()
            && self.0.as_bytes()[10..].iter().all(u8::is_ascii_digit)
    }
}

#[cfg(test)]
mod tests;
