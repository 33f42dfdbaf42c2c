//! WBXML ⇄ XML for SyncML documents: a generic, limit-enforcing transcoder.
//!
//! OMA DM clients may send SyncML as WBXML (`application/vnd.syncml.dm+wbxml`), the WAP binary
//! XML encoding: every element is a one-byte token from a code page, text is a NUL-terminated
//! string, and a string table holds repeated strings. This module converts whole documents
//! both ways without knowing what they mean:
//!
//! * [`xml_to_wbxml`] reads a SyncML 1.2 or 1.1 message (root `SyncML`, namespace
//!   `SYNCML:SYNCML1.2` / `SYNCML:SYNCML1.1`, Meta children in `syncml:metinf`) or a DevInf 1.2
//!   document (root `DevInf`, namespace `syncml:devinf`) and writes WBXML 1.3 with the matching
//!   public identifier ([`PublicId`]).
//! * [`wbxml_to_xml`] reads such a WBXML document and writes compact, namespace-correct UTF-8
//!   XML: `<SyncML xmlns="SYNCML:SYNCML1.2">`, and `xmlns="syncml:metinf"` on each MetInf
//!   element whose parent is not in that namespace (the way Windows writes `Meta/Type`).
//!
//! Typed SyncML lives elsewhere; decode WBXML by converting it to XML and reading that.
//!
//! ```
//! use mdmkit::windows::wbxml::{wbxml_to_xml, xml_to_wbxml};
//!
//! let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>
//!   <Meta><MaxMsgSize xmlns="syncml:metinf">65535</MaxMsgSize></Meta></SyncHdr>
//!   <SyncBody><Final/></SyncBody></SyncML>"#;
//! let wbxml = xml_to_wbxml(xml)?;
//! assert_eq!(&wbxml[..4], &[0x03, 0xA4, 0x01, 0x6A]); // WBXML 1.3, SyncML 1.2, UTF-8
//! let back = wbxml_to_xml(&wbxml)?;
//! assert!(back.contains(r#"<Meta><MaxMsgSize xmlns="syncml:metinf">65535</MaxMsgSize></Meta>"#));
//! assert_eq!(xml_to_wbxml(back.as_bytes())?, wbxml);
//! # Ok::<(), mdmkit::Error>(())
//! ```
//!
//! # Encoding (XML → WBXML)
//!
//! The element encoding is byte-for-byte what libwbxml's `xml2wbxml` (0.11.8) writes for the
//! same document, as long as the document has no attributes (see below), and this is tested
//! against the tool:
//!
//! * Header: version `03`, the public ID as an mb_u_int32 (`A4 01` for SyncML 1.2), charset
//!   `6A` (UTF-8), the string table.
//! * Elements are namespace-resolved, never matched by prefix: `Format` in `syncml:metinf` is
//!   token `07` of code page 1 whether it is written `<Format xmlns="syncml:metinf">` or
//!   `<A:Format>` with `xmlns:A="syncml:metinf"` declared above. A page switch (`00 01`) is
//!   written right before the first tag of another page, and the switch back (`00 00`) right
//!   before the next page-0 tag, which is after the `Meta`'s `END` (libwbxml's lazy switching).
//! * Element names the tables do not have (unknown tags, wrong case such as `final`, elements
//!   of other namespaces) are `LITERAL` tags named through the string table. Nothing is dropped.
//! * Text is `STR_I`; a CDATA section is `OPAQUE` (`C3 len bytes`); whitespace-only text between
//!   child elements is dropped. Escaped markup (`&lt;a&gt;`) is text like any other.
//! * libwbxml's SyncML `Data` rule decides when text is written as `OPAQUE` instead: text in a
//!   `Data` whose parent's first `Meta` (else its grandparent's) has a `Type` of `text/clear`,
//!   `text/directory;profile=vCard`, `text/x-vcard` or `text/x-vcalendar`; and, unless that
//!   `Type` is `application/vnd.syncml-devinf+xml`/`+wbxml` or `application/vnd.syncml.dmtnds+xml`/
//!   `+wbxml`, text in a `Data` whose grandparent is an `Add` or a `Replace` (the `Data` of their
//!   `Item`s). So `<Replace><Item><Data>0</Data>` is `4F C3 01 30 01`, while a `Status`,
//!   `Results`, `Alert` or `Exec` `Data` holds `STR_I`.
//! * The string table follows libwbxml's rules: every text, CDATA section and attribute value
//!   longer than 3 bytes that occurs more than once is put in the table, then the same for the
//!   whitespace-separated words of the strings that occur once; literal names are added as
//!   they are met. Text then refers to every table entry it contains with `STR_T`, entry by
//!   entry in table order.
//!
//! # Decoding (WBXML → XML)
//!
//! Versions 1.1 to 1.3 (`01`–`03`) with a numeric public ID or one given as a string-table
//! reference; the charset must be UTF-8 (106) or unknown (0, read as UTF-8). Every global
//! token is handled: `STR_I`, `STR_T` (bounds-checked), `OPAQUE` (written as a CDATA section, a
//! `]]>` inside it split across two sections; it must be UTF-8), `ENTITY` (written as the
//! character), `LITERAL` tags and attributes, page switches. `EXT_*` and `PI` tokens, which
//! SyncML does not use, are refused with a typed error. Text is escaped (`&amp; &lt; &gt;`, and
//! `&#13;` for a carriage return, which XML would otherwise turn into a line feed); attribute
//! values also escape `&quot;` and tab / line feed / carriage return.
//!
//! # Limits
//!
//! Both directions check the input size against [`Limits::max_input_bytes`] first, then the
//! nesting depth (`max_depth`; neither direction recurses), the number of items (`max_items`:
//! elements and runs of character content between two tags; the decoder also counts
//! attributes), each text node and attribute value (`max_string_bytes`) and each opaque value or
//! CDATA section (`max_data_bytes`). The XML written by the decoder is capped at
//! `max_input_bytes` too: string table references let a small WBXML document ask for a large
//! text. What the decoder accepts, the encoder accepts under the same limits. Lengths the input
//! claims
//! (string table, opaque data) are checked against the bytes that remain before anything is
//! allocated; a truncated document is [`DecodeErrorKind::UnexpectedEof`](crate::DecodeErrorKind),
//! an mb_u_int32 longer than 5 bytes or above `u32::MAX` is
//! [`IntegerOutOfRange`](crate::DecodeErrorKind::IntegerOutOfRange).
//!
//! # Differences from libwbxml
//!
//! Deliberate, each covered by a test:
//!
//! * **Attributes are kept.** SyncML has no attribute code page, and libwbxml silently drops
//!   every attribute (`msft:originalerror="0x86000002"` on a Status `Data`, `xmlns:msft` on
//!   `SyncBody`). Here each attribute is a `LITERAL` attribute start naming the qualified name
//!   through the string table, followed by its value (`STR_I`/`STR_T`); the attribute list ends
//!   with `END`, as WBXML defines. Namespace prefix declarations (`xmlns:msft="…"`) are kept the
//!   same way where they were declared, so `msft:originalerror` reads back in its namespace.
//!   Default namespace declarations are not copied: code pages imply them. A literal element
//!   whose namespace differs from the one the decoder will have in scope gets a literal
//!   `xmlns="…"` attribute (libwbxml drops it: nested `<Foo xmlns="urn:x">` comes back in the
//!   SyncML namespace). A document with attributes therefore differs from `xml2wbxml`'s output;
//!   `wbxml2xml` reads it back with the attributes it understands.
//! * **Namespaces decide tokens.** libwbxml looks names up in every code page: `<Type>` in the
//!   SyncML namespace becomes MetInf `Type`. Here it stays a `LITERAL` in its own namespace. In
//!   a document without any namespace (a DM 1.1 message identified by its `DOCTYPE`), names are
//!   looked up on page 0, then page 1, as libwbxml does.
//! * **Text is not changed.** libwbxml strips leading and trailing whitespace from text, drops
//!   whitespace-only text even in an element without children (`<Data> </Data>` in a `Status`
//!   loses its space), rewrites the text `application/vnd.syncml-devinf+xml` (and
//!   `…dmtnds+xml`) to `…+wbxml`, and turns every line feed into CR LF in the `Data` it treats as
//!   a vObject (the `Add` / `Replace` and vCard / vCalendar cases of the `Data` rule above). None
//!   of that happens here: only whitespace-only text between child elements is dropped.
//! * **Embedded documents.** libwbxml encodes a `DevInf` (or DM DDF `MgmtTree`) element nested
//!   in a SyncML message as a separate WBXML document inside `OPAQUE`; here its elements are
//!   `LITERAL` tags with their namespace (nothing is re-encoded into another document type).
//! * **Opaque text next to CDATA.** Text that the `Data` rule makes opaque joins an adjacent
//!   CDATA section in one `OPAQUE` (libwbxml fails on such a mix); this keeps decode → encode a
//!   fixed point, since the decoder writes a CR inside opaque data as `]]>&#13;<![CDATA[`.
//! * **Empty CDATA** (`<Data><![CDATA[]]></Data>`): libwbxml sets the content flag and writes
//!   nothing before `END` (`4F 01`); here the element is empty (`0F`).
//! * **Comments and processing instructions** inside the document are skipped (libwbxml fails
//!   on a processing instruction).
//! * **A root without namespace or DOCTYPE** is read as SyncML 1.2 (as libwbxml does); a
//!   namespace and a `DOCTYPE` that disagree are refused.
//! * **Very large string tables.** When the string table search would cost more than about
//!   2^27 byte comparisons (many repeated strings in a large document), text is written without
//!   table references (the table still names literals). libwbxml always searches.
//! * **Decoded XML** is compact (no indentation, no DOCTYPE), declares `encoding="UTF-8"`, and
//!   writes opaque data as CDATA like `wbxml2xml` does.
//!
//! DOCTYPEs are accepted only in the standard form (`<!DOCTYPE SyncML PUBLIC
//! "-//SYNCML//DTD SyncML 1.2//EN" "…">`, SyncML 1.1, DevInf 1.2) without an internal subset;
//! anything else is [`DoctypeForbidden`](crate::DecodeErrorKind::DoctypeForbidden). Entities
//! other than XML's five and character references are
//! [`EntityForbidden`](crate::DecodeErrorKind::EntityForbidden).

