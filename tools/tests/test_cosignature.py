#!/usr/bin/env python3
"""A witness cosignature made by our code (the vector Tests/MinpingLogTests/CosignatureTests.swift
checks byte for byte) verifies with Python's `cryptography` from SPEC §5's byte layout alone:
key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4]; the line is
`— <name> base64(key ID || time (8, big-endian) || signature (64))` over
`cosignature/v1\\ntime <t>\\n` + the checkpoint's note text.

Then tools/verify_bundle.py's witness check (--witness-key, --witness-quorum): its functions on
signed notes, and the script itself on a small bundle made here, with cosignatures made here by
witness keys from fixed seeds. Given the path of a built `minping`, also on a bundle that
`minping audit sample` writes (cosigned here). Cases: quorum met, a cosignature missing, one
that does not verify under a named key (even with the quorum otherwise met), lines of unnamed
keys ignored, no witness check without --witness-key, bad usage.

Usage: tools/tests/test_cosignature.py [path/to/minping]
"""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import ROOT, VERIFY_BUNDLE, check, failures  # noqa: E402

sys.path.insert(0, os.path.dirname(VERIFY_BUNDLE))
import verify_bundle  # noqa: E402

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


try:
    ok = verify(LINE, TEXT, VKEY) == 1800000000
except (AssertionError, InvalidSignature):
    ok = False
check(ok, "our cosignature verifies from the byte layout alone, time 1800000000")
try:
    verify(LINE, TEXT.replace("\n5\n", "\n6\n"), VKEY)
    refused = False
except InvalidSignature:
    refused = True
check(refused, "a changed checkpoint is refused")


# ---------------------------------------------------------------- keys, notes, cosignatures

def key_id(name, typ, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pub).digest()[:4]


class Key:
    """An Ed25519 key from a fixed seed: a log key (type 0x01) or a witness key (0x04)."""
    def __init__(self, name, seed, typ):
        self.name, self.typ = name, typ
        self.priv = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
        self.pub = self.priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = key_id(name, typ, self.pub)
        self.vkey = "%s+%s+%s" % (name, self.kid.hex(), base64.b64encode(bytes([typ]) + self.pub).decode())

    def line(self, blob):
        return "\u2014 %s %s\n" % (self.name, base64.b64encode(self.kid + blob).decode())

    def sign(self, text):           # a log signature line over the note text
        return self.line(self.priv.sign(text.encode()))

    def cosign(self, text, t):      # a cosignature line (tlog-cosignature/v1)
        return self.line(t.to_bytes(8, "big") + self.priv.sign(("cosignature/v1\ntime %d\n" % t + text).encode()))


LOG = Key("minping/test", 1, 0x01)
A = Key("zuzhibu.example/witness", 2, 0x04)   # three named witnesses
B = Key("jiwei.example/witness", 3, 0x04)
C = Key("other-street.example/witness", 4, 0x04)
D = Key("unnamed.example/witness", 5, 0x04)   # never named on the command line
T = 1800000000


def tampered(line):
    """The line with the last byte of its signature flipped."""
    dash, name, blob = line.rstrip("\n").split(" ")
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    return "%s %s %s\n" % (dash, name, base64.b64encode(bytes(raw)).decode())


def witnesses(*keys):
    return [verify_bundle.parse_verifier_key(k.vkey, verify_bundle.COSIGNATURE) for k in keys]


def witness_fail(note, keys, quorum):
    """The Fail detail of the witness check on a note, or None when it holds."""
    try:
        verify_bundle.check_witnesses(note.encode(), witnesses(*keys), quorum, 5)
        return None
    except verify_bundle.Fail as f:
        assert f.check == "witness" and f.seq == 5
        return f.detail


# ---------------------------------------------------------------- on notes

check(verify_bundle.cosignature_times((TEXT + "\n" + LINE + "\n").encode(),
                                      [verify_bundle.parse_verifier_key(VKEY, verify_bundle.COSIGNATURE)]) == {0: T},
      "verify_bundle.py reads the vector's cosignature, time 1800000000")
text = "minping/test/e\n5\n" + base64.b64encode(bytes(range(32))).decode() + "\n"
signed = text + "\n" + LOG.sign(text)
full = signed + A.cosign(text, T) + B.cosign(text, T + 1)
logkey = verify_bundle.parse_verifier_key(LOG.vkey)
check(verify_bundle.open_note(full.encode(), logkey) == text.encode(),
      "the log's signature check reads a note with 76-byte cosignature lines after its own")
