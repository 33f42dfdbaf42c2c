//! The provisioning document (`wap-provisioningdoc`) an MS-MDE2 enrollment server returns,
//! base64-encoded, in the `BinarySecurityToken` of its `RequestSecurityTokenResponseCollection`.
//!
//! Two layers:
//!
//! * A generic, lossless model: [`ProvisioningDoc`] is an ordered tree of [`Node`]s —
//!   [`Characteristic`]s, [`Parm`]s and, kept verbatim, every other element
//!   (`characteristic-query`, `parm-query`, `nocharacteristic`, `noparm`, anything unknown). Parms
//!   and characteristics stay interleaved in document order, and every attribute is kept, so
//!   [`ProvisioningDoc::from_xml`] → [`ProvisioningDoc::to_xml`] → `from_xml` gives back the
//!   same value. Comments, processing instructions and whitespace between elements are not kept.
//! * Typed pieces for what an MDM server sends at enrollment, in the order Microsoft's samples
//!   use: [`ProvisioningDocBuilder`] writes the trusted root (and intermediate) certificates, the
//!   issued client certificate, the renewal schedule ([`Renewal`]), the w7 `APPLICATION`
//!   ([`W7Application`], with its two [`AppAuth`] blocks) and the `DMClient` provider
//!   ([`DmClientProvider`], with [`Poll`]); typed views ([`ProvisioningDoc::application_w7`],
//!   [`ProvisioningDoc::root_certificates`], [`ProvisioningDoc::client_certificate`],
//!   [`ProvisioningDoc::renewal`], [`ProvisioningDoc::dm_client_provider`]) read the same values
//!   back from any decoded document.
//!
//! ```
//! use mdmkit::windows::enroll::provisioning::{
//!     AppAuth, CertStore, DmClientProvider, Poll, ProvisioningDoc, W7Application,
//! };
//!
//! # let (ca_der, client_der) = (vec![0x30, 0x03, 0x02, 0x01, 0x01], vec![0x30, 0x03, 0x02, 0x01, 0x02]);
//! let mut app = W7Application::new("MDMKIT", "https://mdm.example.com/ManagementServer/MDM.svc");
//! app.name = Some("Example MDM".into());
//! app.client_auth = Some(AppAuth::digest("server-secret", "bm9uY2U="));
//! app.server_auth = Some(AppAuth::digest("device-secret", "bm9uY2U=").with_name("device-user"));
//!
//! let mut poll = Poll::default();
//! poll.number_of_first_retries = Some(8);
//! poll.interval_for_first_set_of_retries = Some(15);
//! let mut provider = DmClientProvider::new("MDMKIT");
//! provider.poll = Some(poll);
//!
//! let doc = ProvisioningDoc::builder()
//!     .root_certificate("D9A88E04AF18A4D399CEE62F2C71469C3AE1E675", ca_der)
//!     .client_certificate(CertStore::User, "8F2EBD13F3612D7C48C30E24CC73A88492613849", client_der)
//!     .application(app.clone())
//!     .dm_client(provider)
//!     .build()?;
//!
//! // What goes into the RSTRC's BinarySecurityToken:
//! let token = doc.to_base64()?;
//! let back = ProvisioningDoc::from_base64(token.as_bytes())?;
//! assert_eq!(back, doc);
//! assert_eq!(back.application_w7()?, Some(app));
//! assert!(back.renewal()?.is_some_and(|r| r.robo_support)); // on unless turned off
//! # Ok::<(), mdmkit::Error>(())
//! ```
//!
//! # Decoding
//!
//! The document goes through the same hardened reader as SyncML: input size checked first, no
//! DOCTYPE, no entity but XML's five, depth / element / string limits ([`Limits`]) counted on the
//! event stream. No DOCTYPE at all is accepted. Decoding does not recurse; dropping, comparing,
//! cloning and printing a tree do, once per level, so characteristics nest at most
//! [`MAX_TREE_DEPTH`] levels whatever [`Limits::max_depth`] says (the default, 32, is already
//! far above the six levels real documents use). `parm` must be empty (the OMA Client Provisioning DTD declares it
//! `EMPTY`); text between elements is refused.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::error::{BuildError, DecodeError, DecodeErrorKind as K, EncodeError, Limit};
use crate::limits::Limits;
use crate::sensitive::Sensitive;
use crate::windows::syncml::{Attribute, RawXml};
use crate::windows::xml::{self, Ev, NS_NONE, NS_OTHER, NsCode, Reader, Writer};

/// The root element's name.
pub const ROOT_ELEMENT: &str = "wap-provisioningdoc";
/// The `version` attribute Windows enrollment servers write (`1.1`).
pub const VERSION: &str = "1.1";
/// `APPID` of the OMA DM account application.
pub const APPID_W7: &str = "w7";
/// The default `DEFAULTENCODING` (SyncML DM as XML).
pub const DEFAULT_ENCODING_XML: &str = "application/vnd.syncml.dm+xml";
/// `DEFAULTENCODING` for WBXML.
pub const DEFAULT_ENCODING_WBXML: &str = "application/vnd.syncml.dm+wbxml";

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

// ---------------------------------------------------------------------------------------------
// The generic model
// ---------------------------------------------------------------------------------------------

/// A `wap-provisioningdoc`: its attributes and its top-level nodes in document order.
///
/// ```
/// use mdmkit::windows::enroll::provisioning::{Node, ProvisioningDoc};
///
/// let xml = br#"<wap-provisioningdoc version="1.1">
///   <characteristic type="DMClient"><characteristic type="Provider">
///     <characteristic type="MDMKIT"><parm name="EntDMID" value="dev-1"/></characteristic>
///   </characteristic></characteristic>
///   <characteristic-query type="Registry"/>
/// </wap-provisioningdoc>"#;
/// let doc = ProvisioningDoc::from_xml(xml)?;
/// assert_eq!(doc.version.as_deref(), Some("1.1"));
/// let provider = doc.characteristics_at(&["DMClient", "Provider", "MDMKIT"]).next().unwrap();
/// assert_eq!(provider.parm("EntDMID").and_then(|p| p.value.as_deref()), Some("dev-1"));
/// assert!(matches!(&doc.nodes[1], Node::Other(raw) if raw.local_name() == "characteristic-query"));
/// assert_eq!(ProvisioningDoc::from_xml(doc.to_xml()?.as_bytes())?, doc);
/// # Ok::<(), mdmkit::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvisioningDoc {
    /// The `version` attribute (`1.1`).
    pub version: Option<String>,
    /// Other attributes of the root element, in document order.
    pub attributes: Vec<Attribute>,
    /// The top-level nodes, in document order.
    pub nodes: Vec<Node>,
}

/// One child of a characteristic (or of the document).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A `characteristic`.
    Characteristic(Characteristic),
    /// A `parm`.
    Parm(Parm),
    /// Any other element (`characteristic-query`, `parm-query`, `nocharacteristic`, `noparm`,
    /// an element in a namespace, an unknown element), kept as written. A `characteristic` or
    /// `parm` element put here is written as is and decodes back as the typed node.
    Other(RawXml),
}

impl From<Characteristic> for Node {
    fn from(c: Characteristic) -> Self {
        Node::Characteristic(c)
    }
}

impl From<Parm> for Node {
    fn from(p: Parm) -> Self {
        Node::Parm(p)
    }
}

impl From<RawXml> for Node {
    fn from(r: RawXml) -> Self {
        Node::Other(r)
    }
}

/// A `characteristic`: a `type`, other attributes, and its children in document order.
///
/// ```
/// use mdmkit::windows::enroll::provisioning::{Characteristic, Parm};
///
/// let poll = Characteristic::new("Poll")
///     .with(Parm::integer("NumberOfFirstRetries", 8))
///     .with(Parm::boolean("PollOnLogin", true));
/// assert_eq!(poll.parm("PollOnLogin").unwrap().value.as_deref(), Some("true"));
/// assert_eq!(poll.parms().count(), 2);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Characteristic {
    /// The `type` attribute (a CSP name, a store name, a thumbprint, a provider ID…).
    pub r#type: String,
    /// Other attributes, in document order.
    pub attributes: Vec<Attribute>,
    /// The children, in document order.
    pub nodes: Vec<Node>,
}

impl Characteristic {
    /// An empty characteristic of `type`.
    pub fn new(r#type: impl Into<String>) -> Self {
        Characteristic {
            r#type: r#type.into(),
            attributes: Vec::new(),
            nodes: Vec::new(),
        }
    }

    /// Appends a child (builder style).
    #[must_use]
    pub fn with(mut self, node: impl Into<Node>) -> Self {
        self.nodes.push(node.into());
        self
    }

    /// Appends a child.
    pub fn push(&mut self, node: impl Into<Node>) {
        self.nodes.push(node.into());
    }

    /// The child characteristics, in order.
    pub fn characteristics(&self) -> impl Iterator<Item = &Characteristic> {
        characteristics_of(&self.nodes)
    }

    /// The parms, in order.
    pub fn parms(&self) -> impl Iterator<Item = &Parm> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Parm(p) => Some(p),
            _ => None,
        })
    }

    /// The first child characteristic of `type` (compared exactly).
    #[must_use]
    pub fn characteristic(&self, r#type: &str) -> Option<&Characteristic> {
        self.characteristics().find(|c| c.r#type == r#type)
    }

    /// The first parm called `name` (compared exactly).
    #[must_use]
    pub fn parm(&self, name: &str) -> Option<&Parm> {
        self.parms().find(|p| p.name == name)
    }
}

