"""Domain-rule reasons: each rule, its machine-readable code and the field it names."""

from __future__ import annotations

from typing import Any

import pytest

from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DomainRejected

from .resolutions import iij


def rejected(**changes: Any) -> set[tuple[str, str]]:
    with pytest.raises(DomainRejected) as info:
        compute_schedule(iij(**changes))
    return {(r.code.value, r.field) for r in info.value.reasons}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"payment_date": "2016-09-29"}, ("payment_before_record", "payment_date")),
        ({"currency": "XXX"}, ("unknown_currency", "currency")),
        ({"gross_amount_per_share": "0"}, ("non_positive_rate", "gross_amount_per_share")),
        ({"gross_amount_per_share": "-13.50"}, ("non_positive_rate", "gross_amount_per_share")),
        (
            {"gross_amount_per_share": "0.12345678901234"},  # 14 decimals > 13
            ("too_many_decimals", "gross_amount_per_share"),
        ),
        (
            {"gross_amount_per_share": "1234567890123456789"},  # 19 digits > 18
            ("too_many_digits", "gross_amount_per_share"),
        ),
        ({"record_date": "1999-12-31"}, ("record_date_out_of_calendar_range", "record_date")),
        # past the horizon (at most 50 years after the start-up year; tests: 2036-12-31)
        ({"record_date": "2099-03-31", "payment_date": None, "fiscal_year_end": "2099-03-31"},
         ("record_date_out_of_calendar_range", "record_date")),
        ({"security": {"isin": "JP3152820001", "mic": "QQQQ"}}, ("unknown_mic", "security.mic")),
        # exchange_calendars knows XJSE, but no settlement history is held for it.
        ({"security": {"isin": "JP3152820001", "mic": "XJSE"}},
         ("unsupported_mic", "security.mic")),
        (
            {"other_listings": [{"mic": "ZZZZ", "symbol": "IIJI", "shares_per_unit": "0.5"}]},
            ("unknown_mic", "other_listings.0.mic"),
        ),
        (
            {"declared_total": {"amount": "620", "unit": 2500, "rounding": "truncate"}},
            ("invalid_declared_unit", "declared_total.unit"),
        ),
        (
            {"other_listings": [
                {"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.5"},
                {"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.5"},
            ]},
            ("duplicate_listing", "other_listings.1"),
        ),
        ({"resolved_on": "2016-12-07"}, ("payment_before_resolution", "payment_date")),
    ],
)  # fmt: skip
def test_rule_violation_is_rejected_with_its_code_and_field(
    changes: dict[str, Any], reason: tuple[str, str]
) -> None:
    assert reason in rejected(**changes)


def test_every_broken_rule_is_reported_at_once() -> None:
    # Paid 2016-09-01: before the record date (09-30) and before the resolution (11-04).
    reasons = rejected(currency="XXX", payment_date="2016-09-01", gross_amount_per_share="0")
    assert {code for code, _ in reasons} == {
        "unknown_currency",
        "payment_before_record",
        "payment_before_resolution",
        "non_positive_rate",
    }


def test_announcement_after_the_record_date_is_valid() -> None:
    # IIJ resolved on 2016-11-04, five weeks after the 2016-09-30 record date.
    view = compute_schedule(iij())
    assert view.resolved_on > view.record_date
    assert view.validation.verdict == "valid"


def test_thirteen_decimals_are_allowed() -> None:
    view = compute_schedule(iij(gross_amount_per_share="0.1234567890123", declared_total=None))
    assert str(view.amounts.gross_amount_per_share) == "0.1234567890123"


def test_inconsistent_declared_total_is_a_warning_not_a_rejection() -> None:
    # 45,925,925 shares x 13.50 = 619,999,987.5 -> prints 619 million, not 620.
    view = compute_schedule(iij(eligible_shares=45_925_925))
    assert view.amounts.consistency == "inconsistent"
    assert view.validation.verdict == "valid_with_warnings"
    assert [w.code.value for w in view.validation.warnings] == ["declared_total_inconsistent"]


def test_reason_text_is_code_field_message() -> None:
    with pytest.raises(DomainRejected) as info:
        compute_schedule(iij(currency="XXX"))
    assert str(info.value.reasons[0]).startswith("unknown_currency currency: ")
