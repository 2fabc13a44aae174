"""contracts/native.py: a resolution decoded natively is the one the model decodes, and
an invalid one gets the model's own errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from corpactions.contracts.board_resolution import (
    NATIVE_JSON,
    BoardResolution,
    Security,
    decode_resolution,
)
from corpactions.contracts.native import NativeJson, native_schema

from .corpus import IIJ, dumps, payloads, read_corpus

CORPUS = [raw for _, raw, _ in read_corpus()]


def _answer(decode: Any, raw: bytes) -> tuple[str, Any]:
    """What decoding `raw` gives, compared exactly: the repr (a Decimal's digits as
    written, "13.50" not "13.5"), the JSON, the fields set at every level; or the errors."""
    try:
        model = decode(raw)
    except ValidationError as e:
        return "invalid", (e.title, repr(e.errors()), str(e))  # repr: NaN != NaN
    return "valid", (type(model), repr(model), model.model_dump_json(exclude_unset=True))


def _natively(raw: bytes) -> tuple[str, Any] | None:
    """The native validator's answer when it accepts `raw`, else None."""
    try:
        decode_resolution.validator.validate_json(raw)
    except ValidationError:
        return None
    return _answer(decode_resolution.validator.validate_json, raw)


def _check(raw: bytes) -> bool:
    """`decode_resolution` answers as the model; the native validator accepts only what
    the model accepts, with the same result. Whether it accepted."""
    expected = _answer(BoardResolution.model_validate_json, raw)
    assert _answer(decode_resolution, raw) == expected
    native = _natively(raw)
    assert native is None or native == expected
    return native is not None


def test_every_corpus_payload_decodes_as_the_model_decodes_it() -> None:
    accepted = [raw for raw in CORPUS if _check(raw)]
    valid = [
        raw for raw in CORPUS if _answer(BoardResolution.model_validate_json, raw)[0] == "valid"
    ]
    assert len(valid) >= 80
    assert len(accepted) >= len(valid) // 2  # the usual forms are native


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(payloads())
def test_a_fresh_payload_decodes_as_the_model_decodes_it(raw: bytes) -> None:
    _check(raw)


# The inputs each checked field type sees, beyond the corpus strategy's: every JSON type,
# and strings near the forms the checks accept.
NEAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="0123456789-+.eE _:T\n\u0663\uff10", max_size=14),
    st.dates().map(str),
    st.datetimes().map(str),
    st.lists(st.integers(), max_size=1),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
CHECKED = [
    ("version",),
    ("resolved_on",),
    ("fiscal_year_end",),
    ("record_date",),
    ("payment_date",),
    ("gross_amount_per_share",),
    ("eligible_shares",),
    ("other_listings", 0, "shares_per_unit"),
    ("declared_total", "amount"),
    ("declared_total", "unit"),
    ("forecast_per_share", "amount"),
    ("forecast_per_share", "disclosed_on"),
]


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(CHECKED), NEAR)
def test_each_checked_field_decodes_any_value_as_the_model_does(
    path: tuple[str | int, ...], value: Any
) -> None:
    doc = json.loads(dumps(IIJ))
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    _check(dumps(doc))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("gross_amount_per_share",), "0013.50"),
        (("gross_amount_per_share",), 1500),
        (("gross_amount_per_share",), "-13.50"),
        (("declared_total", "amount"), "0"),
        (("other_listings", 0, "shares_per_unit"), 2),
        (("eligible_shares",), 10**15),
        (("payment_date",), None),
        (("record_date",), "2016-02-29"),
    ],
)
def test_the_usual_forms_decode_natively(path: tuple[str | int, ...], value: Any) -> None:
    doc = json.loads(dumps(IIJ))
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert _check(dumps(doc))


def _functions(schema: Any) -> set[Any]:
    """Every Python function `schema` calls."""
    if callable(schema) and not isinstance(schema, type):
        return {schema}
    if isinstance(schema, list):
        return set().union(*(_functions(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    return set().union(*(_functions(v) for k, v in schema.items() if k != "metadata"))


def test_only_the_security_check_is_left_in_python() -> None:
    schema = native_schema(BoardResolution.__pydantic_core_schema__, NATIVE_JSON)
    assert {f.__qualname__ for f in _functions(schema)} == {"Security._identified"}


def test_building_it_leaves_each_model_complete_with_its_own_validator() -> None:
    class Listing(BaseModel):
        day: Any

    own = BoardResolution.__pydantic_validator__
    decode = NativeJson(BoardResolution, NATIVE_JSON)
    assert decode.validator is not own
    assert BoardResolution.__pydantic_complete__ is True
    assert BoardResolution.__pydantic_validator__ is own
    assert Security.__pydantic_complete__ is True
    # its own schema, not the model's: a version as digits is the model's, not native
    digits = dumps({**IIJ, "version": "1"})
    assert BoardResolution.model_validate_json(digits).version == 1
    with pytest.raises(ValidationError):
        decode.validator.validate_json(digits)
    assert NativeJson(Listing, {}).validator.validate_json('{"day": 1}') == Listing(day=1)
