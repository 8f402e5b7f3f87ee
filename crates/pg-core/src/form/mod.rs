//! `application/x-www-form-urlencoded` in UTF-8 and EUC-KR: a strict parser that keeps order,
//! repeated keys and `name[]` arrays and borrows what needs no decoding, and an exact encoder.
//!
//! ```
//! use pg_core::form::{Form, FormEncoder, FormLimits};
//! use pg_core::Charset;
//!
//! let body = b"moid=test01&goodsName=%C5%D7%BD%BA%C6%AE&goodsCodeArray[]=A&goodsCodeArray[]=B";
//! let form = Form::parse(body, None, &FormLimits::default())?;
//! assert_eq!(form.charset(), Charset::EucKr); // detected: not UTF-8
//! assert_eq!(form.get("goodsName"), Some("테스트"));
//! assert_eq!(form.array("goodsCodeArray").collect::<Vec<_>>(), ["A", "B"]);
//!
//! let mut encoder = FormEncoder::new(Charset::EucKr);
//! encoder.append("goodsName", "테스트")?;
//! assert_eq!(encoder.finish(), "goodsName=%C5%D7%BD%BA%C6%AE");
//! # Ok::<(), pg_core::form::FormError>(())
//! ```

mod encode;
mod scan;
mod split;
mod text;

use std::borrow::Cow;

pub use encode::{Escape, FormEncoder, encode_component};
pub use split::{hex_pair, percent_decode};

use crate::charset::{Charset, Unencodable, UnsupportedCharset};
use split::split_and_unescape;
use text::{euc_kr_text, first_invalid_utf8, utf8_text};

/// Default limit on an inbound body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;
/// Default limit on the number of fields in one body.
pub const DEFAULT_MAX_FIELDS: usize = 10_000;

/// Limits applied before parsing an inbound body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    /// Largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Most `name=value` pairs accepted.
    pub max_fields: usize,
}

impl Default for FormLimits {
    fn default() -> Self {
        FormLimits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_fields: DEFAULT_MAX_FIELDS,
        }
    }
}

/// Why a form body could not be parsed or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// The body is larger than the limit.
    #[error("body of {actual} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The body's size.
        actual: usize,
    },
    /// The body has more fields than the limit.
    #[error("body has more than {limit} fields")]
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// A `%` not followed by two hex digits.
    #[error("bad percent-escape at byte {position}")]
    BadEscape {
        /// Byte offset of the `%` in the body.
        position: usize,
    },
    /// A field's bytes are not valid in the charset.
    #[error("field {field:?} is not valid {charset}")]
    Undecodable {
        /// The charset used.
        charset: Charset,
        /// The field's name (or `"(name)"` when the name itself is undecodable).
        field: String,
    },
    /// The declared charset is neither UTF-8 nor EUC-KR.
    #[error(transparent)]
    UnsupportedCharset(#[from] UnsupportedCharset),
    /// A value cannot be encoded in the target charset.
    #[error("field {field:?}: {source}")]
    Unencodable {
        /// The field's name.
        field: String,
        /// The character at fault.
        source: Unencodable,
    },
}

impl From<FormError> for crate::error::InvalidInput {
    /// A body that cannot be read is invalid input: against the field whose bytes are bad, or
    /// against `(body)`.
    fn from(error: FormError) -> Self {
        let field = match &error {
            FormError::Undecodable { field, .. } | FormError::Unencodable { field, .. } => {
                field.clone()
            }
            _ => "(body)".to_owned(),
        };
        crate::error::InvalidInput::single(
            field,
            crate::field_spec::Rule::Format {
                expected: "an application/x-www-form-urlencoded body in UTF-8 or EUC-KR",
                reason: error.to_string(),
            },
        )
    }
}

/// A parsed form: `name=value` pairs in body order.
///
/// Pieces that need no decoding are slices of the body; every decoded piece lives in one
/// shared buffer, so parsing allocates twice whatever the number of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<'a> {
    /// The body as text: its undecoded pieces (always ASCII) are slices of it. When the body is
    /// not UTF-8 (raw EUC-KR bytes), every piece is decoded and this is empty.
    body: Cow<'a, str>,
    /// Every decoded piece, back to back.
    text: String,
    pairs: Vec<(Span, Span)>,
    charset: Charset,
}

/// Where a piece's text is. While parsing, `Text` spans point into the decoded bytes; in a
/// [`Form`], into its decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// `body[start..end]`, as received.
    Body(u32, u32),
    /// `text[start..end]`, decoded.
    Text(u32, u32),
}

impl Span {
    fn body(start: usize, end: usize) -> Span {
        Span::Body(start as u32, end as u32)
    }

    fn text(start: usize, end: usize) -> Span {
        Span::Text(start as u32, end as u32)
    }
}

/// What splitting produces: the decoded bytes and every pair's pieces.
type Split = (Vec<u8>, Vec<(Span, Span)>);

