#!/usr/bin/env bash
# Schemathesis against openapi.yaml: a seeded, bounded property-based run of every operation
# in Sources/MinpingHTTP/openapi.yaml (the file in the repository, not the served copy) against
# a real `minping serve`, with every check. Exits non-zero on any failure.
#
# Before the run the server holds evaluations in several states, and the generator is given
# their ids, trackers, unspent slip tokens, appeal ids, slip batches, earned stars and previous
# rounds (as dictionaries that it mixes with its own values), so the operations are exercised on
# things that exist, not only on 404s:
#   fuyuan-2018    open, two ballots cast, unspent slips left
#   haiyan-2020    preliminary results published, appeals a-1 and a-2 pending
#   songxing-2016  draft
#   longhua-2021   draft, the only seeded one POST /annul may touch
#   songxing-2017  draft, slip batches: three code batches unused, a token batch, a code batch
#                  with a used code; changed only by POST …/slip-batches/{batch}/void
#   jinxiu-2022    preliminary, stars earned (two members and a branch), two members of one
#                  name; changed only by POST …/withholdings
#   xinghe-2026    round 2026 of street xinghe (星河街道): preliminary, members, a branch and
#                  cadres, cadre stars and two flag rules (黑旗 below, 需整改 dissatisfied_above,
#                  both raised); previous xinghe-2025 (round 2025, preliminary); only read
#   qingshan-2026  round 2026 of street qingshan: a cadres-only draft; only read
# tools/tests/schemathesis_hooks.py keeps POST /annul off all of them but longhua-2021, the other
# operations off songxing-2017 and jinxiu-2022 and everything but reads off the round's three
# (schemathesis otherwise feeds every id it saw to every {id}) and adds examples with the answers they must
# get: a batch voided (200) or refused (409 batch_used, invalid_transition), a star withheld
# (201) or not earned (422), rosters matched with previous rounds (matched, ambiguous with its
# candidates, new, left), round 2026's street board, ledger, CSVs and workbook and the district's
# roll-up and workbook (200, with the stars and flags counted; 404 for a round nobody has).
# {street} and {round} are also drawn from dictionaries (xinghe, qingshan, chengqu; 2026, 2025).
#
# Two seeds, each against its own fresh server: seed 1, the fixed one that must always pass, and
# the day's seed (the UTC date, YYYYMMDD), which explores new inputs every day. Both are printed;
# a failure under either is replayed with SCHEMATHESIS_SEED=N (that seed alone, same cases).
#
# Usage: tools/tests/test_schemathesis.sh path/to/minping
#   SCHEMATHESIS_EXAMPLES (default 60): cases per operation in the fuzzing phase, per seed (each
#     seed's run makes about 7,200 cases in about three minutes on 2 cores).
#   SCHEMATHESIS_SEED: run this seed only (to replay a failure), not seed 1 and the day's.
#   SCHEMATHESIS_REPORT: a directory for JUnit, NDJSON and HAR reports, one folder per seed
#     (default: none kept).
#   SCHEMATHESIS_ARGS: more options for `schemathesis run`, e.g. --continue-on-failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
MINPING="$(cd "$(dirname "${1:?usage: $0 path/to/minping}")" && pwd)/$(basename "$1")"
SPEC="$ROOT/Sources/MinpingHTTP/openapi.yaml"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-60}"
if [[ -n ${SCHEMATHESIS_SEED:-} ]]; then
  SEEDS=("$SCHEMATHESIS_SEED")
else
  SEEDS=(1 "$(date -u +%Y%m%d)")
fi
echo "seeds: ${SEEDS[*]} (replay one with SCHEMATHESIS_SEED=N $0 $1)"

python3 -c 'import schemathesis' 2>/dev/null || { echo "installing schemathesis"; python3 -m pip install -q "schemathesis==4.32.5"; }
echo "schemathesis $(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))')"
# The command line through the python3 that has the package, whether or not its scripts are on PATH.
SCHEMATHESIS=(python3 -c 'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "schemathesis"; sys.exit(schemathesis())')

WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One seed's run: a fresh server and database in $WORK/seed-N, the evaluations in their states,
# schemathesis, then the server's log. Returns non-zero on any failure.
run_seed() {
  local SEED=$1
  local WORK="$WORK/seed-$SEED"
  mkdir -p "$WORK"
  echo
  echo "=== schemathesis with seed $SEED ==="
  DB="$WORK/minping.sqlite"
  KEY="$("$MINPING" keys create --role operator --db "$DB" 2>/dev/null | tail -n 1)" || return 1
  PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  BASE="http://127.0.0.1:$PORT"

  "$MINPING" serve --db "$DB" --port "$PORT" --load Ballots/fuyuan-2018.yaml --slips 12 \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "minping serve exited:" >&2; cat "$WORK/serve.err" >&2; return 1; }
    sleep 0.2
  done
  curl -fsS "$BASE/healthz" >/dev/null || { echo "minping serve did not answer /healthz" >&2; return 1; }

  # The evaluations in their states, and schemathesis.toml with the dictionaries.
  python3 - "$BASE" "$KEY" "$WORK/serve.out" "$WORK/schemathesis.toml" "$ROOT/tools/tests/schemathesis_hooks.py" "$WORK/seeded.json" <<'PY' || return 1
import base64, json, os, re, sys, time

base, key, serve_out, toml_path, hooks, seeded_path = sys.argv[1:]
sys.path.insert(0, os.path.dirname(hooks))
from support import request  # noqa: E402

def call(method, path, body=None, content_type="application/json", expect=(200, 201, 202), under="/api/v1/evaluations"):
    reply = request(base + under + path, method, body, key=key, content_type=content_type, typed=True, unanswered=())
    status, text = reply.status, reply.body.decode()
    if status not in expect:
        sys.exit("setup: %s %s -> %d %s" % (method, path, status, text))
    return json.loads(text) if text.startswith("{") else text

tokens = re.findall(r"#t=([A-Za-z0-9_-]+)", open(serve_out).read())
assert len(tokens) == 12, "expected 12 slips from serve --load, got %d" % len(tokens)
trackers = []
for token in tokens[:2]:
    trackers.append(call("POST", "/fuyuan-2018/ballots", {"token": token, "ratings": {"m-001": "satisfied", "fy-1": "dissatisfied"}})["tracker"])

call("POST", "", open("Ballots/haiyan-2020.yaml", "rb").read(), "application/yaml")
definition = call("GET", "/haiyan-2020")
subject, option = definition["subjects"][0]["id"], definition["options"][0]["id"]
slips = call("POST", "/haiyan-2020/slips", {"count": 3})["tokens"]
call("POST", "/haiyan-2020/open")
for token in slips:
    trackers.append(call("POST", "/haiyan-2020/ballots", {"token": token, "ratings": {subject: option}})["tracker"])
call("POST", "/haiyan-2020/close")
call("POST", "/haiyan-2020/publish", {"stage": "preliminary"})
call("POST", "/haiyan-2020/appeals", {"subject": subject, "text": "计票有误 a counting error"})
call("POST", "/haiyan-2020/appeals", {"text": "whole evaluation"})

call("POST", "", open("Ballots/songxing-2016.yaml", "rb").read(), "application/yaml")
# Annulment ends an evaluation for good: POST /annul gets one of its own, so the others live on.
call("POST", "", open("Ballots/longhua-2021.yaml", "rb").read(), "application/yaml")

