#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! scratch
use mdmkit::Limits;
use mdmkit::apple::checkin::CheckinMessage;
use mdmkit::apple::plist::Value;
use mdmkit::apple::report::CommandReport;

#[global_allocator]
static ALLOC: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

#[test]
fn explore() {
    let amp = std::fs::read("/tmp/gen/amp.bplist").unwrap();
    let before = ALLOC.allocated();
    let v = Value::from_xml(&amp);
    println!(
        "amp value ok={} extra={} MiB input={}",
        v.is_ok(),
        (ALLOC.allocated() - before) >> 20,
        amp.len()
    );
    drop(v);
    let before = ALLOC.allocated();
    let v = CheckinMessage::from_xml(&amp);
    println!(
        "amp checkin ok={} extra={} MiB",
        v.is_ok(),
        (ALLOC.allocated() - before) >> 20
    );
    drop(v);

    let bad = b"<plist><string>ab\xffcd</string></plist>";
    let e = Value::from_xml(bad).unwrap_err();
    println!("utf8 {:?}", e);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(bad);
    println!("utf8 bom {:?}", Value::from_xml(&bom).unwrap_err());
    let mut deep = String::from(
        "<plist><dict><key>MessageType</key><string>Authenticate</string><key>Topic</key><string>t</string><key>X</key>",
    );
    for _ in 0..100_000 {
        deep.push_str("<array>");
    }
    println!(
        "deep value {:?}",
        Value::from_xml(deep.as_bytes()).unwrap_err()
    );
    println!(
        "deep checkin {:?}",
        CheckinMessage::from_xml(deep.as_bytes()).unwrap_err()
    );
    let mut deep2 = String::from("<plist><dict><key>Status</key><string>Idle</string><key>X</key>");
    for _ in 0..100_000 {
        deep2.push_str("<array>");
    }
    println!(
        "deep report {:?}",
        CommandReport::from_xml(deep2.as_bytes()).unwrap_err()
    );
    for s in [
        "<plist><integer>18446744073709551616</integer></plist>",
        "<plist><integer>-9223372036854775809</integer></plist>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><plist><true/></plist>",
        "<plist><true/></plist>garbage",
        "<plist><true/></plist><plist><true/></plist>",
        "<plist><string>a&xxe;b</string></plist>",
        "<plist><dict><key>A</key><true/><key>A</key><true/></dict></plist>",
        "<plist><dict><key>L</key><array><dict><key>X</key><true/><key>X</key><false/></dict></array></dict></plist>",
        "<!DOCTYPE plist SYSTEM \"file:///etc/passwd\"><plist><true/></plist>",
        "<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><plist><string>&xxe;</string></plist>",
    ] {
        println!("{s:.60} -> {:?}", Value::from_xml(s.as_bytes()));
    }
    // deep ok
    let mut s = String::from("<plist>");
    for _ in 0..100_000 {
        s.push_str("<array>");
    }
    for _ in 0..100_000 {
        s.push_str("</array>");
    }
    s.push_str("</plist>");
    let v = Value::from_xml_with_limits(s.as_bytes(), &Limits::default().with_max_depth(1_000_000));
    println!("deep ok? {}", v.is_ok());
    std::mem::forget(v);
}
