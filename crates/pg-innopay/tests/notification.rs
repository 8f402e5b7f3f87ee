//! Payment-result notification (manual 4.2): EUC-KR and UTF-8 bodies, every block, round trips,
//! and invalid notifications.

use pg_core::{CardCompany, Charset, CompactString, KstFormat, Rule, Won};
use pg_innopay::notification::{
    BillingKey, CancelDetails, CardDetails, CashReceipt, CashReceiptKind, LineItem, Notification,
    NotificationStatus, PayMethod, Shipping,
};
use proptest::prelude::*;

const CARD_EUC_KR: &[u8] = include_bytes!("fixtures/notification-card-euckr.form");
const CARD_UTF8: &[u8] = include_bytes!("fixtures/notification-card-utf8.form");
const CARD_EUC_KR_RAW: &[u8] = include_bytes!("fixtures/notification-card-euckr-raw.form");
const CANCEL_EUC_KR: &[u8] = include_bytes!("fixtures/notification-cancel-euckr.form");

fn assert_card_fixture(n: &Notification) {
    assert_eq!(n.moid.as_str(), "test20180313003");
    assert_eq!(n.pg_tid.as_str(), "nictest14m01011803131430151234");
    assert_eq!(n.status, NotificationStatus::Approved);
    assert_eq!(n.status_name.as_deref(), Some("승인"));
    assert_eq!(n.pay_method, Some(PayMethod::Card));
    assert_eq!(n.pay_method_name.as_deref(), Some("신용카드"));
    assert_eq!(n.user_name.as_deref(), Some("홍길동"));
    assert_eq!(n.goods_name.as_deref(), Some("테스트상품"));
    assert_eq!(n.pg_name.as_deref(), Some("나이스페이"));
    assert_eq!(n.pg_sid, None, "empty values are absent");
    assert_eq!(n.approval_amount, Some(Won::new(10_005)));
    assert_eq!(n.goods_amount, Some(Won::new(10_005)));
    assert_eq!(n.amount(), Won::new(10_005));
    assert_eq!(
        n.approved_at().unwrap().format(KstFormat::YyyyMMddHHmmss),
        "20180313143015"
    );
    let card = n.card.as_ref().unwrap();
    assert_eq!(card.number.as_ref().unwrap().as_str(), "536181******1234");
    assert_eq!(card.issuer, Some(CardCompany::Samsung));
    assert_eq!(card.acquirer, Some(CardCompany::Samsung));
    assert_eq!(card.issuer_name.as_deref(), Some("삼성"));
    assert_eq!(card.quota.as_deref(), Some("00"));
    assert_eq!(n.goods.len(), 2);
    assert_eq!(
        n.goods[1],
        LineItem {
            code: Some("G-2".into()),
            name: Some("배 2kg".into()),
            amount: Some(Won::new(5005)),
            count: Some(1),
            total: Some(Won::new(5005)),
        }
    );
    let shipping = n.shipping.as_ref().unwrap();
    assert_eq!(
        shipping.address.as_deref(),
        Some("서울 성동구 성수이로 113")
    );
    assert_eq!(shipping.comment.as_deref(), Some("문 앞에 놓아 주세요"));
    assert_eq!(n.state_code.as_deref(), Some("0"));
    assert_eq!(n.extra, [("mallExtra".into(), "확장필드".into())]);
    assert!(n.cash_receipt.is_none() && n.cancel.is_none());
}

#[test]
fn decodes_an_euc_kr_body_detected() {
    let n = Notification::decode(CARD_EUC_KR, Some("application/x-www-form-urlencoded")).unwrap();
    assert_eq!(n.charset, Charset::EucKr);
    assert_card_fixture(&n);
}

#[test]
fn decodes_an_euc_kr_body_declared() {
    let n = Notification::decode(
        CARD_EUC_KR,
        Some("application/x-www-form-urlencoded; charset=euc-kr"),
    )
    .unwrap();
    assert_card_fixture(&n);
}

#[test]
fn decodes_raw_euc_kr_bytes() {
    let n = Notification::decode(CARD_EUC_KR_RAW, None).unwrap();
    assert_eq!(n.charset, Charset::EucKr);
    assert_card_fixture(&n);
}

#[test]
fn decodes_a_utf8_body() {
    let n = Notification::decode(CARD_UTF8, None).unwrap();
    assert_eq!(n.charset, Charset::Utf8);
    assert_card_fixture(&n);
}

