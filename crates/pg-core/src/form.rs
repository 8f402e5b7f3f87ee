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

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::charset::{Charset, Unencodable, UnsupportedCharset};

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

/// Hex digit values; 0xFF marks a byte that is not a hex digit.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Bytes that end a run of ordinary bytes: separators, escapes, and non-ASCII.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0x80;
    while i < 256 {
        table[i] = true;
        i += 1;
    }
    table[b'&' as usize] = true;
    table[b'=' as usize] = true;
    table[b'%' as usize] = true;
    table[b'+' as usize] = true;
    table
};

/// The index of the first special byte at or after `i` (or `body.len()`).
#[inline(always)]
fn scan_plain(body: &[u8], mut i: usize) -> usize {
    // Four bytes per step while none is special, then one by one.
    while let Some(&[a, b, c, d]) = body.get(i..i + 4) {
        if SPECIAL[a as usize] | SPECIAL[b as usize] | SPECIAL[c as usize] | SPECIAL[d as usize] {
            break;
        }
        i += 4;
    }
    match body.get(i..) {
        Some(rest) => rest
            .iter()
            .position(|b| SPECIAL[*b as usize])
            .map_or(body.len(), |p| i + p),
        None => body.len(),
    }
}

/// Splits on `&` and `=`, turning `+` into space and `%XX` into bytes. Empty segments
/// (`a=1&&b=2`, a trailing `&`) are skipped. A piece without escapes (ASCII, as nearly all
/// names and codes are) stays a span of the body and is never copied; the others are decoded
/// into one shared buffer.
fn split_and_unescape(body: &[u8], copy_all: bool, max_fields: usize) -> Result<Split, FormError> {
    let n = body.len();
    let mut pairs: Vec<(Span, Span)> = Vec::with_capacity(64);
    // Decoding never makes a piece longer, so the output fits in the body's length.
    let mut out = Output {
        bytes: vec![0; n],
        len: 0,
    };
    let mut i = 0;
    while i < n {
        if body[i] == b'&' {
            i += 1;
            continue;
        }
        let (name, end) = read_piece(body, i, true, copy_all, &mut out)?;
        let (value, end) = match body.get(end) {
            Some(b'=') => read_piece(body, end + 1, false, copy_all, &mut out)?,
            _ => (Span::body(end, end), end),
        };
        if pairs.len() == max_fields {
            return Err(FormError::TooManyFields { limit: max_fields });
        }
        pairs.push((name, value));
        i = end + 1;
    }
    out.bytes.truncate(out.len);
    Ok((out.bytes, pairs))
}

/// The decoded bytes: a buffer as long as the body, filled up to `len`.
struct Output {
    bytes: Vec<u8>,
    len: usize,
}

impl Output {
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn extend(&mut self, run: &[u8]) {
        if let Some(dest) = self.bytes.get_mut(self.len..self.len + run.len()) {
            dest.copy_from_slice(run);
            self.len += run.len();
        }
    }
}

