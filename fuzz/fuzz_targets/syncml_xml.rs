//! `SyncMl::from_xml` and `Fragment::from_xml` (tight limits) and `Command::from_xml` on
//! arbitrary bytes: no panic, and none in the helpers a server runs on what decodes (views,
//! the session's reply and its encoding, correlation, large-object reassembly, credential
//! checks).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdmkit_fuzz::syncml::exercise_syncml(data);
});
