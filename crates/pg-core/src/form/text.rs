//! Turning the unescaped bytes into text: one UTF-8 validation, or EUC-KR conversion piece by
//! piece (common Hangul by a table built from `encoding_rs`).

use std::borrow::Cow;

use super::{FormError, Span, Split};
use crate::charset::Charset;

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

pub(super) type Pieces = (String, Vec<(Span, Span)>);

/// Reads the decoded buffer as UTF-8: one validation for all pieces, then a check that every
/// piece starts and ends on a character boundary. On failure, the buffer comes back.
pub(super) fn utf8_text(decoded: Vec<u8>, raw: Vec<(Span, Span)>) -> Result<Pieces, Split> {
    if surely_not_utf8(&decoded) {
        return Err((decoded, raw));
    }
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

/// Whether the first non-ASCII character of `bytes` is already invalid UTF-8, as EUC-KR text
/// nearly always is (most Hangul lead bytes, `B0`-`BF`, cannot begin a UTF-8 character): then
/// the whole-buffer validation, which reads to the end before failing, is skipped.
pub(super) fn surely_not_utf8(bytes: &[u8]) -> bool {
    let Some(first) = bytes.iter().position(|b| !b.is_ascii()) else {
        return false;
    };
    let window = &bytes[first..bytes.len().min(first + 8)];
    matches!(std::str::from_utf8(window), Err(e) if e.error_len().is_some())
}

/// Whether the first escaped non-ASCII bytes of a percent-encoded body are already invalid
/// UTF-8 (see [`surely_not_utf8`]): they begin a character, since what precedes an escape in
/// the decoded text is ASCII or a whole character sent raw.
pub(super) fn escapes_surely_not_utf8(body: &[u8]) -> bool {
    // The first escape of a byte above 0x7F: `%` and a first hex digit of 8 to F.
    let Some(first) = memchr::memchr_iter(b'%', body).find(|&at| {
        matches!(
            body.get(at + 1),
            Some(b'8'..=b'9' | b'A'..=b'F' | b'a'..=b'f')
        )
    }) else {
        return false;
    };
    // Up to eight bytes of the run of escapes it begins.
    let mut window = [0u8; 8];
    let mut len = 0;
    for escape in body[first..].chunks(3).take(window.len()) {
        match escape {
            &[b'%', h, l] => match super::split::hex_pair(h, l) {
                Some(byte) => {
                    window[len] = byte;
                    len += 1;
                }
                None => break,
            },
            _ => break,
        }
    }
    len > 0 && surely_not_utf8(&window[..len])
}

/// The name of the first pair with a piece that is not UTF-8 (the error path only).
pub(super) fn first_invalid_utf8(decoded: &[u8], raw: &[(Span, Span)], body: &[u8]) -> String {
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

/// Writes the EUC-KR (CP949) decoding of `bytes` as UTF-8 into `out` from `at` (growing it
/// when needed); the length written, or `None` when the bytes are malformed.
fn decode_euc_kr_at(
    bytes: &[u8],
    table: Option<&[[u8; 3]]>,
    out: &mut Vec<u8>,
    at: usize,
) -> Option<usize> {
    if let Some(written) = table.and_then(|t| hangul_into(bytes, t, out.get_mut(at..)?)) {
        return Some(written);
    }
    let text = encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(bytes)?;
    let end = at + text.len();
    if out.len() < end {
        out.resize(end, 0);
    }
    out.get_mut(at..end)?.copy_from_slice(text.as_bytes());
    Some(text.len())
}

/// Lead and trail bytes of the 2,350 Hangul syllables of KS X 1001 in EUC-KR.
const HANGUL_LEADS: std::ops::RangeInclusive<u8> = 0xB0..=0xC8;
const HANGUL_TRAILS: std::ops::RangeInclusive<u8> = 0xA1..=0xFE;

/// What `encoding_rs` decodes each KS X 1001 Hangul pair to, in UTF-8 (three bytes each),
/// computed once from it so the two cannot disagree; `None` if some pair did not decode to one
/// syllable (then only `encoding_rs` is used).
pub(super) fn common_hangul() -> Option<&'static [[u8; 3]]> {
    static TABLE: std::sync::OnceLock<Option<Vec<[u8; 3]>>> = std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            let pairs = HANGUL_LEADS.flat_map(|lead| HANGUL_TRAILS.map(move |trail| [lead, trail]));
            pairs
                .map(|pair| {
                    one_character(pair)?
                        .encode_utf8(&mut [0; 4])
                        .as_bytes()
                        .try_into()
                        .ok()
                })
                .collect()
        })
        .as_deref()
}

