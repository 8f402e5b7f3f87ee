//! Fixtures shared by the criterion benches and the comparison harness (`cargo xtask bench`):
//! the same bytes for every implementation measured.

pub mod bare;
pub mod bodies;
pub mod load;

use pg_core::Charset;
use pg_core::form::FormEncoder;

/// The 45 fields of the benchmark notification: an Innopay card approval with buyer, card and
/// shipping blocks, Korean text throughout.
pub fn notification_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("transSeq", "2025102015300012345"),
        ("userId", "member_0001"),
        ("userName", "홍길동"),
        ("userPhoneNo", "01012341234"),
        ("moid", "ORDER20251020153000001"),
        ("goodsName", "제주 감귤 선물세트 5kg 외 2건"),
        ("goodsAmt", "128,500"),
        ("buyerCode", "SALES-0042"),
        ("buyerName", "김구매자"),
        ("buyerPhoneNo", "01043116330"),
        ("pgCode", "NICE"),
        ("pgName", "나이스페이먼츠"),
        ("payMethod", "02"),
        ("payMethodName", "신용카드"),
        ("pgMid", "nictest14m"),
        ("pgSid", "SID0001"),
        ("status", "25"),
        ("statusName", "승인"),
        ("pgResultCode", "3001"),
        ("pgResultMsg", "정상 승인"),
        ("pgAppDate", "20251020"),
        ("pgAppTime", "153000"),
        ("pgTid", "nictest14m01012510201530001234"),
        ("approvalAmt", "128,500"),
        ("approvalNo", "30012345"),
        ("cardNo", "536181******1234"),
        ("cardQuota", "03"),
        ("cardIssueCode", "04"),
        ("cardIssueName", "삼성카드"),
        ("cardAcquireCode", "04"),
        ("cardAcquireName", "삼성카드"),
        ("zoneCode", "63122"),
        ("address", "제주시 첨단로 242"),
        ("addressDetail", "3층 302호"),
        ("recipientName", "이수취인"),
        ("recipientPhoneNo", "01055556666"),
        ("comment", "부재 시 경비실"),
        ("stateCd", "0"),
        ("cashReceiptType", "1"),
        ("cashReceiptTypeName", "소득공제"),
        ("cashReceiptSupplyAmt", "116,818"),
        ("cashReceiptVat", "11,682"),
        ("buyerEmail", "buyer@example.co.kr"),
        ("mallReserved", "campaign=winter&coupon=NONE"),
        ("pgStoreName", "테스트가맹점"),
    ]
}

/// The notification as a form body in `charset` (about 1.5 KB in UTF-8).
pub fn notification_body(charset: Charset) -> Vec<u8> {
    let mut e = FormEncoder::new(charset);
    for (name, value) in notification_fields() {
        // Every value is encodable in both charsets.
        let _ = e.append(name, value);
    }
    e.finish().into_bytes()
}

/// The 45 fields as `serde_urlencoded` reads them: 45 `String`s.
#[derive(Debug, Default, serde::Deserialize)]
#[allow(missing_docs, non_snake_case)]
pub struct FortyFiveStrings {
    pub transSeq: String,
    pub userId: String,
    pub userName: String,
    pub userPhoneNo: String,
    pub moid: String,
    pub goodsName: String,
    pub goodsAmt: String,
    pub buyerCode: String,
    pub buyerName: String,
    pub buyerPhoneNo: String,
    pub pgCode: String,
    pub pgName: String,
    pub payMethod: String,
    pub payMethodName: String,
    pub pgMid: String,
    pub pgSid: String,
    pub status: String,
    pub statusName: String,
    pub pgResultCode: String,
    pub pgResultMsg: String,
    pub pgAppDate: String,
    pub pgAppTime: String,
    pub pgTid: String,
    pub approvalAmt: String,
    pub approvalNo: String,
    pub cardNo: String,
    pub cardQuota: String,
    pub cardIssueCode: String,
    pub cardIssueName: String,
    pub cardAcquireCode: String,
    pub cardAcquireName: String,
    pub zoneCode: String,
    pub address: String,
    pub addressDetail: String,
    pub recipientName: String,
    pub recipientPhoneNo: String,
    pub comment: String,
    pub stateCd: String,
    pub cashReceiptType: String,
    pub cashReceiptTypeName: String,
    pub cashReceiptSupplyAmt: String,
    pub cashReceiptVat: String,
    pub buyerEmail: String,
    pub mallReserved: String,
    pub pgStoreName: String,
}

