//! Field specifications from the manuals' tables (name, kind, maximum size in bytes, required)
//! and validation that reports **every** violation of a request at once.
//!
//! Sizes are bytes as the gateways count them: ASCII is one byte, Hangul two (EUC-KR / CP949).

use std::borrow::Cow;
use std::fmt;

use crate::charset::{Unencodable, euc_kr_len};

/// The manuals' type symbols (타입).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// `N`, NUMERIC: ASCII digits.
    N,
    /// `A`, ALPHABETIC: ASCII letters.
    A,
    /// `AN`, ALPHA-NUMERIC: ASCII letters and digits (and `_`, `-`, which real identifiers use).
    AN,
    /// `ANS`, ALPHA-NUMERIC SPECIAL: printable ASCII, space included.
    ANS,
    /// `AH`, Hangul (KSC-5601 2-byte): any text EUC-KR can encode, without control characters.
    AH,
    /// `AS`, alphabetic and special: printable ASCII, space included.
    AS,
}

impl FieldKind {
    /// The symbol as the manuals write it.
    pub const fn symbol(self) -> &'static str {
        match self {
            FieldKind::N => "N",
            FieldKind::A => "A",
            FieldKind::AN => "AN",
            FieldKind::ANS => "ANS",
            FieldKind::AH => "AH",
            FieldKind::AS => "AS",
        }
    }

    /// What the kind allows, in words.
    pub const fn allows(self) -> &'static str {
        match self {
            FieldKind::N => "digits only",
            FieldKind::A => "ASCII letters only",
            FieldKind::AN => "ASCII letters, digits, '_' and '-' only",
            FieldKind::ANS | FieldKind::AS => "printable ASCII only",
            FieldKind::AH => "text encodable in EUC-KR, without control characters",
        }
    }

    /// Whether `c` is allowed in a field of this kind. (For `AH`, EUC-KR encodability is
    /// checked separately, with the byte count.)
    pub fn allows_char(self, c: char) -> bool {
        match self {
            FieldKind::N => c.is_ascii_digit(),
            FieldKind::A => c.is_ascii_alphabetic(),
            FieldKind::AN => c.is_ascii_alphanumeric() || c == '_' || c == '-',
            FieldKind::ANS | FieldKind::AS => matches!(c, ' '..='~'),
            FieldKind::AH => !c.is_control(),
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// One row of a manual's parameter table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The parameter name on the wire (case-sensitive).
    pub name: &'static str,
    /// Its kind.
    pub kind: FieldKind,
    /// Maximum size in bytes (EUC-KR bytes for Hangul).
    pub max_bytes: usize,
    /// Whether the field must be present and non-empty.
    pub required: bool,
    /// Whether the value is a secret or a card number: violations never quote its characters.
    pub sensitive: bool,
}

impl FieldSpec {
    /// Checks one value against this spec, pushing every violation found onto `out`.
    ///
    /// `None` and `""` both count as absent.
    pub fn check(&self, value: Option<&str>, out: &mut Vec<Violation>) {
        let value = match value {
            Some(v) if !v.is_empty() => v,
            _ => {
                if self.required {
                    out.push(Violation::new(self.name, Rule::Missing));
                }
                return;
            }
        };
        if let Some((position, character)) = value
            .chars()
            .enumerate()
            .find(|(_, c)| !self.kind.allows_char(*c))
        {
            out.push(Violation::new(
                self.name,
                Rule::Kind {
                    kind: self.kind,
                    character: (!self.sensitive).then_some(character),
                    position,
                },
            ));
        }
        match euc_kr_len(value) {
            Ok(bytes) if bytes > self.max_bytes => out.push(Violation::new(
                self.name,
                Rule::TooLong {
                    max_bytes: self.max_bytes,
                    actual_bytes: bytes,
                },
            )),
            Ok(_) => {}
            Err(Unencodable {
                character,
                position,
            }) => {
                // Only AH fields admit non-ASCII at all; others already got a Kind violation.
                if self.kind == FieldKind::AH {
                    out.push(Violation::new(
                        self.name,
                        Rule::NotEucKr {
                            character: (!self.sensitive).then_some(character),
                            position,
                        },
                    ));
                }
            }
        }
    }
}

/// What rule a field value breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// A required field is absent or empty.
    Missing,
    /// Longer than the field's size, counted in EUC-KR bytes.
    TooLong {
        /// The field's size.
        max_bytes: usize,
        /// The value's size.
        actual_bytes: usize,
    },
    /// A character the field's kind does not allow.
    Kind {
        /// The field's kind.
        kind: FieldKind,
        /// The character, unless the field is sensitive.
        character: Option<char>,
        /// Its character position (0-based).
        position: usize,
    },
    /// A character EUC-KR cannot encode (an emoji, say) in a Hangul (`AH`) field.
    NotEucKr {
        /// The character, unless the field is sensitive.
        character: Option<char>,
        /// Its character position (0-based).
        position: usize,
    },
    /// A value that does not parse as the field's type (an amount, a date, a phone number).
    Format {
        /// What the field must be, in words.
        expected: &'static str,
        /// Why the value is not that.
        reason: String,
    },
    /// A rule between fields, or a field-specific rule the table does not express.
    Constraint(Cow<'static, str>),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Missing => f.write_str("is required"),
            Rule::TooLong {
                max_bytes,
                actual_bytes,
            } => write!(
                f,
                "is at most {max_bytes} bytes (EUC-KR), got {actual_bytes}"
            ),
            Rule::Kind {
                kind,
                character: Some(c),
                position,
            } => write!(
                f,
                "is {kind} ({}): character {c:?} at position {position} is not allowed",
                kind.allows()
            ),
            Rule::Kind {
                kind,
                character: None,
                position,
            } => write!(
                f,
                "is {kind} ({}): the character at position {position} is not allowed",
                kind.allows()
            ),
            Rule::NotEucKr {
                character: Some(c),
                position,
            } => write!(
                f,
                "must be encodable in EUC-KR: character {c:?} at position {position} is not"
            ),
            Rule::NotEucKr {
                character: None,
                position,
            } => write!(
                f,
                "must be encodable in EUC-KR: the character at position {position} is not"
            ),
            Rule::Format { expected, reason } => write!(f, "must be {expected}: {reason}"),
            Rule::Constraint(text) => f.write_str(text),
        }
    }
}

