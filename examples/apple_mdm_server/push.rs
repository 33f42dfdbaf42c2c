//! The APNs request that wakes a device: built from the protocol's facts. (To be replaced by
//! mdmkit's push types when they land.)

/// An HTTP/2 request to APNs, as data.
#[derive(serde::Serialize)]
pub(crate) struct PushRequest {
    pub method: &'static str,
    pub path: String,
    /// Written as a JSON object, in this order.
    #[serde(serialize_with = "as_object")]
    pub headers: Vec<(&'static str, String)>,
    pub body: serde_json::Value,
}

/// The MDM push for a device: `POST /3/device/<hex token>` with the enrollment's topic,
/// push type `mdm`, priority 10, and `{"mdm": PushMagic}` as the body.
pub(crate) fn mdm_push_request(token: &[u8], topic: &str, push_magic: &str) -> PushRequest {
    PushRequest {
        method: "POST",
        path: format!("/3/device/{}", crate::pki::hex(token)),
        headers: vec![
            ("apns-topic", topic.to_owned()),
            ("apns-push-type", "mdm".to_owned()),
            ("apns-priority", "10".to_owned()),
        ],
        body: serde_json::json!({ "mdm": push_magic }),
    }
}

fn as_object<S: serde::Serializer>(
    headers: &[(&'static str, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(headers.iter().map(|(k, v)| (k, v)))
}
