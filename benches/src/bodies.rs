//! The set of Innopay notification bodies the decode benchmark and the load tests use: a card
//! approval with goods arrays and shipping, a partial cancel, a bank transfer with a cash
//! receipt, an approval with fields the manual does not list, and goods arrays sent with
//! indexes and unescaped brackets. Each in UTF-8 and in EUC-KR.

use pg_core::Charset;
use pg_core::form::FormEncoder;

/// What stands for the transaction's unique part in a template (see [`Body::template`]).
pub const ID: &str = "{n}";

/// One notification of the set.
#[derive(Debug, Clone)]
pub struct Body {
    /// A short name (`card_goods_shipping`, `cancel`...).
    pub name: &'static str,
    fields: Vec<(String, String)>,
    /// Brackets of array names left unescaped (`goodsNameArray[0]=`), as some senders do.
    raw_brackets: bool,
}

impl Body {
    /// The body in `charset`, with `id` as the transaction's unique part.
    pub fn encode(&self, charset: Charset, id: &str) -> Vec<u8> {
        let mut e = FormEncoder::new(charset);
        for (name, value) in &self.fields {
            // Every value of the set is encodable in both charsets.
            let _ = e.append(name, &value.replace(ID, id));
        }
        let mut text = e.finish();
        if charset == Charset::EucKr {
            text = letter_trails_unescaped(&text);
        }
        if self.raw_brackets {
            text = text.replace("%5B", "[").replace("%5D", "]");
        }
        text.into_bytes()
    }

    /// The body in `charset` with [`ID`] left in place, for load generators to fill.
    pub fn template(&self, charset: Charset) -> Vec<u8> {
        let bytes = self.encode(charset, "IDIDID");
        String::from_utf8_lossy(&bytes)
            .replace("IDIDID", ID)
            .into_bytes()
    }

    /// How many fields (pairs) the body has.
    pub fn pairs(&self) -> usize {
        self.fields.len()
    }
}

/// An EUC-KR body as Java's `URLEncoder` (and Python's `quote`) sends it: a character's bytes
/// are escaped one by one, so the letters among CP949's trail bytes stay letters (`똠`, bytes
/// 8C 63, is `%8Cc`; `FormEncoder` sends `%8C%63`).
fn letter_trails_unescaped(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = |at: usize| match bytes.get(at..at + 3)? {
            &[b'%', h, l] => pg_core::form::hex_pair(h, l),
            _ => None,
        };
        match (escaped(i), escaped(i + 3)) {
            // A lead byte and its trail: the trail as a letter when it is one.
            (Some(lead), Some(trail)) if lead >= 0x81 => {
                out.push_str(&text[i..i + 3]);
                if trail.is_ascii_alphabetic() {
                    out.push(char::from(trail));
                } else {
                    out.push_str(&text[i + 3..i + 6]);
                }
                i += 6;
            }
            _ => {
                out.push(char::from(b));
                i += 1;
            }
        }
    }
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The fields every notification of the set shares: who paid, for what, through which PG.
fn common(status: &str, pay_method: &str, amount: &str) -> Vec<(String, String)> {
    pairs(&[
        ("transSeq", "2025102015300012345"),
        ("userId", "member_0001"),
        ("userName", "홍길동"),
        ("moid", "ORDER-{n}"),
        ("goodsName", "제주 감귤 선물세트 5kg 외 2건"),
        ("goodsAmt", amount),
        ("buyerName", "김구매자"),
        ("buyerPhoneNo", "01043116330"),
        ("pgCode", "NICE"),
        ("pgName", "나이스페이먼츠"),
        ("payMethod", pay_method),
        ("pgMid", "nictest14m"),
        ("status", status),
        ("pgResultCode", "3001"),
        ("pgResultMsg", "정상 승인"),
        ("pgAppDate", "20251020"),
        ("pgAppTime", "153000"),
        ("pgTid", "nictest14m0101{n}"),
        ("approvalAmt", amount),
        ("approvalNo", "30012345"),
        ("buyerEmail", "buyer@example.co.kr"),
    ])
}

