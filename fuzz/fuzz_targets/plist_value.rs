//! `Value::from_xml` on arbitrary bytes: no panic; on success the value encodes (unless a string
//! holds a character XML cannot carry), decodes back to the same value, and re-encodes to the same
//! bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mdmkit_fuzz::check_value(data);
});
