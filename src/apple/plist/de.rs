//! Limit-enforcing token streams over XML plists, binary plists and [`Value`] trees, and the
//! [`FromPlist`] trait that decodes typed values straight from them.

use super::value::{Date, Dictionary, Integer, IntegerParseError, Value};
use crate::error::{DecodeError, DecodeErrorKind as K, Limit};
use crate::limits::Limits;
use bytes::Bytes;
use quick_xml::events::Event;
use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};

/// One step of a plist document, as a [`Decoder`] hands it out.
///
/// Dictionaries yield `DictStart`, then `Key` / value pairs, then `DictEnd`. Strings and keys
/// borrow from the input where they can.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    /// Start of a dictionary.
    DictStart,
    /// End of a dictionary.
    DictEnd,
    /// Start of an array.
    ArrayStart,
    /// End of an array.
    ArrayEnd,
    /// A dictionary key.
    Key(Cow<'a, str>),
    /// A string.
    String(Cow<'a, str>),
    /// An integer.
    Integer(Integer),
    /// A real.
    Real(f64),
    /// A boolean.
    Boolean(bool),
    /// A date.
    Date(Date),
    /// Data.
    Data(Bytes),
}

impl Token<'_> {
    /// The plist type name of the value this token starts (for error messages).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Token::DictStart => "dictionary",
            Token::DictEnd => "end of dictionary",
            Token::ArrayStart => "array",
            Token::ArrayEnd => "end of array",
            Token::Key(_) => "key",
            Token::String(_) => "string",
            Token::Integer(_) => "integer",
            Token::Real(_) => "real",
            Token::Boolean(_) => "boolean",
            Token::Date(_) => "date",
            Token::Data(_) => "data",
        }
    }
}

/// Counts depth and items, and checks sizes, for every source alike.
struct Budget {
    limits: Limits,
    depth: usize,
    items: usize,
    /// String, key and data bytes handed out so far. Bounded by `max_input_bytes`: an XML
    /// document never decodes to more than its own size, but a binary plist can reference one
    /// object many times, and each reference is a copy.
    decoded: usize,
}

