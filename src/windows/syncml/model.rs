//! The message model: `SyncMl`, its header, its ordered body of commands, and their parts.

use super::codes::{AlertCode, StatusCode};
use super::data::{Attribute, Data, RawXml};
use crate::sensitive::Sensitive;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier (any string: identifiers are opaque).
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The identifier.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Whether the identifier is empty (for a `CmdID`: absent on input).
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// A `SessionID`: owned by the device, echoed by the server. Opaque (`0` and `D` are seen).
    SessionId
);
id_type!(
    /// A `MsgID` / `MsgRef`: each side numbers its own messages. Opaque.
    MsgId
);
id_type!(
    /// A `CmdID` / `CmdRef`: unique within a message; servers may use any string (Windows echoes
    /// UUIDs). Empty when a decoded command had none (answer it with 400, research L9).
    CmdId
);

/// A SyncML message: header and body.
///
/// ```
/// use mdmkit::windows::syncml::{Command, SyncMl};
///
/// let xml = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>
///   <VerProto>DM/1.2</VerProto><SessionID>0</SessionID><MsgID>1</MsgID>
///   <Target><LocURI>https://mdm.example/manage</LocURI></Target>
///   <Source><LocURI>B5B954E81FBCB94EB79BD08BE625F4EE</LocURI></Source></SyncHdr>
///   <SyncBody><Alert><CmdID>2</CmdID><Data>1201</Data></Alert><Final/></SyncBody></SyncML>"#;
/// let msg = SyncMl::from_xml(xml)?;
/// assert_eq!(msg.hdr.session_id, "0");
/// assert!(matches!(&msg.body.commands[0], Command::Alert(a) if a.code == Some(1201.into())));
/// assert!(msg.body.is_final);
/// let again = SyncMl::from_xml(msg.to_xml()?.as_bytes())?;
/// assert_eq!(again, msg);
/// # Ok::<(), mdmkit::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncMl {
    /// `SyncHdr`.
    pub hdr: SyncHdr,
    /// `SyncBody`.
    pub body: SyncBody,
}

impl SyncMl {
    /// A message from its header and body.
    #[must_use]
    pub fn new(hdr: SyncHdr, body: SyncBody) -> Self {
        SyncMl { hdr, body }
    }
}

/// `SyncHdr`: versions, session and message IDs, addresses, credentials, meta.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHdr {
    /// `VerDTD` (required; `1.2` for OMA DM 1.2).
    pub ver_dtd: String,
    /// `VerProto` (required; `DM/1.2`).
    pub ver_proto: String,
    /// `SessionID` (required).
    pub session_id: SessionId,
    /// `MsgID` (required).
    pub msg_id: MsgId,
    /// `Target` (required): who the message is for.
    pub target: Location,
    /// `Source` (required): who sent it.
    pub source: Location,
    /// `RespURI`: where to send the response.
    pub resp_uri: Option<String>,
    /// `NoResp`: the sender wants no response.
    pub no_resp: bool,
    /// `Cred`: credentials (MD5 digest or basic).
    pub cred: Option<Cred>,
    /// `Meta` (`MaxMsgSize`, `MaxObjSize`, …).
    pub meta: Option<Meta>,
    /// Elements mdmkit does not model, kept verbatim.
    pub other: Vec<RawXml>,
}

impl SyncHdr {
    /// A DM 1.2 header (`VerDTD` 1.2, `VerProto` DM/1.2).
    pub fn new(
        session_id: impl Into<SessionId>,
        msg_id: impl Into<MsgId>,
        target: Location,
        source: Location,
    ) -> Self {
        SyncHdr {
            ver_dtd: "1.2".to_owned(),
            ver_proto: "DM/1.2".to_owned(),
            session_id: session_id.into(),
            msg_id: msg_id.into(),
            target,
            source,
            resp_uri: None,
            no_resp: false,
            cred: None,
            meta: None,
            other: Vec::new(),
        }
    }
}

