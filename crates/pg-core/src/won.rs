//! [`Won`]: an amount of Korean won (원), which has no minor unit.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of Korean won: whole won in a `u64`, never a float.
///
/// Parses the gateways' digit strings (`"10005"`) and the thousands-separated form some responses
/// carry (`"10,005"`); formats as plain digits ([`Display`](fmt::Display), what gateways expect in
/// requests) or grouped ([`Won::grouped`]).
///
/// ```
/// use pg_core::Won;
/// let amount: Won = "10,005".parse()?;
/// assert_eq!(amount, Won::new(10_005));
/// assert_eq!(amount.to_string(), "10005");
/// assert_eq!(amount.grouped(), "10,005");
/// # Ok::<(), pg_core::WonError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Won(u64);

/// Why a text is not an amount of won.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WonError {
    /// The text is empty (or only whitespace).
    #[error("amount is empty")]
    Empty,
    /// The text starts with a minus sign.
    #[error("amount is negative")]
    Negative,
    /// The text has a decimal point: won has no minor unit.
    #[error("amount has a fraction; won are whole numbers")]
    Fractional,
    /// A character that is neither a digit nor a thousands separator.
    #[error("amount has a non-digit character {character:?} at byte {position}")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its byte offset in the text.
        position: usize,
    },
    /// A `,` that does not separate groups of three digits.
    #[error("amount has a misplaced thousands separator at byte {position}")]
    MisplacedSeparator {
        /// Byte offset of the separator.
        position: usize,
    },
    /// The amount does not fit in 64 bits.
    #[error("amount is too large")]
    Overflow,
}

impl Won {
    /// Zero won.
    pub const ZERO: Won = Won(0);

    /// The amount `value` won.
    pub const fn new(value: u64) -> Self {
        Won(value)
    }

    /// The amount as a number of won.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Won) -> Option<Won> {
        match self.0.checked_add(other.0) {
            Some(v) => Some(Won(v)),
            None => None,
        }
    }

    /// `self - other`, or `None` when `other` is larger.
    pub const fn checked_sub(self, other: Won) -> Option<Won> {
        match self.0.checked_sub(other.0) {
            Some(v) => Some(Won(v)),
            None => None,
        }
    }

    /// Parses an amount: digits, optionally grouped by `,` in threes (`"1,234,567"`).
    ///
    /// Surrounding ASCII whitespace is ignored; a leading `+` is not accepted.
    pub fn parse(text: &str) -> Result<Won, WonError> {
        // The common cases (`"10005"`, `"128,500"` as Innopay sends amounts) in one pass; the
        // general path reads everything else and names what is wrong.
        if let Some(value) = parse_digits(text.as_bytes()) {
            return Ok(Won(value));
        }
        parse_general(text)
    }

    /// Digits grouped in threes with `,`: `10005` -> `"10,005"`.
    pub fn grouped(self) -> String {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        out
    }
}

/// Up to 19 digits (which cannot overflow), optionally grouped in threes by `,` with a first
/// group of one to three digits; `None` for anything else.
#[inline]
fn parse_digits(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 25 {
        return None;
    }
    let (mut value, mut digits, mut run, mut grouped) = (0u64, 0usize, 0usize, false);
    for &b in bytes {
        if b.is_ascii_digit() {
            value = value.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            digits += 1;
            run += 1;
        } else if b == b',' && run > 0 && run <= 3 && (!grouped || run == 3) {
            grouped = true;
            run = 0;
        } else {
            return None;
        }
    }
    (digits <= 19 && (!grouped || run == 3)).then_some(value)
}

/// Every other text: whitespace around it, and each error named with its position.
fn parse_general(text: &str) -> Result<Won, WonError> {
    let trimmed = text.trim_ascii();
    let lead = text.len() - text.trim_ascii_start().len();
    if trimmed.is_empty() {
        return Err(WonError::Empty);
    }
    let bytes = trimmed.as_bytes();
    if bytes[0] == b'-' {
        return Err(WonError::Negative);
    }
    if bytes.contains(&b',') {
        check_grouping(bytes, lead)?;
    }
    let mut value: u64 = 0;
    for (i, ch) in trimmed.char_indices() {
        match ch {
            '0'..='9' => {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(ch as u8 - b'0')))
                    .ok_or(WonError::Overflow)?;
            }
            ',' => {}
            '.' => return Err(WonError::Fractional),
            other => {
                return Err(WonError::InvalidCharacter {
                    character: other,
                    position: lead + i,
                });
            }
        }
    }
    Ok(Won(value))
}

/// Checks that every `,` in `bytes` separates groups of exactly three digits and that the first
/// group has one to three digits. Characters other than digits and `,` are left for the caller.
fn check_grouping(bytes: &[u8], offset: usize) -> Result<(), WonError> {
    // Only a pure digits-and-commas text is judged here; anything else gets its own error later.
    if !bytes.iter().all(|b| b.is_ascii_digit() || *b == b',') {
        return Ok(());
    }
    let mut run = 0usize;
    let mut first_group = true;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b',' {
            let bad = if first_group {
                run == 0 || run > 3
            } else {
                run != 3
            };
            if bad {
                return Err(WonError::MisplacedSeparator {
                    position: offset + i,
                });
            }
            first_group = false;
            run = 0;
        } else {
            run += 1;
        }
    }
    if run != 3 {
        let last = bytes.iter().rposition(|b| *b == b',').unwrap_or(0);
        return Err(WonError::MisplacedSeparator {
            position: offset + last,
        });
    }
    Ok(())
}

