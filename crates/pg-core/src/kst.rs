//! Korean time (KST, UTC+9) and every date-time format the gateways speak.
//!
//! Gateways stamp requests and results in Korean wall-clock time, whatever the server's own time
//! zone. This module is the one place that knows the formats; the calendar is the `time` crate's.
//! Time is read from an injected [`Clock`], so code that stamps requests is deterministic in tests.

use std::fmt;

use time::macros::{format_description, offset};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The Korean time zone offset, UTC+9 (no daylight saving).
pub const KST: UtcOffset = offset!(+9);

/// A source of the current time. Inject [`SystemClock`] in production and [`FixedClock`] in tests.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl FixedClock {
    /// A clock stopped at the given Korean wall-clock time.
    pub fn at_kst(time: KstDateTime) -> Self {
        FixedClock(time.to_offset())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

/// The gateways' date-time formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KstFormat {
    /// `yyyyMMddHHmmss`, e.g. Smartro `EdiDate` (14 digits).
    YyyyMMddHHmmss,
    /// `yyMMddHHmmss`, e.g. Smartro `AuthDate` and the time inside a `Tid` (12 digits).
    YyMMddHHmmss,
    /// `yyyyMMddHHmm`, e.g. Innopay Web-Link `PayExpDate`, Smartro's script cache-buster.
    YyyyMMddHHmm,
    /// `yyyy-MM-dd HH:mm:ss`, e.g. Innopay JSON API `payExpDate`.
    Dashed,
    /// `yyyyMMdd`, a date alone (Innopay `pgAppDate`).
    YyyyMMdd,
    /// `HHmmss`, a time alone (Innopay `pgAppTime`).
    HHmmss,
}

impl KstFormat {
    /// The pattern, as the manuals write it.
    pub const fn pattern(self) -> &'static str {
        match self {
            KstFormat::YyyyMMddHHmmss => "yyyyMMddHHmmss",
            KstFormat::YyMMddHHmmss => "yyMMddHHmmss",
            KstFormat::YyyyMMddHHmm => "yyyyMMddHHmm",
            KstFormat::Dashed => "yyyy-MM-dd HH:mm:ss",
            KstFormat::YyyyMMdd => "yyyyMMdd",
            KstFormat::HHmmss => "HHmmss",
        }
    }
}

impl fmt::Display for KstFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pattern())
    }
}

/// Why a text is not a date-time in the expected format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a {format} date-time: {rule}")]
pub struct TimeError {
    /// The expected format.
    pub format: KstFormat,
    /// What is wrong.
    pub rule: TimeRule,
}

/// What is wrong with a date-time text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeRule {
    /// Wrong number of characters.
    #[error("expected {expected} characters, got {actual}")]
    WrongLength {
        /// Characters the format has.
        expected: usize,
        /// Characters given.
        actual: usize,
    },
    /// A character that is not where the format wants it (a non-digit, or a wrong separator).
    #[error("unexpected character at position {position}")]
    UnexpectedCharacter {
        /// Byte position.
        position: usize,
    },
    /// A component out of range (month 13, 31 February, hour 24...).
    #[error("{component} out of range")]
    OutOfRange {
        /// The component (`"month"`, `"day"`, `"hour"`...).
        component: &'static str,
    },
}

/// A Korean wall-clock date and time (second precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KstDateTime(PrimitiveDateTime);

impl KstDateTime {
    /// The current Korean time according to `clock`, truncated to the second.
    pub fn now(clock: &(impl Clock + ?Sized)) -> Self {
        Self::from_instant(clock.now())
    }

    /// The Korean wall-clock time of an instant, truncated to the second.
    pub fn from_instant(instant: OffsetDateTime) -> Self {
        let local = instant.to_offset(KST);
        let time = local.time();
        let truncated =
            Time::from_hms(time.hour(), time.minute(), time.second()).unwrap_or(Time::MIDNIGHT);
        KstDateTime(PrimitiveDateTime::new(local.date(), truncated))
    }

    /// A Korean wall-clock time from its components; `None` when a component is out of range.
    pub fn from_parts(
        year: i32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Option<Self> {
        let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
        let time = Time::from_hms(hour, minute, second).ok()?;
        Some(KstDateTime(PrimitiveDateTime::new(date, time)))
    }

    /// The same wall-clock time as an instant at UTC+9.
    pub fn to_offset(self) -> OffsetDateTime {
        self.0.assume_offset(KST)
    }

    /// The wall-clock date and time.
    pub fn wall_clock(self) -> PrimitiveDateTime {
        self.0
    }

    /// 23:59:59 on the day after this one: the gateways' default payment deadline.
    pub fn end_of_next_day(self) -> Self {
        let next = self.0.date().next_day().unwrap_or(self.0.date());
        KstDateTime(PrimitiveDateTime::new(
            next,
            Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT),
        ))
    }