/// The `EncryptData` input of the benchmark: 117 bytes (EdiDate 14 + Mid 10 + Amt 5 +
/// MerchantKey 88).
pub const EDI_DATE: &str = "20251020153000";
/// Mid of the benchmark.
pub const MID: &str = "t_2510201m";
/// Amt of the benchmark.
pub const AMT: &str = "10004";
/// An 88-character merchant key (Base64 of 64 bytes), made up for the benchmark.
pub const MERCHANT_KEY: &str =
    "bWFkZS11cC1tZXJjaGFudC1rZXktZm9yLXRoZS1wZ2tpdC1iZW5jaG1hcmtzLW5vdC1hLXJlYWwta2V5LTEyMzQ1";

/// The 117 bytes `EncryptData` hashes.
pub fn encrypt_data_input() -> String {
    format!("{EDI_DATE}{MID}{AMT}{MERCHANT_KEY}")
}

/// A 159-byte cancel `paramData` (UTF-8 bytes), the AES benchmark's plaintext.
pub fn aes_plaintext() -> String {
    let text = r#"{"SERVICE_MODE":"CL1","Tid":"t_2510201m01012510201530001234","Mid":"t_2510201m","CancelAmt":"10","CancelMsg":"사용자 요청 취소","PartialCancelCode":"0"}"#;
    text.to_owned()
}

/// A full approval response as captured fields list it (PROTOCOL-NOTES).
pub fn approval_response() -> String {
    serde_json::json!({
        "CoNm": "테스트상점", "Tid": "t_2510201m01012510201530001234", "MerchantReserved": "",
        "CardQuota": "00", "AppCardCode": "04", "AppCardName": "삼성", "AcquCardCode": "04",
        "AcquCardName": "삼성", "CardMerchantNo": "123456789", "CardNum": "536181******1234",
        "UsePoint": "0", "BalancePoint": "0", "CardInterest": "0", "ResultCode": "3001",
        "ResultMsg": "카드 결제 성공", "AuthDate": "251020153000", "AuthCode": "30012345",
        "GoodsName": "거래 상품명", "GoodsCnt": "1", "Amt": "1004", "Moid": "Moid20251020",
        "Mid": "t_2510201m", "MallUserId": "user01", "BuyerName": "구매자", "PayMethod": "CARD",
        "BuyerEmail": "noname@smartro.co.kr", "ParentEmail": "", "SubId": "", "MallReserved": "",
        "EdiDate": "20251020152959", "SignValue": "", "BuyerAuthNum": "", "BuyerTel": "01099991111",
        "EscrowCd": "0", "GreenDeposit": "", "Currency": "KRW", "MerInterestCl": "0",
        "CardType": "0", "CardOwnerType": "1"
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_have_the_documented_sizes() {
        assert_eq!(notification_fields().len(), 45);
        let utf8 = notification_body(Charset::Utf8);
        assert!((1400..=1700).contains(&utf8.len()), "{}", utf8.len());
        assert!(notification_body(Charset::EucKr).len() < utf8.len());
        assert_eq!(encrypt_data_input().len(), 117);
        assert_eq!(aes_plaintext().len(), 159);
        let parsed: FortyFiveStrings = serde_urlencoded::from_bytes(&utf8).unwrap();
        assert_eq!(parsed.goodsName, "제주 감귤 선물세트 5kg 외 2건");
        let n = pg_innopay::notification::Notification::decode(
            &notification_body(Charset::EucKr),
            None,
        )
        .unwrap();
        assert_eq!(n.amount().get(), 128_500);
    }
}