/// One field breaking one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field's wire name (for array items, `name[index]`).
    pub field: Cow<'static, str>,
    /// The rule it breaks, with what was found.
    pub rule: Rule,
}

impl Violation {
    /// A violation of `rule` by `field`.
    pub fn new(field: impl Into<Cow<'static, str>>, rule: Rule) -> Self {
        Violation {
            field: field.into(),
            rule,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.rule)
    }
}

/// Reads an amount that moves money, as a gateway sends it: digits, grouped or not, at most 12
/// of them (the manuals' money fields). Anything else names the field.
pub fn read_money(field: &'static str, text: &str) -> Result<crate::Won, Violation> {
    const MAX: crate::Won = crate::Won::new(999_999_999_999);
    match crate::Won::parse(text) {
        Ok(w) if w <= MAX => Ok(w),
        Ok(_) => Err(Violation::new(
            field,
            Rule::Constraint("is an amount of at most 12 digits".into()),
        )),
        Err(e) => Err(Violation::new(
            field,
            Rule::Format {
                expected: "an amount of won",
                reason: e.to_string(),
            },
        )),
    }
}

/// Reads a result or status code as a gateway sends it: surrounding spaces trimmed, then 1 to
/// `max` ASCII letters or digits (no control characters, nothing that could pass for another
/// field).
pub fn read_code<'t>(field: &'static str, raw: &'t str, max: usize) -> Result<&'t str, Violation> {
    let code = raw.trim_matches(' ');
    if code.is_empty() {
        return Err(Violation::new(field, Rule::Missing));
    }
    if code.len() > max || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Violation::new(
            field,
            Rule::Format {
                expected: "a code of ASCII letters or digits",
                reason: format!("{} characters, at most {max} allowed", code.chars().count()),
            },
        ));
    }
    Ok(code)
}

pub use crate::validator::Validator;

#[cfg(test)]
mod tests {
    use super::*;

    const fn spec(name: &'static str, kind: FieldKind, max_bytes: usize) -> FieldSpec {
        FieldSpec {
            name,
            kind,
            max_bytes,
            required: true,
            sensitive: false,
        }
    }

    fn violations(spec: &FieldSpec, value: Option<&str>) -> Vec<Violation> {
        let mut out = Vec::new();
        spec.check(value, &mut out);
        out
    }

    fn only_rule(spec: &FieldSpec, value: &str) -> Rule {
        let mut v = violations(spec, Some(value));
        assert_eq!(v.len(), 1, "{value:?}: {v:?}");
        assert_eq!(v[0].field, spec.name);
        v.remove(0).rule
    }

    #[test]
    fn valid_values_pass() {
        assert!(violations(&spec("Amt", FieldKind::N, 12), Some("10005")).is_empty());
        assert!(
            violations(
                &spec("GoodsName", FieldKind::AH, 40),
                Some("테스트상품 A-1")
            )
            .is_empty()
        );
        assert!(violations(&spec("GoodsName", FieldKind::AH, 10), Some("테스트상품")).is_empty());
        assert!(violations(&spec("Mid", FieldKind::AN, 10), Some("testpay01m")).is_empty());
        assert!(violations(&spec("RequestType", FieldKind::A, 6), Some("Mobile")).is_empty());
        assert!(violations(&spec("LicenseKey", FieldKind::ANS, 255), Some("a+b/c==")).is_empty());
        assert!(violations(&spec("BuyerEmail", FieldKind::AS, 60), Some("a.b@c.kr")).is_empty());
        let optional = FieldSpec {
            required: false,
            ..spec("UserId", FieldKind::AN, 20)
        };
        assert!(violations(&optional, None).is_empty());
        assert!(violations(&optional, Some("")).is_empty());
    }

