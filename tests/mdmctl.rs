//! The `mdmctl` example, run as a user would: build an enrollment profile from flags, sign and
//! verify profiles (checked by the `openssl` CLI too), decode messages of both worlds, and fail
//! with a non-zero exit and a message on bad input or bad usage.
#![cfg(all(
    feature = "apple",
    feature = "apple-profiles",
    feature = "cms",
    feature = "windows"
))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `target/<profile>/examples/mdmctl`, built by `cargo test` beside this test binary.
fn mdmctl() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir
        .join("examples")
        .join(format!("mdmctl{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run through `cargo test`",
        bin.display()
    );
    bin
}

fn run(args: &[&str]) -> Output {
    Command::new(mdmctl()).args(args).output().unwrap()
}

fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "mdmctl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl CLI is needed by this test");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch directory unique to this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mdmkit-mdmctl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CA, a profile-signing certificate it issued, and a device identity as PKCS#12.
fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=mdmctl test CA",
        ],
    );
    for name in ["signer", "device"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN=mdmctl {name}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
    openssl(
        dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "device.key",
            "-in",
            "device.pem",
            "-passout",
            "pass:secret",
            "-out",
            "device.p12",
        ],
    );
    // Another CA, which trusts nothing of the above.
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.pem",
            "-days",
            "2",
            "-subj",
            "/CN=some other CA",
        ],
    );
}

