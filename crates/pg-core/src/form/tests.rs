//! The form parser's and encoder's tests.

use super::*;
use proptest::prelude::*;

fn parse(body: &[u8]) -> Result<Form<'_>, FormError> {
    Form::parse(body, None, &FormLimits::default())
}

#[test]
fn plus_is_space_and_escapes_decode() {
    let form = parse(b"a=1+2&b=%2B&c=%ED%85%8C%EC%8A%A4%ED%8A%B8&d=&e").unwrap();
    assert_eq!(form.charset(), Charset::Utf8);
    assert_eq!(form.get("a"), Some("1 2"));
    assert_eq!(form.get("b"), Some("+"));
    assert_eq!(form.get("c"), Some("테스트"));
    assert_eq!(form.get("d"), Some(""));
    assert_eq!(form.get("e"), Some(""));
    assert_eq!(form.get("f"), None);
}

#[test]
fn keeps_order_repeats_and_arrays() {
    let form =
        parse(b"x=1&goodsNameArray[]=A&x=2&goodsNameArray[]=B&goodsNameArray%5B%5D=C").unwrap();
    assert_eq!(form.get("x"), Some("1"));
    assert_eq!(form.get_all("x").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(
        form.array("goodsNameArray").collect::<Vec<_>>(),
        ["A", "B", "C"]
    );
    assert_eq!(form.array("goodsName").count(), 0);
    let names: Vec<_> = form.pairs().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "x",
            "goodsNameArray[]",
            "x",
            "goodsNameArray[]",
            "goodsNameArray[]"
        ]
    );
}

#[test]
fn borrows_values_that_need_no_decoding() {
    let form = parse(b"moid=test01&name=a+b&amt=1000").unwrap();
    assert!(form.is_borrowed(0));
    assert!(!form.is_borrowed(1));
    assert!(form.is_borrowed(2));
    let euc = Form::parse(
        b"moid=test01&n=%B0%A1",
        Some(Charset::EucKr),
        &FormLimits::default(),
    )
    .unwrap();
    assert!(euc.is_borrowed(0));
    assert_eq!(euc.get("n"), Some("가"));
}

