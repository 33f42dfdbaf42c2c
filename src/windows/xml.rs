//! The hardened XML layer shared by SyncML and the MS-MDE2 SOAP messages.
//!
//! A thin pull reader over quick-xml's namespace-aware reader that:
//! * checks the input size and UTF-8 validity before parsing;
//! * resolves namespaces (an element is identified by its namespace URI and local name, never by
//!   its prefix) and refuses a prefix that is not declared;
//! * refuses every DOCTYPE except the standard public SyncML/DevInf/MetInf ones (no internal
//!   subset), and every entity reference except the five predefined ones and character
//!   references;
//! * counts depth, elements and string bytes against [`Limits`];
//! * can hand back the exact source text of an element's content or of a whole element, so that
//!   `Data` and unknown elements are kept verbatim.
//!
//! It also holds the small writer both codecs use.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::error::{DecodeError, DecodeErrorKind as K, EncodeError, Limit};
use crate::limits::Limits;

/// A namespace class: the caller's classifier maps a namespace URI to one of its own codes.
pub(crate) type NsCode = u8;

/// Namespace declarations: (prefix, URI) pairs.
pub(crate) type Bindings = Vec<(String, String)>;

/// The code for an element in no namespace.
pub(crate) const NS_NONE: NsCode = 0;
/// The code for a namespace the classifier does not know.
pub(crate) const NS_OTHER: NsCode = u8::MAX;

/// A start tag, with its namespace already classified.
#[derive(Debug)]
pub(crate) struct Start<'a> {
    /// The classified namespace.
    pub(crate) ns: NsCode,
    /// The local name.
    pub(crate) local: &'a str,
    tag: BytesStart<'a>,
    /// Byte offset of the `<` of this tag.
    pub(crate) pos: usize,
}

impl Start<'_> {
    /// Whether the tag name has a prefix (`x:Foo`).
    pub(crate) fn is_prefixed(&self) -> bool {
        self.tag.name().prefix().is_some()
    }

    /// Whether the tag declares the default namespace itself (`xmlns="…"`).
    pub(crate) fn declares_default_namespace(&self) -> bool {
        self.tag.attributes().any(|a| {
            a.is_ok_and(|a| {
                matches!(
                    a.key.as_namespace_binding(),
                    Some(quick_xml::name::PrefixDeclaration::Default)
                )
            })
        })
    }
}

/// One event of the pull reader (whitespace-only text, comments and processing instructions
/// are skipped).
#[derive(Debug)]
pub(crate) enum Ev<'a> {
    Start(Start<'a>),
    End,
    Text,
    Eof,
}

/// An attribute with its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    pub(crate) ns: Option<String>,
    pub(crate) local: String,
    pub(crate) value: String,
}

/// The pull reader.
pub(crate) struct Reader<'a> {
    r: NsReader<&'a [u8]>,
    input: &'a str,
    limits: Limits,
    classify: fn(&[u8]) -> NsCode,
    depth: usize,
    elements: usize,
    seen_root: bool,
    /// Bytes of decoded structures charged so far (see [`Reader::charge`]).
    charged: usize,
    /// Recursion depth of the caller's decoder (see [`Reader::enter`]).
    nesting: usize,
}

/// How deep a decoder may recurse (nested `Atomic` / `Sequence`), whatever
/// [`Limits::max_depth`] says: each level costs stack, and real messages nest one or two levels.
pub(crate) const MAX_NESTING: usize = 12;

/// The first byte offset of a character XML 1.0 cannot carry: C0 controls other than tab, LF
/// and CR, and U+FFFE / U+FFFF (the input is valid UTF-8).
fn first_non_xml_char(input: &[u8]) -> Option<usize> {
    input.iter().enumerate().find_map(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => None,
        0..=0x1F => Some(i),
        0xEF if matches!(input.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => Some(i),
        _ => None,
    })
}