mod decode;
mod encode;
mod tables;

pub use tables::PublicId;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::limits::Limits;

/// Converts a SyncML (1.2 or 1.1) or DevInf 1.2 XML document to WBXML, with the default
/// [`Limits`].
///
/// ```
/// let wbxml = mdmkit::windows::wbxml::xml_to_wbxml(
///     br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Final/></SyncBody></SyncML>"#,
/// )?;
/// assert_eq!(wbxml, [0x03, 0xA4, 0x01, 0x6A, 0x00, 0x6D, 0x6B, 0x12, 0x01, 0x01]);
/// # Ok::<(), mdmkit::Error>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Decode`] when the XML is refused: not well-formed or not namespace
/// well-formed, not UTF-8, a root other than `SyncML` / `DevInf` in a known namespace, a
/// forbidden DOCTYPE or entity, or a limit exceeded. See the [module docs](self).
pub fn xml_to_wbxml(xml: &[u8]) -> Result<Vec<u8>, crate::Error> {
    xml_to_wbxml_with_limits(xml, &Limits::DEFAULT)
}

/// [`xml_to_wbxml`] with explicit [`Limits`].
///
/// ```
/// use mdmkit::{Limits, DecodeErrorKind, Error, Limit};
/// use mdmkit::windows::wbxml::xml_to_wbxml_with_limits;
///
/// let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Final/></SyncBody></SyncML>"#;
/// let err = xml_to_wbxml_with_limits(xml, &Limits::default().with_max_depth(2)).unwrap_err();
/// assert!(matches!(err, Error::Decode(e) if e.kind() == &DecodeErrorKind::LimitExceeded(Limit::Depth)));
/// ```
///
/// # Errors
///
/// As [`xml_to_wbxml`].
pub fn xml_to_wbxml_with_limits(xml: &[u8], limits: &Limits) -> Result<Vec<u8>, crate::Error> {
    encode::encode(xml, limits).map_err(crate::Error::Decode)
}

