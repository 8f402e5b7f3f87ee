//! What may be shown of a field: one rule for every place a gateway's fields leave the program
//! (logs, exports, `Debug`, the fields a decoder keeps as received).
//!
//! - A **card field** (by name, in any case and spelling: `cardNo`, `CARDNO`, `card_num`,
//!   `cardNumber`, `CardNum`, `pinNo`) keeps at most its first 6 and last 4 digits.
//! - A **secret field** (`billKey`, `BillTokenKey`, `TrAuthKey`, `LicenseKey`, `MerchantKey`,
//!   cancel passwords, refund account numbers) is replaced by `***`.
//! - An **identifier field** (`moid`, `tid`, `pgTid`, `OID`, approval numbers, dates) is shown as
//!   it is: a numeric order number that happens to pass the Luhn check is not a card number.
//! - Any other field is free text: a card-like run of digits in it — ASCII or full-width
//!   (`４１１１…`), split by spaces or dashes — is masked.

use std::borrow::Cow;

/// What a field's name says it holds, and so how much of its value may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A card number: first 6 and last 4 digits at most.
    Card,
    /// A secret: `***`.
    Secret,
    /// An order, transaction or time: shown as it is.
    Identifier,
    /// Free text: card-like digit runs masked.
    Other,
}

/// Names up to this long (after reduction) are reduced on the stack; longer ones on the heap.
const LONGEST_NAME: usize = 32;

/// Classifies a field by its name reduced for comparison: lowercase, without `_`, `-`, ` `,
/// and a trailing `[]` or `[N]`. ASCII names are reduced on the stack (every notification's
/// unknown fields go through here); others through Unicode lowercasing, so that a name
/// spelled with, say, the Kelvin sign still reads as `billkey`.
pub fn kind(name: &str) -> Kind {
    kind_of_bytes(name.as_bytes())
}

/// [`kind`] of a name given as bytes (decoded, before any reduction): ASCII names are
/// classified without a UTF-8 check or a copy; others as text, invalid UTF-8 replaced.
pub fn kind_of_bytes(name: &[u8]) -> Kind {
    if let Some(kind) = kind_of_plain(name) {
        return kind;
    }
    let mut reduced = Reduced::default();
    if name.iter().all(|&b| reduced.push(b)) {
        return reduced.kind();
    }
    kind_of_text(name)
}

/// [`kind`] of a name as a form body sends it, percent-encoded (`goodsCode%5B%5D`, `card+no`):
/// reduced while its escapes are read, without a copy. A name that is not ASCII once decoded,
/// or has a malformed escape, is decoded first (a malformed one read as it is).
pub fn kind_of_escaped(name: &[u8]) -> Kind {
    if let Some(kind) = kind_of_plain(name) {
        return kind;
    }
    let mut reduced = Reduced::default();
    let mut i = 0;
    while let Some(&b) = name.get(i) {
        let byte = match b {
            b'%' => match name.get(i + 1..i + 3) {
                Some(&[h, l]) => match crate::form::hex_pair(h, l) {
                    Some(byte) => byte,
                    None => return kind_of_bytes(name),
                },
                _ => return kind_of_bytes(name),
            },
            b'+' => b' ',
            _ => b,
        };
        i += if b == b'%' { 3 } else { 1 };
        if !reduced.push(byte) {
            return match crate::form::percent_decode(name) {
                Ok(decoded) => kind_of_text(&decoded),
                Err(_) => kind_of_bytes(name),
            };
        }
    }
    reduced.kind()
}

/// How a byte of a name is reduced: kept (lowercased), dropped (`_`, `-`, ` `), or not for
/// the plain path (`%`, `+`, `[`, non-ASCII).
const KEEP: u8 = 0;
const DROP: u8 = 1;
const NOT_PLAIN: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut table = [NOT_PLAIN; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'_' | b'-' | b' ' => DROP,
            b'%' | b'+' | b'[' => NOT_PLAIN,
            _ => KEEP,
        };
        b += 1;
    }
    table
};