impl Budget {
    fn item(&mut self) -> Result<(), K> {
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(K::LimitExceeded(Limit::Items));
        }
        Ok(())
    }
    fn enter(&mut self) -> Result<(), K> {
        self.item()?;
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(K::LimitExceeded(Limit::Depth));
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn decoded(&mut self, len: usize) -> Result<(), K> {
        self.decoded = self.decoded.saturating_add(len);
        if self.decoded > self.limits.max_input_bytes {
            return Err(K::LimitExceeded(Limit::InputBytes));
        }
        Ok(())
    }
    fn string(&self, len: usize) -> Result<(), K> {
        if len > self.limits.max_string_bytes {
            return Err(K::LimitExceeded(Limit::StringBytes));
        }
        Ok(())
    }
    fn data(&self, len: usize) -> Result<(), K> {
        if len > self.limits.max_data_bytes {
            return Err(K::LimitExceeded(Limit::DataBytes));
        }
        Ok(())
    }
    /// Applies the limits to a token produced by a source.
    fn account(&mut self, t: &Token<'_>) -> Result<(), K> {
        match t {
            Token::DictStart | Token::ArrayStart => self.enter(),
            Token::DictEnd | Token::ArrayEnd => {
                self.leave();
                Ok(())
            }
            Token::Key(s) => {
                self.string(s.len())?;
                self.decoded(s.len())
            }
            Token::String(s) => {
                self.item()?;
                self.string(s.len())?;
                self.decoded(s.len())
            }
            Token::Data(d) => {
                self.item()?;
                self.data(d.len())?;
                self.decoded(d.len())
            }
            _ => self.item(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Inside a dictionary; `true` when the next token must be a key.
    Dict(bool),
    Array,
}

/// The DOCTYPE lines Apple's tools write (whitespace-normalised), the only ones accepted.
const ALLOWED_DOCTYPES: [&str; 3] = [
    r#"plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd""#,
    r#"plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd""#,
    r#"plist SYSTEM "file://localhost/System/Library/DTDs/PropertyList.dtd""#,
];

fn doctype_allowed(content: &str) -> bool {
    if content.contains(['[', '<', '%', '&']) {
        return false;
    }
    // `<!DOCTYPE>` and `<!DOCTYPE plist>` declare nothing (no external id, no subset);
    // Apple's plutil accepts them.
    if matches!(content.trim(), "" | "plist") {
        return true;
    }
    let mut normalised = String::with_capacity(content.len());
    for (i, w) in content.split_ascii_whitespace().enumerate() {
        if i > 0 {
            normalised.push(' ');
        }
        normalised.push_str(w);
    }
    ALLOWED_DOCTYPES.contains(&normalised.as_str())
}

/// The element names a plist may contain, as `'static` strings (no allocation per element).
fn element_name(name: &str) -> Option<&'static str> {
    const NAMES: [&str; 11] = [
        "plist", "dict", "array", "key", "string", "integer", "real", "date", "data", "true",
        "false",
    ];
    NAMES.iter().find(|n| **n == name).copied()
}

/// Standard base64, accepting missing padding and non-zero trailing bits (as CoreFoundation does).
const BASE64_LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The XML plist token source over quick-xml events.
struct XmlSource<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    /// Bytes before the text the reader sees (a byte-order mark), added to every offset.
    base: u64,
    stack: Vec<Frame>,
    /// An `<dict/>` or `<array/>` yields its start now and its end on the next call.
    pending_end: Option<Token<'a>>,
    in_plist: bool,
    seen_root_element: bool,
    root_done: bool,
}

fn xml_err(e: &quick_xml::Error) -> K {
    use quick_xml::Error as E;
    match e {
        E::Syntax(quick_xml::errors::SyntaxError::UnclosedDoctype) => K::UnexpectedEof,
        E::Syntax(_) => K::Syntax,
        E::Escape(_) => K::EntityForbidden,
        E::Encoding(_) => K::InvalidUtf8,
        _ => K::Syntax,
    }
}

impl<'a> XmlSource<'a> {
    fn new(text: &'a str, base: u64) -> Self {
        let mut reader = quick_xml::Reader::from_str(text);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        XmlSource {
            reader,
            base,
            stack: Vec::with_capacity(8),
            pending_end: None,
            in_plist: false,
            seen_root_element: false,
            root_done: false,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.reader.buffer_position()
    }

    fn err(&self, kind: K) -> DecodeError {
        DecodeError::at(kind, Some(self.offset()))
    }

    fn read(&mut self) -> Result<Event<'a>, DecodeError> {
        self.reader.read_event().map_err(|e| {
            // The reader's message quotes tag names from the input: not attached as a source.
            DecodeError::at(xml_err(&e), Some(self.base + self.reader.error_position()))
        })
    }

    /// Reads the text of a value element up to its end tag, resolving the five predefined
    /// entities and character references; anything else is refused.
    ///
    /// For `<key>`, literal whitespace around the key (as pretty-printers add it) is dropped;
    /// whitespace written as a character reference (`&#32;`, which the writer uses for keys
    /// that really start or end with whitespace) and CDATA are kept.
    fn text(&mut self, budget: &Budget, tag: &str) -> Result<Cow<'a, str>, DecodeError> {
        let trim = tag == "key";
        let mut acc: Option<Cow<'a, str>> = None;
        // Start of the trailing run of literal text in `acc` (only that run may be trimmed).
        let mut literal_tail = 0usize;
        loop {
            let (piece, literal): (Cow<'a, str>, bool) = match self.read()? {
                Event::Text(t) => (t.xml10_content(), true),
                Event::CData(c) => (c.xml10_content(), false),
                Event::GeneralRef(r) => {
                    let ch = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*r {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            _ => return Err(self.err(K::EntityForbidden)),
                        },
                        Err(_) => return Err(self.err(K::InvalidValue("character reference"))),
                    };
                    (Cow::Owned(ch.to_string()), false)
                }
                Event::Comment(_) => continue,
                Event::End(e) if e.name().as_ref() == tag => break,
                Event::Eof => return Err(self.err(K::UnexpectedEof)),
                _ => return Err(self.err(K::Syntax)),
            };
            let piece = match piece {
                // Leading literal whitespace of a key.
                Cow::Borrowed(p) if trim && literal && acc.is_none() => {
                    let t = p.trim_start_matches(|c: char| c.is_ascii_whitespace());
                    if t.is_empty() {
                        continue;
                    }
                    Cow::Borrowed(t)
                }
                Cow::Owned(p) if trim && literal && acc.is_none() => {
                    let t = p.trim_start_matches(|c: char| c.is_ascii_whitespace());
                    if t.is_empty() {
                        continue;
                    }
                    Cow::Owned(t.to_owned())
                }
                other => other,
            };
            if !literal {
                literal_tail = acc.as_ref().map_or(0, |a| a.len()) + piece.len();
            } else if acc.is_none() {
                literal_tail = 0;
            }
            acc = Some(match acc {
                None => piece,
                Some(prev) => {
                    let mut s = prev.into_owned();
                    s.push_str(&piece);
                    Cow::Owned(s)
                }
            });
            if let Some(s) = &acc {
                // `<data>` text is base64: bounded by the data limit, not the string limit.
                let check = if tag == "data" {
                    budget.data(s.bytes().filter(|b| !b.is_ascii_whitespace()).count() / 4 * 3)
                } else {
                    budget.string(s.len())
                };
                check.map_err(|k| self.err(k))?;
            }
        }
        let mut out = acc.unwrap_or(Cow::Borrowed(""));
        if trim {
            let tail = out.get(literal_tail..).unwrap_or("");
            let keep = literal_tail
                + tail
                    .trim_end_matches(|c: char| c.is_ascii_whitespace())
                    .len();
            if keep < out.len() {
                out = match out {
                    Cow::Borrowed(b) => Cow::Borrowed(b.get(..keep).unwrap_or(b)),
                    Cow::Owned(mut o) => {
                        o.truncate(keep);
                        Cow::Owned(o)
                    }
                };
            }
        }
        Ok(out)
    }

    fn scalar(
        &mut self,
        budget: &Budget,
        name: &str,
        empty: bool,
    ) -> Result<Token<'a>, DecodeError> {
        let text = if empty {
            Cow::Borrowed("")
        } else {
            self.text(budget, name)?
        };
        Ok(match name {
            "string" => Token::String(text),
            // Literal whitespace around a key was dropped in `text` (pretty-printers add it);
            // string values stay exact.
            "key" => Token::Key(text),
            "integer" => match Integer::parse_xml(&text) {
                Ok(i) => Token::Integer(i),
                Err(IntegerParseError::Range) => return Err(self.err(K::IntegerOutOfRange)),
                Err(IntegerParseError::Invalid) => return Err(self.err(K::InvalidValue("integer"))),
            },
            "real" => {
                let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
                match t.parse::<f64>() {
                    Ok(r) if !t.is_empty() => Token::Real(r),
                    _ => return Err(self.err(K::InvalidValue("real"))),
                }
            }
            "date" => match Date::parse_xml(&text) {
                Some(d) => Token::Date(d),
                None => return Err(self.err(K::InvalidValue("date"))),
            },
            "data" => Token::Data(self.base64(budget, &text)?),
            _ => return Err(self.err(K::Syntax)),
        })
    }

    fn base64(&self, budget: &Budget, text: &str) -> Result<Bytes, DecodeError> {
        use base64::Engine as _;
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        // Checked before decoding: never allocate a peer-chosen size beyond the limit.
        budget
            .data(compact.len() / 4 * 3)
            .map_err(|k| self.err(k))?;
        BASE64_LENIENT
            .decode(&compact)
            .map(Bytes::from)
            .map_err(|_| self.err(K::InvalidValue("base64 data")))
    }

    /// Checks that a value may stand here and updates the key/value alternation.
    fn value_position(&mut self) -> Result<(), DecodeError> {
        match self.stack.last_mut() {
            Some(Frame::Dict(expect_key)) => {
                if *expect_key {
                    return Err(self.err(K::Syntax));
                }
                *expect_key = true;
            }
            Some(Frame::Array) => {}
            None => {
                if self.root_done {
                    return Err(self.err(K::TrailingData));
                }
            }
        }
        Ok(())
    }

    fn after_value(&mut self) {
        if self.stack.is_empty() {
            self.root_done = true;
        }
    }

    /// The next token, or `None` once the root value is complete.
    fn next(&mut self, budget: &Budget) -> Result<Option<Token<'a>>, DecodeError> {
        if let Some(t) = self.pending_end.take() {
            self.after_value();
            return Ok(Some(t));
        }
        if self.root_done && self.stack.is_empty() {
            return Ok(None);
        }
        loop {
            let ev = self.read()?;
            let (name, empty) = match &ev {
                Event::Start(e) => (
                    element_name(e.name().as_ref()).ok_or_else(|| self.err(K::Syntax))?,
                    false,
                ),
                Event::Empty(e) => (
                    element_name(e.name().as_ref()).ok_or_else(|| self.err(K::Syntax))?,
                    true,
                ),
                Event::End(e) => match (e.name().as_ref(), self.stack.last()) {
                    ("dict", Some(Frame::Dict(true))) => {
                        self.stack.pop();
                        self.after_value();
                        return Ok(Some(Token::DictEnd));
                    }
                    ("array", Some(Frame::Array)) => {
                        self.stack.pop();
                        self.after_value();
                        return Ok(Some(Token::ArrayEnd));
                    }
                    _ => return Err(self.err(K::Syntax)),
                },
                Event::Text(t) => {
                    if t.bytes().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    return Err(self.err(if self.root_done {
                        K::TrailingData
                    } else {
                        K::Syntax
                    }));
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Decl(d) => {
                    if self.seen_root_element {
                        return Err(self.err(K::Syntax));
                    }
                    if let Some(Ok(enc)) = d.encoding()
                        && !enc.eq_ignore_ascii_case("utf-8")
                        && !enc.eq_ignore_ascii_case("utf8")
                    {
                        return Err(self.err(K::UnsupportedEncoding));
                    }
                    continue;
                }
                Event::DocType(d) => {
                    if self.seen_root_element || !doctype_allowed(d) {
                        return Err(self.err(K::DoctypeForbidden));
                    }
                    continue;
                }
                Event::GeneralRef(_) => return Err(self.err(K::EntityForbidden)),
                Event::CData(_) => return Err(self.err(K::Syntax)),
                Event::Eof => return Err(self.err(K::UnexpectedEof)),
            };
            self.seen_root_element = true;
            if name == "plist" {
                if self.in_plist || self.root_done || !self.stack.is_empty() || empty {
                    return Err(self.err(if empty { K::UnexpectedEof } else { K::Syntax }));
                }
                self.in_plist = true;
                continue;
            }
            if name == "key" {
                match self.stack.last_mut() {
                    Some(Frame::Dict(expect_key)) if *expect_key => *expect_key = false,
                    _ => return Err(self.err(K::Syntax)),
                }
                return self.scalar(budget, "key", empty).map(Some);
            }
            self.value_position()?;
            let token = match name {
                "dict" | "array" => {
                    let (start, end, frame) = if name == "dict" {
                        (Token::DictStart, Token::DictEnd, Frame::Dict(true))
                    } else {
                        (Token::ArrayStart, Token::ArrayEnd, Frame::Array)
                    };
                    if empty {
                        self.pending_end = Some(end);
                    } else {
                        self.stack.push(frame);
                    }
                    return Ok(Some(start));
                }
                "true" | "false" => {
                    if !empty {
                        match self.read()? {
                            Event::End(e) if e.name().as_ref() == name => {}
                            _ => return Err(self.err(K::Syntax)),
                        }
                    }
                    Token::Boolean(name == "true")
                }
                other => self.scalar(budget, other, empty)?,
            };
            self.after_value();
            return Ok(Some(token));
        }
    }

    /// After the root value: only `</plist>`, whitespace, comments and PIs may follow.
    fn finish(&mut self) -> Result<(), DecodeError> {
        loop {
            match self.read()? {
                Event::End(e) if e.name().as_ref() == "plist" && self.in_plist => {
                    self.in_plist = false;
                }
                Event::Text(t) if t.bytes().all(|b| b.is_ascii_whitespace()) => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    return if self.in_plist {
                        Err(self.err(K::UnexpectedEof))
                    } else {
                        Ok(())
                    };
                }
                _ => return Err(self.err(K::TrailingData)),
            }
        }
    }
}

