"""`corpactions extract --produce`: IIJ's release of 2016-11-04 enters the stream in one
command, and the worker schedules it with the year-end forecast the same text states.

Expected (DOMAIN.md, by hand): interim JPY 13.50 resolved + year-end JPY 13.50 forecast
= annual 27.00; record date 2016-09-30, ex-date 2016-09-28 (XTKS, T+3).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.support.announcements import FIXTURES
from tests.support.kafka import Namespace, WorkerProcess, consume

pytestmark = pytest.mark.kafka

SEED = FIXTURES / "iij-2016-11-04-interim.txt"


async def test_an_extracted_announcement_is_read_back_by_the_worker(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    worker = spawn_worker()
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "corpactions.cli",
            "extract",
            str(SEED),
            "--isin",
            "JP3152820001",
            "--other-listing",
            "XNAS:IIJI:0.5",
            "--produce",
        ],
        env=namespace.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    extracted = json.loads(done.stdout)
    sent = [
        line for line in done.stderr.splitlines() if line.startswith("corpactions extract: sent")
    ]
    assert len(sent) == 2  # the forecast, then the resolution
    assert all(line.endswith("key JP3152820001") for line in sent)

    inputs = await consume(namespace.bootstrap, [t.resolutions], 2, within=30)
    assert [(r.key, r.json()["message_id"]) for r in inputs] == [
        (b"JP3152820001", extracted["forecasts"][0]["message_id"]),
        (b"JP3152820001", extracted["resolutions"][0]["message_id"]),
    ]

    outs = await consume(
        namespace.bootstrap, [t.schedules, t.dead_letters], 1, within=90, settle=1.5
    )
    assert [r.topic for r in outs] == [t.schedules], worker.log()[-3000:]
    event = outs[0].json()
    assert event["event_id"] == extracted["resolutions"][0]["event_id"]
    primary = event["schedule"]["primary_listing"]
    assert (primary["mic"], primary["ex_date"], primary["record_date"]) == (
        "XTKS",
        "2016-09-28",
        "2016-09-30",
    )
    year = event["schedule"]["fiscal"]["this_year"]
    assert (year["annual_total"], year["includes_forecast"]) == ("27.00", True)


PAX = FIXTURES / "markets" / "pax-global-2020-08-19-clarification.txt"


async def test_a_hong_kong_notice_with_a_book_closure_is_scheduled_from_it(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    """PAX Global's clarification of 2020-08-19 (HKEX: 327): register closed 28 Aug - 1
    Sep 2020, record 1 Sep. By hand: the last registration date is Thu 27 Aug (the day
    before the first closed day); HKEX settles T+2, so Tue 25 Aug's trades are the last to
    settle by it: last cum 2020-08-25, ex-date Wed 2020-08-26 (from the record date alone
    it would be 08-28)."""
    t = namespace.topics
    worker = spawn_worker()
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "corpactions.cli", "extract", str(PAX), "--produce"],
        env=namespace.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    extracted = json.loads(done.stdout)
    assert extracted["resolutions"][0]["book_closure"] == {
        "first_day": "2020-08-28",
        "last_day": "2020-09-01",
    }
    outs = await consume(
        namespace.bootstrap, [t.schedules, t.dead_letters], 1, within=90, settle=1.5
    )
    assert [r.topic for r in outs] == [t.schedules], worker.log()[-3000:]
    primary = outs[0].json()["schedule"]["primary_listing"]
    assert (primary["mic"], primary["last_cum_date"], primary["ex_date"]) == (
        "XHKG",
        "2020-08-25",
        "2020-08-26",
    )
