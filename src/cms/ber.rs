//! A small, bounded BER → DER normaliser, and the definite-length TLV reader the CMS walker
//! uses.
//!
//! Apple devices send `Mdm-Signature` as BER: indefinite lengths (`0x80` … `00 00`) and
//! content in constructed OCTET STRINGs. The `der` crate refuses both, so the input passes
//! through [`normalize`] first, which
//!
//! * turns every indefinite length into a definite one,
//! * flattens constructed OCTET STRINGs (`0x24`, any depth) into one primitive OCTET STRING,
//! * re-encodes lengths in their shortest form,
//!
//! and changes nothing else: tags, primitive contents and element order are copied as they
//! are, so whatever else is not DER is still refused by the decoder afterwards. Input that
//! needs none of this is returned borrowed, without allocating.
//!
//! Bounds: nesting deeper than the caller's limit is refused before it is entered; the walk
//! never recurses (an explicit stack of at most `max_depth` frames); the output is allocated
//! once with its exact size, computed in a first pass, together with one `usize` per
//! constructed element (so at most a small multiple of the input).

use std::borrow::Cow;
use std::fmt;

/// Why the normaliser refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BerErrorKind {
    /// The input ends inside an element header or content.
    Truncated,
    /// An indefinite-length element is not closed by end-of-contents octets before its
    /// enclosing element (or the input) ends.
    MissingEndOfContents,
    /// End-of-contents octets where no indefinite-length element is open.
    UnexpectedEndOfContents,
    /// A length that does not fit in `usize`, or more than eight length octets.
    LengthOverflow,
    /// The reserved length octet `0xFF`.
    ReservedLength,
    /// An indefinite length on a primitive element.
    IndefinitePrimitive,
    /// A malformed identifier: tag 0 with content, or a high tag number not in shortest form
    /// or above 2^28.
    BadTag,
    /// A definite-length element runs past the end of its enclosing element.
    LengthExceedsParent,
    /// A constructed OCTET STRING holds something other than OCTET STRINGs.
    BadOctetStringChunk,
    /// Bytes after the outermost element.
    TrailingData,
    /// Nesting deeper than the limit.
    DepthExceeded,
    /// DER only: an indefinite length or a length not in shortest form.
    NotDer,
}

impl BerErrorKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BerErrorKind::Truncated => "truncated input",
            BerErrorKind::MissingEndOfContents => "missing end-of-contents",
            BerErrorKind::UnexpectedEndOfContents => "unexpected end-of-contents",
            BerErrorKind::LengthOverflow => "length overflow",
            BerErrorKind::ReservedLength => "reserved length octet",
            BerErrorKind::IndefinitePrimitive => "indefinite length on a primitive element",
            BerErrorKind::BadTag => "malformed tag",
            BerErrorKind::LengthExceedsParent => "element longer than its parent",
            BerErrorKind::BadOctetStringChunk => {
                "constructed octet string holds a non-octet-string"
            }
            BerErrorKind::TrailingData => "trailing data",
            BerErrorKind::DepthExceeded => "nesting too deep",
            BerErrorKind::NotDer => "length not in der form",
        }
    }
}

/// A refused input: what, and the byte offset of the element where it was noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BerError {
    pub(crate) kind: BerErrorKind,
    pub(crate) offset: usize,
}

impl fmt::Display for BerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.as_str(), self.offset)
    }
}

fn err<T>(kind: BerErrorKind, offset: usize) -> Result<T, BerError> {
    Err(BerError { kind, offset })
}

/// The length field of a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Len {
    Definite { len: usize, minimal: bool },
    Indefinite,
}

/// One element header.
#[derive(Debug, Clone, Copy)]
struct Header {
    /// Number of identifier octets.
    ident_len: usize,
    /// Identifier plus length octets.
    header_len: usize,
    constructed: bool,
    len: Len,
}