/// Binary plists, through the plist crate's event reader (after the size check).
struct BinarySource<'a> {
    events: plist::stream::BinaryReader<std::io::Cursor<&'a [u8]>>,
    stack: Vec<Frame>,
    queue: VecDeque<Token<'a>>,
    done: bool,
}

impl<'a> BinarySource<'a> {
    fn next(&mut self) -> Result<Option<Token<'a>>, DecodeError> {
        if let Some(t) = self.queue.pop_front() {
            return Ok(Some(t));
        }
        if self.done {
            return Ok(None);
        }
        let err = |k| DecodeError::at(k, None);
        let ev = match self.events.next() {
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let kind = if e.is_eof() {
                    K::UnexpectedEof
                } else {
                    K::Syntax
                };
                return Err(err(kind));
            }
            None => return Err(err(K::UnexpectedEof)),
        };
        use plist::stream::Event as E;
        // A string in key position of a dictionary is a key.
        if let (E::String(s), Some(Frame::Dict(true))) = (&ev, self.stack.last()) {
            let key = Token::Key(Cow::Owned(s.to_string()));
            if let Some(Frame::Dict(expect)) = self.stack.last_mut() {
                *expect = false;
            }
            return Ok(Some(key));
        }
        if let Some(Frame::Dict(expect)) = self.stack.last_mut() {
            if *expect && !matches!(ev, E::EndCollection) {
                return Err(err(K::Syntax));
            }
            *expect = true;
        }
        let token = match ev {
            E::StartArray(_) => {
                self.stack.push(Frame::Array);
                Token::ArrayStart
            }
            E::StartDictionary(_) => {
                self.stack.push(Frame::Dict(true));
                Token::DictStart
            }
            E::EndCollection => match self.stack.pop() {
                Some(Frame::Array) => Token::ArrayEnd,
                Some(Frame::Dict(true)) => Token::DictEnd,
                _ => return Err(err(K::Syntax)),
            },
            E::Boolean(b) => Token::Boolean(b),
            E::Data(d) => Token::Data(Bytes::from(d.into_owned())),
            E::Date(d) => {
                let d = Date::from(std::time::SystemTime::from(d));
                if !d.in_xml_range() {
                    return Err(err(K::InvalidValue("date")));
                }
                Token::Date(d)
            }
            E::Integer(i) => Token::Integer(match (i.as_signed(), i.as_unsigned()) {
                (Some(s), _) => Integer::from(s),
                (_, Some(u)) => Integer::from(u),
                _ => return Err(err(K::IntegerOutOfRange)),
            }),
            E::Real(r) => Token::Real(r),
            E::String(s) => Token::String(Cow::Owned(s.into_owned())),
            E::Uid(u) => {
                self.queue.push_back(Token::Key(Cow::Borrowed("CF$UID")));
                self.queue.push_back(Token::Integer(Integer::from(u.get())));
                self.queue.push_back(Token::DictEnd);
                Token::DictStart
            }
            _ => return Err(err(K::Syntax)),
        };
        if self.stack.is_empty() && self.queue.is_empty() {
            self.done = true;
        }
        Ok(Some(token))
    }
}

