//! Writing form bodies and query strings with exact percent-encoding.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::FormError;
use crate::charset::{Charset, Unencodable};

/// Which characters an encoder leaves as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escape {
    /// The `application/x-www-form-urlencoded` set (WHATWG, and Java's `URLEncoder`): letters,
    /// digits and `*-._` stay; space becomes `+`; every other byte is `%XX`.
    #[default]
    Form,
    /// A URL query value: letters, digits, `-._~` and `!$'()*,/:=@` stay; every other byte,
    /// `+` `&` `;` `#` `%` and space included, is `%XX`. This is how the Innopay manual writes
    /// its Web-Link URLs (`.../Ma29gyAFhvv/%2Be4/...==`).
    QueryValue,
}

/// Bytes that a query value escapes (see [`Escape::QueryValue`]).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b'/')
    .remove(b':')
    .remove(b'=')
    .remove(b'@');

/// Percent-encodes `text` in `charset` with the given escape set, appending to `out`.
pub fn encode_component(
    text: &str,
    charset: Charset,
    escape: Escape,
    out: &mut String,
) -> Result<(), Unencodable> {
    let bytes = charset.encode(text)?;
    match escape {
        Escape::Form => out.extend(form_urlencoded::byte_serialize(&bytes)),
        Escape::QueryValue => out.extend(percent_encoding::percent_encode(&bytes, QUERY_VALUE)),
    }
    Ok(())
}

/// Builds a form body (or query string) pair by pair.
#[derive(Debug, Clone)]
pub struct FormEncoder {
    out: String,
    charset: Charset,
    escape: Escape,
}

impl FormEncoder {
    /// An encoder for a form body in `charset`.
    pub fn new(charset: Charset) -> Self {
        FormEncoder::with_escape(charset, Escape::Form)
    }

    /// An encoder with a chosen escape set.
    pub fn with_escape(charset: Charset, escape: Escape) -> Self {
        FormEncoder {
            out: String::new(),
            charset,
            escape,
        }
    }

    /// Appends `name=value`.
    pub fn append(&mut self, name: &str, value: &str) -> Result<&mut Self, FormError> {
        if !self.out.is_empty() {
            self.out.push('&');
        }
        let unencodable = |source| FormError::Unencodable {
            field: name.to_owned(),
            source,
        };
        // Names always use the form set, so that a `=` in a name cannot end it.
        encode_component(name, self.charset, Escape::Form, &mut self.out).map_err(unencodable)?;
        self.out.push('=');
        encode_component(value, self.charset, self.escape, &mut self.out).map_err(unencodable)?;
        Ok(self)
    }

    /// The encoded text so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The encoded text.
    pub fn finish(self) -> String {
        self.out
    }
}
