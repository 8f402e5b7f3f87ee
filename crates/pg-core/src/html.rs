//! HTML escaping for the pages the gateway crates render (auto-submitting forms, payment window).

use std::fmt::Write as _;

/// Escapes text for an HTML text node or a double- or single-quoted attribute value:
/// `&`, `<`, `>`, `"` and `'` become character references.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(text, &mut out);
    out
}

/// Appends the escaped `text` to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Escapes text for a JavaScript string literal inside a `<script>` element: quotes,
/// backslashes, `<` (so `</script>` cannot close the element), line terminators and other
/// control characters become `\uXXXX` escapes.
pub fn escape_js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(escape("테스트상품 A+B/C=="), "테스트상품 A+B/C==");
    }

    #[test]
    fn escapes_script_strings() {
        assert_eq!(
            escape_js_string("a'b\"c\\</script>\n"),
            "a\\'b\\\"c\\\\\\u003c/script\\u003e\\u000a"
        );
    }
}
