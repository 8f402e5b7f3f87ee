//! Payment-result notification (결제 결과 통보, manual 4.2): Innopay posts every approval and
//! cancel to the merchant's URL and resends (1–60 min apart, up to 10 times) until the answer is
//! exactly [`ACKNOWLEDGEMENT`] (`0000`).
//!
//! ```
//! use pg_innopay::notification::{Notification, NotificationStatus, PayMethod};
//! let body = b"moid=order-1&pgTid=testpay01m01011801181105238578&status=25&payMethod=02\
//!              &approvalAmt=10%2C005&cardIssueCode=04&cardNo=4111111111111111";
//! let n = Notification::decode(body, None)?;
//! assert_eq!(n.status, NotificationStatus::Approved);
//! assert_eq!(n.pay_method, Some(PayMethod::Card));
//! assert_eq!(n.amount().get(), 10_005);
//! assert_eq!(n.card.unwrap().number.unwrap().as_str(), "411111******1111");
//! # Ok::<(), pg_core::InvalidInput>(())
//! ```

mod decode;
mod encode;
mod goods;
mod names;

use std::fmt;

use pg_core::{
    CardCompany, Charset, CompactString, KstDateTime, MaskedCardNumber, Moid, Secret, Tid, Warning,
    Won,
};
use serde::{Serialize, Serializer};

/// The body Innopay expects once the notification is safely stored. Anything else (or no
/// answer) makes it resend.
pub const ACKNOWLEDGEMENT: &[u8] = b"0000";

/// A decoded notification, every field of manual 4.2.1–4.2.6 typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// `transSeq`, Innopay's transaction sequence (거래번호).
    pub trans_seq: Option<CompactString>,
    /// `userId` (사용자아이디).
    pub user_id: Option<CompactString>,
    /// `userName` (사용자이름).
    pub user_name: Option<CompactString>,
    /// `userPhoneNo` (사용자휴대폰 번호).
    pub user_phone_no: Option<CompactString>,
    /// `moid`, the order number (주문번호). Always present.
    pub moid: Moid,
    /// `goodsName` (상품명).
    pub goods_name: Option<CompactString>,
    /// `goodsAmt` (상품금액).
    pub goods_amount: Option<Won>,
    /// `buyerCode` (구매자코드, e.g. a salesperson code).
    pub buyer_code: Option<CompactString>,
    /// `buyerName` (구매자명).
    pub buyer_name: Option<CompactString>,
    /// `buyerPhoneNo` (구매자휴대폰 번호).
    pub buyer_phone_no: Option<CompactString>,
    /// `pgCode` (PG 코드).
    pub pg_code: Option<CompactString>,
    /// `pgName` (PG 명).
    pub pg_name: Option<CompactString>,
    /// `payMethod` (결제수단).
    pub pay_method: Option<PayMethod>,
    /// `payMethodName` (결제수단명).
    pub pay_method_name: Option<CompactString>,
    /// `pgMid` (PG 아이디).
    pub pg_mid: Option<CompactString>,
    /// `pgSid` (PG 서비스아이디).
    pub pg_sid: Option<CompactString>,
    /// `status` (거래상태): `25` approved, `85` cancelled. Always present.
    pub status: NotificationStatus,
    /// `statusName` (거래상태명).
    pub status_name: Option<CompactString>,
    /// `pgResultCode` (PG 결과코드).
    pub pg_result_code: Option<CompactString>,
    /// `pgResultMsg` (PG 결과메세지).
    pub pg_result_message: Option<CompactString>,
    /// `pgAppDate` (PG 승인일자), as sent.
    pub pg_app_date: Option<CompactString>,
    /// `pgAppTime` (PG 승인시간), as sent.
    pub pg_app_time: Option<CompactString>,
    /// `pgTid`, the transaction id (PG 거래번호). Always present.
    pub pg_tid: Tid,
    /// `approvalAmt` (승인금액).
    pub approval_amount: Option<Won>,
    /// `approvalNo` (승인번호).
    pub approval_number: Option<CompactString>,
    /// Cash payments (4.2.2).
    pub cash_receipt: Option<CashReceipt>,
    /// Card payments (4.2.3).
    pub card: Option<CardDetails>,
    /// Cancels (4.2.4).
    pub cancel: Option<CancelDetails>,
    /// Goods (4.2.5), the arrays zipped into line items.
    pub goods: Vec<LineItem>,
    /// Shipping (4.2.6).
    pub shipping: Option<Shipping>,
    /// `stateCd`, sent by some variants.
    pub state_code: Option<CompactString>,
    /// `billKey`, sent by auto-billing variants: a secret.
    pub bill_key: Option<BillingKey>,
    /// Fields the manual does not list, and listed fields whose value could not be read, in
    /// order, as received.
    pub extra: Vec<(CompactString, CompactString)>,
    /// What could not be read but did not stop the notification (an odd receipt amount, goods
    /// arrays that disagree): each field, what is wrong, and the value received.
    pub warnings: Vec<Warning>,
    /// The charset the body was in.
    pub charset: Charset,
}

