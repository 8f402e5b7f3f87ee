//! [`Validator`]: collects every violation of a request's fields, so that a builder reports all
//! of them at once, naming each wire field.

use crate::field_spec::{FieldSpec, Rule, Violation};

/// Collects the violations of a whole request.
///
/// ```
/// use pg_core::field_spec::{FieldKind, FieldSpec, Validator};
/// const AMT: FieldSpec = FieldSpec { name: "Amt", kind: FieldKind::N, max_bytes: 12, required: true, sensitive: false };
/// const NAME: FieldSpec = FieldSpec { name: "GoodsName", kind: FieldKind::AH, max_bytes: 40, required: true, sensitive: false };
/// let mut v = Validator::new();
/// v.check(&AMT, Some("10,005"));
/// v.check(&NAME, None);
/// let err = v.finish().unwrap_err();
/// assert_eq!(err.violations().len(), 2);
/// assert_eq!(err.fields().collect::<Vec<_>>(), ["Amt", "GoodsName"]);
/// ```
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Validator::default()
    }

    /// Checks a value against a spec.
    pub fn check(&mut self, spec: &FieldSpec, value: Option<&str>) -> &mut Self {
        spec.check(value, &mut self.violations);
        self
    }

    /// Records a violation found by other means.
    pub fn push(&mut self, violation: Violation) -> &mut Self {
        self.violations.push(violation);
        self
    }

    /// Refuses an amount of zero (a payment of nothing is a bug, never a request).
    pub fn positive(&mut self, field: &'static str, amount: Option<crate::Won>) -> &mut Self {
        if amount.is_some_and(crate::Won::is_zero) {
            self.violations.push(Violation::new(
                field,
                Rule::Constraint("must be more than 0".into()),
            ));
        }
        self
    }

    /// Refuses characters outside KS X 1001 in a field sent as EUC-KR: CP949 has them (`똠`),
    /// but a strict EUC-KR decoder on the gateway garbles them.
    pub fn ks_x_1001(&mut self, field: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(found) = value.and_then(crate::charset::first_outside_ks_x_1001) {
            self.violations.push(Violation::new(
                field,
                Rule::Constraint(
                    format!(
                        "is sent as EUC-KR (KS X 1001): {:?} at position {} is a CP949-only character the gateway would garble",
                        found.character, found.position
                    )
                    .into(),
                ),
            ));
        }
        self
    }

    /// Refuses text that is not an e-mail address (`name@example.kr`): the gateway mails the
    /// receipt there. Empty text is left to the field's own rule (absent or required).
    pub fn email(&mut self, field: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(text) = value.filter(|t| !t.is_empty()) {
            if !is_email(text) {
                self.violations.push(Violation::new(
                    field,
                    Rule::Constraint("must be an e-mail address such as name@example.kr".into()),
                ));
            }
        }
        self
    }

    /// Refuses a URL that is not a full `http://` or `https://` URL.
    pub fn http_url(&mut self, field: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(url) = value {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if !rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) {
                self.violations.push(Violation::new(
                    field,
                    Rule::Constraint("must be a full URL starting with http:// or https://".into()),
                ));
            }
        }
        self
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether nothing is wrong so far.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok` when no rule was broken, otherwise every violation.
    pub fn finish(self) -> Result<(), crate::error::InvalidInput> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(crate::error::InvalidInput::new(self.violations))
        }
    }
}

/// `local@domain`: a local part of printable ASCII without spaces or the characters mail
/// syntax reserves, and a domain of at least two dot-separated labels of letters, digits and
/// `-` (Hangul domains included).
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 255
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails() {
        for ok in [
            "noname@smartro.co.kr",
            "a.b+c@example.kr",
            "x@한국.kr",
            "A_1@sub-1.example.com",
        ] {
            assert!(super::is_email(ok), "{ok}");
        }
        for bad in [
            "bad", "@x.kr", "a@", "a@kr", "a@@b.kr", "a b@c.kr", "a@b..kr", "a@-b.kr", ".a@b.kr",
            "a@b.kr,", "a<b@c.kr",
        ] {
            assert!(!super::is_email(bad), "{bad}");
        }
    }
}