/// Reads the header at `pos`; `bound` is where the enclosing element (or the input) ends.
fn read_header(input: &[u8], pos: usize, bound: usize) -> Result<Header, BerError> {
    let byte = |i: usize| -> Result<u8, BerError> {
        if i >= bound {
            return err(BerErrorKind::Truncated, pos);
        }
        input.get(i).copied().ok_or(BerError {
            kind: BerErrorKind::Truncated,
            offset: pos,
        })
    };
    let first = byte(pos)?;
    let constructed = first & 0x20 != 0;
    let mut i = pos + 1;
    if first & 0x1f == 0x1f {
        // High tag number form: base-128, shortest form, at most four octets (< 2^28).
        let mut number: u32 = 0;
        let mut count = 0;
        loop {
            let b = byte(i)?;
            i += 1;
            count += 1;
            if (count == 1 && b == 0x80) || count > 4 {
                return err(BerErrorKind::BadTag, pos);
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
        if number < 0x1f {
            return err(BerErrorKind::BadTag, pos);
        }
    }
    let ident_len = i - pos;
    let l = byte(i)?;
    i += 1;
    let len = match l {
        0x80 => Len::Indefinite,
        0xff => return err(BerErrorKind::ReservedLength, pos),
        n if n < 0x80 => Len::Definite {
            len: usize::from(n),
            minimal: true,
        },
        n => {
            let count = usize::from(n & 0x7f);
            if count > 8 {
                return err(BerErrorKind::LengthOverflow, pos);
            }
            let mut value: u64 = 0;
            let mut leading_zero = false;
            for k in 0..count {
                let b = byte(i)?;
                if k == 0 && b == 0 {
                    leading_zero = true;
                }
                i += 1;
                value = (value << 8) | u64::from(b);
            }
            let len = usize::try_from(value).map_err(|_| BerError {
                kind: BerErrorKind::LengthOverflow,
                offset: pos,
            })?;
            Len::Definite {
                len,
                minimal: !leading_zero && len >= 0x80,
            }
        }
    };
    if first == 0 {
        // Tag 0 is end-of-contents: only `00 00`, and only where the caller looks for it.
        return err(
            if len
                == (Len::Definite {
                    len: 0,
                    minimal: true,
                })
            {
                BerErrorKind::UnexpectedEndOfContents
            } else {
                BerErrorKind::BadTag
            },
            pos,
        );
    }
    if len == Len::Indefinite && !constructed {
        return err(BerErrorKind::IndefinitePrimitive, pos);
    }
    Ok(Header {
        ident_len,
        header_len: i - pos,
        constructed,
        len,
    })
}

/// One step of the walk.
#[derive(Debug)]
enum Event<'a> {
    Open {
        ident: &'a [u8],
        rewrite: bool,
        offset: usize,
    },
    Primitive {
        ident: &'a [u8],
        content: &'a [u8],
        rewrite: bool,
        offset: usize,
    },
    Close,
}

/// Iterates over the elements of one BER value in document order, without recursion.
struct Walker<'a> {
    input: &'a [u8],
    pos: usize,
    /// Open constructed elements: own end (`None`: indefinite) and the bound inherited from the
    /// nearest definite ancestor.
    stack: Vec<(Option<usize>, usize)>,
    max_depth: usize,
    started: bool,
    done: bool,
}

impl<'a> Walker<'a> {
    fn new(input: &'a [u8], max_depth: usize) -> Self {
        Walker {
            input,
            pos: 0,
            stack: Vec::new(),
            max_depth,
            started: false,
            done: false,
        }
    }

