//! XML → WBXML, in three passes over a flat node list (never recursive): read the XML into
//! nodes (namespace-resolved, limits checked), build the string table the way libwbxml does,
//! then write the tokens.

use super::decode::{is_qname, is_xml_char};
use super::tables::{self, CHARSET_UTF8, NS_METINF, PublicId};
use super::write_mb_u32;
use crate::error::{DecodeError, DecodeErrorKind as K, Limit};
use crate::limits::Limits;
use quick_xml::NsReader;
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{PrefixDeclaration, ResolveResult};
use std::collections::HashMap;

/// The WBXML version written: 1.3.
const VERSION: u8 = 0x03;

/// Minimum length (exclusive) of a string that goes into the string table (libwbxml's
/// `WBXML_ENCODER_STRING_TABLE_MIN`).
const STRTBL_MIN: usize = 3;

/// Above this many byte comparisons, text is written without string-table references.
const SEARCH_BUDGET: u128 = 1 << 27;

/// An element's name as written.
enum Name {
    Token { page: u8, token: u8 },
    Literal(String),
}

/// An attribute as written: a literal name and its value.
struct Attr {
    name: String,
    value: String,
    /// A namespace declaration (`xmlns:p`, or the `xmlns` the encoder adds): its value does not
    /// go into the string table (libwbxml never sees declarations as attributes).
    ns_decl: bool,
}

enum Node {
    Start {
        name: Name,
        attrs: Vec<Attr>,
    },
    Text(String),
    /// Opaque data: a CDATA section, or text that libwbxml's `Data` rule makes opaque
    /// (`converted`).
    CData {
        text: String,
        converted: bool,
    },
    End,
    /// Whitespace-only text between child elements, dropped.
    Dropped,
}

/// What an element is to libwbxml's SyncML `Data` rule (see [`Reader::data_is_opaque`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Data,
    Meta,
    Type,
    AddOrReplace,
    Other,
}

/// The first child node of an element (libwbxml looks at the first child of `Type`).
enum FirstChild {
    None,
    Text(String),
    Other,
}

/// An element being read.
struct Open {
    /// The default namespace the decoder will have in scope inside this element.
    sim_default: String,
    has_child_elements: bool,
    /// Indices of whitespace-only text nodes directly inside it.
    whitespace: Vec<usize>,
    role: Role,
    first_child: FirstChild,
    /// A `Meta` child has started (only the first one counts).
    meta_seen: bool,
    /// The first `Meta` child's first `Type` child: its text when its first child is text.
    meta_type: Option<Option<String>>,
    /// This is its parent's first `Meta`.
    first_meta: bool,
    /// (`Meta`) a `Type` child has started.
    type_seen: bool,
    /// (`Meta`) the first `Type` child: its text when its first child is text.
    type_child: Option<Option<String>>,
    /// This is the first `Type` of a first `Meta`.
    first_type: bool,
}

fn err(kind: K, at: u64) -> DecodeError {
    DecodeError::at(kind, Some(at))
}

fn xml_err(e: &quick_xml::Error) -> K {
    use quick_xml::Error as E;
    match e {
        E::Syntax(quick_xml::errors::SyntaxError::UnclosedDoctype) => K::UnexpectedEof,
        E::Syntax(_) => K::Syntax,
        E::Escape(EscapeError::UnrecognizedEntity(..)) => K::EntityForbidden,
        E::Escape(_) => K::InvalidValue("character reference"),
        E::Encoding(_) => K::InvalidUtf8,
        _ => K::Syntax,
    }
}

/// Whether `s` is empty or only XML / C whitespace (libwbxml's `isspace`).
fn is_blank(s: &str) -> bool {
    s.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C))
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// The document type a `DOCTYPE` declares, `None` (refused) for anything but the standard
/// `NAME PUBLIC "fpi" ["system id"]` form of a known document type.
fn doctype(content: &str) -> Option<(String, PublicId)> {
    if content.contains(['[', '<', '%', '&']) {
        return None;
    }
    let mut rest = content.trim_start();
    let name_end = rest.find(char::is_whitespace)?;
    let name = rest.get(..name_end)?.to_owned();
    rest = rest.get(name_end..)?.trim_start();
    rest = rest.strip_prefix("PUBLIC")?.trim_start();
    let mut literals = Vec::new();
    while !rest.is_empty() {
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let body = rest.get(1..)?;
        let end = body.find(quote)?;
        literals.push(body.get(..end)?);
        rest = body.get(end + 1..)?.trim_start();
    }
    match literals.as_slice() {
        [fpi] | [fpi, _] => Some((name, PublicId::from_fpi(fpi)?)),
        _ => None,
    }
}

