//! Failure rehearsal: documented amounts and test cards that make the simulator misbehave on
//! purpose, the way real gateways and networks do on a bad day.
//!
//! **Amounts** act on the server-to-server call that carries them (Innopay `smsPayApi` `amt`,
//! `cancelApi` `cancelAmt`; Smartro `urlCallApproval.do` for a payment of that `Amt`, `cancel.do`
//! `CancelAmt`) and on the notifications of a payment of that amount:
//!
//! | amount (won) | what happens |
//! |---:|---|
//! | 9,408 | the call is carried out, the answer comes after the slow-answer delay (longer than a client's timeout) |
//! | 9,500 | the call is carried out, the answer is HTTP 500 with an HTML error page |
//! | 9,503 | the call is **not** carried out, the answer is HTTP 503 with an empty body |
//! | 9,444 | the call is carried out, the connection is closed without an answer |
//! | 9,202 | each notification of the payment is delivered twice |
//! | 9,409 | each notification of the payment carries a tampered amount (100 won) |
//! | 9,418 | notifications carry an unknown pay method (Innopay `payMethod=17`, Smartro `PayMethod=APPLEPAY`) |
//! | 9,419 | notifications carry an unknown status (Innopay `status=35`, Smartro `state_cd=7`, `ResultCode=3099`) |
//!
//! **Test cards** (any expiry in the future; any other Luhn-valid number is approved):
//!
//! | card number | result |
//! |---|---|
//! | 4242 4242 4242 4242 | approved (신한) |
//! | 5555 5555 5555 4444 | approved (KB국민) |
//! | 9410 0000 0000 0005 | approved (비씨) |
//! | 4000 0000 0000 0002 | declined `3011` 카드 승인 거절 |
//! | 4000 0000 0000 9995 | declined `3012` 한도 초과 |
//! | 4000 0000 0000 0069 | declined `3013` 유효기간 경과 카드 |
//! | 4000 0000 0000 0127 | declined `3014` 카드 비밀번호 오류 |

use serde::Serialize;

/// What a call carrying an amount does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallBehaviour {
    /// Answers normally.
    Normal,
    /// Carried out; answered after the slow-answer delay.
    SlowAnswer,
    /// Carried out; HTTP 500 with an HTML error page.
    ServerError,
    /// Not carried out; HTTP 503 with an empty body.
    Unavailable,
    /// Carried out; the connection is closed without an answer.
    DropConnection,
}

impl CallBehaviour {
    /// Whether the simulator carries the call out before misbehaving.
    pub fn carries_out(self) -> bool {
        self != CallBehaviour::Unavailable
    }
}

/// What a payment's notifications do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotifyBehaviour {
    /// Sent once, faithfully.
    Normal,
    /// Each notification is delivered twice.
    Twice,
    /// The amount is replaced by [`TAMPERED_AMOUNT`].
    TamperedAmount,
    /// The pay method is one the manuals do not list.
    UnknownPayMethod,
    /// The status is one the manuals do not list.
    UnknownStatus,
}

impl NotifyBehaviour {
    /// What a delivery's record says about it; `amount` is the true amount.
    pub fn note(self, amount: u64) -> Option<String> {
        match self {
            NotifyBehaviour::Normal => None,
            NotifyBehaviour::Twice => Some("failure rehearsal: delivered twice".into()),
            NotifyBehaviour::TamperedAmount => Some(format!(
                "failure rehearsal: amount tampered ({TAMPERED_AMOUNT} instead of {amount})"
            )),
            NotifyBehaviour::UnknownPayMethod => {
                Some("failure rehearsal: a pay method the manuals do not list".into())
            }
            NotifyBehaviour::UnknownStatus => {
                Some("failure rehearsal: a status the manuals do not list".into())
            }
        }
    }
}

/// The amount a tampered notification carries.
pub const TAMPERED_AMOUNT: u64 = 100;

/// The behaviour of a call carrying `amount`.
pub fn call_behaviour(amount: u64) -> CallBehaviour {
    match amount {
        9_408 => CallBehaviour::SlowAnswer,
        9_500 => CallBehaviour::ServerError,
        9_503 => CallBehaviour::Unavailable,
        9_444 => CallBehaviour::DropConnection,
        _ => CallBehaviour::Normal,
    }
}

