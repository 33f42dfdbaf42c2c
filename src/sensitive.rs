//! [`Sensitive`]: a wrapper that keeps secrets out of logs.

use std::fmt;

/// A secret the device sent or the server hands out: push tokens, `PushMagic`, `UnlockToken`,
/// `BootstrapToken`, passwords.
///
/// `Debug` prints `Sensitive(<redacted>)`, and there is no `Display`, so a `{:?}` of a whole
/// check-in message never leaks a token into logs. Reach the value on purpose with
/// [`expose`](Self::expose) or [`into_inner`](Self::into_inner). Serde serialization (behind the
/// serde derive of the containing type) writes the real value: storing a token is legitimate.
///
/// ```
/// use mdmkit::Sensitive;
/// let magic = Sensitive::new(String::from("CEFDF0BD-E342"));
/// assert_eq!(format!("{magic:?}"), "Sensitive(<redacted>)");
/// assert_eq!(magic.expose(), "CEFDF0BD-E342");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub const fn new(value: T) -> Self {
        Sensitive(value)
    }
    /// Borrows the secret.
    pub fn expose(&self) -> &T {
        &self.0
    }
    /// Unwraps the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

impl<T: serde::Serialize> serde::Serialize for Sensitive<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Sensitive<T> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref()
    }
}