struct Reader<'a> {
    limits: &'a Limits,
    reader: NsReader<&'a [u8]>,
    base: u64,
    nodes: Vec<Node>,
    open: Vec<Open>,
    text: String,
    items: usize,
    doc: Option<PublicId>,
    /// The root has no namespace: page-0 names may also be page-1 names (libwbxml's lookup).
    legacy: bool,
    doctype: Option<(String, PublicId)>,
    root_done: bool,
}

impl Reader<'_> {
    fn pos(&self) -> u64 {
        self.base + self.reader.buffer_position()
    }

    fn err(&self, kind: K) -> DecodeError {
        err(kind, self.pos())
    }

    fn item(&mut self) -> Result<(), DecodeError> {
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(self.err(K::LimitExceeded(Limit::Items)));
        }
        Ok(())
    }

    /// A run of character content (text and CDATA between two tags) counts as one item.
    fn content_item(&mut self) -> Result<(), DecodeError> {
        if matches!(self.nodes.last(), Some(Node::Text(_) | Node::CData { .. })) {
            return Ok(());
        }
        self.item()
    }

    fn check_str(&self, s: &str) -> Result<(), DecodeError> {
        if s.len() > self.limits.max_string_bytes {
            return Err(self.err(K::LimitExceeded(Limit::StringBytes)));
        }
        if !s.chars().all(is_xml_char) {
            return Err(self.err(K::Syntax));
        }
        Ok(())
    }

    /// Text outside the root element: only whitespace.
    fn outside(&self, s: &str) -> Result<(), DecodeError> {
        if s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            return Ok(());
        }
        Err(self.err(if self.root_done {
            K::TrailingData
        } else {
            K::Syntax
        }))
    }

    fn add_text(&mut self, piece: &str) -> Result<(), DecodeError> {
        if self.open.is_empty() {
            return self.outside(piece);
        }
        if self.text.len().saturating_add(piece.len()) > self.limits.max_string_bytes {
            return Err(self.err(K::LimitExceeded(Limit::StringBytes)));
        }
        self.text.push_str(piece);
        Ok(())
    }

    /// Ends the current text run (at markup other than comments and PIs).
    fn flush_text(&mut self) -> Result<(), DecodeError> {
        if self.text.is_empty() {
            return Ok(());
        }
        let text = std::mem::take(&mut self.text);
        self.check_str(&text)?;
        self.content_item()?;
        let index = self.nodes.len();
        let opaque = self.data_is_opaque();
        let joins = opaque && matches!(self.nodes.last(), Some(Node::CData { .. }));
        if let Some(open) = self.open.last_mut() {
            if is_blank(&text) && !joins {
                open.whitespace.push(index);
            }
            if matches!(open.first_child, FirstChild::None) {
                open.first_child = if open.role == Role::Type {
                    FirstChild::Text(text.clone())
                } else {
                    FirstChild::Other
                };
            }
        }
        if opaque {
            self.push_opaque(text, true)
        } else {
            self.nodes.push(Node::Text(text));
            Ok(())
        }
    }

    /// Adds opaque data. Next to text that the `Data` rule made opaque, it joins the same
    /// `OPAQUE` (so `<![CDATA[a]]>&#13;`, which is how the decoder writes opaque `a\r`, reads
    /// back as one value); two CDATA sections in a row stay two, as in libwbxml.
    fn push_opaque(&mut self, s: String, converted: bool) -> Result<(), DecodeError> {
        if let Some(Node::CData {
            text,
            converted: prev,
        }) = self.nodes.last_mut()
            && (converted || *prev)
        {
            text.push_str(&s);
            *prev = true;
            let len = text.len();
            if len > self.limits.max_data_bytes {
                return Err(self.err(K::LimitExceeded(Limit::DataBytes)));
            }
            return Ok(());
        }
        self.nodes.push(Node::CData { text: s, converted });
        Ok(())
    }

    /// libwbxml's rule for text in a SyncML `Data` element (`wbxml_tree_node_get_syncml_data_type`):
    /// it is written as opaque data when the `Type` in the first `Meta` of the `Data`'s parent
    /// (or else of its grandparent) is `text/clear` or a vCard / vCalendar type, or, unless
    /// that type is a DevInf / DM TNDS one, when the grandparent is an `Add` or a `Replace`.
    fn data_is_opaque(&self) -> bool {
        let n = self.open.len();
        let at = |back: usize| n.checked_sub(back).and_then(|i| self.open.get(i));
        if at(1).is_none_or(|d| d.role != Role::Data) {
            return false;
        }
        let (parent, grandparent) = (at(2), at(3));
        let ty = parent
            .and_then(|p| p.meta_type.as_ref())
            .or_else(|| grandparent.and_then(|g| g.meta_type.as_ref()));
        if let Some(Some(ty)) = ty {
            match ty.as_str() {
                "application/vnd.syncml-devinf+wbxml"
                | "application/vnd.syncml-devinf+xml"
                | "application/vnd.syncml.dmtnds+wbxml"
                | "application/vnd.syncml.dmtnds+xml" => return false,
                "text/clear"
                | "text/directory;profile=vCard"
                | "text/x-vcard"
                | "text/x-vcalendar" => return true,
                _ => {}
            }
        }
        grandparent.is_some_and(|g| g.role == Role::AddOrReplace)
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), DecodeError> {
        self.flush_text()?;
        if self.root_done {
            return Err(self.err(K::TrailingData));
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(self.err(K::LimitExceeded(Limit::Depth)));
        }
        self.item()?;
        let qname = e.name();
        let qname_str: &str = qname.as_ref();
        if !is_qname(qname_str) {
            return Err(self.err(K::Syntax));
        }
        let (res, local) = self.reader.resolver().resolve_element(qname);
        let ns: Option<String> = match res {
            ResolveResult::Bound(ns) => Some(ns.as_ref().to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(_) => return Err(self.err(K::Syntax)),
        };
        let local: &str = local.as_ref();

        let doc = match self.doc {
            Some(doc) => doc,
            None => {
                let doc = self.root_document(local, ns.as_deref())?;
                self.doc = Some(doc);
                self.legacy = ns.is_none();
                doc
            }
        };

        // The element's namespace as the decoder will see it (in a document without
        // namespaces, no namespace stands for the document's own).
        let ns_eff: &str = match &ns {
            Some(n) => n,
            None if self.legacy => doc.namespace(),
            None => "",
        };
        let token = if ns_eff == doc.namespace() {
            doc.tag_token(0, local).map(|t| (0, t)).or_else(|| {
                if self.legacy && ns.is_none() {
                    doc.tag_token(1, local).map(|t| (1, t))
                } else {
                    None
                }
            })
        } else if doc.is_syncml() && ns_eff == NS_METINF {
            doc.tag_token(1, local).map(|t| (1, t))
        } else {
            None
        };
        let parent_default = self.open.last().map_or("", |o| o.sim_default.as_str());
        let mut attrs = Vec::new();
        let (name, sim_default) = match token {
            Some((page, token)) => (
                Name::Token { page, token },
                doc.page_namespace(page).unwrap_or_default().to_owned(),
            ),
            None => {
                let mut sim = parent_default.to_owned();
                if !qname_str.contains(':') && ns_eff != parent_default {
                    attrs.push(Attr {
                        name: "xmlns".to_owned(),
                        value: ns_eff.to_owned(),
                        ns_decl: true,
                    });
                    ns_eff.clone_into(&mut sim);
                }
                (Name::Literal(qname_str.to_owned()), sim)
            }
        };
        if self.nodes.is_empty() && !matches!(name, Name::Token { page: 0, .. }) {
            return Err(self.err(K::InvalidValue("document type")));
        }

        for a in e.attributes() {
            let a = a.map_err(|_| self.err(K::Syntax))?;
            let key = a.key;
            let key_str: &str = key.as_ref();
            let value = a
                .normalized_value_with(quick_xml::XmlVersion::Implicit1_0, 1, predefined)
                .map_err(|e| self.err(xml_err(&e)))?;
            let ns_decl = match key.as_namespace_binding() {
                // Code pages carry default namespaces; the encoder adds what literals need.
                Some(PrefixDeclaration::Default) => continue,
                Some(PrefixDeclaration::Named(_)) => true,
                None => {
                    if !is_qname(key_str) {
                        return Err(self.err(K::Syntax));
                    }
                    if let (ResolveResult::Unknown(_), _) =
                        self.reader.resolver().resolve_attribute(key)
                    {
                        return Err(self.err(K::Syntax));
                    }
                    false
                }
            };
            self.check_str(&value)?;
            attrs.push(Attr {
                name: key_str.to_owned(),
                value: value.into_owned(),
                ns_decl,
            });
        }

        let role = match name {
            Name::Token {
                page: 0,
                token: 0x0F,
            } if doc.is_syncml() => Role::Data,
            Name::Token {
                page: 0,
                token: 0x1A,
            } if doc.is_syncml() => Role::Meta,
            Name::Token {
                page: 1,
                token: 0x13,
            } if doc.is_syncml() => Role::Type,
            Name::Token {
                page: 0,
                token: 0x05 | 0x20,
            } if doc.is_syncml() => Role::AddOrReplace,
            _ => Role::Other,
        };
        let (mut first_meta, mut first_type) = (false, false);
        if let Some(parent) = self.open.last_mut() {
            parent.has_child_elements = true;
            if matches!(parent.first_child, FirstChild::None) {
                parent.first_child = FirstChild::Other;
            }
            if role == Role::Meta && !parent.meta_seen {
                parent.meta_seen = true;
                first_meta = true;
            }
            if role == Role::Type && parent.first_meta && !parent.type_seen {
                parent.type_seen = true;
                first_type = true;
            }
        }
        self.nodes.push(Node::Start { name, attrs });
        self.open.push(Open {
            sim_default,
            has_child_elements: false,
            whitespace: Vec::new(),
            role,
            first_child: FirstChild::None,
            meta_seen: false,
            meta_type: None,
            first_meta,
            type_seen: false,
            type_child: None,
            first_type,
        });
        if empty {
            self.end()?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), DecodeError> {
        self.flush_text()?;
        let open = self.open.pop().ok_or_else(|| self.err(K::Syntax))?;
        if let Some(parent) = self.open.last_mut() {
            if open.first_type {
                parent.type_child = Some(match &open.first_child {
                    FirstChild::Text(t) => Some(t.clone()),
                    _ => None,
                });
            }
            if open.first_meta {
                parent.meta_type = open.type_child.clone();
            }
        }
        if open.has_child_elements {
            for i in open.whitespace {
                if let Some(n) = self.nodes.get_mut(i) {
                    *n = Node::Dropped;
                }
            }
        }
        self.nodes.push(Node::End);
        if self.open.is_empty() {
            self.root_done = true;
        }
        Ok(())
    }

    /// The document type from the root element (and the DOCTYPE, if any).
    fn root_document(&self, local: &str, ns: Option<&str>) -> Result<PublicId, DecodeError> {
        let declared = self.doctype.as_ref().map(|(_, d)| *d);
        if let Some((name, _)) = &self.doctype
            && name != local
        {
            return Err(self.err(K::DoctypeForbidden));
        }
        let doc = match (local, ns) {
            ("SyncML", Some("SYNCML:SYNCML1.2")) => PublicId::SyncMl12,
            ("SyncML", Some("SYNCML:SYNCML1.1")) => PublicId::SyncMl11,
            ("SyncML", None) => match declared {
                Some(d) if d.is_syncml() => d,
                Some(_) => return Err(self.err(K::InvalidValue("document type"))),
                None => PublicId::SyncMl12,
            },
            ("DevInf", Some("syncml:devinf") | None) => PublicId::DevInf12,
            _ => return Err(self.err(K::InvalidValue("document type"))),
        };
        if declared.is_some_and(|d| d != doc) {
            return Err(self.err(K::InvalidValue("document type")));
        }
        Ok(doc)
    }

    fn run(&mut self) -> Result<(), DecodeError> {
        let mut seen_element = false;
        loop {
            let ev = self
                .reader
                .read_event()
                .map_err(|e| err(xml_err(&e), self.base + self.reader.error_position()))?;
            match ev {
                Event::Start(e) => {
                    seen_element = true;
                    self.start(&e, false)?;
                }
                Event::Empty(e) => {
                    seen_element = true;
                    self.start(&e, true)?;
                }
                Event::End(_) => self.end()?,
                Event::Text(t) => {
                    let s = t.xml10_content();
                    self.add_text(&s)?;
                }
                Event::GeneralRef(r) => {
                    if self.open.is_empty() {
                        return Err(self.err(if self.root_done {
                            K::TrailingData
                        } else {
                            K::Syntax
                        }));
                    }
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c,
                        Ok(Some(_)) | Err(_) => {
                            return Err(self.err(K::InvalidValue("character reference")));
                        }
                        Ok(None) => {
                            let s = predefined(&r).ok_or_else(|| self.err(K::EntityForbidden))?;
                            self.add_text(s)?;
                            continue;
                        }
                    };
                    self.add_text(c.encode_utf8(&mut [0u8; 4]))?;
                }
                Event::CData(c) => {
                    if self.open.is_empty() {
                        return Err(self.err(K::Syntax));
                    }
                    self.flush_text()?;
                    if let Some(open) = self.open.last_mut()
                        && matches!(open.first_child, FirstChild::None)
                    {
                        open.first_child = FirstChild::Other;
                    }
                    let s = c.xml10_content();
                    if s.len() > self.limits.max_data_bytes {
                        return Err(self.err(K::LimitExceeded(Limit::DataBytes)));
                    }
                    if !s.chars().all(is_xml_char) {
                        return Err(self.err(K::Syntax));
                    }
                    if !s.is_empty() {
                        self.content_item()?;
                        self.push_opaque(s.into_owned(), false)?;
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(d) => {
                    if seen_element {
                        return Err(self.err(K::Syntax));
                    }
                    if let Some(Ok(enc)) = d.encoding()
                        && !enc.eq_ignore_ascii_case("utf-8")
                        && !enc.eq_ignore_ascii_case("utf8")
                    {
                        return Err(self.err(K::UnsupportedEncoding));
                    }
                }
                Event::DocType(d) => {
                    if seen_element || self.doctype.is_some() {
                        return Err(self.err(K::DoctypeForbidden));
                    }
                    let parsed = doctype(&d).ok_or_else(|| self.err(K::DoctypeForbidden))?;
                    self.doctype = Some(parsed);
                }
                Event::Eof => {
                    if !self.root_done {
                        return Err(self.err(K::UnexpectedEof));
                    }
                    return Ok(());
                }
            }
        }
    }
}

/// The string table being built: entries in order, with their offsets.
#[derive(Default)]
struct StringTable {
    entries: Vec<(String, u32)>,
    index: HashMap<String, u32>,
    len: u32,
}

impl StringTable {
    /// The offset of `s`, adding it if it is new.
    fn add(&mut self, s: &str) -> u32 {
        if let Some(&off) = self.index.get(s) {
            return off;
        }
        let off = self.len;
        self.entries.push((s.to_owned(), off));
        self.index.insert(s.to_owned(), off);
        self.len = self
            .len
            .saturating_add(u32::try_from(s.len()).unwrap_or(u32::MAX))
            .saturating_add(1);
        off
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len as usize);
        for (s, _) in &self.entries {
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        out
    }
}

/// Adds to the table the strings that occur more than once (and are longer than 3 bytes), in
/// order of first occurrence; returns those that occur once, in the same order.
fn check_references<'s>(table: &mut StringTable, strings: &[&'s str]) -> Vec<&'s str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for &s in strings {
        let c = counts.entry(s).or_insert(0);
        if *c == 0 {
            order.push(s);
        }
        *c += 1;
    }
    let mut once = Vec::new();
    for s in order {
        if counts.get(s).copied().unwrap_or(0) > 1 && s.len() > STRTBL_MIN {
            table.add(s);
        } else {
            once.push(s);
        }
    }
    once
}