fn xml_err(e: &quick_xml::Error) -> K {
    use quick_xml::Error as E;
    match e {
        E::Syntax(quick_xml::errors::SyntaxError::UnclosedDoctype) => K::UnexpectedEof,
        E::Syntax(_) => K::Syntax,
        E::Escape(_) => K::EntityForbidden,
        E::Encoding(_) => K::InvalidUtf8,
        E::IllFormed(quick_xml::errors::IllFormedError::MissingEndTag(_)) => K::UnexpectedEof,
        _ => K::Syntax,
    }
}

/// The DOCTYPE declarations a SyncML document may carry: the standard public identifiers, with
/// an optional system identifier and no internal subset.
fn doctype_allowed(content: &str) -> bool {
    let c = content.trim();
    if c.contains('[') || c.contains('%') || c.contains('&') {
        return false;
    }
    let Some(rest) = c
        .strip_prefix("SyncML")
        .or_else(|| c.strip_prefix("DevInf"))
        .or_else(|| c.strip_prefix("MetInf"))
    else {
        return false;
    };
    let rest = rest.trim_start();
    let Some(rest) = rest.strip_prefix("PUBLIC") else {
        return false;
    };
    let rest = rest.trim_start();
    let Some(quote) = rest.chars().next().filter(|q| *q == '"' || *q == '\'') else {
        return false;
    };
    let body = rest.get(1..).unwrap_or("");
    let Some(end) = body.find(quote) else {
        return false;
    };
    let public_id = body.get(..end).unwrap_or("");
    const ALLOWED: &[&str] = &[
        "-//SYNCML//DTD SyncML 1.0//EN",
        "-//SYNCML//DTD SyncML 1.1//EN",
        "-//SYNCML//DTD SyncML 1.2//EN",
        "-//SYNCML//DTD DevInf 1.0//EN",
        "-//SYNCML//DTD DevInf 1.1//EN",
        "-//SYNCML//DTD DevInf 1.2//EN",
        "-//SYNCML//DTD MetInf 1.0//EN",
        "-//SYNCML//DTD MetInf 1.1//EN",
        "-//SYNCML//DTD MetInf 1.2//EN",
        "-//OMA//DTD SYNCML 1.2//EN",
    ];
    if !ALLOWED.contains(&public_id) {
        return false;
    }
    // After the public identifier: nothing, or one quoted system identifier.
    let tail = body.get(end + 1..).unwrap_or("").trim();
    if tail.is_empty() {
        return true;
    }
    let Some(q2) = tail.chars().next().filter(|q| *q == '"' || *q == '\'') else {
        return false;
    };
    let inner = tail.get(1..).unwrap_or("");
    match inner.find(q2) {
        Some(e) => inner.get(e + 1..).is_some_and(|t| t.trim().is_empty()),
        None => false,
    }
}

impl<'a> Reader<'a> {
    /// Checks the size and encoding, then prepares the reader.
    pub(crate) fn new(
        input: &'a [u8],
        limits: &Limits,
        classify: fn(&[u8]) -> NsCode,
    ) -> Result<Self, DecodeError> {
        if input.len() > limits.max_input_bytes {
            return Err(DecodeError::at(
                K::LimitExceeded(Limit::InputBytes),
                Some(0),
            ));
        }
        let text = std::str::from_utf8(input)
            .map_err(|e| DecodeError::at(K::InvalidUtf8, Some(e.valid_up_to() as u64)))?;
        if let Some(at) = first_non_xml_char(input) {
            return Err(DecodeError::at(
                K::InvalidValue("character"),
                Some(at as u64),
            ));
        }
        // A UTF-8 byte order mark is allowed before the declaration.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut r = NsReader::from_reader(text.as_bytes());
        let cfg = r.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = true;
        Ok(Reader {
            r,
            input: text,
            limits: *limits,
            classify,
            depth: 0,
            elements: 0,
            seen_root: false,
            charged: 0,
            nesting: 0,
        })
    }

