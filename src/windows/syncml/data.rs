//! `Data` content kept exactly as written, attributes, and verbatim unknown elements.

use std::borrow::Cow;
use std::fmt;

use crate::error::{DecodeError, DecodeErrorKind as K};
use crate::limits::Limits;
use crate::windows::xml::{self, Ev, NS_NONE};

/// The `http://schemas.microsoft.com/MobileDevice/MDM` namespace (prefix `msft`), which carries
/// the `originalerror` attribute on `Data`.
pub const MSFT_NAMESPACE: &str = "http://schemas.microsoft.com/MobileDevice/MDM";

/// An attribute with its namespace resolved (the prefix is not part of the data).
///
/// ```
/// use mdmkit::windows::syncml::{Attribute, MSFT_NAMESPACE};
/// let a = Attribute::new(Some(MSFT_NAMESPACE), "originalerror", "0x86000002");
/// assert_eq!(a.name(), "originalerror");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attribute {
    namespace: Option<String>,
    name: String,
    value: String,
}

impl Attribute {
    /// An attribute `name` in `namespace` (None: no namespace).
    pub fn new(namespace: Option<&str>, name: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute {
            namespace: namespace.map(str::to_owned),
            name: name.into(),
            value: value.into(),
        }
    }

    /// The namespace URI, if any.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The local name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value (unescaped).
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    pub(crate) fn from_xml(a: xml::Attr) -> Self {
        Attribute {
            namespace: a.ns,
            name: a.local,
            value: a.value,
        }
    }
}

/// The content of a `Data` element, kept exactly as written: escaped markup stays escaped, a
/// CDATA section stays a CDATA section, nested markup stays nested markup; attributes (such as
/// Windows' `msft:originalerror`) are kept.
///
/// SyncML treats `Data` as opaque (research L8: store and replay it verbatim). Use
/// [`Data::text`] for the character data it stands for.
///
/// ```
/// use mdmkit::windows::syncml::Data;
///
/// let d = Data::text("<Wlan>x</Wlan>");
/// assert_eq!(d.as_xml(), "&lt;Wlan&gt;x&lt;/Wlan&gt;");
/// assert_eq!(d.to_text(), "<Wlan>x</Wlan>");
///
/// let c = Data::cdata("<Wlan>x</Wlan>");
/// assert_eq!(c.as_xml(), "<![CDATA[<Wlan>x</Wlan>]]>");
/// assert_eq!(c.to_text(), "<Wlan>x</Wlan>");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Data {
    xml: String,
    attributes: Vec<Attribute>,
    /// Prefixes the content uses that were declared on an ancestor (written on `<Data>`).
    namespaces: Vec<(String, String)>,
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Data");
        d.field("xml", &self.xml);
        if !self.attributes.is_empty() {
            d.field("attributes", &self.attributes);
        }
        d.finish()
    }
}

impl Data {
    /// Character data, escaped on output (`&`, `<`, `>`).
    ///
    /// Characters XML cannot carry (most C0 controls) are written as they are and refused by
    /// the encoder with an [`EncodeError`](crate::EncodeError).
    pub fn text(text: &str) -> Self {
        let mut xml = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => xml.push_str("&amp;"),
                '<' => xml.push_str("&lt;"),
                '>' => xml.push_str("&gt;"),
                '\r' => xml.push_str("&#13;"),
                c => xml.push(c),
            }
        }
        Data {
            xml,
            attributes: Vec::new(),
            namespaces: Vec::new(),
        }
    }

    /// Character data written as a CDATA section (split where the text holds `]]>`).
    pub fn cdata(text: &str) -> Self {
        let mut xml = String::with_capacity(text.len() + 12);
        xml.push_str("<![CDATA[");
        xml.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
        xml.push_str("]]>");
        Data {
            xml,
            attributes: Vec::new(),
            namespaces: Vec::new(),
        }
    }

    /// Content given as XML markup (escaped text, CDATA or nested elements), checked to be a
    /// well-formed fragment under the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] when the markup is not a well-formed element content (unbalanced tags,
    /// an entity other than the predefined five, a DOCTYPE).
    pub fn from_xml(xml: &str) -> Result<Self, DecodeError> {
        check_content(xml, &Limits::DEFAULT)?;
        Ok(Data {
            xml: xml.to_owned(),
            attributes: Vec::new(),
            namespaces: Vec::new(),
        })
    }

    pub(crate) fn from_checked(
        xml: &str,
        attributes: Vec<Attribute>,
        namespaces: Vec<(String, String)>,
    ) -> Self {
        Data {
            xml: xml.to_owned(),
            attributes,
            namespaces,
        }
    }

    /// Namespace declarations (prefix, URI) the content needs that were made on an ancestor in
    /// the input; they are written on the `Data` element.
    #[must_use]
    pub fn namespace_declarations(&self) -> &[(String, String)] {
        &self.namespaces
    }

    /// Adds an attribute (builder style).
    #[must_use]
    pub fn with_attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The content exactly as written.
    #[must_use]
    pub fn as_xml(&self) -> &str {
        &self.xml
    }

    /// The attributes, in document order.
    #[must_use]
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Windows' `msft:originalerror` attribute (the HRESULT behind a 500), if present.
    #[must_use]
    pub fn original_error(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace() == Some(MSFT_NAMESPACE) && a.name() == "originalerror")
            .map(Attribute::value)
    }

    /// The character data: references resolved, CDATA sections unwrapped, nested markup
    /// returned as written. Leading and trailing whitespace is kept.
    #[must_use]
    pub fn to_text(&self) -> Cow<'_, str> {
        if !self.xml.contains(['&', '<']) {
            return Cow::Borrowed(&self.xml);
        }
        let mut out = String::with_capacity(self.xml.len());
        let mut rest = self.xml.as_str();
        while let Some(i) = rest.find(['&', '<']) {
            out.push_str(rest.get(..i).unwrap_or(""));
            let tail = rest.get(i..).unwrap_or("");
            if let Some(body) = tail.strip_prefix("<![CDATA[") {
                let end = body.find("]]>").unwrap_or(body.len());
                out.push_str(body.get(..end).unwrap_or(""));
                rest = body.get(end + 3..).unwrap_or("");
            } else if tail.starts_with('&') {
                let end = tail.find(';').unwrap_or(tail.len());
                let name = tail.get(1..end).unwrap_or("");
                match resolve_entity(name) {
                    Some(c) => out.push(c),
                    None => out.push_str(tail.get(..=end).unwrap_or(tail)),
                }
                rest = tail.get(end + 1..).unwrap_or("");
            } else {
                // Markup (an element, a comment, a PI): kept as written up to its `>`.
                let end = tail.find('>').map_or(tail.len(), |e| e + 1);
                out.push_str(tail.get(..end).unwrap_or(tail));
                rest = tail.get(end..).unwrap_or("");
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// Whether the content is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.xml.is_empty()
    }
}

