//! `mdmctl`: a command-line tool over mdmkit.
//!
//! ```text
//! cargo run --example mdmctl -- decode FILE            # any Apple or Windows MDM message → JSON
//! cargo run --example mdmctl -- sign --cert C.pem --key K.pem [--chain CHAIN.pem] IN OUT
//! cargo run --example mdmctl -- verify [--ca CA.pem] [--allow-sha1] [--out PROFILE.plist] FILE
//! cargo run --example mdmctl -- enroll-profile --server-url URL --topic TOPIC \
//!     (--p12 IDENTITY.p12 --p12-password PW | --scep-url URL [--scep-challenge C]) \
//!     [--checkin-url URL] [--ca CA.pem] [--sign-cert C.pem --sign-key K.pem] --out FILE
//! ```
//!
//! `decode` reads files as devices and peers send them and recognises:
//! Apple check-in messages and command reports, MDM commands, configuration profiles (plain or
//! CMS-signed: the signature is shown, not trusted; use `verify` for that), other property lists,
//! DDM documents (declarations, status reports, tokens, declaration items), SyncML messages (XML,
//! and WBXML with the `wbxml` feature), MS-MDE2 SOAP messages (discovery, policy, enrollment
//! requests and responses, faults) and provisioning documents. Secrets are printed: this is your
//! own file.
//!
//! Exit codes: 0 success, 1 the input was refused (decode, verify or build error), 2 usage error.

mod decode;
mod json;

use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use mdmkit::apple::enroll::{EnrollmentProfileBuilder, access_rights};
use mdmkit::apple::profile::{
    Mdm, Profile, SecurityPkcs12, SecurityRoot, SecurityScep, SecurityScepPayloadContent,
};
use mdmkit::cms::{Certificate, Policy, Signer, TrustAnchors};

const USAGE: &str = "\
usage:
  mdmctl decode FILE
  mdmctl sign --cert CERT.pem --key KEY.pem [--chain CHAIN.pem] IN OUT
  mdmctl verify [--ca CA.pem] [--allow-sha1] [--out PROFILE.plist] FILE
  mdmctl enroll-profile --server-url URL --topic TOPIC
        (--p12 IDENTITY.p12 --p12-password PASSWORD | --scep-url URL [--scep-challenge SECRET])
        [--checkin-url URL] [--identifier ID] [--name NAME] [--ca CA.pem]
        [--sign-cert CERT.pem --sign-key KEY.pem] --out FILE";

/// What went wrong, and which exit code it maps to.
#[derive(Debug)]
enum Failure {
    /// Bad command line (exit 2).
    Usage(String),
    /// The input or the operation failed (exit 1).
    Failed(String),
}

