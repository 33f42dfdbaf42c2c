//! `CheckinMessage::from_xml` on arbitrary bytes: no panic; a message it accepts is also a valid
//! untyped plist dictionary, with the same `MessageType`, and its unknown keys are exactly the
//! input's non-schema keys, in input order.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::apple::checkin::CheckinMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = CheckinMessage::from_xml(data) {
        mdmkit_fuzz::check_checkin_against_value(data, &m);
    }
});
