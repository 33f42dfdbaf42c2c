//! The `DeclarativeManagement` check-in, answered with an empty declaration set. (To be
//! replaced by mdmkit's DDM types when they land.)

use mdmkit::apple::checkin::DeclarativeManagement;
use mdmkit::apple::plist::Date;

/// The token of the empty declaration set.
const EMPTY_TOKEN: &str = "mdmkit-example-empty";

/// The HTTP status and body answering `msg`: `tokens` gets the sync tokens, `declaration-items`
/// an empty manifest, `status` an empty 200; any other endpoint 404 (no declarations exist).
pub(crate) fn respond(msg: &DeclarativeManagement) -> (u16, Vec<u8>) {
    match msg.endpoint.as_str() {
        "tokens" => {
            let timestamp = Date::from(std::time::SystemTime::now()).to_xml_string();
            let body = serde_json::json!({
                "SyncTokens": { "DeclarationsToken": EMPTY_TOKEN, "Timestamp": timestamp }
            });
            (200, body.to_string().into_bytes())
        }
        "declaration-items" => {
            let body = serde_json::json!({
                "Declarations": {
                    "Activations": [], "Assets": [], "Configurations": [], "Management": []
                },
                "DeclarationsToken": EMPTY_TOKEN
            });
            (200, body.to_string().into_bytes())
        }
        "status" => (200, Vec::new()),
        _ => (404, Vec::new()),
    }
}