# Slip batches for POST …/slip-batches/{batch}/void, in an evaluation of their own (songxing-2017,
# draft): three code batches nobody used (200, then 404 once voided), a token batch (409
# invalid_transition: token slips are not stored) and a code batch whose code was redeemed (409
# batch_used). Redeeming needs only a well-formed TokenRequest under the evaluation's key: a
# blinded message below the modulus (a leading zero byte).
call("POST", "", open("Ballots/songxing-2016.yaml", "rb").read().replace(b"id: songxing-2016", b"id: songxing-2017"), "application/yaml")
unused = [call("POST", "/songxing-2017/slips", {"count": 2, "kind": "code"})["batch"] for _ in range(3)]
token_batch = call("POST", "/songxing-2017/slips", {"count": 1})["batch"]
used = call("POST", "/songxing-2017/slips", {"count": 1, "kind": "code"})
key_id = bytes.fromhex(call("GET", "/songxing-2017")["token_key_id"])
token_request = b"\x00\x02" + key_id[-1:] + b"\x00" + os.urandom(255)
call("POST", "/songxing-2017/tokens", {"code": used["codes"][0],
                                       "token_request": base64.urlsafe_b64encode(token_request).decode().rstrip("=")})
voidable = {b["batch"]: b["voidable"] for b in call("GET", "/songxing-2017/slip-batches")["batches"]}
assert [voidable[b] for b in unused + [token_batch, used["batch"]]] == [True, True, True, False, False], voidable

# An evaluation in preliminary with stars earned, for POST …/withholdings (jinxiu-2022): 3 of 4
# voters rate 王芳 (jx-1), 李强 and the branch jx-1 satisfied, so they earn every star. Its two
# 王芳 (in two branches) make a roster row ambiguous (the readRoster examples in the hooks).
call("POST", "", """\
id: jinxiu-2022
title: 锦绣社区2022年度党员群众满意度测评
street: chengqu
community: 锦绣社区
electorate: 4
publicity_days: 5
organizations:
  - {id: jx-1, name: 锦绣社区第一党支部}
  - {id: jx-2, name: 锦绣社区第二党支部}
members:
  - {id: m-001, name: 王芳, organization: jx-1}
  - {id: m-002, name: 王芳, organization: jx-2}
  - {id: m-003, name: 李强, organization: jx-1}
  - {id: m-004, name: 张伟, organization: jx-2}
""".encode(), "application/yaml")
slips = call("POST", "/jinxiu-2022/slips", {"count": 3})["tokens"]
call("POST", "/jinxiu-2022/open")
for token in slips:  # satisfied and dissatisfied: the default options (SPEC §2)
    call("POST", "/jinxiu-2022/ballots", {"token": token, "ratings": {"m-001": "satisfied", "m-003": "satisfied", "jx-1": "satisfied",
                                                                      "m-002": "dissatisfied"}})
call("POST", "/jinxiu-2022/close")
call("POST", "/jinxiu-2022/publish", {"stage": "preliminary"})
earned = sorted((s["id"], star) for s in call("GET", "/jinxiu-2022/results")["subjects"] for star in s["stars"])
assert {subject for subject, _ in earned} == {"m-001", "m-003", "jx-1"}, earned
member_stars = [pair for pair in earned if pair[0] != "jx-1"]

# The round 2026 (SPEC §2 `round`, §7), for the street and district operations: street xinghe
# (named 星河街道) has xinghe-2026, preliminary, a two-level community (members, a branch and
# cadres, 两级测评) with cadre stars and two flag rules (黑旗 below 50 for members and cadres,
# 需整改 for a branch whose dissatisfied share is above 30, counting the option marked
# `dissatisfied: true`), whose previous round xinghe-2025 (round 2025, preliminary) makes its
# board's gained/lost numbers; street qingshan has qingshan-2026, a cadres-only draft, so the
# district's roll-up holds a street with nothing published. Three voters of four in 2026: 王芳
# (m-001) and 李书记 (c-01) satisfied thrice (every star; the cadre star), 李强 (m-002) and 赵网格
# (c-02) dissatisfied twice (黑旗), the branch xh-1 dissatisfied twice (需整改); in 2025 王芳 and
# 李强 the other way round, so the board counts stars gained (王芳's) and lost (李强's).
def xinghe(year, round_name, cadres, previous=None):
    definition = {
        "id": "xinghe-%d" % year, "title": "星河社区%d年度党员干部群众满意度测评" % year, "street": "xinghe",
        "community": "星河社区", "round": round_name, "electorate": 4, "publicity_days": 5,
        "options": [{"id": "satisfied", "label": "满意", "satisfied": True},
                    {"id": "dissatisfied", "label": "不满意", "dissatisfied": True},
                    {"id": "unknown", "label": "不了解", "abstain": True}],
        "rules": {"cadre_stars": [{"star": "cadre", "label": "群众满意干部星", "percent": 60}],
                  "flags": [{"flag": "black", "label": "黑旗", "kinds": ["member", "cadre"], "below": 50},
                            {"flag": "rectify", "label": "需整改", "kinds": ["organization"], "dissatisfied_above": 30}]},
        "organizations": [{"id": "xh-1", "name": "星河社区第一党支部"}],
        "members": [{"id": "m-001", "name": "王芳", "organization": "xh-1"}, {"id": "m-002", "name": "李强", "organization": "xh-1"}],
        "cadres": cadres,
    }
    if previous:
        definition["previous"] = previous
    return definition

