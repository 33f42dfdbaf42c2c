//! Wire facts of Apple's MDM HTTP transport.
//!
//! * Devices `PUT` XML plists to the check-in URL and the server URL
//!   ([`CONTENT_TYPE_CHECKIN`], [`CONTENT_TYPE_PLIST`]).
//! * The server answers a command report with the next command as an XML plist, or with an
//!   **empty 200 body** when nothing is queued; the device then goes idle until the next push.
//! * A device that reports `Status = Idle` has no result to report; it is asking for work.
//! * When the enrollment profile sets `SignMessage`, each request carries a detached CMS
//!   signature of the body, base64-encoded, in [`MDM_SIGNATURE_HEADER`].

/// The header carrying the base64 detached CMS signature of the body (`SignMessage`).
pub const MDM_SIGNATURE_HEADER: &str = "Mdm-Signature";

/// Content type devices send on the check-in endpoint.
pub const CONTENT_TYPE_CHECKIN: &str = "application/x-apple-aspen-mdm-checkin";

/// Content type of command reports and of commands the server returns.
pub const CONTENT_TYPE_PLIST: &str = "application/xml";

/// Content type of a configuration profile download (`.mobileconfig`).
pub const CONTENT_TYPE_PROFILE: &str = "application/x-apple-aspen-config";

/// The HTTP status a server returns for an empty "no command queued" answer.
pub const EMPTY_RESPONSE_STATUS: u16 = 200;

/// Whether an answer body means "no command queued": Apple treats an empty body as that.
#[must_use]
pub fn is_empty_response(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}
