//! `apple::push::PushResponse::from_parts` on arbitrary input. Layout: two bytes of status
//! (big-endian), one byte `n`, `n` bytes of `apns-id` header value, then the body. No panic; an
//! accepted response keeps the status, the header and (when rejected) the exact body; `Done` is
//! advised exactly for a delivery; a reason and timestamp written back as JSON decode the same.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdmkit::apple::push::{Action, PushResponse};
use std::time::UNIX_EPOCH;

fuzz_target!(|data: &[u8]| {
    let [s0, s1, n, rest @ ..] = data else {
        return;
    };
    let status = u16::from_be_bytes([*s0, *s1]);
    let n = usize::from(*n).min(rest.len());
    let (id, body) = rest.split_at(n);
    let Ok(resp) = PushResponse::from_parts(status, [("apns-id", id)], body) else {
        return;
    };
    assert_eq!(resp.status(), status);
    assert_eq!(resp.is_delivered(), status == 200);
    assert_eq!(resp.action() == Action::Done, status == 200);
    assert_eq!(resp.apns_id().map(str::as_bytes), Some(id));
    if let PushResponse::Rejected(r) = &resp {
        assert_eq!(r.body.as_ref(), body);
        let mut obj = serde_json::Map::new();
        if let Some(reason) = &r.reason {
            obj.insert("reason".into(), reason.as_str().into());
        }
        if let Some(ts) = r.timestamp {
            let ms = ts.duration_since(UNIX_EPOCH).expect("after the epoch").as_millis();
            obj.insert("timestamp".into(), u64::try_from(ms).expect("fits").into());
        }
        let json = serde_json::Value::Object(obj).to_string();
        let back = PushResponse::from_parts(status, [("apns-id", id)], json.as_bytes())
            .expect("re-decode");
        let PushResponse::Rejected(b) = back else {
            panic!("status changed");
        };
        assert_eq!(b.reason, r.reason);
        assert_eq!(b.timestamp, r.timestamp);
        assert_eq!(b.action(), r.action());
    }
});