fn card() -> Vec<(String, String)> {
    pairs(&[
        ("cardNo", "536181******1234"),
        ("cardQuota", "03"),
        ("cardIssueCode", "04"),
        ("cardIssueName", "삼성카드"),
        ("cardAcquireCode", "04"),
        ("cardAcquireName", "삼성카드"),
    ])
}

fn shipping() -> Vec<(String, String)> {
    pairs(&[
        ("zoneCode", "63122"),
        ("address", "제주시 첨단로 242"),
        ("addressDetail", "3층 302호"),
        ("recipientName", "이수취인"),
        ("recipientPhoneNo", "01055556666"),
        ("comment", "부재 시 경비실"),
    ])
}

/// Three line items as `name[]` arrays (or `name[i]` when `indexed`).
fn goods(indexed: bool) -> Vec<(String, String)> {
    let items = [
        ("G-1001", "제주 감귤 선물세트 5kg", "98,500", "1"),
        ("G-2002", "한라봉 3kg", "25,000", "1"),
        ("G-3003", "보자기 포장", "5,000", "1"),
    ];
    let mut out = vec![("goodsSize".to_owned(), "3".to_owned())];
    for (array, column) in [
        ("goodsCodeArray", 0),
        ("goodsNameArray", 1),
        ("goodsAmtArray", 2),
        ("goodsCntArray", 3),
        ("totalAmtArray", 2),
    ] {
        for (i, item) in items.iter().enumerate() {
            let value = [item.0, item.1, item.2, item.3][column];
            let name = if indexed {
                format!("{array}[{i}]")
            } else {
                format!("{array}[]")
            };
            out.push((name, value.to_owned()));
        }
    }
    out
}

/// The set, in a fixed order.
pub fn notification_set() -> Vec<Body> {
    let mut card_goods = common("25", "02", "128,500");
    card_goods.extend(card());
    card_goods.extend(goods(false));
    card_goods.extend(shipping());

    let mut cancel = common("85", "02", "128,500");
    cancel.extend(card());
    cancel.extend(pairs(&[
        ("cancelAmt", "25,000"),
        ("cancelMsg", "부분 취소: 한라봉 품절"),
        ("cancelResultCode", "2001"),
        ("cancelResultMsg", "취소 성공"),
        ("cancelAppDate", "20251021"),
        ("cancelAppTime", "101500"),
        ("cancelPgTid", "nictest14m0102{n}"),
        ("cancelApprovalAmt", "103,500"),
        ("cancelApprovalNo", "30012346"),
    ]));

    let mut cash = common("25", "04", "55,000");
    cash.extend(pairs(&[
        ("cashReceiptType", "1"),
        ("cashReceiptTypeName", "소득공제"),
        ("cashReceiptSupplyAmt", "50,000"),
        ("cashReceiptVat", "5,000"),
    ]));

    let mut unknown = common("25", "02", "32,000");
    unknown.extend(card());
    unknown.extend(pairs(&[
        // A company mark and a syllable only CP949 has (its trail byte a letter).
        ("pgStoreName", "㈜똠방상회"),
        ("mallReserved", "campaign=winter&coupon=NONE"),
        ("eventCode", "WINTER-2025"),
        ("pointUsed", "0"),
        ("discountName", "첫 구매 10% 할인"),
        ("deviceType", "mobile"),
        ("partnerMemo", "※ [특가] 오늘만"),
        ("pgExtraInfo", "{\"route\":\"kakao\",\"ab\":\"B\"}"),
    ]));

    let mut indexed = common("25", "02", "128,500");
    indexed.extend(card());
    indexed.extend(goods(true));

    vec![
        Body {
            name: "card_goods_shipping",
            fields: card_goods,
            raw_brackets: false,
        },
        Body {
            name: "cancel",
            fields: cancel,
            raw_brackets: false,
        },
        Body {
            name: "cash_receipt",
            fields: cash,
            raw_brackets: false,
        },
        Body {
            name: "unknown_fields",
            fields: unknown,
            raw_brackets: false,
        },
        Body {
            name: "indexed_raw_brackets",
            fields: indexed,
            raw_brackets: true,
        },
    ]
}