/// Walks a [`Value`] tree as tokens (for `decode_body` and conversions).
struct TreeSource<'a> {
    stack: Vec<TreeFrame<'a>>,
    root: Option<&'a Value>,
    pending: Option<&'a Value>,
}

enum TreeFrame<'a> {
    Dict(Box<dyn Iterator<Item = (&'a str, &'a Value)> + 'a>),
    Array(std::slice::Iter<'a, Value>),
}

impl<'a> TreeSource<'a> {
    fn start(&mut self, v: &'a Value) -> Token<'a> {
        match v {
            Value::Dictionary(d) => {
                self.stack.push(TreeFrame::Dict(Box::new(d.iter())));
                Token::DictStart
            }
            Value::Array(a) => {
                self.stack.push(TreeFrame::Array(a.iter()));
                Token::ArrayStart
            }
            Value::Boolean(b) => Token::Boolean(*b),
            Value::Data(d) => Token::Data(d.clone()),
            Value::Date(d) => Token::Date(*d),
            Value::Real(r) => Token::Real(*r),
            Value::Integer(i) => Token::Integer(*i),
            Value::String(s) => Token::String(Cow::Borrowed(s)),
        }
    }

    fn next(&mut self) -> Option<Token<'a>> {
        if let Some(root) = self.root.take() {
            return Some(self.start(root));
        }
        if let Some(v) = self.pending.take() {
            return Some(self.start(v));
        }
        match self.stack.last_mut()? {
            TreeFrame::Dict(it) => match it.next() {
                Some((k, v)) => {
                    self.pending = Some(v);
                    Some(Token::Key(Cow::Borrowed(k)))
                }
                None => {
                    self.stack.pop();
                    Some(Token::DictEnd)
                }
            },
            TreeFrame::Array(it) => match it.next() {
                Some(v) => Some(self.start(v)),
                None => {
                    self.stack.pop();
                    Some(Token::ArrayEnd)
                }
            },
        }
    }
}

enum Source<'a> {
    Xml(XmlSource<'a>),
    Binary(Box<BinarySource<'a>>),
    Tree(TreeSource<'a>),
    Json(super::json::JsonSource<'a>),
}

/// A pull decoder over one plist document: XML (streamed with quick-xml), binary (through the
/// plist crate's event reader) or an in-memory [`Value`]. Every token passes the [`Limits`].
///
/// Most users never touch it: they call `from_xml` on a message type, or
/// [`from_slice`](super::from_slice). It is public so that your own types can implement
/// [`FromPlist`].
pub struct Decoder<'a> {
    source: Source<'a>,
    budget: Budget,
    replay: VecDeque<Token<'a>>,
}

impl<'a> Decoder<'a> {
    /// A decoder over `input`: a binary plist if it starts with `bplist00`, else an XML plist
    /// (UTF-8, with an optional byte-order mark).
    ///
    /// # Errors
    /// [`LimitExceeded(InputBytes)`](crate::DecodeErrorKind::LimitExceeded) if the input is larger
    /// than `limits.max_input_bytes`, [`InvalidUtf8`](crate::DecodeErrorKind::InvalidUtf8) for an
    /// XML input that is not UTF-8.
    pub fn new(input: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_input_bytes {
            return Err(DecodeError::at(
                K::LimitExceeded(Limit::InputBytes),
                Some(0),
            ));
        }
        let source = if input.starts_with(b"bplist00") {
            Source::Binary(Box::new(BinarySource {
                events: plist::stream::BinaryReader::new(std::io::Cursor::new(input)),
                stack: Vec::new(),
                queue: VecDeque::new(),
                done: false,
            }))
        } else {
            let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
            let text = std::str::from_utf8(body).map_err(|e| {
                DecodeError::at(
                    K::InvalidUtf8,
                    Some((input.len() - body.len() + e.valid_up_to()) as u64),
                )
                .with_source(e)
            })?;
            Source::Xml(XmlSource::new(text, (input.len() - body.len()) as u64))
        };
        Ok(Decoder {
            source,
            budget: Budget {
                limits: *limits,
                depth: 0,
                items: 0,
                decoded: 0,
            },
            replay: VecDeque::new(),
        })
    }

    /// A decoder over a JSON document (RFC 8259, UTF-8, an optional byte-order mark), the wire
    /// format of Declarative Device Management. Objects are dictionaries, numbers without a
    /// fraction or exponent integers, other numbers reals; `null` is refused. A `data` field
    /// reads a base64 string.
    ///
    /// # Errors
    /// [`LimitExceeded(InputBytes)`](crate::DecodeErrorKind::LimitExceeded) if the input is larger
    /// than `limits.max_input_bytes`, [`InvalidUtf8`](crate::DecodeErrorKind::InvalidUtf8) if it
    /// is not UTF-8. Nothing is parsed before both checks.
    pub fn from_json(input: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_input_bytes {
            return Err(DecodeError::at(
                K::LimitExceeded(Limit::InputBytes),
                Some(0),
            ));
        }
        let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        let base = input.len() - body.len();
        let text = std::str::from_utf8(body).map_err(|e| {
            DecodeError::at(K::InvalidUtf8, Some((base + e.valid_up_to()) as u64)).with_source(e)
        })?;
        Ok(Decoder {
            source: Source::Json(super::json::JsonSource::new(text, base as u64)),
            budget: Budget {
                limits: *limits,
                depth: 0,
                items: 0,
                decoded: 0,
            },
            replay: VecDeque::new(),
        })
    }

    /// Whether the source is JSON (where `data` travels as a base64 string).
    fn is_json(&self) -> bool {
        matches!(self.source, Source::Json(_))
    }

    /// A decoder walking an in-memory value (already bounded when it was decoded).
    #[must_use]
    pub fn from_value(value: &'a Value) -> Self {
        Self::tree(TreeSource {
            stack: Vec::new(),
            root: Some(value),
            pending: None,
        })
    }

    /// A decoder that sees the entries of `body` as one dictionary (for
    /// [`CommandReport::decode_body`](crate::apple::report::CommandReport::decode_body)).
    pub(crate) fn from_body(body: &'a Dictionary) -> Self {
        let mut de = Self::tree(TreeSource {
            stack: vec![TreeFrame::Dict(Box::new(body.iter()))],
            root: None,
            pending: None,
        });
        de.replay.push_back(Token::DictStart);
        de
    }

    /// A decoder over an in-memory tree: it was bounded when it was decoded (or built by the
    /// caller), so no limit applies again.
    fn tree(source: TreeSource<'a>) -> Self {
        Decoder {
            source: Source::Tree(source),
            budget: Budget {
                limits: Limits {
                    max_input_bytes: usize::MAX,
                    max_depth: usize::MAX,
                    max_items: usize::MAX,
                    max_string_bytes: usize::MAX,
                    max_data_bytes: usize::MAX,
                },
                depth: 0,
                items: 0,
                decoded: 0,
            },
            replay: VecDeque::new(),
        }
    }

    /// The byte offset the reader has reached, when the source is a byte stream.
    #[must_use]
    pub fn offset(&self) -> Option<u64> {
        match &self.source {
            Source::Xml(x) => Some(x.offset()),
            Source::Json(j) => Some(j.offset()),
            _ => None,
        }
    }

    /// An error of `kind` at the current offset.
    #[must_use]
    pub fn error(&self, kind: K) -> DecodeError {
        DecodeError::at(kind, self.offset())
    }

    /// A `WrongType` error for a value that should have been `expected`.
    #[must_use]
    pub fn wrong_type(&self, expected: &'static str, found: &Token<'_>) -> DecodeError {
        self.error(K::WrongType {
            expected,
            found: found.type_name(),
        })
    }

    /// The next token.
    ///
    /// # Errors
    /// Any [`DecodeError`] of the input: syntax, limits, forbidden DOCTYPE or entity, bad value,
    /// or `UnexpectedEof` if the document ended.
    pub fn next_token(&mut self) -> Result<Token<'a>, DecodeError> {
        if let Some(t) = self.replay.pop_front() {
            return Ok(t);
        }
        let t = match &mut self.source {
            Source::Xml(x) => x.next(&self.budget)?,
            Source::Binary(b) => b.next()?,
            Source::Tree(t) => t.next(),
            Source::Json(j) => j.next()?,
        };
        let t = t.ok_or_else(|| self.error(K::UnexpectedEof))?;
        let off = self.offset();
        self.budget
            .account(&t)
            .map_err(|k| DecodeError::at(k, off))?;
        Ok(t)
    }

    /// Inside a dictionary: the next key, or `None` at its end.
    ///
    /// # Errors
    /// As [`next_token`](Self::next_token).
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, DecodeError> {
        match self.next_token()? {
            Token::Key(k) => Ok(Some(k)),
            Token::DictEnd => Ok(None),
            other => Err(self.wrong_type("key", &other)),
        }
    }

    /// Reads and decodes the next value as `T`.
    ///
    /// # Errors
    /// As [`next_token`](Self::next_token), and whatever `T` refuses.
    pub fn value<T: FromPlist>(&mut self) -> Result<T, DecodeError> {
        let first = self.next_token()?;
        T::from_plist(first, self)
    }

    /// Checks that `first` starts a dictionary.
    ///
    /// # Errors
    /// `WrongType` otherwise.
    pub fn expect_dict(&self, first: &Token<'_>) -> Result<(), DecodeError> {
        match first {
            Token::DictStart => Ok(()),
            other => Err(self.wrong_type("dictionary", other)),
        }
    }

    /// Decodes the value of dictionary key `key` into an empty `slot`.
    ///
    /// # Errors
    /// `DuplicateKey` if the slot is already filled; the value's own errors, with `key` prefixed
    /// to their path.
    pub fn field<T: FromPlist>(
        &mut self,
        slot: &mut Option<T>,
        key: &str,
    ) -> Result<(), DecodeError> {
        if slot.is_some() {
            return Err(self.error(K::DuplicateKey).in_key(key));
        }
        *slot = Some(self.value::<T>().map_err(|e| e.in_key(key))?);
        Ok(())
    }

    /// Decodes the value of an unknown key into `unknown`, refusing duplicates.
    ///
    /// # Errors
    /// `DuplicateKey`, and the value's own errors with `key` prefixed to their path.
    pub fn unknown(
        &mut self,
        unknown: &mut UnknownKeys,
        key: Cow<'a, str>,
    ) -> Result<(), DecodeError> {
        let value = self.value::<Value>().map_err(|e| e.in_key(&key))?;
        if !unknown.insert(key.as_ref(), value) {
            return Err(self.error(K::DuplicateKey).in_key(&key));
        }
        Ok(())
    }

    /// Reads the rest of the current top-level dictionary until key `key` at its top level,
    /// returning which of `keys` it found and its value if that is a string (`None` if the
    /// dictionary ends first). All
    /// tokens read are replayed afterwards, starting with `first`, so the caller can then decode
    /// the whole dictionary as the right type. Used to dispatch on `MessageType`.
    pub(crate) fn peek_top_level_string(
        &mut self,
        first: Token<'a>,
        keys: &[&str],
    ) -> Result<Option<Found<'a>>, DecodeError> {
        self.expect_dict(&first)?;
        let mut seen = vec![first];
        let mut depth = 0usize;
        let mut found = None;
        // Where the read-ahead is, for the path of an error met on the way: the top-level key,
        // then one entry per open container below it (its current key or element index).
        let mut current: Option<Cow<'a, str>> = None;
        let mut open: Vec<PeekSeg<'a>> = Vec::new();
        loop {
            let t = self.next_token().map_err(|e| {
                let mut e = e;
                for seg in open.iter().rev() {
                    e = match seg {
                        PeekSeg::Dict(Some(k)) => e.in_key(k),
                        PeekSeg::Dict(None) => e,
                        PeekSeg::Array(i) => e.in_index(*i),
                    };
                }
                match &current {
                    Some(k) => e.in_key(k),
                    None => e,
                }
            })?;
            if depth == 0
                && let Token::Key(k) = &t
            {
                current = Some(k.clone());
            }
            match &t {
                Token::Key(k) if depth > 0 => {
                    if let Some(PeekSeg::Dict(slot)) = open.last_mut() {
                        *slot = Some(k.clone());
                    }
                }
                Token::DictStart => open.push(PeekSeg::Dict(None)),
                Token::ArrayStart => open.push(PeekSeg::Array(0)),
                Token::DictEnd | Token::ArrayEnd => {
                    open.pop();
                }
                _ => {}
            }
            // A value finished inside an array: the next element has the next index.
            let finished = !matches!(t, Token::Key(_) | Token::DictStart | Token::ArrayStart);
            if finished && let Some(PeekSeg::Array(i)) = open.last_mut() {
                *i += 1;
            }
            match &t {
                Token::DictStart | Token::ArrayStart => depth += 1,
                Token::DictEnd | Token::ArrayEnd => {
                    if depth == 0 {
                        seen.push(t);
                        break;
                    }
                    depth -= 1;
                }
                Token::Key(k) if depth == 0 => {
                    if let Some(i) = keys.iter().position(|want| want == k) {
                        let v = self.next_token().map_err(|e| e.in_key(k))?;
                        seen.push(t);
                        found = Some((
                            i,
                            match &v {
                                Token::String(s) => Some(s.clone()),
                                _ => None,
                            },
                        ));
                        seen.push(v);
                        break;
                    }
                }
                _ => {}
            }
            seen.push(t);
        }
        // Replay what was read before anything still queued.
        for t in seen.into_iter().rev() {
            self.replay.push_front(t);
        }
        Ok(found)
    }

    /// Reads the first (root) value of the document.
    pub(crate) fn root<T: FromPlist>(&mut self) -> Result<T, DecodeError> {
        let v = self.value::<T>()?;
        self.finish()?;
        Ok(v)
    }

    /// Checks that nothing but whitespace, comments and `</plist>` follows the root value.
    ///
    /// # Errors
    /// `TrailingData`, or a syntax error in what follows.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        match &mut self.source {
            Source::Xml(x) => x.finish(),
            Source::Json(j) => j.finish(),
            Source::Binary(_) | Source::Tree(_) => Ok(()),
        }
    }
}