check(witness_fail(full, [A, B], 2) is None, "two witnesses cosigned, quorum 2: the witness check holds")
check(verify_bundle.cosignature_times(full.encode(), witnesses(A, B)) == {0: T, 1: T + 1},
      "each witness's cosignature time is read (big-endian)")
check(witness_fail(signed + A.cosign(text, T), [A, B], 2)
      == "checkpoint 5 has valid cosignatures from 1 of the named witnesses, 2 required",
      "one cosignature missing, quorum 2: witness fails (1 of the named witnesses, 2 required)")
check(witness_fail(signed + A.cosign(text, T), [A, B], 1) is None, "one cosignature missing, quorum 1: holds")
check(witness_fail(signed + A.cosign(text, T) + tampered(B.cosign(text, T)) + C.cosign(text, T), [A, B, C], 2)
      == "cosignature by jiwei.example/witness does not verify",
      "a tampered cosignature under a named key fails the check although 2 of 3 (quorum 2) verify")
other_time = A.cosign(text, T).rstrip("\n").split(" ")
blob = bytearray(base64.b64decode(other_time[2]))
blob[11] ^= 1                                  # the time's last byte: the signature is over another time
check(witness_fail(signed + " ".join(other_time[:2] + [base64.b64encode(bytes(blob)).decode()]) + "\n", [A], 1)
      == "cosignature by zuzhibu.example/witness does not verify",
      "a cosignature whose time was changed does not verify")
check(witness_fail(signed + A.cosign(text, T) + A.line(A.priv.sign(text.encode())), [A], 1)
      == "cosignature by zuzhibu.example/witness does not verify",
      "a 68-byte line under a named witness key fails (does not verify), even after a valid one")
check(witness_fail(signed + A.cosign("minping/test/e\n6\n" + text.split("\n", 2)[2], T), [A], 1)
      == "cosignature by zuzhibu.example/witness does not verify",
      "a cosignature of another checkpoint does not verify")
impostor = Key(A.name, 6, 0x04)                # A's name, another key (so another key id)
unnamed = tampered(D.cosign(text, T)) + impostor.cosign(text, T) + D.line(b"\0" * 10)
check(witness_fail(signed + unnamed + A.cosign(text, T) + B.cosign(text, T), [A, B], 2) is None,
      "lines of unnamed keys (a bad one, another key under a named witness's name, a short one) are ignored")
check(witness_fail(signed + unnamed + A.cosign(text, T), [A, B], 2)
      == "checkpoint 5 has valid cosignatures from 1 of the named witnesses, 2 required",
      "lines of unnamed keys do not count toward the quorum")
check(witness_fail(signed + B.cosign(text, T), [A], 1)
      == "checkpoint 5 has valid cosignatures from 0 of the named witnesses, 1 required",
      "a witness's cosignature does not count for another named witness")
check(verify_bundle.cosignature_times((signed + A.cosign(text, T + 9) + A.cosign(text, T)).encode(), witnesses(A)) == {0: T + 9},
      "two valid lines of one witness count once, at the latest time")
check(witness_fail(signed + tampered(B.cosign(text, T)) + tampered(A.cosign(text, T)), [A, B], 1)
      == "cosignature by zuzhibu.example/witness does not verify",
      "two bad lines: the first witness in the order given is named")

# ---------------------------------------------------------------- verify_bundle.py on bundles

# A token key SPKI (RSA-2048, RSASSA-PSS) from a sample bundle: the created entry names it; this
# bundle has no ballots, so it is never used.
SPKI = ("MIIBUjA9BgkqhkiG9w0BAQowMKANMAsGCWCGSAFlAwQCAqEaMBgGCSqGSIb3DQEBCDALBglghkgBZQMEAgKiAwIBMAOCAQ8AMIIBCgKC"
        "AQEA4Nrd7mvIO1GkcnTIirDVSGS6CsC0TsTMGLVUZAhkyRmUsmdBgRMl2ATTrTpK1mFTjU5Asikc2BYzGZ5TX1KyF0pbpVaAmZThsUAi"
        "Ii9m2zucHYGn+9/iz7333kIs3jhGIV+KgYeGflyJaAK4Cv8QwzLD2MWl7kaciV6bGRoKZ1TOrwmGbceIi/qyh6d/wQxN/vaQxDDPaMTO"
        "mhUHuO6zUoiOspNGCXVmZKzxoym/PJw0afiLKBEgP/YCFI/yfbzczx/RQrotVBJ+RwUfNfELtpZUUYo8EicVZC55jVQhgabK6FqhIToi"
        "mXQGj0wrJ6PRVMF6ZlwB1L5enUkANWbjnQIDAQAB")


