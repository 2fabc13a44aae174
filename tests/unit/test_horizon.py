"""The horizon of record dates: derived at start-up, at least ten years ahead, configurable."""

from __future__ import annotations

import datetime as dt

import pytest

from corpactions.domain.horizon import horizon_for
from corpactions.settings import Settings, SettingsError


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
