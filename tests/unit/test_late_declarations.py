"""Late US declarations: SEC Rule 10b-17's notice period, and a declaration after the
ex-date. Japanese interim dividends are resolved after their record date as a matter of
course and stay without a warning.

SEC Rule 10b-17 (17 CFR 240.10b-17): the issuer gives notice of a dividend "no later
than 10 days prior to the record date". Days are calendar days. Every date below is
worked by hand beside it; none comes from the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from corpactions.domain import schedule_dividend

from .resolutions import iij


def us_dividend(**changes: Any) -> Any:
    """An illustrative quarterly dividend of USD 0.51 on a NYSE-listed share, record date
    Fri 2024-06-14 (T+1 era: the ex-date is the record date), paid 2024-07-01."""
    data: dict[str, Any] = {
        "message_id": "us-q2-1",
        "event_id": "US1912161007-DVCA-2024-Q2",
        "resolved_on": "2024-04-25",
        "issuer": {"name": "Example Inc."},
        "security": {"isin": "US1912161007", "local_code": "KO", "mic": "XNYS"},
        "other_listings": [],
        "dividend_type": "quarterly",
        "fiscal_year_end": "2024-12-31",
        "currency": "USD",
        "gross_amount_per_share": "0.51",
        "record_date": "2024-06-14",
        "payment_date": "2024-07-01",
        "eligible_shares": None,
        "declared_total": None,
        "forecast_per_share": None,
    }
    data.update(changes)
    return iij(**data)


def codes(res: Any) -> list[tuple[str, str]]:
    return [(w.code.value, w.field) for w in schedule_dividend(res).warnings]


@pytest.mark.parametrize(
    ("resolved_on", "expected"),
    [
        # 06-14 - 04-25 = 50 days: in time.
        ("2024-04-25", []),
        # 06-14 - 06-04 = 10 days: "no later than 10 days prior" is met exactly.
        ("2024-06-04", []),
        # 06-14 - 06-05 = 9 days: late.
        ("2024-06-05", [("late_announcement", "resolved_on")]),
        # 06-14 - 06-14 = 0 days: late; the ex-date (06-14, T+1) is not after the
        # resolution, so it could still trade ex from the open that day.
        ("2024-06-14", [("late_announcement", "resolved_on")]),
        # Resolved Mon 06-17, after the ex-date Fri 06-14: late, and the share cannot
        # have traded ex on 06-14.
        (
            "2024-06-17",
            [("late_announcement", "resolved_on"), ("ex_date_before_announcement", "resolved_on")],
        ),
    ],
)
def test_us_notice_period_and_ex_date_before_the_announcement(
    resolved_on: str, expected: list[tuple[str, str]]
) -> None:
    assert codes(us_dividend(resolved_on=resolved_on)) == expected


def test_a_nasdaq_segment_primary_is_a_us_listing_too() -> None:
    # XNGS (Nasdaq Global Select, a segment of XNAS in ISO 10383); 9 days: late.
    res = us_dividend(resolved_on="2024-06-05", security={"isin": "US1912161007", "mic": "XNGS"})
    assert codes(res) == [("late_announcement", "resolved_on")]


def test_t_plus_2_era_ex_date_before_record_date() -> None:
    # Record Fri 2019-06-14, T+2: last cum Wed 06-12 (-> 06-13, 06-14), ex Thu 06-13.
    # Resolved Thu 06-13 = the ex-date: not after it; 1 day before the record: late.
    res = us_dividend(
        record_date="2019-06-14",
        payment_date="2019-07-01",
        fiscal_year_end="2019-12-31",
        resolved_on="2019-06-13",
    )
    assert codes(res) == [("late_announcement", "resolved_on")]
    # Resolved Fri 06-14: after the ex-date 06-13.
    res = us_dividend(
        record_date="2019-06-14",
        payment_date="2019-07-01",
        fiscal_year_end="2019-12-31",
        resolved_on="2019-06-14",
    )
    assert codes(res) == [
        ("late_announcement", "resolved_on"),
        ("ex_date_before_announcement", "resolved_on"),
    ]


def test_japanese_interim_resolved_after_its_record_date_stays_normal() -> None:
    # IIJ FY2016 interim: record 2016-09-30, ex 09-28, resolved 2016-11-04 (DOMAIN.md);
    # its ADS trades on Nasdaq, but the declaration is the Tokyo issuer's: no warning.
    assert codes(iij()) == []
