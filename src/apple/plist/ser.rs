//! The XML plist writer: Apple's canonical layout.

use super::value::{Date, Dictionary, Integer, Value};
use crate::error::EncodeError;
use bytes::Bytes;

/// Apple's XML prolog, as every Apple tool writes it.
pub const XML_PROLOG: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" ",
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
    "<plist version=\"1.0\">\n",
);

/// Characters of base64 per line inside `<data>`.
const DATA_LINE: usize = 68;

/// Writes one plist document in Apple's layout: the standard prolog, one element per line,
/// indented with tabs, `<data>` as base64 on its own lines, `<dict/>`/`<array/>` when empty.
///
/// Used by the generated `to_xml` methods; public so that your own types can implement
/// [`ToPlist`].
#[derive(Debug)]
pub struct Writer {
    out: Vec<u8>,
    depth: usize,
    /// Containers opened but not yet written (so an empty one becomes `<dict/>`).
    open: Option<&'static str>,
}

impl Writer {
    /// A writer with the prolog already written.
    #[must_use]
    pub fn new() -> Self {
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(XML_PROLOG.as_bytes());
        Writer {
            out,
            depth: 0,
            open: None,
        }
    }

    fn flush_open(&mut self) {
        if let Some(tag) = self.open.take() {
            self.indent_at(self.depth - 1);
            self.out.push(b'<');
            self.out.extend_from_slice(tag.as_bytes());
            self.out.extend_from_slice(b">\n");
        }
    }

    fn indent_at(&mut self, depth: usize) {
        self.out.extend(std::iter::repeat_n(b'\t', depth));
    }

    fn line(&mut self, open: &str, text: &str, close: &str) {
        self.flush_open();
        self.indent_at(self.depth);
        self.out.extend_from_slice(open.as_bytes());
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(close.as_bytes());
        self.out.push(b'\n');
    }

    fn escaped(&mut self, open: &str, text: &str, close: &str) -> Result<(), EncodeError> {
        if !text.chars().all(xml_char) {
            // The path is filled in by the enclosing `entry` calls as the error unwinds.
            return Err(EncodeError::InvalidXmlChar {
                path: String::new(),
            });
        }
        if !text.contains(['&', '<', '>', '\r']) {
            self.line(open, text, close);
            return Ok(());
        }
        let s = escape_text(text);
        self.line(open, &s, close);
        Ok(())
    }

    /// Opens a dictionary.
    pub fn begin_dict(&mut self) {
        self.flush_open();
        self.open = Some("dict");
        self.depth += 1;
    }
    /// Closes a dictionary.
    pub fn end_dict(&mut self) {
        self.end("dict");
    }
    /// Opens an array.
    pub fn begin_array(&mut self) {
        self.flush_open();
        self.open = Some("array");
        self.depth += 1;
    }
    /// Closes an array.
    pub fn end_array(&mut self) {
        self.end("array");
    }
    fn end(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        if self.open.take().is_some() {
            self.indent_at(self.depth);
            self.out.push(b'<');
            self.out.extend_from_slice(tag.as_bytes());
            self.out.extend_from_slice(b"/>\n");
        } else {
            self.indent_at(self.depth);
            self.out.extend_from_slice(b"</");
            self.out.extend_from_slice(tag.as_bytes());
            self.out.extend_from_slice(b">\n");
        }
    }

    /// Writes a dictionary key.
    ///
    /// # Errors
    /// [`EncodeError::InvalidXmlChar`] if the key holds a character XML cannot carry.
    pub fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        let ws = |c: char| c.is_ascii_whitespace();
        if !key.starts_with(ws) && !key.ends_with(ws) {
            return self.escaped("<key>", key, "</key>");
        }
        // Readers drop literal whitespace around keys (pretty-printers add it), so whitespace
        // that is part of the key is written as character references.
        if !key.chars().all(xml_char) {
            return Err(EncodeError::InvalidXmlChar {
                path: String::new(),
            });
        }
        let core = key.trim_matches(ws);
        let lead = key.len() - key.trim_start_matches(ws).len();
        let mut s = String::with_capacity(key.len() + 16);
        let charref = |s: &mut String, c: char| s.push_str(&format!("&#{};", u32::from(c)));
        for c in key.get(..lead).unwrap_or("").chars() {
            charref(&mut s, c);
        }
        if !core.is_empty() {
            s.push_str(&escape_text(core));
            for c in key.get(lead + core.len()..).unwrap_or("").chars() {
                charref(&mut s, c);
            }
        }
        self.line("<key>", &s, "</key>");
        Ok(())
    }
    /// Writes a string.
    ///
    /// # Errors
    /// [`EncodeError::InvalidXmlChar`] if the string holds a character XML cannot carry.
    pub fn string(&mut self, s: &str) -> Result<(), EncodeError> {
        self.escaped("<string>", s, "</string>")
    }
    /// Writes a boolean.
    pub fn boolean(&mut self, b: bool) {
        self.line(if b { "<true/>" } else { "<false/>" }, "", "");
    }
    /// Writes an integer.
    pub fn integer(&mut self, i: impl Into<Integer>) {
        let s = i.into().to_string();
        self.line("<integer>", &s, "</integer>");
    }
    /// Writes a real, in the shortest form that reads back to the same `f64`.
    pub fn real(&mut self, r: f64) {
        let s = if r.is_nan() {
            "nan".to_owned()
        } else if r.is_infinite() {
            if r > 0.0 {
                "+infinity".to_owned()
            } else {
                "-infinity".to_owned()
            }
        } else {
            format!("{r}")
        };
        self.line("<real>", &s, "</real>");
    }
    /// Writes a date (whole seconds, UTC).
    ///
    /// # Errors
    /// [`EncodeError::DateOutOfRange`] outside the years 0000–9999.
    pub fn date(&mut self, d: Date) -> Result<(), EncodeError> {
        if !d.in_xml_range() {
            return Err(EncodeError::DateOutOfRange {
                path: String::new(),
            });
        }
        let s = d.to_xml_string();
        self.line("<date>", &s, "</date>");
        Ok(())
    }
    /// Writes data as base64.
    pub fn data(&mut self, bytes: &[u8]) {
        use base64::Engine as _;
        self.flush_open();
        if bytes.is_empty() {
            self.line("<data>", "", "</data>");
            return;
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.indent_at(self.depth);
        self.out.extend_from_slice(b"<data>\n");
        for chunk in b64.as_bytes().chunks(DATA_LINE) {
            self.indent_at(self.depth);
            self.out.extend_from_slice(chunk);
            self.out.push(b'\n');
        }
        self.indent_at(self.depth);
        self.out.extend_from_slice(b"</data>\n");
    }

    /// Writes `key` and then `value`, keeping `key` in the error path.
    ///
    /// # Errors
    /// As [`ToPlist::write_plist`].
    pub fn entry<T: ToPlist + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), EncodeError> {
        self.key(key)?;
        // The key joins the error path only if something fails: no allocation per entry.
        value.write_plist(self).map_err(|e| e.in_key(key))
    }

    /// Closes the document and returns its bytes.
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"</plist>\n");
        self.out
    }
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

