//! Round trips: a check-in message or command report that decodes must encode (unless a string
//! holds a character XML cannot carry) and decode again to an equal value with the same unknown
//! keys / body; the writer's output must be a fixed point.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdmkit_fuzz::check_checkin_roundtrip(data);
    mdmkit_fuzz::check_report_roundtrip(data);
});