def checkpoint(origin, leaves, size):
    root = verify_bundle.tree_hash(leaves[:size])
    text = "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())
    return text + "\n" + LOG.sign(text)


def small_bundle(d):
    """A bundle of one created entry and its checkpoint (no ballots), signed by LOG."""
    defn = {"id": "w-test", "title": "witness test", "street": "test", "electorate": 3, "publicity_days": 0,
            "options": [{"id": "satisfied", "label": "satisfied", "satisfied": True, "abstain": False}],
            "rules": {"denominator": "ballots", "comparison": "above", "member_stars": [], "organization_stars": []},
            "organizations": [{"id": "o-1", "name": "org"}], "members": [{"id": "m-1", "name": "member"}]}
    keys = {"token_key_spki": SPKI, "log_verifier_key": LOG.vkey,
            "token_key_id": hashlib.sha256(base64.b64decode(SPKI)).hexdigest()}
    created = dict(keys, v=1, seq=0, prev="0" * 64, type="created", definition=defn)
    entry = verify_bundle.jcs(created)
    os.makedirs(os.path.join(d, "checkpoints"))
    for name, data in (("definition.json", verify_bundle.jcs(defn)), ("entries.jsonl", entry + b"\n"),
                       ("keys.json", json.dumps(keys).encode()),
                       ("checkpoints/1.txt", checkpoint("minping/test/w-test", [verify_bundle.leaf_hash(entry)], 1).encode())):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return LOG.vkey


