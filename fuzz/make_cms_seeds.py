#!/usr/bin/env python3
"""Writes the committed seeds of the `cms_verify` fuzz target under fuzz/seeds/cms_verify/ and
the trust anchor it uses, fuzz/fixtures/cms_root.pem.

Every seed is made here, with the `openssl` command-line tool and a throwaway PKI generated on
the spot (root CA -> P-256 and RSA-2048 leaves, valid 2025-2125; the fuzz target judges trust
at 2030-01-01). Nothing is copied from captured traffic or other projects. The keys are
discarded. Run from anywhere: python3 fuzz/make_cms_seeds.py
"""

import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds", "cms_verify")
ROOT_PEM = os.path.join(HERE, "fixtures", "cms_root.pem")

# The body the detached seeds sign; the fuzz target verifies detached input over it.
BODY = b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>Status</key><string>Idle</string></dict></plist>\n'


def run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def strip_ber_econtent(ber: bytes) -> bytes:
    """Cuts the indefinite [0] { OCTET STRING (constructed) { chunks } } that
    `openssl cms -stream -outform DER` always writes, making the signature detached."""
    start = ber.index(bytes([0xA0, 0x80, 0x24, 0x80]))
    pos = start + 4
    while ber[pos] == 0x04:
        l = ber[pos + 1]
        if l < 0x80:
            pos += 2 + l
        else:
            n = l & 0x7F
            pos += 2 + n + int.from_bytes(ber[pos + 2 : pos + 2 + n], "big")
    assert ber[pos : pos + 4] == b"\0\0\0\0"
    return ber[:start] + ber[pos + 4 :]


def main():
    os.makedirs(SEEDS, exist_ok=True)
    for f in os.listdir(SEEDS):
        os.remove(os.path.join(SEEDS, f))
    with tempfile.TemporaryDirectory() as d:
        days = ["-days", "36500"]
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "root.key", "-out", "root.pem", "-subj", "/O=mdmkit fuzz/CN=fuzz root",
            *days, cwd=d)
        with open(os.path.join(d, "leaf.ext"), "w") as f:
            f.write("subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
                    "keyUsage=critical,digitalSignature\n")
        for name, newkey in [("p256", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                             ("rsa", ["rsa:2048"])]:
            run("req", "-newkey", *newkey, "-nodes", "-keyout", f"{name}.key", "-out",
                f"{name}.csr", "-subj", f"/O=mdmkit fuzz/CN=fuzz {name} leaf", cwd=d)
            run("x509", "-req", "-in", f"{name}.csr", "-CA", "root.pem", "-CAkey", "root.key",
                "-set_serial", "7" if name == "p256" else "8", "-out", f"{name}.pem", "-extfile", "leaf.ext", *days, cwd=d)
        with open(os.path.join(d, "body.plist"), "wb") as f:
            f.write(BODY)

        def sign(out, leaf, *extra):
            run("cms", "-sign", "-binary", "-outform", "DER", "-in", "body.plist", "-signer",
                f"{leaf}.pem", "-inkey", f"{leaf}.key", "-out", out, *extra, cwd=d)
            with open(os.path.join(d, out), "rb") as f:
                return f.read()

        seeds = {
            "attached_p256.der": sign("a.der", "p256", "-nodetach"),
            "attached_rsa_sha384.der": sign("b.der", "rsa", "-nodetach", "-md", "sha384"),
            "attached_rsa_sha1.der": sign("c.der", "rsa", "-nodetach", "-md", "sha1"),
            "detached_p256.der": sign("d.der", "p256"),
            "detached_keyid.der": sign("e.der", "p256", "-keyid"),
            "attached_nocerts.der": sign("f.der", "p256", "-nodetach", "-nocerts"),
            "attached_ber_stream.der": sign("g.der", "rsa", "-nodetach", "-stream"),
            # What a device sends as Mdm-Signature: BER, SHA-1, no signed attributes, detached.
            "detached_ber_device.der": strip_ber_econtent(
                sign("h.der", "rsa", "-stream", "-noattr", "-md", "sha1")),
        }
        for name, data in seeds.items():
            with open(os.path.join(SEEDS, name), "wb") as f:
                f.write(data)
        os.makedirs(os.path.dirname(ROOT_PEM), exist_ok=True)
        shutil.copy(os.path.join(d, "root.pem"), ROOT_PEM)
    print(f"wrote {len(seeds)} seeds to {SEEDS} and {ROOT_PEM}")


if __name__ == "__main__":
    main()