/// Converts a SyncML (1.2 or 1.1) or DevInf 1.2 WBXML document to XML, with the default
/// [`Limits`].
///
/// ```
/// let xml = mdmkit::windows::wbxml::wbxml_to_xml(&[
///     0x03, 0xA4, 0x01, 0x6A, 0x00, 0x6D, 0x6B, 0x12, 0x01, 0x01,
/// ])?;
/// assert_eq!(
///     xml,
///     r#"<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Final/></SyncBody></SyncML>"#
/// );
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
///
/// # Errors
///
/// A [`DecodeError`] when the WBXML is refused: truncated (`UnexpectedEof`), an unknown public
/// ID, charset, code page or tag token (`InvalidValue`), an extension or PI token, a string that
/// is not UTF-8 or holds a character XML cannot carry, a literal name that is not an XML name,
/// an undeclared namespace prefix, a duplicate attribute, or a limit exceeded (including the
/// size of the XML written). See the [module docs](self).
pub fn wbxml_to_xml(wbxml: &[u8]) -> Result<String, DecodeError> {
    wbxml_to_xml_with_limits(wbxml, &Limits::DEFAULT)
}

/// [`wbxml_to_xml`] with explicit [`Limits`].
///
/// ```
/// use mdmkit::{Limits, DecodeErrorKind, Limit};
/// use mdmkit::windows::wbxml::wbxml_to_xml_with_limits;
///
/// let wbxml = [0x03, 0xA4, 0x01, 0x6A, 0x00, 0x6D, 0x6B, 0x12, 0x01, 0x01];
/// let err = wbxml_to_xml_with_limits(&wbxml, &Limits::default().with_max_input_bytes(8))
///     .unwrap_err();
/// assert_eq!(err.kind(), &DecodeErrorKind::LimitExceeded(Limit::InputBytes));
/// ```
///
/// # Errors
///
/// As [`wbxml_to_xml`].
pub fn wbxml_to_xml_with_limits(wbxml: &[u8], limits: &Limits) -> Result<String, DecodeError> {
    decode::decode(wbxml, limits)
}

