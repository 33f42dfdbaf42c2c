//! WBXML → XML: any input must be decoded or refused without a panic; a decoded document must
//! encode again, and encode → decode → encode must be a fixed point.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdmkit_fuzz::check_wbxml(data);
});
