//! [`Warning`]: a field of a gateway's message that could not be read, kept raw. The message is
//! still accepted — "strict on money and identity, lenient on everything else": refusing a real
//! payment because of a cosmetic field loses it once the gateway stops resending.

use std::fmt;

use serde::Serialize;

use crate::field_spec::Violation;

/// A field that was unreadable or inconsistent, and what was received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The field's wire name (`cashReceiptVat`, `goodsSize`, `payExpDate`...).
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
    /// The value as received (at most 200 characters).
    pub raw: String,
}

impl Warning {
    /// The most of a raw value a warning keeps.
    pub const MAX_RAW_CHARS: usize = 200;

    /// A warning about `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>, raw: &str) -> Self {
        Warning {
            field: field.into(),
            problem: problem.into(),
            raw: raw.chars().take(Self::MAX_RAW_CHARS).collect(),
        }
    }

    /// A warning from a rule a value breaks.
    pub fn from_violation(violation: &Violation, raw: &str) -> Self {
        Warning::new(violation.field.to_string(), violation.rule.to_string(), raw)
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (received {:?})",
            self.field, self.problem, self.raw
        )
    }
}
