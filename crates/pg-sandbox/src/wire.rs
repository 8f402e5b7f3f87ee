//! Reading a request by the wire names of the manuals' tables — never through the SDK's request
//! types, so that the simulator cross-checks the SDK — and checking each field against its row.

use pg_core::field_spec::{FieldSpec, Rule, Violation};
use pg_core::form::{Form, FormLimits};
use pg_core::{Charset, Won};

/// The largest request body the simulator reads.
pub(crate) const MAX_BODY: usize = 256 * 1024;

/// The fields of one request, in order, however they came.
#[derive(Debug, Clone, Default)]
pub(crate) struct WireFields {
    pairs: Vec<(String, String)>,
}

/// Why a body could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unreadable(pub(crate) String);

impl WireFields {
    /// A form body (or query string). `charset`: declared or forced; otherwise detected.
    pub(crate) fn form(body: &[u8], charset: Option<Charset>) -> Result<WireFields, Unreadable> {
        let limits = FormLimits {
            max_body_bytes: MAX_BODY,
            ..FormLimits::default()
        };
        let form = Form::parse(body, charset, &limits).map_err(|e| Unreadable(e.to_string()))?;
        Ok(WireFields {
            pairs: form
                .pairs()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    /// A form body whose charset the `Content-Type` may declare.
    pub(crate) fn form_with_content_type(
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<WireFields, Unreadable> {
        let declared = match content_type {
            Some(ct) => Charset::from_content_type(ct).map_err(|e| Unreadable(e.to_string()))?,
            None => None,
        };
        WireFields::form(body, declared)
    }

    /// A JSON object: strings as they are, numbers and booleans as their text, `null` as absent;
    /// nested objects and arrays are kept as JSON text.
    pub(crate) fn json(body: &[u8]) -> Result<WireFields, Unreadable> {
        if body.len() > MAX_BODY {
            return Err(Unreadable(format!("body larger than {MAX_BODY} bytes")));
        }
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Unreadable("not a JSON object".into()));
        };
        Ok(WireFields {
            pairs: map
                .into_iter()
                .filter_map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::Null => return None,
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    Some((k, text))
                })
                .collect(),
        })
    }

    /// JSON when the body starts with `{`, otherwise a form.
    pub(crate) fn json_or_form(
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<WireFields, Unreadable> {
        if body.trim_ascii_start().starts_with(b"{") {
            WireFields::json(body)
        } else {
            WireFields::form_with_content_type(body, content_type)
        }
    }

    /// The first value of `name`, as sent.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.raw(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The trimmed value, or `""`.
    pub(crate) fn or_empty(&self, name: &str) -> &str {
        self.text(name).unwrap_or_default()
    }

    /// Replaces (or adds) a field.
    pub(crate) fn set(&mut self, name: &str, value: String) {
        match self.pairs.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.pairs.push((name.to_owned(), value)),
        }
    }

    /// Checks the field of `spec` against its row of the manual's table.
    pub(crate) fn check(&self, spec: &FieldSpec, out: &mut Vec<Violation>) {
        spec.check(self.text(spec.name), out);
    }

    /// Checks every row of a table.
    pub(crate) fn check_all(&self, specs: &[FieldSpec], out: &mut Vec<Violation>) {
        for spec in specs {
            self.check(spec, out);
        }
    }

    /// An amount: digits only, or (`commas`) digits grouped by `,`; more than zero and at most
    /// the field's size in digits.
    pub(crate) fn amount(
        &self,
        spec: &FieldSpec,
        commas: bool,
        out: &mut Vec<Violation>,
    ) -> Option<u64> {
        let Some(text) = self.text(spec.name) else {
            if spec.required {
                out.push(Violation::new(spec.name, Rule::Missing));
            }
            return None;
        };
        if !commas && !text.bytes().all(|b| b.is_ascii_digit()) {
            out.push(Violation::new(
                spec.name,
                Rule::Format {
                    expected: "an amount in digits only (숫자만)",
                    reason: format!("{text:?}"),
                },
            ));
            return None;
        }
        match Won::parse(text) {
            Ok(w) if w.is_zero() => {
                out.push(Violation::new(
                    spec.name,
                    Rule::Constraint("must be more than 0".into()),
                ));
                None
            }
            Ok(w) if w.get().to_string().len() > spec.max_bytes => {
                out.push(Violation::new(
                    spec.name,
                    Rule::Constraint(format!("at most {} digits", spec.max_bytes).into()),
                ));
                None
            }
            Ok(w) => Some(w.get()),
            Err(e) => {
                out.push(Violation::new(
                    spec.name,
                    Rule::Format {
                        expected: "an amount of won",
                        reason: e.to_string(),
                    },
                ));
                None
            }
        }
    }

    /// The fields as a JSON object (what a session keeps).
    pub(crate) fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.pairs
            .iter()
            .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
            .collect()
    }
}

/// Every violation in one line, for a vendor's result message.
pub(crate) fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a URL is a full http(s) URL.
pub(crate) fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.starts_with('/') && !r.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_core::field_spec::FieldKind;

    const AMT: FieldSpec = FieldSpec {
        name: "amt",
        kind: FieldKind::N,
        max_bytes: 12,
        required: true,
        sensitive: false,
    };

    #[test]
    fn reads_json_and_forms_by_wire_name() {
        let j = WireFields::json(br#"{"amt":"10,004","n":12,"x":null,"o":{"a":1}}"#).unwrap();
        assert_eq!(j.text("amt"), Some("10,004"));
        assert_eq!(j.text("n"), Some("12"));
        assert_eq!(j.text("x"), None);
        assert_eq!(j.text("o"), Some(r#"{"a":1}"#));
        let mut v = Vec::new();
        assert_eq!(j.amount(&AMT, true, &mut v), Some(10_004));
        assert!(v.is_empty());
        assert_eq!(j.amount(&AMT, false, &mut v), None);
        assert_eq!(v.len(), 1);
        let f = WireFields::form(b"amt=%2C10&GoodsName=%C5%D7", None).unwrap();
        assert_eq!(f.text("GoodsName"), Some("테"));
        let mut v = Vec::new();
        assert_eq!(f.amount(&AMT, true, &mut v), None);
        assert!(v[0].to_string().contains("amt"), "{}", v[0]);
        assert!(WireFields::json(b"[1]").is_err());
        assert!(WireFields::json(b"{").is_err());
        assert!(
            WireFields::json_or_form(b" {\"a\":\"1\"}", None)
                .unwrap()
                .text("a")
                .is_some()
        );
    }

    #[test]
    fn zero_and_oversized_amounts_are_refused() {
        for body in [
            &br#"{"amt":"0"}"#[..],
            br#"{"amt":"1234567890123"}"#,
            br#"{"amt":"-5"}"#,
        ] {
            let mut v = Vec::new();
            assert_eq!(
                WireFields::json(body).unwrap().amount(&AMT, true, &mut v),
                None
            );
            assert_eq!(v.len(), 1, "{v:?}");
        }
    }

    #[test]
    fn urls() {
        assert!(is_http_url("https://shop.example/r"));
        assert!(is_http_url("http://127.0.0.1:8080/x?y=1"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("http:///x"));
        assert!(!is_http_url("https://a b"));
    }
}