/// `SyncBody`: the commands in document order, and the `Final` flag.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBody {
    /// The commands, in document order (statuses answer them in this order).
    pub commands: Vec<Command>,
    /// `Final`: this is the last message of the package.
    pub is_final: bool,
}

impl SyncBody {
    /// A body with `commands`, marked final.
    #[must_use]
    pub fn new(commands: Vec<Command>) -> Self {
        SyncBody {
            commands,
            is_final: true,
        }
    }
}

/// A `Target` or `Source`: `LocURI` and an optional `LocName`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// `LocURI`.
    pub loc_uri: String,
    /// `LocName`.
    pub loc_name: Option<String>,
}

impl Location {
    /// A location with `LocURI` only.
    pub fn new(loc_uri: impl Into<String>) -> Self {
        Location {
            loc_uri: loc_uri.into(),
            loc_name: None,
        }
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Self {
        Location::new(s)
    }
}

/// `Cred`: credentials in a header or a command. For `syncml:auth-md5` the data is the base64
/// digest; for `syncml:auth-basic` it is base64(`user:password`). `Debug` redacts the data.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cred {
    /// `Meta` (`Type` = `syncml:auth-md5` or `syncml:auth-basic`, `Format` = `b64`).
    pub meta: Option<Meta>,
    /// `Data`: the credential.
    pub data: Sensitive<String>,
}

impl Cred {
    /// Credentials of `auth_type` (`syncml:auth-md5`, …) in `b64` format.
    pub fn new(auth_type: &str, data: impl Into<String>) -> Self {
        Cred {
            meta: Some(Meta {
                format: Some("b64".to_owned()),
                r#type: Some(auth_type.to_owned()),
                ..Meta::default()
            }),
            data: Sensitive::new(data.into()),
        }
    }
}

/// `Chal`: an authentication challenge in a header `Status`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chal {
    /// `Meta` (`Type`, `Format`, `NextNonce`).
    pub meta: Meta,
}

/// `Meta` with the `syncml:metinf` elements DM uses typed, the rest kept verbatim.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `Format` (`chr`, `int`, `bool`, `b64`, `xml`, `node`, `null`, …).
    pub format: Option<String>,
    /// `Type`: a MIME type, or an alert or auth type string.
    pub r#type: Option<String>,
    /// `Mark` (generic alerts: `fatal`, `critical`, …).
    pub mark: Option<String>,
    /// `Size`: the total size of a chunked object, in bytes.
    pub size: Option<u64>,
    /// `Version`.
    pub version: Option<String>,
    /// `NextNonce` (base64 text as written).
    pub next_nonce: Option<String>,
    /// `MaxMsgSize`: the largest message the sender accepts, in bytes.
    pub max_msg_size: Option<u64>,
    /// `MaxObjSize`: the largest object the sender accepts, in bytes.
    pub max_obj_size: Option<u64>,
    /// Other `syncml:metinf` elements (`EMI`, `Mem`, `Anchor`, …) and unknown elements,
    /// verbatim.
    pub other: Vec<RawXml>,
}

impl Meta {
    /// A `Meta` with `Format` and `Type` set.
    #[must_use]
    pub fn format_type(format: &str, r#type: &str) -> Self {
        Meta {
            format: Some(format.to_owned()),
            r#type: Some(r#type.to_owned()),
            ..Meta::default()
        }
    }

    /// Whether nothing is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Meta::default()
    }
}

/// `Item`: one node addressed by a command or reported by a device.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// `Target`.
    pub target: Option<Location>,
    /// `Source`.
    pub source: Option<Location>,
    /// `Meta`.
    pub meta: Option<Meta>,
    /// `Data`, kept exactly as written.
    pub data: Option<Data>,
    /// `MoreData`: more chunks of this object follow.
    pub more_data: bool,
    /// Elements mdmkit does not model (`SourceParent`, `TargetParent`, unknown), verbatim.
    pub other: Vec<RawXml>,
}

