//! A simulated buyer: drives the simulator's buyer pages over HTTP the way a browser would — the
//! SMS payment link's card form, and the SS-Pay payment window — for demos and tests that have
//! no browser. It reads the pages' forms ([`HtmlForm`]) and submits them; nothing else.

use pg_http::{HttpRequest, HttpResponse, Method, ReqwestTransport, Transport};

/// A form read from a page: where it posts and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlForm {
    /// `action`, made absolute against the page's base URL.
    pub action: String,
    /// `accept-charset`, when given.
    pub charset: Option<String>,
    /// Every `<input>` with a name, in order (checkboxes and radios only when `checked`), and
    /// every `<select>` with its selected (or first) option.
    pub fields: Vec<(String, String)>,
}

impl HtmlForm {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `name` (adding it when absent).
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value.to_owned(),
            None => self.fields.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    /// The body a browser submits (UTF-8).
    pub fn body(&self) -> String {
        let mut e = pg_core::form::FormEncoder::new(pg_core::Charset::Utf8);
        for (n, v) in &self.fields {
            // UTF-8 encodes every text.
            let _ = e.append(n, v);
        }
        e.finish()
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of `name="..."` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The form with `id` in `page` (served from `base`), or `None`.
pub fn form(page: &str, id: &str, base: &str) -> Option<HtmlForm> {
    let start = page.find(&format!("<form id=\"{id}\""))?;
    let end = start + page[start..].find("</form>")?;
    let html = &page[start..end];
    let open = &html[..html.find('>')?];
    let action = attribute(open, "action").unwrap_or_default();
    let action = if action.starts_with('/') {
        format!("{}{action}", base.trim_end_matches('/'))
    } else {
        action
    };
    let mut fields = Vec::new();
    let mut pos = 0;
    while let Some(i) = html[pos..].find('<') {
        let start = pos + i + 1;
        let end = html[start..].find('>').map_or(html.len(), |e| start + e);
        let tag = &html[start..end];
        if let Some(rest) = tag.strip_prefix("input") {
            let kind = attribute(rest, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = attribute(rest, "name") {
                let checkable = kind == "checkbox" || kind == "radio";
                if !checkable || rest.contains(" checked") {
                    fields.push((name, attribute(rest, "value").unwrap_or_default()));
                }
            }
        } else if let Some(name) = tag
            .strip_prefix("select")
            .and_then(|rest| attribute(rest, "name"))
        {
            let close = html[end..]
                .find("</select>")
                .map_or(html.len(), |c| end + c);
            let options: Vec<&str> = html[end..close].split("<option").skip(1).collect();
            let chosen = options
                .iter()
                .find(|o| o.contains(" selected"))
                .or(options.first())
                .and_then(|o| attribute(o, "value"))
                .unwrap_or_default();
            fields.push((name, chosen));
        }
        pos = end;
    }
    Some(HtmlForm {
        action,
        charset: attribute(open, "accept-charset"),
        fields,
    })
}

/// The value of attribute `name` on the element with `id`.
pub fn attr(page: &str, id: &str, name: &str) -> Option<String> {
    let start = page.find(&format!("id=\"{id}\""))?;
    let tag_start = page[..start].rfind('<')?;
    let tag_end = start + page[start..].find('>')?;
    attribute(&page[tag_start..tag_end], name)
}

/// The result code a simulator page shows (`data-result-code`).
pub fn result_code(page: &str) -> Option<String> {
    attr(page, "result", "data-result-code")
}

/// Why the buyer could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuyerError {
    /// The page could not be fetched.
    #[error("{0}")]
    Transport(#[from] pg_http::TransportError),
    /// The page is not the one expected (what was missing, and the page's result if it had one).
    #[error("unexpected page: {what} (result {code:?})")]
    UnexpectedPage {
        /// What the buyer looked for.
        what: &'static str,
        /// The page's `data-result-code`, if any.
        code: Option<String>,
    },
}

/// A test card as a buyer types it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardEntry {
    /// The number (spaces allowed).
    pub number: String,
    /// `MM/YY`.
    pub expiry: String,
    /// `YYMMDD`.
    pub birth: String,
}

impl CardEntry {
    /// A test card from [`crate::magic`], valid until 12/30.
    pub fn test(number: &str) -> Self {
        CardEntry {
            number: number.to_owned(),
            expiry: "12/30".into(),
            birth: "900101".into(),
        }
    }
}

/// What an SMS-link payment came to: the final page's result code and, when approved, the
/// page's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPayment {
    /// `3001` approved; a decline's code otherwise.
    pub result_code: String,
    /// The final page.
    pub page: String,
}

/// What the payment window handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowAuthentication {
    /// `Tid`.
    pub tid: String,
    /// `TrAuthKey` (single-use).
    pub tr_auth_key: String,
}

/// A buyer with a browser-like HTTP client.
#[derive(Debug, Clone)]
pub struct Buyer {
    http: ReqwestTransport,
    base: String,
}