impl<'a> Form<'a> {
    /// Parses a body. `charset` is the declared charset (from the `Content-Type`); when `None`,
    /// it is detected: valid UTF-8, else EUC-KR.
    pub fn parse(
        body: &'a [u8],
        charset: Option<Charset>,
        limits: &FormLimits,
    ) -> Result<Form<'a>, FormError> {
        // Spans are 32-bit: no body may exceed 4 GiB, whatever the configured limit.
        let limit = limits.max_body_bytes.min(u32::MAX as usize);
        if body.len() > limit {
            return Err(FormError::TooLarge {
                limit,
                actual: body.len(),
            });
        }
        // One validation of the whole body lets every undecoded piece be a plain slice of it.
        let body_str = simdutf8::basic::from_utf8(body).ok();
        // Percent-encoded EUC-KR, declared or surely so: decoded to UTF-8 in one pass.
        if let Some(body_str) = body_str
            && match charset {
                Some(Charset::EucKr) => true,
                Some(Charset::Utf8) => false,
                None => text::escapes_surely_not_utf8(body),
            }
            && let Some(form) = Form::parse_euc_kr(body, body_str, limits)
        {
            return Ok(form);
        }
        Form::parse_two_pass(body, body_str, charset, limits)
    }

    /// The general path: split and unescape, then the text as UTF-8 (detected or declared) or
    /// EUC-KR piece by piece.
    fn parse_two_pass(
        body: &'a [u8],
        body_str: Option<&'a str>,
        charset: Option<Charset>,
        limits: &FormLimits,
    ) -> Result<Form<'a>, FormError> {
        let (decoded, raw) = split_and_unescape(body, body_str.is_none(), limits.max_fields)?;
        let ((text, pairs), charset) = match charset {
            Some(Charset::EucKr) => (euc_kr_text(&decoded, raw, body)?, Charset::EucKr),
            declared => match utf8_text(decoded, raw) {
                Ok(pieces) => (pieces, Charset::Utf8),
                Err((decoded, raw)) if declared.is_none() => {
                    (euc_kr_text(&decoded, raw, body)?, Charset::EucKr)
                }
                Err((decoded, raw)) => {
                    return Err(FormError::Undecodable {
                        charset: Charset::Utf8,
                        field: first_invalid_utf8(&decoded, &raw, body),
                    });
                }
            },
        };
        Ok(Form {
            body: Cow::Borrowed(body_str.unwrap_or_default()),
            text,
            pairs,
            charset,
        })
    }

    /// The one-pass EUC-KR path (see [`split::split_euc_kr`]); `None` when it does not apply.
    fn parse_euc_kr(body: &'a [u8], body_str: &'a str, limits: &FormLimits) -> Option<Form<'a>> {
        let (decoded, pairs) =
            split::split_euc_kr(body, limits.max_fields, text::common_hangul()?)?;
        // Whole characters by construction; one SIMD validation proves it to the type system.
        let text = simdutf8::basic::from_utf8(&decoded).ok()?.to_owned();
        Some(Form {
            body: Cow::Borrowed(body_str),
            text,
            pairs,
            charset: Charset::EucKr,
        })
    }

    /// Parses a body with the charset declared in a `Content-Type` header value, if any.
    pub fn parse_with_content_type(
        body: &'a [u8],
        content_type: Option<&str>,
        limits: &FormLimits,
    ) -> Result<Form<'a>, FormError> {
        let declared = match content_type {
            Some(ct) => Charset::from_content_type(ct)?,
            None => None,
        };
        Form::parse(body, declared, limits)
    }

    /// The charset the body was decoded with.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The first value of `name`, trimmed, when it is present and not blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The first value of `name`, trimmed; a violation naming it when absent or blank.
    pub fn required(&self, name: &'static str) -> Result<&str, crate::field_spec::Violation> {
        self.text(name).ok_or_else(|| {
            crate::field_spec::Violation::new(name, crate::field_spec::Rule::Missing)
        })
    }

    /// Every value of `name`, in order (for repeated keys).
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.pairs()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// The values of the array `name`, sent as repeated `name[]` keys, in order.
    pub fn array<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.pairs()
            .filter(move |(n, _)| n.strip_suffix("[]").is_some_and(|stem| stem == name))
            .map(|(_, v)| v)
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        let (body, text): (&str, &str) = (&self.body, &self.text);
        let str_of = move |span: Span| match span {
            Span::Body(s, e) => body.get(s as usize..e as usize).unwrap_or_default(),
            Span::Text(s, e) => text.get(s as usize..e as usize).unwrap_or_default(),
        };
        self.pairs
            .iter()
            .map(move |(n, v)| (str_of(*n), str_of(*v)))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the form has no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Whether the value of pair `index` is a slice of the body (needed no decoding).
    pub fn is_borrowed(&self, index: usize) -> bool {
        self.pairs
            .get(index)
            .is_some_and(|(_, v)| matches!(v, Span::Body(..)))
    }

    /// A form that owns its text.
    pub fn into_owned(self) -> Form<'static> {
        Form {
            body: Cow::Owned(self.body.into_owned()),
            text: self.text,
            pairs: self.pairs,
            charset: self.charset,
        }
    }
}

#[cfg(test)]
mod tests;