/// The behaviour of the notifications of a payment of `amount`.
pub fn notify_behaviour(amount: u64) -> NotifyBehaviour {
    match amount {
        9_202 => NotifyBehaviour::Twice,
        9_409 => NotifyBehaviour::TamperedAmount,
        9_418 => NotifyBehaviour::UnknownPayMethod,
        9_419 => NotifyBehaviour::UnknownStatus,
        _ => NotifyBehaviour::Normal,
    }
}

/// A decline: the code and message the card company answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decline {
    /// Result code.
    pub code: &'static str,
    /// Result message.
    pub message: &'static str,
}

/// A card as the simulator reads it: issuer and what happens when it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestCard {
    /// Issuer and acquirer code (manual appendix 5).
    pub company: &'static str,
    /// The number masked as the gateways send it: digits 7 to 12 hidden.
    pub masked: String,
    /// `None`: approved.
    pub decline: Option<Decline>,
}

const DECLINES: [(&str, Decline); 4] = [
    (
        "4000000000000002",
        Decline {
            code: "3011",
            message: "카드 승인 거절",
        },
    ),
    (
        "4000000000009995",
        Decline {
            code: "3012",
            message: "한도 초과",
        },
    ),
    (
        "4000000000000069",
        Decline {
            code: "3013",
            message: "유효기간 경과 카드",
        },
    ),
    (
        "4000000000000127",
        Decline {
            code: "3014",
            message: "카드 비밀번호 오류",
        },
    ),
];

/// Why a card number is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Not 14 to 16 digits (spaces and `-` aside).
    #[error("카드번호는 14~16자리 숫자입니다")]
    Length,
    /// Fails the Luhn check.
    #[error("유효하지 않은 카드번호입니다 (Luhn)")]
    Checksum,
}

/// Reads a card number typed by a buyer: digits, with spaces or `-` between groups.
pub fn read_card(typed: &str) -> Result<TestCard, CardError> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(14..=16).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::Length);
    }
    if !pg_core::card_number::luhn(digits.bytes().map(|b| b - b'0')) {
        return Err(CardError::Checksum);
    }
    let decline = DECLINES
        .iter()
        .find(|(number, _)| *number == digits)
        .map(|(_, d)| *d);
    let company = match digits.as_bytes()[0] {
        b'5' => "02",
        b'9' => "01",
        b'3' => "07",
        _ => "06",
    };
    let masked = format!("{}******{}", &digits[..6], &digits[digits.len() - 4..]);
    Ok(TestCard {
        company,
        masked,
        decline,
    })
}

/// Reads an expiry typed as `MM/YY`, `MMYY` or `MM/YYYY`: `(year, month)`.
pub fn read_expiry(typed: &str) -> Option<(i32, u8)> {
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    let (month, year) = match digits.len() {
        4 => (&digits[..2], format!("20{}", &digits[2..])),
        6 => (&digits[..2], digits[2..].to_owned()),
        _ => return None,
    };
    let month: u8 = month.parse().ok()?;
    let year: i32 = year.parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards() {
        let ok = read_card("4242 4242 4242 4242").unwrap();
        assert_eq!((ok.company, ok.masked.as_str()), ("06", "424242******4242"));
        assert_eq!(ok.decline, None);
        assert_eq!(read_card("5555-5555-5555-4444").unwrap().company, "02");
        assert_eq!(read_card("9410000000000005").unwrap().company, "01");
        for (number, decline) in DECLINES {
            assert_eq!(read_card(number).unwrap().decline, Some(decline));
        }
        assert_eq!(read_card("4242424242424241"), Err(CardError::Checksum));
        assert_eq!(read_card("4242"), Err(CardError::Length));
        assert_eq!(read_card("4242x4242424242424"), Err(CardError::Length));
    }

    #[test]
    fn behaviours() {
        assert_eq!(call_behaviour(9_408), CallBehaviour::SlowAnswer);
        assert!(!call_behaviour(9_503).carries_out());
        assert!(call_behaviour(9_444).carries_out());
        assert_eq!(call_behaviour(10_005), CallBehaviour::Normal);
        assert_eq!(notify_behaviour(9_202), NotifyBehaviour::Twice);
        assert_eq!(notify_behaviour(1_000), NotifyBehaviour::Normal);
        assert_eq!(read_expiry("12/30"), Some((2030, 12)));
        assert_eq!(read_expiry("0131"), Some((2031, 1)));
        assert_eq!(read_expiry("13/30"), None);
    }
}
