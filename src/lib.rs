//! # mdmkit
//!
//! Typed, hostile-input-safe building blocks for device-management servers: Apple MDM,
//! configuration profiles and CMS signatures today; Windows MDM (OMA DM / MS-MDE2) next.
//!
//! mdmkit is **sans-IO**: it turns bytes into typed values and typed values into bytes, and holds
//! the wire facts. It never does I/O, never reads the clock, the environment or randomness.
//! Drive it from axum, actix, hyper, a lambda or a test harness.
//!
//! ```
//! use mdmkit::apple::{Inbound, checkin::CheckinMessage, report::Status};
//!
//! let body = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
//! <plist version="1.0"><dict>
//!   <key>MessageType</key><string>Authenticate</string>
//!   <key>Topic</key><string>com.apple.mgmt.External.e0bd1eac</string>
//!   <key>UDID</key><string>663b07bb783e9ade1dae4fbb92ea12afc0ce5b69</string>
//! </dict></plist>"#;
//! match Inbound::from_xml(body)? {
//!     Inbound::Checkin(msg) => match *msg {
//!         CheckinMessage::Authenticate(a) => assert_eq!(a.topic, "com.apple.mgmt.External.e0bd1eac"),
//!         other => panic!("unexpected {}", other.message_type()),
//!     },
//!     Inbound::Report(r) => assert_eq!(r.status, Status::Idle),
//!     _ => {}
//! }
//! # Ok::<(), mdmkit::DecodeError>(())
//! ```
//!
//! ## Rules
//! * Every decoder checks [`Limits`] (input size first, then depth, items, string and data bytes
//!   on the event stream). No DOCTYPE other than Apple's plist line, no entities beyond XML's
//!   five. Bad input is a [`DecodeError`] with a key path, never a panic.
//! * Nothing a device sends is dropped: unknown keys are kept in order and written back; unknown
//!   message types decode to `Unknown` variants that re-encode unchanged.
//! * Secrets are [`Sensitive`]: redacted in `Debug`.
//!
//! ## Features
//! * `apple` (default): property lists, check-in messages, commands, command reports.
//! * `apple-profiles` (default): configuration profiles (`apple::profile`: every payload type
//!   of Apple's schema, `Profile` and its builder) and enrollment profiles (`apple::enroll`).
//! * `apple-ddm` (default): Declarative Device Management (`apple::ddm`): the declaration
//!   envelope and the typed payloads of Apple's schema, the sync protocol documents and
//!   `DeclarationsToken`, and typed status reports, all over a limit-counting JSON reader.
//! * `cms` (default): [`cms`]: CMS signing and verification (signed profiles, `Mdm-Signature`
//!   through `apple::transport::verify_mdm_signature` when `apple` is on too), parsed with the
//!   pure-Rust `cms` / `x509-cert` decoders, with OpenSSL for the cryptography. Turn it off for a
//!   parse-only build without OpenSSL.
//! * `windows` (default): [`windows`]: OMA DM / SyncML 1.2 messages, sessions, large objects,
//!   MD5 digest authentication, and Windows helpers.
//! * `wbxml`: WBXML for SyncML (`windows::wbxml`, `SyncMl::from_wbxml` / `to_wbxml`).
//! * `http`: `apple::push` requests and responses to and from `http::Request` /
//!   `http::Response` (`PushRequest::to_http`, `PushResponse::from_http`).
//! * `rand`: `Command::with_random_uuid` (OS randomness through `getrandom`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod limits;
mod sensitive;

#[cfg(feature = "apple")]
pub mod apple;

#[cfg(feature = "cms")]
pub mod cms;

#[cfg(feature = "windows")]
pub mod windows;

/// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use error::{BuildError, DecodeError, DecodeErrorKind, EncodeError, Error, Limit};
pub use limits::Limits;
pub use sensitive::Sensitive;
