//! The field names of a notification (manual 4.2.1-4.2.6) and how a received name is looked up:
//! one multiply-shift hash of the name's length and four of its bytes into a table built (and
//! checked free of collisions) at compile time, then one comparison.
//!
//! Hand-written because the compiler lowers a `match` on 63 strings to a chain of comparisons:
//! under `cargo xtask bench` (notification_set) looking names up that way and then trying the
//! goods arrays took 9% of decoding a card approval with goods arrays; this takes under 2%.

/// Declares the scalar fields once: an index per field, its wire name, in table order.
macro_rules! scalar_fields {
    ($($variant:ident = $name:literal,)*) => {
        /// A scalar field of the manual, in table order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum F {
            $($variant,)*
        }

        /// Every scalar field's wire name, in table order.
        pub(super) const SCALARS: &[&str] = &[$($name,)*];

        /// Every scalar field, in table order (`FIELDS[f as usize] == f`).
        const FIELDS: &[F] = &[$(F::$variant,)*];
    };
}

scalar_fields! {
    TransSeq = "transSeq",
    UserId = "userId",
    UserName = "userName",
    UserPhoneNo = "userPhoneNo",
    Moid = "moid",
    GoodsName = "goodsName",
    GoodsAmt = "goodsAmt",
    BuyerCode = "buyerCode",
    BuyerName = "buyerName",
    BuyerPhoneNo = "buyerPhoneNo",
    PgCode = "pgCode",
    PgName = "pgName",
    PayMethod = "payMethod",
    PayMethodName = "payMethodName",
    PgMid = "pgMid",
    PgSid = "pgSid",
    Status = "status",
    StatusName = "statusName",
    PgResultCode = "pgResultCode",
    PgResultMsg = "pgResultMsg",
    PgAppDate = "pgAppDate",
    PgAppTime = "pgAppTime",
    PgTid = "pgTid",
    ApprovalAmt = "approvalAmt",
    ApprovalNo = "approvalNo",
    CashReceiptType = "cashReceiptType",
    CashReceiptTypeName = "cashReceiptTypeName",
    CashReceiptSupplyAmt = "cashReceiptSupplyAmt",
    CashReceiptVat = "cashReceiptVat",
    CardNo = "cardNo",
    CardQuota = "cardQuota",
    CardIssueCode = "cardIssueCode",
    CardIssueName = "cardIssueName",
    CardAcquireCode = "cardAcquireCode",
    CardAcquireName = "cardAcquireName",
    CancelAmt = "cancelAmt",
    CancelMsg = "cancelMsg",
    CancelResultCode = "cancelResultCode",
    CancelResultMsg = "cancelResultMsg",
    CancelAppDate = "cancelAppDate",
    CancelAppTime = "cancelAppTime",
    CancelPgTid = "cancelPgTid",
    CancelApprovalAmt = "cancelApprovalAmt",
    CancelApprovalNo = "cancelApprovalNo",
    GoodsSize = "goodsSize",
    ZoneCode = "zoneCode",
    Address = "address",
    AddressDetail = "addressDetail",
    RecipientName = "recipientName",
    RecipientPhoneNo = "recipientPhoneNo",
    Comment = "comment",
    StateCd = "stateCd",
    BillKey = "billKey",
}

/// The goods arrays (4.2.5), sent as repeated `name[]` (or `name`) keys.
pub(super) const ARRAYS: [&str; 5] = [
    "goodsCodeArray",
    "goodsNameArray",
    "goodsAmtArray",
    "goodsCntArray",
    "totalAmtArray",
];

/// The goods arrays' names as most senders spell them, `name[]` ([`ARRAYS`] order).
const BRACKETED: [&str; 5] = [
    "goodsCodeArray[]",
    "goodsNameArray[]",
    "goodsAmtArray[]",
    "goodsCntArray[]",
    "totalAmtArray[]",
];

pub(super) const SCALAR_COUNT: usize = SCALARS.len();

/// What a received name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    /// A scalar field.
    Scalar(F),
    /// One of the goods arrays (its index in [`ARRAYS`]), without an index of its own.
    Array(usize),
}

/// Every name the table holds: the scalars, then the arrays, then the arrays with `[]`.
const NAMES: [&str; SCALAR_COUNT + 10] = {
    let mut names = [""; SCALAR_COUNT + 10];
    let mut i = 0;
    while i < SCALAR_COUNT {
        names[i] = SCALARS[i];
        i += 1;
    }
    let mut a = 0;
    while a < 5 {
        names[SCALAR_COUNT + a] = ARRAYS[a];
        names[SCALAR_COUNT + 5 + a] = BRACKETED[a];
        a += 1;
    }
    names
};

