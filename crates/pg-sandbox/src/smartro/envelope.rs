//! The encrypted envelope of member deletion and cancel: `{"EncData": AES256Cipher(json),
//! "Mid": Mid}`, opened with the merchant's key.

use pg_smartro::crypto::Aes256Cipher;

use std::sync::Arc;

use crate::merchant::{Gateway, Merchant};
use crate::sim::Sim;
use crate::wire::WireFields;

/// Why an envelope could not be opened.
#[derive(Debug)]
pub(crate) enum Unopened {
    /// The outer body is not readable, or lacks `EncData`/`Mid`.
    Malformed(String),
    /// No merchant has the outer `Mid`.
    UnknownMerchant(String),
    /// `EncData` does not decrypt to a JSON object with the merchant's key.
    Undecryptable(String),
    /// The store failed.
    Store(String),
}

/// Opens an envelope: the merchant of the outer `Mid` and the decrypted fields.
pub(crate) fn open(
    sim: &Sim,
    body: &[u8],
    content_type: Option<&str>,
) -> Result<(Arc<Merchant>, WireFields), Unopened> {
    let outer = WireFields::json_or_form(body, content_type)
        .map_err(|e| Unopened::Malformed(format!("요청을 읽을 수 없습니다: {e}")))?;
    let (Some(enc_data), Some(mid)) = (outer.text("EncData"), outer.text("Mid")) else {
        return Err(Unopened::Malformed("EncData와 Mid는 필수입니다".into()));
    };
    let merchant = match sim.merchant(Gateway::Smartro, mid) {
        Ok(Some(m)) => m,
        Ok(None) => {
            return Err(Unopened::UnknownMerchant(format!(
                "등록되지 않은 상점입니다 (Mid {mid})"
            )));
        }
        Err(e) => return Err(Unopened::Store(e.to_string())),
    };
    let cipher = Aes256Cipher::new(&merchant.key).map_err(|e| Unopened::Store(e.to_string()))?;
    let plain = cipher.decrypt(enc_data).map_err(|e| {
        Unopened::Undecryptable(format!("EncData를 상점키로 복호화할 수 없습니다: {e}"))
    })?;
    let inner = WireFields::json(plain.as_bytes()).map_err(|e| {
        Unopened::Undecryptable(format!("EncData의 내용이 JSON 객체가 아닙니다: {e}"))
    })?;
    Ok((merchant, inner))
}
