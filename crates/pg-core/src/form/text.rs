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
                let index = usize::from(b - HANGUL_LEADS.start()) * HANGUL_TRAILS.len()
                    + usize::from(trail - HANGUL_TRAILS.start());
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
pub(super) fn euc_kr_text(
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    proptest! {
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
    }
}