impl Notification {
    /// The amount this notification moves: a cancel's `cancelAmt`, an approval's amount.
    /// Decoding guarantees it (a cancel without `cancelAmt` is refused).
    pub fn amount(&self) -> Won {
        match (&self.status, &self.cancel) {
            (
                NotificationStatus::Cancelled,
                Some(CancelDetails {
                    amount: Some(a), ..
                }),
            ) => *a,
            _ => self.approved_amount(),
        }
    }

    /// The payment's approved amount: `approvalAmt`, else `goodsAmt` (decoding guarantees one
    /// of them). On a cancel, the original payment's amount.
    pub fn approved_amount(&self) -> Won {
        self.approval_amount
            .or(self.goods_amount)
            .unwrap_or(Won::ZERO)
    }

    /// When the PG approved, from `pgAppDate` + `pgAppTime` (KST), when both parse.
    pub fn approved_at(&self) -> Option<KstDateTime> {
        let date = self.pg_app_date.as_deref()?;
        let time = self.pg_app_time.as_deref()?;
        KstDateTime::parse_date_and_time(date, time).ok()
    }

    /// The acknowledgement body, `0000`.
    pub fn acknowledgement() -> &'static [u8] {
        ACKNOWLEDGEMENT
    }
}

/// `payMethod` (결제수단).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayMethod {
    /// `01` cash (현금).
    Cash,
    /// `02` card (신용카드).
    Card,
    /// `03` card by ARS phone call (신용카드 ARS).
    CardArs,
    /// `09` auto-billing (자동결제).
    AutoBilling,
    /// A code the manual does not list, kept as received.
    Other(CompactString),
}

impl PayMethod {
    /// The method of a code.
    pub fn from_code(code: &str) -> Self {
        match code {
            "01" => PayMethod::Cash,
            "02" => PayMethod::Card,
            "03" => PayMethod::CardArs,
            "09" => PayMethod::AutoBilling,
            other => PayMethod::Other(other.into()),
        }
    }

    /// The code.
    pub fn code(&self) -> &str {
        match self {
            PayMethod::Cash => "01",
            PayMethod::Card => "02",
            PayMethod::CardArs => "03",
            PayMethod::AutoBilling => "09",
            PayMethod::Other(code) => code,
        }
    }
}

/// `status` (거래상태).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotificationStatus {
    /// `25` approved (승인).
    Approved,
    /// `85` cancelled (취소).
    Cancelled,
    /// A code the manual does not list, kept as received.
    Other(CompactString),
}

impl NotificationStatus {
    /// The status of a code.
    pub fn from_code(code: &str) -> Self {
        match code {
            "25" => NotificationStatus::Approved,
            "85" => NotificationStatus::Cancelled,
            other => NotificationStatus::Other(other.into()),
        }
    }

    /// The code.
    pub fn code(&self) -> &str {
        match self {
            NotificationStatus::Approved => "25",
            NotificationStatus::Cancelled => "85",
            NotificationStatus::Other(code) => code,
        }
    }
}

macro_rules! serialize_as_code {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }
    )*};
}

serialize_as_code!(PayMethod, NotificationStatus, CashReceiptKind);

/// `cashReceiptType` (증빙구분).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CashReceiptKind {
    /// `1` income deduction (소득공제).
    IncomeDeduction,
    /// `2` proof of expense (지출증빙).
    ExpenseProof,
    /// A code the manual does not list.
    Other(CompactString),
}

