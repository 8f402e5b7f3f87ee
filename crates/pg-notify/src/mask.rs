//! Masking bodies before they are written anywhere: card numbers keep at most their first 6 and
//! last 4 digits, secrets are replaced by `***`.

use pg_core::MaskedCardNumber;
use pg_core::card_number::mask_card_numbers_in_bytes;
use pg_core::form::percent_decode;

/// Form fields that hold card numbers (masked to 6 + 4 digits).
const CARD_FIELDS: &[&str] = &["cardNo", "CardNum", "CardNo", "pinNo", "card_no"];

/// Form fields that hold secrets (replaced by `***`).
const SECRET_FIELDS: &[&str] = &[
    "billKey",
    "BillTokenKey",
    "TrAuthKey",
    "cancelPwd",
    "CancelPwd",
    "LicenseKey",
    "MerchantKey",
    "refundAcctNo",
];

/// Masks a form body (any ASCII-compatible charset): card fields by name, secret fields by name,
/// and any Luhn-valid card number elsewhere.
pub fn mask_form_body(body: &[u8]) -> Vec<u8> {
    mask(body, true)
}

/// Masks card numbers only (by field name and Luhn-valid digit runs), keeping secrets such as
/// `billKey`: the body a re-run decodes, which stays in the store.
pub fn mask_card_numbers(body: &[u8]) -> Vec<u8> {
    mask(body, false)
}

fn mask(body: &[u8], secrets: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for (i, pair) in body.split(|b| *b == b'&').enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(eq) => (&pair[..eq], Some(&pair[eq + 1..])),
            None => (pair, None),
        };
        out.extend_from_slice(name);
        let Some(value) = value else { continue };
        out.push(b'=');
        let decoded_name = percent_decode(name).unwrap_or(std::borrow::Cow::Borrowed(name));
        let stem = decoded_name.strip_suffix(b"[]").unwrap_or(&decoded_name);
        if secrets && SECRET_FIELDS.iter().any(|f| f.as_bytes() == stem) {
            if !value.is_empty() {
                out.extend_from_slice(b"***");
            }
        } else if CARD_FIELDS.iter().any(|f| f.as_bytes() == stem) {
            let text = percent_decode(value)
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .unwrap_or_default();
            out.extend_from_slice(MaskedCardNumber::from_received(&text).as_str().as_bytes());
        } else {
            out.extend_from_slice(value);
        }
    }
    mask_card_numbers_in_bytes(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cards_and_secrets() {
        let body = b"moid=a&cardNo=1234567812345678&billKey=BK1&TrAuthKey=&x=4111111111111111&goodsName=%C5%D7";
        let masked = String::from_utf8(mask_form_body(body)).unwrap();
        assert_eq!(
            masked,
            "moid=a&cardNo=123456******5678&billKey=***&TrAuthKey=&x=411111******1111&goodsName=%C5%D7"
        );
        assert_eq!(mask_form_body(b"a=1&b"), b"a=1&b");
        let kept = String::from_utf8(mask_card_numbers(body)).unwrap();
        assert_eq!(
            kept,
            "moid=a&cardNo=123456******5678&billKey=BK1&TrAuthKey=&x=411111******1111&goodsName=%C5%D7"
        );
        assert_eq!(mask_form_body(b""), b"");
    }
}
