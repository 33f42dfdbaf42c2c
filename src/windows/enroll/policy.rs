//! The certificate enrollment policy (MS-XCEP as profiled by MS-MDE2): the client's
//! `GetPolicies` request and the server's `GetPoliciesResponse`.
//!
//! Absent optional elements (`None`) are written `xsi:nil="true"` in the schema's element order,
//! the shape Windows, Microsoft's samples and Fleet use. [`GetPoliciesResponse::standard`] builds
//! the usual MDM policy: 2048-bit minimum keys, SHA-256, the TPM key storage provider first.
//!
//! ```
//! use mdmkit::windows::enroll::policy::{GetPolicies, GetPoliciesResponse};
//! use mdmkit::windows::enroll::soap::{AuthPolicy, Envelope};
//!
//! let body = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
//!   xmlns:a="http://www.w3.org/2005/08/addressing"
//!   xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
//! <s:Header><a:MessageID>urn:uuid:0003</a:MessageID><wsse:Security><wsse:UsernameToken>
//!   <wsse:Username>user@example.com</wsse:Username><wsse:Password>secret</wsse:Password>
//! </wsse:UsernameToken></wsse:Security></s:Header>
//! <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
//!   <GetPolicies xmlns="http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy">
//!     <client><lastUpdate xsi:nil="true"/><preferredLanguage xsi:nil="true"/></client>
//!     <requestFilter xsi:nil="true"/>
//!   </GetPolicies></s:Body></s:Envelope>"#;
//! let request = Envelope::<GetPolicies>::from_xml(body)?;
//! assert!(request.header.credentials(&AuthPolicy::OnPremise).is_ok());
//!
//! let answer = GetPoliciesResponse::standard("MDM enrollment", 365 * 86400, 42 * 86400);
//! let xml = Envelope::reply(&request.header, answer.clone()).to_xml()?;
//! assert!(xml.contains("<minimalKeyLength>2048</minimalKeyLength>"));
//! assert!(xml.contains("<keySpec xsi:nil=\"true\"/>"));
//! let back = Envelope::<GetPoliciesResponse>::from_xml(xml.as_bytes())?;
//! assert_eq!(back.body, answer);
//! # Ok::<(), mdmkit::Error>(())
//! ```

use super::ns;
use super::soap::{
    BodyReader, BodyWriter, NS_XCEP, R, Res, WRes, at, boolean, children, leaf, nil, nillable,
    number, opt_leaf, raws, required, sealed, set_once, trimmed,
};
use crate::error::{DecodeError, DecodeErrorKind as K, EncodeError};
use crate::windows::syncml::RawXml;
use crate::windows::xml::{Start, Writer};

/// The body of a policy request: `GetPolicies`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetPolicies {
    /// `client` (`None`: nil or absent; MS-XCEP says the server answers that with a fault).
    pub client: Option<Client>,
    /// `requestFilter`, verbatim (`None`: nil or absent; Windows sends nil).
    pub request_filter: Option<RawXml>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

/// `GetPolicies/client`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// `lastUpdate` (`xs:dateTime` text; `None`: nil).
    pub last_update: Option<String>,
    /// `preferredLanguage` (`None`: nil).
    pub preferred_language: Option<String>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

impl GetPolicies {
    /// The request Windows sends: a client with nil `lastUpdate` and `preferredLanguage`, and a
    /// nil `requestFilter`.
    #[must_use]
    pub fn new() -> Self {
        GetPolicies {
            client: Some(Client::default()),
            request_filter: None,
            other: Vec::new(),
        }
    }
}

fn is_xcep(s: &Start<'_>) -> bool {
    s.ns == NS_XCEP
}