    /// Charges `bytes` of decoded structure (the in-memory size of a command, an item, …):
    /// the total may not exceed eight times `max_input_bytes`, so a message of many tiny
    /// elements cannot make the decoder allocate far more than its input.
    pub(crate) fn charge(&mut self, bytes: usize) -> Result<(), DecodeError> {
        self.charged = self.charged.saturating_add(bytes);
        if self.charged > self.limits.max_input_bytes.saturating_mul(8) {
            return Err(self.err(K::LimitExceeded(Limit::Items)));
        }
        Ok(())
    }

    /// Enters one level of decoder recursion; [`MAX_NESTING`] levels at most.
    pub(crate) fn enter(&mut self) -> Result<(), DecodeError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING.min(self.limits.max_depth) {
            return Err(self.err(K::LimitExceeded(Limit::Depth)));
        }
        Ok(())
    }

    /// Leaves one level of decoder recursion.
    pub(crate) fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The current byte offset.
    pub(crate) fn pos(&self) -> usize {
        usize::try_from(self.r.buffer_position()).unwrap_or(usize::MAX)
    }

    /// An error of `kind` at the current offset.
    pub(crate) fn err(&self, kind: K) -> DecodeError {
        DecodeError::at(kind, Some(self.r.buffer_position()))
    }

    /// An error of `kind` at the offset of `start`.
    pub(crate) fn err_at(&self, kind: K, pos: usize) -> DecodeError {
        DecodeError::at(kind, Some(pos as u64))
    }

    fn raw_event(&mut self) -> Result<(NsCode, Event<'a>), DecodeError> {
        let classify = self.classify;
        match self.r.read_resolved_event() {
            Ok((res, ev)) => {
                let code = match res {
                    ResolveResult::Unbound => NS_NONE,
                    ResolveResult::Bound(ns) => classify(ns.into_inner().as_bytes()),
                    ResolveResult::Unknown(_) => {
                        return Err(self.err(K::Syntax));
                    }
                };
                Ok((code, ev))
            }
            Err(e) => Err(DecodeError::at(xml_err(&e), Some(self.r.error_position()))),
        }
    }

    /// The next structural event. Whitespace-only text, comments and processing instructions
    /// are skipped; other text is reported as [`Ev::Text`] (the caller decides whether it is
    /// allowed there).
    pub(crate) fn next(&mut self) -> Result<Ev<'a>, DecodeError> {
        loop {
            let before = self.pos();
            let (ns, ev) = self.raw_event()?;
            match ev {
                Event::Start(tag) => {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(self.err_at(K::LimitExceeded(Limit::Depth), before));
                    }
                    self.elements += 1;
                    if self.elements > self.limits.max_items {
                        return Err(self.err_at(K::LimitExceeded(Limit::Items), before));
                    }
                    self.seen_root = true;
                    // quick-xml checks attributes only when asked: a malformed one (unquoted,
                    // curly quotes, a stray name) is refused here, so that a broken `xmlns`
                    // cannot be ignored silently.
                    for a in tag.attributes() {
                        let a = a.map_err(|_| self.err_at(K::Syntax, before))?;
                        if a.value.contains('<') {
                            return Err(self.err_at(K::Syntax, before));
                        }
                    }
                    let local = local_str(self.input, &tag);
                    return Ok(Ev::Start(Start {
                        ns,
                        local,
                        tag,
                        pos: before,
                    }));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Ev::End);
                }
                Event::Text(t) => {
                    if t.bytes().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    return Ok(Ev::Text);
                }
                Event::CData(_) => return Ok(Ev::Text),
                Event::GeneralRef(r) => {
                    check_ref(&r).map_err(|k| self.err_at(k, before))?;
                    return Ok(Ev::Text);
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Decl(d) => {
                    if self.seen_root {
                        return Err(self.err_at(K::Syntax, before));
                    }
                    if let Some(Ok(enc)) = d.encoding()
                        && !enc.eq_ignore_ascii_case("utf-8")
                        && !enc.eq_ignore_ascii_case("utf8")
                    {
                        return Err(self.err_at(K::UnsupportedEncoding, before));
                    }
                    continue;
                }
                Event::DocType(d) => {
                    let content: &str = &d;
                    if self.seen_root || !doctype_allowed(content) {
                        return Err(self.err_at(K::DoctypeForbidden, before));
                    }
                    continue;
                }
                Event::Empty(_) => return Err(self.err_at(K::Syntax, before)),
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.err(K::UnexpectedEof));
                    }
                    return Ok(Ev::Eof);
                }
            }
        }
    }

    /// Reads the text content of the element just started, up to its end tag. Character and
    /// predefined entity references are resolved, CDATA is taken literally; a child element is
    /// an error (`WrongType`, expected text).
    pub(crate) fn text(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        let mut acc: Option<Cow<'a, str>> = None;
        loop {
            let before = self.pos();
            let (_, ev) = self.raw_event()?;
            let piece: Cow<'a, str> = match ev {
                Event::Text(t) => t.xml10_content(),
                Event::CData(c) => c.xml10_content(),
                Event::GeneralRef(r) => {
                    let c = check_ref(&r).map_err(|k| self.err_at(k, before))?;
                    Cow::Owned(c.to_string())
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    break;
                }
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.err_at(
                        K::WrongType {
                            expected: "text",
                            found: "element",
                        },
                        before,
                    ));
                }
                Event::Eof => return Err(self.err(K::UnexpectedEof)),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.err_at(K::Syntax, before));
                }
            };
            acc = Some(match acc {
                None => piece,
                Some(prev) => {
                    let mut s = prev.into_owned();
                    s.push_str(&piece);
                    Cow::Owned(s)
                }
            });
            if acc
                .as_ref()
                .is_some_and(|s| s.len() > self.limits.max_string_bytes)
            {
                return Err(self.err_at(K::LimitExceeded(Limit::StringBytes), before));
            }
        }
        Ok(acc.unwrap_or(Cow::Borrowed("")))
    }

    /// Reads the content of the element just started up to its end tag and returns its exact
    /// source text (escapes, CDATA sections, comments and nested markup as written). Nested
    /// markup is checked (well-formed, limits, references) but not interpreted.
    ///
    /// Also returns the namespace declarations (prefix, URI) in scope that the content uses, so
    /// that whoever writes it again can declare them.
    pub(crate) fn raw_content(
        &mut self,
        max_bytes: usize,
        limit: Limit,
    ) -> Result<(&'a str, Bindings), DecodeError> {
        let inherited = self.inherited_prefixes();
        let start = self.pos();
        let end = self.skip_to_end()?;
        if end.saturating_sub(start) > max_bytes {
            return Err(self.err_at(K::LimitExceeded(limit), start));
        }
        let text = self.input.get(start..end).unwrap_or("");
        let used = inherited
            .into_iter()
            .filter(|(p, _)| uses_prefix(text, p))
            .collect();
        Ok((text, used))
    }

    /// The default namespace in scope (`None` when unbound). Call right after a start tag.
    pub(crate) fn default_namespace(&self) -> Option<String> {
        let mut out = None;
        for (decl, ns) in self.r.resolver().bindings() {
            if let quick_xml::name::PrefixDeclaration::Default = decl {
                let uri = quick_xml::escape::unescape(ns.into_inner())
                    .map_or_else(|_| ns.into_inner().to_owned(), Cow::into_owned);
                out = (!uri.is_empty()).then_some(uri);
            }
        }
        out
    }

    /// The prefixed namespace bindings in scope, outermost first, overridden ones removed.
    fn inherited_prefixes(&self) -> Vec<(String, String)> {
        let mut inherited: Vec<(String, String)> = Vec::new();
        for (decl, ns) in self.r.resolver().bindings() {
            if let quick_xml::name::PrefixDeclaration::Named(p) = decl {
                inherited.retain(|(q, _)| q != p);
                let uri = quick_xml::escape::unescape(ns.into_inner())
                    .map_or_else(|_| ns.into_inner().to_owned(), std::borrow::Cow::into_owned);
                inherited.push((p.to_owned(), uri));
            }
        }
        inherited
    }

    /// Skips the content of the element just started, through its end tag, checking it; returns
    /// the offset of the end tag's `<`.
    fn skip_to_end(&mut self) -> Result<usize, DecodeError> {
        let mut nested = 0usize;
        loop {
            let before = self.pos();
            let (_, ev) = self.raw_event()?;
            match ev {
                Event::Start(_) => {
                    nested += 1;
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(self.err_at(K::LimitExceeded(Limit::Depth), before));
                    }
                    self.elements += 1;
                    if self.elements > self.limits.max_items {
                        return Err(self.err_at(K::LimitExceeded(Limit::Items), before));
                    }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    if nested == 0 {
                        return Ok(before);
                    }
                    nested -= 1;
                }
                Event::GeneralRef(r) => {
                    check_ref(&r).map_err(|k| self.err_at(k, before))?;
                }
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.err(K::UnexpectedEof)),
                Event::Empty(_) | Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.err_at(
                        if matches!(ev, Event::DocType(_)) {
                            K::DoctypeForbidden
                        } else {
                            K::Syntax
                        },
                        before,
                    ));
                }
            }
        }
    }

    /// Reads the rest of the element whose start tag is `start` and returns its exact source
    /// text, start and end tags included. Must be called right after `start` was read (the
    /// namespace scope is the start tag's): prefixes the element uses that were declared on an
    /// ancestor are declared again on its start tag, so the text stands on its own.
    pub(crate) fn raw_element(&mut self, start: &Start<'a>) -> Result<Cow<'a, str>, DecodeError> {
        let inherited = self.inherited_prefixes();
        self.skip_to_end()?;
        let end = self.pos();
        if end.saturating_sub(start.pos) > self.limits.max_string_bytes {
            return Err(self.err_at(K::LimitExceeded(Limit::StringBytes), start.pos));
        }
        let text = self.input.get(start.pos..end).unwrap_or("");
        let own = start.tag.attributes_raw();
        let mut extra = String::new();
        for (p, ns) in &inherited {
            if uses_prefix(text, p) && !own.contains(&format!("xmlns:{p}=")) {
                extra.push_str(" xmlns:");
                extra.push_str(p);
                extra.push_str("=\"");
                escape_into(&mut extra, ns, true).map_err(|_| self.err_at(K::Syntax, start.pos))?;
                extra.push('"');
            }
        }
        if extra.is_empty() {
            return Ok(Cow::Borrowed(text));
        }
        // Insert after the element's qualified name.
        let name_len = 1 + start.tag.name().into_inner().len();
        let (head, tail) = text.split_at(name_len.min(text.len()));
        Ok(Cow::Owned(format!("{head}{extra}{tail}")))
    }

    /// Skips an element's content (used for elements that must be empty: reads to the end tag
    /// and fails on anything but whitespace or comments).
    pub(crate) fn empty(&mut self) -> Result<(), DecodeError> {
        match self.next()? {
            Ev::End => Ok(()),
            Ev::Start(s) => Err(self.err_at(
                K::WrongType {
                    expected: "empty element",
                    found: "element",
                },
                s.pos,
            )),
            Ev::Text => Err(self.err(K::WrongType {
                expected: "empty element",
                found: "text",
            })),
            Ev::Eof => Err(self.err(K::UnexpectedEof)),
        }
    }

    /// The attributes of `start`, with namespaces resolved. Must be called before the next
    /// event is read (the namespace scope is the start tag's). `xmlns` declarations are not
    /// returned.
    pub(crate) fn attributes(&self, start: &Start<'a>) -> Result<Vec<Attr>, DecodeError> {
        let mut out = Vec::new();
        for a in start.tag.attributes() {
            let a = a.map_err(|_| self.err_at(K::Syntax, start.pos))?;
            let key = a.key;
            if key.as_namespace_binding().is_some() {
                continue;
            }
            let (res, local) = self.r.resolver().resolve_attribute(key);
            let ns = match res {
                ResolveResult::Unbound => None,
                ResolveResult::Bound(ns) => Some(
                    quick_xml::escape::unescape(ns.into_inner())
                        .map_err(|_| self.err_at(K::EntityForbidden, start.pos))?
                        .into_owned(),
                ),
                ResolveResult::Unknown(_) => return Err(self.err_at(K::Syntax, start.pos)),
            };
            let local = local.into_inner().to_owned();
            #[allow(deprecated)] // the XML 1.0 normalisation is what we want; same function
            let value = a
                .unescape_value()
                .map_err(|e| self.err_at(xml_err(&e), start.pos))?
                .into_owned();
            if !value.chars().all(is_xml_char) {
                return Err(self.err_at(K::InvalidValue("character reference"), start.pos));
            }
            if value.len() > self.limits.max_string_bytes {
                return Err(self.err_at(K::LimitExceeded(Limit::StringBytes), start.pos));
            }
            out.push(Attr { ns, local, value });
        }
        Ok(out)
    }

    /// After the root element: only whitespace, comments and PIs may follow.
    pub(crate) fn finish(&mut self) -> Result<(), DecodeError> {
        match self.next()? {
            Ev::Eof => Ok(()),
            _ => Err(self.err(K::TrailingData)),
        }
    }
}

