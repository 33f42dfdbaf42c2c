//! Named corrections of upstream schema bugs, each with the evidence. A fixup that no longer
//! finds what it fixes makes the generator fail, so fixes never outlive the bug.
//!
//! The check-in schema's other, systematic problem (keys marked `required` whose presence depends on
//! platform, channel or enrollment type) is handled by a general rule in `emit`, not here.

use super::schema::{Doc, Key};

struct Fixup {
    /// What and why, with the evidence.
    name: &'static str,
    file: &'static str,
    apply: fn(&mut Doc) -> bool,
}

/// Finds the key at `path` (key names, descending through `subkeys`) in `keys`.
fn find<'a>(keys: &'a mut [Key], path: &[&str]) -> Option<&'a mut Key> {
    let (first, rest) = path.split_first()?;
    let k = keys.iter_mut().find(|k| k.key == *first)?;
    if rest.is_empty() {
        Some(k)
    } else {
        find(&mut k.subkeys, rest)
    }
}

/// Sets the type of the response key at `path` from `from` to `to`; false if not as expected.
fn retype(doc: &mut Doc, path: &[&str], from: &str, to: &str) -> bool {
    match find(&mut doc.responsekeys, path) {
        Some(k) if k.ty == from => {
            k.ty = to.to_owned();
            true
        }
        _ => false,
    }
}

/// Marks the request key at `path` optional; false if it was not `required`.
fn optional(doc: &mut Doc, path: &[&str]) -> bool {
    match find(&mut doc.payloadkeys, path) {
        Some(k) if k.presence.as_deref() == Some("required") => {
            k.presence = Some("optional".to_owned());
            true
        }
        _ => false,
    }
}

const FIXUPS: &[Fixup] = &[
    Fixup {
        name: "UserAuthenticate DigestResponse is optional: the schema's own text says the device \
               sends it only in the second request, after the server's DigestChallenge; the \
               first request has no DigestResponse",
        file: "mdm/checkin/userauthenticate.yaml",
        apply: |d| optional(d, &["DigestResponse"]),
    },
    Fixup {
        name: "DeviceInformation OSUpdateSettings.PreviousScanResult is an integer: macOS sends \
               <integer>2</integer> (zentral tests/mdm/testdata/device_information.plist); the \
               schema says <string>",
        file: "mdm/commands/information.device.yaml",
        apply: |d| {
            retype(
                d,
                &["QueryResponses", "OSUpdateSettings", "PreviousScanResult"],
                "<string>",
                "<integer>",
            )
        },
    },
];

/// A correction applied to the YAML text before parsing (for what serde cannot load).
struct TextFixup {
    name: &'static str,
    file: &'static str,
    find: &'static str,
    replace: &'static str,
}

const TEXT_FIXUPS: &[TextFixup] = &[
    TextFixup {
        name: "tokensresponse SyncTokens has no subkeys: the schema names the type \
               (`SynchronizationTokens`) but leaves it empty; Apple's documentation of \
               DeclarativeManagement's SynchronizationTokens defines DeclarationsToken (string, \
               required) and Timestamp (string, RFC 3339, required), which is what devices read",
        file: "declarative/protocol/tokensresponse.yaml",
        find: "  subkeytype: SynchronizationTokens\n",
        replace: "  subkeytype: SynchronizationTokens\n  subkeys:\n  - key: DeclarationsToken\n    type: <string>\n    presence: required\n  - key: Timestamp\n    type: <string>\n    presence: required\n",
    },
    TextFixup {
        name: "applicationaccess.new subApps is recursive: its items are the allow-list item \
               dictionary that contains subApps itself (`subkeys: *id001` inside the `&id001` \
               anchor), which no tree can hold; the alias becomes the generator's own \
               `x-mdmkit-items` reference to the type the schema names `ApplicationItem`",
        file: "mdm/profiles/com.apple.applicationaccess.new.yaml",
        find: "      subkeytype: ApplicationItem\n      subkeys: *id001\n",
        replace: "      subkeytype: ApplicationItem\n      x-mdmkit-items: ApplicationItem\n",
    },
    TextFixup {
        name: "homescreenlayout Pages items are recursive: a folder icon's `Pages` holds arrays of \
               the icon dictionary that contains it (`subkeys: *id001` inside `&id001`); the \
               alias becomes an `x-mdmkit-items` reference to `IconItem`",
        file: "mdm/profiles/com.apple.homescreenlayout.yaml",
        find: "        subkeytype: IconItem\n        subkeys: *id001\n",
        replace: "        subkeytype: IconItem\n        x-mdmkit-items: IconItem\n",
    },
];

#[derive(Default)]
pub struct Tracker {
    applied: Vec<&'static str>,
}

impl Tracker {
    pub fn apply_text(&mut self, file: &str, text: String) -> String {
        let mut text = text;
        for f in TEXT_FIXUPS.iter().filter(|f| f.file == file) {
            if text.matches(f.find).count() == 1 {
                text = text.replace(f.find, f.replace);
                self.applied.push(f.name);
            }
        }
        text
    }

    pub fn apply(&mut self, file: &str, doc: &mut Doc) {
        for f in FIXUPS.iter().filter(|f| f.file == file) {
            if (f.apply)(doc) {
                self.applied.push(f.name);
            }
        }
    }

    pub fn finish(self) -> Result<(), String> {
        let stale: Vec<_> = FIXUPS
            .iter()
            .map(|f| f.name)
            .chain(TEXT_FIXUPS.iter().map(|f| f.name))
            .filter(|n| !self.applied.contains(n))
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "fixups that no longer apply (remove them): {}",
                stale.join("; ")
            ))
        }
    }
}