call("POST", "", {"street": "xinghe", "name": "星河街道"}, under="/api/v1/streets")
cadres = [{"id": "c-01", "name": "李书记", "title": "社区党委书记"}, {"id": "c-02", "name": "赵网格", "title": "网格员"}]
for definition in (xinghe(2025, "2025", cadres[:1]), xinghe(2026, "2026", cadres, previous="xinghe-2025")):
    evaluation = definition["id"]
    call("POST", "", definition)
    slips = call("POST", "/%s/slips" % evaluation, {"count": 3})["tokens"]
    call("POST", "/%s/open" % evaluation)
    for n, token in enumerate(slips):
        unhappy = "dissatisfied" if n < 2 else "satisfied"
        ratings = {"m-001": "satisfied", "m-002": unhappy, "xh-1": unhappy, "c-01": "satisfied"}
        if evaluation == "xinghe-2026":
            ratings["c-02"] = unhappy
        else:
            ratings["m-001"], ratings["m-002"] = ratings["m-002"], ratings["m-001"]
        call("POST", "/%s/ballots" % evaluation, {"token": token, "ratings": ratings})
    call("POST", "/%s/close" % evaluation)
    call("POST", "/%s/publish" % evaluation, {"stage": "preliminary"})
flags = {s["id"]: s.get("flags") for s in call("GET", "/xinghe-2026/results")["subjects"]}
assert flags == {"m-001": [], "m-002": ["black"], "xh-1": ["rectify"], "c-01": [], "c-02": ["black"]}, flags
call("POST", "", {"id": "qingshan-2026", "title": "青山社区2026年度干部群众满意度测评", "street": "qingshan", "round": "2026",
                  "electorate": 30, "cadres": [{"id": "c-01", "name": "周书记", "title": "社区党委书记"}]})

# What the hooks need (tools/tests/schemathesis_hooks.py): which operations may change which
# seeded evaluation (POST /annul only longhua-2021; songxing-2017 and jinxiu-2022 only their own
# operation, so their state holds until it runs), and the seeded things the examples use. The
# examples take unused[0] and jx-1's star; the dictionaries below leave those out, so nothing
# else gets there first.
# The round's evaluations are only read (None: no operation changes them), so the street's
# board, ledger and workbooks and the district's roll-up hold what the examples expect.
json.dump({"seeded": ["fuyuan-2018", "haiyan-2020", "songxing-2016", "longhua-2021", "songxing-2017", "jinxiu-2022",
                      "xinghe-2025", "xinghe-2026", "qingshan-2026"],
           "annullable": ["longhua-2021"],
           "reserved": {"songxing-2017": "POST /api/v1/evaluations/{id}/slip-batches/{batch}/void",
                        "jinxiu-2022": "POST /api/v1/evaluations/{id}/withholdings",
                        "xinghe-2025": None, "xinghe-2026": None, "qingshan-2026": None},
           "round": {"street": "xinghe", "round": "2026", "previous": "2025", "draft_street": "qingshan"},
           "void": {"evaluation": "songxing-2017", "unused": unused[0], "token": token_batch, "used": used["batch"]},
           "withhold": {"evaluation": "jinxiu-2022", "earned": next(p for p in earned if p[0] == "jx-1"),
                        "not_earned": ["m-004", member_stars[0][1]]}},
          open(seeded_path, "w"), ensure_ascii=False)

