//! Smartro's hashes and cipher, exactly as `PROTOCOL-NOTES.md` records them from the vendor's
//! samples.
//!
//! | value | formula |
//! |---|---|
//! | `EncryptData` | `Base64(SHA-256(EdiDate + Mid + Amt + MerchantKey))` |
//! | `VerifyValue` | `Base64(SHA-256(Mid + SspMallId + MallUserId))` |
//! | `HashData` | `Base64(SHA-256(Tid + MerchantKey + CancelAmt + PartialCancelCode))` |
//! | `SignValue` | `Base64(SHA-256(Tid[0..10] + ResultCode + Tid[10..15] + MerchantKey + Tid[15..]))` |
//! | `EncData` | AES-256-CBC, PKCS#7, IV = 16 zero bytes, key = first 32 characters of the MerchantKey |
//!
//! Text is hashed as UTF-8; Base64 is standard with padding. Digests are built on the stack.
//! Comparisons of received hashes are constant-time.

use std::fmt;

use aes::Aes256;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use base64_simd::{Out, STANDARD};
use pg_core::{CryptoError, Secret};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Length of a Base64 SHA-256 digest: 44 characters.
pub const DIGEST_BASE64_LEN: usize = 44;

/// A Base64-encoded SHA-256 digest, held on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Base64Digest([u8; DIGEST_BASE64_LEN]);

impl Base64Digest {
    /// The digest of the concatenation of `parts`.
    pub fn of(parts: &[&[u8]]) -> Self {
        let digest = sha256_of_parts(parts);
        let mut out = [0u8; DIGEST_BASE64_LEN];
        // 32 bytes always encode to exactly 44 characters.
        let _ = STANDARD.encode(&digest, Out::from_slice(&mut out));
        Base64Digest(out)
    }

    /// The Base64 text.
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Constant-time comparison with a received value (surrounding whitespace ignored).
    pub fn matches(&self, received: &str) -> bool {
        constant_time_eq(self.as_str(), received.trim())
    }
}

impl fmt::Display for Base64Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Base64Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64Digest({})", self.as_str())
    }
}

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
const SHA256_H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Blocks of the stack buffer used for short messages.
const STACK_BLOCKS: usize = 4;

/// SHA-256 of the concatenation of `parts`.
///
/// Messages of up to 247 bytes (every hash Smartro defines, in practice) are laid out and padded
/// in one stack buffer and compressed in one call: feeding the parts through `Digest::update`
/// one by one costs about 18% more (`benches/`, `x/sha_4_updates`), which the `EncryptData`
/// budget (1.3x the bare digest) does not allow. Longer messages take the streaming path.
fn sha256_of_parts(parts: &[&[u8]]) -> [u8; 32] {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len + 9 > STACK_BLOCKS * 64 {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        return hasher.finalize().into();
    }
    let mut blocks = [[0u8; 64]; STACK_BLOCKS];
    let n = (len + 9).div_ceil(64);
    {
        let flat = blocks.as_flattened_mut();
        let mut at = 0;
        for part in parts {
            flat[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        flat[at] = 0x80;
        flat[n * 64 - 8..n * 64].copy_from_slice(&((len as u64) * 8).to_be_bytes());
    }
    let mut state = SHA256_H0;
    sha2::block_api::compress256(&mut state, &blocks[..n]);
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Standard Base64 (with padding) of `bytes`.
pub fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode_to_string(bytes)
}

/// Decodes standard Base64 (with padding); `None` when it is not.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode_to_vec(text.as_bytes()).ok()
}

/// Constant-time equality of two texts (the lengths are not secret).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// `EncryptData` of the payment window: `Base64(SHA-256(EdiDate + Mid + Amt + MerchantKey))`.
pub fn encrypt_data(edi_date: &str, mid: &str, amt: &str, merchant_key: &Secret) -> Base64Digest {
    Base64Digest::of(&[
        edi_date.as_bytes(),
        mid.as_bytes(),
        amt.as_bytes(),
        merchant_key.expose().as_bytes(),
    ])
}

/// `VerifyValue` of member deletion: `Base64(SHA-256(Mid + SspMallId + MallUserId))`, no key.
pub fn verify_value(mid: &str, ssp_mall_id: &str, mall_user_id: &str) -> Base64Digest {
    Base64Digest::of(&[
        mid.as_bytes(),
        ssp_mall_id.as_bytes(),
        mall_user_id.as_bytes(),
    ])
}

/// `HashData` of a cancel: `Base64(SHA-256(Tid + MerchantKey + CancelAmt + PartialCancelCode))`.
pub fn hash_data(
    tid: &str,
    merchant_key: &Secret,
    cancel_amt: &str,
    partial_cancel_code: &str,
) -> Base64Digest {
    Base64Digest::of(&[
        tid.as_bytes(),
        merchant_key.expose().as_bytes(),
        cancel_amt.as_bytes(),
        partial_cancel_code.as_bytes(),
    ])
}

/// `SignValue` of an approval result:
/// `Base64(SHA-256(Tid[0..10] + ResultCode + Tid[10..15] + MerchantKey + Tid[15..]))`.
/// `None` when the Tid is shorter than 15 bytes (or not splittable there), since no SignValue
/// can then be computed.
pub fn sign_value(tid: &str, result_code: &str, merchant_key: &Secret) -> Option<Base64Digest> {
    let (head, middle, tail) = (tid.get(..10)?, tid.get(10..15)?, tid.get(15..)?);
    Some(Base64Digest::of(&[
        head.as_bytes(),
        result_code.as_bytes(),
        middle.as_bytes(),
        merchant_key.expose().as_bytes(),
        tail.as_bytes(),
    ]))
}

/// Checks a received `SignValue`, in constant time.
pub fn verify_sign_value(
    received: &str,
    tid: &str,
    result_code: &str,
    merchant_key: &Secret,
) -> bool {
    sign_value(tid, result_code, merchant_key).is_some_and(|expected| expected.matches(received))
}

/// Number of characters of the MerchantKey used as the AES key.
pub const AES_KEY_CHARS: usize = 32;

/// Smartro's `AES256Cipher`: AES-256-CBC with PKCS#7 padding and a zero IV, keyed with the first
/// 32 characters of the MerchantKey; ciphertext as standard Base64.
///
/// The key schedule is computed once, in [`Aes256Cipher::new`]. `Debug` prints no key material.
///
/// ```
/// use pg_smartro::crypto::Aes256Cipher;
/// let cipher = Aes256Cipher::new("0123456789abcdef0123456789abcdef")?;
/// assert_eq!(cipher.encrypt(r#"{"Mid":"t"}"#), "AgrQy+9DBgkE09KaN7hMoA==");
/// assert_eq!(cipher.decrypt("AgrQy+9DBgkE09KaN7hMoA==")?, r#"{"Mid":"t"}"#);
/// # Ok::<(), pg_core::CryptoError>(())
/// ```
#[derive(Clone)]
pub struct Aes256Cipher {
    cipher: Aes256,
}

impl fmt::Debug for Aes256Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Aes256Cipher(***)")
    }
}