impl CashReceiptKind {
    /// The kind of a code.
    pub fn from_code(code: &str) -> Self {
        match code {
            "1" => CashReceiptKind::IncomeDeduction,
            "2" => CashReceiptKind::ExpenseProof,
            other => CashReceiptKind::Other(other.into()),
        }
    }

    /// The code.
    pub fn code(&self) -> &str {
        match self {
            CashReceiptKind::IncomeDeduction => "1",
            CashReceiptKind::ExpenseProof => "2",
            CashReceiptKind::Other(code) => code,
        }
    }
}

/// Cash receipt block (4.2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CashReceipt {
    /// `cashReceiptType`.
    pub kind: Option<CashReceiptKind>,
    /// `cashReceiptTypeName`.
    pub kind_name: Option<CompactString>,
    /// `cashReceiptSupplyAmt` (공급가).
    pub supply_amount: Option<Won>,
    /// `cashReceiptVat` (부가세).
    pub vat: Option<Won>,
}

/// Card block (4.2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardDetails {
    /// `cardNo`, masked (first 6 and last 4 digits at most).
    pub number: Option<MaskedCardNumber>,
    /// `cardQuota`, installment months (할부개월, `00` lump sum).
    pub quota: Option<CompactString>,
    /// `cardIssueCode`, the issuer (발급사).
    pub issuer: Option<CardCompany>,
    /// `cardIssueName`.
    pub issuer_name: Option<CompactString>,
    /// `cardAcquireCode`, the acquirer (매입사).
    pub acquirer: Option<CardCompany>,
    /// `cardAcquireName`.
    pub acquirer_name: Option<CompactString>,
}

/// Cancel block (4.2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CancelDetails {
    /// `cancelAmt` (취소요청금액).
    pub amount: Option<Won>,
    /// `cancelMsg` (취소요청메세지).
    pub message: Option<CompactString>,
    /// `cancelResultCode` (취소결과코드).
    pub result_code: Option<CompactString>,
    /// `cancelResultMsg`.
    pub result_message: Option<CompactString>,
    /// `cancelAppDate` (취소승인일자).
    pub app_date: Option<CompactString>,
    /// `cancelAppTime` (취소승인시간).
    pub app_time: Option<CompactString>,
    /// `cancelPgTid`.
    pub pg_tid: Option<Tid>,
    /// `cancelApprovalAmt`.
    pub approval_amount: Option<Won>,
    /// `cancelApprovalNo`.
    pub approval_number: Option<CompactString>,
}

/// One line of the goods arrays (4.2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineItem {
    /// `goodsCodeArray[]` (상품코드).
    pub code: Option<CompactString>,
    /// `goodsNameArray[]` (상품명).
    pub name: Option<CompactString>,
    /// `goodsAmtArray[]` (상품금액).
    pub amount: Option<Won>,
    /// `goodsCntArray[]` (상품수량).
    pub count: Option<u64>,
    /// `totalAmtArray[]` (총금액).
    pub total: Option<Won>,
}

/// Shipping block (4.2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Shipping {
    /// `zoneCode` (우편번호).
    pub zone_code: Option<CompactString>,
    /// `address` (주소 1).
    pub address: Option<CompactString>,
    /// `addressDetail` (주소 2).
    pub address_detail: Option<CompactString>,
    /// `recipientName` (수취인명).
    pub recipient_name: Option<CompactString>,
    /// `recipientPhoneNo` (수취인연락처).
    pub recipient_phone_no: Option<CompactString>,
    /// `comment` (메모).
    pub comment: Option<CompactString>,
}

/// A billing key (`billKey`): lets the merchant charge the card again, so it is a secret.
#[derive(Clone)]
pub struct BillingKey(Secret);

impl BillingKey {
    /// Wraps a billing key.
    pub fn new(value: impl Into<String>) -> Self {
        BillingKey(Secret::new(value))
    }

    /// The key. Use only to charge.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl PartialEq for BillingKey {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for BillingKey {}

impl fmt::Debug for BillingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BillingKey(***)")
    }
}

impl Serialize for BillingKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}