impl Item {
    /// An item whose `Target/LocURI` is `uri`.
    pub fn target(uri: impl Into<String>) -> Self {
        Item {
            target: Some(Location::new(uri)),
            ..Item::default()
        }
    }

    /// An item whose `Source/LocURI` is `uri`.
    pub fn source(uri: impl Into<String>) -> Self {
        Item {
            source: Some(Location::new(uri)),
            ..Item::default()
        }
    }

    /// Sets `Meta` (builder style).
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Sets `Data` (builder style).
    #[must_use]
    pub fn with_data(mut self, data: impl Into<Data>) -> Self {
        self.data = Some(data.into());
        self
    }
}

/// The shape shared by `Add`, `Copy`, `Delete`, `Get` and `Replace`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operation {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Meta`: applies to every item.
    pub meta: Option<Meta>,
    /// `Item`s.
    pub items: Vec<Item>,
    /// Elements mdmkit does not model (`Archive`, `SftDel`, `Lang`, unknown), verbatim.
    pub other: Vec<RawXml>,
}

impl Operation {
    /// An operation with `cmd_id` and `items`.
    pub fn new(cmd_id: impl Into<CmdId>, items: Vec<Item>) -> Self {
        Operation {
            cmd_id: cmd_id.into(),
            items,
            ..Operation::default()
        }
    }
}

/// `Alert`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alert {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Data`: the alert code (absent only in malformed input).
    pub code: Option<AlertCode>,
    /// `Correlator` (DM 1.2 generic alerts answering an `Exec`).
    pub correlator: Option<String>,
    /// `Item`s.
    pub items: Vec<Item>,
    /// Unknown elements, verbatim.
    pub other: Vec<RawXml>,
}

impl Alert {
    /// An alert of `code` with `items`.
    pub fn new(cmd_id: impl Into<CmdId>, code: AlertCode, items: Vec<Item>) -> Self {
        Alert {
            cmd_id: cmd_id.into(),
            code: Some(code),
            items,
            ..Alert::default()
        }
    }
}

/// `Exec`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exec {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Meta`.
    pub meta: Option<Meta>,
    /// `Correlator`: echoed by the asynchronous result alert.
    pub correlator: Option<String>,
    /// `Item`s (one in DM 1.2).
    pub items: Vec<Item>,
    /// Unknown elements, verbatim.
    pub other: Vec<RawXml>,
}

impl Exec {
    /// An `Exec` of `item`.
    pub fn new(cmd_id: impl Into<CmdId>, item: Item) -> Self {
        Exec {
            cmd_id: cmd_id.into(),
            items: vec![item],
            ..Exec::default()
        }
    }
}

/// `Atomic` or `Sequence`: nested commands.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Meta`.
    pub meta: Option<Meta>,
    /// The nested commands, in order.
    pub commands: Vec<Command>,
    /// Unknown elements that are not commands, verbatim.
    pub other: Vec<RawXml>,
}

impl Container {
    /// A container of `commands`.
    pub fn new(cmd_id: impl Into<CmdId>, commands: Vec<Command>) -> Self {
        Container {
            cmd_id: cmd_id.into(),
            commands,
            ..Container::default()
        }
    }
}