/// Reads the document type from a WBXML header without decoding the body.
///
/// ```
/// use mdmkit::windows::wbxml::{public_id, PublicId};
/// assert_eq!(public_id(&[0x03, 0xA4, 0x01, 0x6A, 0x00])?, PublicId::SyncMl12);
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
///
/// # Errors
///
/// A [`DecodeError`] for a truncated or malformed header, or a public ID other than those of
/// [`PublicId`].
pub fn public_id(wbxml: &[u8]) -> Result<PublicId, DecodeError> {
    decode::header(wbxml).map(|h| h.public_id)
}

/// Appends `value` as a WBXML mb_u_int32 (7 bits per byte, most significant first, the high
/// bit set on every byte but the last).
pub(crate) fn write_mb_u32(out: &mut Vec<u8>, value: u32) {
    let mut buf = [0u8; 5];
    let mut i = buf.len();
    let mut v = value;
    loop {
        i -= 1;
        let cont = if i == buf.len() - 1 { 0 } else { 0x80 };
        if let Some(b) = buf.get_mut(i) {
            *b = (v & 0x7F) as u8 | cont;
        }
        v >>= 7;
        if v == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// Reads an mb_u_int32 at `*pos`, advancing it. At most 5 bytes; the value must fit a `u32`.
pub(crate) fn read_mb_u32(input: &[u8], pos: &mut usize) -> Result<u32, DecodeError> {
    let start = *pos;
    let mut value: u32 = 0;
    for i in 0..5 {
        let Some(&b) = input.get(*pos) else {
            return Err(DecodeError::at(
                DecodeErrorKind::UnexpectedEof,
                Some(*pos as u64),
            ));
        };
        *pos += 1;
        if value > (u32::MAX >> 7) {
            return Err(DecodeError::at(
                DecodeErrorKind::IntegerOutOfRange,
                Some(start as u64),
            ));
        }
        value = (value << 7) | u32::from(b & 0x7F);
        if b & 0x80 == 0 {
            return Ok(value);
        }
        if i == 4 {
            break;
        }
    }
    Err(DecodeError::at(
        DecodeErrorKind::IntegerOutOfRange,
        Some(start as u64),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: u32) -> Vec<u8> {
        let mut out = Vec::new();
        write_mb_u32(&mut out, v);
        out
    }

    #[test]
    fn mb_u_int32_known_values() {
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(0x7F), [0x7F]);
        assert_eq!(enc(0x80), [0x81, 0x00]);
        assert_eq!(enc(0x1201), [0xA4, 0x01]);
        assert_eq!(enc(0x0FD3), [0x9F, 0x53]);
        assert_eq!(enc(106), [0x6A]);
        assert_eq!(enc(0x3FFF), [0xFF, 0x7F]);
        assert_eq!(enc(0x4000), [0x81, 0x80, 0x00]);
        assert_eq!(enc(u32::MAX), [0x8F, 0xFF, 0xFF, 0xFF, 0x7F]);
    }

    #[test]
    fn mb_u_int32_round_trip() {
        for v in [
            0,
            1,
            127,
            128,
            255,
            16383,
            16384,
            0x1FFFFF,
            0x200000,
            0x0FFF_FFFF,
        ]
        .into_iter()
        .chain([0x1000_0000, u32::MAX - 1, u32::MAX])
        {
            let bytes = enc(v);
            let mut pos = 0;
            assert_eq!(read_mb_u32(&bytes, &mut pos).unwrap(), v);
            assert_eq!(pos, bytes.len());
        }
    }

    #[test]
    fn mb_u_int32_refuses_overflow_and_truncation() {
        let kind = |bytes: &[u8]| read_mb_u32(bytes, &mut 0).unwrap_err().kind().clone();
        assert_eq!(
            kind(&[0x90, 0x80, 0x80, 0x80, 0x00]),
            DecodeErrorKind::IntegerOutOfRange
        );
        assert_eq!(
            kind(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
            DecodeErrorKind::IntegerOutOfRange
        );
        assert_eq!(kind(&[0x81]), DecodeErrorKind::UnexpectedEof);
        assert_eq!(kind(&[]), DecodeErrorKind::UnexpectedEof);
        // Non-minimal encodings are accepted (WBXML does not forbid them).
        assert_eq!(read_mb_u32(&[0x80, 0x80, 0x05], &mut 0).unwrap(), 5);
    }
}
