//! The Web-Link event (manual 1.2): when `ReturnUrl` is set, the Web-Link window posts
//! `moid`, `resultCode` and `resultMsg` there (`application/x-www-form-urlencoded;
//! charset=UTF-8`) on events such as a registered order or a closed window.

use std::collections::BTreeMap;

use pg_core::field_spec::Rule;
use pg_core::form::{Form, FormLimits};
use pg_core::{InvalidInput, Moid};
use serde::Serialize;

/// A decoded Web-Link event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebLinkEvent {
    /// `moid`, the order number, when the event has one.
    pub moid: Option<Moid>,
    /// `resultCode`: `0000` means the SMS order was registered; anything else, it was not.
    pub result_code: String,
    /// `resultMsg`, the result message (for `0000`, the SMS text).
    pub result_message: String,
    /// Fields the manual does not list, as received.
    pub extra: BTreeMap<String, String>,
}

impl WebLinkEvent {
    /// Decodes an event body. The charset comes from `content_type` when it declares one,
    /// otherwise it is detected.
    pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<WebLinkEvent, InvalidInput> {
        let form = Form::parse_with_content_type(body, content_type, &FormLimits::default())?;
        let moid = match form.get("moid").map(str::trim).filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => Some(Moid::received(m).map_err(|e| {
                InvalidInput::single(
                    "moid",
                    Rule::Format {
                        expected: "an order number",
                        reason: e.rule.to_string(),
                    },
                )
            })?),
        };
        let result_code = form
            .required("resultCode")
            .map_err(|v| InvalidInput::new(vec![v]))?
            .to_owned();
        Ok(WebLinkEvent {
            moid,
            result_code,
            result_message: form.get("resultMsg").unwrap_or_default().trim().to_owned(),
            extra: form
                .pairs()
                .filter(|(n, _)| !["moid", "resultCode", "resultMsg"].contains(n))
                .map(|(n, v)| (n.to_owned(), pg_core::mask::field_value(n, v).into_owned()))
                .collect(),
        })
    }

    /// Whether the SMS order was registered (`resultCode` `0000`).
    pub fn is_registered(&self) -> bool {
        self.result_code == "0000"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_manual_example() {
        let body = "moid=+test20180119001&resultCode=0000&resultMsg=%5B%ED%85%8C%EC%8A%A4%ED%8A%B8%EA%B0%80%EB%A7%B9%EC%A0%90%5D+%EC%83%81%ED%92%88%EB%AA%85%3A%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88";
        let event = WebLinkEvent::decode(
            body.as_bytes(),
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
        )
        .unwrap();
        assert_eq!(event.moid.as_ref().unwrap().as_str(), "test20180119001");
        assert!(event.is_registered());
        assert_eq!(event.result_message, "[테스트가맹점] 상품명:테스트상품");
        assert!(event.extra.is_empty());
    }

    #[test]
    fn refusals_and_bad_bodies() {
        let event =
            WebLinkEvent::decode(b"moid=a1&resultCode=9999&resultMsg=fail&x=1", None).unwrap();
        assert!(!event.is_registered());
        assert_eq!(event.extra.get("x").map(String::as_str), Some("1"));
        let missing = WebLinkEvent::decode(b"moid=a1", None).unwrap_err();
        assert_eq!(missing.fields().collect::<Vec<_>>(), ["resultCode"]);
        let bad = WebLinkEvent::decode(b"moid=%ZZ&resultCode=0000", None).unwrap_err();
        assert_eq!(bad.fields().collect::<Vec<_>>(), ["(body)"]);
    }
}
