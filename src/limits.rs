//! Resource limits enforced by every decoder.

/// Bounds on what a decoder accepts. Every `from_*` checks the input size before it parses and
/// counts the rest on the event stream, so a hostile peer cannot make mdmkit recurse deeply or
/// allocate more than these allow.
///
/// The defaults fit the largest real messages in the project's corpus with ample room: a macOS
/// `DeviceInformation` answer is about 10 KiB at depth 3, an `InstalledApplicationList` with
/// 500 apps about 300 KiB, and a TokenUpdate's `UnlockToken` about 1.3 KiB of data.
///
/// ```
/// use mdmkit::Limits;
/// let strict = Limits::default().with_max_input_bytes(64 * 1024).with_max_depth(8);
/// assert_eq!(strict.max_depth, 8);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes. Default 8 MiB: MDM bodies are small, and this leaves
    /// room for enterprise app lists and profiles carrying certificates.
    pub max_input_bytes: usize,
    /// Deepest nesting of containers (dictionaries and arrays). Default 32; Apple's deepest
    /// schema structures nest fewer than 10 levels. Decoding never recurses, but dropping,
    /// writing or serializing a [`Value`](crate::apple::plist::Value) does, once per level: keep
    /// this in the low thousands at most.
    pub max_depth: usize,
    /// Most values in one document (every scalar, dictionary and array counts one).
    /// Default 1,000,000.
    pub max_items: usize,
    /// Longest single string (or dictionary key), in bytes after unescaping. Default 1 MiB.
    pub max_string_bytes: usize,
    /// Largest single `data` value, in decoded bytes. Default 8 MiB.
    pub max_data_bytes: usize,
}

impl Limits {
    /// The defaults, usable in `const` context.
    pub const DEFAULT: Limits = Limits {
        max_input_bytes: 8 * 1024 * 1024,
        max_depth: 32,
        max_items: 1_000_000,
        max_string_bytes: 1024 * 1024,
        max_data_bytes: 8 * 1024 * 1024,
    };

    /// Sets [`max_input_bytes`](Self::max_input_bytes).
    #[must_use]
    pub const fn with_max_input_bytes(mut self, n: usize) -> Self {
        self.max_input_bytes = n;
        self
    }
    /// Sets [`max_depth`](Self::max_depth).
    #[must_use]
    pub const fn with_max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }
    /// Sets [`max_items`](Self::max_items).
    #[must_use]
    pub const fn with_max_items(mut self, n: usize) -> Self {
        self.max_items = n;
        self
    }
    /// Sets [`max_string_bytes`](Self::max_string_bytes).
    #[must_use]
    pub const fn with_max_string_bytes(mut self, n: usize) -> Self {
        self.max_string_bytes = n;
        self
    }
    /// Sets [`max_data_bytes`](Self::max_data_bytes).
    #[must_use]
    pub const fn with_max_data_bytes(mut self, n: usize) -> Self {
        self.max_data_bytes = n;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