/// Whether `text` (markup) may use namespace prefix `p` in a tag or attribute name.
fn uses_prefix(text: &str, p: &str) -> bool {
    [b'<', b' ', b'\t', b'\n', b'\r', b'/'].iter().any(|&c| {
        let mut pat = String::with_capacity(p.len() + 2);
        pat.push(char::from(c));
        pat.push_str(p);
        pat.push(':');
        text.contains(&pat)
    })
}

fn local_str<'a>(input: &'a str, tag: &BytesStart<'a>) -> &'a str {
    // The local name is a sub-slice of the input: find it without allocating.
    let name = tag.local_name();
    let s = name.into_inner();
    // Re-borrow from the input so the lifetime is the input's.
    let base = input.as_ptr() as usize;
    let p = s.as_ptr() as usize;
    p.checked_sub(base)
        .and_then(|off| input.get(off..off + s.len()))
        .unwrap_or("")
}

/// Resolves a general reference: the five predefined entities and character references only.
fn check_ref(r: &quick_xml::events::BytesRef<'_>) -> Result<char, K> {
    match r.resolve_char_ref() {
        Ok(Some(c)) if is_xml_char(c) => Ok(c),
        Ok(Some(_)) => Err(K::InvalidValue("character reference")),
        Ok(None) => match &**r {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            _ => Err(K::EntityForbidden),
        },
        Err(_) => Err(K::InvalidValue("character reference")),
    }
}

