//! OS availability facts from Apple's schema (`supportedOS`), as data.
//!
//! Every generated type carries an `AVAILABILITY` constant and a `KEYS` table whose entries
//! carry the per-key overrides, so a server can ask "is this valid for iOS 17 on a
//! user-enrolled device" before it sends anything.
//!
//! ```
//! use mdmkit::apple::availability::{Platform, Version};
//! use mdmkit::apple::checkin::GetToken;
//! assert!(GetToken::AVAILABILITY.is_available(Platform::MacOs, Version::new(14, 0, 0)));
//! assert!(!GetToken::AVAILABILITY.is_available(Platform::Ios, Version::new(16, 0, 0)));
//! ```

use std::fmt;

/// An Apple operating system named in the schema.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// iOS and iPadOS.
    Ios,
    /// macOS.
    MacOs,
    /// tvOS.
    TvOs,
    /// visionOS.
    VisionOs,
    /// watchOS.
    WatchOs,
}

impl Platform {
    /// The schema's spelling (`iOS`, `macOS`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Ios => "iOS",
            Platform::MacOs => "macOS",
            Platform::TvOs => "tvOS",
            Platform::VisionOs => "visionOS",
            Platform::WatchOs => "watchOS",
        }
    }
}

/// An OS version such as `10.15` or `17.4.1`.
#[allow(clippy::exhaustive_structs)] // a version is exactly these three numbers
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u16,
    /// Minor.
    pub minor: u16,
    /// Patch.
    pub patch: u16,
}

impl Version {
    /// `major.minor.patch`.
    #[must_use]
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Parses `14`, `14.2` or `14.2.1` (as devices report `OSVersion`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch != 0 {
            write!(f, ".{}", self.patch)?;
        }
        Ok(())
    }
}

/// When something arrived on a platform.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Introduced {
    /// Available from this version on.
    Since(Version),
    /// Not available on this platform (`n/a` in the schema).
    NotAvailable,
}

/// How a feature relates to user enrollment or Shared iPad.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Usable with or without it.
    Allowed,
    /// Only usable with it.
    Required,
    /// Not usable with it.
    Forbidden,
    /// Accepted but ignored with it.
    Ignored,
}

/// What the schema says about one platform. Fields are `None` where the schema says nothing
/// (for a key, that means "as for the whole message or command").
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OsSupport {
    /// The platform.
    pub platform: Platform,
    /// `introduced`.
    pub introduced: Option<Introduced>,
    /// `deprecated`.
    pub deprecated: Option<Version>,
    /// `removed`.
    pub removed: Option<Version>,
    /// `supervised`: only on supervised devices.
    pub supervised: Option<bool>,
    /// `requiresdep`: only on devices enrolled through Automated Device Enrollment.
    pub requires_dep: Option<bool>,
    /// `userapprovedmdm`.
    pub user_approved_mdm: Option<bool>,
    /// `devicechannel`.
    pub device_channel: Option<bool>,
    /// `userchannel`.
    pub user_channel: Option<bool>,
    /// `userenrollment.mode`.
    pub user_enrollment: Option<Mode>,
    /// `sharedipad.mode`.
    pub shared_ipad: Option<Mode>,
    /// `accessrights`: the MDM access right the enrollment needs.
    pub access_rights: Option<&'static str>,
}

impl OsSupport {
    /// An entry for `platform` with nothing said; generated code fills in the rest.
    #[must_use]
    pub const fn new(platform: Platform) -> Self {
        OsSupport {
            platform,
            introduced: None,
            deprecated: None,
            removed: None,
            supervised: None,
            requires_dep: None,
            user_approved_mdm: None,
            device_channel: None,
            user_channel: None,
            user_enrollment: None,
            shared_ipad: None,
            access_rights: None,
        }
    }
}

/// The `supportedOS` table of a message, command or key.
#[allow(clippy::exhaustive_structs)] // a transparent wrapper over the table
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Availability(pub &'static [OsSupport]);

impl Availability {
    /// The entry for `platform`, if the schema lists it.
    #[must_use]
    pub fn platform(&self, platform: Platform) -> Option<&'static OsSupport> {
        self.0.iter().find(|s| s.platform == platform)
    }

    /// Whether the schema lists `platform` with an `introduced` version at or below `version`,
    /// and no `removed` version at or below it.
    #[must_use]
    pub fn is_available(&self, platform: Platform, version: Version) -> bool {
        let Some(s) = self.platform(platform) else {
            return false;
        };
        let introduced = match s.introduced {
            Some(Introduced::Since(v)) => v <= version,
            Some(Introduced::NotAvailable) | None => false,
        };
        introduced && s.removed.is_none_or(|r| version < r)
    }
}

