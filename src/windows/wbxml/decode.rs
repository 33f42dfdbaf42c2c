//! WBXML → XML. One pass over the tokens with an explicit stack (no recursion), writing XML as
//! it goes, under the [`Limits`].

use super::read_mb_u32;
use super::tables::{self, CHARSET_UTF8, PublicId};
use crate::error::{DecodeError, DecodeErrorKind as K, Limit};
use crate::limits::Limits;
use std::collections::HashSet;

/// A parsed WBXML header.
pub(crate) struct Header<'a> {
    pub(crate) public_id: PublicId,
    /// The string table (empty when the document has none).
    pub(crate) strtbl: &'a [u8],
    /// Where the body starts.
    pub(crate) body: usize,
}

fn err(kind: K, at: usize) -> DecodeError {
    DecodeError::at(kind, Some(at as u64))
}

fn byte(input: &[u8], pos: &mut usize) -> Result<u8, DecodeError> {
    let b = input
        .get(*pos)
        .copied()
        .ok_or_else(|| err(K::UnexpectedEof, *pos))?;
    *pos += 1;
    Ok(b)
}

/// Reads the header: version, public ID, charset and string table.
pub(crate) fn header(input: &[u8]) -> Result<Header<'_>, DecodeError> {
    let mut pos = 0;
    let version = byte(input, &mut pos)?;
    if !(0x01..=0x03).contains(&version) {
        return Err(err(K::InvalidValue("wbxml version"), 0));
    }
    let pid_at = pos;
    let pid = read_mb_u32(input, &mut pos)?;
    // Public ID 0: the next mb_u_int32 is the string-table index of the formal public ID.
    let pid_index = if pid == 0 {
        Some(read_mb_u32(input, &mut pos)?)
    } else {
        None
    };
    let charset_at = pos;
    let charset = read_mb_u32(input, &mut pos)?;
    if charset != CHARSET_UTF8 && charset != 0 {
        return Err(err(K::UnsupportedEncoding, charset_at));
    }
    let len_at = pos;
    let len = read_mb_u32(input, &mut pos)? as usize;
    let rest = input.len().saturating_sub(pos);
    if len > rest {
        return Err(err(K::UnexpectedEof, len_at));
    }
    let strtbl = input.get(pos..pos + len).unwrap_or_default();
    pos += len;
    let public_id = match pid_index {
        Some(index) => PublicId::from_fpi(table_str(strtbl, index, pid_at)?),
        None => PublicId::from_id(pid),
    }
    .ok_or_else(|| err(K::InvalidValue("wbxml public id"), pid_at))?;
    Ok(Header {
        public_id,
        strtbl,
        body: pos,
    })
}

/// The NUL-terminated string at `index` in the string table.
fn table_str(strtbl: &[u8], index: u32, at: usize) -> Result<&str, DecodeError> {
    let tail = strtbl
        .get(index as usize..)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| err(K::InvalidValue("wbxml string table reference"), at))?;
    let end = tail
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| err(K::InvalidValue("wbxml string table reference"), at))?;
    std::str::from_utf8(tail.get(..end).unwrap_or_default())
        .map_err(|e| err(K::InvalidUtf8, at).with_source(e))
}

/// Whether XML 1.0 can carry `c`.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `s` is an XML NCName (a name without a colon).
pub(crate) fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// Whether `s` is a namespace-valid qualified name: `NCName` or `NCName:NCName`.
pub(crate) fn is_qname(s: &str) -> bool {
    match s.split_once(':') {
        Some((prefix, local)) => is_ncname(prefix) && is_ncname(local),
        None => is_ncname(s),
    }
}

/// The XML being written, capped in size.
struct Out {
    s: String,
    cap: usize,
}

impl Out {
    fn push(&mut self, piece: &str) -> Result<(), K> {
        if self.s.len().saturating_add(piece.len()) > self.cap {
            return Err(K::LimitExceeded(Limit::InputBytes));
        }
        self.s.push_str(piece);
        Ok(())
    }

    /// Text content: `& < >` escaped, and CR as a character reference (XML turns a literal CR
    /// into LF).
    fn text(&mut self, s: &str) -> Result<(), K> {
        self.escaped(s, false)
    }