/// libwbxml's string-table initialisation: whole strings first, then words of the rest.
fn build_table(nodes: &[Node]) -> StringTable {
    let mut strings: Vec<&str> = Vec::new();
    for node in nodes {
        match node {
            Node::Start { attrs, .. } => {
                strings.extend(
                    attrs
                        .iter()
                        .filter(|a| !a.ns_decl && a.value.len() > STRTBL_MIN)
                        .map(|a| a.value.as_str()),
                );
            }
            Node::Text(s) | Node::CData { text: s, .. } if !is_blank(s) && s.len() > STRTBL_MIN => {
                strings.push(s);
            }
            _ => {}
        }
    }
    let mut table = StringTable::default();
    let once = check_references(&mut table, &strings);
    let words: Vec<&str> = once
        .iter()
        .flat_map(|s| {
            s.split([' ', '\t', '\n', '\r', '\u{B}', '\u{C}'])
                .filter(|w| !w.is_empty())
        })
        .collect();
    check_references(&mut table, &words);
    table
}

/// The first occurrence of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let hay = haystack.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

enum Piece {
    Str(usize, usize),
    Ref(u32),
}

/// Writes a text or attribute value: inline strings, with a reference for every table entry it
/// contains, entry by entry in table order (libwbxml's `wbxml_encode_value_element_buffer`).
fn write_value(out: &mut Vec<u8>, s: &str, table: &StringTable, use_table: bool) {
    let bytes = s.as_bytes();
    let mut pieces = vec![Piece::Str(0, bytes.len())];
    if use_table {
        for (entry, off) in &table.entries {
            let needle = entry.as_bytes();
            if bytes.len() < needle.len() {
                continue;
            }
            let mut next = Vec::with_capacity(pieces.len());
            for piece in pieces {
                let Piece::Str(mut a, b) = piece else {
                    next.push(piece);
                    continue;
                };
                while let Some(p) = find(bytes.get(..b).unwrap_or_default(), needle, a)
                    .filter(|p| p + needle.len() <= b)
                {
                    next.push(Piece::Str(a, p));
                    next.push(Piece::Ref(*off));
                    a = p + needle.len();
                }
                next.push(Piece::Str(a, b));
            }
            pieces = next;
        }
    }
    for piece in pieces {
        match piece {
            Piece::Str(a, b) if b > a => {
                out.push(tables::STR_I);
                out.extend_from_slice(bytes.get(a..b).unwrap_or_default());
                out.push(0);
            }
            Piece::Str(..) => {}
            Piece::Ref(off) => {
                out.push(tables::STR_T);
                write_mb_u32(out, off);
            }
        }
    }
}

