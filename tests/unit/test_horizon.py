"""The horizon of record dates: derived at start-up, at least ten years ahead, configurable."""

from __future__ import annotations

import datetime as dt

import pytest

from corpactions.domain import DomainRejected, schedule_dividend
from corpactions.domain.calendars import configured_horizon
from corpactions.domain.horizon import horizon_for
from corpactions.settings import Settings, SettingsError

from .resolutions import iij


def test_the_horizon_is_31_december_ten_years_after_the_start_up_year_by_default() -> None:
    # Started 2026-11-30: 2026 + 10 = 2036, so 2036-12-31 (>= 2036-11-30, ten years on).
    assert Settings.from_env({}).calendar_horizon(dt.date(2026, 11, 30)) == dt.date(2036, 12, 31)
    # Started on New Year's Day: still at least ten years ahead.
    assert horizon_for(dt.date(2031, 1, 1), 10) == dt.date(2041, 12, 31)


def test_the_horizon_is_configurable_but_never_under_ten_years() -> None:
    settings = Settings.from_env({"CORPACTIONS_CALENDAR_HORIZON_YEARS": "25"})
    assert settings.calendar_horizon(dt.date(2026, 11, 30)) == dt.date(2051, 12, 31)
    for bad in ("9", "51", "ten"):
        with pytest.raises(SettingsError, match="CORPACTIONS_CALENDAR_HORIZON_YEARS"):
            Settings.from_env({"CORPACTIONS_CALENDAR_HORIZON_YEARS": bad})


def test_a_record_date_past_the_horizon_is_rejected_naming_the_horizon() -> None:
    horizon = configured_horizon()
    late = horizon + dt.timedelta(days=1)
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(
            iij(
                record_date=late.isoformat(),
                payment_date=None,
                fiscal_year_end=late.replace(month=12, day=31).isoformat(),
                other_listings=[],
            )
        )
    (reason,) = info.value.reasons
    assert (reason.code.value, reason.field) == ("record_date_out_of_calendar_range", "record_date")
    assert horizon.isoformat() in reason.message


def test_a_record_date_on_the_horizon_is_scheduled() -> None:
    horizon = configured_horizon()  # 31 December: a TSE holiday, rolled back to a session
    s = schedule_dividend(
        iij(
            record_date=horizon.isoformat(),
            payment_date=None,
            fiscal_year_end=horizon.isoformat(),
            other_listings=[{"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.5"}],
        )
    )
    assert s.primary.dates is not None
    assert s.primary.dates.ex_date < horizon


def test_the_first_record_date_of_2000_is_scheduled_and_the_day_before_is_not() -> None:
    # Tokyo, 2000-01-01: last cum 1999-12-24, ex 12-27 (worked in test_exdates_golden).
    s = schedule_dividend(
        iij(record_date="2000-01-01", payment_date=None, fiscal_year_end="2000-03-31",
            resolved_on="1999-11-05", other_listings=[])
    )  # fmt: skip
    assert s.primary.dates is not None
    assert (s.primary.dates.last_cum_date, s.primary.dates.ex_date) == (
        dt.date(1999, 12, 24),
        dt.date(1999, 12, 27),
    )
    with pytest.raises(DomainRejected):
        schedule_dividend(
            iij(record_date="1999-12-31", payment_date=None, fiscal_year_end="2000-03-31",
                resolved_on="1999-11-05", other_listings=[])
        )  # fmt: skip