fn characteristics_of(nodes: &[Node]) -> impl Iterator<Item = &Characteristic> {
    nodes.iter().filter_map(|n| match n {
        Node::Characteristic(c) => Some(c),
        _ => None,
    })
}

/// A `parm`: a name, an optional value, an optional `datatype`, and any other attributes.
///
/// `value` distinguishes an absent attribute (`None`: `<parm name="BACKCOMPATRETRYDISABLED"/>`)
/// from an empty one (`Some("")`).
///
/// `Debug` redacts the value of a parm whose name contains `SECRET` or `PASSWORD` (ASCII case
/// ignored), such as `AAUTHSECRET`.
///
/// ```
/// use mdmkit::windows::enroll::provisioning::Parm;
/// let p = Parm::new("AAUTHSECRET", "hunter2");
/// assert!(!format!("{p:?}").contains("hunter2"));
/// assert_eq!(Parm::integer("RenewPeriod", 42).datatype.as_deref(), Some("integer"));
/// assert_eq!(Parm::flag("BACKCOMPATRETRYDISABLED").value, None);
/// ```
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Parm {
    /// The `name` attribute.
    pub name: String,
    /// The `value` attribute.
    pub value: Option<String>,
    /// The `datatype` attribute (`integer`, `boolean`, `string`…).
    pub datatype: Option<String>,
    /// Other attributes, in document order.
    pub attributes: Vec<Attribute>,
}

impl Parm {
    /// A parm with a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Parm {
            name: name.into(),
            value: Some(value.into()),
            datatype: None,
            attributes: Vec::new(),
        }
    }

    /// A parm without a `value` attribute (its presence is the setting).
    pub fn flag(name: impl Into<String>) -> Self {
        Parm {
            name: name.into(),
            value: None,
            datatype: None,
            attributes: Vec::new(),
        }
    }

    /// A parm with an integer value and `datatype="integer"`.
    pub fn integer(name: impl Into<String>, value: u32) -> Self {
        Parm::new(name, value.to_string()).with_datatype("integer")
    }

    /// A parm with a `true`/`false` value and `datatype="boolean"`.
    pub fn boolean(name: impl Into<String>, value: bool) -> Self {
        Parm::new(name, if value { "true" } else { "false" }).with_datatype("boolean")
    }

    /// Sets `datatype` (builder style).
    #[must_use]
    pub fn with_datatype(mut self, datatype: impl Into<String>) -> Self {
        self.datatype = Some(datatype.into());
        self
    }

    /// Whether `Debug` hides this parm's value.
    fn is_secret(&self) -> bool {
        let upper = self.name.to_ascii_uppercase();
        upper.contains("SECRET") || upper.contains("PASSWORD")
    }
}

impl fmt::Debug for Parm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Parm");
        d.field("name", &self.name);
        match &self.value {
            Some(_) if self.is_secret() => d.field("value", &Sensitive::new(())),
            v => d.field("value", v),
        };
        if let Some(t) = &self.datatype {
            d.field("datatype", t);
        }
        if !self.attributes.is_empty() {
            d.field("attributes", &self.attributes);
        }
        d.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// The deepest characteristic nesting decoded, whatever the [`Limits`] say: dropping, cloning,
/// comparing and printing a tree recurse once per level.
pub const MAX_TREE_DEPTH: usize = 1000;

/// Whether the prolog before the root start tag (at `root_pos`, an offset in the input after
/// an optional byte order mark) holds a DOCTYPE. The shared reader lets SyncML's public DOCTYPEs
/// through; a provisioning document has none. The prolog was already checked well-formed.
fn has_doctype(input: &[u8], root_pos: usize) -> bool {
    fn skip_to<'a>(rest: &'a [u8], end: &[u8]) -> Option<&'a [u8]> {
        rest.windows(end.len())
            .position(|w| w == end)
            .and_then(|i| rest.get(i + end.len()..))
    }
    let text = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut rest = text.get(..root_pos).unwrap_or(text);
    loop {
        rest = rest.trim_ascii_start();
        let next = if rest.starts_with(b"<!--") {
            skip_to(rest, b"-->")
        } else if rest.starts_with(b"<?") {
            skip_to(rest, b"?>")
        } else {
            return !rest.is_empty();
        };
        match next {
            Some(n) => rest = n,
            None => return false,
        }
    }
}

/// Every element in a namespace is foreign to the provisioning document.
fn classify(_ns: &[u8]) -> NsCode {
    NS_OTHER
}

