//! The flag behind each wire field, so that a refusal of a command's input names what the user
//! typed (`--amount`) beside the gateway's name for it (`amt`).

use crate::report::Failure;

/// Wire field (any case) -> the flag that sets it, across the Innopay and Smartro commands.
const FLAGS: &[(&str, &str)] = &[
    ("moid", "--moid"),
    ("amt", "--amount"),
    ("cancelAmt", "--amount"),
    ("goodsName", "--goods-name"),
    ("goodsCnt", "--goods-count"),
    ("buyerName", "--buyer-name"),
    ("buyerTel", "--buyer-phone"),
    ("buyerHp", "--buyer-phone"),
    ("buyerEmail", "--buyer-email"),
    ("dutyFreeAmt", "--duty-free-amount"),
    ("payExpDate", "--deadline"),
    ("userId", "--user-id"),
    ("svcPrdtCd", "--sub-method"),
    ("returnUrl", "--return-url"),
    ("stopUrl", "--stop-url"),
    ("mallUserId", "--mall-user-id"),
    ("mallReserved", "--mall-reserved"),
    ("cardQuota", "--card-quota"),
    ("fnCd", "--card-company"),
    ("encodingType", "--encoding-type"),
    ("skinColor", "--skin-color"),
    ("encoding", "--encoding"),
    ("requestType", "--request-type"),
    ("tid", "--tid"),
    ("cancelMsg", "--reason"),
    ("cancelSeq", "--sequence"),
    ("cancelTaxAmt", "--tax-amount"),
    ("cancelTaxFreeAmt", "--tax-free-amount"),
    ("cancelVatAmt", "--vat-amount"),
    ("refundBankCd", "--refund-bank-code"),
    ("refundAcctNm", "--refund-holder"),
    ("mid", "--mid"),
    ("pgMid", "--pg-mid"),
    ("sspMallId", "--ssp-mall-id"),
    ("trAuthKey", "--tr-auth-key"),
];

/// The flag that sets `field`, if a command has one.
pub(crate) fn flag_of(field: &str) -> Option<&'static str> {
    FLAGS
        .iter()
        .find(|(wire, _)| wire.eq_ignore_ascii_case(field))
        .map(|(_, flag)| *flag)
}

impl Failure {
    /// Names the flag of each refused field in the message: `--amount (amt) must be more than
    /// 0`. The JSON violations keep the wire names.
    pub(crate) fn naming_flags(mut self) -> Self {
        if self.violations.is_empty() {
            return self;
        }
        let parts: Vec<String> = self
            .violations
            .iter()
            .map(|(field, rule)| match flag_of(field) {
                Some(flag) => format!("{flag} ({field}) {rule}"),
                None => format!("{field} {rule}"),
            })
            .collect();
        self.message = format!("invalid input: {}", parts.join("; "));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_flag() {
        assert_eq!(flag_of("Amt"), Some("--amount"));
        assert_eq!(flag_of("BuyerEmail"), Some("--buyer-email"));
        assert_eq!(flag_of("device"), None);
        let failure = Failure::field("amt", "must be more than 0").naming_flags();
        assert_eq!(
            failure.message,
            "invalid input: --amount (amt) must be more than 0"
        );
        assert_eq!(failure.violations[0].0, "amt");
    }
}