impl Failure {
    fn failed(context: impl std::fmt::Display, e: impl std::fmt::Display) -> Self {
        Failure::Failed(format!("{context}: {e}"))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((cmd, rest)) => match cmd.as_str() {
            "decode" => cmd_decode(rest),
            "sign" => cmd_sign(rest),
            "verify" => cmd_verify(rest),
            "enroll-profile" => cmd_enroll_profile(rest),
            "-h" | "--help" | "help" => {
                println!("{USAGE}");
                Ok(())
            }
            other => Err(Failure::Usage(format!("unknown command `{other}`"))),
        },
        None => Err(Failure::Usage("no command".into())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("mdmctl: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("mdmctl: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Flags (`--name value` or `--switch`) and positional arguments.
struct Args {
    flags: Vec<(String, Option<String>)>,
    positional: Vec<String>,
}

impl Args {
    /// Splits `args`; `switches` are the flags that take no value.
    fn parse(args: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, Failure> {
        let mut flags = Vec::new();
        let mut positional = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if let Some(name) = arg.strip_prefix("--") {
                if switches.contains(&name) {
                    flags.push((name.to_owned(), None));
                } else if valued.contains(&name) {
                    let value = it
                        .next()
                        .ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                    if flags.iter().any(|(n, _)| n == name) {
                        return Err(Failure::Usage(format!("--{name} given twice")));
                    }
                    flags.push((name.to_owned(), Some(value.clone())));
                } else {
                    return Err(Failure::Usage(format!("unknown flag --{name}")));
                }
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Args { flags, positional })
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn required(&self, name: &str) -> Result<&str, Failure> {
        self.value(name)
            .ok_or_else(|| Failure::Usage(format!("--{name} is required")))
    }

    fn switch(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    fn positional<const N: usize>(&self, what: &str) -> Result<[&str; N], Failure> {
        let v: Vec<&str> = self.positional.iter().map(String::as_str).collect();
        v.try_into()
            .map_err(|_| Failure::Usage(format!("expected {what}")))
    }
}

fn read(path: &str) -> Result<Vec<u8>, Failure> {
    // Messages are small; refuse what is clearly not one before reading it all.
    const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
    let len = std::fs::metadata(path)
        .map_err(|e| Failure::failed(path, e))?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(Failure::Failed(format!(
            "{path}: {len} bytes is more than the {MAX_FILE_BYTES}-byte limit"
        )));
    }
    std::fs::read(path).map_err(|e| Failure::failed(path, e))
}

/// Prints `text` to standard output; a closed pipe (`mdmctl decode F | head`) is not an error.
fn print_out(text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::failed("stdout", e)),
        _ => Ok(()),
    }
}

fn write(path: &str, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::failed(path, e))
}

fn cmd_decode(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &[], &[])?;
    let [path] = args.positional::<1>("one FILE")?;
    let bytes = read(path)?;
    let value = decode::decode(&bytes).map_err(|e| Failure::failed(path, e))?;
    let text = serde_json::to_string_pretty(&value).map_err(|e| Failure::failed(path, e))?;
    print_out(&text)
}

fn signer(cert: &str, key: &str, chain: Option<&str>) -> Result<Signer, Failure> {
    let signer = Signer::from_pem(&read(cert)?, &read(key)?)
        .map_err(|e| Failure::failed(format!("{cert} + {key}"), e))?;
    Ok(match chain {
        Some(path) => {
            let certs =
                Certificate::all_from_pem(&read(path)?).map_err(|e| Failure::failed(path, e))?;
            signer.with_chain(certs)
        }
        None => signer,
    })
}

fn cmd_sign(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["cert", "key", "chain"], &[])?;
    let [input, output] = args.positional::<2>("IN and OUT")?;
    let signer = signer(
        args.required("cert")?,
        args.required("key")?,
        args.value("chain"),
    )?;
    let profile = Profile::from_slice(&read(input)?).map_err(|e| Failure::failed(input, e))?;
    profile.validate().map_err(|e| Failure::failed(input, e))?;
    let der = profile
        .sign(&signer, SystemTime::now())
        .map_err(|e| Failure::failed("signing", e))?;
    write(output, &der)?;
    eprintln!(
        "signed {} ({} payloads) as {}: {output} ({} bytes)",
        profile.payload_identifier,
        profile.payload_content.len(),
        signer.certificate().subject(),
        der.len()
    );
    Ok(())
}

fn cmd_verify(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["ca", "out"], &["allow-sha1"])?;
    let [input] = args.positional::<1>("one FILE")?;
    let policy = match args.value("ca") {
        Some(ca) => {
            let anchors =
                Certificate::all_from_pem(&read(ca)?).map_err(|e| Failure::failed(ca, e))?;
            Policy::trust(
                anchors.into_iter().collect::<TrustAnchors>(),
                SystemTime::now(),
            )
        }
        None => Policy::signature_only(),
    }
    .allow_sha1(args.switch("allow-sha1"));
    let (profile, verified) =
        Profile::from_signed(&read(input)?, &policy).map_err(|e| Failure::failed(input, e))?;
    let report = serde_json::json!({
        "signature": "valid",
        "trusted": verified.is_trusted(),
        "signer": verified.signer().subject(),
        "chain": verified.chain().iter().map(Certificate::subject).collect::<Vec<_>>(),
        "digest": format!("{:?}", verified.digest_algorithm()),
        "profile": {
            "PayloadIdentifier": profile.payload_identifier,
            "PayloadUUID": profile.payload_uuid,
            "payloads": profile.payload_content.len(),
        },
    });
    if let Some(out) = args.value("out") {
        write(out, verified.content())?;
    }
    let text = serde_json::to_string_pretty(&report).map_err(|e| Failure::failed(input, e))?;
    print_out(&text)
}

