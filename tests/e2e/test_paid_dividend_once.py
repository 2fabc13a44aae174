"""A paid dividend is never paid again (issue 15), on a real broker with an injected
clock (``CORPACTIONS_CLOCK_FILE``), a worker killed and a second one taking over.

IIJ FY2016 interim, XTKS (UTC+9, no DST), instants worked by hand:
- record date 2016-09-30 ends 23:59:59 JST = 2016-09-30T14:59:59Z (already past when
  the resolution arrives on 2016-11-04);
- payment date 2016-12-06 begins 00:00 JST = 2016-12-05T15:00:00Z;
- the REPL's payment date 2016-12-08 begins 00:00 JST = 2016-12-07T15:00:00Z.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka

KEY = b"JP3152820001"
ENV = {"CORPACTIONS_TICK_INTERVAL_S": "0.1"}


def set_clock(path: Path, iso: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(iso)
    tmp.replace(path)


async def test_repl_and_canc_after_payment_are_dead_lettered_and_it_is_paid_once(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    t = namespace.topics
    every = [t.schedules, t.record_dates, t.payment_dates, t.dead_letters]
    clock = tmp_path / "clock"
    set_clock(clock, "2016-11-04T06:00:00+00:00")
    first = spawn_worker(CORPACTIONS_CLOCK_FILE=str(clock), **ENV)
    newm = json.dumps(example_resolution()).encode()
    await produce(namespace.bootstrap, t.resolutions, [(KEY, newm)])
    outs = await consume(namespace.bootstrap, every, 2, within=60, settle=1)
    assert Counter(r.json()["type"] for r in outs) == {
        "DividendScheduled": 1,
        "RecordDateReached": 1,
    }, first.log()[-3000:]
    [record] = [r.json() for r in outs if r.topic == t.record_dates]
    assert record["as_of"] == "2016-09-30T14:59:59Z"

    set_clock(clock, "2016-12-06T03:00:00+00:00")  # 12:00 JST on the payment date
    [paid] = await consume(namespace.bootstrap, [t.payment_dates], 1, within=60, settle=1)
    assert paid.json()["as_of"] == "2016-12-05T15:00:00Z"

    repl = example_resolution(
        message_id="iij-repl", function="REPL", version=4, payment_date="2016-12-08"
    )
    canc = example_resolution(message_id="iij-canc", function="CANC", version=5)
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(KEY, json.dumps(repl).encode()), (KEY, json.dumps(canc).encode())],
    )
    # past the date the REPL asked for, then a crash and another worker taking over
    set_clock(clock, "2016-12-09T03:00:00+00:00")
    await asyncio.sleep(2)
    first.kill()
    second = spawn_worker(CORPACTIONS_CLOCK_FILE=str(clock), **ENV)
    outs = await consume(namespace.bootstrap, every, 6, within=60, settle=3)
    assert Counter(r.json()["type"] for r in outs) == {
        "DividendScheduled": 1,
        "RecordDateReached": 1,
        "PaymentDateReached": 1,
        "BoardResolutionRejected": 2,
    }, second.log()[-3000:]
    letters = [r.json() for r in outs if r.topic == t.dead_letters]
    assert [letter["reason"]["code"] for letter in letters] == ["event_already_paid"] * 2
    [payment] = [r.json() for r in outs if r.topic == t.payment_dates]
    assert (payment["payment_date"], payment["version"]) == ("2016-12-06", 1)