/// Prefixes `err`'s path with the types of the open characteristics.
fn in_frames(mut err: DecodeError, frames: &[Characteristic]) -> DecodeError {
    for c in frames.iter().rev() {
        err = err.in_key(&c.r#type);
    }
    err
}

fn split_attrs(
    r: &Reader<'_>,
    attrs: Vec<xml::Attr>,
    own: &[&str],
    pos: usize,
) -> Result<(Vec<Option<String>>, Vec<Attribute>), DecodeError> {
    let mut mine = vec![None; own.len()];
    let mut other = Vec::new();
    for a in attrs {
        // What the writer could not write back: a name that is not a plain XML name, a value
        // with a character XML 1.0 excludes (a raw control character, `&#1;`).
        if !plain_name(&a.local) || !a.value.chars().all(xml::is_xml_char) {
            return Err(r.err_at(K::Syntax, pos));
        }
        let slot = if a.ns.is_none() {
            own.iter().position(|n| *n == a.local)
        } else {
            None
        };
        match slot.and_then(|i| mine.get_mut(i)) {
            Some(s) => {
                if s.is_some() {
                    return Err(r.err_at(K::DuplicateKey, pos));
                }
                *s = Some(a.value);
            }
            None => other.push(Attribute::from_xml(a)),
        }
    }
    Ok((mine, other))
}

fn take(v: &mut [Option<String>], i: usize) -> Option<String> {
    v.get_mut(i).and_then(Option::take)
}

impl ProvisioningDoc {
    /// A document with `version="1.1"` and no nodes.
    #[must_use]
    pub fn new() -> Self {
        ProvisioningDoc {
            version: Some(VERSION.to_owned()),
            attributes: Vec::new(),
            nodes: Vec::new(),
        }
    }

    /// The typed builder for an enrollment response.
    #[must_use]
    pub fn builder() -> ProvisioningDocBuilder {
        ProvisioningDocBuilder::new()
    }

    /// Decodes a document with the default [`Limits`].
    ///
    /// # Errors
    /// A [`DecodeError`] when the input is not UTF-8, not well-formed, carries a DOCTYPE or an
    /// entity, exceeds a limit, has another root than `wap-provisioningdoc` (in no namespace),
    /// holds text between elements, a non-empty `parm`, a `characteristic` without `type`, a
    /// `parm` without `name`, or an attribute (of the root, a characteristic or a parm) whose name
    /// is not a plain XML name or whose value holds a character XML 1.0 excludes (`&#1;`). Its
    /// path names the enclosing characteristic types.
    pub fn from_xml(input: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with_limits(input, &Limits::DEFAULT)
    }

    /// Decodes a document under `limits`.
    ///
    /// # Errors
    /// As [`from_xml`](Self::from_xml).
    pub fn from_xml_with_limits(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(input, limits, classify)?;
        let root = match r.next()? {
            Ev::Start(s) => s,
            Ev::Eof => return Err(r.err(K::UnexpectedEof)),
            Ev::Text | Ev::End => return Err(r.err(K::Syntax)),
        };
        if has_doctype(input, root.pos) {
            return Err(r.err_at(K::DoctypeForbidden, 0));
        }
        if root.ns != NS_NONE || root.local != ROOT_ELEMENT {
            return Err(r.err_at(
                K::WrongType {
                    expected: "wap-provisioningdoc",
                    found: "another element",
                },
                root.pos,
            ));
        }
        let attrs = r.attributes(&root)?;
        let (mut own, attributes) = split_attrs(&r, attrs, &["version"], root.pos)?;
        let mut doc = ProvisioningDoc {
            version: take(&mut own, 0),
            attributes,
            nodes: Vec::new(),
        };
        // Open characteristics, innermost last. No recursion: the depth limit bounds this.
        let mut frames: Vec<Characteristic> = Vec::new();
        loop {
            match r.next().map_err(|e| in_frames(e, &frames))? {
                Ev::Start(s) => {
                    let node = if s.ns == NS_NONE && s.local == "characteristic" {
                        let attrs = r.attributes(&s).map_err(|e| in_frames(e, &frames))?;
                        let (mut own, attributes) = split_attrs(&r, attrs, &["type"], s.pos)
                            .map_err(|e| in_frames(e, &frames))?;
                        let Some(r#type) = take(&mut own, 0) else {
                            let e = r.err_at(K::MissingKey, s.pos).in_key("characteristic@type");
                            return Err(in_frames(e, &frames));
                        };
                        if frames.len() >= MAX_TREE_DEPTH {
                            let e = r.err_at(K::LimitExceeded(Limit::Depth), s.pos);
                            return Err(in_frames(e, &frames));
                        }
                        frames.push(Characteristic {
                            r#type,
                            attributes,
                            nodes: Vec::new(),
                        });
                        continue;
                    } else if s.ns == NS_NONE && s.local == "parm" {
                        let attrs = r.attributes(&s).map_err(|e| in_frames(e, &frames))?;
                        let (mut own, attributes) =
                            split_attrs(&r, attrs, &["name", "value", "datatype"], s.pos)
                                .map_err(|e| in_frames(e, &frames))?;
                        let Some(name) = take(&mut own, 0) else {
                            let e = r.err_at(K::MissingKey, s.pos).in_key("parm@name");
                            return Err(in_frames(e, &frames));
                        };
                        r.empty().map_err(|e| in_frames(e.in_key(&name), &frames))?;
                        Node::Parm(Parm {
                            name,
                            value: take(&mut own, 1),
                            datatype: take(&mut own, 2),
                            attributes,
                        })
                    } else {
                        let raw = r.raw_element(&s).map_err(|e| in_frames(e, &frames))?;
                        if !plain_qname(&raw) || !standalone(&raw, r.limits()) {
                            return Err(in_frames(r.err_at(K::Syntax, s.pos), &frames));
                        }
                        Node::Other(RawXml::from_checked(raw))
                    };
                    match frames.last_mut() {
                        Some(c) => c.nodes.push(node),
                        None => doc.nodes.push(node),
                    }
                }
                Ev::End => match frames.pop() {
                    Some(c) => match frames.last_mut() {
                        Some(parent) => parent.nodes.push(Node::Characteristic(c)),
                        None => doc.nodes.push(Node::Characteristic(c)),
                    },
                    None => break,
                },
                Ev::Text => {
                    let e = r.err(K::WrongType {
                        expected: "element",
                        found: "text",
                    });
                    return Err(in_frames(e, &frames));
                }
                Ev::Eof => return Err(in_frames(r.err(K::UnexpectedEof), &frames)),
            }
        }
        r.finish()?;
        Ok(doc)
    }

    /// Decodes the base64 form (the content of the RSTRC's `BinarySecurityToken`) with the
    /// default [`Limits`]. ASCII whitespace in the base64 text is ignored.
    ///
    /// # Errors
    /// [`DecodeErrorKind::InvalidValue`](crate::DecodeErrorKind::InvalidValue)`("base64")` when
    /// the text is not base64, a limit error when the decoded size would exceed
    /// [`Limits::max_input_bytes`], and any error of [`from_xml`](Self::from_xml).
    pub fn from_base64(b64: &[u8]) -> Result<Self, DecodeError> {
        Self::from_base64_with_limits(b64, &Limits::DEFAULT)
    }

    /// Decodes the base64 form under `limits`.
    ///
    /// # Errors
    /// As [`from_base64`](Self::from_base64).
    pub fn from_base64_with_limits(b64: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        if b64.len() / 4 * 3 > limits.max_input_bytes.saturating_add(3) {
            return Err(DecodeError::new(K::LimitExceeded(Limit::InputBytes)));
        }
        let xml = decode_b64(b64).ok_or_else(|| DecodeError::new(K::InvalidValue("base64")))?;
        Self::from_xml_with_limits(&xml, limits)
    }

    // -----------------------------------------------------------------------------------------
    // Encoding
    // -----------------------------------------------------------------------------------------

    /// Writes the document: `<?xml version="1.0" encoding="UTF-8"?>`, then the tree without
    /// added whitespace. Attributes are written `type` / `name`, `value`, `datatype` first, then
    /// the others in order; an empty characteristic or parm is written `<… />`, like Windows
    /// enrollment servers do.
    ///
    /// # Errors
    /// [`EncodeError::InvalidXmlChar`] (with the characteristic path) when a string holds a
    /// character XML cannot carry, or an extra attribute's name is not a plain XML name or
    /// repeats another attribute.
    pub fn to_xml(&self) -> Result<String, EncodeError> {
        let mut w = Writer::with_capacity(1024);
        w.raw(PROLOG);
        w.open_start(ROOT_ELEMENT);
        let mut own: Vec<(&str, &str)> = Vec::with_capacity(1);
        if let Some(v) = &self.version {
            own.push(("version", v));
        }
        let raws = self.raw_nodes();
        write_attrs(&mut w, &own, &self.attributes, &raws)?;
        w.close_start();
        write_nodes(&mut w, &self.nodes, &raws)?;
        w.close(ROOT_ELEMENT);
        Ok(w.out)
    }

    /// The text of every verbatim element, when any attribute needs a namespace prefix (the
    /// writer picks prefixes they do not mention). Walks the tree without recursion.
    fn raw_nodes(&self) -> Vec<&str> {
        let namespaced = |a: &[Attribute]| a.iter().any(|a| a.namespace().is_some());
        let mut raws = Vec::new();
        let mut any_ns = namespaced(&self.attributes);
        let mut stack: Vec<&[Node]> = vec![&self.nodes];
        while let Some(nodes) = stack.pop() {
            for n in nodes {
                match n {
                    Node::Other(r) => raws.push(r.as_xml()),
                    Node::Parm(p) => any_ns |= namespaced(&p.attributes),
                    Node::Characteristic(c) => {
                        any_ns |= namespaced(&c.attributes);
                        stack.push(&c.nodes);
                    }
                }
            }
        }
        if any_ns { raws } else { Vec::new() }
    }

    /// [`to_xml`](Self::to_xml), base64-encoded: the content of the RSTRC's
    /// `BinarySecurityToken` (`ValueType` [`VALUE_PROVISION_DOC`](super::ns::VALUE_PROVISION_DOC)).
    ///
    /// # Errors
    /// As [`to_xml`](Self::to_xml).
    pub fn to_base64(&self) -> Result<String, EncodeError> {
        Ok(B64.encode(self.to_xml()?))
    }

    // -----------------------------------------------------------------------------------------
    // Navigation
    // -----------------------------------------------------------------------------------------

    /// The top-level characteristics, in order.
    pub fn characteristics(&self) -> impl Iterator<Item = &Characteristic> {
        characteristics_of(&self.nodes)
    }

    /// Every characteristic reached by following `path` (characteristic types, compared
    /// exactly) from the top level, in document order. A type may repeat at any level (Microsoft's
    /// samples use two top-level `CertificateStore` characteristics): all matches are followed.
    pub fn characteristics_at<'a>(
        &'a self,
        path: &[&str],
    ) -> impl Iterator<Item = &'a Characteristic> + use<'a> {
        find_at(&self.nodes, path, false).into_iter()
    }
}

