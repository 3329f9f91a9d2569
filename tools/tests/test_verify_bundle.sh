#!/usr/bin/env bash
# Cross-checks tools/verify_bundle.py against `minping audit verify` on a sample bundle and on
# altered copies of it, and the browser verifier (/verify: Static/verify-bundle.js) with them:
# in Node on each case, then in headless Chromium on every case and on the sample bundle of
# every Ballots/*.yaml (tools/tests/test_verify_page.py). Each case names the verdict it
# expects, `OK` or the `seq N: check` (`bundle: check`) part of the FAIL line; every verifier
# must print exactly that, with exit 0 for OK and 1 for FAIL, and the browser's OK line must be
# `minping audit verify`'s. Every case pins the log key.
# Usage: tools/tests/test_verify_bundle.sh path/to/minping
set -euo pipefail
cd "$(dirname "$0")/../.."
MINPING="$(cd "$(dirname "${1:?usage: $0 path/to/minping}")" && pwd)/$(basename "$1")"
PY=tools/verify_bundle.py
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
MANIFEST="$WORK/manifest.jsonl"   # every case, for the browser: name, folder, verdict, key, arguments
: > "$MANIFEST"

"$MINPING" audit sample --ballot Ballots/fuyuan-2018.yaml --votes Ballots/votes/fuyuan-2018.jsonl \
  --out "$WORK/good" > "$WORK/sample.out"
LOGKEY="$(tail -n 1 "$WORK/sample.out")"
GOODKEY="$LOGKEY"
# A second evaluation (another street, another log key), for a checkpoint that is not ours.
"$MINPING" audit sample --ballot Ballots/haiyan-2020.yaml --votes Ballots/votes/haiyan-2020.jsonl \
  --out "$WORK/other" > /dev/null

verdict() { # stdout of a verifier -> "OK", "seq N: check", "bundle: check", or "" if neither
  sed -n -e '/^OK /{s/.*/OK/p;q}' -e '/^FAIL /{s/^FAIL \([^:]*\): \([^:]*\):.*/\1: \2/p;q}' <<<"$1"
}

# case NAME EXPECTED PYTHON [verify args...]: copies the good bundle to $WORK/NAME, runs PYTHON
# on it (argv[1] is the directory, PRE's helpers are defined), then both verifiers on it, pinning
# the sample's log key, or the fresh one resign() wrote to $WORK/NAME.logkey.
case_() {
  local name=$1 expect=$2 code=$3 d="$WORK/$1"
  shift 3
  cp -r "$WORK/${SRC:-good}" "$d"
  python3 - "$d" <<<"$PRE
$code"
  check_all "$name" "$expect" "$d" "$@"
}

# check_all NAME EXPECTED DIR [verify args...]: the three verifiers on a bundle folder (the
# Swift one, the Python one, the browser's core in Node), pinning $d.logkey or $LOGKEY; the case
# goes to the manifest for the browser.
check_all() {
  local name=$1 expect=$2 d=$3
  shift 3
  local out_s out_p out_n err_s err_p err_n rc_s rc_p rc_n v_s v_p v_n want_rc key="$LOGKEY"
  [[ -f $d.logkey ]] && key="$(cat "$d.logkey")"
  set +e
  out_s="$("$MINPING" audit verify "$d" --log-key "$key" "$@" 2>"$WORK/err_s")"; rc_s=$?
  out_p="$(python3 "$PY" "$d" --log-key "$key" "$@" 2>"$WORK/err_p")"; rc_p=$?
  out_n="$(node tools/tests/verify_bundle_node.mjs "$d" --log-key "$key" "$@" 2>"$WORK/err_n")"; rc_n=$?
  set -e
  err_s="$(cat "$WORK/err_s")"; err_p="$(cat "$WORK/err_p")"; err_n="$(cat "$WORK/err_n")"
  v_s="$(verdict "$out_s")"; v_p="$(verdict "$out_p")"; v_n="$(verdict "$out_n")"
  if [[ $expect == OK ]]; then want_rc=0; else want_rc=1; fi
  if [[ $v_s == "$expect" && $v_p == "$expect" && $v_n == "$expect" && $rc_s == "$want_rc" && $rc_p == "$want_rc" && $rc_n == "$want_rc" \
        && ($expect != OK || $out_n == "$out_s") ]]; then
    echo "ok   $name: $expect"; passed=$((passed + 1))
  else
    echo "FAIL $name: expected $expect; swift rc=$rc_s (${out_s}${err_s:+ / $err_s})" \
      "python rc=$rc_p (${out_p}${err_p:+ / $err_p}) browser core in node rc=$rc_n (${out_n}${err_n:+ / $err_n})"
    failed=$((failed + 1))
  fi
  python3 -c 'import json, sys; print(json.dumps(dict(zip(("name", "expect", "dir", "logkey", "swift"), sys.argv[1:6]), args=sys.argv[6:])))' \
    "$name" "$expect" "$d" "$key" "$out_s" "$@" >> "$MANIFEST"
}

