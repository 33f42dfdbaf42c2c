//! Corpus test for the CMS layer: real `Mdm-Signature` headers (BER, SHA-1, from devices) and
//! real signed configuration profiles, listed in `../shared/fixtures/MANIFEST.tsv` with the
//! kinds `apple-mdm-signature` and `apple-signed-profile`, verify with the facts the manifest
//! gives.
//!
//! Run with `MDMKIT_CORPUS=../shared/fixtures cargo test --test corpus_cms`. Without the
//! variable the test says it was skipped (the fixtures are other projects' data and are not
//! committed).

#![cfg(all(feature = "cms", feature = "apple"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use mdmkit::apple::plist::Value;
use mdmkit::apple::transport::verify_mdm_signature;
use mdmkit::cms::{self, CmsLimits, DigestAlgorithm, Policy, TrustAnchors, VerifyError};
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Row {
    file: String,
    kind: String,
    note: String,
    facts: String,
}

fn unquote(field: &str) -> String {
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or_else(|| field.to_owned(), |inner| inner.replace("\"\"", "\""))
}

fn corpus() -> Option<(PathBuf, Vec<Row>)> {
    let Some(dir) = std::env::var_os("MDMKIT_CORPUS") else {
        println!("corpus_cms: skipped (set MDMKIT_CORPUS to the shared fixtures directory)");
        return None;
    };
    let dir = PathBuf::from(dir);
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let rows = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                file: unquote(f[0]),
                kind: unquote(f[1]),
                note: unquote(f.get(5).copied().unwrap_or_default()),
                facts: unquote(f.get(6).copied().unwrap_or_default()),
            }
        })
        .collect();
    Some((dir, rows))
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join("files").join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The text after `prefix` up to the first of `ends`.
fn fact<'a>(facts: &'a str, prefix: &str, ends: &[&str]) -> &'a str {
    let start = facts
        .find(prefix)
        .unwrap_or_else(|| panic!("no `{prefix}` in {facts}"))
        + prefix.len();
    let rest = &facts[start..];
    let end = ends
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    rest[..end].trim()
}

/// A distinguished name as its attributes in RFC 4514 order (most specific first), whether
/// written that way (`CN=E8,O=Let's Encrypt,C=US`) or OpenSSL's way (`C=US, O=scep, CN=ca`).
fn rdns(name: &str) -> Vec<String> {
    let mut parts: Vec<String> = name.split(',').map(|p| p.trim().to_owned()).collect();
    if parts
        .first()
        .is_some_and(|p| p.starts_with("C=") || p.starts_with("DC=com"))
    {
        parts.reverse();
    }
    parts
}

#[test]
fn mdm_signature_headers() {
    let Some((dir, rows)) = corpus() else { return };
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.kind == "apple-mdm-signature")
        .collect();
    assert_eq!(rows.len(), 2, "expected the two nanomdm headers");
    for row in rows {
        let header = String::from_utf8(read(&dir, &row.file)).unwrap();
        let der = base64::engine::general_purpose::STANDARD
            .decode(header.trim())
            .unwrap();
        assert!(
            row.facts.contains("BER indefinite-length"),
            "{}: {}",
            row.file,
            row.facts
        );
        assert_eq!(&der[..2], &[0x30, 0x80], "{}: BER", row.file);
        let expected_issuer = fact(&row.facts, "signer cert issuer ", &[", empty subject", ";"]);

        // Parses (BER) and names its signer, without a body.
        let info = cms::inspect(&der, &CmsLimits::default()).unwrap();
        assert!(info.is_detached());
        assert_eq!(info.digest_algorithm(), Some(DigestAlgorithm::Sha1));
        let signer = info.signer().expect("signer certificate included");
        assert_eq!(
            rdns(&signer.issuer()),
            rdns(expected_issuer),
            "{}",
            row.file
        );
        assert_eq!(signer.subject(), "", "{}: empty subject", row.file);

        let body_file = row
            .file
            .replace("-header", "-body")
            .replace(".b64", ".plist");
        let body_path = dir.join("files").join(&body_file);
        if body_path.exists() {
            let body = std::fs::read(&body_path).unwrap();
            let policy = Policy::signature_only().allow_sha1(true);
            let sig = verify_mdm_signature(&header, &body, &policy).unwrap();
            assert_eq!(sig.certificate(), signer);
            assert_eq!(sig.fingerprint(), signer.sha256_fingerprint());
            assert_eq!(sig.verified().digest_algorithm(), DigestAlgorithm::Sha1);
            assert_eq!(sig.verified().signing_time(), None);
            println!(
                "{}: verified over {body_file}; signer issuer {}, fingerprint {}",
                row.file,
                signer.issuer(),
                sig.fingerprint()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            );
            // Refused without the SHA-1 opt-in.
            assert!(matches!(
                verify_mdm_signature(&header, &body, &Policy::signature_only()),
                Err(VerifyError::WeakDigest { algorithm: "sha1" })
            ));
            // A changed body: the signature (over the content, no signed attributes) fails.
            let mut changed = body.clone();
            changed.push(b'\n');
            assert!(matches!(
                verify_mdm_signature(&header, &changed, &policy),
                Err(VerifyError::BadSignature { .. })
            ));
            // Trust path on real data: the device certificate itself as the anchor (the CA
            // is not in the corpus), inside its validity period.
            let now = signer.not_before() + Duration::from_secs(86_400);
            let trusted =
                Policy::trust(TrustAnchors::new().with(signer.clone()), now).allow_sha1(true);
            let sig = verify_mdm_signature(&header, &body, &trusted).unwrap();
            assert!(sig.verified().is_trusted());
            let late = Policy::trust(
                TrustAnchors::new().with(signer.clone()),
                signer.not_after() + Duration::from_secs(1),
            )
            .allow_sha1(true);
            assert!(matches!(
                verify_mdm_signature(&header, &body, &late),
                Err(VerifyError::Expired)
            ));
        } else {
            // No body: verification over anything else fails on the signature, after the
            // whole structure was parsed.
            assert!(row.note.contains("no body available"), "{}", row.file);
            assert!(matches!(
                verify_mdm_signature(
                    &header,
                    b"not the body",
                    &Policy::signature_only().allow_sha1(true)
                ),
                Err(VerifyError::BadSignature { .. })
            ));
            println!(
                "{}: parsed (no body); signer issuer {}",
                row.file,
                signer.issuer()
            );
        }
    }
}