/// The UTF-8 of the common Hangul syllable `lead trail` in EUC-KR, if it is one.
#[inline(always)]
pub(super) fn syllable(table: &[[u8; 3]], lead: u8, trail: u8) -> Option<&[u8; 3]> {
    if !(HANGUL_LEADS.contains(&lead) && HANGUL_TRAILS.contains(&trail)) {
        return None;
    }
    table.get(
        usize::from(lead - HANGUL_LEADS.start()) * HANGUL_TRAILS.len()
            + usize::from(trail - HANGUL_TRAILS.start()),
    )
}

/// The UTF-8 of the EUC-KR (CP949) character `lead trail` and its length: a common Hangul
/// syllable by table, any other by the table of every pair; `None` when the pair is not one
/// character.
#[inline(always)]
pub(super) fn euc_kr_pair(table: &[[u8; 3]], lead: u8, trail: u8) -> Option<([u8; 3], usize)> {
    if let Some(utf8) = syllable(table, lead, trail) {
        return Some((*utf8, 3));
    }
    other_pair(lead, trail)
}

/// A pair outside the common Hangul, by its lead byte's row (out of line: the common path
/// stays small).
#[inline(never)]
fn other_pair(lead: u8, trail: u8) -> Option<([u8; 3], usize)> {
    let row = OTHER_ROWS
        .get(usize::from(lead.checked_sub(*OTHER_LEADS.start())?))?
        .get_or_init(|| other_row(lead));
    let [a, b, c, len] = *row.get(usize::from(trail.checked_sub(*OTHER_TRAILS.start())?))?;
    (len > 0).then_some(([a, b, c], usize::from(len)))
}

/// Lead and trail bytes of every two-byte EUC-KR (CP949) character: KS X 1001's symbols, Hangul
/// and Hanja, and the extended syllables whose trail bytes may be letters.
const OTHER_LEADS: std::ops::RangeInclusive<u8> = 0x81..=0xFE;
const OTHER_TRAILS: std::ops::RangeInclusive<u8> = 0x41..=0xFE;

/// A table row per lead byte, each built the first time a pair of it is met outside the common
/// Hangul (see [`other_row`]).
static OTHER_ROWS: [std::sync::OnceLock<Vec<[u8; 4]>>; OTHER_LEAD_COUNT] =
    [const { std::sync::OnceLock::new() }; OTHER_LEAD_COUNT];
const OTHER_LEAD_COUNT: usize = (*OTHER_LEADS.end() - *OTHER_LEADS.start()) as usize + 1;

/// What `encoding_rs` decodes each pair of `lead` to: UTF-8 in the first three bytes and its
/// length in the fourth, 0 where the pair is not one character. A row is 190 decodings, built
/// once (tens of microseconds), so that a symbol (`㈜`, `※`), a Hanja or a CP949-only syllable
/// (`똠`) then costs one lookup like a common syllable: decoding each through `encoding_rs`,
/// which allocates a `String` per call, had been a fifth of decoding a body with a dozen.
fn other_row(lead: u8) -> Vec<[u8; 4]> {
    OTHER_TRAILS
        .map(|trail| {
            let mut entry = [0; 4];
            // Every character of EUC-KR is in the Basic Multilingual Plane: at most 3 bytes.
            if let Some(c) = one_character([lead, trail])
                && c.len_utf8() <= 3
            {
                let len = c.encode_utf8(&mut entry).len();
                entry[3] = len as u8;
            }
            entry
        })
        .collect()
}

/// The one character `encoding_rs` decodes an EUC-KR (CP949) pair to, if it is one: the
/// tables are built from it, so the two cannot disagree.
fn one_character(pair: [u8; 2]) -> Option<char> {
    let decoded = encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(&pair)?;
    let mut chars = decoded.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Writes `bytes` as UTF-8 into `out` when they are ASCII and common Hangul only (what Korean
/// names, goods and addresses are), by table; the length written, or `None` at anything else
/// (or when `out` is too short), which `encoding_rs` then decodes in full. EUC-KR is
/// stateless, so both give the same text. The length lives in a local: pushing to a vector
/// byte by byte made the compiler store and reload its length around every byte.
#[inline]
fn hangul_into(bytes: &[u8], table: &[[u8; 3]], out: &mut [u8]) -> Option<usize> {
    let (mut i, mut len) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            *out.get_mut(len)? = b;
            len += 1;
            i += 1;
            continue;
        }
        let trail = *bytes.get(i + 1)?;
        out.get_mut(len..len + 3)?
            .copy_from_slice(syllable(table, b, trail)?);
        len += 3;
        i += 2;
    }
    Some(len)
}

