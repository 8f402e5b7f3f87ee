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

/// A Korean phone number, kept as digits only (`01012341234`).
///
/// Accepts `010-1234-1234`, `010 1234 1234`, `01012341234` and `+82 10-1234-1234`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(CompactString);

impl PhoneNumber {
    /// Parses and normalises a phone number.
    pub fn parse(text: &str) -> Result<PhoneNumber, InvalidId> {
        const WHAT: &str = "PhoneNumber";
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid(WHAT, IdRule::Empty));
        }
        let (body, international) = match text.strip_prefix("+82") {
            Some(rest) => (rest.trim_start_matches([' ', '-']), true),
            None => (text, false),
        };
        let mut digits = CompactString::with_capacity(12);
        if international {
            digits.push('0');
        }
        let mut previous_separator = true; // no separator allowed at the start
        for (position, c) in body.chars().enumerate() {
            match c {
                '0'..='9' => {
                    digits.push(c);
                    previous_separator = false;
                }
                '-' | ' ' | '.' => {
                    if previous_separator {
                        return Err(invalid(WHAT, IdRule::MisplacedSeparator { position }));
                    }
                    previous_separator = true;
                }
                character => {
                    return Err(invalid(
                        WHAT,
                        IdRule::InvalidCharacter {
                            character,
                            position,
                            allowed: "digits, with '-', ' ' or '.' between groups",
                        },
                    ));
                }
            }
        }
        if previous_separator {
            return Err(invalid(
                WHAT,
                IdRule::MisplacedSeparator {
                    position: body.chars().count().saturating_sub(1),
                },
            ));
        }
        if international && digits.starts_with("00") {
            return Err(invalid(WHAT, IdRule::PhonePrefix));
        }
        if !(8..=11).contains(&digits.len()) {
            return Err(invalid(
                WHAT,
                IdRule::PhoneDigits {
                    digits: digits.len(),
                },
            ));
        }
        let representative = digits.len() == 8
            && (digits.starts_with("15") || digits.starts_with("16") || digits.starts_with("18"));
        let domestic = digits.len() >= 9 && digits.starts_with('0') && !digits.starts_with("00");
        if !(representative || domestic) {
            return Err(invalid(WHAT, IdRule::PhonePrefix));
        }
        Ok(PhoneNumber(digits))
    }

    /// Digits only: `01012341234`.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// Whether this is a mobile number (010, 011, 016, 017, 018, 019), the only kind that can
    /// receive an SMS payment link.
    pub fn is_mobile(&self) -> bool {
        let d = &self.0;
        d.len() >= 10 && matches!(&d[..3], "010" | "011" | "016" | "017" | "018" | "019")
    }

    /// Grouped with hyphens: `010-1234-1234`, `02-123-4567`, `031-1234-5678`, `1588-1234`.
    pub fn hyphenated(&self) -> String {
        let d = self.0.as_str();
        let area = if d.len() == 8 {
            4
        } else if d.starts_with("02") {
            2
        } else {
            3
        };
        let rest = &d[area..];
        if rest.len() <= 4 {
            return format!("{}-{}", &d[..area], rest);
        }
        let middle = rest.len() - 4;
        format!("{}-{}-{}", &d[..area], &rest[..middle], &rest[middle..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        PhoneNumber::parse(s)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PhoneNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // ASCII controls, DEL, C1 controls (`C2 80`-`C2 9F`), printable ASCII and Hangul; at
        // most 90 bytes, under the order number's limit.
        #[test]
        fn received_ids_refuse_exactly_control_characters(
            text in "[\\x00-\\x1F\\x7F\\u{80}-\\u{9F} -~가-힣]{1,30}"
        ) {
            let first_control = text.chars().enumerate().find(|(_, c)| c.is_control());
            match (Moid::received(&text), first_control) {
                (Ok(_), None) => {}
                (Err(e), Some((position, character))) => proptest::prop_assert_eq!(
                    e.rule,
                    IdRule::InvalidCharacter { character, position, allowed: "no control characters" }
                ),
                (got, expected) => proptest::prop_assert!(false, "{:?} for {:?}", got, expected),
            }
        }
    }

    fn rule<T: fmt::Debug>(result: Result<T, InvalidId>, what: &str) -> IdRule {
        let err = result.expect_err("should be refused");
        assert_eq!(err.what, what);
        err.rule
    }

    #[test]
    fn moid_accepts_manual_examples() {
        assert_eq!(
            Moid::parse("test20180313003").unwrap().as_str(),
            "test20180313003"
        );
        assert!(Moid::parse("Moid_20210118154643").is_ok());
        assert!(Moid::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn moid_refuses_bad_values() {
        assert_eq!(rule(Moid::parse(""), "Moid"), IdRule::Empty);
        assert_eq!(
            rule(Moid::parse(&"a".repeat(41)), "Moid"),
            IdRule::TooLong {
                max: 40,
                actual: 41
            }
        );
        assert!(matches!(
            rule(Moid::parse("order#1"), "Moid"),
            IdRule::InvalidCharacter {
                character: '#',
                position: 5,
                ..
            }
        ));
        assert!(matches!(
            rule(Moid::parse("주문1"), "Moid"),
            IdRule::InvalidCharacter {
                character: '주',
                position: 0,
                ..
            }
        ));
        assert!(matches!(
            rule(Moid::parse("a b"), "Moid"),
            IdRule::InvalidCharacter { character: ' ', .. }
        ));
    }

    #[test]
    fn moid_received_is_lenient_but_not_blind() {
        assert!(Moid::received("주문-2018/03").is_ok());
        assert_eq!(rule(Moid::received(""), "Moid"), IdRule::Empty);
        assert!(matches!(
            rule(Moid::received("a\nb"), "Moid"),
            IdRule::InvalidCharacter {
                character: '\n',
                ..
            }
        ));
        assert!(matches!(
            rule(Moid::received(&"가".repeat(40)), "Moid"),
            IdRule::TooLong { .. }
        ));
    }

    #[test]
    fn mid_rules() {
        assert!(Mid::parse("testpay01m").is_ok());
        assert!(Mid::parse("t_2510201m").is_ok());
        assert_eq!(rule(Mid::parse(""), "Mid"), IdRule::Empty);
        assert_eq!(
            rule(Mid::parse("testpay01mm"), "Mid"),
            IdRule::TooLong {
                max: 10,
                actual: 11
            }
        );
        assert!(matches!(
            rule(Mid::parse("test-pay"), "Mid"),
            IdRule::InvalidCharacter {
                character: '-',
                position: 4,
                ..
            }
        ));
    }

    #[test]
    fn tid_exposes_its_layout() {
        let tid = Tid::parse("testpay01m01011801181105238578").unwrap();
        assert_eq!(tid.mid(), Some("testpay01m"));
        assert_eq!(tid.service_code(), Some("01"));
        assert_eq!(tid.sub_code(), Some("01"));
        assert_eq!(tid.sequence(), Some("8578"));
        let ts = tid.timestamp().unwrap();
        assert_eq!(
            ts.format(crate::kst::KstFormat::YyyyMMddHHmmss),
            "20180118110523"
        );
        let smartro = Tid::parse("t_2510201m01012510201530001234").unwrap();
        assert_eq!(smartro.mid(), Some("t_2510201m"));
    }

    #[test]
    fn tid_refuses_bad_values() {
        assert_eq!(rule(Tid::parse(""), "Tid"), IdRule::Empty);
        assert_eq!(
            rule(Tid::parse("testpay01m0101180118110523857"), "Tid"),
            IdRule::WrongLength {
                expected: 30,
                actual: 29
            }
        );
        assert_eq!(
            rule(Tid::parse("testpay01m010118011811052385781"), "Tid"),
            IdRule::TooLong {
                max: 30,
                actual: 31
            }
        );
        assert!(matches!(
            rule(Tid::parse(" testpay01m01011801181105238578"), "Tid"),
            IdRule::InvalidCharacter {
                character: ' ',
                position: 0,
                ..
            }
        ));
    }

    #[test]
    fn tid_received_trims_and_tolerates_other_layouts() {
        let tid = Tid::received(" testpay01m01011801181105238578").unwrap();
        assert_eq!(tid.as_str(), "testpay01m01011801181105238578");
        let odd = Tid::received("ABC123").unwrap();
        assert_eq!(odd.mid(), None);
        assert_eq!(odd.timestamp(), None);
        let bad_time = Tid::received("testpay01m01011813451105238578").unwrap();
        assert_eq!(bad_time.timestamp(), None);
    }

    #[test]
    fn phone_numbers_normalise() {
        for text in [
            "010-1234-1234",
            "01012341234",
            "010 1234 1234",
            "+82 10-1234-1234",
            "+821012341234",
        ] {
            let phone = PhoneNumber::parse(text).unwrap();
            assert_eq!(phone.digits(), "01012341234", "{text}");
            assert_eq!(phone.hyphenated(), "010-1234-1234");
            assert!(phone.is_mobile());
        }
        assert_eq!(
            PhoneNumber::parse("02-123-4567").unwrap().hyphenated(),
            "02-123-4567"
        );
        assert_eq!(
            PhoneNumber::parse("0212345678").unwrap().hyphenated(),
            "02-1234-5678"
        );
        assert_eq!(
            PhoneNumber::parse("031-123-4567").unwrap().hyphenated(),
            "031-123-4567"
        );
        assert_eq!(
            PhoneNumber::parse("1588-1234").unwrap().hyphenated(),
            "1588-1234"
        );
        assert_eq!(
            PhoneNumber::parse("011-123-4567").unwrap().hyphenated(),
            "011-123-4567"
        );
        assert!(!PhoneNumber::parse("02-123-4567").unwrap().is_mobile());
    }

    #[test]
    fn phone_numbers_refused() {
        const P: &str = "PhoneNumber";
        assert_eq!(rule(PhoneNumber::parse(""), P), IdRule::Empty);
        assert_eq!(
            rule(PhoneNumber::parse("010-1234"), P),
            IdRule::PhoneDigits { digits: 7 }
        );
        assert_eq!(
            rule(PhoneNumber::parse("010-1234-12345"), P),
            IdRule::PhoneDigits { digits: 12 }
        );
        assert_eq!(
            rule(PhoneNumber::parse("110-1234-1234"), P),
            IdRule::PhonePrefix
        );
        assert_eq!(
            rule(PhoneNumber::parse("-01012341234"), P),
            IdRule::MisplacedSeparator { position: 0 }
        );
        assert_eq!(
            rule(PhoneNumber::parse("010--1234-1234"), P),
            IdRule::MisplacedSeparator { position: 4 }
        );
        assert_eq!(
            rule(PhoneNumber::parse("010-1234-1234-"), P),
            IdRule::MisplacedSeparator { position: 13 }
        );
        assert!(matches!(
            rule(PhoneNumber::parse("010-1234-123O"), P),
            IdRule::InvalidCharacter {
                character: 'O',
                position: 12,
                ..
            }
        ));
        assert_eq!(rule(PhoneNumber::parse("+82 010"), P), IdRule::PhonePrefix);
    }
}