/// Which of the wanted keys was found, and its value if that was a string.
pub(crate) type Found<'a> = (usize, Option<Cow<'a, str>>);

/// An open container met while reading ahead: a dictionary (its current key) or an array (the
/// index of the element being read).
enum PeekSeg<'a> {
    Dict(Option<Cow<'a, str>>),
    Array(usize),
}

/// The unknown keys of a dictionary being decoded, in order, with duplicate detection that stays
/// linear for large dictionaries.
#[derive(Default)]
pub struct UnknownKeys {
    dict: Dictionary,
    index: Option<HashSet<String>>,
}

impl UnknownKeys {
    const LINEAR: usize = 16;

    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        UnknownKeys::default()
    }

    /// Adds `key`; returns `false` (and adds nothing) if it is already present.
    pub fn insert(&mut self, key: &str, value: Value) -> bool {
        match &mut self.index {
            Some(index) => {
                if !index.insert(key.to_owned()) {
                    return false;
                }
            }
            None => {
                if self.dict.contains_key(key) {
                    return false;
                }
                if self.dict.len() >= Self::LINEAR {
                    let mut index: HashSet<String> = self.dict.keys().map(str::to_owned).collect();
                    index.insert(key.to_owned());
                    self.index = Some(index);
                }
            }
        }
        self.dict.push_unchecked(key.to_owned(), value);
        true
    }

    /// The collected dictionary.
    #[must_use]
    pub fn into_dictionary(self) -> Dictionary {
        self.dict
    }
}

