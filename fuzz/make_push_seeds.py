#!/usr/bin/env python3
"""Writes fuzz/seeds/push_response/: APNs responses in the push_response target's layout
(2-byte big-endian status, 1-byte apns-id length, apns-id, body). Made by hand for this
project from the status codes and reason strings Apple documents; run from anywhere."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "push_response")
ID = b"7d0a8a2c-1f3e-4b5c-9d6e-0f1a2b3c4d5e"

SEEDS = {
    "delivered": (200, ID, b""),
    "bad_device_token": (400, ID, b'{"reason":"BadDeviceToken"}'),
    "idle_timeout": (400, ID, b'{"reason":"IdleTimeout"}'),
    "bad_certificate": (403, ID, b'{"reason":"BadCertificate"}'),
    "unregistered": (410, ID, b'{"reason":"Unregistered","timestamp":1767225600123}'),
    "expired_token": (410, b"", b'{"reason":"ExpiredToken","timestamp":0}'),
    "payload_too_large": (413, ID, b'{"reason":"PayloadTooLarge"}'),
    "too_many_requests": (429, ID, b'{"reason":"TooManyRequests"}'),
    "internal_error_empty": (500, ID, b""),
    "shutdown": (503, ID, b' {"reason":"Shutdown","extra":{"k":[1,2.5,null,true]}} '),
    "unknown_reason": (400, ID, b'{"reason":"Br\\u00e4ndNew"}'),
}

os.makedirs(OUT, exist_ok=True)
for name, (status, apns_id, body) in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack(">HB", status, len(apns_id)) + apns_id + body)
