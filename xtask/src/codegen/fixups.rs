//! Named corrections of upstream schema bugs. Each fixup says which file it applies to; a fixup
//! that no longer finds what it fixes makes the generator fail, so fixes never outlive the bug.

use super::schema::Doc;

struct Fixup {
    /// Why, with the upstream reference.
    name: &'static str,
    file: &'static str,
    apply: fn(&mut Doc) -> bool,
}

/// The list is empty for the check-in schema: its one systematic problem (keys marked
/// `required` whose presence depends on platform, channel or enrollment type, such as `UDID`
/// on user enrollments or `UserLongName` on the device channel) is handled by a general rule in
/// `emit` (required only when the key has no per-OS condition), not by per-key patches.
const FIXUPS: &[Fixup] = &[];

#[derive(Default)]
pub struct Tracker {
    applied: Vec<&'static str>,
}

impl Tracker {
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
            .filter(|f| !self.applied.contains(&f.name))
            .map(|f| f.name)
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "fixups that no longer apply (remove them): {}",
                stale.join(", ")
            ))
        }
    }
}
