//! Status and alert codes: `u16` newtypes with named constants (any other value is kept as is).

use std::fmt;

macro_rules! code_consts {
    ($ty:ident { $($(#[$m:meta])* $name:ident = $v:literal => $label:literal,)* }) => {
        impl $ty {
            $($(#[$m])* pub const $name: $ty = $ty($v);)*

            /// The constant's name for a known code (`"OK"`, `"ATOMIC_FAILED"`), `None`
            /// otherwise.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($label),)*
                    _ => None,
                }
            }

            /// Every code with a named constant, ascending.
            pub const KNOWN: &'static [$ty] = &[$($ty($v),)*];
        }
    };
}

/// A SyncML status code (the `Data` of a `Status`), e.g. [`StatusCode::OK`].
///
/// ```
/// use mdmkit::windows::syncml::StatusCode;
/// let c: StatusCode = "507".parse().unwrap();
/// assert_eq!(c, StatusCode::ATOMIC_FAILED);
/// assert!(!c.is_success());
/// assert!(StatusCode::ACCEPTED.is_success());
/// assert_eq!(StatusCode(299).name(), None);
/// ```
#[allow(clippy::exhaustive_structs)] // a code is a number: any value is representable
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(pub u16);

code_consts!(StatusCode {
    /// 101: in progress.
    IN_PROGRESS = 101 => "IN_PROGRESS",
    /// 200: OK.
    OK = 200 => "OK",
    /// 201: item added.
    ITEM_ADDED = 201 => "ITEM_ADDED",
    /// 202: accepted for processing (asynchronous).
    ACCEPTED = 202 => "ACCEPTED",
    /// 203: non-authoritative response.
    NON_AUTHORITATIVE = 203 => "NON_AUTHORITATIVE",
    /// 204: no content.
    NO_CONTENT = 204 => "NO_CONTENT",
    /// 205: reset content.
    RESET_CONTENT = 205 => "RESET_CONTENT",
    /// 206: partial content.
    PARTIAL_CONTENT = 206 => "PARTIAL_CONTENT",
    /// 207: conflict resolved with merge.
    CONFLICT_MERGED = 207 => "CONFLICT_MERGED",
    /// 208: conflict resolved with client's command winning.
    CONFLICT_CLIENT_WON = 208 => "CONFLICT_CLIENT_WON",
    /// 209: conflict resolved with duplicate.
    CONFLICT_DUPLICATE = 209 => "CONFLICT_DUPLICATE",
    /// 210: delete without archive.
    DELETE_WITHOUT_ARCHIVE = 210 => "DELETE_WITHOUT_ARCHIVE",
    /// 211: item not deleted (not found).
    ITEM_NOT_DELETED = 211 => "ITEM_NOT_DELETED",
    /// 212: authentication accepted for the rest of the session (header Status only).
    AUTHENTICATION_ACCEPTED = 212 => "AUTHENTICATION_ACCEPTED",
    /// 213: chunk of a large object accepted.
    CHUNKED_ITEM_ACCEPTED = 213 => "CHUNKED_ITEM_ACCEPTED",
    /// 214: operation cancelled; no further commands run in this session.
    OPERATION_CANCELLED = 214 => "OPERATION_CANCELLED",
    /// 215: not executed (the user cancelled).
    NOT_EXECUTED = 215 => "NOT_EXECUTED",
    /// 216: rolled back: a sibling of a failed command inside an `Atomic`.
    ATOMIC_ROLLBACK_OK = 216 => "ATOMIC_ROLLBACK_OK",
    /// 300: multiple choices.
    MULTIPLE_CHOICES = 300 => "MULTIPLE_CHOICES",
    /// 400: bad request (malformed command, unknown element, missing CmdID).
    BAD_REQUEST = 400 => "BAD_REQUEST",
    /// 401: invalid credentials (may carry a `Chal`).
    INVALID_CREDENTIALS = 401 => "INVALID_CREDENTIALS",
    /// 402: payment required.
    PAYMENT_REQUIRED = 402 => "PAYMENT_REQUIRED",
    /// 403: forbidden.
    FORBIDDEN = 403 => "FORBIDDEN",
    /// 404: not found (the node does not exist).
    NOT_FOUND = 404 => "NOT_FOUND",
    /// 405: command not allowed (read-only node or wrong scope).
    COMMAND_NOT_ALLOWED = 405 => "COMMAND_NOT_ALLOWED",
    /// 406: optional feature not supported.
    OPTIONAL_FEATURE_NOT_SUPPORTED = 406 => "OPTIONAL_FEATURE_NOT_SUPPORTED",
    /// 407: authentication required (carries a `Chal`).
    MISSING_CREDENTIALS = 407 => "MISSING_CREDENTIALS",
    /// 408: request timeout.
    REQUEST_TIMEOUT = 408 => "REQUEST_TIMEOUT",
    /// 409: conflict.
    CONFLICT = 409 => "CONFLICT",
    /// 410: gone.
    GONE = 410 => "GONE",
    /// 411: size required (a chunked object without `Meta/Size`).
    SIZE_REQUIRED = 411 => "SIZE_REQUIRED",
    /// 412: incomplete command.
    INCOMPLETE_COMMAND = 412 => "INCOMPLETE_COMMAND",
    /// 413: request entity too large.
    REQUEST_ENTITY_TOO_LARGE = 413 => "REQUEST_ENTITY_TOO_LARGE",
    /// 414: URI too long.
    URI_TOO_LONG = 414 => "URI_TOO_LONG",
    /// 415: unsupported media type or format.
    UNSUPPORTED_MEDIA_TYPE = 415 => "UNSUPPORTED_MEDIA_TYPE",
    /// 416: requested size too big.
    REQUESTED_SIZE_TOO_BIG = 416 => "REQUESTED_SIZE_TOO_BIG",
    /// 417: retry later.
    RETRY_LATER = 417 => "RETRY_LATER",
    /// 418: already exists.
    ALREADY_EXISTS = 418 => "ALREADY_EXISTS",
    /// 419: conflict resolved with server data.
    CONFLICT_SERVER_DATA = 419 => "CONFLICT_SERVER_DATA",
    /// 420: device full.
    DEVICE_FULL = 420 => "DEVICE_FULL",
    /// 421: unknown search grammar.
    UNKNOWN_SEARCH_GRAMMAR = 421 => "UNKNOWN_SEARCH_GRAMMAR",
    /// 422: bad CGI script.
    BAD_CGI_SCRIPT = 422 => "BAD_CGI_SCRIPT",
    /// 423: soft-delete conflict.
    SOFT_DELETE_CONFLICT = 423 => "SOFT_DELETE_CONFLICT",
    /// 424: size mismatch (the reassembled object does not have the announced size).
    SIZE_MISMATCH = 424 => "SIZE_MISMATCH",
    /// 425: permission denied.
    PERMISSION_DENIED = 425 => "PERMISSION_DENIED",
    /// 500: command failed.
    COMMAND_FAILED = 500 => "COMMAND_FAILED",
    /// 501: command not implemented.
    COMMAND_NOT_IMPLEMENTED = 501 => "COMMAND_NOT_IMPLEMENTED",
    /// 502: bad gateway.
    BAD_GATEWAY = 502 => "BAD_GATEWAY",
    /// 503: service unavailable.
    SERVICE_UNAVAILABLE = 503 => "SERVICE_UNAVAILABLE",
    /// 504: gateway timeout.
    GATEWAY_TIMEOUT = 504 => "GATEWAY_TIMEOUT",
    /// 505: DTD version not supported.
    DTD_VERSION_NOT_SUPPORTED = 505 => "DTD_VERSION_NOT_SUPPORTED",
    /// 506: processing error.
    PROCESSING_ERROR = 506 => "PROCESSING_ERROR",
    /// 507: atomic failed.
    ATOMIC_FAILED = 507 => "ATOMIC_FAILED",
    /// 508: refresh required.
    REFRESH_REQUIRED = 508 => "REFRESH_REQUIRED",
    /// 510: data store failure.
    DATA_STORE_FAILURE = 510 => "DATA_STORE_FAILURE",
    /// 511: server failure.
    SERVER_FAILURE = 511 => "SERVER_FAILURE",
    /// 512: synchronization failed.
    SYNCHRONIZATION_FAILED = 512 => "SYNCHRONIZATION_FAILED",
    /// 513: protocol version not supported.
    PROTOCOL_VERSION_NOT_SUPPORTED = 513 => "PROTOCOL_VERSION_NOT_SUPPORTED",
    /// 514: operation cancelled.
    OPERATION_CANCELLED_514 = 514 => "OPERATION_CANCELLED_514",
    /// 516: atomic rollback failed.
    ATOMIC_ROLLBACK_FAILED = 516 => "ATOMIC_ROLLBACK_FAILED",
});

impl Default for StatusCode {
    /// [`StatusCode::OK`].
    fn default() -> Self {
        StatusCode::OK
    }
}

impl StatusCode {
    /// Whether the code is in the 2xx range (how the device reports success).
    #[must_use]
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 < 300
    }
}

/// A SyncML alert code (the `Data` of an `Alert`), e.g. [`AlertCode::CLIENT_INITIATED`].
///
/// ```
/// use mdmkit::windows::syncml::AlertCode;
/// assert_eq!("1226".parse::<AlertCode>().unwrap(), AlertCode::GENERIC);
/// assert_eq!(AlertCode::NEXT_MESSAGE.to_string(), "1222");
/// ```
#[allow(clippy::exhaustive_structs)] // a code is a number: any value is representable
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlertCode(pub u16);

code_consts!(AlertCode {
    /// 1100: display (user interaction).
    DISPLAY = 1100 => "DISPLAY",
    /// 1101: continue or abort (user interaction).
    CONTINUE_OR_ABORT = 1101 => "CONTINUE_OR_ABORT",
    /// 1102: text input (user interaction).
    TEXT_INPUT = 1102 => "TEXT_INPUT",
    /// 1103: single choice (user interaction).
    SINGLE_CHOICE = 1103 => "SINGLE_CHOICE",
    /// 1104: multiple choice (user interaction).
    MULTIPLE_CHOICE = 1104 => "MULTIPLE_CHOICE",
    /// 1200: server-initiated management session.
    SERVER_INITIATED = 1200 => "SERVER_INITIATED",
    /// 1201: client-initiated management session (every Windows session starts with it).
    CLIENT_INITIATED = 1201 => "CLIENT_INITIATED",
    /// 1222: next message ("send me the rest": multi-message packages, large objects).
    NEXT_MESSAGE = 1222 => "NEXT_MESSAGE",
    /// 1223: session abort.
    SESSION_ABORT = 1223 => "SESSION_ABORT",
    /// 1224: client event (the item's `Meta/Type` names the event).
    CLIENT_EVENT = 1224 => "CLIENT_EVENT",
    /// 1225: no end of data (a chunked object was not completed).
    NO_END_OF_DATA = 1225 => "NO_END_OF_DATA",
    /// 1226: generic alert (asynchronous results, unenrollment).
    GENERIC = 1226 => "GENERIC",
});

macro_rules! code_common {
    ($ty:ident, $what:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::DecodeError;

            /// Parses the decimal text (surrounding whitespace allowed).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse::<u16>().map($ty).map_err(|_| {
                    crate::DecodeError::new(crate::DecodeErrorKind::InvalidValue($what))
                })
            }
        }

        impl From<u16> for $ty {
            fn from(v: u16) -> Self {
                $ty(v)
            }
        }

        impl From<$ty> for u16 {
            fn from(v: $ty) -> Self {
                v.0
            }
        }
    };
}

code_common!(StatusCode, "status code");
code_common!(AlertCode, "alert code");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for w in StatusCode::KNOWN.windows(2) {
            assert!(w.first().unwrap().0 < w.get(1).unwrap().0);
        }
        for w in AlertCode::KNOWN.windows(2) {
            assert!(w.first().unwrap().0 < w.get(1).unwrap().0);
        }
        assert_eq!(
            StatusCode::ATOMIC_ROLLBACK_OK.name(),
            Some("ATOMIC_ROLLBACK_OK")
        );
        assert!(" 200 ".parse::<StatusCode>().is_ok());
        assert!("2x".parse::<StatusCode>().is_err());
        assert!("70000".parse::<AlertCode>().is_err());
    }
}
