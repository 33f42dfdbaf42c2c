//! `StatusReport::from_json` on arbitrary bytes: no panic; an accepted report writes JSON that
//! decodes to an equal report (writing that again gives the same bytes), and its declarations
//! iterator and `Debug` never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::apple::ddm::StatusReport;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = StatusReport::from_json(data) {
        let n = r.declarations().count();
        let _ = format!("{r:?}");
        let json = r.to_json().expect("encode");
        let back = StatusReport::from_json(&json).expect("re-decode");
        assert_eq!(back, r);
        assert_eq!(back.declarations().count(), n);
        assert_eq!(back.to_json().expect("encode again"), json);
    }
});