/// `Map` (data synchronisation: maps server IDs to client IDs).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `Target`.
    pub target: Location,
    /// `Source`.
    pub source: Location,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Meta`.
    pub meta: Option<Meta>,
    /// `MapItem`s.
    pub map_items: Vec<MapItem>,
    /// Unknown elements, verbatim.
    pub other: Vec<RawXml>,
}

/// `MapItem`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapItem {
    /// `Target`.
    pub target: Location,
    /// `Source`.
    pub source: Location,
}

impl MapItem {
    /// A map item.
    #[must_use]
    pub fn new(target: Location, source: Location) -> Self {
        MapItem { target, source }
    }
}

/// `Results`: the answer to a `Get`, correlated by (`MsgRef`, `CmdRef`).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Results {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `MsgRef`: the `MsgID` of the message that carried the `Get` (absent means `1`).
    pub msg_ref: Option<MsgId>,
    /// `CmdRef`: the `CmdID` of the `Get`.
    pub cmd_ref: CmdId,
    /// `Meta`.
    pub meta: Option<Meta>,
    /// `TargetRef`s.
    pub target_refs: Vec<String>,
    /// `SourceRef`s.
    pub source_refs: Vec<String>,
    /// `Item`s: `Source/LocURI`, `Meta` and `Data` per node.
    pub items: Vec<Item>,
    /// Unknown elements, verbatim.
    pub other: Vec<RawXml>,
}

impl Results {
    /// The `MsgRef`, defaulting to `1` when absent (MS-MDM).
    #[must_use]
    pub fn msg_ref_or_default(&self) -> &str {
        self.msg_ref.as_ref().map_or("1", MsgId::as_str)
    }
}

/// `Status`: the outcome of one command (or of the header, with `CmdRef` 0 and `Cmd` `SyncHdr`).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `CmdID`.
    pub cmd_id: CmdId,
    /// `MsgRef`: the `MsgID` of the message that carried the command.
    pub msg_ref: MsgId,
    /// `CmdRef`: the `CmdID` of the command (`0` for the header).
    pub cmd_ref: CmdId,
    /// `Cmd`: the command's element name (`SyncHdr`, `Get`, `Atomic`, …).
    pub cmd: String,
    /// `TargetRef`s.
    pub target_refs: Vec<String>,
    /// `SourceRef`s.
    pub source_refs: Vec<String>,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Chal`: an authentication challenge (header status 401/407).
    pub chal: Option<Chal>,
    /// `Data`: the status code.
    pub code: StatusCode,
    /// Attributes of the `Data` element (Windows puts `msft:originalerror` there).
    pub data_attributes: Vec<Attribute>,
    /// `Item`s (e.g. the next chunk wanted, or per-item details).
    pub items: Vec<Item>,
    /// Unknown elements, verbatim.
    pub other: Vec<RawXml>,
}

impl Status {
    /// A status for command `cmd_ref` (`cmd` = its element name) of message `msg_ref`.
    pub fn new(
        cmd_id: impl Into<CmdId>,
        msg_ref: impl Into<MsgId>,
        cmd_ref: impl Into<CmdId>,
        cmd: &str,
        code: StatusCode,
    ) -> Self {
        Status {
            cmd_id: cmd_id.into(),
            msg_ref: msg_ref.into(),
            cmd_ref: cmd_ref.into(),
            cmd: cmd.to_owned(),
            code,
            ..Status::default()
        }
    }

    /// Windows' `msft:originalerror` on the status `Data` (the HRESULT behind a 500), if any.
    #[must_use]
    pub fn original_error(&self) -> Option<&str> {
        self.data_attributes
            .iter()
            .find(|a| a.namespace() == Some(super::MSFT_NAMESPACE) && a.name() == "originalerror")
            .map(Attribute::value)
    }

    /// Whether this is the status of a header (`Cmd` = `SyncHdr`).
    #[must_use]
    pub fn is_header_status(&self) -> bool {
        self.cmd == "SyncHdr"
    }
}

/// One command of a body, `Atomic` or `Sequence`, in document order.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `Add`.
    Add(Operation),
    /// `Alert`.
    Alert(Alert),
    /// `Atomic`: all or nothing.
    Atomic(Container),
    /// `Copy`.
    Copy(Operation),
    /// `Delete`.
    Delete(Operation),
    /// `Exec`.
    Exec(Exec),
    /// `Get`.
    Get(Operation),
    /// `Map`.
    Map(Map),
    /// `Replace`.
    Replace(Operation),
    /// `Results`.
    Results(Results),
    /// `Sequence`: in order.
    Sequence(Container),
    /// `Status`.
    Status(Status),
    /// Any other element (`Sync`, `Put`, `Search`, a future command), kept verbatim.
    Unknown(RawXml),
}

