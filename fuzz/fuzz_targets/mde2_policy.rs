//! MS-MDE2 policy (XCEP) on arbitrary bytes: `GetPolicies` and `GetPoliciesResponse` envelopes
//! never panic, and an accepted envelope encodes and decodes back to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::windows::enroll::policy::{GetPolicies, GetPoliciesResponse};
use mdmkit::windows::enroll::soap::{Body, Envelope};

fn check<B: Body + std::fmt::Debug + PartialEq>(data: &[u8]) {
    if let Ok(env) = Envelope::<B>::from_xml(data) {
        let xml = env.to_xml().expect("a decoded envelope encodes");
        let back = Envelope::<B>::from_xml(xml.as_bytes())
            .unwrap_or_else(|e| panic!("re-decode failed: {e:?}\n{xml}"));
        assert_eq!(back, env, "{xml}");
    }
}

fuzz_target!(|data: &[u8]| {
    check::<GetPolicies>(data);
    check::<GetPoliciesResponse>(data);
});