pub(crate) fn encode(input: &[u8], limits: &Limits) -> Result<Vec<u8>, DecodeError> {
    if input.len() > limits.max_input_bytes {
        return Err(err(K::LimitExceeded(Limit::InputBytes), 0));
    }
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let base = (input.len() - body.len()) as u64;
    let text = std::str::from_utf8(body)
        .map_err(|e| err(K::InvalidUtf8, base + e.valid_up_to() as u64).with_source(e))?;
    let mut reader = NsReader::from_str(text);
    let cfg = reader.config_mut();
    cfg.check_end_names = true;
    cfg.expand_empty_elements = false;
    let mut r = Reader {
        limits,
        reader,
        base,
        nodes: Vec::new(),
        open: Vec::new(),
        text: String::new(),
        items: 0,
        doc: None,
        legacy: false,
        doctype: None,
        root_done: false,
    };
    r.run()?;
    let doc = r
        .doc
        .ok_or_else(|| err(K::UnexpectedEof, input.len() as u64))?;
    let nodes = r.nodes;

    let mut table = build_table(&nodes);
    // Cost of the reference search: every text byte against every table byte (literal names
    // included, which join the table while writing).
    let text_bytes: u128 = nodes
        .iter()
        .map(|n| match n {
            Node::Text(s) => s.len() as u128,
            Node::Start { attrs, .. } => attrs.iter().map(|a| a.value.len() as u128).sum(),
            _ => 0,
        })
        .sum();
    let mut table_bytes: u128 = table.entries.iter().map(|(s, _)| s.len() as u128).sum();
    for n in &nodes {
        if let Node::Start { name, attrs } = n {
            if let Name::Literal(l) = name {
                table_bytes += l.len() as u128;
            }
            table_bytes += attrs.iter().map(|a| a.name.len() as u128).sum::<u128>();
        }
    }
    let use_table = text_bytes.saturating_mul(table_bytes) <= SEARCH_BUDGET;
    if !use_table {
        table = StringTable::default();
    }

    let mut out = Vec::with_capacity(input.len());
    let mut page = 0u8;
    // Whether each open element was written with content (and so needs an END).
    let mut open: Vec<bool> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node {
            Node::Start { name, attrs } => {
                let has_content = !matches!(
                    nodes
                        .get(i + 1..)
                        .unwrap_or_default()
                        .iter()
                        .find(|n| !matches!(n, Node::Dropped)),
                    Some(Node::End) | None
                );
                let mut flags = 0;
                if has_content {
                    flags |= tables::HAS_CONTENT;
                }
                if !attrs.is_empty() {
                    flags |= tables::HAS_ATTRS;
                }
                match name {
                    Name::Token { page: p, token } => {
                        if *p != page {
                            out.push(tables::SWITCH_PAGE);
                            out.push(*p);
                            page = *p;
                        }
                        out.push(token | flags);
                    }
                    Name::Literal(l) => {
                        let off = table.add(l);
                        out.push(tables::LITERAL | flags);
                        write_mb_u32(&mut out, off);
                    }
                }
                if !attrs.is_empty() {
                    for a in attrs {
                        let off = table.add(&a.name);
                        out.push(tables::LITERAL);
                        write_mb_u32(&mut out, off);
                        write_value(&mut out, &a.value, &table, use_table);
                    }
                    out.push(tables::END);
                }
                open.push(has_content);
            }
            Node::Text(s) => write_value(&mut out, s, &table, use_table),
            Node::CData { text: s, .. } => {
                out.push(tables::OPAQUE);
                write_mb_u32(&mut out, u32::try_from(s.len()).unwrap_or(u32::MAX));
                out.extend_from_slice(s.as_bytes());
            }
            Node::End => {
                if open.pop().unwrap_or(false) {
                    out.push(tables::END);
                }
            }
            Node::Dropped => {}
        }
    }

    let strtbl = table.bytes();
    let mut wbxml = Vec::with_capacity(8 + strtbl.len() + out.len());
    wbxml.push(VERSION);
    write_mb_u32(&mut wbxml, doc.id());
    write_mb_u32(&mut wbxml, CHARSET_UTF8);
    write_mb_u32(&mut wbxml, u32::try_from(strtbl.len()).unwrap_or(u32::MAX));
    wbxml.extend_from_slice(&strtbl);
    wbxml.extend_from_slice(&out);
    Ok(wbxml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctypes() {
        assert_eq!(
            doctype(
                r#"SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd""#
            ),
            Some(("SyncML".to_owned(), PublicId::SyncMl12))
        );
        assert_eq!(
            doctype(r#" SyncML PUBLIC '-//SYNCML//DTD SyncML 1.1//EN'"#),
            Some(("SyncML".to_owned(), PublicId::SyncMl11))
        );
        assert_eq!(doctype(r#"SyncML SYSTEM "x.dtd""#), None);
        assert_eq!(
            doctype(r#"SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "x" [<!ENTITY a "b">]"#),
            None
        );
        assert_eq!(
            doctype(r#"SyncML PUBLIC "-//Apple//DTD PLIST 1.0//EN" "x""#),
            None
        );
        assert_eq!(doctype("SyncML"), None);
    }

    #[test]
    fn string_table_like_libwbxml() {
        // Repeated whole strings first, then repeated words of the strings seen once.
        let nodes = vec![
            Node::Text("hello world".into()),
            Node::Text("world peace".into()),
            Node::Text("./Vendor/MSFT".into()),
            Node::CData {
                text: "./Vendor/MSFT".into(),
                converted: false,
            },
            Node::Text("abc".into()),
            Node::Text("abc".into()),
        ];
        let table = build_table(&nodes);
        let names: Vec<&str> = table.entries.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["./Vendor/MSFT", "world"]);
        assert_eq!(table.entries.get(1).map(|e| e.1), Some(14));
        let mut out = Vec::new();
        write_value(&mut out, "hello world", &table, true);
        assert_eq!(out, b"\x03hello \x00\x83\x0e");
    }
}
