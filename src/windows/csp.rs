//! Windows helpers over SyncML: the device alerts Windows sends (typed), well-known nodes, and
//! commands for a `LocURI`.
//!
//! ```
//! use mdmkit::windows::csp::{self, DeviceEvent, Value};
//! use mdmkit::windows::syncml::Command;
//!
//! let get = csp::get(csp::dev_detail::SWV);
//! assert_eq!(get.items()[0].target.as_ref().unwrap().loc_uri, "./DevDetail/SwV");
//!
//! let set = csp::replace("./Vendor/MSFT/Policy/Config/Camera/AllowCamera", Value::Int(0));
//! let xml = set.to_xml().unwrap();
//! assert!(xml.contains("<Format xmlns=\"syncml:metinf\">int</Format>"));
//! assert!(xml.contains("<Data>0</Data>"));
//!
//! let alert = csp::unenrollment_alert("");
//! let Command::Alert(a) = &alert else { unreachable!() };
//! assert_eq!(csp::device_events(a)[0].event, DeviceEvent::Unenrollment);
//! ```

use base64::Engine as _;

use crate::windows::syncml::{
    Alert, AlertCode, CmdId, Command, Container, Data, Exec, Item, Location, Meta, Operation,
};

/// The `Meta/Type` strings of the alerts Windows sends (1224 and 1226), matched exactly.
pub mod alert_type {
    /// 1224, first package: who is logged in (`user`, `others`, `none`).
    pub const LOGIN_STATUS: &str = "com.microsoft/MDM/LoginStatus";
    /// 1224: the scope of the session (`user`, `device`, `mixed`; MS-MDM 3.2.5.1.5).
    pub const SYNC_TYPE: &str = "com.microsoft.mdm.synctype";
    /// 1224: an Entra ID user token (MS-MDM 3.2.5.1.2).
    pub const AAD_USER_TOKEN: &str = "com.microsoft/MDM/AADUserToken";
    /// 1224: device preparation (MS-MDM 3.2.5.1.6).
    pub const DEVICE_PREP_SYNC: &str = "com.microsoft/MDM/DevicePrepSync";
    /// 1226, Format `int`, Data `1`: the user removed the enrollment.
    pub const UNENROLLMENT: &str = "com.microsoft:mdm.unenrollment.userrequest";
    /// 1226: the asynchronous result of an EnterpriseDesktopAppManagement MSI install.
    pub const WIN32_CSP_INSTALL: &str = "Reversed-Domain-Name:com.microsoft.mdm.win32csp_install";
    /// 1224/1226: Windows declared-configuration documents.
    pub const DECLARED_CONFIGURATION: &str = "com.microsoft.mdm.declaredconfigurationdocuments";
}

/// `./DevInfo` nodes (the device sends them in its first package).
pub mod dev_info {
    /// `./DevInfo/DevId`: the device identifier (the SyncML `Source/LocURI`).
    pub const DEV_ID: &str = "./DevInfo/DevId";
    /// `./DevInfo/Man`: manufacturer.
    pub const MAN: &str = "./DevInfo/Man";
    /// `./DevInfo/Mod`: model.
    pub const MOD: &str = "./DevInfo/Mod";
    /// `./DevInfo/DmV`: OMA DM client version.
    pub const DM_V: &str = "./DevInfo/DmV";
    /// `./DevInfo/Lang`: language.
    pub const LANG: &str = "./DevInfo/Lang";
}

/// `./DevDetail` nodes.
pub mod dev_detail {
    /// `./DevDetail/SwV`: OS version.
    pub const SWV: &str = "./DevDetail/SwV";
    /// `./DevDetail/FwV`: firmware version.
    pub const FWV: &str = "./DevDetail/FwV";
    /// `./DevDetail/HwV`: hardware version.
    pub const HWV: &str = "./DevDetail/HwV";
    /// `./DevDetail/OEM`: OEM.
    pub const OEM: &str = "./DevDetail/OEM";
    /// `./DevDetail/DevTyp`: device type.
    pub const DEV_TYP: &str = "./DevDetail/DevTyp";
    /// `./DevDetail/Ext/Microsoft/DeviceName`.
    pub const DEVICE_NAME: &str = "./DevDetail/Ext/Microsoft/DeviceName";
    /// `./DevDetail/Ext/Microsoft/OSPlatform`.
    pub const OS_PLATFORM: &str = "./DevDetail/Ext/Microsoft/OSPlatform";
    /// `./DevDetail/Ext/Microsoft/LocalTime`.
    pub const LOCAL_TIME: &str = "./DevDetail/Ext/Microsoft/LocalTime";
    /// `./DevDetail/Ext/Microsoft/ProcessorArchitecture`.
    pub const PROCESSOR_ARCHITECTURE: &str = "./DevDetail/Ext/Microsoft/ProcessorArchitecture";
}

