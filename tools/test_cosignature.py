#!/usr/bin/env python3
"""A witness cosignature made by our code (the vector Tests/MinpingLogTests/CosignatureTests.swift
checks byte for byte) verifies with Python's `cryptography` from SPEC §5's byte layout alone:
key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4]; the line is
`— <name> base64(key ID || time (8, big-endian) || signature (64))` over
`cosignature/v1\\ntime <t>\\n` + the checkpoint's note text.

Usage: tools/test_cosignature.py
"""
import base64
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

NAME = "district.example/witness"
TEXT = "minping/chengqu/lz-2026\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
LINE = ("\u2014 district.example/witness "
        "iPuDNAAAAABrSdIAFdY1r19sUuP7/ndzTPOfDS7/z/9R7o74bedQewukVfLWanQUfp/9NJMqtpcEiu4wI32zRmPGRbefGtaFss+ADA==")
VKEY = "district.example/witness+88fb8334+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk"


def verify(line, text, vkey):
    name, key_id_hex, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 0x04 and len(key) == 33, "a cosignature key is type 0x04"
    assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_id_hex, "key ID"
    dash, line_name, blob_b64 = line.split(" ")
    blob = base64.b64decode(blob_b64)
    assert dash == "\u2014" and line_name == name and blob[:4].hex() == key_id_hex and len(blob) == 76
    (time,) = struct.unpack(">Q", blob[4:12])
    Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[12:], ("cosignature/v1\ntime %d\n" % time + text).encode())
    return time


failures = 0
try:
    ok = verify(LINE, TEXT, VKEY) == 1800000000
except (AssertionError, InvalidSignature) as e:
    ok = False
print(("ok   " if ok else "FAIL ") + "our cosignature verifies from the byte layout alone, time 1800000000")
failures += not ok
try:
    verify(LINE, TEXT.replace("\n5\n", "\n6\n"), VKEY)
    refused = False
except InvalidSignature:
    refused = True
print(("ok   " if refused else "FAIL ") + "a changed checkpoint is refused")
failures += not refused
print("cosignature: %d failed" % failures)
sys.exit(1 if failures else 0)