impl Command {
    /// The element name: `Add`, `Alert`, …; for an unknown command its local name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Command::Add(_) => "Add",
            Command::Alert(_) => "Alert",
            Command::Atomic(_) => "Atomic",
            Command::Copy(_) => "Copy",
            Command::Delete(_) => "Delete",
            Command::Exec(_) => "Exec",
            Command::Get(_) => "Get",
            Command::Map(_) => "Map",
            Command::Replace(_) => "Replace",
            Command::Results(_) => "Results",
            Command::Sequence(_) => "Sequence",
            Command::Status(_) => "Status",
            Command::Unknown(r) => r.local_name(),
        }
    }

    /// The `CmdID` (`None` for an unknown command).
    #[must_use]
    pub fn cmd_id(&self) -> Option<&CmdId> {
        match self {
            Command::Add(o)
            | Command::Copy(o)
            | Command::Delete(o)
            | Command::Get(o)
            | Command::Replace(o) => Some(&o.cmd_id),
            Command::Alert(a) => Some(&a.cmd_id),
            Command::Atomic(c) | Command::Sequence(c) => Some(&c.cmd_id),
            Command::Exec(e) => Some(&e.cmd_id),
            Command::Map(m) => Some(&m.cmd_id),
            Command::Results(r) => Some(&r.cmd_id),
            Command::Status(s) => Some(&s.cmd_id),
            Command::Unknown(_) => None,
        }
    }

    /// A mutable `CmdID` (`None` for an unknown command).
    pub fn cmd_id_mut(&mut self) -> Option<&mut CmdId> {
        match self {
            Command::Add(o)
            | Command::Copy(o)
            | Command::Delete(o)
            | Command::Get(o)
            | Command::Replace(o) => Some(&mut o.cmd_id),
            Command::Alert(a) => Some(&mut a.cmd_id),
            Command::Atomic(c) | Command::Sequence(c) => Some(&mut c.cmd_id),
            Command::Exec(e) => Some(&mut e.cmd_id),
            Command::Map(m) => Some(&mut m.cmd_id),
            Command::Results(r) => Some(&mut r.cmd_id),
            Command::Status(s) => Some(&mut s.cmd_id),
            Command::Unknown(_) => None,
        }
    }

    /// The items (empty for containers, `Map` and unknown commands).
    #[must_use]
    pub fn items(&self) -> &[Item] {
        match self {
            Command::Add(o)
            | Command::Copy(o)
            | Command::Delete(o)
            | Command::Get(o)
            | Command::Replace(o) => &o.items,
            Command::Alert(a) => &a.items,
            Command::Exec(e) => &e.items,
            Command::Results(r) => &r.items,
            Command::Status(s) => &s.items,
            Command::Atomic(_) | Command::Sequence(_) | Command::Map(_) | Command::Unknown(_) => {
                &[]
            }
        }
    }

    /// A mutable view of the items (`None` where the command has none).
    pub fn items_mut(&mut self) -> Option<&mut Vec<Item>> {
        match self {
            Command::Add(o)
            | Command::Copy(o)
            | Command::Delete(o)
            | Command::Get(o)
            | Command::Replace(o) => Some(&mut o.items),
            Command::Alert(a) => Some(&mut a.items),
            Command::Exec(e) => Some(&mut e.items),
            Command::Results(r) => Some(&mut r.items),
            Command::Status(s) => Some(&mut s.items),
            Command::Atomic(_) | Command::Sequence(_) | Command::Map(_) | Command::Unknown(_) => {
                None
            }
        }
    }

    /// The nested commands of an `Atomic` or `Sequence`.
    #[must_use]
    pub fn children(&self) -> &[Command] {
        match self {
            Command::Atomic(c) | Command::Sequence(c) => &c.commands,
            _ => &[],
        }
    }
}
