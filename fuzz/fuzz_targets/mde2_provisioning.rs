//! `ProvisioningDoc::from_xml` on arbitrary bytes: no panic; the typed views never panic; a
//! document it accepts encodes, reads back equal, and encodes to the same bytes again
//! (decode → encode → decode → encode is stable).

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::windows::enroll::provisioning::ProvisioningDoc;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = ProvisioningDoc::from_xml(data) else {
        return;
    };
    let _ = doc.root_certificates();
    let _ = doc.intermediate_certificates();
    let _ = doc.client_certificate();
    let _ = doc.renewal();
    if let Ok(Some(app)) = doc.application_w7() {
        let _ = doc.dm_client_provider(&app.provider_id);
    }
    let xml = doc.to_xml().expect("a decoded document encodes");
    let again = ProvisioningDoc::from_xml(xml.as_bytes()).expect("the encoding reads back");
    assert_eq!(
        again, doc,
        "decode -> encode -> decode changed the document"
    );
    assert_eq!(
        again.to_xml().expect("encodes again"),
        xml,
        "encoding is not stable"
    );
    let b64 = doc.to_base64().expect("base64 form");
    assert_eq!(
        ProvisioningDoc::from_base64(b64.as_bytes()).expect("base64 form reads back"),
        doc
    );
});