/// Reads one piece from `start` up to `&` (or `=` for a name) or the end; returns it and the
/// index of its terminator.
#[inline(always)]
fn read_piece(
    body: &[u8],
    start: usize,
    is_name: bool,
    copy_all: bool,
    out: &mut Output,
) -> Result<(Span, usize), FormError> {
    let mut i = scan_plain(body, start);
    let ends_here = match body.get(i) {
        None | Some(b'&') => true,
        Some(b'=') => is_name,
        _ => false,
    };
    if ends_here && !copy_all {
        return Ok((Span::body(start, i), i));
    }
    let from = out.len;
    out.extend(&body[start..i]);
    loop {
        match body.get(i) {
            None | Some(b'&') => break,
            Some(b'=') if is_name => break,
            Some(b'%') => {
                // Escapes come in runs (three per Hangul syllable in UTF-8): decode the run,
                // a whole syllable per step when it is one.
                while let Some(&[b'%', h1, l1, b'%', h2, l2, b'%', h3, l3]) = body.get(i..i + 9) {
                    let [h1, l1, h2, l2, h3, l3] =
                        [h1, l1, h2, l2, h3, l3].map(|h| HEX[h as usize]);
                    if (h1 | l1 | h2 | l2 | h3 | l3) > 0x0F {
                        break;
                    }
                    out.extend(&[h1 << 4 | l1, h2 << 4 | l2, h3 << 4 | l3]);
                    i += 9;
                }
                while let Some(b'%') = body.get(i) {
                    let (hi, lo) = match body.get(i + 1..i + 3) {
                        Some(&[h, l]) => (HEX[h as usize], HEX[l as usize]),
                        _ => (0xFF, 0xFF),
                    };
                    if (hi | lo) > 0x0F {
                        return Err(FormError::BadEscape { position: i });
                    }
                    out.push(hi << 4 | lo);
                    i += 3;
                }
            }
            Some(b'+') => {
                out.push(b' ');
                i += 1;
            }
            // A second `=` in a value, or a raw non-ASCII byte.
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
        let plain = scan_plain(body, i);
        out.extend(&body[i..plain]);
        i = plain;
    }
    Ok((Span::text(from, out.len), i))
}

/// Percent-decodes `raw` strictly as a form component: `+` is a space and `%` must be followed
/// by two hex digits. Borrows when there is nothing to decode.
pub fn percent_decode(raw: &[u8]) -> Result<Cow<'_, [u8]>, FormError> {
    if memchr::memchr2(b'%', b'+', raw).is_none() {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = Vec::with_capacity(raw.len());
    unescape_into(raw, 0, &mut out)?;
    Ok(Cow::Owned(out))
}

/// Percent-decodes one component strictly (`%` must be followed by two hex digits), appending
/// to `out`; `offset` is the component's position in the body, for errors.
///
/// Hand-written because the `percent-encoding` and `form_urlencoded` crates pass malformed
/// escapes through silently, and a payment result must not be read differently from what was
/// sent.
fn unescape_into(raw: &[u8], offset: usize, out: &mut Vec<u8>) -> Result<(), FormError> {
    let mut rest = raw;
    while let Some(i) = memchr::memchr2(b'%', b'+', rest) {
        out.extend_from_slice(&rest[..i]);
        if rest[i] == b'+' {
            out.push(b' ');
            rest = &rest[i + 1..];
            continue;
        }
        let (hi, lo) = match rest.get(i + 1..i + 3) {
            Some(&[h, l]) => (HEX[h as usize], HEX[l as usize]),
            _ => (0xFF, 0xFF),
        };
        if (hi | lo) > 0x0F {
            return Err(FormError::BadEscape {
                position: offset + (raw.len() - rest.len()) + i,
            });
        }
        out.push(hi << 4 | lo);
        rest = &rest[i + 3..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// The name of a pair for an error: its decoded text if it has one, else `(name)`.
fn field_name(name: Span, body: &[u8], decoded: &[u8], charset: Charset) -> String {
    let bytes = match name {
        Span::Body(s, e) => body.get(s as usize..e as usize),
        Span::Text(s, e) => decoded.get(s as usize..e as usize),
    }
    .unwrap_or_default();
    charset
        .decode(bytes)
        .map_or_else(|| "(name)".to_owned(), Cow::into_owned)
}

type Pieces = (String, Vec<(Span, Span)>);

/// Reads the decoded buffer as UTF-8: one validation for all pieces, then a check that every
/// piece starts and ends on a character boundary. On failure, the buffer comes back.
fn utf8_text(decoded: Vec<u8>, raw: Vec<(Span, Span)>) -> Result<Pieces, Split> {
    // SIMD validation, then one copy: cheaper than `String::from_utf8`'s scalar validation.
    let text = match simdutf8::basic::from_utf8(&decoded) {
        Ok(text) => text.to_owned(),
        Err(_) => return Err((decoded, raw)),
    };
    let splits_a_character = raw
        .iter()
        .flat_map(|(n, v)| [n, v])
        .any(|piece| match *piece {
            Span::Text(s, e) => {
                !(text.is_char_boundary(s as usize) && text.is_char_boundary(e as usize))
            }
            Span::Body(..) => false,
        });
    if splits_a_character {
        return Err((text.into_bytes(), raw));
    }
    Ok((text, raw))
}

/// The name of the first pair with a piece that is not UTF-8 (the error path only).
fn first_invalid_utf8(decoded: &[u8], raw: &[(Span, Span)], body: &[u8]) -> String {
    for (name, value) in raw {
        for piece in [name, value] {
            if let Span::Text(s, e) = *piece {
                let bytes = decoded.get(s as usize..e as usize).unwrap_or_default();
                if std::str::from_utf8(bytes).is_err() {
                    return if std::ptr::eq(piece, name) {
                        "(name)".to_owned()
                    } else {
                        field_name(*name, body, decoded, Charset::Utf8)
                    };
                }
            }
        }
    }
    "(name)".to_owned()
}

/// Appends the EUC-KR (CP949) decoding of `bytes` to `text`; `false` when they are malformed.
fn decode_euc_kr_into(bytes: &[u8], text: &mut String) -> bool {
    if bytes.is_ascii() {
        // ASCII is the same in both charsets.
        text.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return true;
    }
    if let Some(()) = decode_common_hangul_into(bytes, text) {
        return true;
    }
    let mut decoder = encoding_rs::EUC_KR.new_decoder_without_bom_handling();
    match decoder.max_utf8_buffer_length_without_replacement(bytes.len()) {
        Some(n) => text.reserve(n),
        None => return false,
    }
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, text, true);
    matches!(result, encoding_rs::DecoderResult::InputEmpty) && read == bytes.len()
}

/// Lead and trail bytes of the 2,350 Hangul syllables of KS X 1001 in EUC-KR.
const HANGUL_LEADS: std::ops::RangeInclusive<u8> = 0xB0..=0xC8;
const HANGUL_TRAILS: std::ops::RangeInclusive<u8> = 0xA1..=0xFE;

/// What `encoding_rs` decodes each KS X 1001 Hangul pair to, computed once from it (so the two
/// cannot disagree); `'\0'` where it does not decode to one character.
fn common_hangul() -> &'static [char] {
    static TABLE: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        HANGUL_LEADS
            .flat_map(|lead| HANGUL_TRAILS.map(move |trail| [lead, trail]))
            .map(|pair| {
                let decoded =
                    encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(&pair);
                let mut chars = decoded.as_deref().unwrap_or_default().chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => c,
                    _ => '\0',
                }
            })
            .collect()
    })
}