#[test]
fn detects_euc_kr_and_honours_declared_charsets() {
    // "테스트" in EUC-KR, percent-encoded and raw.
    let form = parse(b"g=%C5%D7%BD%BA%C6%AE").unwrap();
    assert_eq!(form.charset(), Charset::EucKr);
    assert_eq!(form.get("g"), Some("테스트"));
    let raw = parse(b"g=\xC5\xD7\xBD\xBA\xC6\xAE").unwrap();
    assert_eq!(raw.get("g"), Some("테스트"));
    let declared = Form::parse_with_content_type(
        b"g=%C5%D7%BD%BA%C6%AE",
        Some("application/x-www-form-urlencoded; charset=euc-kr"),
        &FormLimits::default(),
    )
    .unwrap();
    assert_eq!(declared.get("g"), Some("테스트"));
    // Declared UTF-8 wins, and EUC-KR bytes are then an error naming the field.
    assert_eq!(
        Form::parse_with_content_type(
            b"ok=1&g=%C5%D7",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            &FormLimits::default(),
        ),
        Err(FormError::Undecodable {
            charset: Charset::Utf8,
            field: "g".into()
        })
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert_eq!(parse(b"a=%"), Err(FormError::BadEscape { position: 2 }));
    assert_eq!(parse(b"a=%4"), Err(FormError::BadEscape { position: 2 }));
    assert_eq!(
        parse(b"abc=1&a=%G1"),
        Err(FormError::BadEscape { position: 8 })
    );
    assert_eq!(parse(b"a%zz=1"), Err(FormError::BadEscape { position: 1 }));
    // A lone lead byte is neither UTF-8 nor EUC-KR.
    assert_eq!(
        parse(b"name=%B0"),
        Err(FormError::Undecodable {
            charset: Charset::EucKr,
            field: "name".into()
        })
    );
    assert!(matches!(
        Form::parse_with_content_type(
            b"a=1",
            Some("text/plain; charset=big5"),
            &FormLimits::default()
        ),
        Err(FormError::UnsupportedCharset(_))
    ));
}

#[test]
fn limits_are_enforced() {
    let limits = FormLimits {
        max_body_bytes: 8,
        max_fields: 2,
    };
    assert_eq!(
        Form::parse(b"a=123456789", None, &limits),
        Err(FormError::TooLarge {
            limit: 8,
            actual: 11
        })
    );
    assert_eq!(
        Form::parse(b"a&b&c", None, &limits),
        Err(FormError::TooManyFields { limit: 2 })
    );
    let big = vec![b'a'; DEFAULT_MAX_BODY_BYTES + 1];
    assert!(matches!(parse(&big), Err(FormError::TooLarge { .. })));
    assert!(parse(&big[1..]).is_ok());
}

proptest! {
    /// The one-pass EUC-KR path reads every body it takes exactly as the general path does,
    /// whatever the declared charset; the others it leaves to it.
    #[test]
    fn one_pass_euc_kr_agrees_with_the_general_path(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just("&".to_owned()),
                Just("=".to_owned()),
                Just("+".to_owned()),
                "[a-z0-9]{1,4}",
                (0xB0u8..=0xC8, 0xA1u8..=0xFE).prop_map(|(l, t)| format!("%{l:02X}%{t:02x}")),
                // CP949 extensions, symbols, Hanja, and pairs that are no character.
                (0x81u8..=0xFE, prop_oneof![0x41u8..=0x5A, 0x61u8..=0x7A, 0x81u8..=0xFE])
                    .prop_map(|(l, t)| format!("%{l:02X}%{t:02X}")),
                // A lead byte escaped and its trail left as a letter (`%8Cc`), or anything
                // else after it.
                (0x81u8..=0xFE, proptest::sample::select(b"AZaz0+&=%cQ".to_vec()))
                    .prop_map(|(l, t)| format!("%{l:02X}{}", t as char)),
                (0x20u8..0x7F).prop_map(|b| format!("%{b:02X}")),
                (0x80u8..=0xFF).prop_map(|b| format!("%{b:02X}")),
                Just("%EA%B0%80".to_owned()),
                Just("%4".to_owned()),
                Just("가".to_owned()),
            ],
            0..24,
        ),
    ) {
        let body = pieces.concat();
        let limits = FormLimits { max_body_bytes: 1 << 20, max_fields: 6 };
        for charset in [None, Some(Charset::EucKr), Some(Charset::Utf8)] {
            let body_str = simdutf8::basic::from_utf8(body.as_bytes()).ok();
            prop_assert_eq!(
                Form::parse(body.as_bytes(), charset, &limits),
                Form::parse_two_pass(body.as_bytes(), body_str, charset, &limits),
                "{:?} {:?}", body, charset
            );
        }
    }
}

/// The one-pass EUC-KR path alone (`None`: it leaves the body to the general path).
fn one_pass(body: &[u8]) -> Option<Form<'_>> {
    Form::parse_euc_kr(
        body,
        std::str::from_utf8(body).ok()?,
        &FormLimits::default(),
    )
}