def sample_bundle(d, minping):
    """`minping audit sample` (its last output line is the log key)."""
    out = subprocess.run([minping, "audit", "sample", "--ballot", os.path.join(ROOT, "Ballots/fuyuan-2018.yaml"),
                          "--votes", os.path.join(ROOT, "Ballots/votes/fuyuan-2018.jsonl"), "--out", d],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("\n")[-1]


def cosign_bundle(d, lines):
    """Appends lines(text, size) to every checkpoint of bundle d; returns the full size."""
    cdir = os.path.join(d, "checkpoints")
    sizes = sorted(int(f[:-4]) for f in os.listdir(cdir) if f.endswith(".txt"))
    for n in sizes:
        path = os.path.join(cdir, "%d.txt" % n)
        with open(path, encoding="utf-8") as f:
            note = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(note + "".join(lines(note[:note.rindex("\n\n") + 1], n)))
    return sizes[-1]


def run(d, logkey, *args, stderr=None):
    """verify_bundle.py's exit code and stdout (its stderr appended to the list `stderr`)."""
    p = subprocess.run([sys.executable, VERIFY_BUNDLE, d, "--log-key", logkey] + list(args),
                       capture_output=True, text=True)
    if stderr is not None:
        stderr.append(p.stderr)
    return p.returncode, p.stdout.strip()


def bundle_cases(what, make):
    work = tempfile.mkdtemp(prefix="minping-witness-")
    try:
        base = os.path.join(work, "base")
        logkey = make(base)
        rc, out = run(base, logkey)
        if rc != 0:
            check(False, "%s: the bundle verifies before any cosignature: %s" % (what, out))
            return
        case_no = [0]

        def case(lines):
            case_no[0] += 1
            d = os.path.join(work, str(case_no[0]))
            shutil.copytree(base, d)
            return d, cosign_bundle(d, lines)

        # Every checkpoint cosigned by A, B and C, plus the lines of an unnamed key.
        d, n = case(lambda text, n: [A.cosign(text, T + n), B.cosign(text, T + n), C.cosign(text, T + n),
                                     tampered(D.cosign(text, T)), impostor.cosign(text, T)])
        rc, out = run(d, logkey)
        check(rc == 0 and out.startswith("OK "), "%s: cosigned checkpoints verify without --witness-key: %s" % (what, out))
        rc, out = run(d, logkey, "--witness-key", A.vkey, "--witness-key=" + B.vkey)
        check(rc == 0 and out.startswith("OK "),
              "%s: --witness-key A --witness-key=B, both cosigned the full size: OK (unnamed lines ignored)" % what)
        rc, out = run(d, logkey, "--witness-key", A.vkey, "--witness-key", B.vkey, "--witness-key", C.vkey,
                      "--witness-quorum=3")
        check(rc == 0, "%s: three witnesses, --witness-quorum=3: OK" % what)

        # The full-size checkpoint lacks B's cosignature (the earlier ones have it).
        d, n = case(lambda text, m: [A.cosign(text, T)] + ([B.cosign(text, T)] if m != n else []))
        expect = "FAIL seq %d: witness: checkpoint %d has valid cosignatures from 1 of the named witnesses, 2 required" % (n, n)
        rc, out = run(d, logkey, "--witness-key", A.vkey, "--witness-key", B.vkey)
        check(rc == 1 and out == expect, "%s: B's cosignature stripped from the last checkpoint, 2 keys: %s" % (what, out))
        rc, out = run(d, logkey, "--witness-key", A.vkey, "--witness-key", B.vkey, "--witness-quorum", "1")
        check(rc == 0, "%s: the same with --witness-quorum 1: OK" % what)
        rc, out = run(d, logkey, "--witness-key", B.vkey, "--witness-key", B.vkey)
        check(rc == 1 and out == "FAIL seq %d: witness: checkpoint %d has valid cosignatures from 0 of the named witnesses, 1 required"
              % (n, n), "%s: --witness-key B twice counts once (0 of the named, 1 required): %s" % (what, out))

        # B's cosignature of the full size tampered; A and C valid, quorum 2 of 3.
        d, n = case(lambda text, m: [A.cosign(text, T), (tampered if m == n else lambda x: x)(B.cosign(text, T)),
                                     C.cosign(text, T)])
        rc, out = run(d, logkey, "--witness-key", A.vkey, "--witness-key", B.vkey, "--witness-key", C.vkey,
                      "--witness-quorum", "2")
        check(rc == 1 and out == "FAIL seq %d: witness: cosignature by %s does not verify" % (n, B.name),
              "%s: B's cosignature tampered, A and C valid, quorum 2: %s" % (what, out))
        rc, out = run(d, logkey, "--witness-key", A.vkey, "--witness-key", C.vkey)
        check(rc == 0, "%s: the same bundle with only A and C named: OK" % what)
        rc, out = run(d, logkey)
        check(rc == 0, "%s: the same bundle without --witness-key: OK (no witness check)" % what)

        # Bad usage: exit 2, nothing on stdout, a usage message on stderr.
        for args, why in (((("--witness-key", LOG.vkey)), "a log key (type 0x01) as a witness key"),
                          (("--witness-key", A.vkey.replace(A.kid.hex(), "0" * 8)), "a witness key whose id does not match"),
                          (("--witness-key", "nonsense"), "a malformed witness key"),
                          (("--witness-quorum", "1"), "--witness-quorum without --witness-key"),
                          (("--witness-key", A.vkey, "--witness-quorum", "0"), "--witness-quorum 0"),
                          (("--witness-key", A.vkey, "--witness-key", A.vkey, "--witness-quorum=2"),
                           "--witness-quorum 2 with the same key twice"),
                          (("--witness-key", A.vkey, "--witness-quorum", "x"), "--witness-quorum x"),
                          (("--witness-key",), "--witness-key without a value")):
            err = []
            rc, out = run(d, logkey, *args, stderr=err)
            check(rc == 2 and out == "" and err[0].startswith(("verify_bundle.py: --witness", "usage: ")),
                  "%s: bad usage (%s): exit 2, %s" % (what, why, err[0].strip()))
    finally:
        shutil.rmtree(work)


bundle_cases("small bundle", small_bundle)
if len(sys.argv) > 1:
    minping = os.path.abspath(sys.argv[1])
    bundle_cases("minping audit sample", lambda d: sample_bundle(d, minping))

print("cosignature: %d failed" % len(failures))
sys.exit(1 if failures else 0)