#[test]
fn declared_charset_wins() {
    let err = Notification::decode(
        CARD_EUC_KR,
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
    )
    .unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["userName"]);
}

#[test]
fn decodes_a_cash_cancel() {
    let n = Notification::decode(CANCEL_EUC_KR, None).unwrap();
    assert_eq!(n.status, NotificationStatus::Cancelled);
    assert_eq!(n.pay_method, Some(PayMethod::Cash));
    assert_eq!(
        n.cash_receipt,
        Some(CashReceipt {
            kind: Some(CashReceiptKind::IncomeDeduction),
            kind_name: Some("소득공제".into()),
            supply_amount: Some(Won::new(9096)),
            vat: Some(Won::new(909)),
        })
    );
    let cancel = n.cancel.as_ref().unwrap();
    assert_eq!(cancel.amount, Some(Won::new(3000)));
    assert_eq!(cancel.message.as_deref(), Some("고객 요청"));
    assert_eq!(
        cancel.pg_tid.as_ref().unwrap().as_str(),
        "nictest14m01011803141015001111"
    );
    let event = pg_innopay::notification_event(&n);
    assert_eq!(
        event.idempotency_key(),
        "innopay:nictest14m01011803131430151234:cancelled:nictest14m01011803141015001111"
    );
}

#[test]
fn full_card_numbers_are_masked_on_arrival() {
    let n = Notification::decode(
        b"moid=a&pgTid=t1&status=25&approvalAmt=1000&cardNo=4111-1111-1111-1111",
        None,
    )
    .unwrap();
    assert_eq!(
        n.card.as_ref().unwrap().number.as_ref().unwrap().as_str(),
        "411111******1111"
    );
    assert!(!format!("{n:?}").contains("4111111111111111"));
    let re_encoded = n.to_form(Charset::Utf8).unwrap();
    assert!(
        re_encoded.contains("cardNo=411111******1111"),
        "{re_encoded}"
    );
}

#[test]
fn billing_keys_are_secret() {
    let n = Notification::decode(
        b"moid=a&pgTid=t1&status=25&approvalAmt=1&payMethod=09&billKey=BK-SECRET-1",
        None,
    )
    .unwrap();
    assert_eq!(n.pay_method, Some(PayMethod::AutoBilling));
    assert_eq!(n.bill_key.as_ref().unwrap().expose(), "BK-SECRET-1");
    assert!(!format!("{n:?}").contains("BK-SECRET-1"));
}

#[test]
fn unknown_codes_are_kept() {
    let n = Notification::decode(
        b"moid=a&pgTid=t1&status=99&payMethod=05&goodsAmt=7&cardIssueCode=55",
        None,
    )
    .unwrap();
    assert_eq!(n.status, NotificationStatus::Other("99".into()));
    assert_eq!(n.pay_method, Some(PayMethod::Other("05".into())));
    assert_eq!(
        n.card.as_ref().unwrap().issuer,
        Some(CardCompany::Unknown("55".into()))
    );
    assert_eq!(n.amount(), Won::new(7));
}

#[test]
fn required_fields_are_all_reported() {
    let err = Notification::decode(b"goodsName=x", None).unwrap_err();
    assert_eq!(
        err.fields().collect::<Vec<_>>(),
        ["moid", "pgTid", "status", "approvalAmt"]
    );
    assert!(err.violations().iter().all(|v| v.rule == Rule::Missing));
    let blank = Notification::decode(b"moid=+&pgTid=&status=25&approvalAmt=1", None).unwrap_err();
    assert_eq!(blank.fields().collect::<Vec<_>>(), ["moid", "pgTid"]);
}

