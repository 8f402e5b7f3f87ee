//! Card numbers: masked on arrival, and masked inside any text bound for a log.

use std::fmt;

/// A card number as the merchant may keep it: at most the first 6 and last 4 digits visible,
/// the rest `*`. Built from whatever a gateway sent (full, or already masked), it masks again,
/// so a full number never lives in this type.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct MaskedCardNumber(compact_str::CompactString);

impl MaskedCardNumber {
    /// Masks a card number as received: every digit or `*` after the first 6 and before the last
    /// 4 positions becomes `*`; separators (`-`, space) are dropped.
    pub fn from_received(text: &str) -> Self {
        let text = crate::text::trim(text);
        if text.len() <= 24 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*') {
            // The usual shape: no separators, ASCII. Mask in a stack buffer.
            let mut buf = [0u8; 24];
            let n = text.len();
            for (i, b) in text.bytes().enumerate() {
                let visible = n >= 12 && (i < 6 || i >= n - 4);
                buf[i] = if visible || b == b'*' { b } else { b'*' };
            }
            let masked = std::str::from_utf8(&buf[..n]).unwrap_or_default();
            return MaskedCardNumber(compact_str::CompactString::from(masked));
        }
        let kept = |c: &char| !matches!(c, '-' | ' ');
        let n = text.chars().filter(kept).count();
        let masked = text
            .chars()
            .filter(kept)
            .enumerate()
            .map(|(i, c)| {
                let visible = n >= 12 && (i < 6 || i >= n - 4);
                if visible || !c.is_alphanumeric() {
                    c
                } else {
                    '*'
                }
            })
            .collect();
        MaskedCardNumber(masked)
    }

    /// The masked number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MaskedCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedCardNumber({})", self.0)
    }
}

impl fmt::Display for MaskedCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for MaskedCardNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(MaskedCardNumber::from_received(&text))
    }
}

/// Masks every card number in `text`: a run of 13 to 19 digits (possibly split by single `-`,
/// spaces, `+` or percent-encoded `%20`/`%2D`) that passes the Luhn check and is not a
/// `yyyyMMddHHmmss` timestamp. All but its first 6 and last 4 digits become `*`. For raw bodies
/// bound for a log; fields known to hold card numbers should be masked by name as well, since a
/// test card number need not pass Luhn.
pub fn mask_card_numbers(text: &str) -> String {
    // Only ASCII digits change, and they stay ASCII, so the result is valid UTF-8.
    String::from_utf8(mask_card_numbers_in_bytes(text.as_bytes()))
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`mask_card_numbers`] over raw bytes (a body in any ASCII-compatible charset, EUC-KR
/// included: only ASCII digits are replaced).
pub fn mask_card_numbers_in_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        // Collect a run of digits with single separators between them.
        let mut digits = Vec::new();
        let mut j = i;
        let mut end = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits.push(j);
                j += 1;
                end = j;
                continue;
            }
            let sep = separator_len(&bytes[j..]);
            if sep > 0 && bytes.get(j + sep).is_some_and(u8::is_ascii_digit) {
                j += sep;
                continue;
            }
            break;
        }
        if looks_like_card(bytes, &digits) {
            let n = digits.len();
            for &k in &digits[6..n - 4] {
                out[k] = b'*';
            }
        }
        i = end.max(i + 1);
    }
    out
}

fn looks_like_card(bytes: &[u8], positions: &[usize]) -> bool {
    let n = positions.len();
    if !(13..=19).contains(&n) {
        return false;
    }
    let first_two = (bytes[positions[0]], bytes[positions[1]]);
    if n == 14 && matches!(first_two, (b'1', b'9') | (b'2', b'0')) {
        return false; // a timestamp
    }
    luhn(positions.iter().map(|&p| bytes[p] - b'0'))
}

/// The Luhn checksum of a digit sequence (most significant first).
pub fn luhn(digits: impl DoubleEndedIterator<Item = u8>) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.rev().enumerate() {
        let mut d = u32::from(d);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn separator_len(rest: &[u8]) -> usize {
    match rest {
        [b'-' | b' ' | b'+', ..] => 1,
        [b'%', b'2', b'0' | b'D' | b'd', ..] => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_received_numbers() {
        assert_eq!(
            MaskedCardNumber::from_received("1234567812345678").as_str(),
            "123456******5678"
        );
        assert_eq!(
            MaskedCardNumber::from_received("1234-5678-1234-5678").as_str(),
            "123456******5678"
        );
        assert_eq!(
            MaskedCardNumber::from_received("536181******1234").as_str(),
            "536181******1234"
        );
        assert_eq!(MaskedCardNumber::from_received("1234").as_str(), "****");
        assert!(
            !format!("{:?}", MaskedCardNumber::from_received("1234567812345678"))
                .contains("78123456")
        );
    }

    #[test]
    fn masks_numbers_inside_text() {
        assert_eq!(
            mask_card_numbers("cardNo=4111111111111111&amt=1000"),
            "cardNo=411111******1111&amt=1000"
        );
        assert_eq!(
            mask_card_numbers("card 4000-1234-5678-9017 ok"),
            "card 4000-12**-****-9017 ok"
        );
        assert_eq!(
            mask_card_numbers("c=4000%201234%205678%209017"),
            "c=4000%2012**%20****%209017"
        );
        // Not Luhn-valid: left alone (mask such fields by name).
        assert_eq!(
            mask_card_numbers("x=4000123456789010"),
            "x=4000123456789010"
        );
        // Transaction ids, dates and amounts are not card numbers.
        let tid = "pgTid=testpay01m01011801181105238578&pgAppDate=20180118&amt=10005";
        assert_eq!(mask_card_numbers(tid), tid);
        assert_eq!(mask_card_numbers("20180118145038"), "20180118145038");
        assert_eq!(
            mask_card_numbers("비씨 4000-1234-5678-9017!"),
            "비씨 4000-12**-****-9017!"
        );
        assert!(luhn(
            [4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1].into_iter()
        ));
    }
}
