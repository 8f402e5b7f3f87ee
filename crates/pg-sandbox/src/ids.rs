//! Identifiers in the vendors' formats, from one seedable generator: the same seed and the same
//! requests give the same ids, so tests can be reproduced.
//!
//! | id | format |
//! |---|---|
//! | `Tid` (both gateways) | Mid (10) + service code `01` + sub-code (`01` payment, `02` cancel) + `yyMMddHHmmss` + 4 digits = 30 |
//! | approval number | 8 digits |
//! | `TrAuthKey` | 40 letters and digits |
//! | SMS link code | 6 letters and digits (like `innopay.kr/AZBUfx`) |
//! | `transSeq` | 12 digits |

use pg_core::{KstDateTime, KstFormat};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// What a transaction id is for: its sub-code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TidKind {
    /// A payment (sub-code `01`).
    Payment,
    /// A cancel (sub-code `02`).
    Cancel,
}

/// The generator.
#[derive(Debug)]
pub(crate) struct IdGenerator {
    rng: StdRng,
}

impl IdGenerator {
    /// Seeded (reproducible) when `seed` is given, from the OS otherwise.
    pub(crate) fn new(seed: Option<u64>) -> Self {
        IdGenerator {
            rng: match seed {
                Some(seed) => StdRng::seed_from_u64(seed),
                None => StdRng::from_os_rng(),
            },
        }
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    fn alphanumeric(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(ALPHANUMERIC[self.rng.random_range(0..ALPHANUMERIC.len())]))
            .collect()
    }

    /// A 30-character transaction id for merchant `mid` (10 characters) at `now`.
    pub(crate) fn tid(&mut self, mid: &str, kind: TidKind, now: KstDateTime) -> String {
        let sub = match kind {
            TidKind::Payment => "01",
            TidKind::Cancel => "02",
        };
        format!(
            "{mid}01{sub}{}{}",
            now.format(KstFormat::YyMMddHHmmss),
            self.digits(4)
        )
    }

    /// An 8-digit approval number (승인번호).
    pub(crate) fn approval_number(&mut self) -> String {
        self.digits(8)
    }

    /// A one-time approval token (`TrAuthKey`).
    pub(crate) fn tr_auth_key(&mut self) -> String {
        self.alphanumeric(40)
    }

    /// The code of an SMS payment link.
    pub(crate) fn link_code(&mut self) -> String {
        self.alphanumeric(6)
    }

    /// Innopay's transaction sequence (`transSeq`).
    pub(crate) fn trans_seq(&mut self) -> String {
        self.digits(12)
    }

    /// A token naming a browser session (a Web-Link draft, a payment window).
    pub(crate) fn session_token(&mut self) -> String {
        self.alphanumeric(24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> KstDateTime {
        KstDateTime::parse("20251020153000", KstFormat::YyyyMMddHHmmss).unwrap()
    }

    #[test]
    fn formats_follow_the_vendors() {
        let mut ids = IdGenerator::new(Some(7));
        let tid = ids.tid("testpay01m", TidKind::Payment, at());
        assert_eq!(tid.len(), 30);
        assert!(tid.starts_with("testpay01m0101251020153000"), "{tid}");
        let parsed = pg_core::Tid::parse(&tid).unwrap();
        assert_eq!(parsed.mid(), Some("testpay01m"));
        assert_eq!(parsed.timestamp(), Some(at()));
        let cancel = ids.tid("t_2510201m", TidKind::Cancel, at());
        assert!(cancel.starts_with("t_2510201m0102"), "{cancel}");
        assert_eq!(ids.approval_number().len(), 8);
        assert!(ids.tr_auth_key().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(ids.link_code().len(), 6);
        assert!(ids.trans_seq().bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn a_seed_reproduces_the_sequence() {
        let mut a = IdGenerator::new(Some(42));
        let mut b = IdGenerator::new(Some(42));
        for _ in 0..20 {
            assert_eq!(a.tr_auth_key(), b.tr_auth_key());
            assert_eq!(
                a.tid("testpay01m", TidKind::Payment, at()),
                b.tid("testpay01m", TidKind::Payment, at())
            );
        }
        let mut c = IdGenerator::new(Some(43));
        assert_ne!(a.tr_auth_key(), c.tr_auth_key());
    }
}
