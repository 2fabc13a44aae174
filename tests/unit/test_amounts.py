"""Totals, minor units, rounding modes and the share range a printed total implies.

Expected values are worked out by hand beside each case.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpactions.domain.amounts import DeclaredTotal, declared_range, total_amount
from corpactions.domain.money import MINOR_UNITS, Rounding, plain, quantize_to_currency
from corpactions.domain.schedule import per_unit

D = Decimal


def test_minor_units_follow_iso_4217_list_one() -> None:
    # ISO 4217 "Minor unit" column: JPY 0, USD 2, KWD 3.
    assert (MINOR_UNITS["JPY"], MINOR_UNITS["USD"], MINOR_UNITS["KWD"]) == (0, 2, 3)


@pytest.mark.parametrize(
    ("amount", "currency", "rounding", "expected"),
    [
        ("620000000.5", "JPY", Rounding.TRUNCATE, "620000000"),  # drop the half yen
        ("620000000.5", "JPY", Rounding.HALF_UP, "620000001"),  # tie goes up
        ("12.345", "USD", Rounding.TRUNCATE, "12.34"),
        ("12.345", "USD", Rounding.HALF_UP, "12.35"),
        ("12.3449", "USD", Rounding.HALF_UP, "12.34"),
        ("1.0005", "KWD", Rounding.HALF_UP, "1.001"),
    ],
)
def test_quantize_uses_the_named_rounding_mode(
    amount: str, currency: str, rounding: Rounding, expected: str
) -> None:
    got = quantize_to_currency(D(amount), currency, rounding)
    assert str(got) == expected


def test_iij_total_is_rate_times_shares_in_whole_yen() -> None:
    # 45,925,926 x 13.50 = 45,925,926 x 13 + 45,925,926 / 2
    #                    = 597,037,038 + 22,962,963 = 620,000,001 yen.
    assert total_amount(D("13.50"), 45_925_926, "JPY") == D("620000001")


def test_iij_620_million_truncated_pins_shares_between_45925926_and_45999999() -> None:
    # Truncated to millions: 620,000,000 <= 13.50 x s < 621,000,000.
    # s >= 620,000,000 / 13.5 = 45,925,925.93 -> 45,925,926
    # s <  621,000,000 / 13.5 = 46,000,000     -> 45,999,999
    rng = declared_range(D("13.50"), DeclaredTotal(D("620"), 1_000_000, Rounding.TRUNCATE), "JPY")
    assert (rng.eligible_shares_min, rng.eligible_shares_max) == (45_925_926, 45_999_999)
    assert (rng.total_min, rng.total_max_exclusive) == (D("620000000"), D("621000000"))
    assert rng.contains(45_925_926)
    assert not rng.contains(45_925_925)  # 13.50 x 45,925,925 = 619,999,987.5 -> 619 million


def test_half_up_declared_total_is_centred_on_the_printed_figure() -> None:
    # 505 million half-up (IIJ FY2015 interim's printed total, rate 11.00):
    # 504,500,000 <= 11 x s < 505,500,000
    # s >= 45,863,636.36 -> 45,863,637 ; s < 45,954,545.45 -> max 45,954,545
    rng = declared_range(D("11.00"), DeclaredTotal(D("505"), 1_000_000, Rounding.HALF_UP), "JPY")
    assert (rng.eligible_shares_min, rng.eligible_shares_max) == (45_863_637, 45_954_545)


def test_declared_total_with_a_decimal_uses_its_last_printed_digit() -> None:
    # USD 12.3 million truncated at 0.1 million: 12,300,000 <= 0.2875 s < 12,400,000
    # s >= 42,782,608.70 -> 42,782,609 ; s < 43,130,434.78 -> max 43,130,434
    rng = declared_range(D("0.2875"), DeclaredTotal(D("12.3"), 1_000_000, Rounding.TRUNCATE), "USD")
    assert (rng.eligible_shares_min, rng.eligible_shares_max) == (42_782_609, 43_130_434)
    assert rng.total_min == D("12300000.00")


def test_a_total_no_share_count_can_print_as_is_reported_unreachable() -> None:
    # Rate JPY 1,500, printed in yen (unit 1) as 1,000: 1,000 <= 1,500 s < 1,001 has no
    # whole s.
    rng = declared_range(D("1500"), DeclaredTotal(D("1000"), 1, Rounding.TRUNCATE), "JPY")
    assert rng.eligible_shares_min > rng.eligible_shares_max


@pytest.mark.parametrize(
    ("rate", "shares_per_unit", "expected"),
    [
        ("13.50", "0.5", "6.75"),  # IIJ ADS: 2 ADS = 1 share, 13.50 / 2
        ("13.50", "1", "13.50"),
        ("0.2875", "2", "0.5750"),  # keeps the rate's four decimals
        ("1", "0.125", "0.125"),  # never drops a significant digit
    ],
)
def test_per_unit_rate_is_rate_times_shares_per_unit(
    rate: str, shares_per_unit: str, expected: str
) -> None:
    assert str(per_unit(D(rate), D(shares_per_unit))) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13.50", "13.50"),  # digits as written
        ("1E+3", "1000"),  # never an exponent
        ("1.50E+2", "150"),
        ("0.0000001", "0.0000001"),  # str() would write 1E-7
        ("0E-7", "0.0000000"),
        ("-0", "-0"),
        ("0.000001", "0.000001"),
    ],
)
def test_plain_writes_fixed_point_text(value: str, expected: str) -> None:
    assert plain(D(value)) == expected


@settings(max_examples=500, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1]))
def test_plain_is_format_f_whatever_the_context(value: Decimal, capitals: int) -> None:
    with localcontext(capitals=capitals):
        assert plain(value) == format(value, "f")