/// Stores `v` in `slot`; a second occurrence of a singleton element is `DuplicateKey`.
pub(crate) fn set_once<T>(r: &Reader<'_>, slot: &mut Option<T>, v: T) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(r.err(K::DuplicateKey));
    }
    *slot = Some(v);
    Ok(())
}

/// The value of a required element; `MissingKey` with the element's name as path otherwise.
pub(crate) fn required<T>(r: &Reader<'_>, v: Option<T>, key: &str) -> Result<T, DecodeError> {
    v.ok_or_else(|| r.err(K::MissingKey).in_key(key))
}

/// Whether `c` may appear in an XML 1.0 document.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A minimal XML writer: elements, escaped text, verbatim fragments.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) out: String,
}

impl Writer {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Writer {
            out: String::with_capacity(n),
        }
    }

    /// `<name>` or `<name attrs>`.
    pub(crate) fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name` — follow with [`Writer::attr`] calls and [`Writer::close_start`].
    pub(crate) fn open_start(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
    }

    /// ` name="value"` with the value escaped.
    pub(crate) fn attr(&mut self, name: &str, value: &str) -> Result<(), EncodeError> {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true)?;
        self.out.push('"');
        Ok(())
    }

    pub(crate) fn close_start(&mut self) {
        self.out.push('>');
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name/>`.
    pub(crate) fn empty(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    /// `<name>text</name>` with the text escaped.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> Result<(), EncodeError> {
        self.open(name);
        escape_into(&mut self.out, text, false)?;
        self.close(name);
        Ok(())
    }

    /// Escaped text.
    pub(crate) fn text(&mut self, text: &str) -> Result<(), EncodeError> {
        escape_into(&mut self.out, text, false)
    }

    /// Verbatim markup (already checked by its owner).
    pub(crate) fn raw(&mut self, xml: &str) {
        self.out.push_str(xml);
    }
}