/// The UTF-8 baseline: every pair as owned `String`s, by `serde_urlencoded`.
pub fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The EUC-KR baseline: each name and value `+`-unescaped, percent-decoded
/// (`percent_encoding`), then decoded from EUC-KR into an owned `String` (`encoding_rs`) —
/// the Korean really decoded, as a receiver must.
pub fn percent_decode_euc_kr_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn text(piece: &[u8]) -> String {
        let unplussed: std::borrow::Cow<'_, [u8]> = if piece.contains(&b'+') {
            piece
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect::<Vec<u8>>()
                .into()
        } else {
            piece.into()
        };
        let bytes: std::borrow::Cow<'_, [u8]> = percent_encoding::percent_decode(&unplussed).into();
        encoding_rs::EUC_KR
            .decode_without_bom_handling(&bytes)
            .0
            .into_owned()
    }
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(i) => (text(&pair[..i]), text(&pair[i + 1..])),
            None => (text(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_innopay::notification::Notification;

    #[test]
    fn every_body_decodes_in_both_charsets_with_its_amounts() {
        for body in notification_set() {
            for charset in [Charset::Utf8, Charset::EucKr] {
                let bytes = body.encode(charset, "000000000042");
                let n = Notification::decode(&bytes, None)
                    .unwrap_or_else(|e| panic!("{} {charset:?}: {e}", body.name));
                assert_eq!(n.moid.as_str(), "ORDER-000000000042", "{}", body.name);
                assert!(n.warnings.is_empty(), "{}: {:?}", body.name, n.warnings);
                match body.name {
                    "card_goods_shipping" | "indexed_raw_brackets" => {
                        assert_eq!(n.goods.len(), 3, "{}", body.name)
                    }
                    "cancel" => assert_eq!(
                        n.cancel.as_ref().and_then(|c| c.amount).map(|w| w.get()),
                        Some(25_000)
                    ),
                    "cash_receipt" => assert_eq!(
                        n.cash_receipt.as_ref().and_then(|c| c.vat).map(|w| w.get()),
                        Some(5_000)
                    ),
                    // The eight unknown fields, and `buyerEmail` (not in the manual's table).
                    _ => assert_eq!(n.extra.len(), 9, "{:?}", n.extra),
                }
            }
        }
    }

    #[test]
    fn the_baselines_decode_what_pgkit_decodes() {
        for body in notification_set() {
            let utf8 = serde_urlencoded_pairs(&body.encode(Charset::Utf8, "1"));
            let euc_kr = percent_decode_euc_kr_pairs(&body.encode(Charset::EucKr, "1"));
            assert_eq!(utf8.len(), body.pairs(), "{}", body.name);
            // The same Korean text from both charsets: the EUC-KR baseline really decodes it.
            assert_eq!(utf8, euc_kr, "{}", body.name);
            assert!(euc_kr.iter().any(|(_, v)| v == "김구매자"));
        }
    }

    #[test]
    fn euc_kr_bodies_leave_letter_trail_bytes_as_letters() {
        let body = notification_set()
            .into_iter()
            .find(|b| b.name == "unknown_fields")
            .unwrap();
        let text = String::from_utf8(body.encode(Charset::EucKr, "1")).unwrap();
        // ㈜ (A2 DF), 똠 (8C 63: `c` left as it is), 방 (B9 E6).
        assert!(text.contains("pgStoreName=%A2%DF%8Cc%B9%E6"), "{text}");
        assert_eq!(
            letter_trails_unescaped("a=%B0%A1%8C%63+x%2C"),
            "a=%B0%A1%8Cc+x%2C"
        );
        let n = Notification::decode(text.as_bytes(), None).unwrap();
        let store = n.extra.iter().find(|(name, _)| name == "pgStoreName");
        assert_eq!(store.map(|(_, v)| v.as_str()), Some("㈜똠방상회"));
    }

    #[test]
    fn templates_carry_the_placeholder() {
        for body in notification_set() {
            let t = String::from_utf8(body.template(Charset::Utf8)).unwrap();
            assert!(t.contains("pgTid=nictest14m0101{n}"), "{}", body.name);
            if body.name == "indexed_raw_brackets" {
                assert!(t.contains("goodsNameArray[0]="), "{t}");
            } else if body.name == "card_goods_shipping" {
                assert!(t.contains("goodsNameArray%5B%5D="), "{t}");
            }
        }
    }
}