    /// Formats in one of the gateways' formats.
    pub fn format(self, format: KstFormat) -> String {
        let result = match format {
            KstFormat::YyyyMMddHHmmss => self.0.format(format_description!(
                "[year][month][day][hour][minute][second]"
            )),
            KstFormat::YyMMddHHmmss => self.0.format(format_description!(
                "[year repr:last_two][month][day][hour][minute][second]"
            )),
            KstFormat::YyyyMMddHHmm => self
                .0
                .format(format_description!("[year][month][day][hour][minute]")),
            KstFormat::Dashed => self.0.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            )),
            KstFormat::YyyyMMdd => self.0.format(format_description!("[year][month][day]")),
            KstFormat::HHmmss => self.0.format(format_description!("[hour][minute][second]")),
        };
        // Formatting a valid date-time into a String cannot fail for four-digit years; a year
        // outside 0..=9999 would, and is printed by `time`'s own Display instead.
        result.unwrap_or_else(|_| self.0.to_string())
    }

    /// Parses a text in one of the gateways' formats. `yyMMddHHmmss` is read as 20yy.
    ///
    /// [`KstFormat::YyyyMMdd`] gives midnight; [`KstFormat::HHmmss`] alone is not a date-time and
    /// is refused (use [`KstDateTime::parse_date_and_time`]).
    pub fn parse(text: &str, format: KstFormat) -> Result<Self, TimeError> {
        let err = |rule| TimeError { format, rule };
        let layout: &[u8] = match format {
            KstFormat::YyyyMMddHHmmss => b"yyyyMMddHHmmss",
            KstFormat::YyMMddHHmmss => b"yyMMddHHmmss",
            KstFormat::YyyyMMddHHmm => b"yyyyMMddHHmm",
            KstFormat::Dashed => b"yyyy-MM-dd HH:mm:ss",
            KstFormat::YyyyMMdd => b"yyyyMMdd",
            KstFormat::HHmmss => {
                return Err(err(TimeRule::WrongLength {
                    expected: 14,
                    actual: text.len(),
                }));
            }
        };
        let digits = extract_digits(text.as_bytes(), layout).map_err(err)?;
        let (year, rest) = match format {
            KstFormat::YyMMddHHmmss => (2000 + number(&digits[..2]) as i32, &digits[2..]),
            _ => (number(&digits[..4]) as i32, &digits[4..]),
        };
        let month = number(&rest[0..2]) as u8;
        let day = number(&rest[2..4]) as u8;
        let (hour, minute, second) = match rest.len() {
            4 => (0, 0, 0),
            8 => (number(&rest[4..6]) as u8, number(&rest[6..8]) as u8, 0),
            _ => (
                number(&rest[4..6]) as u8,
                number(&rest[6..8]) as u8,
                number(&rest[8..10]) as u8,
            ),
        };
        build(year, month, day, hour, minute, second).map_err(err)
    }

    /// Parses a date (`yyyyMMdd`) and a time (`HHmmss`) given in two fields.
    pub fn parse_date_and_time(date: &str, time: &str) -> Result<Self, TimeError> {
        let day = KstDateTime::parse(date, KstFormat::YyyyMMdd)?;
        let err = |rule| TimeError {
            format: KstFormat::HHmmss,
            rule,
        };
        let digits = extract_digits(time.as_bytes(), b"HHmmss").map_err(err)?;
        let t = Time::from_hms(
            number(&digits[0..2]) as u8,
            number(&digits[2..4]) as u8,
            number(&digits[4..6]) as u8,
        )
        .map_err(|e| {
            err(TimeRule::OutOfRange {
                component: e.name(),
            })
        })?;
        Ok(KstDateTime(PrimitiveDateTime::new(day.0.date(), t)))
    }
}

impl fmt::Display for KstDateTime {
    /// `yyyy-MM-dd HH:mm:ss` (KST).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(KstFormat::Dashed))
    }
}

impl serde::Serialize for KstDateTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.format(KstFormat::Dashed))
    }
}

/// Checks `text` against `layout` (letters = digits, anything else = that exact byte) and returns
/// the digits in order.
fn extract_digits(text: &[u8], layout: &[u8]) -> Result<Vec<u8>, TimeRule> {
    if text.len() != layout.len() {
        return Err(TimeRule::WrongLength {
            expected: layout.len(),
            actual: text.len(),
        });
    }
    let mut digits = Vec::with_capacity(14);
    for (position, (&got, &want)) in text.iter().zip(layout).enumerate() {
        if want.is_ascii_alphabetic() {
            if !got.is_ascii_digit() {
                return Err(TimeRule::UnexpectedCharacter { position });
            }
            digits.push(got - b'0');
        } else if got != want {
            return Err(TimeRule::UnexpectedCharacter { position });
        }
    }
    Ok(digits)
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |acc, d| acc * 10 + u32::from(*d))
}

