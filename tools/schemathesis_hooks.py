"""Schemathesis hooks for tools/test_schemathesis.sh.

A few refusals depend on more than a schema can say: ratings and an appeal's subject must name
subjects of this evaluation, a definition's ids must be unique and its members' organizations
listed, a log range needs end >= start. The run lets schema-valid requests get those statuses
(positive_data_acceptance's expected-statuses in the generated schemathesis.toml); this check
keeps that narrow: such a refusal must give one of those reasons, so a schema-valid request
refused for any other reason (a parser bug, say) still fails the run.
"""

import re

import schemathesis

# JSON Schema cannot tell 2180 from 2180.0 (or 1e+16): both are integers to it, while the
# definition reader takes a scalar's text, and `2180.0` is neither a whole number nor an id.
_INTEGRAL_FLOAT = r"'-?[0-9]+(\.0+)?(e[+-]?[0-9]+)?'"

# Operation label -> (status, regular expressions for the reasons a schema cannot express);
# the problem's `detail` must match one.
REASONS = {
    "POST /api/v1/evaluations": (422, (
        r"duplicate id",                            # ids unique across members and organizations
        r"is not listed under organizations",       # a member's organization must be listed
        r"must be a whole number, got " + _INTEGRAL_FLOAT,
        _INTEGRAL_FLOAT + r" is not (a slug|a valid id)",
        r"previous: no evaluation '",               # the previous round must exist on the street
    )),
    # A roster's header row and cells are more than a schema of "a string" can say.
    "POST /api/v1/rosters": (422, (r"表头", r"CSV", r"Excel", r"UTF-8", r"名单超过")),
    "POST /api/v1/evaluations/{id}/ballots": (422, (r"unknown subject '", r"unknown option '")),
    "POST /api/v1/evaluations/{id}/appeals": (422, (
        r"is not in this evaluation",               # the subject must be one of this evaluation's
        r"at most 20000 bytes",                     # a limit in UTF-8 bytes, not characters
    )),
    "GET /api/v1/evaluations/{id}/log/entries": (400, (r"need start <= end",)),
}


@schemathesis.check
def refusal_reason_beyond_schema(ctx, response, case):
    """A schema-valid request refused with the status of REASONS must give one of its reasons."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status, reasons = REASONS.get(case.operation.label, (None, ()))
    if response.status_code != status:
        return None
    try:
        detail = response.json().get("detail", "")
    except Exception:
        detail = response.text
    if not any(re.search(reason, detail) for reason in reasons):
        raise AssertionError(
            f"A schema-valid request was refused with {status} for a reason the schema does not leave "
            f"open: {detail!r}. Either the server is wrong or openapi.yaml should say this."
        )
    return None
