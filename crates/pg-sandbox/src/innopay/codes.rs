//! Innopay result codes of order registration. The manual documents only `0000` (order
//! registered); every failure code below is the simulator's own, documented in the README, so
//! that a test can tell refusals apart. Cancel codes are in [`crate::cancellation`].

/// SMS order registered (주문등록 완료).
pub(crate) const REGISTERED: &str = "0000";
/// A field breaks the manual's table (파라미터 오류).
pub(crate) const BAD_PARAMETER: &str = "9001";
/// Unknown `Mid` (미등록 상점).
pub(crate) const UNKNOWN_MERCHANT: &str = "9002";
/// `LicenseKey` does not match (라이선스키 불일치).
pub(crate) const BAD_LICENSE_KEY: &str = "9003";
/// `PgMID` is not the merchant's (PG 상점아이디 불일치).
pub(crate) const BAD_PG_MID: &str = "9004";
/// The merchant already has this order number (중복 주문번호).
pub(crate) const DUPLICATE_MOID: &str = "9005";
/// The payment deadline has passed or is malformed (결제마감기한 오류).
pub(crate) const BAD_DEADLINE: &str = "9006";
/// The staff or buyer closed the Web-Link window before registering (사용자 취소).
pub(crate) const USER_CANCELLED: &str = "9007";
/// The simulator could not do its part (시스템 오류).
pub(crate) const SYSTEM_ERROR: &str = "9999";
