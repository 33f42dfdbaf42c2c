//! The MS-MDE2 provisioning document (`wap-provisioningdoc`): the typed builder writes Microsoft's
//! layout and order byte for byte, the typed views read every value back, the builder's rules
//! each give their typed error, the generic model round-trips (hand-made and random trees), the
//! real Fleet capture decodes with its facts and re-encodes byte-identically (with
//! `MDMKIT_CORPUS`), and hostile inputs get typed errors without panics.
//!
//! Fixtures here are written by hand; certificates are placeholder DER bytes (the document
//! carries them opaquely, base64).

#![cfg(feature = "windows")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdmkit::windows::enroll::provisioning::{
    AppAuth, CertStore, Characteristic, DmClientProvider, MAX_TREE_DEPTH, Node, Parm, Poll,
    ProvisioningDoc, Renewal, W7Application,
};
use mdmkit::windows::syncml::{Attribute, RawXml};
use mdmkit::{BuildError, DecodeErrorKind, Limit, Limits};
use proptest::prelude::*;

const ROOT_TP: &str = "D9A88E04AF18A4D399CEE62F2C71469C3AE1E675";
const CA_TP: &str = "0123456789ABCDEF0123456789ABCDEF01234567";
const CLIENT_TP: &str = "8F2EBD13F3612D7C48C30E24CC73A88492613849";

fn small_app() -> W7Application {
    let mut app = W7Application::new("MDMKIT", "https://mdm.example/MDM.svc");
    app.name = Some("Example".into());
    app.client_auth = Some(AppAuth::digest("c-secret", "Y25vbmNl"));
    app.server_auth = Some(AppAuth::digest("s-secret", "c25vbmNl").with_name("dev"));
    app
}

fn small_provider() -> DmClientProvider {
    let mut poll = Poll::default();
    poll.number_of_first_retries = Some(8);
    poll.poll_on_login = Some(true);
    let mut p = DmClientProvider::new("MDMKIT");
    p.ent_dm_id = Some("dev-1".into());
    p.poll = Some(poll);
    p
}

fn small_doc() -> ProvisioningDoc {
    ProvisioningDoc::builder()
        .root_certificate(ROOT_TP, vec![1, 2, 3])
        .client_certificate(CertStore::System, CLIENT_TP, vec![4, 5, 6])
        .renewal(Renewal::new(true, 60, 4))
        .application(small_app())
        .dm_client(small_provider())
        .build()
        .unwrap()
}

/// The order chosen: Microsoft's enrollment samples (CertificateStore Root, My with the client
/// certificate, PrivateKeyContainer and WSTEP/Renew; APPLICATION with APPID first and the two
/// APPAUTH blocks last; DMClient/Provider with its parms before Poll).
const SMALL_XML: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<wap-provisioningdoc version="1.1">"#,
    r#"<characteristic type="CertificateStore">"#,
    r#"<characteristic type="Root"><characteristic type="System">"#,
    r#"<characteristic type="D9A88E04AF18A4D399CEE62F2C71469C3AE1E675">"#,
    r#"<parm name="EncodedCertificate" value="AQID" /></characteristic>"#,
    r#"</characteristic></characteristic>"#,
    r#"<characteristic type="My"><characteristic type="System">"#,
    r#"<characteristic type="8F2EBD13F3612D7C48C30E24CC73A88492613849">"#,
    r#"<parm name="EncodedCertificate" value="BAUG" /></characteristic>"#,
    r#"<characteristic type="PrivateKeyContainer" /></characteristic>"#,
    r#"<characteristic type="WSTEP"><characteristic type="Renew">"#,
    r#"<parm name="ROBOSupport" value="true" datatype="boolean" />"#,
    r#"<parm name="RenewPeriod" value="60" datatype="integer" />"#,
    r#"<parm name="RetryInterval" value="4" datatype="integer" />"#,
    r#"</characteristic></characteristic></characteristic>"#,
    r#"</characteristic>"#,
    r#"<characteristic type="APPLICATION">"#,
    r#"<parm name="APPID" value="w7" />"#,
    r#"<parm name="PROVIDER-ID" value="MDMKIT" />"#,
    r#"<parm name="NAME" value="Example" />"#,
    r#"<parm name="ADDR" value="https://mdm.example/MDM.svc" />"#,
    r#"<parm name="CONNRETRYFREQ" value="6" />"#,
    r#"<parm name="INITIALBACKOFFTIME" value="30000" />"#,
    r#"<parm name="MAXBACKOFFTIME" value="120000" />"#,
    r#"<parm name="BACKCOMPATRETRYDISABLED" />"#,
    r#"<parm name="DEFAULTENCODING" value="application/vnd.syncml.dm+xml" />"#,
    r#"<characteristic type="APPAUTH">"#,
    r#"<parm name="AAUTHLEVEL" value="CLIENT" />"#,
    r#"<parm name="AAUTHTYPE" value="DIGEST" />"#,
    r#"<parm name="AAUTHSECRET" value="c-secret" />"#,
    r#"<parm name="AAUTHDATA" value="Y25vbmNl" />"#,
    r#"</characteristic>"#,
    r#"<characteristic type="APPAUTH">"#,
    r#"<parm name="AAUTHLEVEL" value="APPSRV" />"#,
    r#"<parm name="AAUTHTYPE" value="DIGEST" />"#,
    r#"<parm name="AAUTHNAME" value="dev" />"#,
    r#"<parm name="AAUTHSECRET" value="s-secret" />"#,
    r#"<parm name="AAUTHDATA" value="c25vbmNl" />"#,
    r#"</characteristic>"#,
    r#"</characteristic>"#,
    r#"<characteristic type="DMClient"><characteristic type="Provider">"#,
    r#"<characteristic type="MDMKIT">"#,
    r#"<parm name="EntDMID" value="dev-1" />"#,
    r#"<characteristic type="Poll">"#,
    r#"<parm name="NumberOfFirstRetries" value="8" datatype="integer" />"#,
    r#"<parm name="PollOnLogin" value="true" datatype="boolean" />"#,
    r#"</characteristic></characteristic></characteristic></characteristic>"#,
    r#"</wap-provisioningdoc>"#,
);