/// Appends `bytes` when they are ASCII and common Hangul only (what Korean names, goods and
/// addresses are), by table; `None`, with `text` as it was, for anything else, which
/// `encoding_rs` then decodes in full. EUC-KR is stateless, so both give the same text.
fn decode_common_hangul_into(bytes: &[u8], text: &mut String) -> Option<()> {
    let table = common_hangul();
    let start = text.len();
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        if b < 0x80 {
            text.push(char::from(b));
            rest = tail;
            continue;
        }
        let decoded = match tail.first() {
            Some(&trail) if HANGUL_LEADS.contains(&b) && HANGUL_TRAILS.contains(&trail) => {
                let index = usize::from(b - 0xB0) * 94 + usize::from(trail - 0xA1);
                table.get(index).copied().filter(|c| *c != '\0')
            }
            _ => None,
        };
        match decoded {
            Some(c) => {
                text.push(c);
                rest = &tail[1..];
            }
            None => {
                text.truncate(start);
                return None;
            }
        }
    }
    Some(())
}

/// Decodes every decoded piece from EUC-KR into a new buffer, pointing the spans at it.
fn euc_kr_text(
    decoded: &[u8],
    mut pairs: Vec<(Span, Span)>,
    body: &[u8],
) -> Result<Pieces, FormError> {
    let mut text = String::with_capacity(decoded.len() + decoded.len() / 2);
    for (name, value) in pairs.iter_mut() {
        let name_span = *name;
        for (is_name, piece) in [(true, name), (false, value)] {
            let Span::Text(s, e) = *piece else { continue };
            let from = text.len();
            let bytes = decoded.get(s as usize..e as usize).unwrap_or_default();
            if !decode_euc_kr_into(bytes, &mut text) {
                let field = if is_name {
                    "(name)".to_owned()
                } else {
                    field_name(name_span, body, decoded, Charset::EucKr)
                };
                return Err(FormError::Undecodable {
                    charset: Charset::EucKr,
                    field,
                });
            }
            *piece = Span::text(from, text.len());
        }
    }
    Ok((text, pairs))
}