#[test]
fn money_is_strict_and_everything_else_lenient() {
    // The amounts that move money refuse the notification, naming the field.
    let err = Notification::decode(
        b"moid=a&pgTid=t&status=85&approvalAmt=10.5&goodsAmt=abc&cashReceiptVat=-1&cancelAmt=1%2C00",
        None,
    )
    .unwrap_err();
    assert_eq!(
        err.fields().collect::<Vec<_>>(),
        ["approvalAmt", "cancelAmt"]
    );
    // Amounts beyond the manual's 12 digits are refused, not stored as nothing.
    let huge = Notification::decode(
        b"moid=a&pgTid=t&status=25&approvalAmt=9223372036854775808",
        None,
    )
    .unwrap_err();
    assert_eq!(huge.fields().collect::<Vec<_>>(), ["approvalAmt"]);
    assert!(
        Notification::decode(b"moid=a&pgTid=t&status=25&approvalAmt=999999999999", None).is_ok()
    );
    // goodsAmt is the amount only when approvalAmt is absent.
    let err = Notification::decode(b"moid=a&pgTid=t&status=25&goodsAmt=abc", None).unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["goodsAmt"]);
    // A cancel must say how much it cancels.
    let err = Notification::decode(b"moid=a&pgTid=t&status=85&approvalAmt=1000", None).unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["cancelAmt"]);
    // Anything else that cannot be read is a warning, kept raw; the notification stands.
    let n = Notification::decode(
        b"moid=a&pgTid=t&status=25&approvalAmt=1000&goodsAmt=abc&cashReceiptVat=1.5&cancelApprovalAmt=x",
        None,
    )
    .unwrap();
    let warned: Vec<&str> = n.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(warned, ["goodsAmt", "cashReceiptVat", "cancelApprovalAmt"]);
    assert_eq!(n.warnings[1].raw, "1.5");
    assert!(n.extra.contains(&("cashReceiptVat".into(), "1.5".into())));
    assert_eq!(n.amount(), Won::new(1000));
}

#[test]
fn status_is_a_short_code() {
    for bad in ["250", "2%0A", "%0D", &"9".repeat(500_000)] {
        let body = format!("moid=a&pgTid=t&status={bad}&approvalAmt=1");
        let err = Notification::decode(body.as_bytes(), None).unwrap_err();
        assert_eq!(
            err.fields().collect::<Vec<_>>(),
            ["status"],
            "{}",
            &bad[..bad.len().min(8)]
        );
    }
    let odd = Notification::decode(b"moid=a&pgTid=t&status=99&approvalAmt=1", None).unwrap();
    assert_eq!(odd.status, NotificationStatus::Other("99".into()));
}

#[test]
fn a_cancel_reports_the_amount_it_cancels_beside_the_original() {
    let n = Notification::decode(
        b"moid=a&pgTid=testpay01m01011801181105238578&status=85&approvalAmt=1000&cancelAmt=300&cancelPgTid=testpay01m01021801181105238579",
        None,
    )
    .unwrap();
    assert_eq!(
        (n.amount(), n.approved_amount()),
        (Won::new(300), Won::new(1000))
    );
    let event = pg_innopay::notification_event(&n);
    assert_eq!(event.amount, Some(Won::new(300)));
    assert_eq!(event.approved_amount, Some(Won::new(1000)));
}

#[test]
fn goods_arrays_that_disagree_are_kept_with_a_warning() {
    let base = "moid=a&pgTid=t&status=25&approvalAmt=3";
    let accepted = |body: &str| -> Notification {
        Notification::decode(body.as_bytes(), None)
            .unwrap_or_else(|e| panic!("{body}: refused: {e}"))
    };
    let warned = |n: &Notification| {
        n.warnings
            .iter()
            .map(|w| w.field.clone())
            .collect::<Vec<_>>()
    };
    // The probe's cases: each stored, acknowledged and handled.
    let n = accepted(&format!(
        "{base}&goodsSize=0&goodsCodeArray=&goodsNameArray="
    ));
    assert!(n.goods.is_empty() && n.warnings.is_empty(), "{n:?}");
    let n = accepted(&format!("{base}&goodsSize=1"));
    assert_eq!(warned(&n), ["goodsSize"]);
    let n = accepted(&format!(
        "{base}&goodsCodeArray[0]=A1&goodsNameArray[0]=%EC%83%81%ED%92%88&goodsCodeArray[1]=B2"
    ));
    assert_eq!(n.goods.len(), 2);
    assert_eq!(n.goods[0].name.as_deref(), Some("상품"));
    assert_eq!(n.goods[1].code.as_deref(), Some("B2"));
    assert!(n.warnings.is_empty());
    // Unequal lengths: no items, the arrays kept as received.
    let n = accepted(&format!(
        "{base}&goodsCodeArray[]=A&goodsCodeArray[]=B&goodsNameArray[]=x"
    ));
    assert!(n.goods.is_empty());
    assert_eq!(warned(&n), ["goodsCodeArray[]"]);
    assert_eq!(n.extra.len(), 3);
    let n = accepted(&format!(
        "{base}&goodsSize=3&goodsCodeArray[]=A&goodsCodeArray[]=B"
    ));
    assert_eq!(
        (n.goods.len(), warned(&n)),
        (2, vec!["goodsSize".to_owned()])
    );
    let n = accepted(&format!("{base}&goodsSize=two&goodsCodeArray[]=A"));
    assert_eq!(warned(&n), ["goodsSize"]);
    let n = accepted(&format!("{base}&goodsCodeArray[]=A&goodsCntArray[]=x"));
    assert_eq!(
        (n.goods[0].count, warned(&n)),
        (None, vec!["goodsCntArray[0]".to_owned()])
    );
    // An index out of reach is not an array item: kept as an unknown field.
    let n = accepted(&format!("{base}&goodsCodeArray[999999999]=A"));
    assert!(n.goods.is_empty() && n.extra.len() == 1);
    // Without brackets, as repeated keys, arrays work too.
    let plain = format!("{base}&goodsSize=2&goodsCodeArray=A&goodsCodeArray=B");
    assert_eq!(
        Notification::decode(plain.as_bytes(), None)
            .unwrap()
            .goods
            .len(),
        2
    );
}

