//! Throwaway test identity for the documentation examples. **Never use it for anything
//! else**: its private key is public.
//!
//! Made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//! -subj "/O=mdmkit/CN=mdmkit doc example" -days 36500` and `openssl pkcs8 -topk8 -nocrypt`.

/// A self-signed P-256 certificate, `CN=mdmkit doc example,O=mdmkit`, valid for 100 years from
/// November 2026.
pub const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBtTCCAVugAwIBAgIGTURNS0lUMAoGCCqGSM49BAMCMC4xDzANBgNVBAoMBm1k
bWtpdDEbMBkGA1UEAwwSbWRta2l0IGRvYyBleGFtcGxlMCAXDTI2MTEyMzEyMzgy
NFoYDzIxMjYxMDMwMTIzODI0WjAuMQ8wDQYDVQQKDAZtZG1raXQxGzAZBgNVBAMM
Em1kbWtpdCBkb2MgZXhhbXBsZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNSy
IXLL6D0szvwrQy/cNs5WbrF4CHt9LJVnemwuvNMWHrsXu9GS80A740zgrshiFBJE
396rJH+h2jK8Dyf/o5mjYzBhMB0GA1UdDgQWBBQ88m9JaPiwOMZkXHtYd6+9EzHy
xTAfBgNVHSMEGDAWgBQ88m9JaPiwOMZkXHtYd6+9EzHyxTAPBgNVHRMBAf8EBTAD
AQH/MA4GA1UdDwEB/wQEAwIChDAKBggqhkjOPQQDAgNIADBFAiAMJFA+PAAnc6B4
WYZpYqZ1LC6qWhTqlUIdOMsFBjNgFgIhAIYObhZPJ6RenGh2FaZt/7VdTT4mLXpS
lEy8LzyCGT2H
-----END CERTIFICATE-----
";

/// The PKCS#8 private key of [`CERT_PEM`].
pub const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwQGxTvLdmr/4A9nv
D623wBdL+7snrK6yhM02JbrmLRahRANCAATUsiFyy+g9LM78K0Mv3DbOVm6xeAh7
fSyVZ3psLrzTFh67F7vRkvNAO+NM4K7IYhQSRN/eqyR/odoyvA8n/6OZ
-----END PRIVATE KEY-----
";