#[test]
fn euc_kr_in_one_pass() {
    // Declared, and detected from the first syllable that cannot be UTF-8 (`B1 E6` after
    // `C8 AB`, which could).
    for charset in [Some(Charset::EucKr), None] {
        let form = Form::parse(
            b"n=%C8%AB%B1%E6%B5%BF&a=128%2C500&m=x+y&g=%C1%A6%C1%D6+5kg",
            charset,
            &FormLimits::default(),
        )
        .unwrap();
        assert_eq!(form.charset(), Charset::EucKr);
        assert_eq!(form.get("n"), Some("홍길동"));
        assert_eq!(form.get("a"), Some("128,500"));
        assert_eq!(form.get("m"), Some("x y"));
        assert_eq!(form.get("g"), Some("제주 5kg"));
    }
    // A CP949-only syllable (똠, 0x8C 0x63) and a symbol (※, 0xA1 0xD8) in the same pass.
    let form = Form::parse(b"n=%8C%63%B0%A1%A1%D8", None, &FormLimits::default()).unwrap();
    assert_eq!(
        (form.get("n"), form.charset()),
        (Some("똠가※"), Charset::EucKr)
    );
    // Its trail byte left as the letter it is (`c`), as encoders send it: still one pass.
    let body = b"n=%8Cc%B0%A1%A1%D8&m=%C6%52%B9%E6";
    let fast = one_pass(body).expect("the one-pass path takes letters for trail bytes");
    assert_eq!(fast.get("n"), Some("똠가※"));
    assert_eq!(fast.get("m"), Some("힣방"));
    assert_eq!(
        Form::parse(body, None, &FormLimits::default()).unwrap(),
        fast
    );
    // A letter after a byte that is no lead, or a digit after a lead, is not a character.
    for bad in [&b"n=%8C1"[..], b"n=%80c", b"n=%8C"] {
        assert!(one_pass(bad).is_none());
        assert!(
            matches!(
                Form::parse(bad, Some(Charset::EucKr), &FormLimits::default()),
                Err(FormError::Undecodable { .. } | FormError::BadEscape { .. })
            ),
            "{}",
            bad.escape_ascii()
        );
    }
    assert!(text::escapes_surely_not_utf8(b"a=%2C&n=%C8%AB%B1%E6"));
    assert!(!text::escapes_surely_not_utf8(b"a=%2C&n=%EA%B0%80"));
    assert!(!text::escapes_surely_not_utf8(b"a=1&b=2"));
}

#[test]
fn every_two_byte_pair_reads_as_encoding_rs_decodes_it() {
    // The tables (common Hangul, and a row per lead byte for the rest) against `encoding_rs`
    // itself, pair by pair, escaped and with a letter left as the trail byte.
    for lead in 0x81u8..=0xFE {
        for trail in 0x41u8..=0xFE {
            let expected = encoding_rs::EUC_KR
                .decode_without_bom_handling_and_without_replacement(&[lead, trail])
                .filter(|t| t.chars().count() == 1)
                .map(|t| t.into_owned());
            let mut bodies = vec![format!("n=%{lead:02X}%{trail:02X}")];
            if trail.is_ascii_alphabetic() {
                bodies.push(format!("n=%{lead:02X}{}", char::from(trail)));
            }
            for body in bodies {
                let fast = one_pass(body.as_bytes());
                let got = fast.as_ref().and_then(|f| f.get("n").map(str::to_owned));
                assert_eq!(got, expected, "{body}");
            }
        }
    }
}

#[test]
fn empty_segments_are_skipped() {
    let form = parse(b"&a=1&&b=2&").unwrap();
    assert_eq!(form.len(), 2);
    assert!(parse(b"").unwrap().is_empty());
}

#[test]
fn encodes_exactly() {
    let mut e = FormEncoder::new(Charset::Utf8);
    e.append("a b", "x+y/z=*-._~!").unwrap();
    e.append("g", "테스트").unwrap();
    assert_eq!(
        e.finish(),
        "a+b=x%2By%2Fz%3D*-._%7E%21&g=%ED%85%8C%EC%8A%A4%ED%8A%B8"
    );
    let mut q = FormEncoder::with_escape(Charset::Utf8, Escape::QueryValue);
    q.append("LicenseKey", "Ma29/+e4/x==").unwrap();
    q.append("s", "a b&c;d#e%f").unwrap();
    assert_eq!(
        q.finish(),
        "LicenseKey=Ma29/%2Be4/x==&s=a%20b%26c%3Bd%23e%25f"
    );
    let mut euc = FormEncoder::new(Charset::EucKr);
    assert_eq!(
        euc.append("g", "상품😀").unwrap_err(),
        FormError::Unencodable {
            field: "g".into(),
            source: Unencodable {
                character: '😀',
                position: 2
            }
        }
    );
}

