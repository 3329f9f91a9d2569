#!/usr/bin/env bash
# Cross-checks tools/verify_bundle.py against `minping audit verify` on a sample bundle
# and on tampered copies of it. Usage: tools/test_verify_bundle.sh path/to/minping
set -euo pipefail
cd "$(dirname "$0")/.."
MINPING="$(cd "$(dirname "${1:?usage: $0 path/to/minping}")" && pwd)/$(basename "$1")"
PY=tools/verify_bundle.py
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

"$MINPING" audit sample --ballot Ballots/fuyuan-2018.yaml --votes Ballots/votes/fuyuan-2018.jsonl \
  --out "$WORK/good" > "$WORK/sample.out"
LOGKEY="$(tail -n 1 "$WORK/sample.out")"

run() { # dir -> sets rc_s out_s rc_p out_p
  set +e
  out_s="$("$MINPING" audit verify "$@" 2>&1)"; rc_s=$?
  out_p="$(python3 "$PY" "$@" 2>&1)"; rc_p=$?
  set -e
}
check_name() { # "FAIL seq 3: chain: ..." -> "seq 3: chain"... we compare the check only
  sed -n '1s/^FAIL [^:]*: \([^:]*\):.*/\1/p' <<<"$1"
}

run "$WORK/good" --log-key "$LOGKEY" --checkpoint "$WORK/good/checkpoints/3.txt"
if [[ $rc_s == 0 && $rc_p == 0 ]]; then
  echo "ok   untampered: both OK"; passed=$((passed + 1))
else
  echo "FAIL untampered: swift rc=$rc_s ($out_s) python rc=$rc_p ($out_p)"; failed=$((failed + 1))
fi

tamper() { # name, python snippet operating on directory d
  local name=$1 code=$2 d="$WORK/$1"
  cp -r "$WORK/good" "$d"
  python3 - "$d" <<<"$code"
  run "$d"
  local cs cp
  cs="$(check_name "$out_s")"; cp="$(check_name "$out_p")"
  if [[ $rc_s == 1 && $rc_p == 1 && -n $cs && $cs == "$cp" ]]; then
    echo "ok   $name: $cs"; passed=$((passed + 1))
  else
    echo "FAIL $name: swift rc=$rc_s ($out_s) python rc=$rc_p ($out_p)"; failed=$((failed + 1))
  fi
}

PRE='import sys, os, base64
d = sys.argv[1]
p = os.path.join(d, "entries.jsonl")
lines = open(p, "rb").read().split(b"\n")[:-1]
def save(ls): open(p, "wb").write(b"".join(l + b"\n" for l in ls))
'
tamper swap-lines "$PRE
lines[10], lines[11] = lines[11], lines[10]; save(lines)"
tamper delete-line "$PRE
del lines[20]; save(lines)"
tamper flip-rating "$PRE
l = lines[10]; assert b'\"type\":\"ballot\"' in l
i = l.index(b'\"ratings\":{'); j = l.index(b'\":\"', i) + 3
lines[10] = l[:j] + bytes([l[j] ^ 0x01]) + l[j + 1:]; save(lines)"
tamper drop-last "$PRE
save(lines[:-1])"
tamper garbage-signature "$PRE
c = os.path.join(d, 'checkpoints', '53.txt')
body, sigs = open(c, 'rb').read().split(b'\n\n', 1)
name = sigs.decode().split(' ')[1]
garbage = base64.b64encode(bytes(range(7, 75))).decode()
open(c, 'wb').write(body + b'\n\n' + ('\u2014 %s %s\n' % (name, garbage)).encode())"

echo "verifiers: $passed passed, $failed failed"
[[ $failed == 0 ]]
