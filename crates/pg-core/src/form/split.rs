//! Splitting a body into pairs and undoing `+` and `%XX`: the parser's hot loop.

use std::borrow::Cow;

use super::scan::{MapStorage, Specials};
use super::{FormError, Span, Split};

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

/// Splits on `&` and `=`, turning `+` into space and `%XX` into bytes. Empty segments
/// (`a=1&&b=2`, a trailing `&`) are skipped. A piece without escapes (ASCII, as nearly all
/// names and codes are) stays a span of the body and is never copied; the others are decoded
/// into one shared buffer.
pub(super) fn split_and_unescape(
    body: &[u8],
    copy_all: bool,
    max_fields: usize,
) -> Result<Split, FormError> {
    split::<false>(body, copy_all, max_fields, &[])
}

/// [`split_and_unescape`] for a percent-encoded (ASCII) body whose escapes are EUC-KR, turning
/// each escaped character (`%B0%A1`, or `%8Cc` with a letter for trail byte) straight into
/// UTF-8 in the same pass: common Hangul by `table`, the rest of CP949 by a table row per lead
/// byte (both built from `encoding_rs`). `None` at anything this does not cover (a
/// raw non-ASCII byte, an escaped pair that is no character, a malformed escape, too many
/// fields): the caller then takes the general path, which decodes or refuses it exactly.
pub(super) fn split_euc_kr(body: &[u8], max_fields: usize, table: &[[u8; 3]]) -> Option<Split> {
    split::<true>(body, false, max_fields, table).ok()
}

/// The splitter; with `EUC_KR`, escaped bytes are read as EUC-KR and written as UTF-8.
#[inline(always)]
fn split<const EUC_KR: bool>(
    body: &[u8],
    copy_all: bool,
    max_fields: usize,
    table: &[[u8; 3]],
) -> Result<Split, FormError> {
    let n = body.len();
    // Room for a pair per 16 bytes (what real notifications average at least), at most 64:
    // a small body does not pay for a large allocation, a large one grows if it must.
    let mut pairs: Vec<(Span, Span)> = Vec::with_capacity((n / 16 + 4).min(64));
    // Decoding never makes a piece longer, so the output fits in the body's length. It is
    // written through a slice with its length in a local, so both stay in registers.
    let mut decoded = vec![0; n];
    let out = decoded.as_mut_slice();
    let mut len = 0;
    let mut storage = MapStorage::new();
    let specials = Specials::of(body, &mut storage);
    let mut i = 0;
    while i < n {
        if body[i] == b'&' {
            i += 1;
            continue;
        }
        let (name, end) = read_piece::<EUC_KR>(&specials, i, true, copy_all, out, &mut len, table)?;
        let (value, end) = match body.get(end) {
            Some(b'=') => {
                read_piece::<EUC_KR>(&specials, end + 1, false, copy_all, out, &mut len, table)?
            }
            _ => (Span::body(end, end), end),
        };
        if pairs.len() == max_fields {
            return Err(FormError::TooManyFields { limit: max_fields });
        }
        pairs.push((name, value));
        i = end + 1;
    }
    decoded.truncate(len);
    Ok((decoded, pairs))
}

/// Copies `body[from..to]` to `out[len..]`; the new length. A short run is copied as sixteen
/// bytes at once where both sides have room (what lies past the run is overwritten later or
/// cut off), which saves a `memcpy` call per run.
#[inline(always)]
fn copy_run(body: &[u8], from: usize, to: usize, out: &mut [u8], len: usize) -> usize {
    let run = to - from;
    if run <= 16
        && let (Some(dest), Some(src)) = (out.get_mut(len..len + 16), body.get(from..from + 16))
    {
        dest.copy_from_slice(src);
        return len + run;
    }
    if let (Some(dest), Some(src)) = (out.get_mut(len..len + run), body.get(from..to)) {
        dest.copy_from_slice(src);
    }
    len + run
}