impl sealed::Sealed for GetPolicies {
    const NAME: &'static str = "GetPolicies";
    const NS: u8 = NS_XCEP;
    const ACTION: &'static str = ns::ACTION_GET_POLICIES;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut client: Option<Option<Client>> = None;
        let mut filter: Option<Option<RawXml>> = None;
        let mut other = Vec::new();
        children(r, &mut other, |r, s| {
            if !is_xcep(s) {
                return Ok(false);
            }
            match s.local {
                "client" => {
                    let v = nillable(r, s, client_body)?;
                    set_once(r, &mut client, v)?;
                }
                "requestFilter" => {
                    let v = if super::soap::is_nil(r, s)? {
                        r.empty()?;
                        None
                    } else {
                        Some(RawXml::from_checked(r.raw_element_standalone(s)?))
                    };
                    set_once(r, &mut filter, v)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(GetPolicies {
            client: client.flatten(),
            request_filter: filter.flatten(),
            other,
        })
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open_start("GetPolicies");
        w.attr("xmlns", ns::XCEP)?;
        w.attr("xmlns:xsi", ns::XSI)?;
        w.close_start();
        match &self.client {
            Some(c) => {
                w.open("client");
                opt_leaf(w, "lastUpdate", c.last_update.as_deref()).map_err(at("client"))?;
                opt_leaf(w, "preferredLanguage", c.preferred_language.as_deref())
                    .map_err(at("client"))?;
                raws(w, &c.other);
                w.close("client");
            }
            None => nil(w, "client"),
        }
        match &self.request_filter {
            Some(f) => w.raw(f.as_xml()),
            None => nil(w, "requestFilter"),
        }
        raws(w, &self.other);
        w.close("GetPolicies");
        Ok(())
    }
}

fn client_body(r: &mut R<'_>) -> Res<Client> {
    let mut last: Option<Option<String>> = None;
    let mut lang: Option<Option<String>> = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        match s.local {
            "lastUpdate" => {
                let v = nillable(r, s, trimmed)?;
                set_once(r, &mut last, v)?;
            }
            "preferredLanguage" => {
                let v = nillable(r, s, trimmed)?;
                set_once(r, &mut lang, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Client {
        last_update: last.flatten(),
        preferred_language: lang.flatten(),
        other,
    })
}

/// The body of the policy response: `GetPoliciesResponse`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetPoliciesResponse {
    /// `response` (`None`: nil).
    pub response: Option<PolicyResponse>,
    /// `cAs` (the issuing CAs), verbatim (`None`: nil, as MDM servers send).
    pub cas: Option<RawXml>,
    /// `oIDs/oID` (`None`: nil).
    pub oids: Option<Vec<Oid>>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

/// `GetPoliciesResponse/response`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyResponse {
    /// `policyID`.
    pub policy_id: String,
    /// `policyFriendlyName`.
    pub policy_friendly_name: Option<String>,
    /// `nextUpdateHours`.
    pub next_update_hours: Option<u32>,
    /// `policiesNotChanged`.
    pub policies_not_changed: Option<bool>,
    /// `policies/policy` (`None`: nil).
    pub policies: Option<Vec<Policy>>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

/// One `policy` (a certificate enrollment policy, MS-XCEP `CertificateEnrollmentPolicy`).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `policyOIDReference`: an `oIDReferenceID` of the response's `oIDs`.
    pub policy_oid_reference: i32,
    /// `cAs/cAReference` (`None`: nil).
    pub cas: Option<Vec<i32>>,
    /// `attributes`.
    pub attributes: Attributes,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

/// `policy/attributes`, in schema order.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// `commonName` (the template name).
    pub common_name: String,
    /// `policySchema` (3 for SHA-2 hash references).
    pub policy_schema: u32,
    /// `certificateValidity`.
    pub certificate_validity: CertificateValidity,
    /// `permission`.
    pub permission: EnrollmentPermission,
    /// `privateKeyAttributes`.
    pub private_key_attributes: PrivateKeyAttributes,
    /// `revision`.
    pub revision: Revision,
    /// `supersededPolicies/commonName`.
    pub superseded_policies: Option<Vec<String>>,
    /// `privateKeyFlags`.
    pub private_key_flags: Option<u32>,
    /// `subjectNameFlags`.
    pub subject_name_flags: Option<u32>,
    /// `enrollmentFlags`.
    pub enrollment_flags: Option<u32>,
    /// `generalFlags`.
    pub general_flags: Option<u32>,
    /// `hashAlgorithmOIDReference`: an `oIDReferenceID` of the response's `oIDs`.
    pub hash_algorithm_oid_reference: Option<i32>,
    /// `rARequirements`, verbatim.
    pub ra_requirements: Option<RawXml>,
    /// `keyArchivalAttributes`, verbatim.
    pub key_archival_attributes: Option<RawXml>,
    /// `extensions`, verbatim.
    pub extensions: Option<RawXml>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

/// `certificateValidity`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CertificateValidity {
    /// `validityPeriodSeconds`.
    pub validity_period_seconds: u64,
    /// `renewalPeriodSeconds`.
    pub renewal_period_seconds: u64,
}

/// `permission`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnrollmentPermission {
    /// `enroll`.
    pub enroll: bool,
    /// `autoEnroll`.
    pub auto_enroll: bool,
}

/// `privateKeyAttributes`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateKeyAttributes {
    /// `minimalKeyLength` (bits).
    pub minimal_key_length: u32,
    /// `keySpec`.
    pub key_spec: Option<u32>,
    /// `keyUsageProperty`.
    pub key_usage_property: Option<u32>,
    /// `permissions` (an SDDL string).
    pub permissions: Option<String>,
    /// `algorithmOIDReference`.
    pub algorithm_oid_reference: Option<i32>,
    /// `cryptoProviders/provider`, in order of preference.
    pub crypto_providers: Option<Vec<String>>,
}

/// `revision`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revision {
    /// `majorRevision`.
    pub major_revision: u32,
    /// `minorRevision`.
    pub minor_revision: u32,
}

/// One `oIDs/oID`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Oid {
    /// `value` (dotted).
    pub value: String,
    /// `group` (1: hash algorithm, …).
    pub group: u32,
    /// `oIDReferenceID`: what `…OIDReference` elements point at.
    pub oid_reference_id: i32,
    /// `defaultName`.
    pub default_name: Option<String>,
    /// Unknown children, verbatim.
    pub other: Vec<RawXml>,
}

