//! Enrollment profiles: the `com.apple.mdm` payload with its device identity and trust anchors.
//!
//! An enrollment profile is a [`Profile`] holding:
//!
//! * one [`Mdm`] payload (`ServerURL`, `CheckInURL`, `Topic`, `IdentityCertificateUUID`,
//!   `SignMessage`, `AccessRights`, `CheckOutWhenRemoved`, `ServerCapabilities`, …);
//! * one identity payload the device authenticates with: [`SecurityScep`], [`SecurityAcme`] or
//!   [`SecurityPkcs12`] ([`Identity`]), whose `PayloadUUID` the MDM payload's
//!   `IdentityCertificateUUID` names;
//! * optionally trust anchors ([`SecurityRoot`]) for the server's TLS chain, and other payloads.
//!
//! [`EnrollmentProfileBuilder::build`] checks these links on top of every
//! [`ProfileBuilder::build`](super::profile::ProfileBuilder::build) rule.
//!
//! ```
//! use mdmkit::apple::enroll::{EnrollmentProfileBuilder, access_rights};
//! use mdmkit::apple::profile::{Mdm, SecurityScep, SecurityScepPayloadContent};
//!
//! let mut scep = SecurityScepPayloadContent::new();
//! scep.url = Some("https://mdm.example.com/scep".into());
//! scep.challenge = Some(mdmkit::Sensitive::new("one-time-secret".into()));
//! scep.keysize = Some(2048);
//! let identity = SecurityScep::new("com.example.mdm.scep", "6E1D7A5C-0000-4000-8000-00000000000A", scep);
//!
//! let mut mdm = Mdm::new(
//!     "com.example.mdm",
//!     "6E1D7A5C-0000-4000-8000-00000000000B",
//!     "6E1D7A5C-0000-4000-8000-00000000000A", // IdentityCertificateUUID → the SCEP payload
//!     "com.apple.mgmt.External.6a4c6f3e-8d9f-4bbd-a1d3-0f0d3b0c9a11",
//!     "https://mdm.example.com/mdm",
//! );
//! mdm.check_in_url = Some("https://mdm.example.com/checkin".into());
//! mdm.sign_message = Some(true);
//! mdm.access_rights = Some(access_rights::ALL);
//! mdm.check_out_when_removed = Some(true);
//!
//! let profile = EnrollmentProfileBuilder::new("com.example.enroll", "6E1D7A5C-0000-4000-8000-00000000000C", mdm)
//!     .identity(identity)
//!     .display_name("Example MDM")
//!     .build()?;
//! assert_eq!(profile.payload_content.len(), 2);
//! # Ok::<(), mdmkit::BuildError>(())
//! ```

use super::profile::{
    Mdm, Payload, PayloadScope, Profile, ProfileBuilder, SecurityAcme, SecurityPkcs12,
    SecurityRoot, SecurityScep,
};
use crate::BuildError;

pub mod access_rights {
    //! Flags of the MDM payload's `AccessRights` (combine with `|`).
    //!
    //! Apple's rules, checked by
    //! [`EnrollmentProfileBuilder::build`](super::EnrollmentProfileBuilder::build): the value is
    //! not zero, has no bit above [`APP_MANAGEMENT`], [`PROFILE_INSTALL_REMOVE`] needs
    //! [`PROFILE_INSPECTION`], and [`PROVISIONING_PROFILE_INSTALL_REMOVE`] needs
    //! [`PROVISIONING_PROFILE_INSPECTION`].

    /// 1: inspect installed configuration profiles.
    pub const PROFILE_INSPECTION: i64 = 1;
    /// 2: install and remove configuration profiles.
    pub const PROFILE_INSTALL_REMOVE: i64 = 2;
    /// 4: device lock and passcode removal.
    pub const DEVICE_LOCK: i64 = 4;
    /// 8: device erase.
    pub const DEVICE_ERASE: i64 = 8;
    /// 16: query device information.
    pub const DEVICE_INFORMATION: i64 = 16;
    /// 32: query network information.
    pub const NETWORK_INFORMATION: i64 = 32;
    /// 64: inspect installed provisioning profiles.
    pub const PROVISIONING_PROFILE_INSPECTION: i64 = 64;
    /// 128: install and remove provisioning profiles.
    pub const PROVISIONING_PROFILE_INSTALL_REMOVE: i64 = 128;
    /// 256: inspect installed apps.
    pub const APP_INSPECTION: i64 = 256;
    /// 512: restriction-related queries.
    pub const RESTRICTION_QUERIES: i64 = 512;
    /// 1024: security-related queries.
    pub const SECURITY_QUERIES: i64 = 1024;
    /// 2048: change settings.
    pub const SETTINGS: i64 = 2048;
    /// 4096: app management.
    pub const APP_MANAGEMENT: i64 = 4096;
    /// Every right (8191).
    pub const ALL: i64 = 8191;
}

