//! The subset of Apple's YAML schema (docs/schema.yaml) the generator reads. Unknown fields are
//! ignored so a newer schema still loads.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
pub struct Doc {
    pub title: String,
    pub payload: Payload,
    #[serde(default)]
    pub payloadkeys: Vec<Key>,
    #[serde(default)]
    pub responsekeys: Vec<Key>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Payload {
    pub requesttype: Option<String>,
    pub payloadtype: Option<String>,
    /// A DDM declaration's `Type` (`com.apple.configuration.passcode.settings`); `any` for the
    /// envelope (`declarationbase.yaml`).
    pub declarationtype: Option<String>,
    /// A DDM credential document's type (`com.apple.credential.usernameandpassword`): the JSON
    /// an asset's `Reference.DataURL` serves.
    pub credentialtype: Option<String>,
    /// A DDM status item's name (`device.identifier.udid`).
    pub statusitemtype: Option<String>,
    #[serde(rename = "supportedOS", default)]
    pub supported_os: Option<BTreeMap<String, Os>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Key {
    pub key: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub presence: Option<String>,
    #[serde(rename = "supportedOS", default)]
    pub supported_os: Option<BTreeMap<String, Os>>,
    #[serde(default)]
    pub rangelist: Option<Vec<serde_yaml::Value>>,
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    #[serde(default)]
    pub subkeys: Vec<Key>,
    /// The schema's own name for the type of this key's value, when it has one.
    pub subkeytype: Option<String>,
    /// Set by a text fixup: an array whose items are the (enclosing) type the schema names so.
    #[serde(rename = "x-mdmkit-items", default)]
    pub items_of: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Os {
    pub introduced: Option<serde_yaml::Value>,
    pub deprecated: Option<serde_yaml::Value>,
    pub removed: Option<serde_yaml::Value>,
    pub supervised: Option<bool>,
    pub requiresdep: Option<bool>,
    pub userapprovedmdm: Option<bool>,
    pub devicechannel: Option<bool>,
    pub userchannel: Option<bool>,
    pub accessrights: Option<String>,
    pub userenrollment: Option<ModeOf>,
    pub sharedipad: Option<ModeOf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModeOf {
    pub mode: Option<String>,
}

/// A YAML scalar as text (versions are sometimes unquoted numbers).
pub fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
