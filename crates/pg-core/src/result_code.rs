//! Documented result codes of both gateways, generated from `data/result-codes.tsv`, and how
//! they classify.

#[path = "generated/result_code.rs"]
mod generated;

pub use generated::{RESULT_CODES, ResultCodeInfo, ResultOutcome};

/// The documented entry for `code` of `operation` at `gateway`, if any.
pub fn lookup(gateway: &str, operation: &str, code: &str) -> Option<&'static ResultCodeInfo> {
    RESULT_CODES
        .iter()
        .find(|r| r.gateway == gateway && r.operation == operation && r.code == code)
}

/// What `code` means for the caller: documented success and already-done codes, and failure
/// for everything else (an undocumented code is never taken for success).
pub fn classify(gateway: &str, operation: &str, code: &str) -> ResultOutcome {
    lookup(gateway, operation, code.trim()).map_or(ResultOutcome::Failure, |r| r.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_documented_codes() {
        assert_eq!(
            classify("innopay", "cancel", "2001"),
            ResultOutcome::Success
        );
        assert_eq!(
            classify("innopay", "cancel", "2211"),
            ResultOutcome::Success
        );
        assert_eq!(
            classify("innopay", "cancel", "2013"),
            ResultOutcome::AlreadyDone
        );
        assert_eq!(
            classify("innopay", "cancel", "2026"),
            ResultOutcome::Failure
        );
        assert_eq!(
            classify("innopay", "sms-pay", "0000"),
            ResultOutcome::Success
        );
        assert_eq!(
            classify("smartro", "approval", "3001"),
            ResultOutcome::Success
        );
        assert_eq!(
            classify("smartro", "member-deletion", "PS40"),
            ResultOutcome::Success
        );
    }

    #[test]
    fn anything_else_is_failure() {
        assert_eq!(
            classify("innopay", "cancel", "0000"),
            ResultOutcome::Failure
        );
        assert_eq!(
            classify("smartro", "approval", "2001"),
            ResultOutcome::Failure
        );
        assert_eq!(classify("smartro", "approval", ""), ResultOutcome::Failure);
    }
}