impl FromStr for Won {
    type Err = WonError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Won::parse(s)
    }
}

impl fmt::Display for Won {
    /// Plain digits, as gateways expect in requests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u32> for Won {
    fn from(value: u32) -> Self {
        Won(u64::from(value))
    }
}

impl From<Won> for u64 {
    fn from(value: Won) -> Self {
        value.0
    }
}

impl Serialize for Won {
    /// A JSON number of won.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Won {
    /// Accepts a non-negative integer or a string that [`Won::parse`] accepts.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Won;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount of won as a whole number or a digit string")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Won, E> {
                Ok(Won(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Won, E> {
                u64::try_from(v)
                    .map(Won)
                    .map_err(|_| E::custom(WonError::Negative))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Won, E> {
                Err(E::custom(WonError::Fractional))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Won, E> {
                Won::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_plain_and_grouped_digits() {
        assert_eq!(Won::parse("10005"), Ok(Won(10_005)));
        assert_eq!(Won::parse("10,005"), Ok(Won(10_005)));
        assert_eq!(Won::parse("1,234,567"), Ok(Won(1_234_567)));
        assert_eq!(Won::parse("0"), Ok(Won(0)));
        assert_eq!(Won::parse(" 1000 "), Ok(Won(1000)));
        assert_eq!(Won::parse("18446744073709551615"), Ok(Won(u64::MAX)));
    }

    #[test]
    fn refuses_bad_amounts_with_typed_errors() {
        let cases: &[(&str, WonError)] = &[
            ("", WonError::Empty),
            ("   ", WonError::Empty),
            ("-1", WonError::Negative),
            ("-1,000", WonError::Negative),
            ("10.5", WonError::Fractional),
            ("1000.00", WonError::Fractional),
            (
                "10a",
                WonError::InvalidCharacter {
                    character: 'a',
                    position: 2,
                },
            ),
            (
                "+10",
                WonError::InvalidCharacter {
                    character: '+',
                    position: 0,
                },
            ),
            (
                "1 000",
                WonError::InvalidCharacter {
                    character: ' ',
                    position: 1,
                },
            ),
            (
                "１０",
                WonError::InvalidCharacter {
                    character: '１',
                    position: 0,
                },
            ),
            (
                "10원",
                WonError::InvalidCharacter {
                    character: '원',
                    position: 2,
                },
            ),
            ("1,00", WonError::MisplacedSeparator { position: 1 }),
            ("10,00,000", WonError::MisplacedSeparator { position: 5 }),
            (",100", WonError::MisplacedSeparator { position: 0 }),
            ("100,", WonError::MisplacedSeparator { position: 3 }),
            ("1000,000", WonError::MisplacedSeparator { position: 4 }),
            ("1,,000", WonError::MisplacedSeparator { position: 2 }),
            ("18446744073709551616", WonError::Overflow),
            ("99999999999999999999999", WonError::Overflow),
        ];
        for (text, expected) in cases {
            assert_eq!(Won::parse(text).as_ref(), Err(expected), "input {text:?}");
        }
    }

    #[test]
    fn formats_digits_and_groups() {
        assert_eq!(Won(0).grouped(), "0");
        assert_eq!(Won(999).grouped(), "999");
        assert_eq!(Won(1000).grouped(), "1,000");
        assert_eq!(Won(10_005).grouped(), "10,005");
        assert_eq!(Won(1_234_567).grouped(), "1,234,567");
        assert_eq!(Won(10_005).to_string(), "10005");
    }

    #[test]
    fn serde_accepts_numbers_and_strings() {
        assert_eq!(serde_json::from_str::<Won>("10005").unwrap(), Won(10_005));
        assert_eq!(
            serde_json::from_str::<Won>("\"10,005\"").unwrap(),
            Won(10_005)
        );
        assert!(serde_json::from_str::<Won>("-1").is_err());
        assert!(serde_json::from_str::<Won>("1.5").is_err());
        assert_eq!(serde_json::to_string(&Won(7)).unwrap(), "7");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Won(5).checked_sub(Won(6)), None);
        assert_eq!(Won(u64::MAX).checked_add(Won(1)), None);
        assert_eq!(Won(5).checked_add(Won(6)), Some(Won(11)));
    }

    proptest! {
        /// The one-pass reading agrees with the general one wherever it answers.
        #[test]
        fn one_pass_agrees_with_general(text in "[0-9,]{1,27}|[0-9]{1,3}(,[0-9]{3}){0,7}") {
            if let Some(value) = parse_digits(text.as_bytes()) {
                prop_assert_eq!(parse_general(&text), Ok(Won(value)));
            }
        }

        #[test]
        fn display_and_grouped_round_trip(v in any::<u64>()) {
            let won = Won(v);
            prop_assert_eq!(Won::parse(&won.to_string()), Ok(won));
            prop_assert_eq!(Won::parse(&won.grouped()), Ok(won));
            prop_assert_eq!(won.grouped().replace(',', ""), won.to_string());
        }

        #[test]
        fn fast_paths_agree_with_the_general_parser(s in "[0-9,]{0,28}") {
            prop_assert_eq!(Won::parse(&s), super::parse_general(&s));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Won::parse(&s);
        }
    }
}
