"""Schemathesis hooks for tools/tests/test_schemathesis.sh.

A few refusals depend on more than a schema can say: ratings and an appeal's subject must name
subjects of this evaluation, a definition's ids must be unique and its members' organizations
listed, a log range needs end >= start, free text may hold no control character, a ballot may
be at most twice the largest honest ballot of its evaluation. The run lets schema-valid
requests get those statuses (positive_data_acceptance's expected-statuses in the generated
schemathesis.toml); this check keeps that narrow: such a refusal must give one of those
reasons, so a schema-valid request refused for any other reason (a parser bug, say) still
fails the run.
"""

import io
import json
import os
import re
import zipfile

import schemathesis

# JSON Schema cannot tell 2180 from 2180.0 (or 1e+16): both are integers to it, while the
# definition reader takes a scalar's text, and `2180.0` is neither a whole number nor an id.
_INTEGRAL_FLOAT = r"'-?[0-9]+(\.0+)?(e[+-]?[0-9]+)?'"

# Free text (an appeal's text, a note, an annulment's reason; SPEC §2, MinpingCore/TextRules.swift)
# keeps line breaks and tabs but no other control character (C0, C1, U+007F), noncharacter or
# bidi control: a pattern the schema leaves out (NonBlank already has one). The detail names the
# character, and the check below makes sure the request's text holds it.
_FORBIDDEN_CHARACTER = r"contains (U\+[0-9A-F]{4,6}), a control character, noncharacter or bidi control"
_TOO_LONG = r"at most 20000 bytes"

_TOO_LONG_OR_FORBIDDEN = (_TOO_LONG, _FORBIDDEN_CHARACTER)
_REMEDY = (
    r"names its remedy",                       # upheld needs a remedy, which the schema leaves optional
    r"a dismissed appeal changes nothing",
    r"is not in this evaluation",              # subjects and organizations of this evaluation
    r"is not a star a (member|organization) can earn",
    r"did not earn the star",                  # only a star the count awarded can be withheld
    r"is already withheld",
    r"changes nothing",
    r"a correction names a new name",
    r"only a member's organization can be corrected",
    r"a subject is named twice",
    r"name must hold a visible character",
    r"a '[a-z]+' remedy needs",
    r"must be at most (500|200) characters",
    r"reason must be given",
)

# The smallest body any ballot limit allows: 2 × (1 KiB + the ratings of its subjects)
# (EvaluationController.ballotLimit). A 413 for a smaller ballot is a server defect.
_SMALLEST_BALLOT_LIMIT = 2 * 1024

# Operation label -> {status: regular expressions for the reasons a schema cannot express};
# the problem's `detail` must match one.
REASONS = {
    "POST /api/v1/evaluations": {422: (
        r"duplicate id",                            # ids unique across members, organizations and cadres; flag ids unique
        r"is not listed under organizations",       # a member's organization must be listed
        r"must be a whole number, got " + _INTEGRAL_FLOAT,
        _INTEGRAL_FLOAT + r" is not (a slug|a valid id)",
        r"previous: no evaluation '",               # the previous round must exist on the street
        _FORBIDDEN_CHARACTER,                       # notice.text: free text, its lines kept
        r"no option is",                            # a dissatisfied_above flag needs an option marked dissatisfied
    )},
    # A roster's header row and cells are more than a schema of "a string" can say.
    "POST /api/v1/rosters": {422: (r"表头", r"CSV", r"Excel", r"UTF-8", r"名单超过", r"工作表")},
    "POST /api/v1/evaluations/{id}/ballots": {
        422: (r"unknown subject '", r"unknown option '"),
        # Any number of ratings is schema-valid; the evaluation's limit is not in the schema.
        413: (r"the request body is too large",),
    },
    "POST /api/v1/evaluations/{id}/appeals": {422: (
        r"is not in this evaluation",               # the subject must be one of this evaluation's
        _TOO_LONG,                                  # a limit in UTF-8 bytes, not characters
        _FORBIDDEN_CHARACTER,
    )},
    # A remedy applies to the results as they stand (SPEC §6): what a schema cannot say.
    "POST /api/v1/evaluations/{id}/appeals/{appeal}/resolution": {422: _TOO_LONG_OR_FORBIDDEN + _REMEDY},
    "POST /api/v1/evaluations/{id}/withholdings": {422: _TOO_LONG_OR_FORBIDDEN + _REMEDY},
    # A street's name: the characters SPEC §2 forbids, which the schema's pattern leaves in.
    "POST /api/v1/streets": {422: (_FORBIDDEN_CHARACTER, r"must hold a visible character")},
    "POST /api/v1/evaluations/{id}/annul": {422: (_TOO_LONG, _FORBIDDEN_CHARACTER)},
    "GET /api/v1/evaluations/{id}/log/entries": {400: (r"need start <= end",)},
    # bcrypt reads at most 72 bytes: a limit in UTF-8 bytes, where the schema counts characters.
    "POST /api/v1/setup": {400: (r"at most 72 bytes",)},
    # A street for an admin or reviewer, none for an operator: a condition on another field.
    # A street for an admin or reviewer; a teller's evaluation must exist, on that street.
    "POST /api/v1/accounts": {400: (r"account needs a street slug", r"a teller account counts one evaluation", r"evaluation: no evaluation",
                                    r"evaluation is for teller accounts only", r"belongs to street")},
    "POST /api/v1/drills": {400: (r"an operator names the street",)},
}