impl Oid {
    /// An OID.
    pub fn new(value: impl Into<String>, group: u32, oid_reference_id: i32) -> Self {
        Oid {
            value: value.into(),
            group,
            oid_reference_id,
            default_name: None,
            other: Vec::new(),
        }
    }
}

/// The SHA-256 OID.
pub const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// The TPM key storage provider.
pub const PROVIDER_TPM: &str = "Microsoft Platform Crypto Provider";
/// The software key storage provider.
pub const PROVIDER_SOFTWARE: &str = "Microsoft Software Key Storage Provider";

impl GetPoliciesResponse {
    /// The usual MDM enrollment policy (the shape of Microsoft's sample and Fleet's server):
    /// one policy named `common_name`, schema 3, enroll permitted (not auto-enroll), 2048-bit
    /// minimum keys generated by the TPM provider, else the software one, revision 101.0,
    /// SHA-256 as the hash (`hashAlgorithmOIDReference` 0 → OID `2.16.840.1.101.3.4.2.1`, which
    /// the policy's `policyOIDReference` also names, as in Microsoft's sample), and every other
    /// optional element nil.
    #[must_use]
    pub fn standard(common_name: &str, validity_seconds: u64, renewal_seconds: u64) -> Self {
        let attributes = Attributes {
            common_name: common_name.to_owned(),
            policy_schema: 3,
            certificate_validity: CertificateValidity {
                validity_period_seconds: validity_seconds,
                renewal_period_seconds: renewal_seconds,
            },
            permission: EnrollmentPermission {
                enroll: true,
                auto_enroll: false,
            },
            private_key_attributes: PrivateKeyAttributes {
                minimal_key_length: 2048,
                crypto_providers: Some(vec![PROVIDER_TPM.to_owned(), PROVIDER_SOFTWARE.to_owned()]),
                ..PrivateKeyAttributes::default()
            },
            revision: Revision {
                major_revision: 101,
                minor_revision: 0,
            },
            hash_algorithm_oid_reference: Some(0),
            ..Attributes::default()
        };
        let mut sha256 = Oid::new(OID_SHA256, 1, 0);
        sha256.default_name = Some("szOID_NIST_sha256".to_owned());
        GetPoliciesResponse {
            response: Some(PolicyResponse {
                policies: Some(vec![Policy {
                    policy_oid_reference: 0,
                    cas: None,
                    attributes,
                    other: Vec::new(),
                }]),
                ..PolicyResponse::default()
            }),
            cas: None,
            oids: Some(vec![sha256]),
            other: Vec::new(),
        }
    }
}

impl sealed::Sealed for GetPoliciesResponse {
    const NAME: &'static str = "GetPoliciesResponse";
    const NS: u8 = NS_XCEP;
    const ACTION: &'static str = ns::ACTION_GET_POLICIES_RESPONSE;