impl From<&str> for Data {
    fn from(s: &str) -> Self {
        Data::text(s)
    }
}

impl From<String> for Data {
    fn from(s: String) -> Self {
        Data::text(&s)
    }
}

fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let n = name.strip_prefix('#')?;
            let v = match n.strip_prefix('x') {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(v)
        }
    }
}

/// An element mdmkit does not model, kept as its exact source text (start and end tags
/// included) and written back unchanged. When the element uses a namespace prefix declared on
/// an ancestor, the declaration is added to its start tag so that the text stands on its own.
///
/// ```
/// use mdmkit::windows::syncml::RawXml;
/// let r = RawXml::from_xml("<Foo a=\"1\"><Bar/></Foo>").unwrap();
/// assert_eq!(r.local_name(), "Foo");
/// assert!(RawXml::from_xml("<Foo>").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawXml(String);

impl RawXml {
    /// One element given as XML text, checked to be well-formed under the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] when `xml` is not exactly one well-formed element.
    pub fn from_xml(xml: &str) -> Result<Self, DecodeError> {
        let mut r = xml::Reader::new(xml.as_bytes(), &Limits::DEFAULT, |_| NS_NONE)?;
        match r.next()? {
            Ev::Start(s) => {
                r.raw_element(&s)?;
            }
            _ => return Err(r.err(K::Syntax)),
        }
        r.finish()?;
        Ok(RawXml(xml.trim().to_owned()))
    }

    pub(crate) fn from_checked(xml: Cow<'_, str>) -> Self {
        RawXml(xml.into_owned())
    }

    /// The element exactly as written.
    #[must_use]
    pub fn as_xml(&self) -> &str {
        &self.0
    }

    /// The element's local name (`Foo` for `<x:Foo>`).
    #[must_use]
    pub fn local_name(&self) -> &str {
        let s = self.0.trim_start().trim_start_matches('<');
        let end = s
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(s.len());
        let q = s.get(..end).unwrap_or("");
        q.rsplit(':').next().unwrap_or(q)
    }
}

/// Checks that `xml` is well-formed element content.
pub(crate) fn check_content(xml: &str, limits: &Limits) -> Result<(), DecodeError> {
    let wrapped = format!("<d>{xml}</d>");
    let mut r = xml::Reader::new(wrapped.as_bytes(), limits, |_| NS_NONE)?;
    match r.next()? {
        Ev::Start(_) => {
            r.raw_content(limits.max_string_bytes, crate::error::Limit::StringBytes)?;
        }
        _ => return Err(r.err(K::Syntax)),
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_views() {
        let d = Data::from_xml("a&amp;b<![CDATA[<x>]]>&#65;<n/>").unwrap();
        assert_eq!(d.to_text(), "a&b<x>A<n/>");
        assert!(Data::from_xml("<a>").is_err());
        assert!(Data::from_xml("&ent;").is_err());
        let c = Data::cdata("a]]>b");
        assert_eq!(c.to_text(), "a]]>b");
    }
}
