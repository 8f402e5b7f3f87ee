//! [`FieldValue`]: what request builders accept for a typed field — the type itself, or text
//! to parse. A parse failure becomes a [`Rule::Format`] violation naming the wire field, so a
//! builder reports every bad field at once.

use crate::field_spec::Rule;
use crate::ids::{Mid, Moid, PhoneNumber, Tid};
use crate::kst::{KstDateTime, KstFormat};
use crate::won::Won;

/// A value for a field of type `T`.
pub trait FieldValue<T> {
    /// The typed value, or the rule the text breaks.
    fn into_field(self) -> Result<T, Rule>;
}

fn format_rule(expected: &'static str, reason: impl ToString) -> Rule {
    Rule::Format {
        expected,
        reason: reason.to_string(),
    }
}

macro_rules! identity {
    ($($t:ty),*) => {$(
        impl FieldValue<$t> for $t {
            fn into_field(self) -> Result<$t, Rule> {
                Ok(self)
            }
        }
    )*};
}

identity!(Won, Moid, Mid, Tid, PhoneNumber, KstDateTime);

macro_rules! parsed {
    ($t:ty, $expected:literal, $parse:expr) => {
        impl FieldValue<$t> for &str {
            fn into_field(self) -> Result<$t, Rule> {
                $parse(self).map_err(|e| format_rule($expected, e))
            }
        }
        impl FieldValue<$t> for String {
            fn into_field(self) -> Result<$t, Rule> {
                $parse(self.as_str()).map_err(|e| format_rule($expected, e))
            }
        }
        impl FieldValue<$t> for &String {
            fn into_field(self) -> Result<$t, Rule> {
                $parse(self.as_str()).map_err(|e| format_rule($expected, e))
            }
        }
    };
}

parsed!(
    Won,
    "an amount of won (digits, optionally grouped by ',')",
    Won::parse
);
// The identifiers' rules only: the field's name already says which identifier it is.
parsed!(Moid, "an order number", |t| Moid::parse(t)
    .map_err(|e| e.rule));
parsed!(Mid, "a merchant id", |t| Mid::parse(t).map_err(|e| e.rule));
parsed!(Tid, "a transaction id", |t| Tid::parse(t)
    .map_err(|e| e.rule));
parsed!(PhoneNumber, "a Korean phone number", |t| {
    PhoneNumber::parse(t).map_err(|e| e.rule)
});
parsed!(
    KstDateTime,
    "a date-time yyyy-MM-dd HH:mm:ss or yyyyMMddHHmmss (KST)",
    parse_kst
);

fn parse_kst(text: &str) -> Result<KstDateTime, crate::kst::TimeError> {
    KstDateTime::parse(text, KstFormat::Dashed)
        .or_else(|_| KstDateTime::parse(text, KstFormat::YyyyMMddHHmmss))
}

impl FieldValue<Won> for u64 {
    fn into_field(self) -> Result<Won, Rule> {
        Ok(Won::new(self))
    }
}

impl FieldValue<Won> for u32 {
    fn into_field(self) -> Result<Won, Rule> {
        Ok(Won::new(u64::from(self)))
    }
}

impl FieldValue<Won> for i64 {
    fn into_field(self) -> Result<Won, Rule> {
        u64::try_from(self)
            .map(Won::new)
            .map_err(|_| format_rule("an amount of won", "negative"))
    }
}

impl FieldValue<Won> for i32 {
    fn into_field(self) -> Result<Won, Rule> {
        i64::from(self).into_field()
    }
}

/// A builder's slot for a typed field: unset, set, or set to something that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Slot<T> {
    /// Not set.
    #[default]
    Unset,
    /// Set to a valid value.
    Set(T),
    /// Set to a value that breaks this rule.
    Invalid(Rule),
}

impl<T> Slot<T> {
    /// The slot for a given value.
    pub fn from_value(value: impl FieldValue<T>) -> Self {
        match value.into_field() {
            Ok(v) => Slot::Set(v),
            Err(rule) => Slot::Invalid(rule),
        }
    }

    /// The value of an optional field; a parse failure is recorded against `field`.
    pub fn optional(
        self,
        field: &'static str,
        validator: &mut crate::field_spec::Validator,
    ) -> Option<T> {
        match self {
            Slot::Unset => None,
            Slot::Set(v) => Some(v),
            Slot::Invalid(rule) => {
                validator.push(crate::field_spec::Violation::new(field, rule));
                None
            }
        }
    }

    /// The value of a required field; absence or a parse failure is recorded against `field`.
    pub fn required(
        self,
        field: &'static str,
        validator: &mut crate::field_spec::Validator,
    ) -> Option<T> {
        match self {
            Slot::Unset => {
                validator.push(crate::field_spec::Violation::new(field, Rule::Missing));
                None
            }
            other => other.optional(field, validator),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_spec::Validator;

    #[test]
    fn text_parses_or_names_the_rule() {
        assert_eq!(
            FieldValue::<Won>::into_field("10,005"),
            Ok(Won::new(10_005))
        );
        assert!(matches!(
            FieldValue::<Won>::into_field("12a"),
            Err(Rule::Format { .. })
        ));
        assert!(FieldValue::<Won>::into_field(-5i64).is_err());
        assert_eq!(
            FieldValue::<PhoneNumber>::into_field("010-1234-1234")
                .unwrap()
                .digits(),
            "01012341234"
        );
        assert!(FieldValue::<KstDateTime>::into_field("2018-03-13 23:59:59").is_ok());
        assert!(FieldValue::<KstDateTime>::into_field("20180313235959").is_ok());
        assert!(FieldValue::<KstDateTime>::into_field("2018-02-30 00:00:00").is_err());
    }

    #[test]
    fn slots_report_against_the_wire_name() {
        let mut v = Validator::new();
        let amount: Slot<Won> = Slot::from_value("abc");
        let phone: Slot<PhoneNumber> = Slot::Unset;
        let moid: Slot<Moid> = Slot::from_value("order-1");
        assert_eq!(amount.required("amt", &mut v), None);
        assert_eq!(phone.required("buyerTel", &mut v), None);
        assert!(moid.required("moid", &mut v).is_some());
        let err = v.finish().unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["amt", "buyerTel"]);
        assert!(
            err.to_string().contains("amt must be an amount of won"),
            "{err}"
        );
        assert!(err.to_string().contains("buyerTel is required"), "{err}");
    }
}