/// Facts about one key of a generated type.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyInfo {
    /// The wire key (`ANY …` for a dictionary keyed by arbitrary names).
    pub key: &'static str,
    /// The schema type (`<string>`, `<data>`, …).
    pub plist_type: &'static str,
    /// Whether mdmkit requires it when decoding (schema `required` with no per-OS condition).
    pub required: bool,
    /// Whether the schema marks it `required` at all (possibly only on some platforms/channels).
    pub schema_required: bool,
    /// Per-key overrides of the type's availability.
    pub availability: Availability,
    /// The schema's `rangelist`, as text (empty when any value of the type is allowed).
    pub allowed: &'static [&'static str],
    /// The keys of a nested dictionary, or the item description(s) of an array.
    pub subkeys: &'static [KeyInfo],
}

impl KeyInfo {
    /// Used by generated code.
    #[must_use]
    pub const fn new(
        key: &'static str,
        plist_type: &'static str,
        required: bool,
        schema_required: bool,
        availability: Availability,
    ) -> Self {
        KeyInfo {
            key,
            plist_type,
            required,
            schema_required,
            availability,
            allowed: &[],
            subkeys: &[],
        }
    }

    /// Sets [`allowed`](Self::allowed).
    #[must_use]
    pub const fn with_allowed(mut self, allowed: &'static [&'static str]) -> Self {
        self.allowed = allowed;
        self
    }

    /// Sets [`subkeys`](Self::subkeys).
    #[must_use]
    pub const fn with_subkeys(mut self, subkeys: &'static [KeyInfo]) -> Self {
        self.subkeys = subkeys;
        self
    }
}

/// The channel a command is sent on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The device channel (the enrollment's device identity).
    Device,
    /// The user channel (macOS users, Shared iPad users).
    User,
}

/// A device (and channel) a server wants to send something to, for
/// [`Availability::supports`].
///
/// ```
/// use mdmkit::apple::availability::{Platform, Target, Version};
/// use mdmkit::apple::command::{EraseDevice, Request as _};
/// let byod = Target::new(Platform::Ios, Version::new(17, 0, 0)).user_enrollment(true);
/// assert!(!EraseDevice::AVAILABILITY.supports(&byod));
/// let corp = Target::new(Platform::Ios, Version::new(17, 0, 0)).supervised(true);
/// assert!(EraseDevice::AVAILABILITY.supports(&corp));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// The OS.
    pub platform: Platform,
    /// Its version.
    pub version: Version,
    /// Enrolled through User Enrollment.
    pub user_enrollment: bool,
    /// Supervised.
    pub supervised: bool,
    /// Enrolled through Automated Device Enrollment.
    pub ade: bool,
    /// The channel.
    pub channel: Channel,
}

impl Target {
    /// An unsupervised device-enrolled target on the device channel.
    #[must_use]
    pub const fn new(platform: Platform, version: Version) -> Self {
        Target {
            platform,
            version,
            user_enrollment: false,
            supervised: false,
            ade: false,
            channel: Channel::Device,
        }
    }
    /// Sets [`user_enrollment`](Self::user_enrollment).
    #[must_use]
    pub const fn user_enrollment(mut self, yes: bool) -> Self {
        self.user_enrollment = yes;
        self
    }
    /// Sets [`supervised`](Self::supervised).
    #[must_use]
    pub const fn supervised(mut self, yes: bool) -> Self {
        self.supervised = yes;
        self
    }
    /// Sets [`ade`](Self::ade).
    #[must_use]
    pub const fn ade(mut self, yes: bool) -> Self {
        self.ade = yes;
        self
    }
    /// Sets [`channel`](Self::channel).
    #[must_use]
    pub const fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }
}

impl Availability {
    /// Whether the schema allows this on `target`: the platform is listed and the version is in
    /// range ([`is_available`](Self::is_available)), and the entry's supervision, ADE, User
    /// Enrollment and channel conditions hold.
    #[must_use]
    pub fn supports(&self, target: &Target) -> bool {
        if !self.is_available(target.platform, target.version) {
            return false;
        }
        let Some(s) = self.platform(target.platform) else {
            return false;
        };
        if s.supervised == Some(true) && !target.supervised {
            return false;
        }
        if s.requires_dep == Some(true) && !target.ade {
            return false;
        }
        match (s.user_enrollment, target.user_enrollment) {
            (Some(Mode::Forbidden), true) | (Some(Mode::Required), false) => return false,
            _ => {}
        }
        match target.channel {
            Channel::Device => s.device_channel != Some(false),
            Channel::User => s.user_channel == Some(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(Version::parse("10.15"), Some(Version::new(10, 15, 0)));
        assert_eq!(Version::parse("17.4.1"), Some(Version::new(17, 4, 1)));
        assert_eq!(Version::parse("n/a"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        assert!(Version::new(10, 9, 0) < Version::new(10, 15, 0));
        assert_eq!(Version::new(10, 15, 0).to_string(), "10.15");
    }
}