    #[test]
    fn missing_required() {
        assert_eq!(
            violations(&spec("Mid", FieldKind::AN, 10), None)[0].rule,
            Rule::Missing
        );
        assert_eq!(
            violations(&spec("Mid", FieldKind::AN, 10), Some(""))[0].rule,
            Rule::Missing
        );
    }

    #[test]
    fn hangul_counts_two_bytes() {
        assert_eq!(
            only_rule(&spec("GoodsName", FieldKind::AH, 9), "테스트상품"),
            Rule::TooLong {
                max_bytes: 9,
                actual_bytes: 10
            }
        );
        assert_eq!(
            only_rule(&spec("GoodsName", FieldKind::AH, 40), &"가".repeat(21)),
            Rule::TooLong {
                max_bytes: 40,
                actual_bytes: 42
            }
        );
    }

    #[test]
    fn kind_violations_name_the_character() {
        assert_eq!(
            only_rule(&spec("Amt", FieldKind::N, 12), "10,005"),
            Rule::Kind {
                kind: FieldKind::N,
                character: Some(','),
                position: 2
            }
        );
        assert_eq!(
            only_rule(&spec("RequestType", FieldKind::A, 3), "W3B"),
            Rule::Kind {
                kind: FieldKind::A,
                character: Some('3'),
                position: 1
            }
        );
        assert_eq!(
            only_rule(&spec("Mid", FieldKind::AN, 10), "test pay"),
            Rule::Kind {
                kind: FieldKind::AN,
                character: Some(' '),
                position: 4
            }
        );
        assert_eq!(
            only_rule(&spec("ReturnUrl", FieldKind::ANS, 100), "https://가.kr"),
            Rule::Kind {
                kind: FieldKind::ANS,
                character: Some('가'),
                position: 8
            }
        );
        assert_eq!(
            only_rule(&spec("BuyerEmail", FieldKind::AS, 60), "a\tb"),
            Rule::Kind {
                kind: FieldKind::AS,
                character: Some('\t'),
                position: 1
            }
        );
        assert_eq!(
            only_rule(&spec("GoodsName", FieldKind::AH, 40), "상품\n"),
            Rule::Kind {
                kind: FieldKind::AH,
                character: Some('\n'),
                position: 2
            }
        );
    }

    #[test]
    fn emoji_is_not_euc_kr() {
        assert_eq!(
            only_rule(&spec("GoodsName", FieldKind::AH, 40), "상품😀"),
            Rule::NotEucKr {
                character: Some('😀'),
                position: 2
            }
        );
    }

    #[test]
    fn sensitive_fields_do_not_quote_characters() {
        let pwd = FieldSpec {
            sensitive: true,
            ..spec("cancelPwd", FieldKind::AN, 20)
        };
        let rule = only_rule(&pwd, "pa$$word");
        assert_eq!(
            rule,
            Rule::Kind {
                kind: FieldKind::AN,
                character: None,
                position: 2
            }
        );
        assert!(!rule.to_string().contains('$'));
    }

    #[test]
    fn several_rules_on_one_field_are_all_reported() {
        let v = violations(&spec("Amt", FieldKind::N, 3), Some("1a234"));
        assert_eq!(v.len(), 2);
        assert!(matches!(v[0].rule, Rule::Kind { .. }));
        assert!(matches!(v[1].rule, Rule::TooLong { .. }));
    }

    #[test]
    fn validator_collects_every_field() {
        let mut validator = Validator::new();
        validator
            .check(&spec("Mid", FieldKind::AN, 10), None)
            .check(&spec("Amt", FieldKind::N, 12), Some("12a"))
            .check(&spec("GoodsName", FieldKind::AH, 4), Some("상품명"))
            .push(Violation::new(
                "DutyFreeAmt",
                Rule::Constraint("must not exceed Amt".into()),
            ));
        let err = validator.finish().unwrap_err();
        assert_eq!(
            err.fields().collect::<Vec<_>>(),
            ["Mid", "Amt", "GoodsName", "DutyFreeAmt"]
        );
        let text = err.to_string();
        assert!(text.contains("Mid is required"), "{text}");
        assert!(
            text.contains("GoodsName is at most 4 bytes (EUC-KR), got 6"),
            "{text}"
        );
        assert!(text.contains("DutyFreeAmt must not exceed Amt"), "{text}");
    }
}