/// `./Vendor/MSFT/DMClient` nodes.
pub mod dm_client {
    /// `./Vendor/MSFT/DMClient/HWDevID`.
    pub const HW_DEV_ID: &str = "./Vendor/MSFT/DMClient/HWDevID";

    /// `./Vendor/MSFT/DMClient/Provider/<provider_id>/<leaf>` (e.g. `EntDMID`,
    /// `Poll/IntervalForFirstSetOfRetries`).
    #[must_use]
    pub fn provider(provider_id: &str, leaf: &str) -> String {
        format!("./Vendor/MSFT/DMClient/Provider/{provider_id}/{leaf}")
    }
}

/// A typed node value: its `Meta/Format` and `Data`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `chr`: a string.
    Chr(String),
    /// `int`.
    Int(i64),
    /// `bool` (`true` / `false`).
    Bool(bool),
    /// `b64`: bytes, base64-encoded.
    B64(Vec<u8>),
    /// `xml`: an XML document, escaped into `Data` (research L8: never raw).
    Xml(String),
    /// `node`: an interior node (no data).
    Node,
    /// `null`: no value.
    Null,
}

impl Value {
    /// The `Meta/Format` text.
    #[must_use]
    pub fn format(&self) -> &'static str {
        match self {
            Value::Chr(_) => "chr",
            Value::Int(_) => "int",
            Value::Bool(_) => "bool",
            Value::B64(_) => "b64",
            Value::Xml(_) => "xml",
            Value::Node => "node",
            Value::Null => "null",
        }
    }

    fn data(&self) -> Option<Data> {
        match self {
            Value::Chr(s) | Value::Xml(s) => Some(Data::text(s)),
            Value::Int(i) => Some(Data::text(&i.to_string())),
            Value::Bool(b) => Some(Data::text(if *b { "true" } else { "false" })),
            Value::B64(b) => Some(Data::text(
                &base64::engine::general_purpose::STANDARD.encode(b),
            )),
            Value::Node | Value::Null => None,
        }
    }

    /// The item that sets `uri` to this value.
    #[must_use]
    pub fn item(&self, uri: &str) -> Item {
        Item {
            target: Some(Location::new(uri)),
            meta: Some(Meta {
                format: Some(self.format().to_owned()),
                ..Meta::default()
            }),
            data: self.data(),
            ..Item::default()
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Chr(s.to_owned())
    }
}

/// `Get` of `uri` (the `CmdID` is left empty for the session to allocate).
#[must_use]
pub fn get(uri: &str) -> Command {
    Command::Get(Operation::new(CmdId::default(), vec![Item::target(uri)]))
}

/// `Replace` of `uri` with `value`.
#[must_use]
pub fn replace(uri: &str, value: Value) -> Command {
    Command::Replace(Operation::new(CmdId::default(), vec![value.item(uri)]))
}

/// `Add` of `uri` with `value`.
#[must_use]
pub fn add(uri: &str, value: Value) -> Command {
    Command::Add(Operation::new(CmdId::default(), vec![value.item(uri)]))
}

/// `Delete` of `uri`.
#[must_use]
pub fn delete(uri: &str) -> Command {
    Command::Delete(Operation::new(CmdId::default(), vec![Item::target(uri)]))
}

/// `Exec` of `uri`, with an optional argument.
#[must_use]
pub fn exec(uri: &str, argument: Option<Value>) -> Command {
    let item = argument.map_or_else(|| Item::target(uri), |v| v.item(uri));
    Command::Exec(Exec::new(CmdId::default(), item))
}

/// `Atomic` of `commands` (all applied or none; research L10: no `Get`, no nested `Atomic`, no
/// `Add` then `Replace` of one node inside).
#[must_use]
pub fn atomic(commands: Vec<Command>) -> Command {
    Command::Atomic(Container::new(CmdId::default(), commands))
}