/// The payload that gives the device its MDM identity certificate.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    /// Enrolled through SCEP (`com.apple.security.scep`).
    Scep(SecurityScep),
    /// Enrolled through ACME (`com.apple.security.acme`).
    Acme(SecurityAcme),
    /// A PKCS#12 identity shipped in the profile (`com.apple.security.pkcs12`).
    Pkcs12(SecurityPkcs12),
}

impl Identity {
    /// The identity payload's `PayloadUUID`.
    #[must_use]
    pub fn uuid(&self) -> &str {
        match self {
            Identity::Scep(p) => &p.payload_uuid,
            Identity::Acme(p) => &p.payload_uuid,
            Identity::Pkcs12(p) => &p.payload_uuid,
        }
    }
}

impl From<SecurityScep> for Identity {
    fn from(p: SecurityScep) -> Self {
        Identity::Scep(p)
    }
}

impl From<SecurityAcme> for Identity {
    fn from(p: SecurityAcme) -> Self {
        Identity::Acme(p)
    }
}

impl From<SecurityPkcs12> for Identity {
    fn from(p: SecurityPkcs12) -> Self {
        Identity::Pkcs12(p)
    }
}

impl From<Identity> for Payload {
    fn from(i: Identity) -> Self {
        match i {
            Identity::Scep(p) => Payload::SecurityScep(p),
            Identity::Acme(p) => Payload::SecurityAcme(p),
            Identity::Pkcs12(p) => Payload::SecurityPkcs12(p),
        }
    }
}

/// Builds an enrollment profile; [`build`](Self::build) cross-checks the MDM payload against
/// the identity and certificate payloads.
#[derive(Debug, Clone)]
#[must_use]
pub struct EnrollmentProfileBuilder {
    profile: ProfileBuilder,
    mdm: Mdm,
    identity: Option<Identity>,
    anchors: Vec<SecurityRoot>,
    others: Vec<Payload>,
}

impl EnrollmentProfileBuilder {
    /// A builder for a profile `identifier`/`uuid` carrying `mdm`.
    pub fn new(identifier: impl Into<String>, uuid: impl Into<String>, mdm: Mdm) -> Self {
        EnrollmentProfileBuilder {
            profile: Profile::builder(identifier, uuid),
            mdm,
            identity: None,
            anchors: Vec::new(),
            others: Vec::new(),
        }
    }

    /// The identity payload (replaces an earlier one).
    pub fn identity(mut self, identity: impl Into<Identity>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// A trust anchor for the server's TLS chain (`com.apple.security.root`).
    pub fn trust_anchor(mut self, root: SecurityRoot) -> Self {
        self.anchors.push(root);
        self
    }

    /// Any other payload (a `com.apple.security.pem` pinning certificate, restrictions, …).
    pub fn payload(mut self, payload: impl Into<Payload>) -> Self {
        self.others.push(payload.into());
        self
    }

    /// `PayloadDisplayName` of the profile.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.profile = self.profile.display_name(name);
        self
    }

