"""Dividend forecasts through the stream: kept in the security's history, counted in the
roll-up of a later resolution, revised by disclosure date; an invalid one dead-lettered.

Figures from IIJ's release of 2016-11-04 (DOMAIN.md): FY2016 interim JPY 13.50
resolved + year-end forecast JPY 13.50 (disclosed 2016-05-13) = annual 27.00.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
FORECAST: dict[str, Any] = json.loads((EXAMPLES / "dividend-forecast.iij-fy2016.json").read_text())
KEY = b"JP3152820001"


def forecast(**changes: Any) -> bytes:
    data = copy.deepcopy(FORECAST)
    data.update(changes)
    return json.dumps(data).encode()


async def test_a_forecast_then_the_interim_gives_the_annual_27_00(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    worker = spawn_worker()
    stale = forecast(
        message_id="iij-forecast-old",
        disclosed_on="2016-04-01",
        dividends=[{"dividend_type": "year_end", "amount_per_share": "99.00"}],
    )
    bad = forecast(message_id="iij-forecast-bad", dividends=[])  # no dividends: invalid
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [
            (KEY, forecast()),
            (KEY, stale),  # disclosed before 2016-05-13, arriving later: changes nothing
            (KEY, bad),
            (KEY, json.dumps(example_resolution()).encode()),
        ],
    )
    outs = await consume(
        namespace.bootstrap, [t.schedules, t.dead_letters], 2, within=60, settle=1.5
    )
    schedules = [r.json() for r in outs if r.topic == t.schedules]
    letters = [r.json() for r in outs if r.topic == t.dead_letters]
    assert len(schedules) == 1, worker.log()[-3000:]
    year = schedules[0]["schedule"]["fiscal"]["this_year"]
    assert (year["annual_total"], year["includes_forecast"]) == ("27.00", True)
    assert [
        (c["dividend_type"], c["status"], c["amount_per_share"]) for c in year["components"]
    ] == [
        ("interim", "resolved", "13.50"),
        ("year_end", "forecast", "13.50"),
    ]
    assert [r["reason"]["code"] for r in letters] == ["schema_violation"]