/// Escapes `&`, `<`, `>` (and `"` in attributes; CR as `&#13;` so it survives line-end
/// normalisation); refuses characters XML cannot carry.
pub(crate) fn escape_into(out: &mut String, s: &str, attr: bool) -> Result<(), EncodeError> {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            c if is_xml_char(c) => out.push(c),
            c => {
                let _ = c;
                return Err(EncodeError::InvalidXmlChar {
                    path: String::new(),
                });
            }
        }
    }
    Ok(())
}

impl<'a> Reader<'a> {
    /// Reads the rest of the element whose start tag is `start` and returns its source text,
    /// made to stand on its own: every namespace binding the subtree relies on but does not
    /// declare (a prefix of an element or attribute name, or the default namespace of an
    /// unprefixed element name; `xmlns=""` when no default is in scope) is declared on the
    /// element's start tag. Unlike [`Reader::raw_element`], usage is found by scanning the tags
    /// with their scopes, so the result does not depend on text content, and decoding the
    /// written-back text gives the same text. The result is checked (XML characters only, every
    /// prefix bound). Must be called right after `start` was read.
    pub(crate) fn raw_element_standalone(
        &mut self,
        start: &Start<'a>,
    ) -> Result<Cow<'a, str>, DecodeError> {
        // Bindings in scope at the start tag, its own declarations included.
        let mut default: Option<String> = None;
        let mut named: Vec<(String, String)> = Vec::new();
        for (decl, ns) in self.r.resolver().bindings() {
            match decl {
                quick_xml::name::PrefixDeclaration::Default => {
                    default = Some(ns.into_inner().to_owned());
                }
                quick_xml::name::PrefixDeclaration::Named(p) => {
                    named.retain(|(q, _)| q != p);
                    named.push((p.to_owned(), ns.into_inner().to_owned()));
                }
            }
        }
        self.skip_to_end()?;
        let end = self.pos();
        if end.saturating_sub(start.pos) > self.limits.max_string_bytes {
            return Err(self.err_at(K::LimitExceeded(Limit::StringBytes), start.pos));
        }
        let text = self.input.get(start.pos..end).unwrap_or("");
        let pos = start.pos;
        let bad = |_: ()| DecodeError::at(K::Syntax, Some(pos as u64));
        let (needs_default, needs) = free_prefixes(text).ok_or_else(|| bad(()))?;
        let mut extra = String::new();
        if needs_default {
            extra.push_str(" xmlns=\"");
            escape_into(&mut extra, default.as_deref().unwrap_or(""), true).map_err(|_| bad(()))?;
            extra.push('"');
        }
        for p in &needs {
            let Some((_, uri)) = named.iter().find(|(q, _)| q == p) else {
                return Err(bad(()));
            };
            extra.push_str(" xmlns:");
            extra.push_str(p);
            extra.push_str("=\"");
            escape_into(&mut extra, uri, true).map_err(|_| bad(()))?;
            extra.push('"');
        }
        let text = if extra.is_empty() {
            Cow::Borrowed(text)
        } else {
            let name_len = 1 + start.tag.name().into_inner().len();
            let (head, tail) = text.split_at(name_len.min(text.len()));
            Cow::Owned(format!("{head}{extra}{tail}"))
        };
        self.check_standalone(&text)
            .map_err(|e| DecodeError::at(e.kind().clone(), Some(start.pos as u64)))?;
        Ok(text)
    }

    /// Checks that `text` (one element) stands on its own: only XML characters (names
    /// included), and every attribute prefix declared within it.
    fn check_standalone(&self, text: &str) -> Result<(), DecodeError> {
        if !text.chars().all(is_xml_char) {
            return Err(DecodeError::new(K::Syntax));
        }
        let mut r = Reader::new(text.as_bytes(), &self.limits, |_| NS_NONE)?;
        loop {
            match r.next()? {
                Ev::Start(s) => {
                    r.attributes(&s)?;
                }
                Ev::Eof => return Ok(()),
                Ev::End | Ev::Text => {}
            }
        }
    }
}

