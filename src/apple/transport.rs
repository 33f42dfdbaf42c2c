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

#[cfg(feature = "cms")]
pub use mdm_signature::{
    MAX_FORWARDED_CERTIFICATE_BYTES, MAX_MDM_SIGNATURE_HEADER_BYTES, MdmSignature,
    certificate_from_forwarded_header, verify_mdm_signature,
};

#[cfg(feature = "cms")]
mod mdm_signature {
    use crate::cms::{self, Certificate, CmsLimit, Policy, Verified, VerifyError};
    use crate::{DecodeError, DecodeErrorKind, Limit};
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    /// The largest `Mdm-Signature` header value accepted: 64 KiB. A device's signature with
    /// its identity certificate is about 2 KiB of base64.
    pub const MAX_MDM_SIGNATURE_HEADER_BYTES: usize = 64 * 1024;

    /// The largest forwarded client-certificate header accepted: 64 KiB.
    pub const MAX_FORWARDED_CERTIFICATE_BYTES: usize = 64 * 1024;

    /// Standard alphabet; padding may be present or absent (some proxies strip `=`), but the
    /// trailing bits must be canonical.
    const BASE64: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );

    /// An accepted `Mdm-Signature`: the device's identity certificate and the verification
    /// result.
    #[non_exhaustive]
    #[derive(Debug, Clone)]
    pub struct MdmSignature {
        verified: Verified,
        fingerprint: [u8; 32],
    }

    impl MdmSignature {
        /// The certificate that signed the body: the device's (or user channel's) identity
        /// certificate.
        #[must_use]
        pub fn certificate(&self) -> &Certificate {
            self.verified.signer()
        }

        /// SHA-256 of the certificate's DER: look the enrollment up by it.
        #[must_use]
        pub fn fingerprint(&self) -> [u8; 32] {
            self.fingerprint
        }

        /// The full verification result (digest algorithm, included certificates, chain).
        #[must_use]
        pub fn verified(&self) -> &Verified {
            &self.verified
        }

        /// Takes the verification result out.
        #[must_use]
        pub fn into_verified(self) -> Verified {
            self.verified
        }
    }

    /// Verifies an [`Mdm-Signature`](super::MDM_SIGNATURE_HEADER) header value: the base64 of
    /// a detached CMS signature (BER, as devices send it) over the request body.
    ///
    /// Surrounding whitespace is trimmed; the value is standard base64, with or without `=`
    /// padding, no line breaks, at most [`MAX_MDM_SIGNATURE_HEADER_BYTES`]. Devices sign with
    /// SHA-1, so the policy usually needs [`Policy::allow_sha1`]. With
    /// [`Policy::signature_only`] nothing is trusted: the server must then check that
    /// [`MdmSignature::fingerprint`] is the certificate it bound to this device (at
    /// enrollment, from the TLS client certificate or an earlier check-in). With
    /// [`Policy::trust`] the certificate must also chain to the server's device CA.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (cert_pem, key_pem) = mdmkit::cms::doc_support::identity()?;
    /// use base64::Engine as _;
    /// use mdmkit::apple::transport::verify_mdm_signature;
    /// use mdmkit::cms::{sign_detached, Policy, Signer};
    ///
    /// # let device = Signer::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
    /// # let body = b"<plist/>";
    /// # let sig = sign_detached(body, &device, device.certificate().not_before())?;
    /// # let header = base64::engine::general_purpose::STANDARD.encode(sig);
    /// // `header` is the request's Mdm-Signature value, `body` its body.
    /// let sig = verify_mdm_signature(&header, body, &Policy::signature_only().allow_sha1(true))?;
    /// let enrolled_fingerprint = device.certificate().sha256_fingerprint(); // from storage
    /// assert_eq!(sig.fingerprint(), enrolled_fingerprint);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`VerifyError::LimitExceeded`]`(`[`CmsLimit::InputBytes`]`)` for an oversized header;
    /// [`VerifyError::Malformed`] (`what` = `"base64"`) for bad base64; otherwise the errors of
    /// [`cms::verify_detached`].
    pub fn verify_mdm_signature(
        header_value: &str,
        body: &[u8],
        policy: &Policy,
    ) -> Result<MdmSignature, VerifyError> {
        let value = header_value.trim_matches(|c: char| c.is_ascii_whitespace());
        if value.len() > MAX_MDM_SIGNATURE_HEADER_BYTES {
            return Err(VerifyError::LimitExceeded(CmsLimit::InputBytes));
        }
        let der = BASE64.decode(value).map_err(|e| VerifyError::Malformed {
            what: "base64",
            offset: None,
            source: Some(cms::BackendError::new(e)),
        })?;
        let verified = cms::verify_detached(&der, body, policy)?;
        let fingerprint = verified.signer().sha256_fingerprint();
        Ok(MdmSignature {
            verified,
            fingerprint,
        })
    }

    /// Reads the client certificate a TLS-terminating proxy forwards in a header: URL-encoded
    /// PEM (nginx `$ssl_client_escaped_cert`, AWS ALB `X-Amzn-Mtls-Clientcert`), plain PEM, or
    /// bare base64 DER (Traefik `X-Forwarded-Tls-Client-Cert`).
    ///
    /// Percent-escapes (`%2B`, `%0A`, …) are decoded; `+` stays `+` (it is a base64 character,
    /// not a space). Only trust this header when the proxy sets it and strips it from client
    /// requests.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (pem, _) = mdmkit::cms::doc_support::identity()?;
    /// use mdmkit::apple::transport::certificate_from_forwarded_header;
    /// use mdmkit::cms::Certificate;
    ///
    /// // What nginx puts in `$ssl_client_escaped_cert`.
    /// let escaped: String = pem
    ///     .bytes()
    ///     .map(|b| match b {
    ///         b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
    ///         _ => format!("%{b:02X}"),
    ///     })
    ///     .collect();
    /// let cert = certificate_from_forwarded_header(&escaped)?;
    /// assert_eq!(cert, Certificate::from_pem(pem.as_bytes())?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::LimitExceeded`] over [`MAX_FORWARDED_CERTIFICATE_BYTES`];
    /// [`DecodeErrorKind::InvalidValue`]`("percent-encoding")` for a `%` not followed by two
    /// hex digits; [`DecodeErrorKind::InvalidValue`]`("base64")` for bare base64 that does not
    /// decode; the errors of [`Certificate::from_pem`] / [`Certificate::from_der`].
    pub fn certificate_from_forwarded_header(value: &str) -> Result<Certificate, DecodeError> {
        if value.len() > MAX_FORWARDED_CERTIFICATE_BYTES {
            return Err(DecodeError::new(DecodeErrorKind::LimitExceeded(
                Limit::InputBytes,
            )));
        }
        let decoded = percent_decode(value.trim().as_bytes())?;
        if decoded
            .windows(b"-----BEGIN".len())
            .any(|w| w == b"-----BEGIN")
        {
            return Certificate::from_pem(&decoded);
        }
        let compact: Vec<u8> = decoded
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let der = BASE64
            .decode(&compact)
            .map_err(|_| DecodeError::new(DecodeErrorKind::InvalidValue("base64")))?;
        Certificate::from_der(&der)
    }

    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }

    /// Decodes `%XX` escapes; everything else is copied.
    fn percent_decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::with_capacity(input.len());
        let mut i = 0;
        while let Some(&b) = input.get(i) {
            if b == b'%' {
                let hi = input.get(i + 1).copied().and_then(hex);
                let lo = input.get(i + 2).copied().and_then(hex);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(DecodeError::at(
                        DecodeErrorKind::InvalidValue("percent-encoding"),
                        u64::try_from(i).ok(),
                    ));
                };
                out.push(hi << 4 | lo);
                i += 3;
            } else {
                out.push(b);
                i += 1;
            }
        }
        Ok(out)
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
        use super::*;

        #[test]
        fn percent_decoding() {
            assert_eq!(percent_decode(b"a%2Bb%0a+").unwrap(), b"a+b\n+");
            assert!(percent_decode(b"%2").is_err());
            assert!(percent_decode(b"%zz").is_err());
            assert!(percent_decode(b"%").is_err());
        }
    }
}
