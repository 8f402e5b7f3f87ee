//! Small text helpers shared by the decoders.

/// [`str::trim`], with a fast exit for the common case: a value whose first and last bytes
/// are visible ASCII has nothing to trim, and needs no scan for Unicode whitespace.
pub fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
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
        ] {
            assert_eq!(trim(input), expected, "{input:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_str_trim(text in "\\PC{0,12}|[ \\t\\u{3000}a-z가-힣]{0,12}") {
            prop_assert_eq!(trim(&text), text.trim());
        }
    }
}