    /// `PayloadDescription` of the profile.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.profile = self.profile.description(text);
        self
    }

    /// `PayloadOrganization` of the profile.
    pub fn organization(mut self, name: impl Into<String>) -> Self {
        self.profile = self.profile.organization(name);
        self
    }

    /// `PayloadScope` of the profile (macOS; enrollment profiles are normally `System`).
    pub fn scope(mut self, scope: PayloadScope) -> Self {
        self.profile = self.profile.scope(scope);
        self
    }

    /// The profile: trust anchors, the identity, other payloads, then the MDM payload.
    ///
    /// Checks, before every [`ProfileBuilder::build`] rule:
    /// * there is an identity payload and `IdentityCertificateUUID` is its `PayloadUUID`;
    /// * a SCEP identity has a non-empty `URL`;
    /// * `ServerURL` and `CheckInURL` are `https://` URLs;
    /// * `Topic` starts with `com.apple.mgmt.` (the MDM push certificate's topic);
    /// * `AccessRights` follows Apple's rules (see [`access_rights`]);
    /// * every `ServerURLPinningCertificateUUIDs` / `CheckInURLPinningCertificateUUIDs` entry
    ///   names a certificate payload (`com.apple.security.root`, `.pkcs1` or `.pem`) of the
    ///   profile.
    ///
    /// # Errors
    /// The first broken rule, as a [`BuildError`].
    pub fn build(self) -> Result<Profile, BuildError> {
        let mdm_path = format!(
            "PayloadContent[{}]",
            self.anchors.len() + usize::from(self.identity.is_some()) + self.others.len()
        );
        let at = |key: &str| format!("{mdm_path}.{key}");
        let Some(identity) = self.identity else {
            return Err(BuildError::IdentityNotFound {
                uuid: self.mdm.identity_certificate_uuid.clone(),
            });
        };
        if identity.uuid() != self.mdm.identity_certificate_uuid {
            return Err(BuildError::IdentityNotFound {
                uuid: self.mdm.identity_certificate_uuid.clone(),
            });
        }
        if let Identity::Scep(s) = &identity
            && s.payload_content.url.as_deref().is_none_or(str::is_empty)
        {
            let index = self.anchors.len();
            return Err(BuildError::MissingKey {
                path: format!("PayloadContent[{index}].PayloadContent.URL"),
            });
        }
        let urls = [
            ("ServerURL", Some(self.mdm.server_url.as_str())),
            ("CheckInURL", self.mdm.check_in_url.as_deref()),
        ];
        for (key, url) in urls {
            if let Some(u) = url
                && !is_https(u)
            {
                return Err(BuildError::Invalid {
                    path: at(key),
                    reason: "must be an https:// URL",
                });
            }
        }
        if !self.mdm.topic.starts_with("com.apple.mgmt.") {
            return Err(BuildError::Invalid {
                path: at("Topic"),
                reason: "must be the push certificate's topic (com.apple.mgmt.…)",
            });
        }
        if let Some(r) = self.mdm.access_rights {
            use access_rights as a;
            let ok = (1..=a::ALL).contains(&r)
                && (r & a::PROFILE_INSTALL_REMOVE == 0 || r & a::PROFILE_INSPECTION != 0)
                && (r & a::PROVISIONING_PROFILE_INSTALL_REMOVE == 0
                    || r & a::PROVISIONING_PROFILE_INSPECTION != 0);
            if !ok {
                return Err(BuildError::Invalid {
                    path: at("AccessRights"),
                    reason: "must be 1..=8191, with 1 set when 2 is and 64 set when 128 is",
                });
            }
        }
        let certificates: Vec<&str> = self
            .anchors
            .iter()
            .map(|a| a.payload_uuid.as_str())
            .chain(self.others.iter().filter_map(|p| match p {
                Payload::SecurityRoot(c) => Some(c.payload_uuid.as_str()),
                Payload::SecurityPkcs1(c) => Some(c.payload_uuid.as_str()),
                Payload::SecurityPem(c) => Some(c.payload_uuid.as_str()),
                _ => None,
            }))
            .collect();
        let pins = [
            (
                "ServerURLPinningCertificateUUIDs",
                &self.mdm.server_url_pinning_certificate_uuids,
            ),
            (
                "CheckInURLPinningCertificateUUIDs",
                &self.mdm.check_in_url_pinning_certificate_uuids,
            ),
        ];
        for (key, list) in pins {
            for (i, uuid) in list.iter().flatten().enumerate() {
                if !certificates.contains(&uuid.as_str()) {
                    return Err(BuildError::CertificateNotFound {
                        path: format!("{}[{i}]", at(key)),
                        uuid: uuid.clone(),
                    });
                }
            }
        }
        let mut profile = self.profile;
        for a in self.anchors {
            profile = profile.payload(a);
        }
        profile = profile.payload(identity);
        for p in self.others {
            profile = profile.payload(p);
        }
        profile.payload(self.mdm).build()
    }
}

fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        && url.len() > 8
}
