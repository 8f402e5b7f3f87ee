//! The two charsets Korean gateways speak, UTF-8 and EUC-KR (as CP949, its superset, via
//! `encoding_rs`), and EUC-KR byte counting for field sizes.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{EUC_KR, EncoderResult};

/// A text charset on the wire.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Charset {
    /// UTF-8.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// EUC-KR, read and written as CP949 (Windows-949 / UHC), which every Korean gateway means by
    /// "EUC-KR" and which encodes all 11,172 Hangul syllables.
    #[serde(rename = "euc-kr")]
    EucKr,
}

impl Charset {
    /// The charset's canonical label (`utf-8`, `euc-kr`).
    pub const fn label(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::EucKr => "euc-kr",
        }
    }

    /// Resolves a charset label: the WHATWG labels `encoding_rs` knows (`utf-8`, `utf8`,
    /// `euc-kr`, `cp949`, `ks_c_5601-1987`, `windows-949`, ...) plus Smartro's `euckr`.
    pub fn from_label(label: &str) -> Result<Charset, UnsupportedCharset> {
        let trimmed = label.trim().trim_matches('"');
        if ["euckr", "cp949", "ms949", "x-windows-949"]
            .iter()
            .any(|l| trimmed.eq_ignore_ascii_case(l))
        {
            return Ok(Charset::EucKr);
        }
        match encoding_rs::Encoding::for_label(trimmed.as_bytes()) {
            Some(e) if e == encoding_rs::UTF_8 => Ok(Charset::Utf8),
            Some(e) if e == EUC_KR => Ok(Charset::EucKr),
            _ => Err(UnsupportedCharset {
                label: trimmed.chars().take(40).collect(),
            }),
        }
    }

    /// The `charset` parameter of a `Content-Type` value, if there is one.
    ///
    /// `Ok(None)` when the header declares no charset; an error when it declares one we do not
    /// speak.
    pub fn from_content_type(content_type: &str) -> Result<Option<Charset>, UnsupportedCharset> {
        for param in content_type.split(';').skip(1) {
            if let Some((name, value)) = param.split_once('=') {
                if name.trim().eq_ignore_ascii_case("charset") {
                    return Charset::from_label(value).map(Some);
                }
            }
        }
        Ok(None)
    }

    /// Decodes bytes in this charset. `None` when they are not valid in it.
    pub fn decode(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            Charset::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            Charset::EucKr => decode_euc_kr(bytes),
        }
    }

    /// Encodes text in this charset, or says which character cannot be encoded.
    pub fn encode(self, text: &str) -> Result<Cow<'_, [u8]>, Unencodable> {
        match self {
            Charset::Utf8 => Ok(Cow::Borrowed(text.as_bytes())),
            Charset::EucKr => encode_euc_kr(text),
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A charset label that is neither UTF-8 nor EUC-KR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported charset {label:?} (only utf-8 and euc-kr)")]
pub struct UnsupportedCharset {
    /// The label as given (at most 40 characters kept).
    pub label: String,
}

/// A character that EUC-KR (CP949) cannot encode, such as an emoji.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("character {character:?} at position {position} cannot be encoded in EUC-KR")]
pub struct Unencodable {
    /// The character.
    pub character: char,
    /// Its character position (0-based).
    pub position: usize,
}

/// Encodes `text` as EUC-KR (CP949). ASCII text is returned borrowed.
pub fn encode_euc_kr(text: &str) -> Result<Cow<'_, [u8]>, Unencodable> {
    if text.is_ascii() {
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    let mut encoder = EUC_KR.new_encoder();
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    loop {
        out.reserve(rest.len() + 16);
        let spare = out.capacity() - out.len();
        let start = out.len();
        out.resize(start + spare, 0);
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut out[start..], true);
        out.truncate(start + written);
        match result {
            EncoderResult::InputEmpty => return Ok(Cow::Owned(out)),
            EncoderResult::OutputFull => rest = &rest[read..],
            EncoderResult::Unmappable(character) => {
                let consumed = text.len() - rest.len() + read - character.len_utf8();
                return Err(Unencodable {
                    character,
                    position: text[..consumed].chars().count(),
                });
            }
        }
    }
}

/// Decodes EUC-KR (CP949) bytes; `None` when they are malformed. ASCII is returned borrowed.
pub fn decode_euc_kr(bytes: &[u8]) -> Option<Cow<'_, str>> {
    if bytes.is_ascii() {
        // ASCII bytes are valid UTF-8.
        return std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
    }
    EUC_KR.decode_without_bom_handling_and_without_replacement(bytes)
}

/// The size of `text` in EUC-KR bytes, as the manuals count field sizes: one byte per ASCII
/// character, two per Hangul syllable or other CP949 character. Refuses characters EUC-KR
/// cannot encode.
pub fn euc_kr_len(text: &str) -> Result<usize, Unencodable> {
    if text.is_ascii() {
        return Ok(text.len());
    }
    let mut len = 0;
    for (position, character) in text.chars().enumerate() {
        if character.is_ascii() {
            len += 1;
        } else if euc_kr_encodable(character) {
            len += 2;
        } else {
            return Err(Unencodable {
                character,
                position,
            });
        }
    }
    Ok(len)
}