    fn decode(b: BodyReader<'_, '_>) -> Result<Self, DecodeError> {
        let r = b.r;
        let mut response: Option<Option<PolicyResponse>> = None;
        let mut cas: Option<Option<RawXml>> = None;
        let mut oids: Option<Option<Vec<Oid>>> = None;
        let mut other = Vec::new();
        children(r, &mut other, |r, s| {
            if !is_xcep(s) {
                return Ok(false);
            }
            match s.local {
                "response" => {
                    let v = nillable(r, s, policy_response)?;
                    set_once(r, &mut response, v)?;
                }
                "cAs" => {
                    let v = raw_nillable(r, s)?;
                    set_once(r, &mut cas, v)?;
                }
                "oIDs" => {
                    let v = nillable(r, s, |r| list(r, "oID", oid))?;
                    set_once(r, &mut oids, v)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(GetPoliciesResponse {
            response: response.flatten(),
            cas: cas.flatten(),
            oids: oids.flatten(),
            other,
        })
    }

    fn encode(&self, b: BodyWriter<'_>) -> Result<(), EncodeError> {
        let w = b.w;
        w.open_start("GetPoliciesResponse");
        w.attr("xmlns", ns::XCEP)?;
        w.attr("xmlns:xsi", ns::XSI)?;
        w.close_start();
        match &self.response {
            Some(p) => write_response(w, p).map_err(at("response"))?,
            None => nil(w, "response"),
        }
        opt_raw(w, "cAs", self.cas.as_ref());
        match &self.oids {
            Some(list) => {
                w.open("oIDs");
                for (i, o) in list.iter().enumerate() {
                    write_oid(w, o).map_err(|e| e.in_index(i).in_key("oIDs"))?;
                }
                w.close("oIDs");
            }
            None => nil(w, "oIDs"),
        }
        raws(w, &self.other);
        w.close("GetPoliciesResponse");
        Ok(())
    }
}

// Decoding.

/// A nillable element kept verbatim.
fn raw_nillable<'a>(r: &mut R<'a>, s: &Start<'a>) -> Res<Option<RawXml>> {
    if super::soap::is_nil(r, s)? {
        r.empty()?;
        return Ok(None);
    }
    Ok(Some(RawXml::from_checked(r.raw_element_standalone(s)?)))
}

/// A collection: every child named `item` decoded by `f`; others are refused.
fn list<'a, T>(
    r: &mut R<'a>,
    item: &'static str,
    mut f: impl FnMut(&mut R<'a>) -> Res<T>,
) -> Res<Vec<T>> {
    let mut out = Vec::new();
    let mut extra = Vec::new();
    children(r, &mut extra, |r, s| {
        if is_xcep(s) && s.local == item {
            let i = out.len();
            out.push(f(r).map_err(|e| e.in_index(i))?);
            return Ok(true);
        }
        Ok(false)
    })?;
    if !extra.is_empty() {
        return Err(r.err(K::WrongType {
            expected: item,
            found: "another element",
        }));
    }
    Ok(out)
}

fn policy_response(r: &mut R<'_>) -> Res<PolicyResponse> {
    let mut id = None;
    let mut name: Option<Option<String>> = None;
    let mut hours: Option<Option<u32>> = None;
    let mut not_changed: Option<Option<bool>> = None;
    let mut policies: Option<Option<Vec<Policy>>> = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        match s.local {
            "policyID" => {
                let v = trimmed(r)?;
                set_once(r, &mut id, v)?;
            }
            "policyFriendlyName" => {
                let v = nillable(r, s, trimmed)?;
                set_once(r, &mut name, v)?;
            }
            "nextUpdateHours" => {
                let v = nillable(r, s, number)?;
                set_once(r, &mut hours, v)?;
            }
            "policiesNotChanged" => {
                let v = nillable(r, s, boolean)?;
                set_once(r, &mut not_changed, v)?;
            }
            "policies" => {
                let v = nillable(r, s, |r| list(r, "policy", policy))?;
                set_once(r, &mut policies, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(PolicyResponse {
        policy_id: required(r, id, "policyID")?,
        policy_friendly_name: name.flatten(),
        next_update_hours: hours.flatten(),
        policies_not_changed: not_changed.flatten(),
        policies: policies.flatten(),
        other,
    })
}

fn policy(r: &mut R<'_>) -> Res<Policy> {
    let mut oid_ref = None;
    let mut cas: Option<Option<Vec<i32>>> = None;
    let mut attributes = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        match s.local {
            "policyOIDReference" => {
                let v = number(r)?;
                set_once(r, &mut oid_ref, v)?;
            }
            "cAs" => {
                let v = nillable(r, s, |r| list(r, "cAReference", number))?;
                set_once(r, &mut cas, v)?;
            }
            "attributes" => {
                let v = attributes_body(r)?;
                set_once(r, &mut attributes, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Policy {
        policy_oid_reference: required(r, oid_ref, "policyOIDReference")?,
        cas: cas.flatten(),
        attributes: required(r, attributes, "attributes")?,
        other,
    })
}

fn attributes_body(r: &mut R<'_>) -> Res<Attributes> {
    let mut common_name = None;
    let mut schema = None;
    let mut validity = None;
    let mut permission = None;
    let mut pka = None;
    let mut revision = None;
    let mut superseded: Option<Option<Vec<String>>> = None;
    let mut flags: [Option<Option<u32>>; 4] = [None, None, None, None];
    let mut hash_ref: Option<Option<i32>> = None;
    let mut ra: Option<Option<RawXml>> = None;
    let mut archival: Option<Option<RawXml>> = None;
    let mut extensions: Option<Option<RawXml>> = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        let flag_slot = match s.local {
            "privateKeyFlags" => Some(0),
            "subjectNameFlags" => Some(1),
            "enrollmentFlags" => Some(2),
            "generalFlags" => Some(3),
            _ => None,
        };
        if let Some(slot) = flag_slot.and_then(|i| flags.get_mut(i)) {
            let v = nillable(r, s, number)?;
            set_once(r, slot, v)?;
            return Ok(true);
        }
        match s.local {
            "commonName" => {
                let v = trimmed(r)?;
                set_once(r, &mut common_name, v)?;
            }
            "policySchema" => {
                let v = number(r)?;
                set_once(r, &mut schema, v)?;
            }
            "certificateValidity" => {
                let v = pair(r, "validityPeriodSeconds", "renewalPeriodSeconds", number)?;
                set_once(
                    r,
                    &mut validity,
                    CertificateValidity {
                        validity_period_seconds: v.0,
                        renewal_period_seconds: v.1,
                    },
                )?;
            }
            "permission" => {
                let v = pair(r, "enroll", "autoEnroll", boolean)?;
                set_once(
                    r,
                    &mut permission,
                    EnrollmentPermission {
                        enroll: v.0,
                        auto_enroll: v.1,
                    },
                )?;
            }
            "privateKeyAttributes" => {
                let v = private_key_attributes(r)?;
                set_once(r, &mut pka, v)?;
            }
            "revision" => {
                let v = pair(r, "majorRevision", "minorRevision", number)?;
                set_once(
                    r,
                    &mut revision,
                    Revision {
                        major_revision: v.0,
                        minor_revision: v.1,
                    },
                )?;
            }
            "supersededPolicies" => {
                let v = nillable(r, s, |r| list(r, "commonName", trimmed))?;
                set_once(r, &mut superseded, v)?;
            }
            "hashAlgorithmOIDReference" => {
                let v = nillable(r, s, number)?;
                set_once(r, &mut hash_ref, v)?;
            }
            "rARequirements" => {
                let v = raw_nillable(r, s)?;
                set_once(r, &mut ra, v)?;
            }
            "keyArchivalAttributes" => {
                let v = raw_nillable(r, s)?;
                set_once(r, &mut archival, v)?;
            }
            "extensions" => {
                let v = raw_nillable(r, s)?;
                set_once(r, &mut extensions, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let [f0, f1, f2, f3] = flags;
    Ok(Attributes {
        common_name: required(r, common_name, "commonName")?,
        policy_schema: required(r, schema, "policySchema")?,
        certificate_validity: required(r, validity, "certificateValidity")?,
        permission: required(r, permission, "permission")?,
        private_key_attributes: required(r, pka, "privateKeyAttributes")?,
        revision: required(r, revision, "revision")?,
        superseded_policies: superseded.flatten(),
        private_key_flags: f0.flatten(),
        subject_name_flags: f1.flatten(),
        enrollment_flags: f2.flatten(),
        general_flags: f3.flatten(),
        hash_algorithm_oid_reference: hash_ref.flatten(),
        ra_requirements: ra.flatten(),
        key_archival_attributes: archival.flatten(),
        extensions: extensions.flatten(),
        other,
    })
}

/// Two required children of the same type, in any order; nothing else.
fn pair<'a, T>(
    r: &mut R<'a>,
    a: &'static str,
    b: &'static str,
    f: impl Fn(&mut R<'a>) -> Res<T>,
) -> Res<(T, T)> {
    let mut va = None;
    let mut vb = None;
    let mut extra = Vec::new();
    children(r, &mut extra, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        if s.local == a {
            let v = f(r)?;
            set_once(r, &mut va, v)?;
        } else if s.local == b {
            let v = f(r)?;
            set_once(r, &mut vb, v)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    })?;
    if !extra.is_empty() {
        return Err(r.err(K::WrongType {
            expected: a,
            found: "another element",
        }));
    }
    Ok((required(r, va, a)?, required(r, vb, b)?))
}

fn private_key_attributes(r: &mut R<'_>) -> Res<PrivateKeyAttributes> {
    let mut len = None;
    let mut spec: Option<Option<u32>> = None;
    let mut usage: Option<Option<u32>> = None;
    let mut perms: Option<Option<String>> = None;
    let mut alg: Option<Option<i32>> = None;
    let mut providers: Option<Option<Vec<String>>> = None;
    let mut extra = Vec::new();
    children(r, &mut extra, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        match s.local {
            "minimalKeyLength" => {
                let v = number(r)?;
                set_once(r, &mut len, v)?;
            }
            "keySpec" => {
                let v = nillable(r, s, number)?;
                set_once(r, &mut spec, v)?;
            }
            "keyUsageProperty" => {
                let v = nillable(r, s, number)?;
                set_once(r, &mut usage, v)?;
            }
            "permissions" => {
                let v = nillable(r, s, trimmed)?;
                set_once(r, &mut perms, v)?;
            }
            "algorithmOIDReference" => {
                let v = nillable(r, s, number)?;
                set_once(r, &mut alg, v)?;
            }
            "cryptoProviders" => {
                let v = nillable(r, s, |r| list(r, "provider", trimmed))?;
                set_once(r, &mut providers, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !extra.is_empty() {
        return Err(r.err(K::WrongType {
            expected: "a privateKeyAttributes element",
            found: "another element",
        }));
    }
    Ok(PrivateKeyAttributes {
        minimal_key_length: required(r, len, "minimalKeyLength")?,
        key_spec: spec.flatten(),
        key_usage_property: usage.flatten(),
        permissions: perms.flatten(),
        algorithm_oid_reference: alg.flatten(),
        crypto_providers: providers.flatten(),
    })
}

fn oid(r: &mut R<'_>) -> Res<Oid> {
    let mut value = None;
    let mut group = None;
    let mut id = None;
    let mut name: Option<Option<String>> = None;
    let mut other = Vec::new();
    children(r, &mut other, |r, s| {
        if !is_xcep(s) {
            return Ok(false);
        }
        match s.local {
            "value" => {
                let v = trimmed(r)?;
                set_once(r, &mut value, v)?;
            }
            "group" => {
                let v = number(r)?;
                set_once(r, &mut group, v)?;
            }
            "oIDReferenceID" => {
                let v = number(r)?;
                set_once(r, &mut id, v)?;
            }
            "defaultName" => {
                let v = nillable(r, s, trimmed)?;
                set_once(r, &mut name, v)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Oid {
        value: required(r, value, "value")?,
        group: required(r, group, "group")?,
        oid_reference_id: required(r, id, "oIDReferenceID")?,
        default_name: name.flatten(),
        other,
    })
}

// Encoding.

fn opt_raw(w: &mut Writer, name: &str, v: Option<&RawXml>) {
    match v {
        Some(x) => w.raw(x.as_xml()),
        None => nil(w, name),
    }
}

fn opt_num<T: ToString>(w: &mut Writer, name: &str, v: Option<T>) -> WRes {
    opt_leaf(w, name, v.map(|n| n.to_string()).as_deref())
}

fn write_response(w: &mut Writer, p: &PolicyResponse) -> WRes {
    w.open("response");
    leaf(w, "policyID", &p.policy_id)?;
    opt_leaf(w, "policyFriendlyName", p.policy_friendly_name.as_deref())?;
    opt_num(w, "nextUpdateHours", p.next_update_hours)?;
    opt_num(w, "policiesNotChanged", p.policies_not_changed)?;
    match &p.policies {
        Some(list) => {
            w.open("policies");
            for (i, pol) in list.iter().enumerate() {
                write_policy(w, pol).map_err(|e| e.in_index(i).in_key("policies"))?;
            }
            w.close("policies");
        }
        None => nil(w, "policies"),
    }
    raws(w, &p.other);
    w.close("response");
    Ok(())
}

fn write_policy(w: &mut Writer, p: &Policy) -> WRes {
    w.open("policy");
    leaf(w, "policyOIDReference", &p.policy_oid_reference.to_string())?;
    match &p.cas {
        Some(list) => {
            w.open("cAs");
            for c in list {
                leaf(w, "cAReference", &c.to_string())?;
            }
            w.close("cAs");
        }
        None => nil(w, "cAs"),
    }
    write_attributes(w, &p.attributes).map_err(at("attributes"))?;
    raws(w, &p.other);
    w.close("policy");
    Ok(())
}

fn write_attributes(w: &mut Writer, a: &Attributes) -> WRes {
    w.open("attributes");
    leaf(w, "commonName", &a.common_name)?;
    leaf(w, "policySchema", &a.policy_schema.to_string())?;
    w.open("certificateValidity");
    let v = &a.certificate_validity;
    leaf(
        w,
        "validityPeriodSeconds",
        &v.validity_period_seconds.to_string(),
    )?;
    leaf(
        w,
        "renewalPeriodSeconds",
        &v.renewal_period_seconds.to_string(),
    )?;
    w.close("certificateValidity");
    w.open("permission");
    leaf(w, "enroll", &a.permission.enroll.to_string())?;
    leaf(w, "autoEnroll", &a.permission.auto_enroll.to_string())?;
    w.close("permission");
    let k = &a.private_key_attributes;
    w.open("privateKeyAttributes");
    leaf(w, "minimalKeyLength", &k.minimal_key_length.to_string())?;
    opt_num(w, "keySpec", k.key_spec)?;
    opt_num(w, "keyUsageProperty", k.key_usage_property)?;
    opt_leaf(w, "permissions", k.permissions.as_deref()).map_err(at("privateKeyAttributes"))?;
    opt_num(w, "algorithmOIDReference", k.algorithm_oid_reference)?;
    match &k.crypto_providers {
        Some(list) => {
            w.open("cryptoProviders");
            for p in list {
                leaf(w, "provider", p)
                    .map_err(at("cryptoProviders"))
                    .map_err(at("privateKeyAttributes"))?;
            }
            w.close("cryptoProviders");
        }
        None => nil(w, "cryptoProviders"),
    }
    w.close("privateKeyAttributes");
    w.open("revision");
    leaf(w, "majorRevision", &a.revision.major_revision.to_string())?;
    leaf(w, "minorRevision", &a.revision.minor_revision.to_string())?;
    w.close("revision");
    match &a.superseded_policies {
        Some(list) => {
            w.open("supersededPolicies");
            for n in list {
                leaf(w, "commonName", n).map_err(at("supersededPolicies"))?;
            }
            w.close("supersededPolicies");
        }
        None => nil(w, "supersededPolicies"),
    }
    opt_num(w, "privateKeyFlags", a.private_key_flags)?;
    opt_num(w, "subjectNameFlags", a.subject_name_flags)?;
    opt_num(w, "enrollmentFlags", a.enrollment_flags)?;
    opt_num(w, "generalFlags", a.general_flags)?;
    opt_num(
        w,
        "hashAlgorithmOIDReference",
        a.hash_algorithm_oid_reference,
    )?;
    opt_raw(w, "rARequirements", a.ra_requirements.as_ref());
    opt_raw(
        w,
        "keyArchivalAttributes",
        a.key_archival_attributes.as_ref(),
    );
    opt_raw(w, "extensions", a.extensions.as_ref());
    raws(w, &a.other);
    w.close("attributes");
    Ok(())
}

fn write_oid(w: &mut Writer, o: &Oid) -> WRes {
    w.open("oID");
    leaf(w, "value", &o.value)?;
    leaf(w, "group", &o.group.to_string())?;
    leaf(w, "oIDReferenceID", &o.oid_reference_id.to_string())?;
    opt_leaf(w, "defaultName", o.default_name.as_deref())?;
    raws(w, &o.other);
    w.close("oID");
    Ok(())
}