def _texts(body):
    """Every string in a JSON body (keys included), for finding the character a detail names."""
    if isinstance(body, str):
        yield body
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from _texts(key)
            yield from _texts(value)
    elif isinstance(body, list):
        for item in body:
            yield from _texts(item)


def _forbidden(scalar):
    """TextRules.isForbidden, less the line breaks and tabs free text keeps."""
    value = ord(scalar)
    if value in (0x09, 0x0A, 0x0D):
        return False
    return (value < 0x20 or 0x7F <= value <= 0x9F or 0x202A <= value <= 0x202E or 0x2066 <= value <= 0x2069
            or 0xFDD0 <= value <= 0xFDEF or value & 0xFFFE == 0xFFFE)


@schemathesis.check
def refusal_reason_beyond_schema(ctx, response, case):
    """A schema-valid request refused with a status of REASONS must give one of its reasons."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    reasons = REASONS.get(case.operation.label, {}).get(response.status_code)
    if reasons is None:
        return None
    status = response.status_code
    try:
        detail = response.json().get("detail", "")
    except Exception:
        detail = response.text
    matched = next((m for m in (re.search(reason, detail) for reason in reasons) if m), None)
    if matched is None:
        raise AssertionError(
            f"A schema-valid request was refused with {status} for a reason the schema does not leave "
            f"open: {detail!r}. Either the server is wrong or openapi.yaml should say this."
        )
    if matched.re.pattern == _FORBIDDEN_CHARACTER:
        scalar = chr(int(matched.group(1)[2:], 16))
        if not _forbidden(scalar) or not any(scalar in text for text in _texts(case.body)):
            raise AssertionError(
                f"Refused with {status} for {matched.group(1)} ({detail!r}), which is not a forbidden "
                f"character of the request's text."
            )
    if status == 413:
        body = response.request.body or b""
        sent = len(body.encode() if isinstance(body, str) else body)
        if sent <= _SMALLEST_BALLOT_LIMIT:
            raise AssertionError(
                f"A ballot of {sent} bytes was refused with 413, under the {_SMALLEST_BALLOT_LIMIT} bytes "
                f"every evaluation's limit allows."
            )
    return None



# --- The seeded evaluations: who may change them, and examples on them ------------------------
# test_schemathesis.sh writes what it seeded to $MINPING_SCHEMATHESIS_SEEDED. Schemathesis feeds
# ids it saw in answers (GET /evaluations lists them all) to every {id}, in every phase: left
# alone, its examples phase annuls every seeded evaluation before anything else runs, and the
# rest of the run then meets only 409s. So POST /annul may only touch longhua-2021 (or an
# evaluation the run made), and songxing-2017 (slip batches) and jinxiu-2022 (preliminary, stars
# earned) change only through their own operation; anything may read them.
#
# Some success paths also need more than an id: a roster whose names match the previous round's,
# a batch nobody used, a star that was earned, a street and round with evaluations (xinghe's
# round 2026: cadres, cadre stars, flags raised, a previous round; qingshan's, a draft; only read,
# so they answer the same all run). The examples below run in the examples phase,
# before any other phase, and the check after them holds each to the answer it must get, so a run
# that stops reaching these paths (all 404s again) fails rather than passing quietly.

_EXPECTED = {}  # case id -> (status, predicate on the JSON answer or None, what)

# jinxiu-2022's members: 王芳 (jx-1, m-001), 王芳 (jx-2, m-002), 李强 (jx-1, m-003), 张伟 (jx-2, m-004).
_JINXIU_ROSTER = "姓名,党支部\n王芳,锦绣社区第一党支部\n王芳,锦绣社区第三党支部\n李强,锦绣社区第二党支部\n赵敏,锦绣社区第一党支部\n"
_FUYUAN_ROSTER = "党员姓名,所属党支部,性别\n顾立红,府苑社区第一党支部,女\n钟振强,府苑社区第一党支部,男\n新党员,府苑社区第二党支部,男\n"
_FUYUAN_ROSTER_IDS = "编号,姓名,党支部\nm-001,顾立红,府苑社区第一党支部\nm-002,另一人,府苑社区第一党支部\nm-099,新党员,府苑社区第二党支部\n"

_ANNUL = "POST /api/v1/evaluations/{id}/annul"
_SEEDED = []


def _seeded():
    if not _SEEDED:
        path = os.environ.get("MINPING_SCHEMATHESIS_SEEDED")
        if path:
            with open(path, encoding="utf-8") as f:
                _SEEDED.append(json.load(f))
        else:
            _SEEDED.append(None)
    return _SEEDED[0]


def _may_send(case):
    """Whether `case` may go to the seeded evaluation it names (see above)."""
    seeded = _seeded()
    evaluation = (case.path_parameters or {}).get("id")
    if seeded is None or not isinstance(evaluation, str):
        return True
    label = case.operation.label
    if label == _ANNUL and evaluation in seeded["seeded"]:
        return evaluation in seeded["annullable"]
    reserved = seeded["reserved"]
    if evaluation not in reserved:
        return True
    # The operation that may change it; None: none may (only read).
    return case.method.upper() in ("GET", "HEAD") or label == reserved[evaluation]


@schemathesis.hook
def filter_case(context, case):
    return _may_send(case)


def _matches(answer):
    return [member.get("match") for member in answer.get("members", [])]


def _sheets(content):
    """The sheet names of an .xlsx workbook (its xl/workbook.xml), in order."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return re.findall(r'<sheet [^>]*name="([^"]*)"', book.read("xl/workbook.xml").decode())


def _csv(content, *cells):
    """A UTF-8 CSV with a BOM (for Excel) holding each of `cells`."""
    text = content.decode("utf-8")
    return text.startswith("\ufeff") and all(cell in text for cell in cells)


def _stars(items):
    return {item["star"]: item["count"] for item in items}


def _flags(items):
    return {item["flag"]: item["count"] for item in items}


def _xinghe_2026(line):
    """xinghe-2026's line of the board (or its totals): 2 members, a branch, 2 cadres; 王芳 and
    李书记 earn every star, 李强 and 赵网格 黑旗, the branch 需整改."""
    return (line["members"], line["organizations"], line["cadres"], line["ballots"], line["turnout"]) == (2, 1, 2, 3, "75.0") \
        and _stars(line["member_stars"]) == {"recognition": 1, "satisfaction": 1} \
        and _stars(line["organization_stars"]) == {"satisfaction": 0} \
        and _stars(line["cadre_stars"]) == {"cadre": 1} and _flags(line["flags"]) == {"black": 2, "rectify": 1}


def _examples(label, seeded):
    """(case arguments, status, predicate, what) for the operation `label`; each is sent once. The
    predicate gets the answer's JSON, or its bytes when it is not JSON (a CSV, a workbook)."""
    void, withhold, rounds = seeded["void"], seeded["withhold"], seeded["round"]
    street, round_name = rounds["street"], rounds["round"]

    def on(**path):
        return {"path_parameters": path}
    if label == "GET /api/v1/streets/{street}/rounds":
        return [
            (on(street=street), 200, lambda a: a["street_name"] == "星河街道"
             and a["rounds"] == [{"round": round_name, "evaluations": 1, "published": 1},
                                 {"round": rounds["previous"], "evaluations": 1, "published": 1}], "xinghe's two rounds"),
            (on(street="chengqu"), 404, None, "a street whose evaluations name no round"),
        ]
    if label == "GET /api/v1/streets/{street}/rounds/{round}":
        def board(a):
            line, = a["communities"]
            return line["evaluation"] == "xinghe-2026" and line["stage"] == "preliminary" and _xinghe_2026(line) \
                and line["gained"] > 0 and line["lost"] > 0 and a["totals"]["published"] == 1 and _xinghe_2026(a["totals"])
        return [
            (on(street=street, round=round_name), 200, board, "xinghe's board of 2026: cadres, cadre stars, flags, gained and lost"),
            (on(street=rounds["draft_street"], round=round_name), 200,
             lambda a: [(c["evaluation"], c["state"], c["stage"], c["cadres"]) for c in a["communities"]] == [("qingshan-2026", "draft", None, 1)]
             and a["totals"]["published"] == 0 and a["totals"]["turnout"] is None, "qingshan's board of 2026: a draft"),
            (on(street=street, round="1999"), 404, None, "a round the street does not have"),
        ]
    if label == "GET /api/v1/streets/{street}/rounds/{round}/stars.json":
        return [(on(street=street, round=round_name), 200,
                 lambda a: {(r["kind"], r["id"]): (r["stars"], r["flags"]) for r in a["rows"]} == {
                     ("member", "m-001"): (["recognition", "satisfaction"], []), ("member", "m-002"): ([], ["black"]),
                     ("organization", "xh-1"): ([], ["rectify"]), ("cadre", "c-01"): (["cadre"], []), ("cadre", "c-02"): ([], ["black"])},
                 "xinghe's ledger of 2026: cadres' stars and every flag raised")]
    if label == "GET /api/v1/streets/{street}/rounds/{round}/stars.csv":
        return [(on(street=street, round=round_name), 200, lambda a: _csv(a, "c-02", "赵网格", "黑旗", "需整改"), "xinghe's ledger of 2026 as CSV")]
    if label == "GET /api/v1/streets/{street}/rounds/{round}/street-results.csv":
        return [(on(street=street, round=round_name), 200, lambda a: _csv(a, "xinghe-2026", "黑旗", "需整改"), "xinghe's summary of 2026 as CSV")]
    if label == "GET /api/v1/streets/{street}/rounds/{round}/street-results.xlsx":
        return [(on(street=street, round=round_name), 200, lambda a: _sheets(a) == ["汇总", "星河社区"],
                 "xinghe's workbook of 2026: the summary and the published community")]
    if label == "GET /api/v1/rounds/{round}":
        return [
            (on(round=round_name), 200,
             lambda a: [(s["street"], s["progress"]) for s in a["streets"]] == [("qingshan", {"draft": 1}), ("xinghe", {"preliminary": 1})]
             and _xinghe_2026(a["streets"][1]["totals"]) and a["streets"][0]["totals"]["published"] == 0, "the district's roll-up of 2026"),
            (on(round="1999"), 404, None, "a round no street has"),
        ]
    if label == "GET /api/v1/rounds/{round}/district.xlsx":
        return [(on(round=round_name), 200, lambda a: _sheets(a) == ["全区汇总", "qingshan", "星河街道"],
                 "the district's workbook of 2026: the roll-up and each street")]
    if label == "POST /api/v1/evaluations/{id}/slip-batches/{batch}/void":
        def at(batch):
            return {"path_parameters": {"id": void["evaluation"], "batch": batch}}
        unused = void["unused"]
        return [
            (at(unused), 200, lambda a: a == {"batch": unused, "voided": True}, "an unused code batch is voided"),
            (at(void["token"]), 409, lambda a: a.get("code") == "invalid_transition", "a token batch cannot be voided"),
            (at(void["used"]), 409, lambda a: a.get("code") == "batch_used", "a batch with a used code cannot be voided"),
        ]
    if label == "POST /api/v1/evaluations/{id}/withholdings":
        def body(subject, star):
            return {"path_parameters": {"id": withhold["evaluation"]},
                    "body": {"subject": subject, "star": star, "reason": "一票否决：示例 a veto item"}, "media_type": "application/json"}
        subject, star = withhold["earned"]
        return [
            (body(subject, star), 201, lambda a: a == {"subject": subject, "star": star}, "an earned star is withheld"),
            (body(*withhold["not_earned"]), 422, lambda a: "did not earn the star" in a.get("detail", ""),
             "a star not earned cannot be withheld"),
        ]
    if label == "POST /api/v1/rosters":
        def roster(previous, text):
            return {"query": {"previous": previous}, "body": text, "media_type": "text/csv"}
        return [
            # By name and branch; two 王芳 last year, neither in this branch; a name unique in both
            # rounds (now in another branch); someone new. 王芳 (jx-2) and 张伟 left.
            (roster("jinxiu-2022", _JINXIU_ROSTER), 200,
             lambda a: _matches(a) == ["matched", "ambiguous", "matched", "new"]
             and [m["id"] for m in a["members"]][0::2] == ["m-001", "m-003"]
             and sorted(c["id"] for c in a["members"][1]["candidates"]) == ["m-001", "m-002"]
             and {"m-002", "m-004"} <= {x["id"] for x in a["left"]} and a.get("previous") == "jinxiu-2022",
             "a roster matched with jinxiu-2022"),
            (roster("fuyuan-2018", _FUYUAN_ROSTER), 200,
             lambda a: _matches(a) == ["matched", "matched", "new"] and len([x for x in a["left"] if x["kind"] == "member"]) == 30,
             "a roster matched with fuyuan-2018"),
            (roster("fuyuan-2018", _FUYUAN_ROSTER_IDS), 200,
             lambda a: a["ids_given"] and _matches(a) == ["matched", "new", "new"], "a roster with its own ids matched with fuyuan-2018"),
            (roster("haiyan-2020", _JINXIU_ROSTER), 200, lambda a: set(_matches(a)) == {"new"}, "a roster with nobody from haiyan-2020"),
        ]
    return []


@schemathesis.hook
def before_add_examples(context, examples):
    """Drop the examples _may_send refuses; add those of _examples, in the schema examples' (positive) mode."""
    seeded = _seeded()
    operation = context.operation
    if seeded is None or operation is None:
        return
    meta = next((case.meta for case in examples if case.meta is not None), None)
    examples[:] = [case for case in examples if _may_send(case)]
    if meta is None or not meta.generation.mode.is_positive:
        return
    for arguments, status, predicate, what in _examples(operation.label, seeded):
        case = operation.Case(_meta=meta, **arguments)
        _EXPECTED[case.id] = (status, predicate, what)
        examples.append(case)


@schemathesis.check
def seeded_example_answer(ctx, response, case):
    """An example of _examples gets the answer it must."""
    expected = _EXPECTED.get(case.id)
    if expected is None:
        return None
    status, predicate, what = expected
    try:
        answer = response.json()
    except Exception:
        answer = response.content
    try:
        holds = predicate is None or bool(predicate(answer))
    except Exception:  # an answer of another shape (KeyError, a CSV that is not UTF-8, …)
        holds = False
    if response.status_code != status or not holds:
        shown = response.text_lossy()[:2000]
        if response.content.startswith(b"PK"):
            try:
                shown = f"a workbook of the sheets {_sheets(response.content)}"
            except Exception:
                shown = f"{len(response.content)} bytes, not a workbook"
        raise AssertionError(f"{what}: expected {status} and the answer said, got {response.status_code} {shown!r}")
    return None