/// `Sequence` of `commands`.
#[must_use]
pub fn sequence(commands: Vec<Command>) -> Command {
    Command::Sequence(Container::new(CmdId::default(), commands))
}

/// A device alert, typed by its item's `Meta/Type`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// [`alert_type::LOGIN_STATUS`] with its data (`user`, `others`, `none`).
    LoginStatus(String),
    /// [`alert_type::SYNC_TYPE`] with its data (`user`, `device`, `mixed`).
    SyncType(String),
    /// [`alert_type::UNENROLLMENT`]: the user removed the enrollment. Answer with the header
    /// status only.
    Unenrollment,
    /// [`alert_type::WIN32_CSP_INSTALL`]: the node that finished (`Source/LocURI`) and its
    /// result data.
    Win32CspInstall {
        /// The node.
        node: String,
        /// The result (`Data`), as text.
        result: String,
    },
    /// [`alert_type::AAD_USER_TOKEN`] (the token is sensitive; kept in the item).
    AadUserToken,
    /// [`alert_type::DEVICE_PREP_SYNC`].
    DevicePrepSync,
    /// [`alert_type::DECLARED_CONFIGURATION`].
    DeclaredConfiguration,
    /// Any other type (or none): the `Meta/Type` text.
    Other(Option<String>),
}

/// One event of a 1224 or 1226 alert, with the item it came from.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The typed event.
    pub event: DeviceEvent,
    /// `Meta/Mark` (severity of a generic alert), if any.
    pub mark: Option<&'a str>,
    /// The item.
    pub item: &'a Item,
}

/// The events of a client-event (1224) or generic (1226) alert, one per item. Other alerts
/// have none.
#[must_use]
pub fn device_events(alert: &Alert) -> Vec<Event<'_>> {
    if !matches!(
        alert.code,
        Some(AlertCode::CLIENT_EVENT | AlertCode::GENERIC)
    ) {
        return Vec::new();
    }
    alert
        .items
        .iter()
        .map(|item| {
            let meta = item.meta.as_ref();
            let ty = meta.and_then(|m| m.r#type.as_deref());
            let text = || {
                item.data
                    .as_ref()
                    .map(|d| d.to_text().trim().to_owned())
                    .unwrap_or_default()
            };
            let event = match ty {
                Some(alert_type::LOGIN_STATUS) => DeviceEvent::LoginStatus(text()),
                Some(alert_type::SYNC_TYPE) => DeviceEvent::SyncType(text()),
                Some(alert_type::UNENROLLMENT) => DeviceEvent::Unenrollment,
                Some(alert_type::WIN32_CSP_INSTALL) => DeviceEvent::Win32CspInstall {
                    node: item
                        .source
                        .as_ref()
                        .map(|s| s.loc_uri.clone())
                        .unwrap_or_default(),
                    result: text(),
                },
                Some(alert_type::AAD_USER_TOKEN) => DeviceEvent::AadUserToken,
                Some(alert_type::DEVICE_PREP_SYNC) => DeviceEvent::DevicePrepSync,
                Some(alert_type::DECLARED_CONFIGURATION) => DeviceEvent::DeclaredConfiguration,
                other => DeviceEvent::Other(other.map(str::to_owned)),
            };
            Event {
                event,
                mark: meta.and_then(|m| m.mark.as_deref()),
                item,
            }
        })
        .collect()
}

/// The client-initiated session alert (1201) a device opens every session with.
#[must_use]
pub fn session_start_alert(cmd_id: &str) -> Command {
    Command::Alert(Alert::new(cmd_id, AlertCode::CLIENT_INITIATED, Vec::new()))
}

/// A generic alert (1226) of `alert_type` with `format` and `data` (what a device sends; for
/// tests and device emulators).
#[must_use]
pub fn generic_alert(cmd_id: &str, alert_type: &str, format: &str, data: &str) -> Command {
    let item = Item {
        meta: Some(Meta::format_type(format, alert_type)),
        data: Some(Data::text(data)),
        ..Item::default()
    };
    Command::Alert(Alert::new(cmd_id, AlertCode::GENERIC, vec![item]))
}

/// The unenrollment alert Windows sends when the user removes the enrollment.
#[must_use]
pub fn unenrollment_alert(cmd_id: &str) -> Command {
    generic_alert(cmd_id, alert_type::UNENROLLMENT, "int", "1")
}
