#!/usr/bin/env python3
"""Independent verifier for Minping audit bundles (SPEC sections 3-6).

Usage: tools/verify_bundle.py DIR [--log-key VKEY] [--checkpoint FILE]...
                              [--witness-key VKEY]... [--witness-quorum K]
Exit 0 and "OK ..." when every check holds, 1 and "FAIL seq N: check: detail" (or
"FAIL bundle: check: detail") on the first failing check, both on stdout; 2 and a message on
stderr when the bundle or a --checkpoint file cannot be read, or on bad usage.
With --witness-key (repeatable; a witness's C2SP verifier key name+id+base64(0x04 || key)),
the last check, `witness` at the seq of the log's size, asks that the checkpoint at the
bundle's full size carries valid cosignatures (c2sp.org/tlog-cosignature) from at least K of
the named witnesses (--witness-quorum, default every key given; the same key twice counts
once) and that no cosignature line of a named key fails to verify. Lines of other keys are
ignored.
Standard library plus `cryptography` only.
"""
import base64
import binascii
import collections
import concurrent.futures
import datetime
import hashlib
import itertools
import json
import os
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

ZERO = "0" * 64
HEX64 = re.compile(r"^[0-9a-f]{64}$")
TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$", re.ASCII)
PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?$", re.ASCII)
# The canonical JSON profile's limits (SPEC §5, as the log writes and reads it): integers of at
# most 53 bits, values nested at most 32 deep.
MAX_INTEGER = 2**53 - 1
MAX_DEPTH = 32
# SPEC §5 "Types and their fields": what each entry type carries besides v, seq, prev and
# type, and of what kind. Fields marked optional may be absent; nothing else may be present.
FIELDS = {
    "created": {"definition": "object", "token_key_spki": "string", "token_key_id": "string",
                "log_verifier_key": "string"},
    "slips_issued": {"count": "int", "issued": "int"},
    "slips_voided": {"batch": "string", "count": "int", "issued": "int"},
    "token_issued": {"issued": "int"},
    "opened": {"at": "string"},
    "ballot": {"token": "string", "ratings": "ratings"},
    "closed": {"at": "string", "ballots": "int", "issued": "int"},
    "results": {"stage": "string", "at": "string", "results": "object"},
    "appeal_filed": {"appeal": "string", "subject": "string", "text_sha256": "sha256"},
    "appeal_resolved": {"appeal": "string", "outcome": "string", "note_sha256": "sha256", "remedy": "string"},
    "annulled": {"at": "string", "reason_sha256": "sha256"},
    # Wave 3 remedies (SPEC §5, §6).
    "withheld": {"subject": "string", "star": "string", "reason": "string", "appeal": "string"},
    "corrected": {"subject": "string", "name": "string", "organization": "string", "appeal": "string"},
    "revote_opened": {"round": "int", "subjects": "strings", "token_key_spki": "string", "token_key_id": "string",
                      "appeal": "string"},
}
OPTIONAL = {("appeal_filed", "subject"), ("appeal_resolved", "remedy"), ("withheld", "appeal"),
            ("corrected", "name"), ("corrected", "organization")}
# The remedy each upheld appeal names, and the entry type that must follow it at once.
REMEDY_ENTRY = {"withhold": "withheld", "correct": "corrected", "revote": "revote_opened", "annul": "annulled"}
TYPES = set(FIELDS)


class Fail(Exception):
    def __init__(self, seq, check, detail):
        super().__init__(detail)
        self.seq, self.check, self.detail = seq, check, detail


class Unreadable(Exception):
    pass


# ---------------------------------------------------------------- canonical JSON (RFC 8785 profile)

def _reject_float(s):
    raise ValueError("floating-point number %s" % s)


def _reject_const(s):
    raise ValueError("non-JSON constant %s" % s)


