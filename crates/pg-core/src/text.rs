//! Small text helpers shared by the decoders.

/// [`str::trim`], with a fast exit for the common case: a value whose first byte cannot begin
/// whitespace and whose last byte cannot end it (visible ASCII, Hangul) has nothing to trim,
/// and needs no scan for Unicode whitespace.
pub fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if !may_start_space(*first) && !may_end_space(*last) => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Whether a character beginning with this byte may be whitespace: ASCII whitespace, or the
/// lead bytes of U+0085/U+00A0 (`C2`), U+1680 (`E1`), U+2000-U+205F (`E2`) and U+3000 (`E3`).
fn may_start_space(byte: u8) -> bool {
    byte.is_ascii_whitespace() || matches!(byte, 0x0B | 0xC2 | 0xE1..=0xE3)
}

/// Whether a character ending with this byte may be whitespace: ASCII whitespace, or the last
/// bytes of the Unicode spaces (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
/// U+205F, U+3000).
fn may_end_space(byte: u8) -> bool {
    byte.is_ascii_whitespace()
        || matches!(byte, 0x0B | 0x80..=0x8A | 0x9F | 0xA0 | 0xA8 | 0xA9 | 0xAF)
}

#[cfg(test)]
mod tests {
    use super::trim;
    use proptest::prelude::*;

    #[test]
    fn trims_like_str_trim() {
        for (input, expected) in [
            ("", ""),
            (" ", ""),
            ("a", "a"),
            (" a ", "a"),
            ("\u{3000}홍길동\u{3000}", "홍길동"),
            ("홍길동", "홍길동"),
            ("a b", "a b"),
            ("\ta\n", "a"),
            ("\u{b}a\u{b}", "a"),
            ("\u{85}가\u{a0}", "가"),
            ("가\u{2028}", "가"),
            ("\u{205f}각", "각"),
            ("\u{1680}x\u{202f}", "x"),
        ] {
            assert_eq!(trim(input), expected, "{input:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_str_trim(text in "\\PC{0,12}|\\s{0,2}[ \\t\\u{3000}a-z가-힣]{0,12}\\s{0,2}") {
            prop_assert_eq!(trim(&text), text.trim());
        }
    }
}
