//! MS-MDE2 enrollment (WSTEP) on arbitrary bytes: `RequestSecurityToken`,
//! `RequestSecurityTokenResponseCollection` and any-body envelopes never panic, an accepted
//! envelope encodes and decodes back to the same value, and credential extraction for every
//! auth policy never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::windows::enroll::soap::{AuthPolicy, Body, Envelope};
use mdmkit::windows::enroll::token::{
    RequestSecurityToken, RequestSecurityTokenResponseCollection,
};
use mdmkit::windows::syncml::RawXml;

fn check<B: Body + std::fmt::Debug + PartialEq>(data: &[u8]) {
    if let Ok(env) = Envelope::<B>::from_xml(data) {
        let xml = env.to_xml().expect("a decoded envelope encodes");
        let back = Envelope::<B>::from_xml(xml.as_bytes())
            .unwrap_or_else(|e| panic!("re-decode failed: {e:?}\n{xml}"));
        assert_eq!(back, env, "{xml}");
    }
}

fuzz_target!(|data: &[u8]| {
    check::<RequestSecurityToken>(data);
    check::<RequestSecurityTokenResponseCollection>(data);
    check::<RawXml>(data);
    if let Ok(env) = Envelope::<RawXml>::from_xml(data) {
        for p in [
            AuthPolicy::OnPremise,
            AuthPolicy::Federated,
            AuthPolicy::Certificate,
            AuthPolicy::from("Other"),
        ] {
            let _ = env.header.credentials(&p);
        }
        if let Some(t) = env
            .header
            .security
            .as_ref()
            .and_then(|s| s.binary_security_token.as_ref())
        {
            let _ = t.decode();
        }
    }
});