#[test]
fn malformed_bodies_are_typed_errors() {
    let err = Notification::decode(b"moid=%G1&pgTid=t", None).unwrap_err();
    assert_eq!(err.fields().collect::<Vec<_>>(), ["(body)"]);
    let big = vec![b'a'; (1 << 20) + 1];
    assert!(Notification::decode(&big, None).is_err());
    let unsupported = Notification::decode(
        b"moid=a",
        Some("application/x-www-form-urlencoded; charset=latin1"),
    );
    assert!(unsupported.is_err());
}

#[test]
fn acknowledgement_is_0000() {
    assert_eq!(Notification::acknowledgement(), b"0000");
}

// ---- property test: typed notification -> form (UTF-8 or EUC-KR) -> typed notification ----

fn word() -> impl Strategy<Value = CompactString> {
    "[A-Za-z0-9_-]{1,12}".prop_map(CompactString::from)
}

fn text() -> impl Strategy<Value = CompactString> {
    // Hangul, ASCII, spaces and the form's special characters, never blank.
    "[가-힣a-zA-Z0-9&=+%#?/ .,()-]{0,14}[가-힣a-zA-Z0-9]".prop_map(CompactString::from)
}

fn digits(pattern: &'static str) -> impl Strategy<Value = CompactString> {
    pattern.prop_map(CompactString::from)
}

fn won() -> impl Strategy<Value = Won> {
    (0u64..10_000_000_000).prop_map(Won::new)
}

fn company() -> impl Strategy<Value = CardCompany> {
    prop_oneof![
        proptest::sample::select(CardCompany::KNOWN.to_vec()),
        "[3-9][0-9]".prop_map(|c| CardCompany::from_code(&c)),
    ]
}

fn tid() -> impl Strategy<Value = pg_core::Tid> {
    "[a-z0-9]{10}[0-9]{20}".prop_map(|t| pg_core::Tid::parse(&t).unwrap())
}

prop_compose! {
    fn card()(number in proptest::option::of("[0-9]{16}"), quota in proptest::option::of(digits("[0-9]{2}")),
              issuer in proptest::option::of(company()), issuer_name in proptest::option::of(text()),
              acquirer in proptest::option::of(company()), acquirer_name in proptest::option::of(text()))
              -> Option<CardDetails> {
        let c = CardDetails {
            number: number.map(|n| pg_core::MaskedCardNumber::from_received(&n)),
            quota, issuer, issuer_name, acquirer, acquirer_name,
        };
        (c != CardDetails::default()).then_some(c)
    }
}

prop_compose! {
    fn cash()(kind in proptest::option::of(prop_oneof![Just(CashReceiptKind::IncomeDeduction), Just(CashReceiptKind::ExpenseProof)]),
              kind_name in proptest::option::of(text()), supply in proptest::option::of(won()), vat in proptest::option::of(won()))
              -> Option<CashReceipt> {
        let c = CashReceipt { kind, kind_name, supply_amount: supply, vat };
        (c != CashReceipt::default()).then_some(c)
    }
}