/// Decodes every decoded piece from EUC-KR into a new buffer, pointing the spans at it.
pub(super) fn euc_kr_text(
    decoded: &[u8],
    mut pairs: Vec<(Span, Span)>,
    body: &[u8],
) -> Result<Pieces, FormError> {
    let table = common_hangul();
    // Room for the worst case of the table's path (three bytes for every two), allocated
    // once: the pieces are small and many, so anything per piece would dominate.
    let mut out = vec![0; decoded.len() + decoded.len().div_ceil(2)];
    let mut len = 0;
    for (name, value) in pairs.iter_mut() {
        let name_span = *name;
        for (is_name, piece) in [(true, name), (false, value)] {
            let Span::Text(s, e) = *piece else { continue };
            let bytes = decoded.get(s as usize..e as usize).unwrap_or_default();
            let Some(written) = decode_euc_kr_at(bytes, table, &mut out, len) else {
                let field = if is_name {
                    "(name)".to_owned()
                } else {
                    field_name(name_span, body, decoded, Charset::EucKr)
                };
                return Err(FormError::Undecodable {
                    charset: Charset::EucKr,
                    field,
                });
            };
            *piece = Span::text(len, len + written);
            len += written;
        }
    }
    out.truncate(len);
    // Every piece was written as whole characters: one SIMD validation proves it to the type
    // system (cheaper than `String::from_utf8`'s scalar one).
    let text = simdutf8::basic::from_utf8(&out)
        .map_err(|_| FormError::Undecodable {
            charset: Charset::EucKr,
            field: "(body)".to_owned(),
        })?
        .to_owned();
    Ok((text, pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_common_hangul_pair_decodes_like_encoding_rs() {
        let table = common_hangul().unwrap();
        assert_eq!(table.len(), 2350);
        assert_eq!(&table[0], "가".as_bytes());
        for lead in HANGUL_LEADS {
            for trail in HANGUL_TRAILS {
                let bytes = [b'x', lead, trail, b' '];
                let expected = encoding_rs::EUC_KR
                    .decode_without_bom_handling_and_without_replacement(&bytes)
                    .unwrap();
                let mut out = [0; 6];
                assert_eq!(hangul_into(&bytes, table, &mut out), Some(5));
                assert_eq!(&out[..5], expected.as_bytes());
                // A lone lead byte is declined, and so is a buffer too short.
                assert_eq!(hangul_into(&bytes[..2], table, &mut out), None);
                assert_eq!(hangul_into(&bytes, table, &mut out[..4]), None);
            }
        }
    }

    #[test]
    fn text_that_starts_invalid_is_not_utf8() {
        assert!(surely_not_utf8(b"ab \xB0\xA1"));
        assert!(surely_not_utf8(
            "가".as_bytes().split_at(1).0.repeat(2).as_slice()
        ));
        // Valid, or cut short inside the window: the full validation decides.
        assert!(!surely_not_utf8("ab 가나다라".as_bytes()));
        assert!(!surely_not_utf8(&"가".as_bytes()[..2]));
        assert!(!surely_not_utf8(b"plain"));
        // EUC-KR that happens to start like UTF-8 (`C8 AB`, U+022B) is left to the full check.
        assert!(!surely_not_utf8(b"\xC8\xAB"));
    }

    proptest! {
        /// Never says "not UTF-8" of valid UTF-8.
        #[test]
        fn valid_utf8_is_never_refused(text in "\\PC{0,24}") {
            prop_assert!(!surely_not_utf8(text.as_bytes()));
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
            let mut fast = vec![0; 40];
            let full = encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(&bytes);
            if let Some(n) = hangul_into(&bytes, common_hangul().unwrap(), &mut fast) {
                prop_assert_eq!(Some(&fast[..n]), full.as_deref().map(str::as_bytes));
            }
            // Whichever path takes it, the piece decodes as encoding_rs decodes it, after what
            // was there, into a buffer that may have to grow.
            let mut out = b"<".to_vec();
            let written = decode_euc_kr_at(&bytes, common_hangul(), &mut out, 1);
            prop_assert_eq!(
                written.map(|n| &out[1..1 + n]),
                full.as_deref().map(str::as_bytes)
            );
            prop_assert_eq!(out[0], b'<');
        }
    }
}
