#!/usr/bin/env python3
"""Writes the committed seeds of the `mde2_csr` fuzz target under fuzz/seeds/mde2_csr/.

Every seed is a PKCS#10 request made here with the `openssl` command-line tool and throwaway
keys (discarded): RSA-2048/SHA-256, RSA with requested extensions (the MS-MDE2 DeviceID one
among them), EC P-256/SHA-256, P-384/SHA-384, Ed25519 (parses, unsupported), an empty subject,
and a Windows-style request (CN with '!' and NUL in a PrintableString, OIW sha1WithRSA) from
tests/fixtures/make_windows_csr.py. Nothing is copied from captured traffic or other projects.
Run from anywhere: python3 fuzz/make_csr_seeds.py
"""

import importlib.util
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds", "mde2_csr")
WINDOWS = os.path.join(HERE, "..", "tests", "fixtures", "make_windows_csr.py")
DEVICE_ID = b"0123456789ABCDEF0123456789ABCDEF\0".hex()

REQUESTS = {
    "rsa2048_sha256.der": (["-newkey", "rsa:2048"], "/O=mdmkit fuzz/CN=fuzz rsa", []),
    "rsa2048_exts.der": (["-newkey", "rsa:2048"], "/CN=fuzz exts",
                         ["-addext", "1.3.6.1.4.1.311.66.1.0=DER:" + DEVICE_ID,
                          "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                          "-addext", "subjectAltName=DNS:fuzz.example"]),
    "p256_sha256.der": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                        "/CN=fuzz p256", ["-sha256"]),
    "p384_sha384.der": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
                        "/CN=fuzz p384", ["-sha384"]),
    "ed25519.der": (["-newkey", "ed25519"], "/CN=fuzz ed25519", []),
    "empty_subject.der": (["-newkey", "rsa:2048"], "/", []),
}


def main():
    os.makedirs(SEEDS, exist_ok=True)
    for f in os.listdir(SEEDS):
        os.remove(os.path.join(SEEDS, f))
    with tempfile.TemporaryDirectory() as d:
        for name, (newkey, subj, extra) in REQUESTS.items():
            subprocess.run(["openssl", "req", "-new", *newkey, "-nodes", "-keyout", "key.pem",
                            "-outform", "DER", "-out", os.path.join(SEEDS, name), "-subj", subj,
                            *extra], cwd=d, check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location("make_windows_csr", WINDOWS)
    windows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(windows)
    windows.make(os.path.join(SEEDS, "windows_style.der"))
    print(f"{len(os.listdir(SEEDS))} seeds in {SEEDS}")


if __name__ == "__main__":
    main()
