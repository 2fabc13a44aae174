"""Dividend forecasts: the contract, revisions, and the seed's annual JPY 27.00.

Figures from IIJ's release of 2016-11-04 (DOMAIN.md): FY2016 (year ending 2017-03-31)
interim JPY 13.50 resolved, year-end forecast JPY 13.50 (disclosed 2016-05-13), annual
27.00. Revised figures below are illustrative; their sums are worked beside them.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from corpactions.commands.schedule import print_schedule as run
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.forecast import DividendForecast, forecast_entries
from corpactions.contracts.inbound import decode_inbound, history_of, is_forecast
from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DividendType, DomainRejected, EntryStatus, PastDividend
from corpactions.domain.forecasts import apply_forecasts, check_forecasts

from .resolutions import EXAMPLE, iij

FORECAST_EXAMPLE = EXAMPLE.parent / "dividend-forecast.iij-fy2016.json"
IIJ_FORECAST: dict[str, Any] = json.loads(FORECAST_EXAMPLE.read_text())


def forecast(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(IIJ_FORECAST)
    data.update(changes)
    return data


def year_end_only(amount: str, disclosed_on: str, message_id: str) -> dict[str, Any]:
    return forecast(
        message_id=message_id,
        disclosed_on=disclosed_on,
        dividends=[{"dividend_type": "year_end", "amount_per_share": amount}],
    )


def test_the_example_forecast_is_a_valid_forecast_and_not_a_resolution() -> None:
    raw = FORECAST_EXAMPLE.read_bytes()
    assert is_forecast(raw)
    assert not is_forecast(EXAMPLE.read_bytes())
    message = decode_inbound(raw)
    assert isinstance(message, DividendForecast)
    assert message.security_key == "JP3152820001"
    assert isinstance(decode_inbound(EXAMPLE.read_bytes()), BoardResolution)


def test_iij_interim_with_its_year_end_forecast_rolls_up_to_27_00() -> None:
    history = history_of([decode_inbound(FORECAST_EXAMPLE.read_bytes())])
    year = compute_schedule(iij(), history).fiscal.this_year
    # interim 13.50 (resolved) + year-end 13.50 (forecast of 2016-05-13) = 27.00
    assert (str(year.resolved_total), str(year.forecast_total), str(year.annual_total)) == (
        "13.50",
        "13.50",
        "27.00",
    )
    assert year.includes_forecast
    assert [(c.dividend_type.value, c.status.value) for c in year.components] == [
        ("interim", "resolved"),
        ("year_end", "forecast"),
    ]


def test_without_the_forecast_the_roll_up_says_13_50() -> None:
    year = compute_schedule(iij()).fiscal.this_year
    assert (str(year.annual_total), year.includes_forecast) == ("13.50", False)


def test_a_revision_replaces_the_earlier_forecast_by_disclosure_date() -> None:
    first = decode_inbound(json.dumps(forecast()))
    revised = decode_inbound(json.dumps(year_end_only("15.00", "2016-08-05", "rev-1")))
    # Revised year-end 15.00: 13.50 + 15.00 = 28.50.
    year = compute_schedule(iij(), history_of([first, revised])).fiscal.this_year
    assert str(year.annual_total) == "28.50"
    # The same two disclosures arriving in the other order: the 08-05 one still wins.
    year = compute_schedule(iij(), history_of([revised, first])).fiscal.this_year
    assert str(year.annual_total) == "28.50"


def test_the_history_keeps_one_forecast_per_period() -> None:
    def entry(amount: str, disclosed: str) -> PastDividend:
        return PastDividend(
            dt.date(2017, 3, 31), DividendType.YEAR_END, Decimal(amount), "JPY",
            status=EntryStatus.FORECAST, disclosed_on=dt.date.fromisoformat(disclosed),
        )  # fmt: skip

    held = apply_forecasts((), [entry("13.50", "2016-05-13")])
    held = apply_forecasts(held, [entry("15.00", "2016-08-05")])
    assert [(str(e.amount_per_share), e.disclosed_on) for e in held] == [
        ("15.00", dt.date(2016, 8, 5))
    ]
    # An older disclosure arriving late changes nothing (the same tuple comes back).
    assert apply_forecasts(held, [entry("13.50", "2016-05-13")]) is held
    # A same-day correction replaces.
    corrected = apply_forecasts(held, [entry("14.00", "2016-08-05")])
    assert [str(e.amount_per_share) for e in corrected] == ["14.00"]


def quarterly(record_date: str, amount: str) -> dict[str, str]:
    return {"dividend_type": "quarterly", "record_date": record_date, "amount_per_share": amount}


def test_quarterly_forecasts_are_placed_by_their_record_date() -> None:
    message = DividendForecast.model_validate(
        forecast(
            fiscal_year_end="2024-12-31",
            currency="USD",
            dividends=[
                quarterly("2024-03-15", "0.485"),
                quarterly("2024-06-14", "0.485"),
            ],
        )
    )  # fmt: skip
    assert len(forecast_entries(message)) == 2
    with pytest.raises(ValidationError, match="forecast_record_date_missing"):
        DividendForecast.model_validate(
            forecast(dividends=[{"dividend_type": "quarterly", "amount_per_share": "1"}])
        )
    # Two forecasts of one quarter in one message: which would count?
    with pytest.raises(ValidationError, match="forecast_period_repeated"):
        DividendForecast.model_validate(
            forecast(
                fiscal_year_end="2024-12-31",
                dividends=[
                    quarterly("2024-03-15", "1"),
                    quarterly("2024-02-15", "1"),
                ],
            )
        )  # fmt: skip


def test_a_forecast_is_never_a_float() -> None:
    with pytest.raises(ValidationError, match="money_is_float"):
        DividendForecast.model_validate(
            forecast(dividends=[{"dividend_type": "year_end", "amount_per_share": 13.5}])
        )


def test_schedule_command_takes_the_history(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps([IIJ_FORECAST]))
    out, err = io.StringIO(), io.StringIO()
    assert run(str(EXAMPLE), out, err, history=str(history)) == 0, err.getvalue()
    year = json.loads(out.getvalue())["fiscal"]["this_year"]
    assert (year["annual_total"], year["includes_forecast"]) == ("27.00", True)


def test_schedule_command_reports_a_bad_history_message_by_position(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    bad = forecast(dividends=[{"dividend_type": "year_end", "amount_per_share": 13.5}])
    history.write_text(json.dumps([IIJ_FORECAST, bad]))
    out, err = io.StringIO(), io.StringIO()
    assert run(str(EXAMPLE), out, err, history=str(history)) == 2
    assert err.getvalue().startswith("money_is_float history.1.dividends.0.amount_per_share: ")


def test_a_forecast_in_an_unknown_currency_or_beyond_13_decimals_is_rejected() -> None:
    message = DividendForecast.model_validate(
        forecast(
            currency="XXX",
            dividends=[{"dividend_type": "year_end", "amount_per_share": "0.12345678901234"}],
        )
    )
    with pytest.raises(DomainRejected) as info:
        check_forecasts(forecast_entries(message))
    assert {(r.code.value, r.field) for r in info.value.reasons} == {
        ("unknown_currency", "currency"),
        ("too_many_decimals", "dividends.0.amount_per_share"),
    }
    check_forecasts(forecast_entries(DividendForecast.model_validate(IIJ_FORECAST)))


def test_the_history_example_gives_the_seeds_annual_27_00() -> None:
    out, err = io.StringIO(), io.StringIO()
    history = EXAMPLE.parent / "history.iij-fy2016.json"
    assert run(str(EXAMPLE), out, err, history=str(history)) == 0, err.getvalue()
    year = json.loads(out.getvalue())["fiscal"]["this_year"]
    assert (year["annual_total"], year["includes_forecast"]) == ("27.00", True)