/// A type that decodes from a plist token stream.
///
/// Implemented for the scalar types, [`Value`], [`Dictionary`], `Vec<T>`, [`Sensitive<T>`] and
/// every generated message type.
///
/// [`Sensitive<T>`]: crate::Sensitive
pub trait FromPlist: Sized {
    /// Decodes one value whose first token, `first`, has already been read from `de`.
    ///
    /// # Errors
    /// A [`DecodeError`] when the tokens do not form a valid `Self`.
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError>;
}

impl FromPlist for String {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match first {
            Token::String(s) => Ok(s.into_owned()),
            other => Err(de.wrong_type("string", &other)),
        }
    }
}

impl FromPlist for bool {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match first {
            Token::Boolean(b) => Ok(b),
            other => Err(de.wrong_type("boolean", &other)),
        }
    }
}

macro_rules! int_from_plist {
    ($($t:ty),*) => {$(
        impl FromPlist for $t {
            fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
                match first {
                    Token::Integer(i) => <$t>::try_from(i.as_i128())
                        .map_err(|_| de.error(K::IntegerOutOfRange)),
                    other => Err(de.wrong_type("integer", &other)),
                }
            }
        }
    )*};
}
int_from_plist!(i64, u64, i32, u32);

impl FromPlist for Integer {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match first {
            Token::Integer(i) => Ok(i),
            other => Err(de.wrong_type("integer", &other)),
        }
    }
}