def _no_dupes(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %r" % k)
        if not k.isascii():
            raise ValueError("non-ASCII key %r" % k)
        obj[k] = v
    return obj


def _bounded_int(s):
    n = int(s)
    if abs(n) > MAX_INTEGER:
        raise ValueError("integer %s out of range" % s)
    return n


def too_deep(v, depth=0):
    """Whether a value nests deeper than the profile allows (a value at depth MAX_DEPTH)."""
    if depth >= MAX_DEPTH:
        return True
    if isinstance(v, dict):
        return any(too_deep(x, depth + 1) for x in v.values())
    if isinstance(v, list):
        return any(too_deep(x, depth + 1) for x in v)
    return False


def parse_json(data):
    text = data.decode("utf-8")  # UnicodeDecodeError is a ValueError
    value = json.loads(text, parse_float=_reject_float, parse_constant=_reject_const, parse_int=_bounded_int,
                       object_pairs_hook=_no_dupes)
    if too_deep(value):
        raise ValueError("nested too deeply")
    return value


def jcs(value):
    """RFC 8785 for objects with ASCII keys, arrays, strings, integers, booleans, null.
    json.dumps escapes control characters as \\u00xx (lowercase) and uses the short forms
    \\b \\f \\n \\r \\t, leaves DEL and non-ASCII alone: exactly RFC 8785 for strings. ASCII keys
    sort the same by code point as by UTF-16 unit."""
    def check(v):
        if isinstance(v, float):
            raise ValueError("float in canonical JSON")
        if isinstance(v, dict):
            for k, x in v.items():
                if not isinstance(k, str) or not k.isascii():
                    raise ValueError("non-ASCII key")
                check(x)
        elif isinstance(v, list):
            for x in v:
                check(x)
    check(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      allow_nan=False).encode("utf-8")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_kind(v, kind):
    """Whether an entry field value is of the kind FIELDS names."""
    if kind == "string":
        return isinstance(v, str)
    if kind == "int":
        return is_int(v)
    if kind == "object":
        return isinstance(v, dict)
    if kind == "ratings":   # subject id -> option id
        return isinstance(v, dict) and all(map(isinstance, v.values(), itertools.repeat(str)))
    if kind == "sha256":
        return isinstance(v, str) and HEX64.fullmatch(v) is not None
    if kind == "strings":
        return isinstance(v, list) and all(map(isinstance, v, itertools.repeat(str)))
    raise AssertionError(kind)


def check_entry_shape(e):
    """SPEC §5: exactly v, seq, prev, type and the type's fields, each of its kind."""
    t = e["type"]
    for k, kind in FIELDS[t].items():
        if k not in e:
            if (t, k) in OPTIONAL:
                continue
            raise ValueError("a %s entry needs %r" % (t, k))
        if not is_kind(e[k], kind):
            raise ValueError("%r of a %s entry is not %s" % (k, t, {
                "string": "a string", "int": "an integer", "object": "an object",
                "ratings": "an object of option ids", "sha256": "64 lowercase hex digits",
                "strings": "an array of strings"}[kind]))
    extra = sorted(set(e) - {"v", "seq", "prev", "type"} - set(FIELDS[t]))
    if extra:
        raise ValueError("a %s entry has no field %s" % (t, ", ".join(map(repr, extra))))


# ---------------------------------------------------------------- Merkle tree (RFC 9162)

def leaf_hash(b):
    return hashlib.sha256(b"\x00" + b).digest()


def tree_hash(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + tree_hash(leaves[:k]) + tree_hash(leaves[k:])).digest()


class CompactRange:
    """The leaves so far as a compact range (RFC 9162 §2.1): the roots of the perfect subtrees
    that the binary digits of the size make, largest first. A leaf appended merges the equal
    subtrees it completes; the root of the tree at the current size folds them right to left,
    as MTH splits off the largest power of two: tree_hash(leaves) in O(log n)."""

    def __init__(self):
        self.size = 0
        self.stack = []

    def append(self, leaf):
        stack = self.stack
        stack.append(leaf)
        self.size += 1
        m = self.size
        while not m & 1:
            right = stack.pop()
            stack[-1] = hashlib.sha256(b"\x01" + stack[-1] + right).digest()
            m >>= 1

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        h = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            h = hashlib.sha256(b"\x01" + left + h).digest()
        return h


# ---------------------------------------------------------------- C2SP signed notes

ED25519 = 0x01       # signature type of an Ed25519 signed-note key (the log's)
COSIGNATURE = 0x04   # of an Ed25519 tlog-cosignature/v1 key (a witness's)


def parse_verifier_key(vkey, key_type=ED25519):
    """A C2SP verifier key name+<hex key id>+base64(type || Ed25519 key) of this signature type,
    its key id matching: (name, key id, public key); raises ValueError or binascii.Error."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise ValueError("not name+id+key")
    name, kid, key = parts
    if not name or "+" in name or any(c.isspace() for c in name) or not re.fullmatch(r"[0-9a-f]{8}", kid):
        raise ValueError("bad name or key id")
    raw = base64.b64decode(key, validate=True)
    if len(raw) != 33 or raw[0] != key_type:
        raise ValueError("not an Ed25519 key" if key_type == ED25519 else
                         "not an Ed25519 cosignature key (type 0x%02x)" % key_type)
    expect = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if expect.hex() != kid:
        raise ValueError("key id does not match the key")
    return name, expect, ed25519.Ed25519PublicKey.from_public_bytes(raw[1:])


# Standard base64 with padding, nothing else (no whitespace, no stray '='), as Go's
# base64.StdEncoding and Foundation's Data(base64Encoded:) read it.
B64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
# A size as checkpoints and their file names write it: decimal, no leading zeros.
DECIMAL = re.compile(rb"0|[1-9][0-9]*")
INT_MAX = 2**63 - 1  # larger sizes are no sizes (the Swift verifier reads them as Int)


def b64_strict(data):
    """Decodes standard padded base64 (bytes), or returns None."""
    if not B64.fullmatch(data):
        return None
    return base64.b64decode(data)


def decimal(data):
    """A size written as checkpoints write it (bytes), or None."""
    if not DECIMAL.fullmatch(data):
        return None
    n = int(data)
    return n if n <= INT_MAX else None


def claimed_size(note):
    """The size a note claims on its second line, unverified: only for reporting where it
    failed, never for trusting it."""
    lines = note.split(b"\n")
    return decimal(lines[1]) if len(lines) > 1 else None


def split_note(note):
    """Splits a C2SP signed note strictly, as golang.org/x/mod/sumdb/note does: valid UTF-8,
    ending in a newline, text and signature lines split at the LAST blank line, every
    signature line well formed (of any key: a log's 68 bytes, a witness's 76). Returns the
    text (up to and including its last newline) and the lines as (name, key id, the bytes
    after the key id); raises ValueError."""
    try:
        note.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8")
    sep = note.rfind(b"\n\n")
    if not note.endswith(b"\n") or sep < 0:
        raise ValueError("not a signed note (text, a blank line, signature lines)")
    text = note[:sep + 1]
    sigs = []
    for line in note[sep + 2:].split(b"\n")[:-1]:   # the last "\n" ends the last line
        if not line.startswith("\u2014 ".encode()):
            raise ValueError("a signature line does not start with an em dash and a space")
        fields = line[len("\u2014 ".encode()):].split(b" ")
        raw = b64_strict(fields[1]) if len(fields) == 2 else None
        if raw is None or len(raw) < 5:
            raise ValueError("malformed signature line %r" % line.decode())
        sigs.append((fields[0].decode(), raw[:4], raw[4:]))
    if not sigs:
        raise ValueError("no signature lines")
    return text, sigs


def open_note(note, logkey):
    """Opens a C2SP signed note (split_note) signed by our key. Lines of other keys (another
    name or key id: witnesses' cosignatures among them) are ignored; a line of our key must
    verify (there is no second chance on another line), and there must be one. Returns the
    text; raises ValueError."""
    name, kid, pub = logkey
    text, sigs = split_note(note)
    found = False
    for sname, skid, sig in sigs:
        if sname != name or skid != kid:
            continue
        try:
            pub.verify(sig, text)
        except InvalidSignature:
            raise ValueError("the signature by %s does not verify" % name)
        found = True
    if not found:
        raise ValueError("no signature by %s" % name)
    return text


def cosignature_times(note, witnesses):
    """The witnesses (parse_verifier_key(..., COSIGNATURE) triples) whose cosignature a signed
    note carries: {index in `witnesses`: the latest time it cosigned}. Lines of other keys are
    ignored. Witness by witness, in the order given, every line of its key (same name and key
    id) must be 76 bytes (key id, 8-byte big-endian time, 64-byte signature) and verify over
    "cosignature/v1\ntime <time>\n" + the note text; the first witness with a line that does
    not raises ValueError naming it."""
    text, sigs = split_note(note)
    times = {}
    for i, (name, kid, pub) in enumerate(witnesses):
        for sname, skid, blob in sigs:
            if sname != name or skid != kid:
                continue
            t = int.from_bytes(blob[:8], "big")
            ok = len(blob) == 72
            if ok:
                try:
                    pub.verify(blob[8:], b"cosignature/v1\ntime %d\n" % t + text)
                except InvalidSignature:
                    ok = False
            if not ok:
                raise ValueError("cosignature by %s does not verify" % name)
            times[i] = max(times.get(i, 0), t)
    return times


def check_witnesses(note, witnesses, quorum, size):
    """Check `witness` on the checkpoint of `size`, reported at seq `size`: valid cosignatures
    from at least `quorum` of the (distinct) witnesses, and none of theirs fails to verify.
    Returns cosignature_times; raises Fail."""
    try:
        times = cosignature_times(note, witnesses)
    except ValueError as e:
        raise Fail(size, "witness", str(e))
    if len(times) < quorum:
        raise Fail(size, "witness", "checkpoint %d has valid cosignatures from %d of the named witnesses, %d required"
                   % (size, len(times), quorum))
    return times


def checkpoint_body(text):
    """The origin (bytes), size and root of a checkpoint's text, or None if malformed."""
    lines = text.split(b"\n")   # text ends with "\n": origin, size, root, [extensions...], ""
    size = decimal(lines[1]) if len(lines) >= 4 else None
    root = b64_strict(lines[2]) if len(lines) >= 4 else None
    if size is None or not lines[0] or root is None or len(root) != 32:
        return None
    return lines[0], size, root


def body_size(note):
    """The size in a signed note's checkpoint body, unverified, or None: which roots of the log
    open_checkpoint may ask for."""
    try:
        body = checkpoint_body(split_note(note)[0])
    except ValueError:
        return None
    return body[1] if body else None


def open_checkpoint(note, logkey, origin, roots, log_size, check, label, seq, file_size=None):
    """Opens a checkpoint: its signature (check `<check>_signature`), then its body, origin,
    size and root against the log of `log_size` entries, whose root at every size body_size
    finds in a note is roots[size] (check `<check>`). Every failure is reported at `seq`. A
    bundle checkpoint must be of the size its file is named after (`file_size`).
    Returns (size, root); raises Fail."""
    try:
        text = open_note(note, logkey)
    except ValueError as e:
        raise Fail(seq, check + "_signature", "%s: %s" % (label, e))
    body = checkpoint_body(text)
    if body is None:
        raise Fail(seq, check, "%s: malformed checkpoint body (origin, size, base64 root)" % label)
    origin_line, size, root = body
    if file_size is not None and size != file_size:
        raise Fail(seq, check, "checkpoints/%d.txt holds a checkpoint of size %d" % (file_size, size))
    if origin_line.decode() != origin:
        raise Fail(seq, check, "%s: origin %r is not %r" % (label, origin_line.decode(), origin))
    if size > log_size:
        raise Fail(seq, check, "%s: size %d exceeds the log of %d entries" % (label, size, log_size))
    if roots[size] != root:
        raise Fail(seq, check, "%s: root does not match the log at size %d" % (label, size))
    return size, root


# ---------------------------------------------------------------- tokens (RFC 9578 type 0x0002)

def _der(buf, pos):
    tag = buf[pos]
    ln = buf[pos + 1]
    pos += 2
    if ln & 0x80:
        n = ln & 0x7F
        ln = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    if pos + ln > len(buf):
        raise ValueError("not DER: a length past the end")
    return tag, buf[pos:pos + ln], pos + ln


def load_rsa_spki(spki):
    try:
        key = serialization.load_der_public_key(spki)
    except Exception:
        tag, seq, end = _der(spki, 0)
        if tag != 0x30 or end != len(spki):
            raise ValueError("SPKI is not a SEQUENCE (and nothing after it)")
        _, _, p = _der(seq, 0)          # AlgorithmIdentifier (RSASSA-PSS)
        tag, bits, _ = _der(seq, p)
        if tag != 0x03 or bits[:1] != b"\x00":
            raise ValueError("no BIT STRING")
        tag, pk, _ = _der(bits[1:], 0)
        if tag != 0x30:
            raise ValueError("RSAPublicKey is not a SEQUENCE")
        t1, n, p2 = _der(pk, 0)
        t2, e, _ = _der(pk, p2)
        if t1 != 0x02 or t2 != 0x02:
            raise ValueError("bad RSAPublicKey")
        key = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big")).public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
        raise ValueError("not an RSA-2048 key")
    numbers = key.public_numbers()
    if numbers.e % 2 == 0 or numbers.n % 2 == 0:
        raise ValueError("not an RSA public key (its modulus or exponent is even)")
    return key


def token_challenge_digest(street, evaluation):
    s, e = street.encode(), evaluation.encode()
    ch = (b"\x00\x02" + len(s).to_bytes(2, "big") + s + b"\x00"
          + len(e).to_bytes(2, "big") + e)
    return hashlib.sha256(ch).digest()


BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)


def check_token(text, rsa_key, key_id, digest):
    if not isinstance(text, str) or not BASE64URL.fullmatch(text):
        return None, "token is not base64url without padding"
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None, "token is not base64url"
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != text:
        return None, "token base64url is not canonical"
    if len(raw) != 354:
        return None, "token is %d bytes, not 354" % len(raw)
    if raw[:2] != b"\x00\x02":
        return None, "token type is not 0x0002"
    nonce, cd, kid, auth = raw[2:34], raw[34:66], raw[66:98], raw[98:]
    if cd != digest:
        return None, "challenge digest is not this evaluation's"
    if kid != key_id:
        return None, "token key id is not this evaluation's"
    try:
        rsa_key.verify(auth, raw[:98], PSS, hashes.SHA384())
    except InvalidSignature:
        return None, "authenticator does not verify"
    return nonce, None


# ---------------------------------------------------------------- counting (SPEC section 3)

def percent_bp(p):
    m = PERCENT.fullmatch(p) if isinstance(p, str) else None
    if not m:
        raise ValueError("bad percent %r" % (p,))
    bp = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    if bp > 10000:
        raise ValueError("percent over 100")
    return bp


def rate_text(sat, den):
    if den == 0:
        return None
    tenths = (sat * 1000 * 2 + den) // (2 * den)
    return "%d.%d" % (tenths // 10, tenths % 10)


def subject_ids(defn):
    """Members, then organizations, then cadres: the order of the recount's subjects and of
    rating vectors."""
    return [m["id"] for m in defn["members"]] + [o["id"] for o in defn["organizations"]] + [c["id"] for c in defn.get("cadres", [])]


def rating_vector(ratings, subjects, option_numbers):
    """A ballot's ratings (every subject and option known) as one number per subject: the
    option's place in the definition's options, from 1, or 0 when it is not rated."""
    return tuple(map(option_numbers.get, map(ratings.get, subjects), itertools.repeat(0)))


class Tally:
    """The ballots counted so far, as much of them as the recount needs: how many rated each
    subject with each option. Ballots are added as rating vectors, counted by distinct vector,
    and folded into per-subject counts when a recount asks."""

    def __init__(self, defn):
        self.options = [o["id"] for o in defn["options"]]
        self.column = {s: j for j, s in enumerate(subject_ids(defn))}
        self.table = [[0] * (len(self.options) + 1) for _ in self.column]
        self.pending = {}
        self.ballots = 0

    def add(self, vector):
        self.pending[vector] = self.pending.get(vector, 0) + 1
        self.ballots += 1

    def counts(self, subject):
        """{option id: ballots rating `subject` with it}, in the definition's order."""
        if self.pending:
            by_count = {}   # n: the vectors of n ballots each
            for vector, n in self.pending.items():
                by_count.setdefault(n, []).append(vector)
            for n, vectors in by_count.items():
                for row, column in zip(self.table, zip(*vectors)):
                    for k, m in collections.Counter(column).items():
                        row[k] += m * n
            self.pending = {}
        row = self.table[self.column[subject]]
        return {o: row[k] for k, o in enumerate(self.options, 1)}


def recount(defn, tally, stage):
    options = defn["options"]
    rules = defn["rules"]
    electorate = defn["electorate"]
    nb = tally.ballots
    quorum_met = True
    if rules.get("quorum_percent") is not None:
        quorum_met = nb * 10000 > percent_bp(rules["quorum_percent"]) * electorate
    subjects = []
    kinds = [(m, "member", rules["member_stars"]) for m in defn["members"]]
    kinds += [(o, "organization", rules["organization_stars"]) for o in defn["organizations"]]
    kinds += [(c, "cadre", rules.get("cadre_stars", [])) for c in defn.get("cadres", [])]
    flag_rules = rules.get("flags", [])
    for subj, kind, stars in kinds:
        counts = tally.counts(subj["id"])
        sat = sum(counts[o["id"]] for o in options if o["satisfied"])
        dis = sum(counts[o["id"]] for o in options if o.get("dissatisfied"))
        den = {"ballots": nb,
               "answers": sum(counts[o["id"]] for o in options if not o["abstain"]),
               "electorate": electorate}[rules["denominator"]]
        awarded = []
        if quorum_met and den > 0:
            for st in stars:
                bp = percent_bp(st["percent"])
                ok = sat * 10000 > bp * den if rules["comparison"] == "above" else sat * 10000 >= bp * den
                if ok:
                    awarded.append(st["star"])
        s = {"id": subj["id"], "kind": kind, "name": subj["name"]}
        if kind == "member" and subj.get("organization") is not None:
            s["organization"] = subj["organization"]
        s.update({"counts": counts, "satisfied": sat, "denominator": den,
                  "rate": rate_text(sat, den), "stars": awarded})
        applying = [f for f in flag_rules if kind in f["kinds"]]
        if applying:  # SPEC §2 flags, in integers; absent where no rule applies, none without quorum
            raised = []
            if quorum_met and den > 0:
                for f in applying:
                    if "below" in f:
                        hit = sat * 10000 < percent_bp(f["below"]) * den
                    else:
                        hit = dis * 10000 > percent_bp(f["dissatisfied_above"]) * den
                    if hit:
                        raised.append(f["flag"])
            s["flags"] = raised
        subjects.append(s)
    return {"evaluation": defn["id"], "stage": stage, "electorate": electorate, "ballots": nb,
            "quorum_met": quorum_met, "subjects": subjects}


def amended(defn, tallies, amendments, stage):
    """SPEC §3 with remedies: round 1's recount; each subject of a supplementary round counted
    from the latest round that rated it (its `round`); withheld stars moved from `stars` to
    `withheld`; corrected names and organizations shown, the roster's values in `corrected`;
    `rounds` at the top."""
    res = recount(defn, tallies[0], stage)
    rounds = amendments["rounds"]
    if rounds:
        later = {r: recount(defn, tallies[r - 1], None) for r, _ in rounds}
        latest = {}
        for r, subjects in rounds:
            for s in subjects:
                latest[s] = r
        for k, s in enumerate(res["subjects"]):
            r = latest.get(s["id"])
            if r is not None:
                src = later[r]["subjects"][k]
                for f in ("counts", "satisfied", "denominator", "rate", "stars", "flags"):
                    if f in src:
                        s[f] = src[f]
                s["round"] = r
        res["rounds"] = [{"round": r, "subjects": subjects, "ballots": tallies[r - 1].ballots,
                          "electorate": defn["electorate"]} for r, subjects in rounds]
    roster = {m["id"]: m for m in defn["members"]}
    roster.update({o["id"]: o for o in defn["organizations"]})
    roster.update({c["id"]: c for c in defn.get("cadres", [])})
    for s in res["subjects"]:
        kept = [w for w in amendments["withheld"].get(s["id"], []) if w["star"] in s["stars"]]
        if kept:
            gone = {w["star"] for w in kept}
            s["stars"] = [x for x in s["stars"] if x not in gone]
            s["withheld"] = kept
        fix = amendments["corrections"].get(s["id"])
        if fix:
            before = {}
            original = roster[s["id"]]
            if fix.get("name") is not None and fix["name"] != original["name"]:
                before["name"] = original["name"]
                s["name"] = fix["name"]
            if fix.get("organization") is not None and fix["organization"] != original.get("organization"):
                before["organization"] = original.get("organization")
                s["organization"] = fix["organization"]
            if before:
                s["corrected"] = before
    return res


def text_problem(value, where, limit):
    """SPEC §2's rules for a name or a public reason: visible, at most `limit` characters,
    no control characters, noncharacters or bidi controls (line breaks allowed in a reason)."""
    if all(ch.isspace() or ch in "\u200b\u200c\u200d\u2060\ufeff" for ch in value):
        return "%s must hold a visible character" % where
    if len(value) > limit:
        return "%s must be at most %d characters" % (where, limit)
    for ch in value:
        o = ord(ch)
        if ((o < 0x20 and ch not in "\t\n\r") or 0x7F <= o <= 0x9F or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069
                or 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE):
            return "%s contains U+%04X" % (where, o)
    return None


# ---------------------------------------------------------------- bundle

def read_bundle(d):
    """The bundle's files, but entries.jsonl only opened: verify reads it line by line
    (entry_lines) and closes it."""
    entries = None
    try:
        with open(os.path.join(d, "definition.json"), "rb") as f:
            definition = f.read()
        entries = open(os.path.join(d, "entries.jsonl"), "rb")
        with open(os.path.join(d, "keys.json"), "rb") as f:
            keys = json.loads(f.read().decode("utf-8"))  # any JSON object; not part of the log
        # Checkpoints are the files named <size>.txt, the size a decimal without leading
        # zeros; any other file there (notes.txt, 03.txt, +5.txt) is not part of the bundle.
        cdir = os.path.join(d, "checkpoints")
        cps = []
        for fn in os.listdir(cdir):
            size = decimal(os.fsencode(fn)[:-4]) if fn.endswith(".txt") else None
            if size is not None:
                with open(os.path.join(cdir, fn), "rb") as f:
                    cps.append((size, f.read()))
        cps.sort()
        rpath = os.path.join(d, "results.json")
        results = None
        if os.path.exists(rpath):
            with open(rpath, "rb") as f:
                results = f.read()
    except (OSError, ValueError) as e:
        if entries is not None:
            entries.close()
        raise Unreadable(str(e))
    if not isinstance(keys, dict) or not all(isinstance(keys.get(k), str) for k in
                                             ("token_key_spki", "token_key_id", "log_verifier_key")):
        entries.close()
        raise Unreadable("keys.json lacks token_key_spki, token_key_id or log_verifier_key")
    return definition, entries, keys, cps, results


def entry_lines(f):
    """The entries of entries.jsonl as they are read: separated by "\n", the last one's
    newline optional; no bytes, no entries (and a lone "\n" is no entry either)."""
    try:
        first = f.readline()
        if first == b"\n":
            second = f.readline()
            if not second:
                return
            yield b""
            first = second
        if first:
            yield first[:-1] if first.endswith(b"\n") else first
        for line in f:
            yield line[:-1] if line.endswith(b"\n") else line
    except OSError as e:   # a read failing halfway: as if entries.jsonl could not be read
        raise Unreadable(str(e))


def parse_time(s):
    m = TIME.fullmatch(s) if isinstance(s, str) else None
    if not m:
        return None
    try:
        return datetime.datetime(*map(int, m.groups()), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


SLUG = re.compile(r"[a-z0-9-]{1,64}")
SUBJECT_ID = re.compile(r"[a-z0-9_-]{1,64}")


def check_fields(obj, where, required, optional=()):
    """SPEC §2: an object with exactly these keys (the optional ones may be absent)."""
    if not isinstance(obj, dict):
        raise ValueError("%s is not an object" % where)
    missing = [k for k in required if k not in obj]
    unknown = sorted(set(obj) - set(required) - set(optional))
    if missing:
        raise ValueError("%s lacks %s" % (where, ", ".join(missing)))
    if unknown:
        raise ValueError("%s has unknown key %s" % (where, ", ".join(unknown)))


def check_text(value, where, pattern=None):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("%s must be non-empty text" % where)
    if value != value.strip():
        raise ValueError("%s has leading or trailing spaces" % where)
    if pattern is not None and not pattern.fullmatch(value):
        raise ValueError("%s %r does not match %s" % (where, value, pattern.pattern))


def check_definition(defn):
    """The definition of SPEC §2 as the created entry and definition.json write it: every
    field present (defaults written out), nothing unknown, ids well formed and unique."""
    check_fields(defn, "definition", ("id", "title", "street", "electorate", "publicity_days", "options",
                                      "rules", "organizations", "members"),
                 ("community", "previous", "notice", "round", "cadres"))
    check_text(defn["id"], "id", SLUG)
    check_text(defn["street"], "street", SLUG)
    check_text(defn["title"], "title")
    if "community" in defn:
        check_text(defn["community"], "community")
    if "round" in defn:  # the period it belongs to (SPEC §2): a name, at most 32 characters
        check_text(defn["round"], "round")
        if len(defn["round"]) > 32:
            raise ValueError("round is at most 32 characters")
    if "previous" in defn:  # named, not followed: the previous round is not in this bundle
        check_text(defn["previous"], "previous", SLUG)
    if "notice" in defn:  # what the printed notices say (SPEC §2, wave 3): text fields only
        check_fields(defn["notice"], "notice", (), ("date", "place", "contact", "issuer", "text"))
        for k, v in defn["notice"].items():
            check_text(v, "notice." + k)
    if not is_int(defn["electorate"]) or defn["electorate"] < 1:
        raise ValueError("electorate must be a whole number of at least 1")
    if not is_int(defn["publicity_days"]) or defn["publicity_days"] < 0:
        raise ValueError("publicity_days must be a whole number of at least 0")
    opts = defn["options"]
    if not isinstance(opts, list) or not opts:
        raise ValueError("options must be a non-empty list")
    for i, o in enumerate(opts):
        where = "options[%d]" % i
        check_fields(o, where, ("id", "label", "satisfied", "abstain"), ("dissatisfied",))
        check_text(o["id"], where + ".id", SUBJECT_ID)
        check_text(o["label"], where + ".label")
        if not isinstance(o["satisfied"], bool) or not isinstance(o["abstain"], bool):
            raise ValueError(where + ": satisfied and abstain must be true or false")
        if o["satisfied"] and o["abstain"]:
            raise ValueError(where + ": an option cannot be both satisfied and abstain")
        if "dissatisfied" in o:  # written only when true (SPEC §2)
            if o["dissatisfied"] is not True:
                raise ValueError(where + ": dissatisfied is written only as true")
            if o["satisfied"] or o["abstain"]:
                raise ValueError(where + ": a dissatisfied option cannot also be satisfied or abstain")
    if len({o["id"] for o in opts}) != len(opts):
        raise ValueError("duplicate option ids")
    if not any(o["satisfied"] for o in opts):
        raise ValueError("no option counts as satisfied")
    r = defn["rules"]
    check_fields(r, "rules", ("denominator", "comparison", "member_stars", "organization_stars"),
                 ("quorum_percent", "cadre_stars", "flags"))
    if r["denominator"] not in ("ballots", "answers", "electorate") or r["comparison"] not in ("above", "at_least"):
        raise ValueError("rules: unknown denominator or comparison")
    for kind in ("cadre_stars", "flags"):  # written only when not empty (SPEC §2)
        if kind in r and (not isinstance(r[kind], list) or not r[kind]):
            raise ValueError("rules.%s is written only as a non-empty list" % kind)
    for i, f in enumerate(r.get("flags", [])):
        where = "rules.flags[%d]" % i
        check_fields(f, where, ("flag", "label", "kinds"), ("below", "dissatisfied_above"))
        check_text(f["flag"], where + ".flag", SUBJECT_ID)
        check_text(f["label"], where + ".label")
        if (not isinstance(f["kinds"], list) or not f["kinds"] or len(set(f["kinds"])) != len(f["kinds"])
                or any(k not in ("member", "organization", "cadre") for k in f["kinds"])):
            raise ValueError(where + ".kinds must list member, organization or cadre, each once")
        if ("below" in f) == ("dissatisfied_above" in f):
            raise ValueError(where + " says exactly one of below and dissatisfied_above")
        percent_bp(f.get("below", f.get("dissatisfied_above")))
        if "dissatisfied_above" in f and not any(o.get("dissatisfied") for o in opts):
            raise ValueError(where + ": dissatisfied_above needs an option marked dissatisfied")
    if len({f["flag"] for f in r.get("flags", [])}) != len(r.get("flags", [])):
        raise ValueError("rules.flags: duplicate flag ids")
    for kind in ("member_stars", "organization_stars") + (("cadre_stars",) if "cadre_stars" in r else ()):
        if not isinstance(r[kind], list):
            raise ValueError("rules.%s must be a list" % kind)
        for i, st in enumerate(r[kind]):
            where = "rules.%s[%d]" % (kind, i)
            check_fields(st, where, ("star", "label", "percent"))
            check_text(st["star"], where + ".star", SUBJECT_ID)
            check_text(st["label"], where + ".label")
            percent_bp(st["percent"])
        if len({st["star"] for st in r[kind]}) != len(r[kind]):
            raise ValueError("rules.%s: duplicate star ids" % kind)
    if "quorum_percent" in r:
        percent_bp(r["quorum_percent"])
    orgs, members = defn["organizations"], defn["members"]
    if not isinstance(orgs, list) or not isinstance(members, list):
        raise ValueError("organizations and members must be lists")
    for i, o in enumerate(orgs):
        check_fields(o, "organizations[%d]" % i, ("id", "name"), ("renamed_from",))
        check_text(o["id"], "organizations[%d].id" % i, SUBJECT_ID)
        check_text(o["name"], "organizations[%d].name" % i)
    org_ids = {o["id"] for o in orgs}
    for i, m in enumerate(members):
        check_fields(m, "members[%d]" % i, ("id", "name"), ("organization", "renamed_from"))
        check_text(m["id"], "members[%d].id" % i, SUBJECT_ID)
        check_text(m["name"], "members[%d].name" % i)
        if "organization" in m and m["organization"] not in org_ids:
            raise ValueError("members[%d].organization %r is not a listed organization" % (i, m["organization"]))
    cadres = defn.get("cadres", [])
    if "cadres" in defn and (not isinstance(cadres, list) or not cadres):
        raise ValueError("cadres is written only as a non-empty list")
    for i, c in enumerate(cadres):
        check_fields(c, "cadres[%d]" % i, ("id", "name"), ("title", "renamed_from"))
        check_text(c["id"], "cadres[%d].id" % i, SUBJECT_ID)
        check_text(c["name"], "cadres[%d].name" % i)
        if "title" in c:
            check_text(c["title"], "cadres[%d].title" % i)
    ids = [m["id"] for m in members] + [o["id"] for o in orgs] + [c["id"] for c in cadres]
    if not ids or len(set(ids)) != len(ids):
        raise ValueError("empty or duplicate subject ids")


# ---------------------------------------------------------------- entries, one at a time

# What examining an entry needs besides the entry (set_context): the token key, its id, the
# challenge digest, the subject ids (a set and in order) and the option ids (a set, and their
# numbers in rating vectors).
_context = None


def set_context(spki, key_id, digest, subjects, options):
    """Sets what examine needs; also the initializer of the processes that examine for verify."""
    global _context
    _context = (load_rsa_spki(spki), key_id, digest, set(subjects), set(options), subjects,
                {o: k for k, o in enumerate(options, 1)})


def entry_record(e, line):
    """The rest of entry_format on a parsed, canonical entry `e` (the bytes `line`), and what
    the later steps need of it: (seq, prev, leaf hash, type, data), data the entry itself or,
    for a ballot, (token nonce, token failure, ratings failure, rating vector): the token and
    the ratings are checked here, whether or not the replay comes to them. Or (None, detail)
    when the entry is not well formed."""
    try:
        if too_deep(e):
            raise ValueError("nested too deeply")
        if e.get("v") != 1 or not is_int(e.get("v")):
            raise ValueError("v is not 1")
        if not is_int(e.get("seq")):
            raise ValueError("seq is not an integer")
        if not isinstance(e.get("prev"), str) or not HEX64.fullmatch(e["prev"]):
            raise ValueError("prev is not 64 hex digits")
        if not isinstance(e.get("type"), str) or e["type"] not in TYPES:
            raise ValueError("unknown type %r" % (e.get("type"),))
        check_entry_shape(e)
    except (ValueError, RecursionError) as ex:
        return None, str(ex)
    t = e["type"]
    if t != "ballot":
        return e["seq"], e["prev"], leaf_hash(line), t, e
    rsa_key, key_id, digest, members, option_ids, subjects, numbers = _context
    nonce, why = check_token(e["token"], rsa_key, key_id, digest)
    ratings = e["ratings"]
    bad = vector = None
    if members.issuperset(ratings) and option_ids.issuperset(ratings.values()):
        vector = rating_vector(ratings, subjects, numbers)
    else:
        for k, v in ratings.items():
            if k not in members:
                bad = "rates unknown subject %r" % k
                break
            if v not in option_ids:
                bad = "unknown option %r for %s" % (v, k)
                break
    return e["seq"], e["prev"], leaf_hash(line), t, (nonce, why, bad, vector, e["token"])


# json.loads and json.dumps as parse_json (but for its object_pairs_hook) and jcs call them.
_DECODER = json.JSONDecoder(parse_float=_reject_float, parse_constant=_reject_const, parse_int=_bounded_int)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def examine(line):
    """entry_record for a line that is plainly canonical: ASCII, parsed without the checks of
    parse_json, and written back by json.dumps as jcs does to exactly its bytes (which no line
    with a repeated key, a float or a non-ASCII key can be, so parse_json would read the same
    entry and jcs write the same bytes). None for any other line, and on any error: verify
    then examines it with examine_slow."""
    try:
        if line.isascii():
            e = _DECODER.decode(line.decode("ascii"))
            if type(e) is dict and _ENCODER.encode(e).encode("utf-8") == line:
                return entry_record(e, line)
    except Exception:
        pass
    return None


def examine_batch(lines):
    """examine on a worker process. The entries that hold objects of any depth (created,
    results: a few per log) are left to verify: returned, they might nest too deep to pickle."""
    records = []
    for line in lines:
        rec = examine(line)
        records.append(None if rec and rec[0] is not None and rec[3] in ("created", "results") else rec)
    return records


def examine_slow(line):
    """entry_record after parse_json and jcs, for any line; their code is inlined (jcs's check
    cannot fail on what parse_json returns) so that nesting exhausts Python's recursion limit
    where it did when verify called them."""
    try:
        e = json.loads(line.decode("utf-8"), parse_float=_reject_float, parse_constant=_reject_const, parse_int=_bounded_int,
                       object_pairs_hook=_no_dupes)
        if not isinstance(e, dict):
            raise ValueError("not an object")
        if json.dumps(e, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      allow_nan=False).encode("utf-8") != line:
            raise ValueError("not canonical JSON")
    except (ValueError, RecursionError) as ex:
        return None, str(ex)
    return entry_record(e, line)


PARALLEL_BYTES = 8 << 20   # from this size of entries.jsonl on, examine on every core
BATCH = 256                # lines per task
AHEAD = 4                  # tasks in flight per process


def processes():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def examined(lines, pool, workers):
    """(line, examine(line)) for every line, in order: here, or with `pool`, a
    concurrent.futures executor of `workers` processes, a batch at a time and a few batches
    ahead of the caller (never the whole file)."""
    if pool is None:
        for line in lines:
            yield line, examine(line)
        return
    pending = collections.deque()
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            pending.append((batch, pool.submit(examine_batch, batch)))
            batch = []
            if len(pending) >= AHEAD * workers:
                done, future = pending.popleft()
                yield from zip(done, future.result())
    if batch:
        pending.append((batch, pool.submit(examine_batch, batch)))
    while pending:
        done, future = pending.popleft()
        yield from zip(done, future.result())


def verify(bdir, pinned, earlier_paths, witnesses=(), quorum=0):
    """`witnesses`: distinct parsed witness keys; with any, the check `witness` comes last."""
    definition_bytes, entries_file, keys, checkpoints, results_file = read_bundle(bdir)
    pool = None
    try:
        earlier = []
        for path in earlier_paths:
            try:
                with open(path, "rb") as f:
                    earlier.append((path, f.read()))
            except OSError as e:
                raise Unreadable(str(e))

        # Keys and definition.
        vkey = pinned if pinned is not None else keys["log_verifier_key"]
        try:
            logkey = parse_verifier_key(vkey)
        except (ValueError, binascii.Error) as e:
            raise Fail(None, "log_key", "%r is not a C2SP Ed25519 verifier key: %s" % (vkey, e))
        if pinned is not None and pinned != keys["log_verifier_key"]:
            raise Fail(None, "log_key", "keys.json names another log key than the pinned one")
        try:
            spki = base64.b64decode(keys["token_key_spki"], validate=True)
            load_rsa_spki(spki)
        except Exception as e:
            raise Fail(None, "token_key", "keys.json token_key_spki is not an RSA public key: %s" % e)
        key_id = hashlib.sha256(spki).digest()
        if key_id.hex() != keys["token_key_id"]:
            raise Fail(None, "token_key", "token_key_id is not SHA-256 of token_key_spki")
        try:
            defn = parse_json(definition_bytes)
            if jcs(defn) != definition_bytes:
                raise ValueError("definition.json is not canonical JSON")
            check_definition(defn)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise Fail(None, "definition", "definition.json: %s" % e)
        origin = "minping/%s/%s" % (defn["street"], defn["id"])
        digest = token_challenge_digest(defn["street"], defn["id"])

        # 1. Structure, as the entries are read: each line examined on its own (on every core
        # for a large log), then its seq and its chain in order. Its leaf joins the compact
        # range, which gives the root of the log at each size a checkpoint names (step 2 opens
        # them), and the entry goes on to step 3 at once: step 3's first failure (or error) is
        # kept, and raised only after steps 1 and 2 have passed over the whole log. (Step 3 is
        # written out here, not in a function, so that deep JSON meets Python's recursion limit
        # where it always did.)
        context = (spki, key_id, digest, subject_ids(defn), [o["id"] for o in defn["options"]])
        set_context(*context)
        workers = processes()
        if workers > 1 and os.fstat(entries_file.fileno()).st_size >= PARALLEL_BYTES:
            pool = concurrent.futures.ProcessPoolExecutor(workers, initializer=set_context, initargs=context)
        wanted = {body_size(note) for _, note in checkpoints} | {body_size(note) for _, note in earlier}
        tree = CompactRange()
        roots = {0: tree.root()}
        prev = ZERO

        members = set(subject_ids(defn))
        state = "draft"
        issued = 0
        last_at = None
        tally = Tally(defn)
        tallies = [tally]   # round 1's, then one per supplementary round
        amendments = {"withheld": {}, "corrections": {}, "rounds": []}
        round_no = 1
        issued_before = 0   # tokens issued in the rounds before the current one
        round_token = None  # a supplementary round's (rsa key, key id); None in round 1
        round_subjects = None
        key_ids = {key_id}
        awaited = None      # (appeal, remedy) an upheld appeal names: its entry comes next
        republication_due = False
        subjects_by_id = {m["id"]: ("member", m) for m in defn["members"]}
        subjects_by_id.update({o["id"]: ("organization", o) for o in defn["organizations"]})
        subjects_by_id.update({c["id"]: ("cadre", c) for c in defn.get("cadres", [])})
        organization_ids = {o["id"] for o in defn["organizations"]}
        nonces = set()
        appeals = {}
        prelim_at = None   # the time of the first preliminary results: publicity runs from it
        latest_results = None
        electorate = defn["electorate"]
        allowed = {
            "created": (), "slips_issued": ("draft", "open"), "token_issued": ("draft", "open"),
            "slips_voided": ("draft", "open"),
            "opened": ("draft",), "ballot": ("draft", "open", "closed", "preliminary", "final"),
            "closed": ("open",), "appeal_filed": ("preliminary",), "appeal_resolved": ("preliminary",),
            "annulled": ("draft", "open", "closed", "preliminary"),
            "withheld": ("preliminary",), "corrected": ("preliminary",), "revote_opened": ("preliminary",),
        }
        meaning = None     # step 3's first failure

        def fail(check, detail):
            return Fail(seq, check, detail)

        for i, (line, rec) in enumerate(examined(entry_lines(entries_file), pool, workers)):
            if rec is None:
                rec = examine_slow(line)
            if rec[0] is None:
                raise Fail(i, "entry_format", rec[1])
            seq, eprev, h, t, e = rec   # e: the entry, for a ballot entry_record's data
            if seq != i:
                raise Fail(i, "seq", "entry at position %d says seq %d" % (i, seq))
            if eprev != prev:
                raise Fail(i, "chain", "prev is not the leaf hash of entry %d" % (i - 1))
            prev = h.hex()
            tree.append(h)
            if tree.size in wanted:
                roots[tree.size] = tree.root()
            if meaning is not None:
                continue

            # 3. Meaning.
            try:
                if seq == 0:
                    if t != "created":
                        raise Fail(0, "created", "the first entry is %r, not created" % t)
                    if jcs(e["definition"]) != definition_bytes:
                        raise Fail(0, "created", "definition differs from definition.json")
                    for k in ("token_key_spki", "token_key_id", "log_verifier_key"):
                        if e[k] != keys[k]:
                            raise Fail(0, "created", "%s differs from keys.json" % k)
                    continue

                # lifecycle, in the order the checks apply: nothing after annulled, created only
                # first, then the time, then whether this type may come in this state
                if state == "annulled":
                    raise fail("lifecycle", "%s after annulled" % t)
                if t == "created":
                    raise fail("lifecycle", "created after the first entry")
                # time: every type that has `at` (entry_format made sure it is there), exactly
                # YYYY-MM-DDTHH:MM:SSZ, a real date, never before the one before
                if "at" in FIELDS[t]:
                    at = parse_time(e["at"])
                    if at is None:
                        raise fail("time", "at %r is not YYYY-MM-DDTHH:MM:SSZ" % (e["at"],))
                    if last_at is not None and at < last_at:
                        raise fail("time", "at goes back before %s" % last_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
                    last_at = at

                if t == "results":
                    # Preliminary results again while preliminary: a corrected 公示 after an upheld appeal.
                    want = {"preliminary": ("closed", "preliminary"), "final": ("preliminary",)}.get(e["stage"])
                    if want is None:
                        raise fail("results", "stage %r is neither preliminary nor final" % (e["stage"],))
                    if state not in want:
                        raise fail("lifecycle", "%s results in state %s" % (e["stage"], state))
                elif state not in allowed[t]:
                    # appeals are heard only during the 公示: out of it they are an appeal failure
                    raise fail("appeal" if t.startswith("appeal_") else "lifecycle", "%s in state %s" % (t, state))

                # SPEC §5: an upheld appeal's remedy entry follows it at once and names it; a
                # remedy entry comes only so (a withheld without an appeal is the street's veto).
                if t in ("withheld", "corrected", "revote_opened", "annulled"):
                    names = e.get("appeal") if t != "annulled" else (awaited[0] if awaited else None)
                    if awaited is not None:
                        if REMEDY_ENTRY[awaited[1]] != t or names != awaited[0]:
                            raise fail("remedy", "appeal %r was upheld with %r, which must follow at once" % awaited)
                        awaited = None
                    elif names is not None:
                        raise fail("remedy", "a %s entry names appeal %r, which was not just upheld with it" % (t, names))
                    elif t in ("corrected", "revote_opened"):
                        raise fail("remedy", "a %s entry needs an upheld appeal" % t)
                elif awaited is not None:
                    raise fail("remedy", "appeal %r was upheld with %r, which must follow at once" % awaited)

                if t == "slips_issued":
                    cnt, tot = e["count"], e["issued"]
                    if cnt < 1:
                        raise fail("issued", "count must be at least 1")
                    if tot != issued + cnt:
                        raise fail("issued", "issued %d is not %d + %d" % (tot, issued, cnt))
                    issued = tot
                elif t == "token_issued":
                    tot = e["issued"]
                    if tot != issued + 1:
                        raise fail("issued", "issued %r is not %d" % (tot, issued + 1))
                    issued = tot
                elif t == "slips_voided":
                    # a batch of codes none of which was used: no token was issued for them
                    if e["count"] < 1:
                        raise fail("lifecycle", "voided count must be at least 1")
                    if e["issued"] != issued:
                        raise fail("issued", "voiding slips leaves issued at %d, not %r" % (issued, e["issued"]))
                if t in ("slips_issued", "token_issued") and issued > electorate:
                    raise fail("issued", "issued %d exceeds the electorate %d" % (issued, electorate))

                if t == "opened":
                    state = "open"
                elif t == "ballot":
                    if state != "open":
                        raise fail("ballot_window", "ballot while %s" % state)
                    nonce, why, bad, vector, token = e   # entry_record checked the token and ratings
                    if round_token is not None:
                        # a supplementary round's ballot spends a token of that round's key
                        nonce, why = check_token(token, round_token[0], round_token[1], digest)
                        if why:
                            why = "round %d: %s" % (round_no, why)
                    if why:
                        raise fail("token", why)
                    if nonce in nonces:
                        raise fail("double_spend", "token nonce already spent")
                    nonces.add(nonce)
                    if bad:
                        raise fail("ballot", bad)
                    if round_subjects is not None:
                        outside = [s for s, v in zip(subject_ids(defn), vector) if v and s not in round_subjects]
                        if outside:
                            raise fail("ballot", "a round %d ballot rates %r, which is not in its round" % (round_no, outside[0]))
                    tally.add(vector)
                    if tally.ballots > issued:
                        raise fail("issued", "%d ballots but only %d tokens issued" % (tally.ballots, issued))
                elif t == "closed":
                    if e["ballots"] != tally.ballots:
                        raise fail("closed", "ballots %d, counted %d" % (e["ballots"], tally.ballots))
                    if e["issued"] != issued:
                        raise fail("closed", "issued %d, counted %d" % (e["issued"], issued))
                    state = "closed"
                elif t == "results":
                    stage = e["stage"]
                    res = e["results"]
                    if stage == "final":
                        open_appeals = sorted(a for a, done in appeals.items() if not done)
                        if open_appeals:
                            raise fail("appeals_pending", "unresolved appeals: %s" % ", ".join(open_appeals))
                        if republication_due:
                            raise fail("lifecycle", "final results before the results a remedy changed were published again")
                        if (last_at - prelim_at).total_seconds() < defn["publicity_days"] * 86400:
                            raise fail("publicity", "final results before %d days of publicity" % defn["publicity_days"])
                    # the recount is the whole results value, its stage included
                    mine = amended(defn, tallies, amendments, stage)
                    if jcs(mine) != jcs(res):
                        detail = "results differ from the recount"
                        theirs = res.get("subjects")
                        for a, b in zip(mine["subjects"], theirs if isinstance(theirs, list) else []):
                            if a != b:
                                detail += " (first at subject %s)" % a["id"]
                                break
                        raise fail("recount", detail)
                    if stage == "final":
                        state = "final"
                    else:
                        # the first 公示, and one after a remedy changed results: the
                        # publicity period runs (again, in full) from it
                        if state == "closed" or republication_due:
                            prelim_at = last_at
                        republication_due = False
                        state = "preliminary"
                    latest_results = res
                elif t == "appeal_filed":
                    a = e["appeal"]
                    if a in appeals:
                        raise fail("appeal", "appeal id %r reused" % (a,))
                    if "subject" in e and e["subject"] not in members:
                        raise fail("appeal", "appeal about unknown subject %r" % (e["subject"],))
                    appeals[a] = False
                elif t == "appeal_resolved":
                    a = e["appeal"]
                    if appeals.get(a) is not False:
                        raise fail("appeal", "appeal %r was not filed or is already resolved" % (a,))
                    if e["outcome"] not in ("dismissed", "upheld"):
                        raise fail("appeal", "outcome %r is neither dismissed nor upheld" % (e["outcome"],))
                    remedy = e.get("remedy")
                    if remedy is not None and remedy not in REMEDY_ENTRY:
                        raise fail("remedy", "remedy %r is not withhold, correct, revote or annul" % (remedy,))
                    if (e["outcome"] == "upheld") != (remedy is not None):
                        raise fail("remedy", "an upheld appeal names its remedy" if remedy is None
                                   else "a dismissed appeal has no remedy")
                    appeals[a] = True
                    if remedy is not None:
                        awaited = (a, remedy)
                elif t == "withheld":
                    s, star = e["subject"], e["star"]
                    if s not in subjects_by_id:
                        raise fail("remedy", "subject %r is not in this evaluation" % (s,))
                    why = text_problem(e["reason"], "reason", 500)
                    if why:
                        raise fail("remedy", why)
                    kind = subjects_by_id[s][0]
                    if star not in [x["star"] for x in defn["rules"].get(kind + "_stars", [])]:
                        raise fail("remedy", "%r is not a star a %s can earn" % (star, kind))
                    if any(w["star"] == star for w in amendments["withheld"].get(s, [])):
                        raise fail("remedy", "the star %r of %r is already withheld" % (star, s))
                    now = amended(defn, tallies, amendments, None)
                    if star not in next(x for x in now["subjects"] if x["id"] == s)["stars"]:
                        raise fail("remedy", "%r did not earn the star %r: only a star the count awarded can be withheld" % (s, star))
                    w = {"star": star, "reason": e["reason"]}
                    if "appeal" in e:
                        w["appeal"] = e["appeal"]
                    amendments["withheld"].setdefault(s, []).append(w)
                    republication_due = True
                elif t == "corrected":
                    s = e["subject"]
                    if s not in subjects_by_id:
                        raise fail("remedy", "subject %r is not in this evaluation" % (s,))
                    if "name" not in e and "organization" not in e:
                        raise fail("remedy", "a correction names a new name, a new organization or both")
                    if "name" in e:
                        why = text_problem(e["name"], "name", 200)
                        if why or "\n" in e["name"] or "\r" in e["name"] or "\t" in e["name"]:
                            raise fail("remedy", why or "name is one line")
                    if "organization" in e:
                        if subjects_by_id[s][0] != "member":
                            raise fail("remedy", "only a member's organization can be corrected")
                        if e["organization"] not in organization_ids:
                            raise fail("remedy", "organization %r is not in this evaluation" % (e["organization"],))
                    original = subjects_by_id[s][1]
                    current = amendments["corrections"].get(s, {})
                    shown = (current.get("name", original["name"]), current.get("organization", original.get("organization")))
                    after = (e.get("name", shown[0]), e.get("organization", shown[1]))
                    if after == shown:
                        raise fail("remedy", "the correction changes nothing")
                    fix = amendments["corrections"].setdefault(s, {})
                    for f in ("name", "organization"):
                        if f in e:
                            fix[f] = e[f]
                    republication_due = True
                elif t == "revote_opened":
                    ids = e["subjects"]
                    if not ids or len(set(ids)) != len(ids) or any(s not in subjects_by_id for s in ids):
                        raise fail("remedy", "a supplementary round names distinct subjects of this evaluation, at least one")
                    if e["round"] != round_no + 1:
                        raise fail("lifecycle", "round %r after round %d" % (e["round"], round_no))
                    try:
                        r_spki = base64.b64decode(e["token_key_spki"], validate=True)
                        r_key = load_rsa_spki(r_spki)
                    except Exception as ex:
                        raise fail("token_key", "round %d's token_key_spki is not an RSA public key: %s" % (e["round"], ex))
                    r_id = hashlib.sha256(r_spki).digest()
                    if r_id.hex() != e["token_key_id"]:
                        raise fail("token_key", "round %d's token_key_id is not SHA-256 of its token_key_spki" % e["round"])
                    if r_id in key_ids:
                        raise fail("token_key", "round %d reuses an earlier round's issuing key" % e["round"])
                    key_ids.add(r_id)
                    round_no = e["round"]
                    round_token = (r_key, r_id)
                    round_subjects = set(ids)
                    amendments["rounds"].append((round_no, list(ids)))
                    tally = Tally(defn)
                    tallies.append(tally)
                    issued_before += issued
                    issued = 0        # each round has the whole electorate
                    republication_due = True
                    state = "open"
                elif t == "annulled":
                    state = "annulled"
            except Exception as ex:
                meaning = ex
        size = tree.size
        if not size:
            raise Fail(None, "created", "the log is empty")

        # 2. Checkpoints, in ascending order of their file names checkpoints/N.txt: each signed
        # by the log key, of size N, for this origin, with the root of the log at size N; every
        # failure is reported at seq N. Every root is computed from the entries, so checkpoints
        # whose roots match are consistent with each other (and with the whole log) by
        # construction: no `consistency` failure can remain to be found.
        latest = None
        full_note = None
        for n, note in checkpoints:
            full_note = note
            latest, _ = open_checkpoint(note, logkey, origin, roots, size, "checkpoint",
                                        "checkpoints/%d.txt" % n, seq=n, file_size=n)
        if latest != size:
            raise Fail(None, "checkpoint", "no checkpoint covers the whole log of %d entries" % size)
        # Then those seen earlier, reported at the size each claims on its second line.
        for path, note in earlier:
            open_checkpoint(note, logkey, origin, roots, size, "earlier_checkpoint", path,
                            seq=claimed_size(note))

        # 3. Meaning: its first failure, found in step 1's loop.
        if meaning is not None:
            raise meaning
        if awaited is not None:
            raise Fail(size - 1, "remedy", "appeal %r was upheld with %r, which never followed" % awaited)

        # 4. results.json
        want = jcs(latest_results) if latest_results is not None else None
        if want != results_file:
            raise Fail(None, "results_file", "results.json is missing" if results_file is None and want
                       else "results.json is not the latest results entry")

        # 5. Witnesses: the checkpoint at the full size (the last file, of that size: step 2).
        if witnesses:
            check_witnesses(full_note, witnesses, quorum, size)
        return "OK %s: %d entries, %d ballots, %d issued, %d checkpoints, state %s" % (
            origin, size, sum(x.ballots for x in tallies), issued_before + issued, len(checkpoints), state)
    finally:
        entries_file.close()
        if pool is not None:   # waits for the batches under way only (wait=False races at exit)
            pool.shutdown(wait=True, cancel_futures=True)


USAGE = ("usage: verify_bundle.py DIR [--log-key VKEY] [--checkpoint FILE]... "
         "[--witness-key VKEY]... [--witness-quorum K]")
OPTIONS = ("--log-key", "--checkpoint", "--witness-key", "--witness-quorum")


def main(argv):
    args = argv[1:]
    bdir, pinned, earlier, witness_keys, quorum = None, None, [], [], None
    i = 0
    while i < len(args):
        a = args[i]
        opt, value = a, None
        if a in OPTIONS and i + 1 < len(args):
            value = args[i + 1]
            i += 2
        elif a.split("=", 1)[0] in OPTIONS and "=" in a:
            opt, value = a.split("=", 1)
            i += 1
        elif bdir is None and not a.startswith("--"):
            bdir = a
            i += 1
            continue
        else:
            print(USAGE, file=sys.stderr)
            return 2
        if opt == "--log-key":
            pinned = value
        elif opt == "--checkpoint":
            earlier.append(value)
        elif opt == "--witness-key":
            witness_keys.append(value)
        elif re.fullmatch(r"[0-9]+", value):
            quorum = int(value)
        else:
            print("verify_bundle.py: --witness-quorum %r is not a whole number" % value, file=sys.stderr)
            return 2
    if bdir is None:
        print(USAGE, file=sys.stderr)
        return 2
    witnesses, seen = [], set()
    for vkey in witness_keys:
        try:
            w = parse_verifier_key(vkey, COSIGNATURE)
        except (ValueError, binascii.Error) as e:
            print("verify_bundle.py: --witness-key %r is not a C2SP witness verifier key "
                  "name+id+base64(0x04 || Ed25519 key): %s" % (vkey, e), file=sys.stderr)
            return 2
        same = (w[0], w[2].public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        if same not in seen:   # the same key twice counts once
            seen.add(same)
            witnesses.append(w)
    if quorum is None:
        quorum = len(witnesses)
    elif not witnesses:
        print("verify_bundle.py: --witness-quorum needs at least one --witness-key", file=sys.stderr)
        return 2
    elif not 1 <= quorum <= len(witnesses):
        print("verify_bundle.py: --witness-quorum %d is not between 1 and the %d distinct witness keys given"
              % (quorum, len(witnesses)), file=sys.stderr)
        return 2
    try:
        print(verify(bdir, pinned, earlier, witnesses, quorum))
        return 0
    except Fail as f:
        where = "bundle" if f.seq is None else "seq %d" % f.seq
        print("FAIL %s: %s: %s" % (where, f.check, f.detail))
        return 1
    except Unreadable as e:
        print("ERROR cannot read bundle: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