/// Reads one piece from `start` up to `&` (or `=` for a name) or the end; returns it and the
/// index of its terminator. Decoded bytes go to `out[*len..]`.
#[inline(always)]
#[allow(
    clippy::unnecessary_lazy_evaluations,
    reason = "`FormError` has a destructor: built eagerly, it was built and dropped at every \
              escape (4% of an EUC-KR decode's instructions, measured with callgrind)"
)]
fn read_piece<const EUC_KR: bool>(
    specials: &Specials<'_>,
    start: usize,
    is_name: bool,
    copy_all: bool,
    out: &mut [u8],
    len: &mut usize,
    table: &[[u8; 3]],
) -> Result<(Span, usize), FormError> {
    let body = specials.body;
    let mut i = specials.next(start);
    let ends_here = match body.get(i) {
        None | Some(b'&') => true,
        Some(b'=') => is_name,
        _ => false,
    };
    if ends_here && !copy_all {
        return Ok((Span::body(start, i), i));
    }
    let from = *len;
    let mut at = copy_run(body, start, i, out, from);
    loop {
        match body.get(i) {
            None | Some(b'&') => break,
            Some(b'=') if is_name => break,
            Some(b'%') if EUC_KR => {
                // ASCII, or a character of two escapes (a common Hangul syllable by table, any
                // other by `encoding_rs`); written as UTF-8, at most three bytes for the six
                // it was sent as.
                while let Some(b'%') = body.get(i) {
                    let byte = escaped_byte(body.get(i + 1..i + 3))
                        .ok_or_else(|| FormError::BadEscape { position: i })?;
                    if byte.is_ascii() {
                        if let Some(slot) = out.get_mut(at) {
                            *slot = byte;
                        }
                        at += 1;
                        i += 3;
                        continue;
                    }
                    // The trail byte escaped, or a letter: CP949's extended syllables have
                    // ASCII letters as trail bytes, which encoders leave as they are (`똠` is
                    // `%8Cc` from Java's `URLEncoder` and Python's `quote`).
                    let (trail, width) = match body.get(i + 3..i + 6) {
                        Some(&[b'%', h, l]) => (escaped_byte(Some(&[h, l])), 6),
                        _ => (body.get(i + 3).copied().filter(u8::is_ascii_alphabetic), 4),
                    };
                    let (utf8, n) = trail
                        .and_then(|trail| super::text::euc_kr_pair(table, byte, trail))
                        .ok_or_else(|| FormError::BadEscape { position: i })?;
                    // Three bytes written whatever the character's length (a fixed-size copy,
                    // not a `memcpy` call): the four or six read leave room, and what lies
                    // past `n` is overwritten next or cut off.
                    if let Some(dest) = out.get_mut(at..at + 3) {
                        dest.copy_from_slice(&utf8);
                    }
                    at += n;
                    i += width;
                }
            }
            // A raw non-ASCII byte is not for this path.
            Some(&b) if EUC_KR && !b.is_ascii() => {
                return Err(FormError::BadEscape { position: i });
            }
            Some(b'%') => {
                // Escapes come in runs (three per Hangul syllable in UTF-8, two in EUC-KR):
                // decode the run, three escapes per step while they are.
                while let Some(&[b'%', h1, l1, b'%', h2, l2, b'%', h3, l3]) = body.get(i..i + 9) {
                    let [h1, l1, h2, l2, h3, l3] =
                        [h1, l1, h2, l2, h3, l3].map(|h| HEX[h as usize]);
                    if (h1 | l1 | h2 | l2 | h3 | l3) > 0x0F {
                        break;
                    }
                    if let Some(dest) = out.get_mut(at..at + 3) {
                        dest.copy_from_slice(&[h1 << 4 | l1, h2 << 4 | l2, h3 << 4 | l3]);
                    }
                    at += 3;
                    i += 9;
                }
                while let Some(b'%') = body.get(i) {
                    let byte = escaped_byte(body.get(i + 1..i + 3))
                        .ok_or_else(|| FormError::BadEscape { position: i })?;
                    if let Some(slot) = out.get_mut(at) {
                        *slot = byte;
                    }
                    at += 1;
                    i += 3;
                }
            }
            // `+` is a space; a second `=` in a value, or a raw non-ASCII byte, is itself.
            Some(&b) => {
                if let Some(slot) = out.get_mut(at) {
                    *slot = if b == b'+' { b' ' } else { b };
                }
                at += 1;
                i += 1;
            }
        }
        let plain = specials.next(i);
        at = copy_run(body, i, plain, out, at);
        i = plain;
    }
    *len = at;
    Ok((Span::text(from, at), i))
}

/// Percent-decodes `raw` strictly as a form component: `+` is a space and `%` must be followed
/// by two hex digits. Borrows when there is nothing to decode.
pub fn percent_decode(raw: &[u8]) -> Result<Cow<'_, [u8]>, FormError> {
    if memchr::memchr2(b'%', b'+', raw).is_none() {
        return Ok(Cow::Borrowed(raw));
    }
    // Hand-written because the `percent-encoding` and `form_urlencoded` crates pass malformed
    // escapes through silently, and a payment result must not be read differently from what
    // was sent.
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = memchr::memchr2(b'%', b'+', rest) {
        out.extend_from_slice(&rest[..i]);
        if rest[i] == b'+' {
            out.push(b' ');
            rest = &rest[i + 1..];
            continue;
        }
        let byte = escaped_byte(rest.get(i + 1..i + 3)).ok_or_else(|| FormError::BadEscape {
            position: raw.len() - rest.len() + i,
        })?;
        out.push(byte);
        rest = &rest[i + 3..];
    }
    out.extend_from_slice(rest);
    Ok(Cow::Owned(out))
}

/// The byte two hex digits spell, if they are hex digits.
#[inline]
pub fn hex_pair(h: u8, l: u8) -> Option<u8> {
    escaped_byte(Some(&[h, l]))
}

/// The byte of the two hex digits after a `%`; `None` when they are missing or not hex.
#[inline(always)]
fn escaped_byte(digits: Option<&[u8]>) -> Option<u8> {
    let &[h, l] = digits? else { return None };
    let (hi, lo) = (HEX[h as usize], HEX[l as usize]);
    ((hi | lo) <= 0x0F).then_some(hi << 4 | lo)
}
