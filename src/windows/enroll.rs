//! Windows enrollment (MS-MDE2): discovery, the X.509 enrollment policy (MS-XCEP), enrollment
//! (MS-WSTEP), certificate issuance from the device's CSR, renewal, and the provisioning
//! document (`wap-provisioningdoc`).
//!
//! All messages are SOAP 1.2 over the hardened XML layer shared with [`super::syncml`]:
//! namespaces resolved, no DOCTYPE, XML's five entities only, limits first.

pub mod soap;

pub mod discovery;
pub mod policy;
pub mod provisioning;
pub mod token;

#[cfg(feature = "cms")]
pub mod certificate;

/// Namespace URIs and action URIs of MS-MDE2 (research §2.11).
pub mod ns {
    /// SOAP 1.2 envelope (`s`).
    pub const SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
    /// WS-Addressing (`a`).
    pub const ADDRESSING: &str = "http://www.w3.org/2005/08/addressing";
    /// The anonymous WS-Addressing reply address.
    pub const ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
    /// WS-Security secext (`wsse` / `o`).
    pub const WSSE: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    /// WS-Security utility (`u`).
    pub const WSU: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    /// The `PasswordText` type of a `UsernameToken` password.
    pub const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
    /// The `base64binary` encoding type of a `BinarySecurityToken`.
    pub const BASE64_BINARY: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary";
    /// WS-Trust (`wst`).
    pub const WST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    /// The authorization namespace of `AdditionalContext` (`ac`; research L2: not the MS
    /// enrollment namespace).
    pub const AC: &str = "http://schemas.xmlsoap.org/ws/2006/12/authorization";
    /// Discovery.
    pub const DISCOVERY: &str =
        "http://schemas.microsoft.com/windows/management/2012/01/enrollment";
    /// X.509 enrollment policy (MS-XCEP).
    pub const XCEP: &str = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy";
    /// MS enrollment extensions (`DispositionMessage`, `RequestID`, PKCS#10/#7 value types).
    pub const ENROLLMENT: &str = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment";
    /// XML Schema instance (`xsi`, for `xsi:nil`).
    pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    /// ServiceModel diagnostics (`ActivityId`).
    pub const DIAGNOSTICS: &str = "http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics";

    /// Discover request action.
    pub const ACTION_DISCOVER: &str = "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover";
    /// Discover response action.
    pub const ACTION_DISCOVER_RESPONSE: &str = "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse";
    /// GetPolicies request action.
    pub const ACTION_GET_POLICIES: &str =
        "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies";
    /// GetPolicies response action.
    pub const ACTION_GET_POLICIES_RESPONSE: &str = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPoliciesResponse";
    /// RequestSecurityToken action.
    pub const ACTION_RST: &str =
        "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep";
    /// RequestSecurityTokenResponseCollection action.
    pub const ACTION_RSTRC: &str =
        "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep";
    /// The SOAP fault action.
    pub const ACTION_FAULT: &str = "http://www.w3.org/2005/08/addressing/soap/fault";

    /// The enrollment token type.
    pub const TOKEN_TYPE: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken";
    /// `RequestType` Issue.
    pub const REQUEST_ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
    /// `RequestType` Renew.
    pub const REQUEST_RENEW: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew";
    /// `ValueType` of a PKCS#10 request.
    pub const VALUE_PKCS10: &str =
        "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10";
    /// `ValueType` of a PKCS#7 (renewal) request.
    pub const VALUE_PKCS7: &str =
        "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS7";
    /// `ValueType` of the provisioning document in the response.
    pub const VALUE_PROVISION_DOC: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc";
    /// `ValueType` of a federated user token.
    pub const VALUE_USER_TOKEN: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken";
    /// The HTTP content type of SOAP 1.2 messages.
    pub const CONTENT_TYPE_SOAP: &str = "application/soap+xml; charset=utf-8";
}