# Wait until fuyuan-2018's ballots are in the log, so their receipts answer 200, not 202.
for _ in range(50):
    entries = call("GET", "/fuyuan-2018/log/entries")["entries"]
    if sum(1 for e in entries if e.get("type") == "ballot") == 2:
        break
    time.sleep(0.2)

# Schemathesis' default for positive_data_acceptance, which a per-operation list replaces.
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

def values(items):
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"

with open(toml_path, "w") as out:
    out.write("""\
# Written by tools/tests/test_schemathesis.sh for one run.
hooks = %s

[dictionaries.evaluations]
values = %s
[dictionaries.trackers]
values = %s
[dictionaries.tokens]
values = %s
[dictionaries.appeals]
values = ["a-1", "a-2"]
[dictionaries.annullable]
values = ["longhua-2021"]
[dictionaries.batch_evaluations]
values = ["songxing-2017"]
[dictionaries.batches]
values = %s
[dictionaries.withholdable]
values = ["jinxiu-2022", "haiyan-2020"]
[dictionaries.subjects]
values = %s
[dictionaries.stars]
values = %s
[dictionaries.previous]
values = ["jinxiu-2022", "fuyuan-2018", "haiyan-2020", "xinghe-2026"]
[dictionaries.streets]
values = ["xinghe", "qingshan", "chengqu"]
[dictionaries.rounds]
values = ["2026", "2025"]

[parameters]
"path.id" = { dictionary = "evaluations", probability = 0.5 }
"path.tracker" = { dictionary = "trackers", probability = 0.5 }
"path.appeal" = { dictionary = "appeals", probability = 0.5 }
"body.token" = { dictionary = "tokens", probability = 0.3 }
"path.street" = { dictionary = "streets", probability = 0.5 }
"path.round" = { dictionary = "rounds", probability = 0.5 }

[phases.examples]
fill-missing = true


[[operations]]
include-operation-id = "annulEvaluation"
parameters = { "path.id" = { dictionary = "annullable", probability = 0.5 } }
# Real batches (unused, token, used) of songxing-2017, which no other operation is given.
[[operations]]
include-operation-id = "voidSlipBatch"
parameters = { "path.id" = { dictionary = "batch_evaluations", probability = 0.5 }, "path.batch" = { dictionary = "batches", probability = 0.5 } }
# jinxiu-2022 is preliminary with stars earned (201 until each is withheld); haiyan-2020 has none.
[[operations]]
include-operation-id = "withhold"
parameters = { "path.id" = { dictionary = "withholdable", probability = 0.5 }, "body.subject" = { dictionary = "subjects", probability = 0.5 }, "body.star" = { dictionary = "stars", probability = 0.5 } }
[[operations]]
include-operation-id = "readRoster"
parameters = { "query.previous" = { dictionary = "previous", probability = 0.5 } }

# What a schema cannot say, refused with the status the document lists for it: ids that must
# exist in this evaluation (ratings, an appeal's subject), a definition's cross-references
# (unique ids, listed organizations, an existing previous round), a roster's header row,
# free text's forbidden characters (control, bidi, noncharacter) and 20000-byte limit, a
# remedy that cannot apply to the results as they stand (a star not earned, an unknown subject),
# end >= start, a ballot's size limit (twice its evaluation's largest honest ballot, while
# the schema allows any number of ratings). Schema-valid requests may get it, for those
# reasons only (the check in tools/tests/schemathesis_hooks.py).
[[operations]]
include-operation-id = ["fileAppeal", "createEvaluation", "readRoster", "annulEvaluation", "resolveAppeal", "withhold", "nameStreet"]
checks.positive_data_acceptance.expected-statuses = %s
[[operations]]
include-operation-id = "castBallot"
checks.positive_data_acceptance.expected-statuses = %s
[[operations]]
include-operation-id = ["getLogEntries", "setUp", "createAccount", "drillSlip"]
checks.positive_data_acceptance.expected-statuses = %s
""" % (json.dumps(hooks), values(["fuyuan-2018", "haiyan-2020", "songxing-2016", "xinghe-2026"]), values(trackers), values(tokens[2:]),
   values(unused[1:] + [token_batch, used["batch"]]), values(sorted({subject for subject, _ in member_stars} | {"m-004"})),
   values(sorted({star for _, star in member_stars})),
   values(POSITIVE + ["422"]), values(POSITIVE + ["413", "422"]), values(POSITIVE + ["400"])))