#[test]
fn small_doc_exact_xml_and_order() {
    let doc = small_doc();
    let xml = doc.to_xml().unwrap();
    assert_eq!(xml, SMALL_XML);
    let back = ProvisioningDoc::from_xml(xml.as_bytes()).unwrap();
    assert_eq!(back, doc);
    // The base64 form decodes to the same document.
    let b64 = doc.to_base64().unwrap();
    assert_eq!(ProvisioningDoc::from_base64(b64.as_bytes()).unwrap(), doc);
}

#[test]
fn full_doc_round_trip_and_views() {
    let mut app = small_app();
    app.server_list = Some("https://mdm.example/ServerList.svc".into());
    app.role = Some(u32::MAX);
    app.default_encoding = Some("application/vnd.syncml.dm+wbxml".into());
    app.ssl_client_cert_search_criteria =
        Some("Subject=CN%3DB5B954E81FBCB94EB79BD08BE625F4EE&Stores=MY%5CSystem".into());
    app.extra = vec![
        Parm::new("CRLCheck", "0").into(),
        Parm::new("SSPHyperlink", "https://mdm.example/app").into(),
    ];
    let mut client = app.client_auth.take().unwrap();
    client.extra.push(Parm::new("AAUTHFUTURE", "x"));
    app.client_auth = Some(client);

    let mut poll = Poll::default();
    poll.number_of_first_retries = Some(8);
    poll.interval_for_first_set_of_retries = Some(15);
    poll.number_of_second_retries = Some(5);
    poll.interval_for_second_set_of_retries = Some(3);
    poll.number_of_remaining_scheduled_retries = Some(0);
    poll.interval_for_remaining_scheduled_retries = Some(1560);
    poll.poll_on_login = Some(true);
    poll.all_users_poll_on_first_login = Some(false);
    poll.extra.push(Parm::integer("FuturePoll", 1));
    let mut provider = DmClientProvider::new("MDMKIT");
    provider.ent_dm_id = Some("B5B954E81FBCB94EB79BD08BE625F4EE".into());
    provider.sync_application_version = Some("3.0".into());
    provider.extra = vec![
        Parm::new("EntDeviceName", "Administrator_Windows")
            .with_datatype("string")
            .into(),
        Characteristic::new("Push")
            .with(Parm::new("PFN", "Contoso.App_8wekyb3d8bbwe"))
            .into(),
    ];
    provider.poll = Some(poll);

    let mut renewal = Renewal::new(true, 60, 4);
    renewal
        .extra
        .push(Parm::new("ServerURL", "https://mdm.example/discovery"));

    let registry = Characteristic::new("Registry").with(
        Characteristic::new(r"HKLM\Security\MachineEnrollment")
            .with(Parm::integer("RenewalPeriod", 363)),
    );

    let doc = ProvisioningDoc::builder()
        .root_certificate(ROOT_TP, vec![0x30, 1])
        .root_certificate(CA_TP, vec![0x30, 2])
        .intermediate_certificate(CLIENT_TP, vec![0x30, 3])
        .client_certificate(CertStore::User, CLIENT_TP, vec![0x30, 4])
        .renewal(renewal.clone())
        .application(app.clone())
        .dm_client(provider.clone())
        .characteristic(registry.clone())
        .build()
        .unwrap();
    let xml = doc.to_xml().unwrap();
    let back = ProvisioningDoc::from_xml(xml.as_bytes()).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.to_xml().unwrap(), xml);

    let roots = back.root_certificates().unwrap();
    assert_eq!(roots.len(), 2);
    assert_eq!(
        (roots[0].thumbprint.as_str(), &roots[0].der[..]),
        (ROOT_TP, &[0x30, 1][..])
    );
    assert_eq!(
        (roots[1].thumbprint.as_str(), &roots[1].der[..]),
        (CA_TP, &[0x30, 2][..])
    );
    let cas = back.intermediate_certificates().unwrap();
    assert_eq!(
        (cas[0].thumbprint.as_str(), &cas[0].der[..]),
        (CLIENT_TP, &[0x30, 3][..])
    );
    let c = back.client_certificate().unwrap().unwrap();
    assert_eq!(c.store, CertStore::User);
    assert_eq!(
        (c.thumbprint.as_str(), &c.der[..]),
        (CLIENT_TP, &[0x30, 4][..])
    );
    assert_eq!(back.renewal().unwrap(), Some(renewal));
    assert_eq!(back.application_w7().unwrap(), Some(app));
    assert_eq!(back.dm_client_provider("MDMKIT").unwrap(), Some(provider));
    assert_eq!(back.dm_client_provider("OTHER").unwrap(), None);
    assert_eq!(
        back.characteristics_at(&["Registry"]).next(),
        Some(&registry)
    );
    // The `&` of the search criteria is escaped once by the writer.
    assert!(xml.contains("Subject=CN%3DB5B954E81FBCB94EB79BD08BE625F4EE&amp;Stores=MY%5CSystem"));
    // Top-level order: CertificateStore, APPLICATION, DMClient, extras.
    let types: Vec<&str> = back.characteristics().map(|c| c.r#type.as_str()).collect();
    assert_eq!(
        types,
        ["CertificateStore", "APPLICATION", "DMClient", "Registry"]
    );
}

#[test]
fn renewal_is_on_by_default_and_can_be_left_out() {
    let b = || {
        ProvisioningDoc::builder()
            .root_certificate(ROOT_TP, vec![1])
            .application(small_app())
    };
    let on = b().build().unwrap();
    assert_eq!(on.renewal().unwrap(), Some(Renewal::default()));
    assert!(on.to_xml().unwrap().contains(
        r#"<characteristic type="WSTEP"><characteristic type="Renew"><parm name="ROBOSupport" value="true" datatype="boolean" /><parm name="RenewPeriod" value="42" datatype="integer" /><parm name="RetryInterval" value="7" datatype="integer" />"#
    ));
    let off = b().without_renewal().build().unwrap();
    assert_eq!(off.renewal().unwrap(), None);
    assert!(!off.to_xml().unwrap().contains("\"My\""));
    assert_eq!(off.client_certificate().unwrap(), None);
}