const ZERO_IV: [u8; 16] = [0; 16];
const BLOCK: usize = 16;

impl Aes256Cipher {
    /// A cipher keyed with the first 32 characters of `merchant_key` (as UTF-8 bytes, which
    /// must therefore be ASCII).
    pub fn new(merchant_key: &str) -> Result<Self, CryptoError> {
        let chars = merchant_key.chars().count();
        if chars < AES_KEY_CHARS {
            return Err(CryptoError::KeyTooShort {
                required: AES_KEY_CHARS,
                actual: chars,
            });
        }
        let key = merchant_key
            .as_bytes()
            .get(..AES_KEY_CHARS)
            .filter(|k| k.is_ascii())
            .ok_or(CryptoError::KeyNotAscii {
                required: AES_KEY_CHARS,
            })?;
        let cipher = Aes256::new_from_slice(key).map_err(|_| CryptoError::KeyTooShort {
            required: AES_KEY_CHARS,
            actual: key.len(),
        })?;
        Ok(Aes256Cipher { cipher })
    }

    /// A cipher from the merchant key secret.
    pub fn from_secret(merchant_key: &Secret) -> Result<Self, CryptoError> {
        Aes256Cipher::new(merchant_key.expose())
    }

    /// Encrypts `plaintext` (its UTF-8 bytes) and returns standard Base64.
    pub fn encrypt(&self, plaintext: &str) -> String {
        let padded_len = (plaintext.len() / BLOCK + 1) * BLOCK;
        let mut out = String::with_capacity(padded_len.div_ceil(3) * 4);
        self.encrypt_into(plaintext.as_bytes(), &mut out);
        out
    }

    /// Encrypts `plaintext` and appends the Base64 to `out`.
    pub fn encrypt_into(&self, plaintext: &[u8], out: &mut String) {
        let padded_len = (plaintext.len() / BLOCK + 1) * BLOCK;
        let mut stack = [0u8; 512];
        let mut heap;
        let buf: &mut [u8] = if padded_len <= stack.len() {
            &mut stack[..padded_len]
        } else {
            heap = vec![0u8; padded_len];
            &mut heap
        };
        // The key schedule is borrowed, not copied: cloning it cost a third of the time.
        let encryptor = cbc::Encryptor::<&Aes256>::inner_iv_init(&self.cipher, &ZERO_IV.into());
        // The buffer is exactly the padded length, so padding cannot fail.
        if let Ok(ciphertext) = encryptor.encrypt_padded_b2b::<Pkcs7>(plaintext, buf) {
            STANDARD.encode_append(ciphertext, out);
        }
    }

    /// Decrypts standard Base64 (surrounding whitespace ignored) to text.
    pub fn decrypt(&self, base64: &str) -> Result<String, CryptoError> {
        let bytes = self.decrypt_bytes(base64)?;
        String::from_utf8(bytes).map_err(|_| CryptoError::NotUtf8)
    }

