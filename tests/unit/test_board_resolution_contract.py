"""The inbound contract: what a message is (types, formats, identifiers)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution

from .resolutions import IIJ, iij_dict


def errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        BoardResolution.model_validate_json(json.dumps(data))
    return [(e["type"], ".".join(map(str, e["loc"]))) for e in info.value.errors()]


def test_iij_example_parses_with_exact_decimals() -> None:
    r = BoardResolution.model_validate_json(json.dumps(IIJ))
    assert r.gross_amount_per_share == Decimal("13.50")
    assert str(r.gross_amount_per_share) == "13.50"  # printed digits kept
    assert r.other_listings[0].shares_per_unit == Decimal("0.5")
    assert r.security_key == "JP3152820001"


def test_security_key_falls_back_to_mic_and_local_code() -> None:
    data = iij_dict(security={"local_code": "3774", "mic": "XTKS"})
    assert BoardResolution.model_validate_json(json.dumps(data)).security_key == "XTKS:3774"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"gross_amount_per_share": 13.5}, ("money_is_float", "gross_amount_per_share")),
        ({"gross_amount_per_share": True}, ("money_is_bool", "gross_amount_per_share")),
        ({"gross_amount_per_share": "1.35e1"},
         ("money_not_decimal_string", "gross_amount_per_share")),
        ({"gross_amount_per_share": "13,50"},
         ("money_not_decimal_string", "gross_amount_per_share")),
        ({"declared_total": {"amount": 620.0, "unit": 1000000, "rounding": "truncate"}},
         ("money_is_float", "declared_total.amount")),
        ({"eligible_shares": 45925926.0}, ("integer_is_float", "eligible_shares")),
        ({"version": True}, ("integer_is_bool", "version")),
        ({"record_date": 1475193600}, ("date_not_iso", "record_date")),
        ({"record_date": "2016-09-30T00:00:00"}, ("date_not_iso", "record_date")),
        ({"subject_to_approval": "yes"}, ("bool_type", "subject_to_approval")),
        ({"function": "NEW"}, ("enum", "function")),
        ({"security": {"isin": "JP3152820002", "mic": "XTKS"}},
         ("isin_check_digit", "security")),
        ({"security": {"mic": "XTKS"}}, ("security_identifier_missing", "security")),
        ({"surprise": 1}, ("extra_forbidden", "surprise")),
    ],
)  # fmt: skip
def test_malformed_message_is_rejected_with_a_precise_type(
    changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert expected in errors(iij_dict(**changes))


def test_integers_may_arrive_as_strings() -> None:
    data = iij_dict(eligible_shares="45925926", gross_amount_per_share=1500)
    r = BoardResolution.model_validate_json(json.dumps(data))
    assert (r.eligible_shares, r.gross_amount_per_share) == (45925926, Decimal(1500))


def test_every_field_has_a_description_and_an_example() -> None:
    schema = BoardResolution.model_json_schema()
    assert schema["examples"] == [IIJ]
    for name, model in [("BoardResolution", schema), *schema["$defs"].items()]:
        for field, spec in model.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"
            assert "examples" in spec, f"{name}.{field} has no example"


def test_a_stored_resolution_in_a_form_the_contract_since_refuses_still_reads() -> None:
    # accepted before issue 15 tightened integer strings and non-negative money; kept in a
    # worker's state, it must still restore (STORED context), while new input is refused
    from corpactions.contracts.board_resolution import STORED

    data = json.dumps(
        iij_dict(version="+2", declared_total={"amount": "-0", "unit": " 1000000 ",
                                               "rounding": "truncate"})
    )  # fmt: skip
    with pytest.raises(ValidationError):
        BoardResolution.model_validate_json(data)
    r = BoardResolution.model_validate_json(data, context=STORED)
    assert (r.version, r.declared_total and r.declared_total.unit) == (2, 1_000_000)
