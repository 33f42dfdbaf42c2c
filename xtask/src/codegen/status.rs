//! The DDM status item tree.
//!
//! Each file under `declarative/status` describes one status item by its dotted name
//! (`device.identifier.udid`). In a status report the names are split at the dots into nested
//! JSON objects (`{"device": {"identifier": {"udid": …}}}`). This module builds that tree as
//! schema keys and attaches it to the `StatusItems` key of `statusreport.yaml`, which the schema
//! leaves as an untyped dictionary.

use super::names::camel;
use super::schema::{Doc, Key};

const STATUS_REPORT: &str = "declarative/protocol/statusreport.yaml";

/// Fills `StatusItems` of the status report document in `docs` from the status item files.
pub fn attach(docs: &mut [(String, Doc)], status: &[(String, Doc)]) -> Result<(), String> {
    let mut root = node("StatusItems", "StatusItems");
    for (rel, doc) in status {
        // `statusreason.yaml` describes the reason dictionary, not an item.
        let Some(name) = doc.payload.statusitemtype.as_deref() else {
            continue;
        };
        let value = doc
            .payloadkeys
            .iter()
            .find(|k| k.key == name)
            .ok_or_else(|| format!("{rel}: no key named after the status item `{name}`"))?;
        let segments: Vec<&str> = name.split('.').collect();
        let Some((last, parents)) = segments.split_last() else {
            return Err(format!("{rel}: empty status item name"));
        };
        let mut at = &mut root;
        let mut path = String::from("Status");
        for seg in parents {
            path.push_str(&camel(seg));
            if at
                .subkeys
                .iter()
                .any(|k| k.key == *seg && k.subkeytype.is_none())
            {
                return Err(format!("{rel}: `{seg}` is both a status item and a prefix"));
            }
            let i = match at.subkeys.iter().position(|k| k.key == *seg) {
                Some(i) => i,
                None => {
                    at.subkeys.push(node(seg, &path));
                    at.subkeys.len() - 1
                }
            };
            at = at
                .subkeys
                .get_mut(i)
                .ok_or_else(|| format!("{rel}: tree index"))?;
        }
        if at.subkeys.iter().any(|k| k.key == *last) {
            return Err(format!("{rel}: status item `{name}` defined twice"));
        }
        let mut leaf = value.clone();
        leaf.key = (*last).to_owned();
        leaf.presence = Some("optional".to_owned());
        leaf.supported_os.clone_from(&doc.payload.supported_os);
        // The item's own types are named after its path (`StatusDeviceModel…`,
        // `StatusAccountListCaldavItem`): the schema reuses generic names (`StatusValue`).
        let own = format!("{path}{}", camel(last));
        if leaf.ty == "<dictionary>" && !leaf.subkeys.is_empty() {
            leaf.subkeytype = Some(own.clone());
        }
        if leaf.ty == "<array>"
            && let [item] = leaf.subkeys.as_mut_slice()
            && item.ty == "<dictionary>"
        {
            leaf.subkeytype = Some(format!("{own}Item"));
            item.subkeytype = Some(format!("{own}Item"));
        }
        prefix_types(&mut leaf);
        at.subkeys.push(leaf);
    }
    let (_, report) = docs
        .iter_mut()
        .find(|(rel, _)| rel == STATUS_REPORT)
        .ok_or_else(|| format!("{STATUS_REPORT}: missing"))?;
    let items = report
        .payloadkeys
        .iter_mut()
        .find(|k| k.key == "StatusItems")
        .ok_or_else(|| format!("{STATUS_REPORT}: no StatusItems key"))?;
    if !items.subkeys.is_empty() {
        return Err(format!(
            "{STATUS_REPORT}: StatusItems now has subkeys in the schema; revisit codegen/status.rs"
        ));
    }
    items.subkeys = root.subkeys;
    items.subkeytype = root.subkeytype;
    // The report's own `Errors` items name their reasons `StatusReason` too, but with other
    // keys (`Code`, not `code`): they get their own names.
    let errors = report
        .payloadkeys
        .iter_mut()
        .find(|k| k.key == "Errors")
        .ok_or_else(|| format!("{STATUS_REPORT}: no Errors key"))?;
    for item in &mut errors.subkeys {
        item.subkeytype = Some("StatusError".to_owned());
        for k in &mut item.subkeys {
            rename_types(k, "StatusReason", "StatusErrorReason");
        }
    }
    Ok(())
}

fn rename_types(key: &mut Key, from: &str, to: &str) {
    if key.subkeytype.as_deref() == Some(from) {
        key.subkeytype = Some(to.to_owned());
    }
    for k in &mut key.subkeys {
        rename_types(k, from, to);
    }
}

/// An intermediate object of the tree.
fn node(key: &str, type_name: &str) -> Key {
    Key {
        key: key.to_owned(),
        ty: "<dictionary>".to_owned(),
        presence: Some("optional".to_owned()),
        supported_os: None,
        rangelist: None,
        default: None,
        subkeys: Vec::new(),
        subkeytype: Some(type_name.to_owned()),
        items_of: None,
    }
}

/// Status item types live beside the declarations and the protocol types: their schema names
/// (`Declaration`, `Capabilities`) get a `Status` prefix so that no name means two things.
fn prefix_types(key: &mut Key) {
    if let Some(t) = &mut key.subkeytype
        && !t.starts_with("Status")
    {
        *t = format!("Status{}", camel(t));
    }
    for k in &mut key.subkeys {
        prefix_types(k);
    }
}
