"""Dividend forecasts in the lifecycle, without Kafka: kept in the security's history,
revised by disclosure date, counted by a later resolution's roll-up, dead-lettered when
invalid. IIJ's figures (DOMAIN.md): interim 13.50 + year-end forecast 13.50 = 27.00."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState, decode_history
from tests.support.kafka import example_resolution, key_of

TOPICS = Topics(prefix="")
ANNOUNCED = dt.datetime(2016, 11, 4, 6, 0, tzinfo=dt.UTC)
FORECAST: dict[str, Any] = json.loads(
    (
        Path(__file__).resolve().parents[3] / "schemas/examples/dividend-forecast.iij-fy2016.json"
    ).read_text()
)


def forecast(offset: int, key: bytes = b"JP3152820001", **changes: Any) -> tuple[bytes, Source]:
    data = copy.deepcopy(FORECAST)
    data.update(changes)
    return json.dumps(data).encode(), Source(TOPICS.resolutions, 0, offset, None, key)


def resolution(offset: int) -> tuple[bytes, Source]:
    raw = json.dumps(example_resolution()).encode()
    return raw, Source(TOPICS.resolutions, 0, offset, 1478239200000, key_of(raw))


def test_a_forecast_enters_the_history_and_the_interim_rolls_up_to_27_00() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    out = life.on_resolution(state, *forecast(0), ANNOUNCED)
    assert (out.verdict, out.outputs) == (Verdict.FORECAST, ())
    # the history, on the changelog: one record for each forecast entry
    assert [key.split(b"\x00")[1] for key, _ in out.changes] == [
        b"f2017-03-31/interim/None",
        b"f2017-03-31/year_end/None",
    ]
    assert [
        (e.dividend_type.value, str(e.amount_per_share))
        for _, value in out.changes
        for e in decode_history(value or b"")
    ] == [("interim", "13.50"), ("year_end", "13.50")]
    # The same message again changes nothing.
    assert life.on_resolution(state, *forecast(1), ANNOUNCED).verdict is Verdict.DUPLICATE
    # An older disclosure arriving late changes nothing either.
    older = forecast(2, disclosed_on="2016-02-05", message_id="older")
    assert life.on_resolution(state, *older, ANNOUNCED).verdict is Verdict.STALE
    scheduled = life.on_resolution(state, *resolution(3), ANNOUNCED)
    assert scheduled.verdict is Verdict.SCHEDULED
    year = json.loads(scheduled.outputs[0].value)["schedule"]["fiscal"]["this_year"]
    assert (year["annual_total"], year["includes_forecast"]) == ("27.00", True)


def test_a_revised_forecast_replaces_the_earlier_one() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    life.on_resolution(state, *forecast(0), ANNOUNCED)
    revised = forecast(
        1,
        message_id="revised",
        disclosed_on="2016-08-05",
        dividends=[{"dividend_type": "year_end", "amount_per_share": "15.00"}],
    )
    assert life.on_resolution(state, *revised, ANNOUNCED).verdict is Verdict.FORECAST
    scheduled = life.on_resolution(state, *resolution(2), ANNOUNCED)
    # 13.50 resolved + 15.00 revised forecast = 28.50
    year = json.loads(scheduled.outputs[0].value)["schedule"]["fiscal"]["this_year"]
    assert year["annual_total"] == "28.50"


def test_an_invalid_or_misrouted_forecast_is_dead_lettered() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    cases = [
        (forecast(0, currency="XXX"), "domain_rule"),
        (forecast(1, dividends=[]), "schema_violation"),
        (forecast(2, key=b"US0378331005"), "wrong_key"),
    ]
    for (raw, source), code in cases:
        out = life.on_resolution(state, raw, source, ANNOUNCED)
        assert (out.verdict, out.reason) == (Verdict.DEAD_LETTER, code)
        assert out.changes == ()
    assert state.history_of("JP3152820001").entries == ()
