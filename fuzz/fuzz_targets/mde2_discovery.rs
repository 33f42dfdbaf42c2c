//! MS-MDE2 discovery on arbitrary bytes: `Discover`, `DiscoverResponse` and `Fault` envelopes
//! never panic, and an accepted envelope encodes and decodes back to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::windows::enroll::discovery::{DiscoverRequest, DiscoverResponse};
use mdmkit::windows::enroll::soap::{Body, Envelope, Fault};

fn check<B: Body + std::fmt::Debug + PartialEq>(data: &[u8]) {
    if let Ok(env) = Envelope::<B>::from_xml(data) {
        let xml = env.to_xml().expect("a decoded envelope encodes");
        let back = Envelope::<B>::from_xml(xml.as_bytes())
            .unwrap_or_else(|e| panic!("re-decode failed: {e:?}\n{xml}"));
        assert_eq!(back, env, "{xml}");
    }
}

fuzz_target!(|data: &[u8]| {
    check::<DiscoverRequest>(data);
    check::<DiscoverResponse>(data);
    check::<Fault>(data);
    if let Ok(Some(env)) = DiscoverRequest::from_http_body(data) {
        assert!(!data.iter().all(u8::is_ascii_whitespace));
        let _ = env.to_xml().expect("a decoded envelope encodes");
    }
});
