//! A command report's body decoded as the response of every request type in the generated
//! table: no panic, and each typed response that decodes round-trips.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdmkit_fuzz::check_responses(data);
});