/// A random version-4 UUID in upper case, as profiles carry them.
fn random_uuid() -> Result<String, Failure> {
    let mut b = [0u8; 16];
    openssl::rand::rand_bytes(&mut b).map_err(|e| Failure::failed("randomness", e))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

fn cmd_enroll_profile(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(
        args,
        &[
            "server-url",
            "checkin-url",
            "topic",
            "p12",
            "p12-password",
            "scep-url",
            "scep-challenge",
            "identifier",
            "name",
            "ca",
            "sign-cert",
            "sign-key",
            "out",
        ],
        &[],
    )?;
    args.positional::<0>("no positional argument")?;
    let out = args.required("out")?;
    let identifier = args.value("identifier").unwrap_or("com.example.mdm.enroll");
    let identity_uuid = random_uuid()?;
    let identity: mdmkit::apple::enroll::Identity =
        match (args.value("p12"), args.value("scep-url")) {
            (Some(p12), None) => {
                let mut payload = SecurityPkcs12::new(
                    format!("{identifier}.identity"),
                    identity_uuid.clone(),
                    read(p12)?,
                );
                payload.password = Some(mdmkit::Sensitive::new(
                    args.required("p12-password")?.to_owned(),
                ));
                payload.into()
            }
            (None, Some(url)) => {
                let mut content = SecurityScepPayloadContent::new();
                content.url = Some(url.to_owned());
                content.challenge = args
                    .value("scep-challenge")
                    .map(|c| mdmkit::Sensitive::new(c.to_owned()));
                content.keysize = Some(2048);
                SecurityScep::new(format!("{identifier}.scep"), identity_uuid.clone(), content)
                    .into()
            }
            _ => {
                return Err(Failure::Usage(
                    "give exactly one identity: --p12 (with --p12-password) or --scep-url".into(),
                ));
            }
        };
    let mut mdm = Mdm::new(
        format!("{identifier}.mdm"),
        random_uuid()?,
        identity_uuid,
        args.required("topic")?,
        args.required("server-url")?,
    );
    mdm.check_in_url = args.value("checkin-url").map(str::to_owned);
    mdm.sign_message = Some(true);
    mdm.access_rights = Some(access_rights::ALL);
    mdm.check_out_when_removed = Some(true);
    let mut builder = EnrollmentProfileBuilder::new(identifier, random_uuid()?, mdm)
        .identity(identity)
        .display_name(args.value("name").unwrap_or("MDM enrollment"));
    if let Some(ca) = args.value("ca") {
        let cert = Certificate::from_pem(&read(ca)?).map_err(|e| Failure::failed(ca, e))?;
        builder = builder.trust_anchor(SecurityRoot::new(
            format!("{identifier}.ca"),
            random_uuid()?,
            cert.der().clone(),
        ));
    }
    let profile = builder
        .build()
        .map_err(|e| Failure::failed("building the profile", e))?;
    let bytes = match (args.value("sign-cert"), args.value("sign-key")) {
        (Some(cert), Some(key)) => profile
            .sign(&signer(cert, key, None)?, SystemTime::now())
            .map_err(|e| Failure::failed("signing", e))?,
        (None, None) => profile
            .to_xml()
            .map_err(|e| Failure::failed("encoding", e))?,
        _ => {
            return Err(Failure::Usage(
                "--sign-cert and --sign-key go together".into(),
            ));
        }
    };
    write(out, &bytes)?;
    eprintln!(
        "{}: enrollment profile {} ({} payloads, {} bytes)",
        Path::new(out).display(),
        profile.payload_identifier,
        profile.payload_content.len(),
        bytes.len()
    );
    Ok(())
}
