use super::*;

proptest::proptest! {
    // ASCII controls, DEL, C1 controls (`C2 80`-`C2 9F`), printable ASCII and Hangul; at
    // most 90 bytes, under the order number's limit.
    #[test]
    fn received_ids_refuse_exactly_control_characters(
        text in "[\\x00-\\x1F\\x7F\\u{80}-\\u{9F} -~가-힣]{1,30}"
    ) {
        let first_control = text.chars().enumerate().find(|(_, c)| c.is_control());
        match (Moid::received(&text), first_control) {
            (Ok(_), None) => {}
            (Err(e), Some((position, character))) => proptest::prop_assert_eq!(
                e.rule,
                IdRule::InvalidCharacter { character, position, allowed: "no control characters" }
            ),
            (got, expected) => proptest::prop_assert!(false, "{:?} for {:?}", got, expected),
        }
    }
}

/// The rule `result` was refused for, checking that the error names `what`.
pub(super) fn rule<T: fmt::Debug>(result: Result<T, InvalidId>, what: &str) -> IdRule {
    let err = result.expect_err("should be refused");
    assert_eq!(err.what, what);
    err.rule
}

#[test]
fn moid_accepts_manual_examples() {
    assert_eq!(
        Moid::parse("test20180313003").unwrap().as_str(),
        "test20180313003"
    );
    assert!(Moid::parse("Moid_20210118154643").is_ok());
    assert!(Moid::parse(&"a".repeat(40)).is_ok());
}

#[test]
fn moid_refuses_bad_values() {
    assert_eq!(rule(Moid::parse(""), "Moid"), IdRule::Empty);
    assert_eq!(
        rule(Moid::parse(&"a".repeat(41)), "Moid"),
        IdRule::TooLong {
            max: 40,
            actual: 41
        }
    );
    assert!(matches!(
        rule(Moid::parse("order#1"), "Moid"),
        IdRule::InvalidCharacter {
            character: '#',
            position: 5,
            ..
        }
    ));
    assert!(matches!(
        rule(Moid::parse("주문1"), "Moid"),
        IdRule::InvalidCharacter {
            character: '주',
            position: 0,
            ..
        }
    ));
    assert!(matches!(
        rule(Moid::parse("a b"), "Moid"),
        IdRule::InvalidCharacter { character: ' ', .. }
    ));
}

#[test]
fn moid_received_is_lenient_but_not_blind() {
    assert!(Moid::received("주문-2018/03").is_ok());
    assert_eq!(rule(Moid::received(""), "Moid"), IdRule::Empty);
    assert!(matches!(
        rule(Moid::received("a\nb"), "Moid"),
        IdRule::InvalidCharacter {
            character: '\n',
            ..
        }
    ));
    assert!(matches!(
        rule(Moid::received(&"가".repeat(40)), "Moid"),
        IdRule::TooLong { .. }
    ));
}

#[test]
fn mid_rules() {
    assert!(Mid::parse("testpay01m").is_ok());
    assert!(Mid::parse("t_2510201m").is_ok());
    assert_eq!(rule(Mid::parse(""), "Mid"), IdRule::Empty);
    assert_eq!(
        rule(Mid::parse("testpay01mm"), "Mid"),
        IdRule::TooLong {
            max: 10,
            actual: 11
        }
    );
    assert!(matches!(
        rule(Mid::parse("test-pay"), "Mid"),
        IdRule::InvalidCharacter {
            character: '-',
            position: 4,
            ..
        }
    ));
}

#[test]
fn tid_exposes_its_layout() {
    let tid = Tid::parse("testpay01m01011801181105238578").unwrap();
    assert_eq!(tid.mid(), Some("testpay01m"));
    assert_eq!(tid.service_code(), Some("01"));
    assert_eq!(tid.sub_code(), Some("01"));
    assert_eq!(tid.sequence(), Some("8578"));
    let ts = tid.timestamp().unwrap();
    assert_eq!(
        ts.format(crate::kst::KstFormat::YyyyMMddHHmmss),
        "20180118110523"
    );
    let smartro = Tid::parse("t_2510201m01012510201530001234").unwrap();
    assert_eq!(smartro.mid(), Some("t_2510201m"));
}

#[test]
fn tid_refuses_bad_values() {
    assert_eq!(rule(Tid::parse(""), "Tid"), IdRule::Empty);
    assert_eq!(
        rule(Tid::parse("testpay01m0101180118110523857"), "Tid"),
        IdRule::WrongLength {
            expected: 30,
            actual: 29
        }
    );
    assert_eq!(
        rule(Tid::parse("testpay01m010118011811052385781"), "Tid"),
        IdRule::TooLong {
            max: 30,
            actual: 31
        }
    );
    assert!(matches!(
        rule(Tid::parse(" testpay01m01011801181105238578"), "Tid"),
        IdRule::InvalidCharacter {
            character: ' ',
            position: 0,
            ..
        }
    ));
}

#[test]
fn tid_received_trims_and_tolerates_other_layouts() {
    let tid = Tid::received(" testpay01m01011801181105238578").unwrap();
    assert_eq!(tid.as_str(), "testpay01m01011801181105238578");
    let odd = Tid::received("ABC123").unwrap();
    assert_eq!(odd.mid(), None);
    assert_eq!(odd.timestamp(), None);
    let bad_time = Tid::received("testpay01m01011813451105238578").unwrap();
    assert_eq!(bad_time.timestamp(), None);
}