    /// An attribute value (in double quotes): also `"` and tab / LF / CR, which attribute-value
    /// normalization would turn into spaces.
    fn attr(&mut self, s: &str) -> Result<(), K> {
        self.escaped(s, true)
    }

    fn escaped(&mut self, s: &str, attr: bool) -> Result<(), K> {
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\r' => "&#13;",
                '"' if attr => "&quot;",
                '\t' if attr => "&#9;",
                '\n' if attr => "&#10;",
                _ => continue,
            };
            self.push(s.get(last..i).unwrap_or_default())?;
            self.push(rep)?;
            last = i + c.len_utf8();
        }
        self.push(s.get(last..).unwrap_or_default())
    }

    /// Opaque data as CDATA (as wbxml2xml writes it): `]]>` is split across two sections and a
    /// CR is written as `&#13;` between sections.
    fn cdata(&mut self, s: &str) -> Result<(), K> {
        for (n, segment) in s.split('\r').enumerate() {
            if n > 0 {
                self.push("&#13;")?;
            }
            if segment.is_empty() {
                continue;
            }
            self.push("<![CDATA[")?;
            let mut rest = segment;
            while let Some(i) = rest.find("]]>") {
                self.push(rest.get(..i + 2).unwrap_or_default())?;
                self.push("]]><![CDATA[")?;
                rest = rest.get(i + 2..).unwrap_or_default();
            }
            self.push(rest)?;
            self.push("]]>")?;
        }
        Ok(())
    }
}

/// An open element (one written with the content flag, waiting for its `END`).
struct Frame {
    name: String,
    /// The default namespace in scope inside it, as written.
    default_ns: String,
    /// Length of the prefix-binding list before this element's declarations.
    bindings: usize,
}

struct Decoder<'a> {
    input: &'a [u8],
    strtbl: &'a [u8],
    doc: PublicId,
    limits: &'a Limits,
    pos: usize,
    out: Out,
    stack: Vec<Frame>,
    /// Prefix declarations in scope: (prefix, namespace).
    bindings: Vec<(String, String)>,
    items: usize,
    /// Inside a run of character content (text and opaque data between two tags), which
    /// counts as one item, as the encoder counts it.
    in_run: bool,
    /// Bytes of text since the last tag or opaque value: one XML text node when read back.
    text_len: usize,
    root_seen: bool,
    root_done: bool,
}

pub(crate) fn decode(input: &[u8], limits: &Limits) -> Result<String, DecodeError> {
    if input.len() > limits.max_input_bytes {
        return Err(err(K::LimitExceeded(Limit::InputBytes), 0));
    }
    let h = header(input)?;
    let mut d = Decoder {
        input,
        strtbl: h.strtbl,
        doc: h.public_id,
        limits,
        pos: h.body,
        out: Out {
            s: String::with_capacity(input.len().saturating_mul(2).min(limits.max_input_bytes)),
            cap: limits.max_input_bytes,
        },
        stack: Vec::new(),
        bindings: Vec::new(),
        items: 0,
        in_run: false,
        text_len: 0,
        root_seen: false,
        root_done: false,
    };
    d.run()?;
    Ok(d.out.s)
}

impl<'a> Decoder<'a> {
    fn wrote<T>(&self, r: Result<T, K>, at: usize) -> Result<T, DecodeError> {
        r.map_err(|k| err(k, at))
    }

