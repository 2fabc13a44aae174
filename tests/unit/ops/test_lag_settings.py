"""The lag monitor's settings (CORPACTIONS_LAG_*), read once with the others."""

from __future__ import annotations

import pytest

from corpactions.settings import Settings, SettingsError


def test_lag_settings_default_to_burrows_window_and_our_group_only() -> None:
    s = Settings.from_env({})
    assert (s.lag_interval_s, s.lag_groups, s.lag_window) == (15.0, (), 10)


def test_lag_settings_from_the_environment() -> None:
    s = Settings.from_env(
        {
            "CORPACTIONS_LAG_INTERVAL_S": "2.5",
            "CORPACTIONS_LAG_GROUPS": " billing, notifications ,,",
            "CORPACTIONS_LAG_WINDOW": "5",
        }
    )
    assert (s.lag_interval_s, s.lag_groups, s.lag_window) == (2.5, ("billing", "notifications"), 5)
    assert Settings.from_env({"CORPACTIONS_LAG_GROUPS": "*"}).lag_groups == ("*",)


def test_a_non_numeric_interval_is_refused() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"CORPACTIONS_LAG_INTERVAL_S": "soon"})