/// The kind of a plain name (ASCII, no escape, `+` or `[` but a final `[]`, at most
/// [`LONGEST_NAME`] bytes), as nearly every name is; `None` for any other. One table lookup per byte: every field of every
/// body the receiver stores is classified here.
fn kind_of_plain(name: &[u8]) -> Option<Kind> {
    if name.len() > LONGEST_NAME {
        return None;
    }
    let mut bytes = [0u8; LONGEST_NAME];
    let mut len = 0;
    for (i, &b) in name.iter().enumerate() {
        let class = BYTE_CLASS[usize::from(b)];
        if class == NOT_PLAIN {
            // An array's `[]` as it comes, escaped or not, ends a plain name (the goods arrays
            // of every notification); anything else is for the general path.
            return matches!(&name[i..], b"%5B%5D" | b"%5b%5d" | b"[]")
                .then(|| kind_of_normalized(&bytes[..len]));
        }
        // Written where the next kept byte goes; the length moves past kept bytes only. `len`
        // is below the name's length here: the remainder only spares a bounds check.
        bytes[len % LONGEST_NAME] = b.to_ascii_lowercase();
        len += usize::from(class == KEEP);
    }
    Some(kind_of_normalized(&bytes[..len]))
}

/// A name that is not ASCII, or too long for [`Reduced`]: reduced as text.
fn kind_of_text(name: &[u8]) -> Kind {
    kind_of_normalized(reduced_text(name).as_bytes())
}

/// A name reduced as text: without a trailing index, lowercased by Unicode's rules (so that a
/// name spelled with, say, the Kelvin sign still reads as `billkey`), without `_`, `-`, ` `.
/// What every faster reduction here must agree with.
fn reduced_text(name: &[u8]) -> String {
    String::from_utf8_lossy(strip_index(name))
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A name without a trailing `[]` or `[N]`.
fn strip_index(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b'[') {
        Some(i) if name.ends_with(b"]") => &name[..i],
        _ => name,
    }
}

/// An ASCII name reduced on the stack as its bytes come: lowercase, without `_`, `-`, ` `, and
/// (when it ends with `]`) without what follows its first `[`.
struct Reduced {
    bytes: [u8; LONGEST_NAME],
    len: usize,
    /// The reduced length where the first `[` came.
    bracket: Option<usize>,
    last: u8,
}

impl Default for Reduced {
    fn default() -> Self {
        Reduced {
            bytes: [0; LONGEST_NAME],
            len: 0,
            bracket: None,
            last: 0,
        }
    }
}

impl Reduced {
    /// Takes the next byte of the name; `false` when it is not ASCII or the name is too long
    /// (it must then be reduced as text).
    #[inline(always)]
    fn push(&mut self, b: u8) -> bool {
        if !b.is_ascii() || self.len == LONGEST_NAME {
            return false;
        }
        if b == b'[' && self.bracket.is_none() {
            self.bracket = Some(self.len);
        }
        // Written where the next kept byte goes; the length moves past kept bytes only (no
        // branch per byte). The remainder only spares a bounds check: `len` is below the
        // buffer's length here. (`%`, `+` and `[` are kept here: only the plain path refuses
        // them.)
        self.bytes[self.len % LONGEST_NAME] = b.to_ascii_lowercase();
        self.len += usize::from(BYTE_CLASS[usize::from(b)] != DROP);
        self.last = b;
        true
    }

    fn kind(&self) -> Kind {
        let len = match self.bracket {
            Some(at) if self.last == b']' => at,
            _ => self.len,
        };
        kind_of_normalized(&self.bytes[..len])
    }
}

/// The longest reduced name of an identifier or a secret (`cancelpassword`).
const LONGEST_LISTED: usize = 14;

/// A reduced name of up to [`LONGEST_LISTED`] bytes as one number: its bytes, and its length in
/// the last byte (so that a name with a NUL byte at its end is not the name without it).
const fn packed(name: &[u8]) -> u128 {
    let mut bytes = [0u8; 16];
    let mut i = 0;
    while i < name.len() {
        bytes[i] = name[i];
        i += 1;
    }
    bytes[15] = name.len() as u8;
    u128::from_le_bytes(bytes)
}

/// Defines each listed reduced name as a packed constant, and `listed_kind`, which matches a
/// packed name against them (a `match` on integers: a few comparisons, where the compiler's
/// `match` on 32 byte strings compared them one by one, a third of the receiver's masking).
macro_rules! listed_names {
    ($($kind:ident: $($name:ident = $text:literal),+;)+) => {
        $($(const $name: u128 = packed($text);)+)+

        fn listed_kind(key: u128) -> Option<Kind> {
            match key {
                $($($name)|+ => Some(Kind::$kind),)+
                _ => None,
            }
        }
    };
}

