//! The buyer's phone number.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::{IdRule, InvalidId, invalid};

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
    use crate::ids::tests::rule;

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
