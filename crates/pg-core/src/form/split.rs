//! Splitting a body into pairs and undoing `+` and `%XX`: the parser's hot loop.

use std::borrow::Cow;

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
pub(super) fn split_and_unescape(
    body: &[u8],
    copy_all: bool,
    max_fields: usize,
) -> Result<Split, FormError> {
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
                    let byte = escaped_byte(body.get(i + 1..i + 3))
                        .ok_or(FormError::BadEscape { position: i })?;
                    out.push(byte);
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
        let byte = escaped_byte(rest.get(i + 1..i + 3)).ok_or(FormError::BadEscape {
            position: raw.len() - rest.len() + i,
        })?;
        out.push(byte);
        rest = &rest[i + 3..];
    }
    out.extend_from_slice(rest);
    Ok(Cow::Owned(out))
}

/// The byte of the two hex digits after a `%`; `None` when they are missing or not hex.
#[inline(always)]
fn escaped_byte(digits: Option<&[u8]>) -> Option<u8> {
    let &[h, l] = digits? else { return None };
    let (hi, lo) = (HEX[h as usize], HEX[l as usize]);
    ((hi | lo) <= 0x0F).then_some(hi << 4 | lo)
}