impl FromPlist for f64 {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match first {
            Token::Real(r) => Ok(r),
            // Apple's schema types some numbers as <real> that devices send as <integer>.
            Token::Integer(i) => Ok(i.as_i128() as f64),
            other => Err(de.wrong_type("real", &other)),
        }
    }
}

impl FromPlist for Date {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match first {
            Token::Date(d) => Ok(d),
            other => Err(de.wrong_type("date", &other)),
        }
    }
}

impl FromPlist for Bytes {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match first {
            Token::Data(d) => Ok(d),
            // JSON has no data type: a base64 string stands for it.
            Token::String(s) if de.is_json() => {
                use base64::Engine as _;
                let decoded = BASE64_LENIENT
                    .decode(s.as_bytes())
                    .map_err(|_| de.error(K::InvalidValue("base64")))?;
                de.budget.data(decoded.len()).map_err(|k| de.error(k))?;
                Ok(Bytes::from(decoded))
            }
            other => Err(de.wrong_type("data", &other)),
        }
    }
}

impl<T: FromPlist> FromPlist for crate::Sensitive<T> {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        T::from_plist(first, de).map(crate::Sensitive::new)
    }
}

impl<T: FromPlist> FromPlist for Vec<T> {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        if first != Token::ArrayStart {
            return Err(de.wrong_type("array", &first));
        }
        let mut out = Vec::new();
        loop {
            let t = de.next_token()?;
            if t == Token::ArrayEnd {
                return Ok(out);
            }
            let i = out.len();
            out.push(T::from_plist(t, de).map_err(|e| e.in_index(i))?);
        }
    }
}

