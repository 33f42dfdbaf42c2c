//! `Declaration::from_json` and `from_json_untyped` on arbitrary bytes: no panic; what the typed
//! decoder accepts the untyped one accepts too, with the same envelope; an accepted declaration
//! writes JSON that decodes to an equal declaration, and writing that again gives the same bytes.
//! The same oracle for the protocol documents (`TokensResponse`, `DeclarationItemsResponse`)
//! and the credential documents.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::Limits;
use mdmkit::apple::ddm::{
    CredentialAcme, CredentialIdentity, CredentialScep, CredentialUsernameandpassword,
    Declaration, DeclarationItemsResponse, Endpoint, TokensResponse,
};

/// decode → encode → decode gives an equal value.
macro_rules! round_trip {
    ($data:expr, $($t:ty),*) => {$(
        if let Ok(v) = <$t>::from_json($data) {
            let json = v.to_json().expect("encode");
            assert_eq!(<$t>::from_json(&json).expect("re-decode"), v);
        }
    )*};
}

fuzz_target!(|data: &[u8]| {
    let typed = Declaration::from_json(data);
    let untyped = Declaration::from_json_untyped(data, &Limits::DEFAULT);
    if let Ok(d) = &typed {
        let u = untyped.as_ref().expect("typed accepted, untyped refused");
        assert_eq!(
            (&d.r#type, &d.identifier, &d.server_token, &d.unknown_keys),
            (&u.r#type, &u.identifier, &u.server_token, &u.unknown_keys)
        );
        assert_eq!(d.payload.declaration_type().is_some(), d.payload.info().is_some());
        let json = d.to_json().expect("encode");
        let back = Declaration::from_json(&json).expect("re-decode");
        assert_eq!(&back, d);
        assert_eq!(back.to_json().expect("encode again"), json);
        if let Some(e) = Endpoint::for_declaration(d) {
            assert_eq!(Endpoint::parse(&e.to_string()), e);
        }
    }
    if let Ok(u) = &untyped {
        let json = u.to_json().expect("encode");
        let back = Declaration::from_json_untyped(&json, &Limits::DEFAULT).expect("re-decode");
        assert_eq!(&back, u);
    }
    round_trip!(
        data,
        TokensResponse,
        DeclarationItemsResponse,
        CredentialAcme,
        CredentialIdentity,
        CredentialScep,
        CredentialUsernameandpassword
    );
    if let Ok(text) = std::str::from_utf8(data) {
        let e = Endpoint::parse(text);
        assert_eq!(e.to_string(), text);
    }
});