PRE='import sys, os, base64, hashlib, json
d = sys.argv[1]
p = os.path.join(d, "entries.jsonl")
lines = open(p, "rb").read().split(b"\n")[:-1]
def save(ls): open(p, "wb").write(b"".join(l + b"\n" for l in ls))
def cp(n): return os.path.join(d, "checkpoints", "%d.txt" % n)
def canonical(v): return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
def entry(i): return json.loads(lines[i])
def tree(hs):
    if len(hs) <= 1: return hs[0] if hs else hashlib.sha256(b"").digest()
    k = 1
    while k * 2 < len(hs): k *= 2
    return hashlib.sha256(b"\x01" + tree(hs[:k]) + tree(hs[k:])).digest()
def resign(es):
    """Writes entries (objects) as the whole log under a fresh log key, as an operator with
    the key could: seq and prev redone, keys.json and the created entry name the new key, a
    checkpoint at every old size the log still reaches and at its new size."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives import serialization
    key = ed25519.Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kf = os.path.join(d, "keys.json"); keys = json.load(open(kf))
    name = keys["log_verifier_key"].split("+")[0]
    kid = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
    vkey = "%s+%s+%s" % (name, kid.hex(), base64.b64encode(b"\x01" + pub).decode())
    keys["log_verifier_key"] = vkey; open(kf, "wb").write(canonical(keys))
    open(d + ".logkey", "w").write(vkey)
    es[0]["log_verifier_key"] = vkey
    out, leaves, prev = [], [], "0" * 64
    for i, e in enumerate(es):
        e["seq"], e["prev"] = i, prev
        b = canonical(e); out.append(b)
        leaves.append(hashlib.sha256(b"\x00" + b).digest()); prev = leaves[-1].hex()
    save(out)
    cdir = os.path.join(d, "checkpoints"); origin = open(cp(1)).read().split("\n")[0]
    sizes = {int(f[:-4]) for f in os.listdir(cdir)} | {len(out)}
    for f in os.listdir(cdir): os.remove(os.path.join(cdir, f))
    for n in sorted(s for s in sizes if s <= len(out)):
        text = ("%s\n%d\n%s\n" % (origin, n, base64.b64encode(tree(leaves[:n])).decode())).encode()
        sig = base64.b64encode(kid + key.sign(text)).decode()
        open(cp(n), "wb").write(text + ("\n\u2014 %s %s\n" % (name, sig)).encode())
es = [json.loads(l) for l in lines]
'

# The bundle as written, and with an earlier checkpoint of its own.
case_ untampered OK ''
case_ earlier-checkpoint OK '' --checkpoint "$WORK/good/checkpoints/3.txt"

# Entries.
case_ swap-lines "seq 10: seq" '
lines[10], lines[11] = lines[11], lines[10]; save(lines)'
case_ delete-line "seq 20: seq" '
del lines[20]; save(lines)'
case_ flip-rating "seq 11: chain" '
l = lines[10]; assert b"\"type\":\"ballot\"" in l
i = l.index(b"\"ratings\":{"); j = l.index(b"\":\"", i) + 3
lines[10] = l[:j] + bytes([l[j] ^ 0x01]) + l[j + 1:]; save(lines)'
case_ drop-last "seq 60: checkpoint" '
save(lines[:-1])'
case_ ballot-extra-field "seq 10: entry_format" '
e = entry(10); assert e["type"] == "ballot"
e["ip"] = "203.0.113.7"; lines[10] = canonical(e); save(lines)'
case_ opened-without-at "seq 2: entry_format" '
e = entry(2); assert e["type"] == "opened", e
del e["at"]; lines[2] = canonical(e); save(lines)'
case_ no-final-newline OK '
open(p, "wb").write(b"\n".join(lines))'

# Re-signed logs (a fresh log key, pinned): what only the log's operator could write.
case_ resigned-unchanged OK '
resign(es)'
case_ corrected-preliminary OK '
# After the appeal is resolved, corrected preliminary results (the same recount) are published
# again, 2 days before the final ones: publicity (5 days) still runs from the first.
assert [e["type"] for e in es[56:]] == ["results", "appeal_filed", "appeal_resolved", "results"]
again = dict(es[56], at="2027-01-18T09:01:00Z")
resign(es[:59] + [again] + es[59:])'
case_ time-with-offset "seq 2: time" '
assert es[2]["type"] == "opened"; es[2]["at"] = "2027-01-15T16:00:00+08:00"; resign(es)'
case_ time-not-a-date "seq 2: time" '
es[2]["at"] = "2027-02-30T08:00:00Z"; resign(es)'
case_ time-backwards "seq 56: time" '
assert es[56]["type"] == "results"; es[56]["at"] = "2027-01-15T08:59:59Z"; resign(es)'

# Where the canonical JSON profile and SPEC §5 draw lines the three verifiers must draw alike:
# integers of at most 53 bits, 32 levels of nesting, a type that is a string, ASCII digits.
case_ integer-past-53-bits "seq 1: entry_format" '
assert es[1]["type"] == "slips_issued"; es[1]["count"] = 2**60; resign(es)'
case_ nested-too-deep "seq 56: entry_format" '
deep = "x"
for _ in range(40): deep = [deep]
assert es[56]["type"] == "results"; es[56]["results"]["x"] = deep; resign(es)'
case_ type-not-a-string "seq 5: entry_format" '
es[5]["type"] = ["ballot"]; resign(es)'
case_ time-arabic-digits "seq 2: time" '
es[2]["at"] = "\u0662\u0660\u0662\u0667-01-15T08:00:00Z"; resign(es)'

# Other files.
case_ keys-pretty-printed OK '
k = os.path.join(d, "keys.json")
os.system("python3 -m json.tool %s > %s.new && mv %s.new %s" % (k, k, k, k))
assert b"\n    " in open(k, "rb").read()'
case_ stray-notes-txt OK '
open(os.path.join(d, "checkpoints", "notes.txt"), "w").write("seen on the board\n")'
case_ stray-not-sizes OK '
for n in ("03.txt", "+55.txt", "55.txt.bak", "1e3.txt"):
    open(os.path.join(d, "checkpoints", n), "w").write("not a checkpoint\n")'

# Bundle checkpoints: reported at the size their file is named after.
case_ renamed-size "seq 70: checkpoint" '
os.rename(cp(3), cp(70))'
case_ copied-size "seq 4: checkpoint" '
open(cp(4), "wb").write(open(cp(3), "rb").read())'
case_ garbage-signature "seq 53: checkpoint_signature" '
body, sigs = open(cp(53), "rb").read().split(b"\n\n", 1)
name = sigs.decode().split(" ")[1]
garbage = base64.b64encode(bytes(range(7, 75))).decode()
open(cp(53), "wb").write(body + b"\n\n" + ("\u2014 %s %s\n" % (name, garbage)).encode())'
case_ malformed-extra-signature "seq 53: checkpoint_signature" '
open(cp(53), "ab").write("\u2014 foo AAAA\n".encode())'
case_ other-key-signature OK '
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
note = open(cp(53), "rb").read()
text = note[:note.rindex(b"\n\n") + 1]
key = ed25519.Ed25519PrivateKey.generate()
pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
name = "witness.example/w1"
kid = hashlib.sha256(name.encode() + b"\n" + b"\x01" + pub).digest()[:4]   # C2SP key id
line = "\u2014 %s %s\n" % (name, base64.b64encode(kid + key.sign(text)).decode())
open(cp(53), "ab").write(line.encode())'
case_ not-utf8 "seq 53: checkpoint_signature" '
note = open(cp(53), "rb").read()
open(cp(53), "wb").write(note.replace(b"\n", b"\xff\n", 1))'

# A checkpoint seen earlier, but of another evaluation and log key.
case_ earlier-from-other-bundle "seq 3: earlier_checkpoint_signature" '' \
  --checkpoint "$WORK/other/checkpoints/3.txt"

# A voided batch of code slips (SPEC §4): after slips_issued, issued unchanged; nothing else moves.
case_ slips-voided OK '
assert es[1]["type"] == "slips_issued"
voided = {"v": 1, "type": "slips_voided", "batch": "b-0a1b2c3d", "count": 4, "issued": es[1]["issued"]}
resign(es[:2] + [voided] + es[2:])'
case_ slips-voided-issued "seq 2: issued" '
voided = {"v": 1, "type": "slips_voided", "batch": "b-0a1b2c3d", "count": 4, "issued": es[1]["issued"] - 4}
resign(es[:2] + [voided] + es[2:])'
case_ slips-voided-after-close "seq 56: lifecycle" '
assert es[55]["type"] == "closed"
voided = {"v": 1, "type": "slips_voided", "batch": "b-0a1b2c3d", "count": 1, "issued": es[55]["issued"]}
resign(es[:56] + [voided] + es[56:])'

# Remedies and rounds (SPEC §5, §6): a sample whose appeals are upheld. Entries: 56 preliminary
# results; 57-59 a-1 upheld, withheld (m-001's recognition); 60-62 a-2 upheld, corrected;
# 63 the street's veto (fy-2); 64-66 a-3 upheld, revote_opened (round 2 on m-032, its own key);
# 67 slips_issued; 68-93 round 2's ballots; 94 closed; 95 preliminary again; 96 final.
"$MINPING" audit sample --ballot Ballots/fuyuan-2018.yaml --votes Ballots/votes/fuyuan-2018.jsonl \
  --out "$WORK/remedies" --remedies > "$WORK/remedies.out"
SRC=remedies
LOGKEY="$(tail -n 1 "$WORK/remedies.out")"
case_ remedies-untampered OK '
assert [es[i]["type"] for i in (59, 62, 63, 66, 67, 94, 95, 96)] == ["withheld", "corrected", "withheld", "revote_opened",
    "slips_issued", "closed", "results", "results"], [e["type"] for e in es[56:70]]'
case_ remedies-resigned OK '
resign(es)'
case_ withhold-unearned "seq 59: remedy" '
# m-002 earned the recognition star only: its satisfaction star cannot be withheld.
es[59]["subject"], es[59]["star"] = "m-002", "satisfaction"; resign(es)'
case_ veto-of-unearned "seq 63: remedy" '
es[63]["subject"] = "fy-1"; assert "fy-1" in [s["id"] for s in es[56]["results"]["subjects"] if not s["stars"]]; resign(es)'
case_ remedy-entry-missing "seq 59: remedy" '
del es[59]; resign(es)'
case_ dismissed-with-remedy "seq 58: remedy" '
es[58]["outcome"] = "dismissed"; resign(es)'
case_ corrected-without-appeal "seq 62: entry_format" '
del es[62]["appeal"]; resign(es)'
case_ final-before-republication "seq 60: lifecycle" '
# Withheld, then final results (six days on) without publishing the changed results first.
final = dict(es[56], at="2030-01-01T00:00:00Z"); final["results"] = dict(es[56]["results"], stage="final")
final["stage"] = "final"; resign(es[:60] + [final])'
case_ revote-reuses-key "seq 66: token_key" '
k = json.load(open(os.path.join(d, "keys.json")))
es[66]["token_key_spki"], es[66]["token_key_id"] = k["token_key_spki"], k["token_key_id"]; resign(es)'
case_ round2-rates-outside "seq 68: ballot" '
assert es[68]["type"] == "ballot" and list(es[68]["ratings"]) == ["m-032"]
es[68]["ratings"]["m-001"] = "satisfied"; resign(es)'
case_ revote-key-trailing-byte "seq 66: token_key" '
spki = base64.b64decode(es[66]["token_key_spki"]) + b"\0"
es[66]["token_key_spki"] = base64.b64encode(spki).decode(); es[66]["token_key_id"] = hashlib.sha256(spki).hexdigest(); resign(es)'
case_ round1-token-in-round2 "seq 68: token" '
assert es[10]["type"] == "ballot"
es[68]["token"] = es[10]["token"]; resign(es)'
case_ round2-recount "seq 95: recount" '
# The republished results say m-032 kept its round-1 counts.
res = es[95]["results"]; m = [s for s in res["subjects"] if s["id"] == "m-032"][0]
del m["round"]; resign(es)'
SRC=good

# Flags (SPEC §2 rules.flags): a 黑旗 rule added to the definition, every results entry given
# the flags it implies (both verifiers recount them), then one flag left out.
FLAGS='
es[0]["definition"]["rules"]["flags"] = [{"flag": "black", "label": "黑旗", "kinds": ["member"], "below": "85"}]
open(os.path.join(d, "definition.json"), "wb").write(canonical(es[0]["definition"]))
results = [e for e in es if e["type"] == "results"]
for e in results:
    r = e["results"]
    for s in r["subjects"]:
        if s["kind"] == "member":
            low = r["quorum_met"] and s["denominator"] > 0 and s["satisfied"] * 10000 < 8500 * s["denominator"]
            s["flags"] = ["black"] if low else []
rf = os.path.join(d, "results.json")
if os.path.exists(rf):
    open(rf, "wb").write(canonical(results[-1]["results"]))
flagged = [s for s in results[0]["results"]["subjects"] if s.get("flags")]
assert flagged, "the rule flags somebody"
'
case_ flags-recounted OK "$FLAGS
resign(es)"
case_ flag-left-out "seq 56: recount" "$FLAGS
flagged[0][\"flags\"] = []; resign(es)"

SRC=good
LOGKEY="$GOODKEY"
# Witnesses (SPEC §5 `witness`): the full-size checkpoint cosigned by a witness key made here
# (c2sp.org/tlog-cosignature), checked with --witness-key and --witness-quorum.
read -r W1 W2 < <(python3 - <<'PY'
import base64, hashlib
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
def vkey(name, seed):
    pub = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = hashlib.sha256(name.encode() + b"\n\x04" + pub).digest()[:4]
    return "%s+%s+%s" % (name, kid.hex(), base64.b64encode(b"\x04" + pub).decode())
print(vkey("district.example/witness", 3), vkey("jiwei.example/witness", 4))
PY
)
PRE="$PRE
def cosign(n, name, seed, t=1800000000, flip=False):
    import struct
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives import serialization
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = hashlib.sha256(name.encode() + b'\\n\\x04' + pub).digest()[:4]
    note = open(cp(n), 'rb').read()
    text = note[:note.rindex(b'\\n\\n') + 1]
    sig = bytearray(key.sign(b'cosignature/v1\\ntime %d\\n' % t + text))
    if flip: sig[0] ^= 1
    line = '\\u2014 %s %s\\n' % (name, base64.b64encode(kid + struct.pack('>Q', t) + bytes(sig)).decode())
    open(cp(n), 'ab').write(line.encode())
"
case_ witnessed OK '
cosign(60, "district.example/witness", 3)' --witness-key "$W1"
case_ witness-quorum-unmet "seq 60: witness" '
cosign(60, "district.example/witness", 3)' --witness-key "$W1" --witness-key "$W2"
case_ witness-quorum-1-of-2 OK '
cosign(60, "district.example/witness", 3)' --witness-key "$W1" --witness-key "$W2" --witness-quorum 1
case_ witness-line-tampered "seq 60: witness" '
cosign(60, "jiwei.example/witness", 4); cosign(60, "district.example/witness", 3, flip=True)' \
  --witness-key "$W1" --witness-key "$W2" --witness-quorum 1

# The sample bundle of every evaluation in Ballots/, as tools/test verifies them with the Swift
# verifier alone: all three here, and in the browser below.
for ballot in Ballots/*.yaml; do
  sample="$(basename "$ballot" .yaml)"
  LOGKEY="$("$MINPING" audit sample --ballot "$ballot" --votes "Ballots/votes/$sample.jsonl" --out "$WORK/sample-$sample" | tail -n 1)"
  check_all "sample-$sample" OK "$WORK/sample-$sample"
done

echo "verifiers: $passed passed, $failed failed"
# The browser: /verify in headless Chromium on every case above, its verdict each time.
python3 tools/tests/test_verify_page.py "$MINPING" "$MANIFEST" || failed=$((failed + 1))
[[ $failed == 0 ]]
