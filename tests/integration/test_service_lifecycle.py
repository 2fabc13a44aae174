"""The stream service end to end on a real broker, with an injected clock.

The worker is a real `corpactions worker` process; the test moves its clock by writing
``CORPACTIONS_CLOCK_FILE`` and reads every output topic with plain aiokafka
(``read_committed``), checking each expected event appears exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.kafka import (
    Namespace,
    Record,
    WorkerProcess,
    consume,
    example_resolution,
    produce,
    tokyo_resolutions,
)

pytestmark = pytest.mark.kafka

IIJ = "JP3152820001-DVCA-FY2016-INTERIM"
# 2016-12-06 00:00 in Tokyo (UTC+9) is 2016-12-05 15:00 UTC.
ANNOUNCED = "2016-11-04T06:00:00+00:00"


def set_clock(path: Path, iso: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(iso)
    tmp.replace(path)


def us_resolution(**changes: Any) -> dict[str, Any]:
    """A US quarterly dividend (values illustrative), record date in the clock's future."""
    data = example_resolution(
        message_id="us-1",
        event_id="US0000000001-DVCA-2016Q4",
        issuer={"name": "Example Corp"},
        security={"isin": "US0378331005", "mic": "XNAS"},
        other_listings=[],
        dividend_type="quarterly",
        fiscal_year_end="2017-09-30",
        currency="USD",
        gross_amount_per_share="0.57",
        record_date="2016-11-14",
        payment_date="2016-11-17",
        eligible_shares=None,
        declared_total=None,
        forecast_per_share=None,
    )
    data.update(changes)
    return data


def by_type(records: list[Record]) -> Counter[str]:
    return Counter(r.json()["type"] for r in records)


async def wait_for(
    ns: Namespace, topics: list[str], expected: int, within: float = 60
) -> list[Record]:
    return await consume(ns.bootstrap, topics, expected, within=within, settle=1.5)


async def test_lifecycle_on_a_real_broker_with_dead_letters_between_valid_events(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    t = namespace.topics
    clock = tmp_path / "clock"
    set_clock(clock, ANNOUNCED)
    worker = spawn_worker(CORPACTIONS_CLOCK_FILE=str(clock), CORPACTIONS_TICK_INTERVAL_S="0.1")
    iij = example_resolution()
    k_iij, k_us = b"JP3152820001", b"US0378331005"
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [
            (k_iij, json.dumps(iij).encode()),
            (k_us, b"\xff\xfe\xfd"),  # invalid UTF-8
            (k_us, json.dumps(us_resolution()).encode()),
            (k_iij, b'{"message_id": "trunc'),  # truncated JSON
            (k_iij, json.dumps(iij).encode()),  # duplicate message_id
            (k_us, json.dumps(us_resolution(gross_amount_per_share=0.57)).encode()),  # float
            (
                k_iij,
                json.dumps(
                    example_resolution(
                        message_id="iij-3", function="REPL", version=3, payment_date="2016-12-09"
                    )
                ).encode(),
            ),
            (
                k_us,
                json.dumps(
                    us_resolution(
                        message_id="bad-mic",
                        security={"mic": "XQQQ", "isin": "US0378331005"},
                        event_id="other",
                    )
                ).encode(),
            ),
            (
                k_iij,
                json.dumps(
                    example_resolution(message_id="iij-2", function="REPL", version=2)
                ).encode(),
            ),  # older version, late
            (
                k_us,
                json.dumps(us_resolution(message_id="us-2", function="CANC", version=2)).encode(),
            ),
            (k_us, json.dumps({"hello": "world"}).encode()),  # wrong shape
        ],
    )
    outs = await wait_for(namespace, [t.schedules, t.record_dates, t.dead_letters], expected=10)
    assert by_type([r for r in outs if r.topic == t.schedules]) == {
        "DividendScheduled": 2,
        "DividendScheduleReplaced": 1,
        "DividendCancelled": 1,
    }, worker.log()[-3000:]
    records = [r.json() for r in outs if r.topic == t.record_dates]
    assert [(r["event_id"], r["record_date"]) for r in records] == [(IIJ, "2016-09-30")]
    letters = [r.json() for r in outs if r.topic == t.dead_letters]
    assert sorted(r["reason"]["code"] for r in letters) == [
        "domain_rule",
        "schema_violation",
        "schema_violation",
        "undecodable",
        "undecodable",
    ]
    assert all(r["source_topic"] == t.resolutions for r in letters)
    # every output id once
    ids = Counter(r.headers["ce_id"] for r in outs)
    assert max(ids.values()) == 1

    # 2016-12-06 in Tokyo: the payment date moved to 12-09, so nothing fires yet
    set_clock(clock, "2016-12-06T03:00:00+00:00")
    # 2016-11-17 (the cancelled US payment) has passed as well: must not fire
    await asyncio.sleep(1.5)
    assert await consume(namespace.bootstrap, [t.payment_dates], 1, within=1) == []
    set_clock(clock, "2016-12-09T03:00:00+00:00")
    [payment] = await wait_for(namespace, [t.payment_dates], expected=1)
    event = payment.json()
    assert event["type"] == "PaymentDateReached"
    assert event["event_id"] == IIJ
    assert event["payment_date"] == "2016-12-09"
    assert event["version"] == 3
    assert payment.key == k_iij


async def test_restart_fires_each_missed_date_exactly_once(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    t = namespace.topics
    clock = tmp_path / "clock"
    set_clock(clock, ANNOUNCED)
    env = {"CORPACTIONS_CLOCK_FILE": str(clock), "CORPACTIONS_TICK_INTERVAL_S": "0.1"}
    first = spawn_worker(**env)
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(b"JP3152820001", json.dumps(example_resolution()).encode())],
    )
    outs = await wait_for(namespace, [t.schedules, t.record_dates], expected=2)
    assert by_type(outs) == {"DividendScheduled": 1, "RecordDateReached": 1}
    assert first.stop() == 0
    set_clock(clock, "2016-12-07T00:00:00+00:00")  # the payment date passed while down
    spawn_worker(**env)
    outs = await wait_for(namespace, [t.schedules, t.record_dates, t.payment_dates], expected=3)
    assert by_type(outs) == {
        "DividendScheduled": 1,
        "RecordDateReached": 1,
        "PaymentDateReached": 1,
    }


async def test_two_workers_share_the_partitions_and_emit_each_event_once(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    spawn_worker()
    spawn_worker()
    await produce(namespace.bootstrap, t.resolutions, tokyo_resolutions(30))
    # 30 schedules + 30 record dates + 30 payment dates (real clock: all dates past)
    outs = await wait_for(namespace, [t.schedules, t.record_dates, t.payment_dates], 90)
    assert by_type(outs) == {
        "DividendScheduled": 30,
        "RecordDateReached": 30,
        "PaymentDateReached": 30,
    }
    assert len({r.headers["ce_id"] for r in outs}) == 90