fn build(
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
) -> Result<KstDateTime, TimeRule> {
    let range = |e: time::error::ComponentRange| TimeRule::OutOfRange {
        component: e.name(),
    };
    let month = Month::try_from(month).map_err(range)?;
    let date = Date::from_calendar_date(year, month, day).map_err(range)?;
    let time = Time::from_hms(hour, minute, second).map_err(range)?;
    Ok(KstDateTime(PrimitiveDateTime::new(date, time)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn kst(text: &str) -> KstDateTime {
        KstDateTime::parse(text, KstFormat::YyyyMMddHHmmss).unwrap()
    }

    #[test]
    fn utc_instants_become_korean_wall_clock() {
        let clock = FixedClock(datetime!(2018-03-13 15:30:45.999 UTC));
        let now = KstDateTime::now(&clock);
        assert_eq!(now.format(KstFormat::YyyyMMddHHmmss), "20180314003045");
        assert_eq!(now.format(KstFormat::YyMMddHHmmss), "180314003045");
        assert_eq!(now.format(KstFormat::YyyyMMddHHmm), "201803140030");
        assert_eq!(now.format(KstFormat::Dashed), "2018-03-14 00:30:45");
        assert_eq!(now.format(KstFormat::YyyyMMdd), "20180314");
        assert_eq!(now.format(KstFormat::HHmmss), "003045");
        assert_eq!(now.to_offset(), datetime!(2018-03-14 00:30:45 +9));
    }

    #[test]
    fn every_format_round_trips() {
        let t = kst("20180118110523");
        for format in [
            KstFormat::YyyyMMddHHmmss,
            KstFormat::YyMMddHHmmss,
            KstFormat::Dashed,
        ] {
            assert_eq!(
                KstDateTime::parse(&t.format(format), format),
                Ok(t),
                "{format}"
            );
        }
        assert_eq!(
            KstDateTime::parse("201711212359", KstFormat::YyyyMMddHHmm).unwrap(),
            KstDateTime::from_parts(2017, 11, 21, 23, 59, 0).unwrap()
        );
        assert_eq!(
            KstDateTime::parse_date_and_time("20180118", "145038").unwrap(),
            kst("20180118145038")
        );
    }

    #[test]
    fn default_deadline_is_end_of_next_day() {
        assert_eq!(
            kst("20180313093000").end_of_next_day(),
            kst("20180314235959")
        );
        assert_eq!(
            kst("20181231235959").end_of_next_day(),
            kst("20190101235959")
        );
        assert_eq!(
            kst("20200228120000").end_of_next_day(),
            kst("20200229235959")
        );
    }

    #[test]
    fn refuses_bad_texts() {
        let rule = |text: &str, format| KstDateTime::parse(text, format).unwrap_err().rule;
        assert_eq!(
            rule("2018011811052", KstFormat::YyyyMMddHHmmss),
            TimeRule::WrongLength {
                expected: 14,
                actual: 13
            }
        );
        assert_eq!(
            rule("2018-01-18T11:05:23", KstFormat::Dashed),
            TimeRule::UnexpectedCharacter { position: 10 }
        );
        assert_eq!(
            rule("2018011811052x", KstFormat::YyyyMMddHHmmss),
            TimeRule::UnexpectedCharacter { position: 13 }
        );
        assert_eq!(
            rule("20181318110523", KstFormat::YyyyMMddHHmmss),
            TimeRule::OutOfRange { component: "month" }
        );
        assert_eq!(
            rule("20190229110523", KstFormat::YyyyMMddHHmmss),
            TimeRule::OutOfRange { component: "day" }
        );
        assert_eq!(
            rule("20180118240000", KstFormat::YyyyMMddHHmmss),
            TimeRule::OutOfRange { component: "hour" }
        );
        assert_eq!(
            rule("180118116000", KstFormat::YyMMddHHmmss),
            TimeRule::OutOfRange {
                component: "minute"
            }
        );
        assert!(KstDateTime::parse("145038", KstFormat::HHmmss).is_err());
        assert_eq!(
            KstDateTime::parse_date_and_time("20180118", "1450")
                .unwrap_err()
                .rule,
            TimeRule::WrongLength {
                expected: 6,
                actual: 4
            }
        );
        assert_eq!(
            KstDateTime::parse_date_and_time("20180118", "145060")
                .unwrap_err()
                .rule,
            TimeRule::OutOfRange {
                component: "second"
            }
        );
    }

    #[test]
    fn multibyte_input_is_refused_not_panicking() {
        assert!(KstDateTime::parse("2018년01월18일11", KstFormat::YyyyMMddHHmmss).is_err());
        assert!(
            KstDateTime::parse("２０１８０１１８１１０５２３", KstFormat::YyyyMMddHHmmss).is_err()
        );
    }
}
