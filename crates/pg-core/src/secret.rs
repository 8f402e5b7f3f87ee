//! [`Secret`]: keys and passwords that must never reach a log.

use std::fmt;

use zeroize::Zeroizing;

/// A secret text: a license key, a merchant key, a cancel password.
///
/// `Debug` and `Display` print `***`; the memory is zeroized on drop; the value is read only
/// through [`Secret::expose`], so every use is visible in review. There is deliberately no
/// `Serialize`, `PartialEq` or `Deref`.
///
/// ```
/// use pg_core::Secret;
/// let key = Secret::new("Ma29gyAFhvv/+e4/");
/// assert_eq!(format!("{key:?}"), "Secret(***)");
/// assert_eq!(key.to_string(), "***");
/// assert_eq!(key.expose(), "Ma29gyAFhvv/+e4/");
/// ```
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret value. Call only where the value is put on the wire or into a hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (the text is not revealed).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length of the secret in bytes (the text is not revealed).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("123456");
        assert!(!format!("{secret:?}").contains("123456"));
        assert!(!format!("{secret}").contains("123456"));
        assert!(!format!("{secret:#?}").contains("123456"));
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Config {
            password: Secret,
        }
        let shown = format!(
            "{:?}",
            Config {
                password: secret.clone()
            }
        );
        assert_eq!(shown, "Config { password: Secret(***) }");
        assert_eq!(secret.expose(), "123456");
        assert_eq!(secret.len(), 6);
        assert!(!secret.is_empty());
    }
}