#[test]
fn secrets_stay_out_of_debug() {
    let doc = small_doc();
    let dbg = format!("{doc:?}");
    assert!(
        !dbg.contains("c-secret") && !dbg.contains("s-secret"),
        "{dbg}"
    );
    assert!(dbg.contains("AAUTHSECRET"));
    let app = doc.application_w7().unwrap().unwrap();
    let dbg = format!("{app:?}");
    assert!(
        !dbg.contains("c-secret") && !dbg.contains("s-secret"),
        "{dbg}"
    );
    assert_eq!(
        app.server_auth.unwrap().secret.unwrap().expose(),
        "s-secret"
    );
    assert!(!format!("{:?}", Parm::new("PFXCertPassword", "pw1")).contains("pw1"));
}

fn builder_ok() -> mdmkit::windows::enroll::provisioning::ProvisioningDocBuilder {
    ProvisioningDoc::builder()
        .root_certificate(ROOT_TP, vec![1])
        .application(small_app())
}

fn invalid_path(r: Result<ProvisioningDoc, BuildError>) -> String {
    match r {
        Err(BuildError::Invalid { path, .. }) => path,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn builder_rules() {
    assert!(builder_ok().build().is_ok());

    let e = ProvisioningDoc::builder().application(small_app()).build();
    assert!(
        matches!(e, Err(BuildError::MissingKey { path }) if path == "CertificateStore.Root.System")
    );

    let e = ProvisioningDoc::builder()
        .root_certificate(ROOT_TP, vec![1])
        .build();
    assert!(matches!(e, Err(BuildError::MissingKey { path }) if path == "APPLICATION"));

    let lower = ROOT_TP.to_ascii_lowercase();
    let e = ProvisioningDoc::builder()
        .root_certificate(&lower, vec![1])
        .application(small_app())
        .build();
    assert_eq!(
        invalid_path(e),
        format!("CertificateStore.Root.System.{lower}")
    );
    let e = builder_ok().root_certificate("ABC", vec![1]).build();
    assert_eq!(invalid_path(e), "CertificateStore.Root.System.ABC");
    let e = builder_ok().root_certificate(ROOT_TP, vec![2]).build();
    assert_eq!(
        invalid_path(e),
        format!("CertificateStore.Root.System.{ROOT_TP}")
    );
    let e = builder_ok()
        .intermediate_certificate("XYZ", vec![1])
        .build();
    assert_eq!(invalid_path(e), "CertificateStore.CA.System.XYZ");
    let e = builder_ok()
        .client_certificate(CertStore::User, "0x12", vec![1])
        .build();
    assert_eq!(invalid_path(e), "CertificateStore.My.User.0x12");

    let e = builder_ok()
        .client_certificate(CertStore::System, CLIENT_TP, Vec::new())
        .build();
    assert!(matches!(e, Err(BuildError::Empty { path })
        if path == format!("CertificateStore.My.System.{CLIENT_TP}.EncodedCertificate")));

    let mut app = small_app();
    app.provider_id.clear();
    let e = builder_ok().application(app).build();
    assert!(matches!(e, Err(BuildError::Empty { path }) if path == "APPLICATION.PROVIDER-ID"));

    for addr in [
        "http://mdm.example/MDM.svc",
        "mdm.example",
        "https://",
        "https:///x",
        "",
    ] {
        let mut app = small_app();
        app.addr = addr.into();
        let e = builder_ok().application(app).build();
        assert_eq!(invalid_path(e), "APPLICATION.ADDR", "{addr}");
    }
    let mut app = small_app();
    app.addr = "http://127.0.0.1:8080/MDM.svc".into();
    assert!(
        builder_ok()
            .application(app.clone())
            .danger_allow_http_addr()
            .build()
            .is_ok()
    );

    let mut app = small_app();
    app.client_auth = None;
    let e = builder_ok().application(app).build();
    assert!(
        matches!(e, Err(BuildError::MissingKey { path }) if path == "APPLICATION.APPAUTH.CLIENT")
    );
    let mut app = small_app();
    app.server_auth = None;
    let e = builder_ok().application(app).build();
    assert!(
        matches!(e, Err(BuildError::MissingKey { path }) if path == "APPLICATION.APPAUTH.APPSRV")
    );

    let e = builder_ok()
        .dm_client(DmClientProvider::new("OTHER"))
        .build();
    assert_eq!(invalid_path(e), "DMClient.Provider.OTHER");

    for (r, field) in [
        (Renewal::new(true, 0, 1), "RenewPeriod"),
        (Renewal::new(true, 1001, 7), "RenewPeriod"),
        (Renewal::new(true, 42, 0), "RetryInterval"),
        (Renewal::new(true, 7, 42), "RetryInterval"),
    ] {
        let e = builder_ok().renewal(r).build();
        assert_eq!(
            invalid_path(e),
            format!("CertificateStore.My.WSTEP.Renew.{field}")
        );
    }

    let mut app = small_app();
    app.name = Some("bell\u{7}".into());
    let e = builder_ok().application(app).build();
    assert!(matches!(e, Err(BuildError::Encode { .. })), "{e:?}");
}

#[test]
fn encoder_refuses_what_would_not_read_back() {
    let mut doc = ProvisioningDoc::new();
    let mut c = Characteristic::new("A");
    c.push(Parm::new("P", "nul\u{0}"));
    doc.nodes.push(c.into());
    let e = doc.to_xml().unwrap_err();
    assert!(
        matches!(&e, mdmkit::EncodeError::InvalidXmlChar { path } if path == "A.P.@value"),
        "{e:?}"
    );

    for bad in ["xmlns", "a:b", "type", "", "1x"] {
        let mut c = Characteristic::new("A");
        c.attributes.push(Attribute::new(None, bad, "v"));
        let mut doc = ProvisioningDoc::new();
        doc.nodes.push(c.into());
        assert!(doc.to_xml().is_err(), "{bad}");
    }
    let mut c = Characteristic::new("A");
    c.attributes.push(Attribute::new(None, "x", "1"));
    c.attributes.push(Attribute::new(None, "x", "2"));
    let mut doc = ProvisioningDoc::new();
    doc.nodes.push(c.into());
    assert!(doc.to_xml().is_err());
}

#[test]
fn generic_model_keeps_order_queries_and_unknowns() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<wap-provisioningdoc version="1.1" x-extra="1">
  <characteristic type="DMClient">
    <characteristic type="Provider">
      <characteristic type="TestMDMServer">
        <parm name="UPN" value="user@contoso.com" datatype="string"/>
        <characteristic type="Poll">
          <parm name="NumberOfFirstRetries" value="8" datatype="integer"/>
        </characteristic>
        <parm name="EntDeviceName" value="Administrator_Windows" datatype="string"/>
      </characteristic>
    </characteristic>
  </characteristic>
  <characteristic-query type="Registry" recursive="true"/>
  <nocharacteristic type="Old"/>
  <characteristic type="X"><parm-query name="Q"/><parm name="E" value=""/><parm name="F"></parm></characteristic>
  <x:future xmlns:x="urn:future"><x:a>1</x:a></x:future>
</wap-provisioningdoc>
"#;
    let doc = ProvisioningDoc::from_xml(xml.as_bytes()).unwrap();
    assert_eq!(doc.version.as_deref(), Some("1.1"));
    assert_eq!(doc.attributes, [Attribute::new(None, "x-extra", "1")]);
    assert_eq!(doc.nodes.len(), 5);
    let provider = doc
        .characteristics_at(&["DMClient", "Provider", "TestMDMServer"])
        .next()
        .unwrap();
    let kinds: Vec<String> = provider
        .nodes
        .iter()
        .map(|n| match n {
            Node::Parm(p) => format!("parm {}", p.name),
            Node::Characteristic(c) => format!("characteristic {}", c.r#type),
            Node::Other(r) => format!("other {}", r.local_name()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        kinds,
        ["parm UPN", "characteristic Poll", "parm EntDeviceName"]
    );
    // The typed view keeps the unknown parms in order around Poll.
    let typed = doc.dm_client_provider("TestMDMServer").unwrap().unwrap();
    assert_eq!(
        typed.poll.as_ref().unwrap().number_of_first_retries,
        Some(8)
    );
    assert_eq!(typed.extra.len(), 2);
    assert!(
        matches!(&doc.nodes[1], Node::Other(r) if r.as_xml() == r#"<characteristic-query type="Registry" recursive="true"/>"#)
    );
    assert!(matches!(&doc.nodes[2], Node::Other(r) if r.local_name() == "nocharacteristic"));
    let x = doc.characteristics_at(&["X"]).next().unwrap();
    assert!(matches!(&x.nodes[0], Node::Other(r) if r.local_name() == "parm-query"));
    assert_eq!(x.parm("E").unwrap().value.as_deref(), Some(""));
    assert_eq!(x.parm("F").unwrap().value, None);
    assert!(matches!(&doc.nodes[4], Node::Other(r) if r.local_name() == "future"));

    let out = doc.to_xml().unwrap();
    assert_eq!(ProvisioningDoc::from_xml(out.as_bytes()).unwrap(), doc);
    assert!(out.contains(r#"<nocharacteristic type="Old"/>"#));
    assert!(out.contains(r#"<parm name="E" value="" /><parm name="F" />"#));
}

#[test]
fn views_report_typed_errors_with_paths() {
    let doc = |body: &str| {
        ProvisioningDoc::from_xml(
            format!("<wap-provisioningdoc>{body}</wap-provisioningdoc>").as_bytes(),
        )
        .unwrap()
    };
    let d = doc(
        r#"<characteristic type="CertificateStore"><characteristic type="Root"><characteristic type="System"><characteristic type="AB"><parm name="EncodedCertificate" value="%%%"/></characteristic></characteristic></characteristic></characteristic>"#,
    );
    let e = d.root_certificates().unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidValue("base64"));
    assert_eq!(
        e.path(),
        "CertificateStore.Root.System.AB.EncodedCertificate"
    );

    // Store names are compared without case (the CSP is case-insensitive); base64 may wrap.
    let d = doc(
        r#"<characteristic type="CertificateStore"><characteristic type="ROOT"><characteristic type="system"><characteristic type="AB"><parm name="EncodedCertificate" value="AQ&#10;ID"/></characteristic></characteristic></characteristic></characteristic>"#,
    );
    assert_eq!(d.root_certificates().unwrap()[0].der, [1, 2, 3]);

    let d = doc(
        r#"<characteristic type="CertificateStore"><characteristic type="Root"><characteristic type="System"><characteristic type="AB"/></characteristic></characteristic></characteristic>"#,
    );
    assert_eq!(
        d.root_certificates().unwrap_err().kind(),
        &DecodeErrorKind::MissingKey
    );

    let d = doc(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w7"/><parm name="PROVIDER-ID" value="A"/></characteristic>"#,
    );
    let e = d.application_w7().unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (&DecodeErrorKind::MissingKey, "APPLICATION.ADDR")
    );

    let d = doc(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w7"/><parm name="PROVIDER-ID" value="A"/><parm name="ADDR" value="https://x"/><parm name="ADDR" value="https://y"/></characteristic>"#,
    );
    let e = d.application_w7().unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (&DecodeErrorKind::DuplicateKey, "APPLICATION.ADDR")
    );

    let d = doc(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w7"/><parm name="PROVIDER-ID" value="A"/><parm name="ADDR" value="https://x"/><parm name="ROLE" value="-1"/></characteristic>"#,
    );
    let e = d.application_w7().unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (
            &DecodeErrorKind::InvalidValue("integer"),
            "APPLICATION.ROLE"
        )
    );

    // An APPLICATION that is not w7 is not the OMA DM account.
    let d = doc(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w4"/></characteristic>"#,
    );
    assert_eq!(d.application_w7().unwrap(), None);

    let d = doc(
        r#"<characteristic type="DMClient"><characteristic type="Provider"><characteristic type="P"><characteristic type="Poll"><parm name="PollOnLogin" value="yes" datatype="boolean"/></characteristic></characteristic></characteristic></characteristic>"#,
    );
    let e = d.dm_client_provider("P").unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (
            &DecodeErrorKind::InvalidValue("boolean"),
            "DMClient.Provider.P.Poll.PollOnLogin"
        )
    );

    // Renew with parms missing takes Windows' defaults.
    let d = doc(
        r#"<characteristic type="CertificateStore"><characteristic type="My"><characteristic type="WSTEP"><characteristic type="Renew"><parm name="RenewPeriod" value="30" datatype="integer"/></characteristic></characteristic></characteristic></characteristic>"#,
    );
    assert_eq!(d.renewal().unwrap(), Some(Renewal::new(true, 30, 7)));
}

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

fn kind_of(input: &[u8]) -> DecodeErrorKind {
    ProvisioningDoc::from_xml(input).unwrap_err().kind().clone()
}

#[test]
fn hostile_inputs_get_typed_errors() {
    use DecodeErrorKind as K;
    assert_eq!(
        kind_of(br#"<!DOCTYPE wap-provisioningdoc [<!ENTITY x "y">]><wap-provisioningdoc>&x;</wap-provisioningdoc>"#),
        K::DoctypeForbidden
    );
    assert_eq!(
        kind_of(
            br#"<!DOCTYPE wap-provisioningdoc SYSTEM "file:///etc/passwd"><wap-provisioningdoc/>"#
        ),
        K::DoctypeForbidden
    );
    // Even SyncML's public DOCTYPE, which the shared reader allows for SyncML.
    assert_eq!(
        kind_of(br#"<?xml version="1.0"?><!-- c --><!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN"><wap-provisioningdoc/>"#),
        K::DoctypeForbidden
    );
    assert_eq!(
        kind_of(br#"<wap-provisioningdoc><characteristic type="&ent;"/></wap-provisioningdoc>"#),
        K::EntityForbidden
    );
    assert_eq!(
        kind_of(b"<wap-provisioningdoc>\xff</wap-provisioningdoc>"),
        K::InvalidUtf8
    );
    assert_eq!(
        kind_of(br#"<?xml version="1.0" encoding="UTF-16"?><wap-provisioningdoc/>"#),
        K::UnsupportedEncoding
    );
    assert!(matches!(kind_of(b"<SyncML/>"), K::WrongType { .. }));
    assert!(matches!(
        kind_of(br#"<wap-provisioningdoc xmlns="urn:x"/>"#),
        K::WrongType { .. }
    ));
    assert_eq!(kind_of(b""), K::UnexpectedEof);
    assert_eq!(kind_of(b"   "), K::UnexpectedEof);
    assert_eq!(kind_of(b"<wap-provisioningdoc/><x/>"), K::TrailingData);
    assert!(matches!(
        kind_of(b"<wap-provisioningdoc>text</wap-provisioningdoc>"),
        K::WrongType { found: "text", .. }
    ));
    let e = ProvisioningDoc::from_xml(
        br#"<wap-provisioningdoc><characteristic type="A"><characteristic type="B"><parm name="P" value="1">x</parm></characteristic></characteristic></wap-provisioningdoc>"#,
    )
    .unwrap_err();
    assert!(matches!(
        e.kind(),
        K::WrongType {
            expected: "empty element",
            ..
        }
    ));
    assert_eq!(e.path(), "A.B.P");
    let e = ProvisioningDoc::from_xml(br#"<wap-provisioningdoc><characteristic type="A"><characteristic/></characteristic></wap-provisioningdoc>"#).unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (&K::MissingKey, "A.characteristic@type")
    );
    let e = ProvisioningDoc::from_xml(
        br#"<wap-provisioningdoc><parm value="1"/></wap-provisioningdoc>"#,
    )
    .unwrap_err();
    assert_eq!((e.kind(), e.path()), (&K::MissingKey, "parm@name"));
    assert_eq!(
        kind_of(br#"<wap-provisioningdoc><parm name="a" name="b"/></wap-provisioningdoc>"#),
        K::Syntax
    );
    assert_eq!(
        kind_of(br#"<wap-provisioningdoc><x:a/></wap-provisioningdoc>"#),
        K::Syntax
    );
    assert_eq!(
        kind_of(br#"<wap-provisioningdoc><characteristic type="a"></parm></wap-provisioningdoc>"#),
        K::Syntax
    );
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let n = 100_000;
    let mut xml = String::from("<wap-provisioningdoc>");
    for _ in 0..n {
        xml.push_str(r#"<characteristic type="a">"#);
    }
    for _ in 0..n {
        xml.push_str("</characteristic>");
    }
    xml.push_str("</wap-provisioningdoc>");
    assert_eq!(
        kind_of(xml.as_bytes()),
        DecodeErrorKind::LimitExceeded(Limit::Depth)
    );
    // Even when the caller's limits allow it, the tree depth is capped.
    let loose = Limits::default()
        .with_max_depth(1_000_000)
        .with_max_input_bytes(64 << 20);
    let e = ProvisioningDoc::from_xml_with_limits(xml.as_bytes(), &loose).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::Depth));
    // At the cap, it decodes (and encodes without recursion).
    let mut ok = String::from("<wap-provisioningdoc>");
    for _ in 0..MAX_TREE_DEPTH {
        ok.push_str(r#"<characteristic type="a">"#);
    }
    for _ in 0..MAX_TREE_DEPTH {
        ok.push_str("</characteristic>");
    }
    ok.push_str("</wap-provisioningdoc>");
    let doc = ProvisioningDoc::from_xml_with_limits(ok.as_bytes(), &loose).unwrap();
    let again = ProvisioningDoc::from_xml_with_limits(doc.to_xml().unwrap().as_bytes(), &loose);
    assert!(again.is_ok());
    // Wide is fine.
    let wide = format!(
        "<wap-provisioningdoc>{}</wap-provisioningdoc>",
        r#"<characteristic type="a"/>"#.repeat(100_000)
    );
    assert_eq!(
        ProvisioningDoc::from_xml(wide.as_bytes())
            .unwrap()
            .nodes
            .len(),
        100_000
    );
}

#[test]
fn sizes_are_limited() {
    let big = "A".repeat(2 << 20);
    let xml = format!(
        r#"<wap-provisioningdoc><parm name="EncodedCertificate" value="{big}"/></wap-provisioningdoc>"#
    );
    assert_eq!(
        kind_of(xml.as_bytes()),
        DecodeErrorKind::LimitExceeded(Limit::StringBytes)
    );
    let small = Limits::default().with_max_input_bytes(64);
    let e = ProvisioningDoc::from_xml_with_limits(SMALL_XML.as_bytes(), &small).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::InputBytes));
    let b64 = small_doc().to_base64().unwrap();
    let e = ProvisioningDoc::from_base64_with_limits(b64.as_bytes(), &small).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::InputBytes));
    let few = Limits::default().with_max_items(5);
    let e = ProvisioningDoc::from_xml_with_limits(SMALL_XML.as_bytes(), &few).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::LimitExceeded(Limit::Items));
    assert_eq!(
        ProvisioningDoc::from_base64(b"not base64!")
            .unwrap_err()
            .kind(),
        &DecodeErrorKind::InvalidValue("base64")
    );
}

#[test]
fn every_truncation_is_a_typed_error() {
    let xml = SMALL_XML.as_bytes();
    for end in 0..xml.len() {
        let e = ProvisioningDoc::from_xml(&xml[..end]);
        assert!(e.is_err(), "prefix of {end} bytes decoded");
    }
    assert!(ProvisioningDoc::from_xml(xml).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

fn xml_char(c: &char) -> bool {
    matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ._/:+=-]{0,12}",
        proptest::collection::vec(any::<char>().prop_filter("xml char", xml_char), 0..10)
            .prop_map(String::from_iter),
        Just("a&b<c>\"d'\t\r\n e".to_owned()),
    ]
}

fn extra_attrs() -> impl Strategy<Value = Vec<Attribute>> {
    proptest::collection::btree_map("x-[a-z]{1,4}", text(), 0..3).prop_flat_map(|m| {
        let plain: Vec<Attribute> = m
            .into_iter()
            .map(|(k, v)| Attribute::new(None, k, v))
            .collect();
        (Just(plain), proptest::option::of(text())).prop_map(|(mut a, ns)| {
            if let Some(v) = ns {
                a.push(Attribute::new(Some("urn:mdmkit:test"), "t", v));
            }
            a
        })
    })
}

fn parm() -> impl Strategy<Value = Parm> {
    (
        text(),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            Just("integer"),
            Just("boolean"),
            Just("string")
        ]),
        extra_attrs(),
    )
        .prop_map(|(name, value, datatype, attributes)| {
            let mut p = Parm::flag(name);
            p.value = value;
            p.datatype = datatype.map(str::to_owned);
            p.attributes = attributes;
            p
        })
}

fn other() -> impl Strategy<Value = RawXml> {
    prop_oneof![
        Just(r#"<characteristic-query type="Registry"/>"#),
        Just(r#"<nocharacteristic type="Old"></nocharacteristic>"#),
        Just(r#"<parm-query name="Q"/>"#),
        Just(r#"<f:x xmlns:f="urn:f" a="1"><f:y>t&amp;u</f:y></f:x>"#),
    ]
    .prop_map(|s| RawXml::from_xml(s).unwrap())
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        parm().prop_map(Node::Parm),
        other().prop_map(Node::Other),
        text().prop_map(|t| Node::Characteristic(Characteristic::new(t))),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        (
            text(),
            extra_attrs(),
            proptest::collection::vec(inner, 0..5),
        )
            .prop_map(|(t, attributes, nodes)| {
                let mut c = Characteristic::new(t);
                c.attributes = attributes;
                c.nodes = nodes;
                Node::Characteristic(c)
            })
    })
}

fn doc() -> impl Strategy<Value = ProvisioningDoc> {
    (
        proptest::option::of(text()),
        extra_attrs(),
        proptest::collection::vec(node(), 0..5),
    )
        .prop_map(|(version, attributes, nodes)| {
            let mut d = ProvisioningDoc::new();
            d.version = version;
            d.attributes = attributes;
            d.nodes = nodes;
            d
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_docs_round_trip(d in doc()) {
        let xml = d.to_xml().unwrap();
        let back = ProvisioningDoc::from_xml(xml.as_bytes()).unwrap();
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(back.to_xml().unwrap(), xml);
    }

    #[test]
    fn random_builder_values_read_back(
        name in text(),
        id in "[A-Za-z0-9 ]{1,16}",
        renew in 1u32..=1000,
        retry_frac in 0.0f64..1.0,
        poll in proptest::collection::vec(proptest::option::of(any::<u32>()), 6),
        on_login in proptest::option::of(any::<bool>()),
        secret in text(),
    ) {
        let retry = ((f64::from(renew) * retry_frac) as u32).max(1);
        let mut app = W7Application::new(id.clone(), "https://mdm.example/x");
        app.name = Some(name);
        app.client_auth = Some(AppAuth::digest(secret.clone(), "bm9uY2U="));
        app.server_auth = Some(AppAuth::digest(secret, "bm9uY2U=").with_name("u"));
        let mut p = Poll::default();
        p.number_of_first_retries = poll[0];
        p.interval_for_first_set_of_retries = poll[1];
        p.number_of_second_retries = poll[2];
        p.interval_for_second_set_of_retries = poll[3];
        p.number_of_remaining_scheduled_retries = poll[4];
        p.interval_for_remaining_scheduled_retries = poll[5];
        p.poll_on_login = on_login;
        let mut provider = DmClientProvider::new(id.clone());
        provider.poll = Some(p);
        let renewal = Renewal::new(retry.is_multiple_of(2), renew, retry);
        let doc = ProvisioningDoc::builder()
            .root_certificate(ROOT_TP, vec![1, 2])
            .application(app.clone())
            .dm_client(provider.clone())
            .renewal(renewal.clone())
            .build()
            .unwrap();
        let back = ProvisioningDoc::from_base64(doc.to_base64().unwrap().as_bytes()).unwrap();
        prop_assert_eq!(back.application_w7().unwrap(), Some(app));
        prop_assert_eq!(back.dm_client_provider(&id).unwrap(), Some(provider));
        prop_assert_eq!(back.renewal().unwrap(), Some(renewal));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ProvisioningDoc::from_xml(&bytes);
        let _ = ProvisioningDoc::from_base64(&bytes);
    }

    #[test]
    fn mutated_docs_never_panic(i in 0usize..4096, b in any::<u8>(), cut in 0usize..4096) {
        let mut bytes = SMALL_XML.as_bytes().to_vec();
        let n = bytes.len();
        bytes[i % n] = b;
        bytes.truncate(n - cut % n);
        if let Ok(d) = ProvisioningDoc::from_xml(&bytes) {
            let _ = d.application_w7();
            let _ = d.root_certificates();
            let _ = d.client_certificate();
            let _ = d.renewal();
            let _ = d.dm_client_provider("MDMKIT");
            let xml = d.to_xml().unwrap();
            prop_assert_eq!(ProvisioningDoc::from_xml(xml.as_bytes()).unwrap(), d);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Corpus: the real Fleet capture
// ---------------------------------------------------------------------------------------------

/// The base64 text of the provisioning document inside the RSTRC (a plain string search: the
/// SOAP decoder lives elsewhere).
fn fleet_token(dir: &std::path::Path) -> String {
    let rstr = std::fs::read_to_string(dir.join("files/fleet-dump-rstr-resp.xml")).unwrap();
    let start = rstr
        .find("<BinarySecurityToken")
        .expect("BinarySecurityToken");
    let open_end = start + rstr[start..].find('>').unwrap() + 1;
    let close = open_end + rstr[open_end..].find("</BinarySecurityToken>").unwrap();
    rstr[open_end..close].trim().to_owned()
}

#[test]
fn corpus_fleet_provisioning_doc() {
    let Some(dir) = std::env::var_os("MDMKIT_CORPUS").map(std::path::PathBuf::from) else {
        eprintln!("skipped: MDMKIT_CORPUS is not set");
        return;
    };
    use base64::Engine as _;
    let token = fleet_token(&dir);
    let xml = base64::engine::general_purpose::STANDARD
        .decode(token.as_bytes())
        .unwrap();
    let doc = ProvisioningDoc::from_base64(token.as_bytes()).unwrap();
    assert_eq!(doc, ProvisioningDoc::from_xml(&xml).unwrap());
    assert_eq!(doc.version.as_deref(), Some("1.1"));

    let roots = doc.root_certificates().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(
        roots[0].thumbprint,
        "D9A88E04AF18A4D399CEE62F2C71469C3AE1E675"
    );
    assert_eq!(&roots[0].der[..2], [0x30, 0x82]);
    assert_eq!(roots[0].der.len(), 1362);
    let client = doc.client_certificate().unwrap().unwrap();
    assert_eq!(client.store, CertStore::User);
    assert_eq!(
        client.thumbprint,
        "8F2EBD13F3612D7C48C30E24CC73A88492613849"
    );
    assert_eq!(&client.der[..2], [0x30, 0x82]);
    assert!(doc.intermediate_certificates().unwrap().is_empty());
    assert_eq!(
        doc.renewal().unwrap(),
        None,
        "Fleet sends no WSTEP/Renew (research L6)"
    );
    let pkc = doc
        .characteristics_at(&["CertificateStore", "My", "User", "PrivateKeyContainer"])
        .next()
        .unwrap();
    assert!(pkc.nodes.is_empty());

    let app = doc.application_w7().unwrap().unwrap();
    assert_eq!(app.provider_id, "DEMO MDM");
    assert_eq!(app.name.as_deref(), Some("FleetDM Demo Server - Windows"));
    assert_eq!(
        app.addr,
        "https://windows.fleetdm.ngrok.io/ManagementServer/MDM.svc"
    );
    assert_eq!(
        app.server_list.as_deref(),
        Some("https://windows.fleetdm.ngrok.io/ManagementServer/ServerList.svc")
    );
    assert_eq!(app.role, Some(4_294_967_295));
    assert!(app.backcompat_retry_disabled);
    assert_eq!(
        app.default_encoding.as_deref(),
        Some("application/vnd.syncml.dm+xml")
    );
    assert_eq!(
        (
            app.conn_retry_freq,
            app.initial_backoff_time,
            app.max_backoff_time
        ),
        (None, None, None)
    );
    assert_eq!(app.ssl_client_cert_search_criteria, None);
    assert!(app.extra.is_empty());
    let ca = app.client_auth.as_ref().unwrap();
    assert_eq!(ca.auth_type, "DIGEST");
    assert_eq!(ca.name, None);
    assert_eq!(ca.secret.as_ref().unwrap().expose(), "dummy");
    assert_eq!(ca.data.as_deref(), Some("nonce"));
    let sa = app.server_auth.as_ref().unwrap();
    assert_eq!(sa.auth_type, "DIGEST");
    assert_eq!(sa.name.as_deref(), Some("dummy"));
    assert_eq!(sa.secret.as_ref().unwrap().expose(), "dummy");
    assert_eq!(sa.data.as_deref(), Some("nonce"));

    let provider = doc.dm_client_provider("DEMO MDM").unwrap().unwrap();
    assert_eq!(provider.ent_dm_id, None);
    assert_eq!(provider.sync_application_version, None);
    assert!(provider.extra.is_empty());
    let poll = provider.poll.as_ref().unwrap();
    assert_eq!(poll.number_of_first_retries, Some(8));
    assert_eq!(poll.interval_for_first_set_of_retries, None);
    let raw_poll = doc
        .characteristics_at(&["DMClient", "Provider", "DEMO MDM", "Poll"])
        .next()
        .unwrap();
    assert_eq!(
        raw_poll.parms().next().unwrap().datatype.as_deref(),
        Some("integer")
    );

    // Re-encoding is byte-identical (prolog, attribute order, `<… />`), in both forms.
    let out = doc.to_xml().unwrap();
    assert_eq!(out.as_bytes(), &xml[..]);
    assert_eq!(doc.to_base64().unwrap(), token);
    assert_eq!(ProvisioningDoc::from_xml(out.as_bytes()).unwrap(), doc);

    // The typed builder, fed the typed views, writes the same bytes.
    let rebuilt = ProvisioningDoc::builder()
        .root_certificate(roots[0].thumbprint.clone(), roots[0].der.clone())
        .client_certificate(client.store, client.thumbprint.clone(), client.der.clone())
        .without_renewal()
        .application(app)
        .dm_client(provider)
        .build()
        .unwrap();
    assert_eq!(rebuilt, doc);
    assert_eq!(rebuilt.to_xml().unwrap().as_bytes(), &xml[..]);
}

#[test]
fn attributes_the_writer_could_not_write_back_are_refused() {
    for bad in [
        &br#"<wap-provisioningdoc><parm name="a&#1;"/></wap-provisioningdoc>"#[..],
        b"<wap-provisioningdoc><parm name=\"a\x01\"/></wap-provisioningdoc>",
        br#"<wap-provisioningdoc a$b="1"/>"#,
    ] {
        assert!(
            ProvisioningDoc::from_xml(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let ok =
        br#"<wap-provisioningdoc><characteristic type="t" a.b-c_d="1"/></wap-provisioningdoc>"#;
    let doc = ProvisioningDoc::from_xml(ok).unwrap();
    assert_eq!(
        ProvisioningDoc::from_xml(doc.to_xml().unwrap().as_bytes()).unwrap(),
        doc
    );
}

/// Fuzz regression (mde2_provisioning, crash-1c589fed): an unknown element whose "name" holds
/// `="` (the shared reader is lenient about name characters) lost its inherited namespace
/// prefix on re-encoding. Elements kept verbatim must now have plain qualified names.
#[test]
fn regression_fuzz_unknown_element_with_quoted_name() {
    let data: &[u8] = b"<?xml version=\"1.0\" encoding=>\x00\x00\x00-8\"?><wap-provisioningdoc version=\"1.1\"><characteristic-query type\"=Registry\" recursive=\"true\"/><no\x01\x00\x00Fcharacteristic typ\"=eOld\"/><characteristic type=\"X\" x-a=\"1\" xmlns:n=\"urn:n\" n:b=\"2\"><parm-e=\"true\"/><n:fuslation=\"isioningdoc version=\"1.1\"><characteristic-query type\"=Registry\" recursive=\"true\"/><no\x01\x00\x00Fcharacteristic typ\"=eOld\"/><characteristic type=\"X\" x-a=\"1\" xmlns:n=\"urn:n\" n:b=\"2\"><parm-e=\"true\"/><n:fuslation=\"filesystem\"/><n:future><n:a>t&amp;u</n:a></n:future></characteristic></wap-provisioninfilesystem\"/><n:future><n:a>t&amp;u</n:a></n:future></characteristic></wap-provisioningdoc>";
    let e = ProvisioningDoc::from_xml(data).unwrap_err();
    // The NUL bytes are refused up front by the XML layer; without them, the malformed names
    // are a syntax error.
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidValue("character"));
    let without_controls: Vec<u8> = data.iter().copied().filter(|b| *b >= 0x20).collect();
    let e = ProvisioningDoc::from_xml(&without_controls).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::Syntax);
    // A plain unknown element using an inherited prefix keeps it.
    let ok = br#"<wap-provisioningdoc><characteristic type="X" xmlns:n="urn:n" n:b="2"><n:a><n:c/></n:a></characteristic></wap-provisioningdoc>"#;
    let doc = ProvisioningDoc::from_xml(ok).unwrap();
    assert_eq!(
        ProvisioningDoc::from_xml(doc.to_xml().unwrap().as_bytes()).unwrap(),
        doc
    );
}

/// Fuzz regression (mde2_provisioning, crash-d8c3adfe): an unknown element with malformed
/// attributes (which the shared reader does not check inside skipped content) mentioned a
/// prefix the writer then declared on its parent. Verbatim elements must now read on their own,
/// and the writer picks namespace prefixes no verbatim element mentions.
#[test]
fn regression_fuzz_unknown_element_with_malformed_attributes() {
    let data: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><wap-provisioningdoc version=\"1.1\"><characteristic-query type=\"Registry\" recursive=\"true\"/><nocharacteristic type=\"Old\"/><characteristic type=\"X\" x-a=\"1\" xmlns:n=\"urn:n\" n:b=\"2\"><p.com/ManagementServer/MDM.svc\" /><parm name=\"ServerList\" value=\"https://mdm.ex::::::::::::::::::::::::::::::::ample.com/ManagementServer/ServerList.svc\" /><parm name=\"ROLE\" value=\"2147483647\" /><parm name=\"CONNRETRYFREO\" value=\"6\" /><parm name=\"INITIALBACKOFFTIME\" value=\"30000\" /><parm name=\"MAXBACKOFFTIME\" value=\"120000\" /><parm name=\"BACKCOMPATRETRYDISABLED\" /><parm name=\"DEFAULTENCODING\" value=\"application/vnd.syncml.dm+xml\" /><parm name=\"SSLCLIENTCERTSEARCHCRITERIA\" value=\"Subject=CN%3DDEVICE&amp;Stores=MY%5CSystem\" /><characteristic type=\"APPAUTH\"><parm name=\"AAUTHLEVEL\" value=\"CLIENT\" p0:b/><parm name=\"AAUTHTYPE\" value=\"DIGEST\" /><parm name=\"AAUTHSECRET\" value=\"server-secret\" /><parm name=\"AAUTHDATA\" value=\"bm9uY2U=\" /></characteristic><characteristic type=\"APPAUTH\"><parm name=\"AAUTHLEVEL\" value=\"APParm-query name=\"Q\"/><parm name=\"E\" value=\"\" trans-ation=\"filesystem\"/><n:future><n:a>t&amp;u</n:a></n:future></characteristic></wap-provisioningdoc>";
    assert_eq!(
        ProvisioningDoc::from_xml(data).unwrap_err().kind(),
        &DecodeErrorKind::Syntax
    );
    // A verbatim element that mentions `p0:` and a namespaced attribute on its parent.
    let ok = br#"<wap-provisioningdoc><characteristic type="X" xmlns:n="urn:n" n:b="2"><q:a xmlns:q="urn:q">p0:text <p0:c xmlns:p0="urn:c"/></q:a></characteristic></wap-provisioningdoc>"#;
    let doc = ProvisioningDoc::from_xml(ok).unwrap();
    let xml = doc.to_xml().unwrap();
    assert!(xml.contains("xmlns:p1=\"urn:n\" p1:b=\"2\""), "{xml}");
    assert_eq!(ProvisioningDoc::from_xml(xml.as_bytes()).unwrap(), doc);
}
