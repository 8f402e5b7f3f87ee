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
mod split;
mod text;

use std::borrow::Cow;

pub use encode::{Escape, FormEncoder, encode_component};
pub use split::percent_decode;

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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(body: &[u8]) -> Result<Form<'_>, FormError> {
        Form::parse(body, None, &FormLimits::default())
    }

    #[test]
    fn plus_is_space_and_escapes_decode() {
        let form = parse(b"a=1+2&b=%2B&c=%ED%85%8C%EC%8A%A4%ED%8A%B8&d=&e").unwrap();
        assert_eq!(form.charset(), Charset::Utf8);
        assert_eq!(form.get("a"), Some("1 2"));
        assert_eq!(form.get("b"), Some("+"));
        assert_eq!(form.get("c"), Some("테스트"));
        assert_eq!(form.get("d"), Some(""));
        assert_eq!(form.get("e"), Some(""));
        assert_eq!(form.get("f"), None);
    }

    #[test]
    fn keeps_order_repeats_and_arrays() {
        let form =
            parse(b"x=1&goodsNameArray[]=A&x=2&goodsNameArray[]=B&goodsNameArray%5B%5D=C").unwrap();
        assert_eq!(form.get("x"), Some("1"));
        assert_eq!(form.get_all("x").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(
            form.array("goodsNameArray").collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
        assert_eq!(form.array("goodsName").count(), 0);
        let names: Vec<_> = form.pairs().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "x",
                "goodsNameArray[]",
                "x",
                "goodsNameArray[]",
                "goodsNameArray[]"
            ]
        );
    }

    #[test]
    fn borrows_values_that_need_no_decoding() {
        let form = parse(b"moid=test01&name=a+b&amt=1000").unwrap();
        assert!(form.is_borrowed(0));
        assert!(!form.is_borrowed(1));
        assert!(form.is_borrowed(2));
        let euc = Form::parse(
            b"moid=test01&n=%B0%A1",
            Some(Charset::EucKr),
            &FormLimits::default(),
        )
        .unwrap();
        assert!(euc.is_borrowed(0));
        assert_eq!(euc.get("n"), Some("가"));
    }

    #[test]
    fn detects_euc_kr_and_honours_declared_charsets() {
        // "테스트" in EUC-KR, percent-encoded and raw.
        let form = parse(b"g=%C5%D7%BD%BA%C6%AE").unwrap();
        assert_eq!(form.charset(), Charset::EucKr);
        assert_eq!(form.get("g"), Some("테스트"));
        let raw = parse(b"g=\xC5\xD7\xBD\xBA\xC6\xAE").unwrap();
        assert_eq!(raw.get("g"), Some("테스트"));
        let declared = Form::parse_with_content_type(
            b"g=%C5%D7%BD%BA%C6%AE",
            Some("application/x-www-form-urlencoded; charset=euc-kr"),
            &FormLimits::default(),
        )
        .unwrap();
        assert_eq!(declared.get("g"), Some("테스트"));
        // Declared UTF-8 wins, and EUC-KR bytes are then an error naming the field.
        assert_eq!(
            Form::parse_with_content_type(
                b"ok=1&g=%C5%D7",
                Some("application/x-www-form-urlencoded; charset=UTF-8"),
                &FormLimits::default(),
            ),
            Err(FormError::Undecodable {
                charset: Charset::Utf8,
                field: "g".into()
            })
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert_eq!(parse(b"a=%"), Err(FormError::BadEscape { position: 2 }));
        assert_eq!(parse(b"a=%4"), Err(FormError::BadEscape { position: 2 }));
        assert_eq!(
            parse(b"abc=1&a=%G1"),
            Err(FormError::BadEscape { position: 8 })
        );
        assert_eq!(parse(b"a%zz=1"), Err(FormError::BadEscape { position: 1 }));
        // A lone lead byte is neither UTF-8 nor EUC-KR.
        assert_eq!(
            parse(b"name=%B0"),
            Err(FormError::Undecodable {
                charset: Charset::EucKr,
                field: "name".into()
            })
        );
        assert!(matches!(
            Form::parse_with_content_type(
                b"a=1",
                Some("text/plain; charset=big5"),
                &FormLimits::default()
            ),
            Err(FormError::UnsupportedCharset(_))
        ));
    }

    #[test]
    fn limits_are_enforced() {
        let limits = FormLimits {
            max_body_bytes: 8,
            max_fields: 2,
        };
        assert_eq!(
            Form::parse(b"a=123456789", None, &limits),
            Err(FormError::TooLarge {
                limit: 8,
                actual: 11
            })
        );
        assert_eq!(
            Form::parse(b"a&b&c", None, &limits),
            Err(FormError::TooManyFields { limit: 2 })
        );
        let big = vec![b'a'; DEFAULT_MAX_BODY_BYTES + 1];
        assert!(matches!(parse(&big), Err(FormError::TooLarge { .. })));
        assert!(parse(&big[1..]).is_ok());
    }

    proptest! {
        /// The one-pass EUC-KR path reads every body it takes exactly as the general path does,
        /// whatever the declared charset; the others it leaves to it.
        #[test]
        fn one_pass_euc_kr_agrees_with_the_general_path(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("&".to_owned()),
                    Just("=".to_owned()),
                    Just("+".to_owned()),
                    "[a-z0-9]{1,4}",
                    (0xB0u8..=0xC8, 0xA1u8..=0xFE).prop_map(|(l, t)| format!("%{l:02X}%{t:02x}")),
                    // CP949 extensions, symbols, Hanja, and pairs that are no character.
                    (0x81u8..=0xFE, prop_oneof![0x41u8..=0x5A, 0x61u8..=0x7A, 0x81u8..=0xFE])
                        .prop_map(|(l, t)| format!("%{l:02X}%{t:02X}")),
                    (0x20u8..0x7F).prop_map(|b| format!("%{b:02X}")),
                    (0x80u8..=0xFF).prop_map(|b| format!("%{b:02X}")),
                    Just("%EA%B0%80".to_owned()),
                    Just("%4".to_owned()),
                    Just("가".to_owned()),
                ],
                0..24,
            ),
        ) {
            let body = pieces.concat();
            let limits = FormLimits { max_body_bytes: 1 << 20, max_fields: 6 };
            for charset in [None, Some(Charset::EucKr), Some(Charset::Utf8)] {
                let body_str = simdutf8::basic::from_utf8(body.as_bytes()).ok();
                prop_assert_eq!(
                    Form::parse(body.as_bytes(), charset, &limits),
                    Form::parse_two_pass(body.as_bytes(), body_str, charset, &limits),
                    "{:?} {:?}", body, charset
                );
            }
        }
    }

    #[test]
    fn euc_kr_in_one_pass() {
        // Declared, and detected from the first syllable that cannot be UTF-8 (`B1 E6` after
        // `C8 AB`, which could).
        for charset in [Some(Charset::EucKr), None] {
            let form = Form::parse(
                b"n=%C8%AB%B1%E6%B5%BF&a=128%2C500&m=x+y&g=%C1%A6%C1%D6+5kg",
                charset,
                &FormLimits::default(),
            )
            .unwrap();
            assert_eq!(form.charset(), Charset::EucKr);
            assert_eq!(form.get("n"), Some("홍길동"));
            assert_eq!(form.get("a"), Some("128,500"));
            assert_eq!(form.get("m"), Some("x y"));
            assert_eq!(form.get("g"), Some("제주 5kg"));
        }
        // A CP949-only syllable (똠, 0x8C 0x63) and a symbol (※, 0xA1 0xD8) in the same pass.
        let form = Form::parse(b"n=%8C%63%B0%A1%A1%D8", None, &FormLimits::default()).unwrap();
        assert_eq!(
            (form.get("n"), form.charset()),
            (Some("똠가※"), Charset::EucKr)
        );
        assert!(text::escapes_surely_not_utf8(b"a=%2C&n=%C8%AB%B1%E6"));
        assert!(!text::escapes_surely_not_utf8(b"a=%2C&n=%EA%B0%80"));
        assert!(!text::escapes_surely_not_utf8(b"a=1&b=2"));
    }

    #[test]
    fn empty_segments_are_skipped() {
        let form = parse(b"&a=1&&b=2&").unwrap();
        assert_eq!(form.len(), 2);
        assert!(parse(b"").unwrap().is_empty());
    }

    #[test]
    fn encodes_exactly() {
        let mut e = FormEncoder::new(Charset::Utf8);
        e.append("a b", "x+y/z=*-._~!").unwrap();
        e.append("g", "테스트").unwrap();
        assert_eq!(
            e.finish(),
            "a+b=x%2By%2Fz%3D*-._%7E%21&g=%ED%85%8C%EC%8A%A4%ED%8A%B8"
        );
        let mut q = FormEncoder::with_escape(Charset::Utf8, Escape::QueryValue);
        q.append("LicenseKey", "Ma29/+e4/x==").unwrap();
        q.append("s", "a b&c;d#e%f").unwrap();
        assert_eq!(
            q.finish(),
            "LicenseKey=Ma29/%2Be4/x==&s=a%20b%26c%3Bd%23e%25f"
        );
        let mut euc = FormEncoder::new(Charset::EucKr);
        assert_eq!(
            euc.append("g", "상품😀").unwrap_err(),
            FormError::Unencodable {
                field: "g".into(),
                source: Unencodable {
                    character: '😀',
                    position: 2
                }
            }
        );
    }

    /// A form body read the slow, obvious way: `None` for a bad escape or a piece that is not
    /// UTF-8.
    fn reference_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
        fn piece(raw: &[u8]) -> Option<String> {
            let mut out = Vec::new();
            let mut i = 0;
            while i < raw.len() {
                match raw[i] {
                    b'+' => out.push(b' '),
                    b'%' => {
                        let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        out.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 2;
                    }
                    b => out.push(b),
                }
                i += 1;
            }
            String::from_utf8(out).ok()
        }
        body.split(|b| *b == b'&')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                let (name, value) = match segment.iter().position(|b| *b == b'=') {
                    Some(eq) => (&segment[..eq], &segment[eq + 1..]),
                    None => (segment, &segment[segment.len()..]),
                };
                Some((piece(name)?, piece(value)?))
            })
            .collect()
    }

    fn form_text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 가-힣&=+%*._~!/\\-]{0,16}"
    }

    proptest! {
        #[test]
        fn round_trips_in_both_charsets(
            pairs in proptest::collection::vec((form_text(), form_text()), 0..12),
            euc in any::<bool>(),
            query in any::<bool>(),
        ) {
            let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
            let escape = if query { Escape::QueryValue } else { Escape::Form };
            let mut encoder = FormEncoder::with_escape(charset, escape);
            for (n, v) in &pairs {
                encoder.append(n, v).unwrap();
            }
            let body = encoder.finish();
            prop_assert!(body.is_ascii());
            let form = Form::parse(body.as_bytes(), Some(charset), &FormLimits::default()).unwrap();
            // An empty pair is written `=`, and read back as one.
            let expected: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            prop_assert_eq!(form.pairs().collect::<Vec<_>>(), expected.clone());
            // Detection finds the same text unless the EUC-KR bytes happen to be valid UTF-8.
            let detected = Form::parse(body.as_bytes(), None, &FormLimits::default()).unwrap();
            if !euc || detected.charset() == Charset::EucKr {
                prop_assert_eq!(detected.pairs().collect::<Vec<_>>(), expected);
            }
        }

        /// The fast splitter agrees with a plain byte-by-byte reading on bodies made of the
        /// bytes that matter: separators, escapes (good, bad, cut short), and raw UTF-8.
        #[test]
        fn agrees_with_a_plain_reading(
            body in proptest::collection::vec(
                proptest::sample::select(b"ab=&%+2BEDzZ\x95\x9c".to_vec()),
                0..48,
            ),
        ) {
            let ours = Form::parse(&body, Some(Charset::Utf8), &FormLimits::default());
            match reference_pairs(&body) {
                Some(expected) => {
                    let form = ours.unwrap();
                    prop_assert_eq!(form.pairs().collect::<Vec<_>>(), expected.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect::<Vec<_>>());
                }
                None => prop_assert!(ours.is_err()),
            }
        }

        #[test]
        fn parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Form::parse(&body, None, &FormLimits::default());
            let _ = Form::parse(&body, Some(Charset::Utf8), &FormLimits::default());
            let _ = Form::parse(&body, Some(Charset::EucKr), &FormLimits::default());
        }
    }
}
