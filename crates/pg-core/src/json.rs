//! Lenient reading of gateway JSON responses: values may be strings, numbers or `null`, amounts
//! may carry thousands separators, and fields the manuals do not list are kept, never an error.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::ProtocolError;
use crate::kst::{KstDateTime, KstFormat};
use crate::won::Won;

/// A JSON object received from a gateway, with the raw body kept for error reports.
#[derive(Debug, Clone)]
pub struct JsonObject<'a> {
    map: Map<String, Value>,
    raw: &'a [u8],
}

impl<'a> JsonObject<'a> {
    /// Parses a body whose top level must be an object. A UTF-8 byte order mark is skipped.
    pub fn parse(raw: &'a [u8]) -> Result<Self, ProtocolError> {
        let body = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(JsonObject { map, raw }),
            Ok(_) => Err(ProtocolError::new(
                "response is JSON but not an object",
                raw,
            )),
            Err(e) => Err(ProtocolError::new(
                format!("response is not JSON ({e})"),
                raw,
            )),
        }
    }

    /// An object built from a map already parsed.
    pub fn from_map(map: Map<String, Value>, raw: &'a [u8]) -> Self {
        JsonObject { map, raw }
    }

    /// The text of a field: strings as they are (trimmed), numbers and booleans as written;
    /// `None` for absent, `null`, empty or structured values.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.map.get(name)? {
            Value::String(s) => {
                let t = s.trim();
                (!t.is_empty()).then(|| t.to_owned())
            }
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// An amount field: digits or grouped digits, as a string or a number. Absent, `null` or
    /// empty is `None`; anything else that is not an amount is a protocol violation.
    pub fn won(&self, name: &str) -> Result<Option<Won>, ProtocolError> {
        match self.text(name) {
            None => Ok(None),
            Some(t) => Won::parse(&t)
                .map(Some)
                .map_err(|e| ProtocolError::new(format!("field {name}: {e}"), self.raw)),
        }
    }

    /// A date-time field in `format`; absent or empty is `None`, a malformed one is a protocol
    /// violation.
    pub fn time(
        &self,
        name: &str,
        format: KstFormat,
    ) -> Result<Option<KstDateTime>, ProtocolError> {
        match self.text(name) {
            None => Ok(None),
            Some(t) => KstDateTime::parse(&t, format)
                .map(Some)
                .map_err(|e| ProtocolError::new(format!("field {name}: {e}"), self.raw)),
        }
    }

    /// Every field not named in `known`, as received — but card numbers and secrets masked
    /// ([`crate::mask`]), so that they never travel on in full.
    pub fn extra(&self, known: &[&str]) -> BTreeMap<String, Value> {
        self.map
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), crate::mask::json_field(k, v)))
            .collect()
    }

    /// A protocol violation about this body.
    pub fn violation(&self, what: impl Into<std::borrow::Cow<'static, str>>) -> ProtocolError {
        ProtocolError::new(what, self.raw)
    }

    /// The underlying map.
    pub fn map(&self) -> &Map<String, Value> {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_numbers_and_nulls() {
        let body = br#"{"a":" x ","b":1000,"c":null,"d":"","amt":"10,005","n":7,"t":true,"o":{}}"#;
        let obj = JsonObject::parse(body).unwrap();
        assert_eq!(obj.text("a").as_deref(), Some("x"));
        assert_eq!(obj.text("b").as_deref(), Some("1000"));
        assert_eq!(obj.text("c"), None);
        assert_eq!(obj.text("d"), None);
        assert_eq!(obj.text("missing"), None);
        assert_eq!(obj.text("o"), None);
        assert_eq!(obj.text("t").as_deref(), Some("true"));
        assert_eq!(obj.won("amt").unwrap(), Some(Won::new(10_005)));
        assert_eq!(obj.won("n").unwrap(), Some(Won::new(7)));
        assert_eq!(obj.won("c").unwrap(), None);
        assert!(obj.won("a").is_err());
        assert_eq!(obj.extra(&["a", "b", "c", "d", "amt", "n"]).len(), 2);
    }

    #[test]
    fn refuses_non_objects() {
        assert!(JsonObject::parse(b"[1]").is_err());
        assert!(JsonObject::parse(b"resultCode=0000").is_err());
        assert!(JsonObject::parse(b"").is_err());
        assert!(JsonObject::parse(b"\xEF\xBB\xBF{\"a\":1}").is_ok());
    }
}