impl Buyer {
    /// A buyer of the simulator at `base_url`.
    pub fn new(base_url: &str) -> Result<Self, BuyerError> {
        Ok(Buyer {
            http: ReqwestTransport::new()?,
            base: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// `GET url` (following the simulator's redirects): the page.
    pub async fn get(&self, url: &str) -> Result<String, BuyerError> {
        let request = HttpRequest {
            method: Method::Get,
            url: url.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        self.follow(self.http.send(request).await?).await
    }

    /// Submits `form`: the page that follows.
    pub async fn submit(&self, form: &HtmlForm) -> Result<String, BuyerError> {
        let request =
            HttpRequest::post_form(form.action.clone(), form.body().into_bytes(), "utf-8");
        self.follow(self.http.send(request).await?).await
    }

    /// Posts raw form fields to `url`: the page that follows.
    pub async fn post(&self, url: &str, fields: &[(&str, &str)]) -> Result<String, BuyerError> {
        let form = HtmlForm {
            action: url.to_owned(),
            charset: None,
            fields: fields
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        };
        self.submit(&form).await
    }

    async fn follow(&self, mut response: HttpResponse) -> Result<String, BuyerError> {
        for _ in 0..5 {
            let location = match (response.status, response.header("location")) {
                (301..=303, Some(l)) => l.to_owned(),
                _ => break,
            };
            let url = if location.starts_with('/') {
                format!("{}{location}", self.base)
            } else {
                location
            };
            let request = HttpRequest {
                method: Method::Get,
                url,
                headers: Vec::new(),
                body: Vec::new(),
            };
            response = self.http.send(request).await?;
        }
        Ok(String::from_utf8_lossy(&response.body).into_owned())
    }

    /// Pays an SMS payment link with `card` (SMS 수기: birth date and the password's first two
    /// digits; SMS 인증: the card company's confirmation).
    pub async fn pay_link(&self, link: &str, card: &CardEntry) -> Result<LinkPayment, BuyerError> {
        let page = self.get(link).await?;
        let mut pay = form(&page, "pay", &self.base).ok_or(BuyerError::UnexpectedPage {
            what: "the card form of an SMS payment link",
            code: result_code(&page),
        })?;
        pay.set("cardNo", &card.number)
            .set("expiry", &card.expiry)
            .set("birth", &card.birth)
            .set("cardPw", "12")
            .set("authConfirm", "Y");
        let done = self.submit(&pay).await?;
        Ok(LinkPayment {
            result_code: result_code(&done).unwrap_or_default(),
            page: done,
        })
    }

    /// Opens the payment window with the merchant's signed form fields (as the script does,
    /// `device` `pc` or `mobile`), registers `card` if the member has none (identity as the
    /// buyer's name and phone), and pays with the SS-Pay password `pin`.
    pub async fn pay_window(
        &self,
        fields: &[(&str, &str)],
        device: &str,
        card: &CardEntry,
        pin: &str,
    ) -> Result<WindowAuthentication, BuyerError> {
        let url = format!("{}/ssp/reqPay.do?device={device}", self.base);
        let mut page = self.post(&url, fields).await?;
        if let Some(mut register) = form(&page, "cardForm", &self.base) {
            let field = |n: &str| {
                fields
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| *v)
                    .unwrap_or_default()
            };
            register
                .set("idName", field("BuyerName"))
                .set("idPhone", field("BuyerTel"))
                .set("cardNo", &card.number)
                .set("expiry", &card.expiry)
                .set("birth", &card.birth)
                .set("pin", pin)
                .set("pinConfirm", pin);
            page = self.submit(&register).await?;
        }
        let mut pay = form(&page, "payForm", &self.base).ok_or(BuyerError::UnexpectedPage {
            what: "the payment window's card list",
            code: result_code(&page),
        })?;
        pay.set("pin", pin);
        let done = self.submit(&pay).await?;
        match (
            attr(&done, "authenticated", "data-tid"),
            attr(&done, "authenticated", "data-tr-auth-key"),
        ) {
            (Some(tid), Some(tr_auth_key)) => Ok(WindowAuthentication { tid, tr_auth_key }),
            _ => Err(BuyerError::UnexpectedPage {
                what: "Tid and TrAuthKey after the password",
                code: result_code(&done),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_forms_as_a_browser_submits_them() {
        let page = r#"<form id="f" method="post" action="/x?a=1&amp;b=2" accept-charset="utf-8">
<input type="hidden" name="session" value="t&quot;1">
<input type="checkbox" name="agree" value="Y">
<input type="checkbox" name="checked" value="Y" checked>
<input type="radio" name="card" value="1"><input type="radio" name="card" value="2" checked>
<select name="quota" id="quota"><option value="00">일시불</option><option value="03" selected>3</option></select>
<input type="text" name="name"></form>"#;
        let f = form(page, "f", "http://h:1/").unwrap();
        assert_eq!(f.action, "http://h:1/x?a=1&b=2");
        assert_eq!(f.charset.as_deref(), Some("utf-8"));
        assert_eq!(
            f.fields,
            [
                ("session".to_owned(), "t\"1".to_owned()),
                ("checked".to_owned(), "Y".to_owned()),
                ("card".to_owned(), "2".to_owned()),
                ("quota".to_owned(), "03".to_owned()),
                ("name".to_owned(), String::new()),
            ]
        );
        assert!(form(page, "missing", "").is_none());
        assert_eq!(attr(page, "quota", "name").as_deref(), Some("quota"));
    }
}