/// Whether `character` is in KS X 1001 (KSC-5601, the 2-byte 완성형 that the manuals' `AH` type
/// and a strict EUC-KR decoder such as Java's `EUC-KR` know): ASCII, or a CP949 encoding whose
/// two bytes are both in `0xA1..=0xFE`. CP949's extra Hangul (e.g. `똠`) are not.
pub fn ks_x_1001_encodable(character: char) -> bool {
    if character.is_ascii() {
        return true;
    }
    let mut buf = [0u8; 4];
    let text = character.encode_utf8(&mut buf);
    let mut out = [0u8; 8];
    let (result, _, written) = EUC_KR
        .new_encoder()
        .encode_from_utf8_without_replacement(text, &mut out, true);
    matches!(result, EncoderResult::InputEmpty)
        && written == 2
        && out[..2].iter().all(|b| (0xA1..=0xFE).contains(b))
}

/// The first character of `text` outside KS X 1001, with its character position.
pub fn first_outside_ks_x_1001(text: &str) -> Option<Unencodable> {
    if text.is_ascii() {
        return None;
    }
    text.chars()
        .enumerate()
        .find(|(_, c)| !ks_x_1001_encodable(*c))
        .map(|(position, character)| Unencodable {
            character,
            position,
        })
}

/// Whether EUC-KR (CP949) can encode `character`.
pub fn euc_kr_encodable(character: char) -> bool {
    if character.is_ascii() {
        return true;
    }
    let mut buf = [0u8; 4];
    let text = character.encode_utf8(&mut buf);
    let mut out = [0u8; 8];
    let (result, _, _) = EUC_KR
        .new_encoder()
        .encode_from_utf8_without_replacement(text, &mut out, true);
    matches!(result, EncoderResult::InputEmpty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ks_x_1001_has_the_2350_hangul_of_the_standard() {
        let hangul = ('\u{AC00}'..='\u{D7A3}')
            .filter(|c| ks_x_1001_encodable(*c))
            .count();
        assert_eq!(hangul, 2350);
        assert!(ks_x_1001_encodable('가') && ks_x_1001_encodable('힝') && ks_x_1001_encodable('A'));
        // CP949 encodes it, KS X 1001 does not.
        assert!(euc_kr_encodable('똠') && !ks_x_1001_encodable('똠'));
        assert!(!ks_x_1001_encodable('😀'));
        let found = first_outside_ks_x_1001("테스트똠상품").unwrap();
        assert_eq!((found.character, found.position), ('똠', 3));
        assert_eq!(first_outside_ks_x_1001("테스트상품 A-1"), None);
    }

    #[test]
    fn labels_resolve() {
        assert_eq!(Charset::from_label("UTF-8"), Ok(Charset::Utf8));
        assert_eq!(Charset::from_label("utf8"), Ok(Charset::Utf8));
        assert_eq!(Charset::from_label("euc-kr"), Ok(Charset::EucKr));
        assert_eq!(Charset::from_label("EUC-KR"), Ok(Charset::EucKr));
        assert_eq!(Charset::from_label("euckr"), Ok(Charset::EucKr));
        assert_eq!(Charset::from_label("cp949"), Ok(Charset::EucKr));
        assert_eq!(Charset::from_label("ks_c_5601-1987"), Ok(Charset::EucKr));
        assert_eq!(
            Charset::from_label("shift_jis"),
            Err(UnsupportedCharset {
                label: "shift_jis".into()
            })
        );
    }

    #[test]
    fn content_type_charset() {
        assert_eq!(
            Charset::from_content_type("application/x-www-form-urlencoded; charset=UTF-8"),
            Ok(Some(Charset::Utf8))
        );
        assert_eq!(
            Charset::from_content_type("application/x-www-form-urlencoded;charset=\"euc-kr\""),
            Ok(Some(Charset::EucKr))
        );
        assert_eq!(
            Charset::from_content_type("application/x-www-form-urlencoded"),
            Ok(None)
        );
        assert!(Charset::from_content_type("text/plain; charset=latin9").is_err());
    }

    #[test]
    fn counts_hangul_as_two_bytes() {
        assert_eq!(euc_kr_len("테스트상품"), Ok(10));
        assert_eq!(euc_kr_len("abc"), Ok(3));
        assert_eq!(euc_kr_len("상품A1"), Ok(6));
        // A syllable outside KS X 1001 but inside CP949's extension.
        assert_eq!(euc_kr_len("똠"), Ok(2));
        assert_eq!(
            euc_kr_len("상품😀"),
            Err(Unencodable {
                character: '😀',
                position: 2
            })
        );
    }

    #[test]
    fn encode_reports_the_unencodable_character() {
        assert_eq!(
            encode_euc_kr("가나😀다"),
            Err(Unencodable {
                character: '😀',
                position: 2
            })
        );
        assert_eq!(encode_euc_kr("가").unwrap().as_ref(), &[0xB0, 0xA1]);
        assert_eq!(decode_euc_kr(&[0xB0, 0xA1]).unwrap(), "가");
        assert_eq!(decode_euc_kr(&[0xB0]), None);
    }

    proptest! {
        #[test]
        fn byte_count_matches_encoding_rs(text in "[a-zA-Z0-9 가-힣ㄱ-ㅎ.,!]{0,40}") {
            let (encoded, _, unmappable) = EUC_KR.encode(&text);
            prop_assert!(!unmappable);
            prop_assert_eq!(euc_kr_len(&text), Ok(encoded.len()));
            let ours = encode_euc_kr(&text).unwrap().into_owned();
            prop_assert_eq!(&ours[..], &encoded[..]);
            let decoded = decode_euc_kr(&encoded).unwrap().into_owned();
            prop_assert_eq!(decoded, text);
        }

        #[test]
        fn unencodable_iff_encoding_rs_says_so(text in "\\PC{0,12}") {
            let (_, _, unmappable) = EUC_KR.encode(&text);
            prop_assert_eq!(euc_kr_len(&text).is_err(), unmappable);
            prop_assert_eq!(encode_euc_kr(&text).is_err(), unmappable);
        }
    }
}
