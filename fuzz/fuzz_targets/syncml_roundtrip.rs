//! SyncML round trips: a message that decodes must encode (unless a typed string holds a
//! character XML cannot carry, which the decoder accepts and the encoder refuses) and decode
//! again to an equal message; the writer's output must be a fixed point. The same for each
//! command of a fragment through `Command::to_xml` / `Command::from_xml`, and for a fragment's
//! header and commands taken as a message.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdmkit_fuzz::syncml::check_syncml_roundtrip(data);
});