/// The multiplier of [`slot`]: any odd constant under which the known names land in distinct
/// slots (the table's construction refuses to compile otherwise).
const MULTIPLIER: u64 = 0x6920_1286_b9d9_b225;

/// No name in this slot.
const EMPTY: u8 = u8::MAX;

/// The slot of a name: its length, first, last, third-from-last and sixth (or last) bytes, mixed
/// by one multiplication. Names of fewer than 4 bytes all go to slot 0 (none is known).
const fn slot(name: &[u8]) -> usize {
    let n = name.len();
    if n < 4 {
        return 0;
    }
    let sixth = if n > 5 { name[5] } else { name[n - 1] };
    let key = (n as u64 & 0xFF)
        | (name[0] as u64) << 8
        | (name[n - 1] as u64) << 16
        | (name[n - 3] as u64) << 24
        | (sixth as u64) << 32;
    (key.wrapping_mul(MULTIPLIER) >> 56) as usize
}

/// Slot -> index in [`NAMES`], or [`EMPTY`].
const TABLE: [u8; 256] = {
    let mut table = [EMPTY; 256];
    let mut i = 0;
    while i < NAMES.len() {
        let s = slot(NAMES[i].as_bytes());
        assert!(
            table[s] == EMPTY && s != 0,
            "two field names share a slot: choose another MULTIPLIER"
        );
        table[s] = i as u8;
        i += 1;
    }
    table
};

/// Looks a received (decoded) name up.
#[inline]
pub(super) fn known(name: &str) -> Option<Known> {
    let index = usize::from(TABLE[slot(name.as_bytes())]);
    if !NAMES
        .get(index)
        .is_some_and(|n| same(n.as_bytes(), name.as_bytes()))
    {
        return None;
    }
    Some(match FIELDS.get(index) {
        Some(f) => Known::Scalar(*f),
        None => Known::Array((index - SCALAR_COUNT) % 5),
    })
}

/// `a == b` for names of 4 to 24 bytes in at most three 8-byte (or two 4-byte) comparisons,
/// inline: the library `memcmp` call `==` makes cost a sixth of decoding a notification's names.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    fn word(bytes: &[u8], at: usize) -> u64 {
        bytes
            .get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }
    fn half(bytes: &[u8], at: usize) -> u32 {
        bytes
            .get(at..at + 4)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        // Overlapping windows cover every byte.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=24 => {
            word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, n - 8) == word(b, n - 8)
        }
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_found_as_itself() {
        for (i, name) in SCALARS.iter().enumerate() {
            assert_eq!(known(name), Some(Known::Scalar(FIELDS[i])), "{name}");
            assert_eq!(FIELDS[i] as usize, i);
        }
        for (a, name) in ARRAYS.iter().enumerate() {
            assert_eq!(known(name), Some(Known::Array(a)));
            assert_eq!(BRACKETED[a], format!("{name}[]"));
            assert_eq!(known(BRACKETED[a]), Some(Known::Array(a)));
        }
    }

    #[test]
    fn other_names_are_not_found() {
        for name in [
            "",
            "m",
            "moi",
            "moid ",
            "Moid",
            "MOID",
            "moid[]",
            "goodsCodeArray[0]",
            "goodsCodeArray[",
            "goodsCodeArra[]",
            "buyerEmail",
            "pgTID",
            "pgTi",
            "cardNo\0",
            "가나다라",
            "transSeqX",
            "xtransSeq",
        ] {
            assert_eq!(known(name), None, "{name:?}");
        }
    }

    #[test]
    fn names_compare_like_slices() {
        let base = b"abcdefghijklmnopqrstuvwxyz0123";
        for n in 0..=base.len() {
            let a = &base[..n];
            assert!(same(a, a));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same(a, &b), "{n} {i}");
            }
            assert!(!same(a, &base[..n.saturating_sub(1)]) || n == 0);
        }
    }

    proptest::proptest! {
        /// A name is found exactly when it is one of the manual's, whatever its bytes.
        #[test]
        fn found_exactly_when_known(name in "[a-zA-Z\\[\\]0-9가]{0,20}") {
            let expected = NAMES.iter().position(|n| *n == name);
            proptest::prop_assert_eq!(known(&name).is_some(), expected.is_some());
        }
    }
}