listed_names! {
    Identifier: MOID = b"moid", OID = b"oid", TID = b"tid", PGTID = b"pgtid", OTID = b"otid",
        CANCELPGTID = b"cancelpgtid", TRANSSEQ = b"transseq", APPROVALNO = b"approvalno",
        PGAPPROVALNO = b"pgapprovalno", AUTHCODE = b"authcode", MID = b"mid", PGMID = b"pgmid",
        PGSID = b"pgsid", EDIDATE = b"edidate", AUTHDATE = b"authdate",
        PGAPPDATE = b"pgappdate", PGAPPTIME = b"pgapptime", CANCELDATE = b"canceldate",
        CANCELTIME = b"canceltime", PAYEXPDATE = b"payexpdate";
    Secret: BILLKEY = b"billkey", BILLTOKENKEY = b"billtokenkey", TRAUTHKEY = b"trauthkey",
        LICENSEKEY = b"licensekey", MERCHANTKEY = b"merchantkey", CANCELPWD = b"cancelpwd",
        CANCELPW = b"cancelpw", CANCELPASSWORD = b"cancelpassword",
        REFUNDACCTNO = b"refundacctno", PASSWORD = b"password", APIKEY = b"apikey";
    Card: PINNO = b"pinno";
}

/// Classifies a reduced name.
fn kind_of_normalized(n: &[u8]) -> Kind {
    if n.len() <= LONGEST_LISTED
        && let Some(kind) = listed_kind(packed(n))
    {
        return kind;
    }
    if n.starts_with(b"card")
        && (n.ends_with(b"no") || n.ends_with(b"num") || n.ends_with(b"number"))
    {
        Kind::Card
    } else {
        Kind::Other
    }
}

/// Whether the field holds a card number.
pub fn is_card_field(name: &str) -> bool {
    kind(name) == Kind::Card
}

/// Whether the field holds a secret.
pub fn is_secret_field(name: &str) -> bool {
    kind(name) == Kind::Secret
}

/// Whether the field identifies an order, a transaction or a time: shown as it is.
pub fn is_identifier_field(name: &str) -> bool {
    kind(name) == Kind::Identifier
}

/// What may be shown of `value`, the value of field `name` (decoded text).
pub fn field_value<'v>(name: &str, value: &'v str) -> Cow<'v, str> {
    if value.is_empty() {
        return Cow::Borrowed(value);
    }
    match kind(name) {
        Kind::Identifier => Cow::Borrowed(value),
        Kind::Secret => Cow::Borrowed("***"),
        Kind::Card => Cow::Owned(
            crate::MaskedCardNumber::from_received(value)
                .as_str()
                .to_owned(),
        ),
        Kind::Other => free_text(value),
    }
}

/// [`field_value`] for a JSON value (a card number may come as a number).
pub fn json_field(name: &str, value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(field_value(name, s).into_owned()),
        Value::Number(n) if !is_identifier_field(name) => {
            let text = n.to_string();
            match field_value(name, &text) {
                Cow::Borrowed(_) => value.clone(),
                Cow::Owned(masked) => Value::String(masked),
            }
        }
        _ => value.clone(),
    }
}

/// The digit a character stands for: ASCII or full-width.
fn digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// The fewest digits a card number has.
pub const CARD_DIGITS: usize = 13;

/// Whether `text` holds at least [`CARD_DIGITS`] digits, ASCII or full-width (`EF BC 90` to
/// `EF BC 99` in UTF-8). Counted over bytes (a loop the compiler vectorizes), not characters:
/// every free-text value goes through here, and nearly all stop here.
fn enough_digits_for_a_card(text: &[u8]) -> bool {
    if text.len() < CARD_DIGITS {
        return false;
    }
    let ascii = text.iter().filter(|b| b.is_ascii_digit()).count();
    if ascii >= CARD_DIGITS {
        return true;
    }
    let full_width = memchr::memchr_iter(0xEF, text)
        .filter(|&i| matches!(text.get(i + 1..i + 3), Some([0xBC, 0x90..=0x99])))
        .count();
    ascii + full_width >= CARD_DIGITS
}

