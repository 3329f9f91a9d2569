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

import re

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
        r"duplicate id",                            # ids unique across members and organizations
        r"is not listed under organizations",       # a member's organization must be listed
        r"must be a whole number, got " + _INTEGRAL_FLOAT,
        _INTEGRAL_FLOAT + r" is not (a slug|a valid id)",
        r"previous: no evaluation '",               # the previous round must exist on the street
        _FORBIDDEN_CHARACTER,                       # notice.text: free text, its lines kept
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
    "POST /api/v1/accounts": {400: (r"account needs a street slug",)},
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
