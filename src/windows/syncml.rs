//! SyncML 1.2 for OMA DM (Windows MDM, MS-MDM): messages, codes, sessions, large objects and
//! authentication.
//!
//! * [`SyncMl`] is a message: [`SyncHdr`] and [`SyncBody`], whose commands are ONE ordered
//!   `Vec<`[`Command`]`>` (statuses must answer commands in document order; research L12).
//!   Unknown commands and unknown child elements are kept verbatim ([`RawXml`]) and written
//!   back; [`Data`] keeps its text exactly as written (escaped markup, CDATA) with its
//!   attributes (`msft:originalerror`).
//! * Identifiers (`SessionID`, `MsgID`, `CmdID`, `CmdRef`, `MsgRef`) are opaque strings.
//! * [`StatusCode`] and [`AlertCode`] are `u16` newtypes with named constants.
//! * [`session`] is the sans-IO server side of a management session: the header status first,
//!   one status per received command, `CmdID` allocation, `Results` ↔ `Get` correlation,
//!   `Final` and the 1222 "next message" alert, `Atomic` outcomes.
//! * [`large`] splits and reassembles large objects (`MoreData`).
//! * [`auth`] verifies and challenges MD5 digest (`syncml:auth-md5`) and basic credentials.
//!
//! Decoding checks [`Limits`] first (input size), then depth, element count and string bytes on
//! the event stream. Namespaces are resolved (`SYNCML:SYNCML1.1` and `1.2` are accepted,
//! `syncml:metinf` however it is declared); DOCTYPEs other than the standard SyncML ones and
//! entities other than XML's five are refused. Output is in DTD element order, in the
//! `SYNCML:SYNCML1.2` namespace, with `syncml:metinf` declared on each `Meta` child.
//!
//! ```
//! use mdmkit::windows::syncml::{
//!     session::Session, Command, Item, Operation, StatusCode, SyncMl,
//! };
//!
//! // The device opens a session.
//! let device = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>
//!   <VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>
//!   <Target><LocURI>https://mdm.example/manage</LocURI></Target>
//!   <Source><LocURI>B5B954E81FBCB94EB79BD08BE625F4EE</LocURI></Source></SyncHdr>
//!   <SyncBody><Alert><CmdID>2</CmdID><Data>1201</Data></Alert><Final/></SyncBody></SyncML>"#;
//! let msg = SyncMl::from_xml(device)?;
//! let mut session = Session::new();
//! let mut reply = session.respond(&msg, StatusCode::OK);
//! // Ask for the OS version.
//! reply.push(Command::Get(Operation::new("", vec![Item::target("./DevDetail/SwV")])));
//! let reply = reply.finish();
//! let xml = reply.to_xml()?;
//! assert!(xml.contains("<Cmd>SyncHdr</Cmd>"));
//! assert!(xml.contains("<LocURI>./DevDetail/SwV</LocURI>"));
//! # Ok::<(), mdmkit::Error>(())
//! ```

mod codes;
mod data;
mod de;
mod model;
mod ser;

pub mod auth;
pub mod large;
pub mod session;

pub use codes::{AlertCode, StatusCode};
pub use data::{Attribute, Data, MSFT_NAMESPACE, RawXml};
pub use model::{
    Alert, Chal, CmdId, Command, Container, Cred, Exec, Item, Location, Map, MapItem, Meta, MsgId,
    Operation, Results, SessionId, Status, SyncBody, SyncHdr, SyncMl,
};

use crate::error::{DecodeError, EncodeError};
use crate::limits::Limits;

/// The namespace mdmkit writes on `SyncML` (`SYNCML:SYNCML1.2`).
pub const SYNCML_NAMESPACE: &str = "SYNCML:SYNCML1.2";
/// The MetInf namespace (`syncml:metinf`).
pub const METINF_NAMESPACE: &str = "syncml:metinf";
/// The HTTP content type of SyncML DM messages in XML.
pub const CONTENT_TYPE_XML: &str = "application/vnd.syncml.dm+xml";
/// The HTTP content type of SyncML DM messages in WBXML.
pub const CONTENT_TYPE_WBXML: &str = "application/vnd.syncml.dm+wbxml";