    /// Decrypts standard Base64 to bytes.
    pub fn decrypt_bytes(&self, base64: &str) -> Result<Vec<u8>, CryptoError> {
        let mut buf = STANDARD
            .decode_to_vec(base64.trim().as_bytes())
            .map_err(|_| CryptoError::BadBase64)?;
        if buf.is_empty() || buf.len() % BLOCK != 0 {
            return Err(CryptoError::BadLength {
                length: buf.len(),
                block: BLOCK,
            });
        }
        let decryptor = cbc::Decryptor::<&Aes256>::inner_iv_init(&self.cipher, &ZERO_IV.into());
        let len = decryptor
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(|_| CryptoError::BadPadding)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn public_vectors() {
        let c = Aes256Cipher::new(KEY).unwrap();
        assert_eq!(c.encrypt(r#"{"Mid":"t"}"#), "AgrQy+9DBgkE09KaN7hMoA==");
        assert_eq!(
            c.encrypt(r#"{"Mid":"t_2510201m","CancelMsg":"사용자 취소"}"#),
            "ShETfvWMnTg5C/sGiawn4vD7UACilGABhrsGj5uO32ao7HwSpnxev2EAIzuHm3vr0kz3YyQtuvxy7AMggA5mdw=="
        );
        assert_eq!(
            c.decrypt("ShETfvWMnTg5C/sGiawn4vD7UACilGABhrsGj5uO32ao7HwSpnxev2EAIzuHm3vr0kz3YyQtuvxy7AMggA5mdw==").unwrap(),
            r#"{"Mid":"t_2510201m","CancelMsg":"사용자 취소"}"#
        );
        // The wrong-IV ciphertext of the notes must not be what we produce.
        assert_ne!(c.encrypt(r#"{"Mid":"t"}"#), "EqDq8i2XfYZJVOMhN89law==");
    }

    #[test]
    fn uses_only_the_first_32_characters() {
        let long = Aes256Cipher::new(&format!("{KEY}ANYTHING-AFTER==")).unwrap();
        assert_eq!(long.encrypt(r#"{"Mid":"t"}"#), "AgrQy+9DBgkE09KaN7hMoA==");
    }

    #[test]
    fn bad_keys_and_ciphertexts_are_typed_errors() {
        assert_eq!(
            Aes256Cipher::new("short").unwrap_err(),
            CryptoError::KeyTooShort {
                required: 32,
                actual: 5
            }
        );
        assert_eq!(
            Aes256Cipher::new(&"가".repeat(40)).unwrap_err(),
            CryptoError::KeyNotAscii { required: 32 }
        );
        let c = Aes256Cipher::new(KEY).unwrap();
        assert_eq!(
            c.decrypt("not base64!").unwrap_err(),
            CryptoError::BadBase64
        );
        assert_eq!(
            c.decrypt("").unwrap_err(),
            CryptoError::BadLength {
                length: 0,
                block: 16
            }
        );
        assert_eq!(
            c.decrypt("AAAA").unwrap_err(),
            CryptoError::BadLength {
                length: 3,
                block: 16
            }
        );
        // Valid Base64 of one block that does not decrypt to valid padding under this key.
        let other = Aes256Cipher::new("ffffffffffffffffffffffffffffffff").unwrap();
        let foreign = other.encrypt("x");
        assert!(matches!(
            c.decrypt(&foreign),
            Err(CryptoError::BadPadding) | Ok(_)
        ));
        assert_eq!(
            c.decrypt("EqDq8i2XfYZJVOMhN89law==").unwrap_err(),
            CryptoError::BadPadding
        );
        assert!(!format!("{c:?}").contains("0123"));
    }

    #[test]
    fn hashes_are_base64_sha256() {
        // SHA-256("abc") = ba7816bf...; Base64 of it:
        assert_eq!(
            Base64Digest::of(&[b"a", b"bc"]).as_str(),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        let key = Secret::new("KEY");
        assert_eq!(
            encrypt_data("20260101000000", "t_2510201m", "1004", &key),
            Base64Digest::of(&[b"20260101000000t_2510201m1004KEY"])
        );
        assert_eq!(
            verify_value("t_2510201m", "SMTSSPAY0p", "user01"),
            Base64Digest::of(&[b"t_2510201mSMTSSPAY0puser01"])
        );
        assert_eq!(
            hash_data("TID", &key, "1000", "0"),
            Base64Digest::of(&[b"TIDKEY10000"])
        );
    }

    #[test]
    fn sign_value_layout() {
        let key = Secret::new("KEY");
        let tid = "t_2510201m01012510201530001234";
        let expected =
            Base64Digest::of(&[b"t_2510201m", b"3001", b"01012", b"KEY", b"510201530001234"]);
        assert_eq!(sign_value(tid, "3001", &key), Some(expected));
        assert!(verify_sign_value(expected.as_str(), tid, "3001", &key));
        assert!(verify_sign_value(
            &format!(" {} ", expected.as_str()),
            tid,
            "3001",
            &key
        ));
        assert!(!verify_sign_value(expected.as_str(), tid, "3002", &key));
        assert_eq!(sign_value("short", "3001", &key), None);
        assert_eq!(
            sign_value("가나다라마바", "3001", &key),
            None,
            "not splittable at byte 10"
        );
        assert!(!verify_sign_value("x", "short", "3001", &key));
    }
}