    fn item(&mut self, at: usize) -> Result<(), DecodeError> {
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(err(K::LimitExceeded(Limit::Items), at));
        }
        Ok(())
    }

    /// Character content at `at`: counts a new run as an item; `text` bytes of text (0 for
    /// opaque data, which ends the text node) must keep the text node within the string limit.
    fn content(&mut self, at: usize, text: Option<usize>) -> Result<(), DecodeError> {
        if !self.in_run {
            self.in_run = true;
            self.item(at)?;
        }
        match text {
            Some(len) => {
                self.text_len = self.text_len.saturating_add(len);
                if self.text_len > self.limits.max_string_bytes {
                    return Err(err(K::LimitExceeded(Limit::StringBytes), at));
                }
            }
            None => self.text_len = 0,
        }
        Ok(())
    }

    fn mb(&mut self) -> Result<u32, DecodeError> {
        read_mb_u32(self.input, &mut self.pos)
    }

    fn page(&mut self) -> Result<u8, DecodeError> {
        let at = self.pos;
        let page = byte(self.input, &mut self.pos)?;
        if self.doc.page_namespace(page).is_none() {
            return Err(err(K::InvalidValue("wbxml code page"), at));
        }
        Ok(page)
    }

    /// Checks a decoded string: size limit and characters XML can carry.
    fn check_str(&self, s: &str, at: usize) -> Result<(), DecodeError> {
        if s.len() > self.limits.max_string_bytes {
            return Err(err(K::LimitExceeded(Limit::StringBytes), at));
        }
        if !s.chars().all(is_xml_char) {
            return Err(err(K::InvalidValue("xml character"), at));
        }
        Ok(())
    }

    /// `STR_I`: a NUL-terminated inline string.
    fn inline_str(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let tail = self.input.get(at..).unwrap_or_default();
        let len = tail
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| err(K::UnexpectedEof, self.input.len()))?;
        if len > self.limits.max_string_bytes {
            return Err(err(K::LimitExceeded(Limit::StringBytes), at));
        }
        let s = std::str::from_utf8(tail.get(..len).unwrap_or_default())
            .map_err(|e| err(K::InvalidUtf8, at + e.valid_up_to()).with_source(e))?;
        self.pos = at + len + 1;
        self.check_str(s, at)?;
        Ok(s)
    }

    /// `STR_T`: a string-table reference.
    fn table_ref(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let index = self.mb()?;
        let s = table_str(self.strtbl, index, at)?;
        self.check_str(s, at)?;
        Ok(s)
    }

    /// `ENTITY`: a character.
    fn entity(&mut self) -> Result<char, DecodeError> {
        let at = self.pos;
        let code = self.mb()?;
        char::from_u32(code)
            .filter(|&c| is_xml_char(c))
            .ok_or_else(|| err(K::InvalidValue("wbxml entity"), at))
    }

    /// `OPAQUE`: length-prefixed bytes, which must be UTF-8 text here.
    fn opaque(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let len = self.mb()? as usize;
        let start = self.pos;
        if len > self.input.len().saturating_sub(start) {
            return Err(err(K::UnexpectedEof, at));
        }
        if len > self.limits.max_data_bytes {
            return Err(err(K::LimitExceeded(Limit::DataBytes), at));
        }
        let bytes = self.input.get(start..start + len).unwrap_or_default();
        let s = std::str::from_utf8(bytes)
            .map_err(|e| err(K::InvalidUtf8, start + e.valid_up_to()).with_source(e))?;
        self.pos = start + len;
        if !s.chars().all(is_xml_char) {
            return Err(err(K::InvalidValue("xml character"), start));
        }
        Ok(s)
    }

    /// A literal name from the string table, which must be an XML qualified name.
    fn literal_name(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let index = self.mb()?;
        let name = table_str(self.strtbl, index, at)?;
        if !is_qname(name) {
            return Err(err(K::InvalidValue("wbxml literal name"), at));
        }
        Ok(name)
    }

    fn in_element(&self, at: usize) -> Result<(), DecodeError> {
        if self.stack.is_empty() {
            return Err(err(
                if self.root_done {
                    K::TrailingData
                } else {
                    K::Syntax
                },
                at,
            ));
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), DecodeError> {
        let mut page = 0u8;
        self.out
            .push(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
            .map_err(|k| err(k, 0))?;
        while let Some(&tok) = self.input.get(self.pos) {
            let at = self.pos;
            self.pos += 1;
            match tok {
                tables::SWITCH_PAGE => page = self.page()?,
                tables::END => {
                    self.in_run = false;
                    self.text_len = 0;
                    let frame = self.stack.pop().ok_or_else(|| {
                        err(
                            if self.root_done {
                                K::TrailingData
                            } else {
                                K::Syntax
                            },
                            at,
                        )
                    })?;
                    self.bindings.truncate(frame.bindings);
                    let r = self
                        .out
                        .push("</")
                        .and_then(|()| self.out.push(&frame.name))
                        .and_then(|()| self.out.push(">"));
                    self.wrote(r, at)?;
                    if self.stack.is_empty() {
                        self.root_done = true;
                    }
                }
                tables::ENTITY => {
                    self.in_element(at)?;
                    let c = self.entity()?;
                    self.content(at, Some(c.len_utf8()))?;
                    let r = self.out.text(c.encode_utf8(&mut [0u8; 4]));
                    self.wrote(r, at)?;
                }
                tables::STR_I => {
                    self.in_element(at)?;
                    let s = self.inline_str()?;
                    self.content(at, Some(s.len()))?;
                    let r = self.out.text(s);
                    self.wrote(r, at)?;
                }
                tables::STR_T => {
                    self.in_element(at)?;
                    let s = self.table_ref()?;
                    self.content(at, Some(s.len()))?;
                    let r = self.out.text(s);
                    self.wrote(r, at)?;
                }
                tables::OPAQUE => {
                    self.in_element(at)?;
                    let s = self.opaque()?;
                    self.content(at, None)?;
                    let r = self.out.cdata(s);
                    self.wrote(r, at)?;
                }
                0x40..=0x42 | 0x80..=0x82 | 0xC0..=0xC2 => {
                    return Err(err(K::InvalidValue("wbxml extension token"), at));
                }
                0x43 => return Err(err(K::InvalidValue("wbxml processing instruction"), at)),
                _ => self.element(tok, page, at)?,
            }
        }
        if !self.root_done {
            return Err(err(K::UnexpectedEof, self.input.len()));
        }
        Ok(())
    }

    fn element(&mut self, tok: u8, page: u8, at: usize) -> Result<(), DecodeError> {
        if self.root_done {
            return Err(err(K::TrailingData, at));
        }
        self.in_run = false;
        self.text_len = 0;
        if self.stack.len() >= self.limits.max_depth {
            return Err(err(K::LimitExceeded(Limit::Depth), at));
        }
        self.item(at)?;
        let has_content = tok & tables::HAS_CONTENT != 0;
        let has_attrs = tok & tables::HAS_ATTRS != 0;
        let token = tok & 0x3F;
        // (name, namespace of its code page when it is a token)
        let (name, token_ns): (&str, Option<&'static str>) = if token == tables::LITERAL {
            (self.literal_name()?, None)
        } else {
            let name = self
                .doc
                .tag_name(page, token)
                .ok_or_else(|| err(K::InvalidValue("wbxml tag token"), at))?;
            (name, self.doc.page_namespace(page))
        };
        if !self.root_seen {
            if token_ns.is_none() || page != 0 || name != self.doc.root() {
                return Err(err(K::InvalidValue("wbxml root element"), at));
            }
            self.root_seen = true;
        }
        let attrs = if has_attrs {
            self.attributes()?
        } else {
            Vec::new()
        };

        // Namespaces: declarations first, then the element's and attributes' prefixes.
        let parent_default = self.stack.last().map_or("", |f| f.default_ns.as_str());
        let mut default_ns: Option<&str> = None;
        let bindings_before = self.bindings.len();
        let bad_attr = |at| err(K::InvalidValue("wbxml attribute"), at);
        let mut seen = HashSet::with_capacity(attrs.len());
        for (n, v) in &attrs {
            if !seen.insert(n.as_str()) {
                return Err(err(K::DuplicateKey, at));
            }
            if *n == "xmlns" {
                // A token's namespace comes from its code page.
                if token_ns.is_some() {
                    return Err(bad_attr(at));
                }
                default_ns = Some(v);
            } else if let Some(prefix) = n.strip_prefix("xmlns:") {
                if v.is_empty() || prefix == "xml" || prefix == "xmlns" || !is_ncname(prefix) {
                    return Err(bad_attr(at));
                }
                self.bindings.push((prefix.to_owned(), v.clone()));
            }
        }
        let bound = |bindings: &[(String, String)], qname: &str| match qname.split_once(':') {
            None => true,
            Some(("xml", _)) => true,
            Some((p, _)) => bindings.iter().any(|(b, _)| b == p),
        };
        if name.starts_with("xmlns:") || !bound(&self.bindings, name) {
            return Err(err(K::InvalidValue("wbxml namespace prefix"), at));
        }
        for (n, _) in &attrs {
            if n != "xmlns" && !n.starts_with("xmlns:") && !bound(&self.bindings, n) {
                return Err(err(K::InvalidValue("wbxml namespace prefix"), at));
            }
        }

        let mut r = self.out.push("<").and_then(|()| self.out.push(name));
        let inner_default = match token_ns {
            Some(ns) => {
                if ns != parent_default {
                    r = r
                        .and_then(|()| self.out.push(" xmlns=\""))
                        .and_then(|()| self.out.attr(ns))
                        .and_then(|()| self.out.push("\""));
                }
                ns.to_owned()
            }
            None => default_ns.unwrap_or(parent_default).to_owned(),
        };
        for (n, v) in &attrs {
            r = r
                .and_then(|()| self.out.push(" "))
                .and_then(|()| self.out.push(n))
                .and_then(|()| self.out.push("=\""))
                .and_then(|()| self.out.attr(v))
                .and_then(|()| self.out.push("\""));
        }
        r = r.and_then(|()| self.out.push(if has_content { ">" } else { "/>" }));
        self.wrote(r, at)?;
        if has_content {
            self.stack.push(Frame {
                name: name.to_owned(),
                default_ns: inner_default,
                bindings: bindings_before,
            });
        } else {
            self.bindings.truncate(bindings_before);
            if self.stack.is_empty() {
                self.root_done = true;
            }
        }
        Ok(())
    }

    /// An attribute list: `LITERAL name` starts, value tokens, `END`.
    fn attributes(&mut self) -> Result<Vec<(String, String)>, DecodeError> {
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let at = self.pos;
            let b = byte(self.input, &mut self.pos)?;
            let piece: Option<String> = match b {
                tables::END => break,
                tables::SWITCH_PAGE => {
                    // Attribute code pages: none of these document types has one, but the
                    // switch itself is harmless.
                    self.page()?;
                    None
                }
                tables::LITERAL => {
                    self.item(at)?;
                    let name = self.literal_name()?;
                    attrs.push((name.to_owned(), String::new()));
                    None
                }
                tables::STR_I => Some(self.inline_str()?.to_owned()),
                tables::STR_T => Some(self.table_ref()?.to_owned()),
                tables::ENTITY => Some(self.entity()?.to_string()),
                tables::OPAQUE => Some(self.opaque()?.to_owned()),
                0x40..=0x43 | 0x80..=0x82 | 0xC0..=0xC2 => {
                    return Err(err(K::InvalidValue("wbxml extension token"), at));
                }
                _ => return Err(err(K::InvalidValue("wbxml attribute token"), at)),
            };
            if let Some(p) = piece {
                let (_, value) = attrs
                    .last_mut()
                    .ok_or_else(|| err(K::InvalidValue("wbxml attribute token"), at))?;
                if value.len().saturating_add(p.len()) > self.limits.max_string_bytes {
                    return Err(err(K::LimitExceeded(Limit::StringBytes), at));
                }
                value.push_str(&p);
            }
        }
        Ok(attrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_qname("SyncML"));
        assert!(is_qname("msft:originalerror"));
        assert!(is_qname("Rx-Pref"));
        assert!(!is_qname(""));
        assert!(!is_qname("a:b:c"));
        assert!(!is_qname(":a"));
        assert!(!is_qname("1a"));
        assert!(!is_qname("a b"));
        assert!(!is_qname("Reserved for future use"));
    }

    #[test]
    fn cdata_splits() {
        let mut out = Out {
            s: String::new(),
            cap: 1000,
        };
        out.cdata("a]]>b\rc").unwrap();
        assert_eq!(out.s, "<![CDATA[a]]]]><![CDATA[>b]]>&#13;<![CDATA[c]]>");
    }
}