impl SyncMl {
    /// Decodes a message under the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] when the input is not a well-formed SyncML message within the limits:
    /// malformed XML, a refused DOCTYPE or entity, a missing required element (`SyncHdr`,
    /// `VerDTD`, `Status/CmdRef`, …), a non-numeric code or size, a limit exceeded.
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        de::message(input, &Limits::DEFAULT)
    }

    /// Decodes a message under `limits`.
    ///
    /// # Errors
    /// As [`SyncMl::from_xml`].
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        de::message(input, limits)
    }

    /// Encodes the message as XML, in DTD element order.
    ///
    /// # Errors
    /// An [`EncodeError`] when a string holds a character XML cannot carry; its path names the
    /// element (`SyncBody.Replace[1].Item[0].Target.LocURI`).
    pub fn to_xml(&self) -> Result<String, EncodeError> {
        ser::message(self)
    }

    /// Decodes a WBXML message (SyncML 1.2 / 1.1 code pages) under the default [`Limits`]:
    /// transcoded to XML by [`crate::windows::wbxml`], then decoded like [`SyncMl::from_xml`].
    ///
    /// # Errors
    /// A [`DecodeError`] for malformed WBXML (truncated, unknown tokens or pages, bad UTF-8,
    /// limits) or, once transcoded, for anything [`SyncMl::from_xml`] refuses.
    #[cfg(feature = "wbxml")]
    pub fn from_wbxml(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_wbxml_with_limits(input, &Limits::DEFAULT)
    }

    /// Decodes a WBXML message under `limits` (applied to the WBXML and to the XML it gives).
    ///
    /// # Errors
    /// As [`SyncMl::from_wbxml`].
    #[cfg(feature = "wbxml")]
    pub fn from_wbxml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let xml = crate::windows::wbxml::wbxml_to_xml_with_limits(input, limits)?;
        de::message(xml.as_bytes(), limits)
    }

    /// Encodes the message as WBXML (SyncML 1.2 code pages), token for token what libwbxml's
    /// `xml2wbxml` writes for [`SyncMl::to_xml`]'s output, except that attributes
    /// (`msft:originalerror`) are kept as literal attributes.
    ///
    /// # Errors
    /// [`crate::Error::Encode`] as for [`SyncMl::to_xml`]; [`crate::Error::Decode`] should the
    /// transcoder refuse the XML (it reads it under the default limits).
    #[cfg(feature = "wbxml")]
    pub fn to_wbxml(&self) -> Result<Vec<u8>, crate::Error> {
        let xml = self.to_xml()?;
        crate::windows::wbxml::xml_to_wbxml(xml.as_bytes())
    }

    /// Every command of the body, depth first (the children of `Atomic` and `Sequence` after
    /// their container), in document order.
    pub fn commands_flat(&self) -> impl Iterator<Item = &Command> {
        flatten(&self.body.commands)
    }
}

/// Depth-first iteration over commands and their nested commands.
pub(crate) fn flatten(cmds: &[Command]) -> impl Iterator<Item = &Command> {
    let mut stack: Vec<std::slice::Iter<'_, Command>> = vec![cmds.iter()];
    std::iter::from_fn(move || {
        loop {
            let top = stack.last_mut()?;
            match top.next() {
                Some(c) => {
                    let kids = c.children();
                    if !kids.is_empty() {
                        stack.push(kids.iter());
                    }
                    return Some(c);
                }
                None => {
                    stack.pop();
                }
            }
        }
    })
}

impl Command {
    /// Decodes one command element (`<Get>…</Get>`) under the default [`Limits`]. Unknown
    /// elements decode to [`Command::Unknown`].
    ///
    /// # Errors
    /// As [`SyncMl::from_xml`]; also when the input holds more than one element.
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        de::single_command(input, &Limits::DEFAULT)
    }

    /// Encodes the command as one standalone element (with the SyncML namespace declared).
    ///
    /// # Errors
    /// As [`SyncMl::to_xml`].
    pub fn to_xml(&self) -> Result<String, EncodeError> {
        ser::standalone_command(self)
    }
}

