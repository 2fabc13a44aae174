"""The two verdicts on a board-resolution payload: the published JSON Schema's (a real
2020-12 validator) and the service's own (the lifecycle that the worker runs).

At the schema level "invalid" means: the service dead-letters the payload as
`undecodable` or `schema_violation`, or as `domain_rule` for a reason the schema states
too (the rate's sign and the precision limits). Everything else the service may refuse
is listed in the schema's description as the service's own check (`SERVICE_ONLY`, the
domain's rules, the lifecycle) and counts as "valid" here.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator

from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState
from tests.support.kafka import security_key

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
Outcome = Literal["valid", "invalid"]

# Domain reasons for checks the published schema makes too (pattern, minimum, maximum).
SCHEMA_STATED_DOMAIN_REASONS = frozenset({"too_many_decimals", "too_many_digits",
                                          "non_positive_rate"})  # fmt: skip
# Message checks the service makes and no JSON Schema can (named in the schema's
# description): the ISIN's check digit (ISO 6166 Luhn).
SERVICE_ONLY = frozenset({"isin_check_digit"})
# What a by-value validator cannot see: a number written 620.0 or 1e2 where an integer
# or money is expected (named in the schema's description, with the remedy).
NUMBER_SPELLING = frozenset({"money_is_float", "integer_is_float"})

NOW = dt.datetime(2016, 11, 4, 6, tzinfo=dt.UTC)


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


RESOLUTION = validator("BoardResolution")


class NotIJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise NotIJson(f"{name} is not JSON")


def _no_lone_surrogates(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_lone_surrogates(k)
            _no_lone_surrogates(v)
    elif isinstance(value, list):
        for v in value:
            _no_lone_surrogates(v)


def parse(raw: bytes, *, lossless: bool = True) -> Any:
    """RFC 8259 JSON in UTF-8, I-JSON strings (RFC 7493: no lone surrogates), no NaN or
    Infinity. ``lossless``: a number with a fraction or an exponent stays a Decimal, so
    that 620.0 is not the integer 620 (what the service sees); else a float, as most
    validators read it. Raises ValueError when it is not such JSON."""
    text = raw.decode("utf-8")  # strict: invalid UTF-8 raises (a BOM fails json.loads)
    doc = json.loads(
        text,
        parse_constant=_refuse_constant,
        parse_float=Decimal if lossless else float,
    )
    _no_lone_surrogates(doc)
    return doc


def schema_verdict(raw: bytes, *, lossless: bool = True) -> Outcome:
    try:
        doc = parse(raw, lossless=lossless)
    except (ValueError, UnicodeError):
        return "invalid"
    return "valid" if RESOLUTION.is_valid(doc) else "invalid"


def service_outcome(raw: bytes) -> tuple[Outcome, str | None, list[str]]:
    """(schema-level verdict, dead-letter reason code or None, the errors' codes)."""
    try:
        key = security_key(json.loads(raw))
    except (ValueError, RecursionError):
        key = b""
    life = Lifecycle(Topics())
    outcome = life.on_resolution(PartitionState(), raw, Source("in", 0, 0, key=key), NOW)
    if outcome.verdict is not Verdict.DEAD_LETTER:
        assert outcome.verdict in {Verdict.SCHEDULED, Verdict.CANCELLED}, outcome
        return "valid", None, []
    letter = json.loads(outcome.outputs[0].value)
    code: str = letter["reason"]["code"]
    codes = [e["code"] for e in letter["reason"]["errors"]]
    assert code in {"undecodable", "schema_violation", "domain_rule"}, (code, codes)
    if code == "domain_rule":
        stated = SCHEMA_STATED_DOMAIN_REASONS.intersection(codes)
        return ("invalid" if stated else "valid"), code, codes
    if code == "schema_violation" and codes and set(codes) <= SERVICE_ONLY:
        return "valid", code, codes
    return "invalid", code, codes


def service_verdict(raw: bytes) -> Outcome:
    return service_outcome(raw)[0]


def agreed_verdict(raw: bytes) -> Outcome:
    schema, service = schema_verdict(raw), service_verdict(raw)
    assert schema == service, (raw[:300], schema, service_outcome(raw))
    return schema
