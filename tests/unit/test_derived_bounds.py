"""Derived amounts stay within the ISO 20022 bounds the contract applies to its inputs.

Rates: `ActiveCurrencyAnd13DecimalAmount` (fractionDigits 13, totalDigits 18), the rate
type of seev.031. Totals: `ActiveCurrencyAndAmount` (fractionDigits 5, totalDigits 18),
at the currency's ISO 4217 minor unit. Every expected value is a hand calculation
written beside it.
"""

from __future__ import annotations

from typing import Any

import pytest

from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DomainRejected, schedule_dividend

from .resolutions import iij


def reasons(**changes: Any) -> set[tuple[str, str]]:
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(iij(**changes))
    return {(r.code.value, r.field) for r in info.value.reasons}


def test_a_per_unit_rate_beyond_13_decimals_is_truncated_to_13_and_says_so() -> None:
    # 0.1234567890123 (13 decimals) x 0.3 = 0.03703703670369 (14 decimals, exact);
    # truncated (towards zero) to 13: 0.0370370367036.
    view = compute_schedule(
        iij(
            currency="USD",
            gross_amount_per_share="0.1234567890123",
            other_listings=[{"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.3"}],
            declared_total=None,
            eligible_shares=None,
            forecast_per_share=None,
        )
    )
    ads = view.other_listings[0]
    assert str(ads.gross_amount_per_unit) == "0.0370370367036"
    assert [(w.code.value, w.field) for w in view.validation.warnings] == [
        ("derived_amount_rounded", "other_listings.0.shares_per_unit")
    ]


def test_an_exact_per_unit_rate_is_left_as_it_is() -> None:
    # 13.50 x 0.5 = 6.75 (DOMAIN.md's IIJ ADS): nothing to round, no warning.
    view = compute_schedule(iij())
    assert str(view.other_listings[0].gross_amount_per_unit) == "6.75"
    assert view.validation.warnings == ()


def test_a_per_unit_rate_beyond_18_digits_is_rejected() -> None:
    # 123456789012345678 (18 digits) x 10 = 1234567890123456780 (19 digits): no
    # quantizing brings an integer part of 19 digits within 18.
    assert reasons(
        gross_amount_per_share="123456789012345678",
        other_listings=[{"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "10"}],
        declared_total=None,
        eligible_shares=None,
        forecast_per_share=None,
    ) == {("derived_amount_out_of_range", "other_listings.0.shares_per_unit")}


def test_a_total_beyond_18_digits_is_rejected() -> None:
    # JPY 123456 x 10^15 shares = 123,456,000,000,000,000,000: 21 digits > 18.
    assert reasons(
        gross_amount_per_share="123456",
        eligible_shares=10**15,
        declared_total=None,
    ) == {("derived_amount_out_of_range", "eligible_shares")}
    # USD 10 x 10^15 = 10,000,000,000,000,000.00 at USD's 2 decimals: 17 + 2 = 19 digits.
    assert reasons(
        currency="USD",
        gross_amount_per_share="10",
        eligible_shares=10**15,
        declared_total=None,
    ) == {("derived_amount_out_of_range", "eligible_shares")}


def test_a_total_of_18_digits_is_kept() -> None:
    # USD 1 x 10^15 = 1,000,000,000,000,000.00: 16 + 2 = 18 digits, the bound itself.
    view = compute_schedule(
        iij(
            currency="USD",
            gross_amount_per_share="1",
            eligible_shares=10**15,
            declared_total=None,
            forecast_per_share=None,
        )
    )
    assert view.amounts.total is not None
    assert str(view.amounts.total.amount) == "1000000000000000.00"


def test_a_declared_total_beyond_18_digits_is_rejected() -> None:
    # 620 x 10^18 = 620,000,000,000,000,000,000: 21 digits.
    assert reasons(declared_total={"amount": "620", "unit": 10**18, "rounding": "truncate"}) == {
        ("derived_amount_out_of_range", "declared_total.unit")
    }