/// Which characters an encoder leaves as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escape {
    /// The `application/x-www-form-urlencoded` set (WHATWG, and Java's `URLEncoder`): letters,
    /// digits and `*-._` stay; space becomes `+`; every other byte is `%XX`.
    #[default]
    Form,
    /// A URL query value: letters, digits, `-._~` and `!$'()*,/:=@` stay; every other byte,
    /// `+` `&` `;` `#` `%` and space included, is `%XX`. This is how the Innopay manual writes
    /// its Web-Link URLs (`.../Ma29gyAFhvv/%2Be4/...==`).
    QueryValue,
}

/// Bytes that a query value escapes (see [`Escape::QueryValue`]).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b'/')
    .remove(b':')
    .remove(b'=')
    .remove(b'@');

/// Percent-encodes `text` in `charset` with the given escape set, appending to `out`.
pub fn encode_component(
    text: &str,
    charset: Charset,
    escape: Escape,
    out: &mut String,
) -> Result<(), Unencodable> {
    let bytes = charset.encode(text)?;
    match escape {
        Escape::Form => out.extend(form_urlencoded::byte_serialize(&bytes)),
        Escape::QueryValue => out.extend(percent_encoding::percent_encode(&bytes, QUERY_VALUE)),
    }
    Ok(())
}

/// Builds a form body (or query string) pair by pair.
#[derive(Debug, Clone)]
pub struct FormEncoder {
    out: String,
    charset: Charset,
    escape: Escape,
}

impl FormEncoder {
    /// An encoder for a form body in `charset`.
    pub fn new(charset: Charset) -> Self {
        FormEncoder::with_escape(charset, Escape::Form)
    }

    /// An encoder with a chosen escape set.
    pub fn with_escape(charset: Charset, escape: Escape) -> Self {
        FormEncoder {
            out: String::new(),
            charset,
            escape,
        }
    }

    /// Appends `name=value`.
    pub fn append(&mut self, name: &str, value: &str) -> Result<&mut Self, FormError> {
        if !self.out.is_empty() {
            self.out.push('&');
        }
        let unencodable = |source| FormError::Unencodable {
            field: name.to_owned(),
            source,
        };
        // Names always use the form set, so that a `=` in a name cannot end it.
        encode_component(name, self.charset, Escape::Form, &mut self.out).map_err(unencodable)?;
        self.out.push('=');
        encode_component(value, self.charset, self.escape, &mut self.out).map_err(unencodable)?;
        Ok(self)
    }

    /// The encoded text so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The encoded text.
    pub fn finish(self) -> String {
        self.out
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

    #[test]
    fn every_common_hangul_pair_decodes_like_encoding_rs() {
        let table = common_hangul();
        assert_eq!(table.len(), 2350);
        for (i, lead) in HANGUL_LEADS.enumerate() {
            for (j, trail) in HANGUL_TRAILS.enumerate() {
                let pair = [lead, trail];
                let expected = encoding_rs::EUC_KR
                    .decode_without_bom_handling_and_without_replacement(&pair)
                    .unwrap();
                assert_eq!(table[i * 94 + j].to_string(), expected);
                let mut text = String::new();
                assert_eq!(
                    decode_common_hangul_into(&[lead, trail], &mut text),
                    Some(())
                );
                assert_eq!(text, expected);
            }
        }
        assert_eq!(table[0], '가');
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

        /// The Hangul table path gives exactly what `encoding_rs` gives, and declines what it
        /// does not cover.
        #[test]
        fn common_hangul_matches_encoding_rs(
            bytes in proptest::collection::vec(
                prop_oneof![0x20u8..0x7F, 0xA1u8..=0xFE, 0x81u8..=0xA0, 0x80u8..=0xFF],
                0..24,
            ),
        ) {
            let mut fast = String::from("x");
            let full = encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(&bytes);
            match decode_common_hangul_into(&bytes, &mut fast) {
                Some(()) => prop_assert_eq!(Some(&fast[1..]), full.as_deref()),
                None => prop_assert_eq!(fast, "x"),
            }
            // Whichever path takes it, the piece decodes as encoding_rs decodes it.
            let mut text = String::new();
            let ok = decode_euc_kr_into(&bytes, &mut text);
            prop_assert_eq!(ok.then_some(text.as_str()), full.as_deref());
        }

        #[test]
        fn parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Form::parse(&body, None, &FormLimits::default());
            let _ = Form::parse(&body, Some(Charset::Utf8), &FormLimits::default());
            let _ = Form::parse(&body, Some(Charset::EucKr), &FormLimits::default());
        }
    }
}