impl FromPlist for Dictionary {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        match Value::from_plist(first, de)? {
            Value::Dictionary(d) => Ok(d),
            other => Err(de.error(K::WrongType {
                expected: "dictionary",
                found: other.type_name(),
            })),
        }
    }
}

enum Building {
    Array(Vec<Value>),
    Dict(UnknownKeys, Option<String>),
}

impl FromPlist for Value {
    /// Iterative, so depth is bounded only by [`Limits::max_depth`], never by the stack.
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        let mut stack: Vec<Building> = Vec::new();
        value_loop(first, de, &mut stack).map_err(|mut e| {
            // Prefix the path of the value being built when the error happened.
            for b in stack.iter().rev() {
                e = match b {
                    Building::Array(a) => e.in_index(a.len()),
                    Building::Dict(_, Some(k)) => e.in_key(k),
                    Building::Dict(_, None) => e,
                };
            }
            e
        })
    }
}

fn value_loop<'a>(
    first: Token<'a>,
    de: &mut Decoder<'a>,
    stack: &mut Vec<Building>,
) -> Result<Value, DecodeError> {
    let mut token = first;
    loop {
        let done: Value = match token {
            Token::DictStart => {
                stack.push(Building::Dict(UnknownKeys::new(), None));
                token = de.next_token()?;
                continue;
            }
            Token::ArrayStart => {
                stack.push(Building::Array(Vec::new()));
                token = de.next_token()?;
                continue;
            }
            Token::Key(k) => {
                match stack.last_mut() {
                    Some(Building::Dict(_, slot @ None)) => *slot = Some(k.into_owned()),
                    _ => return Err(de.error(K::Syntax)),
                }
                token = de.next_token()?;
                continue;
            }
            Token::DictEnd => match stack.pop() {
                Some(Building::Dict(d, None)) => Value::Dictionary(d.into_dictionary()),
                _ => return Err(de.error(K::Syntax)),
            },
            Token::ArrayEnd => match stack.pop() {
                Some(Building::Array(a)) => Value::Array(a),
                _ => return Err(de.error(K::Syntax)),
            },
            Token::String(s) => Value::String(s.into_owned()),
            Token::Integer(i) => Value::Integer(i),
            Token::Real(r) => Value::Real(r),
            Token::Boolean(b) => Value::Boolean(b),
            Token::Date(d) => Value::Date(d),
            Token::Data(d) => Value::Data(d),
        };
        match stack.last_mut() {
            None => return Ok(done),
            Some(Building::Array(a)) => a.push(done),
            Some(Building::Dict(d, key)) => {
                let Some(k) = key.take() else {
                    return Err(de.error(K::Syntax));
                };
                if !d.insert(&k, done) {
                    return Err(de.error(K::DuplicateKey).in_key(&k));
                }
            }
        }
        token = de.next_token()?;
    }
}

/// Decodes `T` from a plist document (XML or binary), with `limits`.
///
/// ```
/// use mdmkit::apple::plist::{self, Value};
/// let v: Value = plist::from_slice(b"<plist><string>hi</string></plist>", &mdmkit::Limits::default())?;
/// assert_eq!(v.as_str(), Some("hi"));
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
///
/// # Errors
/// A [`DecodeError`] for anything the input breaks: limits, syntax, DOCTYPE/entities, types.
pub fn from_slice<T: FromPlist>(input: &[u8], limits: &Limits) -> Result<T, DecodeError> {
    Decoder::new(input, limits)?.root()
}

/// Decodes `T` from an in-memory [`Value`].
///
/// # Errors
/// A [`DecodeError`] when the value does not have the shape of `T`.
pub fn from_value<T: FromPlist>(value: &Value) -> Result<T, DecodeError> {
    Decoder::from_value(value).value()
}