prop_compose! {
    fn cancel()(amount in proptest::option::of(won()), message in proptest::option::of(text()),
                code in proptest::option::of(digits("[0-9]{4}")), date in proptest::option::of(digits("[0-9]{8}")),
                pg_tid in proptest::option::of(tid()), approval in proptest::option::of(won()))
                -> Option<CancelDetails> {
        let c = CancelDetails {
            amount, message, result_code: code.clone(), result_message: code.map(|c| format!("결과 {c}").into()),
            app_date: date.clone(), app_time: date.map(|_| "101500".into()), pg_tid,
            approval_amount: approval, approval_number: None,
        };
        (c != CancelDetails::default()).then_some(c)
    }
}

prop_compose! {
    fn line_item()(code in proptest::option::of(word()), name in proptest::option::of(text()),
                   amount in proptest::option::of(won()), count in proptest::option::of(1u64..100),
                   total in proptest::option::of(won())) -> LineItem {
        LineItem { code, name, amount, count, total }
    }
}

fn goods() -> impl Strategy<Value = Vec<LineItem>> {
    // Every item non-empty, so that the zipped arrays describe exactly these items.
    proptest::collection::vec(line_item(), 0..4).prop_filter("items need a field", |items| {
        items.iter().all(|i| *i != LineItem::default())
    })
}

prop_compose! {
    fn shipping()(zone in proptest::option::of(digits("[0-9]{5}")), address in proptest::option::of(text()),
                  name in proptest::option::of(text()), comment in proptest::option::of(text()))
                  -> Option<Shipping> {
        let s = Shipping { zone_code: zone, address, address_detail: None, recipient_name: name,
                           recipient_phone_no: None, comment };
        (s != Shipping::default()).then_some(s)
    }
}

prop_compose! {
    fn notification()(
        moid in word(), pg_tid in tid(),
        status in prop_oneof![Just(NotificationStatus::Approved), Just(NotificationStatus::Cancelled)],
        pay_method in proptest::option::of(prop_oneof![Just(PayMethod::Cash), Just(PayMethod::Card), Just(PayMethod::CardArs), Just(PayMethod::AutoBilling)]),
        names in (proptest::option::of(text()), proptest::option::of(text()), proptest::option::of(text())),
        approval in won(), goods_amount in proptest::option::of(won()),
        card in card(), cash in cash(), cancel in cancel(), goods in goods(), shipping in shipping(),
        bill_key in proptest::option::of(word()),
        extra in proptest::collection::vec((digits("x[A-Za-z]{1,8}"), text()), 0..3),
    ) -> Notification {
        // A cancel always says how much it cancels.
        let cancel = match status {
            NotificationStatus::Cancelled => {
                let mut c = cancel.unwrap_or_default();
                c.amount = c.amount.or(Some(approval));
                Some(c)
            }
            _ => cancel,
        };
        Notification {
            trans_seq: Some("202403150000123".into()), user_id: None, user_name: names.0,
            user_phone_no: None, moid: pg_core::Moid::received(moid.as_str()).unwrap(), goods_name: names.1,
            goods_amount, buyer_code: None, buyer_name: names.2, buyer_phone_no: Some("01012341234".into()),
            pg_code: None, pg_name: None, pay_method, pay_method_name: None, pg_mid: None, pg_sid: None,
            status, status_name: None, pg_result_code: Some("3001".into()), pg_result_message: None,
            pg_app_date: Some("20180313".into()), pg_app_time: Some("143015".into()), pg_tid,
            approval_amount: Some(approval), approval_number: Some("30012345".into()),
            cash_receipt: cash, card, cancel, goods, shipping, state_code: None,
            bill_key: bill_key.map(|k| BillingKey::new(k.as_str())), extra, warnings: Vec::new(),
            charset: Charset::Utf8,
        }
    }
}

proptest! {
    #[test]
    fn round_trips_through_forms_in_both_charsets(mut n in notification(), euc_kr in any::<bool>(), declare in any::<bool>()) {
        let charset = if euc_kr { Charset::EucKr } else { Charset::Utf8 };
        n.charset = charset;
        let body = n.to_form(charset).unwrap();
        let content_type = format!("application/x-www-form-urlencoded; charset={charset}");
        let decoded = Notification::decode(body.as_bytes(), declare.then_some(content_type.as_str())).unwrap();
        if declare || decoded.charset == charset {
            prop_assert_eq!(decoded, n);
        } else {
            // An EUC-KR body whose bytes happen to be valid UTF-8 is detected as UTF-8.
            prop_assert!(euc_kr);
        }
    }
}