#[test]
fn signed_profiles() {
    let Some((dir, rows)) = corpus() else { return };
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.kind == "apple-signed-profile")
        .collect();
    assert_eq!(rows.len(), 2, "expected the two encrypted-dns profiles");
    for row in rows {
        let der = read(&dir, &row.file);
        let v = cms::open_attached(&der).unwrap();
        let subject = fact(&row.facts, "signer subject=", &[";"]);
        let issuer = fact(&row.facts, "issuer=", &[";"]);
        assert_eq!(v.signer().subject(), subject, "{}", row.file);
        assert_eq!(rdns(&v.signer().issuer()), rdns(issuer), "{}", row.file);
        assert_eq!(v.digest_algorithm(), DigestAlgorithm::Sha256);

        // The content is the profile the manifest describes.
        let id = fact(&row.facts, "PayloadIdentifier=", &[";"]);
        let plist = Value::from_xml(v.content()).unwrap();
        let dict = plist.as_dictionary().unwrap();
        assert_eq!(
            dict.get("PayloadIdentifier").and_then(Value::as_str),
            Some(id)
        );
        // And as a typed profile, opened straight from the signed bytes.
        #[cfg(feature = "apple-profiles")]
        {
            use mdmkit::apple::profile::{Payload, Profile};
            let (profile, verified) =
                Profile::from_signed(&der, &cms::Policy::signature_only()).unwrap();
            assert_eq!(verified.signer(), v.signer());
            assert_eq!(profile.payload_identifier, id, "{}", row.file);
            let payloads = fact(&row.facts, "payloads: ", &[";", " ||"]);
            let types: Vec<&str> = profile
                .payload_content
                .iter()
                .map(Payload::payload_type)
                .collect();
            assert_eq!(types.join(", "), payloads, "{}", row.file);
            assert!(
                profile
                    .payload_content
                    .iter()
                    .all(|p| matches!(p, Payload::DnsSettingsManaged(_))),
                "{}: typed payloads",
                row.file
            );
            profile.validate().unwrap();
        }

        // Trust: the included intermediate as anchor, at a time inside the leaf's validity.
        let leaf = v.signer().clone();
        let inter = v
            .certificates()
            .iter()
            .find(|c| c.subject() == leaf.issuer())
            .expect("issuer included")
            .clone();
        assert_eq!(
            rdns(&inter.issuer()),
            rdns("CN=ISRG Root X1,O=Internet Security Research Group,C=US")
        );
        let inside = leaf.not_before() + Duration::from_secs(86_400);
        let trusted = cms::verify_attached(
            &der,
            &Policy::trust(TrustAnchors::new().with(inter.clone()), inside),
        )
        .unwrap();
        assert_eq!(trusted.chain(), &[leaf.clone(), inter.clone()]);
        let after = leaf.not_after() + Duration::from_secs(1);
        assert!(matches!(
            cms::verify_attached(&der, &Policy::trust(TrustAnchors::new().with(inter), after)),
            Err(VerifyError::Expired)
        ));

        if row
            .facts
            .contains("byte-identical to edns-cloudflare-https-unsigned")
        {
            let unsigned = read(&dir, "edns-cloudflare-https-unsigned.mobileconfig");
            assert_eq!(v.content().as_ref(), unsigned.as_slice());
        }
        println!(
            "{}: opened; signer {} issued by {}; {} content bytes",
            row.file,
            v.signer().subject(),
            v.signer().issuer(),
            v.content().len()
        );
    }
}