    fn finish(&mut self) -> Result<(), BerError> {
        self.done = true;
        if self.pos != self.input.len() {
            return err(BerErrorKind::TrailingData, self.pos);
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Option<Event<'a>>, BerError> {
        if self.done {
            return Ok(None);
        }
        let bound = match self.stack.last() {
            Some(&(Some(end), bound)) => {
                if self.pos == end {
                    self.stack.pop();
                    if self.stack.is_empty() {
                        self.finish()?;
                    }
                    return Ok(Some(Event::Close));
                }
                bound
            }
            Some(&(None, bound)) => {
                let rest = self.input.get(self.pos..bound).unwrap_or_default();
                if rest.starts_with(&[0, 0]) {
                    self.pos += 2;
                    self.stack.pop();
                    if self.stack.is_empty() {
                        self.finish()?;
                    }
                    return Ok(Some(Event::Close));
                }
                if rest.is_empty() {
                    return err(BerErrorKind::MissingEndOfContents, self.pos);
                }
                bound
            }
            None if self.started => return Ok(None),
            None => self.input.len(),
        };
        self.started = true;
        let offset = self.pos;
        let h = read_header(self.input, offset, bound)?;
        let content_start = offset + h.header_len;
        let ident = self
            .input
            .get(offset..offset + h.ident_len)
            .unwrap_or_default();
        let (end, rewrite) = match h.len {
            Len::Indefinite => (None, true),
            Len::Definite { len, minimal } => {
                let end = content_start.checked_add(len).ok_or(BerError {
                    kind: BerErrorKind::LengthOverflow,
                    offset,
                })?;
                if end > bound {
                    return err(
                        if bound == self.input.len() {
                            BerErrorKind::Truncated
                        } else {
                            BerErrorKind::LengthExceedsParent
                        },
                        offset,
                    );
                }
                (Some(end), !minimal)
            }
        };
        if h.constructed {
            if self.stack.len() >= self.max_depth {
                return err(BerErrorKind::DepthExceeded, offset);
            }
            self.stack.push((end, end.unwrap_or(bound)));
            self.pos = content_start;
            Ok(Some(Event::Open {
                ident,
                rewrite,
                offset,
            }))
        } else {
            // `end` is definite here: read_header refuses indefinite primitives.
            let end = end.unwrap_or(content_start);
            let content = self.input.get(content_start..end).unwrap_or_default();
            self.pos = end;
            if self.stack.is_empty() {
                self.finish()?;
            }
            Ok(Some(Event::Primitive {
                ident,
                content,
                rewrite,
                offset,
            }))
        }
    }
}

/// The identifier octet of a constructed OCTET STRING, and of a primitive one.
const OCTET_STRING_CONSTRUCTED: &[u8] = &[0x24];
const OCTET_STRING: &[u8] = &[0x04];

/// Number of octets of a DER length field for `len`.
fn len_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS as usize / 8 - len.leading_zeros() as usize / 8)
    }
}

fn write_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = len.leading_zeros() as usize / 8;
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

fn add(a: usize, b: usize, offset: usize) -> Result<usize, BerError> {
    a.checked_add(b).ok_or(BerError {
        kind: BerErrorKind::LengthOverflow,
        offset,
    })
}

/// Frame of the sizing pass.
struct SizeFrame {
    index: usize,
    out_len: usize,
    ident_len: usize,
    flatten: bool,
}

/// First pass: validates, reports whether anything must be rewritten, and (when `lens` is
/// given) records the output content length of every constructed element in document order.
/// Returns the total output size.
fn size_pass(
    input: &[u8],
    max_depth: usize,
    mut lens: Option<&mut Vec<usize>>,
) -> Result<(bool, usize), BerError> {
    let mut walker = Walker::new(input, max_depth);
    let mut frames: Vec<SizeFrame> = Vec::new();
    let mut needs_rewrite = false;
    let mut total = 0;
    let mut count = 0;
    while let Some(event) = walker.next()? {
        let parent_flatten = frames.last().is_some_and(|f| f.flatten);
        let (size, offset) = match event {
            Event::Open {
                ident,
                rewrite,
                offset,
            } => {
                let is_os = ident == OCTET_STRING_CONSTRUCTED;
                if parent_flatten && !is_os {
                    return err(BerErrorKind::BadOctetStringChunk, offset);
                }
                needs_rewrite |= rewrite || is_os;
                if let Some(lens) = lens.as_deref_mut() {
                    lens.push(0);
                }
                frames.push(SizeFrame {
                    index: count,
                    out_len: 0,
                    ident_len: if is_os { 1 } else { ident.len() },
                    flatten: parent_flatten || is_os,
                });
                count += 1;
                continue;
            }
            Event::Primitive {
                ident,
                content,
                rewrite,
                offset,
            } => {
                if parent_flatten && ident != OCTET_STRING {
                    return err(BerErrorKind::BadOctetStringChunk, offset);
                }
                needs_rewrite |= rewrite;
                let size = if parent_flatten {
                    content.len()
                } else {
                    add(ident.len() + len_len(content.len()), content.len(), offset)?
                };
                (size, offset)
            }
            Event::Close => {
                let Some(frame) = frames.pop() else {
                    return err(BerErrorKind::UnexpectedEndOfContents, walker.pos);
                };
                if let Some(slot) = lens.as_deref_mut().and_then(|l| l.get_mut(frame.index)) {
                    *slot = frame.out_len;
                }
                let parent_flatten = frames.last().is_some_and(|f| f.flatten);
                let size = if parent_flatten {
                    frame.out_len
                } else {
                    add(
                        frame.ident_len + len_len(frame.out_len),
                        frame.out_len,
                        walker.pos,
                    )?
                };
                (size, walker.pos)
            }
        };
        match frames.last_mut() {
            Some(parent) => parent.out_len = add(parent.out_len, size, offset)?,
            None => total = size,
        }
    }
    Ok((needs_rewrite, total))
}