PY

  local report_args=()
  if [[ -n ${SCHEMATHESIS_REPORT:-} ]]; then
    mkdir -p "$SCHEMATHESIS_REPORT/seed-$SEED"
    report_args=(--report junit,ndjson,har --report-dir "$SCHEMATHESIS_REPORT/seed-$SEED")
  fi

  # Every check but ensure_resource_availability: the stateful phase infers that POST
  # /evaluations names its resource by the request's `id`, but the server trims surrounding
  # whitespace from ids (a clerk's " fuyuan-2019 " is fuyuan-2019, SPEC §2's text rules) and
  # answers with the id it created, so a padded request id is "not found" as spelled. GETs of
  # real ids in every state are exercised through the dictionaries above.
  local status=0 start=$SECONDS
  MINPING_SCHEMATHESIS_SEEDED="$WORK/seeded.json" timeout 480 "${SCHEMATHESIS[@]}" --config-file "$WORK/schemathesis.toml" run "$SPEC" \
    --url "$BASE" \
    --header "Authorization: Bearer $KEY" \
    --checks all \
    --exclude-checks ensure_resource_availability \
    --seed "$SEED" --generation-deterministic \
    --max-examples "$EXAMPLES" \
    --workers 1 \
    --request-timeout 30 \
    --no-color \
    "${report_args[@]}" ${SCHEMATHESIS_ARGS:-} 2>&1 | tee "$WORK/schemathesis.out" || status=$?
  # (Its summary says "Seed: not used in the deterministic mode": wrong when --seed is given, as
  # here; schemathesis then seeds every phase with it.)
  echo "schemathesis (seed $SEED): exit $status after $((SECONDS - start)) s"
  # An exception in its worker thread (reading an answer it cannot parse, say) ends a phase early
  # with the remaining operations untested, yet schemathesis exits 0.
  if grep -q '^Exception in thread' "$WORK/schemathesis.out"; then
    echo "schemathesis' worker crashed (the traceback above): operations after it went untested" >&2
    status=1
  fi

  if grep -qE '^[^ ]+ (error|critical) ' "$WORK/serve.err"; then
    echo "the server logged errors:" >&2
    grep -E '^[^ ]+ (error|critical) ' "$WORK/serve.err" | head -20 >&2
    status=1
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "minping serve is no longer running; its crash report (the Swift backtrace, if any):" >&2
    grep -a -A40 'crashed' "$WORK/serve.err" | head -60 >&2 || true
    status=1
  fi
  stop_server
  return "$status"
}

failed=()
for seed in "${SEEDS[@]}"; do
  run_seed "$seed" || failed+=("$seed")
done
echo
if (( ${#failed[@]} )); then
  echo "schemathesis failed with seed(s) ${failed[*]} (of ${SEEDS[*]}); replay with:" >&2
  for seed in "${failed[@]}"; do
    echo "  SCHEMATHESIS_SEED=$seed $0 $1" >&2
  done
  exit 1
fi
echo "schemathesis passed with seeds ${SEEDS[*]}"