/// `text` with `&`, `<`, `>` escaped, and CR as a character reference (a literal CR would be
/// normalised away by any XML reader).
fn escape_text(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '\r' => s.push_str("&#13;"),
            c => s.push(c),
        }
    }
    s
}

/// Whether XML 1.0 can carry `c` in text.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A type that writes itself as a plist value.
pub trait ToPlist {
    /// Writes `self` as one plist value.
    ///
    /// # Errors
    /// [`EncodeError`] if a string cannot be carried by XML.
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError>;
}

impl ToPlist for str {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.string(self)
    }
}
impl ToPlist for String {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.string(self)
    }
}
impl ToPlist for bool {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.boolean(*self);
        Ok(())
    }
}
macro_rules! int_to_plist {
    ($($t:ty),*) => {$(
        impl ToPlist for $t {
            fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
                w.integer(*self);
                Ok(())
            }
        }
    )*};
}
int_to_plist!(i64, u64, i32, u32, Integer);
impl ToPlist for f64 {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.real(*self);
        Ok(())
    }
}
impl ToPlist for Date {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.date(*self)
    }
}
impl ToPlist for Bytes {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.data(self);
        Ok(())
    }
}
impl<T: ToPlist> ToPlist for crate::Sensitive<T> {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        self.expose().write_plist(w)
    }
}
impl<T: ToPlist> ToPlist for Vec<T> {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_array();
        for (i, v) in self.iter().enumerate() {
            v.write_plist(w).map_err(|e| e.in_index(i))?;
        }
        w.end_array();
        Ok(())
    }
}
impl ToPlist for Dictionary {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_dict();
        self.write_entries(w)?;
        w.end_dict();
        Ok(())
    }
}

impl Dictionary {
    /// Writes the entries (key, value, …) without the surrounding `<dict>`; generated types use
    /// this to write their unknown keys after the known ones.
    ///
    /// # Errors
    /// As [`ToPlist::write_plist`].
    pub fn write_entries(&self, w: &mut Writer) -> Result<(), EncodeError> {
        for (k, v) in self.iter() {
            w.entry(k, v)?;
        }
        Ok(())
    }
}

impl ToPlist for Value {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        // Values nest as deep as the limits that built them allowed; recursion here is bounded
        // by those limits (the default depth is 32).
        match self {
            Value::Array(a) => a.write_plist(w),
            Value::Dictionary(d) => d.write_plist(w),
            Value::Boolean(b) => b.write_plist(w),
            Value::Data(d) => d.write_plist(w),
            Value::Date(d) => d.write_plist(w),
            Value::Real(r) => r.write_plist(w),
            Value::Integer(i) => i.write_plist(w),
            Value::String(s) => s.write_plist(w),
        }
    }
}

/// Writes `value` as a complete XML plist document in Apple's layout.
///
/// ```
/// use mdmkit::apple::plist::{self, Dictionary, Value};
/// let mut d = Dictionary::new();
/// d.insert("Status", "Idle");
/// let xml = plist::to_xml(&Value::Dictionary(d))?;
/// assert!(String::from_utf8(xml).unwrap().contains("\t<key>Status</key>\n\t<string>Idle</string>\n"));
/// # Ok::<(), mdmkit::EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError`] if a string cannot be carried by XML.
pub fn to_xml<T: ToPlist + ?Sized>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut w = Writer::new();
    value.write_plist(&mut w)?;
    Ok(w.finish())
}