/// Converts one BER value into DER as described in the module docs. DER input (nothing to
/// rewrite) comes back borrowed.
pub(crate) fn normalize(input: &[u8], max_depth: usize) -> Result<Cow<'_, [u8]>, BerError> {
    let (needs_rewrite, _) = size_pass(input, max_depth, None)?;
    if !needs_rewrite {
        return Ok(Cow::Borrowed(input));
    }
    let mut lens = Vec::new();
    let (_, total) = size_pass(input, max_depth, Some(&mut lens))?;
    let mut out = Vec::with_capacity(total);
    let mut walker = Walker::new(input, max_depth);
    // Whether each open element is being flattened.
    let mut flatten: Vec<bool> = Vec::new();
    let mut index = 0;
    while let Some(event) = walker.next()? {
        let parent_flatten = flatten.last().copied().unwrap_or(false);
        match event {
            Event::Open { ident, .. } => {
                let is_os = ident == OCTET_STRING_CONSTRUCTED;
                let len = lens.get(index).copied().unwrap_or(0);
                index += 1;
                if !parent_flatten {
                    out.extend_from_slice(if is_os { OCTET_STRING } else { ident });
                    write_len(&mut out, len);
                }
                flatten.push(parent_flatten || is_os);
            }
            Event::Primitive { ident, content, .. } => {
                if !parent_flatten {
                    out.extend_from_slice(ident);
                    write_len(&mut out, content.len());
                }
                out.extend_from_slice(content);
            }
            Event::Close => {
                flatten.pop();
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// One DER element read by [`DerReader`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The (single) identifier octet.
    pub(crate) tag: u8,
    /// The content octets.
    pub(crate) content: &'a [u8],
    /// The whole element: identifier, length and content.
    pub(crate) raw: &'a [u8],
    /// Offset of the element in the outermost input.
    pub(crate) offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over this element's content.
    pub(crate) fn reader(&self) -> DerReader<'a> {
        DerReader {
            input: self.content,
            pos: 0,
            base: self.offset + (self.raw.len() - self.content.len()),
        }
    }
}

/// Reads consecutive DER elements (definite, shortest-form lengths; low tag numbers) from a
/// slice. Used to walk the outer CMS structure and keep the exact bytes of its parts.
#[derive(Debug, Clone)]
pub(crate) struct DerReader<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> DerReader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        DerReader {
            input,
            pos: 0,
            base: 0,
        }
    }

    /// The offset of the next element in the outermost input.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// The next element's identifier octet, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Reads the next element.
    pub(crate) fn read(&mut self) -> Result<Tlv<'a>, BerError> {
        let offset = self.offset();
        let at = |kind| BerError { kind, offset };
        let h = read_header(self.input, self.pos, self.input.len()).map_err(|e| at(e.kind))?;
        if h.ident_len != 1 {
            return Err(at(BerErrorKind::BadTag));
        }
        let Len::Definite { len, minimal } = h.len else {
            return Err(at(BerErrorKind::NotDer));
        };
        if !minimal {
            return Err(at(BerErrorKind::NotDer));
        }
        let start = self.pos;
        let content_start = start + h.header_len;
        let end = content_start
            .checked_add(len)
            .ok_or(at(BerErrorKind::LengthOverflow))?;
        let raw = self
            .input
            .get(start..end)
            .ok_or(at(BerErrorKind::Truncated))?;
        let content = raw.get(h.header_len..).unwrap_or_default();
        let tag = raw.first().copied().unwrap_or(0);
        self.pos = end;
        Ok(Tlv {
            tag,
            content,
            raw,
            offset,
        })
    }

    /// Reads the next element and checks its identifier octet.
    #[cfg(test)]
    pub(crate) fn expect(&mut self, tag: u8) -> Result<Tlv<'a>, BerError> {
        let offset = self.offset();
        let tlv = self.read()?;
        if tlv.tag != tag {
            return err(BerErrorKind::BadTag, offset);
        }
        Ok(tlv)
    }

    /// Reads the next element if its identifier octet is `tag`.
    pub(crate) fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, BerError> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn norm(input: &[u8]) -> Result<Vec<u8>, BerErrorKind> {
        normalize(input, 32)
            .map(|c| c.into_owned())
            .map_err(|e| e.kind)
    }

    #[test]
    fn der_is_borrowed() {
        let der = [0x30, 0x03, 0x02, 0x01, 0x05];
        assert!(matches!(normalize(&der, 32).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn nested_indefinite() {
        // SEQ(indef){ SEQ(indef){ INT 5 } OCTET STRING "ab" }
        let ber = [
            0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x02, b'a', b'b', 0x00,
            0x00,
        ];
        assert_eq!(
            norm(&ber).unwrap(),
            vec![
                0x30, 0x09, 0x30, 0x03, 0x02, 0x01, 0x05, 0x04, 0x02, b'a', b'b'
            ]
        );
    }

    #[test]
    fn constructed_octet_string_is_flattened() {
        // [0] (indef) { OCTET STRING (constructed, indef) { "ab", (constructed){ "c" }, "" } }
        let ber = [
            0xa0, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0x04,
            0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(
            norm(&ber).unwrap(),
            vec![0xa0, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
    }

    #[test]
    fn octet_string_chunk_must_be_octet_string() {
        let ber = [0x24, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00];
        assert_eq!(norm(&ber), Err(BerErrorKind::BadOctetStringChunk));
    }

    #[test]
    fn long_content_gets_long_length() {
        let mut ber = vec![0x30, 0x80, 0x04, 0x81, 0xc8];
        ber.extend(std::iter::repeat_n(7u8, 200));
        ber.extend([0, 0]);
        let der = norm(&ber).unwrap();
        assert_eq!(&der[..6], &[0x30, 0x81, 0xcb, 0x04, 0x81, 0xc8]);
        assert_eq!(der.len(), 3 + 3 + 200);
    }

    #[test]
    fn non_minimal_length_is_canonicalised() {
        let ber = [0x30, 0x82, 0x00, 0x03, 0x02, 0x01, 0x05];
        assert_eq!(norm(&ber).unwrap(), vec![0x30, 0x03, 0x02, 0x01, 0x05]);
        let ber = [0x30, 0x81, 0x03, 0x02, 0x01, 0x05];
        assert_eq!(norm(&ber).unwrap(), vec![0x30, 0x03, 0x02, 0x01, 0x05]);
    }

    #[test]
    fn missing_end_of_contents() {
        assert_eq!(
            norm(&[0x30, 0x80, 0x02, 0x01, 0x05]),
            Err(BerErrorKind::MissingEndOfContents)
        );
        // Inner indefinite element not closed before its definite parent ends.
        assert_eq!(
            norm(&[0x30, 0x05, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]),
            Err(BerErrorKind::MissingEndOfContents)
        );
    }

    #[test]
    fn stray_end_of_contents() {
        assert_eq!(
            norm(&[0x30, 0x02, 0x00, 0x00]),
            Err(BerErrorKind::UnexpectedEndOfContents)
        );
        assert_eq!(
            norm(&[0x00, 0x00]),
            Err(BerErrorKind::UnexpectedEndOfContents)
        );
        assert_eq!(norm(&[0x00, 0x01, 0x00]), Err(BerErrorKind::BadTag));
    }

    #[test]
    fn depth_bomb() {
        let mut ber = Vec::new();
        for _ in 0..100_000 {
            ber.extend([0x30, 0x80]);
        }
        assert_eq!(norm(&ber), Err(BerErrorKind::DepthExceeded));
        let mut ok = Vec::new();
        for _ in 0..32 {
            ok.extend([0x30, 0x80]);
        }
        for _ in 0..32 {
            ok.extend([0x00, 0x00]);
        }
        assert_eq!(norm(&ok).unwrap().len(), 64);
        let mut deep = Vec::new();
        for _ in 0..33 {
            deep.extend([0x30, 0x80]);
        }
        for _ in 0..33 {
            deep.extend([0x00, 0x00]);
        }
        assert_eq!(norm(&deep), Err(BerErrorKind::DepthExceeded));
    }

    #[test]
    fn length_overflow() {
        let ber = [0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(norm(&ber), Err(BerErrorKind::LengthOverflow));
        let ber = [0x04, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            norm(&ber),
            Err(BerErrorKind::LengthOverflow | BerErrorKind::Truncated)
        ));
        assert_eq!(norm(&[0x04, 0xff]), Err(BerErrorKind::ReservedLength));
    }

    #[test]
    fn truncation_every_prefix() {
        let ber = [
            0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x24, 0x80, 0x04, 0x02, b'a',
            b'b', 0x00, 0x00, 0x00, 0x00,
        ];
        assert!(norm(&ber).is_ok());
        for n in 0..ber.len() {
            let e = norm(&ber[..n]).unwrap_err();
            assert!(
                matches!(
                    e,
                    BerErrorKind::Truncated
                        | BerErrorKind::MissingEndOfContents
                        | BerErrorKind::LengthExceedsParent
                ),
                "prefix {n}: {e:?}"
            );
        }
    }

    #[test]
    fn indefinite_primitive_and_trailing() {
        assert_eq!(
            norm(&[0x04, 0x80, 0x00, 0x00]),
            Err(BerErrorKind::IndefinitePrimitive)
        );
        assert_eq!(
            norm(&[0x02, 0x01, 0x05, 0x00]),
            Err(BerErrorKind::TrailingData)
        );
        assert_eq!(
            norm(&[0x30, 0x80, 0x00, 0x00, 0x01]),
            Err(BerErrorKind::TrailingData)
        );
        assert_eq!(
            norm(&[0x30, 0x02, 0x02, 0x02, 0x05, 0x05]),
            Err(BerErrorKind::LengthExceedsParent)
        );
    }

    #[test]
    fn high_tag_numbers() {
        // [APPLICATION 31] primitive, shortest form: copied as is.
        assert!(norm(&[0x5f, 0x1f, 0x00]).is_ok());
        // High-tag form for a number below 31, and a leading 0x80: refused.
        assert_eq!(norm(&[0x5f, 0x05, 0x00]), Err(BerErrorKind::BadTag));
        assert_eq!(norm(&[0x5f, 0x80, 0x20, 0x00]), Err(BerErrorKind::BadTag));
        assert_eq!(
            norm(&[0x5f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00]),
            Err(BerErrorKind::BadTag)
        );
    }

    /// A DER tree, and BER encodings of it.
    #[derive(Debug, Clone)]
    enum Node {
        Primitive(u8, Vec<u8>),
        OctetString(Vec<u8>),
        Constructed(u8, Vec<Node>),
    }

    fn der(node: &Node, out: &mut Vec<u8>) {
        let (tag, content) = match node {
            Node::Primitive(tag, c) => (*tag, c.clone()),
            Node::OctetString(c) => (0x04, c.clone()),
            Node::Constructed(tag, children) => {
                let mut c = Vec::new();
                for child in children {
                    der(child, &mut c);
                }
                (*tag, c)
            }
        };
        out.push(tag);
        write_len(out, content.len());
        out.extend(content);
    }

    /// BER: `choices` decides, element by element, indefinite vs definite lengths, long-form
    /// lengths, and how octet strings are chunked.
    fn ber(node: &Node, choices: &mut impl Iterator<Item = u8>, out: &mut Vec<u8>) {
        fn header(out: &mut Vec<u8>, tag: u8, content: &[u8], indefinite: bool) {
            out.push(tag);
            if indefinite {
                out.push(0x80);
                out.extend_from_slice(content);
                out.extend([0, 0]);
            } else {
                // Long form with a leading zero octet: not DER, but BER.
                out.push(0x84);
                out.extend((content.len() as u32).to_be_bytes());
                out.extend_from_slice(content);
            }
        }
        let mut c = || choices.next().unwrap_or(0);
        match node {
            Node::Primitive(tag, content) => {
                if c() % 2 == 0 {
                    der(node, out);
                } else {
                    header(out, *tag, content, false);
                }
            }
            Node::OctetString(content) => match c() % 3 {
                0 => der(node, out),
                k => {
                    let size = usize::from(c() % 4 + 1);
                    let mut inner = Vec::new();
                    for chunk in content.chunks(size) {
                        der(&Node::OctetString(chunk.to_vec()), &mut inner);
                    }
                    header(out, 0x24, &inner, k == 1);
                }
            },
            Node::Constructed(tag, children) => {
                let mut inner = Vec::new();
                for child in children {
                    ber(child, choices, &mut inner);
                }
                let k = choices.next().unwrap_or(0) % 3;
                if k == 0 {
                    out.push(*tag);
                    write_len(out, inner.len());
                    out.extend(inner);
                } else {
                    header(out, *tag, &inner, k == 1);
                }
            }
        }
    }

    fn node() -> impl proptest::strategy::Strategy<Value = Node> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            (
                prop_oneof![Just(0x02u8), Just(0x06), Just(0x0c), Just(0x80)],
                proptest::collection::vec(any::<u8>(), 0..20)
            )
                .prop_map(|(t, c)| Node::Primitive(t, c)),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Node::OctetString),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            (
                prop_oneof![Just(0x30u8), Just(0x31), Just(0xa0), Just(0xa3)],
                proptest::collection::vec(inner, 0..6),
            )
                .prop_map(|(t, c)| Node::Constructed(t, c))
        })
    }

    proptest::proptest! {
        #[test]
        fn ber_normalises_to_der(
            tree in node(),
            choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let mut expected = Vec::new();
            der(&tree, &mut expected);
            let mut input = Vec::new();
            ber(&tree, &mut choices.into_iter().cycle(), &mut input);
            proptest::prop_assert_eq!(norm(&input).unwrap(), expected.clone());
            // DER in, the same bytes out, borrowed.
            proptest::prop_assert!(matches!(normalize(&expected, 32), Ok(Cow::Borrowed(_))));
        }
    }

    #[test]
    fn der_reader() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x07];
        let mut r = DerReader::new(&der);
        let seq = r.expect(0x30).unwrap();
        assert!(r.is_empty());
        let mut inner = seq.reader();
        assert_eq!(inner.offset(), 2);
        assert_eq!(inner.expect(0x02).unwrap().content, &[5]);
        assert!(inner.optional(0xa0).unwrap().is_none());
        let os = inner.read().unwrap();
        assert_eq!((os.tag, os.offset, os.content), (0x04, 5, &[7u8][..]));
        assert_eq!(
            DerReader::new(&[0x30, 0x80, 0, 0]).read().unwrap_err().kind,
            BerErrorKind::NotDer
        );
        assert_eq!(
            DerReader::new(&[0x04, 0x81, 0x01, 0])
                .read()
                .unwrap_err()
                .kind,
            BerErrorKind::NotDer
        );
    }
}
