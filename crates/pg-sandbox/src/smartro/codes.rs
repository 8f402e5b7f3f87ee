//! Smartro PAY result codes. The guide and PROTOCOL-NOTES document `3001` (approved), `2001` /
//! `2013` (cancel, in [`crate::cancellation`]) and `PD00` / `PS40` (member deleted); every
//! other code below is the simulator's own, documented in the README.

/// Card approval succeeded (카드 승인 성공).
pub(crate) const APPROVED: &str = "3001";

/// Payment window: a field breaks the guide's table (파라미터 오류).
pub(crate) const WINDOW_BAD_PARAMETER: &str = "W001";
/// Payment window: `EncryptData` does not verify (위변조 검증 실패).
pub(crate) const WINDOW_BAD_ENCRYPT_DATA: &str = "W002";
/// Payment window: `EdiDate` is too far from the clock (전문생성일시 오류).
pub(crate) const WINDOW_STALE_EDI_DATE: &str = "W003";
/// Payment window: unknown `Mid` (미등록 상점).
pub(crate) const WINDOW_UNKNOWN_MERCHANT: &str = "W004";
/// Payment window: `SspMallId` is not the merchant's (간편결제 가맹점 ID 불일치).
pub(crate) const WINDOW_BAD_SSP_MALL_ID: &str = "W005";
/// Payment window: the identity verification does not match `BuyerName`/`BuyerTel`
/// (본인인증 정보 불일치).
pub(crate) const WINDOW_IDENTITY_MISMATCH: &str = "W006";
/// Payment window: wrong SS-Pay password (결제 비밀번호 오류).
pub(crate) const WINDOW_BAD_PASSWORD: &str = "W007";
/// Payment window: the order is already paid (이미 결제된 주문번호).
pub(crate) const WINDOW_ALREADY_PAID: &str = "W008";
/// Payment window: the card cannot be registered (카드 등록 오류).
pub(crate) const WINDOW_BAD_CARD: &str = "W009";
/// Stop result: the buyer stopped paying (사용자 결제 중단).
pub(crate) const STOPPED: &str = "W100";

/// Approval: no such transaction (거래 없음).
pub(crate) const APPROVAL_UNKNOWN_TID: &str = "A001";
/// Approval: `TrAuthKey` does not match (인증키 불일치).
pub(crate) const APPROVAL_BAD_KEY: &str = "A002";
/// Approval: `TrAuthKey` was already used (이미 승인 요청된 거래).
pub(crate) const APPROVAL_KEY_USED: &str = "A003";
/// Approval: `TrAuthKey` expired (인증 유효시간 초과).
pub(crate) const APPROVAL_KEY_EXPIRED: &str = "A004";
/// Approval: a field is missing or malformed (파라미터 오류).
pub(crate) const APPROVAL_BAD_PARAMETER: &str = "A005";

/// Member deleted with its cards (회원정보와 등록된 카드 정보 삭제).
pub(crate) const MEMBER_DELETED: &str = "PD00";
/// Member deleted; it had no card (등록된 카드 정보가 없는 경우 회원 정보 삭제).
pub(crate) const MEMBER_DELETED_NO_CARD: &str = "PS40";
/// `EncData` cannot be decrypted with the merchant key (복호화 실패).
pub(crate) const MEMBER_BAD_ENC_DATA: &str = "PF01";
/// `VerifyValue` does not verify (위·변조 검증 실패).
pub(crate) const MEMBER_BAD_VERIFY_VALUE: &str = "PF02";
/// No such member (회원정보 없음).
pub(crate) const MEMBER_UNKNOWN: &str = "PF03";
/// A field is missing or malformed (파라미터 오류).
pub(crate) const MEMBER_BAD_PARAMETER: &str = "PF04";
/// Unknown `Mid`, or the encrypted `Mid`/`SspMallId` are not the merchant's (상점 정보 불일치).
pub(crate) const MEMBER_BAD_MERCHANT: &str = "PF05";

/// The window's codes, which a refusal page hands back to [`known`].
const WINDOW_CODES: [&str; 10] = [
    WINDOW_BAD_PARAMETER,
    WINDOW_BAD_ENCRYPT_DATA,
    WINDOW_STALE_EDI_DATE,
    WINDOW_UNKNOWN_MERCHANT,
    WINDOW_BAD_SSP_MALL_ID,
    WINDOW_IDENTITY_MISMATCH,
    WINDOW_BAD_PASSWORD,
    WINDOW_ALREADY_PAID,
    WINDOW_BAD_CARD,
    STOPPED,
];

/// The window code equal to `code`; [`STOPPED`] for any other text.
pub(crate) fn known(code: &str) -> &'static str {
    WINDOW_CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or(STOPPED)
}
