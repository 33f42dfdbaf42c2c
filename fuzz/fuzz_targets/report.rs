//! `CommandReport::from_xml` and `Inbound::from_xml` on arbitrary bytes: no panic; an accepted
//! report matches the untyped view of the input (envelope fields, `ErrorChain`, `body` = every
//! other key in order), and `Inbound` agrees with the decoder it dispatches to.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::apple::report::CommandReport;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = CommandReport::from_xml(data) {
        mdmkit_fuzz::check_report_against_value(data, &r);
    }
    mdmkit_fuzz::check_inbound(data);
});