/// The bindings an element's source text uses without declaring them: whether an unprefixed
/// element name relies on an outer default namespace, and the outer prefixes used by element
/// and attribute names, in first-use order. `None` when the tags cannot be scanned.
fn free_prefixes(xml: &str) -> Option<(bool, Vec<String>)> {
    use quick_xml::events::Event as E;
    let mut r = quick_xml::Reader::from_str(xml);
    // Per open element: whether it declares the default namespace, and its named prefixes.
    let mut scopes: Vec<(bool, Vec<String>)> = Vec::new();
    let mut needs_default = false;
    let mut needs: Vec<String> = Vec::new();
    loop {
        let ev = r.read_event().ok()?;
        let (tag, empty) = match ev {
            E::Start(t) => (t, false),
            E::Empty(t) => (t, true),
            E::End(_) => {
                scopes.pop();
                continue;
            }
            E::Eof => return Some((needs_default, needs)),
            _ => continue,
        };
        let mut own_default = false;
        let mut own: Vec<String> = Vec::new();
        let mut used: Vec<String> = Vec::new();
        for a in tag.attributes() {
            let a = a.ok()?;
            match a.key.as_namespace_binding() {
                Some(quick_xml::name::PrefixDeclaration::Default) => own_default = true,
                Some(quick_xml::name::PrefixDeclaration::Named(p)) => {
                    own.push(String::from_utf8_lossy(p.as_ref()).into_owned());
                }
                None => {
                    if let Some(p) = a.key.prefix() {
                        used.push(p.into_inner().to_owned());
                    }
                }
            }
        }
        let elem_prefix = tag.name().prefix().map(|p| p.into_inner().to_owned());
        scopes.push((own_default, own));
        match elem_prefix {
            Some(p) => used.push(p),
            None => {
                if !scopes.iter().any(|(d, _)| *d) {
                    needs_default = true;
                }
            }
        }
        for p in used {
            if p == "xml" {
                continue;
            }
            let declared = scopes.iter().any(|(_, ps)| ps.contains(&p));
            if !declared && !needs.contains(&p) {
                needs.push(p);
            }
        }
        if empty {
            scopes.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn doctype_rules() {
        assert!(doctype_allowed(
            r#"SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd""#
        ));
        assert!(doctype_allowed(
            r#"SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN""#
        ));
        assert!(!doctype_allowed(
            r#"SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" [<!ENTITY x "y">]"#
        ));
        assert!(!doctype_allowed(r#"SyncML SYSTEM "file:///etc/passwd""#));
        assert!(!doctype_allowed(r#"SyncML PUBLIC "-//EVIL//EN" "x""#));
        assert!(!doctype_allowed(
            r#"SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "a" "b""#
        ));
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"\r", true).unwrap();
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;&#13;");
        assert!(escape_into(&mut String::new(), "\u{1}", false).is_err());
    }
}