#[test]
fn enroll_profile_sign_verify_decode() {
    let dir = scratch("enroll");
    pki(&dir);
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let topic = "com.apple.mgmt.External.3f1c2a8e-0000-4000-8000-000000000001";
    let out = run(&[
        "enroll-profile",
        "--server-url",
        "https://mdm.example.test/mdm/connect",
        "--checkin-url",
        "https://mdm.example.test/mdm/checkin",
        "--topic",
        topic,
        "--p12",
        &p("device.p12"),
        "--p12-password",
        "secret",
        "--ca",
        &p("ca.pem"),
        "--sign-cert",
        &p("signer.pem"),
        "--sign-key",
        &p("signer.key"),
        "--identifier",
        "test.enroll",
        "--out",
        &p("enroll.mobileconfig"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // OpenSSL verifies the signature and the chain to our CA, and gives back the plist.
    openssl(
        &dir,
        &[
            "smime",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "enroll.mobileconfig",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "enroll.plist",
        ],
    );
    let plist = std::fs::read_to_string(dir.join("enroll.plist")).unwrap();
    assert!(plist.contains("<string>com.apple.mdm</string>"));
    assert!(plist.contains(topic));

    // mdmctl verify: trusted under our CA…
    let v = stdout_json(&run(&[
        "verify",
        "--ca",
        &p("ca.pem"),
        &p("enroll.mobileconfig"),
    ]));
    assert_eq!(v["trusted"], true);
    assert_eq!(v["signer"], "CN=mdmctl signer");
    assert_eq!(v["profile"]["PayloadIdentifier"], "test.enroll");
    assert_eq!(v["profile"]["payloads"], 3); // MDM, PKCS#12 identity, root
    // …refused under another CA, with a message and exit 1.
    let bad = run(&["verify", "--ca", &p("other.pem"), &p("enroll.mobileconfig")]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(!bad.stderr.is_empty());

    // decode shows the signed profile's content.
    let d = stdout_json(&run(&["decode", &p("enroll.mobileconfig")]));
    assert_eq!(d["kind"], "CMS signed data");
    assert_eq!(d["signer"], "CN=mdmctl signer");
    assert_eq!(d["content"]["kind"], "configuration profile");
    let payloads = d["content"]["message"]["payload_content"]
        .as_array()
        .unwrap();
    assert_eq!(payloads.len(), 3);

    // sign: the unsigned plist OpenSSL gave back, signed again by mdmctl, verifies.
    let s = run(&[
        "sign",
        "--cert",
        &p("signer.pem"),
        "--key",
        &p("signer.key"),
        "--chain",
        &p("ca.pem"),
        &p("enroll.plist"),
        &p("resigned.mobileconfig"),
    ]);
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    openssl(
        &dir,
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "resigned.mobileconfig",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "resigned.plist",
        ],
    );
    assert_eq!(
        std::fs::read(dir.join("resigned.plist")).unwrap(),
        plist.as_bytes()
    );

    // sign refuses what is not a profile.
    std::fs::write(dir.join("not-a-profile.plist"), b"<plist><dict/></plist>").unwrap();
    let n = run(&[
        "sign",
        "--cert",
        &p("signer.pem"),
        "--key",
        &p("signer.key"),
        &p("not-a-profile.plist"),
        &p("x.der"),
    ]);
    assert_eq!(n.status.code(), Some(1));
    assert!(!dir.join("x.der").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn decode_recognises_both_worlds() {
    let dir = scratch("decode");
    let cases: &[(&str, &str, &str)] = &[
        (
            "checkin.plist",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>MessageType</key><string>Authenticate</string>
<key>Topic</key><string>com.apple.mgmt.External.x</string>
<key>UDID</key><string>0000-TEST</string>
<key>NewKeyFromTheFuture</key><string>kept</string>
</dict></plist>"#,
            "check-in",
        ),
        (
            "report.plist",
            r#"<plist version="1.0"><dict>
<key>Status</key><string>Idle</string><key>UDID</key><string>0000-TEST</string>
</dict></plist>"#,
            "command report",
        ),
        (
            "command.plist",
            r#"<plist version="1.0"><dict>
<key>Command</key><dict><key>RequestType</key><string>DeviceLock</string></dict>
<key>CommandUUID</key><string>c-1</string>
</dict></plist>"#,
            "command",
        ),
        (
            "syncml.xml",
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>
<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>https://mdm.example.test</LocURI></Target>
<Source><LocURI>DEVICE-1</LocURI></Source></SyncHdr>
<SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert>
<Replace><CmdID>2</CmdID><Item><Source><LocURI>./DevInfo/DevId</LocURI></Source><Data>DEVICE-1</Data></Item></Replace>
<Final/></SyncBody></SyncML>"#,
            "SyncML",
        ),
        (
            "discover.xml",
            r#"<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope">
<s:Header><a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover</a:Action>
<a:MessageID>urn:uuid:1</a:MessageID></s:Header>
<s:Body><Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment">
<request xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><EmailAddress>a@example.test</EmailAddress>
<RequestVersion>5.0</RequestVersion><AuthPolicies><AuthPolicy>OnPremise</AuthPolicy></AuthPolicies></request>
</Discover></s:Body></s:Envelope>"#,
            "Discover",
        ),
        (
            "declaration.json",
            r#"{"Type":"com.apple.configuration.management.test","Identifier":"test-1",
               "ServerToken":"7","Payload":{"Echo":"hello"}}"#,
            "DDM declaration",
        ),
        (
            "status.json",
            r#"{"StatusItems":{"device":{"identifier":{"udid":"0000-TEST"}}},"Errors":[]}"#,
            "DDM status report",
        ),
    ];
    for (file, text, kind) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        let v = stdout_json(&run(&["decode", path.to_str().unwrap()]));
        assert_eq!(v["kind"], *kind, "{file}: {v}");
    }
    let read = |file: &str| stdout_json(&run(&["decode", dir.join(file).to_str().unwrap()]));
    let checkin = read("checkin.plist");
    assert_eq!(checkin["message"]["udid"], "0000-TEST");
    assert!(
        checkin.to_string().contains("NewKeyFromTheFuture"),
        "unknown key shown: {checkin}"
    );
    let syncml = read("syncml.xml");
    let cmds = syncml["message"]["SyncBody"]["commands"]
        .as_array()
        .unwrap();
    assert_eq!(cmds[0]["command"], "Alert");
    assert_eq!(cmds[0]["Data"], 1201);
    assert_eq!(cmds[1]["Items"][0]["Data"], "DEVICE-1");
    let declaration = read("declaration.json");
    assert!(declaration.to_string().contains("hello"), "{declaration}");
    let status = read("status.json");
    assert!(status.to_string().contains("0000-TEST"), "{status}");
    let discover = read("discover.xml");
    assert_eq!(discover["message"]["AuthPolicies"][0], "OnPremise");

    // Refused input: exit 1 and a message naming the file; nothing on stdout.
    for (file, bytes) in [
        ("garbage.bin", b"\xff\xfe not a message".as_slice()),
        ("deep.plist", &b"<plist><array>".repeat(400)),
        (
            "entity.xml",
            b"<!DOCTYPE x [<!ENTITY e \"boom\">]><SyncML>&e;</SyncML>",
        ),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, bytes).unwrap();
        let out = run(&["decode", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(out.stdout.is_empty(), "{file}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(file),
            "{file}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["decode"][..],
        &["decode", "a", "b"][..],
        &["sign", "--cert"][..],
        &["verify", "--bogus", "x"][..],
        &[
            "enroll-profile",
            "--server-url",
            "u",
            "--topic",
            "t",
            "--out",
            "o",
        ][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage:"),
            "{args:?}"
        );
    }
    let missing = run(&["decode", "/nonexistent/mdmkit-file"]);
    assert_eq!(missing.status.code(), Some(1));
}