/// A form body read the slow, obvious way: `None` for a bad escape or a piece that is not
/// UTF-8.
fn reference_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    fn piece(raw: &[u8]) -> Option<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    }
    body.split(|b| *b == b'&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = match segment.iter().position(|b| *b == b'=') {
                Some(eq) => (&segment[..eq], &segment[eq + 1..]),
                None => (segment, &segment[segment.len()..]),
            };
            Some((piece(name)?, piece(value)?))
        })
        .collect()
}

fn form_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 가-힣&=+%*._~!/\\-]{0,16}"
}

proptest! {
    #[test]
    fn round_trips_in_both_charsets(
        pairs in proptest::collection::vec((form_text(), form_text()), 0..12),
        euc in any::<bool>(),
        query in any::<bool>(),
    ) {
        let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
        let escape = if query { Escape::QueryValue } else { Escape::Form };
        let mut encoder = FormEncoder::with_escape(charset, escape);
        for (n, v) in &pairs {
            encoder.append(n, v).unwrap();
        }
        let body = encoder.finish();
        prop_assert!(body.is_ascii());
        let form = Form::parse(body.as_bytes(), Some(charset), &FormLimits::default()).unwrap();
        // An empty pair is written `=`, and read back as one.
        let expected: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        prop_assert_eq!(form.pairs().collect::<Vec<_>>(), expected.clone());
        // Detection finds the same text unless the EUC-KR bytes happen to be valid UTF-8.
        let detected = Form::parse(body.as_bytes(), None, &FormLimits::default()).unwrap();
        if !euc || detected.charset() == Charset::EucKr {
            prop_assert_eq!(detected.pairs().collect::<Vec<_>>(), expected);
        }
    }

    /// The fast splitter agrees with a plain byte-by-byte reading on bodies made of the
    /// bytes that matter: separators, escapes (good, bad, cut short), and raw UTF-8.
    #[test]
    fn agrees_with_a_plain_reading(
        body in proptest::collection::vec(
            proptest::sample::select(b"ab=&%+2BEDzZ\x95\x9c".to_vec()),
            0..160,
        ),
    ) {
        let ours = Form::parse(&body, Some(Charset::Utf8), &FormLimits::default());
        match reference_pairs(&body) {
            Some(expected) => {
                let form = ours.unwrap();
                prop_assert_eq!(form.pairs().collect::<Vec<_>>(), expected.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect::<Vec<_>>());
            }
            None => prop_assert!(ours.is_err()),
        }
    }

    /// The encoder's two escape sets write what `form_urlencoded` and `percent-encoding` write.
    #[test]
    fn escapes_as_the_reference_crates_do(text in any::<String>()) {
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
        const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'!').remove(b'$')
            .remove(b'\'').remove(b'(').remove(b')').remove(b'*').remove(b',').remove(b'/')
            .remove(b':').remove(b'=').remove(b'@');
        let mut form = String::new();
        encode_component(&text, Charset::Utf8, Escape::Form, &mut form).unwrap();
        prop_assert_eq!(form, form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>());
        let mut query = String::new();
        encode_component(&text, Charset::Utf8, Escape::QueryValue, &mut query).unwrap();
        prop_assert_eq!(query, percent_encoding::percent_encode(text.as_bytes(), QUERY_VALUE).to_string());
    }

    #[test]
    fn parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Form::parse(&body, None, &FormLimits::default());
        let _ = Form::parse(&body, Some(Charset::Utf8), &FormLimits::default());
        let _ = Form::parse(&body, Some(Charset::EucKr), &FormLimits::default());
    }
}