/// What [`Fragment::from_xml`] accepts: SyncML that is not a whole message, as found in
/// documentation samples and server logs: a `SyncML` element missing its header, a bare
/// `SyncHdr` and `SyncBody`, or one or more sibling commands.
///
/// ```
/// use mdmkit::windows::syncml::{Command, Fragment};
/// let f = Fragment::from_xml(b"<Get><CmdID>1</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>
///   <Replace><CmdID>2</CmdID></Replace>")?;
/// assert_eq!(f.commands.len(), 2);
/// assert!(f.hdr.is_none());
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    /// The header, when the fragment has one.
    pub hdr: Option<SyncHdr>,
    /// The commands, in document order.
    pub commands: Vec<Command>,
    /// Whether a `Final` was seen.
    pub is_final: bool,
}

impl Fragment {
    /// Decodes a fragment under the default [`Limits`].
    ///
    /// # Errors
    /// As [`SyncMl::from_xml`] (well-formedness, limits, DOCTYPE and entity rules).
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        de::fragment(input, &Limits::DEFAULT)
    }

    /// Decodes a fragment under `limits`.
    ///
    /// # Errors
    /// As [`Fragment::from_xml`].
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        de::fragment(input, limits)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    const HDR: &str = "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr>";

    #[test]
    fn unknown_element_with_inherited_prefix_stands_alone() {
        let xml = format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:x="urn:x">{HDR}<SyncBody><x:Foo x:a="1"><x:Bar/></x:Foo><Final/></SyncBody></SyncML>"#
        );
        let m = SyncMl::from_xml(xml.as_bytes()).unwrap();
        let Command::Unknown(raw) = &m.body.commands[0] else {
            panic!()
        };
        assert_eq!(
            raw.as_xml(),
            r#"<x:Foo xmlns:x="urn:x" x:a="1"><x:Bar/></x:Foo>"#
        );
        let again = SyncMl::from_xml(m.to_xml().unwrap().as_bytes()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn quirk_namespaces() {
        for ns in ["SYNCML: SYNCML1.2", "syncml:syncml1.2", "SYNCML:SYNCML1.1"] {
            let xml = format!(
                r#"<SyncML xmlns="{ns}">{HDR}<SyncBody><Get><CmdID>2</CmdID><Item><Meta><Format xmlns="">chr</Format><Type>text/plain</Type></Meta></Item></Get><Final/></SyncBody></SyncML>"#
            );
            let m = SyncMl::from_xml(xml.as_bytes()).unwrap();
            let meta = m.body.commands[0].items()[0].meta.as_ref().unwrap();
            assert_eq!(meta.format.as_deref(), Some("chr"), "{ns}");
            assert_eq!(meta.r#type.as_deref(), Some("text/plain"), "{ns}");
        }
        let xml = format!(r#"<SyncML xmlns="urn:other">{HDR}<SyncBody/></SyncML>"#);
        assert!(SyncMl::from_xml(xml.as_bytes()).is_err());
    }

    #[cfg(feature = "wbxml")]
    #[test]
    fn wbxml_round_trip_keeps_the_model() {
        let xml = format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2">{HDR}<SyncBody><Status xmlns:msft="http://schemas.microsoft.com/MobileDevice/MDM"><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef><Cmd>Exec</Cmd><Data msft:originalerror="0x86000002">500</Data></Status><Replace><CmdID>3</CmdID><Item><Target><LocURI>./a</LocURI></Target><Meta><Format xmlns="syncml:metinf">xml</Format></Meta><Data>&lt;a&gt;1&lt;/a&gt;</Data></Item></Replace><Final/></SyncBody></SyncML>"#
        );
        let m = SyncMl::from_xml(xml.as_bytes()).unwrap();
        let wb = m.to_wbxml().unwrap();
        assert_eq!(wb.get(..4), Some(&[0x03, 0xA4, 0x01, 0x6A][..]));
        let back = SyncMl::from_wbxml(&wb).unwrap();
        // Data may change form (escaped text comes back as CDATA); the text it stands for and
        // everything else does not.
        assert_eq!(back.hdr, m.hdr);
        let (Command::Status(a), Command::Status(b)) =
            (&back.body.commands[0], &m.body.commands[0])
        else {
            panic!()
        };
        assert_eq!(a, b);
        assert_eq!(
            back.body.commands[1].items()[0]
                .data
                .as_ref()
                .unwrap()
                .to_text(),
            "<a>1</a>"
        );
    }
}
