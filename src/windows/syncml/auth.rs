//! SyncML authentication: MD5 digest (`syncml:auth-md5`, as Windows uses it) and basic
//! (`syncml:auth-basic`), with the challenge (`Chal` carrying a fresh `NextNonce`).
//!
//! The digest is `b64(md5(b64(md5(username ":" password)) ":" nonce))`, where `nonce` is the
//! *decoded* `NextNonce` bytes (research §2.8; Windows and fleet agree on this). The server
//! keeps the nonce it last sent to a device; the caller supplies the random bytes of each new
//! nonce (mdmkit reads no randomness).
//!
//! Unknown and known devices are answered identically: [`verify`] with no secret does the same
//! work as with one and reports [`Verdict::Invalid`], so the header status and the challenge do
//! not reveal whether an enrollment exists (research L14).
//!
//! ```
//! use mdmkit::windows::syncml::auth::{self, DigestSecret, Verdict};
//!
//! let secret = DigestSecret::new("dev-user", "s3cret");
//! let nonce = [7u8; 16];
//! // What the device sends:
//! let cred = auth::md5_cred("dev-user", "s3cret", &nonce);
//! assert_eq!(auth::verify(Some(&cred), Some(&secret), &nonce), Verdict::Accepted);
//! assert_eq!(auth::verify(Some(&cred), Some(&secret), &[8u8; 16]), Verdict::Invalid);
//! assert_eq!(auth::verify(None, Some(&secret), &nonce), Verdict::Missing);
//! // The header status for a refusal carries a fresh challenge:
//! let (code, chal) = Verdict::Invalid.header_status(&[9u8; 16]);
//! assert_eq!(code.0, 401);
//! assert_eq!(chal.unwrap().meta.next_nonce.as_deref(), Some("CQkJCQkJCQkJCQkJCQkJCQ=="));
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest as _, Md5};

use super::StatusCode;
use super::model::{Chal, Cred, Meta};
use crate::sensitive::Sensitive;

/// `syncml:auth-md5`.
pub const AUTH_MD5: &str = "syncml:auth-md5";
/// `syncml:auth-basic`.
pub const AUTH_BASIC: &str = "syncml:auth-basic";

/// The credentials a server expects from one device (from the provisioning document's
/// `APPAUTH` with `AAUTHLEVEL` `APPSRV`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSecret {
    username: String,
    password: Sensitive<String>,
}

impl DigestSecret {
    /// The expected user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        DigestSecret {
            username: username.into(),
            password: Sensitive::new(password.into()),
        }
    }

    /// The user name.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }
}

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The MD5 digest text: `b64(md5(b64(md5(username:password)):nonce))`.
///
/// ```
/// // Cross-checked with `openssl md5 -binary | base64`, applied twice.
/// let d = mdmkit::windows::syncml::auth::md5_digest("user", "pass", b"nonce");
/// assert_eq!(d, "f0OWezbxnJd9kOyQYbkfDQ==");
/// ```
#[must_use]
pub fn md5_digest(username: &str, password: &str, nonce: &[u8]) -> String {
    let inner = B64.encode(md5(&[username.as_bytes(), b":", password.as_bytes()]));
    B64.encode(md5(&[inner.as_bytes(), b":", nonce]))
}

/// A `Cred` holding the MD5 digest (what a device sends).
#[must_use]
pub fn md5_cred(username: &str, password: &str, nonce: &[u8]) -> Cred {
    Cred::new(AUTH_MD5, md5_digest(username, password, nonce))
}

/// A `Cred` holding basic credentials, `b64(username:password)`.
#[must_use]
pub fn basic_cred(username: &str, password: &str) -> Cred {
    Cred::new(AUTH_BASIC, B64.encode(format!("{username}:{password}")))
}

/// A challenge for MD5 digest with `next_nonce` (random bytes the caller supplies; 16 or more
/// is usual), written base64 in `NextNonce`.
#[must_use]
pub fn challenge(next_nonce: &[u8]) -> Chal {
    Chal {
        meta: Meta {
            format: Some("b64".to_owned()),
            r#type: Some(AUTH_MD5.to_owned()),
            next_nonce: Some(B64.encode(next_nonce)),
            ..Meta::default()
        },
    }
}