/// Masks card-like runs of digits (ASCII or full-width; a single space, `-` or `+` may
/// separate them) in free text: 13 to 19 digits passing the Luhn check, not a
/// `yyyyMMddHHmmss` timestamp. All but the first 6 and last 4 digits become `*`.
pub fn free_text(text: &str) -> Cow<'_, str> {
    // Fewer digits in all than a card has: nothing card-like (most values end here,
    // unallocated).
    if !enough_digits_for_a_card(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut masked = chars.clone();
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]).is_none() {
            i += 1;
            continue;
        }
        // A run of digits with single separators between them.
        let mut positions = vec![i];
        let mut j = i + 1;
        while j < chars.len() {
            if digit(chars[j]).is_some() {
                positions.push(j);
                j += 1;
            } else if matches!(chars[j], ' ' | '-' | '+')
                && chars.get(j + 1).and_then(|c| digit(*c)).is_some()
            {
                j += 1;
            } else {
                break;
            }
        }
        let digits: Vec<u8> = positions.iter().filter_map(|&p| digit(chars[p])).collect();
        let n = digits.len();
        let timestamp = n == 14 && matches!((digits[0], digits[1]), (1, 9) | (2, 0));
        if (CARD_DIGITS..=19).contains(&n)
            && !timestamp
            && crate::card_number::luhn(digits.into_iter())
        {
            for &p in &positions[6..n - 4] {
                masked[p] = '*';
            }
            changed = true;
        }
        i = j;
    }
    if changed {
        Cow::Owned(masked.into_iter().collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        // Besides digits: U+FEFF and the full-width letters begin with `EF` (and `EF BC`) as
        // full-width digits do, without being digits.
        fn digits_are_counted_as_characters(
            text in "[0-9０-９a-z가-힣 ﻿ＡＺ\\-]{0,30}"
        ) {
            let by_chars = text.chars().filter(|&c| digit(c).is_some()).count();
            proptest::prop_assert_eq!(
                enough_digits_for_a_card(text.as_bytes()),
                by_chars >= CARD_DIGITS
            );
        }
    }

    /// The classification before names were packed into numbers: the oracle of
    /// [`kind_of_normalized`].
    fn kind_by_match(n: &[u8]) -> Kind {
        match n {
            b"moid" | b"oid" | b"tid" | b"pgtid" | b"otid" | b"cancelpgtid" | b"transseq"
            | b"approvalno" | b"pgapprovalno" | b"authcode" | b"mid" | b"pgmid" | b"pgsid"
            | b"edidate" | b"authdate" | b"pgappdate" | b"pgapptime" | b"canceldate"
            | b"canceltime" | b"payexpdate" => Kind::Identifier,
            b"billkey" | b"billtokenkey" | b"trauthkey" | b"licensekey" | b"merchantkey"
            | b"cancelpwd" | b"cancelpw" | b"cancelpassword" | b"refundacctno" | b"password"
            | b"apikey" => Kind::Secret,
            b"pinno" => Kind::Card,
            _ if n.starts_with(b"card")
                && (n.ends_with(b"no") || n.ends_with(b"num") || n.ends_with(b"number")) =>
            {
                Kind::Card
            }
            _ => Kind::Other,
        }
    }

    proptest::proptest! {
        /// Names near the listed ones (prefixes, suffixes, a NUL at the end, other lengths)
        /// are classified as the plain comparison classifies them.
        #[test]
        fn packed_names_classify_as_compared_names(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"moid"[..], b"oid", b"tid", b"pg", b"cancel", b"pwd", b"pw", b"password",
                    b"bill", b"key", b"token", b"card", b"no", b"num", b"ber", b"pin", b"\0",
                    b"x", b"date", b"time", b"app", b"approval", b"merchant", b"refundacctno",
                    b"api", b"trauth", b"license", b"edi", b"auth", b"code", b"s", b"m",
                ]),
                0..5,
            )
        ) {
            let name = parts.concat();
            proptest::prop_assert_eq!(kind_of_normalized(&name), kind_by_match(&name));
        }
    }

    /// A name classified as text, the whole way (reduction as text, plain comparison): the
    /// oracle of the stack reductions.
    fn kind_as_text(name: &[u8]) -> Kind {
        kind_by_match(reduced_text(name).as_bytes())
    }

    proptest::proptest! {
        /// Names as sent (escaped brackets, `+`, case, separators, bad escapes, non-ASCII,
        /// long names) are classified as their decoded text is.
        #[test]
        fn escaped_names_classify_as_their_text(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"card"[..], b"No", b"NUM", b"ber", b"bill", b"Key", b"%5B", b"%5D", b"[",
                    b"]", b"0", b"+", b"_", b"-", b"%5F", b"%2d", b"%G1", b"%", b"\xEC\xA0",
                    b"%EC%A0%9C", b"pg", b"Tid", b"\xE2\x84\xAA", b"%E2%84%AA", b"moid",
                    b"holder_holder_holder_", b"pin", b"no",
                ]),
                0..7,
            )
        ) {
            let raw = parts.concat();
            let decoded = crate::form::percent_decode(&raw)
                .map(|d| d.into_owned())
                .unwrap_or_else(|_| raw.clone());
            proptest::prop_assert_eq!(kind_of_escaped(&raw), kind_as_text(&decoded));
            proptest::prop_assert_eq!(kind_of_bytes(&raw), kind_as_text(&raw));
        }
    }

    #[test]
    fn every_listed_name_is_found_and_its_neighbours_are_not() {
        for name in [
            &b"moid"[..],
            b"cancelpassword",
            b"pinno",
            b"payexpdate",
            b"apikey",
            b"oid",
        ] {
            assert_eq!(kind_of_normalized(name), kind_by_match(name));
            assert_ne!(kind_of_normalized(name), Kind::Other);
            let mut with_nul = name.to_vec();
            with_nul.push(0);
            assert_eq!(kind_of_normalized(&with_nul), Kind::Other);
            assert_eq!(kind_of_normalized(&name[1..]), kind_by_match(&name[1..]));
        }
    }

    #[test]
    fn names_as_bytes_are_classified_as_names_as_text() {
        assert_eq!(kind_of_bytes(b"CARD_NO"), Kind::Card);
        assert_eq!(kind_of_bytes(b"billKey[]"), Kind::Secret);
        assert_eq!(kind_of_bytes(b"pgTid"), Kind::Identifier);
        assert_eq!(kind_of_bytes(b"goodsName"), Kind::Other);
        // Not UTF-8: read with the bad byte replaced, never refused.
        assert_eq!(kind_of_bytes(b"card\xFFno"), Kind::Card);
        assert_eq!(kind_of_bytes(b"\xB0\xA1"), Kind::Other);
    }

    #[test]
    fn names_in_any_script_and_length() {
        // U+212A KELVIN SIGN lowercases to an ASCII `k`.
        assert!(is_secret_field("bill\u{212A}ey"));
        assert!(is_secret_field("BILL_KEY[]"));
        assert!(is_identifier_field("Pg-Tid"));
        let long = format!("card{}number", "_holder".repeat(8));
        assert!(long.len() > LONGEST_NAME && is_card_field(&long));
        assert_eq!(field_value(&long, "1234567890123456"), "123456******3456");
        assert!(!is_card_field(&"x".repeat(100)));
        // Twelve digits in free text cannot be a card number; thirteen may.
        assert_eq!(free_text("주문 123456789012"), "주문 123456789012");
        assert_eq!(free_text("4111 1111 1111 1111"), "4111 11** **** 1111");
    }

    #[test]
    fn card_fields_in_any_spelling() {
        for name in [
            "cardNo",
            "CARDNO",
            "card_num",
            "cardNumber",
            "CardNum",
            "pinNo",
            "cardNo[0]",
        ] {
            assert!(is_card_field(name), "{name}");
            assert_eq!(field_value(name, "4111111111111111"), "411111******1111");
        }
        for name in ["cardQuota", "cardCode", "cardIssueName", "goodsName"] {
            assert!(!is_card_field(name), "{name}");
        }
        // A test card number need not pass Luhn: by name it is masked anyway.
        assert_eq!(
            field_value("card_num", "1234567890123456"),
            "123456******3456"
        );
    }

    #[test]
    fn secrets_identifiers_and_free_text() {
        assert_eq!(field_value("BillTokenKey", "BTK-123"), "***");
        assert_eq!(field_value("billkey", "x"), "***");
        // A numeric order number that passes Luhn is an order number.
        assert_eq!(field_value("moid", "2024010112346786"), "2024010112346786");
        assert_eq!(field_value("OID", "4111111111111111"), "4111111111111111");
        // Free text: ASCII, spaced, full-width.
        assert_eq!(
            field_value("memo", "카드 4111 1111 1111 1111 결제"),
            "카드 4111 11** **** 1111 결제"
        );
        assert_eq!(
            field_value("memo", "４１１１１１１１１１１１１１１１"),
            "４１１１１１******１１１１"
        );
        assert_eq!(
            field_value("cardNo", "４１１１１１１１１１１１１１１１"),
            "４１１１１１******１１１１"
        );
        assert_eq!(
            field_value("memo", "20261124123456 주문"),
            "20261124123456 주문"
        );
        assert_eq!(field_value("memo", "no digits"), "no digits");
        let j = json_field("CardNum", &serde_json::json!(4111111111111111u64));
        assert_eq!(j, serde_json::json!("411111******1111"));
        assert_eq!(
            json_field("Amt", &serde_json::json!(1004)),
            serde_json::json!(1004)
        );
    }
}