fn find_at<'a>(nodes: &'a [Node], path: &[&str], ci: bool) -> Vec<&'a Characteristic> {
    let same = |a: &str, b: &str| {
        if ci {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let Some((first, rest)) = path.split_first() else {
        return Vec::new();
    };
    let mut level: Vec<&Characteristic> = characteristics_of(nodes)
        .filter(|c| same(&c.r#type, first))
        .collect();
    for step in rest {
        level = level
            .into_iter()
            .flat_map(|c| c.characteristics())
            .filter(|c| same(&c.r#type, step))
            .collect();
    }
    level
}

fn decode_b64(text: &[u8]) -> Option<Vec<u8>> {
    if text.iter().any(u8::is_ascii_whitespace) {
        let squeezed: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        B64.decode(squeezed).ok()
    } else {
        B64.decode(text).ok()
    }
}

/// Whether `name` can be written (and is read) as an attribute's local name: an XML name
/// without a colon (letters, digits, `-`, `.`, `_`, `·` and combining marks), not reserved by
/// `xmlns`.
fn plain_name(name: &str) -> bool {
    xml_name(name)
        && !name
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("xmlns"))
}

/// Whether `name` is an XML name without a colon (letters, digits, `-`, `.`, `_`, `·` and
/// combining marks; not starting with a digit, `-` or `.`).
fn xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| {
            c.is_alphanumeric()
                || matches!(
                    c,
                    '-' | '.' | '_' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}' | '\u{2040}'
                )
        })
}

/// Whether the element text `raw` starts with a plain qualified name (`prefix:local` or
/// `local`, each a plain name). The shared reader is lenient about name characters; an element
/// kept verbatim must have a name its prefix re-declaration (and any XML parser) can handle.
fn plain_qname(raw: &str) -> bool {
    let rest = raw.strip_prefix('<').unwrap_or("");
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    let qname = rest.get(..end).unwrap_or("");
    let mut parts = qname.splitn(2, ':');
    let first = parts.next().unwrap_or("");
    xml_name(first) && parts.next().is_none_or(xml_name)
}

/// Whether `raw` (an element's text, inherited prefixes re-declared) reads on its own: every
/// prefix declared, every attribute well-formed. The shared reader checks the nesting of skipped
/// content but not its attributes; an element kept verbatim must not depend on its context.
fn standalone(raw: &str, limits: &Limits) -> bool {
    let Ok(mut r) = Reader::new(raw.as_bytes(), limits, classify) else {
        return false;
    };
    loop {
        match r.next() {
            Ok(Ev::Start(s)) => {
                if r.attributes(&s).is_err() {
                    return false;
                }
            }
            Ok(Ev::Eof) => return true,
            Ok(Ev::End | Ev::Text) => {}
            Err(_) => return false,
        }
    }
}

fn bad_attr(name: &str) -> EncodeError {
    EncodeError::InvalidXmlChar {
        path: format!("@{name}"),
    }
}

/// Writes the element's own attributes, then the others (declaring a prefix for each
/// namespace).
fn write_attrs(
    w: &mut Writer,
    own: &[(&str, &str)],
    other: &[Attribute],
    raws: &[&str],
) -> Result<(), EncodeError> {
    for (n, v) in own {
        w.attr(n, v).map_err(|_| bad_attr(n))?;
    }
    // (namespace, prefix) declared on this element. A prefix that a verbatim element anywhere
    // in the document mentions is skipped: the reader would re-declare it on that element.
    let mut prefixes: Vec<(&str, String)> = Vec::new();
    let mut next = 0usize;
    for (i, a) in other.iter().enumerate() {
        let name = a.name();
        if !plain_name(name) {
            return Err(bad_attr(name));
        }
        let ns = a.namespace();
        let clash = |b: &Attribute| b.name() == name && b.namespace() == ns;
        let dup_own = ns.is_none() && own.iter().any(|(n, _)| *n == name);
        if dup_own
            || other
                .get(..i)
                .is_some_and(|before| before.iter().any(clash))
        {
            return Err(bad_attr(name));
        }
        match ns {
            None => w.attr(name, a.value()).map_err(|_| bad_attr(name))?,
            Some(XML_NAMESPACE) => w
                .attr(&format!("xml:{name}"), a.value())
                .map_err(|_| bad_attr(name))?,
            Some(ns) => {
                let prefix = match prefixes.iter().find(|(n, _)| *n == ns) {
                    Some((_, p)) => p.clone(),
                    None => {
                        let p = loop {
                            let p = format!("p{next}");
                            next += 1;
                            let mention = format!("{p}:");
                            if !raws.iter().any(|r| r.contains(&mention)) {
                                break p;
                            }
                        };
                        w.attr(&format!("xmlns:{p}"), ns)
                            .map_err(|_| bad_attr(name))?;
                        prefixes.push((ns, p.clone()));
                        p
                    }
                };
                w.attr(&format!("{prefix}:{name}"), a.value())
                    .map_err(|_| bad_attr(name))?;
            }
        }
    }
    Ok(())
}

fn write_parm(w: &mut Writer, p: &Parm, raws: &[&str]) -> Result<(), EncodeError> {
    w.open_start("parm");
    let mut own: Vec<(&str, &str)> = vec![("name", &p.name)];
    if let Some(v) = &p.value {
        own.push(("value", v));
    }
    if let Some(t) = &p.datatype {
        own.push(("datatype", t));
    }
    write_attrs(w, &own, &p.attributes, raws).map_err(|e| e.in_key(&p.name))?;
    w.raw(" />");
    Ok(())
}

/// Writes `nodes` without recursion.
fn write_nodes(w: &mut Writer, nodes: &[Node], raws: &[&str]) -> Result<(), EncodeError> {
    let mut stack: Vec<(Option<&str>, std::slice::Iter<'_, Node>)> = vec![(None, nodes.iter())];
    let unwind = |e: EncodeError, stack: &[(Option<&str>, std::slice::Iter<'_, Node>)]| {
        stack
            .iter()
            .rev()
            .filter_map(|(t, _)| *t)
            .fold(e, |e, t| e.in_key(t))
    };
    while let Some((_, it)) = stack.last_mut() {
        match it.next() {
            Some(Node::Parm(p)) => write_parm(w, p, raws).map_err(|e| unwind(e, &stack))?,
            Some(Node::Other(raw)) => w.raw(raw.as_xml()),
            Some(Node::Characteristic(c)) => {
                w.open_start("characteristic");
                write_attrs(w, &[("type", &c.r#type)], &c.attributes, raws)
                    .map_err(|e| unwind(e.in_key(&c.r#type), &stack))?;
                if c.nodes.is_empty() {
                    w.raw(" />");
                } else {
                    w.close_start();
                    stack.push((Some(&c.r#type), c.nodes.iter()));
                }
            }
            None => {
                stack.pop();
                if !stack.is_empty() {
                    w.close("characteristic");
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Typed pieces
// ---------------------------------------------------------------------------------------------

/// The personal store (`CertificateStore/My/<store>`) the client certificate goes to.
///
/// Use [`User`](Self::User) for a user enrollment (`EnrollmentType` `Full`) and
/// [`System`](Self::System) for a device enrollment (`EnrollmentType` `Device`).
#[allow(clippy::exhaustive_enums)] // the two stores MS-MDE2 defines
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertStore {
    /// `My/User`.
    User,
    /// `My/System`.
    System,
}

impl CertStore {
    /// The characteristic type (`User` or `System`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CertStore::User => "User",
            CertStore::System => "System",
        }
    }
}

/// A certificate in a store: its SHA-1 thumbprint (the characteristic type) and its DER.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreCertificate {
    /// SHA-1 of the DER, 40 upper-case hexadecimal digits.
    pub thumbprint: String,
    /// The certificate (written base64 in `EncodedCertificate`).
    pub der: Vec<u8>,
}

impl StoreCertificate {
    /// A certificate with its thumbprint.
    pub fn new(thumbprint: impl Into<String>, der: impl Into<Vec<u8>>) -> Self {
        StoreCertificate {
            thumbprint: thumbprint.into(),
            der: der.into(),
        }
    }
}

/// The issued client certificate (`CertificateStore/My/<User|System>/<thumbprint>`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientCertificate {
    /// The store.
    pub store: CertStore,
    /// SHA-1 of the DER, 40 upper-case hexadecimal digits.
    pub thumbprint: String,
    /// The certificate.
    pub der: Vec<u8>,
}

impl ClientCertificate {
    /// A client certificate in `store`.
    pub fn new(store: CertStore, thumbprint: impl Into<String>, der: impl Into<Vec<u8>>) -> Self {
        ClientCertificate {
            store,
            thumbprint: thumbprint.into(),
            der: der.into(),
        }
    }
}

/// The renewal schedule (`CertificateStore/My/WSTEP/Renew`).
///
/// The default is Windows' own defaults with ROBO on: `ROBOSupport` true, `RenewPeriod` 42
/// days, `RetryInterval` 7 days. With ROBO the device renews by itself (an MS-WSTEP request with
/// `RequestType …/Renew` and a PKCS#7 token) every `RetryInterval` days once inside
/// `RenewPeriod` days of expiry. Federated enrollments only renew that way, and Windows refuses
/// (405) turning it off for them: the server must implement renewal (research L6).
///
/// ```
/// use mdmkit::windows::enroll::provisioning::Renewal;
/// let r = Renewal::default();
/// assert_eq!((r.robo_support, r.renew_period_days, r.retry_interval_days), (true, 42, 7));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// `ROBOSupport`: the server supports renewal on behalf of the user.
    pub robo_support: bool,
    /// `RenewPeriod`: days before expiry when renewal starts (1–1000).
    pub renew_period_days: u32,
    /// `RetryInterval`: days between attempts after a failure (1–1000, at most
    /// `renew_period_days`).
    pub retry_interval_days: u32,
    /// Other parms of `Renew` (`ServerURL`, `RetryAfterExpiryInterval`…), written after the
    /// three above.
    pub extra: Vec<Parm>,
}

impl Renewal {
    /// A schedule.
    #[must_use]
    pub fn new(robo_support: bool, renew_period_days: u32, retry_interval_days: u32) -> Self {
        Renewal {
            robo_support,
            renew_period_days,
            retry_interval_days,
            extra: Vec::new(),
        }
    }

    /// The `WSTEP` characteristic carrying this schedule.
    #[must_use]
    pub fn to_characteristic(&self) -> Characteristic {
        let mut renew = Characteristic::new("Renew")
            .with(Parm::boolean("ROBOSupport", self.robo_support))
            .with(Parm::integer("RenewPeriod", self.renew_period_days))
            .with(Parm::integer("RetryInterval", self.retry_interval_days));
        renew
            .nodes
            .extend(self.extra.iter().cloned().map(Node::Parm));
        Characteristic::new("WSTEP").with(renew)
    }
}

impl Default for Renewal {
    fn default() -> Self {
        Renewal::new(true, 42, 7)
    }
}

/// An `APPAUTH` block of the w7 application.
///
/// The w7 application carries two (Windows requires both): the one with `AAUTHLEVEL` `CLIENT`
/// holds what the server presents to the device ([`W7Application::client_auth`]); the one with
/// `APPSRV` holds what the device presents to the server ([`W7Application::server_auth`],
/// with `AAUTHNAME`). With `AAUTHTYPE` `DIGEST` these are the SyncML MD5 digest credentials
/// (`syncml::auth`); `AAUTHDATA` is the initial nonce, base64.
///
/// ```
/// use mdmkit::windows::enroll::provisioning::AppAuth;
/// let a = AppAuth::digest("s3cret", "bm9uY2U=").with_name("device");
/// assert_eq!(a.auth_type, "DIGEST");
/// assert!(!format!("{a:?}").contains("s3cret"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAuth {
    /// `AAUTHTYPE`: `DIGEST` or `BASIC`.
    pub auth_type: String,
    /// `AAUTHNAME`.
    pub name: Option<String>,
    /// `AAUTHSECRET`.
    pub secret: Option<Sensitive<String>>,
    /// `AAUTHDATA` (the digest nonce, base64).
    pub data: Option<String>,
    /// Other parms, written after the above.
    pub extra: Vec<Parm>,
}

impl AppAuth {
    /// `AAUTHTYPE` `DIGEST` with a secret and nonce.
    pub fn digest(secret: impl Into<String>, nonce: impl Into<String>) -> Self {
        AppAuth {
            auth_type: "DIGEST".to_owned(),
            name: None,
            secret: Some(Sensitive::new(secret.into())),
            data: Some(nonce.into()),
            extra: Vec::new(),
        }
    }

    /// Sets `AAUTHNAME` (builder style).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    fn to_characteristic(&self, level: &str) -> Characteristic {
        let mut c = Characteristic::new("APPAUTH")
            .with(Parm::new("AAUTHLEVEL", level))
            .with(Parm::new("AAUTHTYPE", self.auth_type.clone()));
        if let Some(n) = &self.name {
            c.push(Parm::new("AAUTHNAME", n.clone()));
        }
        if let Some(s) = &self.secret {
            c.push(Parm::new("AAUTHSECRET", s.expose().clone()));
        }
        if let Some(d) = &self.data {
            c.push(Parm::new("AAUTHDATA", d.clone()));
        }
        c.nodes.extend(self.extra.iter().cloned().map(Node::Parm));
        c
    }
}

/// The w7 `APPLICATION` characteristic: the OMA DM account the device creates.
///
/// Written in the order of Microsoft's samples: `APPID` (`w7`), `PROVIDER-ID`, `NAME`, `ADDR`,
/// `ServerList`, `ROLE`, `CONNRETRYFREQ`, `INITIALBACKOFFTIME`, `MAXBACKOFFTIME`,
/// `BACKCOMPATRETRYDISABLED`, `DEFAULTENCODING`, `SSLCLIENTCERTSEARCHCRITERIA`, the
/// [`extra`](Self::extra) nodes, then the `APPAUTH` blocks (`CLIENT`, then `APPSRV`). Absent
/// options are left out. Parm names are upper case: Windows compares them case-sensitively.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct W7Application {
    /// `PROVIDER-ID`: must equal the DMClient provider ID. Microsoft advises text that needs no
    /// XML or URI escaping.
    pub provider_id: String,
    /// `NAME`: shown to the user.
    pub name: Option<String>,
    /// `ADDR`: the management endpoint (https).
    pub addr: String,
    /// `ServerList`.
    pub server_list: Option<String>,
    /// `ROLE` (the fleet capture uses 4294967295).
    pub role: Option<u32>,
    /// `CONNRETRYFREQ`: connection retries. Default 6.
    pub conn_retry_freq: Option<u32>,
    /// `INITIALBACKOFFTIME`, milliseconds. Default 30000.
    pub initial_backoff_time: Option<u32>,
    /// `MAXBACKOFFTIME`, milliseconds. Default 120000.
    pub max_backoff_time: Option<u32>,
    /// `BACKCOMPATRETRYDISABLED` (a parm without value; present means no retry with an older
    /// protocol version). Default true.
    pub backcompat_retry_disabled: bool,
    /// `DEFAULTENCODING`. Default [`DEFAULT_ENCODING_XML`].
    pub default_encoding: Option<String>,
    /// `SSLCLIENTCERTSEARCHCRITERIA`, e.g. `Subject=CN%3D<device id>&Stores=MY%5CUser`
    /// (URI-escaped; the XML escaping of `&` is the writer's job).
    pub ssl_client_cert_search_criteria: Option<String>,
    /// The `APPAUTH` block with `AAUTHLEVEL` `CLIENT`.
    pub client_auth: Option<AppAuth>,
    /// The `APPAUTH` block with `AAUTHLEVEL` `APPSRV`.
    pub server_auth: Option<AppAuth>,
    /// Other parms and characteristics, in order (`SSPHyperlink`, `CRLCheck`, `APPADDR`…).
    pub extra: Vec<Node>,
}

impl W7Application {
    /// An application with Microsoft's sample retry settings (`CONNRETRYFREQ` 6,
    /// `INITIALBACKOFFTIME` 30000, `MAXBACKOFFTIME` 120000), `BACKCOMPATRETRYDISABLED` and the
    /// XML encoding; no name, no credentials.
    pub fn new(provider_id: impl Into<String>, addr: impl Into<String>) -> Self {
        W7Application {
            provider_id: provider_id.into(),
            name: None,
            addr: addr.into(),
            server_list: None,
            role: None,
            conn_retry_freq: Some(6),
            initial_backoff_time: Some(30_000),
            max_backoff_time: Some(120_000),
            backcompat_retry_disabled: true,
            default_encoding: Some(DEFAULT_ENCODING_XML.to_owned()),
            ssl_client_cert_search_criteria: None,
            client_auth: None,
            server_auth: None,
            extra: Vec::new(),
        }
    }

    /// The `APPLICATION` characteristic.
    #[must_use]
    pub fn to_characteristic(&self) -> Characteristic {
        let mut c = Characteristic::new("APPLICATION")
            .with(Parm::new("APPID", APPID_W7))
            .with(Parm::new("PROVIDER-ID", self.provider_id.clone()));
        let opt = |c: &mut Characteristic, n: &str, v: &Option<String>| {
            if let Some(v) = v {
                c.push(Parm::new(n, v.clone()));
            }
        };
        let num = |c: &mut Characteristic, n: &str, v: Option<u32>| {
            if let Some(v) = v {
                c.push(Parm::new(n, v.to_string()));
            }
        };
        opt(&mut c, "NAME", &self.name);
        c.push(Parm::new("ADDR", self.addr.clone()));
        opt(&mut c, "ServerList", &self.server_list);
        num(&mut c, "ROLE", self.role);
        num(&mut c, "CONNRETRYFREQ", self.conn_retry_freq);
        num(&mut c, "INITIALBACKOFFTIME", self.initial_backoff_time);
        num(&mut c, "MAXBACKOFFTIME", self.max_backoff_time);
        if self.backcompat_retry_disabled {
            c.push(Parm::flag("BACKCOMPATRETRYDISABLED"));
        }
        opt(&mut c, "DEFAULTENCODING", &self.default_encoding);
        opt(
            &mut c,
            "SSLCLIENTCERTSEARCHCRITERIA",
            &self.ssl_client_cert_search_criteria,
        );
        c.nodes.extend(self.extra.iter().cloned());
        if let Some(a) = &self.client_auth {
            c.push(a.to_characteristic("CLIENT"));
        }
        if let Some(a) = &self.server_auth {
            c.push(a.to_characteristic("APPSRV"));
        }
        c
    }
}

/// `DMClient/Provider/<ProviderID>/Poll`: when the device checks in on its own. Every field is
/// optional (Windows' defaults apply); written in this order with `datatype="integer"` or
/// `"boolean"`.
///
/// ```
/// use mdmkit::windows::enroll::provisioning::Poll;
/// let mut poll = Poll::default();
/// poll.number_of_first_retries = Some(8);
/// poll.poll_on_login = Some(true);
/// assert_eq!(poll.to_characteristic().parms().count(), 2);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Poll {
    /// `NumberOfFirstRetries`.
    pub number_of_first_retries: Option<u32>,
    /// `IntervalForFirstSetOfRetries`, minutes.
    pub interval_for_first_set_of_retries: Option<u32>,
    /// `NumberOfSecondRetries`.
    pub number_of_second_retries: Option<u32>,
    /// `IntervalForSecondSetOfRetries`, minutes.
    pub interval_for_second_set_of_retries: Option<u32>,
    /// `NumberOfRemainingScheduledRetries` (0: forever).
    pub number_of_remaining_scheduled_retries: Option<u32>,
    /// `IntervalForRemainingScheduledRetries`, minutes.
    pub interval_for_remaining_scheduled_retries: Option<u32>,
    /// `PollOnLogin`.
    pub poll_on_login: Option<bool>,
    /// `AllUsersPollOnFirstLogin`.
    pub all_users_poll_on_first_login: Option<bool>,
    /// Other parms, written after the above.
    pub extra: Vec<Parm>,
}

const POLL_INTS: [&str; 6] = [
    "NumberOfFirstRetries",
    "IntervalForFirstSetOfRetries",
    "NumberOfSecondRetries",
    "IntervalForSecondSetOfRetries",
    "NumberOfRemainingScheduledRetries",
    "IntervalForRemainingScheduledRetries",
];
const POLL_BOOLS: [&str; 2] = ["PollOnLogin", "AllUsersPollOnFirstLogin"];

impl Poll {
    fn ints(&self) -> [Option<u32>; 6] {
        [
            self.number_of_first_retries,
            self.interval_for_first_set_of_retries,
            self.number_of_second_retries,
            self.interval_for_second_set_of_retries,
            self.number_of_remaining_scheduled_retries,
            self.interval_for_remaining_scheduled_retries,
        ]
    }

    fn ints_mut(&mut self) -> [&mut Option<u32>; 6] {
        [
            &mut self.number_of_first_retries,
            &mut self.interval_for_first_set_of_retries,
            &mut self.number_of_second_retries,
            &mut self.interval_for_second_set_of_retries,
            &mut self.number_of_remaining_scheduled_retries,
            &mut self.interval_for_remaining_scheduled_retries,
        ]
    }

    /// The `Poll` characteristic.
    #[must_use]
    pub fn to_characteristic(&self) -> Characteristic {
        let mut c = Characteristic::new("Poll");
        for (name, v) in POLL_INTS.iter().zip(self.ints()) {
            if let Some(v) = v {
                c.push(Parm::integer(*name, v));
            }
        }
        for (name, v) in POLL_BOOLS
            .iter()
            .zip([self.poll_on_login, self.all_users_poll_on_first_login])
        {
            if let Some(v) = v {
                c.push(Parm::boolean(*name, v));
            }
        }
        c.nodes.extend(self.extra.iter().cloned().map(Node::Parm));
        c
    }
}

/// `DMClient/Provider/<ProviderID>`: enterprise settings of the account.
///
/// Written as `EntDMID`, `SyncApplicationVersion`, the [`extra`](Self::extra) nodes, then
/// `Poll`.
///
/// `SyncApplicationVersion` is left out unless set: Windows' default is `1.0`, its DM client
/// speaks `2.0`, a change cannot be undone on the device, and the research notes `3.0` makes
/// Windows add `msft:originalerror` to failing statuses (which
/// [`Data::original_error`](crate::windows::syncml::Data::original_error) reads). Choose it on
/// purpose.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmClientProvider {
    /// The provider ID (the characteristic type); must equal the w7 `PROVIDER-ID`.
    pub provider_id: String,
    /// `EntDMID`: the enterprise's device ID.
    pub ent_dm_id: Option<String>,
    /// `SyncApplicationVersion`.
    pub sync_application_version: Option<String>,
    /// `Poll`.
    pub poll: Option<Poll>,
    /// Other parms and characteristics (`EntDeviceName`, `UPN`, `HelpWebsite`, `Push`…).
    pub extra: Vec<Node>,
}

impl DmClientProvider {
    /// A provider with nothing set.
    pub fn new(provider_id: impl Into<String>) -> Self {
        DmClientProvider {
            provider_id: provider_id.into(),
            ent_dm_id: None,
            sync_application_version: None,
            poll: None,
            extra: Vec::new(),
        }
    }

    /// The `DMClient` characteristic (`DMClient/Provider/<ProviderID>/…`).
    #[must_use]
    pub fn to_characteristic(&self) -> Characteristic {
        let mut p = Characteristic::new(self.provider_id.clone());
        if let Some(v) = &self.ent_dm_id {
            p.push(Parm::new("EntDMID", v.clone()));
        }
        if let Some(v) = &self.sync_application_version {
            p.push(Parm::new("SyncApplicationVersion", v.clone()));
        }
        p.nodes.extend(self.extra.iter().cloned());
        if let Some(poll) = &self.poll {
            p.push(poll.to_characteristic());
        }
        Characteristic::new("DMClient").with(Characteristic::new("Provider").with(p))
    }
}

// ---------------------------------------------------------------------------------------------
// Typed views
// ---------------------------------------------------------------------------------------------

fn view_err(kind: K, path: &[&str]) -> DecodeError {
    path.iter()
        .rev()
        .fold(DecodeError::new(kind), |e, k| e.in_key(k))
}

fn value_of<'a>(p: &'a Parm, what: &'static str, path: &[&str]) -> Result<&'a str, DecodeError> {
    p.value
        .as_deref()
        .ok_or_else(|| view_err(K::InvalidValue(what), path))
}

fn u32_of(p: &Parm, path: &[&str]) -> Result<u32, DecodeError> {
    value_of(p, "integer", path)?
        .trim()
        .parse::<u32>()
        .map_err(|_| view_err(K::InvalidValue("integer"), path))
}

fn bool_of(p: &Parm, path: &[&str]) -> Result<bool, DecodeError> {
    let v = value_of(p, "boolean", path)?.trim();
    if v.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(view_err(K::InvalidValue("boolean"), path))
    }
}

fn once<T>(slot: &mut Option<T>, v: T, path: &[&str]) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(view_err(K::DuplicateKey, path));
    }
    *slot = Some(v);
    Ok(())
}

fn certificate_of(c: &Characteristic, base: &[&str]) -> Result<StoreCertificate, DecodeError> {
    let mut path = base.to_vec();
    path.push(&c.r#type);
    path.push("EncodedCertificate");
    let mut found = None;
    for p in c.parms().filter(|p| p.name == "EncodedCertificate") {
        let der = decode_b64(value_of(p, "base64", &path)?.as_bytes())
            .ok_or_else(|| view_err(K::InvalidValue("base64"), &path))?;
        once(&mut found, der, &path)?;
    }
    let der = found.ok_or_else(|| view_err(K::MissingKey, &path))?;
    Ok(StoreCertificate::new(c.r#type.clone(), der))
}

impl ProvisioningDoc {
    /// Certificates under `CertificateStore/<store>/System` (store names compared without ASCII
    /// case, as the CertificateStore CSP does).
    fn store_certificates(&self, store: &str) -> Result<Vec<StoreCertificate>, DecodeError> {
        let base = ["CertificateStore", store, "System"];
        find_at(&self.nodes, &base, true)
            .into_iter()
            .flat_map(Characteristic::characteristics)
            .map(|c| certificate_of(c, &base))
            .collect()
    }

    /// The trusted roots: `CertificateStore/Root/System/<thumbprint>/EncodedCertificate`, in
    /// document order.
    ///
    /// # Errors
    /// A [`DecodeError`] when a thumbprint characteristic has no `EncodedCertificate`, two of
    /// them, or one that is not base64.
    pub fn root_certificates(&self) -> Result<Vec<StoreCertificate>, DecodeError> {
        self.store_certificates("Root")
    }

    /// The intermediate CAs: `CertificateStore/CA/System/<thumbprint>/EncodedCertificate`.
    ///
    /// # Errors
    /// As [`root_certificates`](Self::root_certificates).
    pub fn intermediate_certificates(&self) -> Result<Vec<StoreCertificate>, DecodeError> {
        self.store_certificates("CA")
    }

    /// The first client certificate: `CertificateStore/My/<User|System>/<thumbprint>` with an
    /// `EncodedCertificate` (`PrivateKeyContainer` and other characteristics without one are
    /// skipped).
    ///
    /// # Errors
    /// A [`DecodeError`] when that `EncodedCertificate` is not base64 or repeats.
    pub fn client_certificate(&self) -> Result<Option<ClientCertificate>, DecodeError> {
        for store in [CertStore::User, CertStore::System] {
            let base = ["CertificateStore", "My", store.as_str()];
            for c in find_at(&self.nodes, &base, true)
                .into_iter()
                .flat_map(Characteristic::characteristics)
            {
                if c.parm("EncodedCertificate").is_some() {
                    let cert = certificate_of(c, &base)?;
                    return Ok(Some(ClientCertificate {
                        store,
                        thumbprint: cert.thumbprint,
                        der: cert.der,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// The renewal schedule (`CertificateStore/My/WSTEP/Renew`), if the document has one. A
    /// missing parm takes Windows' default (`ROBOSupport` true, `RenewPeriod` 42,
    /// `RetryInterval` 7).
    ///
    /// # Errors
    /// A [`DecodeError`] when a known parm repeats or its value is not a boolean / integer.
    pub fn renewal(&self) -> Result<Option<Renewal>, DecodeError> {
        let base = ["CertificateStore", "My", "WSTEP", "Renew"];
        let Some(c) = find_at(&self.nodes, &base, true).into_iter().next() else {
            return Ok(None);
        };
        let (mut robo, mut period, mut retry) = (None, None, None);
        let mut extra = Vec::new();
        for p in c.parms() {
            let path = [&base[..], &[p.name.as_str()]].concat();
            match p.name.as_str() {
                "ROBOSupport" => once(&mut robo, bool_of(p, &path)?, &path)?,
                "RenewPeriod" => once(&mut period, u32_of(p, &path)?, &path)?,
                "RetryInterval" => once(&mut retry, u32_of(p, &path)?, &path)?,
                _ => extra.push(p.clone()),
            }
        }
        let d = Renewal::default();
        Ok(Some(Renewal {
            robo_support: robo.unwrap_or(d.robo_support),
            renew_period_days: period.unwrap_or(d.renew_period_days),
            retry_interval_days: retry.unwrap_or(d.retry_interval_days),
            extra,
        }))
    }

    /// The first `APPLICATION` characteristic whose `APPID` is `w7`, typed.
    ///
    /// Known parms are matched by exact name; the rest (and characteristics other than the
    /// `CLIENT` and `APPSRV` `APPAUTH` blocks) land in [`W7Application::extra`] in order. The
    /// retry and encoding fields are `None` (and `backcompat_retry_disabled` false) when absent.
    ///
    /// # Errors
    /// A [`DecodeError`] when `PROVIDER-ID` or `ADDR` (as a direct parm) is missing, a known parm
    /// or an `APPAUTH` level repeats, a number does not parse, or an `APPAUTH` has no
    /// `AAUTHTYPE`.
    pub fn application_w7(&self) -> Result<Option<W7Application>, DecodeError> {
        let Some(c) = self.characteristics().find(|c| {
            c.r#type == "APPLICATION"
                && c.parm("APPID").and_then(|p| p.value.as_deref()) == Some(APPID_W7)
        }) else {
            return Ok(None);
        };
        let mut app = W7Application::new(String::new(), String::new());
        app.conn_retry_freq = None;
        app.initial_backoff_time = None;
        app.max_backoff_time = None;
        app.backcompat_retry_disabled = false;
        app.default_encoding = None;
        let (mut provider, mut addr) = (None, None);
        let (mut seen_appid, mut seen_backcompat) = (false, false);
        for node in &c.nodes {
            match node {
                Node::Parm(p) => {
                    let path = ["APPLICATION", p.name.as_str()];
                    let text = || p.value.clone().unwrap_or_default();
                    match p.name.as_str() {
                        "APPID" if !seen_appid => seen_appid = true,
                        "PROVIDER-ID" => once(&mut provider, text(), &path)?,
                        "NAME" => once(&mut app.name, text(), &path)?,
                        "ADDR" => once(&mut addr, text(), &path)?,
                        "ServerList" => once(&mut app.server_list, text(), &path)?,
                        "ROLE" => once(&mut app.role, u32_of(p, &path)?, &path)?,
                        "CONNRETRYFREQ" => {
                            once(&mut app.conn_retry_freq, u32_of(p, &path)?, &path)?
                        }
                        "INITIALBACKOFFTIME" => {
                            once(&mut app.initial_backoff_time, u32_of(p, &path)?, &path)?;
                        }
                        "MAXBACKOFFTIME" => {
                            once(&mut app.max_backoff_time, u32_of(p, &path)?, &path)?;
                        }
                        "BACKCOMPATRETRYDISABLED" => {
                            if std::mem::replace(&mut seen_backcompat, true) {
                                return Err(view_err(K::DuplicateKey, &path));
                            }
                            app.backcompat_retry_disabled = true;
                        }
                        "DEFAULTENCODING" => once(&mut app.default_encoding, text(), &path)?,
                        "SSLCLIENTCERTSEARCHCRITERIA" => {
                            once(&mut app.ssl_client_cert_search_criteria, text(), &path)?;
                        }
                        _ => app.extra.push(node.clone()),
                    }
                }
                Node::Characteristic(a) if a.r#type == "APPAUTH" => {
                    let level = a.parm("AAUTHLEVEL").and_then(|p| p.value.as_deref());
                    let slot = match level {
                        Some("CLIENT") => &mut app.client_auth,
                        Some("APPSRV") => &mut app.server_auth,
                        _ => {
                            app.extra.push(node.clone());
                            continue;
                        }
                    };
                    let path = ["APPLICATION", "APPAUTH", level.unwrap_or_default()];
                    once(slot, app_auth(a, &path)?, &path)?;
                }
                _ => app.extra.push(node.clone()),
            }
        }
        app.provider_id =
            provider.ok_or_else(|| view_err(K::MissingKey, &["APPLICATION", "PROVIDER-ID"]))?;
        app.addr = addr.ok_or_else(|| view_err(K::MissingKey, &["APPLICATION", "ADDR"]))?;
        Ok(Some(app))
    }

    /// `DMClient/Provider/<provider_id>`, typed (the first one, if the document repeats it).
    ///
    /// # Errors
    /// A [`DecodeError`] when a known parm or `Poll` repeats, or a `Poll` value is not an
    /// integer / boolean.
    pub fn dm_client_provider(
        &self,
        provider_id: &str,
    ) -> Result<Option<DmClientProvider>, DecodeError> {
        let base = ["DMClient", "Provider", provider_id];
        let Some(c) = find_at(&self.nodes, &base, false).into_iter().next() else {
            return Ok(None);
        };
        let mut out = DmClientProvider::new(provider_id);
        for node in &c.nodes {
            match node {
                Node::Parm(p) if p.name == "EntDMID" || p.name == "SyncApplicationVersion" => {
                    let path = [&base[..], &[p.name.as_str()]].concat();
                    let slot = if p.name == "EntDMID" {
                        &mut out.ent_dm_id
                    } else {
                        &mut out.sync_application_version
                    };
                    once(slot, p.value.clone().unwrap_or_default(), &path)?;
                }
                Node::Characteristic(poll) if poll.r#type == "Poll" => {
                    let path = [&base[..], &["Poll"]].concat();
                    let v = poll_of(poll, &path)?;
                    once(&mut out.poll, v, &path)?;
                }
                _ => out.extra.push(node.clone()),
            }
        }
        Ok(Some(out))
    }
}

fn app_auth(a: &Characteristic, base: &[&str]) -> Result<AppAuth, DecodeError> {
    let (mut ty, mut name, mut secret, mut data) = (None, None, None, None);
    let mut extra = Vec::new();
    let mut seen_level = false;
    for p in a.parms() {
        let path = [base, &[p.name.as_str()]].concat();
        let text = || p.value.clone().unwrap_or_default();
        match p.name.as_str() {
            "AAUTHLEVEL" if !seen_level => seen_level = true,
            "AAUTHLEVEL" => return Err(view_err(K::DuplicateKey, &path)),
            "AAUTHTYPE" => once(&mut ty, text(), &path)?,
            "AAUTHNAME" => once(&mut name, text(), &path)?,
            "AAUTHSECRET" => once(&mut secret, Sensitive::new(text()), &path)?,
            "AAUTHDATA" => once(&mut data, text(), &path)?,
            _ => extra.push(p.clone()),
        }
    }
    Ok(AppAuth {
        auth_type: ty.ok_or_else(|| view_err(K::MissingKey, &[base, &["AAUTHTYPE"]].concat()))?,
        name,
        secret,
        data,
        extra,
    })
}

fn poll_of(c: &Characteristic, base: &[&str]) -> Result<Poll, DecodeError> {
    let mut poll = Poll::default();
    let mut bools = [None, None];
    let mut extra = Vec::new();
    for p in c.parms() {
        let path = [base, &[p.name.as_str()]].concat();
        if let Some(i) = POLL_INTS.iter().position(|n| *n == p.name) {
            let v = u32_of(p, &path)?;
            if let Some(slot) = poll.ints_mut().into_iter().nth(i) {
                once(slot, v, &path)?;
            }
        } else if let Some(i) = POLL_BOOLS.iter().position(|n| *n == p.name) {
            let v = bool_of(p, &path)?;
            if let Some(slot) = bools.get_mut(i) {
                once(slot, v, &path)?;
            }
        } else {
            extra.push(p.clone());
        }
    }
    let [on_login, all_users] = bools;
    poll.poll_on_login = on_login;
    poll.all_users_poll_on_first_login = all_users;
    poll.extra = extra;
    Ok(poll)
}

// ---------------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------------

/// Builds the provisioning document of an enrollment response, with the rules Windows needs
/// checked by [`build`](Self::build).
///
/// Layout (one `CertificateStore`, then `APPLICATION`, then `DMClient`, then any extra
/// characteristics):
///
/// ```text
/// CertificateStore
///   Root/System/<thumbprint>/EncodedCertificate         one per root_certificate()
///   CA/System/<thumbprint>/EncodedCertificate           one per intermediate_certificate()
///   My/<User|System>/<thumbprint>/EncodedCertificate    client_certificate()
///   My/<User|System>/PrivateKeyContainer                (empty)
///   My/WSTEP/Renew/ROBOSupport, RenewPeriod, RetryInterval   renewal(), on by default
/// APPLICATION (w7)                                      application()
/// DMClient/Provider/<ProviderID>                        dm_client()
/// ```
///
/// `PrivateKeyContainer` is written empty, as Microsoft's Windows 10 samples and Fleet do: the
/// key stays where the device generated it for its CSR. Mattrax copied `KeySpec` 2,
/// `ContainerName` and `ProviderType` 1 parms from older (MS-MDE v1 / Windows Phone) samples;
/// they name a CAPI key container the server knows nothing about, so mdmkit leaves them out (add
/// them through the generic model if a client needs them).
///
/// Rules checked by `build` (each a [`BuildError`]):
///
/// | Rule | Error |
/// |---|---|
/// | at least one root certificate | `MissingKey { path: "CertificateStore.Root.System" }` |
/// | an application | `MissingKey { path: "APPLICATION" }` |
/// | both `APPAUTH` blocks (Windows requires both) | `MissingKey { path: "APPLICATION.APPAUTH.CLIENT" / ".APPSRV" }` |
/// | thumbprints are 40 upper-case hex digits, unique per store | `Invalid { path: "CertificateStore.….<thumbprint>", .. }` |
/// | certificates are not empty | `Empty { path: "….EncodedCertificate" }` |
/// | `PROVIDER-ID` not empty | `Empty { path: "APPLICATION.PROVIDER-ID" }` |
/// | `ADDR` is `https://host…` ([`danger_allow_http_addr`](Self::danger_allow_http_addr) also allows `http://`) | `Invalid { path: "APPLICATION.ADDR", .. }` |
/// | the DMClient provider ID equals `PROVIDER-ID` | `Invalid { path: "DMClient.Provider.<id>", .. }` |
/// | `RenewPeriod`, `RetryInterval` in 1–1000, `RetryInterval` ≤ `RenewPeriod` | `Invalid { path: "CertificateStore.My.WSTEP.Renew.…", .. }` |
/// | every string can be written as XML | `Encode { path, source }` |
///
/// The thumbprint is not recomputed (that needs SHA-1 of the DER): pass the one your
/// certificate code computed.
#[derive(Debug, Clone)]
pub struct ProvisioningDocBuilder {
    roots: Vec<StoreCertificate>,
    intermediates: Vec<StoreCertificate>,
    client: Option<ClientCertificate>,
    renewal: Option<Renewal>,
    application: Option<W7Application>,
    dm_client: Option<DmClientProvider>,
    extra: Vec<Characteristic>,
    allow_http: bool,
}

impl Default for ProvisioningDocBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn valid_thumbprint(t: &str) -> bool {
    t.len() == 40
        && t.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

fn valid_addr(addr: &str, allow_http: bool) -> bool {
    let lower = addr
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        addr.get(8..)
    } else if allow_http && lower.starts_with("http://") {
        addr.get(7..)
    } else {
        None
    };
    rest.is_some_and(|r| {
        let host_end = r.find(['/', '?', '#']).unwrap_or(r.len());
        let host = r.get(..host_end).unwrap_or("");
        !host.is_empty() && !host.starts_with(':') && !host.chars().any(char::is_whitespace)
    })
}

impl ProvisioningDocBuilder {
    /// An empty builder (renewal on with [`Renewal::default`]).
    #[must_use]
    pub fn new() -> Self {
        ProvisioningDocBuilder {
            roots: Vec::new(),
            intermediates: Vec::new(),
            client: None,
            renewal: Some(Renewal::default()),
            application: None,
            dm_client: None,
            extra: Vec::new(),
            allow_http: false,
        }
    }

    /// Adds a trusted root (`CertificateStore/Root/System/<thumbprint>`). `thumbprint` is the
    /// SHA-1 of `der` in upper-case hex.
    #[must_use]
    pub fn root_certificate(
        mut self,
        thumbprint: impl Into<String>,
        der: impl Into<Vec<u8>>,
    ) -> Self {
        self.roots.push(StoreCertificate::new(thumbprint, der));
        self
    }

    /// Adds an intermediate CA (`CertificateStore/CA/System/<thumbprint>`).
    #[must_use]
    pub fn intermediate_certificate(
        mut self,
        thumbprint: impl Into<String>,
        der: impl Into<Vec<u8>>,
    ) -> Self {
        self.intermediates
            .push(StoreCertificate::new(thumbprint, der));
        self
    }

    /// Sets the issued client certificate (`CertificateStore/My/<store>/<thumbprint>`, plus an
    /// empty `PrivateKeyContainer`).
    #[must_use]
    pub fn client_certificate(
        mut self,
        store: CertStore,
        thumbprint: impl Into<String>,
        der: impl Into<Vec<u8>>,
    ) -> Self {
        self.client = Some(ClientCertificate::new(store, thumbprint, der));
        self
    }

    /// Sets the renewal schedule (the default is [`Renewal::default`]).
    #[must_use]
    pub fn renewal(mut self, renewal: Renewal) -> Self {
        self.renewal = Some(renewal);
        self
    }

    /// Leaves `CertificateStore/My/WSTEP` out (Windows then uses its defaults, ROBO included).
    /// Only for servers that reproduce a document without one.
    #[must_use]
    pub fn without_renewal(mut self) -> Self {
        self.renewal = None;
        self
    }

    /// Sets the w7 application.
    #[must_use]
    pub fn application(mut self, application: W7Application) -> Self {
        self.application = Some(application);
        self
    }

    /// Sets the DMClient provider.
    #[must_use]
    pub fn dm_client(mut self, provider: DmClientProvider) -> Self {
        self.dm_client = Some(provider);
        self
    }

    /// Appends a top-level characteristic after the typed ones (another CSP to provision at
    /// enrollment).
    #[must_use]
    pub fn characteristic(mut self, characteristic: Characteristic) -> Self {
        self.extra.push(characteristic);
        self
    }

    /// Accepts an `http://` `ADDR`. Windows' enrollment client expects https; this is for test
    /// rigs that terminate TLS elsewhere and know what they do.
    #[must_use]
    pub fn danger_allow_http_addr(mut self) -> Self {
        self.allow_http = true;
        self
    }

    /// Checks the rules (see the type's documentation) and builds the document.
    ///
    /// # Errors
    /// A [`BuildError`] naming the first rule broken.
    pub fn build(self) -> Result<ProvisioningDoc, BuildError> {
        fn certs(
            store: &str,
            certs: &[StoreCertificate],
            out: &mut Characteristic,
        ) -> Result<(), BuildError> {
            let mut system = Characteristic::new("System");
            for (i, c) in certs.iter().enumerate() {
                check_cert(
                    &format!("CertificateStore.{store}.System"),
                    &c.thumbprint,
                    &c.der,
                )?;
                if certs
                    .get(..i)
                    .is_some_and(|b| b.iter().any(|o| o.thumbprint == c.thumbprint))
                {
                    return Err(BuildError::Invalid {
                        path: format!("CertificateStore.{store}.System.{}", c.thumbprint),
                        reason: "the thumbprint appears twice",
                    });
                }
                system.push(
                    Characteristic::new(c.thumbprint.clone())
                        .with(Parm::new("EncodedCertificate", B64.encode(&c.der))),
                );
            }
            out.push(Characteristic::new(store).with(system));
            Ok(())
        }
        fn check_cert(base: &str, thumbprint: &str, der: &[u8]) -> Result<(), BuildError> {
            if !valid_thumbprint(thumbprint) {
                return Err(BuildError::Invalid {
                    path: format!("{base}.{thumbprint}"),
                    reason: "a thumbprint is 40 upper-case hexadecimal digits (SHA-1 of the DER)",
                });
            }
            if der.is_empty() {
                return Err(BuildError::Empty {
                    path: format!("{base}.{thumbprint}.EncodedCertificate"),
                });
            }
            Ok(())
        }

        if self.roots.is_empty() {
            return Err(BuildError::MissingKey {
                path: "CertificateStore.Root.System".to_owned(),
            });
        }
        let Some(app) = &self.application else {
            return Err(BuildError::MissingKey {
                path: "APPLICATION".to_owned(),
            });
        };
        if app.provider_id.is_empty() {
            return Err(BuildError::Empty {
                path: "APPLICATION.PROVIDER-ID".to_owned(),
            });
        }
        if !valid_addr(&app.addr, self.allow_http) {
            return Err(BuildError::Invalid {
                path: "APPLICATION.ADDR".to_owned(),
                reason: "the management address must be an https:// URL with a host",
            });
        }
        for (auth, level) in [(&app.client_auth, "CLIENT"), (&app.server_auth, "APPSRV")] {
            if auth.is_none() {
                return Err(BuildError::MissingKey {
                    path: format!("APPLICATION.APPAUTH.{level}"),
                });
            }
        }
        if let Some(p) = &self.dm_client
            && p.provider_id != app.provider_id
        {
            return Err(BuildError::Invalid {
                path: format!("DMClient.Provider.{}", p.provider_id),
                reason: "the DMClient provider ID must equal the APPLICATION PROVIDER-ID",
            });
        }
        if let Some(r) = &self.renewal {
            let base = "CertificateStore.My.WSTEP.Renew";
            if !(1..=1000).contains(&r.renew_period_days) {
                return Err(BuildError::Invalid {
                    path: format!("{base}.RenewPeriod"),
                    reason: "RenewPeriod is 1 to 1000 days",
                });
            }
            if !(1..=1000).contains(&r.retry_interval_days) {
                return Err(BuildError::Invalid {
                    path: format!("{base}.RetryInterval"),
                    reason: "RetryInterval is 1 to 1000 days",
                });
            }
            if r.retry_interval_days > r.renew_period_days {
                return Err(BuildError::Invalid {
                    path: format!("{base}.RetryInterval"),
                    reason: "RetryInterval must not exceed RenewPeriod",
                });
            }
        }

        let mut store = Characteristic::new("CertificateStore");
        certs("Root", &self.roots, &mut store)?;
        if !self.intermediates.is_empty() {
            certs("CA", &self.intermediates, &mut store)?;
        }
        if self.client.is_some() || self.renewal.is_some() {
            let mut my = Characteristic::new("My");
            if let Some(c) = &self.client {
                let base = format!("CertificateStore.My.{}", c.store.as_str());
                check_cert(&base, &c.thumbprint, &c.der)?;
                my.push(
                    Characteristic::new(c.store.as_str())
                        .with(
                            Characteristic::new(c.thumbprint.clone())
                                .with(Parm::new("EncodedCertificate", B64.encode(&c.der))),
                        )
                        .with(Characteristic::new("PrivateKeyContainer")),
                );
            }
            if let Some(r) = &self.renewal {
                my.push(r.to_characteristic());
            }
            store.push(my);
        }
        let mut doc = ProvisioningDoc::new();
        doc.nodes.push(store.into());
        doc.nodes.push(app.to_characteristic().into());
        if let Some(p) = &self.dm_client {
            doc.nodes.push(p.to_characteristic().into());
        }
        doc.nodes
            .extend(self.extra.into_iter().map(Node::Characteristic));
        doc.to_xml().map_err(|source| BuildError::Encode {
            path: String::new(),
            source,
        })?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn names_and_addresses() {
        assert!(plain_name("translation"));
        assert!(!plain_name("xmlns"));
        assert!(!plain_name("a:b"));
        assert!(!plain_name("1a"));
        assert!(!plain_name(""));
        assert!(valid_addr("https://mdm.example/x", false));
        assert!(valid_addr("HTTPS://mdm.example", false));
        assert!(!valid_addr("http://mdm.example/x", false));
        assert!(valid_addr("http://127.0.0.1:8080/x", true));
        assert!(!valid_addr("https:///x", false));
        assert!(!valid_addr("https://", false));
        assert!(!valid_addr("ftp://x", true));
        assert!(valid_thumbprint("D9A88E04AF18A4D399CEE62F2C71469C3AE1E675"));
        assert!(!valid_thumbprint(
            "d9a88e04af18a4d399cee62f2c71469c3ae1e675"
        ));
    }

    #[test]
    fn namespaced_attributes_round_trip() {
        let xml = br#"<wap-provisioningdoc version="1.1" xmlns:x="urn:x" x:a="1" xml:lang="en"><characteristic type="A" x:b="2"><parm name="P" x:c="3" translation="filesystem"/></characteristic></wap-provisioningdoc>"#;
        let doc = ProvisioningDoc::from_xml(xml).unwrap();
        assert_eq!(doc.attributes.len(), 2);
        let again = ProvisioningDoc::from_xml(doc.to_xml().unwrap().as_bytes()).unwrap();
        assert_eq!(again, doc);
    }
}