/// Decodes the `NextNonce` of a challenge (what a client hashes next time).
#[must_use]
pub fn decode_nonce(chal: &Chal) -> Option<Vec<u8>> {
    let n = chal.meta.next_nonce.as_deref()?;
    B64.decode(n.trim()).ok()
}

/// The outcome of checking a header's credentials.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The credentials are right.
    Accepted,
    /// No credentials were sent.
    Missing,
    /// The credentials are wrong, of an unsupported type, or the device is unknown.
    Invalid,
}

impl Verdict {
    /// The header status code and challenge to send: `Accepted` → 212 (authenticated for the
    /// rest of the session) without challenge; `Missing` → 407 and `Invalid` → 401, both with
    /// an MD5 challenge carrying `next_nonce`.
    #[must_use]
    pub fn header_status(self, next_nonce: &[u8]) -> (StatusCode, Option<Chal>) {
        match self {
            Verdict::Accepted => (StatusCode::AUTHENTICATION_ACCEPTED, None),
            Verdict::Missing => (StatusCode::MISSING_CREDENTIALS, Some(challenge(next_nonce))),
            Verdict::Invalid => (StatusCode::INVALID_CREDENTIALS, Some(challenge(next_nonce))),
        }
    }
}

/// Constant-time equality of two byte strings of equal length (different lengths: false).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A secret nobody holds, used for unknown devices so that they cost the same work.
fn decoy() -> DigestSecret {
    DigestSecret::new("\u{0}mdmkit-unknown-device", "\u{0}")
}

/// Checks `cred` (the header's `Cred`) against `secret` (None for an unknown device) and the
/// nonce last sent to the device (raw bytes). MD5 digest and basic credentials are accepted;
/// the type is taken from `Cred/Meta/Type` (absent means basic, as OMA DM specifies).
#[must_use]
pub fn verify(cred: Option<&Cred>, secret: Option<&DigestSecret>, nonce: &[u8]) -> Verdict {
    let Some(cred) = cred else {
        return Verdict::Missing;
    };
    let unknown = secret.is_none();
    let fallback = decoy();
    let secret = secret.unwrap_or(&fallback);
    let kind = cred
        .meta
        .as_ref()
        .and_then(|m| m.r#type.as_deref())
        .unwrap_or(AUTH_BASIC)
        .trim();
    let sent = cred.data.expose().trim();
    let ok = match kind {
        AUTH_MD5 => {
            let want = md5_digest(&secret.username, secret.password.expose(), nonce);
            ct_eq(want.as_bytes(), sent.as_bytes())
        }
        AUTH_BASIC => {
            let want = format!("{}:{}", secret.username, secret.password.expose());
            let got = B64.decode(sent).unwrap_or_default();
            ct_eq(want.as_bytes(), &got)
        }
        _ => false,
    };
    if ok && !unknown {
        Verdict::Accepted
    } else {
        Verdict::Invalid
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn digest_matches_the_openssl_cli() {
        // printf 'user:pass' | openssl md5 -binary | base64
        assert_eq!(B64.encode(md5(&[b"user:pass"])), "IaOShYhKJo1kWOP96wi+rA==");
        // printf 'IaOShYhKJo1kWOP96wi+rA==:nonce' | openssl md5 -binary | base64
        assert_eq!(
            md5_digest("user", "pass", b"nonce"),
            "f0OWezbxnJd9kOyQYbkfDQ=="
        );
    }

    #[test]
    fn unknown_device_is_invalid_even_with_decoy_credentials() {
        let d = decoy();
        let cred = md5_cred(&d.username, d.password.expose(), b"n");
        assert_eq!(verify(Some(&cred), None, b"n"), Verdict::Invalid);
    }

    #[test]
    fn basic() {
        let s = DigestSecret::new("u", "p");
        assert_eq!(
            verify(Some(&basic_cred("u", "p")), Some(&s), b""),
            Verdict::Accepted
        );
        assert_eq!(
            verify(Some(&basic_cred("u", "q")), Some(&s), b""),
            Verdict::Invalid
        );
    }
}
